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
