# SPDX-License-Identifier: MIT
# Test build rules, included by the Makefile.

TEST_SRC = tests/run.c tests/harness.c tests/test_pbwire.c tests/test_messages.c tests/test_vectors.c tests/test_stream.c tests/test_service.c tests/test_hardening.c tests/test_json_client.c tests/test_build.c tools/wps_json.c
TEST_CFLAGS = -g -O1 -Wall -Wextra -Wno-sign-conversion -std=c99

$(B)/run_tests: $(TEST_SRC) tests/test.h tools/wps_json.h $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(TEST_CFLAGS) $(TEST_SRC) $(LIB_SRC) -o $@

# The same suites without the fast paths (WPS_SMALL): the general engines
# must give the same results on every vector.
$(B)/run_tests_small: $(TEST_SRC) tests/test.h tools/wps_json.h $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(TEST_CFLAGS) -DWPS_SMALL=1 $(TEST_SRC) $(LIB_SRC) -o $@

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer;
# clang's UBSan also catches arithmetic on NULL pointers, so it is preferred.
SAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
# Named explicitly: NULL + 0 on an empty view is what it catches (clang).
SAN_PTR = $(if $(findstring clang,$(SAN_CC)),$(comma)pointer-overflow)
comma := ,
$(B)/run_tests_asan: $(TEST_SRC) tests/test.h tools/wps_json.h $(LIB_SRC) $(LIB_HDR) | $(B)
	$(SAN_CC) $(TEST_CFLAGS) -fsanitize=address,undefined$(SAN_PTR) -fno-sanitize-recover=all \
	    $(TEST_SRC) $(LIB_SRC) -o $@

test: $(B)/run_tests $(B)/run_tests_small $(B)/wpsdump
	@sh tests/run_all.sh

.PHONY: test
