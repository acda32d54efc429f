# SPDX-License-Identifier: MIT
# wpspb - Azure Web PubSub protobuf codec.  See README.md.
#
#   make            static library and tools (build/)
#   make demo       build, then decode the example frames with wpsdump
#   make test       unit, golden and malformed-input tests; the differential
#                   test against libprotobuf runs too when python3-protobuf
#                   and protoc are installed (REQUIRE_DIFF=1 makes it mandatory)
#   make install    headers, libraries, pkg-config files, wpsdump (install.mk)
#   make uninstall
#   make clean

CC      ?= cc
CFLAGS  ?= -O2
WARN    = -std=c99 -Wall -Wextra -Wpedantic -Wconversion
PREFIX  ?= /usr/local
B       = build

# The core, then the optional modules: module NAME is wps_NAME.[ch], built
# as libwpspb_NAME and installed with wpspb-NAME.pc.  One line per module.
CORE_SRC = pbwire.c wps_messages.c
MODULES  = service client
LIB_SRC = $(CORE_SRC) $(MODULES:%=wps_%.c)
LIB_HDR = $(LIB_SRC:.c=.h)
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
LIB     = $(B)/libwpspb.a
LIBS    = $(LIB) $(MODULES:%=$(B)/libwpspb_%.a)
TOOLS   = $(B)/wpsdump
# The version is stated once, in wps_messages.h.
VERSION := $(shell awk '$$1 ~ /define/ && $$2 == "WPS_VERSION_STRING" { gsub(/"/, "", $$3); print $$3 }' wps_messages.h)
ABI_VERSION := $(shell awk '$$1 ~ /define/ && $$2 == "WPS_ABI_VERSION" { print $$3 }' wps_messages.h)

all: $(LIBS) $(TOOLS)

$(B):
	mkdir -p $(B)

$(B)/%.o: %.c $(LIB_HDR) | $(B)
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(LIB): $(CORE_SRC:%.c=$(B)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libwpspb_%.a: $(B)/wps_%.o
	rm -f $@
	$(AR) rcs $@ $^

$(B)/wps_json.o: tools/wps_json.c tools/wps_json.h $(LIB_HDR) | $(B)
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(B)/wpsdump: tools/wpsdump.c $(B)/wps_json.o $(B)/libwpspb_service.a $(LIB) | $(B)
	$(CC) $(WARN) $(CFLAGS) $< $(B)/wps_json.o $(B)/libwpspb_service.a $(LIB) -o $@

demo: all
	@echo '--- upstream frames (examples/up.hex) ---'
	@$(B)/wpsdump --up --lines examples/up.hex || true
	@echo '--- downstream frames (examples/down.hex) ---'
	@$(B)/wpsdump --down --lines examples/down.hex || true

include tests/tests.mk
include tests/service.mk
include tests/client.mk
include tests/portability.mk
include tests/mcu/mcu.mk
include bench/bench.mk
include examples/examples.mk
include fuzz/fuzz.mk
include tests/json_client.mk
include install.mk
include bindings/js/js.mk

clean:
	rm -rf $(B)

.PHONY: all demo clean
