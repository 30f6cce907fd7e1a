/* test-flow.c — the flow table and the pipeline around it, with recording
 * parsers: pre-filter (ports, probe, expect), server side and direction,
 * packet info (addresses, ports, MACs, frame numbers), TCP through the
 * pipeline, IP fragments, caps, idle timeout, RST. */
#include "capture/caps.h"
#include "capture/flow.h"
#include "capture/pipeline.h"

#include <string.h>

static GString *rec; /* what the recording parsers saw */
static TwPacketInfo last_pi; /* the packet info of the last feed */

static void *rec_new(void)
{
    return g_new0(int, 1);
}

static void rec_free(void *st)
{
    g_string_append(rec, "free;");
    g_free(st);
}

static void rec_feed(void *st, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                     gsize reported)
{
    const TwPacketInfo *pi = ctx->pi;
    last_pi = *pi;
    g_string_append_printf(rec, "%s f%" G_GUINT64_FORMAT " %s %s:%u>%s:%u %.*s", dir ? "rsp" : "req",
                           pi->frame, pi->transport, pi->src, pi->sport, pi->dst, pi->dport, (int)len,
                           (const char *)data);
    if (reported != len)
        g_string_append_printf(rec, "(%zu/%zu)", len, reported);
    g_string_append(rec, ";");
    /* "EXPECT" asks capture/ to send 10.9.9.9:7000 to the probe parser. */
    if (len >= 6 && memcmp(data, "EXPECT", 6) == 0 && ctx->expect)
        ctx->expect(ctx, "10.9.9.9", 7000, "rec-probe");
    /* "ANOM" raises 150 anomalies of one kind; "CHARGE" holds 1000 bytes more. */
    if (len >= 4 && memcmp(data, "ANOM", 4) == 0)
        for (int i = 0; i < 150; i++)
            tw_anomaly(ctx, "rec", "rec_flood", "anomaly %d", i);
    if (len >= 6 && memcmp(data, "CHARGE", 6) == 0)
        tw_mem_charge(ctx, 1000);
    /* "IGNORE" asks capture/ for nothing more of this flow. */
    if (len >= 6 && memcmp(data, "IGNORE", 6) == 0)
        tw_flow_ignore(ctx);
}

static void rec_gap(void *st, TwDissectCtx *ctx, int dir, guint64 len)
{
    g_string_append_printf(rec, "%s gap %" G_GUINT64_FORMAT ";", dir ? "rsp" : "req", len);
}

static bool rec_probe(const guint8 *data, gsize len)
{
    return len >= 3 && memcmp(data, "PRB", 3) == 0;
}

static const guint16 udp_ports[] = { 88, 0 };
static const guint16 tcp_ports[] = { 88, 0 };
static const TwAppParser rec_udp = { "rec-udp", 17, udp_ports, NULL, rec_new, rec_free, rec_feed, rec_gap };
static const TwAppParser rec_tcp = { "rec-tcp", 6, tcp_ports, NULL, rec_new, rec_free, rec_feed, rec_gap };
static const TwAppParser rec_prb = { "rec-probe", 6, NULL, rec_probe, rec_new, rec_free, rec_feed, rec_gap };
static const TwAppParser *const parsers[] = { &rec_udp, &rec_tcp, &rec_prb, NULL };

static const guint8 mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const guint8 mac_b[6] = { 2, 0, 0, 0, 0, 0xb };

typedef struct {
    guint8 buf[2048];
    guint32 len;
} Pkt;

/* Ethernet + IPv4 (+ fragment fields) + transport header + payload. */
static Pkt build(const guint8 *smac, const guint8 *dmac, guint32 saddr, guint32 daddr, guint8 proto,
                 guint16 sport, guint16 dport, guint32 seq, guint32 ack, guint8 flags,
                 const char *payload, guint16 frag_id, guint16 frag_field)
{
    Pkt p;
    memset(&p, 0, sizeof p);
    memcpy(p.buf, dmac, 6);
    memcpy(p.buf + 6, smac, 6);
    p.buf[12] = 0x08;
    guint8 *ip = p.buf + 14;
    guint32 plen = (guint32)strlen(payload);
    guint32 thl = proto == 6 ? 20 : 8;
    guint32 total = 20 + thl + plen;
    ip[0] = 0x45;
    ip[2] = (guint8)(total >> 8);
    ip[3] = (guint8)total;
    ip[4] = (guint8)(frag_id >> 8);
    ip[5] = (guint8)frag_id;
    ip[6] = (guint8)(frag_field >> 8);
    ip[7] = (guint8)frag_field;
    ip[8] = 64;
    ip[9] = proto;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (guint8)(saddr >> (24 - 8 * i));
        ip[16 + i] = (guint8)(daddr >> (24 - 8 * i));
    }
    guint8 *t = ip + 20;
    t[0] = (guint8)(sport >> 8);
    t[1] = (guint8)sport;
    t[2] = (guint8)(dport >> 8);
    t[3] = (guint8)dport;
    if (proto == 6) {
        for (int i = 0; i < 4; i++) {
            t[4 + i] = (guint8)(seq >> (24 - 8 * i));
            t[8 + i] = (guint8)(ack >> (24 - 8 * i));
        }
        t[12] = 0x50;
        t[13] = flags;
    } else {
        t[4] = (guint8)((8 + plen) >> 8);
        t[5] = (guint8)(8 + plen);
    }
    memcpy(t + thl, payload, plen);
    p.len = 14 + total;
    if (p.len < 60)
        p.len = 60; /* Ethernet minimum: padding must be trimmed by IP */
    return p;
}

#define A 0x0a000001u /* 10.0.0.1 */
#define B 0x0a000002u /* 10.0.0.2 */

typedef struct {
    TwPipeline *pl;
    GPtrArray *events;
    guint64 no;
    gint64 ts;
} Fixture;

static void on_event(TwEvent *ev, void *user)
{
    Fixture *fx = user;
    g_ptr_array_add(fx->events, ev);
}

static void fx_setup(Fixture *fx, gconstpointer d)
{
    g_string_truncate(rec, 0);
    fx->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    TwPipelineConfig cfg = { on_event, fx, false };
    fx->pl = tw_pipeline_new_with_parsers(&cfg, parsers);
    fx->no = 0;
    fx->ts = (gint64)1700000000 * G_USEC_PER_SEC;
}

