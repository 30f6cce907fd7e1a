/* framer.c — the shared TCP record framer (see framer.h).
 *
 * States of one direction, checked in this order by tw_framer_feed:
 *   dead       given up: bytes are counted as dropped and ignored;
 *   skip > 0   passing over bytes (a SKIP verdict, or a record beyond `keep`);
 *   resync     hunting for a record start with the probe;
 *   in_record  a record of known length is being buffered up to `keep`;
 *   buf held   a record start whose length is not known yet (NEED);
 *   otherwise  at a record start in the caller's bytes: judged in place.
 */
#include "framer.h"

#include <string.h>

/* The pool of one pipeline (or of one shard of a --workers run, set by
 * tw_framer_pool_use on the thread that runs it); the process-wide default
 * serves a single pipeline, tests and fuzzers. */
static TwFramerPool default_pool = { TW_FRAMER_MAX_BUFFERED_TOTAL, 0, G_QUEUE_INIT };
_Thread_local TwFramerPool *tw_framer_current_pool_;
#define current_pool tw_framer_current_pool_

void tw_framer_pool_init(TwFramerPool *pool, gsize budget)
{
    pool->budget = budget;
    pool->total_held = 0;
    g_queue_init(&pool->holders);
}

static TwFramerPool *pool_now(void)
{
    return current_pool ? current_pool : &default_pool;
}

static const guint8 no_bytes[1];

gsize tw_framer_buffered_total(void)
{
    return pool_now()->total_held;
}

void tw_framer_set_budget_for_tests(gsize b)
{
    pool_now()->budget = b ? b : TW_FRAMER_MAX_BUFFERED_TOTAL;
}

void tw_framer_init(TwFramer *fr, const TwFramerSpec *spec, void *user)
{
    memset(fr, 0, sizeof *fr);
    fr->spec = spec;
    fr->user = user;
    fr->budget_link.data = fr;
    fr->pool = pool_now();
}

/* ---- spare buffers ----
 *
 * Most framers that hold bytes at all hold one partial record once or twice
 * in their flow's life (a Kerberos request cut by a segment end), so a
 * buffer is allocated for it and freed with the flow.  A cleared framer's
 * buffer (at most TW_FRAMER_REUSE_MAX bytes) goes to a small per-thread
 * stack instead, and the next framer of the thread that must hold bytes
 * takes it: at most TW_FRAMER_SPARES * TW_FRAMER_REUSE_MAX bytes per thread,
 * outside the budget as a framer's own kept buffer is (no bytes are held in
 * them).  Freed when the thread ends (GPrivate's destructor). */
typedef struct {
    guint n;
    struct {
        guint8 *buf;
        gsize cap;
    } s[TW_FRAMER_SPARES];
} Spares;

static void spares_free(gpointer p)
{
    Spares *sp = p;
    for (guint i = 0; i < sp->n; i++)
        g_free(sp->s[i].buf);
    g_free(sp);
}

static GPrivate spares_key = G_PRIVATE_INIT(spares_free);
static _Thread_local Spares *spares; /* == g_private_get(&spares_key) */

/* Gives fr (holding no buffer) a spare one, if the thread has one. */
static void spare_take(TwFramer *fr)
{
    Spares *sp = spares;
    if (!sp || sp->n == 0)
        return;
    sp->n--;
    fr->buf = sp->s[sp->n].buf;
    fr->buf_cap = sp->s[sp->n].cap;
}

/* Takes fr's buffer (nothing held in it) as a spare, or frees it. */
static void spare_give(TwFramer *fr)
{
    Spares *sp = spares;
    if (!sp && fr->buf_cap <= TW_FRAMER_REUSE_MAX) {
        sp = g_new(Spares, 1);
        sp->n = 0;
        g_private_set(&spares_key, sp);
        spares = sp;
    }
    if (fr->buf_cap <= TW_FRAMER_REUSE_MAX && sp->n < TW_FRAMER_SPARES) {
        sp->s[sp->n].buf = fr->buf;
        sp->s[sp->n].cap = fr->buf_cap;
        sp->n++;
    } else {
        g_free(fr->buf);
    }
    fr->buf = NULL;
    fr->buf_cap = 0;
}

/* ---- the held buffer and the pool's budget ---- */

static gsize held(const TwFramer *fr)
{
    return fr->buf_len;
}

