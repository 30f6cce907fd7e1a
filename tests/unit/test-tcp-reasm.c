/* test-tcp-reasm.c — scripted segments through one direction of TCP
 * reassembly; the sink records "bytes" and [gap N] in delivery order. */
#include "capture/caps.h"
#include "capture/tcp-reasm.h"

#include <string.h>

typedef struct {
    GString *log;
    guint64 bytes;
    GHashTable *counters;
    TwCapNotify notify;
    TwTcpDir dir;
    TwTcpSink sink;
} Fixture;

static void on_data(void *user, int dir, const guint8 *p, guint32 len)
{
    Fixture *fx = user;
    g_string_append_len(fx->log, (const char *)p, len);
    fx->bytes += len;
}

static void on_gap(void *user, int dir, guint64 len)
{
    Fixture *fx = user;
    g_string_append_printf(fx->log, "[gap %" G_GUINT64_FORMAT "]", len);
}

static void fx_setup(Fixture *fx, gconstpointer data)
{
    fx->log = g_string_new(NULL);
    fx->bytes = 0;
    fx->counters = tw_counters_new();
    tw_cap_notify_init(&fx->notify, fx->counters);
    tw_tcp_dir_init(&fx->dir);
    TwTcpSink s = { on_data, on_gap, fx, 0, &fx->notify };
    fx->sink = s;
}

static void fx_teardown(Fixture *fx, gconstpointer data)
{
    tw_tcp_dir_clear(&fx->dir);
    tw_cap_notify_clear(&fx->notify);
    g_hash_table_unref(fx->counters);
    g_string_free(fx->log, TRUE);
}

static void seg(Fixture *fx, guint32 seq, guint8 flags, const char *s)
{
    guint32 n = (guint32)strlen(s);
    tw_tcp_dir_segment(&fx->dir, seq, flags, (const guint8 *)s, n, n, &fx->sink);
}

static guint64 counter(Fixture *fx, const char *name)
{
    return *tw_counter_ptr(fx->counters, name);
}

static void test_in_order(Fixture *fx, gconstpointer d)
{
    seg(fx, 1000, TW_TCP_SYN, "");
    seg(fx, 1001, TW_TCP_ACK, "hello ");
    seg(fx, 1007, TW_TCP_ACK | TW_TCP_PSH, "world");
    seg(fx, 1012, TW_TCP_FIN | TW_TCP_ACK, "");
    tw_tcp_dir_finish(&fx->dir, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "hello world");
    g_assert_cmpuint(fx->dir.next_seq, ==, 1012);
    g_assert_cmpuint(fx->dir.delivered, ==, 11);
}

/* A SYN seen again once bytes were delivered (in order, in place) does
 * not restart the stream: the delivered count says it started. */
static void test_syn_after_data(Fixture *fx, gconstpointer d)
{
    seg(fx, 1000, TW_TCP_SYN, "");
    seg(fx, 1001, TW_TCP_ACK, "abc");
    g_assert_cmpuint(fx->dir.delivered, ==, 3);
    seg(fx, 5000, TW_TCP_SYN, "");
    seg(fx, 1004, TW_TCP_ACK, "def");
    g_assert_cmpstr(fx->log->str, ==, "abcdef");
    g_assert_cmpuint(fx->dir.next_seq, ==, 1007);
    g_assert_cmpuint(fx->dir.delivered, ==, 6);
}

static void test_reordered(Fixture *fx, gconstpointer d)
{
    seg(fx, 100, TW_TCP_SYN, "");
    seg(fx, 109, 0, "ghi");
    seg(fx, 106, 0, "def");
    g_assert_cmpstr(fx->log->str, ==, "");
    seg(fx, 101, 0, "abcde");
    g_assert_cmpstr(fx->log->str, ==, "abcdedefghi");
    g_assert_cmpuint(fx->dir.ooo.length, ==, 0);
    g_assert_cmpuint(fx->dir.ooo_bytes, ==, 0);
}

static void test_retransmission(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 1, 0, "abcd");
    seg(fx, 1, 0, "abcd");    /* whole retransmission */
    seg(fx, 3, 0, "cdefgh");  /* partial: only "efgh" is new */
    g_assert_cmpstr(fx->log->str, ==, "abcdefgh");
    g_assert_cmpuint(counter(fx, "tcp.retransmissions"), ==, 1);
    g_assert_cmpuint(counter(fx, "tcp.overlaps"), ==, 1);
}

