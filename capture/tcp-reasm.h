/* tcp-reasm.h — TCP stream reassembly, one direction at a time.
 *
 * In-order bytes are delivered as soon as they are contiguous; segments that
 * arrive ahead are copied into a queue.  Overlaps keep the first-received
 * bytes (a differing overlap counts as anomaly "tcp_overlap_conflict").
 * Missing bytes are never papered over: they become gap(len) when
 *   - the queue passes TW_TCP_MAX_OOO_BYTES / TW_TCP_MAX_OOO_SEGMENTS (skip
 *     to the first queued byte),
 *   - the peer acknowledges bytes beyond a hole that we hold data after
 *     (the receiver has them, the capture never will),
 *   - a segment was cut by snaplen (the missing tail),
 *   - the direction finishes (FIN, RST, idle, end of capture) with a hole
 *     before queued data, before the FIN, or before what the peer acked.
 * Sequence numbers are compared modulo 2^32 (RFC 9293 3.4). */
#pragma once

#include "notify.h"

#include <stdbool.h>
#include <string.h>

enum {
    TW_TCP_FIN = 0x01,
    TW_TCP_SYN = 0x02,
    TW_TCP_RST = 0x04,
    TW_TCP_PSH = 0x08,
    TW_TCP_ACK = 0x10,
};

/* The out-of-order bytes held by every direction of every flow, against
 * TW_TCP_OOO_BUDGET_BYTES (core/tw-limits.h).  Directions holding data sit in
 * `holders`, in the order they started holding it (oldest first): past the
 * budget, the oldest holder's queued data is dropped — its queue becomes one
 * hole from its first to its last queued byte, so its parser is told of a
 * gap exactly there, when reassembly reaches it. */
typedef struct {
    guint64 held;     /* out-of-order data bytes held, all directions */
    guint64 budget;   /* TW_TCP_OOO_BUDGET_BYTES (a field so tests can lower it) */
    GQueue holders;   /* TwTcpDir* with held data, oldest first */
} TwTcpBudget;

void tw_tcp_budget_init(TwTcpBudget *b);

typedef struct {
    void (*data)(void *user, int dir, const guint8 *p, guint32 len);
    void (*gap)(void *user, int dir, guint64 len);
    void *user;
    int dir;
    TwCapNotify *notify;
    TwTcpBudget *budget; /* NULL: no global budget (unit tests, fuzzing) */
} TwTcpSink;

typedef struct {
    bool started;      /* next_seq is valid */
    bool fin_seen;
    bool ack_valid;
    guint32 next_seq;  /* next byte to deliver */
    guint32 fin_seq;   /* sequence number of the FIN */
    guint32 peer_ack;  /* highest acknowledgement the peer sent for these bytes */
    GQueue ooo;        /* TwTcpSeg*, sorted, non-overlapping, all after next_seq */
    guint32 ooo_bytes;  /* sequence space queued (data and holes) */
    guint32 ooo_held;   /* data bytes queued (what memory the queue holds) */
    TwTcpBudget *budget; /* the budget ooo_held is charged to (while > 0) */
    GList budget_link;   /* in budget->holders while ooo_held > 0 */
    guint64 delivered; /* bytes delivered */
    guint64 gap_bytes; /* bytes reported missing */
} TwTcpDir;

/* Inline: every flow sets up both directions (most never queue a byte). */
static inline void tw_tcp_dir_init(TwTcpDir *d)
{
    memset(d, 0, sizeof *d); /* ooo: an empty GQueue (G_QUEUE_INIT) */
    d->budget_link.data = d;
}
/* tw_tcp_dir_segment past its inline common cases (tcp-reasm.c). */
void tw_tcp_dir_segment_any(TwTcpDir *d, guint32 seq, guint8 flags, const guint8 *payload,
                            guint32 caplen, guint32 len, const TwTcpSink *sink);
/* One segment of this direction: flags (TW_TCP_*), payload of `len` bytes
 * on the wire of which `caplen` were captured.  Inline, the two cases of
 * almost every segment of a started direction without SYN or FIN: no
 * payload (nothing to do), and the next bytes in order, all captured,
 * nothing queued (delivered in place, no copy; next_seq moves after the
 * callback, so it sees where its bytes start). */
static inline void tw_tcp_dir_segment(TwTcpDir *d, guint32 seq, guint8 flags, const guint8 *payload,
                                      guint32 caplen, guint32 len, const TwTcpSink *sink)
{
    if (d->started && !(flags & (TW_TCP_SYN | TW_TCP_FIN))) {
        if (len == 0)
            return;
        if (seq == d->next_seq && caplen >= len && d->ooo.length == 0) {
            d->delivered += len;
            sink->data(sink->user, sink->dir, payload, len);
            d->next_seq += len;
            return;
        }
    }
    tw_tcp_dir_segment_any(d, seq, flags, payload, caplen, len, sink);
}
/* Held segments after a hole the peer acknowledged past (tcp-reasm.c). */
void tw_tcp_dir_ack_held(TwTcpDir *d, const TwTcpSink *sink);
/* The peer acknowledged `ack` for this direction's bytes (inline: most
 * directions hold nothing). */
static inline void tw_tcp_dir_ack(TwTcpDir *d, guint32 ack, const TwTcpSink *sink)
{
    if (!d->ack_valid || (gint32)(ack - d->peer_ack) > 0) {
        d->peer_ack = ack;
        d->ack_valid = true;
    }
    if (d->started && d->ooo.head)
        tw_tcp_dir_ack_held(d, sink);
}
/* End of this direction: queued data is delivered, holes become gaps. */
void tw_tcp_dir_finish(TwTcpDir *d, const TwTcpSink *sink);
/* tw_tcp_dir_clear of a direction with queued segments (tcp-reasm.c). */
void tw_tcp_dir_clear_queue(TwTcpDir *d);
/* Frees queued segments without delivering them (inline: the queue is
 * almost always empty). */
static inline void tw_tcp_dir_clear(TwTcpDir *d)
{
    if (d->ooo.head)
        tw_tcp_dir_clear_queue(d);
    d->ooo_bytes = 0;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwTcpDir, tw_tcp_dir_clear)