/* Empties the buffer (its bytes already accounted for by the caller). */
static void buf_release(TwFramer *fr)
{
    if (fr->buf_len == 0)
        return;
    fr->pool->total_held -= fr->buf_len;
    g_queue_unlink(&fr->pool->holders, &fr->budget_link);
    fr->buf_len = 0;
    if (fr->buf_cap > TW_FRAMER_REUSE_MAX) {
        g_free(fr->buf);
        fr->buf = NULL;
        fr->buf_cap = 0;
    }
}

static void note_drop(TwFramer *fr, TwDissectCtx *ctx, guint64 n, TwFramerDrop why)
{
    if (n == 0)
        return;
    fr->stats.dropped += n;
    if (fr->spec->dropped)
        fr->spec->dropped(fr->user, ctx, n, why);
}

/* Removes the first n held bytes (accounted for by the caller). */
static void buf_consume(TwFramer *fr, gsize n)
{
    if (n == 0)
        return;
    if (n >= held(fr)) {
        buf_release(fr);
        return;
    }
    memmove(fr->buf, fr->buf + n, fr->buf_len - n);
    fr->buf_len -= n;
    fr->pool->total_held -= n;
}

/* Framing is lost: hunt if the parser can tell where a record starts,
 * else give the direction up.  Held bytes must be handled by the caller. */
static void lose_framing(TwFramer *fr)
{
    fr->in_record = false;
    fr->want = 0;
    fr->skip = 0;
    if (fr->spec->probe)
        fr->resync = true;
    else
        fr->dead = true;
}

static void evict(TwFramer *v, TwDissectCtx *ctx)
{
    gsize n = held(v);
    tw_count(ctx, "framer.budget_evictions", 1);
    tw_anomaly(ctx, "framer", "limit",
               "%u bytes of partial records held by all flows: dropped the oldest (%" G_GSIZE_FORMAT
               " bytes of %s)",
               TW_FRAMER_MAX_BUFFERED_TOTAL, n, v->spec->name);
    buf_release(v);
    note_drop(v, ctx, n, TW_FRAMER_DROP_EVICTED);
    v->in_record = false;
    v->want = 0;
    v->evicted = true;
}

/* Appends n bytes, evicting the oldest other holders to stay within the
 * budget.  Returns false if even that is not enough: fr's own held bytes and
 * these n are then dropped and fr has lost its framing. */
static bool buf_append(TwFramer *fr, TwDissectCtx *ctx, const guint8 *p, gsize n)
{
    if (n == 0)
        return true;
    while (n > fr->pool->budget - fr->pool->total_held || fr->pool->total_held > fr->pool->budget) {
        GList *l = fr->pool->holders.head;
        while (l && (l->data == fr || ((TwFramer *)l->data)->busy))
            l = l->next;
        if (!l)
            break;
        evict(l->data, ctx);
    }
    if (n > fr->pool->budget - fr->pool->total_held || fr->pool->total_held > fr->pool->budget) {
        evict(fr, ctx);
        fr->evicted = false; /* it learns now, not at its next feed */
        note_drop(fr, ctx, n, TW_FRAMER_DROP_EVICTED);
        lose_framing(fr);
        return false;
    }
    gsize need = fr->buf_len + n;
    if (!fr->buf)
        spare_take(fr);
    if (need > fr->buf_cap) {
        /* Geometric growth, but a record of known length that fits in
         * twice what is held gets exactly its length at once (the usual
         * record cut by a segment end: one allocation, no copy on growth).
         * The capacity stays within twice the bytes held, as the budget
         * counts held bytes. */
        gsize cap = MAX(need, MAX(2 * fr->buf_cap, (gsize)64));
        if (fr->in_record && fr->keep >= need && fr->keep <= 2 * need)
            cap = (gsize)fr->keep;
        fr->buf = g_realloc(fr->buf, cap);
        fr->buf_cap = cap;
    }
    if (fr->buf_len == 0)
        g_queue_push_tail_link(&fr->pool->holders, &fr->budget_link);
    memcpy(fr->buf + fr->buf_len, p, n);
    fr->buf_len = need;
    fr->pool->total_held += n;
    return true;
}

void tw_framer_clear(TwFramer *fr)
{
    buf_release(fr);
    if (fr->buf) /* most flows never held a byte */
        spare_give(fr);
}

