/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pbwire.c - unit tests for the wire layer (pbwire.h): status
 * names, the bounded readers, pbw_skip_field, the writers and size functions,
 * and the UTF-8 validator (against a slow reference decoder).
 *
 * Reader inputs are copied into heap blocks of exactly their size, so the
 * ASan build flags any read at or past `end`.  Exhaustive loops count
 * mismatches and make one check per loop, naming the first bad input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define D PBW_MAX_DEPTH /* the root message's depth budget */

/* ---- helpers ------------------------------------------------------------ */

/* A heap copy of exactly n bytes (at least one byte is allocated). */
static uint8_t *dup_block(const uint8_t *s, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL) {
        fprintf(stderr, "test bug: out of memory\n");
        exit(2);
    }
    if (n)
        memcpy(b, s, n);
    return b;
}

/* Hex to bytes in buf (checked against cap); returns the length. */
static size_t unhex(const char *hex, uint8_t *buf, size_t cap)
{
    size_t digits = 0;
    const char *h;
    for (h = hex; *h; h++)
        digits += *h != ' ';
    if (digits / 2 > cap) {
        fprintf(stderr, "test bug: hex case too long\n");
        exit(2);
    }
    return test_unhex(hex, buf);
}

/* Bytes as "e0 80 ..." for failure messages. */
static const char *hexstr(const uint8_t *s, size_t n)
{
    static char out[3 * 40 + 4];
    size_t i, o = 0;
    for (i = 0; i < n && i < 40; i++)
        o += (size_t)sprintf(out + o, i ? " %02x" : "%02x", s[i]);
    if (i < n)
        strcpy(out + o, " ..");
    else
        out[o] = '\0';
    return out;
}

/* Deterministic xorshift64*: the same "random" cases on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- status codes ------------------------------------------------------- */

static void test_status(void)
{
    static const struct {
        pbw_status s;
        unsigned value;
        const char *name;
    } st[] = {
        {PBW_OK, 0, "PBW_OK"},
        {PBW_NEED_MORE, 1, "PBW_NEED_MORE"},
        {PBW_E_TRUNCATED, 2, "PBW_E_TRUNCATED"},
        {PBW_E_VARINT, 3, "PBW_E_VARINT"},
        {PBW_E_FIELD_ZERO, 4, "PBW_E_FIELD_ZERO"},
        {PBW_E_WIRE_TYPE, 5, "PBW_E_WIRE_TYPE"},
        {PBW_E_LENGTH, 6, "PBW_E_LENGTH"},
        {PBW_E_END_GROUP, 7, "PBW_E_END_GROUP"},
        {PBW_E_OPEN_GROUP, 8, "PBW_E_OPEN_GROUP"},
        {PBW_E_DEPTH, 9, "PBW_E_DEPTH"},
        {PBW_E_UTF8, 10, "PBW_E_UTF8"},
        {PBW_E_NOSPACE, 11, "PBW_E_NOSPACE"},
        {PBW_E_ARG, 12, "PBW_E_ARG"},
        {PBW_E_JSON, 13, "PBW_E_JSON"},
        {PBW_E_TOO_BIG, 14, "PBW_E_TOO_BIG"},
        {PBW_E_NO_RENDERING, 15, "PBW_E_NO_RENDERING"},
        {PBW_E_JSON_TYPE, 16, "PBW_E_JSON_TYPE"},
        {PBW_E_JSON_MISSING, 17, "PBW_E_JSON_MISSING"},
        {PBW_E_JSON_DUPLICATE, 18, "PBW_E_JSON_DUPLICATE"},
        {PBW_E_RANGE, 19, "PBW_E_RANGE"},
        {PBW_E_BASE64, 20, "PBW_E_BASE64"},
    };
    /* Values just outside the enum, and far outside it. */
    static const unsigned out_of_range[] = {PBW_STATUS_COUNT, PBW_STATUS_COUNT + 1, 100, 255,
                                            0x7fffffffu, 0xffffffffu};
    size_t i, j;

    test_context("status: pinned numbers");
    CHECK_EQ(PBW_STATUS_COUNT, 21);
    CHECK_EQ(ARRAY_LEN(st), PBW_STATUS_COUNT);
    for (i = 0; i < ARRAY_LEN(st); i++) {
        const char *name = pbw_status_name(st[i].s), *text = pbw_strerror(st[i].s);
        test_context("status %s", st[i].name);
        CHECK_EQ(st[i].s, st[i].value);
        CHECK(name != NULL && strcmp(name, st[i].name) == 0);
        CHECK(text != NULL && text[0] != '\0');
        for (j = 0; j < i; j++)
            CHECK(strcmp(pbw_status_name(st[j].s), name) != 0);
    }
    for (i = 0; i < ARRAY_LEN(out_of_range); i++) {
        pbw_status s = (pbw_status)out_of_range[i];
        const char *text = pbw_strerror(s);
        test_context("status %u (out of range)", out_of_range[i]);
        CHECK(strcmp(pbw_status_name(s), "PBW_UNKNOWN") == 0);
        CHECK(text != NULL && text[0] != '\0');
    }
}

/* ---- readers: one generic driver ---------------------------------------- */

/* Every scalar reader behind one signature, so one driver tests them all. */
typedef pbw_status (*reader)(const uint8_t **p, const uint8_t *end, uint64_t *v);

static pbw_status rd_varint64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    return pbw_read_varint64(p, end, v);
}
static pbw_status rd_varint32(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint32_t x = 0;
    pbw_status s = pbw_read_varint32(p, end, &x);
    *v = x;
    return s;
}
static pbw_status rd_tag(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint32_t x = 0;
    pbw_status s = pbw_read_tag(p, end, &x);
    *v = x;
    return s;
}
static pbw_status rd_fixed32(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint32_t x = 0;
    pbw_status s = pbw_read_fixed32(p, end, &x);
    *v = x;
    return s;
}
static pbw_status rd_fixed64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    return pbw_read_fixed64(p, end, v);
}

/* Reads s[0..n) (plus `extra` trailing bytes of value `fill`, which must not
 * change the result) from an exact-size block.  On success the value and the
 * bytes consumed must match; on failure the cursor must not move. */
static void check_read(reader rd, const uint8_t *s, size_t n, size_t extra, uint8_t fill,
                       pbw_status want, uint64_t want_v, size_t want_used)
{
    uint8_t *blk = dup_block(s, n + extra);
    const uint8_t *p = blk;
    uint64_t v = 0;
    memset(blk + n, fill, extra);
    CHECK_STATUS(rd(&p, blk + n + extra, &v), want);
    if (want == PBW_OK)
        CHECK_EQ(v, want_v);
    CHECK_EQ(p - blk, want == PBW_OK ? want_used : 0);
    free(blk);
}

/*
 * A table row for a varint-shaped reader.  `need` is how many bytes the
 * reader must look at to decide (the varint's length, or the byte where it
 * becomes over-long).  Every shorter input is PBW_E_TRUNCATED.
 */
struct read_case {
    const char *hex;
    pbw_status st;
    uint64_t v;
    size_t need;
};

static void run_read_cases(const char *what, reader rd, const struct read_case *c, size_t nc,
                           uint8_t fill)
{
    uint8_t buf[64];
    size_t i, cut;
    for (i = 0; i < nc; i++) {
        size_t n = unhex(c[i].hex, buf, sizeof buf);
        test_context("%s %s: input ends right after", what, c[i].hex);
        check_read(rd, buf, n, 0, 0, c[i].st, c[i].v, c[i].need);
        /* With plenty of bytes after it (the >= 10 bytes available path). */
        test_context("%s %s: followed by 12 bytes %02x", what, c[i].hex, fill);
        check_read(rd, buf, n, 12, fill, c[i].st, c[i].v, c[i].need);
        for (cut = 0; cut < c[i].need; cut++) {
            test_context("%s %s: cut to %zu bytes", what, c[i].hex, cut);
            check_read(rd, buf, cut, 0, 0, PBW_E_TRUNCATED, 0, 0);
        }
    }
}

/* ---- varints ------------------------------------------------------------ */

