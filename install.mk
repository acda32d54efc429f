# SPDX-License-Identifier: MIT
# Shared libraries, install and uninstall, included by the Makefile.
#
#   make install     DESTDIR= PREFIX=/usr/local; each directory can be set
#                    on its own: INCLUDEDIR=$(PREFIX)/include (the headers go
#                    into its wpspb/), LIBDIR=$(PREFIX)/lib,
#                    PKGCONFIGDIR=$(LIBDIR)/pkgconfig, BINDIR=$(PREFIX)/bin
#   make uninstall   removes what install put there (same variables)
#
# Installed: the headers in $(INCLUDEDIR)/wpspb/; libwpspb (the core) and
# libwpspb_NAME per module, static and shared (soname libwpspb.so.N, N =
# WPS_ABI_VERSION; only the pbw_ and wps_ functions exported, see
# libwpspb.map); wpspb.pc and wpspb-NAME.pc; wpsdump.  A -DPBW_MAX_DEPTH in
# CFLAGS or CPPFLAGS is part of the ABI, so it goes into the .pc files'
# Cflags too.  Shared libraries need an ELF linker (GNU ld, gold, lld);
# SHARED=0 leaves them out (the default on macOS and Windows: use CMake).

PREFIX       ?= /usr/local
INCLUDEDIR   ?= $(PREFIX)/include
LIBDIR       ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BINDIR       ?= $(PREFIX)/bin
UNAME        := $(shell uname -s 2>/dev/null)
SHARED       ?= $(if $(filter Darwin CYGWIN% MINGW% MSYS% Windows_NT,$(UNAME)),0,1)

SO_NAMES    = libwpspb $(MODULES:%=libwpspb_%)
SHARED_LIBS = $(if $(filter 1,$(SHARED)),$(SO_NAMES:%=$(B)/%.so.$(VERSION)))
ABI_CFLAGS  = $(filter -DPBW_MAX_DEPTH=%,$(CPPFLAGS) $(CFLAGS))

all: $(SHARED_LIBS)

# Keep the objects the libraries are made of (pattern rules would delete them).
.SECONDARY: $(LIB_OBJ) $(LIB_SRC:%.c=$(B)/pic/%.o)

$(B)/pic:
	mkdir -p $@

$(B)/pic/%.o: %.c $(LIB_HDR) | $(B)/pic
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -fPIC -c $< -o $@

# name, then objects and libraries: the versioned file and its two links.
SO_LINK = $(CC) -shared $(LDFLAGS) -Wl,-soname,$(1).so.$(ABI_VERSION) \
	    -Wl,--version-script=libwpspb.map $(2) -o $(B)/$(1).so.$(VERSION) && \
	ln -sf $(1).so.$(VERSION) $(B)/$(1).so.$(ABI_VERSION) && \
	ln -sf $(1).so.$(ABI_VERSION) $(B)/$(1).so

$(B)/libwpspb.so.$(VERSION): $(CORE_SRC:%.c=$(B)/pic/%.o) libwpspb.map
	$(call SO_LINK,libwpspb,$(filter %.o,$^))

$(B)/libwpspb_%.so.$(VERSION): $(B)/pic/wps_%.o $(B)/libwpspb.so.$(VERSION) libwpspb.map
	$(call SO_LINK,libwpspb_$*,$< -L$(B) -lwpspb)

# @VAR@ as CMake's and Meson's configure_file() substitute them.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	     -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	     -e 's|@ABI_CFLAGS@|$(ABI_CFLAGS)|'

install: $(LIBS) $(SHARED_LIBS) $(TOOLS)
	install -d $(DESTDIR)$(INCLUDEDIR)/wpspb $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(BINDIR)
	install -m 644 $(LIB_HDR) $(DESTDIR)$(INCLUDEDIR)/wpspb/
	install -m 644 $(LIBS) $(DESTDIR)$(LIBDIR)/
	for so in $(if $(SHARED_LIBS),$(SO_NAMES)); do \
	    install -m 755 $(B)/$$so.so.$(VERSION) $(DESTDIR)$(LIBDIR)/ && \
	    ln -sf $$so.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$$so.so.$(ABI_VERSION) && \
	    ln -sf $$so.so.$(ABI_VERSION) $(DESTDIR)$(LIBDIR)/$$so.so || exit 1; \
	done
	$(PC_SED) wpspb.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/wpspb.pc
	for m in $(MODULES); do \
	    $(PC_SED) -e "s|@MODULE@|$$m|g" wpspb-module.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/wpspb-$$m.pc || exit 1; \
	done
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(LIB_HDR:%=$(DESTDIR)$(INCLUDEDIR)/wpspb/%)
	-rmdir $(DESTDIR)$(INCLUDEDIR)/wpspb
	for so in $(SO_NAMES); do \
	    rm -f $(DESTDIR)$(LIBDIR)/$$so.a $(DESTDIR)$(LIBDIR)/$$so.so \
	          $(DESTDIR)$(LIBDIR)/$$so.so.$(ABI_VERSION) $(DESTDIR)$(LIBDIR)/$$so.so.$(VERSION); \
	done
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/wpspb.pc $(MODULES:%=$(DESTDIR)$(PKGCONFIGDIR)/wpspb-%.pc)
	rm -f $(TOOLS:$(B)/%=$(DESTDIR)$(BINDIR)/%)

.PHONY: install uninstall

# For tests/packaging/check.py: what this Makefile builds, as it reads it.
print-version:
	@echo $(VERSION) $(ABI_VERSION)
print-lib-src:
	@echo $(LIB_SRC)

.PHONY: print-version print-lib-src
