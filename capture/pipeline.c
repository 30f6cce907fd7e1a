/* pipeline.c — frame → link → IP (defrag) → TCP reassembly / UDP → flow →
 * application parser.
 *
 * The per-packet path for traffic no parser wants is kept cheap: link and IP
 * headers, two port-table lookups, and a flow or expected-endpoint lookup
 * only when such flows or endpoints exist.  Nothing is allocated or
 * formatted for ignored packets; addresses are formatted once per flow, the
 * first time a parser is fed. */
#include "pipeline.h"
#include "caps.h"
#include "flow.h"
#include "ip-defrag.h"
#include "ip.h"
#include "csum.h"
#include "link.h"
#include "dissectors/lower/lower-tree.h"
#include "notify.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    guint8 version, ipproto;
    guint16 port;
    guint8 addr[16];
} ExpectKey;

typedef struct {
    ExpectKey key;
    const TwAppParser *parser;
    GList link;
} Expect;

struct TwPipeline {
    TwPipelineConfig cfg;
    const TwAppParser *const *parsers;
    guint nparsers;
    /* Pre-filter: server port -> parser index + 1, per transport. */
    guint8 port_tcp[65536];
    guint8 port_udp[65536];
    bool probes_tcp, probes_udp;
    /* The parsers with a probe, and with a reply probe, in table order,
     * for TCP [0] and UDP [1]. */
    const TwAppParser **probe[2], **probe_reply[2];
    guint nprobe[2], nprobe_reply[2];

    GHashTable *counters;
    TwCapNotify notify;
    TwDefrag *defrag;
    TwFlowTable *flows;
    TwTcpBudget tcp_budget; /* out-of-order bytes of all flows */
    /* Flows a port match would not find (probe, expect), counted by their
     * server port, so that only packets on such a port pay for a lookup. */
    guint32 nonport_flows_by_port[65536];
    /* Expected endpoints counted by port, for the same reason. */
    guint16 expect_by_port[65536];

    GHashTable *expect; /* ExpectKey* -> Expect* */
    GQueue expect_age;

    TwDissectCtx ctx;
    TwPacketInfo pi;
    bool pi_csum_bad; /* the frame behind pi had a wrong TCP/UDP checksum (set_pi) */
    TwFlow *cur_flow; /* the flow whose parser is being fed (for tw_flow_ignore) */

    /* The frame being processed (for capture-level anomalies). */
    const TwFrame *cur;
    const TwIpPacket *cur_ip;
    guint16 cur_sport, cur_dport;
    /* frame_hooks: the current frame was said to be used; the fragments
     * of the datagram it completed (frame numbers, arrival order). */
    bool cur_used;
    const guint64 *cur_frags;
    guint cur_nfrags;

    GHashTable *unsupported_seen; /* linktype -> 1, message printed */

    guint expect_max;      /* TW_EXPECT_MAX, or a shard's share */
    gint64 next_expiry;    /* tw_flow_next_expiry after the last change */
    /* The frame being processed closed a flow (FIN/RST: its idle is the
     * linger now) or evicted some, so next_expiry is computed again; the
     * flow table says when its LRU heads moved (tw_flow_heads_moved).
     * Most frames touch a flow that is no head and leave it as it was. */
    bool flows_touched;
    TwEmitOrder order;

    /* Hot counters: stable pointers into `counters`. */
    guint64 *c_frames, *c_bytes, *c_link_unsupported, *c_link_truncated, *c_link_not_ip;
    guint64 *c_ip_truncated, *c_ip_malformed, *c_ip_unsupported, *c_ip_other, *c_ip_tso;
    guint64 *c_tcp_truncated, *c_tcp_malformed, *c_udp_truncated, *c_udp_malformed;
    guint64 *c_ignored, *c_dispatched;
};

/* ---- anomalies raised by the capture layer itself ---- */

static void fill_pi_from_frame(TwPipeline *pl, TwPacketInfo *pi)
{
    memset(pi, 0, sizeof *pi);
    if (!pl->cur)
        return;
    pi->frame = pl->cur->no;
    pi->ts_us = pl->cur->ts_us;
    if (pl->cur_ip) {
        tw_ip_format(pl->cur_ip->version, pl->cur_ip->src, pi->src);
        tw_ip_format(pl->cur_ip->version, pl->cur_ip->dst, pi->dst);
        pi->transport = pl->cur_ip->proto == 6 ? "tcp" : pl->cur_ip->proto == 17 ? "udp" : NULL;
        pi->sport = pl->cur_sport;
        pi->dport = pl->cur_dport;
    }
}

/* Every dissector event passes here: a message completed by a frame whose
 * TCP/UDP checksum is wrong says so (docs/events.md, "checksum_bad"). */
static void pipeline_emit(TwEvent *ev, void *user)
{
    TwPipeline *pl = user;
    if (pl->pi_csum_bad && ev->frame == pl->pi.frame && strcmp(ev->src, pl->pi.src) == 0)
        tw_event_set_bool(ev, "checksum_bad", true);
    pl->cfg.emit(ev, pl->cfg.emit_user);
}

