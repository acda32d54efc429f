# wpspb - Azure Web PubSub protobuf codec.  See README.md.
#
#   make            static library and tools (build/)
#   make demo       build, then decode the example frames with wpsdump
#   make test       unit, golden and malformed-input tests; the differential
#                   test against libprotobuf runs too when python3-protobuf
#                   and protoc are installed (REQUIRE_DIFF=1 makes it mandatory)
#   make install    PREFIX=/usr/local DESTDIR= : headers, library, pkg-config
#   make clean

CC      ?= cc
CFLAGS  ?= -O2
WARN    = -std=c99 -Wall -Wextra -Wpedantic -Wconversion
PREFIX  ?= /usr/local
B       = build

LIB_SRC = pbwire.c wps_messages.c wps_service.c
LIB_HDR = pbwire.h wps_messages.h wps_service.h
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
LIB     = $(B)/libwpspb.a
TOOLS   = $(B)/wpsdump
VERSION = 0.1.0

all: $(LIB) $(TOOLS)

$(B):
	mkdir -p $(B)

$(B)/%.o: %.c $(LIB_HDR) | $(B)
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/wps_json.o: tools/wps_json.c tools/wps_json.h $(LIB_HDR) | $(B)
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(B)/wpsdump: tools/wpsdump.c $(B)/wps_json.o $(LIB) | $(B)
	$(CC) $(WARN) $(CFLAGS) $< $(B)/wps_json.o $(LIB) -o $@

demo: all
	@echo '--- upstream frames (examples/up.hex) ---'
	@$(B)/wpsdump --up --lines examples/up.hex || true
	@echo '--- downstream frames (examples/down.hex) ---'
	@$(B)/wpsdump --down --lines examples/down.hex || true

include tests/tests.mk
include tests/service.mk
include tests/portability.mk
include bench/bench.mk
include fuzz/fuzz.mk
include bindings/js/js.mk

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB_HDR) $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' wpspb.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/wpspb.pc

clean:
	rm -rf $(B)

.PHONY: all demo install clean