static const struct read_case varint_cases[] = {
    {"00", PBW_OK, 0, 1},
    {"01", PBW_OK, 1, 1},
    {"7f", PBW_OK, 127, 1},
    {"80 01", PBW_OK, 128, 2},
    {"96 01", PBW_OK, 150, 2},
    {"ff 7f", PBW_OK, 16383, 2},
    {"80 80 01", PBW_OK, 16384, 3},
    {"ff ff ff ff 07", PBW_OK, 0x7fffffffull, 5},
    {"ff ff ff ff 0f", PBW_OK, 0xffffffffull, 5},
    {"80 80 80 80 10", PBW_OK, 0x100000000ull, 5},
    {"81 80 80 80 10", PBW_OK, 0x100000001ull, 5},
    {"ff ff ff ff ff ff ff ff 7f", PBW_OK, 0x7fffffffffffffffull, 9},
    {"80 80 80 80 80 80 80 80 80 01", PBW_OK, 0x8000000000000000ull, 10},
    {"ff ff ff ff ff ff ff ff ff 01", PBW_OK, UINT64_MAX, 10},
    {"fe ff ff ff ff ff ff ff ff 01", PBW_OK, UINT64_MAX - 1, 10}, /* int64 -2 */
    {"f0 bd f3 d5 89 cf 95 9a 12", PBW_OK, 0x123456789abcdef0ull, 9},
    /* Padded (non-minimal) forms are valid. */
    {"80 00", PBW_OK, 0, 2},
    {"ff 00", PBW_OK, 127, 2},
    {"80 80 80 80 80 80 80 80 80 00", PBW_OK, 0, 10},
    {"81 80 80 80 80 80 80 80 80 00", PBW_OK, 1, 10},
    /* The 10th byte's bits beyond bit 63 are dropped. */
    {"ff ff ff ff ff ff ff ff ff 7f", PBW_OK, UINT64_MAX, 10},
    {"80 80 80 80 80 80 80 80 80 7e", PBW_OK, 0, 10},
    {"80 80 80 80 80 80 80 80 80 7f", PBW_OK, 0x8000000000000000ull, 10},
    {"80 80 80 80 80 80 80 80 80 02", PBW_OK, 0, 10},
    {"ff ff ff ff ff ff ff ff 7f 7e", PBW_OK, 0x7fffffffffffffffull, 9},
    /* An 11th byte: the 10th has its continuation bit. */
    {"ff ff ff ff ff ff ff ff ff ff 01", PBW_E_VARINT, 0, 10},
    {"80 80 80 80 80 80 80 80 80 80 00", PBW_E_VARINT, 0, 10},
    {"80 80 80 80 80 80 80 80 80 81 80 80 01", PBW_E_VARINT, 0, 10},
};