static void test_overlap_first_wins(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 5, 0, "EFGH");     /* queued first */
    seg(fx, 3, 0, "cdxxxxij"); /* overlaps the queued bytes with other content */
    seg(fx, 1, 0, "ab");
    g_assert_cmpstr(fx->log->str, ==, "abcdEFGHij");
    g_assert_cmpuint(counter(fx, "anomaly.tcp_overlap_conflict"), ==, 1);
    /* An identical overlap is not a conflict. */
    seg(fx, 13, 0, "mn");
    seg(fx, 11, 0, "klmn");
    g_assert_cmpstr(fx->log->str, ==, "abcdEFGHijklmn");
    g_assert_cmpuint(counter(fx, "anomaly.tcp_overlap_conflict"), ==, 1);
}

static void test_gap_at_end(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 1, 0, "abc");
    seg(fx, 10, 0, "jkl"); /* 4..9 never captured */
    g_assert_cmpstr(fx->log->str, ==, "abc");
    tw_tcp_dir_finish(&fx->dir, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "abc[gap 6]jkl");
    g_assert_cmpuint(counter(fx, "tcp.gaps"), ==, 1);
    g_assert_cmpuint(counter(fx, "tcp.gap_bytes"), ==, 6);
}

static void test_gap_before_fin(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 1, 0, "abc");
    seg(fx, 20, TW_TCP_FIN, ""); /* FIN at 20: bytes 4..19 were sent, not seen */
    tw_tcp_dir_finish(&fx->dir, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "abc[gap 16]");
}

static void test_gap_by_ack(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 1, 0, "abc");
    seg(fx, 10, 0, "jkl");
    /* The peer acknowledging only up to the hole proves nothing. */
    tw_tcp_dir_ack(&fx->dir, 4, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "abc");
    /* The peer acknowledges past the queued data: the hole is final. */
    tw_tcp_dir_ack(&fx->dir, 13, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "abc[gap 6]jkl");
    /* At the end an acknowledged but unseen tail is a gap too. */
    tw_tcp_dir_ack(&fx->dir, 20, &fx->sink);
    tw_tcp_dir_finish(&fx->dir, &fx->sink);
    g_assert_cmpstr(fx->log->str, ==, "abc[gap 6]jkl[gap 7]");
}

static void test_gap_at_cap(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 1, 0, "a");
    /* Byte 2 is lost; 1 KiB segments pile up after it until the cap. */
    static char chunk[1025];
    memset(chunk, 'x', 1024);
    chunk[1024] = '\0';
    guint32 seq = 3;
    guint n = 0;
    while (fx->bytes == 1) {
        seg(fx, seq, 0, chunk);
        seq += 1024;
        n++;
        g_assert_cmpuint(n, <=, TW_TCP_MAX_OOO_BYTES / 1024 + 1);
    }
    g_assert_cmpuint(n, ==, TW_TCP_MAX_OOO_BYTES / 1024 + 1);
    g_assert_true(g_str_has_prefix(fx->log->str, "a[gap 1]xxxx"));
    g_assert_cmpuint(fx->bytes, ==, 1 + (guint64)n * 1024);
    g_assert_cmpuint(fx->dir.ooo.length, ==, 0);
    g_assert_cmpuint(counter(fx, "anomaly.tcp_ooo_cap"), ==, 1);
}

static void test_segment_cap(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    /* One-byte segments with holes between them: the segment cap hits first. */
    for (guint i = 0; i <= TW_TCP_MAX_OOO_SEGMENTS; i++)
        seg(fx, 3 + 2 * i, 0, "z");
    g_assert_cmpuint(fx->dir.ooo.length, <=, TW_TCP_MAX_OOO_SEGMENTS);
    g_assert_true(g_str_has_prefix(fx->log->str, "[gap 2]z"));
    g_assert_cmpuint(counter(fx, "anomaly.tcp_ooo_cap"), ==, 1);
}

