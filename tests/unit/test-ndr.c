/* test-ndr.c — NDR20/NDR64 reader: alignment, arrays, pointers, deferral
 * order, strings, byte order, and every truncation of a vector. */
#include <glib.h>

#include "dissectors/dcerpc/ndr.h"

#include "tw-test.h"

/* C706 14.2.2: alignment is relative to the stub start. */
static void test_alignment(void)
{
    g_autoptr(GByteArray) b = hex("01 ffffff 78563412 0200 0000 0000 0000 efcdab8967452301");
    TwNdr n;
    tw_ndr_init(&n, b->data, b->len, b->len, true, false);
    g_assert_cmpuint(tw_ndr_u8(&n), ==, 1);
    g_assert_cmpuint(tw_ndr_u32(&n), ==, 0x12345678);
    g_assert_cmpuint(tw_ndr_offset(&n), ==, 8);
    g_assert_cmpuint(tw_ndr_u16(&n), ==, 2);
    g_assert_cmpuint(tw_ndr_u64(&n), ==, G_GUINT64_CONSTANT(0x0123456789abcdef));
    g_assert_true(tw_ndr_ok(&n));
    g_assert_cmpuint(tw_ndr_remaining(&n), ==, 0);
    tw_ndr_clear(&n);

    /* A stub that starts at an odd place in memory still aligns to itself. */
    g_autoptr(GByteArray) c = hex("aa 01 00 00 00 07000000");
    tw_ndr_init(&n, c->data + 1, c->len - 1, c->len - 1, true, false);
    g_assert_cmpuint(tw_ndr_u8(&n), ==, 1);
    g_assert_cmpuint(tw_ndr_u32(&n), ==, 7);
    g_assert_true(tw_ndr_ok(&n));
    tw_ndr_clear(&n);
}

static void test_byte_order(void)
{
    g_autoptr(GByteArray) b = hex("12345678 abcd 0000 00000001 0002 0003 0405060708090a0b");
    TwNdr n;
    tw_ndr_init(&n, b->data, b->len, b->len, false, false);
    g_assert_cmpuint(tw_ndr_u32(&n), ==, 0x12345678);
    g_assert_cmpuint(tw_ndr_u16(&n), ==, 0xabcd);
    char u[37];
    tw_ndr_uuid(&n, u);
    g_assert_cmpstr(u, ==, "00000001-0002-0003-0405-060708090a0b");
    g_assert_true(tw_ndr_ok(&n));
    tw_ndr_clear(&n);

    tw_ndr_init(&n, b->data + 8, b->len - 8, b->len - 8, true, false);
    tw_ndr_uuid(&n, u);
    g_assert_cmpstr(u, ==, "01000000-0200-0300-0405-060708090a0b");
    tw_ndr_clear(&n);
}

/* Every hex digit, in each group of the text form (C706 Appendix A). */
static void test_uuid_text(void)
{
    static const guint8 d[8] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
    char u[37];
    memset(u, 'x', sizeof u);
    tw_uuid_text(u, 0x12345678, 0x9abc, 0xdef0, d);
    g_assert_cmpstr(u, ==, "12345678-9abc-def0-fedc-ba9876543210");
    static const guint8 z[8] = { 0x00, 0xff, 0x0f, 0xf0, 0xa5, 0x5a, 0x01, 0x80 };
    tw_uuid_text(u, 0xffffffff, 0x0000, 0x00ff, z);
    g_assert_cmpstr(u, ==, "ffffffff-0000-00ff-00ff-0ff0a55a0180");
}

static void test_enum(void)
{
    g_autoptr(GByteArray) b = hex("0600 0000 06000000");
    TwNdr n;
    tw_ndr_init(&n, b->data, b->len, b->len, true, false);
    g_assert_cmpuint(tw_ndr_enum(&n), ==, 6);
    g_assert_cmpuint(tw_ndr_offset(&n), ==, 2);
    tw_ndr_clear(&n);
    tw_ndr_init(&n, b->data + 4, 4, 4, true, true);
    g_assert_cmpuint(tw_ndr_enum(&n), ==, 6);
    g_assert_cmpuint(tw_ndr_offset(&n), ==, 4);
    tw_ndr_clear(&n);
}