static void fx_teardown(Fixture *fx, gconstpointer d)
{
    tw_pipeline_free(fx->pl);
    g_ptr_array_unref(fx->events);
}

static void feed_cut(Fixture *fx, const Pkt *p, guint32 caplen)
{
    TwFrame f = { ++fx->no, fx->ts, 1, p->buf, caplen, p->len };
    fx->ts += 1000;
    tw_pipeline_frame(fx->pl, &f);
}

static void feed(Fixture *fx, const Pkt *p)
{
    feed_cut(fx, p, p->len);
}

static guint64 counter(Fixture *fx, const char *name)
{
    guint64 *v = g_hash_table_lookup(tw_pipeline_counters(fx->pl), g_intern_string(name));
    return v ? *v : 0;
}

static void test_udp(Fixture *fx, gconstpointer d)
{
    Pkt q = build(mac_a, mac_b, A, B, 17, 40000, 88, 0, 0, 0, "ask", 0, 0);
    Pkt r = build(mac_b, mac_a, B, A, 17, 88, 40000, 0, 0, 0, "answer", 0, 0);
    Pkt other = build(mac_a, mac_b, A, B, 17, 40000, 53, 0, 0, 0, "dns", 0, 0);
    feed(fx, &q);
    feed(fx, &other);
    feed(fx, &r);
    g_assert_cmpstr(rec->str, ==,
                    "req f1 udp 10.0.0.1:40000>10.0.0.2:88 ask;"
                    "rsp f3 udp 10.0.0.2:88>10.0.0.1:40000 answer;");
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 1);
    g_assert_cmpuint(counter(fx, "packets.ignored"), ==, 1);
    g_assert_cmpuint(counter(fx, "frames"), ==, 3);
    /* A snaplen cut shows as len < reported. */
    feed_cut(fx, &q, 14 + 20 + 8 + 1);
    g_assert_true(g_str_has_suffix(rec->str, " a(1/3);"));
    tw_pipeline_finish(fx->pl);
    g_assert_true(g_str_has_suffix(rec->str, "free;"));
}

static void test_mac_in_events(Fixture *fx, gconstpointer d)
{
    /* The packet info a parser sees carries the frame's MACs and time. */
    Pkt q = build(mac_a, mac_b, A, B, 17, 40000, 88, 0, 0, 0, "x", 0, 0);
    Pkt r = build(mac_b, mac_a, B, A, 17, 88, 40000, 0, 0, 0, "y", 0, 0);
    gint64 ts = fx->ts;
    feed(fx, &q);
    g_assert_cmpstr(rec->str, ==, "req f1 udp 10.0.0.1:40000>10.0.0.2:88 x;");
    g_assert_true(last_pi.has_mac);
    g_assert_cmpmem(last_pi.src_mac, 6, mac_a, 6);
    g_assert_cmpmem(last_pi.dst_mac, 6, mac_b, 6);
    g_assert_cmpint(last_pi.ts_us, ==, ts);
    feed(fx, &r);
    g_assert_cmpmem(last_pi.src_mac, 6, mac_b, 6);
    g_assert_cmpmem(last_pi.dst_mac, 6, mac_a, 6);
    g_assert_cmpuint(last_pi.frame, ==, 2);
}

static void test_tcp(Fixture *fx, gconstpointer d)
{
    Pkt syn = build(mac_a, mac_b, A, B, 6, 40001, 88, 100, 0, 0x02, "", 0, 0);
    Pkt synack = build(mac_b, mac_a, B, A, 6, 88, 40001, 500, 101, 0x12, "", 0, 0);
    Pkt d2 = build(mac_a, mac_b, A, B, 6, 40001, 88, 104, 501, 0x18, "def", 0, 0);
    Pkt d1 = build(mac_a, mac_b, A, B, 6, 40001, 88, 101, 501, 0x18, "abc", 0, 0);
    Pkt rsp = build(mac_b, mac_a, B, A, 6, 88, 40001, 501, 107, 0x18, "XYZ", 0, 0);
    Pkt rst = build(mac_a, mac_b, A, B, 6, 40001, 88, 107, 0, 0x04, "", 0, 0);
    feed(fx, &syn);
    feed(fx, &synack);
    feed(fx, &d2); /* frame 3 arrives early */
    feed(fx, &d1); /* frame 4 completes 101..107 */
    feed(fx, &rsp);
    g_assert_cmpstr(rec->str, ==,
                    "req f4 tcp 10.0.0.1:40001>10.0.0.2:88 abc;"
                    "req f4 tcp 10.0.0.1:40001>10.0.0.2:88 def;"
                    "rsp f5 tcp 10.0.0.2:88>10.0.0.1:40001 XYZ;");
    feed(fx, &rst);
    g_assert_true(g_str_has_suffix(rec->str, "XYZ;free;"));
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 1);
    /* Stragglers after the RST (a bare ACK, late data) do not start a new
     * flow; the closed one lingers and swallows them. */
    Pkt ack = build(mac_b, mac_a, B, A, 6, 88, 40001, 504, 107, 0x10, "", 0, 0);
    Pkt late = build(mac_b, mac_a, B, A, 6, 88, 40001, 504, 107, 0x18, "late", 0, 0);
    feed(fx, &ack);
    feed(fx, &late);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 1);
    g_assert_cmpuint(counter(fx, "tcp.after_close"), ==, 2);
    g_assert_true(g_str_has_suffix(rec->str, "XYZ;free;"));
    /* A new SYN on the same ports is a new connection. */
    Pkt syn2 = build(mac_a, mac_b, A, B, 6, 40001, 88, 9000, 0, 0x02, "", 0, 0);
    Pkt n1 = build(mac_a, mac_b, A, B, 6, 40001, 88, 9001, 0, 0x18, "new", 0, 0);
    feed(fx, &syn2);
    feed(fx, &n1);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 2);
    g_assert_true(g_str_has_suffix(rec->str, "free;req f10 tcp 10.0.0.1:40001>10.0.0.2:88 new;"));
    /* The lingering closed flow goes after TW_FLOW_CLOSED_LINGER_US without
     * counting as expired or freeing parser state twice. */
    tw_pipeline_finish(fx->pl);
    g_assert_true(g_str_has_suffix(rec->str, "new;free;"));
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 1);
}

