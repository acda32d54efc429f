/* SPDX-License-Identifier: MIT */
// bench/peers/main.cc - bench_peers: our codec beside the peer libraries, in
// one process, on the same corpus messages.  See bench/README.md.
//
//   bench_peers [--corpus DIR] [--ms N] [--reps N] [--cpu N] [--tsv FILE]
//               [--columns ID,ID,...] [CLASS...]
//       Times every column on every class: before timing, every column is
//       verified on every message of the class (see harness.h); then
//       --reps repetitions (default 5), each timing every column in turn for
//       at least --ms milliseconds (default 200), so that all columns share
//       the machine's noise.  Prints ns/msg (min and median) per column and
//       the ratios of our columns to the fastest peer.  --tsv writes the
//       raw figures for bench/peers/report.py.
//   bench_peers --verify [CLASS...]      verification only
//   bench_peers --list                   the columns (id, kind, run function)
//   bench_peers --count-all CLASS [--columns ...]
//       For callgrind (--toggle-collect='bp_col_*' --collect-atstart=no):
//       per column, one warm-up pass, CALLGRIND_ZERO_STATS, one counted pass,
//       CALLGRIND_DUMP_STATS_AT("<column id>").  Setup and verification are
//       never counted: collection is on only inside the run functions.
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(x)
#endif

#include "harness.h"

extern "C" {
alignas(64) uint8_t bp_out[BP_OUT_CAP];
char bp_nostate;

void *bp_fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return nullptr;
}
}

