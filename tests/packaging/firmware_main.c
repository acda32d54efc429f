/* SPDX-License-Identifier: MIT */
/*
 * The application tests/packaging/check.py links with each firmware file
 * list (Arduino, PlatformIO, ESP-IDF, Zephyr) for a Cortex-M target: the
 * library checks itself against its headers, decodes and re-encodes a frame.
 */
#include "wps_messages.h"

int main(void)
{
    static const uint8_t frame[] = {0x0a, 0x11, 0x0a, 0x04, 'c', 'h', 'a', 't', 0x10, 0x01,
                                    0x1a, 0x07, 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o'};
    wps_upstream msg;
    size_t offset = 0;
    int ok = WPS_ABI_CHECK() &&
             wps_upstream_decode(frame, sizeof frame, &msg, 0, &offset) == PBW_OK;
#if !defined(WPSPB_APP_NO_ENCODER)
    uint8_t out[32];
    size_t n = 0;
    ok = ok && wps_upstream_encode(&msg, out, sizeof out, &n) == PBW_OK && n == sizeof frame;
#endif
    return ok ? 0 : 1;
}
