/* test-cursor.c — the bounded cursor: every read at the last byte and one
 * past, TRUNCATED versus MALFORMED, latching, take() and align(). */
#include "core/cursor.h"

static void test_reads_in_bounds(void)
{
    const guint8 b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    g_assert_cmpuint(tw_cursor_u8(&c), ==, 0x01);
    g_assert_cmpuint(tw_cursor_be16(&c), ==, 0x0203);
    g_assert_cmpuint(tw_cursor_le16(&c), ==, 0x0504);
    g_assert_cmpuint(tw_cursor_be32(&c), ==, 0x06070809);
    g_assert_true(tw_cursor_at_end(&c));
    g_assert_cmpint(c.status, ==, TW_OK);
    c = tw_cursor_init(b, sizeof b);
    g_assert_cmpuint(tw_cursor_le32(&c), ==, 0x04030201);
    g_assert_cmpuint(tw_cursor_le32(&c), ==, 0x08070605);
    g_assert_cmpuint(tw_cursor_remaining(&c), ==, 1);
    c = tw_cursor_init(b, 8);
    g_assert_cmphex(tw_cursor_le64(&c), ==, G_GUINT64_CONSTANT(0x0807060504030201));
    c = tw_cursor_init(b, 8);
    g_assert_cmphex(tw_cursor_be64(&c), ==, G_GUINT64_CONSTANT(0x0102030405060708));
}

/* One past the end: the read returns 0 and the error latches. */
static void test_one_past_end_latches(void)
{
    const guint8 b[] = { 0xaa, 0xbb, 0xcc };
    TwCursor c = tw_cursor_init(b, sizeof b);
    g_assert_cmpuint(tw_cursor_be16(&c), ==, 0xaabb);
    g_assert_cmpuint(tw_cursor_be16(&c), ==, 0); /* one byte short */
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
    g_assert_cmpuint(c.off, ==, 2); /* did not advance */
    /* Everything after is a no-op returning zero, even a 1-byte read that would fit. */
    g_assert_cmpuint(tw_cursor_u8(&c), ==, 0);
    g_assert_cmpuint(tw_cursor_remaining(&c), ==, 0);
    g_assert_true(tw_cursor_at_end(&c));
    guint8 out[2] = { 9, 9 };
    g_assert_false(tw_cursor_copy(&c, out, 2));
    g_assert_cmpuint(out[0], ==, 0);
    g_assert_null(tw_cursor_bytes(&c, 1));
}

/* Snaplen cut: the wire had 10 bytes, the capture 4. */
static void test_truncated_vs_malformed(void)
{
    const guint8 b[] = { 1, 2, 3, 4 };
    TwCursor c = tw_cursor_init_reported(b, 4, 10);
    tw_cursor_skip(&c, 3);
    g_assert_cmpuint(tw_cursor_be16(&c), ==, 0);
    g_assert_cmpint(c.status, ==, TW_TRUNCATED);

    c = tw_cursor_init_reported(b, 4, 10);
    tw_cursor_skip(&c, 11); /* beyond what the wire carried */
    g_assert_cmpint(c.status, ==, TW_MALFORMED);

    /* The first error wins. */
    c = tw_cursor_init_reported(b, 4, 10);
    tw_cursor_skip(&c, 5);
    tw_cursor_skip(&c, 100);
    g_assert_cmpint(c.status, ==, TW_TRUNCATED);
    tw_cursor_fail(&c, TW_LIMIT);
    g_assert_cmpint(c.status, ==, TW_TRUNCATED);
}

