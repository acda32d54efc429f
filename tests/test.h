/* SPDX-License-Identifier: MIT */
/*
 * tests/test.h - the test harness: checks count as passed or failed, a
 * failure prints where and what, and the runner ends with "N passed, M failed".
 */
#ifndef WPS_TEST_H
#define WPS_TEST_H

#include <stdio.h>
#include <string.h>

#include "../pbwire.h"
#include "../wps_messages.h"

extern unsigned long test_passed, test_failed;

/* Context printed with the next failures ("case foo", "vector 12"). */
void test_context(const char *fmt, ...);
void test_fail_at(const char *file, int line, const char *fmt, ...);

#define CHECK(cond)                                                  \
    do {                                                             \
        if (cond)                                                    \
            test_passed++;                                           \
        else                                                         \
            test_fail_at(__FILE__, __LINE__, "CHECK(%s)", #cond);    \
    } while (0)

#define CHECK_EQ(got, want)                                                         \
    do {                                                                            \
        unsigned long long g_ = (unsigned long long)(got), w_ = (unsigned long long)(want); \
        if (g_ == w_)                                                               \
            test_passed++;                                                          \
        else                                                                        \
            test_fail_at(__FILE__, __LINE__, "%s == %llu, want %s == %llu", #got, g_, \
                         #want, w_);                                                \
    } while (0)

#define CHECK_STATUS(got, want)                                                     \
    do {                                                                            \
        pbw_status g_ = (got), w_ = (want);                                         \
        if (g_ == w_)                                                               \
            test_passed++;                                                          \
        else                                                                        \
            test_fail_at(__FILE__, __LINE__, "%s is %s, want %s", #got,             \
                         pbw_status_name(g_), pbw_status_name(w_));                 \
    } while (0)

/* A view equals a C string. */
#define CHECK_VIEW(view, cstr)                                                      \
    do {                                                                            \
        pbw_bytes v_ = (view);                                                      \
        const char *s_ = (cstr);                                                    \
        if (v_.len == strlen(s_) && (v_.len == 0 || memcmp(v_.ptr, s_, v_.len) == 0)) \
            test_passed++;                                                          \
        else                                                                        \
            test_fail_at(__FILE__, __LINE__, "%s is \"%.*s\", want \"%s\"", #view,  \
                         (int)v_.len, v_.ptr ? (const char *)v_.ptr : "", s_);       \
    } while (0)

/* Bytes equal bytes. */
#define CHECK_MEM(p, n, q, m)                                                       \
    do {                                                                            \
        size_t n_ = (n), m_ = (m);                                                  \
        if (n_ == m_ && (n_ == 0 || memcmp((p), (q), n_) == 0))                     \
            test_passed++;                                                          \
        else                                                                        \
            test_fail_at(__FILE__, __LINE__, "%s[%zu] differs from %s[%zu]", #p, n_, \
                         #q, m_);                                                   \
    } while (0)

/* Hex text to bytes (whitespace ignored); returns the length.  The buffer
 * must hold strlen(hex)/2 bytes.  Aborts the run on bad hex (a test bug). */
size_t test_unhex(const char *hex, unsigned char *out);

/* Hex to a malloc'd buffer of exactly the decoded length (so that the
 * sanitizers see any read past the end; at least 1 byte is allocated). */
uint8_t *test_unhex_alloc(const char *hex, size_t *len);

/* The vectors files (tests/vectors/NAME.tsv): tab-separated rows, '#' lines
 * skipped.  Calls fn for every row with exactly ncols columns (other rows
 * are test failures); `where` is "file:line".  A missing file is a test
 * failure.  Returns the number of rows passed to fn. */
typedef void (*test_row_fn)(void *ctx, char **cols, int ncols, const char *where);
unsigned long test_each_row(const char *path, int ncols, test_row_fn fn, void *ctx);

/* "up" -> 0, "down" -> 1; returns 0 for anything else. */
int test_parse_dir(const char *s, int *down);

/* The status whose pbw_status_name() is name; returns 0 if none is. */
int test_status_from_name(const char *name, pbw_status *st);

/* Suites, each in its own file, run by tests/run.c. */
void suite_pbwire(void);
void suite_messages(void);
void suite_vectors(void);
void suite_stream(void);
void suite_build(void);
void suite_service(void);
void suite_hardening(void);
void suite_json_client(void);

#endif
