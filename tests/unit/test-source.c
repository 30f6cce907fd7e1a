/* test-source.c — capture files through the source: several files in order
 * with continuous frame numbers, pcapng, stdin, and the errors: missing
 * file, not a capture, a file cut mid-record.  With ../shared/pcaps/public
 * present, every public capture is read to the end and its frame count
 * compared with what tshark counted (summary.tsv). */
#include "capture/source.h"
#include "core/tw-limits.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *tmpdir;

/* Writes a classic pcap with `n` frames of `len` bytes (byte i = frame id). */
static char *write_pcap(const char *name, int linktype, guint n, guint32 len, gint64 t0_us)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    pcap_t *dead = pcap_open_dead(linktype, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    g_assert_nonnull(d);
    guint8 buf[256];
    for (guint i = 0; i < n; i++) {
        struct pcap_pkthdr h;
        h.ts.tv_sec = (t0_us + i) / G_USEC_PER_SEC;
        h.ts.tv_usec = (t0_us + i) % G_USEC_PER_SEC;
        h.caplen = len;
        h.len = len + 4; /* as if snaplen had cut 4 bytes */
        memset(buf, (int)i, sizeof buf);
        pcap_dump((u_char *)d, &h, buf);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

static void le32(GByteArray *b, guint32 v)
{
    guint8 x[4] = { (guint8)v, (guint8)(v >> 8), (guint8)(v >> 16), (guint8)(v >> 24) };
    g_byte_array_append(b, x, 4);
}

/* A minimal pcapng: SHB, one IDB (linktype, µs resolution), `n` EPBs. */
static char *write_pcapng(const char *name, guint16 linktype, guint n)
{
    GByteArray *b = g_byte_array_new();
    le32(b, 0x0a0d0d0a); le32(b, 28); le32(b, 0x1a2b3c4d);
    le32(b, 0x00000001); /* version 1.0 */
    le32(b, 0xffffffff); le32(b, 0xffffffff); /* section length unknown */
    le32(b, 28);
    le32(b, 1); le32(b, 20); le32(b, linktype); le32(b, 0); le32(b, 20);
    for (guint i = 0; i < n; i++) {
        guint64 ts = 1700000000000000ull + i * 1000;
        le32(b, 6); le32(b, 32 + 8); le32(b, 0);
        le32(b, (guint32)(ts >> 32)); le32(b, (guint32)ts);
        le32(b, 8); le32(b, 8);
        guint8 data[8];
        memset(data, (int)(0x40 + i), sizeof data);
        g_byte_array_append(b, data, 8);
        le32(b, 32 + 8);
    }
    char *path = g_build_filename(tmpdir, name, NULL);
    g_assert_true(g_file_set_contents(path, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    return path;
}

static void test_files_in_order(void)
{
    g_autofree char *a = write_pcap("a.pcap", 1, 3, 60, 1000000);
    g_autofree char *b = write_pcap("b.pcap", 113, 2, 40, 2000000);
    g_autofree char *c = write_pcapng("c.pcapng", 101, 2);
    char *paths[] = { a, b, c, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
    g_assert_no_error(err);
    g_assert_false(tw_source_is_live(src));
    TwFrame f;
    static const int expect_link[] = { 1, 1, 1, 113, 113, 101, 101 };
    static const guint32 expect_len[] = { 60, 60, 60, 40, 40, 8, 8 };
    for (guint i = 0; i < 7; i++) {
        g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
        g_assert_cmpuint(f.no, ==, i + 1);
        g_assert_cmpint(f.linktype, ==, expect_link[i]);
        g_assert_cmpuint(f.caplen, ==, expect_len[i]);
        if (i < 5)
            g_assert_cmpuint(f.origlen, ==, f.caplen + 4);
    }
    g_assert_cmpint(f.ts_us, ==, (gint64)1700000000000000 + 1000);
    g_assert_cmpuint(f.data[0], ==, 0x41);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
}

/* pcapng with if_tsresol 9 (nanoseconds) and 2^-10 (binary), one EPB each;
 * times are rounded down to the microsecond. */
static void test_pcapng_resolution(void)
{
    GByteArray *b = g_byte_array_new();
    le32(b, 0x0a0d0d0a); le32(b, 28); le32(b, 0x1a2b3c4d); le32(b, 1);
    le32(b, 0xffffffff); le32(b, 0xffffffff); le32(b, 28);
    /* IDB 0: Ethernet, if_tsresol = 9; IDB 1: raw, if_tsresol = 0x8a (2^-10). */
    static const guint8 res[2] = { 9, 0x8a };
    for (int i = 0; i < 2; i++) {
        le32(b, 1); le32(b, 32); le32(b, i == 0 ? 1 : 101); le32(b, 0);
        le32(b, 9 | (1u << 16)); le32(b, res[i]); /* option 9, length 1, padded */
        le32(b, 0);                              /* opt_endofopt */
        le32(b, 32);
    }
    const guint64 ts[2] = { 1700000000123456789ull, (guint64)1700000000 * 1024 + 512 };
    for (guint i = 0; i < 2; i++) {
        le32(b, 6); le32(b, 36); le32(b, i);
        le32(b, (guint32)(ts[i] >> 32)); le32(b, (guint32)ts[i]);
        le32(b, 4); le32(b, 4); le32(b, 0x45454545); le32(b, 36);
    }
    g_autofree char *path = g_build_filename(tmpdir, "res.pcapng", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    char *paths[] = { path, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
    g_assert_no_error(err);
    TwFrame f;
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(f.ts_us, ==, (gint64)1700000000123456);
    g_assert_cmpint(f.linktype, ==, 1);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(f.ts_us, ==, (gint64)1700000000500000);
    g_assert_cmpint(f.linktype, ==, 101);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
}

static void be32(GByteArray *b, guint32 v)
{
    guint8 x[4] = { (guint8)(v >> 24), (guint8)(v >> 16), (guint8)(v >> 8), (guint8)v };
    g_byte_array_append(b, x, 4);
}

/* Classic pcap written by hand with `magic` in the writer's byte order
 * (big-endian writer: the reader sees the byte-swapped magic), two records
 * whose fraction field is `frac[i]`: nanoseconds for 0xa1b23c4d, so the
 * times must come back divided by 1000 (rounded down to the µs). */
static void check_classic(guint32 magic, bool big_endian, const guint32 *frac,
                          const gint64 *expect_us)
{
    void (*w32)(GByteArray *, guint32) = big_endian ? be32 : le32;
    GByteArray *b = g_byte_array_new();
    w32(b, magic);
    w32(b, big_endian ? 0x00020004u : 0x00040002u); /* version 2.4: two 16-bit fields */
    w32(b, 0); w32(b, 0); w32(b, 65535); w32(b, 1);
    for (int i = 0; i < 2; i++) {
        w32(b, 1700000000u + (guint32)i);
        w32(b, frac[i]);
        w32(b, 4); w32(b, 4);
        w32(b, 0x45454545);
    }
    g_autofree char *path = g_build_filename(tmpdir, "classic.pcap", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    char *paths[] = { path, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
    g_assert_no_error(err);
    TwFrame f;
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
        g_assert_cmpint(f.ts_us, ==, expect_us[i]);
        g_assert_cmpuint(f.caplen, ==, 4);
    }
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
    g_assert_no_error(err);
}

/* Nanosecond classic pcap (magic 0xa1b23c4d, and 0x4d3cb2a1 as a reader on
 * the other byte order sees it): fractions are nanoseconds.  The same
 * fractions under the microsecond magic are microseconds. */
static void test_classic_nanoseconds(void)
{
    static const guint32 ns[2] = { 123456789, 999999999 };
    static const gint64 ns_us[2] = { (gint64)1700000000 * G_USEC_PER_SEC + 123456,
                                     (gint64)1700000001 * G_USEC_PER_SEC + 999999 };
    check_classic(0xa1b23c4d, false, ns, ns_us);
    check_classic(0xa1b23c4d, true, ns, ns_us);
    static const guint32 us[2] = { 123456, 999999 };
    static const gint64 us_us[2] = { (gint64)1700000000 * G_USEC_PER_SEC + 123456,
                                     (gint64)1700000001 * G_USEC_PER_SEC + 999999 };
    check_classic(0xa1b2c3d4, false, us, us_us);
    check_classic(0xa1b2c3d4, true, us, us_us);
}

static void test_timestamps(void)
{
    g_autofree char *a = write_pcap("t.pcap", 1, 2, 20, (gint64)1234567890 * G_USEC_PER_SEC + 999998);
    char *paths[] = { a, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
    TwFrame f;
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(f.ts_us, ==, (gint64)1234567890 * G_USEC_PER_SEC + 999998);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(f.ts_us, ==, (gint64)1234567890 * G_USEC_PER_SEC + 999999);
}

static void test_missing_and_not_capture(void)
{
    g_autoptr(GError) err = NULL;
    char *missing[] = { "/nonexistent/x.pcap", NULL };
    g_assert_null(tw_source_open_files(missing, NULL, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "/nonexistent/x.pcap"));
    g_assert_nonnull(strstr(err->message, "No such file"));
    g_clear_error(&err);

    g_autofree char *txt = g_build_filename(tmpdir, "notes.txt", NULL);
    g_assert_true(g_file_set_contents(txt, "this is not a capture file at all\n", -1, NULL));
    char *bad[] = { txt, NULL };
    g_assert_null(tw_source_open_files(bad, NULL, &err));
    g_assert_nonnull(strstr(err->message, "not a pcap or pcapng capture file"));
    g_clear_error(&err);

    /* A bad second file is reported when reached, after the first's frames. */
    g_autofree char *a = write_pcap("ok.pcap", 1, 1, 20, 0);
    char *mixed[] = { a, txt, NULL };
    g_autoptr(TwSource) src = tw_source_open_files(mixed, NULL, &err);
    g_assert_no_error(err);
    TwFrame f;
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "notes.txt"));
}

static void test_truncated_file(void)
{
    g_autofree char *a = write_pcap("cut.pcap", 1, 4, 100, 0);
    gchar *bytes;
    gsize len;
    g_assert_true(g_file_get_contents(a, &bytes, &len, NULL));
    g_assert_cmpuint(len, ==, 24 + 4 * (16 + 100));
    /* Cut inside the third record's data (also within 16 bytes of its
     * end: more than its data is left counting the header), then inside
     * its header. */
    const gsize cuts[] = { 24 + 2 * 116 + 16 + 50, 24 + 2 * 116 + 16 + 90, 24 + 2 * 116 + 7 };
    for (gsize k = 0; k < G_N_ELEMENTS(cuts); k++) {
        g_assert_true(g_file_set_contents(a, bytes, (gssize)cuts[k], NULL));
        char *paths[] = { a, NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
        g_assert_no_error(err);
        TwFrame f;
        g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
        g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
        g_assert_cmpuint(f.no, ==, 2);
        g_assert_cmpint(tw_source_next(src, &f, &err), ==, -1);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, "truncated"));
        g_assert_nonnull(strstr(err->message, "cut.pcap"));
    }
    g_free(bytes);
}

/* Record lengths as read from a (mapped) classic pcap: a wire length below
 * the captured one is raised to it; a record longer than
 * TW_SAVEFILE_MAX_RECORD is corrupt even when the file holds its bytes. */
static void test_record_lengths(void)
{
    static const guint8 hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0xff, 0xff, 0, 0, 1, 0, 0, 0 };
    for (int big = 0; big < 2; big++) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        g_byte_array_append(b, hdr, sizeof hdr);
        guint32 caplen = big ? TW_SAVEFILE_MAX_RECORD + 1 : 100;
        le32(b, 7);       /* seconds */
        le32(b, 5);       /* microseconds */
        le32(b, caplen);  /* captured */
        le32(b, big ? caplen : 10); /* on the wire: less than captured */
        g_byte_array_set_size(b, b->len + caplen + 16);
        memset(b->data + 40, 0x45, caplen + 16);
        g_autofree char *path = g_build_filename(tmpdir, "lengths.pcap", NULL);
        g_assert_true(g_file_set_contents(path, (const char *)b->data, b->len, NULL));
        char *paths[] = { path, NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
        g_assert_no_error(err);
        TwFrame f;
        int r = tw_source_next(src, &f, &err);
        if (big) {
            g_assert_cmpint(r, ==, -1);
            g_assert_nonnull(strstr(err->message, "corrupt capture file"));
        } else {
            g_assert_cmpint(r, ==, 1);
            g_assert_cmpuint(f.caplen, ==, 100);
            g_assert_cmpuint(f.origlen, ==, 100);
            g_assert_cmpint(f.ts_us, ==, 7 * G_USEC_PER_SEC + 5);
            g_assert_cmpuint(f.data[0], ==, 0x45);
        }
    }
}

static void test_filter(void)
{
    g_autofree char *a = write_pcap("f.pcap", 1, 3, 60, 0);
    char *paths[] = { a, NULL };
    g_autoptr(GError) err = NULL;
    /* The frames are filler bytes, not IP: "ip" matches none. */
    g_autoptr(TwSource) src = tw_source_open_files(paths, "ip", &err);
    g_assert_no_error(err);
    TwFrame f;
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
    g_autoptr(TwSource) bad = tw_source_open_files(paths, "not a filter (", &err);
    g_assert_null(bad);
    g_assert_nonnull(strstr(err->message, "bad filter"));
}

static void test_stdin(void)
{
    g_autofree char *a = write_pcap("stdin.pcap", 1, 2, 30, 0);
    g_assert_nonnull(freopen(a, "rb", stdin));
    char *paths[] = { "-", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
    g_assert_no_error(err);
    TwFrame f;
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 1);
    g_assert_cmpint(tw_source_next(src, &f, &err), ==, 0);
}

static void test_live_errors(void)
{
    TwLiveOptions lo = { .iface = "twnosuchif0", .immediate = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_live(&lo, &err);
    g_assert_null(src);
    g_assert_nonnull(strstr(err->message, "twnosuchif0"));
}

static void test_public_captures(void)
{
    const char *srcdir = g_getenv("G_TEST_SRCDIR");
    g_autofree char *dir = srcdir ? g_build_filename(srcdir, "..", "..", "shared", "pcaps", "public", NULL)
                                  : g_strdup("../shared/pcaps/public");
    g_autofree char *summary = g_build_filename(dir, "summary.tsv", NULL);
    gchar *text = NULL;
    if (!g_file_get_contents(summary, &text, NULL, NULL)) {
        g_test_skip("../shared/pcaps/public absent");
        return;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_free(text);
    guint checked = 0;
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) cols = g_strsplit(lines[i], "\t", 3);
        if (!cols[0] || !cols[1])
            continue;
        g_autofree char *path = g_build_filename(dir, cols[0], NULL);
        char *paths[] = { path, NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(TwSource) src = tw_source_open_files(paths, NULL, &err);
        g_assert_no_error(err);
        TwFrame f;
        int r;
        guint64 n = 0;
        while ((r = tw_source_next(src, &f, &err)) > 0)
            n++;
        g_assert_no_error(err);
        g_assert_cmpint(r, ==, 0);
        if (n != g_ascii_strtoull(cols[1], NULL, 10))
            g_error("%s: %" G_GUINT64_FORMAT " frames, tshark counted %s", cols[0], n, cols[1]);
        checked++;
    }
    g_test_message("%u public captures: frame counts agree with tshark", checked);
    g_assert_cmpuint(checked, >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("tw-source-XXXXXX", NULL);
    g_test_add_func("/source/files-in-order", test_files_in_order);
    g_test_add_func("/source/timestamps", test_timestamps);
    g_test_add_func("/source/classic-nanoseconds", test_classic_nanoseconds);
    g_test_add_func("/source/pcapng-resolution", test_pcapng_resolution);
    g_test_add_func("/source/missing-and-not-capture", test_missing_and_not_capture);
    g_test_add_func("/source/truncated-file", test_truncated_file);
    g_test_add_func("/source/record-lengths", test_record_lengths);
    g_test_add_func("/source/filter", test_filter);
    g_test_add_func("/source/stdin", test_stdin);
    g_test_add_func("/source/live-errors", test_live_errors);
    g_test_add_func("/source/public-captures", test_public_captures);
    int r = g_test_run();
    g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}
