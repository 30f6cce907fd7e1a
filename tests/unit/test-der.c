/* test-der.c — the DER reader: identifiers (low and high tag numbers), short
 * and long lengths, indefinite length rejected, depth cap, INTEGER range,
 * strings, BIT STRING, GeneralizedTime; every vector replayed cut at every
 * length must give TRUNCATED (never a crash, never OK with wrong data). */
#include "dissectors/der/der.h"

static void test_short_form(void)
{
    /* [APPLICATION 10] { SEQUENCE { [1] INTEGER 5 } } */
    const guint8 b[] = { 0x6a, 0x07, 0x30, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x05 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv app, seq, ctx, in;
    g_assert_true(tw_der_read(&c, &app, 0));
    g_assert_cmpuint(app.cls, ==, TW_DER_APPLICATION);
    g_assert_true(app.constructed);
    g_assert_cmpuint(app.tag, ==, 10);
    g_assert_cmpuint(app.len, ==, 7);
    g_assert_cmpuint(app.hdr_len, ==, 2);
    g_assert_true(tw_cursor_at_end(&c));
    g_assert_cmpint(c.status, ==, TW_OK);
    g_assert_true(tw_der_read(&app.content, &seq, 1));
    g_assert_cmpuint(seq.tag, ==, TW_DER_TAG_SEQUENCE);
    g_assert_true(tw_der_next_is(&seq.content, TW_DER_CONTEXT, 1));
    g_assert_false(tw_der_next_is(&seq.content, TW_DER_CONTEXT, 0));
    /* expect() on a mismatch neither consumes nor latches */
    g_assert_false(tw_der_expect(&seq.content, TW_DER_CONTEXT, 0, &ctx, 2));
    g_assert_cmpint(seq.content.status, ==, TW_OK);
    g_assert_cmpuint(seq.content.off, ==, 0);
    gint64 v = -1;
    g_assert_true(tw_der_ctx_integer(&seq.content, 1, &v, 2));
    g_assert_cmpint(v, ==, 5);
    g_assert_true(tw_cursor_at_end(&seq.content));
    (void)in;
}

static void test_long_form_lengths(void)
{
    /* OCTET STRING with 0x81 0x80 (128) and 0x82 0x01 0x00 (256) lengths */
    guint8 b[4 + 256];
    b[0] = 0x04;
    b[1] = 0x82;
    b[2] = 0x01;
    b[3] = 0x00;
    memset(b + 4, 0x41, 256);
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_cmpuint(t.len, ==, 256);
    g_assert_cmpuint(t.hdr_len, ==, 4);
    gsize n;
    g_assert_nonnull(tw_der_octets(&t, &n));
    g_assert_cmpuint(n, ==, 256);

    guint8 b2[3 + 128];
    b2[0] = 0x04;
    b2[1] = 0x81;
    b2[2] = 0x80;
    memset(b2 + 3, 0, 128);
    c = tw_cursor_init(b2, sizeof b2);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_cmpuint(t.len, ==, 128);

    /* 4 length octets is the cap and works; 5 is rejected as MALFORMED */
    const guint8 b4[] = { 0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0x7f };
    c = tw_cursor_init(b4, sizeof b4);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_cmpuint(t.len, ==, 1);
    const guint8 b5[] = { 0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f };
    c = tw_cursor_init(b5, sizeof b5);
    g_assert_false(tw_der_read(&c, &t, 0));
    g_assert_cmpint(c.status, ==, TW_MALFORMED);

    /* A length larger than the enclosing buffer is a lie: MALFORMED */
    const guint8 lie[] = { 0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00 };
    c = tw_cursor_init(lie, sizeof lie);
    g_assert_false(tw_der_read(&c, &t, 0));
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
}

static void test_indefinite_rejected(void)
{
    const guint8 b[] = { 0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    g_assert_false(tw_der_read(&c, &t, 0));
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
}

static void test_high_tag_number(void)
{
    /* [CONTEXT 200] primitive: 0x9f 0x81 0x48, length 1 */
    const guint8 b[] = { 0x9f, 0x81, 0x48, 0x01, 0xaa };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_cmpuint(t.cls, ==, TW_DER_CONTEXT);
    g_assert_cmpuint(t.tag, ==, 200);
    g_assert_cmpuint(t.hdr_len, ==, 4);
    /* a tag number beyond the cap → LIMIT; a leading 0x80 → MALFORMED */
    const guint8 big[] = { 0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00 };
    c = tw_cursor_init(big, sizeof big);
    g_assert_false(tw_der_read(&c, &t, 0));
    g_assert_cmpint(c.status, ==, TW_LIMIT);
    const guint8 pad[] = { 0x1f, 0x80, 0x01, 0x00 };
    c = tw_cursor_init(pad, sizeof pad);
    g_assert_false(tw_der_read(&c, &t, 0));
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
}

static void test_depth_cap(void)
{
    /* 40 nested SEQUENCEs: reading down hits TW_LIMIT at depth > TW_DER_MAX_DEPTH */
    enum { N = 40 };
    guint8 b[2 * N];
    for (int i = 0; i < N; i++) {
        b[2 * i] = 0x30;
        b[2 * i + 1] = (guint8)(2 * (N - i - 1));
    }
    TwCursor c = tw_cursor_init(b, sizeof b);
    guint depth = 0;
    TwStatus last = TW_OK;
    for (;;) {
        TwDerTlv t;
        if (!tw_der_read(&c, &t, depth)) {
            last = c.status;
            break;
        }
        c = t.content;
        depth++;
    }
    g_assert_cmpint(last, ==, TW_LIMIT);
    g_assert_cmpuint(depth, ==, TW_DER_MAX_DEPTH + 1);
}

static gint64 int_of(const guint8 *b, gsize n, TwStatus *st)
{
    TwCursor c = tw_cursor_init(b, n);
    TwDerTlv t;
    gint64 v = 12345;
    *st = TW_OK;
    if (!tw_der_read(&c, &t, 0)) {
        *st = c.status;
        return v;
    }
    if (!tw_der_integer(&t, &v))
        *st = t.content.status;
    return v;
}

static void test_integers(void)
{
    TwStatus st;
    const guint8 neg1[] = { 0x02, 0x01, 0xff };
    g_assert_cmpint(int_of(neg1, sizeof neg1, &st), ==, -1);
    g_assert_cmpint(st, ==, TW_OK);
    const guint8 u32max[] = { 0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff };
    g_assert_cmpint(int_of(u32max, sizeof u32max, &st), ==, 4294967295LL);
    const guint8 neg128[] = { 0x02, 0x01, 0x80 };
    g_assert_cmpint(int_of(neg128, sizeof neg128, &st), ==, -128);
    const guint8 i64min[] = { 0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    g_assert_cmpint(int_of(i64min, sizeof i64min, &st), ==, G_MININT64);
    g_assert_cmpint(st, ==, TW_OK);
    /* 9 octets does not fit: LIMIT, value 0 */
    const guint8 nine[] = { 0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    g_assert_cmpint(int_of(nine, sizeof nine, &st), ==, 0);
    g_assert_cmpint(st, ==, TW_LIMIT);
    /* zero octets: MALFORMED */
    const guint8 empty[] = { 0x02, 0x00 };
    int_of(empty, sizeof empty, &st);
    g_assert_cmpint(st, ==, TW_MALFORMED);
    /* wrong tag: MALFORMED */
    const guint8 wrong[] = { 0x04, 0x01, 0x01 };
    int_of(wrong, sizeof wrong, &st);
    g_assert_cmpint(st, ==, TW_MALFORMED);
}

static void test_strings(void)
{
    const guint8 b[] = { 0x1b, 0x09, 'V', 'L', 'A', 'D', 'G', '.', 'N', 'E', 'T' };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    g_assert_true(tw_der_read(&c, &t, 0));
    g_autofree char *s = tw_der_string(&t);
    g_assert_cmpstr(s, ==, "VLADG.NET");
    /* invalid UTF-8 and NUL are replaced, never passed through */
    const guint8 bad[] = { 0x1b, 0x04, 'a', 0xff, 0x00, 'b' };
    c = tw_cursor_init(bad, sizeof bad);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_autofree char *s2 = tw_der_string(&t);
    g_assert_true(g_utf8_validate(s2, -1, NULL));
    g_assert_cmpstr(s2, ==, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
}

static void test_bit_string(void)
{
    /* kdc-options 0x40810010: forwardable, renewable, canonicalize, renewable-ok */
    const guint8 b[] = { 0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x10 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    guint32 v;
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_bit_string_u32(&t, &v));
    g_assert_cmphex(v, ==, 0x40810010);
    /* unused-bits > 7 is MALFORMED */
    const guint8 bad[] = { 0x03, 0x02, 0x08, 0x00 };
    c = tw_cursor_init(bad, sizeof bad);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_false(tw_der_bit_string_u32(&t, &v));
    g_assert_cmpint(t.content.status, ==, TW_MALFORMED);
}

static void test_time(void)
{
    const guint8 b[] = { 0x18, 0x0f, '2', '0', '1', '5', '0', '1', '1', '9', '2', '2', '5', '4', '0', '9', 'Z' };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwDerTlv t;
    gint64 ts;
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_generalized_time(&t, &ts));
    /* 2015-01-19T22:54:09Z = 1421708049 */
    g_assert_cmpint(ts, ==, G_GINT64_CONSTANT(1421708049) * G_USEC_PER_SEC);
    const guint8 frac[] = { 0x18, 0x12, '1', '9', '7', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '1', '.', '2', '5', 'Z' };
    c = tw_cursor_init(frac, sizeof frac);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_generalized_time(&t, &ts));
    g_assert_cmpint(ts, ==, 1250000);
    /* no Z / month 13 are MALFORMED */
    const guint8 noz[] = { 0x18, 0x0f, '2', '0', '1', '5', '1', '3', '1', '9', '2', '2', '5', '4', '0', '9', 'Z' };
    c = tw_cursor_init(noz, sizeof noz);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_false(tw_der_generalized_time(&t, &ts));
    g_assert_cmpint(t.content.status, ==, TW_MALFORMED);
    /* a non-digit anywhere in YYYYMMDDHHMMSS is MALFORMED; every digit is one */
    const guint8 not_digits[] = { '/', ':', ' ', 'A', 0x00, 0xb0, 0xff, 0x39 + 0x10, 0x30 - 0x10 };
    for (guint pos = 0; pos < 14; pos++) {
        for (guint j = 0; j < G_N_ELEMENTS(not_digits); j++) {
            guint8 x[sizeof b];
            memcpy(x, b, sizeof b);
            x[2 + pos] = not_digits[j];
            c = tw_cursor_init(x, sizeof x);
            g_assert_true(tw_der_read(&c, &t, 0));
            g_assert_false(tw_der_generalized_time(&t, &ts));
            g_assert_cmpint(t.content.status, ==, TW_MALFORMED);
        }
    }
    /* "20991231235959Z" and "00000101000000Z": the digits 9 and 0 in every place */
    const guint8 late[] = { 0x18, 0x0f, '2', '0', '9', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z' };
    c = tw_cursor_init(late, sizeof late);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_generalized_time(&t, &ts));
    g_assert_cmpint(ts, ==, G_GINT64_CONSTANT(4102444799) * G_USEC_PER_SEC);
    const guint8 early[] = { 0x18, 0x0f, '0', '0', '0', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z' };
    c = tw_cursor_init(early, sizeof early);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_generalized_time(&t, &ts));
    g_assert_cmpint(ts, ==, G_GINT64_CONSTANT(-62167219200) * G_USEC_PER_SEC);
    const guint8 nines[] = { 0x18, 0x0f, '9', '9', '9', '9', '0', '9', '0', '9', '0', '9', '0', '9', '0', '9', 'Z' };
    c = tw_cursor_init(nines, sizeof nines);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_true(tw_der_generalized_time(&t, &ts));
    /* The same time again (the thread's last one), then one that differs
     * in a single octet anywhere (each its own time, or MALFORMED: the last
     * time read is no answer for other octets), then the first again. */
    for (guint pos = 0; pos < 15; pos++) {
        gint64 first, again, other;
        c = tw_cursor_init(b, sizeof b);
        g_assert_true(tw_der_read(&c, &t, 0));
        g_assert_true(tw_der_generalized_time(&t, &first));
        c = tw_cursor_init(b, sizeof b);
        g_assert_true(tw_der_read(&c, &t, 0));
        g_assert_true(tw_der_generalized_time(&t, &again));
        g_assert_cmpint(again, ==, first);
        g_assert_cmpuint(t.content.off, ==, 15);
        guint8 x[sizeof b];
        memcpy(x, b, sizeof b);
        x[2 + pos] = pos == 14 ? 'X' : (x[2 + pos] == '0' ? '1' : '0');
        c = tw_cursor_init(x, sizeof x);
        g_assert_true(tw_der_read(&c, &t, 0));
        bool ok = tw_der_generalized_time(&t, &other);
        if (pos == 14) {
            g_assert_false(ok);
            g_assert_cmpint(t.content.status, ==, TW_MALFORMED);
        } else if (ok) {
            g_assert_cmpint(other, !=, first);
        }
        c = tw_cursor_init(b, sizeof b);
        g_assert_true(tw_der_read(&c, &t, 0));
        g_assert_true(tw_der_generalized_time(&t, &again));
        g_assert_cmpint(again, ==, first);
    }
}

/* Reads a whole DER tree recursively; returns the first error met. */
static TwStatus walk(TwCursor *c, guint depth)
{
    while (!tw_cursor_at_end(c)) {
        TwDerTlv t;
        if (!tw_der_read(c, &t, depth))
            return c->status;
        if (t.constructed) {
            TwStatus st = walk(&t.content, depth + 1);
            if (st)
                return st;
        } else if (t.cls == TW_DER_UNIVERSAL && t.tag == TW_DER_TAG_INTEGER) {
            gint64 v;
            if (!tw_der_integer(&t, &v))
                return t.content.status;
        } else {
            gsize n;
            tw_der_octets(&t, &n);
            if (t.content.status)
                return t.content.status;
        }
        if (c->status)
            return c->status;
    }
    return c->status;
}

/* Every vector cut at every length: the full one is OK, every prefix is
 * TRUNCATED (the reported length says the wire had more). */
static void test_every_truncation(void)
{
    const guint8 v[] = {
        0x6a, 0x1e, 0x30, 0x1c, 0xa1, 0x03, 0x02, 0x01, 0x05, 0xa2, 0x03, 0x02, 0x01, 0x0a,
        0xa4, 0x10, 0x30, 0x0e, 0xa0, 0x07, 0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x10,
        0xa2, 0x03, 0x1b, 0x01, 'X',
    };
    TwCursor full = tw_cursor_init(v, sizeof v);
    g_assert_cmpint(walk(&full, 0), ==, TW_OK);
    for (gsize n = 0; n < sizeof v; n++) {
        guint8 *cut = g_memdup2(v, n ? n : 1);
        TwCursor c = tw_cursor_init_reported(cut, n, sizeof v);
        TwStatus st = walk(&c, 0);
        if (n == 0)
            g_assert_cmpint(st, ==, TW_OK); /* nothing to read at all */
        else
            g_assert_cmpint(st, ==, TW_TRUNCATED);
        g_free(cut);
    }
}

/* A header cut where the captured bytes end: TRUNCATED only when the wire
 * had more (captured < reported); when captured == reported the value itself
 * ends inside its header, which is MALFORMED.  Cuts after the identifier,
 * inside a long-form length, after a complete first TLV, and inside a
 * constructed value's content. */
static void test_header_cut_at_reported_end(void)
{
    static const struct {
        guint8 b[6];
        gsize n;
        gboolean first_ok; /* a complete TLV precedes the cut header */
        gboolean nested;   /* the cut header is inside a SEQUENCE's content */
    } cases[] = {
        { { 0x30 }, 1, FALSE, FALSE },                         /* identifier, no length */
        { { 0x04, 0x82, 0x01 }, 3, FALSE, FALSE },             /* long-form length cut */
        { { 0x1f, 0x81 }, 2, FALSE, FALSE },                   /* high tag number cut */
        { { 0x02, 0x01, 0x05, 0x30 }, 4, TRUE, FALSE },        /* after a whole INTEGER */
        { { 0x30, 0x02, 0x04, 0x81 }, 4, FALSE, TRUE },        /* inside a SEQUENCE */
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (int more = 0; more <= 1; more++) {
            gsize n = cases[i].n;
            TwCursor c = tw_cursor_init_reported(cases[i].b, n, n + (gsize)more * 10);
            TwCursor *at = &c;
            TwDerTlv t;
            if (cases[i].first_ok)
                g_assert_true(tw_der_read(&c, &t, 0));
            if (cases[i].nested) {
                g_assert_true(tw_der_read(&c, &t, 0));
                at = &t.content;
            }
            g_assert_false(tw_der_read(at, &t, 1));
            /* inside the SEQUENCE the content is whole: the cut is a lie either way */
            TwStatus want = more && !cases[i].nested ? TW_TRUNCATED : TW_MALFORMED;
            g_assert_cmpint(at->status, ==, want);
        }
    }
}

/* tw_der_string_view: the packet's own bytes when they are the text, else
 * tw_der_string's copy; the same cursor effects either way. */
static void test_string_view(void)
{
    const guint8 clean[] = { 0x1b, 0x05, 'h', 0xc3, 0xa9, 'l', 'o' };
    TwCursor c = tw_cursor_init(clean, sizeof clean);
    TwDerTlv t;
    g_assert_true(tw_der_read(&c, &t, 0));
    char *owned = (char *)1;
    gsize n = 99;
    const char *v = tw_der_string_view(&t, &n, &owned);
    g_assert_true(v == (const char *)clean + 2);
    g_assert_null(owned);
    g_assert_cmpuint(n, ==, 5);
    g_assert_true(tw_cursor_at_end(&t.content));
    g_assert_cmpint(t.content.status, ==, TW_OK);

    const guint8 *bads[] = { (const guint8 *)"\x1b\x04" "a\xff" "bc", (const guint8 *)"\x1b\x04" "a\x00" "bc" };
    const char *want[] = { "a\xef\xbf\xbd" "bc", "a\xef\xbf\xbd" "bc" };
    for (guint i = 0; i < G_N_ELEMENTS(bads); i++) {
        c = tw_cursor_init(bads[i], 6);
        g_assert_true(tw_der_read(&c, &t, 0));
        v = tw_der_string_view(&t, &n, &owned);
        g_assert_nonnull(owned);
        g_assert_true(v == owned);
        g_assert_cmpuint(n, ==, strlen(want[i]));
        g_assert_cmpstr(v, ==, want[i]);
        g_free(owned);
    }

    /* cut by the capture: the captured prefix, TRUNCATED latched as tw_der_string does */
    const guint8 ascii[] = { 0x1b, 0x05, 'h', 'e', 'l', 'l', 'o' };
    c = tw_cursor_init_reported(ascii, 4, sizeof ascii);
    g_assert_true(tw_der_read(&c, &t, 0)); /* the child is the captured prefix */
    g_assert_cmpint(c.status, ==, TW_TRUNCATED);
    v = tw_der_string_view(&t, &n, &owned);
    g_assert_true(v == (const char *)ascii + 2);
    g_assert_null(owned);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpint(t.content.status, ==, TW_TRUNCATED);

    /* every length and every position of a NUL or a non-ASCII byte (the
     * word-at-a-time check and its tail): the view only for plain ASCII */
    for (guint len = 0; len <= 24; len++) {
        for (guint bad = 0; bad <= len; bad++) {
            for (guint kind = 0; kind < 3; kind++) {
                if (bad == len && kind)
                    continue; /* bad == len: no bad byte */
                guint8 b[2 + 24];
                b[0] = 0x1b;
                b[1] = (guint8)len;
                for (guint j = 0; j < len; j++)
                    b[2 + j] = (guint8)('a' + j);
                if (bad < len)
                    b[2 + bad] = kind == 0 ? 0x00 : kind == 1 ? 0x80 : 0xc3; /* NUL, lone continuation, cut lead */
                guint8 *exact = g_memdup2(b, 2 + len); /* ASan sees over-reads */
                c = tw_cursor_init(exact, 2 + len);
                g_assert_true(tw_der_read(&c, &t, 0));
                v = tw_der_string_view(&t, &n, &owned);
                g_assert_nonnull(v);
                g_assert_true(tw_cursor_at_end(&t.content));
                g_assert_cmpint(t.content.status, ==, TW_OK);
                if (bad == len) {
                    g_assert_true(v == (const char *)exact + 2);
                    g_assert_null(owned);
                    g_assert_cmpuint(n, ==, len);
                } else {
                    g_assert_nonnull(owned);
                    g_assert_true(v == owned);
                    g_assert_cmpuint(n, ==, len + 2); /* one byte became U+FFFD (3 bytes) */
                    g_assert_cmpuint(strlen(owned), ==, n);
                    g_assert_cmpmem(owned + bad, 3, "\xef\xbf\xbd", 3);
                    g_free(owned);
                }
                g_free(exact);
            }
        }
    }

    /* longer than TW_DER_MAX_STRING: the first TW_DER_MAX_STRING bytes, LIMIT */
    gsize big_n = TW_DER_MAX_STRING + 10;
    guint8 *big = g_malloc(5 + big_n);
    big[0] = 0x1b;
    big[1] = 0x83;
    big[2] = (guint8)(big_n >> 16);
    big[3] = (guint8)(big_n >> 8);
    big[4] = (guint8)big_n;
    memset(big + 5, 'x', big_n);
    c = tw_cursor_init(big, 5 + big_n);
    g_assert_true(tw_der_read(&c, &t, 0));
    v = tw_der_string_view(&t, &n, &owned);
    g_assert_true(v == (const char *)big + 5);
    g_assert_null(owned);
    g_assert_cmpuint(n, ==, TW_DER_MAX_STRING);
    g_assert_cmpint(t.content.status, ==, TW_LIMIT);
    g_free(big);

    /* a content cursor that failed already: no text */
    c = tw_cursor_init(ascii, sizeof ascii);
    g_assert_true(tw_der_read(&c, &t, 0));
    tw_cursor_fail(&t.content, TW_MALFORMED);
    g_assert_null(tw_der_string_view(&t, &n, &owned));
    g_assert_null(owned);
    g_assert_cmpuint(n, ==, 0);

    /* constructed: no text, MALFORMED */
    const guint8 cons[] = { 0x3b, 0x00 };
    c = tw_cursor_init(cons, sizeof cons);
    g_assert_true(tw_der_read(&c, &t, 0));
    g_assert_null(tw_der_string_view(&t, &n, &owned));
    g_assert_null(owned);
    g_assert_cmpint(t.content.status, ==, TW_MALFORMED);
}

/* tw_der_next_is decides on the identifier when the header is valid, in
 * every length form, and says no to an invalid length. */
/* tw_der_ascii_text at every length 0..40 and every position: true only
 * when no byte in [p, p+n) is NUL or >= 0x80; the bytes around it (NUL,
 * 0xff) are never looked at. */
static void test_ascii_text(void)
{
    const guint8 bad[] = { 0x00, 0x80, 0xff, 0xc3 };
    for (gsize n = 0; n <= 40; n++) {
        guint8 buf[48];
        memset(buf, 0xff, sizeof buf);
        buf[0] = 0;
        memset(buf + 1, 'a' + (n % 26), n);
        buf[n + 1] = 0;
        g_assert_true(tw_der_ascii_text(buf + 1, n));
        for (gsize i = 0; i < n; i++)
            for (guint b = 0; b < G_N_ELEMENTS(bad); b++) {
                guint8 keep = buf[1 + i];
                buf[1 + i] = bad[b];
                g_assert_false(tw_der_ascii_text(buf + 1, n));
                buf[1 + i] = 0x7f; /* the highest ASCII byte */
                g_assert_true(tw_der_ascii_text(buf + 1, n));
                buf[1 + i] = 0x01; /* the lowest */
                g_assert_true(tw_der_ascii_text(buf + 1, n));
                buf[1 + i] = keep;
            }
    }
}

static void test_next_is_length_forms(void)
{
    const guint8 s1[] = { 0xa3, 0x01, 0x00 };
    const guint8 s2[] = { 0xa3, 0x81, 0x01, 0x00 };
    const guint8 s3[] = { 0xa3, 0x82, 0x00, 0x01, 0x00 };
    const guint8 s4[] = { 0xa3, 0x83, 0x00, 0x00, 0x01, 0x00 };
    const guint8 *ok[] = { s1, s2, s3, s4 };
    const gsize ok_n[] = { sizeof s1, sizeof s2, sizeof s3, sizeof s4 };
    for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
        TwCursor c = tw_cursor_init(ok[i], ok_n[i]);
        g_assert_true(tw_der_next_is(&c, TW_DER_CONTEXT, 3));
        g_assert_false(tw_der_next_is(&c, TW_DER_CONTEXT, 2));
        g_assert_false(tw_der_next_is(&c, TW_DER_UNIVERSAL, 3));
        TwDerTlv t;
        g_assert_true(tw_der_expect(&c, TW_DER_CONTEXT, 3, &t, 0));
        g_assert_cmpuint(t.len, ==, 1);
        g_assert_true(tw_cursor_at_end(&c));
    }
    const guint8 indef[] = { 0xa3, 0x80, 0x00, 0x00 };
    TwCursor c = tw_cursor_init(indef, sizeof indef);
    g_assert_false(tw_der_next_is(&c, TW_DER_CONTEXT, 3));
    /* a long form whose length octets are cut still compares the identifier */
    const guint8 cut[] = { 0xa3, 0x82, 0x00 };
    c = tw_cursor_init(cut, sizeof cut);
    g_assert_true(tw_der_next_is(&c, TW_DER_CONTEXT, 3));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/der/string-view", test_string_view);
    g_test_add_func("/der/next-is-length-forms", test_next_is_length_forms);
    g_test_add_func("/der/short-form", test_short_form);
    g_test_add_func("/der/long-form-lengths", test_long_form_lengths);
    g_test_add_func("/der/indefinite-rejected", test_indefinite_rejected);
    g_test_add_func("/der/high-tag-number", test_high_tag_number);
    g_test_add_func("/der/depth-cap", test_depth_cap);
    g_test_add_func("/der/integers", test_integers);
    g_test_add_func("/der/strings", test_strings);
    g_test_add_func("/der/bit-string", test_bit_string);
    g_test_add_func("/der/time", test_time);
    g_test_add_func("/der/ascii-text", test_ascii_text);
    g_test_add_func("/der/every-truncation", test_every_truncation);
    g_test_add_func("/der/header-cut-at-reported-end", test_header_cut_at_reported_end);
    return g_test_run();
}