/* C706 14.3.3.2-14.3.3.4 conformant varying arrays. */
static void test_arrays(void)
{
    TwNdr n;
    guint32 max, off, act;
    g_autoptr(GByteArray) ok = hex("05000000 01000000 04000000");
    tw_ndr_init(&n, ok->data, ok->len, ok->len, true, false);
    g_assert_true(tw_ndr_conformant_varying(&n, &max, &off, &act));
    g_assert_cmpuint(max, ==, 5);
    g_assert_cmpuint(off, ==, 1);
    g_assert_cmpuint(act, ==, 4);
    tw_ndr_clear(&n);

    /* offset + actual beyond max_count */
    g_autoptr(GByteArray) bad = hex("05000000 02000000 04000000");
    tw_ndr_init(&n, bad->data, bad->len, bad->len, true, false);
    g_assert_false(tw_ndr_conformant_varying(&n, &max, &off, &act));
    g_assert_cmpint(n.c.status, ==, TW_MALFORMED);
    tw_ndr_clear(&n);

    /* offset alone beyond max (and no wrap-around in offset + actual) */
    g_autoptr(GByteArray) wrap = hex("05000000 ffffffff 02000000");
    tw_ndr_init(&n, wrap->data, wrap->len, wrap->len, true, false);
    g_assert_false(tw_ndr_conformant_varying(&n, &max, &off, &act));
    g_assert_cmpint(n.c.status, ==, TW_MALFORMED);
    tw_ndr_clear(&n);

    /* a huge max_count hits the cap, not an allocation */
    g_autoptr(GByteArray) huge = hex("ffffff7f 00000000 01000000");
    tw_ndr_init(&n, huge->data, huge->len, huge->len, true, false);
    g_assert_false(tw_ndr_conformant(&n, &max));
    g_assert_cmpint(n.c.status, ==, TW_LIMIT);
    tw_ndr_clear(&n);

    /* NDR64: 8-byte counts, 8-aligned */
    g_autoptr(GByteArray) n64 = hex("0300000000000000 0000000000000000 0200000000000000");
    tw_ndr_init(&n, n64->data, n64->len, n64->len, true, true);
    g_assert_true(tw_ndr_conformant_varying(&n, &max, &off, &act));
    g_assert_cmpuint(max, ==, 3);
    g_assert_cmpuint(act, ==, 2);
    tw_ndr_clear(&n);

    /* NDR64 counts above 32 bits are refused, not truncated */
    g_autoptr(GByteArray) n64big = hex("0300000001000000");
    tw_ndr_init(&n, n64big->data, n64big->len, n64big->len, true, true);
    g_assert_false(tw_ndr_conformant(&n, &max));
    g_assert_cmpint(n.c.status, ==, TW_LIMIT);
    tw_ndr_clear(&n);
}

