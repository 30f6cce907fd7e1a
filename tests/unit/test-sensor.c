/* test-sensor.c — the long-running sensor's pieces: retiring machines not
 * seen for a while (analysis/retire.c), the pcapng ring (capture/ring.c),
 * durations of --report-every/--retire-after (cli/live.c is not in a
 * library, so its parser is tested through the binary by tests/live). */
#include "analysis-test-util.h"
#include "analysis/retire.h"
#include "capture/ring.h"

#include <glib/gstdio.h>
#include <unistd.h>

static const char *const ws3_stale[] = {
    /* WS3$ fails pre-authentication at 09:00 (stale password) */
    "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00.000000Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.13\",\"sport\":50001,"
    "\"dst\":\"10.0.0.1\",\"dport\":88,\"transport\":\"udp\",\"msg_type\":10,\"msg\":\"AS-REQ\",\"realm\":\"LAB.EXAMPLE\","
    "\"cname\":\"WS3$\",\"sname\":\"krbtgt/LAB.EXAMPLE\",\"padata\":[2,128]}",
    "{\"frame\":2,\"ts\":\"2026-03-02T09:00:00.002000Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
    "\"dst\":\"10.0.0.13\",\"dport\":50001,\"transport\":\"udp\",\"msg_type\":30,\"msg\":\"KRB-ERROR\",\"realm\":\"LAB.EXAMPLE\","
    "\"sname\":\"krbtgt/LAB.EXAMPLE\",\"error_code\":24,\"error_name\":\"KDC_ERR_PREAUTH_FAILED\",\"reply_to\":1}",
    /* alice fails too (a user-failure record) */
    "{\"frame\":3,\"ts\":\"2026-03-02T09:00:01.000000Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.13\",\"sport\":50002,"
    "\"dst\":\"10.0.0.1\",\"dport\":88,\"transport\":\"udp\",\"msg_type\":10,\"msg\":\"AS-REQ\",\"realm\":\"LAB.EXAMPLE\","
    "\"cname\":\"alice\",\"sname\":\"krbtgt/LAB.EXAMPLE\",\"padata\":[2,128]}",
    "{\"frame\":4,\"ts\":\"2026-03-02T09:00:01.002000Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
    "\"dst\":\"10.0.0.13\",\"dport\":50002,\"transport\":\"udp\",\"msg_type\":30,\"msg\":\"KRB-ERROR\",\"realm\":\"LAB.EXAMPLE\","
    "\"sname\":\"krbtgt/LAB.EXAMPLE\",\"error_code\":24,\"error_name\":\"KDC_ERR_PREAUTH_FAILED\",\"reply_to\":3}",
    NULL,
};

static const char *const ws4_later[] = {
    /* WS4$ asks for a ticket at 10:00 */
    "{\"frame\":5,\"ts\":\"2026-03-02T10:00:00.000000Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.14\",\"sport\":50003,"
    "\"dst\":\"10.0.0.1\",\"dport\":88,\"transport\":\"udp\",\"msg_type\":10,\"msg\":\"AS-REQ\",\"realm\":\"LAB.EXAMPLE\","
    "\"cname\":\"WS4$\",\"sname\":\"krbtgt/LAB.EXAMPLE\"}",
    NULL,
};

typedef struct {
    GPtrArray *keys;
    GPtrArray *verdicts;
} Retired;

static void on_retire(const TwAnalysis *a, const TwMachine *m, GPtrArray *fs, void *user)
{
    (void)a;
    Retired *r = user;
    g_ptr_array_add(r->keys, g_strdup(m->key));
    g_ptr_array_add(r->verdicts, g_strdup(verdict_of(fs)));
}

static gint64 at(const char *iso)
{
    gint64 us = 0;
    g_assert_true(tw_parse_time(iso, &us));
    return us;
}

static void test_retire(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, ws3_stale, NULL);
    feed_lines(a, ws4_later, NULL);
    g_assert_nonnull(g_hash_table_lookup(a->machines, "WS3$"));
    g_assert_cmpuint(a->users->len, ==, 1);
    Retired r = { g_ptr_array_new_with_free_func(g_free), g_ptr_array_new_with_free_func(g_free) };

    /* 10:00 with 1 h idle: WS3$ (last seen 09:00:01) is 59 min 59 s idle: kept */
    g_assert_cmpuint(tw_analysis_retire(a, at("2026-03-02T10:00:00Z"), (gint64)3600 * G_USEC_PER_SEC, on_retire, &r), ==, 0);
    g_assert_cmpuint(r.keys->len, ==, 0);
    g_assert_cmpuint(a->users->len, ==, 1); /* alice's failure at 09:00:01 is not as old either */
    g_assert_nonnull(g_hash_table_lookup(a->ip_owner, "10.0.0.13"));
    /* 10:00:02: WS3$ has been idle for more than an hour: its last verdict
     * is announced, then it goes, with the user failure of its address */
    g_assert_cmpuint(tw_analysis_retire(a, at("2026-03-02T10:00:02Z"), (gint64)3600 * G_USEC_PER_SEC, on_retire, &r), ==, 1);
    g_assert_cmpuint(r.keys->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(r.keys, 0), ==, "WS3$");
    g_assert_cmpstr(g_ptr_array_index(r.verdicts, 0), ==, "stale-password");
    g_assert_null(g_hash_table_lookup(a->machines, "WS3$"));
    g_assert_nonnull(g_hash_table_lookup(a->machines, "WS4$"));
    g_assert_cmpuint(a->users->len, ==, 0);
    g_assert_cmpuint(g_hash_table_size(a->user_index), ==, 0);
    g_assert_null(g_hash_table_lookup(a->ip_owner, "10.0.0.13"));
    for (guint i = 0; i < a->machine_order->len; i++)
        g_assert_cmpstr(((TwMachine *)g_ptr_array_index(a->machine_order, i))->key, !=, "WS3$");
    /* the DC (10.0.0.1) is never retired, however idle */
    g_assert_cmpuint(tw_analysis_retire(a, at("2026-03-09T10:00:00Z"), (gint64)3600 * G_USEC_PER_SEC, on_retire, &r), ==, 1);
    g_assert_cmpstr(g_ptr_array_index(r.keys, 1), ==, "WS4$");
    for (guint i = 0; i < a->machine_order->len; i++)
        g_assert_true(((TwMachine *)g_ptr_array_index(a->machine_order, i))->role == TW_ROLE_DC);
    /* a machine that comes back is a new record, and the report still works */
    feed_lines(a, ws3_stale, NULL);
    g_autoptr(GPtrArray) fs = findings_of(a, "WS3$");
    g_assert_cmpstr(verdict_of(fs), ==, "stale-password");
    g_autofree char *rep = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_nonnull(strstr(rep, "WS3$"));
    g_assert_null(strstr(rep, "WS4$"));
    /* 0 idle: nothing */
    g_assert_cmpuint(tw_analysis_retire(a, G_MAXINT64, 0, on_retire, &r), ==, 0);
    g_ptr_array_unref(r.keys);
    g_ptr_array_unref(r.verdicts);
}