static void test_tcp_fin_linger(Fixture *fx, gconstpointer d)
{
    Pkt d1 = build(mac_a, mac_b, A, B, 6, 40011, 88, 1, 1, 0x18, "q", 0, 0);
    Pkt r1 = build(mac_b, mac_a, B, A, 6, 88, 40011, 1, 2, 0x18, "r", 0, 0);
    Pkt f1 = build(mac_a, mac_b, A, B, 6, 40011, 88, 2, 2, 0x11, "", 0, 0);
    Pkt f2 = build(mac_b, mac_a, B, A, 6, 88, 40011, 2, 3, 0x11, "", 0, 0);
    Pkt again = build(mac_a, mac_b, A, B, 6, 40011, 88, 1, 3, 0x18, "q", 0, 0);
    feed(fx, &d1);
    feed(fx, &r1);
    feed(fx, &f1);
    feed(fx, &f2);
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 1);
    g_assert_true(g_str_has_suffix(rec->str, "r;free;"));
    feed(fx, &again); /* a retransmission after the close: not a new flow */
    g_assert_cmpuint(counter(fx, "tcp.after_close"), ==, 1);
    /* After the linger the tuple is free again. */
    fx->ts += TW_FLOW_CLOSED_LINGER_US + 1;
    Pkt other = build(mac_a, mac_b, A, B, 17, 40012, 88, 0, 0, 0, "u", 0, 0);
    feed(fx, &other);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 0);
    feed(fx, &again);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 3);
}

static void test_tcp_gap_at_finish(Fixture *fx, gconstpointer d)
{
    Pkt d1 = build(mac_a, mac_b, A, B, 6, 40002, 88, 1000, 1, 0x18, "abc", 0, 0);
    Pkt d3 = build(mac_a, mac_b, A, B, 6, 40002, 88, 1010, 1, 0x18, "xyz", 0, 0);
    feed(fx, &d1);
    feed(fx, &d3);
    tw_pipeline_finish(fx->pl);
    g_assert_cmpstr(rec->str, ==,
                    "req f1 tcp 10.0.0.1:40002>10.0.0.2:88 abc;"
                    "req gap 7;"
                    "req f2 tcp 10.0.0.1:40002>10.0.0.2:88 xyz;"
                    "free;");
    g_assert_cmpuint(counter(fx, "tcp.gaps"), ==, 1);
}

/* tw_flow_ignore: the parser state goes after the feed that asked (no
 * final flush), later packets are neither reassembled nor fed and do not
 * start a new flow; a FIN each way or a RST ends the flow as usual; a new
 * SYN on the same ports is a new connection. */
static void test_flow_ignore(Fixture *fx, gconstpointer d)
{
    Pkt d1 = build(mac_a, mac_b, A, B, 6, 40021, 88, 1, 1, 0x18, "abc", 0, 0);
    Pkt d3 = build(mac_a, mac_b, A, B, 6, 40021, 88, 10, 1, 0x18, "late", 0, 0); /* hole 4..9 */
    Pkt d2 = build(mac_a, mac_b, A, B, 6, 40021, 88, 4, 1, 0x18, "IGNORE", 0, 0);
    Pkt r1 = build(mac_b, mac_a, B, A, 6, 88, 40021, 1, 14, 0x18, "rsp", 0, 0);
    Pkt f1 = build(mac_a, mac_b, A, B, 6, 40021, 88, 14, 4, 0x11, "", 0, 0);
    Pkt f2 = build(mac_b, mac_a, B, A, 6, 88, 40021, 4, 15, 0x11, "", 0, 0);
    feed(fx, &d1);
    feed(fx, &d3); /* queued out of order */
    feed(fx, &d2); /* fills the hole: "IGNORE", and "late" is not fed */
    g_assert_cmpstr(rec->str, ==,
                    "req f1 tcp 10.0.0.1:40021>10.0.0.2:88 abc;"
                    "req f3 tcp 10.0.0.1:40021>10.0.0.2:88 IGNORE;"
                    "free;");
    g_assert_cmpuint(counter(fx, "flows.ignored"), ==, 1);
    guint64 ignored = counter(fx, "packets.ignored");
    feed(fx, &r1);
    feed(fx, &d1); /* a retransmission */
    g_assert_cmpuint(counter(fx, "packets.ignored"), ==, ignored + 2);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 1);
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 0);
    feed(fx, &f1);
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 0);
    feed(fx, &f2);
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 1);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 1);
    /* Same ports, new connection. */
    Pkt syn = build(mac_a, mac_b, A, B, 6, 40021, 88, 7000, 0, 0x02, "", 0, 0);
    Pkt n1 = build(mac_a, mac_b, A, B, 6, 40021, 88, 7001, 0, 0x18, "new", 0, 0);
    feed(fx, &syn);
    feed(fx, &n1);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 2);
    g_assert_true(g_str_has_suffix(rec->str, "free;req f9 tcp 10.0.0.1:40021>10.0.0.2:88 new;"));

    /* UDP, and an ignored flow that is still open at the end. */
    Pkt u1 = build(mac_a, mac_b, A, B, 17, 40022, 88, 0, 0, 0, "IGNORE", 0, 0);
    Pkt u2 = build(mac_b, mac_a, B, A, 17, 88, 40022, 0, 0, 0, "answer", 0, 0);
    feed(fx, &u1);
    feed(fx, &u2);
    g_assert_true(g_str_has_suffix(rec->str, "new;req f10 udp 10.0.0.1:40022>10.0.0.2:88 IGNORE;free;"));
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 3);
    g_assert_cmpuint(counter(fx, "flows.ignored"), ==, 2);
    /* A RST ends an ignored TCP flow too. */
    Pkt i1 = build(mac_a, mac_b, A, B, 6, 40023, 88, 1, 1, 0x18, "IGNORE", 0, 0);
    Pkt rst = build(mac_b, mac_a, B, A, 6, 88, 40023, 1, 7, 0x04, "", 0, 0);
    feed(fx, &i1);
    feed(fx, &rst);
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 2);
    tw_pipeline_finish(fx->pl); /* frees "new" once; nothing freed twice */
    g_assert_true(g_str_has_suffix(rec->str, "IGNORE;free;free;"));
    /* Without capture/ (unit tests of parsers) it is a no-op. */
    TwDissectCtx bare = { 0 };
    tw_flow_ignore(&bare);
}

