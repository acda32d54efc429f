/* SPDX-License-Identifier: MIT */
/* pbwire.c - protobuf wire primitives.  See pbwire.h for the contract. */
#include "pbwire.h"

#if !(defined(PBW_FREESTANDING) && PBW_FREESTANDING)
#include <string.h>
#endif

static const char *const status_names[] = {
#define PBW__NAME(name, value, text) #name,
    PBW_STATUS_LIST(PBW__NAME)
#undef PBW__NAME
};

static const char *const status_texts[] = {
#define PBW__TEXT(name, value, text) text,
    PBW_STATUS_LIST(PBW__TEXT)
#undef PBW__TEXT
};

const char *pbw_status_name(pbw_status s)
{
    return (unsigned)s < PBW_STATUS_COUNT ? status_names[s] : "PBW_UNKNOWN";
}

const char *pbw_strerror(pbw_status s)
{
    return (unsigned)s < PBW_STATUS_COUNT ? status_texts[s] : "unknown status";
}

/* ---- readers ---------------------------------------------------------- */

/* Reads up to `max` varint bytes, keeping 64 bits.  `max` is 10 for values
 * and 5 for tags and lengths: a byte with the continuation bit at position
 * max-1 is PBW_E_VARINT, running into `end` first is PBW_E_TRUNCATED. */
static pbw_status read_varint_n(const uint8_t **pp, const uint8_t *end, unsigned max,
                                uint64_t *out)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(end - p);
    size_t lim = avail < max ? avail : max;
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < lim; i++) {
        uint64_t b = p[i];
        v |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = v;
            *pp = p + i + 1;
            return PBW_OK;
        }
    }
    return lim == max ? PBW_E_VARINT : PBW_E_TRUNCATED;
}

pbw_status pbw_read_varint64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (*p < end && **p < 0x80) {
        *v = **p;
        (*p)++;
        return PBW_OK;
    }
    return read_varint_n(p, end, PBW_VARINT_MAX, v);
}

pbw_status pbw_read_varint32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint64_t v64;
    pbw_status st = pbw_read_varint64(p, end, &v64);
    if (st == PBW_OK)
        *v = (uint32_t)v64;
    return st;
}

pbw_status pbw_read_tag(const uint8_t **p, const uint8_t *end, uint32_t *tag)
{
    const uint8_t *q = *p;
    uint64_t v;
    uint32_t t;
    pbw_status st = read_varint_n(&q, end, PBW_TAG_MAX, &v);
    if (st != PBW_OK)
        return st;
    t = (uint32_t)v; /* a 5th byte's bits above 32 are dropped */
    if (t < 8)
        return PBW_E_FIELD_ZERO;
    if ((t & 7) > 5)
        return PBW_E_WIRE_TYPE;
    *tag = t;
    *p = q;
    return PBW_OK;
}

pbw_status pbw_read_bytes(const uint8_t **p, const uint8_t *end, pbw_bytes *out)
{
    const uint8_t *q = *p;
    uint64_t len;
    pbw_status st = read_varint_n(&q, end, PBW_TAG_MAX, &len);
    if (st != PBW_OK)
        return st;
    if (len > PBW_LEN_MAX) /* libprotobuf's ReadSize fails before any bound */
        return PBW_E_TOO_BIG;
    /* Compare against what is left, never form q + len: no wrap on 32-bit. */
    if (len > (uint64_t)(end - q))
        return PBW_E_LENGTH;
    out->ptr = q;
    out->len = (size_t)len;
    *p = q + len;
    return PBW_OK;
}

static uint32_t load_le32(const uint8_t *q)
{
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

pbw_status pbw_read_fixed32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    if (end - *p < 4)
        return PBW_E_TRUNCATED;
    *v = load_le32(*p);
    *p += 4;
    return PBW_OK;
}

pbw_status pbw_read_fixed64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (end - *p < 8)
        return PBW_E_TRUNCATED;
    *v = (uint64_t)load_le32(*p + 4) << 32 | load_le32(*p);
    *p += 8;
    return PBW_OK;
}

/*
 * Groups must end with the end-group tag of their own field number, so the
 * numbers of the open groups must be known when they close.  Keeping all of
 * them would take 4 * PBW_MAX_DEPTH bytes of stack; instead a pass keeps
 * SKIP_WINDOW levels, and a group nested deeper than that (which no
 * real sender produces) costs one more pass over the field per
 * SKIP_WINDOW levels, checking only those: at most
 * PBW_MAX_DEPTH / SKIP_WINDOW + 1 passes (13), linear time, a fixed frame.
 *
 * The first pass reads and validates everything and stops at the first
 * error; the others only compare end-group tags before that error (the
 * bytes there are valid), and a mismatch they find comes first in wire
 * order.
 */
