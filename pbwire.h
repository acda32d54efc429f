/* SPDX-License-Identifier: MIT */
/*
 * pbwire.h - protobuf wire primitives: bounded readers, writers, UTF-8.
 *
 * The lower layer of the Web PubSub codec, usable on its own for any
 * protobuf message.  Everything here is a pure function over buffers the
 * caller owns: no allocation, no global state, no I/O.  Only <stdint.h>,
 * <stddef.h> and <string.h> are used.
 *
 * Reading model
 *   Every reader takes a cursor `const uint8_t **p` and an `end` pointer one
 *   past the last readable byte.  A reader never reads at or beyond `end`.
 *   On success it advances `*p` past what it read and returns PBW_OK.  On
 *   failure it returns an error status and leaves `*p` exactly where it was,
 *   so the error is located at `*p` (the first byte of the element that
 *   could not be read) unless the function says otherwise.
 *
 * Semantics are libprotobuf's (C++, 3.x):
 *   - a varint has at most 10 bytes; padded (non-minimal) forms are valid;
 *     bits beyond 64 in a 10th byte are dropped;
 *   - a tag and a length prefix have at most 5 bytes; a tag keeps the low 32
 *     bits of its varint; a length is never reduced modulo 2^32;
 *   - a length prefix above PBW_LEN_MAX (2^31 - 17) is an error
 *     (PBW_E_TOO_BIG), checked before anything else about the value: it is
 *     libprotobuf's ReadSize limit (INT_MAX minus its 16 slop bytes);
 *   - field number 0 and wire types 6 and 7 are errors;
 *   - a group must end with the end-group tag of its own field number, and
 *     groups nest at most PBW_MAX_DEPTH levels.
 *
 * Writing model
 *   Writers are unchecked: the caller guarantees room, using the size
 *   functions (pbw_varint_size and friends) or PBW_VARINT_MAX.  Each writer
 *   returns the pointer just past what it wrote.
 */
#ifndef PBWIRE_H
#define PBWIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Compile-time option.
 *
 * PBW_MAX_DEPTH: how deeply sub-messages and groups may nest below the root
 *   message.  Default 100, libprotobuf's default recursion limit, which is
 *   what conformance needs.  Lowering it (down to 4, the deepest nesting of
 *   the Web PubSub schema's own messages) shrinks wps_stream (29 bits per
 *   level) and bounds the extra passes over deeply nested unknown groups
 *   (pbw_skip_field), at the price of rejecting inputs with deeply nested
 *   unknown groups that libprotobuf accepts: a stated deviation.  The stack
 *   does not depend on it.
 */
#ifndef PBW_MAX_DEPTH
#define PBW_MAX_DEPTH 100
#endif
#if PBW_MAX_DEPTH < 4 || PBW_MAX_DEPTH > 100
#error "PBW_MAX_DEPTH must be between 4 and 100"
#endif

/*
 * PBW_FREESTANDING: define it (to 1) for a toolchain with no libc headers at
 *   all (WebAssembly without a sysroot, some RTOS toolchains).  The library
 *   then includes only the compiler's own <stddef.h> and <stdint.h> and
 *   declares the four functions it calls, memcpy, memmove, memset and
 *   memcmp, itself; the platform still provides their definitions (for
 *   wasm32, clang's -mbulk-memory lowers them to single instructions when
 *   given a few lines of its own; see bindings/js).
 */
#if defined(PBW_FREESTANDING) && PBW_FREESTANDING
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

/* Longest varint on the wire, and longest tag or length prefix. */
#define PBW_VARINT_MAX 10
#define PBW_TAG_MAX 5

/*
 * libprotobuf's size limits, which both directions keep: a length prefix
 * larger than PBW_LEN_MAX (INT_MAX minus the 16 slop bytes its parser
 * reserves) is rejected by its ReadSize, and a whole message is at most
 * INT_MAX bytes (ParseFromArray takes an int; its streams stop at INT_MAX).
 * The encoders write no message larger than PBW_LEN_MAX, so every length
 * inside is within the limit too.
 */
