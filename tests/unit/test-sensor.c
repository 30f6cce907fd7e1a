/* test-sensor.c — the long-running sensor's pieces: retiring machines not
 * seen for a while (analysis/retire.c), the pcapng ring (capture/ring.c),
 * durations of --report-every/--retire-after (cli/live.c is not in a
 * library, so its parser is tested through the binary by tests/live). */
#include "analysis-test-util.h"
#include "analysis/retire.h"
#include "capture/ring.h"
#include "capture/pipeline.h"

#include <string.h>

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
    g_autofree char *file = NULL;
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
    g_clear_pointer(&file, g_free);
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


/* Frames written out of order (a datagram's fragments come late, another
 * worker's frame a little late): each is found at its place in the file. */
static void test_ring_unordered(void)
{
    g_autofree char *dir = g_dir_make_tmp("tw-ring-XXXXXX", NULL);
    TwRingOptions o = { .dir = dir, .linktype = 1, .snaplen = 262144 };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwRing) r = tw_ring_open(&o, &err);
    g_assert_no_error(err);
    guint8 data[60] = { 0 };
    static const guint64 order[] = { 3, 7, 5, 4, 9, 2, 100 };
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        data[0] = (guint8)order[i];
        TwFrame f = { .no = order[i], .ts_us = 1700000000000000, .linktype = 1, .data = data, .caplen = 60, .origlen = 60 };
        g_assert_true(tw_ring_write(r, &f));
    }
    tw_ring_flush(r);
    guint8 firsts[8];
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        g_autofree char *file = NULL;
        guint64 in_file = 0;
        g_assert_true(tw_ring_locate(r, order[i], &file, &in_file));
        g_assert_cmpuint(in_file, ==, i + 1);
        g_assert_cmpuint(read_epbs(file, firsts, 8), ==, G_N_ELEMENTS(order));
        g_assert_cmpuint(firsts[in_file - 1], ==, order[i]);
    }
    g_autofree char *file = NULL;
    guint64 in_file;
    g_assert_false(tw_ring_locate(r, 1, &file, &in_file));
    g_assert_false(tw_ring_locate(r, 6, &file, &in_file));
    g_assert_false(tw_ring_locate(r, 99, &file, &in_file));
    guint64 written, not_kept;
    tw_ring_counts(r, &written, &not_kept);
    g_assert_cmpuint(written, ==, G_N_ELEMENTS(order));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(dir);
}

/* Ethernet + IPv4 + (UDP | TCP) frame; `frag`: 0 whole, 1 first fragment
 * (MF, offset 0, the UDP header and `len` payload bytes), 2 the last one
 * (offset 8 + len, `len` bytes). */
static guint build(guint8 *b, guint8 proto, guint8 src, guint8 dst, guint16 sport, guint16 dport, guint8 tcpflags,
                   guint16 len, int frag, guint8 fill)
{
    memset(b, 0, 14);
    b[12] = 0x08;
    guint8 *ip = b + 14;
    guint l4 = proto == 6 ? 20 : 8;
    guint body = frag == 2 ? len : l4 + len;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (guint8)((20 + body) >> 8);
    ip[3] = (guint8)(20 + body);
    ip[5] = 42; /* id */
    if (frag == 1)
        ip[6] = 0x20; /* MF */
    if (frag == 2) {
        guint16 off8 = (guint16)((8 + len) / 8);
        ip[6] = (guint8)(off8 >> 8);
        ip[7] = (guint8)off8;
    }
    ip[8] = 64;
    ip[9] = proto;
    ip[12] = 10, ip[15] = src;
    ip[16] = 10, ip[19] = dst;
    guint8 *p = ip + 20;
    if (frag != 2) {
        memset(p, 0, l4);
        p[0] = (guint8)(sport >> 8), p[1] = (guint8)sport;
        p[2] = (guint8)(dport >> 8), p[3] = (guint8)dport;
        if (proto == 17) {
            guint16 ulen = (guint16)(8 + (frag == 1 ? 2 * len : len));
            p[4] = (guint8)(ulen >> 8), p[5] = (guint8)ulen;
        } else {
            p[7] = 1;      /* seq */
            p[12] = 0x50;  /* data offset 5 */
            p[13] = tcpflags;
        }
        p += l4;
    }
    memset(p, fill, len);
    return 14 + 20 + body;
}

typedef struct {
    TwFrame f[8];
    guint8 buf[8][200];
    guint n;
} Frames;