namespace {

const bp_column *const tables[] = {bp_cols_ours,     bp_cols_libprotobuf,   bp_cols_protobuf_c,
                                   bp_cols_nanopb_static, bp_cols_nanopb_cb, bp_cols_protozero,
                                   bp_cols_floor};

std::vector<const bp_column *> all_columns()
{
    std::vector<const bp_column *> v;
    for (const bp_column *t : tables)
        for (; t->id; t++)
            v.push_back(t);
    return v;
}

const char *const default_classes[] = {
    "up_mix",          "down_mix",          "up_ctl_all",          "down_ctl_all",
    "up_send_text256", "down_data_text256", "up_send_text4k",      "down_data_text4k",
    "down_data_text4k_ascii", "up_send_bin64", "down_data_bin64",  "up_send_bin64k",
    "down_data_bin64k", "up_send_bin1m",    "down_data_bin1m",     "up_send_any100",
    "down_data_any100"};

// Reads <dir>/<name>.bin; on failure says so on stderr and returns false.
bool load(bp_corpus *c, const std::string &dir, const char *name)
{
    std::string path = dir + "/" + name + ".bin";
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) {
        fprintf(stderr, "bench_peers: cannot read %s\n", path.c_str());
        return false;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    memset(c, 0, sizeof *c);
    c->file = static_cast<uint8_t *>(malloc((size_t)size + 1));
    if (!c->file || fread(c->file, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "bench_peers: cannot read %s\n", path.c_str());
        fclose(f);
        free(c->file);
        return false;
    }
    fclose(f);
    size_t off = 0, n = 0;
    while (off + 4 <= (size_t)size) {
        uint32_t len = c->file[off] | c->file[off + 1] << 8 | c->file[off + 2] << 16 |
                       (uint32_t)c->file[off + 3] << 24;
        if (off + 4 + len > (size_t)size) {
            fprintf(stderr, "bench_peers: %s: a record runs past the end\n", path.c_str());
            free(c->file);
            return false;
        }
        off += 4 + len;
        n++;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
    c->down = strncmp(name, "down_", 5) == 0;
    c->count = n;
    c->msg = static_cast<const uint8_t **>(malloc((n ? n : 1) * sizeof *c->msg));
    c->len = static_cast<uint32_t *>(malloc((n ? n : 1) * sizeof *c->len));
    for (off = 0, n = 0; n < c->count; n++) {
        c->len[n] = c->file[off] | c->file[off + 1] << 8 | c->file[off + 2] << 16 |
                    (uint32_t)c->file[off + 3] << 24;
        c->msg[n] = c->file + off + 4;
        c->bytes += c->len[n];
        c->max_len = std::max<size_t>(c->max_len, c->len[n]);
        off += 4 + c->len[n];
    }
    return true;
}

void unload(bp_corpus *c)
{
    free(c->file);
    free(c->msg);
    free(c->len);
}

double now_ns()
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

volatile uint64_t sink;

// The counted pass, for callgrind.  noinline so it is a real call.
__attribute__((noinline)) void counted_pass(const bp_column *col, void *st, const bp_corpus *c)
{
    sink += col->run(st, c);
}

struct prepared {
    const bp_column *col;
    void *state = nullptr;
    int na = 0;
    std::string why; // failure or n/a reason
    std::vector<double> t;
};

void prepare_all(std::vector<prepared> &ps, const bp_corpus &c, bool quiet)
{
    for (auto &p : ps) {
        char why[512] = "";
        int na = 0;
        p.state = p.col->prepare(&c, why, sizeof why, &na);
        if (!p.state) {
            p.na = na ? 1 : 2;
            p.why = why;
            if (!quiet || !na)
                fprintf(stderr, "bench_peers: %s %s: %s: %s\n", c.name, p.col->id,
                        na ? "n/a" : "VERIFICATION FAILED", why);
        }
    }
}

void release_all(std::vector<prepared> &ps)
{
    for (auto &p : ps)
        if (p.state)
            p.col->release(p.state);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct options {
    std::string dir = "../shared/corpus";
    double ms = 200;
    int reps = 5;
    int cpu = 0;
    std::string tsv;
    std::vector<std::string> columns; // filter
    std::vector<const char *> classes;
};

bool wanted(const options &o, const bp_column *col)
{
    if (o.columns.empty())
        return true;
    for (const auto &s : o.columns)
        if (s == col->id || s == col->lib)
            return true;
    return false;
}

std::vector<prepared> make_prepared(const options &o)
{
    std::vector<prepared> ps;
    for (const bp_column *col : all_columns())
        if (wanted(o, col)) {
            prepared p;
            p.col = col;
            ps.push_back(p);
        }
    return ps;
}

// fastest peer among the columns of `kind` (by median); nullptr if none ran
const prepared *fastest_peer(const std::vector<prepared> &ps, int kind)
{
    const prepared *best = nullptr;
    for (const auto &p : ps)
        if (p.col->peer && p.col->kind == kind && p.state && !p.t.empty() &&
            (!best || median(p.t) < median(best->t)))
            best = &p;
    return best;
}

const prepared *find(const std::vector<prepared> &ps, const char *id)
{
    for (const auto &p : ps)
        if (!strcmp(p.col->id, id) && p.state && !p.t.empty())
            return &p;
    return nullptr;
}

int time_class(const options &o, const char *name, FILE *tsv)
{
    bp_corpus c;
    if (!load(&c, o.dir, name))
        return 1;
    std::vector<prepared> ps = make_prepared(o);
    prepare_all(ps, c, false);
    int failed = 0;
    for (auto &p : ps)
        failed += p.na == 2;

    for (auto &p : ps) // warm-up
        if (p.state)
            sink += p.col->run(p.state, &c);
    for (int r = 0; r < o.reps; r++) {
        for (auto &p : ps) {
            if (!p.state)
                continue;
            double start = now_ns(), el;
            size_t passes = 0;
            do {
                sink += p.col->run(p.state, &c);
                passes++;
                el = now_ns() - start;
            } while (el < o.ms * 1e6);
            p.t.push_back(el / ((double)passes * (double)c.count));
        }
    }

    double avg = (double)c.bytes / (double)c.count;
    printf("\n== %s: %zu messages, %.0f B average ==\n", c.name, c.count, avg);
    printf("  %-26s %10s %10s %10s\n", "column", "min ns", "median ns", "MB/s");
    for (auto &p : ps) {
        if (!p.state) {
            printf("  %-26s %s\n", p.col->id, p.na == 1 ? "n/a" : "FAILED");
            if (tsv)
                fprintf(tsv, "%s\t%s\t%s\t%zu\t%zu\t\t\t%s\n", c.name, p.col->id,
                        p.na == 1 ? "na" : "fail", c.count, c.bytes, p.why.c_str());
            continue;
        }
        double mn = *std::min_element(p.t.begin(), p.t.end()), md = median(p.t);
        printf("  %-26s %10.1f %10.1f %10.0f\n", p.col->id, mn, md, avg / md * 1e3);
        if (tsv) {
            fprintf(tsv, "%s\t%s\tok\t%zu\t%zu\t%.3f\t%.3f\t", c.name, p.col->id, c.count, c.bytes,
                    mn, md);
            for (size_t k = 0; k < p.t.size(); k++)
                fprintf(tsv, "%s%.3f", k ? "," : "", p.t[k]);
            fprintf(tsv, "\n");
        }
    }
    const prepared *bd = fastest_peer(ps, BP_DECODE), *be = fastest_peer(ps, BP_ENCODE);
    const prepared *od = find(ps, "ours.decode"), *on = find(ps, "ours.decode-noutf8"),
                   *oe = find(ps, "ours.encode"), *pz = find(ps, "protozero.decode"),
                   *tw = find(ps, "floor.tagwalk"), *lpb = find(ps, "libprotobuf.parse-arena"),
                   *lpb2 = find(ps, "libprotobuf.parse");
    if (lpb2 && (!lpb || median(lpb2->t) < median(lpb->t)))
        lpb = lpb2;
    printf("  ratios (median ns, ours / other; < 1 means ours is faster):\n");
    if (od && bd)
        printf("    decode vs fastest peer (%s): %.2f\n", bd->col->id, median(od->t) / median(bd->t));
    if (od && lpb)
        printf("    decode vs libprotobuf (%s, the peer that checks UTF-8): %.2f\n", lpb->col->id,
               median(od->t) / median(lpb->t));
    if (on && pz)
        printf("    decode-noutf8 vs protozero.decode: %.2f\n", median(on->t) / median(pz->t));
    if (oe && be)
        printf("    encode vs fastest peer (%s): %.2f\n", be->col->id, median(oe->t) / median(be->t));
    if (od && tw)
        printf("    decode vs the tag-walk floor: %.2f\n", median(od->t) / median(tw->t));
    fflush(stdout);
    if (tsv)
        fflush(tsv);
    release_all(ps);
    unload(&c);
    return failed ? 1 : 0;
}

int verify_class(const options &o, const char *name)
{
    bp_corpus c;
    if (!load(&c, o.dir, name))
        return 1;
    std::vector<prepared> ps = make_prepared(o);
    prepare_all(ps, c, true);
    int ok = 0, na = 0, failed = 0;
    for (auto &p : ps) {
        ok += p.state != nullptr;
        na += p.na == 1;
        failed += p.na == 2;
    }
    printf("%-24s %5zu messages: %d columns verified, %d n/a, %d failed\n", c.name, c.count, ok, na,
           failed);
    release_all(ps);
    unload(&c);
    return failed ? 1 : 0;
}

int count_class(const options &o, const char *name)
{
    bp_corpus c;
    if (!load(&c, o.dir, name))
        return 1;
    std::vector<prepared> ps = make_prepared(o);
    prepare_all(ps, c, true);
    int failed = 0;
    for (auto &p : ps) {
        if (!p.state) {
            printf("count\t%s\t%s\t%s\t%zu\t%zu\t%s\n", c.name, p.col->id, p.na == 1 ? "na" : "fail",
                   c.count, c.bytes, p.why.c_str());
            failed += p.na == 2;
            continue;
        }
        sink += p.col->run(p.state, &c); // warm-up (collected, then zeroed)
        CALLGRIND_ZERO_STATS;
        counted_pass(p.col, p.state, &c);
        CALLGRIND_DUMP_STATS_AT(p.col->id);
        printf("count\t%s\t%s\tok\t%zu\t%zu\t\n", c.name, p.col->id, c.count, c.bytes);
    }
    fflush(stdout);
    release_all(ps);
    unload(&c);
    return failed ? 1 : 0;
}

void split(const char *s, std::vector<std::string> &out)
{
    std::string cur;
    for (; *s; s++) {
        if (*s == ',') {
            if (!cur.empty())
                out.push_back(cur);
            cur.clear();
        } else
            cur += *s;
    }
    if (!cur.empty())
        out.push_back(cur);
}

} // namespace

int main(int argc, char **argv)
{
    options o;
    enum { TIME, VERIFY, LIST, COUNT } mode = TIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--corpus") && more)
            o.dir = argv[++i];
        else if (!strcmp(a, "--ms") && more)
            o.ms = atof(argv[++i]);
        else if (!strcmp(a, "--reps") && more)
            o.reps = std::max(1, atoi(argv[++i]));
        else if (!strcmp(a, "--cpu") && more)
            o.cpu = atoi(argv[++i]);
        else if (!strcmp(a, "--tsv") && more)
            o.tsv = argv[++i];
        else if (!strcmp(a, "--columns") && more)
            split(argv[++i], o.columns);
        else if (!strcmp(a, "--verify"))
            mode = VERIFY;
        else if (!strcmp(a, "--list"))
            mode = LIST;
        else if (!strcmp(a, "--count-all"))
            mode = COUNT;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: bench_peers [--corpus DIR] [--ms N] [--reps N] [--cpu N] [--tsv FILE]\n"
                   "                   [--columns ID|LIB,...] [--verify | --list | --count-all]\n"
                   "                   [CLASS...]\n"
                   "see bench/README.md\n");
            return 0;
        }
        else if (a[0] == '-') {
            fprintf(stderr, "bench_peers: unknown option %s (see bench/README.md)\n", a);
            return 2;
        } else
            o.classes.push_back(a);
    }
    if (mode == LIST) {
        for (const bp_column *col : all_columns())
            printf("%s\t%s\t%s\t%s\t%d\t%s\n", col->id, col->lib, col->label,
                   col->kind == BP_DECODE ? "decode" : "encode", col->peer, col->fn);
        return 0;
    }
    if (o.classes.empty())
        for (const char *c : default_classes)
            o.classes.push_back(c);

    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(o.cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        fprintf(stderr, "bench_peers: cannot pin to cpu %d\n", o.cpu);

    int rc = 0;
    if (mode == VERIFY) {
        for (const char *c : o.classes)
            rc |= verify_class(o, c);
        printf(rc ? "verification FAILED\n" : "all columns verified\n");
        return rc;
    }
    if (mode == COUNT) {
        for (const char *c : o.classes)
            rc |= count_class(o, c);
        return rc;
    }
    FILE *tsv = nullptr;
    if (!o.tsv.empty()) {
        tsv = fopen(o.tsv.c_str(), "w");
        if (!tsv) {
            fprintf(stderr, "bench_peers: cannot write %s\n", o.tsv.c_str());
            return 2;
        }
        fprintf(tsv, "class\tcolumn\tstatus\tcount\tbytes\tmin_ns\tmed_ns\treps_ns_or_reason\n");
    }
    printf("bench_peers: %d repetitions of >= %.0f ms per column, pinned to cpu %d\n", o.reps, o.ms,
           o.cpu);
    for (const char *c : o.classes)
        rc |= time_class(o, c, tsv);
    if (tsv)
        fclose(tsv);
    return rc;
}
