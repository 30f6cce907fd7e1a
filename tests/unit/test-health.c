/* test-health.c — the capture-health model (analysis/health.h): counters in,
 * issues out, and where a run's frame is in its file. */
#include "analysis/health.h"

#include <string.h>

static const TwHealthIssue *find(const GPtrArray *issues, const char *code)
{
    for (guint i = 0; i < issues->len; i++) {
        const TwHealthIssue *is = g_ptr_array_index(issues, i);
        if (strcmp(is->code, code) == 0)
            return is;
    }
    return NULL;
}

static TwEvent *krb_event(bool truncated, const char *cut_key)
{
    TwPacketInfo pi = { .frame = 1, .ts_us = 1764000000LL * G_USEC_PER_SEC };
    TwEvent *ev = tw_event_new(&pi, g_intern_string("kerberos"));
    if (truncated)
        tw_event_set_bool(ev, "truncated", TRUE);
    if (cut_key) {
        tw_event_set_str(ev, cut_key, "WS");
        tw_event_mark_truncated(ev, cut_key);
    }
    return ev;
}

static void test_nothing_relevant(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    tw_health_source(h, "a.pcap", "file");
    g_autoptr(GPtrArray) is = tw_health_assess(h);
    g_assert_cmpint(tw_health_worst(is), ==, TW_HEALTH_NOTHING);
    g_assert_nonnull(strstr(find(is, "no-relevant")->text, "holds no frames"));
}

static void test_healthy(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    TwHealthSource *s = tw_health_source(h, "a.pcap", "file");
    tw_health_frame(h, s, 1, 1, 1764000000LL * G_USEC_PER_SEC, 100, 100);
    g_autoptr(TwEvent) ev = krb_event(false, NULL);
    tw_health_event(h, ev);
    g_autoptr(GPtrArray) is = tw_health_assess(h);
    g_assert_cmpuint(is->len, ==, 0);
    g_assert_cmpint(tw_health_worst(is), ==, TW_HEALTH_OK);
}

/* A snaplen cut only matters when it cut what verdicts read. */
static void test_snaplen(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    TwHealthSource *s = tw_health_source(h, "a.pcap", "file");
    tw_health_frame(h, s, 1, 1, 1764000000LL * G_USEC_PER_SEC, 128, 300);
    tw_health_frame(h, s, 2, 2, 1764000000LL * G_USEC_PER_SEC, 60, 60);
    g_autoptr(TwEvent) whole = krb_event(false, NULL);
    tw_health_event(h, whole);
    g_autoptr(GPtrArray) note = tw_health_assess(h);
    g_assert_cmpint(find(note, "snaplen")->level, ==, TW_HEALTH_NOTE);
    g_assert_cmpuint(s->snaplen, ==, 128);
    g_assert_cmpuint(s->frames_cut, ==, 1);
    g_autoptr(TwEvent) cut = krb_event(true, "cname");
    tw_health_event(h, cut);
    g_autoptr(GPtrArray) lost = tw_health_assess(h);
    g_assert_cmpint(find(lost, "snaplen")->level, ==, TW_HEALTH_LOST);
    TwHealthTotals t = tw_health_totals(h);
    g_assert_cmpuint(t.relevant, ==, 2);
    g_assert_cmpuint(t.relevant_cut, ==, 1);
    g_assert_cmpuint(t.names_cut, ==, 1);

    /* A cut message whose names were whole still lost evidence; so does a
     * cut name in a message not otherwise marked. */
    for (int k = 0; k < 2; k++) {
        g_autoptr(TwHealth) h2 = tw_health_new();
        TwHealthSource *s2 = tw_health_source(h2, "b.pcap", "file");
        tw_health_frame(h2, s2, 1, 1, 1764000000LL * G_USEC_PER_SEC, 128, 300);
        g_autoptr(TwEvent) ev = krb_event(k == 0, k == 1 ? "sname" : NULL);
        tw_health_event(h2, ev);
        g_autoptr(GPtrArray) is = tw_health_assess(h2);
        g_assert_cmpint(find(is, "snaplen")->level, ==, TW_HEALTH_LOST);
    }
}

/* Drops as a sensor feeds them: the latest totals win. */
static void test_drops(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    TwHealthSource *s = tw_health_source(h, "eth0", "live");
    g_autoptr(TwEvent) ev = krb_event(false, NULL);
    tw_health_event(h, ev);
    tw_health_drops(h, s, 100, 0, 0);
    g_autoptr(GPtrArray) ok = tw_health_assess(h);
    g_assert_null(find(ok, "drops"));
    tw_health_drops(h, s, 200, 3, 2);
    g_autoptr(GPtrArray) is = tw_health_assess(h);
    const TwHealthIssue *d = find(is, "drops");
    g_assert_nonnull(d);
    g_assert_cmpint(d->level, ==, TW_HEALTH_LOST);
    g_assert_true(g_str_has_prefix(d->text, "5 packets"));
    g_assert_cmpint(tw_health_worst(is), ==, TW_HEALTH_LOST);
}

