/* SPDX-License-Identifier: MIT */
/*
 * tests/json_client/down_gen.c - random DownstreamMessages of every kind,
 * for real_client.cjs: one line per message,
 *
 *     <protobuf JSON of the message (tools/wps_json.c)> TAB <json rendering>
 *
 * the rendering being wps_json_client_down_write's.  The first column is an
 * independent description of the same message (another code path, the
 * proto3 JSON mapping); the official client's parseMessages reads the
 * second and the script compares the two field by field.
 *
 *     down_gen COUNT SEED
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../wps_service.h"
#include "../../tools/wps_json.h"

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng >> 33) % n;
}

static uint64_t rnd64(void)
{
    static const uint64_t edges[] = {0, 1, 127, 128, 16383, 16384, 9007199254740991ull,
                                     9007199254740992ull, 9007199254740993ull,
                                     18446744073709551615ull, 4294967296ull};
    if (rnd(3) == 0)
        return edges[rnd(sizeof edges / sizeof edges[0])];
    return (uint64_t)rnd(100000) * (rnd(2) ? 1 : 1000003u);
}

/* Every string comes from one arena, freed per message. */
static uint8_t arena[1 << 16];
static size_t used;

static pbw_bytes rstr(unsigned maxlen)
{
    static const char *const pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01",
                                         "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
                                         "group", "<>&'", "\xe4\xb8\xad"};
    pbw_bytes b;
    unsigned n = rnd(maxlen + 1), i;
    b.ptr = arena + used;
    for (i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        memcpy(arena + used, p, l);
        used += l;
    }
    b.len = (size_t)(arena + used - b.ptr);
    return b;
}

static pbw_bytes rbytes(unsigned maxlen)
{
    pbw_bytes b;
    unsigned n = rnd(maxlen + 1), i;
    b.ptr = arena + used;
    for (i = 0; i < n; i++)
        arena[used++] = (uint8_t)rnd(256);
    b.len = n;
    return b;
}