#define PBW_LEN_MAX 0x7FFFFFEFu
#define PBW_MSG_MAX 0x7FFFFFFFu

/* Wire types. 6 and 7 do not exist and are rejected. */
enum pbw_wire_type {
    PBW_WT_VARINT = 0,
    PBW_WT_FIXED64 = 1,
    PBW_WT_LEN = 2,
    PBW_WT_START_GROUP = 3,
    PBW_WT_END_GROUP = 4,
    PBW_WT_FIXED32 = 5
};

/*
 * Status codes, shared by both layers.  The numbers are pinned: they never
 * change and new codes are only appended.  PBW_NEED_MORE is not an error: it
 * is the streaming decoder's "feed me more bytes".
 *
 * Where a status carries a byte offset, the offset is that of:
 *   PBW_E_TRUNCATED   the first byte of the tag, varint or fixed-width value
 *                     that the message (or enclosing sub-message) ends inside;
 *   PBW_E_VARINT      the first byte of the over-long varint, tag or length;
 *   PBW_E_FIELD_ZERO, PBW_E_WIRE_TYPE, PBW_E_END_GROUP, PBW_E_DEPTH
 *                     the first byte of the offending tag;
 *   PBW_E_LENGTH      the first byte of the length prefix;
 *   PBW_E_OPEN_GROUP  the first byte of the outermost unclosed group's tag;
 *   PBW_E_UTF8        the first byte of the invalid UTF-8 sequence;
 *   PBW_E_JSON        the byte where the JSON text stops being JSON
 *                     (wps_service.h's validator);
 *   PBW_E_TOO_BIG     the first byte of the length prefix that is too
 *                     large; for a whole message longer than PBW_MSG_MAX,
 *                     PBW_MSG_MAX (the first byte past the limit);
 *   PBW_E_JSON_TYPE, PBW_E_RANGE, PBW_E_BASE64
 *                     the first byte of the offending JSON value;
 *   PBW_E_JSON_MISSING the closing brace of the object that lacks it;
 *   PBW_E_JSON_DUPLICATE the first byte of the repeated key (wps_service.h
 *                     says where for group state keys).
 * PBW_E_NO_RENDERING carries no offset unless a JSON request names a type
 * the protobuf subprotocol has no message for (the type's value).
 */
#define PBW_STATUS_LIST(X)                                                       \
    X(PBW_OK, 0, "ok")                                                           \
    X(PBW_NEED_MORE, 1, "input ended inside the message; more bytes are needed") \
    X(PBW_E_TRUNCATED, 2, "message ends inside a tag, varint or fixed-width value") \
    X(PBW_E_VARINT, 3, "varint longer than 10 bytes, or tag or length longer than 5") \
    X(PBW_E_FIELD_ZERO, 4, "field number 0")                                     \
    X(PBW_E_WIRE_TYPE, 5, "wire type 6 or 7")                                    \
    X(PBW_E_LENGTH, 6, "length runs past the end of the enclosing message")      \
    X(PBW_E_END_GROUP, 7, "end-group tag that closes no open group")             \
    X(PBW_E_OPEN_GROUP, 8, "group not closed before the end of its message")     \
    X(PBW_E_DEPTH, 9, "messages and groups nested deeper than PBW_MAX_DEPTH")    \
    X(PBW_E_UTF8, 10, "string field is not valid UTF-8")                         \
    X(PBW_E_NOSPACE, 11, "output buffer too small")                              \
    X(PBW_E_ARG, 12, "invalid argument")                                         \
    X(PBW_E_JSON, 13, "payload is not valid JSON (RFC 8259)")                   \
    X(PBW_E_TOO_BIG, 14, "length or size over the limit (2^31 - 17 for a protobuf length, as libprotobuf)") \
    X(PBW_E_NO_RENDERING, 15, "the message has no form in the requested protocol") \
    X(PBW_E_JSON_TYPE, 16, "JSON member has the wrong type or an unsupported value") \
    X(PBW_E_JSON_MISSING, 17, "required JSON member missing")                    \
    X(PBW_E_JSON_DUPLICATE, 18, "JSON object has the same member twice")          \
    X(PBW_E_RANGE, 19, "number out of range, or not an integer")                  \
    X(PBW_E_BASE64, 20, "string is not canonical padded base64 (RFC 4648)")