#define SKIP_WINDOW 8u

pbw_status pbw_skip_field(const uint8_t **pp, const uint8_t *end, unsigned depth,
                          const uint8_t **err_at)
{
    /* Field numbers of the open groups at levels base .. base + 7 (0 is
     * the field itself when it is a group). */
    uint32_t open[SKIP_WINDOW];
    unsigned base = 0, deepest = 0;
    /* Where the first error is (the tag of its field), or the field's end:
     * later passes stop there. */
    const uint8_t *limit = end, *after = end, *fail_at = end;
    pbw_status result = PBW_OK;

    if (depth > PBW_MAX_DEPTH)
        depth = PBW_MAX_DEPTH;
    for (;;) {
        const uint8_t *p = *pp;
        unsigned nopen = 0;
        do {
            const uint8_t *at = p, *tag_at = p;
            uint32_t tag;
            uint64_t ignored;
            pbw_bytes b;
            pbw_status st;

            if (base > 0 && p >= limit)
                break;
            if (p == end && nopen > 0) {
                /* The outermost open group is the field itself, tag at *pp. */
                st = PBW_E_OPEN_GROUP;
                at = *pp;
                tag_at = end;
                goto fail;
            }
            st = pbw_read_tag(&p, end, &tag);
            if (st != PBW_OK)
                goto fail;
            switch (tag & 7) {
            case PBW_WT_VARINT:
                st = pbw_read_varint64(&p, end, &ignored);
                break;
            case PBW_WT_FIXED64:
                st = end - p < 8 ? PBW_E_TRUNCATED : PBW_OK;
                p += st == PBW_OK ? 8 : 0;
                break;
            case PBW_WT_LEN:
                st = pbw_read_bytes(&p, end, &b);
                break;
            case PBW_WT_START_GROUP:
                if (nopen >= depth) {
                    st = PBW_E_DEPTH;
                    goto fail;
                }
                /* below the window, nopen - base wraps around: not kept */
                if (nopen - base < SKIP_WINDOW)
                    open[nopen - base] = tag >> 3;
                if (++nopen > deepest)
                    deepest = nopen;
                continue;
            case PBW_WT_END_GROUP:
                if (nopen == 0 ||
                    (nopen - 1 - base < SKIP_WINDOW && open[nopen - 1 - base] != tag >> 3)) {
                    st = PBW_E_END_GROUP;
                    goto fail;
                }
                nopen--;
                continue;
            default: /* PBW_WT_FIXED32 */
                st = end - p < 4 ? PBW_E_TRUNCATED : PBW_OK;
                p += st == PBW_OK ? 4 : 0;
                break;
            }
            if (st == PBW_OK)
                continue;
            at = p; /* a value failed; readers leave p at its first byte */
        fail:
            result = st;
            fail_at = at;
            limit = tag_at;
            break;
        } while (nopen > 0);
        if (base == 0 && result == PBW_OK)
            limit = after = p;
        base += SKIP_WINDOW;
        if (deepest <= base)
            break;
    }
    if (result != PBW_OK) {
        *err_at = fail_at;
        return result;
    }
    *pp = after;
    return PBW_OK;
}

/* ---- writers ---------------------------------------------------------- */

size_t pbw_varint_size(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    /* bits * 9 / 64 rounds the 7-bit groups up without a loop. */
    unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1);
    return (size_t)((bits * 9u + 64u) / 64u);
#else
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
#endif
}

size_t pbw_tag_size(uint32_t field)
{
    return pbw_varint_size((uint64_t)field << 3);
}

size_t pbw_len_field_size(uint32_t field, size_t len)
{
    return pbw_tag_size(field) + pbw_varint_size(len) + len;
}

