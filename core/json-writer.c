/* json-writer.c — the JSON byte writer (json-writer.h). */
#include "json-writer.h"

void tw_json_writer_begin(TwJsonWriter *w, GString *g)
{
    w->g = g;
    w->p = g->str + g->len;
    w->end = g->str + g->allocated_len - 1;
}

void tw_json_writer_grow(TwJsonWriter *w, gsize n)
{
    gsize used = (gsize)(w->p - w->g->str);
    /* g_string_set_size grows the allocation (doubling) and keeps the bytes
     * written so far; the truncate only moves len back (no shrinking). */
    g_string_set_size(w->g, used + n);
    g_string_truncate(w->g, used);
    w->p = w->g->str + used;
    w->end = w->g->str + w->g->allocated_len - 1;
}

const char tw_json_digit_pairs[200] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

const char tw_hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *tw_json_format_u64(guint64 v, char *end)
{
    char *p = end;
    while (v > G_MAXUINT32) {
        guint r = (guint)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, tw_json_digit_pairs + 2 * r, 2);
    }
    guint32 u = (guint32)v; /* the rest in 32 bits: a cheaper division */
    while (u >= 100) {
        guint32 r = u % 100;
        u /= 100;
        p -= 2;
        memcpy(p, tw_json_digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, tw_json_digit_pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    return p;
}

/* Digits of v: 1-20. */
static inline guint digits_u64(guint64 v)
{
    guint n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

void tw_json_u64_long(TwJsonWriter *w, guint64 v)
{
    tw_json_reserve(w, 20);
    if (v >= 100 && v < 100000) { /* 3 to 5 digits (ports, frame numbers), without a count */
        guint32 u = (guint32)v;
        char *o = w->p;
        if (u < 1000) {
            o[0] = (char)('0' + u / 100);
            memcpy(o + 1, tw_json_digit_pairs + 2 * (u % 100), 2);
            w->p += 3;
        } else if (u < 10000) {
            memcpy(o, tw_json_digit_pairs + 2 * (u / 100), 2);
            memcpy(o + 2, tw_json_digit_pairs + 2 * (u % 100), 2);
            w->p += 4;
        } else {
            o[0] = (char)('0' + u / 10000);
            memcpy(o + 1, tw_json_digit_pairs + 2 * (u / 100 % 100), 2);
            memcpy(o + 3, tw_json_digit_pairs + 2 * (u % 100), 2);
            w->p += 5;
        }
        return;
    }
    guint n = digits_u64(v);
    tw_json_format_u64(v, w->p + n);
    w->p += n;
}

void tw_json_i64_long(TwJsonWriter *w, gint64 v)
{
    tw_json_reserve(w, 21);
    guint64 u = (guint64)v;
    if (v < 0) {
        *w->p++ = '-';
        u = -(guint64)v; /* also right for G_MININT64 */
    }
    guint n = digits_u64(u);
    tw_json_format_u64(u, w->p + n);
    w->p += n;
}

#define ONES G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

static inline guint64 needs_look(guint64 x)
{
    return tw_json_needs_look(x);
}

/* The last r (1-7) bytes of the string, p to e, as one word (the first in
 * the low byte), the bytes beyond the string zero: from the 8 bytes ending
 * at e shifted down when the string is that long, else one byte at a time.
 * Never reads outside [s, e). */
static inline guint64 tail_word(const char *s, const char *p, const char *e, gsize r)
{
    guint64 x = 0;
    if ((gsize)(e - s) >= 8) {
        memcpy(&x, e - 8, 8);
        return GUINT64_FROM_LE(x) >> (8 * (8 - r));
    }
    for (gsize i = r; i-- > 0;)
        x = x << 8 | (guint8)p[i];
    return x;
}

/* json-glib's escaping (json-generator.c json_strescape, as json-glib 1.6
 * writes): '"' and '\\' escaped, \b \f \n \r \t by their short escape,
 * U+0001-U+001E and U+007F as \u00XX, and every other byte as it is (U+001F
 * too, and bytes >= 0x80 valid or not).  Looked at with needs_look plus
 * DEL; a flagged byte that needs nothing is copied. */
static inline guint64 needs_look_glib(guint64 x)
{
    guint64 del = x ^ (0x7f * ONES);
    del = (del - ONES) & ~del;
    return needs_look(x) | (del & HIGHS);
}

/* The one escape loop, for both dialects: NDJSON's (glib false: invalid
 * UTF-8 becomes \ufffd, every control below 0x20 but \n \r \t as \u00XX)
 * and json-glib's (glib true, see needs_look_glib).  Inlined with a
 * constant glib, so each public function is its own loop. */
static inline __attribute__((always_inline)) void strn_escaped(TwJsonWriter *w, const char *s, gsize n, bool glib)
{
    static const char hexd[] = "0123456789abcdef";
    /* Invariant: the room after o holds the rest of the input, the closing
     * quote and 8 bytes of slack (whole words are stored, and only the bytes
     * meant are counted); an escape that writes more than it reads reserves
     * again first. */
    tw_json_reserve(w, n + 2 + 8);
    char *o = w->p;
    *o++ = '"';
    const char *p = s, *e = s + n;
    for (;;) {
        while (e - p >= 8) {
            guint64 x;
            memcpy(&x, p, 8);
            memcpy(o, p, 8);
            guint64 le = GUINT64_FROM_LE(x);
            guint64 m = glib ? needs_look_glib(le) : needs_look(le);
            if (m) {
                gsize k = (gsize)__builtin_ctzll(m) >> 3;
                o += k;
                p += k;
                goto look;
            }
            o += 8;
            p += 8;
        }
        gsize r = (gsize)(e - p);
        if (r == 0)
            break;
        guint64 x = tail_word(s, p, e, r);
        guint64 le = GUINT64_TO_LE(x);
        memcpy(o, &le, 8); /* the bytes past r are slack, overwritten later */
        guint64 m = (glib ? needs_look_glib(x) : needs_look(x)) & ((G_GUINT64_CONSTANT(1) << (8 * r)) - 1);
        if (!m) {
            o += r;
            break;
        }
        gsize k = (gsize)__builtin_ctzll(m) >> 3;
        o += k;
        p += k;
    look:;
        unsigned char ch = (unsigned char)*p;
        if (glib && (ch >= 0x80 || ch == 0x1f || ch == 0)) {
            *o++ = (char)ch; /* as it is (NUL only when a length says so) */
            p++;
            continue;
        }
        if (!glib && ch >= 0x80) {
            gunichar u = g_utf8_get_char_validated(p, (gssize)(e - p));
            if (u == (gunichar)-1 || u == (gunichar)-2) {
                w->p = o;
                tw_json_reserve(w, 6 + (gsize)(e - p) + 1 + 8);
                o = w->p;
                memcpy(o, "\\ufffd", 6);
                o += 6;
                p++;
            } else {
                gsize len = (gsize)g_utf8_skip[ch]; /* as many bytes out as in */
                memcpy(o, p, len);
                o += len;
                p += len;
            }
            continue;
        }
        w->p = o;
        tw_json_reserve(w, 6 + (gsize)(e - p) + 1 + 8);
        o = w->p;
        *o++ = '\\';
        char short_escape = ch == '"'               ? '"'
                            : ch == '\\'           ? '\\'
                            : ch == '\n'            ? 'n'
                            : ch == '\r'            ? 'r'
                            : ch == '\t'            ? 't'
                            : glib && ch == '\b'    ? 'b'
                            : glib && ch == '\f'    ? 'f'
                                                    : 0;
        if (short_escape) {
            *o++ = short_escape;
        } else { /* the other controls (and json-glib's DEL) */
            memcpy(o, "u00", 3);
            o[3] = hexd[ch >> 4];
            o[4] = hexd[ch & 15];
            o += 5;
        }
        p++;
    }
    *o++ = '"';
    w->p = o;
}

void tw_json_strn(TwJsonWriter *w, const char *s, gsize n)
{
    strn_escaped(w, s, n, false);
}

void tw_json_strn_glib(TwJsonWriter *w, const char *s, gsize n)
{
    strn_escaped(w, s, n, true);
}
