# SPDX-License-Identifier: MIT
# Service core (wps_service.[ch]) rules, included by the Makefile.
#
#   make test-service      the service suite alone (build/run_tests_service)
#   make test-service-py   its JSON cases re-read by Python's json module
#   make bench-fanout      bench/fanout.c: fan-out of one 1 KiB message to
#                          10,000 receivers; adds protobuf-c and protozero
#                          when installed

SVC_SRC = wps_service.c
SVC_HDR = wps_service.h
# The library with the service core, whether or not LIB_SRC has it yet.
SVC_LIB_SRC = $(filter-out $(SVC_SRC),$(LIB_SRC)) $(SVC_SRC)
SVC_TEST_CFLAGS = -g -O1 -Wall -Wextra -Wno-sign-conversion -std=c99

$(B)/run_tests_service: tests/test_service.c tests/harness.c tests/test.h $(SVC_SRC) $(SVC_HDR) $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(SVC_TEST_CFLAGS) -DWPS_SERVICE_STANDALONE tests/test_service.c tests/harness.c \
	    $(SVC_LIB_SRC) -o $@

test-service: $(B)/run_tests_service
	$(B)/run_tests_service

.PHONY: test-service

# The suite's JSON cases, re-read by an independent parser: Python's json
# module (strict: UTF-8 decoding, no NaN/Infinity).  V lines: a document and
# whether wps_json_validate accepts it; R lines: a rendering and the
# document it must equal (members in order, duplicates kept).
define SVC_PY
import json, sys
def load(b):
    s = b.decode("utf-8")
    def bad(c): raise ValueError(c)
    return json.loads(s, parse_constant=bad, object_pairs_hook=list)
ok = bad = 0
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    try:
        if f[0] == "V":
            try:
                load(bytes.fromhex(f[2])); acc = 1
            except ValueError:
                acc = 0
            good = acc == int(f[1])
        else:
            good = load(bytes.fromhex(f[1])) == load(bytes.fromhex(f[2]))
    except ValueError as e:
        good = False
    if good:
        ok += 1
    else:
        bad += 1
        print("MISMATCH", line.strip()[:200])
print("service-py: %d JSON cases checked by python3 json" % (ok + bad))
print("%d passed, %d failed" % (ok, bad))
sys.exit(1 if bad else 0)
endef
export SVC_PY

test-service-py: $(B)/run_tests_service
	@if command -v python3 >/dev/null 2>&1; then \
	    $(B)/run_tests_service --emit $(B)/service-json.tsv >/dev/null && \
	    python3 -c "$$SVC_PY" $(B)/service-json.tsv; \
	else \
	    echo "test-service-py: python3 not installed: SKIPPED"; echo "0 passed, 0 failed"; \
	fi

.PHONY: test-service-py

# bench/fanout.c.  Peers are added when installed:
# - protobuf-c (Debian: protobuf-compiler, protobuf-c-compiler,
#   libprotobuf-c-dev, libprotobuf-dev for any.proto); its code is generated
#   here from the spec, with each proto3 `optional T x = N;` written as the
#   `oneof _x { T x = N; }` that it is by definition (protoc-gen-c 1.4
#   refuses `optional`);
# - protozero (libprotozero-dev, header-only; and a C++ compiler):
#   bench/fanout_protozero.cc.
FANOUT_SPEC ?= ../shared/spec/webpubsub.proto
FANOUT_PBC = $(B)/fanout-pbc
FANOUT_CFLAGS = -O2 -DNDEBUG -Wall -Wextra
HAVE_PBC := $(shell command -v protoc >/dev/null 2>&1 && command -v protoc-gen-c >/dev/null 2>&1 && \
                    [ -f /usr/include/protobuf-c/protobuf-c.h ] && \
                    [ -f /usr/include/google/protobuf/any.proto ] && [ -f $(FANOUT_SPEC) ] && echo 1)
HAVE_PZ := $(shell [ -f /usr/include/protozero/pbf_reader.hpp ] && command -v $(CXX) >/dev/null 2>&1 && echo 1)
FANOUT_BIN = $(B)/bench_fanout$(if $(HAVE_PBC)$(HAVE_PZ),_peers)
FANOUT_PEER_DEP = $(if $(HAVE_PBC),$(FANOUT_PBC)/webpubsub.pb-c.c) $(if $(HAVE_PZ),$(B)/fanout_protozero.o)
FANOUT_PEER_FLAGS = $(if $(HAVE_PBC),-DFANOUT_PROTOBUF_C -I$(FANOUT_PBC)) $(if $(HAVE_PZ),-DFANOUT_PROTOZERO)
FANOUT_PEER_LINK = $(if $(HAVE_PBC),$(FANOUT_PBC)/webpubsub.pb-c.c $(FANOUT_PBC)/google/protobuf/any.pb-c.c -lprotobuf-c) \
                   $(if $(HAVE_PZ),$(B)/fanout_protozero.o -lstdc++)