static void capture_anomaly(void *user, const char *kind, const char *detail)
{
    TwPipeline *pl = user;
    if (!pl->cfg.emit)
        return;
    TwPacketInfo pi;
    if (pl->ctx.pi == &pl->pi)
        pi = pl->pi; /* inside a parser dispatch: the flow's view */
    else
        fill_pi_from_frame(pl, &pi);
    TwEvent *ev = tw_event_new(&pi, "anomaly");
    tw_event_set_str(ev, "kind", kind);
    tw_event_set_str(ev, "parser", "capture");
    tw_event_set_str(ev, "detail", detail);
    pl->cfg.emit(ev, pl->cfg.emit_user);
}

/* ---- expected endpoints (ctx->expect) ---- */

static guint expect_hash(gconstpointer k)
{
    const guint8 *b = k;
    guint32 h = 2166136261u;
    for (gsize i = 0; i < sizeof(ExpectKey); i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean expect_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(ExpectKey)) == 0;
}

static const TwAppParser *parser_by_name(TwPipeline *pl, const char *name)
{
    for (guint i = 0; i < pl->nparsers; i++)
        if (strcmp(pl->parsers[i]->name, name) == 0)
            return pl->parsers[i];
    return NULL;
}

static void expect_drop(TwPipeline *pl, Expect *e)
{
    g_hash_table_remove(pl->expect, &e->key);
    g_queue_unlink(&pl->expect_age, &e->link);
    pl->expect_by_port[e->key.port]--;
    g_free(e);
}

static void ctx_expect(TwDissectCtx *ctx, const char *addr, guint16 port, const char *parser_name)
{
    TwPipeline *pl = ctx->flow_user;
    const TwAppParser *p = parser_by_name(pl, parser_name);
    if (!p) {
        tw_cap_count(&pl->notify, "expect.unknown_parser", 1);
        return;
    }
    ExpectKey key;
    memset(&key, 0, sizeof key);
    if (inet_pton(AF_INET, addr, key.addr) == 1)
        key.version = 4;
    else if (inet_pton(AF_INET6, addr, key.addr) == 1)
        key.version = 6;
    else {
        tw_cap_count(&pl->notify, "expect.bad_address", 1);
        return;
    }
    key.ipproto = p->ipproto;
    key.port = port;
    Expect *e = g_hash_table_lookup(pl->expect, &key);
    if (e) {
        e->parser = p;
        return;
    }
    if (g_hash_table_size(pl->expect) >= pl->expect_max) {
        tw_cap_count(&pl->notify, "expect.evicted", 1);
        tw_cap_anomaly(&pl->notify, "expect_cap", "%u expected endpoints: oldest forgotten",
                       pl->expect_max);
        expect_drop(pl, pl->expect_age.head->data);
    }
    e = g_new0(Expect, 1);
    e->key = key;
    e->parser = p;
    e->link.data = e;
    g_hash_table_insert(pl->expect, &e->key, e);
    g_queue_push_tail_link(&pl->expect_age, &e->link);
    pl->expect_by_port[port]++;
    tw_cap_count(&pl->notify, "expect.added", 1);
}

static const TwAppParser *expect_lookup(TwPipeline *pl, guint8 version, guint8 ipproto,
                                        const guint8 *addr, guint16 port)
{
    ExpectKey key;
    memset(&key, 0, sizeof key);
    key.version = version;
    key.ipproto = ipproto;
    key.port = port;
    memcpy(key.addr, addr, version == 4 ? 4 : 16);
    Expect *e = g_hash_table_lookup(pl->expect, &key);
    return e ? e->parser : NULL;
}

/* ---- feeding parsers ---- */

/* Stamps pl->pi for bytes of direction `dir` of `flow`, last seen in `last`. */
static void set_pi(TwPipeline *pl, TwFlow *flow, int dir, const TwFlowLast *last)
{
    if (!flow->addr_formatted) {
        for (int s = 0; s < 2; s++)
            tw_ip_format(flow->key.version, flow->key.addr[s], flow->addr_str[s]);
        flow->addr_formatted = true;
    }
    int src_side = dir == TW_DIR_REQ ? !flow->server_side : flow->server_side;
    TwPacketInfo *pi = &pl->pi;
    pi->frame = last->frame;
    pi->ts_us = last->ts_us;
    pi->transport = flow->key.ipproto == 6 ? "tcp" : "udp";
    memcpy(pi->src, flow->addr_str[src_side], TW_ADDR_STRLEN);
    memcpy(pi->dst, flow->addr_str[!src_side], TW_ADDR_STRLEN);
    pi->sport = flow->key.port[src_side];
    pi->dport = flow->key.port[!src_side];
    pi->has_mac = last->has_mac;
    memcpy(pi->src_mac, last->src_mac, 6);
    memcpy(pi->dst_mac, last->dst_mac, 6);
    pl->pi_csum_bad = last->csum_bad;
    pl->ctx.pi = pi;
}

