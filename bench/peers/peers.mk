# SPDX-License-Identifier: MIT
# bench/peers/peers.mk - `make bench-peers`: our codec beside libprotobuf,
# protobuf-c, nanopb and protozero, in one process, on ../shared/corpus.
# Included by bench/bench.mk.  Everything is built into $(B)/peers; the
# peers' code is generated there from $(BP_SPEC) at build time.
#
#   make bench-peers          verify every column, then time them (stdout)
#   make bench-peers-verify   verification only (every class of the corpus)
#   make bench-peers-results  timing + callgrind instruction counts, writes
#                             bench/RESULTS.md and prints the README summary
#
# Knobs: PEER_CLASSES (default: the mixes, the ctl mixes and the payload
# classes), PEER_MS (200), PEER_REPS (5), PEER_CPU (0), PEER_CG_CLASSES,
# PEER_CG_JOBS (1), NANOPB_SRC (default: $(B)/nanopb-*/ from
# `apt-get source nanopb`).  Packages: bench/README.md.

BP        = $(B)/peers
BP_SRC    = bench/peers
BP_SPEC  ?= ../shared/spec/webpubsub.proto
BP_ANY   ?= /usr/include/google/protobuf/any.proto
NANOPB_SRC ?= $(patsubst %/pb_decode.c,%,$(firstword $(wildcard $(B)/nanopb-*/pb_decode.c)))
CXX      ?= c++
PYTHON   ?= python3
PEER_MS  ?= 200
PEER_REPS ?= 5
PEER_CPU ?= 0
PEER_CLASSES ?=
PEER_CG_CLASSES ?=
PEER_CG_JOBS ?= 1

BP_OPT      = -O2 -DNDEBUG
BP_CFLAGS   = $(BP_OPT) -std=c99 -Wall -Wextra
BP_C11FLAGS = $(BP_OPT) -std=gnu11
BP_CXXFLAGS = $(BP_OPT) -std=c++17 -Wall -Wextra
BP_NPB_DEFS = -DPB_BUFFER_ONLY
BP_PKGS     = protobuf libprotobuf-c

BP_BIN = $(BP)/bench_peers
BP_OBJ = $(BP)/main.o $(BP)/pbwire.o $(BP)/wps_messages.o $(BP)/col_ours.o $(BP)/col_floor.o \
         $(BP)/col_libprotobuf.o $(BP)/cpp/webpubsub.pb.o \
         $(BP)/col_protobuf_c.o $(BP)/pbc/webpubsub.pb-c.o $(BP)/pbc/google/protobuf/any.pb-c.o \
         $(BP)/npb/pb_common.o $(BP)/npb/pb_decode.o $(BP)/npb/pb_encode.o \
         $(BP)/col_nanopb_static.o $(BP)/npbs/npbs_wps.pb.o $(BP)/npbs/npbs_any.pb.o \
         $(BP)/col_nanopb_cb.o $(BP)/npbcb/npbcb_wps.pb.o $(BP)/npbcb/npbcb_any.pb.o \
         $(BP)/col_protozero.o
BP_HDR = $(BP_SRC)/harness.h

# Installs nothing: fails with the list of what is missing.
bench-peers-deps:
	@sh $(BP_SRC)/check-deps.sh $(B)

bench-peers-deps-valgrind:
	@sh $(BP_SRC)/check-deps.sh --valgrind $(B)

$(BP)/.dir:
	mkdir -p $(BP)/cpp $(BP)/pbc $(BP)/npb $(BP)/npbs $(BP)/npbcb
	touch $@

# ---- generated code ----

# libprotobuf: protoc --cpp_out on the spec as it is
$(BP)/cpp/webpubsub.pb.cc $(BP)/cpp/webpubsub.pb.h &: $(BP_SPEC) | $(BP)/.dir bench-peers-deps
	protoc -I$(dir $(BP_SPEC)) -I/usr/include --cpp_out=$(BP)/cpp $(BP_SPEC)

