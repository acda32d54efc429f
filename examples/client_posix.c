/* SPDX-License-Identifier: MIT */
/*
 * examples/client_posix.c - a command-line Web PubSub chat client: the
 * wps_client engine over libwebsockets.
 *
 *   client_posix [-p] [-v] [-g GROUP] URL
 *
 * URL is the client URL with its access token
 * (wss://HOST/client/hubs/HUB?access_token=...; ws:// for a local service).
 * Joins GROUP (default "chat"), sends every line of stdin to it, prints
 * every message of the group as "[group] text" on stdout.  At the end of
 * stdin it waits for the last acks, stops and exits (status 1 if an
 * operation failed).  -p: the plain subprotocol (default: reliable, with
 * recovery); -v: the client's events on stderr.
 *
 * Build: cc -std=c99 -I. examples/client_posix.c wps_client.c wps_messages.c
 *        pbwire.c $(pkg-config --cflags --libs libwebsockets) -lpthread
 *
 * The shape: one libwebsockets service loop; after everything that
 * happens (socket events, a timer, a line from stdin) the engine is
 * "pumped": its actions (open, close) and events are handled, and when it
 * has frames to send the socket is asked for a writable callback, where
 * exactly one frame is pulled and written.  A timer is kept at the
 * engine's next deadline.  stdin is read by a thread that queues lines and
 * wakes the loop with lws_cancel_service().
 */
#define _POSIX_C_SOURCE 200809L
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../wps_client.h"

static struct {
    struct lws_context *ctx;
    struct lws *wsi;
    wps_client c;
    wps_client_storage mem;
    lws_sorted_usec_list_t timer;
    const char *group;
    int verbose, close_asked, stdin_done, stopping, done, failures;
    uint16_t close_code;
    uint8_t frame[LWS_PRE + 65536];
    char url[2048];
    /* lines from the stdin thread */
    pthread_mutex_t lock;
    char lines[64][1024];
    int nlines, eof;
} app;

