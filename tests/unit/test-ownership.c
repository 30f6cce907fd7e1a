/* test-ownership.c — the g_autoptr / g_auto cleanups the headers declare
 * (G_DEFINE_AUTOPTR_CLEANUP_FUNC, G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC) free
 * what the objects hold on every exit; run under ASan with detect_leaks=1
 * a missing or wrong cleanup is a leak report. */
#include "analysis/analysis.h"
#include "capture/flow.h"
#include "capture/ip-defrag.h"
#include "capture/savefile.h"
#include "capture/tcp-reasm.h"
#include "core/event-json.h"
#include "output/sink.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* A classic pcap file header (little-endian magic, version 2.4, snaplen
 * 65535, LINKTYPE_ETHERNET) and no record. */
static const guint8 pcap_header[24] = {
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};

static void on_close(TwFlow *flow, TwFlowEnd why, void *user)
{
    guint *closed = user;
    g_assert_cmpint(why, ==, TW_FLOW_END);
    (*closed)++;
}

/* The table, its notify and counters go out of scope in reverse order of
 * declaration: the flow table is freed first, closing its flow. */
static void test_flow_table_and_defrag(void)
{
    guint closed = 0;
    {
        g_autoptr(GHashTable) counters = tw_counters_new();
        g_auto(TwCapNotify) notify = { 0 };
        tw_cap_notify_init(&notify, counters);
        g_autoptr(TwDefrag) d = tw_defrag_new(&notify);
        g_autoptr(TwFlowTable) t = tw_flow_table_new(on_close, &closed, &notify);
        const guint8 a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
        TwFlowKey key;
        guint8 side;
        tw_flow_key_make(&key, 4, 17, a, 1000, b, 88, &side);
        g_assert_nonnull(tw_flow_insert(t, &key, 1));
        g_assert_cmpuint(tw_flow_count(t), ==, 1);
        g_assert_cmpuint(tw_defrag_pending(d), ==, 0);
    }
    g_assert_cmpuint(closed, ==, 1);
}

/* The savefile owns its FILE, on success and on failure alike. */
static void test_savefile(void)
{
    FILE *fp = fmemopen((void *)pcap_header, sizeof pcap_header, "rb");
    g_assert_nonnull(fp);
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSavefile) sf = tw_savefile_open(fp, "header-only", &err);
    g_assert_no_error(err);
    g_assert_nonnull(sf);
    g_assert_cmpint(tw_savefile_first_linktype(sf), ==, 1);
    TwSavefileRecord rec;
    g_assert_cmpint(tw_savefile_next(sf, &rec, &err), ==, 0);

    static const guint8 junk[8] = "notpcap";
    FILE *bad = fmemopen((void *)junk, sizeof junk, "rb");
    g_assert_nonnull(bad);
    g_autoptr(GError) err2 = NULL;
    g_autoptr(TwSavefile) none = tw_savefile_open(bad, "junk", &err2); /* closes bad */
    g_assert_null(none);
    g_assert_nonnull(err2);
}

/* A sink borrows its stream: declared after it, it is freed before it. */
static void test_out_and_sink(void)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("tw-own-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    {
        g_autoptr(GError) err = NULL;
        g_autoptr(TwOut) out = tw_out_open(path, &err);
        g_assert_no_error(err);
        g_autoptr(TwSink) sink = tw_sink_new("events", out);
        g_assert_nonnull(sink);
        TwPacketInfo pi = { .frame = 7, .transport = "udp" };
        g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
        sink->event(sink, ev);
        g_assert_cmpint(tw_out_finish(out), ==, 0);
        g_autoptr(TwSink) unknown = tw_sink_new("no-such-mode", out);
        g_assert_null(unknown);
    }
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"kerberos\""));
    g_unlink(path);
}

static void test_line_reader(void)
{
    static const char input[] = "one\ntwo\n";
    FILE *f = fmemopen((void *)input, strlen(input), "r");
    g_assert_nonnull(f);
    {
        g_auto(TwLineReader) lr;
        tw_line_reader_init(&lr, f, 64);
        const char *line;
        gsize len;
        g_assert_cmpint(tw_line_reader_next(&lr, &line, &len), ==, 1);
        g_assert_cmpstr(line, ==, "one");
        g_assert_nonnull(lr.buf);
    }
    fclose(f);
}

static void no_data(void *user, int dir, const guint8 *p, guint32 len)
{
    g_assert_not_reached();
}

static void no_gap(void *user, int dir, guint64 len)
{
    g_assert_not_reached();
}

/* A segment queued ahead of a hole is freed by the clear, undelivered. */
static void test_tcp_dir(void)
{
    g_autoptr(GHashTable) counters = tw_counters_new();
    g_auto(TwCapNotify) notify = { 0 };
    tw_cap_notify_init(&notify, counters);
    g_auto(TwTcpDir) dir;
    tw_tcp_dir_init(&dir);
    TwTcpSink sink = { no_data, no_gap, NULL, 0, &notify, NULL };
    tw_tcp_dir_segment(&dir, 100, TW_TCP_SYN, NULL, 0, 0, &sink);
    tw_tcp_dir_segment(&dir, 110, 0, (const guint8 *)"ahead", 5, 5, &sink);
    g_assert_cmpuint(dir.ooo.length, ==, 1);
}

static void test_analysis_records(void)
{
    g_autoptr(TwFinding) f = g_new0(TwFinding, 1);
    f->summary = g_strdup("summary");
    f->fix = g_strdup("fix");
    f->evidence = g_ptr_array_new();
    g_autoptr(TwEvidence) e = g_new0(TwEvidence, 1);
    e->msg = tw_intern("AS-REQ");
    e->src = tw_intern("10.0.0.1");
    e->dst = tw_intern("10.0.0.2");
    g_ptr_array_add(f->evidence, e); /* borrowed, as a finding's evidence is */
    g_assert_cmpuint(f->evidence->len, ==, 1);
    g_autoptr(TwFinding) none = NULL; /* the cleanup skips NULL */
    g_assert_null(none);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ownership/flow-table-defrag", test_flow_table_and_defrag);
    g_test_add_func("/ownership/savefile", test_savefile);
    g_test_add_func("/ownership/out-sink", test_out_and_sink);
    g_test_add_func("/ownership/line-reader", test_line_reader);
    g_test_add_func("/ownership/tcp-dir", test_tcp_dir);
    g_test_add_func("/ownership/analysis-records", test_analysis_records);
    return g_test_run();
}