typedef struct {
    TwPipeline *pl;
    TwFlow *flow;
} FeedTarget;

static void tcp_data(void *user, int dir, const guint8 *p, guint32 len)
{
    FeedTarget *t = user;
    if (t->flow->ignore_pending)
        return; /* the parser said nothing more of interest */
    *t->pl->c_dispatched += 1;
    if (t->flow->parser->feed)
        t->flow->parser->feed(t->flow->state, &t->pl->ctx, dir, p, len, len);
}

static void tcp_gap(void *user, int dir, guint64 len)
{
    FeedTarget *t = user;
    if (!t->flow->ignore_pending && t->flow->parser->gap)
        t->flow->parser->gap(t->flow->state, &t->pl->ctx, dir, len);
}

static TwTcpSink make_sink(FeedTarget *t, int dir)
{
    TwTcpSink s = { tcp_data, tcp_gap, t, dir, &t->pl->notify, &t->pl->tcp_budget };
    return s;
}

/* Finishes a flow's parser: flushes both TCP directions (holes become gaps)
 * and frees the parser state. */
static void finish_parser(TwPipeline *pl, TwFlow *flow)
{
    TwFlow *outer = pl->cur_flow; /* an eviction may finish a flow while another is fed */
    pl->cur_flow = flow;
    if (flow->key.ipproto == 6) {
        FeedTarget t = { pl, flow };
        for (int dir = 0; dir < 2; dir++) {
            if (!flow->tcp[dir].started)
                continue;
            TwTcpSink sink = make_sink(&t, dir);
            set_pi(pl, flow, dir, &flow->last[dir]);
            tw_tcp_dir_finish(&flow->tcp[dir], &sink);
        }
    }
    if (flow->parser->state_free)
        flow->parser->state_free(flow->state);
    flow->state = NULL;
    tw_flow_state_gone(pl->flows, flow);
    pl->ctx.pi = NULL;
    pl->cur_flow = outer;
}

/* tw_mem_charge: the flow being fed holds more (or less) parser state. */
static void ctx_mem_charge(TwDissectCtx *ctx, gint64 delta)
{
    TwPipeline *pl = ctx->flow_user;
    if (pl->cur_flow)
        tw_flow_charge(pl->flows, pl->cur_flow, delta);
}

/* tw_flow_ignore: the dissector wants nothing more from this flow. */
static void ctx_ignore_flow(TwDissectCtx *ctx)
{
    TwPipeline *pl = ctx->flow_user;
    if (pl->cur_flow)
        pl->cur_flow->ignore_pending = true;
}

/* After the feed that asked for it: free the parser state without a final
 * flush and forget the reassembly queues.  The flow entry stays (touched
 * by its packets) so the rest of the connection is dropped at the
 * pre-filter instead of starting a new flow mid-stream. */
static void apply_ignore(TwPipeline *pl, TwFlow *flow)
{
    if (!flow->ignore_pending || flow->ignored || flow->closed)
        return;
    if (flow->parser->state_free)
        flow->parser->state_free(flow->state);
    flow->state = NULL;
    tw_flow_state_gone(pl->flows, flow);
    tw_tcp_dir_clear(&flow->tcp[0]);
    tw_tcp_dir_clear(&flow->tcp[1]);
    flow->tcp[0].fin_seen = flow->tcp[1].fin_seen = false;
    flow->ignored = true;
    tw_cap_count(&pl->notify, "flows.ignored", 1);
}

static void on_flow_close(TwFlow *flow, TwFlowEnd why, void *user)
{
    TwPipeline *pl = user;
    if (pl->order.phase != TW_ORDER_FRAME) {
        pl->order.queue = flow->lru_queue;
        pl->order.touch = flow->touch_no;
    }
    if (!flow->by_port)
        pl->nonport_flows_by_port[flow->key.port[flow->server_side]]--;
    if (!flow->closed && !flow->ignored)
        finish_parser(pl, flow);
}

/* FIN both ways or RST: the parser is finished now; the flow lingers so
 * that stray segments after the close are not taken for a new flow. */
static void close_tcp_flow(TwPipeline *pl, TwFlow *flow)
{
    finish_parser(pl, flow);
    tw_tcp_dir_clear(&flow->tcp[0]);
    tw_tcp_dir_clear(&flow->tcp[1]);
    flow->closed = true;
    pl->flows_touched = true; /* its idle is the linger now (tw_flow_heads_moved) */
    tw_cap_count(&pl->notify, "flows.closed", 1);
}

/* ---- the per-packet path ---- */

/* frame_hooks: the frame being processed (and the fragments it
 * completed) fed a parser's flow. */
static void mark_used(TwPipeline *pl, const TwFrame *f)
{
    const TwFrameHooks *h = pl->cfg.frame_hooks;
    if (!h || pl->cur_used)
        return;
    pl->cur_used = true;
    for (guint i = 0; i < pl->cur_nfrags; i++)
        if (pl->cur_frags[i] != f->no)
            h->used(h->user, f, pl->cur_frags[i]);
    h->used(h->user, f, f->no);
}

