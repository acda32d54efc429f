/* SPDX-License-Identifier: MIT */
/* tests/mcu/vectors.h - the .tsv files of tests/vectors as C data, compiled into the
 * images (the generated vectors.c comes from gen_vectors.sh at build time;
 * the column meanings are those of tests/test_vectors.c). */
#ifndef MCU_VECTORS_H
#define MCU_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "../../pbwire.h"

typedef struct mcu_golden {
    int down, exact;
    const char *name;
    const uint8_t *in;
    size_t len;
    const uint8_t *canon;
    size_t canon_len;
    const char *json;
} mcu_golden;

typedef struct mcu_malformed {
    int down;
    const char *name;
    const uint8_t *in;
    size_t len;
    pbw_status status;
    size_t offset;
} mcu_malformed;

extern const mcu_golden mcu_golden_vectors[];
extern const size_t mcu_golden_count;
extern const mcu_malformed mcu_malformed_vectors[];
extern const size_t mcu_malformed_count;

#endif
