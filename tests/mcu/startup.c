/* SPDX-License-Identifier: MIT */
/* tests/mcu/startup.c - the whole start-up of the test images: the vector
 * table, a reset handler that sets up .data and .bss and calls main, and a
 * fault handler that reports over semihosting instead of hanging. */
#include <stdint.h>

#include "mcu.h"

extern uint32_t __stack_top[], __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
int main(void);
void reset_handler(void);
static void fault_handler(void);

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0,
    fault_handler, fault_handler,
};

void reset_handler(void)
{
    const uint32_t *src = __data_load;
    uint32_t *dst;
    for (dst = __data_start; dst < __data_end;)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end;)
        *dst++ = 0;
    mcu_exit(main());
}

static void fault_handler(void)
{
    mcu_puts("mcu: fault (exception), stopping\n0 passed, 1 failed\n");
    mcu_exit(1);
}