static void test_strings(void)
{
    TwNdr n;
    /* unique pointer, "dc01" with NUL counted */
    g_autoptr(GByteArray) s = hex("00000200 05000000 00000000 05000000 6400630030003100 0000");
    tw_ndr_init(&n, s->data, s->len, s->len, true, false);
    bool present = false;
    g_autofree char *v = tw_ndr_unique_wstring(&n, &present);
    g_assert_true(present);
    g_assert_cmpstr(v, ==, "dc01");
    g_assert_true(tw_ndr_ok(&n));
    tw_ndr_clear(&n);

    /* NULL unique pointer: no referent follows */
    g_autoptr(GByteArray) null = hex("00000000 07000000");
    tw_ndr_init(&n, null->data, null->len, null->len, true, false);
    g_autofree char *nv = tw_ndr_unique_wstring(&n, &present);
    g_assert_null(nv);
    g_assert_false(present);
    g_assert_cmpuint(tw_ndr_u32(&n), ==, 7);
    tw_ndr_clear(&n);

    /* unpaired surrogates become U+FFFD, a pair becomes one code point,
     * non-ASCII BMP is kept */
    g_autoptr(GByteArray) sur = hex("05000000 00000000 05000000 00d8 4100 3dd8 00de e900");
    tw_ndr_init(&n, sur->data, sur->len, sur->len, true, false);
    g_autofree char *sv = tw_ndr_wstring_cv(&n);
    g_assert_cmpstr(sv, ==, "\xef\xbf\xbd" "A" "\xf0\x9f\x98\x80" "\xc3\xa9");
    tw_ndr_clear(&n);

    /* big-endian UTF-16 when the drep says big-endian */
    g_autoptr(GByteArray) be = hex("00000002 00000000 00000002 0041 0042");
    tw_ndr_init(&n, be->data, be->len, be->len, false, false);
    g_autofree char *bv = tw_ndr_wstring_cv(&n);
    g_assert_cmpstr(bv, ==, "AB");
    tw_ndr_clear(&n);

    /* RPC_UNICODE_STRING whose buffer claims more units than Length */
    g_autoptr(GByteArray) us = hex("0400 0800 04000200 04000000 00000000 04000000 41004200 43004400");
    tw_ndr_init(&n, us->data, us->len, us->len, true, false);
    TwNdrUnicodeString u = { 0 };
    tw_ndr_unicode_string(&n, &u);
    tw_ndr_flush(&n);
    g_assert_cmpint(n.c.status, ==, TW_MALFORMED);
    g_assert_null(u.value);
    tw_ndr_clear(&n);

    /* odd Length is malformed */
    g_autoptr(GByteArray) odd = hex("0300 0800 00000000");
    tw_ndr_init(&n, odd->data, odd->len, odd->len, true, false);
    TwNdrUnicodeString o = { 0 };
    tw_ndr_unicode_string(&n, &o);
    g_assert_cmpint(n.c.status, ==, TW_MALFORMED);
    tw_ndr_clear(&n);
}

/* Two embedded RPC_UNICODE_STRINGs in a structure: both headers first,
 * then both buffers in order (C706 14.3.12.3). */
static const char *deferral_vec =
    "0400 0400 00000200" /* s1: Length 4, Max 4, ref */
    "0200 0200 04000200" /* s2 */
    "11223344"           /* a trailing ULONG inside the structure */
    "02000000 00000000 02000000 41004200" /* s1 buffer "AB" */
    "01000000 00000000 01000000 4300"     /* s2 buffer "C" */
    "0000 99999999";                      /* pad, next parameter */

static TwStatus run_deferral(const guint8 *p, gsize len, gsize reported, char **a, char **b,
                             guint32 *trailer, guint32 *next)
{
    TwNdr n;
    tw_ndr_init(&n, p, len, reported, true, false);
    TwNdrUnicodeString s1 = { 0 }, s2 = { 0 };
    tw_ndr_unicode_string(&n, &s1);
    tw_ndr_unicode_string(&n, &s2);
    *trailer = tw_ndr_u32(&n);
    tw_ndr_flush(&n);
    *next = tw_ndr_u32(&n);
    *a = s1.value;
    *b = s2.value;
    TwStatus st = n.c.status;
    tw_ndr_clear(&n);
    return st;
}