static void remember_last(TwFlowLast *last, const TwFrame *f, const TwLinkResult *lr)
{
    last->frame = f->no;
    last->ts_us = f->ts_us;
    last->has_mac = lr->has_mac;
    if (lr->has_mac) {
        memcpy(last->src_mac, lr->src_mac, 6);
        memcpy(last->dst_mac, lr->dst_mac, 6);
    }
}

/* The pre-filter: which parser, if any, wants a packet of no known flow.
 * *server_is_dst tells which endpoint is the server. */
static const TwAppParser *choose_parser(TwPipeline *pl, const TwIpPacket *ip, guint16 sport,
                                        guint16 dport, const guint8 *payload, guint32 caplen,
                                        bool *server_is_dst, bool *by_port)
{
    const guint8 *ports = ip->proto == 6 ? pl->port_tcp : pl->port_udp;
    *by_port = true;
    if (ports[dport]) {
        *server_is_dst = true;
        return pl->parsers[ports[dport] - 1];
    }
    if (ports[sport]) {
        *server_is_dst = false;
        return pl->parsers[ports[sport] - 1];
    }
    *by_port = false;
    if (pl->expect_by_port[sport] || pl->expect_by_port[dport]) {
        const TwAppParser *p = expect_lookup(pl, ip->version, ip->proto, ip->dst, dport);
        if (p) {
            *server_is_dst = true;
            return p;
        }
        p = expect_lookup(pl, ip->version, ip->proto, ip->src, sport);
        if (p) {
            *server_is_dst = false;
            return p;
        }
    }
    if (caplen && (ip->proto == 6 ? pl->probes_tcp : pl->probes_udp)) {
        /* Every probe of the transport in table order, then every reply probe. */
        int t = ip->proto == 6 ? 0 : 1;
        for (guint i = 0; i < pl->nprobe[t]; i++) {
            const TwAppParser *p = pl->probe[t][i];
            if (p->probe(payload, caplen)) {
                *server_is_dst = true; /* the sender of the probed bytes is the client */
                return p;
            }
        }
        for (guint i = 0; i < pl->nprobe_reply[t]; i++) {
            const TwAppParser *p = pl->probe_reply[t][i];
            if (p->probe_reply(payload, caplen)) {
                *server_is_dst = false; /* the sender of the probed bytes is the server */
                return p;
            }
        }
    }
    return NULL;
}

