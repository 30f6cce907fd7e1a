/* test-json-writer.c — core/json-writer.c (the NDJSON byte writer) and
 * tw_format_time (core/event.c), each against a slow reference: the escape
 * loop against the byte-at-a-time json_str that core/event.c used before,
 * integers against printf, times against gmtime_r. */
#include "core/event.h"
#include "core/json-writer.h"
#include "core/tw-limits.h"
#include "output/sink.h"

#include <json-glib/json-glib.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The old json_str (core/event.c before the writer), one byte at a time:
 * the reference every escape is compared with. */
static void ref_json_str(GString *out, const char *s, gsize n)
{
    g_string_append_c(out, '"');
    const char *p = s, *end = s + n;
    while (p < end) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x80) {
            gunichar u = g_utf8_get_char_validated(p, (gssize)(end - p));
            if (u == (gunichar)-1 || u == (gunichar)-2) {
                g_string_append(out, "\\ufffd");
                p++;
            } else {
                const char *nx = g_utf8_next_char(p);
                g_string_append_len(out, p, nx - p);
                p = nx;
            }
            continue;
        }
        switch (ch) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (ch < 0x20)
                g_string_append_printf(out, "\\u%04x", ch);
            else
                g_string_append_c(out, (char)ch);
        }
        p++;
    }
    g_string_append_c(out, '"');
}

/* The writer's text for s, appended after `prefix` in a GString that starts
 * with `room` bytes allocated (small rooms make every write grow it). */
static char *written(const char *prefix, const char *s, gsize n, gsize room)
{
    GString *g = g_string_sized_new(room);
    g_string_append(g, prefix);
    TwJsonWriter w;
    tw_json_writer_begin(&w, g);
    tw_json_strn(&w, s, n);
    tw_json_writer_end(&w);
    g_assert_cmpuint(strlen(g->str), ==, g->len);
    return g_string_free(g, FALSE);
}

/* The same by tw_json_strn_words, from a copy whose bytes past n (to the
 * next multiple of 8) are `pad`: bytes that would need a look must not
 * count, nor show. */
static char *written_words(const char *prefix, const char *s, gsize n, gsize room, char pad)
{
    gsize words = (n + 7) & ~(gsize)7;
    char *copy = g_malloc(words ? words : 1);
    memset(copy, pad, words);
    memcpy(copy, s, n);
    GString *g = g_string_sized_new(room);
    g_string_append(g, prefix);
    TwJsonWriter w;
    tw_json_writer_begin(&w, g);
    tw_json_strn_words(&w, copy, n);
    tw_json_writer_end(&w);
    g_assert_cmpuint(strlen(g->str), ==, g->len);
    g_free(copy);
    return g_string_free(g, FALSE);
}

static void check_str(const char *s, gsize n)
{
    g_autoptr(GString) want = g_string_new("x");
    ref_json_str(want, s, n);
    static const char pads[] = { 0, ' ', '"', (char)0xff };
    for (gsize room = 0; room <= 64; room += 16) {
        g_autofree char *got = written("x", s, n, room);
        for (gsize k = 0; k <= sizeof pads; k++) {
            if (k) {
                g_free(got);
                got = written_words("x", s, n, room, pads[k - 1]);
            }
            if (strcmp(got, want->str) != 0) {
                g_autofree char *esc = g_strescape(got, NULL);
                g_autofree char *wesc = g_strescape(want->str, NULL);
                g_error("escape of %" G_GSIZE_FORMAT " bytes (%s): got %s, want %s", n, k ? "words" : "strn", esc,
                        wesc);
            }
        }
    }
}

