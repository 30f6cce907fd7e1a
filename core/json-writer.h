/* json-writer.h — a JSON byte writer over a GString's spare room.
 *
 * The NDJSON form of an event (tw_event_to_json) is written a few hundred
 * times per megabyte of capture: g_string_append_* checks and grows per
 * call, printf parses a format per integer.  TwJsonWriter keeps a cursor
 * into the GString's allocation instead: each write reserves what it needs
 * (one compare on the fast path; the GString grows, doubling, on the slow
 * one), copies, and tw_json_writer_end() sets the GString's length once.
 * Between begin and end the GString must not be used by anyone else.
 *
 * Strings are escaped as RFC 8259 section 7 says, as core/event.c always
 * wrote them: '"' '\\' \n \r \t by their short escape, the other controls
 * (U+0000-U+001F) as \u00XX (lower-case hex), bytes >= 0x80 as they are when
 * they start a valid UTF-8 sequence (g_utf8_get_char_validated) and as
 * \ufffd, one per byte, when they do not, so the output always parses. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    GString *g;
    char *p;   /* next byte to write, inside g->str's allocation */
    char *end; /* g->str + g->allocated_len - 1: the NUL always fits */
} TwJsonWriter;

/* Starts appending at the end of `g` (transfer none: g must outlive w). */
void tw_json_writer_begin(TwJsonWriter *w, GString *g);
/* The slow path of tw_json_reserve: grows g so n more bytes fit. */
void tw_json_writer_grow(TwJsonWriter *w, gsize n);

/* Sets g->len to what was written and NUL-terminates it: what
 * g_string_set_size does for a length inside the allocation (w->p never
 * passes w->end, the last byte of it), without the call. */
static inline void tw_json_writer_end(TwJsonWriter *w)
{
    w->g->len = (gsize)(w->p - w->g->str);
    *w->p = 0;
}

/* Room for n more bytes at w->p. */
static inline void tw_json_reserve(TwJsonWriter *w, gsize n)
{
    if (G_UNLIKELY((gsize)(w->end - w->p) < n))
        tw_json_writer_grow(w, n);
}

/* n bytes as they are (no escaping: JSON text the caller made). */
static inline void tw_json_raw(TwJsonWriter *w, const char *s, gsize n)
{
    tw_json_reserve(w, n);
    memcpy(w->p, s, n);
    w->p += n;
}

/* A string literal as it is: tw_json_lit(w, ",\"frame\":"). */
#define tw_json_lit(w, lit) tw_json_raw((w), "" lit, sizeof(lit) - 1)

static inline void tw_json_char(TwJsonWriter *w, char c)
{
    tw_json_reserve(w, 1);
    *w->p++ = c;
}

/* "00" "01" … "99": the two digits of each number below 100. */
extern const char tw_json_digit_pairs[200];

/* "00" .. "ff": the two lower-case hex digits of byte v at tw_hex_pairs + 2 * v
 * (MAC addresses and hex fields of events, UUID texts, SMB2 session ids). */
extern const char tw_hex_pairs[513];

/* Decimal integers, no printf: 0, 18446744073709551615, -9223372036854775808.
 * Numbers below 100 (most message types, encryption types, versions) are
 * written here; the others by the _long forms. */
void tw_json_u64_long(TwJsonWriter *w, guint64 v);
void tw_json_i64_long(TwJsonWriter *w, gint64 v);

static inline void tw_json_u64(TwJsonWriter *w, guint64 v)
{
    if (v >= 100) {
        tw_json_u64_long(w, v);
        return;
    }
    tw_json_reserve(w, 2);
    if (v < 10) {
        *w->p++ = (char)('0' + v);
    } else {
        memcpy(w->p, tw_json_digit_pairs + 2 * v, 2);
        w->p += 2;
    }
}

static inline void tw_json_i64(TwJsonWriter *w, gint64 v)
{
    if (v >= 0)
        tw_json_u64(w, (guint64)v);
    else
        tw_json_i64_long(w, v);
}

/* `s` (n bytes, no NUL needed) as a quoted, escaped JSON string. */
void tw_json_strn(TwJsonWriter *w, const char *s, gsize n);

