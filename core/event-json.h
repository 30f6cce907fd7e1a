/* event-json.h — reading NDJSON events back (`--from-events`): the caps the
 * reader applies to one line, the nesting pre-scan, and a line reader that
 * never holds more than one capped line in memory.
 * tw_event_from_json() itself is declared in event.h.
 */
#pragma once

#include "core/tw-limits.h"

#include "event.h"

#include <stdio.h>

/* Caps (TW_JSON_MAX_*): core/tw-limits.h, section "saved events". */

/* Errors of tw_event_from_json() that are not json-glib's own parse errors. */
#define TW_EVENT_JSON_ERROR (tw_event_json_error_quark())
GQuark tw_event_json_error_quark(void);
typedef enum {
    TW_EVENT_JSON_ERROR_TOO_DEEP,  /* nested deeper than TW_JSON_MAX_DEPTH */
    TW_EVENT_JSON_ERROR_NOT_EVENT, /* valid JSON, but not an object with "proto" */
    TW_EVENT_JSON_ERROR_SCHEMA,    /* a "schema" this build does not read */
} TwEventJsonError;

/* Deepest nesting of arrays and objects in `s` ([ and { outside strings,
 * honouring backslash escapes), stopping as soon as it exceeds `limit`
 * (then returns limit + 1). */
guint tw_json_depth(const char *s, gsize len, guint limit);

/* Reads lines from a FILE with a buffer that grows to at most `max_line`
 * bytes: the rest of a longer line is read and thrown away, never stored,
 * and counted in `overlong`. */
typedef struct {
    FILE *f;
    char *buf;
    gsize cap;
    gsize max_line;
    guint64 lines;    /* lines read so far, over-long and empty ones included */
    guint64 overlong; /* lines longer than max_line, discarded */
    int read_errno;   /* errno of a read error (then next() returned -1) */
} TwLineReader;

/* `f` (transfer none) stays the caller's to close. */
void tw_line_reader_init(TwLineReader *r, FILE *f, gsize max_line);
/* The next line that fits, without its "\n" or "\r\n", NUL-terminated,
 * valid until the next call: *line is (transfer none), owned by r.
 * 1: a line; 0: end of input; -1: read error. */
int tw_line_reader_next(TwLineReader *r, const char **line, gsize *len);
/* Frees the line buffer (not the FILE, which belongs to the caller);
 * safe to call twice. */
void tw_line_reader_clear(TwLineReader *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwLineReader, tw_line_reader_clear)
