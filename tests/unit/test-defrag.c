/* test-defrag.c — IP fragment reassembly: in order, out of order, overlaps
 * (first wins), snaplen-cut fragments, caps and timeouts. */
#include "capture/ip-defrag.h"
#include "capture/caps.h"

#include <string.h>

typedef struct {
    GHashTable *counters;
    TwCapNotify notify;
    GPtrArray *anomalies; /* kinds */
    TwDefrag *d;
} Fixture;

static void on_anomaly(void *user, const char *kind, const char *detail)
{
    Fixture *fx = user;
    g_ptr_array_add(fx->anomalies, g_strdup(kind));
}

static void fx_setup(Fixture *fx, gconstpointer data)
{
    fx->counters = tw_counters_new();
    tw_cap_notify_init(&fx->notify, fx->counters);
    fx->notify.anomaly = on_anomaly;
    fx->notify.user = fx;
    fx->anomalies = g_ptr_array_new_with_free_func(g_free);
    fx->d = tw_defrag_new(&fx->notify);
}

static void fx_teardown(Fixture *fx, gconstpointer data)
{
    tw_defrag_free(fx->d);
    tw_cap_notify_clear(&fx->notify);
    g_hash_table_unref(fx->counters);
    g_ptr_array_unref(fx->anomalies);
}

static guint64 counter(Fixture *fx, const char *name)
{
    return *tw_counter_ptr(fx->counters, name);
}

static guint8 payload[3000];

static TwIpPacket frag(guint32 id, guint32 off, guint32 len, bool mf)
{
    TwIpPacket ip;
    memset(&ip, 0, sizeof ip);
    ip.version = 4;
    ip.proto = 17;
    ip.src[0] = 10;
    ip.dst[0] = 11;
    ip.is_fragment = true;
    ip.more_fragments = mf;
    ip.frag_offset = off;
    ip.frag_id = id;
    ip.payload = payload + off;
    ip.payload_len = ip.payload_caplen = len;
    return ip;
}

static void fill_payload(void)
{
    for (gsize i = 0; i < sizeof payload; i++)
        payload[i] = (guint8)(i * 7 + 3);
}

static void test_in_order(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket a = frag(1, 0, 1480, true), b = frag(1, 1480, 1480, true), c = frag(1, 2960, 40, false);
    g_assert_false(tw_defrag_add(fx->d, &a, 0, &r));
    g_assert_false(tw_defrag_add(fx->d, &b, 1, &r));
    g_assert_true(tw_defrag_add(fx->d, &c, 2, &r));
    g_assert_cmpuint(r.len, ==, 3000);
    g_assert_cmpuint(r.caplen, ==, 3000);
    g_assert_cmpmem(r.data, r.len, payload, 3000);
    g_free(r.data);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 0);
    g_assert_cmpuint(counter(fx, "ip.defrag.reassembled"), ==, 1);
    g_assert_cmpuint(counter(fx, "ip.fragments"), ==, 3);
}

static void test_out_of_order(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket a = frag(2, 0, 1480, true), b = frag(2, 1480, 1480, true), c = frag(2, 2960, 40, false);
    /* Last first, then first, then middle; another datagram interleaved. */
    TwIpPacket other = frag(3, 0, 8, true);
    g_assert_false(tw_defrag_add(fx->d, &c, 0, &r));
    g_assert_false(tw_defrag_add(fx->d, &other, 0, &r));
    g_assert_false(tw_defrag_add(fx->d, &a, 0, &r));
    g_assert_true(tw_defrag_add(fx->d, &b, 0, &r));
    g_assert_cmpmem(r.data, r.len, payload, 3000);
    g_free(r.data);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 1);
    tw_defrag_flush(fx->d);
    g_assert_cmpuint(counter(fx, "ip.defrag.incomplete"), ==, 1);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 0);
}

static void test_overlap_first_wins(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket a = frag(4, 0, 16, true);
    /* A second fragment overlapping bytes 8..16 with different content. */
    guint8 evil[24];
    memset(evil, 0xee, sizeof evil);
    TwIpPacket b = frag(4, 8, 24, false);
    b.payload = evil;
    g_assert_false(tw_defrag_add(fx->d, &a, 0, &r));
    g_assert_true(tw_defrag_add(fx->d, &b, 0, &r));
    g_assert_cmpuint(r.len, ==, 32);
    g_assert_cmpmem(r.data, 16, payload, 16); /* first kept */
    for (int i = 16; i < 32; i++)
        g_assert_cmpuint(r.data[i], ==, 0xee);
    g_free(r.data);
    g_assert_cmpuint(counter(fx, "anomaly.ip_frag_overlap"), ==, 1);
    g_assert_cmpuint(fx->anomalies->len, ==, 1);
}