typedef enum pbw_status {
#define PBW__ENUM(name, value, text) name = value,
    PBW_STATUS_LIST(PBW__ENUM)
#undef PBW__ENUM
    PBW_STATUS_COUNT
} pbw_status;

/* The enumerator's name as a string ("PBW_E_UTF8"), or "PBW_UNKNOWN" for a
 * value outside the enum.  The string is static; never NULL. */
const char *pbw_status_name(pbw_status s);

/* A one-line English description of the status.  Static; never NULL. */
const char *pbw_strerror(pbw_status s);

/*
 * A byte view: `len` bytes at `ptr`.  A view never owns its bytes; whoever
 * filled it says how long they stay valid.  An empty view may have a NULL
 * `ptr`.
 */
typedef struct pbw_bytes {
    const uint8_t *ptr;
    size_t len;
} pbw_bytes;

/*
 * Views of caller memory, for building messages.  Header-only (static
 * inline): a program that does not call them carries no code for them.
 * pbw_str: the NUL-terminated string s without its NUL ({NULL, 0} for a
 * NULL s); the view lives as long as s.  pbw_mem: n bytes at p.
 */
static inline pbw_bytes pbw_str(const char *s)
{
    pbw_bytes b;
    size_t n = 0;
    if (s)
        while (s[n])
            n++;
    b.ptr = (const uint8_t *)s;
    b.len = n;
    return b;
}

static inline pbw_bytes pbw_mem(const void *p, size_t n)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)p;
    b.len = n;
    return b;
}

/* ------------------------------------------------------------------------
 * Readers.  All of them: `*p <= end` on entry; never read `end` or beyond;
 * `*p` unchanged on failure.
 * ------------------------------------------------------------------------ */

/* A varint of up to 10 bytes into *v.  Errors: PBW_E_TRUNCATED (end comes
 * first), PBW_E_VARINT (the 10th byte has its continuation bit set). */
