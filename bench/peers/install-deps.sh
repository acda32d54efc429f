#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/peers/install-deps.sh [BUILD_DIR] - installs what `make bench-peers`
# needs, from Debian (bookworm) packages.  Run as root.  `make` never runs
# this: it only checks (bench/peers/check-deps.sh) and tells.
set -eu
B=${1:-build}
export DEBIAN_FRONTEND=noninteractive

apt-get update
apt-get install -y --no-install-recommends \
    protobuf-compiler libprotobuf-dev \
    protobuf-c-compiler libprotobuf-c-dev \
    libprotozero-dev nanopb valgrind pkgconf g++ dpkg-dev

# nanopb's runtime (pb_common.c, pb_decode.c, pb_encode.c) is only in
# Debian's source package: add a deb-src line, fetch the source into $B.
if ! ls "$B"/nanopb-*/pb_decode.c >/dev/null 2>&1; then
    if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        cat >/etc/apt/sources.list.d/debian-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        apt-get update
    fi
    mkdir -p "$B"
    (cd "$B" && apt-get source nanopb)
fi
echo "bench-peers dependencies installed"