/* Obviously-correct varint size: one byte per started group of 7 bits. */
static size_t ref_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void test_varints(void)
{
    uint8_t buf[64];
    size_t i, cut;

    /* Trailing 0x81 bytes: a reader that misses the terminator runs on. */
    run_read_cases("varint64", rd_varint64, varint_cases, ARRAY_LEN(varint_cases), 0x81);

    /* varint32: the same rules, low 32 bits kept. */
    for (i = 0; i < ARRAY_LEN(varint_cases); i++) {
        struct read_case c = varint_cases[i];
        c.v = (uint32_t)c.v;
        run_read_cases("varint32", rd_varint32, &c, 1, 0x81);
    }

    /* Exactly 10 continuation bytes and then the end: over-long, not cut
     * short (the 10th byte already says an 11th follows). */
    test_context("varint64: 10 continuation bytes, then end");
    check_read(rd_varint64, (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10, 0,
               0, PBW_E_VARINT, 0, 0);

    /* A varint embedded mid-buffer: the cursor starts and stops in place. */
    {
        size_t n = unhex("08 96 01 7f", buf, sizeof buf);
        uint8_t *blk = dup_block(buf, n);
        const uint8_t *p = blk + 1;
        uint64_t v = 0;
        test_context("varint64: mid-buffer");
        CHECK_STATUS(pbw_read_varint64(&p, blk + n, &v), PBW_OK);
        CHECK_EQ(v, 150);
        CHECK_EQ(p - blk, 3);
        CHECK_STATUS(pbw_read_varint64(&p, blk + n, &v), PBW_OK);
        CHECK_EQ(v, 127);
        CHECK(p == blk + n);
        CHECK_STATUS(pbw_read_varint64(&p, blk + n, &v), PBW_E_TRUNCATED);
        CHECK(p == blk + n);
        free(blk);
    }

    /* varint32 truncation of large values (uint32 field semantics). */
    {
        uint32_t v = 0;
        size_t n = unhex("ff ff ff ff ff ff ff ff ff 01", buf, sizeof buf);
        const uint8_t *p = buf;
        test_context("varint32: 2^64-1 keeps the low 32 bits");
        CHECK_STATUS(pbw_read_varint32(&p, buf + n, &v), PBW_OK);
        CHECK_EQ(v, 0xffffffffu);
        CHECK(p == buf + n);
        n = unhex("80 80 80 80 10", buf, sizeof buf);
        p = buf;
        test_context("varint32: 2^32 keeps the low 32 bits (0)");
        CHECK_STATUS(pbw_read_varint32(&p, buf + n, &v), PBW_OK);
        CHECK_EQ(v, 0);
        CHECK(p == buf + n);
    }

    /* Any 1..10 continuation bytes cut by the end: truncated. */
    for (cut = 1; cut <= 9; cut++) {
        memset(buf, 0x80, cut);
        test_context("varint64: %zu continuation bytes then end", cut);
        check_read(rd_varint64, buf, cut, 0, 0, PBW_E_TRUNCATED, 0, 0);
    }
}

/* ---- tags --------------------------------------------------------------- */

static const struct read_case tag_cases[] = {
    {"08", PBW_OK, 0x08, 1}, /* field 1, each valid wire type */
    {"09", PBW_OK, 0x09, 1},
    {"0a", PBW_OK, 0x0a, 1},
    {"0b", PBW_OK, 0x0b, 1},
    {"0c", PBW_OK, 0x0c, 1}, /* end-group tags are returned like any other */
    {"0d", PBW_OK, 0x0d, 1},
    {"78", PBW_OK, 15 << 3, 1},
    {"80 01", PBW_OK, 16 << 3, 2},
    {"82 01", PBW_OK, 16 << 3 | 2, 2},
    {"f8 7f", PBW_OK, 2047 << 3, 2},
    {"fc 7f", PBW_OK, 2047 << 3 | 4, 2},
    {"80 80 01", PBW_OK, 2048 << 3, 3},
    {"f8 ff 7f", PBW_OK, 262143u << 3, 3},
    {"80 80 80 01", PBW_OK, 262144u << 3, 4},
    {"80 80 80 80 01", PBW_OK, 33554432u << 3, 5},
    {"f8 ff ff ff 0f", PBW_OK, 0xfffffff8u, 5}, /* field 2^29-1, the largest */
    {"fd ff ff ff 0f", PBW_OK, 0xfffffffdu, 5},
    /* Padded tags are valid. */
    {"88 00", PBW_OK, 0x08, 2},
    {"88 80 80 80 00", PBW_OK, 0x08, 5},
    /* The 5th byte's bits above bit 31 are dropped. */
    {"88 80 80 80 10", PBW_OK, 0x08, 5},
    {"f8 ff ff ff 7f", PBW_OK, 0xfffffff8u, 5},
    /* Field number 0, including 2^32 (field 2^29 wrapping to 0). */
    {"00", PBW_E_FIELD_ZERO, 0, 1},
    {"01", PBW_E_FIELD_ZERO, 0, 1},
    {"02", PBW_E_FIELD_ZERO, 0, 1},
    {"03", PBW_E_FIELD_ZERO, 0, 1},
    {"04", PBW_E_FIELD_ZERO, 0, 1},
    {"05", PBW_E_FIELD_ZERO, 0, 1},
    {"06", PBW_E_FIELD_ZERO, 0, 1},
    {"07", PBW_E_FIELD_ZERO, 0, 1},
    {"80 00", PBW_E_FIELD_ZERO, 0, 2},
    {"80 80 80 80 10", PBW_E_FIELD_ZERO, 0, 5},
    {"82 80 80 80 70", PBW_E_FIELD_ZERO, 0, 5},
    /* Wire types 6 and 7. */
    {"0e", PBW_E_WIRE_TYPE, 0, 1},
    {"0f", PBW_E_WIRE_TYPE, 0, 1},
    {"8f 01", PBW_E_WIRE_TYPE, 0, 2},
    {"fe ff ff ff 0f", PBW_E_WIRE_TYPE, 0, 5},
    {"ff ff ff ff 0f", PBW_E_WIRE_TYPE, 0, 5},
    {"ff ff ff ff 7f", PBW_E_WIRE_TYPE, 0, 5},
    /* A 5th byte with its continuation bit. */
    {"80 80 80 80 80 01", PBW_E_VARINT, 0, 5},
    {"88 80 80 80 80 00", PBW_E_VARINT, 0, 5},
    {"ff ff ff ff ff ff ff ff ff 01", PBW_E_VARINT, 0, 5},
};

static void test_tags(void)
{
    /* Trailing 0x08 bytes would form a valid tag if the reader ran on. */
    run_read_cases("tag", rd_tag, tag_cases, ARRAY_LEN(tag_cases), 0x08);

    test_context("tag: 5 continuation bytes, then end");
    check_read(rd_tag, (const uint8_t *)"\x88\x80\x80\x80\x80", 5, 0, 0, PBW_E_VARINT, 0, 0);
}

/* ---- fixed32 / fixed64 --------------------------------------------------- */

static void test_fixed(void)
{
    static const struct read_case f32[] = {
        {"78 56 34 12", PBW_OK, 0x12345678u, 4},
        {"00 00 00 00", PBW_OK, 0, 4},
        {"00 00 00 80", PBW_OK, 0x80000000u, 4},
        {"ff ff ff ff", PBW_OK, 0xffffffffu, 4},
        {"01 00 00 00", PBW_OK, 1, 4},
    };
    static const struct read_case f64[] = {
        {"01 02 03 04 05 06 07 08", PBW_OK, 0x0807060504030201ull, 8},
        {"ff ff ff ff 00 00 00 00", PBW_OK, 0xffffffffull, 8},
        {"00 00 00 00 ff ff ff ff", PBW_OK, 0xffffffff00000000ull, 8},
        {"00 00 00 80 00 00 00 80", PBW_OK, 0x8000000080000000ull, 8},
        {"ff ff ff ff ff ff ff ff", PBW_OK, UINT64_MAX, 8},
    };
    run_read_cases("fixed32", rd_fixed32, f32, ARRAY_LEN(f32), 0xee);
    run_read_cases("fixed64", rd_fixed64, f64, ARRAY_LEN(f64), 0xee);
}

/* ---- length-delimited ---------------------------------------------------- */

/*
 * `pre` is how many prefix bytes decide the outcome (the prefix length, or 5
 * for an over-long prefix); `len` the data length for PBW_OK.  Cuts before
 * `pre` are PBW_E_TRUNCATED, cuts inside the data PBW_E_LENGTH.
 */
struct bytes_case {
    const char *hex;
    pbw_status st;
    size_t pre, len;
};

static const struct bytes_case bytes_cases[] = {
    {"00", PBW_OK, 1, 0},
    {"00 61", PBW_OK, 1, 0},
    {"01 61", PBW_OK, 1, 1},
    {"03 61 62 63", PBW_OK, 1, 3},   /* exact fit */
    {"03 61 62 63 64", PBW_OK, 1, 3}, /* one byte left over */
    {"80 00", PBW_OK, 2, 0},          /* padded prefixes */
    {"83 00 61 62 63", PBW_OK, 2, 3},
    {"80 80 80 80 00 61", PBW_OK, 5, 0},
    {"83 80 80 80 00 61 62 63", PBW_OK, 5, 3},
    /* Lengths past the end, never reduced modulo 2^32. */
    {"01", PBW_E_LENGTH, 1, 0},
    {"04 61 62 63", PBW_E_LENGTH, 1, 0}, /* one past the end */
    {"7f 00 00", PBW_E_LENGTH, 1, 0},
    {"ef ff ff ff 07 00", PBW_E_LENGTH, 5, 0},      /* 2^31-17: libprotobuf's largest */
    /* Lengths above 2^31-17: rejected first, as libprotobuf's ReadSize. */
    {"f0 ff ff ff 07 00", PBW_E_TOO_BIG, 5, 0},     /* 2^31-16 */
    {"ff ff ff ff 07 00", PBW_E_TOO_BIG, 5, 0},
    {"80 80 80 80 08", PBW_E_TOO_BIG, 5, 0},        /* 2^31 */
    {"ff ff ff ff 0f 00", PBW_E_TOO_BIG, 5, 0},     /* 2^32-1 */
    {"80 80 80 80 10", PBW_E_TOO_BIG, 5, 0},        /* 2^32, 0 mod 2^32 */
    {"81 80 80 80 10 61", PBW_E_TOO_BIG, 5, 0},     /* 2^32+1, 1 mod 2^32 */
    {"ff ff ff ff 7f 00 00", PBW_E_TOO_BIG, 5, 0},  /* 2^35-1 */
    /* Prefixes longer than 5 bytes. */
    {"80 80 80 80 80 00", PBW_E_VARINT, 5, 0},
    {"81 80 80 80 80 00 61", PBW_E_VARINT, 5, 0},
    {"ff ff ff ff ff ff ff ff ff 01", PBW_E_VARINT, 5, 0}, /* near 2^64 */
    {"ff ff ff ff ff", PBW_E_VARINT, 5, 0},
};

static void check_bytes(const uint8_t *s, size_t n, pbw_status want, size_t pre, size_t len)
{
    uint8_t *blk = dup_block(s, n);
    const uint8_t *p = blk;
    pbw_bytes b = {NULL, 12345};
    CHECK_STATUS(pbw_read_bytes(&p, blk + n, &b), want);
    if (want == PBW_OK) {
        CHECK_EQ(b.len, len);
        /* A view into the input; an empty one may be NULL. */
        CHECK(b.ptr == blk + pre || (len == 0 && b.ptr == NULL));
        CHECK_EQ(p - blk, pre + len);
    } else {
        CHECK(p == blk);
    }
    free(blk);
}

static void test_bytes(void)
{
    uint8_t buf[400];
    size_t i, cut;

    for (i = 0; i < ARRAY_LEN(bytes_cases); i++) {
        const struct bytes_case *c = &bytes_cases[i];
        size_t n = unhex(c->hex, buf, sizeof buf);
        test_context("read_bytes %s", c->hex);
        check_bytes(buf, n, c->st, c->pre, c->len);
        for (cut = 0; cut < n; cut++) {
            pbw_status want = cut < c->pre ? PBW_E_TRUNCATED
                            : c->st != PBW_OK ? c->st
                            : cut < c->pre + c->len ? PBW_E_LENGTH : PBW_OK;
            test_context("read_bytes %s: cut to %zu bytes", c->hex, cut);
            check_bytes(buf, cut, want, c->pre, c->len);
        }
    }

    /* A 300-byte value: exact fit, one short, and the bytes themselves. */
    buf[0] = 0xac;
    buf[1] = 0x02;
    for (i = 0; i < 300; i++)
        buf[2 + i] = (uint8_t)(i * 7);
    test_context("read_bytes: 300 bytes, exact fit");
    check_bytes(buf, 302, PBW_OK, 2, 300);
    test_context("read_bytes: 300 bytes, one short");
    check_bytes(buf, 301, PBW_E_LENGTH, 0, 0);
    {
        const uint8_t *p = buf;
        pbw_bytes b;
        test_context("read_bytes: view aliases the input");
        CHECK_STATUS(pbw_read_bytes(&p, buf + 302, &b), PBW_OK);
        CHECK(b.ptr == buf + 2);
        CHECK_MEM(b.ptr, b.len, buf + 2, (size_t)300);
    }
}

/* ---- pbw_skip_field ------------------------------------------------------ */

/* On PBW_OK `at` is the bytes consumed, else the error offset (err_at). */
struct skip_case {
    const char *hex;
    unsigned depth;
    pbw_status st;
    size_t at;
};

static const struct skip_case skip_cases[] = {
    /* One field of each wire type; the bytes after it must stay unread. */
    {"08 96 01 08 01", D, PBW_OK, 3},
    {"08 00 0c", D, PBW_OK, 2},
    {"08 ff ff ff ff ff ff ff ff ff 01 0c", D, PBW_OK, 11},
    {"08 80 80 80 80 80 80 80 80 80 00", D, PBW_OK, 11},
    {"09 01 02 03 04 05 06 07 08 0c", D, PBW_OK, 9},
    {"0a 03 61 62 63 0c", D, PBW_OK, 5},
    {"0a 00 0c", D, PBW_OK, 2},
    {"0a 80 80 80 80 00 0c", D, PBW_OK, 6},
    {"0b 0c 0c", D, PBW_OK, 2},
    {"0d 01 02 03 04 0c", D, PBW_OK, 5},
    {"80 01 00 0c", D, PBW_OK, 3},               /* field 16 */
    {"f8 ff ff ff 0f 01 0c", D, PBW_OK, 6},      /* field 2^29-1 */
    {"88 80 80 80 10 01", D, PBW_OK, 6},         /* tag bits above 32 dropped */
    /* Contents of length-delimited fields are not interpreted. */
    {"0a 04 0c 0f 00 80", D, PBW_OK, 6},
    {"0a 02 c0 80", D, PBW_OK, 4},               /* not UTF-8: still fine */
    {"0a 01 0b", 0, PBW_OK, 3},                  /* a start-group byte, depth 0 */
    {"0b 12 02 0c 14 0c 0c", D, PBW_OK, 6},
    /* Groups: every wire type inside, nesting, siblings, matching ends. */
    {"0b 08 01 11 01 02 03 04 05 06 07 08 1a 01 61 25 01 02 03 04 2b 2c 0c 08", D, PBW_OK, 23},
    {"0b 13 1b 1c 14 0c 0c", D, PBW_OK, 6},
    {"0b 13 14 1b 1c 0c 0c", D, PBW_OK, 6},
    {"0b 0b 0b 0c 0c 0c 0c", D, PBW_OK, 6},      /* same field nested */
    {"83 01 84 01 0c", D, PBW_OK, 4},            /* field 16 */
    {"fb ff ff ff 0f fc ff ff ff 0f 0c", D, PBW_OK, 10}, /* field 2^29-1 */
    {"0b 8c 00", D, PBW_OK, 3},                  /* padded end tag */
    {"0b 8c 80 80 80 10", D, PBW_OK, 6},         /* end tag, bits above 32 dropped */
    {"0b 0c", 1, PBW_OK, 2},
    {"0b 13 14 0c", 2, PBW_OK, 4},
    {"08 01", 0, PBW_OK, 2},                     /* depth only limits groups */
    /* Errors in the field's own tag. */
    {"", D, PBW_E_TRUNCATED, 0}, /* no tag at all: no group is open */
    {"80", D, PBW_E_TRUNCATED, 0},
    {"ff ff ff ff", D, PBW_E_TRUNCATED, 0},
    {"80 80 80 80 80 01", D, PBW_E_VARINT, 0},
    {"00 01", D, PBW_E_FIELD_ZERO, 0},
    {"07", D, PBW_E_FIELD_ZERO, 0},
    {"80 80 80 80 10 00", D, PBW_E_FIELD_ZERO, 0},
    {"0e 00", D, PBW_E_WIRE_TYPE, 0},
    {"0f", D, PBW_E_WIRE_TYPE, 0},
    {"ff ff ff ff 0f", D, PBW_E_WIRE_TYPE, 0},
    {"0c", D, PBW_E_END_GROUP, 0},               /* a field can't start by closing */
    {"0c 0b", D, PBW_E_END_GROUP, 0},
    {"fc ff ff ff 0f", D, PBW_E_END_GROUP, 0},
    /* Errors in the value, at its first byte. */
    {"08", D, PBW_E_TRUNCATED, 1},
    {"08 80 80", D, PBW_E_TRUNCATED, 1},
    {"08 ff ff ff ff ff ff ff ff ff ff 01", D, PBW_E_VARINT, 1},
    {"09", D, PBW_E_TRUNCATED, 1},
    {"09 01 02 03 04 05 06 07", D, PBW_E_TRUNCATED, 1},
    {"0d", D, PBW_E_TRUNCATED, 1},
    {"0d 01 02 03", D, PBW_E_TRUNCATED, 1},
    {"0a", D, PBW_E_TRUNCATED, 1},
    {"0a 80", D, PBW_E_TRUNCATED, 1},
    {"0a 03 61 62", D, PBW_E_LENGTH, 1},
    {"0a ff ff ff ff 0f 00", D, PBW_E_TOO_BIG, 1},
    {"0a 80 80 80 80 10", D, PBW_E_TOO_BIG, 1},
    {"0a ef ff ff ff 07 00", D, PBW_E_LENGTH, 1},
    {"0a 80 80 80 80 80 00", D, PBW_E_VARINT, 1},
    /* Groups left open: at the start of the whole field. */
    {"0b", D, PBW_E_OPEN_GROUP, 0},
    {"0b 08 01", D, PBW_E_OPEN_GROUP, 0},
    {"0b 13 1b 1c", D, PBW_E_OPEN_GROUP, 0},
    {"0b 13 14", D, PBW_E_OPEN_GROUP, 0},
    {"0b 0a 01 0c", D, PBW_E_OPEN_GROUP, 0},     /* the 0c is data */
    /* End-group tags of the wrong field: at that tag. */
    {"0b 14", D, PBW_E_END_GROUP, 1},
    {"0b 13 0c 14", D, PBW_E_END_GROUP, 2},
    {"0b 13 14 14", D, PBW_E_END_GROUP, 3},
    {"0b fc ff ff ff 0f", D, PBW_E_END_GROUP, 1},
    {"fb ff ff ff 0f fc ff ff ff 07", D, PBW_E_END_GROUP, 5}, /* field 2^28-1 */
    {"83 01 84 02", D, PBW_E_END_GROUP, 2},
    /* Errors inside a group, at the exact byte. */
    {"0b 80", D, PBW_E_TRUNCATED, 1},
    {"0b 08", D, PBW_E_TRUNCATED, 2},
    {"0b 08 80", D, PBW_E_TRUNCATED, 2},
    {"0b 00 0c", D, PBW_E_FIELD_ZERO, 1},
    {"0b 80 80 80 80 10 0c", D, PBW_E_FIELD_ZERO, 1},
    {"0b 0e 0c", D, PBW_E_WIRE_TYPE, 1},
    {"0b 0f 0c", D, PBW_E_WIRE_TYPE, 1},
    {"0b 80 80 80 80 80 01 0c", D, PBW_E_VARINT, 1},
    {"0b 10 ff ff ff ff ff ff ff ff ff ff 01 0c", D, PBW_E_VARINT, 2},
    {"0b 11 01 02 0c", D, PBW_E_TRUNCATED, 2},
    {"0b 15 01 02 0c", D, PBW_E_TRUNCATED, 2},
    {"0b 12 05 61 0c", D, PBW_E_LENGTH, 2},
    {"0b 12 80 80 80 80 80 00 0c", D, PBW_E_VARINT, 2},
    {"0b 13 1b 08 01 1a 80", D, PBW_E_TRUNCATED, 6},
    {"0b 13 1b 08 01 1f 1c 14 0c", D, PBW_E_WIRE_TYPE, 5},
    /* Depth budget: the tag of the first start-group over it. */
    {"0b 0c", 0, PBW_E_DEPTH, 0},
    {"0b", 0, PBW_E_DEPTH, 0},
    {"0b 13 14 0c", 1, PBW_E_DEPTH, 1},
    {"0b 0b", 1, PBW_E_DEPTH, 1},
    {"0b 08 01 13 14 0c", 1, PBW_E_DEPTH, 3},
};

/* Skips from an exact-size block; checks status, cursor and err_at. */
static void check_skip(const uint8_t *s, size_t n, unsigned depth, pbw_status want, size_t at)
{
    uint8_t *blk = dup_block(s, n);
    const uint8_t *p = blk, *err = NULL;
    CHECK_STATUS(pbw_skip_field(&p, blk + n, depth, &err), want);
    if (want == PBW_OK) {
        CHECK_EQ(p - blk, at);
    } else {
        CHECK(p == blk);
        CHECK(err != NULL);
        if (err != NULL)
            CHECK_EQ(err - blk, at);
    }
    free(blk);
}

/*
 * `levels` nested groups (field i%15+1 at level i, so each end tag must
 * match its own level) closed properly, or not closed at all.
 */
static size_t make_nested(uint8_t *out, unsigned levels, int closed)
{
    unsigned i;
    for (i = 0; i < levels; i++)
        out[i] = (uint8_t)((i % 15 + 1) << 3 | PBW_WT_START_GROUP);
    if (!closed)
        return levels;
    for (i = 0; i < levels; i++)
        out[2 * levels - 1 - i] = (uint8_t)((i % 15 + 1) << 3 | PBW_WT_END_GROUP);
    return 2 * levels;
}

static void test_skip(void)
{
    static const struct {
        unsigned levels, depth;
        pbw_status st;
        size_t at;
    } nest[] = {
        {1, 1, PBW_OK, 2},
        {2, 1, PBW_E_DEPTH, 1},
        {2, 2, PBW_OK, 4},
        {3, 2, PBW_E_DEPTH, 2},
        {3, 3, PBW_OK, 6},
        {4, 3, PBW_E_DEPTH, 3},
        {5, 5, PBW_OK, 10},
        {6, 5, PBW_E_DEPTH, 5},
        {20, 20, PBW_OK, 40},
        {21, 20, PBW_E_DEPTH, 20},
        {D - 1, D - 1, PBW_OK, 2 * (D - 1)},
        {D, D - 1, PBW_E_DEPTH, D - 1},
        {D, D, PBW_OK, 2 * D},
        {D + 1, D, PBW_E_DEPTH, D},
        /* Budgets above PBW_MAX_DEPTH are clamped to it. */
        {D, D + 1, PBW_OK, 2 * D},
        {D + 1, D + 1, PBW_E_DEPTH, D},
        {D, 1000, PBW_OK, 2 * D},
        {D + 1, 1000, PBW_E_DEPTH, D},
        {D + 1, 0xffffffffu, PBW_E_DEPTH, D},
        {D + 50, 0xffffffffu, PBW_E_DEPTH, D},
    };
    uint8_t buf[512];
    size_t i, cut;

    for (i = 0; i < ARRAY_LEN(skip_cases); i++) {
        const struct skip_case *c = &skip_cases[i];
        size_t n = unhex(c->hex, buf, sizeof buf);
        test_context("skip \"%s\" depth %u", c->hex, c->depth);
        check_skip(buf, n, c->depth, c->st, c->at);
        /* Every input cut inside a field that skips fine must fail, in place,
         * with err_at inside the input (the exact errors are tabled above). */
        if (c->st != PBW_OK)
            continue;
        for (cut = 0; cut < c->at; cut++) {
            uint8_t *blk = dup_block(buf, cut);
            const uint8_t *p = blk, *err = NULL;
            test_context("skip \"%s\" depth %u: cut to %zu bytes", c->hex, c->depth, cut);
            CHECK(pbw_skip_field(&p, blk + cut, c->depth, &err) != PBW_OK);
            CHECK(p == blk);
            CHECK(err != NULL && err >= blk && err <= blk + cut);
            free(blk);
        }
    }

    for (i = 0; i < ARRAY_LEN(nest); i++) {
        size_t n = make_nested(buf, nest[i].levels, 1);
        test_context("skip: %u nested groups, depth %u", nest[i].levels, nest[i].depth);
        check_skip(buf, n, nest[i].depth, nest[i].st, nest[i].at);
        /* Left open: the depth error comes first; within budget, the field
         * is reported open at its own tag. */
        n = make_nested(buf, nest[i].levels, 0);
        test_context("skip: %u nested groups left open, depth %u", nest[i].levels,
                     nest[i].depth);
        check_skip(buf, n, nest[i].depth, nest[i].st == PBW_OK ? PBW_E_OPEN_GROUP : nest[i].st,
                   nest[i].st == PBW_OK ? 0 : nest[i].at);
    }

    /* A wrong end tag deep inside: reported at that tag. */
    {
        size_t n = make_nested(buf, 50, 1);
        buf[50] = 0x0c; /* level 49 is field 5; close it with field 1 */
        test_context("skip: 50 nested groups, innermost closed by field 1");
        check_skip(buf, n, D, PBW_E_END_GROUP, 50);
        buf[50] = (uint8_t)(5 << 3 | PBW_WT_END_GROUP);
        buf[n - 1] = 0x14; /* the outermost closed by field 2 */
        test_context("skip: 50 nested groups, outermost closed by field 2");
        check_skip(buf, n, D, PBW_E_END_GROUP, n - 1);
    }

    /* A field in the middle of a buffer: err_at is absolute, the cursor
     * starts and stops in place. */
    {
        size_t n = unhex("0c 0c 0b 13 14 0c 08 01 0b 13 0c", buf, sizeof buf);
        uint8_t *blk = dup_block(buf, n);
        const uint8_t *p = blk + 2, *err = NULL;
        test_context("skip: consecutive fields mid-buffer");
        CHECK_STATUS(pbw_skip_field(&p, blk + n, D, &err), PBW_OK);
        CHECK_EQ(p - blk, 6);
        CHECK_STATUS(pbw_skip_field(&p, blk + n, D, &err), PBW_OK);
        CHECK_EQ(p - blk, 8);
        CHECK_STATUS(pbw_skip_field(&p, blk + n, D, &err), PBW_E_END_GROUP);
        CHECK_EQ(p - blk, 8);
        CHECK_EQ(err - blk, 10);
        free(blk);
    }
}

/* ---- writers and sizes ---------------------------------------------------- */

static void check_varint_roundtrip(uint64_t v)
{
    uint8_t out[16], *e;
    size_t size = ref_varint_size(v), i;
    const uint8_t *p;
    uint64_t back = ~v;
    int shape_ok = 1;

    memset(out, 0xaa, sizeof out);
    e = pbw_write_varint(out, v);
    test_context("write_varint %llu", (unsigned long long)v);
    CHECK_EQ(pbw_varint_size(v), size);
    CHECK_EQ(e - out, size);
    CHECK_EQ(out[size], 0xaa); /* nothing written past the varint */
    /* Minimal form: continuation bits on all but the last, last non-zero
     * unless the value is 0. */
    for (i = 0; i + 1 < size; i++)
        shape_ok &= out[i] >= 0x80;
    shape_ok &= out[size - 1] < 0x80 && (size == 1 || out[size - 1] != 0);
    CHECK(shape_ok);
    p = out;
    CHECK_STATUS(pbw_read_varint64(&p, out + size, &back), PBW_OK);
    CHECK_EQ(back, v);
    CHECK_EQ(p - out, size);
}

static void test_writers(void)
{
    static const struct {
        uint64_t v;
        const char *hex;
    } enc[] = {
        {0, "00"},
        {1, "01"},
        {127, "7f"},
        {128, "80 01"},
        {150, "96 01"},
        {300, "ac 02"},
        {16383, "ff 7f"},
        {16384, "80 80 01"},
        {0xffffffffull, "ff ff ff ff 0f"},
        {0x100000000ull, "80 80 80 80 10"},
        {0x123456789abcdef0ull, "f0 bd f3 d5 89 cf 95 9a 12"},
        {0x7fffffffffffffffull, "ff ff ff ff ff ff ff ff 7f"},
        {0x8000000000000000ull, "80 80 80 80 80 80 80 80 80 01"},
        {UINT64_MAX, "ff ff ff ff ff ff ff ff ff 01"},
    };
    static const struct {
        uint32_t field;
        unsigned wt;
        size_t size;
        const char *hex;
    } tags[] = {
        {1, 0, 1, "08"},
        {1, 2, 1, "0a"},
        {1, 5, 1, "0d"},
        {15, 4, 1, "7c"},
        {16, 0, 2, "80 01"},
        {16, 2, 2, "82 01"},
        {2047, 4, 2, "fc 7f"},
        {2048, 0, 3, "80 80 01"},
        {262143, 3, 3, "fb ff 7f"},
        {262144, 0, 4, "80 80 80 01"},
        {33554431, 1, 4, "f9 ff ff 7f"},
        {33554432, 0, 5, "80 80 80 80 01"},
        {536870911, 0, 5, "f8 ff ff ff 0f"},
        {536870911, 5, 5, "fd ff ff ff 0f"},
    };
    uint8_t out[512], want[512], src[300];
    size_t i, n;
    unsigned k, b, wt;

    /* pbw_varint_size at every 7-bit boundary. */
    test_context("varint_size boundaries");
    CHECK_EQ(pbw_varint_size(0), 1);
    CHECK_EQ(pbw_varint_size(UINT64_MAX), 10);
    for (k = 1; k <= 9; k++) {
        uint64_t edge = (uint64_t)1 << (7 * k);
        test_context("varint_size 2^%u-1 and 2^%u", 7 * k, 7 * k);
        CHECK_EQ(pbw_varint_size(edge - 1), k);
        CHECK_EQ(pbw_varint_size(edge), k + 1);
    }

    /* Exact bytes for known values. */
    for (i = 0; i < ARRAY_LEN(enc); i++) {
        uint8_t *e;
        n = unhex(enc[i].hex, want, sizeof want);
        memset(out, 0xaa, 16);
        e = pbw_write_varint(out, enc[i].v);
        test_context("write_varint %s", enc[i].hex);
        CHECK_MEM(out, (size_t)(e - out), want, n);
    }

    /* Round trips: every power of two and its neighbours, then random
     * values of every bit length. */
    for (b = 0; b < 64; b++) {
        uint64_t v = (uint64_t)1 << b;
        check_varint_roundtrip(v - 1);
        check_varint_roundtrip(v);
        check_varint_roundtrip(v + 1);
        check_varint_roundtrip(v | (v - 1)); /* all ones up to bit b */
    }
    for (i = 0; i < 1000; i++)
        check_varint_roundtrip(rng() >> (i % 64));

    /* Tags: sizes, exact bytes, and back through pbw_read_tag. */
    for (i = 0; i < ARRAY_LEN(tags); i++) {
        uint8_t *e;
        n = unhex(tags[i].hex, want, sizeof want);
        memset(out, 0xaa, 16);
        e = pbw_write_tag(out, tags[i].field, tags[i].wt);
        test_context("write_tag field %lu wt %u", (unsigned long)tags[i].field, tags[i].wt);
        CHECK_EQ(pbw_tag_size(tags[i].field), tags[i].size);
        CHECK_MEM(out, (size_t)(e - out), want, n);
        CHECK_EQ(out[n], 0xaa);
    }
    for (i = 0; i < 200; i++) {
        /* Fields across the whole range, every wire type. */
        uint32_t field = (uint32_t)(rng() >> (35 + i % 29)) % 536870911u + 1;
        for (wt = 0; wt <= 5; wt++) {
            const uint8_t *p = out;
            uint32_t tag = 0;
            uint8_t *e = pbw_write_tag(out, field, wt);
            test_context("write_tag/read_tag field %lu wt %u", (unsigned long)field, wt);
            CHECK_EQ(e - out, pbw_tag_size(field));
            CHECK_STATUS(pbw_read_tag(&p, e, &tag), PBW_OK);
            CHECK_EQ(tag, field << 3 | wt);
            CHECK(p == e);
        }
    }

    /* Length-delimited fields. */
    test_context("len_field_size");
    CHECK_EQ(pbw_len_field_size(1, 0), 2);
    CHECK_EQ(pbw_len_field_size(1, 3), 5);
    CHECK_EQ(pbw_len_field_size(15, 127), 1 + 1 + 127);
    CHECK_EQ(pbw_len_field_size(16, 127), 2 + 1 + 127);
    CHECK_EQ(pbw_len_field_size(16, 128), 2 + 2 + 128);
    CHECK_EQ(pbw_len_field_size(2047, 16383), 2 + 2 + 16383);
    CHECK_EQ(pbw_len_field_size(2048, 16384), 3 + 3 + 16384);
    CHECK_EQ(pbw_len_field_size(536870911, 2097152), 5 + 4 + 2097152);

    {
        uint8_t *e;
        memset(out, 0xaa, sizeof out);
        e = pbw_write_bytes(out, 1, (const uint8_t *)"abc", 3);
        n = unhex("0a 03 61 62 63", want, sizeof want);
        test_context("write_bytes field 1 \"abc\"");
        CHECK_MEM(out, (size_t)(e - out), want, n);
        CHECK_EQ(out[n], 0xaa);

        memset(out, 0xaa, sizeof out);
        e = pbw_write_bytes(out, 1, NULL, 0);
        test_context("write_bytes field 1, len 0, src NULL");
        CHECK_MEM(out, (size_t)(e - out), "\x0a\x00", (size_t)2);
        CHECK_EQ(out[2], 0xaa);

        memset(out, 0xaa, sizeof out);
        e = pbw_write_bytes(out, 536870911, (const uint8_t *)"", 0);
        test_context("write_bytes field 2^29-1, len 0");
        n = unhex("fa ff ff ff 0f 00", want, sizeof want);
        CHECK_MEM(out, (size_t)(e - out), want, n);
    }

    /* 200 bytes under a 2-byte tag and a 2-byte length, then read back. */
    for (i = 0; i < 200; i++)
        src[i] = (uint8_t)(255 - i);
    {
        uint8_t *e;
        const uint8_t *p = out;
        uint32_t tag = 0;
        pbw_bytes v = {NULL, 0};
        memset(out, 0xaa, sizeof out);
        e = pbw_write_bytes(out, 2047, src, 200);
        test_context("write_bytes field 2047, 200 bytes");
        CHECK_EQ(e - out, pbw_len_field_size(2047, 200));
        CHECK_EQ(pbw_len_field_size(2047, 200), 204);
        CHECK_MEM(out, (size_t)4, "\xfa\x7f\xc8\x01", (size_t)4);
        CHECK_EQ(out[204], 0xaa);
        CHECK_STATUS(pbw_read_tag(&p, e, &tag), PBW_OK);
        CHECK_EQ(tag, 2047u << 3 | PBW_WT_LEN);
        CHECK_STATUS(pbw_read_bytes(&p, e, &v), PBW_OK);
        CHECK_MEM(v.ptr, v.len, src, (size_t)200);
        CHECK(p == e);
    }
}

/* ---- UTF-8 --------------------------------------------------------------- */

/*
 * Reference validator, slow and obvious: decode each character by its lead
 * byte's length class, then reject overlong forms, surrogates and code
 * points above U+10FFFF.  *bad is the lead byte of the first bad character.
 */
static int ref_utf8_valid(const uint8_t *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned lead = s[i];
        size_t len, k;
        uint32_t cp, min;
        if (lead < 0x80) {
            i++;
            continue;
        } else if (lead >= 0xC0 && lead <= 0xDF) {
            len = 2, cp = lead & 0x1F, min = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            len = 3, cp = lead & 0x0F, min = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF7) {
            len = 4, cp = lead & 0x07, min = 0x10000;
        } else {
            goto invalid; /* continuation byte, or F8..FF */
        }
        for (k = 1; k < len; k++) {
            if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
                goto invalid;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto invalid;
        i += len;
    }
    return 1;
invalid:
    *bad = i;
    return 0;
}

/*
 * Feeds s in pieces ending at cut[0..ncut) and then n.  Returns the verdict;
 * on error *lead is where the bad character began, computed as the contract
 * says: piece offset + returned index - u.seen, or n - u.seen when a
 * character is left open.  Returns -1 when feed returns more than asked.
 */
static int feed_pieces(const uint8_t *s, size_t n, const size_t *cut, size_t ncut,
                       size_t *lead)
{
    pbw_utf8 u = PBW_UTF8_INIT;
    size_t off = 0, k;
    for (k = 0; k <= ncut; k++) {
        size_t to = k < ncut ? cut[k] : n;
        size_t r = pbw_utf8_feed(&u, s + off, to - off);
        if (r > to - off)
            return -1;
        if (r < to - off) {
            *lead = off + r - u.seen;
            return 0;
        }
        off = to;
    }
    if (pbw_utf8_finish(&u))
        return 1;
    *lead = n - u.seen;
    return 0;
}

/* Mismatch counting for the exhaustive loops. */
static unsigned long utf8_mismatch;
static char utf8_first[160];

static void utf8_note(const uint8_t *s, size_t n, const char *how)
{
    if (utf8_mismatch++ == 0)
        snprintf(utf8_first, sizeof utf8_first, "%s (%s)", hexstr(s, n), how);
}

/* pbw_utf8_valid against the reference: verdict and bad index. */
static void utf8_compare(const uint8_t *s, size_t n)
{
    size_t b0 = 0, b1 = 0;
    int v0 = ref_utf8_valid(s, n, &b0);
    int v1 = pbw_utf8_valid(s, n, &b1);
    if (v1 != v0 || (!v0 && b1 != b0))
        utf8_note(s, n, "one-shot");
}

/* Also every 2-way split: same verdict, same lead. */
static void utf8_compare_splits(const uint8_t *s, size_t n)
{
    size_t b0 = 0, cut;
    int v0 = ref_utf8_valid(s, n, &b0);
    utf8_compare(s, n);
    for (cut = 0; cut <= n; cut++) {
        size_t lead = 0;
        int v = feed_pieces(s, n, &cut, 1, &lead);
        if (v != v0 || (!v0 && lead != b0))
            utf8_note(s, n, "split");
    }
}

static void utf8_begin(void)
{
    utf8_mismatch = 0;
    utf8_first[0] = '\0';
}

static void utf8_end(const char *what)
{
    test_context("utf8 %s; first mismatch: %s", what, utf8_first);
    CHECK_EQ(utf8_mismatch, 0);
}

struct utf8_case {
    const char *hex;
    int valid;
    size_t bad;
};

static const struct utf8_case utf8_cases[] = {
    {"", 1, 0},
    {"00", 1, 0},
    {"41 00 42", 1, 0},
    {"7f", 1, 0},
    {"c2 80", 1, 0},          /* U+0080 */
    {"df bf", 1, 0},          /* U+07FF */
    {"e0 a0 80", 1, 0},       /* U+0800 */
    {"ed 9f bf", 1, 0},       /* U+D7FF */
    {"ee 80 80", 1, 0},       /* U+E000 */
    {"ef bf be", 1, 0},       /* U+FFFE, a noncharacter */
    {"ef bf bf", 1, 0},       /* U+FFFF, a noncharacter */
    {"ef b7 90", 1, 0},       /* U+FDD0, a noncharacter */
    {"f0 90 80 80", 1, 0},    /* U+10000 */
    {"f3 bf bf bf", 1, 0},    /* U+FFFFF */
    {"f4 8f bf bf", 1, 0},    /* U+10FFFF */
    {"e2 82 ac 24 c2 a2 f0 9f 98 80", 1, 0},
    /* Stray continuation bytes and impossible leads. */
    {"80", 0, 0},
    {"bf", 0, 0},
    {"41 80", 0, 1},
    {"c2 80 80", 0, 2},
    {"f8 88 80 80 80", 0, 0},
    {"fc 84 80 80 80 80", 0, 0},
    {"fe", 0, 0},
    {"ff", 0, 0},
    /* Overlong forms. */
    {"c0 80", 0, 0},
    {"c0 af", 0, 0},
    {"c1 bf", 0, 0},
    {"e0 80 80", 0, 0},
    {"e0 9f bf", 0, 0},
    {"f0 80 80 80", 0, 0},
    {"f0 8f bf bf", 0, 0},
    /* Surrogates. */
    {"ed a0 80", 0, 0},
    {"ed bf bf", 0, 0},
    {"ed ad bf ed b0 80", 0, 0}, /* a CESU-8 pair */
    /* Above U+10FFFF. */
    {"f4 90 80 80", 0, 0},
    {"f4 bf bf bf", 0, 0},
    {"f5 80 80 80", 0, 0},
    {"f7 bf bf bf", 0, 0},
    /* Cut short, at the end or by a non-continuation byte. */
    {"c2", 0, 0},
    {"e1 80", 0, 0},
    {"f1 80 80", 0, 0},
    {"41 c2", 0, 1},
    {"41 c2 41", 0, 1},
    {"41 e1 80 41", 0, 1},
    {"e1 80 c2 80", 0, 0},
    {"f0 9f 98", 0, 0},
    {"f0 9f 98 41", 0, 0},
    /* The first bad character wins. */
    {"41 42 ed a0 80", 0, 2},
    {"ef bf bf f4 90 80 80", 0, 3},
    {"c2 80 e0 80 80 ff", 0, 2},
};

/* Bytes that matter to a UTF-8 decoder: class edges and special leads. */
static const uint8_t utf8_edges[] = {0x00, 0x41, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f,
                                     0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed,
                                     0xef, 0xf0, 0xf4, 0xf5, 0xff};

static void test_utf8_table(void)
{
    uint8_t buf[64];
    size_t i;
    for (i = 0; i < ARRAY_LEN(utf8_cases); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        size_t n = unhex(c->hex, buf, sizeof buf), bad = 9999, rbad = 9999;
        uint8_t *blk = dup_block(buf, n);
        test_context("utf8 \"%s\"", c->hex);
        CHECK_EQ(pbw_utf8_valid(blk, n, &bad), c->valid);
        if (!c->valid)
            CHECK_EQ(bad, c->bad);
        /* The table also pins the reference checker. */
        CHECK_EQ(ref_utf8_valid(blk, n, &rbad), c->valid);
        if (!c->valid)
            CHECK_EQ(rbad, c->bad);
        CHECK_EQ(pbw_utf8_valid(blk, n, NULL), c->valid); /* bad is optional */
        free(blk);
    }
}

static void test_utf8_exhaustive(void)
{
    uint8_t s[4];
    unsigned a, b, c, d;

    utf8_begin();
    for (a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        utf8_compare_splits(s, 1);
    }
    utf8_end("all 1-byte inputs");

    utf8_begin();
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++) {
            s[0] = (uint8_t)a, s[1] = (uint8_t)b;
            utf8_compare_splits(s, 2);
        }
    utf8_end("all 2-byte inputs");

    utf8_begin();
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++)
            for (c = 0; c < 256; c++) {
                s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = (uint8_t)c;
                utf8_compare(s, 3);
            }
    utf8_end("all 3-byte inputs");

    /* 4 bytes: the first two exhaustive, the last two from the edge set. */
    utf8_begin();
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++)
            for (c = 0; c < ARRAY_LEN(utf8_edges); c++)
                for (d = 0; d < ARRAY_LEN(utf8_edges); d++) {
                    s[0] = (uint8_t)a, s[1] = (uint8_t)b;
                    s[2] = utf8_edges[c], s[3] = utf8_edges[d];
                    utf8_compare(s, 4);
                }
    utf8_end("4-byte inputs, 2 bytes exhaustive + 2 edge bytes");

    /* 4 bytes: every F0..F7 lead with every byte 7F..C0 after it. */
    utf8_begin();
    for (a = 0xf0; a <= 0xf7; a++)
        for (b = 0x7f; b <= 0xc0; b++)
            for (c = 0x7f; c <= 0xc0; c++)
                for (d = 0x7f; d <= 0xc0; d++) {
                    s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = (uint8_t)c, s[3] = (uint8_t)d;
                    utf8_compare(s, 4);
                }
    utf8_end("4-byte inputs, leads F0..F7, then 7F..C0");

    /* 3- and 4-byte inputs from the edge set, fed in every split. */
    utf8_begin();
    for (a = 0; a < ARRAY_LEN(utf8_edges); a++)
        for (b = 0; b < ARRAY_LEN(utf8_edges); b++)
            for (c = 0; c < ARRAY_LEN(utf8_edges); c++)
                for (d = 0; d < ARRAY_LEN(utf8_edges); d++) {
                    s[0] = utf8_edges[a], s[1] = utf8_edges[b];
                    s[2] = utf8_edges[c], s[3] = utf8_edges[d];
                    utf8_compare_splits(s, 3);
                    utf8_compare_splits(s, 4);
                }
    utf8_end("3- and 4-byte edge inputs, every split");
}

