/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_decode.c - the checks of fuzz_decode_up and fuzz_decode_down:
 * any input through the one-shot decoder, with and without UTF-8 checks.
 *
 *   - no crash, no out-of-bounds read, no UB (the sanitizers' part);
 *   - the status is a pbw_status a decoder may return, the error offset is
 *     a byte of the input (== len on success, and for PBW_E_TRUNCATED when
 *     the input ends where the element would begin), and a failed decode
 *     leaves the empty message;
 *   - on success every view lies inside the input (zero copy), every map
 *     and item list walks to exactly its count, wps_map_find agrees with the
 *     walk, data.raw is the MessageData's bytes (fuzz_common.c);
 *   - encoding the decoded struct succeeds with exactly wps_*_size() bytes,
 *     and one byte less is PBW_E_NOSPACE telling the size needed;
 *   - WPS_DECODE_NO_UTF8 changes nothing but UTF-8 errors: the same result
 *     when the checked decode succeeds or fails for another reason, and
 *     after a UTF-8 error either success or a later error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_decode.h"

typedef struct outcome {
    pbw_status st;
    size_t off;
    char *dump; /* on success */
} outcome;

static outcome decode_and_check(int down, const uint8_t *in, size_t n, unsigned flags)
{
    const char *dir = down ? "downstream" : "upstream";
    outcome r;
    fz_msg m, m2;
    size_t off = (size_t)-1, size, written;
    pbw_status st, st2;
    uint8_t *buf;

    /* poison: the decoder must initialise everything it hands back */
    memset(&m, 0xA5, sizeof m);
    st = fz_decode(down, in, n, &m, flags, &off);
    if ((unsigned)st >= PBW_STATUS_COUNT || !fz_decode_status_ok(st) ||
        strcmp(pbw_status_name(st), "PBW_UNKNOWN") == 0)
        fz_fail(in, n, "%s decode (flags %u): status %d is not a decoder status", dir, flags,
                (int)st);
    /* err_offset may be NULL: the same status */
    st2 = fz_decode(down, in, n, &m2, flags, NULL);
    if (st2 != st)
        fz_fail(in, n, "%s decode (flags %u): %s with an offset pointer, %s without", dir, flags,
                pbw_status_name(st), pbw_status_name(st2));
    r.st = st;
    r.off = off;
    r.dump = NULL;
    if (st != PBW_OK) {
        /* a byte of the input; only a truncation may point at the end
         * itself (an element of which not one byte arrived) */
        if (off > n || (off == n && st != PBW_E_TRUNCATED))
            fz_fail(in, n, "%s decode (flags %u): %s at offset %zu, outside the %zu-byte input",
                    dir, flags, pbw_status_name(st), off, n);
        if ((down ? (int)m.down.kind : (int)m.up.kind) != 0 || fz_size(down, &m) != 0)
            fz_fail(in, n, "%s decode (flags %u): %s but the struct is not the empty message",
                    dir, flags, pbw_status_name(st));
        if ((flags & WPS_DECODE_NO_UTF8) && st == PBW_E_UTF8)
            fz_fail(in, n, "%s decode: PBW_E_UTF8 with WPS_DECODE_NO_UTF8", dir);
        return r;
    }
    if (off != n)
        fz_fail(in, n, "%s decode (flags %u): PBW_OK but offset %zu, not the length %zu", dir,
                flags, off, n);
    r.dump = fz_render(down, &m, FZ_MAP_WIRE, in, n, 1, flags, "decoded struct");

    /* encode: exactly the size, one byte short is refused with the size */
    size = fz_size(down, &m);
    buf = (uint8_t *)fz_malloc(size);
    written = (size_t)-1;
    st = fz_encode(down, &m, buf, size, &written);
    if (st != PBW_OK || written != size)
        fz_fail(in, n, "%s encode of a decoded struct: %s, %zu bytes written, size says %zu", dir,
                pbw_status_name(st), written, size);
    if (size > 0) {
        written = 0;
        st = fz_encode(down, &m, buf, size - 1, &written);
        if (st != PBW_E_NOSPACE || written != size)
            fz_fail(in, n, "%s encode into %zu bytes: %s, needed %zu (size %zu)", dir, size - 1,
                    pbw_status_name(st), written, size);
        written = 0;
        st = fz_encode(down, &m, NULL, 0, &written);
        if (st != PBW_E_NOSPACE || written != size)
            fz_fail(in, n, "%s encode into NULL: %s, needed %zu (size %zu)", dir,
                    pbw_status_name(st), written, size);
    }
    free(buf);
    return r;
}

void fz_check_decode(int down, const uint8_t *in, size_t n)
{
    const char *dir = down ? "downstream" : "upstream";
    outcome strict = decode_and_check(down, in, n, 0);
    outcome loose = decode_and_check(down, in, n, WPS_DECODE_NO_UTF8);

    if (strict.st == PBW_OK) {
        if (loose.st != PBW_OK || strcmp(strict.dump, loose.dump) != 0)
            fz_fail(in, n, "%s: decodes, but differently with WPS_DECODE_NO_UTF8 (%s)\n"
                    "  strict %.1000s\n  loose  %.1000s", dir, pbw_status_name(loose.st),
                    strict.dump, loose.dump ? loose.dump : "-");
    } else if (strict.st != PBW_E_UTF8) {
        if (loose.st != strict.st || loose.off != strict.off)
            fz_fail(in, n, "%s: %s at %zu, but %s at %zu with WPS_DECODE_NO_UTF8", dir,
                    pbw_status_name(strict.st), strict.off, pbw_status_name(loose.st),
                    loose.off);
    } else if (loose.st != PBW_OK && loose.off <= strict.off) {
        /* the UTF-8 error came first in wire order, so without the check
         * the next error can only lie beyond the bad string's first byte */
        fz_fail(in, n, "%s: PBW_E_UTF8 at %zu, but %s at %zu with WPS_DECODE_NO_UTF8", dir,
                strict.off, pbw_status_name(loose.st), loose.off);
    }
    free(strict.dump);
    free(loose.dump);
}
