# SPDX-License-Identifier: MIT
# Benchmark rules, included by the Makefile.
#   make bench        ours only, no dependencies: bench/bench.c on ../shared/corpus
#   make bench-peers  ours beside the peer libraries (see bench/README.md)

BENCH_CFLAGS = -O2 -std=c99 -Wall -Wextra
CORPUS ?= ../shared/corpus

$(B)/bench: bench/bench.c $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(BENCH_CFLAGS) bench/bench.c $(LIB_SRC) -o $@

bench: $(B)/bench
	$(B)/bench --corpus $(CORPUS)

.PHONY: bench

# make bench-peers / bench-peers-verify / bench-peers-results: see bench/README.md
include bench/peers/peers.mk

# make bench-cg: instructions per message from callgrind (bench/callgrind.sh)
bench-cg: $(B)/bench
	@B=$(B) CORPUS=$(CORPUS) sh bench/callgrind.sh $(CG_CLASSES)

.PHONY: bench-cg