/* Valid characters of every length and class edge, for building strings. */
static const char *const utf8_chars[] = {
    "41", "00", "7f", "c2 80", "df bf", "e0 a0 80", "e1 80 80", "ed 9f bf", "ee 80 80",
    "ef bf bf", "f0 90 80 80", "f1 80 80 80", "f4 8f bf bf",
};

static void test_utf8_long(void)
{
    uint8_t s[200], ch[4];
    size_t pos, i, k, n;
    static const uint8_t bad_bytes[] = {0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff};

    /* 120 ASCII bytes (the 16-byte fast path) with one bad byte at each
     * position: the error is exactly there, whichever path finds it. */
    for (pos = 0; pos <= 80; pos++) {
        for (i = 0; i < ARRAY_LEN(bad_bytes); i++) {
            uint8_t *blk;
            size_t bad = 9999;
            memset(s, 'a', 120);
            s[pos] = bad_bytes[i];
            blk = dup_block(s, 120);
            test_context("utf8 ASCII x120, byte %02x at %zu", bad_bytes[i], pos);
            CHECK_EQ(pbw_utf8_valid(blk, 120, &bad), 0);
            CHECK_EQ(bad, pos);
            free(blk);
        }
        /* A lead followed by ASCII, and a lead cut by the end. */
        {
            uint8_t *blk;
            size_t bad = 9999;
            memset(s, 'a', 120);
            s[pos] = 0xe2;
            blk = dup_block(s, 120);
            test_context("utf8 ASCII x120, e2 then ASCII at %zu", pos);
            CHECK_EQ(pbw_utf8_valid(blk, 120, &bad), 0);
            CHECK_EQ(bad, pos);
            free(blk);
            blk = dup_block(s, pos + 1);
            test_context("utf8 ASCII x%zu then e2 at the end", pos);
            CHECK_EQ(pbw_utf8_valid(blk, pos + 1, &bad), 0);
            CHECK_EQ(bad, pos);
            free(blk);
        }
    }

    /* Each character at every offset 0..48 in ASCII, straddling the 16-byte
     * blocks: valid whole; bad when its last byte is replaced or cut off. */
    for (k = 0; k < ARRAY_LEN(utf8_chars); k++) {
        size_t len = unhex(utf8_chars[k], ch, sizeof ch);
        for (pos = 0; pos <= 48; pos++) {
            uint8_t *blk;
            size_t bad = 9999;
            memset(s, 'a', 80);
            memcpy(s + pos, ch, len);
            blk = dup_block(s, 80);
            test_context("utf8 %s at %zu in ASCII x80", utf8_chars[k], pos);
            CHECK_EQ(pbw_utf8_valid(blk, 80, &bad), 1);
            free(blk);
            if (len == 1)
                continue;
            s[pos + len - 1] = 'a';
            blk = dup_block(s, 80);
            test_context("utf8 %s at %zu in ASCII x80, last byte -> 61", utf8_chars[k], pos);
            CHECK_EQ(pbw_utf8_valid(blk, 80, &bad), 0);
            CHECK_EQ(bad, pos);
            free(blk);
            blk = dup_block(s, pos + len - 1);
            test_context("utf8 %s at %zu in ASCII, cut before its last byte", utf8_chars[k],
                         pos);
            CHECK_EQ(pbw_utf8_valid(blk, pos + len - 1, &bad), 0);
            CHECK_EQ(bad, pos);
            free(blk);
        }
    }

    /* 1000 ASCII bytes including NULs: valid; one 0x80 at 999: found. */
    {
        uint8_t *blk = malloc(1000);
        size_t bad = 9999;
        if (blk == NULL)
            exit(2);
        for (i = 0; i < 1000; i++)
            blk[i] = (uint8_t)(i % 128);
        test_context("utf8 1000 ASCII bytes");
        CHECK_EQ(pbw_utf8_valid(blk, 1000, &bad), 1);
        blk[999] = 0x80;
        test_context("utf8 999 ASCII bytes then 80");
        CHECK_EQ(pbw_utf8_valid(blk, 1000, &bad), 0);
        CHECK_EQ(bad, 999);
        free(blk);
    }

    /* Strings of many multibyte characters back to back, then corrupted at
     * each byte: checked against the reference. */
    n = 0;
    for (i = 0; n < 150; i++) {
        size_t len = unhex(utf8_chars[(i * 5 + 3) % ARRAY_LEN(utf8_chars)], s + n, 4);
        n += len;
    }
    utf8_begin();
    utf8_compare_splits(s, n);
    for (pos = 0; pos < n; pos++) {
        uint8_t keep = s[pos];
        for (i = 0; i < ARRAY_LEN(utf8_edges); i++) {
            s[pos] = utf8_edges[i];
            utf8_compare_splits(s, n);
        }
        s[pos] = keep;
    }
    utf8_end("mixed characters, one byte replaced");
}