static void transport(TwPipeline *pl, const TwFrame *f, const TwLinkResult *lr,
                      const TwIpPacket *ip)
{
    const guint8 *p = ip->payload;
    guint32 caplen = ip->payload_caplen, len = ip->payload_len;
    guint16 sport, dport;
    guint32 seq = 0, ack = 0;
    guint8 flags = 0;
    const guint8 *payload;
    guint32 pcap, plen;

    if (ip->proto == 6) {
        /* RFC 9293 3.1 */
        if (caplen < 20) {
            *(len < 20 ? pl->c_tcp_malformed : pl->c_tcp_truncated) += 1;
            return;
        }
        guint32 doff = (guint32)(p[12] >> 4) * 4;
        if (doff < 20 || doff > len) {
            *pl->c_tcp_malformed += 1;
            return;
        }
        if (doff > caplen) {
            *pl->c_tcp_truncated += 1;
            return;
        }
        sport = (guint16)((p[0] << 8) | p[1]);
        dport = (guint16)((p[2] << 8) | p[3]);
        seq = ((guint32)p[4] << 24) | ((guint32)p[5] << 16) | ((guint32)p[6] << 8) | p[7];
        ack = ((guint32)p[8] << 24) | ((guint32)p[9] << 16) | ((guint32)p[10] << 8) | p[11];
        flags = p[13];
        payload = p + doff;
        pcap = caplen - doff;
        plen = len - doff;
    } else if (ip->proto == 17) {
        /* RFC 768 */
        if (caplen < 8) {
            *(len < 8 ? pl->c_udp_malformed : pl->c_udp_truncated) += 1;
            return;
        }
        sport = (guint16)((p[0] << 8) | p[1]);
        dport = (guint16)((p[2] << 8) | p[3]);
        guint32 ulen = (guint32)((p[4] << 8) | p[5]);
        if (ulen < 8 || ulen > len) {
            *pl->c_udp_malformed += 1;
            ulen = len; /* believe IP, as tshark does for a bad UDP length */
        }
        payload = p + 8;
        plen = ulen - 8;
        pcap = caplen - 8 < plen ? caplen - 8 : plen;
    } else {
        *pl->c_ip_other += 1;
        return;
    }
    pl->cur_sport = sport;
    pl->cur_dport = dport;

    /* Pre-filter: no flow exists for this packet unless a port matched or a
     * flow was created another way (probe, expect). */
    const guint8 *ports = ip->proto == 6 ? pl->port_tcp : pl->port_udp;
    bool port_hit = ports[sport] || ports[dport];
    bool nonport_hit = pl->nonport_flows_by_port[sport] || pl->nonport_flows_by_port[dport];
    if (!port_hit && !nonport_hit && !pl->expect_by_port[sport] && !pl->expect_by_port[dport] &&
        !(pcap && (ip->proto == 6 ? pl->probes_tcp : pl->probes_udp))) {
        *pl->c_ignored += 1;
        return;
    }

    /* The key is made when a flow may exist, or one is to be made (a
     * probe matched): most probed packets match nothing. */
    TwFlowKey key;
    guint8 src_side = 0;
    bool have_key = false;
    TwFlow *flow = NULL;
    if (port_hit || nonport_hit) {
        tw_flow_key_make(&key, ip->version, ip->proto, ip->src, sport, ip->dst, dport, &src_side);
        have_key = true;
        flow = tw_flow_lookup(pl->flows, &key);
    }
    if (flow && flow->closed) {
        /* A new connection on the same ports replaces the closed one;
         * anything else is a straggler of the old one. */
        if (ip->proto == 6 && (flags & (TW_TCP_SYN | TW_TCP_ACK)) == TW_TCP_SYN) {
            tw_flow_close(pl->flows, flow, TW_FLOW_CLOSED);
            flow = NULL;
        } else {
            tw_cap_count(&pl->notify, "tcp.after_close", 1);
            return;
        }
    }
    if (flow && flow->ignored) {
        if (ip->proto == 6 && (flags & (TW_TCP_SYN | TW_TCP_ACK)) == TW_TCP_SYN) {
            tw_flow_close(pl->flows, flow, TW_FLOW_CLOSED); /* a new connection, same ports */
            flow = NULL;
        } else {
            tw_flow_touch(pl->flows, flow, f->ts_us);
            flow->touch_no = f->no;
            *pl->c_ignored += 1;
            if (ip->proto == 6) {
                /* No reassembly any more: a RST, or a FIN each way, ends it
                 * (then it lingers like any closed flow). */
                int d = (guint8)!src_side == flow->server_side ? TW_DIR_REQ : TW_DIR_RSP;
                if (flags & TW_TCP_FIN)
                    flow->tcp[d].fin_seen = true;
                if ((flags & TW_TCP_RST) || (flow->tcp[0].fin_seen && flow->tcp[1].fin_seen)) {
                    flow->closed = true;
                    pl->flows_touched = true;
                    tw_cap_count(&pl->notify, "flows.closed", 1);
                }
            }
            return;
        }
    }
    if (!flow) {
        bool server_is_dst, by_port;
        const TwAppParser *parser =
            choose_parser(pl, ip, sport, dport, payload, pcap, &server_is_dst, &by_port);
        if (!parser) {
            *pl->c_ignored += 1;
            return;
        }
        /* A bare ACK, FIN or RST does not start a flow. */
        if (ip->proto == 6 && plen == 0 && !(flags & TW_TCP_SYN)) {
            *pl->c_ignored += 1;
            return;
        }
        /* A SYN without ACK comes from the client, whatever the ports say. */
        if (ip->proto == 6 && (flags & (TW_TCP_SYN | TW_TCP_ACK)) == TW_TCP_SYN && !by_port)
            server_is_dst = true;
        if (!have_key)
            tw_flow_key_make(&key, ip->version, ip->proto, ip->src, sport, ip->dst, dport,
                             &src_side);
        flow = tw_flow_insert(pl->flows, &key, f->ts_us);
        flow->parser = parser;
        flow->by_port = by_port;
        flow->server_side = server_is_dst ? !src_side : src_side;
        if (!by_port)
            pl->nonport_flows_by_port[key.port[flow->server_side]]++;
        flow->state = parser->state_new ? parser->state_new() : NULL;
    }
    int dst_side = !src_side;
    int dir = dst_side == flow->server_side ? TW_DIR_REQ : TW_DIR_RSP;
    if (ip->proto == 17)
        flow->udp_answered = dir == TW_DIR_RSP;
    tw_flow_touch(pl->flows, flow, f->ts_us);
    flow->touch_no = f->no;
    if (ip->proto == 17 || plen || (flags & (TW_TCP_SYN | TW_TCP_FIN | TW_TCP_RST)))
        mark_used(pl, f);

    remember_last(&flow->last[dir], f, lr);
    flow->last[dir].csum_bad = tw_l4_checksum(ip) == TW_CSUM_BAD;
    set_pi(pl, flow, dir, &flow->last[dir]);

    pl->cur_flow = flow;
    if (ip->proto == 17) {
        *pl->c_dispatched += 1;
        if (flow->parser->feed)
            flow->parser->feed(flow->state, &pl->ctx, dir, payload, pcap, plen);
        apply_ignore(pl, flow);
        pl->cur_flow = NULL;
        pl->ctx.pi = NULL;
        return;
    }

    FeedTarget t = { pl, flow };
    TwTcpSink sink = make_sink(&t, dir);
    if (flags & TW_TCP_RST) {
        /* RFC 9293 3.10.7.4: the connection is gone; what is missing stays missing. */
        close_tcp_flow(pl, flow);
        pl->cur_flow = NULL;
        return;
    }
    tw_tcp_dir_segment(&flow->tcp[dir], seq, flags, payload, pcap, plen, &sink);
    if (flags & TW_TCP_ACK) {
        int peer = !dir;
        TwTcpSink psink = make_sink(&t, peer);
        /* The ACK can only turn held segments of the peer into gaps and
         * data (tw_tcp_dir_ack): the parser is fed, with the peer's packet
         * info, only if some are held. */
        if (flow->tcp[peer].started && flow->tcp[peer].ooo.length)
            set_pi(pl, flow, peer, &flow->last[peer]);
        tw_tcp_dir_ack(&flow->tcp[peer], ack, &psink);
    }
    TwTcpDir *a = &flow->tcp[0], *b = &flow->tcp[1];
    if (a->fin_seen && b->fin_seen && a->next_seq == a->fin_seq && b->next_seq == b->fin_seq &&
        !a->ooo.length && !b->ooo.length)
        close_tcp_flow(pl, flow);
    apply_ignore(pl, flow);
    pl->cur_flow = NULL;
    pl->ctx.pi = NULL;
}

