# SPDX-License-Identifier: MIT
# Cross builds and portability runs, included by the Makefile.
#   make cross        the library for Cortex-M0+, Cortex-M4 and RV32IMC:
#                     warning-free, size and worst-case stack tables
#                     (markdown, also in build/cross/report.md), and no
#                     libc symbol but memcpy/memset/memmove/memcmp
#   make portability  the unit suites as 32-bit x86, armhf and big-endian
#                     s390x (under qemu-user when the CPU cannot run them),
#                     and the headers from C++ with g++ and clang++
# Both end with "N passed, M failed" and fail on any failure.  The packages
# they need are listed in tests/portability/README.

# More cross builds for the size and stack tables: one word per build, its
# -D flags joined by commas, e.g. CROSS_VARIANTS="-DPBW_MAX_DEPTH=4".
CROSS_VARIANTS ?=

cross:
	@LIB_SRC='$(LIB_SRC)' CORE_SRC='$(CORE_SRC)' CROSS_VARIANTS='$(CROSS_VARIANTS)' sh tests/portability/cross.sh

# The unit suites' sources and flags come from tests/tests.mk.
portability:
	@LIB_SRC='$(LIB_SRC)' TEST_SRC='$(TEST_SRC)' TEST_CFLAGS='$(TEST_CFLAGS)' \
	    sh tests/portability/run.sh

.PHONY: cross portability