/* The resumable validator, step by step. */
static void test_utf8_feed_steps(void)
{
    static const uint8_t smiley[4] = {0xf0, 0x9f, 0x98, 0x80};
    pbw_utf8 u = PBW_UTF8_INIT, z;
    size_t i;

    memset(&z, 0, sizeof z);
    test_context("utf8 feed: PBW_UTF8_INIT is the zero state");
    CHECK_EQ(u.state, z.state);
    CHECK_EQ(u.seen, z.seen);
    CHECK_EQ(pbw_utf8_finish(&u), 1); /* the empty string */
    CHECK_EQ(pbw_utf8_feed(&u, smiley, 0), 0);
    CHECK_EQ(pbw_utf8_finish(&u), 1);

    /* One byte at a time: `seen` counts the open character's bytes. */
    for (i = 0; i < 4; i++) {
        test_context("utf8 feed: f0 9f 98 80 byte %zu", i);
        CHECK_EQ(pbw_utf8_feed(&u, smiley + i, 1), 1);
        CHECK_EQ(u.seen, i < 3 ? i + 1 : 0);
        CHECK_EQ(pbw_utf8_finish(&u), i == 3);
    }

    /* An error in a later piece points back into the earlier one. */
    memset(&u, 0, sizeof u);
    test_context("utf8 feed: f0 9f | 78 41");
    CHECK_EQ(pbw_utf8_feed(&u, smiley, 2), 2);
    CHECK_EQ(u.seen, 2);
    CHECK_EQ(pbw_utf8_feed(&u, (const uint8_t *)"xA", 2), 0); /* 'x': not a continuation */
    CHECK_EQ(u.seen, 2);

    /* A stray continuation byte mid-piece: index of that byte, seen 0. */
    memset(&u, 0, sizeof u);
    test_context("utf8 feed: 41 42 80");
    CHECK_EQ(pbw_utf8_feed(&u, (const uint8_t *)"AB\x80", 3), 2);
    CHECK_EQ(u.seen, 0);

    /* Left open at the end. */
    memset(&u, 0, sizeof u);
    test_context("utf8 feed: 41 e2 82 left open");
    CHECK_EQ(pbw_utf8_feed(&u, (const uint8_t *)"A\xe2\x82", 3), 3);
    CHECK_EQ(pbw_utf8_finish(&u), 0);
    CHECK_EQ(u.seen, 2);
}