static void test_deferral(void)
{
    g_autoptr(GByteArray) v = hex(deferral_vec);
    char *a, *b;
    guint32 tr, next;
    g_assert_cmpint(run_deferral(v->data, v->len, v->len, &a, &b, &tr, &next), ==, TW_OK);
    g_assert_cmpstr(a, ==, "AB");
    g_assert_cmpstr(b, ==, "C");
    g_assert_cmphex(tr, ==, 0x44332211);
    g_assert_cmphex(next, ==, 0x99999999);
    g_free(a);
    g_free(b);

    /* Every truncation: TRUNCATED when the reported length is the full one,
     * MALFORMED when the message itself claims to end there; never a crash. */
    for (gsize k = 0; k < v->len; k++) {
        g_autofree guint8 *cut = g_memdup2(v->data, k ? k : 1);
        g_assert_cmpint(run_deferral(cut, k, v->len, &a, &b, &tr, &next), ==, TW_TRUNCATED);
        g_free(a);
        g_free(b);
        g_assert_cmpint(run_deferral(cut, k, k, &a, &b, &tr, &next), ==, TW_MALFORMED);
        g_free(a);
        g_free(b);
    }
}

typedef struct {
    GString *log;
    int tag;
} Order;

static void leaf(TwNdr *n, void *u)
{
    Order *o = u;
    g_string_append_printf(o->log, "L%d(%u) ", o->tag, tw_ndr_u32(n));
}

static Order inner_a, inner_b;

static void outer(TwNdr *n, void *u)
{
    Order *o = u;
    g_string_append_printf(o->log, "O%d(%u) ", o->tag, tw_ndr_u32(n));
    tw_ndr_defer(n, leaf, o->tag == 1 ? &inner_a : &inner_b);
}

/* A referent that holds pointers has its own referents right after it,
 * before the next sibling referent: depth-first. */
static void test_nested_deferral(void)
{
    g_autoptr(GByteArray) v = hex("01000000 0a000000 02000000 0b000000");
    TwNdr n;
    tw_ndr_init(&n, v->data, v->len, v->len, true, false);
    GString *log = g_string_new(NULL);
    Order o1 = { log, 1 }, o2 = { log, 2 };
    inner_a = (Order){ log, 10 };
    inner_b = (Order){ log, 20 };
    tw_ndr_defer(&n, outer, &o1);
    tw_ndr_defer(&n, outer, &o2);
    tw_ndr_flush(&n);
    g_assert_cmpstr(log->str, ==, "O1(1) L10(10) O2(2) L20(11) ");
    g_assert_true(tw_ndr_ok(&n));
    g_string_free(log, TRUE);
    tw_ndr_clear(&n);
}

static void self_defer(TwNdr *n, void *u)
{
    tw_ndr_defer(n, self_defer, u);
}

static void test_deferral_caps(void)
{
    guint8 z[8] = { 0 };
    TwNdr n;
    tw_ndr_init(&n, z, sizeof z, sizeof z, true, false);
    tw_ndr_defer(&n, self_defer, NULL);
    tw_ndr_flush(&n);
    g_assert_cmpint(n.c.status, ==, TW_LIMIT);
    tw_ndr_clear(&n);

    tw_ndr_init(&n, z, sizeof z, sizeof z, true, false);
    for (guint i = 0; i <= TW_NDR_MAX_DEFERRED; i++)
        tw_ndr_defer(&n, leaf, NULL);
    g_assert_cmpint(n.c.status, ==, TW_LIMIT);
    tw_ndr_flush(&n); /* runs nothing after the error */
    tw_ndr_clear(&n);
}