static void test_escape_fixed(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "", "\"\"" },
        { "plain", "\"plain\"" },
        { "exactly8", "\"exactly8\"" },
        { "a \"quoted\"\n\x01 text", "\"a \\\"quoted\\\"\\n\\u0001 text\"" },
        { "back\\slash", "\"back\\\\slash\"" },
        { "\t\r\n", "\"\\t\\r\\n\"" },
        { "\x1f\x7f", "\"\\u001f\x7f\"" },   /* DEL is not a JSON control */
        { "\x1b[31m", "\"\\u001b[31m\"" },   /* a terminal escape */
        { "caf\xc3\xa9", "\"caf\xc3\xa9\"" }, /* valid UTF-8 as it is */
        { "\xf0\x9f\x94\x91 key", "\"\xf0\x9f\x94\x91 key\"" },
        { "\xff", "\"\\ufffd\"" },                                    /* never UTF-8 */
        { "ab\xc3", "\"ab\\ufffd\"" },                                /* cut at the end */
        { "\xc0\x80", "\"\\ufffd\\ufffd\"" },                         /* overlong NUL */
        { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },              /* a surrogate */
        { "0123456789abcdef\"", "\"0123456789abcdef\\\"\"" },         /* in the word loop's last word */
        { "0123456789abcde\x01", "\"0123456789abcde\\u0001\"" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = written("", cases[i].in, strlen(cases[i].in), 0);
        g_assert_cmpstr(got, ==, cases[i].out);
        check_str(cases[i].in, strlen(cases[i].in));
    }
    /* every control character, alone and inside a word */
    for (int c = 1; c < 0x20; c++) {
        char one[2] = { (char)c, 0 };
        char longer[] = "abcdefghijklmnop";
        longer[9] = (char)c;
        check_str(one, 1);
        check_str(longer, sizeof longer - 1);
    }
    /* NUL is a control too when a length says it is inside */
    g_autofree char *nul = written("", "a\0b", 3, 0);
    g_assert_cmpstr(nul, ==, "\"a\\u0000b\"");
}

/* A byte that needs a look at every position of strings of every length
 * around the 8-byte word (the word loop, the tail word, both). */
static void test_escape_positions(void)
{
    static const char specials[] = { '"', '\\', '\n', 0x01, 0x1f, (char)0xc3, (char)0xff, (char)0x80 };
    char buf[40];
    for (gsize n = 1; n < sizeof buf; n++) {
        for (gsize at = 0; at < n; at++) {
            for (gsize k = 0; k < sizeof specials; k++) {
                memset(buf, 'a', n);
                buf[at] = specials[k];
                check_str(buf, n);
                if (at + 1 < n && (unsigned char)specials[k] == 0xc3) {
                    buf[at + 1] = (char)0xa9; /* a whole é */
                    check_str(buf, n);
                }
            }
        }
        memset(buf, ' ', n);
        check_str(buf, n); /* 0x20, the first plain byte */
        memset(buf, '~', n);
        check_str(buf, n);
    }
}

/* Random bytes, mostly plain, some controls, quotes and high bytes (valid
 * and invalid UTF-8), against the reference. */
static void test_escape_random(void)
{
    GRand *r = g_rand_new_with_seed(12);
    char buf[200];
    for (int t = 0; t < 20000; t++) {
        gsize n = (gsize)g_rand_int_range(r, 0, sizeof buf);
        for (gsize i = 0; i < n; i++) {
            int k = g_rand_int_range(r, 0, 20);
            buf[i] = k < 14   ? (char)g_rand_int_range(r, 0x20, 0x7f)
                     : k < 16 ? (char)g_rand_int_range(r, 1, 0x20)
                     : k < 17 ? (g_rand_boolean(r) ? '"' : '\\')
                              : (char)g_rand_int_range(r, 0x80, 0x100);
        }
        check_str(buf, n);
    }
    g_rand_free(r);
}

/* A string much longer than the GString's room, full of escapes (each
 * grows the output by up to 5 bytes), after text already there. */
static void test_writer_grows(void)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 5000; i++)
        g_string_append(s, i % 3 ? "\x01\"" : "ok\xff");
    check_str(s->str, s->len);
    g_autoptr(GString) g = g_string_sized_new(1);
    g_string_append(g, "[");
    TwJsonWriter w;
    tw_json_writer_begin(&w, g);
    for (int i = 0; i < 1000; i++) {
        tw_json_lit(&w, "{\"k\":");
        tw_json_i64(&w, -i);
        tw_json_char(&w, '}');
    }
    tw_json_writer_end(&w);
    g_assert_cmpuint(g->len, ==, strlen(g->str));
    g_assert_true(g_str_has_prefix(g->str, "[{\"k\":0}{\"k\":-1}{\"k\":-2}"));
    g_assert_true(g_str_has_suffix(g->str, "{\"k\":-999}"));
    g_string_free(s, TRUE);
}