/* Every corpus string fed whole, 1 byte at a time, in every 2-way split and
 * (short ones) every 3-way split: verdict and lead as one-shot. */
static void check_feed_all_ways(const uint8_t *s, size_t n)
{
    size_t bad = 9999, rbad = 9999, lead, cut[64], i, j;
    int v = pbw_utf8_valid(s, n, &bad);
    int rv = ref_utf8_valid(s, n, &rbad);
    unsigned long wrong = 0;

    test_context("utf8 feed \"%s\"", hexstr(s, n));
    CHECK_EQ(v, rv);
    if (!rv)
        CHECK_EQ(bad, rbad);

    for (i = 0; i + 1 < n && i < 64; i++)
        cut[i] = i + 1;
    lead = 9999;
    if (n <= 64) {
        int fv = feed_pieces(s, n, cut, n ? n - 1 : 0, &lead);
        CHECK_EQ(fv, rv);
        if (!rv)
            CHECK_EQ(lead, rbad);
    }
    for (i = 0; i <= n; i++) {
        int fv = feed_pieces(s, n, &i, 1, &lead);
        wrong += fv != rv || (!rv && lead != rbad);
    }
    if (n <= 12)
        for (i = 0; i <= n; i++)
            for (j = i; j <= n; j++) {
                size_t c2[2];
                int fv;
                c2[0] = i, c2[1] = j;
                fv = feed_pieces(s, n, c2, 2, &lead);
                wrong += fv != rv || (!rv && lead != rbad);
            }
    CHECK_EQ(wrong, 0);
}

