/*
 * <string.h> for `make cross` on a toolchain that ships no libc (Debian's
 * riscv64-unknown-elf-gcc without picolibc, arm-none-eabi-gcc without
 * newlib).  It declares only what the library may use, so any other libc
 * call fails the warning check (implicit declaration).
 */
#ifndef WPSPB_CROSS_STRING_H
#define WPSPB_CROSS_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