pbw_status pbw_read_varint64(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* The same varint rules, keeping the low 32 bits (a uint32 field). */
pbw_status pbw_read_varint32(const uint8_t **p, const uint8_t *end, uint32_t *v);

/*
 * A tag: a varint of at most 5 bytes, kept as its low 32 bits.  On success
 * *tag holds field number << 3 | wire type, with field number >= 1 and wire
 * type 0..5.  End-group tags (wire type 4) are returned like any other; what
 * they close is the caller's business.
 * Errors: PBW_E_TRUNCATED, PBW_E_VARINT (5th byte continues),
 * PBW_E_FIELD_ZERO, PBW_E_WIRE_TYPE.
 */
pbw_status pbw_read_tag(const uint8_t **p, const uint8_t *end, uint32_t *tag);

/*
 * A length-delimited value: a length prefix of at most 5 bytes, then that
 * many bytes.  *out views the bytes in place (no copy; valid as long as the
 * input is).  Errors: PBW_E_TRUNCATED (end inside the prefix), PBW_E_VARINT
 * (prefix longer than 5 bytes), PBW_E_TOO_BIG (a length above PBW_LEN_MAX,
 * whatever follows), PBW_E_LENGTH (the bytes run past `end`).
 */
pbw_status pbw_read_bytes(const uint8_t **p, const uint8_t *end, pbw_bytes *out);

/* Little-endian fixed-width values.  Error: PBW_E_TRUNCATED. */
pbw_status pbw_read_fixed32(const uint8_t **p, const uint8_t *end, uint32_t *v);
pbw_status pbw_read_fixed64(const uint8_t **p, const uint8_t *end, uint64_t *v);

/*
 * Skips one whole field starting at its tag: the tag and its value, and for
 * a start-group tag everything up to and including the matching end-group
 * tag.  `depth` is how many group levels may still be opened: the caller
 * passes PBW_MAX_DEPTH minus its own nesting level (0 for the root message).
 * Nothing inside skipped fields is interpreted beyond the wire format (no
 * UTF-8 checks), exactly as libprotobuf treats unknown fields.
 *
 * On failure *p is unchanged and *err_at (which must not be NULL) points at
 * the element that failed, as described with the status codes; the field's
 * own tag for PBW_E_END_GROUP (a stray end-group tag), PBW_E_DEPTH and
 * PBW_E_OPEN_GROUP.  Never recurses; a fixed frame of under 100 bytes
 * (field numbers of 8 open groups).  Groups nested deeper than 8 levels
 * cost one more pass over the field per 8 levels: linear time, at most
 * PBW_MAX_DEPTH / 8 + 1 passes.
 */
pbw_status pbw_skip_field(const uint8_t **p, const uint8_t *end, unsigned depth,
                          const uint8_t **err_at);

/* ------------------------------------------------------------------------
 * Writers.  Unchecked: `dst` must have room (see the size functions).
 * Each returns dst advanced past the bytes written.
 * ------------------------------------------------------------------------ */

/* Bytes a varint of v takes: 1..10.  Pure. */
size_t pbw_varint_size(uint64_t v);

/* Bytes of a tag for `field` (any wire type): 1..5. */
size_t pbw_tag_size(uint32_t field);

/* Bytes of a whole length-delimited field: tag, length prefix, len bytes. */
size_t pbw_len_field_size(uint32_t field, size_t len);

/* Minimal varint; needs pbw_varint_size(v) bytes. */
uint8_t *pbw_write_varint(uint8_t *dst, uint64_t v);

/* A tag; field must be 1 .. 2^29-1 and wire_type 0..5. */
uint8_t *pbw_write_tag(uint8_t *dst, uint32_t field, unsigned wire_type);

/* A length-delimited field: tag, length, then `len` bytes copied from src
 * (src may be NULL when len is 0).  Needs pbw_len_field_size(field, len). */
uint8_t *pbw_write_bytes(uint8_t *dst, uint32_t field, const uint8_t *src, size_t len);

/* ------------------------------------------------------------------------
 * UTF-8, exactly as strict as libprotobuf: well-formed UTF-8 per RFC 3629.
 * Rejects overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF), stray
 * continuation bytes and sequences cut short.  Accepts NUL, noncharacters
 * and U+10FFFF.
 * ------------------------------------------------------------------------ */

/*
 * Resumable validator state.  Zero it (or use PBW_UTF8_INIT) before the first
 * byte of a string; feed the string in any number of pieces; call
 * pbw_utf8_finish() after the last piece.
 */
typedef struct pbw_utf8 {
    uint8_t state; /* what the next byte must be (0: start of a character) */
    uint8_t seen;  /* bytes of the current unfinished character fed so far */
} pbw_utf8;

#define PBW_UTF8_INIT {0, 0}

/*
 * Validates the next n bytes of a string.  Returns n when every byte fits
 * (a character may stay open across the end of the piece).  Otherwise
 * returns the index in s of the first byte that cannot be accepted; the
 * invalid character began u->seen bytes before that byte (possibly in an
 * earlier piece).  After a failure the state is unspecified: start over.
 */
size_t pbw_utf8_feed(pbw_utf8 *u, const uint8_t *s, size_t n);

/* After the last piece: 1 when no character is left open, else 0 (the open
 * character began u->seen bytes before the end of the string). */
int pbw_utf8_finish(const pbw_utf8 *u);

/* One-shot: 1 if s[0..n) is valid UTF-8.  Otherwise 0, and *bad (if not
 * NULL) is the index of the first byte of the first invalid sequence.
 * s may be NULL when n is 0 (as in pbw_utf8_feed). */
int pbw_utf8_valid(const uint8_t *s, size_t n, size_t *bad);

#ifdef __cplusplus
}
#endif

#endif /* PBWIRE_H */
