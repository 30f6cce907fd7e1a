/* tcp-reasm.c — per-direction TCP reassembly (RFC 9293 3.4, 3.10.7.4). */
#include "tcp-reasm.h"
#include "caps.h"

#include <string.h>

typedef struct {
    guint32 seq;
    guint32 len;
    bool hole;      /* bytes the wire carried but snaplen cut: no data */
    guint8 data[];  /* len bytes unless hole */
} TwTcpSeg;

/* a - b as a signed distance modulo 2^32. */
static inline gint32 seq_diff(guint32 a, guint32 b) { return (gint32)(a - b); }

void tw_tcp_budget_init(TwTcpBudget *b)
{
    memset(b, 0, sizeof *b);
    b->budget = TW_TCP_OOO_BUDGET_BYTES;
    g_queue_init(&b->holders);
}


/* Data bytes of a segment enter (delta > 0) or leave the queue. */
static void held_add(TwTcpDir *d, TwTcpBudget *b, gint64 delta)
{
    if (!delta)
        return;
    if (delta > 0 && d->ooo_held == 0 && b && !d->budget) {
        d->budget = b;
        g_queue_push_tail_link(&b->holders, &d->budget_link);
    }
    d->ooo_held = (guint32)((gint64)d->ooo_held + delta);
    if (d->budget) {
        d->budget->held = (guint64)((gint64)d->budget->held + delta);
        if (d->ooo_held == 0) {
            g_queue_unlink(&d->budget->holders, &d->budget_link);
            d->budget = NULL;
        }
    }
}

static void seg_free(TwTcpDir *d, TwTcpSeg *s)
{
    if (!s->hole)
        held_add(d, NULL, -(gint64)s->len);
    g_free(s);
}

void tw_tcp_dir_clear_queue(TwTcpDir *d)
{
    TwTcpSeg *s;
    while ((s = g_queue_pop_head(&d->ooo)) != NULL)
        seg_free(d, s);
}

static TwTcpSeg *seg_new(guint32 seq, const guint8 *p, guint32 len, bool hole);

/* Past the global budget: the oldest holders' data becomes a hole (the
 * sequence space stays queued, so the gap is reported in place). */
static void enforce_budget(const TwTcpSink *sink)
{
    TwTcpBudget *b = sink->budget;
    if (!b || b->held <= b->budget)
        return;
    guint64 dropped = 0, victims = 0;
    while (b->held > b->budget && b->holders.head) {
        TwTcpDir *v = b->holders.head->data;
        victims++;
        /* The whole queue becomes ONE hole from its first to its last byte
         * (the holes between its segments were missing anyway).  One small
         * header, allocated before the segments are freed: shrinking each
         * segment in place would leave every freed slot a few bytes too
         * short for the next segment, and the heap would grow anyway. */
        const TwTcpSeg *first = g_queue_peek_head(&v->ooo), *last = g_queue_peek_tail(&v->ooo);
        guint32 span = last->seq + last->len - first->seq;
        TwTcpSeg *hole = seg_new(first->seq, NULL, span, true);
        TwTcpSeg *s;
        while ((s = g_queue_pop_head(&v->ooo)) != NULL) {
            if (!s->hole)
                dropped += s->len;
            seg_free(v, s); /* the last data segment takes v out of holders */
        }
        g_queue_push_tail(&v->ooo, hole);
        v->ooo_bytes = span;
    }
    tw_cap_count(sink->notify, "tcp.ooo_budget_evictions", victims);
    tw_cap_count(sink->notify, "tcp.ooo_budget_bytes", dropped);
    tw_cap_anomaly(sink->notify, "tcp_ooo_budget",
                   "out-of-order data of all flows passed %" G_GUINT64_FORMAT
                   " bytes: %" G_GUINT64_FORMAT " bytes of the oldest queue(s) dropped (gaps)",
                   b->budget, dropped);
}

static void emit_data(TwTcpDir *d, const TwTcpSink *sink, const guint8 *p, guint32 len)
{
    if (!len)
        return;
    d->delivered += len;
    sink->data(sink->user, sink->dir, p, len);
}

static void emit_gap(TwTcpDir *d, const TwTcpSink *sink, guint64 len)
{
    if (!len)
        return;
    d->gap_bytes += len;
    tw_cap_count(sink->notify, "tcp.gaps", 1);
    tw_cap_count(sink->notify, "tcp.gap_bytes", len);
    sink->gap(sink->user, sink->dir, len);
}

/* Delivers `len` bytes at next_seq of which the first `caplen` are present. */
static void deliver(TwTcpDir *d, const TwTcpSink *sink, const guint8 *p, guint32 caplen,
                    guint32 len)
{
    if (caplen > len)
        caplen = len;
    /* next_seq moves after each callback, so a callback sees where its
     * bytes start. */
    emit_data(d, sink, p, caplen);
    d->next_seq += caplen;
    if (caplen < len) {
        tw_cap_count(sink->notify, "tcp.truncated_segments", 1);
        emit_gap(d, sink, len - caplen);
        d->next_seq += len - caplen;
    }
}

