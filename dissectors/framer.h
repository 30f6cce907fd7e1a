/* framer.h — one record framer for every length-prefixed TCP parser, in the
 * spirit of Wireshark's tcp_dissect_pdus: the parser says how to read a
 * record's length (and, optionally, where a record may start after framing
 * was lost); the framer buffers partial records per direction, delivers
 * whole ones, passes over what must be skipped and resynchronises after a
 * gap or garbage.
 *
 * Users: Kerberos over TCP (RFC 4120 7.2.2 record mark), NBSS under SMB2
 * (RFC 1002 4.3.1, MS-SMB2 2.1), the DCE/RPC connection-oriented stream
 * (C706 12.6.3.1 frag_length), LDAP (RFC 4511 4.1.1 LDAPMessage, BER length
 * X.690 8.1.3).
 *
 * Zero copy: a record that lies whole in the bytes being fed is delivered
 * from them; only a record (or a length prefix) cut by the end of a feed is
 * copied, and only the bytes the parser asked for.
 *
 * Captured vs reported: a record cut by a gap (or by tw_framer_finish at the
 * end of the stream) is delivered with `truncated` set and len < reported,
 * never as a whole record.  A record longer than what the parser asked to
 * keep (TwFrameLen.keep) is delivered with len < reported and `truncated`
 * clear: the capture had the bytes, the parser chose not to buffer them.
 *
 * Memory: every framer's partial buffer counts against one global budget,
 * TW_FRAMER_MAX_BUFFERED_TOTAL.  When a partial record would push the total
 * past it, the partial buffer of the framer that started buffering the
 * longest ago is dropped ("framer.budget_evictions" counter and a "limit"
 * anomaly from parser "framer").  What breaks then: the evicted direction
 * loses that record and sees, at its next feed, a gap of unknown length (it
 * resynchronises with its probe, or is given up if it has none); its parser
 * is not told through its gap path (e.g. SMB2 named pipes on that direction
 * are not notified), and the anomaly is emitted in the context of the flow
 * whose feed needed the memory, not the evicted one.
 *
 * The budget belongs to a TwFramerPool: one process-wide by default; a
 * --workers run gives each shard its own (capture/workers.c), made current
 * on the thread running that shard with tw_framer_pool_use().  A framer
 * stays in the pool that was current when it was initialised.  A pool is
 * used by one thread at a time.
 */
#pragma once

#include "core/tw-limits.h"

#include "dissectors/dissect.h"

/* ---- caps (kept together; see the budget note above) ---- */
/* A buffer held after a delivery is released rather than reused above this
 * size, so one big record does not pin its memory for the flow's life. */
#define TW_FRAMER_REUSE_MAX (16u * 1024)
/* Buffers (each at most TW_FRAMER_REUSE_MAX) a thread keeps from cleared
 * framers for the next framer that must hold bytes (framer.c, spares). */
#define TW_FRAMER_SPARES 8

/* What the parser's length callback says about the bytes at a record start. */
typedef enum {
    TW_FRAME_NEED,   /* n: bytes (from the record start) to hold before asking again;
                      * the framer asks again with more bytes as they come, and
                      * never copies more than n of them meanwhile */
    TW_FRAME_RECORD, /* n: the record's length on the wire (prefix included);
                      * keep: bytes of it to deliver (0 = all), the rest is skipped */
    TW_FRAME_SKIP,   /* n: bytes to pass over, not a record of interest */
    TW_FRAME_BAD,    /* no record starts here: drop n (>= 1) bytes and hunt with the probe
                      * (or give the direction up when there is none) */
    TW_FRAME_STOP,   /* give the direction up: nothing more is looked at */
} TwFrameKind;

typedef struct {
    TwFrameKind kind;
    guint64 n;
    guint64 keep;
} TwFrameLen;

/* The probe used while hunting: does a record plausibly start at p? */
typedef enum {
    TW_PROBE_NO,   /* not here; try the next byte */
    TW_PROBE_YES,  /* here */
    TW_PROBE_NEED, /* cannot tell from avail bytes: hold them for the next feed */
} TwProbe;

typedef struct {
    const guint8 *p; /* borrowed: valid during the callback only */
    gsize len;       /* captured bytes at p (prefix included) */
    guint64 reported;/* the record's length on the wire */
    bool truncated;  /* cut by a gap or the end of the stream (not by `keep`) */
} TwFramerRecord;

/* Why the framer discarded bytes (TwFramerSpec.dropped). */
typedef enum {
    TW_FRAMER_DROP_SCAN,    /* passed over while hunting for a record start */
    TW_FRAMER_DROP_BAD,     /* the bytes a TW_FRAME_BAD verdict asked to drop */
    TW_FRAMER_DROP_GAP,     /* buffered bytes made useless by a gap (not delivered) */
    TW_FRAMER_DROP_EVICTED, /* buffered bytes dropped to keep the global budget */
    TW_FRAMER_DROP_END,     /* buffered bytes dropped by tw_framer_finish / a STOP */
} TwFramerDrop;

