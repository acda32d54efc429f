#!/bin/sh
# SPDX-License-Identifier: MIT
# The library as its users bring it in, each route building and running
# tests/consumers/consumer.c:
#   pkg-config   `make install` into a DESTDIR, then cc $(pkg-config ...):
#                the shared library's soname and exports, the program run,
#                `make uninstall` leaving nothing behind
#   ABI          a program compiled with another PBW_MAX_DEPTH than the
#                installed library: WPS_ABI_CHECK() reports it; a library
#                installed with -DPBW_MAX_DEPTH=8 passes it on in wpspb.pc
#   CMake        add_subdirectory, FetchContent (a file:// tarball of the
#                checkout) and find_package after `cmake --install`
#   Meson        a subproject through dependency(..., fallback:)
# Everything happens under build/consumers.  A missing tool is a "skipped"
# line (.ci/run installs them all).  Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
W=$ROOT/build/consumers
rm -rf "$W" && mkdir -p "$W"
pass=0 fail=0
ok() { echo "consumers: ok: $*"; pass=$((pass + 1)); }
bad() { echo "consumers: FAILED: $*"; fail=$((fail + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }
# run LOG COMMAND...: quietly, showing the log's tail on failure.
run() {
    log=$1; shift
    if "$@" > "$log" 2>&1; then return 0; fi
    tail -20 "$log"; return 1
}

# ---- make install + pkg-config --------------------------------------------
if have pkg-config; then
    D=$W/destdir
    if run $W/make-install.log make -s B=$W/mk install DESTDIR=$D PREFIX=/usr; then
        ok "make install into a DESTDIR"
        L=$D/usr/lib
        export PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_LIBDIR=$L/pkgconfig
        v=$(pkg-config --modversion wpspb)
        hv=$(awk '$1 ~ /define/ && $2 == "WPS_VERSION_STRING" { gsub(/"/, "", $3); print $3 }' wps_messages.h)
        [ "$v" = "$hv" ] && ok "pkg-config --modversion wpspb: $v" || bad "pkg-config says $v, the header $hv"
        flags="$(pkg-config --cflags --libs wpspb-service)"
        if cc -std=c99 -Wall -Wextra -Werror tests/consumers/consumer.c $flags -o $W/pc-consumer &&
           out=$(LD_LIBRARY_PATH=$L $W/pc-consumer); then
            ok "pkg-config consumer ($flags): $out"
        else
            bad "pkg-config consumer ($flags)"
        fi
        needed=$(readelf -d $W/pc-consumer | sed -n 's/.*NEEDED.*\[\(libwpspb[^]]*\)\].*/\1/p' | tr '\n' ' ')
        [ "$needed" = "libwpspb_service.so.0 libwpspb.so.0 " ] && ok "linked to the sonames: $needed" ||
            bad "the consumer needs '$needed', not libwpspb_service.so.0 libwpspb.so.0"
        # Exports: exactly the functions the installed headers declare (the
        # static inline helpers are not exported), from all the libraries.
        sed -n '/^static /!s/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\(\(pbw\|wps\)_[a-z0-9_]*\)(.*/\1/p' \
            $D/usr/include/wpspb/*.h | sort -u > $W/declared
        nm -D --defined-only $L/libwpspb*.so.0 | awk 'NF == 3 { print $3 }' | sort -u > $W/exported
        if [ -s $W/declared ] && cmp -s $W/declared $W/exported; then
            ok "the shared libraries export the $(wc -l < $W/declared) declared functions, nothing else"
        else
            bad "exports differ from the headers' declarations (< declared, > exported):"
            diff $W/declared $W/exported | head -20
        fi
        # The ABI check, as documented in wps_messages.h.
        cc -std=c99 -DPBW_MAX_DEPTH=8 tests/consumers/consumer.c $flags -o $W/pc-depth8
        LD_LIBRARY_PATH=$L $W/pc-depth8 > $W/depth8.out
        rc=$?
        [ $rc -eq 3 ] && ok "PBW_MAX_DEPTH=8 program, default library: $(cat $W/depth8.out)" ||
            bad "PBW_MAX_DEPTH=8 program against the default library: exit $rc, not 3 (mismatch)"
        if run $W/uninstall.log make -s B=$W/mk uninstall DESTDIR=$D PREFIX=/usr; then
            left=$(find $D -type f -o -type l)
            [ -z "$left" ] && ok "make uninstall removes every file" || bad "make uninstall left: $left"
        else
            bad "make uninstall"
        fi
        D8=$W/destdir-d8
        if run $W/make-install-d8.log make -s B=$W/mk-d8 install DESTDIR=$D8 PREFIX=/usr \
               LIBDIR=/usr/lib/wpspb8 CFLAGS="-O2 -DPBW_MAX_DEPTH=8"; then
            export PKG_CONFIG_SYSROOT_DIR=$D8 PKG_CONFIG_LIBDIR=$D8/usr/lib/wpspb8/pkgconfig
            flags8="$(pkg-config --cflags --libs wpspb-service)"
            if cc -std=c99 tests/consumers/consumer.c $flags8 -o $W/pc-d8 &&
               out=$(LD_LIBRARY_PATH=$D8/usr/lib/wpspb8 $W/pc-d8); then
                ok "library installed with -DPBW_MAX_DEPTH=8 and LIBDIR: wpspb.pc passes it on ($flags8)"
            else
                bad "library installed with -DPBW_MAX_DEPTH=8: consumer with '$flags8' rejected"
            fi
        else
            bad "make install with -DPBW_MAX_DEPTH=8 and LIBDIR"
        fi
        unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
    else
        bad "make install into a DESTDIR"
    fi
else
    echo "consumers: pkg-config not installed: pkg-config consumer skipped"
fi

# ---- CMake -----------------------------------------------------------------
if have cmake; then
    gen=
    have ninja && gen="-G Ninja"
    # cmake_consumer NAME [-D...]: configure, build and run the consumer.
    cmake_consumer() {
        name=$1; shift
        if run $W/cmake-$name.log cmake $gen -S tests/consumers/cmake -B $W/cmake-$name "$@" &&
           run $W/cmake-$name-build.log nice cmake --build $W/cmake-$name &&
           out=$($W/cmake-$name/consumer); then
            ok "CMake $name: $out"
        else
            bad "CMake $name"
        fi
    }
    cmake_consumer subdirectory -DWPSPB_VIA=subdirectory -DWPSPB_SOURCE=$ROOT
    # A release-like tarball of the checkout (tracked and new files).
    (git ls-files -co --exclude-standard 2>/dev/null || find . -type f) |
        grep -v -e '^fuzz/' -e '^bench/' -e '^node_modules' -e '^package' > $W/files
    tar czf $W/wpspb-src.tar.gz -T $W/files --transform 's|^|wpspb/|'
    cmake_consumer fetchcontent -DWPSPB_VIA=fetchcontent -DWPSPB_URL=file://$W/wpspb-src.tar.gz
    if run $W/cmake-lib.log cmake $gen -S . -B $W/cmake-lib -DBUILD_SHARED_LIBS=ON \
           -DCMAKE_INSTALL_PREFIX=$W/cmake-prefix &&
       run $W/cmake-lib-build.log nice cmake --build $W/cmake-lib &&
       run $W/cmake-lib-install.log cmake --install $W/cmake-lib; then
        ok "cmake --install (shared) into $W/cmake-prefix"
        cmake_consumer package -DWPSPB_VIA=package -DCMAKE_PREFIX_PATH=$W/cmake-prefix
        [ -x $W/cmake-prefix/bin/wpsdump ] &&
            LD_LIBRARY_PATH=$W/cmake-prefix/lib $W/cmake-prefix/bin/wpsdump --version | grep -q '^library ' &&
            ok "installed wpsdump --version" || bad "installed wpsdump --version"
    else
        bad "cmake --install"
    fi
else
    echo "consumers: cmake not installed: CMake consumers skipped"
fi

# ---- Meson -----------------------------------------------------------------
if have meson && have ninja; then
    M=$W/meson-src
    mkdir -p $M/subprojects
    cp tests/consumers/meson/meson.build tests/consumers/consumer.c $M/
    ln -s $ROOT $M/subprojects/wpspb
    if run $W/meson-setup.log meson setup --wrap-mode=forcefallback $W/meson $M &&
       run $W/meson-build.log nice ninja -C $W/meson && out=$($W/meson/consumer); then
        ok "Meson subproject: $out"
    else
        bad "Meson subproject"
    fi
else
    echo "consumers: meson or ninja not installed: Meson consumer skipped"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