$(B)/bench_fanout: bench/fanout.c $(SVC_SRC) $(SVC_HDR) $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(FANOUT_CFLAGS) -std=c99 bench/fanout.c $(SVC_LIB_SRC) -o $@

$(FANOUT_PBC)/webpubsub.proto: $(FANOUT_SPEC) | $(B)
	mkdir -p $(FANOUT_PBC)
	sed -E 's/^([[:space:]]*)optional[[:space:]]+([A-Za-z0-9_.]+)[[:space:]]+([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)[[:space:]]*;/\1oneof _\3 { \2 \3 = \4; }/' $< > $@

$(FANOUT_PBC)/webpubsub.pb-c.c: $(FANOUT_PBC)/webpubsub.proto
	cd $(FANOUT_PBC) && protoc -I. -I/usr/include --c_out=. webpubsub.proto google/protobuf/any.proto

$(B)/fanout_protozero.o: bench/fanout_protozero.cc bench/fanout_protozero.h | $(B)
	$(CXX) -O2 -DNDEBUG -Wall -Wextra -std=c++11 -c $< -o $@

# protobuf-c's generated headers use anonymous unions (C11).
$(B)/bench_fanout_peers: bench/fanout.c $(FANOUT_PEER_DEP) $(SVC_SRC) $(SVC_HDR) $(LIB_SRC) $(LIB_HDR)
	$(CC) $(FANOUT_CFLAGS) -std=gnu11 $(FANOUT_PEER_FLAGS) bench/fanout.c $(SVC_LIB_SRC) \
	    $(FANOUT_PEER_LINK) -o $@

bench-fanout: $(FANOUT_BIN)
	$(FANOUT_BIN) $(FANOUT_ARGS)

.PHONY: bench-fanout

# wpsdump --as (once tools/wpsdump-as.patch is applied): three renderings
# of known frames, compared with what they must print.
test-wpsdump-as: $(B)/wpsdump
	@if ! $(B)/wpsdump --help 2>&1 | grep -q -- '--as='; then \
	    echo "test-wpsdump-as: wpsdump has no --as (tools/wpsdump-as.patch not applied): SKIPPED"; \
	    echo "0 passed, 0 failed"; exit 0; \
	fi; \
	p=0 f=0; \
	check() { got=$$(echo "$$3" | $(B)/wpsdump $$1 --hex $$2); \
	    if [ "$$got" = "$$4" ]; then p=$$((p + 1)); \
	    else f=$$((f + 1)); echo "wpsdump $$1 $$2: got $$got"; echo "  want $$4"; fi; }; \
	check --up --as=json-client 0a110a046368617410011a070a0568656c6c6f \
	    '{"type":"message","from":"group","group":"chat","dataType":"text","data":"hello"}'; \
	check --down --as=json-client 12180a0567726f75701204636861741a070a0568656c6c6f202a \
	    '{"sequenceId":42,"type":"message","from":"group","group":"chat","dataType":"text","data":"hello"}'; \
	check --up --as=raw 0a0e0a01671a091a070a017412020801 \
	    '{"frame": "binary", "length": 7, "base64": "CgF0EgIIAQ=="}'; \
	check --up --as=cloudevent 2a1e0a056f72646572121322117b2268656c6c6f223a22776f726c64227d1803 \
	    '{"headers": ["Content-Type: application/json", "Content-Length: 17", "ce-specversion: 1.0", "ce-type: azure.webpubsub.user.order", "ce-source: /hubs/%257Bhub%257D/client/%257BconnectionId%257D", "ce-id: {eventId}", "ce-time: {time}", "ce-userId: {userId}", "ce-connectionId: {connectionId}", "ce-hub: {hub}", "ce-eventName: order", "ce-subprotocol: protobuf.webpubsub.azure.v1"], "body": "{\"hello\":\"world\"}"}'; \
	echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

.PHONY: test-wpsdump-as
