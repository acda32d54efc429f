# SPDX-License-Identifier: MIT
# The client engine (wps_client.[ch]), included by the Makefile.
#
#   make test-client   the rule table and the simulated-service property run
#                      (build/run_tests_client [scenarios [seed]])

CLIENT_TEST_SRC = tests/test_client.c tests/client_drv.c tests/client_sim.c tests/harness.c
CLIENT_TEST_DEPS = $(CLIENT_TEST_SRC) tests/client_drv.h tests/test.h $(LIB_SRC) $(LIB_HDR)

$(B)/run_tests_client: $(CLIENT_TEST_DEPS) | $(B)
	$(CC) -g -O1 -Wall -Wextra -std=c99 $(CLIENT_TEST_SRC) $(LIB_SRC) -o $@

test-client: $(B)/run_tests_client
	$(B)/run_tests_client

.PHONY: test-client

# examples/client_posix: the chat client over libwebsockets (Debian
# libwebsockets-dev), and its end-to-end test against tests/e2e/service.mjs
# (Node with the root's node_modules: ws, protobufjs).  Skipped with a line
# saying why when either is missing, unless REQUIRE_CLIENT_E2E=1 (CI).
HAVE_LWS := $(shell pkg-config --exists libwebsockets 2>/dev/null && echo 1)

$(B)/client_posix: examples/client_posix.c $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) -std=c99 -O1 -Wall -Wextra -Wpedantic -Wconversion $< pbwire.c wps_messages.c \
	    wps_client.c $(shell pkg-config --cflags --libs libwebsockets 2>/dev/null) -lpthread -o $@

client-example: $(B)/client_posix

test-client-e2e: $(if $(HAVE_LWS),$(B)/client_posix)
	@if [ -z "$(HAVE_LWS)" ] || ! command -v node >/dev/null 2>&1 || \
	    [ ! -d node_modules/ws ] || [ ! -d node_modules/protobufjs ]; then \
	    echo "client e2e: needs libwebsockets-dev, node and npm ci (ws, protobufjs): SKIPPED"; \
	    if [ "$${REQUIRE_CLIENT_E2E:-0}" = 1 ]; then echo "0 passed, 1 failed"; exit 1; fi; \
	    echo "0 passed, 0 failed"; exit 0; \
	fi; \
	node tests/e2e/client_e2e.mjs $(B)/client_posix

.PHONY: client-example test-client-e2e