static char *ints(gint64 v, bool is_unsigned)
{
    GString *g = g_string_new(NULL);
    TwJsonWriter w;
    tw_json_writer_begin(&w, g);
    if (is_unsigned)
        tw_json_u64(&w, (guint64)v);
    else
        tw_json_i64(&w, v);
    tw_json_writer_end(&w);
    return g_string_free(g, FALSE);
}

static void check_int(gint64 v)
{
    g_autofree char *want = g_strdup_printf("%" G_GINT64_FORMAT, v);
    g_autofree char *wantu = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)v);
    g_autofree char *got = ints(v, false);
    g_autofree char *gotu = ints(v, true);
    g_assert_cmpstr(got, ==, want);
    g_assert_cmpstr(gotu, ==, wantu);
}

static void test_integers(void)
{
    g_autofree char *min = ints(G_MININT64, false);
    g_assert_cmpstr(min, ==, "-9223372036854775808");
    g_autofree char *max = ints(G_MAXINT64, false);
    g_assert_cmpstr(max, ==, "9223372036854775807");
    g_autofree char *umax = ints(-1, true);
    g_assert_cmpstr(umax, ==, "18446744073709551615");
    g_autofree char *zero = ints(0, false);
    g_assert_cmpstr(zero, ==, "0");
    check_int(G_MININT64);
    check_int(G_MININT64 + 1);
    check_int(G_MAXINT64);
    for (gint64 v = -1000; v <= 100000; v++) /* the short forms, the 32-bit loop */
        check_int(v);
    for (gint64 d = -3; d <= 3; d++) /* both sides of the 32-bit limit */
        check_int((gint64)G_MAXUINT32 + d);
    for (guint64 v = 0; v < 1000; v++) { /* the _long forms answer for any number too */
        g_autoptr(GString) g = g_string_new(NULL);
        TwJsonWriter w;
        tw_json_writer_begin(&w, g);
        tw_json_u64_long(&w, v);
        tw_json_char(&w, ' ');
        tw_json_i64_long(&w, -(gint64)v);
        tw_json_writer_end(&w);
        g_autofree char *want = g_strdup_printf("%" G_GUINT64_FORMAT " -%" G_GUINT64_FORMAT, v, v);
        if (v == 0)
            g_assert_cmpstr(g->str, ==, "0 0");
        else
            g_assert_cmpstr(g->str, ==, want);
    }
    /* every digit count, on both sides of each power of ten */
    guint64 p = 1;
    for (int d = 0; d < 20; d++) {
        for (gint64 dv = -2; dv <= 2; dv++) {
            check_int((gint64)(p + (guint64)dv));
            check_int(-(gint64)(p + (guint64)dv));
        }
        p *= 10;
    }
    GRand *r = g_rand_new_with_seed(7);
    for (int i = 0; i < 20000; i++) {
        gint64 v = (gint64)((guint64)g_rand_int(r) << 32 | g_rand_int(r));
        check_int(v >> g_rand_int_range(r, 0, 63));
    }
    g_rand_free(r);
}

/* tw_format_time's text from gmtime_r, as core/event.c built it before. */
static void ref_time(gint64 ts_us, char out[64])
{
    gint64 secs = ts_us / 1000000, us = ts_us % 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    g_assert_nonnull(gmtime_r(&t, &tm));
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
}

static void check_time(gint64 ts_us)
{
    char got[32], want[64];
    tw_format_time(ts_us, got);
    ref_time(ts_us, want);
    if (strcmp(got, want) != 0)
        g_error("tw_format_time(%" G_GINT64_FORMAT "): got %s, want %s", ts_us, got, want);
}