static void unsupported_link(TwPipeline *pl, int linktype)
{
    *pl->c_link_unsupported += 1;
    if (g_hash_table_contains(pl->unsupported_seen, GINT_TO_POINTER(linktype)))
        return;
    g_hash_table_add(pl->unsupported_seen, GINT_TO_POINTER(linktype));
    if (pl->cfg.quiet)
        return;
    const char *name = pcap_datalink_val_to_name(linktype);
    fprintf(stderr, "trustwire: unsupported link type %d (%s): its frames are skipped\n", linktype,
            name ? name : "unknown");
}

bool tw_frame_headers(const TwFrame *f, TwFrameHeaders *h)
{
    TwLinkStatus link = tw_link_decode(f->linktype, f->data, f->caplen, f->origlen, &h->lr);
    TwIpStatus ip = link == TW_LINK_OK
                        ? tw_ip_decode(h->lr.l3, h->lr.l3_caplen, h->lr.l3_origlen, &h->ip)
                        : TW_IP_MALFORMED;
    h->link = link;
    h->ip_status = ip;
    return link == TW_LINK_OK && ip == TW_IP_OK;
}

static void process_frame(TwPipeline *pl, const TwFrame *f, const TwFrameHeaders *h)
{
    *pl->c_frames += 1;
    *pl->c_bytes += f->caplen;
    pl->cur = f;
    pl->cur_ip = NULL;
    pl->cur_sport = pl->cur_dport = 0;
    pl->cur_used = false;

    const TwLinkResult *lr = &h->lr;
    switch (h->link) {
    case TW_LINK_OK:
        break;
    case TW_LINK_UNSUPPORTED:
        unsupported_link(pl, f->linktype);
        return;
    case TW_LINK_TRUNCATED:
        *pl->c_link_truncated += 1;
        return;
    case TW_LINK_NOT_IP:
        *pl->c_link_not_ip += 1;
        return;
    }

    switch (h->ip_status) {
    case TW_IP_OK:
        break;
    case TW_IP_TRUNCATED:
        *pl->c_ip_truncated += 1;
        return;
    case TW_IP_MALFORMED:
        *pl->c_ip_malformed += 1;
        return;
    case TW_IP_UNSUPPORTED:
        *pl->c_ip_unsupported += 1;
        return;
    }
    const TwIpPacket *ip = &h->ip;
    pl->cur_ip = ip;
    if (ip->length_from_frame)
        *pl->c_ip_tso += 1;

    if (ip->is_fragment) {
        /* IPv4: only TCP and UDP can interest a parser.  IPv6: the next
         * header may be another extension header, known after reassembly. */
        if (ip->version == 4 && ip->proto != 6 && ip->proto != 17) {
            *pl->c_ip_other += 1;
            return;
        }
        TwDefragResult r;
        if (!tw_defrag_add_frame(pl->defrag, ip, f->ts_us, f->no, &r)) {
            if (pl->cfg.frame_hooks)
                pl->cfg.frame_hooks->held(pl->cfg.frame_hooks->user, f);
            return;
        }
        pl->cur_frags = r.frames;
        pl->cur_nfrags = r.nframes;
        TwIpPacket whole = *ip;
        whole.is_fragment = false;
        whole.payload = r.data;
        whole.payload_caplen = r.caplen;
        whole.payload_len = r.len;
        bool ok = true;
        if (whole.version == 6) {
            gint64 off = tw_ip6_skip_ext(&whole.proto, r.data, r.caplen);
            if (off < 0) {
                *pl->c_ip_unsupported += 1;
                ok = false;
            } else {
                whole.payload += off;
                whole.payload_caplen -= (guint32)off;
                whole.payload_len -= (guint32)off;
            }
        }
        if (ok) {
            pl->cur_ip = &whole;
            transport(pl, f, lr, &whole);
        }
        g_free(r.data);
        g_free(r.frames);
        pl->cur_frags = NULL;
        pl->cur_nfrags = 0;
    } else {
        transport(pl, f, lr, ip);
    }
    pl->cur_ip = NULL;
}

