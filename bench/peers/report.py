#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/peers/report.py - runs bench_peers (timing) and callgrind
(instruction counts) on the corpus and writes the markdown result tables
(bench/RESULTS.md), then prints the short summary table for README.md.

    report.py --bin build/peers/bench_peers --corpus ../shared/corpus \
              --out bench/RESULTS.md [--work DIR] [--ms 200] [--reps 5] \
              [--cpu 0] [--classes "a b"] [--cg-classes "a b"] [--cg-jobs 1] \
              [--from-work]     (re-render from the raw files in --work)

Standard library only.  `make bench-peers-results` runs it.
"""
import argparse
import concurrent.futures
import datetime
import glob
import os
import platform
import re
import shutil
import subprocess
import sys

MAIN_CLASSES = [
    "up_mix", "down_mix", "up_ctl_all", "down_ctl_all",
    "up_send_text256", "down_data_text256", "up_send_text4k", "down_data_text4k",
    "down_data_text4k_ascii", "up_send_bin64", "down_data_bin64", "up_send_bin64k",
    "down_data_bin64k", "up_send_bin1m", "down_data_bin1m", "up_send_any100",
    "down_data_any100",
]
# the single-kind classes behind the ctl mixes, and the 16-byte texts
EXTRA_CLASSES = [
    "up_join_group", "up_leave_group", "up_sequence_ack", "up_ping",
    "down_ack_ok", "down_ack_error", "down_connected", "down_disconnected",
    "down_pong", "down_stream_ack", "up_send_text16", "down_data_text16",
]
SUMMARY_CLASSES = ["up_mix", "down_mix", "up_ctl_all", "down_ctl_all",
                   "up_send_text4k", "down_data_bin64k"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, text=True, **kw)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, text=True, capture_output=True).stdout.strip()
    except OSError:
        return ""


def columns(binary):
    out = run([binary, "--list"], capture_output=True).stdout
    cols = []
    for line in out.splitlines():
        cid, lib, label, kind, peer, fn = line.split("\t")
        cols.append(dict(id=cid, lib=lib, label=label, kind=kind, peer=peer == "1", fn=fn))
    return cols


def machine_info(args):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "cc": sh("${CC:-cc} --version | head -1"),
        "cxx": sh("${CXX:-c++} --version | head -1"),
        "pkgs": sh("dpkg-query -W -f='${Package} ${Version}\\n' libprotobuf-dev "
                   "libprotobuf-c-dev nanopb libprotozero-dev valgrind 2>/dev/null"),
        "nanopb_src": sh("ls -d build/nanopb-*/ 2>/dev/null | head -1"),
        "commit": sh("git rev-parse --short HEAD 2>/dev/null"),
        "dirty": sh("git status --porcelain -- pbwire.c pbwire.h wps_messages.c wps_messages.h "
                    "2>/dev/null"),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }
    return info


# ---------------------------------------------------------------- running

def time_run(args, classes, work):
    tsv = os.path.join(work, "timing.tsv")
    log = os.path.join(work, "timing.log")
    cmd = [args.bin, "--corpus", args.corpus, "--ms", str(args.ms), "--reps", str(args.reps),
           "--cpu", str(args.cpu), "--tsv", tsv] + classes
    print("report: timing:", " ".join(cmd), flush=True)
    with open(log, "w") as lf:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            lf.write(line)
            if line.startswith("==") or "VERIFICATION" in line:
                print("  " + line.rstrip(), flush=True)
        rc = p.wait()
    if rc:
        print("report: bench_peers exited with", rc, "(see %s)" % log, file=sys.stderr)
    return rc


def cg_one(args, cls, work):
    d = os.path.join(work, "callgrind", cls)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=bp_col_*",
           "--callgrind-out-file=%s/cg.%%p" % d, args.bin, "--count-all", "--corpus",
           args.corpus, cls]
    p = run(cmd, capture_output=True)
    with open(os.path.join(d, "log.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
    return cls, p.returncode


def cg_run(args, classes, work):
    print("report: callgrind on %d classes (%d at a time)" % (len(classes), args.cg_jobs), flush=True)
    rc = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.cg_jobs)) as ex:
        for cls, r in ex.map(lambda c: cg_one(args, c, work), classes):
            print("  callgrind %-24s %s" % (cls, "ok" if r == 0 else "exit %d" % r), flush=True)
            rc |= r
    return rc


# ---------------------------------------------------------------- parsing

def read_timing(work):
    t = {}
    path = os.path.join(work, "timing.tsv")
    if not os.path.exists(path):
        return t
    with open(path) as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            cls, col, status, count, nbytes = parts[:5]
            rec = dict(status=status, count=int(count), bytes=int(nbytes))
            if status == "ok":
                rec["min"] = float(parts[5])
                rec["med"] = float(parts[6])
            else:
                rec["why"] = parts[7] if len(parts) > 7 else ""
            t[(cls, col)] = rec
    return t


def read_cg(work):
    """{(class, column): instructions per message}"""
    res, counts, status = {}, {}, {}
    for d in sorted(glob.glob(os.path.join(work, "callgrind", "*"))):
        cls = os.path.basename(d)
        log = os.path.join(d, "log.txt")
        if os.path.exists(log):
            with open(log) as f:
                for line in f:
                    if line.startswith("count\t"):
                        _, c, col, st, n, _b = line.rstrip("\n").split("\t")[:6]
                        counts[(c, col)] = int(n)
                        status[(c, col)] = st
        for fn in glob.glob(os.path.join(d, "cg.*")):
            desc, summ = None, None
            with open(fn) as f:
                for line in f:
                    if line.startswith("desc: Trigger: Client Request: "):
                        desc = line.split(": ", 2)[2].strip().split("Client Request: ")[-1]
                    elif line.startswith("summary:"):
                        summ = int(line.split()[1])
                        break
            if desc and summ is not None and (cls, desc) in counts:
                res[(cls, desc)] = summ / counts[(cls, desc)]
    return res, status


# ---------------------------------------------------------------- rendering

def fmt_ns(x):
    if x is None:
        return "–"
    if x >= 100000:
        return "%.0f" % x
    if x >= 100:
        return "%.0f" % x
    return "%.1f" % x


def fmt_ir(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e4:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def fmt_mbs(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return "%.2g" % x
    return "%.0f" % x


def fmt_ratio(x):
    if x is None:
        return "–"
    return "%.2f" % x if x >= 0.1 else "%.2g" % x


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)


class Data:
    def __init__(self, cols, timing, cg, cg_status, classes):
        self.cols = cols
        self.t = timing
        self.cg = cg
        self.cg_status = cg_status
        self.classes = classes
        self.byid = {c["id"]: c for c in cols}

    def med(self, cls, col):
        r = self.t.get((cls, col))
        return r["med"] if r and r["status"] == "ok" else None

    def mn(self, cls, col):
        r = self.t.get((cls, col))
        return r["min"] if r and r["status"] == "ok" else None

    def ir(self, cls, col):
        return self.cg.get((cls, col))

    def status(self, cls, col):
        r = self.t.get((cls, col))
        if r:
            return r["status"]
        s = self.cg_status.get((cls, col))
        return s

    def avg_bytes(self, cls):
        for (c, _), r in self.t.items():
            if c == cls:
                return r["bytes"] / r["count"]
        return None

    def count(self, cls):
        for (c, _), r in self.t.items():
            if c == cls:
                return r["count"]
        return None

    def fastest(self, cls, kind, metric):
        best = None
        for c in self.cols:
            if not c["peer"] or c["kind"] != kind:
                continue
            v = metric(cls, c["id"])
            if v is not None and (best is None or v < best[1]):
                best = (c["id"], v)
        return best

    def lpb(self, cls, metric):
        vals = [(i, metric(cls, i)) for i in ("libprotobuf.parse-arena", "libprotobuf.parse")]
        vals = [v for v in vals if v[1] is not None]
        return min(vals, key=lambda v: v[1]) if vals else None

    def cell_time(self, cls, col):
        st = self.status(cls, col)
        if st == "na":
            return "n/a"
        if st == "fail":
            return "FAIL"
        m, n = self.med(cls, col), self.mn(cls, col)
        if m is None:
            return "–"
        return "%s (%s)" % (fmt_ns(m), fmt_ns(n))


def short(col):
    return {
        "ours.decode": "ours",
        "ours.decode-noutf8": "ours no-UTF-8",
        "ours.stream1460": "ours stream 1460",
        "ours.encode": "ours",
        "libprotobuf.parse-arena": "libprotobuf arena",
        "libprotobuf.parse": "libprotobuf",
        "libprotobuf.serialize": "libprotobuf",
        "protobuf-c.unpack": "protobuf-c",
        "protobuf-c.pack": "protobuf-c",
        "nanopb.static.decode": "nanopb static",
        "nanopb.static.encode": "nanopb static",
        "nanopb.cb.decode": "nanopb cb",
        "nanopb.cb.encode": "nanopb cb",
        "protozero.decode": "protozero",
        "protozero.encode": "protozero",
        "floor.memcpy": "memcpy",
        "floor.tagwalk": "tag walk",
    }.get(col, col)


def ratio(a, b):
    return a / b if a is not None and b else None


def render(d, info, args, cg_classes):
    dec = [c["id"] for c in d.cols if c["kind"] == "decode"]
    enc = [c["id"] for c in d.cols if c["kind"] == "encode"]
    L = []
    A = L.append
    A("# bench-peers results")
    A("")
    A("Our codec beside the peer libraries, all in one process on the same messages "
      "(`make bench-peers-results`; method and columns: [bench/README.md](README.md)). "
      "Generated by `bench/peers/report.py`; do not edit by hand.")
    A("")
    A("| | |")
    A("|---|---|")
    A("| date | %s |" % info["date"])
    A("| machine | %s, %s cores (Linux %s) |" % (info["cpu"], info["cores"], info["kernel"]))
    A("| C compiler | %s |" % info["cc"])
    A("| C++ compiler | %s |" % info["cxx"])
    A("| flags | `-O2 -DNDEBUG` everywhere (Debian's prebuilt libprotobuf / libprotobuf-c shared libraries as shipped) |")
    for p in info["pkgs"].splitlines():
        A("| package | %s |" % p)
    A("| wpspb sources | commit %s%s |" % (info["commit"], " + uncommitted changes to the library" if info["dirty"] else ""))
    A("| timing | %d repetitions of >= %g ms per column, columns interleaved within each repetition, pinned to cpu %d; figures are ns per message: median (min) |" % (args.reps, args.ms, args.cpu))
    A("| instructions | `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='bp_col_*'`: one pass per column after a warm-up pass, instructions (Ir) per message, setup and verification not counted |")
    A("")
    A("The machine is shared and noisy (2 cores, other work running): compare columns "
      "within one run (the ratios) and the instruction counts, not absolute times "
      "across runs.")
    A("")

    # ---- ratios first: what people want
    A("## Ratios: ours / fastest peer (same run)")
    A("")
    A("Each cell: ns ratio / instruction ratio, ours / other; < 1 means ours is faster.  "
      "ns ratios use medians; Ir ratios use callgrind "
      "instructions per message.  \"fastest peer\" is the fastest among libprotobuf "
      "(arena or not), protobuf-c, nanopb (static or callbacks) and protozero for that "
      "class and metric.  Only libprotobuf checks UTF-8 like `ours.decode` does; "
      "protobuf-c, nanopb and protozero do not, hence the no-UTF-8 column against "
      "protozero.")
    A("")
    head = ["class", "avg B", "decode vs fastest peer", "decode vs libprotobuf",
            "no-UTF-8 vs protozero", "stream 1460 vs fastest peer", "encode vs fastest peer",
            "decode / tag walk"]
    fastest_dec = lambda c, m: d.fastest(c, "decode", m)
    fastest_enc = lambda c, m: d.fastest(c, "encode", m)
    only = lambda col: (lambda c, m: ("", m(c, col)) if m(c, col) else None)
    rows = []
    for cls in d.classes:
        avg = d.avg_bytes(cls)
        rows.append([cls, "%.0f" % avg if avg else "–",
                     pair(d, cls, "ours.decode", fastest_dec),
                     pair(d, cls, "ours.decode", d.lpb),
                     pair(d, cls, "ours.decode-noutf8", only("protozero.decode")),
                     pair(d, cls, "ours.stream1460", fastest_dec),
                     pair(d, cls, "ours.encode", fastest_enc),
                     pair(d, cls, "ours.decode", only("floor.tagwalk"))])
    A(table(head, rows))
    A("")

    # ---- decode times
    A("## Decode: ns per message, median (min)")
    A("")
    A(table(["class", "msgs", "avg B"] + [short(c) for c in dec],
            [[cls, str(d.count(cls) or "–"), "%.0f" % (d.avg_bytes(cls) or 0)] +
             [d.cell_time(cls, c) for c in dec] for cls in d.classes]))
    A("")
    A("## Encode: ns per message, median (min)")
    A("")
    A(table(["class"] + [short(c) for c in enc],
            [[cls] + [d.cell_time(cls, c) for c in enc] for cls in d.classes]))
    A("")
    A("## Throughput: MB/s of message bytes (median)")
    A("")
    A("Zero-copy decoders of big binary payloads do work per field, not per byte, hence "
      "the huge figures for bin64k/bin1m.")
    A("")
    cols_mbs = dec + enc
    rows = []
    for cls in d.classes:
        avg = d.avg_bytes(cls)
        row = [cls]
        for c in cols_mbs:
            m = d.med(cls, c)
            st = d.status(cls, c)
            row.append("n/a" if st == "na" else fmt_mbs(avg / m * 1e3) if m and avg else "–")
        rows.append(row)
    A(table(["class"] + [("dec " if c in dec else "enc ") + short(c) for c in cols_mbs], rows))
    A("")

    # ---- instructions
    A("## Instructions per message (callgrind)")
    A("")
    A("Decode:")
    A("")
    rows = []
    for cls in cg_classes:
        rows.append([cls] + ["n/a" if d.cg_status.get((cls, c)) == "na" else fmt_ir(d.ir(cls, c))
                             for c in dec])
    A(table(["class"] + [short(c) for c in dec], rows))
    A("")
    A("Encode:")
    A("")
    rows = []
    for cls in cg_classes:
        rows.append([cls] + ["n/a" if d.cg_status.get((cls, c)) == "na" else fmt_ir(d.ir(cls, c))
                             for c in enc])
    A(table(["class"] + [short(c) for c in enc], rows))
    A("")

    # ---- notes
    notes = []
    for (cls, col), r in sorted(d.t.items()):
        if r["status"] != "ok":
            notes.append("- %s, `%s`: %s: %s" % (cls, col, "n/a" if r["status"] == "na" else "FAILED verification", r.get("why", "")))
    A("## n/a and failures")
    A("")
    A("\n".join(notes) if notes else "None: every column verified on every message of every class.")
    A("")
    A("## README summary")
    A("")
    A(summary(d))
    A("")
    return "\n".join(L)


def pair(d, cls, ours, other):
    """'ns-ratio / Ir-ratio (who)' of column `ours` against other(cls, metric) -> (id, value)."""
    parts, names = [], []
    for metric in (d.med, d.ir):
        o = metric(cls, ours)
        b = other(cls, metric)
        if o is None or b is None:
            parts.append("–")
            names.append(None)
        else:
            parts.append(fmt_ratio(o / b[1]))
            names.append(short(b[0]) if b[0] else None)
    text = " / ".join(parts)
    if names[0] and names[0] == names[1]:
        text += " (%s)" % names[0]
    elif any(names):
        text = "%s%s / %s%s" % (parts[0], " (%s)" % names[0] if names[0] else "",
                                parts[1], " (%s)" % names[1] if names[1] else "")
    return text


def summary(d):
    head = ["class", "ours decode ns / Ir",
            "decode vs libprotobuf (both check UTF-8)",
            "decode no-UTF-8 vs fastest peer",
            "ours encode ns / Ir", "encode vs fastest peer",
            "decode vs tag-walk floor", "stream 1460 vs ours one-shot"]
    rows = []
    for cls in SUMMARY_CLASSES:
        if cls not in d.classes or (d.med(cls, "ours.decode") is None and d.ir(cls, "ours.decode") is None):
            continue
        def abs_cell(col):
            return "%s / %s" % (fmt_ns(d.med(cls, col)), fmt_ir(d.ir(cls, col)))
        rows.append([
            cls,
            abs_cell("ours.decode"),
            pair(d, cls, "ours.decode", d.lpb),
            pair(d, cls, "ours.decode-noutf8", lambda c, m: d.fastest(c, "decode", m)),
            abs_cell("ours.encode"),
            pair(d, cls, "ours.encode", lambda c, m: d.fastest(c, "encode", m)),
            pair(d, cls, "ours.decode",
                 lambda c, m: ("", m(c, "floor.tagwalk")) if m(c, "floor.tagwalk") else None),
            pair(d, cls, "ours.stream1460",
                 lambda c, m: ("", m(c, "ours.decode")) if m(c, "ours.decode") else None),
        ])
    return (table(head, rows) +
            "\n\nRatios are ours / other as ns (median, same run) / callgrind instructions; "
            "< 1: ours is faster.  \"fastest peer\": the fastest of libprotobuf, protobuf-c, "
            "nanopb and protozero for that class and metric.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", default="bench/RESULTS.md")
    ap.add_argument("--work", default="build/peers/results")
    ap.add_argument("--ms", type=float, default=200)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--classes", default="")
    ap.add_argument("--cg-classes", default="")
    ap.add_argument("--cg-jobs", type=int, default=1)
    ap.add_argument("--from-work", action="store_true",
                    help="do not run anything, render from the files in --work")
    args = ap.parse_args()

    available = {os.path.basename(p)[:-4] for p in glob.glob(os.path.join(args.corpus, "*.bin"))}
    classes = args.classes.split() or [c for c in MAIN_CLASSES + EXTRA_CLASSES if c in available]
    cg_classes = args.cg_classes.split() or classes
    os.makedirs(args.work, exist_ok=True)

    rc = 0
    settings = os.path.join(args.work, "settings.txt")
    if not args.from_work:
        with open(settings, "w") as f:
            f.write("%g %d %d\n%s\n%s\n" % (args.ms, args.reps, args.cpu, " ".join(classes),
                                            " ".join(cg_classes)))
        rc |= time_run(args, classes, args.work)
        rc |= cg_run(args, cg_classes, args.work)
    elif os.path.exists(settings):
        with open(settings) as f:
            ms, reps, cpu = f.readline().split()
            args.ms, args.reps, args.cpu = float(ms), int(reps), int(cpu)
            if not args.classes:
                classes = f.readline().split()
            if not args.cg_classes:
                cg_classes = f.readline().split() or classes
    cols = columns(args.bin)
    timing = read_timing(args.work)
    cg, cg_status = read_cg(args.work)
    d = Data(cols, timing, cg, cg_status, classes)
    info = machine_info(args)
    md = render(d, info, args, cg_classes)
    with open(args.out, "w") as f:
        f.write(md)
    print("\nreport: wrote %s\n" % args.out)
    print("README summary (ns: median of the same run; Ir: callgrind instructions per message):\n")
    print(summary(d))
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())