static uint32_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static pbw_bytes cstr(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void pump(void);

static void on_timer(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    wps_client_tick(&app.c, now_ms());
    pump();
}

static void open_socket(pbw_bytes url, pbw_bytes subprotocol)
{
    static char sub[64];
    struct lws_client_connect_info ci;
    const char *scheme, *host, *path;
    int port;
    static char pathbuf[2048];
    if (url.len >= sizeof app.url || subprotocol.len >= sizeof sub) {
        wps_client_closed(&app.c, 1006, now_ms());
        return;
    }
    memcpy(app.url, url.ptr, url.len);
    app.url[url.len] = 0;
    memcpy(sub, subprotocol.ptr, subprotocol.len);
    sub[subprotocol.len] = 0;
    if (lws_parse_uri(app.url, &scheme, &host, &port, &path)) {
        wps_client_closed(&app.c, 1006, now_ms());
        return;
    }
    snprintf(pathbuf, sizeof pathbuf, "/%s", path);
    memset(&ci, 0, sizeof ci);
    ci.context = app.ctx;
    ci.address = host;
    ci.port = port;
    ci.path = pathbuf;
    ci.host = host;
    ci.origin = host;
    ci.protocol = sub;
    ci.local_protocol_name = "wps-client";
    ci.ssl_connection = strcmp(scheme, "wss") == 0 || strcmp(scheme, "https") == 0
                            ? LCCSCF_USE_SSL : 0;
    ci.pwsi = &app.wsi;
    app.close_code = 1006;
    app.close_asked = 0;
    if (lws_client_connect_via_info(&ci) == NULL) {
        app.wsi = NULL;
        wps_client_closed(&app.c, 1006, now_ms());
    }
}

/* Handles every pending action and event; asks for a writable callback
 * when there are frames; sets the timer to the next deadline. */
static void pump(void)
{
    wps_client_event ev;
    uint32_t when;
    for (;;) {
        wps_client_next_event(&app.c, &ev);
        if (ev.type == WPS_CLIENT_EV_NONE)
            break;
        if (app.verbose)
            fprintf(stderr, "event %s%s %s\n", wps_client_event_name(ev.type),
                    ev.type == WPS_CLIENT_EV_OPEN && ev.recovery ? " (recovery)" : "",
                    ev.type == WPS_CLIENT_EV_ACK ? wps_client_result_name(ev.result) : "");
        switch (ev.type) {
        case WPS_CLIENT_EV_OPEN:
            open_socket(ev.text, ev.name);
            break;
        case WPS_CLIENT_EV_CLOSE:
            app.close_asked = 1;
            if (app.wsi)
                lws_callback_on_writable(app.wsi); /* closed from the callback */
            break;
        case WPS_CLIENT_EV_CONNECTED:
            fprintf(stderr, "connected as %.*s (user %.*s)\n", (int)ev.text.len,
                    (const char *)ev.text.ptr, (int)ev.user_id.len,
                    (const char *)ev.user_id.ptr);
            break;
        case WPS_CLIENT_EV_DISCONNECTED:
            fprintf(stderr, "disconnected (close code %u)\n", ev.close_code);
            break;
        case WPS_CLIENT_EV_GROUP_MESSAGE:
        case WPS_CLIENT_EV_SERVER_MESSAGE: {
            const wps_data *d = &ev.data_message->data;
            if (ev.type == WPS_CLIENT_EV_GROUP_MESSAGE)
                printf("[%.*s] ", (int)ev.group.len, (const char *)ev.group.ptr);
            else
                printf("[server] ");
            if (d->kind == WPS_DATA_TEXT || d->kind == WPS_DATA_JSON)
                printf("%.*s\n", (int)d->bytes.len, (const char *)d->bytes.ptr);
            else
                printf("(%zu bytes)\n", d->bytes.len);
            fflush(stdout);
            break;
        }
        case WPS_CLIENT_EV_ACK:
            if (ev.result != WPS_CLIENT_OK && ev.result != WPS_CLIENT_DUPLICATE) {
                app.failures++;
                fprintf(stderr, "operation %llu: %s %.*s\n", (unsigned long long)ev.id,
                        wps_client_result_name(ev.result), (int)ev.name.len,
                        (const char *)ev.name.ptr);
            }
            break;
        case WPS_CLIENT_EV_REJOIN_FAILED:
            fprintf(stderr, "rejoining %.*s failed\n", (int)ev.group.len,
                    (const char *)ev.group.ptr);
            break;
        case WPS_CLIENT_EV_ERROR:
            fprintf(stderr, "bad frame: %s at byte %zu\n", pbw_status_name(ev.status),
                    ev.offset);
            break;
        case WPS_CLIENT_EV_STOPPED:
            app.done = 1;
            break;
        default:
            break;
        }
    }
    if (app.stdin_done && !app.stopping && wps_client_pending(&app.c) == 0) {
        app.stopping = 1;
        wps_client_stop(&app.c, now_ms());
        pump();
        return;
    }
    if (app.wsi && wps_client_is_connected(&app.c))
        lws_callback_on_writable(app.wsi);
    if (wps_client_next_deadline(&app.c, &when)) {
        uint32_t wait = when - now_ms();
        if (wait > 0x80000000u)
            wait = 0;
        lws_sul_schedule(app.ctx, 0, &app.timer, on_timer, (lws_usec_t)wait * 1000 + 1000);
    }
}

/* Lines queued by the stdin thread become operations. */
static void take_lines(void)
{
    int i;
    pthread_mutex_lock(&app.lock);
    for (i = 0; i < app.nlines; i++) {
        wps_data d;
        uint64_t id = 0;
        pbw_status st;
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_TEXT;
        d.bytes = cstr(app.lines[i]);
        st = wps_client_send_to_group(&app.c, cstr(app.group), &d, 0, &id);
        if (st != PBW_OK) {
            app.failures++;
            fprintf(stderr, "not sent (%s): %s\n", pbw_status_name(st), app.lines[i]);
        }
    }
    app.nlines = 0;
    if (app.eof)
        app.stdin_done = 1;
    pthread_mutex_unlock(&app.lock);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        wps_client_opened(&app.c, now_ms());
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (wsi == app.wsi || app.wsi == NULL) {
            app.wsi = NULL;
            wps_client_closed(&app.c, 1006, now_ms());
        }
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2)
            app.close_code = (uint16_t)(((const uint8_t *)in)[0] << 8 | ((const uint8_t *)in)[1]);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == app.wsi) {
            app.wsi = NULL;
            wps_client_closed(&app.c, app.close_code, now_ms());
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        int first = lws_is_first_fragment(wsi), last = lws_is_final_fragment(wsi);
        uint32_t t = now_ms();
        pbw_status st;
        if (first && last)
            st = wps_client_push_frame(&app.c, in, len, t);
        else
            st = wps_client_push_chunk(&app.c, in, len, last, t);
        if (st != PBW_OK)
            fprintf(stderr, "frame refused: %s\n", pbw_status_name(st));
        break;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        size_t n;
        if (app.close_asked)
            return -1; /* closes the socket; CLIENT_CLOSED follows */
        if (wps_client_next_frame_copy(&app.c, app.frame + LWS_PRE, sizeof app.frame - LWS_PRE,
                                       &n) == PBW_OK &&
            lws_write(wsi, app.frame + LWS_PRE, n, LWS_WRITE_BINARY) < (int)n)
            return -1;
        break;
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        take_lines();
        break;
    default:
        return 0;
    }
    pump();
    return 0;
}

