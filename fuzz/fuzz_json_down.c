/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_json_down.c - libFuzzer entry: the input is a DownstreamMessage
 * frame; every message that decodes is rendered for the json subprotocols
 * (wps_json_client_down_write), and checked:
 *   - the status is one wps_service.h documents for a decoded message
 *     (PBW_OK; PBW_E_NO_RENDERING for kind NONE; PBW_E_JSON, PBW_E_DEPTH,
 *     PBW_E_UTF8 for a json payload that is not JSON);
 *   - size and write agree, one byte less is PBW_E_NOSPACE with the same
 *     size, and nothing is written past the exact-size output (ASan);
 *   - the rendering is one strict JSON text (wps_json_validate) that starts
 *     with {"type": or {"sequenceId":.
 */
#include <stdlib.h>
#include <string.h>

#include "../wps_service.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wps_downstream m;
    size_t n = 0, n2 = 0, off;
    uint8_t *out, *frame = fz_malloc(size);
    pbw_status st;

    fz_current_input(data, size);
    if (size)
        memcpy(frame, data, size);
    /* what the decoder leaves alone (members not selected) is garbage, so
     * that a rendering reading it is caught every time */
    memset(&m, 0xa5, sizeof m);
    if (wps_downstream_decode(frame, size, &m, 0, NULL) != PBW_OK) {
        free(frame);
        return 0;
    }
    st = wps_json_client_down_size(&m, NULL, &n);
    if (st != PBW_OK) {
        int json_payload = m.kind == WPS_DOWN_DATA || m.kind == WPS_DOWN_INVOKE_RESPONSE;
        if (!(st == PBW_E_NO_RENDERING || (json_payload && (st == PBW_E_JSON ||
                                                             st == PBW_E_DEPTH ||
                                                             st == PBW_E_UTF8))))
            fz_fail(data, size, "rendering refused with %s", pbw_status_name(st));
        free(frame);
        return 0;
    }
    out = fz_malloc(n);
    if (n && wps_json_client_down_write(&m, NULL, out, n - 1, &n2) != PBW_E_NOSPACE)
        fz_fail(data, size, "one byte less than the size is not NOSPACE");
    if (n && n2 != n)
        fz_fail(data, size, "NOSPACE reports %zu, the size is %zu", n2, n);
    if (wps_json_client_down_write(&m, NULL, out, n, &n2) != PBW_OK || n2 != n)
        fz_fail(data, size, "write gives %zu bytes, size said %zu", n2, n);
    if (wps_json_validate(out, n, &off) != PBW_OK)
        fz_fail(data, size, "the rendering is not JSON at %zu: %.*s", off, (int)n,
                (const char *)out);
    if (!(n > 8 && (memcmp(out, "{\"type\":", 8) == 0 || memcmp(out, "{\"sequen", 8) == 0)))
        fz_fail(data, size, "the rendering does not start with type or sequenceId");
    free(out);
    free(frame);
    return 0;
}