/* ---- delivery ---- */

static void deliver(TwFramer *fr, TwDissectCtx *ctx, const guint8 *p, gsize len, guint64 reported,
                    bool truncated)
{
    TwFramerRecord rec = { len ? p : no_bytes, len, reported, truncated };
    fr->stats.delivered += len;
    fr->busy = true;
    bool go_on = fr->spec->record(fr->user, ctx, &rec);
    fr->busy = false;
    if (!go_on)
        fr->dead = true;
}

/* The parser asked to hold or keep more than its own cap allows. */
static void over_cap(TwFramer *fr, TwDissectCtx *ctx, guint64 n)
{
    tw_count(ctx, "framer.records_over_cap", 1);
    tw_anomaly(ctx, fr->spec->name, "limit",
               "record of %" G_GUINT64_FORMAT " bytes over the %" G_GUINT64_FORMAT "-byte framing cap",
               n, fr->spec->max_record);
}

/* ---- judging a record start ---- */

/* A verdict on held bytes.  Leaves fr in its next state. */
static void judge_held(TwFramer *fr, TwDissectCtx *ctx)
{
    const guint8 *p = fr->buf;
    gsize avail = fr->buf_len;
    TwFrameLen r = fr->spec->length(fr->user, ctx, p, avail);
    guint64 keep = r.keep && r.keep < r.n ? r.keep : r.n;
    if ((r.kind == TW_FRAME_RECORD || r.kind == TW_FRAME_SKIP) && r.n == 0)
        r = (TwFrameLen){ TW_FRAME_BAD, 1, 0 }; /* no progress possible: not a record */
    switch (r.kind) {
    case TW_FRAME_NEED:
        fr->want = MAX(r.n, (guint64)avail + 1);
        if (fr->want > fr->spec->max_record) {
            over_cap(fr, ctx, fr->want);
            buf_consume(fr, 1);
            note_drop(fr, ctx, 1, TW_FRAMER_DROP_BAD);
            lose_framing(fr);
        }
        return;
    case TW_FRAME_RECORD:
        fr->want = 0;
        if (keep > fr->spec->max_record) {
            over_cap(fr, ctx, r.n);
            goto skip;
        }
        if (avail >= keep) {
            deliver(fr, ctx, p, (gsize)keep, r.n, false);
            buf_consume(fr, (gsize)keep);
            r.n -= keep;
            goto skip;
        }
        fr->in_record = true;
        fr->record_len = r.n;
        fr->keep = keep;
        return;
    case TW_FRAME_SKIP:
    skip: {
        fr->want = 0;
        gsize m = (gsize)MIN(r.n, (guint64)held(fr));
        buf_consume(fr, m);
        fr->stats.skipped += m;
        fr->skip = r.n - m;
        return;
    }
    case TW_FRAME_BAD: {
        gsize m = (gsize)MAX(1, MIN(r.n, (guint64)avail));
        buf_consume(fr, m);
        note_drop(fr, ctx, m, TW_FRAMER_DROP_BAD);
        lose_framing(fr);
        return;
    }
    case TW_FRAME_STOP:
        fr->dead = true;
        note_drop(fr, ctx, avail, TW_FRAMER_DROP_END);
        buf_release(fr);
        return;
    }
}

