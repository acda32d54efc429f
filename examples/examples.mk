# SPDX-License-Identifier: MIT
# The example programs, built and run by make test (part "examples").
EXAMPLES = $(B)/stream_frames

$(B)/stream_frames: examples/stream_frames.c $(LIB_SRC) $(LIB_HDR) | $(B)
	$(CC) $(WARN) -Werror -I. examples/stream_frames.c pbwire.c wps_messages.c -o $@

run-examples: $(EXAMPLES)
	@p=0; f=0; for e in $(EXAMPLES); do \
	    if $$e > $$e.out; then p=$$((p + 1)); else echo "examples: $$e failed"; f=$$((f + 1)); fi; \
	done; echo "$$p passed, $$f failed"

.PHONY: run-examples