static void test_take(void)
{
    const guint8 b[] = { 1, 2, 3, 4, 5, 6 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    TwCursor child = tw_cursor_take(&c, 4);
    g_assert_cmpint(child.status, ==, TW_OK);
    g_assert_cmpuint(child.len, ==, 4);
    g_assert_cmpuint(tw_cursor_be32(&child), ==, 0x01020304);
    g_assert_cmpuint(tw_cursor_u8(&child), ==, 0);
    g_assert_cmpint(child.status, ==, TW_MALFORMED); /* child bounds are hard */
    g_assert_cmpint(c.status, ==, TW_OK);             /* parent unaffected */
    g_assert_cmpuint(tw_cursor_be16(&c), ==, 0x0506);

    /* A length that exceeds the message is malformed. */
    c = tw_cursor_init(b, sizeof b);
    child = tw_cursor_take(&c, 7);
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
    g_assert_cmpint(child.status, ==, TW_MALFORMED);
    g_assert_cmpuint(tw_cursor_u8(&child), ==, 0);

    /* A length within the wire but beyond the capture gives a short child that
     * knows it was truncated. */
    c = tw_cursor_init_reported(b, sizeof b, 100);
    tw_cursor_skip(&c, 2);
    child = tw_cursor_take(&c, 50);
    g_assert_cmpint(c.status, ==, TW_TRUNCATED);
    g_assert_cmpint(child.status, ==, TW_OK);
    g_assert_cmpuint(child.len, ==, 4);
    g_assert_cmpuint(tw_cursor_be32(&child), ==, 0x03040506);
    tw_cursor_u8(&child);
    g_assert_cmpint(child.status, ==, TW_TRUNCATED);

    /* Taking from a failed cursor yields a failed child. */
    TwCursor bad = tw_cursor_init(b, 1);
    tw_cursor_skip(&bad, 2);
    child = tw_cursor_take(&bad, 0);
    g_assert_cmpint(child.status, ==, TW_MALFORMED);
}

/* Overflow boundary (GLib test_get_region style): a huge n must not wrap. */
static void test_huge_lengths(void)
{
    const guint8 b[] = { 1, 2, 3, 4 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    tw_cursor_skip(&c, 1);
    tw_cursor_skip(&c, G_MAXSIZE);
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
    c = tw_cursor_init(b, sizeof b);
    tw_cursor_skip(&c, 2);
    TwCursor child = tw_cursor_take(&c, G_MAXSIZE - 1);
    g_assert_cmpint(child.status, ==, TW_MALFORMED);
    g_assert_cmpuint(child.len, ==, 0);
}

static void test_align(void)
{
    const guint8 b[16] = { 0 };
    TwCursor c = tw_cursor_init(b, sizeof b);
    tw_cursor_u8(&c);
    tw_cursor_align(&c, 4);
    g_assert_cmpuint(c.off, ==, 4);
    tw_cursor_align(&c, 4);
    g_assert_cmpuint(c.off, ==, 4);
    tw_cursor_skip(&c, 1);
    tw_cursor_align(&c, 8);
    g_assert_cmpuint(c.off, ==, 8);
    c = tw_cursor_init(b, 6);
    tw_cursor_skip(&c, 5);
    tw_cursor_align(&c, 8); /* padding runs off the end */
    g_assert_cmpint(c.status, ==, TW_MALFORMED);
}

/* Every prefix of a valid read sequence fails cleanly and never reads past len. */
static void test_every_truncation(void)
{
    const guint8 b[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
    for (gsize n = 0; n < sizeof b; n++) {
        guint8 *exact = g_memdup2(b, n ? n : 1);
        TwCursor c = tw_cursor_init_reported(exact, n, sizeof b);
        tw_cursor_u8(&c);
        tw_cursor_be16(&c);
        tw_cursor_le32(&c);
        tw_cursor_be64(&c);
        g_assert_cmpint(c.status, ==, TW_TRUNCATED);
        g_assert_cmpuint(c.off, <=, n);
        g_free(exact);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cursor/reads-in-bounds", test_reads_in_bounds);
    g_test_add_func("/cursor/one-past-end-latches", test_one_past_end_latches);
    g_test_add_func("/cursor/truncated-vs-malformed", test_truncated_vs_malformed);
    g_test_add_func("/cursor/take", test_take);
    g_test_add_func("/cursor/huge-lengths", test_huge_lengths);
    g_test_add_func("/cursor/align", test_align);
    g_test_add_func("/cursor/every-truncation", test_every_truncation);
    return g_test_run();
}