static void test_probe_and_expect(Fixture *fx, gconstpointer d)
{
    /* Port 5000 matches nothing; the probe recognises the payload. */
    Pkt syn = build(mac_a, mac_b, A, B, 6, 40003, 5000, 0, 0, 0x02, "", 0, 0);
    Pkt p1 = build(mac_a, mac_b, A, B, 6, 40003, 5000, 1, 1, 0x18, "PRB hi", 0, 0);
    Pkt p2 = build(mac_b, mac_a, B, A, 6, 5000, 40003, 1, 7, 0x18, "reply", 0, 0);
    Pkt noise = build(mac_a, mac_b, A, B, 6, 40004, 5001, 1, 1, 0x18, "noise", 0, 0);
    feed(fx, &syn); /* a bare SYN to an unknown port: nothing yet */
    feed(fx, &noise);
    feed(fx, &p1);
    feed(fx, &p2);
    g_assert_cmpstr(rec->str, ==,
                    "req f3 tcp 10.0.0.1:40003>10.0.0.2:5000 PRB hi;"
                    "rsp f4 tcp 10.0.0.2:5000>10.0.0.1:40003 reply;");
    /* EXPECT on the port-88 parser registers 10.9.9.9:7000 for rec-probe. */
    Pkt e = build(mac_a, mac_b, A, B, 17, 40005, 88, 0, 0, 0, "EXPECT", 0, 0);
    feed(fx, &e);
    g_assert_cmpuint(counter(fx, "expect.added"), ==, 1);
    Pkt c1 = build(mac_a, mac_b, A, 0x0a090909u, 6, 40006, 7000, 77, 0, 0x18, "bind", 0, 0);
    feed(fx, &c1);
    g_assert_true(g_str_has_suffix(rec->str, "req f6 tcp 10.0.0.1:40006>10.9.9.9:7000 bind;"));
}

static void test_fragments(Fixture *fx, gconstpointer d)
{
    /* A UDP datagram to port 88 in two fragments, second first.  UDP header
     * (8) + 16 payload = 24 bytes: fragment 1 holds 16, fragment 2 holds 8. */
    Pkt whole = build(mac_a, mac_b, A, B, 17, 40007, 88, 0, 0, 0, "0123456789abcdef", 0, 0);
    const guint8 *udp = whole.buf + 34;
    Pkt f1 = build(mac_a, mac_b, A, B, 17, 0, 0, 0, 0, 0, "", 0x4242, 0x2000);
    Pkt f2 = f1;
    /* Rewrite as raw fragments: 16 then 8 bytes of the UDP datagram. */
    memcpy(f1.buf + 34, udp, 16);
    f1.buf[16] = 0;
    f1.buf[17] = 36;
    f1.len = 14 + 36 < 60 ? 60 : 50;
    memcpy(f2.buf + 34, udp + 16, 8);
    f2.buf[16] = 0;
    f2.buf[17] = 28;
    f2.buf[20] = 0x00;
    f2.buf[21] = 2; /* offset 16 bytes, MF 0 */
    f2.len = 60;
    feed(fx, &f2);
    feed(fx, &f1);
    g_assert_cmpstr(rec->str, ==, "req f2 udp 10.0.0.1:40007>10.0.0.2:88 0123456789abcdef;");
    g_assert_cmpuint(counter(fx, "ip.fragments"), ==, 2);
    g_assert_cmpuint(counter(fx, "ip.defrag.reassembled"), ==, 1);
}

/* Ethernet + IPv6 header + `ext` (extension headers) + body. */
static Pkt build6(guint8 first_nh, const guint8 *ext, guint32 ext_len, const guint8 *body,
                  guint32 body_len)
{
    Pkt p;
    memset(&p, 0, sizeof p);
    memcpy(p.buf, mac_b, 6);
    memcpy(p.buf + 6, mac_a, 6);
    p.buf[12] = 0x86;
    p.buf[13] = 0xdd;
    guint8 *ip = p.buf + 14;
    guint32 plen = ext_len + body_len;
    ip[0] = 0x60;
    ip[4] = (guint8)(plen >> 8);
    ip[5] = (guint8)plen;
    ip[6] = first_nh;
    ip[7] = 64;
    ip[8] = 0xfd;
    ip[23] = 1;
    ip[24] = 0xfd;
    ip[39] = 2;
    memcpy(ip + 40, ext, ext_len);
    memcpy(ip + 40 + ext_len, body, body_len);
    p.len = 14 + 40 + plen;
    return p;
}

static void test_fragments_v6(Fixture *fx, gconstpointer d)
{
    /* Fragmentable part: destination options (8) + UDP (8) + "kerberos!" (9)
     * = 25 bytes, sent as 16 + 9, the second first. */
    guint8 whole[25] = { 17, 0, 1, 4, 0, 0, 0, 0,            /* dest opts -> UDP */
                         0x9c, 0x40, 0x00, 0x58, 0x00, 0x11, 0, 0, /* 40000 -> 88, len 17 */
                         'k', 'e', 'r', 'b', 'e', 'r', 'o', 's', '!' };
    const guint8 fh1[8] = { 60, 0, 0x00, 0x01, 0, 0, 0x12, 0x34 }; /* offset 0, M */
    const guint8 fh2[8] = { 60, 0, 0x00, 0x10, 0, 0, 0x12, 0x34 }; /* offset 16, last */
    Pkt f1 = build6(44, fh1, 8, whole, 16);
    Pkt f2 = build6(44, fh2, 8, whole + 16, 9);
    feed(fx, &f2);
    g_assert_cmpstr(rec->str, ==, "");
    feed(fx, &f1);
    g_assert_cmpstr(rec->str, ==, "req f2 udp fd00::1:40000>fd00::2:88 kerberos!;");
    g_assert_cmpuint(counter(fx, "ip.defrag.reassembled"), ==, 1);
    g_assert_true(last_pi.has_mac);
    g_assert_cmpmem(last_pi.src_mac, 6, mac_a, 6);
}

