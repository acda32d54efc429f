#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Packaging checks (a `make test` part); ends with "N passed, M failed".

- versions: every place that states or reads the version agrees with
  wps_messages.h (the one source of truth);
- manifests: idf_component.yml, zephyr/module.yml and zephyr/Kconfig,
  library.json, library.properties parse, and name exactly the library's
  sources (the Makefile's LIB_SRC), which exist;
- firmware builds: each ecosystem's file list and flags, compiled and linked
  with arm-none-eabi-gcc and newlib as that system would build them;
- build options: a library built with WPS_NO_STREAM or WPS_NO_ENCODER makes
  a program that calls what it lacks fail to link (wps_messages.h);
- licence: LICENSE, and an SPDX line at the top of every source file in git;
- self-contained: the library, tools, README and docs cite no file outside
  the repository.
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(ROOT)
W = os.path.join("build", "packaging")
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("packaging: ok:", msg)


def bad(msg):
    global failed
    failed += 1
    print("packaging: FAILED:", msg)


def check(cond, msg, why=""):
    if cond:
        ok(msg)
    else:
        bad(msg + (": " + why if why else ""))


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kw)


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- the version, from the header -------------------------------------------
hdr = read("wps_messages.h")


def define(name):
    m = re.search(r"^#define %s (\S+)$" % name, hdr, re.M)
    return m.group(1) if m else None


major, minor, patch = (define("WPS_VERSION_" + p) for p in ("MAJOR", "MINOR", "PATCH"))
VERSION = (define("WPS_VERSION_STRING") or "").strip('"')
ABI = define("WPS_ABI_VERSION")
check(VERSION and VERSION == "%s.%s.%s" % (major, minor, patch) and ABI is not None,
      "wps_messages.h: WPS_VERSION_STRING %s = MAJOR.MINOR.PATCH, WPS_ABI_VERSION %s"
      % (VERSION, ABI))
make = run(["make", "-s", "--no-print-directory", "print-version", "print-lib-src"])
lines = make.stdout.split("\n")
check(make.returncode == 0 and lines[0].split() == [VERSION, ABI],
      "Makefile reads version %s, soname number %s" % (VERSION, ABI), make.stdout.strip())
LIB_SRC = lines[1].split() if len(lines) > 1 else []
LIB_HDR = [s[:-2] + ".h" for s in LIB_SRC]
meson = read("meson.build")
m = re.search(r"^\s+version:\s*'([^']+)'", meson, re.M)
a = re.search(r"^abi_version = '([^']+)'", meson, re.M)
check(m and a and m.group(1) == VERSION and a.group(1) == ABI,
      "meson.build states version %s, soversion %s" % (m and m.group(1), a and a.group(1)))
if shutil.which("cmake"):
    b = os.path.join(W, "cmake")
    r = run(["cmake", "-S", ".", "-B", b, "-DBUILD_SHARED_LIBS=ON", "-DWPSPB_TOOLS=OFF",
             "-DWPSPB_INSTALL=ON"])
    cv = os.path.join(b, "wpspbConfigVersion.cmake")
    got = re.search(r'set\(PACKAGE_VERSION "([^"]+)"\)', read(cv)) if os.path.exists(cv) else None
    sov = re.search(r'SOVERSION "?(\d+)', r.stdout)
    gen = "".join(read(os.path.join(dp, f)) for dp, _, fs in os.walk(b) for f in fs
                  if f in ("build.ninja", "link.txt"))
    soname = re.search(r"-soname,libwpspb\.so\.(\d+)", gen)
    check(r.returncode == 0 and got and got.group(1) == VERSION and soname and
          soname.group(1) == ABI,
          "CMakeLists.txt reads version %s, soname libwpspb.so.%s" %
          (got and got.group(1), soname and soname.group(1)), r.stdout[-500:])
else:
    print("packaging: cmake not installed: the CMake version check skipped")
try:
    import yaml
except ImportError:
    yaml = None
    print("packaging: python3-yaml not installed: the YAML manifests are checked without parsing")
if yaml:
    idf = yaml.safe_load(read("idf_component.yml"))
    zmod = yaml.safe_load(read("zephyr/module.yml"))
else:
    idf = {"version": re.search(r'^version: "([^"]+)"', read("idf_component.yml"), re.M).group(1)}
    zmod = None