static void test_wraparound(Fixture *fx, gconstpointer d)
{
    seg(fx, 0xfffffffa, TW_TCP_SYN, "");
    seg(fx, 0x00000003, 0, "wxyz");    /* ahead, after the wrap */
    seg(fx, 0xfffffffb, 0, "abcdefgh"); /* crosses 2^32 */
    g_assert_cmpstr(fx->log->str, ==, "abcdefghwxyz");
    g_assert_cmpuint(fx->dir.next_seq, ==, 7);
    seg(fx, 0xfffffffe, 0, "defg"); /* old retransmission from before the wrap */
    g_assert_cmpstr(fx->log->str, ==, "abcdefghwxyz");
}

static void test_truncated_segment(Fixture *fx, gconstpointer d)
{
    seg(fx, 0, TW_TCP_SYN, "");
    /* 10 bytes on the wire, 4 captured. */
    tw_tcp_dir_segment(&fx->dir, 1, 0, (const guint8 *)"abcdefghij", 4, 10, &fx->sink);
    seg(fx, 11, 0, "klm");
    g_assert_cmpstr(fx->log->str, ==, "abcd[gap 6]klm");
    /* Out of order and truncated: the hole is queued and reported in place. */
    tw_tcp_dir_segment(&fx->dir, 20, 0, (const guint8 *)"tuvwxyz", 2, 7, &fx->sink);
    seg(fx, 14, 0, "nopqrs");
    g_assert_cmpstr(fx->log->str, ==, "abcd[gap 6]klmnopqrstu[gap 5]");
    g_assert_cmpuint(counter(fx, "tcp.truncated_segments"), ==, 1);
}

static void test_midstream(Fixture *fx, gconstpointer d)
{
    /* No SYN seen: the first segment starts the stream. */
    seg(fx, 5000, TW_TCP_ACK, "mid");
    seg(fx, 5003, TW_TCP_ACK, "dle");
    seg(fx, 4990, TW_TCP_ACK, "earlier"); /* before the pickup point: dropped */
    g_assert_cmpstr(fx->log->str, ==, "middle");
}

/* Picked up mid-stream after the peer acknowledged earlier bytes of this
 * direction: those bytes were sent but not captured, so the parser hears of
 * them before the first data (it starts inside a message). */
static void test_midstream_after_ack(Fixture *fx, gconstpointer d)
{
    tw_tcp_dir_ack(&fx->dir, 1000, &fx->sink);
    seg(fx, 1460 + 1000, TW_TCP_ACK, "tail");
    g_assert_cmpstr(fx->log->str, ==, "[gap 1460]tail");
    g_assert_cmpuint(counter(fx, "tcp.gaps"), ==, 1);
}

/* An acknowledgement at or beyond the first segment proves nothing missing. */
static void test_midstream_ack_not_behind(Fixture *fx, gconstpointer d)
{
    tw_tcp_dir_ack(&fx->dir, 3000, &fx->sink);
    seg(fx, 3000, TW_TCP_ACK, "head");
    tw_tcp_dir_ack(&fx->dir, 2000, &fx->sink); /* an old ACK changes nothing */
    seg(fx, 3004, TW_TCP_ACK, "more");
    g_assert_cmpstr(fx->log->str, ==, "headmore");
    g_assert_cmpuint(counter(fx, "tcp.gaps"), ==, 0);
}

/* The global out-of-order budget: two directions share a 10-byte budget.
 * When the second passes it, the OLDEST holder's data becomes holes of the
 * same extent; its parser hears of a gap exactly there once the hole before
 * it fills, and the memory is given back at once. */
