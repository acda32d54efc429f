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

/* Suites, each in its own file, run by tests/run.c. */
void suite_pbwire(void);
void suite_messages(void);
void suite_vectors(void);

#endif