void tw_pipeline_tick(TwPipeline *pl, const TwFrame *f)
{
    pl->cur = f;
    pl->cur_ip = NULL;
    pl->cur_sport = pl->cur_dport = 0;
    /* Most frames expire nothing: the next deadline is kept so that a
     * shard ticked by every frame of a --workers run pays one comparison. */
    if (f->ts_us > pl->next_expiry) {
        pl->order.phase = TW_ORDER_EXPIRE;
        tw_flow_expire(pl->flows, f->ts_us, TW_FLOW_EXPIRE_PER_PACKET);
        pl->order.phase = TW_ORDER_FRAME;
        pl->next_expiry = tw_flow_next_expiry(pl->flows);
    }
    tw_defrag_expire(pl->defrag, f->ts_us);
    pl->cur = NULL;
}

void tw_pipeline_frame(TwPipeline *pl, const TwFrame *f)
{
    TwFrameHeaders h;
    tw_frame_headers(f, &h);
    tw_pipeline_frame_decoded(pl, f, &h);
}

void tw_pipeline_frame_decoded(TwPipeline *pl, const TwFrame *f, const TwFrameHeaders *h)
{
    TwRawFrame raw;
    if (pl->ctx.tree_layers) {
        raw = (TwRawFrame){ f->data, f->caplen, f->origlen, f->linktype, f->no };
        pl->ctx.raw = &raw;
    }
    pl->flows_touched = false;
    process_frame(pl, f, h);
    pl->ctx.raw = NULL;
    /* After the packet, no parser is being fed: flows may be evicted. */
    if (tw_flow_enforce_budget(pl->flows))
        pl->flows_touched = true;
    /* Only the flow table moves next_expiry (tw_flow_next_expiry reads
     * the heads of its LRU lists): a head the frame's transport changed or
     * touched (tw_flow_heads_moved), a flow it closed, an eviction, or an
     * expiry (tw_pipeline_tick). */
    if (tw_flow_heads_moved(pl->flows) || pl->flows_touched)
        pl->next_expiry = tw_flow_next_expiry(pl->flows);
    tw_pipeline_tick(pl, f);
}

gint64 tw_pipeline_next_deadline(const TwPipeline *pl)
{
    gint64 d = tw_defrag_next_expiry(pl->defrag);
    return d < pl->next_expiry ? d : pl->next_expiry;
}

const TwEmitOrder *tw_pipeline_emit_order(const TwPipeline *pl)
{
    return &pl->order;
}

/* ---- life cycle ---- */