check(idf.get("version") == VERSION, "idf_component.yml version %s" % idf.get("version"))
pio = json.loads(read("library.json"))
check(pio.get("version") == VERSION, "library.json version %s" % pio.get("version"))
props = {}
for line in read("library.properties").splitlines():
    if line.strip() and not line.startswith("#"):
        k, _, v = line.partition("=")
        props[k.strip()] = v.strip()
check(props.get("version") == VERSION, "library.properties version %s" % props.get("version"))
cl = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", read("CHANGELOG.md"), re.M)
check(cl and cl.group(1) == VERSION, "CHANGELOG.md's latest release %s" % (cl and cl.group(1)))
wd = run(["make", "-s", "build/wpsdump"])
wv = run(["build/wpsdump", "--version"]) if wd.returncode == 0 else wd
check(wv.returncode == 0 and wv.stdout.startswith("wpsdump %s\nlibrary %s," % (VERSION, VERSION)),
      "wpsdump --version: " + wv.stdout.split("\n")[0], wv.stdout)

# ---- manifests name the library's sources --------------------------------------
check(LIB_SRC and all(os.path.exists(f) for f in LIB_SRC + LIB_HDR),
      "the library is %s (and their headers)" % " ".join(LIB_SRC))
root_c = sorted(f for f in os.listdir(".") if f.endswith(".c"))
check(root_c == sorted(LIB_SRC),
      "Arduino (flat layout, every .c of the root is compiled): the root holds the library's .c files only",
      "root has %s" % root_c)
for k in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category",
          "url", "architectures"):
    if k not in props:
        bad("library.properties lacks %s" % k)
check(props.get("category") in ("Display", "Communication", "Signal Input/Output", "Sensors",
                                "Device Control", "Timing", "Data Storage", "Data Processing",
                                "Other"), "library.properties category %s" % props.get("category"))
check(all(os.path.exists(h.strip()) for h in props.get("includes", "").split(",")),
      "library.properties includes=%s exists" % props.get("includes"))
flt = pio.get("build", {}).get("srcFilter", [])
pio_src = [f[2:-1] for f in flt if f.startswith("+<")]
check(pio.get("build", {}).get("srcDir") == "." and "-<*>" in flt and sorted(pio_src) == sorted(LIB_SRC),
      "library.json srcFilter compiles exactly %s" % " ".join(pio_src))
check(sorted(pio.get("headers", [])) == sorted(LIB_HDR), "library.json headers")
check(all(os.path.exists(f) for f in pio.get("export", {}).get("include", [])),
      "library.json export: every file exists")
cm = read("CMakeLists.txt")
core = re.search(r"set\(WPSPB_CORE_SOURCES ([^)]*)\)", cm).group(1).split()
mods = re.search(r"set\(WPSPB_MODULES ([^)]*)\)", cm).group(1).split()
check(sorted(core + ["wps_%s.c" % m for m in mods]) == sorted(LIB_SRC),
      "CMakeLists.txt (and its ESP-IDF branch): %s + modules %s" % (" ".join(core), " ".join(mods)))
mcore = re.findall(r"'([^']+)'", re.search(r"^core_sources = \[([^]]*)\]", meson, re.M).group(1))
mmods = re.findall(r"'([^']+)'", re.search(r"^modules = \[([^]]*)\]", meson, re.M).group(1))
check(sorted(mcore + ["wps_%s.c" % m for m in mmods]) == sorted(LIB_SRC),
      "meson.build: %s + modules %s" % (" ".join(mcore), " ".join(mmods)))
excl = (idf.get("files") or {}).get("exclude", []) if yaml else []
hit = [f for f in LIB_SRC + LIB_HDR + ["CMakeLists.txt", "LICENSE"]
       if any(fnmatch.fnmatch(f, p) for p in excl)]