static void *read_stdin(void *arg)
{
    char line[1024];
    (void)arg;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        for (;;) {
            pthread_mutex_lock(&app.lock);
            if (app.nlines < 64) {
                memcpy(app.lines[app.nlines++], line, sizeof line);
                pthread_mutex_unlock(&app.lock);
                break;
            }
            pthread_mutex_unlock(&app.lock);
            lws_cancel_service(app.ctx);
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        }
        lws_cancel_service(app.ctx);
    }
    pthread_mutex_lock(&app.lock);
    app.eof = 1;
    pthread_mutex_unlock(&app.lock);
    lws_cancel_service(app.ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct lws_protocols protocols[] = {
        {"wps-client", callback, 0, 65536, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    wps_client_config cfg;
    wps_client_memory mem;
    pthread_t reader;
    uint64_t id = 0;
    int i, reliable = 1;
    const char *url = NULL;
    app.group = "chat";
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0)
            reliable = 0;
        else if (strcmp(argv[i], "-v") == 0)
            app.verbose = 1;
        else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
            app.group = argv[++i];
        else
            url = argv[i];
    }
    if (url == NULL) {
        fprintf(stderr, "usage: %s [-p] [-v] [-g GROUP] URL\n", argv[0]);
        return 2;
    }
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    app.ctx = lws_create_context(&info);
    if (app.ctx == NULL)
        return 1;
    pthread_mutex_init(&app.lock, NULL);

    memset(&cfg, 0, sizeof cfg);
    cfg.url = cstr(url);
    cfg.reliable = (uint8_t)reliable;
    mem = wps_client_storage_memory(&app.mem);
    if (wps_client_init(&app.c, &cfg, &mem, now_ms()) != PBW_OK ||
        wps_client_join_group(&app.c, cstr(app.group), &id) != PBW_OK)
        return 1;
    wps_client_start(&app.c, now_ms());
    pump();
    pthread_create(&reader, NULL, read_stdin, NULL);
    while (!app.done && lws_service(app.ctx, 0) >= 0)
        ;
    lws_context_destroy(app.ctx);
    return app.failures ? 1 : 0;
}