static void test_ooo_budget(Fixture *fx, gconstpointer d)
{
    TwTcpBudget budget;
    tw_tcp_budget_init(&budget);
    g_assert_cmpuint(budget.budget, ==, TW_TCP_OOO_BUDGET_BYTES);
    budget.budget = 10;
    fx->sink.budget = &budget;
    TwTcpDir d2;
    tw_tcp_dir_init(&d2);
    TwTcpSink s2 = fx->sink;
    s2.dir = 1;
    seg(fx, 0, TW_TCP_SYN, "");
    seg(fx, 4, 0, "efghijkl"); /* 8 bytes behind a 3-byte hole: held */
    g_assert_cmpuint(budget.held, ==, 8);
    g_assert_cmpuint(fx->dir.ooo_held, ==, 8);
    tw_tcp_dir_segment(&d2, 0, TW_TCP_SYN, NULL, 0, 0, &s2);
    tw_tcp_dir_segment(&d2, 3, 0, (const guint8 *)"cdefgh", 6, 6, &s2); /* 14 > 10 */
    g_assert_cmpuint(budget.held, ==, 6); /* the first direction gave its 8 */
    g_assert_cmpuint(fx->dir.ooo_held, ==, 0);
    g_assert_cmpuint(fx->dir.ooo_bytes, ==, 8); /* still queued, as a hole */
    g_assert_cmpuint(d2.ooo_held, ==, 6);
    g_assert_cmpuint(counter(fx, "tcp.ooo_budget_evictions"), ==, 1);
    g_assert_cmpuint(counter(fx, "tcp.ooo_budget_bytes"), ==, 8);
    g_assert_cmpuint(counter(fx, "anomaly.tcp_ooo_budget"), ==, 1);
    /* A retransmission of the dropped bytes is not taken back: gap in place. */
    seg(fx, 4, 0, "efghijkl");
    seg(fx, 1, 0, "abc");
    seg(fx, 12, 0, "mn");
    g_assert_cmpstr(fx->log->str, ==, "abc[gap 8]mn");
    g_assert_cmpuint(budget.held, ==, 6);
    tw_tcp_dir_clear(&d2); /* clearing gives the budget back */
    g_assert_cmpuint(budget.held, ==, 0);
    g_assert_null(budget.holders.head);
    g_assert_cmpuint(d2.ooo.length, ==, 0);
    g_assert_cmpuint(d2.ooo_bytes, ==, 0);
    g_assert_cmpuint(d2.ooo_held, ==, 0);
}

/* tw_tcp_dir_finish ends on any queue: holes from snaplen, from the budget,
 * data across the 2^32 wrap, segments far ahead.  Each pass of its loop
 * consumes the head segment (or the guard drops it), so the number of
 * passes is bounded by the queue length. */
static void test_finish_terminates(Fixture *fx, gconstpointer d)
{
    seg(fx, 0xfffffff0, TW_TCP_SYN, "");
    seg(fx, 0xfffffffa, 0, "abc");                                   /* before the wrap */
    tw_tcp_dir_segment(&fx->dir, 2, 0, (const guint8 *)"xyzw", 1, 4, &fx->sink); /* cut */
    seg(fx, 0x00000100, 0, "far");
    seg(fx, 0x7ffffff0, 0, "half"); /* almost 2^31 ahead: still ahead */
    g_assert_cmpuint(fx->dir.ooo.length, ==, 5);
    tw_tcp_dir_finish(&fx->dir, &fx->sink);
    g_assert_cmpuint(fx->dir.ooo.length, ==, 0);
    g_assert_cmpuint(fx->dir.ooo_bytes, ==, 0);
    g_assert_cmpuint(counter(fx, "tcp.finish_stuck_segments"), ==, 0);
    g_assert_cmpstr(fx->log->str, ==,
                    "[gap 9]abc[gap 5]x[gap 3][gap 250]far[gap 2147483373]half");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("/tcp-reasm/in-order", test_in_order);
    ADD("/tcp-reasm/syn-after-data", test_syn_after_data);
    ADD("/tcp-reasm/reordered", test_reordered);
    ADD("/tcp-reasm/retransmission", test_retransmission);
    ADD("/tcp-reasm/overlap-first-wins", test_overlap_first_wins);
    ADD("/tcp-reasm/gap-at-end", test_gap_at_end);
    ADD("/tcp-reasm/gap-before-fin", test_gap_before_fin);
    ADD("/tcp-reasm/gap-by-ack", test_gap_by_ack);
    ADD("/tcp-reasm/gap-at-byte-cap", test_gap_at_cap);
    ADD("/tcp-reasm/gap-at-segment-cap", test_segment_cap);
    ADD("/tcp-reasm/wraparound", test_wraparound);
    ADD("/tcp-reasm/truncated-segment", test_truncated_segment);
    ADD("/tcp-reasm/midstream", test_midstream);
    ADD("/tcp-reasm/midstream-after-ack", test_midstream_after_ack);
    ADD("/tcp-reasm/midstream-ack-not-behind", test_midstream_ack_not_behind);
    ADD("/tcp-reasm/ooo-budget", test_ooo_budget);
    ADD("/tcp-reasm/finish-terminates", test_finish_terminates);
    return g_test_run();
}