check(not hit, "idf_component.yml excludes none of the component's files", " ".join(hit))
zcm = read("zephyr/CMakeLists.txt")
zsrc = re.findall(r"\$\{WPSPB_DIR\}/(\w+\.c)", zcm)
check(sorted(zsrc) == sorted(LIB_SRC), "zephyr/CMakeLists.txt: %s" % " ".join(zsrc))
kconf = read("zephyr/Kconfig")
decl, cur, depth, kbad = {}, None, 0, []
for n, line in enumerate(kconf.splitlines(), 1):
    s = line.split("#")[0].strip()
    if not s:
        continue
    w = s.split()
    if w[0] in ("config", "menuconfig") and len(w) == 2:
        cur = w[1]
        decl[cur] = None
    elif w[0] in ("bool", "int", "string", "hex", "tristate") and cur:
        decl[cur] = w[0]
    elif w[0] == "if":
        depth += 1
    elif w[0] == "endif":
        depth -= 1
    elif w[0] in ("range", "default", "depends", "help", "select", "imply") or line.startswith("\t  "):
        pass
    else:
        kbad.append("%d: %s" % (n, s))
used = set(re.findall(r"CONFIG_(\w+)", zcm))
check(depth == 0 and not kbad and all(decl.values()) and used <= set(decl),
      "zephyr/Kconfig: %d options, each typed; every CONFIG_ of zephyr/CMakeLists.txt declared"
      % len(decl), "unbalanced if/endif" if depth else str(kbad or sorted(used - set(decl))))
if zmod is not None:
    bld = zmod.get("build", {})
    check(zmod.get("name") == "wpspb" and
          os.path.exists(os.path.join(bld.get("cmake", "?"), "CMakeLists.txt")) and
          os.path.exists(bld.get("kconfig", "?")),
          "zephyr/module.yml: build.cmake and build.kconfig exist")

# ---- firmware builds ----------------------------------------------------------
CC = "arm-none-eabi-gcc"
LINK = ["--specs=nosys.specs", "--specs=nano.specs", "-Wl,--gc-sections"]


def firmware(name, sources, cflags, defs=(), app_defs=()):
    """Compiles sources as the ecosystem would, links them with firmware_main.c."""
    d = os.path.join(W, name)
    os.makedirs(d)
    objs, errs = [], []
    for src in sources + ["tests/packaging/firmware_main.c"]:
        obj = os.path.join(d, os.path.basename(src)[:-2] + ".o")
        extra = list(app_defs) if src.endswith("firmware_main.c") else []
        r = run([CC] + cflags + list(defs) + extra + ["-I.", "-c", src, "-o", obj])
        if r.returncode or r.stdout.strip():
            errs.append(r.stdout.strip() or "%s: exit %d" % (src, r.returncode))
        objs.append(obj)
    if not errs:
        mcpu = [f for f in cflags if f.startswith(("-mcpu", "-mthumb", "-mfloat", "-mfpu"))]
        r = run([CC] + mcpu + LINK + objs + ["-o", os.path.join(d, "app.elf")])
        if r.returncode:
            errs.append(r.stdout.strip())
    check(not errs, "%s: %s compile without a warning and link into a Cortex-M image"
          % (name, " ".join(os.path.basename(s) for s in sources)), "\n".join(errs)[:2000])


newlib = shutil.which(CC) and run([CC, "-mthumb", "-E", "-x", "c", "-"], input="#include <string.h>\n").returncode == 0
if not shutil.which(CC):
    print("packaging: %s not installed: firmware builds skipped" % CC)
elif not newlib:
    print("packaging: newlib (libnewlib-arm-none-eabi) not installed: firmware builds skipped")