/* Eight bytes at once (SWAR), x read little-endian (the first byte in the
 * low byte): the high bit of each byte of the result is set where the byte
 * needs a look when written as a JSON string (a control < 0x20, '"', '\\',
 * or >= 0x80).  A borrow can flag a byte above a flagged one, never one
 * below it, so the lowest flagged byte is always a real one, and 0 means
 * none of the eight needs one. */
static inline guint64 tw_json_needs_look(guint64 x)
{
    const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
    guint64 ctl = (x - 0x20 * ones) & ~x;
    guint64 q = x ^ (0x22 * ones);
    q = (q - ones) & ~q;
    guint64 bs = x ^ (0x5c * ones);
    bs = (bs - ones) & ~bs;
    return (ctl | q | bs | x) & G_GUINT64_CONSTANT(0x8080808080808080);
}

#if defined(__SSE2__)
/* tw_json_needs_look for 16 bytes at once: bit i of the result is set when
 * byte i of v needs a look (the same bytes: a signed compare below 0x20
 * takes the controls and every byte >= 0x80). */
static inline unsigned tw_json_look16(__m128i v)
{
    __m128i ctl_high = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i bs = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl_high, _mm_or_si128(q, bs)));
}
#endif

/* tw_json_strn for a string whose n bytes rounded up to a multiple of 8
 * are readable at s (what lies past the n bytes is copied too, and not
 * counted): copied 16 bytes (SSE2) or a word at a time when no byte needs
 * a look, else written by tw_json_strn from the start.  Neither way reads
 * a byte at or past s + ((n + 7) & ~7). */
static inline __attribute__((always_inline)) void tw_json_strn_words(TwJsonWriter *w, const char *s, gsize n)
{
#if defined(__SSE2__)
    tw_json_reserve(w, n + 2 + 16);
    char *o = w->p + 1;
    unsigned look = 0;
    gsize i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(o + i), v);
        look |= tw_json_look16(v);
    }
    if (i < n) { /* 1-15 bytes left: 8 readable (up to 8 left) or 16 */
        __m128i v = n - i <= 8 ? _mm_loadl_epi64((const __m128i *)(const void *)(s + i))
                               : _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(o + i), v); /* within the n + 2 + 16 reserved */
        look |= tw_json_look16(v) & ((1u << (n - i)) - 1); /* the bytes past n are not looked at */
    }
#else
    tw_json_reserve(w, n + 2 + 8);
    char *o = w->p + 1;
    guint64 look = 0, x;
    gsize whole = n & ~(gsize)7, r = n & 7;
    for (gsize i = 0; i < whole; i += 8) {
        memcpy(&x, s + i, 8);
        memcpy(o + i, &x, 8);
        look |= tw_json_needs_look(GUINT64_FROM_LE(x));
    }
    if (r) { /* the bytes past n are not looked at (flags only go up) */
        memcpy(&x, s + whole, 8);
        memcpy(o + whole, &x, 8);
        look |= tw_json_needs_look(GUINT64_FROM_LE(x)) & ((G_GUINT64_CONSTANT(1) << (8 * r)) - 1);
    }
#endif
    if (G_UNLIKELY(look)) {
        tw_json_strn(w, s, n);
        return;
    }
    o[-1] = '"';
    o[n] = '"';
    w->p = o + n + 1;
}

static inline void tw_json_str(TwJsonWriter *w, const char *s)
{
    tw_json_strn(w, s, strlen(s));
}

/* Decimal digits of v without sign, right-aligned ending at `end`; returns
 * the first digit (at most 20 are written before `end`). */
char *tw_json_format_u64(guint64 v, char *end);

/* The same, escaped as json-glib's generator escapes (json-writer.c): for
 * documents that must stay byte-identical to what JsonGenerator wrote. */
void tw_json_strn_glib(TwJsonWriter *w, const char *s, gsize n);
static inline void tw_json_str_glib(TwJsonWriter *w, const char *s)
{
    tw_json_strn_glib(w, s, strlen(s));
}