# protobuf-c: protoc-gen-c 1.4 refuses proto3 `optional`; give it the same
# schema with each `optional T x = N;` as the synthetic `oneof _x { T x = N; }`
# that it is by definition (same wire format, same presence)
$(BP)/pbc/webpubsub.proto: $(BP_SPEC) | $(BP)/.dir bench-peers-deps
	sed -E 's/^([[:space:]]*)optional[[:space:]]+([A-Za-z0-9_.]+)[[:space:]]+([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)[[:space:]]*;/\1oneof _\3 { \2 \3 = \4; }/' $< > $@
	@if grep -qE '^[[:space:]]*optional[[:space:]]' $@; then echo "bench-peers: an optional field was not rewritten in $@" >&2; exit 1; fi

$(BP)/pbc/webpubsub.pb-c.c $(BP)/pbc/webpubsub.pb-c.h $(BP)/pbc/google/protobuf/any.pb-c.c &: $(BP)/pbc/webpubsub.proto
	cd $(BP)/pbc && protoc -I. -I/usr/include --c_out=. webpubsub.proto google/protobuf/any.proto

# nanopb: two variants linked into one program, so each is generated from a
# copy of the spec and of any.proto with the package renamed (npbs, npbcb)
$(BP)/npbs/npbs_wps.proto $(BP)/npbcb/npbcb_wps.proto: $(BP)/%_wps.proto: $(BP_SPEC) | $(BP)/.dir bench-peers-deps
	sed -e 's/^package azure\.webpubsub;/package $(notdir $*);/' \
	    -e 's|import "google/protobuf/any.proto";|import "$(notdir $*)_any.proto";|' \
	    -e 's/google\.protobuf\.Any/$(notdir $*)_any.Any/g' $< > $@

$(BP)/npbs/npbs_any.proto $(BP)/npbcb/npbcb_any.proto: $(BP)/%_any.proto: $(BP_ANY) | $(BP)/.dir bench-peers-deps
	sed -e 's/^package google\.protobuf;/package $(notdir $*)_any;/' $< > $@

$(BP)/npbs/npbs_wps.pb.c $(BP)/npbs/npbs_wps.pb.h $(BP)/npbs/npbs_any.pb.c &: \
		$(BP)/npbs/npbs_wps.proto $(BP)/npbs/npbs_any.proto $(BP_SRC)/nanopb_static.options
	cd $(BP)/npbs && protoc -I. "--nanopb_out=-q -f $(CURDIR)/$(BP_SRC)/nanopb_static.options:." \
	    npbs_wps.proto npbs_any.proto

$(BP)/npbcb/npbcb_wps.pb.c $(BP)/npbcb/npbcb_wps.pb.h $(BP)/npbcb/npbcb_any.pb.c &: \
		$(BP)/npbcb/npbcb_wps.proto $(BP)/npbcb/npbcb_any.proto $(BP_SRC)/nanopb_cb.options
	cd $(BP)/npbcb && protoc -I. "--nanopb_out=-q -f $(CURDIR)/$(BP_SRC)/nanopb_cb.options:." \
	    npbcb_wps.proto npbcb_any.proto

# ---- objects ----

# ours: the library sources as they are in the tree
$(BP)/pbwire.o $(BP)/wps_messages.o: $(BP)/%.o: %.c $(LIB_HDR) | $(BP)/.dir
	$(CC) $(BP_CFLAGS) -c $< -o $@

$(BP)/col_ours.o $(BP)/col_floor.o: $(BP)/%.o: $(BP_SRC)/%.c $(BP_HDR) $(LIB_HDR) | $(BP)/.dir
	$(CC) $(BP_CFLAGS) -c $< -o $@

$(BP)/main.o: $(BP_SRC)/main.cc $(BP_HDR) | $(BP)/.dir bench-peers-deps
	$(CXX) $(BP_CXXFLAGS) -c $< -o $@

$(BP)/col_libprotobuf.o: $(BP_SRC)/col_libprotobuf.cc $(BP)/cpp/webpubsub.pb.h $(BP_HDR)
	$(CXX) $(BP_CXXFLAGS) -I$(BP)/cpp $$(pkg-config --cflags protobuf) -c $< -o $@

$(BP)/cpp/webpubsub.pb.o: $(BP)/cpp/webpubsub.pb.cc $(BP)/cpp/webpubsub.pb.h
	$(CXX) $(BP_OPT) -std=c++17 $$(pkg-config --cflags protobuf) -c $< -o $@