static void test_idle_timeout(Fixture *fx, gconstpointer d)
{
    Pkt q = build(mac_a, mac_b, A, B, 17, 40008, 88, 0, 0, 0, "one", 0, 0);
    Pkt later = build(mac_a, mac_b, A, B, 17, 40009, 88, 0, 0, 0, "two", 0, 0);
    feed(fx, &q);
    fx->ts += TW_FLOW_UDP_IDLE_US + 1;
    feed(fx, &later);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 1);
    g_assert_cmpstr(rec->str, ==,
                    "req f1 udp 10.0.0.1:40008>10.0.0.2:88 one;"
                    "req f2 udp 10.0.0.1:40009>10.0.0.2:88 two;free;");
}

/* A UDP flow whose last datagram was the reply retires after
 * TW_FLOW_UDP_ANSWERED_IDLE_US; one still awaiting its reply keeps the full
 * TW_FLOW_UDP_IDLE_US; a new request makes an answered flow wait again. */
static void test_udp_answered(Fixture *fx, gconstpointer d)
{
    Pkt q1 = build(mac_a, mac_b, A, B, 17, 40031, 88, 0, 0, 0, "q1", 0, 0);
    Pkt r1 = build(mac_b, mac_a, B, A, 17, 88, 40031, 0, 0, 0, "r1", 0, 0);
    Pkt q2 = build(mac_a, mac_b, A, B, 17, 40032, 88, 0, 0, 0, "q2", 0, 0);
    Pkt q3 = build(mac_a, mac_b, A, B, 17, 40033, 88, 0, 0, 0, "q3", 0, 0);
    Pkt r3 = build(mac_b, mac_a, B, A, 17, 88, 40033, 0, 0, 0, "r3", 0, 0);
    Pkt q3b = build(mac_a, mac_b, A, B, 17, 40033, 88, 0, 0, 0, "q3b", 0, 0);
    Pkt tick = build(mac_a, mac_b, A, B, 17, 40034, 53, 0, 0, 0, "x", 0, 0); /* ignored */
    feed(fx, &q1);
    feed(fx, &r1); /* 40031 answered */
    feed(fx, &q2); /* 40032 awaits */
    feed(fx, &q3);
    feed(fx, &r3);
    feed(fx, &q3b); /* 40033 awaits again */
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 3);
    fx->ts += TW_FLOW_UDP_ANSWERED_IDLE_US + 1;
    feed(fx, &tick);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 1);
    g_assert_true(g_str_has_suffix(rec->str, "q3b;free;"));
    feed(fx, &q1); /* the same ports again: a new flow */
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 4);
    fx->ts += TW_FLOW_UDP_IDLE_US;
    feed(fx, &tick);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 4);
}

/* A peer's ACK beyond a hole makes the hole a gap and delivers what
 * followed it: stamped with the packet info of the side that sent it (its
 * last frame, its addresses), not the ACK's. */
static void test_ack_gap_packet_info(Fixture *fx, gconstpointer d)
{
    Pkt d1 = build(mac_a, mac_b, A, B, 6, 40051, 88, 1, 1, 0x18, "aaaa", 0, 0);
    Pkt d3 = build(mac_a, mac_b, A, B, 6, 40051, 88, 9, 1, 0x18, "cccc", 0, 0);
    Pkt ack = build(mac_b, mac_a, B, A, 6, 88, 40051, 1, 13, 0x10, "", 0, 0);
    feed(fx, &d1);
    feed(fx, &d3); /* 4 bytes missing before it: held */
    feed(fx, &ack);
    g_assert_cmpstr(rec->str, ==,
                    "req f1 tcp 10.0.0.1:40051>10.0.0.2:88 aaaa;"
                    "req gap 4;"
                    "req f2 tcp 10.0.0.1:40051>10.0.0.2:88 cccc;");
}

/* The next expiry moves with the flow table only: a reply found by lookup
 * shortens its flow's idle time, and a flow made by a probe on an empty
 * table is the first to expire; frames no parser wants (ignored) then
 * retire both at their time. */
static void test_expiry_follows_changes(Fixture *fx, gconstpointer d)
{
    Pkt q = build(mac_a, mac_b, A, B, 17, 40041, 88, 0, 0, 0, "q", 0, 0);
    Pkt r = build(mac_b, mac_a, B, A, 17, 88, 40041, 0, 0, 0, "r", 0, 0);
    Pkt tick = build(mac_a, mac_b, A, B, 17, 40042, 53, 0, 0, 0, "x", 0, 0); /* ignored */
    feed(fx, &q);
    feed(fx, &r); /* answered: TW_FLOW_UDP_ANSWERED_IDLE_US from here */
    fx->ts += TW_FLOW_UDP_ANSWERED_IDLE_US;
    feed(fx, &tick);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 1);
    g_assert_cmpuint(tw_pipeline_next_deadline(fx->pl), ==, G_MAXINT64);
    Pkt p1 = build(mac_a, mac_b, A, B, 6, 40043, 5000, 1, 1, 0x18, "PRB hi", 0, 0);
    feed(fx, &p1);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 2);
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, fx->ts - 1000 + TW_FLOW_TCP_IDLE_US);
    fx->ts += TW_FLOW_TCP_IDLE_US;
    feed(fx, &tick);
    g_assert_cmpuint(counter(fx, "flows.expired"), ==, 2);
}

/* The deadline follows a head touched in place, and a head closed
 * without a touch (a SYN replacing a lingering flow): tw_flow_heads_moved. */
