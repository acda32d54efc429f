/* SPDX-License-Identifier: MIT */
/* tests/mcu/semihost.c - semihosting output and exit, newlib's system calls
 * on top of them (stdout and stderr go to the console; the heap is the RAM
 * between .bss and the stack; files do not exist), SysTick, and the stack
 * paint. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "mcu.h"

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mcu_write(const char *s, size_t n)
{
    char buf[128];
    while (n > 0) {
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
        semihost(SYS_WRITE0, buf);
        s += k;
        n -= k;
    }
}

void mcu_puts(const char *s)
{
    mcu_write(s, strlen(s));
}

void mcu_exit(int status)
{
    /* On 32-bit ARM, SYS_EXIT takes the reason itself, not a block. */
    semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                              : ADP_STOPPED_RUNTIME_ERROR));
    for (;;)
        ;
}

/* ---- SysTick ---- */

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

void mcu_ticks_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* enabled, processor clock, no interrupt */
}

uint32_t mcu_ticks(void)
{
    return (0x00FFFFFFu - SYST_CVR) & 0x00FFFFFFu;
}

/* ---- stack paint: leaf code in assembly, so it runs on no stack ---- */

__attribute__((naked)) void mcu_paint(uint32_t *lo, uint32_t *hi)
{
    (void)lo;
    (void)hi;
    __asm__ volatile(".syntax unified\n"
                     "    ldr r2, =0xC5A3E17B\n"
                     "1:  cmp r0, r1\n"
                     "    bhs 2f\n"
                     "    str r2, [r0]\n"
                     "    adds r0, #4\n"
                     "    b 1b\n"
                     "2:  bx lr\n"
                     "    .ltorg\n");
}

__attribute__((naked)) uint32_t *mcu_unpainted(uint32_t *lo, uint32_t *hi)
{
    (void)lo;
    (void)hi;
    __asm__ volatile(".syntax unified\n"
                     "    ldr r2, =0xC5A3E17B\n"
                     "1:  cmp r0, r1\n"
                     "    bhs 2f\n"
                     "    ldr r3, [r0]\n"
                     "    cmp r3, r2\n"
                     "    bne 2f\n"
                     "    adds r0, #4\n"
                     "    b 1b\n"
                     "2:  bx lr\n"
                     "    .ltorg\n");
}

/* ---- newlib's system calls ---- */

extern char __heap_start[], __stack_bottom[];

void *_sbrk(ptrdiff_t incr)
{
    static char *brk = __heap_start;
    char *old = brk;
    if (incr > __stack_bottom - brk || incr < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return old;
}

int _write(int fd, const char *s, int n)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    mcu_write(s, (size_t)n);
    return n;
}

void _exit(int status)
{
    mcu_exit(status);
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR;
    return 0;
}