else:
    # Arduino: the flat layout compiles every .c of the library's root; flags
    # of the SAMD21 core (Arduino Zero).
    firmware("arduino", root_c, ["-mcpu=cortex-m0plus", "-mthumb", "-Os", "-std=gnu11",
                                 "-ffunction-sections", "-fdata-sections", "-Wall"])
    # PlatformIO: srcDir + srcFilter, includeDir, build.flags; an STM32F4.
    firmware("platformio", pio_src, ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                                     "-mfpu=fpv4-sp-d16", "-Os", "-std=gnu11",
                                     "-ffunction-sections", "-fdata-sections", "-Wall"]
             + pio.get("build", {}).get("flags", []))
    # ESP-IDF: its component sources with its default warnings, errors
    # included (Xtensa and RISC-V stand-in: Cortex-M4).
    firmware("esp-idf", core + ["wps_%s.c" % m for m in mods],
             ["-mcpu=cortex-m4", "-mthumb", "-std=gnu17", "-Os", "-ffunction-sections",
              "-fdata-sections", "-Wall", "-Werror=all", "-Wno-error=unused-function",
              "-Wno-error=unused-variable", "-Wextra", "-Wno-unused-parameter",
              "-Wno-sign-compare"])
    # Zephyr: Kconfig defaults (no service core; WPS_SMALL with
    # CONFIG_SIZE_OPTIMIZATIONS, Zephyr's default), then every option set.
    zflags = ["-mcpu=cortex-m33", "-mthumb", "-std=c99", "-ffreestanding", "-fno-common",
              "-Os", "-ffunction-sections", "-fdata-sections", "-Wall"]
    zcore = [f for f in zsrc if "_ifdef" not in re.search(r".*%s.*" % f, zcm).group(0)]
    firmware("zephyr", zcore, zflags, ["-DPBW_MAX_DEPTH=100", "-DWPS_SMALL=1"],
             ["-DPBW_MAX_DEPTH=100"])
    firmware("zephyr-options", zsrc, zflags,
             ["-DPBW_MAX_DEPTH=8", "-DWPS_SMALL=0", "-DWPS_NO_STREAM=1"], ["-DPBW_MAX_DEPTH=8"])

# ---- build options and the ABI (wps_messages.h, WPS_ABI_CHECK) -------------------
# A library built without the encoder or the streaming decoder lacks those
# functions: a program that calls one must fail to link, not misbehave.
for opt, fn in (("WPS_NO_STREAM", "wps_stream_next"), ("WPS_NO_ENCODER", "wps_upstream_encode")):
    d = os.path.join(W, opt.lower())
    os.makedirs(d)
    objs = [os.path.join(d, src[:-2] + ".o") for src in ("pbwire.c", "wps_messages.c")]
    r1s = [run(["cc", "-std=c99", "-O1", "-D%s=1" % opt, "-c", o.split("/")[-1][:-2] + ".c",
                "-o", o]) for o in objs]
    main = os.path.join(d, "main.c")
    with open(main, "w") as f:
        f.write('#include "wps_messages.h"\nint main(void) { return (int)(size_t)&%s; }\n' % fn)
    r2 = run(["cc", "-std=c99", "-I.", main] + objs + ["-o", os.path.join(d, "main")])
    check(all(r.returncode == 0 for r in r1s) and r2.returncode != 0 and fn in r2.stdout,
          "a program calling %s does not link with a library built with %s" % (fn, opt),
          "".join(r.stdout for r in r1s) + r2.stdout)

# ---- licence and SPDX -----------------------------------------------------------
lic = read("LICENSE") if os.path.exists("LICENSE") else ""
check(lic.startswith("MIT License") and "the wpspb authors" in lic, "LICENSE: MIT, the wpspb authors")
SOURCE = re.compile(r"(\.(c|h|cc|cpp|hpp|sh|py|js|mjs|cjs|ts|awk|mk|cmake|map)|"
                    r"(^|/)(Makefile|CMakeLists\.txt|meson\.build|meson_options\.txt|Kconfig))$")
files = run(["git", "ls-files"]).stdout.split()
srcs = [f for f in files if (SOURCE.search(f) or f == ".ci/run") and os.path.isfile(f)]
missing = []
for f in srcs:
    with open(f, encoding="utf-8", errors="replace") as fh:
        head = fh.readline() + fh.readline()
    if "SPDX-License-Identifier: MIT" not in head:
        missing.append(f)
check(srcs and not missing, "SPDX-License-Identifier: MIT at the top of all %d source files in git"
      % len(srcs), "missing in " + " ".join(missing[:20]) + (" ..." if len(missing) > 20 else ""))

# ---- nothing cites a file outside the repository -------------------------------
own = LIB_SRC + LIB_HDR + ["README.md", "CHANGELOG.md"] + \
    [os.path.join("tools", f) for f in os.listdir("tools")] + \
    ([os.path.join("docs", f) for f in os.listdir("docs")] if os.path.isdir("docs") else [])
cites = [f for f in own if os.path.isfile(f) and
         re.search(r"NOTES\.md|CLIENT\.md|\.\./shared|spec/webpubsub\.proto", read(f))]
check(not cites, "the library, tools, README and docs cite no file outside the repository",
      " ".join(cites))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