TwPipeline *tw_pipeline_new_with_parsers(const TwPipelineConfig *cfg,
                                         const TwAppParser *const *parsers)
{
    TwPipeline *pl = g_new0(TwPipeline, 1);
    pl->cfg = *cfg;
    pl->parsers = parsers;
    guint n = 0;
    while (parsers[n])
        n++;
    for (int t = 0; t < 2; t++) {
        pl->probe[t] = g_new(const TwAppParser *, n ? n : 1);
        pl->probe_reply[t] = g_new(const TwAppParser *, n ? n : 1);
    }
    for (pl->nparsers = 0; parsers[pl->nparsers]; pl->nparsers++) {
        const TwAppParser *p = parsers[pl->nparsers];
        g_assert(pl->nparsers < 255);
        guint8 *table = p->ipproto == 6 ? pl->port_tcp : pl->port_udp;
        /* The first parser listing a port wins it. */
        for (const guint16 *port = p->ports; port && *port; port++)
            if (!table[*port])
                table[*port] = (guint8)(pl->nparsers + 1);
        if (p->probe || p->probe_reply) {
            if (p->ipproto == 6)
                pl->probes_tcp = true;
            else
                pl->probes_udp = true;
        }
        if (p->ipproto == 6 || p->ipproto == 17) {
            int t = p->ipproto == 6 ? 0 : 1;
            if (p->probe)
                pl->probe[t][pl->nprobe[t]++] = p;
            if (p->probe_reply)
                pl->probe_reply[t][pl->nprobe_reply[t]++] = p;
        }
    }
    pl->counters = tw_counters_new();
    tw_cap_notify_init(&pl->notify, pl->counters);
    pl->notify.anomaly = capture_anomaly;
    pl->notify.user = pl;
    pl->defrag = tw_defrag_new(&pl->notify);
    tw_defrag_track_frames(pl->defrag, cfg->frame_hooks != NULL);
    pl->flows = tw_flow_table_new(on_flow_close, pl, &pl->notify);
    tw_tcp_budget_init(&pl->tcp_budget);
    pl->expect = g_hash_table_new(expect_hash, expect_equal);
    g_queue_init(&pl->expect_age);
    pl->unsupported_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    pl->expect_max = TW_EXPECT_MAX;
    pl->next_expiry = G_MAXINT64;
    if (cfg->shares > 1) {
        guint s = cfg->shares;
        tw_flow_set_max(pl->flows, TW_FLOW_MAX / s);
        tw_flow_set_budget(pl->flows, TW_FLOW_STATE_BUDGET_BYTES / s);
        pl->tcp_budget.budget = TW_TCP_OOO_BUDGET_BYTES / s;
        tw_defrag_set_max(pl->defrag, TW_DEFRAG_MAX_DATAGRAMS / s);
        pl->expect_max = TW_EXPECT_MAX / s ? TW_EXPECT_MAX / s : 1;
    }

    pl->ctx.emit = cfg->emit ? pipeline_emit : NULL;
    pl->ctx.emit_user = pl;
    pl->ctx.want_tree = cfg->want_tree;
    pl->ctx.tree_layers = cfg->want_tree ? cfg->tree_layers : 0;
    pl->ctx.tree_lower = tw_lower_tree_prepend;
    pl->ctx.keys = cfg->keys;
    pl->ctx.show_keys = cfg->show_keys;
    pl->ctx.counters = pl->counters;
    pl->ctx.expect = ctx_expect;
    pl->ctx.ignore_flow = ctx_ignore_flow;
    pl->ctx.mem_charge = ctx_mem_charge;
    pl->ctx.flow_user = pl;

    GHashTable *c = pl->counters;
    pl->c_frames = tw_counter_ptr(c, "frames");
    pl->c_bytes = tw_counter_ptr(c, "bytes");
    pl->c_link_unsupported = tw_counter_ptr(c, "link.unsupported");
    pl->c_link_truncated = tw_counter_ptr(c, "link.truncated");
    pl->c_link_not_ip = tw_counter_ptr(c, "link.not_ip");
    pl->c_ip_truncated = tw_counter_ptr(c, "ip.truncated");
    pl->c_ip_malformed = tw_counter_ptr(c, "ip.malformed");
    pl->c_ip_unsupported = tw_counter_ptr(c, "ip.unsupported");
    pl->c_ip_other = tw_counter_ptr(c, "ip.other_protocol");
    pl->c_ip_tso = tw_counter_ptr(c, "ip.length_from_frame");
    pl->c_tcp_truncated = tw_counter_ptr(c, "tcp.truncated_header");
    pl->c_tcp_malformed = tw_counter_ptr(c, "tcp.malformed");
    pl->c_udp_truncated = tw_counter_ptr(c, "udp.truncated_header");
    pl->c_udp_malformed = tw_counter_ptr(c, "udp.malformed");
    pl->c_ignored = tw_counter_ptr(c, "packets.ignored");
    pl->c_dispatched = tw_counter_ptr(c, "parser.feeds");
    return pl;
}

void tw_pipeline_finish(TwPipeline *pl)
{
    pl->cur = NULL;
    pl->cur_ip = NULL;
    pl->order.phase = TW_ORDER_FINISH;
    tw_flow_close_all(pl->flows);
    tw_defrag_flush(pl->defrag);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void tw_counters_print(GHashTable *counters, FILE *out)
{
    guint n = 0;
    g_autofree gpointer *keys = g_hash_table_get_keys_as_array(counters, &n);
    qsort(keys, n, sizeof *keys, compare_names);
    for (guint i = 0; i < n; i++) {
        guint64 *v = g_hash_table_lookup(counters, keys[i]);
        if (*v)
            fprintf(out, "%-32s %" G_GUINT64_FORMAT "\n", (const char *)keys[i], *v);
    }
}

void tw_pipeline_print_stats(TwPipeline *pl, FILE *out)
{
    tw_counters_print(pl->counters, out);
}

GHashTable *tw_pipeline_counters(TwPipeline *pl)
{
    return pl->counters;
}

void tw_pipeline_set_budgets(TwPipeline *pl, guint64 flow_state_bytes, guint64 tcp_ooo_bytes)
{
    tw_flow_set_budget(pl->flows, flow_state_bytes);
    pl->tcp_budget.budget = tcp_ooo_bytes;
}

void tw_pipeline_free(TwPipeline *pl)
{
    if (!pl)
        return;
    tw_flow_table_free(pl->flows);
    tw_defrag_free(pl->defrag);
    GList *l;
    while ((l = pl->expect_age.head) != NULL)
        expect_drop(pl, l->data);
    g_hash_table_unref(pl->expect);
    g_hash_table_unref(pl->unsupported_seen);
    tw_cap_notify_clear(&pl->notify);
    g_hash_table_unref(pl->counters);
    for (int t = 0; t < 2; t++) {
        g_free(pl->probe[t]);
        g_free(pl->probe_reply[t]);
    }
    g_free(pl);
}
