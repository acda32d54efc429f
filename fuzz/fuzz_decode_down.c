/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_decode_down.c - libFuzzer entry: the input is a
 * DownstreamMessage frame; see fuzz_decode.c for what is checked. */
#include "fuzz_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_check_decode(1, data, size);
    return 0;
}