static void test_expiry_follows_heads(Fixture *fx, gconstpointer d)
{
    Pkt b1 = build(mac_a, mac_b, A, B, 6, 40052, 88, 1, 1, 0x18, "b", 0, 0);
    Pkt a1 = build(mac_a, mac_b, A, B, 6, 40051, 88, 1, 1, 0x18, "q", 0, 0);
    Pkt r1 = build(mac_b, mac_a, B, A, 6, 88, 40051, 1, 2, 0x18, "r", 0, 0);
    Pkt f1 = build(mac_a, mac_b, A, B, 6, 40051, 88, 2, 2, 0x11, "", 0, 0);
    Pkt f2 = build(mac_b, mac_a, B, A, 6, 88, 40051, 2, 3, 0x11, "", 0, 0);
    Pkt b2 = build(mac_a, mac_b, A, B, 6, 40052, 88, 2, 1, 0x18, "c", 0, 0);
    Pkt syn = build(mac_a, mac_b, A, B, 6, 40051, 88, 100, 0, 0x02, "", 0, 0);
    gint64 t = fx->ts;
    feed(fx, &b1); /* the only flow: its touches move the deadline */
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, t + TW_FLOW_TCP_IDLE_US);
    t = fx->ts;
    feed(fx, &b2);
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, t + TW_FLOW_TCP_IDLE_US);
    gint64 tb = t;
    feed(fx, &a1);
    feed(fx, &r1);
    feed(fx, &f1);
    t = fx->ts;
    feed(fx, &f2); /* closed: lingers from t, behind b (only heads count) */
    g_assert_cmpuint(counter(fx, "flows.closed"), ==, 1);
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, tb + TW_FLOW_TCP_IDLE_US);
    gint64 ta = t;
    tb = fx->ts;
    feed(fx, &b2); /* the closed flow is the head now */
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, ta + TW_FLOW_CLOSED_LINGER_US);
    feed(fx, &syn); /* replaces the head: b's deadline */
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 3);
    g_assert_cmpint(tw_pipeline_next_deadline(fx->pl), ==, tb + TW_FLOW_TCP_IDLE_US);
}

/* tw_flow_heads_moved on the table itself. */
static void test_heads_moved(void)
{
    TwFlowTable *t = tw_flow_table_new(NULL, NULL, NULL);
    TwFlowKey k1, k2;
    guint8 side;
    guint8 a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
    tw_flow_key_make(&k1, 4, 6, a, 1000, b, 88, &side);
    tw_flow_key_make(&k2, 4, 6, a, 1001, b, 88, &side);
    g_assert_false(tw_flow_heads_moved(t));
    TwFlow *f1 = tw_flow_insert(t, &k1, 10); /* into an empty list */
    g_assert_true(tw_flow_heads_moved(t));
    g_assert_false(tw_flow_heads_moved(t)); /* cleared */
    TwFlow *f2 = tw_flow_insert(t, &k2, 20);
    g_assert_false(tw_flow_heads_moved(t));
    tw_flow_touch(t, f2, 30); /* the tail */
    g_assert_false(tw_flow_heads_moved(t));
    tw_flow_touch(t, f1, 40); /* the head */
    g_assert_true(tw_flow_heads_moved(t));
    tw_flow_touch(t, f2, 50); /* the head, now */
    g_assert_true(tw_flow_heads_moved(t));
    tw_flow_close(t, f2, TW_FLOW_CLOSED); /* the tail again */
    g_assert_false(tw_flow_heads_moved(t));
    g_assert_cmpint(tw_flow_next_expiry(t), ==, 40 + TW_FLOW_TCP_IDLE_US);
    tw_flow_close(t, f1, TW_FLOW_CLOSED); /* the head, untouched */
    g_assert_true(tw_flow_heads_moved(t));
    g_assert_cmpint(tw_flow_next_expiry(t), ==, G_MAXINT64);
    tw_flow_table_free(t);
}

static void test_flow_cap(Fixture *fx, gconstpointer d)
{
    for (guint32 i = 0; i < TW_FLOW_MAX + 3; i++) {
        Pkt q = build(mac_a, mac_b, A + (i >> 16), B, 17, (guint16)(i & 0xffff), 88, 0, 0, 0, "", 0, 0);
        feed(fx, &q);
    }
    g_assert_cmpuint(counter(fx, "flows.created"), ==, TW_FLOW_MAX + 3);
    g_assert_cmpuint(counter(fx, "flows.evicted"), ==, 3);
    g_assert_cmpuint(counter(fx, "anomaly.flow_cap"), ==, 3);
    guint anomalies = 0;
    for (guint i = 0; i < fx->events->len; i++)
        if (strcmp(((TwEvent *)fx->events->pdata[i])->proto, "anomaly") == 0)
            anomalies++;
    g_assert_cmpuint(anomalies, ==, 3);
}

static guint count_anomalies(Fixture *fx, const char *kind)
{
    guint n = 0;
    for (guint i = 0; i < fx->events->len; i++) {
        TwEvent *ev = fx->events->pdata[i];
        if (strcmp(ev->proto, "anomaly") == 0 &&
            (!kind || g_strcmp0(tw_event_get_str(ev, "kind"), kind) == 0))
            n++;
    }
    return n;
}

/* Dissector anomalies: at most TW_ANOMALY_EVENTS_MAX events per kind per
 * pipeline (two flows share the limit), the counter counts every one. */
static void test_anomaly_rate_limit(Fixture *fx, gconstpointer d)
{
    Pkt q1 = build(mac_a, mac_b, A, B, 17, 40031, 88, 0, 0, 0, "ANOM", 0, 0);
    Pkt q2 = build(mac_a, mac_b, A, B, 17, 40032, 88, 0, 0, 0, "ANOM", 0, 0);
    feed(fx, &q1);
    g_assert_cmpuint(count_anomalies(fx, "rec_flood"), ==, TW_ANOMALY_EVENTS_MAX);
    feed(fx, &q2);
    g_assert_cmpuint(count_anomalies(fx, "rec_flood"), ==, TW_ANOMALY_EVENTS_MAX);
    g_assert_cmpuint(counter(fx, "anomaly.rec_flood"), ==, 300);
    /* Another pipeline starts again from zero. */
    tw_pipeline_free(fx->pl);
    g_ptr_array_set_size(fx->events, 0);
    TwPipelineConfig cfg = { on_event, fx, false };
    fx->pl = tw_pipeline_new_with_parsers(&cfg, parsers);
    feed(fx, &q1);
    g_assert_cmpuint(count_anomalies(fx, "rec_flood"), ==, TW_ANOMALY_EVENTS_MAX);
}

/* The flow-state budget: TW_FLOW_BASE_BYTES per flow plus what parsers
 * charge; past it the least recently seen flows are evicted (their parsers
 * finished, as at TW_FLOW_MAX), counted, one anomaly per enforcement. */