/* C706 14.3.11.1: a full pointer's referent is sent once. */
static void test_full_pointers(void)
{
    g_autoptr(GByteArray) v = hex("01000000 02000000 01000000 00000000");
    TwNdr n;
    tw_ndr_init(&n, v->data, v->len, v->len, true, false);
    guint64 r;
    g_assert_true(tw_ndr_full_ptr(&n, &r));
    g_assert_cmpuint(r, ==, 1);
    g_assert_true(tw_ndr_full_ptr(&n, &r));
    g_assert_false(tw_ndr_full_ptr(&n, &r)); /* 1 again */
    g_assert_cmpuint(r, ==, 1);
    g_assert_false(tw_ndr_full_ptr(&n, &r)); /* NULL */
    g_assert_cmpuint(r, ==, 0);
    g_assert_true(tw_ndr_ok(&n));
    tw_ndr_clear(&n);

    /* Past the first few ids (kept inline), the rest in a table: repeats
     * are found in both, and TW_NDR_MAX_REFERENTS distinct ids are the cap. */
    guint total = TW_NDR_MAX_REFERENTS + 1;
    g_autoptr(GByteArray) many = g_byte_array_sized_new(4 * total);
    for (guint i = 1; i <= total; i++) {
        guint32 id = i;
        guint8 le[4] = { (guint8)id, (guint8)(id >> 8), (guint8)(id >> 16), (guint8)(id >> 24) };
        g_byte_array_append(many, le, 4);
    }
    /* 3 (inline) and 100 (in the table) again after the first 100 */
    guint8 rep[8] = { 3, 0, 0, 0, 100, 0, 0, 0 };
    g_autoptr(GByteArray) v2 = g_byte_array_new();
    g_byte_array_append(v2, many->data, 4 * 100);
    g_byte_array_append(v2, rep, 8);
    tw_ndr_init(&n, v2->data, v2->len, v2->len, true, false);
    for (guint i = 1; i <= 100; i++)
        g_assert_true(tw_ndr_full_ptr(&n, &r));
    g_assert_false(tw_ndr_full_ptr(&n, &r));
    g_assert_cmpuint(r, ==, 3);
    g_assert_false(tw_ndr_full_ptr(&n, &r));
    g_assert_cmpuint(r, ==, 100);
    g_assert_true(tw_ndr_ok(&n));
    tw_ndr_clear(&n);
    tw_ndr_init(&n, many->data, 4 * total, 4 * total, true, false);
    for (guint i = 1; i <= TW_NDR_MAX_REFERENTS; i++)
        if (!tw_ndr_full_ptr(&n, &r))
            g_assert_not_reached();
    g_assert_false(tw_ndr_full_ptr(&n, &r)); /* one more distinct id: the cap */
    g_assert_cmpint(n.c.status, ==, TW_LIMIT);
    tw_ndr_clear(&n);

    /* NDR64 pointers are 8 bytes, 8-aligned */
    g_autoptr(GByteArray) p64 = hex("01 000000 00000000 0000020000000000");
    tw_ndr_init(&n, p64->data, p64->len, p64->len, true, true);
    tw_ndr_u8(&n);
    g_assert_cmpuint(tw_ndr_ptr(&n), ==, 0x20000);
    g_assert_cmpuint(tw_ndr_remaining(&n), ==, 0);
    tw_ndr_clear(&n);
}

static void test_string_truncations(void)
{
    g_autoptr(GByteArray) s = hex("00000200 05000000 00000000 05000000 6400630030003100 0000");
    for (gsize k = 0; k < s->len; k++) {
        TwNdr n;
        g_autofree guint8 *cut = g_memdup2(s->data, k ? k : 1);
        tw_ndr_init(&n, cut, k, s->len, true, false);
        g_autofree char *v = tw_ndr_unique_wstring(&n, NULL);
        g_assert_null(v);
        g_assert_cmpint(n.c.status, ==, TW_TRUNCATED);
        tw_ndr_clear(&n);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ndr/alignment", test_alignment);
    g_test_add_func("/ndr/byte-order", test_byte_order);
    g_test_add_func("/ndr/uuid-text", test_uuid_text);
    g_test_add_func("/ndr/enum", test_enum);
    g_test_add_func("/ndr/arrays", test_arrays);
    g_test_add_func("/ndr/strings", test_strings);
    g_test_add_func("/ndr/deferral", test_deferral);
    g_test_add_func("/ndr/nested-deferral", test_nested_deferral);
    g_test_add_func("/ndr/deferral-caps", test_deferral_caps);
    g_test_add_func("/ndr/full-pointers", test_full_pointers);
    g_test_add_func("/ndr/string-truncations", test_string_truncations);
    return g_test_run();
}
