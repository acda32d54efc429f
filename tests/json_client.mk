# The json subprotocols against the official client (issue 14), included by
# the Makefile.
#
#   make test-json-client   tests/json_client/real_client.cjs: requests
#                           written by @azure/web-pubsub-client parsed by
#                           wps_json_request_parse, our renderings read by its
#                           parseMessages, grammar judged like JSON.parse;
#                           skipped (with a line saying so) without node or
#                           node_modules (npm ci)

$(B)/json_down_gen: tests/json_client/down_gen.c tools/wps_json.c tools/wps_json.h $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) -std=c99 -g -O1 -Wall -Wextra tests/json_client/down_gen.c tools/wps_json.c $(LIB_SRC) -o $@

test-json-client: $(B)/wpsdump $(B)/json_down_gen
	@if ! command -v node >/dev/null 2>&1; then \
	    echo "real-client: node not installed: SKIPPED"; echo "0 passed, 0 failed"; \
	else \
	    node tests/json_client/real_client.cjs $(B); \
	fi

.PHONY: test-json-client
