# SPDX-License-Identifier: MIT
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

# wpsdump's json modes, on known inputs: --draft-2021 with the draft's own
# three example frames (text, protobuf, binary) and the other frame kinds and
# errors; --json-client-in; --as=json-client for downstream kinds.
test-wpsdump-json: $(B)/wpsdump
	@p=0 f=0; \
	check() { got=$$(printf '%s\n' "$$3" | $(B)/wpsdump $$1 $$2); \
	    if [ "$$got" = "$$4" ]; then p=$$((p + 1)); \
	    else f=$$((f + 1)); echo "wpsdump $$1 $$2 '$$3': got $$got"; echo "  want $$4"; fi; }; \
	D="--draft-2021 --hex"; \
	check "$$D" "" "0A 07 6D 65 73 73 61 67 65 12 05 67 72 6F 75 70 1A 01 47 22 04 74 65 78 74 2A 09 74 65 78 74 20 64 61 74 61" \
	    '{"type": "message", "from": "group", "group": "G", "dataType": "text", "data": "text data"}'; \
	check "$$D" "" "0A 07 6D 65 73 73 61 67 65 12 05 67 72 6F 75 70 1A 01 47 22 08 70 72 6F 74 6F 62 75 66 2A 02 08 01" \
	    '{"type": "message", "from": "group", "group": "G", "dataType": "protobuf", "data": "CAE="}'; \
	check "$$D" "" "0A 07 6D 65 73 73 61 67 65 12 05 67 72 6F 75 70 1A 01 47 22 06 62 69 6E 61 72 79 2A 03 01 02 03" \
	    '{"type": "message", "from": "group", "group": "G", "dataType": "binary", "data": "AQID"}'; \
	check "$$D" "" 0a096a6f696e47726f75701201671805 '{"type": "joinGroup", "group": "g", "ackId": 5}'; \
	check "$$D" "" 0a096a6f696e47726f757018ffffffffffffffffff01 '{"type": "joinGroup", "ackId": -1}'; \
	check "$$D" "" "0a0361636b1007180122060a016e12016d" \
	    '{"type": "ack", "ackId": 7, "success": true, "error": {"name": "n", "message": "m"}}'; \
	check "$$D" "" 0a0673797374656d1209636f6e6e65637465641a0175220163 \
	    '{"type": "system", "event": "connected", "userId": "u", "connectionId": "c"}'; \
	check "$$D" "" 0a0673797374656d120c646973636f6e6e65637465641a03627965 \
	    '{"type": "system", "event": "disconnected", "message": "bye"}'; \
	check "$$D" "" 0a056576656e74120165180222046a736f6e2a077b2261223a317d \
	    '{"type": "event", "event": "e", "ackId": 2, "dataType": "json", "data": "{\"a\":1}"}'; \
	check "$$D" "" 120167 '{"error": "DRAFT_NO_TYPE", "offset": 3}'; \
	check "$$D" "" 0a0178 '{"error": "DRAFT_UNKNOWN_TYPE", "offset": 2}'; \
	check "$$D" "" 0801 '{"error": "DRAFT_WIRE_TYPE", "offset": 0}'; \
	check "$$D" "" 0a0561 '{"error": "PBW_E_LENGTH", "offset": 1}'; \
	check "$$D" "" 0a076d6573736167652204746578742a01ff '{"error": "PBW_E_UTF8", "offset": 17}'; \
	check --json-client-in --lines '{"type":"joinGroup","group":"g","ackId":1}' \
	    '{"joinGroupMessage": {"group": "g", "ackId": "1"}}'; \
	check --json-client-in "--lines --to-hex" '{"type":"joinGroup","group":"g","ackId":1}' 32050a01671001; \
	check --json-client-in --lines '{"type":"joinGroup"}' '{"error": "PBW_E_JSON_MISSING", "offset": 19}'; \
	check "--down --as=json-client" --hex 2200 '{"type":"pong"}'; \
	check "--down --as=json-client" --hex 0a0408011001 '{"type":"ack","ackId":1,"success":true}'; \
	check "--down --as=json-client" --hex 1a06120412026332 '{"type":"system","event":"disconnected","message":"c2"}'; \
	echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

.PHONY: test-wpsdump-json
