/* SPDX-License-Identifier: MIT */
/*
 * wps_json.h - renders decoded Web PubSub messages as canonical JSON.
 *
 * Part of the tools, not of the library: it allocates (realloc) and is only
 * meant for wpsdump and the tests.
 *
 * The output is the proto3 JSON mapping of webpubsub.proto, made
 * deterministic so that two implementations can be compared line by line:
 *   - one line, separators ", " and ": ";
 *   - fields in field-number order, named in lowerCamelCase;
 *   - uint64/int64 as decimal strings, uint32 as numbers, bools as
 *     true/false, bytes as standard padded base64;
 *   - strings escaped as `"`, `\`, \b \f \n \r \t and \u00XX (lowercase hex)
 *     for the other control characters; everything else verbatim;
 *   - fields without presence omitted when zero/empty; fields with presence,
 *     sub-messages and oneof members printed whenever present (an empty
 *     message is {});
 *   - maps as objects with keys sorted bytewise, the last entry of a
 *     repeated key winning; repeated fields as arrays, omitted when empty;
 *   - google.protobuf.Any as a plain message {"typeUrl": ..., "value": ...}.
 */
#ifndef WPS_JSON_H
#define WPS_JSON_H

#include <stddef.h>

#include "../wps_messages.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wps_json_buf {
    char *ptr;
    size_t len, cap;
} wps_json_buf;

/* Appends n bytes (the buffer stays NUL-terminated).  Aborts on
 * out-of-memory, as everything here does. */
void wps_json_put(wps_json_buf *b, const void *s, size_t n);

/* Append s[0..n) as a JSON string: escaped (the bytes are taken as UTF-8
 * already), or as padded base64. */
void wps_json_string(wps_json_buf *b, const uint8_t *s, size_t n);
void wps_json_base64(wps_json_buf *b, const uint8_t *s, size_t n);

/* Appends the JSON of one message (no newline). */
void wps_json_upstream(wps_json_buf *b, const wps_upstream *m);
void wps_json_downstream(wps_json_buf *b, const wps_downstream *m);

/* The JSON of a wps_downstream (down) or wps_upstream (!down) as a string
 * the caller frees. */
char *wps_json_of(int down, const void *msg);

/* Appends {"error": "<status name>", "offset": N}. */
void wps_json_error(wps_json_buf *b, const char *name, size_t offset);

void wps_json_free(wps_json_buf *b);

#ifdef __cplusplus
}
#endif

#endif
