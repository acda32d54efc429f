/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_roundtrip.c - decode -> encode -> decode.
 *
 * The input is one frame, tried as an UpstreamMessage and as a
 * DownstreamMessage, with and without UTF-8 checks.  When it decodes:
 *   - its encoding decodes again, to the same struct: the same dump, which
 *     shows every field, presence flags, and map entries in wire order with
 *     repeated keys (the encoder keeps them, README "Conformance"); and the
 *     same JSON from tools/wps_json.c (libprotobuf's view of the message);
 *   - the encoding is canonical: encoding its decoding gives the same bytes
 *     (so a canonical input comes back byte for byte);
 *   - the same struct with its maps and item lists given as caller arrays
 *     (the encoder's other input form) has the same size and encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "../tools/wps_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the struct with caller arrays instead of wire regions -------------- */

/* Every array made for one message, freed together. */
typedef struct arena {
    void **blocks;
    size_t n, cap;
} arena;

static void *arena_alloc(arena *a, size_t bytes)
{
    void *p = fz_malloc(bytes);
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->blocks = (void **)realloc(a->blocks, a->cap * sizeof *a->blocks);
        if (a->blocks == NULL)
            abort();
    }
    a->blocks[a->n++] = p;
    return p;
}

static void arena_free(arena *a)
{
    size_t i;
    for (i = 0; i < a->n; i++)
        free(a->blocks[i]);
    free(a->blocks);
    memset(a, 0, sizeof *a);
}

static void map_to_array(arena *a, wps_map *m)
{
    wps_map_iter it;
    wps_kv kv, *arr;
    size_t n = 0;

    if (m->count == 0)
        return;
    arr = (wps_kv *)arena_alloc(a, m->count * sizeof *arr);
    wps_map_begin(&it, m);
    while (n < m->count && wps_map_next(&it, &kv))
        arr[n++] = kv;
    memset(m, 0, sizeof *m);
    m->entries = arr;
    m->count = n;
}

static void items_to_array(arena *a, wps_items *items)
{
    wps_items_iter it;
    wps_group_state_item item, *arr;
    size_t n = 0;

    if (items->count == 0)
        return;
    arr = (wps_group_state_item *)arena_alloc(a, items->count * sizeof *arr);
    wps_items_begin(&it, items);
    while (n < items->count && wps_items_next(&it, &item)) {
        map_to_array(a, &item.state.entries);
        arr[n++] = item;
    }
    memset(items, 0, sizeof *items);
    items->items = arr;
    items->count = n;
}

static void to_arrays(arena *a, int down, fz_msg *m)
{
    if (!down) {
        wps_upstream *x = &m->up;
        switch (x->kind) {
        case WPS_UP_SEND_TO_GROUP:
            map_to_array(a, &x->u.send_to_group.metadata);
            break;
        case WPS_UP_EVENT:
            map_to_array(a, &x->u.event.metadata);
            break;
        case WPS_UP_INVOKE_EVENT:
            map_to_array(a, &x->u.invoke_event.metadata);
            break;
        case WPS_UP_SET_GROUP_STATE:
            map_to_array(a, &x->u.set_group_state.state.entries);
            break;
        default:
            break;
        }
    } else {
        wps_downstream *x = &m->down;
        switch (x->kind) {
        case WPS_DOWN_DATA:
            map_to_array(a, &x->u.data.metadata);
            break;
        case WPS_DOWN_INVOKE_RESPONSE:
            map_to_array(a, &x->u.invoke_response.metadata);
            break;
        case WPS_DOWN_GROUP_STATE_UPDATE:
            items_to_array(a, &x->u.group_state_update.items);
            break;
        case WPS_DOWN_GROUP_STATE_SNAPSHOT:
            items_to_array(a, &x->u.group_state_snapshot.items);
            break;
        default:
            break;
        }
    }
}

/* ---- the round trip ----------------------------------------------------- */

/* Encodes into a buffer of exactly the size (so ASan sees any overrun). */
static uint8_t *encode_exact(const uint8_t *in, size_t n, int down, const fz_msg *m,
                             size_t *len, const char *what)
{
    size_t size = fz_size(down, m), written = (size_t)-1;
    uint8_t *buf = (uint8_t *)fz_malloc(size);
    pbw_status st = fz_encode(down, m, buf, size, &written);
    if (st != PBW_OK || written != size)
        fz_fail(in, n, "%s: encode of %s: %s, %zu bytes written, size %zu",
                down ? "downstream" : "upstream", what, pbw_status_name(st), written, size);
    *len = size;
    return buf;
}

static void roundtrip(const uint8_t *in, size_t n, int down, unsigned flags)
{
    const char *dir = down ? "downstream" : "upstream";
    fz_msg m, m2, m3;
    size_t off, elen, e2len, alen;
    uint8_t *e, *e2, *a_enc;
    char *dump1, *dump2, *dump3, *json1, *json2;
    pbw_status st;
    arena ar;

    if (fz_decode(down, in, n, &m, flags, &off) != PBW_OK)
        return;
    dump1 = fz_render(down, &m, FZ_MAP_WIRE, in, n, 0, flags, "decoded input");
    json1 = wps_json_of(down, &m);
    e = encode_exact(in, n, down, &m, &elen, "the decoded input");

    /* decode(encode(decode(in))) == decode(in) */
    st = fz_decode(down, e, elen, &m2, flags, &off);
    if (st != PBW_OK)
        fz_fail(in, n, "%s (flags %u): the encoding does not decode: %s at %zu", dir, flags,
                pbw_status_name(st), off);
    dump2 = fz_render(down, &m2, FZ_MAP_WIRE, e, elen, 0, flags, "decoded encoding");
    if (strcmp(dump1, dump2) != 0)
        fz_fail(in, n, "%s (flags %u): decode -> encode -> decode changes the message\n"
                "  first  %.2000s\n  second %.2000s", dir, flags, dump1, dump2);
    json2 = wps_json_of(down, &m2);
    if (strcmp(json1, json2) != 0)
        fz_fail(in, n, "%s (flags %u): the JSON changes over the round trip\n"
                "  first  %.2000s\n  second %.2000s", dir, flags, json1, json2);

    /* the encoding is a fixed point: canonical bytes come back unchanged */
    e2 = encode_exact(in, n, down, &m2, &e2len, "the decoded encoding");
    if (e2len != elen || memcmp(e, e2, elen) != 0)
        fz_fail(in, n, "%s (flags %u): a canonical encoding does not re-encode to itself "
                "(%zu vs %zu bytes)", dir, flags, elen, e2len);

    /* caller arrays instead of decoded wire regions: the same bytes */
    memset(&ar, 0, sizeof ar);
    m3 = m;
    to_arrays(&ar, down, &m3);
    dump3 = fz_render(down, &m3, FZ_MAP_WIRE, NULL, 0, 0, flags, "struct with caller arrays");
    if (strcmp(dump1, dump3) != 0)
        fz_fail(in, n, "%s (flags %u): the maps copied into caller arrays read differently\n"
                "  wire   %.2000s\n  arrays %.2000s", dir, flags, dump1, dump3);
    free(dump3);
    a_enc = encode_exact(in, n, down, &m3, &alen, "the struct with caller arrays");
    if (alen != elen || memcmp(a_enc, e, elen) != 0)
        fz_fail(in, n, "%s (flags %u): maps as caller arrays encode differently "
                "(%zu vs %zu bytes)", dir, flags, alen, elen);
    free(a_enc);
    arena_free(&ar);

    free(dump1);
    free(dump2);
    free(json1);
    free(json2);
    free(e);
    free(e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int down;
    fz_current_input(data, size);
    for (down = 0; down < 2; down++) {
        roundtrip(data, size, down, 0);
        roundtrip(data, size, down, WPS_DECODE_NO_UTF8);
    }
    return 0;
}