/* A verdict on the caller's bytes (nothing held).  Returns bytes used. */
static gsize judge_in_place(TwFramer *fr, TwDissectCtx *ctx, const guint8 *p, gsize len)
{
    TwFrameLen r = fr->spec->length(fr->user, ctx, p, len);
    guint64 keep = r.keep && r.keep < r.n ? r.keep : r.n;
    if ((r.kind == TW_FRAME_RECORD || r.kind == TW_FRAME_SKIP) && r.n == 0)
        r = (TwFrameLen){ TW_FRAME_BAD, 1, 0 };
    switch (r.kind) {
    case TW_FRAME_NEED:
        fr->want = MAX(r.n, (guint64)len + 1);
        if (fr->want > fr->spec->max_record) {
            over_cap(fr, ctx, fr->want);
            fr->want = 0;
            note_drop(fr, ctx, 1, TW_FRAMER_DROP_BAD);
            lose_framing(fr);
            return 1;
        }
        if (!buf_append(fr, ctx, p, len))
            return len;
        return len;
    case TW_FRAME_RECORD:
        if (keep > fr->spec->max_record) {
            over_cap(fr, ctx, r.n);
            fr->skip = r.n;
            return 0;
        }
        if (len >= keep) {
            /* The hot path: the whole record is in the caller's bytes. */
            deliver(fr, ctx, p, (gsize)keep, r.n, false);
            fr->skip = r.n - keep;
            return (gsize)keep;
        }
        fr->in_record = true;
        fr->record_len = r.n;
        fr->keep = keep;
        buf_append(fr, ctx, p, len);
        return len;
    case TW_FRAME_SKIP:
        fr->skip = r.n;
        return 0;
    case TW_FRAME_BAD: {
        gsize m = (gsize)MAX(1, MIN(r.n, (guint64)len));
        note_drop(fr, ctx, m, TW_FRAMER_DROP_BAD);
        lose_framing(fr);
        return m;
    }
    case TW_FRAME_STOP:
        fr->dead = true;
        return 0;
    }
    return len;
}

/* ---- hunting ---- */

static void found_start(TwFramer *fr, TwDissectCtx *ctx)
{
    fr->resync = false;
    fr->want = 0;
    if (fr->spec->resynced)
        fr->spec->resynced(fr->user, ctx);
}

/* Hunts for a record start in the held tail and then in the caller's bytes;
 * consumes what it passes over (and what it holds for the next feed). */
static void hunt(TwFramer *fr, TwDissectCtx *ctx, const guint8 **data, gsize *len)
{
    const TwFramerSpec *s = fr->spec;
    gsize old = held(fr);
    if (old > 0) {
        /* Candidates in the held tail are judged with a window of the new bytes. */
        gsize w = MIN(*len, s->probe_window);
        if (!buf_append(fr, ctx, *data, w)) {
            *data += w;
            *len -= w;
            return;
        }
        for (gsize i = 0; i < old; i++) {
            TwProbe pr = s->probe(fr->user, fr->buf + i, fr->buf_len - i);
            if (pr == TW_PROBE_YES || (pr == TW_PROBE_NEED && w == *len)) {
                buf_consume(fr, i);
                note_drop(fr, ctx, i, TW_FRAMER_DROP_SCAN);
                *data += w;
                *len -= w;
                if (pr == TW_PROBE_YES)
                    found_start(fr, ctx);
                return;
            }
        }
        /* No start in the old tail: the window is judged again in place. */
        fr->buf_len = old;
        fr->pool->total_held -= w;
        buf_consume(fr, old);
        note_drop(fr, ctx, old, TW_FRAMER_DROP_SCAN);
    }
    const guint8 *p = *data;
    gsize n = *len, i, tail = n;
    for (i = 0; i < n; i++) {
        TwProbe pr = s->probe(fr->user, p + i, n - i);
        if (pr == TW_PROBE_YES) {
            note_drop(fr, ctx, i, TW_FRAMER_DROP_SCAN);
            *data += i;
            *len -= i;
            found_start(fr, ctx);
            return;
        }
        if (pr == TW_PROBE_NEED) {
            tail = i;
            break;
        }
    }
    /* No start yet: hold the bytes a start may straddle into the next feed. */
    if (n - tail < s->resync_keep)
        tail = n > s->resync_keep ? n - s->resync_keep : 0;
    note_drop(fr, ctx, tail, TW_FRAMER_DROP_SCAN);
    buf_append(fr, ctx, p + tail, n - tail);
    *data += n;
    *len = 0;
}

/* ---- feeding ---- */