/* Reads back the EPB frames of a pcapng written by the ring: their count
 * and the first byte of each (the test writes its frame number there). */
static guint read_epbs(const char *path, guint8 *first_bytes, guint max)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    guint n = 0;
    gsize off = 0;
    guint32 type, total;
    while (off + 12 <= len) {
        memcpy(&type, buf + off, 4);
        memcpy(&total, buf + off + 4, 4);
        g_assert_cmpuint(total % 4, ==, 0);
        g_assert_cmpuint(total, >=, 12);
        g_assert_cmpuint(off + total, <=, len);
        guint32 trailer;
        memcpy(&trailer, buf + off + total - 4, 4);
        g_assert_cmpuint(trailer, ==, total);
        if (off == 0)
            g_assert_cmphex(type, ==, 0x0A0D0D0A);
        if (type == 6) {
            guint32 caplen;
            memcpy(&caplen, buf + off + 20, 4);
            g_assert_cmpuint(caplen, ==, 60);
            g_assert_cmpuint(total, ==, 12 + 20 + 60); /* 60 is a multiple of 4: no padding */
            if (n < max)
                first_bytes[n] = (guint8)buf[off + 28];
            n++;
        }
        off += total;
    }
    g_assert_cmpuint(off, ==, len);
    return n;
}

static void test_ring(void)
{
    g_autofree char *dir = g_dir_make_tmp("tw-ring-XXXXXX", NULL);
    g_assert_nonnull(dir);
    /* 60-byte frames are 92-byte EPBs; a new file past 500 bytes: each file
     * holds the headers and 5 frames, and 3 files are kept */
    TwRingOptions o = { .dir = dir, .file_bytes = 500, .files = 3, .linktype = 1, .snaplen = 262144, .iface = "eth0" };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwRing) r = tw_ring_open(&o, &err);
    g_assert_no_error(err);
    guint8 data[60] = { 0 };
    for (guint64 no = 1; no <= 23; no++) {
        data[0] = (guint8)no;
        TwFrame f = { .no = no, .ts_us = 1700000000000000 + (gint64)no, .linktype = 1, .data = data,
                      .caplen = 60, .origlen = 60 };
        g_assert_true(tw_ring_write(r, &f));
    }
    tw_ring_flush(r);
    g_assert_null(tw_ring_error(r));
    const char *file;
    guint64 in_file;
    /* frames 1-15 were in files 1-3; files 1 and 2 were deleted */
    g_assert_false(tw_ring_locate(r, 10, &file, &in_file));
    g_assert_false(tw_ring_locate(r, 24, &file, &in_file));
    g_assert_true(tw_ring_locate(r, 11, &file, &in_file));
    g_assert_cmpuint(in_file, ==, 1);
    g_assert_true(g_str_has_suffix(file, ".pcapng") && strstr(file, "_00003_"));
    guint8 firsts[8];
    g_assert_cmpuint(read_epbs(file, firsts, 8), ==, 5);
    g_assert_cmpuint(firsts[0], ==, 11);
    g_assert_cmpuint(firsts[4], ==, 15);
    g_assert_true(tw_ring_locate(r, 23, &file, &in_file));
    g_assert_cmpuint(in_file, ==, 3);
    g_assert_cmpuint(read_epbs(file, firsts, 8), ==, 3);
    g_assert_cmpuint(firsts[2], ==, 23);
    /* the kept files and only them */
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint files = 0;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        files++;
        g_unlink(p);
    }
    g_assert_cmpuint(files, ==, 3);
    g_rmdir(dir);
}

static void test_ring_spec(void)
{
    TwRingOptions o = { 0 };
    g_autoptr(GError) err = NULL;
    g_assert_true(tw_ring_parse_spec("filesize:5,files:4", &o, &err));
    g_assert_cmpuint(o.file_bytes, ==, 5000000);
    g_assert_cmpuint(o.files, ==, 4);
    g_assert_false(tw_ring_parse_spec("filesize:0", &o, &err));
    g_clear_error(&err);
    g_assert_false(tw_ring_parse_spec("files:x", &o, &err));
    g_clear_error(&err);
    g_assert_false(tw_ring_parse_spec("duration:10", &o, &err));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sensor/retire", test_retire);
    g_test_add_func("/sensor/ring", test_ring);
    g_test_add_func("/sensor/ring-spec", test_ring_spec);
    return g_test_run();
}
