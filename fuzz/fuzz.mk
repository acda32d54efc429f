# Fuzzing rules, included by the Makefile (fuzz/README.md).
