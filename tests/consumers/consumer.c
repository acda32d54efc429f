/* SPDX-License-Identifier: MIT */
/*
 * The program every consumer test builds, whatever brought the library in
 * (CMake three ways, Meson, pkg-config): it checks the library against its
 * headers, decodes and re-encodes a frame with the core, and validates JSON
 * with the service core.  Prints one line; exit status 0 when all is well,
 * 3 when WPS_ABI_CHECK() reports a mismatch, 1 on any other failure.
 */
#include <stdio.h>
#include <string.h>
#include "wps_messages.h"
#include "wps_service.h"

int main(void)
{
    /* SendToGroupMessage{group "chat", ack_id 1, data{text_data "hello"}} */
    static const uint8_t frame[] = {0x0a, 0x11, 0x0a, 0x04, 'c', 'h', 'a', 't', 0x10, 0x01,
                                    0x1a, 0x07, 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o'};
    static const char json[] = "{\"a\":[1,2,{\"b\":null}]}";
    uint8_t out[64];
    size_t offset, written;
    wps_upstream msg;
    uint32_t v = wps_version();

    if (!WPS_ABI_CHECK()) {
        printf("consumer: ABI mismatch: headers %s, PBW_MAX_DEPTH %u; library %u.%u.%u, "
               "PBW_MAX_DEPTH %u\n", WPS_VERSION_STRING, (unsigned)PBW_MAX_DEPTH,
               (unsigned)(v >> 16), (unsigned)(v >> 8 & 0xff), (unsigned)(v & 0xff),
               (unsigned)(wps_build_config() & 0xff));
        return 3;
    }
    if (v != WPS_VERSION_NUMBER) {
        printf("consumer: library version %06x, headers %06x\n", (unsigned)v,
               (unsigned)WPS_VERSION_NUMBER);
        return 1;
    }
    if (wps_upstream_decode(frame, sizeof frame, &msg, 0, &offset) != PBW_OK ||
        msg.kind != WPS_UP_SEND_TO_GROUP ||
        wps_upstream_encode(&msg, out, sizeof out, &written) != PBW_OK ||
        written != sizeof frame || memcmp(out, frame, written) != 0) {
        printf("consumer: decode and re-encode failed\n");
        return 1;
    }
    if (wps_json_validate((const uint8_t *)json, sizeof json - 1, &offset) != PBW_OK) {
        printf("consumer: wps_json_validate failed\n");
        return 1;
    }
    printf("consumer: wpspb %s ok\n", WPS_VERSION_STRING);
    return 0;
}
