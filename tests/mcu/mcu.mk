# SPDX-License-Identifier: MIT
# Emulated microcontrollers, included by the Makefile.
#   make mcu   the codec and its test suite as bare-metal images for
#              Cortex-M4 (mps2-an386), Cortex-M3 (mps2-an385) and Cortex-M0+
#              code on the M4 board, run under qemu-system-arm -icount with
#              semihosting: every vector, streaming, measured stack against
#              the static bound, instructions per frame.  Ends with
#              "N passed, M failed".  See tests/mcu/README.
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm.
# MCU_TARGETS="cm4 cm3 cm0plus" picks targets.

MCU_TARGETS ?= cm4 cm3 cm0plus

mcu:
	@LIB_SRC='$(LIB_SRC)' MCU_TARGETS='$(MCU_TARGETS)' sh tests/mcu/run.sh

.PHONY: mcu
