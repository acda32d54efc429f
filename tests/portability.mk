# Cross builds and portability runs, included by the Makefile.