static pbw_bytes lit(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void rdata(wps_data *d)
{
    static const char *const jsons[] = {"{}", "[]", "null", "true", "0", "-1.5e3", "\"x\"",
                                        "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}",
                                        " [ 1 , 2 ] ", "12345678901234567890",
                                        "{\"k\":\"\xe2\x82\xac\"}"};
    memset(d, 0, sizeof *d);
    d->kind = (wps_data_kind)(1 + rnd(4));
    switch (d->kind) {
    case WPS_DATA_TEXT:
        d->bytes = rstr(12);
        break;
    case WPS_DATA_BINARY:
        d->bytes = rbytes(40);
        break;
    case WPS_DATA_JSON:
        d->bytes = lit(jsons[rnd(sizeof jsons / sizeof jsons[0])]);
        break;
    default:
        d->type_url = rnd(4) ? lit("type.googleapis.com/x.Y") : rstr(3);
        d->bytes = rbytes(20);
        break;
    }
}

static void rerror(wps_error *e)
{
    e->name = rstr(4);
    e->message = rstr(8);
}

static void gen(wps_downstream *m, wps_kv *kvs, wps_group_state_item *items, int reliable)
{
    memset(m, 0, sizeof *m);
    m->kind = (wps_down_kind)(1 + rnd(10));
    switch (m->kind) {
    case WPS_DOWN_ACK:
        m->u.ack.ack_id = rnd64();
        m->u.ack.success = (uint8_t)rnd(2);
        if ((m->u.ack.has_error = (uint8_t)rnd(2)))
            rerror(&m->u.ack.error);
        break;
    case WPS_DOWN_DATA: {
        wps_data_message *d = &m->u.data;
        int group = rnd(2);
        d->from = lit(group ? "group" : "server");
        if (group) {
            d->has_group = 1;
            d->group = rstr(6);
        }
        d->has_data = 1; /* the official client drops a data message without data */
        rdata(&d->data);
        if (reliable) {
            d->has_sequence_id = 1;
            d->sequence_id = rnd64();
        }
        if (group && rnd(3) == 0) {
            d->has_stream = 1;
            d->stream.stream_id = rstr(5);
            d->stream.stream_sequence_id = rnd64() % 9007199254740992ull;
            if ((d->stream.has_end_of_stream = (uint8_t)rnd(2)))
                d->stream.end_of_stream = (uint8_t)rnd(2);
            if ((d->stream.has_error = (uint8_t)rnd(2))) {
                d->stream.error.name = rstr(3);
                d->stream.error.message = rstr(5);
                d->stream.error.user_error_code = rstr(2);
            }
        }
        break;
    }
    case WPS_DOWN_SYSTEM:
        if (rnd(2)) {
            m->u.system.kind = WPS_SYSTEM_CONNECTED;
            m->u.system.u.connected.connection_id = rstr(8);
            m->u.system.u.connected.user_id = rstr(4);
            if (reliable) {
                m->u.system.u.connected.has_reconnection_token = 1;
                m->u.system.u.connected.reconnection_token = rstr(10);
            }
        } else {
            m->u.system.kind = WPS_SYSTEM_DISCONNECTED;
            m->u.system.u.disconnected.reason = rstr(10);
        }
        break;
    case WPS_DOWN_PONG:
        break;
    case WPS_DOWN_INVOKE_RESPONSE: {
        wps_invoke_response *r = &m->u.invoke_response;
        r->invocation_id = rstr(6);
        r->success = (uint8_t)rnd(2);
        if ((r->has_data = (uint8_t)rnd(2)))
            rdata(&r->data);
        if ((r->has_error = (uint8_t)rnd(2)))
            rerror(&r->error);
        break;
    }
    case WPS_DOWN_STREAM_ACK:
        m->u.stream_ack.stream_id = rstr(6);
        m->u.stream_ack.expected_sequence_id = rnd64();
        break;
    case WPS_DOWN_STREAM_NACK:
        m->u.stream_nack.stream_id = rstr(6);
        m->u.stream_nack.name = rstr(3);
        m->u.stream_nack.message = rstr(8);
        m->u.stream_nack.expected_sequence_id = rnd64();
        break;
    case WPS_DOWN_STREAM_CLOSED:
        m->u.stream_closed.stream_id = rstr(6);
        if ((m->u.stream_closed.has_error = (uint8_t)rnd(2)))
            rerror(&m->u.stream_closed.error);
        break;
    default: {
        wps_group_state_list *l = m->kind == WPS_DOWN_GROUP_STATE_UPDATE
                                      ? &m->u.group_state_update
                                      : &m->u.group_state_snapshot;
        size_t n = rnd(4), i, k = 0;
        l->group = rstr(6);
        if (reliable) {
            l->has_sequence_id = 1;
            l->sequence_id = rnd64();
        }
        for (i = 0; i < n; i++) {
            wps_group_state_item *it = &items[i];
            size_t j, ne = rnd(4);
            memset(it, 0, sizeof *it);
            it->connection_id = rstr(6);
            if ((it->has_user_id = (uint8_t)rnd(2)))
                it->user_id = rstr(4);
            if ((it->has_state = (uint8_t)rnd(2))) {
                it->state.entries.entries = kvs + k;
                it->state.entries.count = ne;
                for (j = 0; j < ne; j++, k++) {
                    /* distinct keys: a JSON reader keeps only one of a repeat */
                    char key[8];
                    snprintf(key, sizeof key, "k%u", (unsigned)j);
                    memcpy(arena + used, key, strlen(key));
                    kvs[k].key.ptr = arena + used;
                    kvs[k].key.len = strlen(key);
                    used += strlen(key);
                    kvs[k].value = rstr(5);
                }
            }
            it->updated_at = (int64_t)(rnd(2) ? rnd64() % 9007199254740992ull : 0) *
                             (rnd(5) == 0 ? -1 : 1);
        }
        l->items.items = n ? items : NULL;
        l->items.count = n;
        break;
    }
    }
}

int main(int argc, char **argv)
{
    unsigned long count, i;
    wps_kv kvs[64];
    wps_group_state_item items[8];
    static uint8_t out[1 << 16];

    if (argc != 3) {
        fputs("usage: down_gen COUNT SEED\n", stderr);
        return 2;
    }
    count = strtoul(argv[1], NULL, 10);
    rng = strtoull(argv[2], NULL, 10);
    for (i = 0; i < count; i++) {
        wps_downstream m;
        size_t n;
        char *canon;
        pbw_status st;
        used = 0;
        gen(&m, kvs, items, (int)(i & 1));
        st = wps_json_client_down_write(&m, NULL, out, sizeof out, &n);
        if (st != PBW_OK) {
            fprintf(stderr, "down_gen: message %lu: %s\n", i, pbw_status_name(st));
            return 1;
        }
        canon = wps_json_of(1, &m);
        printf("%s\t%.*s\n", canon, (int)n, (const char *)out);
        free(canon);
    }
    return 0;
}
