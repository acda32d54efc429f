/* SPDX-License-Identifier: MIT */
/* bench/peers/npb_view.h - the datatype of nanopb.cb's payload callbacks:
 * a zero-copy view of the payload in the input buffer (see col_nanopb.c). */
#ifndef NPB_VIEW_H
#define NPB_VIEW_H
#include <stddef.h>
#include <stdint.h>
typedef struct npb_view {
    const uint8_t *ptr;
    size_t len;
} npb_view;
#endif