static void test_flow_state_budget(Fixture *fx, gconstpointer d)
{
    guint64 per_flow = TW_FLOW_BASE_BYTES + 3000;
    tw_pipeline_set_budgets(fx->pl, 3 * per_flow, TW_TCP_OOO_BUDGET_BYTES);
    for (guint16 i = 0; i < 3; i++) {
        Pkt q = build(mac_a, mac_b, A, B, 6, (guint16)(41000 + i), 88, 1, 0, 0x18, "CHARGE", 0, 0);
        for (int k = 0; k < 3; k++) { /* 3 x 1000 bytes, in order */
            q.buf[14 + 20 + 7] = (guint8)(1 + 6 * k);
            feed(fx, &q);
        }
    }
    g_assert_cmpuint(counter(fx, "flows.budget_evicted"), ==, 0);
    /* A fourth flow's first charge passes the budget: the oldest goes. */
    Pkt q = build(mac_a, mac_b, A, B, 6, 41003, 88, 1, 0, 0x18, "CHARGE", 0, 0);
    feed(fx, &q);
    g_assert_cmpuint(counter(fx, "flows.budget_evicted"), ==, 1);
    g_assert_cmpuint(counter(fx, "anomaly.flow_state_budget"), ==, 1);
    g_assert_cmpuint(count_anomalies(fx, "flow_state_budget"), ==, 1);
    g_assert_true(strstr(rec->str, "CHARGE;free;") != NULL); /* the oldest's parser finished */
    g_assert_cmpuint(counter(fx, "flows.evicted"), ==, 0);
    /* The flow 41000 is gone: its next segment starts a new flow. */
    Pkt again = build(mac_a, mac_b, A, B, 6, 41000, 88, 19, 0, 0x18, "more", 0, 0);
    feed(fx, &again);
    g_assert_cmpuint(counter(fx, "flows.created"), ==, 5);
}

static void test_link_and_ip_errors(Fixture *fx, gconstpointer d)
{
    Pkt q = build(mac_a, mac_b, A, B, 17, 40010, 88, 0, 0, 0, "zz", 0, 0);
    TwFrame f = { 1, 0, 105, q.buf, q.len, q.len };
    tw_pipeline_frame(fx->pl, &f);
    tw_pipeline_frame(fx->pl, &f);
    g_assert_cmpuint(counter(fx, "link.unsupported"), ==, 2);
    /* Every cut of a port-88 frame: never a crash; headers cut are counted. */
    for (guint32 cut = 0; cut < q.len; cut++)
        feed_cut(fx, &q, cut);
    g_assert_cmpuint(counter(fx, "link.truncated"), ==, 14);
    g_assert_cmpuint(counter(fx, "ip.truncated"), ==, 20);
    g_assert_cmpuint(counter(fx, "udp.truncated_header"), ==, 8);
}

static void test_key(void)
{
    const guint8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
    TwFlowKey k1, k2;
    guint8 s1, s2;
    tw_flow_key_make(&k1, 4, 6, a, 1000, b, 88, &s1);
    tw_flow_key_make(&k2, 4, 6, b, 88, a, 1000, &s2);
    g_assert_cmpmem(&k1, sizeof k1, &k2, sizeof k2);
    g_assert_cmpuint(s1, ==, 0);
    g_assert_cmpuint(s2, ==, 1);
    /* Same address: the port orders the sides. */
    tw_flow_key_make(&k1, 4, 6, a, 2000, a, 88, &s1);
    g_assert_cmpuint(s1, ==, 1);
}

/* The canonical key of the definition: side 0 is the lower (address
 * bytes, port). */
static void ref_key(TwFlowKey *key, guint8 version, guint8 ipproto, const guint8 *src,
                    guint16 sport, const guint8 *dst, guint16 dport, guint8 *src_side)
{
    gsize alen = version == 4 ? 4 : 16;
    int c = memcmp(src, dst, alen);
    int s = c > 0 || (c == 0 && sport > dport);
    memset(key, 0, sizeof *key);
    key->version = version;
    key->ipproto = ipproto;
    memcpy(key->addr[s], src, alen);
    memcpy(key->addr[!s], dst, alen);
    key->port[s] = sport;
    key->port[!s] = dport;
    *src_side = (guint8)s;
}

/* A random key from a small universe (so that lookups find and miss):
 * IPv4 and IPv6 addresses differing in their first, middle or last byte. */
static void random_key(GRand *r, TwFlowKey *key, guint8 *side)
{
    guint8 a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
    guint8 version = g_rand_boolean(r) ? 4 : 6;
    gsize alen = version == 4 ? 4 : 16;
    if (version == 6) {
        a[0] = b[0] = 0xfe;
        a[1] = b[1] = 0x80;
    }
    a[g_rand_int_range(r, 0, (gint32)alen)] = (guint8)g_rand_int_range(r, 0, 4);
    b[g_rand_int_range(r, 0, (gint32)alen)] = (guint8)g_rand_int_range(r, 0, 4);
    guint16 sp = g_rand_boolean(r) ? (guint16)g_rand_int_range(r, 0, 4) * 20000
                                   : (guint16)g_rand_int_range(r, 87, 90);
    guint16 dp = (guint16)g_rand_int_range(r, 87, 90);
    guint8 proto = g_rand_boolean(r) ? 6 : 17;
    TwFlowKey want;
    guint8 want_side;
    ref_key(&want, version, proto, a, sp, b, dp, &want_side);
    tw_flow_key_make(key, version, proto, a, sp, b, dp, side);
    g_assert_cmpmem(key, sizeof *key, &want, sizeof want);
    g_assert_cmpuint(*side, ==, want_side);
}

static void count_close(TwFlow *flow, TwFlowEnd why, void *user)
{
    (*(guint *)user)++;
}

/* The flow index against a GHashTable of the same keys: random inserts,
 * closes and lookups while it grows past several resizes and shrinks back
 * to empty (collisions, and removal moving entries back). */