typedef struct {
    const char *name; /* parser name, for the framer's own anomalies */
    /* Must be side-effect free when it returns TW_FRAME_NEED (it is asked again). */
    TwFrameLen (*length)(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail);
    /* Returns false to give the direction up. */
    bool (*record)(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec);
    /* Optional: without a probe, lost framing gives the direction up. */
    TwProbe (*probe)(void *user, const guint8 *p, gsize avail);
    gsize probe_window; /* most bytes the probe looks at (>= 1 with a probe) */
    gsize resync_keep;  /* bytes kept at the end of a feed while hunting (a start may straddle) */
    /* Optional hooks, for the parser's own counters. */
    void (*resynced)(void *user, TwDissectCtx *ctx);
    void (*dropped)(void *user, TwDissectCtx *ctx, guint64 n, TwFramerDrop why);
    guint64 max_record; /* per-record buffering cap (backstop: the parser caps first) */
    /* Gaps: with gap_exact the gap length is trusted, so a gap inside bytes
     * being skipped or inside a record of known length keeps the framing;
     * otherwise any gap loses it.  deliver_truncated: a record cut by a gap
     * is delivered (truncated) rather than dropped. */
    bool gap_exact;
    bool deliver_truncated;
} TwFramerSpec;

typedef struct {
    guint64 fed;       /* bytes given to tw_framer_feed */
    guint64 delivered; /* captured record bytes handed to spec->record */
    guint64 skipped;   /* bytes passed over by SKIP verdicts or beyond `keep` */
    guint64 dropped;   /* bytes discarded (scan, BAD, gap, eviction, STOP, dead) */
} TwFramerStats;

typedef struct TwFramer {
    const TwFramerSpec *spec;
    void *user;
    guint8 *buf;       /* partial record start, partial record, or hunting tail (buf_len bytes);
                        * NULL until bytes must be held, kept for reuse up to TW_FRAMER_REUSE_MAX */
    gsize buf_len, buf_cap;
    guint64 want;      /* at a buffered start: bytes asked for (0: ask now) */
    guint64 record_len;/* in a buffered record: its length on the wire */
    guint64 keep;      /* in a buffered record: bytes to deliver */
    guint64 skip;      /* bytes still to pass over */
    bool in_record, resync, dead, evicted, busy;
    GList budget_link; /* in its pool's list of framers holding bytes, oldest first */
    struct TwFramerPool *pool; /* the pool current at tw_framer_init */
    TwFramerStats stats;
} TwFramer;

typedef struct TwFramerPool {
    gsize budget;     /* TW_FRAMER_MAX_BUFFERED_TOTAL, or a share of it */
    gsize total_held; /* bytes held by the pool's framers */
    GQueue holders;   /* TwFramer* holding bytes, oldest first */
} TwFramerPool;
void tw_framer_pool_init(TwFramerPool *pool, gsize budget);
/* Makes `pool` (NULL: the process-wide default) current on this thread for
 * framers initialised from now on; returns the previous one.  Inline: capture/
 * workers switch pools at every frame. */
extern _Thread_local TwFramerPool *tw_framer_current_pool_; /* framer.c only */
static inline TwFramerPool *tw_framer_pool_use(TwFramerPool *pool)
{
    TwFramerPool *old = tw_framer_current_pool_;
    tw_framer_current_pool_ = pool;
    return old;
}

/* Sets up fr (no allocation until bytes must be held). */
void tw_framer_init(TwFramer *fr, const TwFramerSpec *spec, void *user);
/* Releases what fr holds (and its share of the budget). */
void tw_framer_clear(TwFramer *fr);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwFramer, tw_framer_clear)
/* The next in-order bytes of the direction. */
void tw_framer_feed(TwFramer *fr, TwDissectCtx *ctx, const guint8 *data, gsize len);

typedef enum {
    TW_FRAMER_GAP_ABSORBED,   /* the gap fell in bytes being skipped: framing kept */
    TW_FRAMER_GAP_RECORD_CUT, /* a record was cut (delivered truncated or dropped), its rest is skipped */
    TW_FRAMER_GAP_RESYNC,     /* framing lost: hunting with the probe */
    TW_FRAMER_GAP_LOST,       /* framing lost and no probe (or already given up) */
} TwFramerGapResult;
#define TW_FRAMER_GAP_UNKNOWN G_MAXUINT64 /* gap length when the caller does not know it */
/* `len` bytes of the direction are missing from the capture. */
TwFramerGapResult tw_framer_gap(TwFramer *fr, TwDissectCtx *ctx, guint64 len);
/* Forgets the held bytes and expects a record start at the next byte
 * (the parser knows one does, e.g. before it has judged the stream, or it
 * resynchronises by itself); a direction given up is taken up again. */
void tw_framer_reset(TwFramer *fr, TwDissectCtx *ctx);
/* End of the stream: a partial record is delivered truncated (if the spec
 * delivers truncated records) or dropped.  Returns true if one was pending. */
bool tw_framer_finish(TwFramer *fr, TwDissectCtx *ctx);
/* Bytes currently held (partial record or hunting tail). */
static inline gsize tw_framer_buffered(const TwFramer *fr)
{
    return fr->buf_len;
}
/* Bytes still to pass over (a SKIP verdict, or a record beyond `keep`). */
static inline guint64 tw_framer_skipping(const TwFramer *fr)
{
    return fr->skip;
}
/* Bytes held by the framers of the current pool (for tests and stats). */
gsize tw_framer_buffered_total(void);
/* Tests only: lowers the current pool's budget (0 restores TW_FRAMER_MAX_BUFFERED_TOTAL). */
void tw_framer_set_budget_for_tests(gsize budget);
