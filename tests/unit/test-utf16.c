/* test-utf16.c — the one UTF-16 decoder (core/utf16.h) and its NUL rule:
 * terminator and padding dropped, embedded NUL ends the string and is
 * flagged, surrogate pairs joined, lone surrogates U+FFFD, both byte orders,
 * odd lengths; and that NDR, NTLMSSP and SMB2 names all follow it. */
#include <glib.h>

#include "core/filetime.h"
#include "core/utf16.h"
#include "dissectors/dcerpc/ndr.h"

#include "tw-test.h"

static char *dec(const char *hexbytes, bool le, guint *notes)
{
    g_autoptr(GByteArray) b = hex(hexbytes);
    *notes = 0;
    return tw_utf16_to_utf8(b->data, b->len, le, notes);
}

static void test_plain(void)
{
    guint n;
    g_autofree char *a = dec("41004200", true, &n);
    g_assert_cmpstr(a, ==, "AB");
    g_assert_cmpuint(n, ==, 0);
    g_autofree char *b = dec("00410042", false, &n);
    g_assert_cmpstr(b, ==, "AB");
    g_assert_cmpuint(n, ==, 0);
    /* "Jü" and U+20AC */
    g_autofree char *c = dec("4a00fc00ac20", true, &n);
    g_assert_cmpstr(c, ==, "J\xc3\xbc\xe2\x82\xac");
    g_autofree char *e = dec("", true, &n);
    g_assert_cmpstr(e, ==, "");
    g_assert_cmpuint(n, ==, 0);
}

static void test_nul_rule(void)
{
    guint n;
    /* a trailing terminator is dropped silently, so is NUL padding after it */
    g_autofree char *t = dec("410042000000", true, &n);
    g_assert_cmpstr(t, ==, "AB");
    g_assert_cmpuint(n, ==, 0);
    g_autofree char *p = dec("4100000000000000", true, &n);
    g_assert_cmpstr(p, ==, "A");
    g_assert_cmpuint(n, ==, 0);
    /* an embedded NUL ends the string and is flagged */
    g_autofree char *m = dec("410000004200", true, &n);
    g_assert_cmpstr(m, ==, "A");
    g_assert_cmpuint(n, ==, TW_UTF16_EMBEDDED_NUL);
    /* a leading NUL: empty, flagged when something follows */
    g_autofree char *l = dec("00004100", true, &n);
    g_assert_cmpstr(l, ==, "");
    g_assert_cmpuint(n, ==, TW_UTF16_EMBEDDED_NUL);
    g_autofree char *z = dec("0000", true, &n);
    g_assert_cmpstr(z, ==, "");
    g_assert_cmpuint(n, ==, 0);
    /* notes are OR-ed, not reset */
    n = TW_UTF16_ODD_LENGTH;
    g_autoptr(GByteArray) b = hex("410000004200");
    g_autofree char *o = tw_utf16_to_utf8(b->data, b->len, true, &n);
    g_assert_nonnull(o);
    g_assert_cmpuint(n, ==, TW_UTF16_ODD_LENGTH | TW_UTF16_EMBEDDED_NUL);
    /* notes may be NULL */
    g_autofree char *q = tw_utf16le_to_utf8(b->data, b->len, NULL);
    g_assert_cmpstr(q, ==, "A");
}

static void test_surrogates(void)
{
    guint n;
    /* U+1D11E = D834 DD1E */
    g_autofree char *pair = dec("34d81edd", true, &n);
    g_assert_cmpstr(pair, ==, "\xf0\x9d\x84\x9e");
    g_assert_cmpuint(n, ==, 0);
    g_autofree char *pair_be = dec("d834dd1e", false, &n);
    g_assert_cmpstr(pair_be, ==, "\xf0\x9d\x84\x9e");
    /* lone high before a normal unit, lone high at the end, lone low */
    g_autofree char *hi = dec("410000d84200", true, &n);
    g_assert_cmpstr(hi, ==, "A\xef\xbf\xbd" "B");
    g_assert_cmpuint(n, ==, TW_UTF16_BAD_SURROGATE);
    g_autofree char *end = dec("410000d8", true, &n);
    g_assert_cmpstr(end, ==, "A\xef\xbf\xbd");
    g_autofree char *lo = dec("00dc4100", true, &n);
    g_assert_cmpstr(lo, ==, "\xef\xbf\xbd" "A");
    g_assert_cmpuint(n, ==, TW_UTF16_BAD_SURROGATE);
    /* high then NUL: U+FFFD, then the terminator */
    g_autofree char *hn = dec("00d80000", true, &n);
    g_assert_cmpstr(hn, ==, "\xef\xbf\xbd");
    g_assert_true(g_utf8_validate(hn, -1, NULL));
}

static void test_odd_length(void)
{
    guint n;
    g_autofree char *s = dec("410042", true, &n);
    g_assert_cmpstr(s, ==, "A");
    g_assert_cmpuint(n, ==, TW_UTF16_ODD_LENGTH);
    g_autofree char *one = dec("41", true, &n);
    g_assert_cmpstr(one, ==, "");
    g_assert_cmpuint(n, ==, TW_UTF16_ODD_LENGTH);
}

/* NDR's [string] wchar_t follows the same rule: "A\0B\0" with the NUL
 * counted reads "A" and notes the embedded NUL in the TwNdr. */
static void test_ndr_uses_rule(void)
{
    /* max 4, offset 0, actual 4: A NUL B NUL */
    g_autoptr(GByteArray) b = hex("04000000 00000000 04000000 4100 0000 4200 0000");
    g_auto(TwNdr) n;
    tw_ndr_init(&n, b->data, b->len, b->len, true, false);
    g_autofree char *s = tw_ndr_wstring_cv(&n);
    g_assert_cmpstr(s, ==, "A");
    g_assert_true(tw_ndr_ok(&n));
    g_assert_cmpuint(n.utf16_notes & TW_UTF16_EMBEDDED_NUL, ==, TW_UTF16_EMBEDDED_NUL);
    /* with only the terminator: nothing noted */
    g_autoptr(GByteArray) t = hex("03000000 00000000 03000000 4100 4200 0000");
    g_auto(TwNdr) n2;
    tw_ndr_init(&n2, t->data, t->len, t->len, true, false);
    g_autofree char *s2 = tw_ndr_wstring_cv(&n2);
    g_assert_cmpstr(s2, ==, "AB");
    g_assert_cmpuint(n2.utf16_notes, ==, 0);
}

static void test_filetime(void)
{
    gint64 us = 0;
    /* 2020-09-14 00:00:00 UTC */
    g_assert_true(tw_filetime_to_us(G_GUINT64_CONSTANT(132445152000000000), &us));
    g_assert_cmpint(us, ==, G_GINT64_CONSTANT(1600041600000000));
    g_assert_false(tw_filetime_to_us(0, &us));
    g_assert_false(tw_filetime_to_us(G_GUINT64_CONSTANT(116444735999999999), &us));
    g_assert_false(tw_filetime_to_us(G_MAXUINT64, &us));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/utf16/plain", test_plain);
    g_test_add_func("/utf16/nul-rule", test_nul_rule);
    g_test_add_func("/utf16/surrogates", test_surrogates);
    g_test_add_func("/utf16/odd-length", test_odd_length);
    g_test_add_func("/utf16/ndr", test_ndr_uses_rule);
    g_test_add_func("/utf16/filetime", test_filetime);
    return g_test_run();
}