static void test_gaps_and_clock(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    TwHealthSource *s = tw_health_source(h, "a.pcap", "file");
    tw_health_frame(h, s, 1, 1, 5 * G_USEC_PER_SEC, 100, 100);                     /* 1970 */
    tw_health_frame(h, s, 2, 2, 1764000000LL * G_USEC_PER_SEC, 100, 100);
    tw_health_frame(h, s, 3, 3, 1764000000LL * G_USEC_PER_SEC - 2 * G_USEC_PER_SEC, 100, 100); /* back 2 s */
    tw_health_frame(h, s, 4, 4, 1764000000LL * G_USEC_PER_SEC - G_USEC_PER_SEC / 2, 100, 100);  /* jitter */
    g_autoptr(TwEvent) ev = krb_event(false, NULL);
    tw_health_event(h, ev);
    g_autoptr(GHashTable) c = g_hash_table_new(g_str_hash, g_str_equal);
    guint64 krb = 2, rpc = 1, other = 50;
    g_hash_table_insert(c, "kerberos.tcp_gaps", &krb);
    g_hash_table_insert(c, "dcerpc.gaps", &rpc);
    g_hash_table_insert(c, "http.gaps", &other);
    tw_health_counters(h, c);
    tw_health_dc_offset(h, 301.0);
    g_autoptr(GPtrArray) is = tw_health_assess(h);
    g_assert_true(g_str_has_prefix(find(is, "tcp-gaps")->text, "3 gaps"));
    g_assert_cmpuint(s->frames_unset_clock, ==, 1);
    g_assert_cmpuint(s->frames_backwards, ==, 1);
    g_assert_nonnull(strstr(find(is, "capture-clock-far")->text, "301 s behind"));
    /* worst first */
    g_assert_cmpint(((TwHealthIssue *)g_ptr_array_index(is, 0))->level, ==, TW_HEALTH_LOST);
    tw_health_dc_offset(h, 299.0);
    g_autoptr(GPtrArray) near = tw_health_assess(h);
    g_assert_null(find(near, "capture-clock-far"));
}

/* Frames run on across files; each file's own numbers (filtered frames count). */
static void test_locate(void)
{
    g_autoptr(TwHealth) h = tw_health_new();
    TwHealthSource *a = tw_health_source(h, "a.pcap", "file");
    TwHealthSource *b = tw_health_source(h, "b.pcap", "file");
    for (guint64 i = 1; i <= 10; i++)
        tw_health_frame(h, a, i, i, 1764000000LL * G_USEC_PER_SEC, 60, 60);
    /* b: its frame 1 was filtered out; 2..5 read as run frames 12..15 */
    for (guint64 i = 2; i <= 5; i++)
        tw_health_frame(h, b, 10 + i, i, 1764000000LL * G_USEC_PER_SEC, 60, 60);
    guint64 n;
    g_assert_cmpstr(tw_health_locate(h, 10, &n), ==, "a.pcap");
    g_assert_cmpuint(n, ==, 10);
    g_assert_cmpstr(tw_health_locate(h, 11, &n), ==, "b.pcap");
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpstr(tw_health_locate(h, 15, &n), ==, "b.pcap");
    g_assert_cmpuint(n, ==, 5);
    g_assert_null(tw_health_locate(h, 16, &n));
    g_assert_cmpuint(n, ==, 16);
}

static void test_truncated_marks(void)
{
    g_autoptr(TwEvent) ev = krb_event(false, "cname");
    g_assert_true(tw_event_is_truncated(ev, "cname"));
    g_assert_null(tw_event_get_whole_str(ev, "cname"));
    tw_event_set_str(ev, "realm", "LAB");
    g_assert_cmpstr(tw_event_get_whole_str(ev, "realm"), ==, "LAB");
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js);
    g_assert_nonnull(strstr(js->str, "\"cname\":\"WS\",\"cname_truncated\":true"));
    g_autoptr(TwEvent) back = tw_event_from_json(js->str, (gssize)js->len, NULL);
    g_assert_true(tw_event_is_truncated(back, "cname"));
    g_string_free(js, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/health/nothing-relevant", test_nothing_relevant);
    g_test_add_func("/health/healthy", test_healthy);
    g_test_add_func("/health/snaplen", test_snaplen);
    g_test_add_func("/health/drops", test_drops);
    g_test_add_func("/health/gaps-and-clock", test_gaps_and_clock);
    g_test_add_func("/health/locate", test_locate);
    g_test_add_func("/health/truncated-marks", test_truncated_marks);
    return g_test_run();
}