static void test_time_fixed(void)
{
    static const struct {
        gint64 us;
        const char *text;
    } cases[] = {
        { 0, "1970-01-01T00:00:00.000000Z" },
        { 999999, "1970-01-01T00:00:00.999999Z" },
        { -1, "1969-12-31T23:59:59.999999Z" },
        { -1000000, "1969-12-31T23:59:59.000000Z" },
        { -999999, "1969-12-31T23:59:59.000001Z" },
        { G_GINT64_CONSTANT(-86400000000), "1969-12-31T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(951782400000000), "2000-02-29T00:00:00.000000Z" },   /* 400-year leap */
        { G_GINT64_CONSTANT(951868800000000), "2000-03-01T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(-2203891200000000), "1900-03-01T00:00:00.000000Z" }, /* 1900: no Feb 29 */
        { G_GINT64_CONSTANT(1709164800000000), "2024-02-29T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(1735689599999999), "2024-12-31T23:59:59.999999Z" },
        { G_GINT64_CONSTANT(4107542400000000), "2100-03-01T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(-62125920000000000), "0001-04-23T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(-62035891200000000), "0004-02-29T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(-62135596800000000), "0001-01-01T00:00:00.000000Z" },
        { G_GINT64_CONSTANT(253402300799999999), "9999-12-31T23:59:59.999999Z" },
        { G_GINT64_CONSTANT(1234567890654321), "2009-02-13T23:31:30.654321Z" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char t[32];
        tw_format_time(cases[i].us, t);
        g_assert_cmpstr(t, ==, cases[i].text);
        check_time(cases[i].us);
    }
    /* the per-second cache: a new second, then the old one again, then
     * the same second with other microseconds */
    char a[32], b[32];
    tw_format_time(G_GINT64_CONSTANT(1700000000000000), a);
    tw_format_time(G_GINT64_CONSTANT(1700000001000000), b);
    g_assert_cmpstr(b, ==, "2023-11-14T22:13:21.000000Z");
    tw_format_time(G_GINT64_CONSTANT(1700000000123456), b);
    g_assert_cmpstr(b, ==, "2023-11-14T22:13:20.123456Z");
    tw_format_time(-1, b);
    tw_format_time(0, b);
    g_assert_cmpstr(b, ==, "1970-01-01T00:00:00.000000Z");
}

/* Every day of years 1-9999 at a second that walks the day, and random
 * microsecond times, against gmtime_r. */
static void test_time_sweep(void)
{
    const gint64 first = G_GINT64_CONSTANT(-62135596800), last = G_GINT64_CONSTANT(253402300799);
    gint64 k = 0;
    for (gint64 day = first; day <= last; day += 86400, k++)
        check_time((day + (k * 7919) % 86400) * 1000000 + (k % 3 == 0 ? 0 : k % 3 == 1 ? 999999 : k % 1000000));
    GRand *r = g_rand_new_with_seed(3);
    for (int i = 0; i < 200000; i++) {
        gint64 s = first + (gint64)(g_rand_double(r) * (double)(last - first));
        check_time(s * 1000000 + g_rand_int_range(r, 0, 1000000));
    }
    g_rand_free(r);
}

/* tw_event_to_json writes field keys from a per-thread cache: the same
 * keys in event after event (and a key too long to cache, and one that
 * needs escaping) come out as the first event wrote them.  One key per
 * event first (no other key can take its slot, so the second event reads
 * the cache), then all in one. */
static char *event_text(TwEvent *ev)
{
    /* the room after the text is filled: a byte the writer claims but did
     * not write shows as 'Z' */
    GString *s = g_string_new(NULL);
    g_string_set_size(s, 1024);
    memset(s->str, 'Z', s->len);
    g_string_truncate(s, 0);
    tw_event_to_json(ev, s);
    return g_string_free(s, FALSE);
}

static void test_event_keys(void)
{
    static const struct {
        const char *key, *json;
    } keys[] = {
        { "k", "\"k\":1" },
        { "msg_type", "\"msg_type\":1" },
        { "a_key_just_as_long_as_the_cache_keeps_44_bxy", "\"a_key_just_as_long_as_the_cache_keeps_44_bxy\":1" },
        { "a_key_longer_than_the_cache_keeps_for_one_slot_x", "\"a_key_longer_than_the_cache_keeps_for_one_slot_x\":1" },
        { "q\"uote\n", "\"q\\\"uote\\n\":1" },
    };
    const char *head = "{\"schema\":2,\"frame\":0,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"kerberos\"";
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *want = g_strconcat(head, ",", keys[i].json, "}", NULL);
        for (int round = 0; round < 3; round++) {
            g_autoptr(TwEvent) ev = tw_event_new(NULL, "kerberos");
            tw_event_set_int(ev, keys[i].key, 1);
            g_autofree char *got = event_text(ev);
            g_assert_cmpstr(got, ==, want);
        }
    }
    g_autoptr(GString) want = g_string_new(head);
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
        g_string_append_printf(want, ",%s", keys[i].json);
    g_string_append_c(want, '}');
    for (int round = 0; round < 3; round++) {
        g_autoptr(TwEvent) ev = tw_event_new(NULL, "kerberos");
        for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
            tw_event_set_int(ev, keys[i].key, 1);
        g_autofree char *got = event_text(ev);
        g_assert_cmpstr(got, ==, want->str);
    }
}

/* String fields as tw_event_to_json writes them, set every way (str,
 * strn, take_str, hex, time) at every length around the 8-byte word, with
 * a byte that needs a look at every place: what the reference escape says
 * (the event's copy in whole words must never show its padding). */
static void check_event_str(const char *s, gsize n)
{
    g_autoptr(GString) val = g_string_new(NULL);
    g_autofree char *valid = g_utf8_make_valid(s, (gssize)n);
    ref_json_str(val, valid, strlen(valid));
    const char *head = "{\"schema\":2,\"frame\":0,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"x\"";
    g_autofree char *want = g_strdup_printf("%s,\"a\":%s,\"b\":%s,\"c\":%s,\"d\":1}", head, val->str, val->str, val->str);
    g_autofree char *z = g_strndup(s, n);
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    tw_event_set_str(ev, "a", z);
    tw_event_set_strn(ev, "b", s, n);
    tw_event_take_str(ev, "c", g_strndup(s, n));
    tw_event_set_int(ev, "d", 1);
    g_autofree char *got = event_text(ev);
    if (strcmp(got, want) != 0) {
        g_autofree char *esc = g_strescape(got, NULL);
        g_autofree char *wesc = g_strescape(want, NULL);
        g_error("event string of %" G_GSIZE_FORMAT " bytes: got %s, want %s", n, esc, wesc);
    }
}

static void test_event_strings(void)
{
    static const char specials[] = { '"', '\\', '\n', 0x01, 0x1f, (char)0xc3, (char)0xff, (char)0x80, ' ' };
    char buf[40];
    for (gsize n = 0; n < sizeof buf; n++) {
        memset(buf, 'a', n);
        check_event_str(buf, n);
        for (gsize at = 0; at < n; at++) {
            for (gsize k = 0; k < sizeof specials; k++) {
                memset(buf, 'a', n);
                buf[at] = specials[k];
                check_event_str(buf, n);
                if (at + 1 < n && (unsigned char)specials[k] == 0xc3) {
                    buf[at + 1] = (char)0xa9; /* a whole é */
                    check_event_str(buf, n);
                }
            }
        }
    }
    /* many strings in one event: its storage, its chunks, a string too long
     * for them; hex and time texts beside them */
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    g_autoptr(GString) want = g_string_new("{\"schema\":2,\"frame\":0,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"x\"");
    for (int i = 0; i < 120; i++) {
        gsize n = (gsize)(i * 29 % 300) + (i == 60 ? 70000 : 0);
        GString *v = g_string_new(NULL);
        for (gsize j = 0; j < n; j++)
            g_string_append_c(v, (j + (gsize)i) % 53 == 0 ? '"' : (char)('a' + (j + (gsize)i) % 26));
        char key[16];
        g_snprintf(key, sizeof key, "s%d", i);
        tw_event_set_str(ev, key, v->str);
        g_string_append_printf(want, ",\"%s\":", key);
        ref_json_str(want, v->str, v->len);
        g_string_free(v, TRUE);
    }
    const guint8 bytes[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
    tw_event_set_hex(ev, "h", bytes, sizeof bytes);
    tw_event_set_hex32(ev, "h32", 0x1234abcd);
    tw_event_set_time(ev, "t", G_GINT64_CONSTANT(1700000000123456));
    g_string_append(want, ",\"h\":\"deadbeef01\",\"h32\":\"0x1234abcd\",\"t\":\"2023-11-14T22:13:20.123456Z\"}");
    g_autofree char *got = event_text(ev);
    g_assert_cmpstr(got, ==, want->str);
}

/* More keys than the key cache has slots, in events of many keys and one
 * key, in several orders: every key written is its own (a hit in either
 * slot of a pair, and what a miss puts there). */
static void test_event_many_keys(void)
{
    enum { N = 3 * TW_JSON_KEY_CACHE_SLOTS };
    const char *keys[N];
    for (int i = 0; i < N; i++) {
        char k[32];
        g_snprintf(k, sizeof k, "%s%d", i % 5 ? "key_" : "a_somewhat_longer_key_", i);
        keys[i] = g_intern_string(k);
    }
    const char *head = "{\"schema\":2,\"frame\":0,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"x\"";
    for (int round = 0; round < 4; round++) {
        g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
        g_autoptr(GString) want = g_string_new(head);
        for (int j = 0; j < N; j++) {
            int i = round == 1 ? N - 1 - j : round == 2 ? (j * 7) % N : j;
            tw_event_set_int(ev, keys[i], i);
            g_string_append_printf(want, ",\"%s\":%d", keys[i], i);
        }
        g_string_append_c(want, '}');
        g_autofree char *got = event_text(ev);
        g_assert_cmpstr(got, ==, want->str);
        for (int j = 0; j < N; j += 13) { /* one key alone, after all the others */
            int i = (j * 11 + round) % N;
            g_autoptr(TwEvent) one = tw_event_new(NULL, "x");
            tw_event_set_int(one, keys[i], 1);
            g_autofree char *w1 = g_strdup_printf("%s,\"%s\":1}", head, keys[i]);
            g_autofree char *g1 = event_text(one);
            g_assert_cmpstr(g1, ==, w1);
        }
    }
}

/* The header of events of many protocols and carriers (interned, their
 * text cached by address) and addresses of every length, one after the
 * other: each line says its own. */
static void test_event_header(void)
{
    static const char *const addrs[] = {
        "1.2.3.4", "10.0.0.1", "192.168.100.200", "fe80::1", "2001:db8::abcd:ef01:2345",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254", /* 45 characters: past the words */
        "1234:5678:9abc:def0:1234:5678:9abc:def0",       /* 39 */
        "1234:5678:9abc:def0:1234:5678:9abc:def0:1",     /* 41 (not an address: never mind) */
        "a\"b", /* what --from-events may bring: escaped */
    };
    for (int i = 0; i < 200; i++) {
        char proto[16], transport[16];
        g_snprintf(proto, sizeof proto, "proto%d", i % 37);
        g_snprintf(transport, sizeof transport, i % 3 ? "tcp%d" : "udp%d", i % 23);
        const char *src = addrs[i % G_N_ELEMENTS(addrs)], *dst = addrs[(i / 3) % G_N_ELEMENTS(addrs)];
        TwPacketInfo pi = { .frame = (guint64)i * 997, .sport = (guint16)(i * 331), .dport = (guint16)i };
        g_strlcpy(pi.src, src, sizeof pi.src);
        g_strlcpy(pi.dst, dst, sizeof pi.dst);
        g_autoptr(TwEvent) ev = tw_event_new(&pi, proto);
        ev->transport = tw_event_intern(transport);
        g_autoptr(GString) want = g_string_new(NULL);
        g_string_append_printf(want, "{\"schema\":2,\"frame\":%d,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"%s\",\"src\":",
                               i * 997, proto);
        ref_json_str(want, src, strlen(src));
        g_string_append_printf(want, ",\"sport\":%u,\"dst\":", (guint16)(i * 331));
        ref_json_str(want, dst, strlen(dst));
        g_string_append_printf(want, ",\"dport\":%d,\"transport\":\"%s\"}", i, transport);
        g_autofree char *got = event_text(ev);
        g_assert_cmpstr(got, ==, want->str);
    }
}

/* MAC addresses with every byte value at every place. */
static void test_event_macs(void)
{
    for (int i = 0; i < 256; i++) {
        g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
        ev->has_mac = true;
        for (int k = 0; k < 6; k++) {
            ev->src_mac[k] = (guint8)(i + 37 * k);
            ev->dst_mac[k] = (guint8)(255 - i - 11 * k);
        }
        const guint8 *a = ev->src_mac, *b = ev->dst_mac;
        g_autofree char *want = g_strdup_printf(
            "{\"schema\":2,\"frame\":0,\"ts\":\"1970-01-01T00:00:00.000000Z\",\"proto\":\"x\","
            "\"src_mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"dst_mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"}",
            a[0], a[1], a[2], a[3], a[4], a[5], b[0], b[1], b[2], b[3], b[4], b[5]);
        g_autofree char *got = event_text(ev);
        g_assert_cmpstr(got, ==, want);
    }
}

/* What JsonGenerator writes for the string s (as a member name and as a
 * value): the reference of tw_json_strn_glib. */
static char *glib_text(const char *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, s);
    json_builder_add_string_value(b, s);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static void check_glib(const char *s)
{
    g_autofree char *want = glib_text(s);
    GString *g = g_string_new("{");
    TwJsonWriter w;
    tw_json_writer_begin(&w, g);
    tw_json_str_glib(&w, s);
    tw_json_char(&w, ':');
    tw_json_str_glib(&w, s);
    tw_json_char(&w, '}');
    tw_json_writer_end(&w);
    g_autofree char *got = g_string_free(g, FALSE);
    if (strcmp(got, want) != 0) {
        g_autofree char *e1 = g_strescape(got, NULL), *e2 = g_strescape(want, NULL);
        g_error("glib escape: got %s, want %s", e1, e2);
    }
}

/* json-glib's own escaping (0x1f as it is, DEL as \u007f, \b \f, bytes
 * >= 0x80 as they are), byte by byte, at every position, and at random. */
static void test_escape_glib(void)
{
    char buf[40];
    for (int c = 1; c < 256; c++) {
        for (gsize n = 1; n < 20; n++) {
            memset(buf, 'a', n);
            buf[n] = 0;
            buf[(gsize)c % n] = (char)c;
            check_glib(buf);
        }
    }
    check_glib("");
    GRand *r = g_rand_new_with_seed(5);
    for (int t = 0; t < 5000; t++) {
        gsize n = (gsize)g_rand_int_range(r, 0, sizeof buf - 1);
        for (gsize i = 0; i < n; i++)
            buf[i] = (char)g_rand_int_range(r, 1, 256);
        buf[n] = 0;
        check_glib(buf);
    }
    g_rand_free(r);
}

/* A -T ecs document is what JsonGenerator writes: parsed and generated
 * again it is the same bytes (its escaping, its member order, no member
 * twice), for events with awkward strings, lists, MACs, a machine account;
 * and an event with a field named like a trustwire.* member written before
 * the fields (the builder's merge) too. */
static void check_ecs_canonical(const TwEvent *ev)
{
    g_autoptr(GString) doc = g_string_new(NULL);
    tw_ecs_event_json(ev, NULL, doc);
    g_assert_true(g_str_has_suffix(doc->str, "}\n"));
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(json_parser_load_from_data(p, doc->str, (gssize)doc->len - 1, &err));
    g_assert_no_error(err);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, json_parser_get_root(p));
    g_autofree char *again = json_generator_to_data(gen, NULL);
    g_string_truncate(doc, doc->len - 1);
    g_assert_cmpstr(doc->str, ==, again);
}

static void test_ecs_document(void)
{
    TwPacketInfo pi = { .frame = 42, .ts_us = G_GINT64_CONSTANT(-1), .transport = "tcp",
                        .src = "10.0.0.1", .dst = "fe80::1", .sport = 50000, .dport = 88, .has_mac = true,
                        .src_mac = { 0, 0x1b, 0xaa, 0xff, 0x10, 0x09 }, .dst_mac = { 0xde, 0xad, 0xbe, 0xef, 0, 1 } };
    static const char *const texts[] = { "plain", "q\"b\\s", "\x01\x1f\x7f\b\f\n\r\t", "caf\xc3\xa9", "" };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
        tw_event_set_int(ev, "msg_type", 30);
        tw_event_set_int(ev, "error_code", 6);
        tw_event_set_str(ev, "error_name", texts[i]);
        tw_event_set_str(ev, "cname", "WS1$");
        tw_event_set_str(ev, "crealm", texts[i]);
        tw_event_set_str(ev, texts[i][0] ? texts[i] : "empty_key", texts[i]);
        tw_event_append_int(ev, "etypes", G_MININT64);
        tw_event_append_int(ev, "etypes", 18);
        GPtrArray *l = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(l, g_strdup(texts[i]));
        g_ptr_array_add(l, g_strdup("x"));
        tw_event_take_strlist(ev, "addresses", l);
        tw_event_set_bool(ev, "pac_request", i % 2);
        check_ecs_canonical(ev);
        if (i == 0) {
            g_autoptr(GString) doc = g_string_new(NULL);
            tw_ecs_event_json(ev, NULL, doc);
            g_assert_nonnull(strstr(doc->str, "\"source\":{\"ip\":\"10.0.0.1\",\"port\":50000,\"mac\":\"00-1B-AA-FF-10-09\"}"));
            g_assert_nonnull(strstr(doc->str, "\"destination\":{\"ip\":\"fe80::1\",\"port\":88,\"mac\":\"DE-AD-BE-EF-00-01\"}"));
            g_assert_true(g_str_has_prefix(doc->str, "{\"@timestamp\":\"1969-12-31T23:59:59.999999Z\",\"ecs\":{\"version\":"));
            g_assert_nonnull(strstr(doc->str, "\"iana_number\":\"6\""));
        }
    }
    g_autoptr(TwEvent) other = tw_event_new(NULL, "http");
    tw_event_set_str(other, "http_method", "GET");
    tw_event_set_int(other, "http_status", 401);
    tw_event_set_str(other, "http_uri", "/a?b=\"c\"");
    check_ecs_canonical(other);
    /* a cut name is no identity (docs/events.md): not user.name, not related */
    g_autoptr(TwEvent) cut = tw_event_new(&pi, "kerberos");
    tw_event_set_int(cut, "msg_type", 10);
    tw_event_set_str(cut, "cname", "WS1$");
    tw_event_mark_truncated(cut, "cname");
    tw_event_set_str(cut, "realm", "EXAMPLE.COM");
    check_ecs_canonical(cut);
    g_autoptr(GString) cdoc = g_string_new(NULL);
    tw_ecs_event_json(cut, NULL, cdoc);
    g_assert_null(strstr(cdoc->str, "\"user\":{"));
    g_assert_null(strstr(cdoc->str, "\"user\":[\"WS1$\"]"));
    g_assert_null(strstr(cdoc->str, "\"host\":{"));
    tw_event_remove(cut, "cname_truncated");
    g_string_truncate(cdoc, 0);
    tw_ecs_event_json(cut, NULL, cdoc);
    g_assert_nonnull(strstr(cdoc->str, "\"user\":{\"name\":\"WS1$\",\"domain\":\"EXAMPLE.COM\"}"));
    g_autoptr(TwEvent) merged = tw_event_new(&pi, "kerberos");
    tw_event_set_str(merged, "frame", "not the frame number");
    tw_event_set_str(merged, "transport", "smb2");
    check_ecs_canonical(merged);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-writer/escape-fixed", test_escape_fixed);
    g_test_add_func("/json-writer/escape-positions", test_escape_positions);
    g_test_add_func("/json-writer/escape-random", test_escape_random);
    g_test_add_func("/json-writer/grows", test_writer_grows);
    g_test_add_func("/json-writer/integers", test_integers);
    g_test_add_func("/json-writer/event-keys", test_event_keys);
    g_test_add_func("/json-writer/event-strings", test_event_strings);
    g_test_add_func("/json-writer/event-many-keys", test_event_many_keys);
    g_test_add_func("/json-writer/event-header", test_event_header);
    g_test_add_func("/json-writer/event-macs", test_event_macs);
    g_test_add_func("/json-writer/escape-glib", test_escape_glib);
    g_test_add_func("/json-writer/ecs-document", test_ecs_document);
    g_test_add_func("/json-writer/time-fixed", test_time_fixed);
    g_test_add_func("/json-writer/time-sweep", test_time_sweep);
    return g_test_run();
}