$(BP)/col_protobuf_c.o: $(BP_SRC)/col_protobuf_c.c $(BP)/pbc/webpubsub.pb-c.h $(BP_HDR)
	$(CC) $(BP_C11FLAGS) -Wall -I$(BP)/pbc -c $< -o $@

$(BP)/pbc/webpubsub.pb-c.o $(BP)/pbc/google/protobuf/any.pb-c.o: %.o: %.c
	$(CC) $(BP_C11FLAGS) -I$(BP)/pbc -c $< -o $@

$(BP)/npb/pb_common.o $(BP)/npb/pb_decode.o $(BP)/npb/pb_encode.o: $(BP)/npb/%.o: | $(BP)/.dir bench-peers-deps
	$(CC) $(BP_OPT) -std=c99 $(BP_NPB_DEFS) -I$(NANOPB_SRC) -c $(NANOPB_SRC)/$*.c -o $@

$(BP)/npbs/%.pb.o: $(BP)/npbs/%.pb.c $(BP)/npbs/npbs_wps.pb.h
	$(CC) $(BP_OPT) -std=c99 $(BP_NPB_DEFS) -I$(NANOPB_SRC) -I$(BP)/npbs -c $< -o $@

$(BP)/npbcb/%.pb.o: $(BP)/npbcb/%.pb.c $(BP)/npbcb/npbcb_wps.pb.h
	$(CC) $(BP_OPT) -std=c99 $(BP_NPB_DEFS) -I$(NANOPB_SRC) -I$(BP)/npbcb -I$(BP_SRC) -c $< -o $@

$(BP)/col_nanopb_static.o: $(BP_SRC)/col_nanopb.c $(BP)/npbs/npbs_wps.pb.h $(BP_HDR)
	$(CC) $(BP_CFLAGS) $(BP_NPB_DEFS) -I$(NANOPB_SRC) -I$(BP)/npbs -c $< -o $@

$(BP)/col_nanopb_cb.o: $(BP_SRC)/col_nanopb.c $(BP)/npbcb/npbcb_wps.pb.h $(BP_HDR) $(BP_SRC)/npb_view.h
	$(CC) $(BP_CFLAGS) $(BP_NPB_DEFS) -DNPB_CB -I$(NANOPB_SRC) -I$(BP)/npbcb -I$(BP_SRC) -c $< -o $@

$(BP)/col_protozero.o: $(BP_SRC)/col_protozero.cc $(BP_HDR) $(LIB_HDR) | $(BP)/.dir bench-peers-deps
	$(CXX) $(BP_CXXFLAGS) -c $< -o $@

$(BP_BIN): $(BP_OBJ)
	$(CXX) $(BP_OPT) $(BP_OBJ) $$(pkg-config --libs $(BP_PKGS)) -o $@

# ---- targets ----

bench-peers: $(BP_BIN)
	$(BP_BIN) --corpus $(CORPUS) --ms $(PEER_MS) --reps $(PEER_REPS) --cpu $(PEER_CPU) $(PEER_CLASSES)

bench-peers-verify: $(BP_BIN)
	$(BP_BIN) --verify --corpus $(CORPUS) \
	    $(or $(PEER_CLASSES),$(basename $(notdir $(wildcard $(CORPUS)/*.bin))))

bench-peers-results: $(BP_BIN) | bench-peers-deps-valgrind
	$(PYTHON) $(BP_SRC)/report.py --bin $(BP_BIN) --corpus $(CORPUS) --out bench/RESULTS.md \
	    --work $(BP)/results --ms $(PEER_MS) --reps $(PEER_REPS) --cpu $(PEER_CPU) \
	    --cg-jobs $(PEER_CG_JOBS) \
	    $(if $(PEER_CLASSES),--classes "$(PEER_CLASSES)") \
	    $(if $(PEER_CG_CLASSES),--cg-classes "$(PEER_CG_CLASSES)")

.PHONY: bench-peers bench-peers-verify bench-peers-results bench-peers-deps bench-peers-deps-valgrind
