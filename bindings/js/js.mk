# SPDX-License-Identifier: MIT
# bindings/js: the library compiled to WebAssembly (clang --target=wasm32,
# wasm-ld; no libc, no Emscripten) and the tests of the JavaScript package.
#
#   make wasm        bindings/js/wpspb.wasm
#   make test-js     node --test over bindings/js/test (needs node, and
#                    chromium for the inspector's browser test)
#   make bench-js    the decode/encode benchmark against protobufjs,
#                    @bufbuild/protobuf and google-protobuf (not a test)

WASM_CC    ?= clang
WASM_LD    ?= wasm-ld
WASM       = bindings/js/wpspb.wasm
WASM_FLAGS = --target=wasm32 -O2 -std=c99 -ffreestanding -nostdlib -mbulk-memory \
             -DPBW_FREESTANDING=1 $(WARN)
WASM_SRC   = pbwire.c wps_messages.c wps_service.c bindings/js/wpspb_wasm.c
WASM_OBJ   = $(WASM_SRC:%.c=$(B)/wasm/%.o)

wasm: $(WASM)

$(B)/wasm/%.o: %.c $(LIB_HDR) | $(B)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_FLAGS) -c $< -o $@

$(WASM): $(WASM_OBJ)
	$(WASM_LD) --no-entry --strip-all --gc-sections -z stack-size=65536 $(WASM_OBJ) -o $@

test-js: $(WASM)
	sh bindings/js/test/run.sh

JS_REF    ?= ../shared
JS_BENCH  = $(B)/js-bench
PROTO     = $(JS_REF)/spec/webpubsub.proto

# The peers' code, generated from the schema: protobufjs static code (what
# the official protobuf client uses) and @bufbuild/protobuf (protoc-gen-es).
$(JS_BENCH)/pbjs_static.mjs: $(PROTO)
	@mkdir -p $(JS_BENCH)
	node_modules/.bin/pbjs -t static-module -w es6 --no-comments -o $@.tmp $(PROTO)
	sed -e 's|import \* as \$$protobuf from "protobufjs/minimal"|import \$$protobuf from "protobufjs/minimal.js"|' $@.tmp > $@ && rm -f $@.tmp

$(JS_BENCH)/webpubsub_pb.js: $(PROTO)
	@mkdir -p $(JS_BENCH)
	protoc --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out=$(JS_BENCH) \
	    --es_opt=target=js -I $(JS_REF)/spec -I /usr/include $(PROTO)

bench-js: $(WASM) $(JS_BENCH)/pbjs_static.mjs $(JS_BENCH)/webpubsub_pb.js
	nice node bindings/js/bench/bench.mjs $(JS_REF)/corpus/ $(BENCH_JS_ARGS)

clean: clean-js
clean-js:
	rm -f $(WASM)

.PHONY: wasm test-js bench-js clean-js