void tw_framer_feed(TwFramer *fr, TwDissectCtx *ctx, const guint8 *data, gsize len)
{
    fr->stats.fed += len;
    if (fr->evicted && !fr->dead) {
        /* Its partial record went to the budget: as after a gap of unknown length. */
        fr->evicted = false;
        lose_framing(fr);
    }
    while (len > 0) {
        if (fr->dead) {
            fr->stats.dropped += len;
            return;
        }
        if (fr->skip) {
            gsize n = fr->skip < len ? (gsize)fr->skip : len;
            fr->skip -= n;
            fr->stats.skipped += n;
            data += n;
            len -= n;
            continue;
        }
        if (fr->resync) {
            hunt(fr, ctx, &data, &len);
            continue;
        }
        if (fr->in_record) {
            gsize n = (gsize)MIN((guint64)len, fr->keep - held(fr));
            bool ok = buf_append(fr, ctx, data, n);
            data += n;
            len -= n;
            if (ok && held(fr) == fr->keep) {
                fr->in_record = false;
                deliver(fr, ctx, fr->buf, fr->buf_len, fr->record_len, false);
                buf_release(fr);
                fr->skip = fr->record_len - fr->keep;
            }
            continue;
        }
        if (held(fr) > 0) {
            if (fr->want > held(fr)) {
                gsize n = (gsize)MIN((guint64)len, fr->want - held(fr));
                bool ok = buf_append(fr, ctx, data, n);
                data += n;
                len -= n;
                if (!ok)
                    continue;
            }
            judge_held(fr, ctx);
            continue;
        }
        gsize used = judge_in_place(fr, ctx, data, len);
        data += used;
        len -= used;
    }
    /* Verdicts on held bytes that need no new byte (after a delivery from
     * the buffer left some, or a hunt found a start in the held tail). */
    while (!fr->dead && !fr->resync && !fr->in_record && !fr->skip && held(fr) > 0 &&
           fr->want <= held(fr))
        judge_held(fr, ctx);
}

/* ---- gaps and the end ---- */

/* A record being buffered is cut: delivered truncated, or dropped. */
static void cut_record(TwFramer *fr, TwDissectCtx *ctx)
{
    gsize have = held(fr);
    fr->in_record = false;
    if (fr->spec->deliver_truncated)
        deliver(fr, ctx, have ? fr->buf : no_bytes, have, fr->record_len, true);
    else
        note_drop(fr, ctx, have, TW_FRAMER_DROP_GAP);
    buf_release(fr);
}

TwFramerGapResult tw_framer_gap(TwFramer *fr, TwDissectCtx *ctx, guint64 len)
{
    fr->evicted = false;
    if (fr->dead)
        return TW_FRAMER_GAP_LOST;
    bool exact = fr->spec->gap_exact && len != TW_FRAMER_GAP_UNKNOWN;
    if (exact && !fr->resync) {
        if (fr->skip >= len) {
            fr->skip -= len;
            return TW_FRAMER_GAP_ABSORBED;
        }
        if (fr->in_record) {
            /* The gap length is exact: the next record starts where expected
             * if the gap ends inside this one. */
            guint64 rest = fr->record_len - held(fr);
            cut_record(fr, ctx);
            if (fr->dead)
                return TW_FRAMER_GAP_LOST;
            if (len <= rest) {
                fr->skip = rest - len;
                return TW_FRAMER_GAP_RECORD_CUT;
            }
            lose_framing(fr);
            return fr->dead ? TW_FRAMER_GAP_LOST : TW_FRAMER_GAP_RESYNC;
        }
    }
    note_drop(fr, ctx, held(fr), TW_FRAMER_DROP_GAP);
    buf_release(fr);
    lose_framing(fr);
    return fr->dead ? TW_FRAMER_GAP_LOST : TW_FRAMER_GAP_RESYNC;
}

void tw_framer_reset(TwFramer *fr, TwDissectCtx *ctx)
{
    note_drop(fr, ctx, held(fr), TW_FRAMER_DROP_GAP);
    buf_release(fr);
    fr->in_record = false;
    fr->resync = false;
    fr->dead = false;
    fr->evicted = false;
    fr->want = 0;
    fr->skip = 0;
}

bool tw_framer_finish(TwFramer *fr, TwDissectCtx *ctx)
{
    bool pending = !fr->dead && (fr->in_record || (held(fr) > 0 && !fr->resync));
    if (fr->in_record && !fr->dead) {
        bool deliver_it = fr->spec->deliver_truncated;
        if (deliver_it) {
            gsize have = held(fr);
            fr->in_record = false;
            deliver(fr, ctx, have ? fr->buf : no_bytes, have, fr->record_len, true);
        } else {
            note_drop(fr, ctx, held(fr), TW_FRAMER_DROP_END);
        }
    } else {
        note_drop(fr, ctx, held(fr), TW_FRAMER_DROP_END);
    }
    buf_release(fr);
    fr->in_record = false;
    fr->want = 0;
    return pending;
}
