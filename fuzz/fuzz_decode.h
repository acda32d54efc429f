/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_decode.h - the one-shot decoder checks (fuzz_decode.c). */
#ifndef FUZZ_DECODE_H
#define FUZZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Runs every check of fuzz_decode.c on one input; fz_fail()s on a finding. */
void fz_check_decode(int down, const uint8_t *in, size_t n);

#endif
