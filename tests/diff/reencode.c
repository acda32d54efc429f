/* SPDX-License-Identifier: MIT */
/*
 * tests/diff/reencode.c - reads hex messages, one per line, decodes each and
 * prints it re-encoded with wps_*_encode_flags(WPS_ENCODE_SORTED_MAPS), as
 * hex (or "error STATUS" when decoding fails).  For tests/diff/canon.sh.
 *
 *   reencode --up|--down < in.hex > out.hex
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../wps_messages.h"

static int nibble(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int main(int argc, char **argv)
{
    static char line[1 << 22];
    static uint8_t in[1 << 21], out[1 << 22];
    int down = argc > 1 && !strcmp(argv[1], "--down");
    while (fgets(line, sizeof line, stdin)) {
        size_t n = 0, i, len = strcspn(line, "\r\n"), w = 0;
        pbw_status st;
        union {
            wps_upstream up;
            wps_downstream down;
        } m;
        for (i = 0; i + 1 < len; i += 2)
            in[n++] = (uint8_t)(nibble(line[i]) << 4 | nibble(line[i + 1]));
        st = down ? wps_downstream_decode(in, n, &m.down, 0, NULL)
                  : wps_upstream_decode(in, n, &m.up, 0, NULL);
        if (st == PBW_OK) {
            size_t need = 0;
            /* the size first, from the NOSPACE answer */
            if (down)
                wps_downstream_encode_flags(&m.down, WPS_ENCODE_SORTED_MAPS, NULL, 0, &need);
            else
                wps_upstream_encode_flags(&m.up, WPS_ENCODE_SORTED_MAPS, NULL, 0, &need);
            st = down ? wps_downstream_encode_flags(&m.down, WPS_ENCODE_SORTED_MAPS, out,
                                                    sizeof out, &w)
                      : wps_upstream_encode_flags(&m.up, WPS_ENCODE_SORTED_MAPS, out, sizeof out,
                                                  &w);
            if (st == PBW_OK && w != need)
                st = PBW_E_ARG; /* the size given with NOSPACE must be exact */
        }
        if (st != PBW_OK) {
            printf("error %s\n", pbw_status_name(st));
            continue;
        }
        for (i = 0; i < w; i++)
            printf("%02x", out[i]);
        putchar('\n');
    }
    return 0;
}
