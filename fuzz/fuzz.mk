# SPDX-License-Identifier: MIT
# Fuzzing rules, included by the Makefile (fuzz/README.md).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_HARNESSES="fuzz_stream ..."]
#       build every harness with clang + libFuzzer + ASan + UBSan and run
#       each for FUZZ_SECONDS; fails when one finds something
#   make fuzz-build      only build the libFuzzer binaries
#   make fuzz-replay     replay fuzz/regressions and fuzz/corpus through the
#                        harnesses linked with a plain main() (no libFuzzer),
#                        built with $(CC) and sanitizers when it has them;
#                        ends with "N passed, M failed"
#   make fuzz-replay-valgrind   the same without sanitizers, under valgrind
#
# Everything is built under $(B)/fuzz; the libprotobuf code for fuzz_diff is
# generated there by protoc from $(WPS_PROTO).  Nothing generated is kept in
# the tree, and new corpus entries go to $(B)/fuzz/corpus, never fuzz/corpus.

FUZZ_B         = $(B)/fuzz
FUZZ_HARNESSES ?= fuzz_decode_up fuzz_decode_down fuzz_roundtrip fuzz_stream fuzz_diff fuzz_build fuzz_json_in fuzz_json_down fuzz_client
FUZZ_SECONDS   ?= 60
FUZZ_MAX_LEN   ?= 4096
FUZZ_ARGS      ?=
FUZZ_CC        ?= clang
FUZZ_CXX       ?= clang++
WPS_PROTO      ?= ../shared/spec/webpubsub.proto
FUZZ_PB_LIBS   ?= $(shell pkg-config --libs protobuf 2>/dev/null || echo -lprotobuf) -pthread

FUZZ_SAN       = -fsanitize=address,undefined,pointer-overflow -fno-sanitize-recover=all
FUZZ_CFLAGS    = -g -O1 -fno-omit-frame-pointer -Wall -Wextra -std=c99
FUZZ_CXXFLAGS  = -g -O1 -fno-omit-frame-pointer -Wall -Wextra -std=c++17

FUZZ_HDR       = fuzz/fuzz_common.h fuzz/fuzz_decode.h $(LIB_HDR)
FUZZ_COMMON    = fuzz/fuzz_common.c tools/wps_json.c $(LIB_SRC)
FUZZ_SRC_fuzz_decode_up   = fuzz/fuzz_decode_up.c fuzz/fuzz_decode.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_decode_down = fuzz/fuzz_decode_down.c fuzz/fuzz_decode.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_roundtrip   = fuzz/fuzz_roundtrip.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_stream      = fuzz/fuzz_stream.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_json_in     = fuzz/fuzz_json_in.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_client      = fuzz/fuzz_client.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_build       = fuzz/fuzz_build.c $(FUZZ_COMMON)
FUZZ_SRC_fuzz_json_down   = fuzz/fuzz_json_down.c $(FUZZ_COMMON)
FUZZ_C_HARNESSES = fuzz_decode_up fuzz_decode_down fuzz_roundtrip fuzz_stream fuzz_build fuzz_json_in fuzz_json_down fuzz_client

# ---- libFuzzer builds ----------------------------------------------------

FUZZ_LF = $(FUZZ_B)/lf

$(FUZZ_LF)/fuzz_%: $(FUZZ_HDR) tools/wps_json.h $(FUZZ_COMMON) fuzz/fuzz_%.c fuzz/fuzz_decode.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_SRC_$(@F)) -o $@

# protoc's code for fuzz_diff, and the C parts compiled as C
$(FUZZ_B)/gen/webpubsub.pb.cc: $(WPS_PROTO)
	@mkdir -p $(@D)
	protoc -I$(dir $(WPS_PROTO)) -I/usr/include --cpp_out=$(@D) $(WPS_PROTO)
$(FUZZ_B)/gen/webpubsub.pb.h: $(FUZZ_B)/gen/webpubsub.pb.cc

# The generated code gets the sanitizers but no coverage instrumentation:
# libFuzzer should steer by our decoder's edges, not libprotobuf's.
$(FUZZ_LF)/webpubsub.pb.o: $(FUZZ_B)/gen/webpubsub.pb.cc
	@mkdir -p $(@D)
	$(FUZZ_CXX) -g -O1 $(FUZZ_SAN) -I$(FUZZ_B)/gen -c $< -o $@