uint8_t *pbw_write_varint(uint8_t *dst, uint64_t v)
{
    while (v >= 0x80) {
        *dst++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *dst++ = (uint8_t)v;
    return dst;
}

uint8_t *pbw_write_tag(uint8_t *dst, uint32_t field, unsigned wire_type)
{
    return pbw_write_varint(dst, (uint64_t)field << 3 | wire_type);
}

uint8_t *pbw_write_bytes(uint8_t *dst, uint32_t field, const uint8_t *src, size_t len)
{
    dst = pbw_write_tag(dst, field, PBW_WT_LEN);
    dst = pbw_write_varint(dst, len);
    if (len)
        memcpy(dst, src, len);
    return dst + len;
}

/* ---- UTF-8 ------------------------------------------------------------ */

/*
 * States after a lead byte: the range the next byte must fall in, and the
 * state that follows it.  State 0 is "between characters".
 */
enum { U_ANY3 = 1, U_ANY2, U_ANY1, U_E0, U_ED, U_F0, U_F4 };
static const uint8_t utf8_lo[8] = {0, 0x80, 0x80, 0x80, 0xA0, 0x80, 0x90, 0x80};
static const uint8_t utf8_hi[8] = {0, 0xBF, 0xBF, 0xBF, 0xBF, 0x9F, 0xBF, 0x8F};
static const uint8_t utf8_next[8] = {0, U_ANY2, U_ANY1, 0, U_ANY1, U_ANY1, U_ANY2, U_ANY2};

/* State entered by a non-ASCII lead byte, or 0xFF when b cannot lead. */
static unsigned utf8_lead(unsigned b)
{
    if (b < 0xC2)
        return 0xFF; /* continuation byte, or overlong C0/C1 */
    if (b < 0xE0)
        return U_ANY1;
    if (b < 0xF0)
        return b == 0xE0 ? U_E0 : b == 0xED ? U_ED : U_ANY2;
    if (b < 0xF5)
        return b == 0xF0 ? U_F0 : b == 0xF4 ? U_F4 : U_ANY3;
    return 0xFF;
}

#define ASCII_MASK 0x8080808080808080ull

static uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint32_t load32(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/*
 * Length of the ASCII prefix of s[0..n).  Words of 8 bytes, 32 bytes per
 * round; the end is checked with one more word that overlaps what is known
 * to be ASCII, so no string ends in a byte loop unless it has non-ASCII.
 * The high bit of each byte is tested in place, so byte order is irrelevant.
 */
static size_t ascii_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;
    if (n >= 8) {
        while (n - i >= 32) {
            if ((load64(s + i) | load64(s + i + 8) | load64(s + i + 16) | load64(s + i + 24)) &
                ASCII_MASK)
                break;
            i += 32;
        }
        while (n - i >= 8) {
            if (load64(s + i) & ASCII_MASK)
                goto scan;
            i += 8;
        }
        if (!(load64(s + n - 8) & ASCII_MASK))
            return n;
    } else if (n >= 4) {
        if (!((load32(s) | load32(s + n - 4)) & 0x80808080u))
            return n;
    }
scan:
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

size_t pbw_utf8_feed(pbw_utf8 *u, const uint8_t *s, size_t n)
{
    unsigned state = u->state, seen = u->seen;
    size_t i = 0;

    while (i < n) {
        unsigned b;
        if (state == 0) {
            i += ascii_prefix(s + i, n - i);
            if (i == n)
                break;
            state = utf8_lead(s[i]);
            if (state == 0xFF) {
                u->state = 0;
                u->seen = 0;
                return i;
            }
            seen = 1;
            i++;
            continue;
        }
        b = s[i];
        if (b < utf8_lo[state] || b > utf8_hi[state]) {
            u->state = (uint8_t)state;
            u->seen = (uint8_t)seen;
            return i;
        }
        state = utf8_next[state];
        seen = state ? seen + 1 : 0;
        i++;
    }
    u->state = (uint8_t)state;
    u->seen = (uint8_t)seen;
    return n;
}

int pbw_utf8_finish(const pbw_utf8 *u)
{
    return u->state == 0;
}

int pbw_utf8_valid(const uint8_t *s, size_t n, size_t *bad)
{
    /* The one-shot check takes each multi-byte character whole and goes
     * back to the ASCII scan; the resumable machine of pbw_utf8_feed gives
     * the same verdicts (the tests compare them exhaustively). */
    size_t i = 0;
    if (n == 0) /* s may be NULL: no arithmetic on it */
        return 1;
    for (;;) {
        unsigned state, need, k;
        i += ascii_prefix(s + i, n - i);
        if (i == n)
            return 1;
        state = utf8_lead(s[i]);
        if (state == 0xFF)
            break;
        need = state == U_ANY1 ? 1 : state == U_ANY3 || state == U_F0 || state == U_F4 ? 3 : 2;
        if (n - i <= need || s[i + 1] < utf8_lo[state] || s[i + 1] > utf8_hi[state])
            break;
        for (k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                goto fail;
        i += need + 1;
    }
fail:
    if (bad)
        *bad = i; /* the first byte of the character that is not valid */
    return 0;
}