static void test_index(void)
{
    g_autoptr(GHashTable) counters = tw_counters_new();
    g_auto(TwCapNotify) notify = { 0 };
    tw_cap_notify_init(&notify, counters);
    guint closed = 0;
    TwFlowTable *t = tw_flow_table_new(count_close, &closed, &notify);
    tw_flow_set_max(t, 1u << 20);
    GHashTable *ref = g_hash_table_new_full((GHashFunc)g_bytes_hash, (GEqualFunc)g_bytes_equal,
                                            (GDestroyNotify)g_bytes_unref, NULL);
    GRand *r = g_rand_new_with_seed(64);
    for (int round = 0; round < 4; round++) {
        /* Grow (mostly inserts), then drain (mostly closes). */
        for (int phase = 0; phase < 2; phase++) {
            for (int op = 0; op < 30000; op++) {
                TwFlowKey key;
                guint8 side;
                random_key(r, &key, &side);
                GBytes *kb = g_bytes_new(&key, sizeof key);
                TwFlow *want = g_hash_table_lookup(ref, kb);
                TwFlow *got = tw_flow_lookup(t, &key);
                g_assert_true(got == want);
                bool grow = g_rand_int_range(r, 0, 10) < (phase == 0 ? 8 : 1);
                if (!got && grow) {
                    got = tw_flow_insert(t, &key, op);
                    g_assert_cmpmem(&got->key, sizeof key, &key, sizeof key);
                    g_hash_table_insert(ref, g_bytes_ref(kb), got);
                } else if (got && !grow) {
                    g_hash_table_remove(ref, kb);
                    tw_flow_close(t, got, TW_FLOW_CLOSED);
                    g_assert_null(tw_flow_lookup(t, &key));
                }
                g_bytes_unref(kb);
                g_assert_cmpuint(tw_flow_count(t), ==, g_hash_table_size(ref));
                guint slots = tw_flow_index_slots(t);
                g_assert_cmpuint(slots, >=, 2 * tw_flow_count(t));
                g_assert_true(slots == 64 || slots <= 8 * tw_flow_count(t));
            }
            /* Every flow still there is found by its key. */
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, ref);
            while (g_hash_table_iter_next(&it, &k, &v))
                g_assert_true(tw_flow_lookup(t, g_bytes_get_data(k, NULL)) == v);
        }
    }
    /* Emptied by tw_flow_close_all (which shrinks the index once, at
     * the end), then near half full at the smallest size, for long:
     * clusters that wrap around the end of the index. */
    {
        /* Most one by one (the index halves on the way down)... */
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, ref);
        while (tw_flow_count(t) > 1000 && g_hash_table_iter_next(&it, &k, &v)) {
            tw_flow_close(t, v, TW_FLOW_CLOSED);
            g_hash_table_iter_remove(&it);
            guint slots = tw_flow_index_slots(t);
            g_assert_cmpuint(slots, >=, 2 * tw_flow_count(t));
            g_assert_true(slots == 64 || slots <= 8 * tw_flow_count(t));
        }
        g_assert_cmpuint(tw_flow_index_slots(t), <=, 8192);
    }
    {
        /* ... the rest at once. */
        guint before = closed, n = g_hash_table_size(ref);
        g_assert_cmpuint(n, >, 64);
        tw_flow_close_all(t);
        g_assert_cmpuint(closed - before, ==, n);
        g_assert_cmpuint(tw_flow_count(t), ==, 0);
        g_assert_cmpuint(tw_flow_index_slots(t), ==, 64);
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, ref);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            g_assert_null(tw_flow_lookup(t, g_bytes_get_data(k, NULL)));
            g_hash_table_iter_remove(&it);
        }
    }
    for (int op = 0; op < 200000; op++) {
        TwFlowKey key;
        guint8 side;
        random_key(r, &key, &side);
        GBytes *kb = g_bytes_new(&key, sizeof key);
        TwFlow *want = g_hash_table_lookup(ref, kb);
        TwFlow *got = tw_flow_lookup(t, &key);
        g_assert_true(got == want);
        if (!got && tw_flow_count(t) < 31) {
            got = tw_flow_insert(t, &key, op);
            g_hash_table_insert(ref, g_bytes_ref(kb), got);
        } else if (got && tw_flow_count(t) > 24) {
            g_hash_table_remove(ref, kb);
            tw_flow_close(t, got, TW_FLOW_CLOSED);
        }
        g_bytes_unref(kb);
        if (op % 64 == 0) {
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, ref);
            while (g_hash_table_iter_next(&it, &k, &v))
                g_assert_true(tw_flow_lookup(t, g_bytes_get_data(k, NULL)) == v);
        }
    }
    guint left = tw_flow_count(t);
    tw_flow_table_free(t);
    g_assert_cmpuint(closed, ==, *tw_counter_ptr(counters, "flows.created"));
    g_assert_cmpuint(left, ==, g_hash_table_size(ref));
    g_rand_free(r);
    g_hash_table_unref(ref);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    rec = g_string_new(NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fx_setup, fn, fx_teardown)
    g_test_add_func("/flow/key", test_key);
    g_test_add_func("/flow/index", test_index);
    ADD("/flow/udp", test_udp);
    ADD("/flow/packet-info", test_mac_in_events);
    ADD("/flow/tcp", test_tcp);
    ADD("/flow/tcp-fin-linger", test_tcp_fin_linger);
    ADD("/flow/tcp-gap-at-finish", test_tcp_gap_at_finish);
    ADD("/flow/probe-and-expect", test_probe_and_expect);
    ADD("/flow/ignore", test_flow_ignore);
    ADD("/flow/fragments", test_fragments);
    ADD("/flow/fragments-v6", test_fragments_v6);
    ADD("/flow/idle-timeout", test_idle_timeout);
    ADD("/flow/udp-answered", test_udp_answered);
    ADD("/flow/expiry-follows-changes", test_expiry_follows_changes);
    ADD("/flow/expiry-follows-heads", test_expiry_follows_heads);
    g_test_add_func("/flow/heads-moved", test_heads_moved);
    ADD("/flow/ack-gap-packet-info", test_ack_gap_packet_info);
    ADD("/flow/cap", test_flow_cap);
    ADD("/flow/anomaly-rate-limit", test_anomaly_rate_limit);
    ADD("/flow/state-budget", test_flow_state_budget);
    ADD("/flow/link-and-ip-errors", test_link_and_ip_errors);
    int r = g_test_run();
    g_string_free(rec, TRUE);
    return r;
}
