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

bench-js: $(WASM)
	nice node bindings/js/bench/bench.mjs

clean: clean-js
clean-js:
	rm -f $(WASM)

.PHONY: wasm test-js bench-js clean-js