$(FUZZ_LF)/diff_c.a: $(FUZZ_HDR) $(FUZZ_COMMON)
	@mkdir -p $(@D)/diff_c
	cd $(@D)/diff_c && $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	    $(addprefix $(CURDIR)/,$(FUZZ_COMMON)) -c
	rm -f $@ && $(AR) rcs $@ $(@D)/diff_c/*.o
$(FUZZ_LF)/fuzz_diff: fuzz/fuzz_diff.cc $(FUZZ_B)/gen/webpubsub.pb.h $(FUZZ_LF)/webpubsub.pb.o \
                      $(FUZZ_LF)/diff_c.a
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -I$(FUZZ_B)/gen fuzz/fuzz_diff.cc \
	    $(FUZZ_LF)/webpubsub.pb.o $(FUZZ_LF)/diff_c.a $(FUZZ_PB_LIBS) -o $@

fuzz-build: $(addprefix $(FUZZ_LF)/,$(FUZZ_HARNESSES))

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) FUZZ_ARGS="$(FUZZ_ARGS)" \
	    sh fuzz/run_fuzz.sh $(FUZZ_B) $(FUZZ_HARNESSES)

# ---- replay builds: a plain main() instead of libFuzzer ------------------

FUZZ_REPLAY_CC  ?= $(CC)
FUZZ_REPLAY_CXX ?= $(CXX)
# Sanitizers when the compiler has them (gcc and clang on Debian do).
FUZZ_REPLAY_SAN ?= $(shell echo 'int main(void){return 0;}' | \
    $(FUZZ_REPLAY_CC) -fsanitize=address,undefined -x c - -o /dev/null >/dev/null 2>&1 && \
    echo -fsanitize=address,undefined -fno-sanitize-recover=all)
FUZZ_REPLAY_DIR ?= $(FUZZ_B)/replay
FUZZ_REPLAY_RUN ?=
# fuzz_diff needs protoc and libprotobuf-dev; without them it is skipped.
FUZZ_HAVE_PB    ?= $(shell command -v protoc >/dev/null 2>&1 && \
    test -f /usr/include/google/protobuf/message.h && test -f $(WPS_PROTO) && echo yes)
FUZZ_REPLAY_BINS = $(addprefix $(FUZZ_REPLAY_DIR)/replay-,$(FUZZ_C_HARNESSES)) \
                   $(if $(FUZZ_HAVE_PB),$(FUZZ_REPLAY_DIR)/replay-fuzz_diff)

$(FUZZ_REPLAY_DIR)/replay-fuzz_%: $(FUZZ_HDR) tools/wps_json.h $(FUZZ_COMMON) fuzz/fuzz_%.c \
                                 fuzz/fuzz_decode.c fuzz/replay_main.c
	@mkdir -p $(@D)
	$(FUZZ_REPLAY_CC) $(FUZZ_CFLAGS) $(FUZZ_REPLAY_SAN) fuzz/replay_main.c \
	    $(FUZZ_SRC_$(patsubst replay-%,%,$(@F))) -o $@

# The generated code is compiled once (it is slow); the rest with each change.
$(FUZZ_REPLAY_DIR)/webpubsub.pb.o: $(FUZZ_B)/gen/webpubsub.pb.cc
	@mkdir -p $(@D)
	$(FUZZ_REPLAY_CXX) -g -O1 $(FUZZ_REPLAY_SAN) -I$(FUZZ_B)/gen -c $< -o $@
$(FUZZ_REPLAY_DIR)/replay-fuzz_diff: fuzz/fuzz_diff.cc fuzz/replay_main.c $(FUZZ_HDR) $(FUZZ_COMMON) \
                                     $(FUZZ_B)/gen/webpubsub.pb.h $(FUZZ_REPLAY_DIR)/webpubsub.pb.o
	@mkdir -p $(@D)/diff_c
	cd $(@D)/diff_c && $(FUZZ_REPLAY_CC) $(FUZZ_CFLAGS) $(FUZZ_REPLAY_SAN) \
	    $(addprefix $(CURDIR)/,fuzz/replay_main.c $(FUZZ_COMMON)) -c
	$(FUZZ_REPLAY_CXX) $(FUZZ_CXXFLAGS) $(FUZZ_REPLAY_SAN) -I$(FUZZ_B)/gen fuzz/fuzz_diff.cc \
	    $(FUZZ_REPLAY_DIR)/webpubsub.pb.o $(@D)/diff_c/*.o $(FUZZ_PB_LIBS) -o $@

fuzz-replay-build: $(FUZZ_REPLAY_BINS)

fuzz-replay: $(FUZZ_REPLAY_BINS)
	@FUZZ_REPLAY_RUN="$(FUZZ_REPLAY_RUN)" sh fuzz/replay.sh $(FUZZ_REPLAY_DIR) \
	    $(FUZZ_C_HARNESSES) $(if $(FUZZ_HAVE_PB),fuzz_diff,-fuzz_diff)

fuzz-replay-valgrind:
	@$(MAKE) --no-print-directory fuzz-replay FUZZ_REPLAY_SAN= \
	    FUZZ_REPLAY_DIR=$(FUZZ_B)/replay-plain \
	    FUZZ_REPLAY_RUN="valgrind -q --error-exitcode=99 --leak-check=no"

.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-build fuzz-replay-valgrind