static void test_truncated_fragment(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket a = frag(5, 0, 1480, true), b = frag(5, 1480, 100, false);
    a.payload_caplen = 600; /* snaplen cut the first fragment */
    g_assert_false(tw_defrag_add(fx->d, &a, 0, &r));
    g_assert_true(tw_defrag_add(fx->d, &b, 0, &r));
    g_assert_cmpuint(r.len, ==, 1580);
    g_assert_cmpuint(r.caplen, ==, 600); /* the captured prefix only */
    g_assert_cmpmem(r.data, 600, payload, 600);
    g_free(r.data);
}

/* The byte cap at its exact boundary (RFC 791: offset + length ≤ 65535):
 * a fragment ending on the last allowed byte is kept, one byte more is
 * refused as oversize. */
static void test_size_boundary(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket last = frag(7, 0, 8, true);
    last.frag_offset = TW_DEFRAG_MAX_BYTES - 7; /* 65528, a multiple of 8 */
    last.payload = payload;
    last.payload_len = last.payload_caplen = 7;
    g_assert_false(tw_defrag_add(fx->d, &last, 0, &r));
    g_assert_cmpuint(counter(fx, "anomaly.ip_frag_oversize"), ==, 0);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 1);

    TwIpPacket over = last;
    over.frag_id = 8;
    over.payload_len = over.payload_caplen = 8;
    g_assert_false(tw_defrag_add(fx->d, &over, 0, &r));
    g_assert_cmpuint(counter(fx, "anomaly.ip_frag_oversize"), ==, 1);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 1);
}

static void test_caps(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    /* Oversize: offset + length past 65535. */
    TwIpPacket big = frag(6, 0, 8, true);
    big.frag_offset = 65528;
    big.payload_len = big.payload_caplen = 16;
    g_assert_false(tw_defrag_add(fx->d, &big, 0, &r));
    g_assert_cmpuint(counter(fx, "anomaly.ip_frag_oversize"), ==, 1);

    /* Too many concurrent datagrams: the oldest is evicted. */
    for (guint i = 0; i < TW_DEFRAG_MAX_DATAGRAMS + 5; i++) {
        TwIpPacket f = frag(1000 + i, 0, 8, true);
        g_assert_false(tw_defrag_add(fx->d, &f, i, &r));
    }
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, TW_DEFRAG_MAX_DATAGRAMS);
    g_assert_cmpuint(counter(fx, "ip.defrag.evicted"), ==, 5);
    /* The evicted datagram 1000 cannot complete any more; 1005 can. */
    TwIpPacket last = frag(1000, 8, 8, false);
    g_assert_false(tw_defrag_add(fx->d, &last, 10, &r));
    last.frag_id = 1010;
    g_assert_true(tw_defrag_add(fx->d, &last, 10, &r));
    g_free(r.data);
    tw_defrag_flush(fx->d);

    /* Too many fragments for one datagram (repeated 8-byte overlaps). */
    for (guint i = 0; i <= TW_DEFRAG_MAX_FRAGMENTS; i++) {
        TwIpPacket f = frag(7, 0, 8, true);
        g_assert_false(tw_defrag_add(fx->d, &f, 100, &r));
    }
    g_assert_cmpuint(counter(fx, "anomaly.ip_frag_count"), ==, 1);
    g_assert_cmpuint(tw_defrag_pending(fx->d), ==, 0);
}

static void test_timeout(Fixture *fx, gconstpointer data)
{
    TwDefragResult r;
    TwIpPacket a = frag(8, 0, 8, true), b = frag(8, 8, 8, false);
    g_assert_false(tw_defrag_add(fx->d, &a, 0, &r));
    /* The rest arrives after the timeout: the first part is gone. */
    g_assert_false(tw_defrag_add(fx->d, &b, TW_DEFRAG_TIMEOUT_US + 1, &r));
    g_assert_cmpuint(counter(fx, "ip.defrag.timeout"), ==, 1);
    /* Within the timeout it completes. */
    TwIpPacket c = frag(8, 0, 8, true);
    g_assert_true(tw_defrag_add(fx->d, &c, TW_DEFRAG_TIMEOUT_US + 2, &r));
    g_free(r.data);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fill_payload();
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("/defrag/in-order", test_in_order);
    ADD("/defrag/out-of-order", test_out_of_order);
    ADD("/defrag/overlap-first-wins", test_overlap_first_wins);
    ADD("/defrag/truncated-fragment", test_truncated_fragment);
    ADD("/defrag/caps", test_caps);
    ADD("/defrag/size-boundary", test_size_boundary);
    ADD("/defrag/timeout", test_timeout);
    return g_test_run();
}
