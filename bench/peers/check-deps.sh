#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/peers/check-deps.sh [--valgrind] BUILD_DIR
# Checks what `make bench-peers` needs (bench/README.md lists it) and says
# exactly what is missing.  Installs nothing.
# NANOPB_SRC may point at the nanopb runtime sources (pb_decode.c ...).
set -u
want_valgrind=0
if [ "${1:-}" = "--valgrind" ]; then
    want_valgrind=1
    shift
fi
B=${1:-build}
missing=""
hints=""

need_pkg() { # what package
    missing="$missing  - $1 (Debian package: $2)
"
    case " $hints " in *" $2 "*) ;; *) hints="$hints $2" ;; esac
}

command -v protoc >/dev/null 2>&1 || need_pkg "protoc" protobuf-compiler
[ -f /usr/include/google/protobuf/message.h ] || need_pkg "libprotobuf headers and library" libprotobuf-dev
[ -f /usr/include/google/protobuf/any.proto ] || need_pkg "google/protobuf/any.proto" libprotobuf-dev
command -v protoc-gen-c >/dev/null 2>&1 || need_pkg "protoc-gen-c (protobuf-c generator)" protobuf-c-compiler
[ -f /usr/include/protobuf-c/protobuf-c.h ] || need_pkg "protobuf-c headers and library" libprotobuf-c-dev
[ -f /usr/include/protozero/pbf_reader.hpp ] || need_pkg "protozero headers" libprotozero-dev
command -v protoc-gen-nanopb >/dev/null 2>&1 || need_pkg "protoc-gen-nanopb (nanopb generator)" nanopb
command -v pkg-config >/dev/null 2>&1 || need_pkg "pkg-config" pkgconf
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || need_pkg "a C++ compiler" g++
if [ "$want_valgrind" = 1 ]; then
    command -v valgrind >/dev/null 2>&1 || need_pkg "valgrind (callgrind instruction counts)" valgrind
fi

src_missing=0
if [ -n "${NANOPB_SRC:-}" ]; then
    [ -f "$NANOPB_SRC/pb_decode.c" ] || src_missing=1
else
    ls "$B"/nanopb-*/pb_decode.c >/dev/null 2>&1 || src_missing=1
fi

if [ -z "$missing" ] && [ "$src_missing" = 0 ]; then
    exit 0
fi

echo "bench-peers: missing dependencies (see bench/README.md):" >&2
if [ -n "$missing" ]; then
    printf '%s' "$missing" >&2
    echo "  install them (as root):  apt-get install$hints" >&2
fi
if [ "$src_missing" = 1 ]; then
    cat >&2 <<EOF
  - the nanopb runtime sources (pb_common.c, pb_decode.c, pb_encode.c): Debian
    ships them only in its source package.  With a deb-src line for bookworm
    (e.g. /etc/apt/sources.list.d/debian-src.sources: Types: deb-src,
    URIs: http://deb.debian.org/debian, Suites: bookworm, Components: main,
    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg), run
        apt-get update && (cd $B && apt-get source nanopb)
    or point NANOPB_SRC at a directory holding them.
EOF
fi
echo "  (bench/peers/install-deps.sh does all of this, as root)" >&2
exit 1
