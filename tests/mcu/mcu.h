/* SPDX-License-Identifier: MIT */
/* tests/mcu/mcu.h - what the test images share: semihosting output and
 * exit, the instruction counter, and the stack paint. */
#ifndef MCU_H
#define MCU_H

#include <stddef.h>
#include <stdint.h>

/* Semihosting (ARM's host-debug calls, which qemu serves with
 * -semihosting-config enable=on): text on the host's console, and the end
 * of the run with qemu's exit status 0 (status 0) or 1 (anything else). */
void mcu_write(const char *s, size_t n);
void mcu_puts(const char *s);
__attribute__((noreturn)) void mcu_exit(int status);

/* SysTick on the processor clock, free-running (24 bits, counts down).
 * Under qemu -icount the clock is derived from the instruction count, so
 * differences of mcu_ticks() are deterministic. */
void mcu_ticks_start(void);
uint32_t mcu_ticks(void);

/* Stack painting, both leaf functions that touch no stack of their own:
 * mcu_paint fills [lo, hi) with MCU_PAINT; mcu_unpainted returns the
 * lowest address in [lo, hi) whose word is no longer MCU_PAINT (hi when
 * every word is). */
#define MCU_PAINT 0xC5A3E17Bu
void mcu_paint(uint32_t *lo, uint32_t *hi);
uint32_t *mcu_unpainted(uint32_t *lo, uint32_t *hi);

/* The stack pointer of the calling function (its frame is complete when
 * its body runs, so this is the stack pointer at its calls). */
#define MCU_SP(var) __asm__ volatile("mov %0, sp" : "=r"(var))

#endif