static void test_utf8_feed(void)
{
    uint8_t buf[64];
    size_t i, n;

    test_utf8_feed_steps();

    for (i = 0; i < ARRAY_LEN(utf8_cases); i++) {
        n = unhex(utf8_cases[i].hex, buf, sizeof buf);
        check_feed_all_ways(buf, n);
    }
    /* Random strings: edge bytes, and valid characters with an occasional
     * edge byte mixed in (so that valid and invalid verdicts both occur). */
    for (i = 0; i < 1500; i++) {
        size_t want = (size_t)(rng() % 24);
        n = 0;
        while (n < want) {
            uint64_t r = rng();
            if (i % 2 == 0 || r % 10 == 0)
                buf[n++] = utf8_edges[(r >> 8) % ARRAY_LEN(utf8_edges)];
            else
                n += unhex(utf8_chars[(r >> 8) % ARRAY_LEN(utf8_chars)], buf + n, 4);
        }
        check_feed_all_ways(buf, n);
    }
}

void suite_pbwire(void)
{
    test_status();
    test_varints();
    test_tags();
    test_fixed();
    test_bytes();
    test_skip();
    test_writers();
    test_utf8_table();
#ifdef TEST_NO_EXHAUSTIVE /* the MCU images: minutes under emulation */
    (void)test_utf8_exhaustive;
    (void)test_utf8_long;
#else
    test_utf8_exhaustive();
    test_utf8_long();
#endif
    test_utf8_feed();
}