/* Delivers every queued segment that starts at or before next_seq. */
static void drain(TwTcpDir *d, const TwTcpSink *sink)
{
    TwTcpSeg *s;
    while ((s = g_queue_peek_head(&d->ooo)) != NULL && seq_diff(s->seq, d->next_seq) <= 0) {
        g_queue_pop_head(&d->ooo);
        d->ooo_bytes -= s->len;
        gint32 past = seq_diff(d->next_seq, s->seq);
        if ((guint32)past < s->len) {
            guint32 n = s->len - (guint32)past;
            if (s->hole) {
                emit_gap(d, sink, n);
                d->next_seq += n;
            } else {
                deliver(d, sink, s->data + past, n, n);
            }
        }
        seg_free(d, s);
    }
}

/* Skips the hole before the first queued segment: a gap, then whatever is
 * contiguous after it. */
static void skip_to_head(TwTcpDir *d, const TwTcpSink *sink)
{
    TwTcpSeg *s = g_queue_peek_head(&d->ooo);
    if (!s)
        return;
    gint32 hole = seq_diff(s->seq, d->next_seq);
    if (hole > 0) {
        emit_gap(d, sink, (guint32)hole);
        d->next_seq = s->seq;
    }
    drain(d, sink);
}

static TwTcpSeg *seg_new(guint32 seq, const guint8 *p, guint32 len, bool hole)
{
    TwTcpSeg *s = g_malloc(sizeof *s + (hole ? 0 : len));
    s->seq = seq;
    s->len = len;
    s->hole = hole;
    if (!hole)
        memcpy(s->data, p, len);
    return s;
}

/* Inserts the part of new bytes [a, b) (relative to next_seq; data index
 * i = rel - a; captured while i < caplen) not already queued, before `sib`. */
static void insert_piece(TwTcpDir *d, GList *sib, guint32 a, guint32 p0, guint32 p1,
                         const guint8 *payload, guint32 caplen, TwTcpBudget *budget)
{
    guint32 i0 = p0 - a, i1 = p1 - a;
    /* Split at the snaplen boundary: data before, hole after. */
    guint32 cut = caplen < i0 ? i0 : (caplen > i1 ? i1 : caplen);
    if (cut > i0) {
        TwTcpSeg *s = seg_new(d->next_seq + p0, payload + i0, cut - i0, false);
        if (sib)
            g_queue_insert_before(&d->ooo, sib, s);
        else
            g_queue_push_tail(&d->ooo, s);
        d->ooo_bytes += s->len;
        held_add(d, budget, s->len);
    }
    if (i1 > cut) {
        TwTcpSeg *s = seg_new(d->next_seq + a + cut, NULL, i1 - cut, true);
        if (sib)
            g_queue_insert_before(&d->ooo, sib, s);
        else
            g_queue_push_tail(&d->ooo, s);
        d->ooo_bytes += s->len;
    }
}

/* Queues new bytes at seq (after next_seq), keeping already-queued bytes. */
static void enqueue(TwTcpDir *d, guint32 seq, const guint8 *payload, guint32 caplen, guint32 len,
                    const TwTcpSink *sink)
{
    guint32 a = seq - d->next_seq, b = a + len, pos = a;
    bool overlap = false, conflict = false;
    GList *l = d->ooo.head;
    for (; l && pos < b; l = l->next) {
        TwTcpSeg *s = l->data;
        guint32 xa = s->seq - d->next_seq, xb = xa + s->len;
        if (xb <= pos)
            continue;
        if (xa >= b)
            break;
        if (xa > pos)
            insert_piece(d, l, a, pos, xa, payload, caplen, sink->budget);
        /* Overlap [max(pos, xa), min(b, xb)): the queued bytes stay. */
        guint32 o0 = pos > xa ? pos : xa, o1 = b < xb ? b : xb;
        overlap = true;
        if (!s->hole)
            for (guint32 r = o0; r < o1 && r - a < caplen; r++)
                if (s->data[r - xa] != payload[r - a]) {
                    conflict = true;
                    break;
                }
        pos = o1;
    }
    if (pos < b)
        insert_piece(d, l, a, pos, b, payload, caplen, sink->budget);
    if (overlap)
        tw_cap_count(sink->notify, "tcp.overlaps", 1);
    if (conflict)
        tw_cap_anomaly(sink->notify, "tcp_overlap_conflict",
                       "retransmitted bytes differ from the first copy (first kept)");
}