static void add_frame(Frames *fr, guint len)
{
    TwFrame *f = &fr->f[fr->n];
    f->no = fr->n + 1;
    f->ts_us = 1700000000000000 + (gint64)fr->n * 1000;
    f->linktype = 1;
    f->data = fr->buf[fr->n];
    f->caplen = f->origlen = len;
    fr->n++;
}

static void drop_event(TwEvent *ev, void *user)
{
    (void)user;
    tw_event_free(ev);
}

/* Through a real pipeline: only what fed a dissector reaches the ring, a
 * datagram's held fragment just before the frame that completed it. */
static void test_ring_tap(void)
{
    g_autofree char *dir = g_dir_make_tmp("tw-ring-XXXXXX", NULL);
    TwRingOptions o = { .dir = dir, .linktype = 1, .snaplen = 262144 };
    g_autoptr(GError) err = NULL;
    g_autoptr(TwRing) r = tw_ring_open(&o, &err);
    g_assert_no_error(err);
    g_autoptr(TwRingTap) tap = tw_ring_tap_new(r);
    Frames fr = { 0 };
    /* 1: first fragment of a UDP datagram to port 88 (held) */
    add_frame(&fr, build(fr.buf[fr.n], 17, 1, 2, 5000, 88, 0, 40, 1, 0xa1));
    /* 2: UDP to a port no dissector wants */
    add_frame(&fr, build(fr.buf[fr.n], 17, 3, 4, 5000, 9999, 0, 40, 0, 0xa2));
    /* 3: UDP to port 88 */
    add_frame(&fr, build(fr.buf[fr.n], 17, 5, 2, 5001, 88, 0, 40, 0, 0xa3));
    /* 4: the datagram's last fragment: 1 and 4 are used */
    add_frame(&fr, build(fr.buf[fr.n], 17, 1, 2, 0, 0, 0, 40, 2, 0xa4));
    /* 5: TCP SYN to port 88, 6: a pure ACK, 7: data */
    add_frame(&fr, build(fr.buf[fr.n], 6, 6, 2, 40000, 88, 0x02, 0, 0, 0));
    add_frame(&fr, build(fr.buf[fr.n], 6, 6, 2, 40000, 88, 0x10, 0, 0, 0));
    add_frame(&fr, build(fr.buf[fr.n], 6, 6, 2, 40000, 88, 0x18, 30, 0, 0xa7));
    {
        TwPipelineConfig pc = { .emit = drop_event, .quiet = true, .frame_hooks = tw_ring_tap_hooks(tap) };
        g_autoptr(TwPipeline) pl = tw_pipeline_new(&pc);
        for (guint i = 0; i < fr.n; i++)
            tw_pipeline_frame(pl, &fr.f[i]);
        tw_pipeline_finish(pl);
    }
    tw_ring_flush(r);
    /* run frame -> in-file frame */
    static const guint64 want[8] = { 0, 2, 0, 1, 3, 4, 0, 5 };
    for (guint64 no = 1; no <= 7; no++) {
        g_autofree char *file = NULL;
        guint64 in_file = 0;
        bool found = tw_ring_locate(r, no, &file, &in_file);
        g_assert_cmpint(found, ==, want[no] != 0);
        if (!found)
            continue;
        g_assert_cmpuint(in_file, ==, want[no]);
        /* the in-file frame holds that frame's bytes */
        g_autofree gchar *buf = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(file, &buf, &len, NULL));
        gsize off = 0;
        guint k = 0;
        while (off + 12 <= len) {
            guint32 type, total;
            memcpy(&type, buf + off, 4);
            memcpy(&total, buf + off + 4, 4);
            if (type == 6 && ++k == in_file) {
                guint32 caplen;
                memcpy(&caplen, buf + off + 20, 4);
                g_assert_cmpuint(caplen, ==, fr.f[no - 1].caplen);
                g_assert_cmpmem(buf + off + 28, caplen, fr.f[no - 1].data, fr.f[no - 1].caplen);
                break;
            }
            off += total;
        }
        g_assert_cmpuint(k, ==, in_file);
    }
    guint64 written, not_kept;
    tw_ring_counts(r, &written, &not_kept);
    g_assert_cmpuint(written, ==, 5);
    g_assert_cmpuint(not_kept, ==, 0);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        g_unlink(p);
    }
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
    g_test_add_func("/sensor/ring-unordered", test_ring_unordered);
    g_test_add_func("/sensor/ring-tap", test_ring_tap);
    g_test_add_func("/sensor/ring-spec", test_ring_spec);
    return g_test_run();
}