void tw_tcp_dir_segment_any(TwTcpDir *d, guint32 seq, guint8 flags, const guint8 *payload,
                            guint32 caplen, guint32 len, const TwTcpSink *sink)
{
    if (caplen > len)
        caplen = len;
    guint32 data_seq = seq;
    if (flags & TW_TCP_SYN) {
        data_seq = seq + 1; /* the SYN occupies one sequence number */
        if (!d->started || (d->delivered == 0 && d->gap_bytes == 0 && !d->ooo.length)) {
            d->started = true;
            d->next_seq = data_seq;
        }
    }
    if (!d->started) {
        /* Mid-stream pickup: the first segment seen starts the stream.  If
         * the peer already acknowledged bytes of this direction that come
         * before it, those bytes exist but were not captured: say so now,
         * so the parser knows it starts inside a message (as tshark's
         * relative sequence numbers, taken from the peer's ACK, show). */
        d->started = true;
        d->next_seq = data_seq;
        if (d->ack_valid && !(flags & TW_TCP_SYN)) {
            gint32 before = seq_diff(data_seq, d->peer_ack);
            if (before > 0 && (guint32)before <= TW_TCP_MAX_ACK_GAP)
                emit_gap(d, sink, (guint32)before);
        }
    }
    if (flags & TW_TCP_FIN) {
        d->fin_seen = true;
        d->fin_seq = data_seq + len;
    }
    if (len == 0)
        return;

    gint32 rel = seq_diff(data_seq, d->next_seq);
    if (rel < 0) {
        guint32 old = (guint32)-(gint64)rel;
        if (old >= len) {
            tw_cap_count(sink->notify, "tcp.retransmissions", 1);
            return;
        }
        tw_cap_count(sink->notify, "tcp.overlaps", 1);
        data_seq += old;
        payload += old;
        caplen = caplen > old ? caplen - old : 0;
        len -= old;
        rel = 0;
    }
    if (rel == 0 && d->ooo.length == 0) {
        deliver(d, sink, payload, caplen, len); /* the common case: no copy */
        return;
    }
    enqueue(d, data_seq, payload, caplen, len, sink);
    drain(d, sink);
    if (d->ooo_bytes > TW_TCP_MAX_OOO_BYTES || d->ooo.length > TW_TCP_MAX_OOO_SEGMENTS) {
        tw_cap_anomaly(sink->notify, "tcp_ooo_cap",
                       "out-of-order queue passed %u bytes or %u segments: skipping a hole",
                       TW_TCP_MAX_OOO_BYTES, TW_TCP_MAX_OOO_SEGMENTS);
        while (d->ooo.length &&
               (d->ooo_bytes > TW_TCP_MAX_OOO_BYTES || d->ooo.length > TW_TCP_MAX_OOO_SEGMENTS))
            skip_to_head(d, sink);
    }
    enforce_budget(sink);
}

void tw_tcp_dir_ack_held(TwTcpDir *d, const TwTcpSink *sink)
{
    /* The receiver has bytes beyond a hole that we hold data after: the
     * hole will not be retransmitted, so it is a gap now. */
    TwTcpSeg *s;
    while ((s = g_queue_peek_head(&d->ooo)) != NULL && seq_diff(s->seq, d->next_seq) > 0 &&
           seq_diff(d->peer_ack, s->seq + s->len) >= 0)
        skip_to_head(d, sink);
}

void tw_tcp_dir_finish(TwTcpDir *d, const TwTcpSink *sink)
{
    if (!d->started)
        return;
    /* Each pass must consume the head segment: skip_to_head moves next_seq
     * to it and drain() pops it.  Should a comparison ever disagree (the
     * head left in place), the head is dropped as a gap here, so the loop
     * ends after at most ooo.length passes whatever happens. */
    while (d->ooo.length) {
        guint before = d->ooo.length;
        skip_to_head(d, sink);
        if (d->ooo.length >= before) {
            TwTcpSeg *s = g_queue_pop_head(&d->ooo);
            d->ooo_bytes -= s->len;
            tw_cap_count(sink->notify, "tcp.finish_stuck_segments", 1);
            seg_free(d, s);
        }
    }
    /* Bytes known to exist but never seen: up to the FIN, or up to what the
     * peer acknowledged (beyond one: an unseen FIN takes one number). */
    guint32 end = d->next_seq;
    if (d->fin_seen && seq_diff(d->fin_seq, end) > 0)
        end = d->fin_seq;
    else if (d->ack_valid && !d->fin_seen && seq_diff(d->peer_ack, end) > 1 &&
             (guint32)seq_diff(d->peer_ack, end) <= TW_TCP_MAX_ACK_GAP)
        end = d->peer_ack;
    gint32 missing = seq_diff(end, d->next_seq);
    if (missing > 0 && (guint32)missing <= TW_TCP_MAX_ACK_GAP) {
        emit_gap(d, sink, (guint32)missing);
        d->next_seq = end;
    }
}
