/* workers.c — capture files dissected by several threads, merged back into
 * the order of one pipeline (see workers.h for why the result does not
 * depend on the number of threads).
 *
 * The calling thread reads batches of frames into SLOTS slots (a mapped
 * file's frames where they are, kept mapped until their batch is merged:
 * source-keep.h; others copied, a source's frame being valid only until
 * its next call); the workers, and the
 * calling thread when it has nothing else to do, dissect them shard by
 * shard (each shard on the thread that owns it: task_take, rebalance)
 * while it reads the next and merges the finished ones (run_sharded).
 * Measured with the waiting times of each thread: with two slots and a
 * barrier per batch (every worker, then the merge) the calling thread
 * waited 0.3 s and each of 2 workers 0.6 s of a 2 s run (DC mix, 256 MiB);
 * now neither waits more than 0.1 s. */
#include "workers.h"
#include "notify.h"
#include "pipeline.h"
#include "source-keep.h"
#include "dissectors/framer.h"
#include "core/tw-limits.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* One event with its place in a single pipeline's order. */
typedef struct {
    guint32 pos;  /* input position in the batch (G_MAXUINT32: end of input) */
    guint8 phase; /* TwOrderPhase */
    guint8 queue;
    bool capture_anomaly; /* an anomaly of the capture layer (parser "capture") */
    guint64 touch;
    TwEvent *ev;              /* NULL once rendered when lines_only */
    const char *anomaly_kind; /* interned, or NULL: not an anomaly with a kind */
    guint32 line, line_len;   /* its line in the shard's text[slot] (emit_line) */
} Keyed;

/* Batches in flight with several workers: while the calling thread reads
 * batch n+1 and merges batch n-1, the workers dissect batch n (and the
 * ones before it, each shard at its own pace). */
#define SLOTS 4

G_STATIC_ASSERT(TW_WORKER_SHARDS <= 32);
#define ALL_SHARDS ((guint32)(((guint64)1 << TW_WORKER_SHARDS) - 1))

/* A shard's events of one batch slot, in the order it emitted them (which
 * is the merge order within the shard). */
typedef struct {
    Keyed *v;
    guint len, cap;
} KeyedVec;

/* Cache lines: two threads dissect neighbouring shards at once (each
 * thread its own shards, at first s % N == i), and each writes its shard's pool,
 * vectors and positions at every frame: each shard on lines of its own. */
#define CACHE_LINE 64

typedef struct {
    _Alignas(CACHE_LINE) TwPipeline *pl;
    TwFramerPool pool;
    KeyedVec out[SLOTS]; /* per batch slot */
    GString *text[SLOTS]; /* the events' lines, per batch slot (emit_line), or NULL */
    bool lines_only;      /* TwWorkersConfig.lines_only, with text */
    bool (*line_wanted)(const TwEvent *ev, void *user); /* TwWorkersConfig.line_wanted, with text */
    void *line_wanted_user;
    const char *anomaly_proto; /* "anomaly", interned */
    guint slot;         /* the batch being dissected */
    guint32 pos;
    gint64 deadline; /* tw_pipeline_next_deadline after the last call */
    /* Several workers, under TwWorkers.lock: the sequence number of the
     * next batch this shard dissects, whether a thread is at it, and the
     * thread that dissects it (Worker.index; the calling thread is
     * nthreads): only that one, so its flows, buffers and lines stay in
     * one core's cache (rebalance moves it). */
    guint64 next;
    bool busy;
    guint owner;
} Shard;

typedef struct {
    TwFrame *frames;
    gint64 *ts;      /* frames[i].ts_us, packed: every shard scans them for its ticks */
    guint8 *shard_of;
    gsize *offset; /* frame bytes at arena + offset; KEPT: where the source has them */
    TwFrameHeaders *hdr; /* each frame's, decoded once: for its shard, then its pipeline */
    /* Several workers (batch_index): ts_max[i] is the latest of ts[0..i],
     * and the frames of shard s are own[own_at[s]] to own[own_at[s + 1]]
     * (in input order), so that a shard skips at once over the frames of
     * the others that cannot tick it. */
    gint64 *ts_max;
    guint32 *own;
    guint own_at[TW_WORKER_SHARDS + 1];
    guint n, cap;
    guint8 *arena;
    gsize used, arena_cap;
    gsize bytes;      /* of every frame, kept or copied (BATCH_BYTES) */
    guint64 mark_end; /* tw_source_mark after its last frame: released once merged */
    bool finish; /* the end of input: every shard finishes (n is 0) */
    guint left;  /* shards that have not dissected it yet (under TwWorkers.lock) */
} Batch;

typedef struct {
    TwWorkers *w;
    guint index;
    GThread *thread;
} Worker;

/* What rebalance reads of a thread: the time it waited for work and the
 * shard-batches it dissected (both under TwWorkers.lock, since the last
 * rebalance). */
typedef struct {
    gint64 idle_us;
    guint64 tasks;
} ThreadLoad;

struct TwWorkers {
    TwWorkersConfig cfg;
    guint nworkers;
    Shard shard[TW_WORKER_SHARDS];
    /* One worker: no deadline of the shards is earlier than this (a lower
     * bound: most frames then tick no other shard, and are not looped over). */
    gint64 soonest;
    /* One worker: the shards whose pipeline the last frame was given to
     * (bit s for shard s), the only ones that can have events in slot 0:
     * the others are neither merged nor recycled (16 shards, most frames
     * reach one). */
    guint32 live;
    Batch batch[SLOTS];
    /* nworkers - 1 threads; the calling thread is the last worker: it
     * reads and merges, and dissects when it has nothing else to do. */
    Worker *worker;
    guint nthreads;

    /* Hand-off (under lock): batch sequence number k is in slot k % SLOTS;
     * `filled` batches were given to the shards.  A shard dissects its
     * batches in order, whichever thread takes it (tasks are a shard and
     * its next batch); a batch is merged when every shard is done with it. */
    /* POSIX's, not GLib's: GLib's GMutex is a futex of its own that
     * ThreadSanitizer does not see (it reported every access as a race). */
    pthread_mutex_t lock;
    pthread_cond_t go, finished;
    guint64 filled;
    guint sleeping;      /* worker threads waiting for a batch */
    bool caller_waiting; /* the calling thread waits for a batch to be done */
    bool quit;
    /* Per thread (nthreads + 1, the calling thread last), under lock. */
    ThreadLoad *load;
    guint64 rebalanced_at; /* batches merged at the last rebalance */
    gint64 rebalanced_us;  /* g_get_monotonic_time then */

    /* The merged stream's anomaly limit (TW_ANOMALY_EVENTS_MAX per kind),
     * kept as the pipeline keeps it: capture anomalies by how many were
     * emitted, dissector ones by how many of the kind were raised. */
    GHashTable *capture_emitted; /* kind (interned) -> count */
    GHashTable *kind_seen;       /* kind (interned) -> count */
    GHashTable *counters;        /* summed at the end */
};

guint tw_workers_default(void)
{
    return tw_workers_processors();
}

guint tw_workers_processors(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > TW_WORKER_SHARDS ? TW_WORKER_SHARDS : (guint)n;
}

/* ---- routing ---- */

/* The shard of a frame (tests/unit/test-shard.c): FNV-1a over the lower,
 * then the higher address of its IP header, so both directions land
 * together, fragments (no ports) with their datagram's other packets.
 * Frames that are not IP go to
 * shard 0, where they are only counted. */
static inline guint shard_of(const TwFrameHeaders *hd, bool ip_ok)
{
    if (!ip_ok) /* tw_frame_headers' answer, not read back from hd */
        return 0;
    const TwIpPacket *ip = &hd->ip;
    if (ip->version == 4) {
        /* The same hash, unrolled: the addresses compared as big-endian
         * numbers are compared as memcmp compares their bytes. */
        const guint8 *s = ip->src, *d = ip->dst;
        guint32 sv = (guint32)s[0] << 24 | (guint32)s[1] << 16 | (guint32)s[2] << 8 | s[3];
        guint32 dv = (guint32)d[0] << 24 | (guint32)d[1] << 16 | (guint32)d[2] << 8 | d[3];
        guint32 lo = sv < dv ? sv : dv, hi = sv < dv ? dv : sv;
        guint32 h = (2166136261u ^ 4u) * 16777619u;
#define FNV_BYTE(x) h = (h ^ (guint8)(x)) * 16777619u
        FNV_BYTE(lo >> 24);
        FNV_BYTE(lo >> 16);
        FNV_BYTE(lo >> 8);
        FNV_BYTE(lo);
        FNV_BYTE(hi >> 24);
        FNV_BYTE(hi >> 16);
        FNV_BYTE(hi >> 8);
        FNV_BYTE(hi);
#undef FNV_BYTE
        h ^= h >> 16;
        return h % TW_WORKER_SHARDS;
    }
    gsize alen = 16;
    const guint8 *a = ip->src, *b = ip->dst;
    if (memcmp(a, b, alen) > 0) {
        const guint8 *t = a;
        a = b;
        b = t;
    }
    guint32 h = 2166136261u;
    h = (h ^ ip->version) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ a[i]) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ b[i]) * 16777619u;
    h ^= h >> 16;
    return h % TW_WORKER_SHARDS;
}

guint tw_workers_shard_of(const TwFrameHeaders *hd)
{
    return shard_of(hd, hd->link == TW_LINK_OK && hd->ip_status == TW_IP_OK);
}

/* ---- the shards ---- */

/* What the merged stream's anomaly limit needs of an event (anomaly_passes). */
static void anomaly_of(const Shard *sh, const TwEvent *ev, Keyed *k)
{
    if (ev->proto != sh->anomaly_proto)
        return;
    const char *kind = tw_event_get_str(ev, "kind");
    if (!kind)
        return;
    const char *parser = tw_event_get_str(ev, "parser");
    k->anomaly_kind = g_intern_string(kind);
    k->capture_anomaly = parser && strcmp(parser, "capture") == 0;
}

static void shard_emit(TwEvent *ev, void *user)
{
    Shard *sh = user;
    const TwEmitOrder *o = tw_pipeline_emit_order(sh->pl);
    Keyed k = {
        .pos = o->phase == TW_ORDER_FINISH ? G_MAXUINT32 : sh->pos,
        .phase = (guint8)o->phase,
        .queue = o->phase == TW_ORDER_FRAME ? 0 : o->queue,
        .touch = o->phase == TW_ORDER_FRAME ? 0 : o->touch,
        .ev = ev,
    };
    anomaly_of(sh, ev, &k);
    GString *t = sh->text[sh->slot];
    if (t) {
        /* Rendered here, while the event is in this core's cache; an event
         * the display filter rejects is not rendered (line_len 0). */
        gsize at = t->len;
        if (!sh->line_wanted || sh->line_wanted(ev, sh->line_wanted_user)) {
            tw_event_to_json(ev, t);
            g_string_append_c(t, '\n');
        }
        g_assert(t->len <= G_MAXUINT32);
        k.line = (guint32)at;
        k.line_len = (guint32)(t->len - at);
        if (sh->lines_only) {
            /* Freed at once, by the thread that made it, into memory it
             * reuses while it is warm: holding the events of the batches
             * in flight made the same work cost 45 % more CPU. */
            tw_event_free(ev);
            k.ev = NULL;
        }
    }
    KeyedVec *out = &sh->out[sh->slot];
    if (out->len == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 256;
        out->v = g_renew(Keyed, out->v, out->cap);
    }
    out->v[out->len++] = k;
}

/* The events of a slot merged last time are freed by the thread that
 * dissects the shard's next batch in that slot (no lock shared with the
 * merging thread: the slot is the shard's until it is merged). */
static void shard_recycle(Shard *sh, guint slot)
{
    KeyedVec *a = &sh->out[slot];
    if (sh->text[slot])
        g_string_truncate(sh->text[slot], 0);
    if (!sh->lines_only) /* lines_only: each was freed once rendered */
        for (guint j = 0; j < a->len; j++)
            tw_event_free(a->v[j].ev);
    a->len = 0;
}

/* One worker: the batch's frame (batches of one) to its shard, and time
 * passes to it in every other shard that has something due. */
static void dissect_all(TwWorkers *w, guint slot)
{
    Batch *b = &w->batch[slot];
    for (guint32 m = w->live; m; m &= m - 1)
        shard_recycle(&w->shard[__builtin_ctz(m)], slot);
    guint32 live = 0;
    gint64 soonest = w->soonest;
    for (guint i = 0; i < b->n; i++) {
        const TwFrame *f = &b->frames[i];
        guint own = b->shard_of[i];
        /* Shards are independent pipelines: the order in which one frame
         * reaches them does not matter, only each shard's own order. */
        Shard *sh = &w->shard[own];
        sh->slot = slot;
        sh->pos = i;
        live |= 1u << own;
        tw_framer_pool_use(&sh->pool);
        tw_pipeline_frame_decoded(sh->pl, f, &b->hdr[i]);
        sh->deadline = tw_pipeline_next_deadline(sh->pl);
        if (sh->deadline < soonest)
            soonest = sh->deadline;
        if (f->ts_us <= soonest)
            continue; /* no other shard has anything due */
        soonest = G_MAXINT64;
        for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
            sh = &w->shard[s];
            if (s != own && f->ts_us > sh->deadline) {
                sh->slot = slot;
                sh->pos = i;
                live |= 1u << s;
                tw_framer_pool_use(&sh->pool);
                tw_pipeline_tick(sh->pl, f);
                sh->deadline = tw_pipeline_next_deadline(sh->pl);
            }
            if (sh->deadline < soonest)
                soonest = sh->deadline;
        }
    }
    w->live = live;
    w->soonest = soonest;
    tw_framer_pool_use(NULL);
}

static void finish_all(TwWorkers *w, guint slot)
{
    for (guint32 m = w->live; m; m &= m - 1)
        shard_recycle(&w->shard[__builtin_ctz(m)], slot);
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        Shard *sh = &w->shard[s];
        sh->slot = slot;
        tw_framer_pool_use(&sh->pool);
        tw_pipeline_finish(sh->pl);
    }
    w->live = ALL_SHARDS;
    tw_framer_pool_use(NULL);
}

/* Asks for a frame's first 2 KiB (a whole Ethernet frame) in the cache.
 * A frame read in place from a mapped file (source-keep.h) is otherwise
 * first touched by the dissecting thread, a miss per line with little
 * else in flight (the checksum reads them all): that made the same work
 * cost 5 % more CPU than the copy it replaced (dc256, --workers 2).  The
 * reading thread asks for every frame it reads (many misses at once, as
 * the copy had: the lines then wait in the shared cache), and a shard for
 * its next frame while it dissects this one: 5 % less than the copy. */
static inline void prefetch_frame(const TwFrame *f)
{
    guint32 n = f->caplen < 2048 ? f->caplen : 2048;
    /* Every line that holds one of the n bytes, two per step (a loop of
     * one per step cost 5 instructions a line: 4 M of dc20 --workers 2).
     * The addresses are integers: a line past the frame is only asked
     * for, never read (a prefetch does not fault). */
    uintptr_t at = (uintptr_t)f->data & ~(uintptr_t)63, end = (uintptr_t)f->data + n;
    for (; at < end; at += 128) {
        __builtin_prefetch((const void *)at);
        __builtin_prefetch((const void *)(at + 64));
    }
}

/* Several workers: shard s dissects batch `seq` — its own frames, and the
 * capture time of the others where something of the shard is due (the
 * same calls, in the same order, as one pipeline per shard makes) — or
 * finishes at the end of input. */
static void dissect_shard(TwWorkers *w, guint s, guint64 seq)
{
    guint slot = (guint)(seq % SLOTS);
    const Batch *b = &w->batch[slot];
    Shard *sh = &w->shard[s];
    sh->slot = slot;
    shard_recycle(sh, slot);
    tw_framer_pool_use(&sh->pool);
    if (b->finish) {
        tw_pipeline_finish(sh->pl);
    } else {
        /* For each frame i in order: its own frame, or a tick when
         * ts[i] > deadline.  Between two of its own frames the deadline
         * moves only by a tick: when no frame before the next own one is
         * later than it (ts_max), none of them ticks. */
        gint64 deadline = sh->deadline;
        guint i = 0; /* the next frame not yet given or skipped */
        for (guint o = b->own_at[s];; o++) {
            guint j = o < b->own_at[s + 1] ? b->own[o] : b->n;
            if (i < j && b->ts_max[j - 1] > deadline) {
                for (; i < j; i++) {
                    if (b->ts[i] > deadline) {
                        sh->pos = i;
                        tw_pipeline_tick(sh->pl, &b->frames[i]);
                        deadline = tw_pipeline_next_deadline(sh->pl);
                    }
                }
            }
            if (j == b->n)
                break;
            sh->pos = j;
            if (o + 1 < b->own_at[s + 1])
                prefetch_frame(&b->frames[b->own[o + 1]]);
            tw_pipeline_frame_decoded(sh->pl, &b->frames[j], &b->hdr[j]);
            deadline = tw_pipeline_next_deadline(sh->pl);
            i = j + 1;
        }
        sh->deadline = deadline;
    }
    tw_framer_pool_use(NULL);
}

/* Under lock: a shard of thread `me` whose next batch is given and that
 * no thread holds, the oldest batch first (it is the one the merge waits
 * for).  Returns the shard, or -1.  A thread never takes another's shard:
 * letting the idle thread take the oldest batch of any shard moved a
 * quarter of the shard-batches to the other core (2,711 of 10,448 on a
 * 256 MiB DC mix), and keeping each shard on its thread, moving one now
 * and then (rebalance), was 8.5 % faster when the host kept the vCPUs far
 * apart and 2 % slower when near (bench/README.md, round 13). */
static int task_take(TwWorkers *w, guint me, guint64 *seq)
{
    int best = -1;
    guint64 best_seq = G_MAXUINT64;
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        const Shard *sh = &w->shard[s];
        if (sh->owner != me || sh->busy || sh->next >= w->filled)
            continue;
        if (sh->next < best_seq) {
            best = (int)s;
            best_seq = sh->next;
        }
    }
    if (best >= 0) {
        w->shard[best].busy = true;
        *seq = best_seq;
    }
    return best;
}

/* Batches merged between two looks at the threads' loads. */
#define REBALANCE_BATCHES 16

/* Under lock, on the calling thread, every REBALANCE_BATCHES batches: the
 * thread that waited longest gets one shard of the one that waited least,
 * when the difference is larger than what one shard cost that thread since
 * the last look (its busy time over the shards it owns): moving it then
 * shortens the run, and moving it back would not (no see-saw).  The calling thread reads and merges
 * besides (and writes the lines out), so with the shards split evenly it
 * is the one behind, and the other waits.  Which thread dissects a shard
 * does not change its events, only where they are made. */
static void rebalance(TwWorkers *w, guint64 merged)
{
    gint64 now = g_get_monotonic_time(), elapsed_us = now - w->rebalanced_us;
    guint threads = w->nthreads + 1;
    guint most = 0, least = 0;
    for (guint t = 1; t < threads; t++) {
        if (w->load[t].idle_us > w->load[most].idle_us)
            most = t;
        if (w->load[t].idle_us < w->load[least].idle_us)
            least = t;
    }
    gint64 gap = w->load[most].idle_us - w->load[least].idle_us;
    guint owned = 0;
    int give = -1;
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        if (w->shard[s].owner != least)
            continue;
        owned++;
        give = (int)s; /* the last one: any shard costs about as much as another */
    }
    const ThreadLoad *l = &w->load[least];
    if (most != least && owned && l->tasks) {
        gint64 busy = elapsed_us - l->idle_us;
        gint64 per_shard = busy > 0 ? busy / (gint64)owned : 0;
        if (gap > per_shard) {
            w->shard[give].owner = most;
            /* Its batches may be waiting, and its new thread asleep. */
            if (w->sleeping)
                pthread_cond_broadcast(&w->go);
        }
    }
    for (guint t = 0; t < threads; t++)
        w->load[t] = (ThreadLoad){ 0 };
    w->rebalanced_at = merged;
    w->rebalanced_us = now;
}

/* Under lock: shard s is done with batch seq. */
static void task_done(TwWorkers *w, guint s, guint64 seq)
{
    Shard *sh = &w->shard[s];
    sh->busy = false;
    sh->next = seq + 1;
    Batch *b = &w->batch[seq % SLOTS];
    w->load[sh->owner].tasks++;
    if (--b->left == 0 && w->caller_waiting)
        pthread_cond_signal(&w->finished);
}

static gpointer worker_main(gpointer data)
{
    Worker *wk = data;
    TwWorkers *w = wk->w;
    pthread_mutex_lock(&w->lock);
    while (!w->quit) {
        guint64 seq;
        int s = task_take(w, wk->index, &seq);
        if (s < 0) {
            w->sleeping++;
            gint64 t0 = g_get_monotonic_time();
            pthread_cond_wait(&w->go, &w->lock);
            w->load[wk->index].idle_us += g_get_monotonic_time() - t0;
            w->sleeping--;
            continue;
        }
        pthread_mutex_unlock(&w->lock);
        dissect_shard(w, (guint)s, seq);
        pthread_mutex_lock(&w->lock);
        task_done(w, (guint)s, seq);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* ---- merging ---- */

static guint bump(GHashTable *t, const char *kind)
{
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(t, kind)) + 1;
    g_hash_table_insert(t, (gpointer)kind, GUINT_TO_POINTER(n));
    return n;
}

/* Each shard emits at least the first TW_ANOMALY_EVENTS_MAX anomalies of a
 * kind that it raises, so the merged stream holds the first ones raised
 * overall, in order: counted again here, they decide as one pipeline's
 * counters would have (tw_cap_anomaly, tw_anomaly). */
static bool anomaly_passes(TwWorkers *w, const Keyed *k)
{
    const char *kind = k->anomaly_kind;
    if (!kind)
        return true;
    guint seen = bump(w->kind_seen, kind);
    if (k->capture_anomaly) {
        if (GPOINTER_TO_UINT(g_hash_table_lookup(w->capture_emitted, kind)) >= TW_CAP_ANOMALY_EVENTS_MAX)
            return false;
        bump(w->capture_emitted, kind);
        return true;
    }
    return seen <= TW_ANOMALY_EVENTS_MAX;
}

static void merge_emit(TwWorkers *w, const GString *t, const Keyed *k)
{
    if (!anomaly_passes(w, k))
        return;
    if (t)
        w->cfg.emit_line(k->ev, t->str + k->line, k->line_len, w->cfg.emit_user);
    else if (w->cfg.emit)
        w->cfg.emit(k->ev, w->cfg.emit_user);
}

/* The events of slot `slot` of the shards in `shards` (bits), in a single
 * pipeline's order: by input position, phase, LRU list, last touch, the
 * lower shard first among equal keys (each shard's are in that order
 * already: a merge of their heads). */
static void merge_slot(TwWorkers *w, guint slot, guint32 shards)
{
    /* The shards with events, in increasing order: head, end, text, and
     * the head's (pos, phase, queue) packed so that one comparison orders
     * them (touch breaks ties). */
    const Keyed *cur[TW_WORKER_SHARDS], *end[TW_WORKER_SHARDS];
    const GString *text[TW_WORKER_SHARDS];
    guint64 key[TW_WORKER_SHARDS];
    guint n = 0;
    for (guint32 m = shards; m; m &= m - 1) {
        const Shard *sh = &w->shard[__builtin_ctz(m)];
        const KeyedVec *a = &sh->out[slot];
        if (!a->len)
            continue;
        cur[n] = a->v;
        end[n] = a->v + a->len;
        text[n] = sh->text[slot];
        n++;
    }
#define HEAD_KEY(k) ((guint64)(k)->pos << 16 | (guint64)(k)->phase << 8 | (k)->queue)
    for (guint i = 0; i < n; i++)
        key[i] = HEAD_KEY(cur[i]);
    /* Head i before head j by key, then touch (strictly: among equal
     * heads the lower shard's goes first). */
#define HEAD_BEFORE(i, j) (key[i] < key[j] || (key[i] == key[j] && cur[i]->touch < cur[j]->touch))
    while (n > 1) {
        /* The first head (b) and the first of the others (second): b's
         * events go out while its head stays before the second's (the
         * others do not move meanwhile) — a frame's events are a run of
         * one shard, and a scan per event of 16 heads cost 116
         * instructions an event (dc20, --workers 2). */
        guint b = 0, second = 1;
        if (HEAD_BEFORE(1, 0)) {
            b = 1;
            second = 0;
        }
        for (guint i = 2; i < n; i++) {
            if (HEAD_BEFORE(i, b)) {
                second = b;
                b = i;
            } else if (HEAD_BEFORE(i, second)) {
                second = i;
            }
        }
        bool more;
        for (;;) {
            merge_emit(w, text[b], cur[b]);
            more = ++cur[b] < end[b];
            if (!more)
                break;
            key[b] = HEAD_KEY(cur[b]);
            /* Equal heads: the lower shard's first. */
            if (b < second ? HEAD_BEFORE(second, b) : !HEAD_BEFORE(b, second))
                break;
        }
        if (more)
            continue;
        n--;
        for (guint i = b; i < n; i++) {
            cur[i] = cur[i + 1];
            end[i] = end[i + 1];
            text[i] = text[i + 1];
            key[i] = key[i + 1];
        }
    }
#undef HEAD_BEFORE
#undef HEAD_KEY
    if (n == 1) /* the last shard with events (most frames of one worker reach one) */
        for (const Keyed *k = cur[0]; k < end[0]; k++)
            merge_emit(w, text[0], k);
    /* The events stay in the slot: freed by their worker (shard_recycle). */
}

/* ---- reading ---- */

#define BATCH_FRAMES 1024
#define BATCH_BYTES (1u << 20)

static void batch_grow(Batch *b, guint cap)
{
    b->cap = cap;
    b->frames = g_renew(TwFrame, b->frames, b->cap);
    b->ts = g_renew(gint64, b->ts, b->cap);
    b->shard_of = g_renew(guint8, b->shard_of, b->cap);
    b->offset = g_renew(gsize, b->offset, b->cap);
    b->hdr = g_renew(TwFrameHeaders, b->hdr, b->cap);
    b->ts_max = g_renew(gint64, b->ts_max, b->cap);
    b->own = g_renew(guint32, b->own, b->cap);
}

/* Several workers: ts_max and each shard's frames (a counting sort by shard). */
static void batch_index(Batch *b)
{
    guint count[TW_WORKER_SHARDS] = { 0 };
    gint64 m = G_MININT64;
    for (guint i = 0; i < b->n; i++) {
        count[b->shard_of[i]]++;
        if (b->ts[i] > m)
            m = b->ts[i];
        b->ts_max[i] = m;
    }
    guint at = 0;
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        b->own_at[s] = at;
        at += count[s];
        count[s] = b->own_at[s];
    }
    b->own_at[TW_WORKER_SHARDS] = at;
    for (guint i = 0; i < b->n; i++)
        b->own[count[b->shard_of[i]]++] = i;
}

/* offset of a frame the source keeps (source-keep.h): read in place. */
#define KEPT G_MAXSIZE

/* The frame the source wrote at b->frames[b->n] (batch_fill). */
static void batch_add(Batch *b, bool kept)
{
    const TwFrame *f = &b->frames[b->n];
    b->ts[b->n] = f->ts_us;
    b->bytes += f->caplen;
    if (kept) {
        /* Its bytes stay where they are: decoded now, while the record
         * the source just read is in the cache. */
        prefetch_frame(f);
        bool ok = tw_frame_headers(&b->frames[b->n], &b->hdr[b->n]);
        b->shard_of[b->n] = (guint8)shard_of(&b->hdr[b->n], ok);
        b->offset[b->n++] = KEPT;
        return;
    }
    if (f->caplen > b->arena_cap - b->used) {
        gsize want = b->arena_cap ? b->arena_cap : BATCH_BYTES;
        while (f->caplen > want - b->used)
            want *= 2;
        b->arena = g_realloc(b->arena, want);
        b->arena_cap = want;
    }
    if (f->caplen) /* a frame of 0 captured bytes: the arena may not exist yet (memcpy of NULL is UB) */
        memcpy(b->arena + b->used, f->data, f->caplen);
    b->offset[b->n] = b->used;
    b->used += f->caplen;
    b->n++;
}

/* Several workers: fills a batch; returns what tw_source_next last
 * returned (1: more may come).  One worker: fill_one. */
static int batch_fill(TwWorkers *w, Batch *b, TwSource *src, volatile sig_atomic_t *stop,
                      GError **err)
{
    b->n = 0;
    b->used = 0;
    b->bytes = 0;
    b->finish = false;
    int r = 1;
    while (b->n < BATCH_FRAMES && b->bytes < BATCH_BYTES) {
        if (stop && *stop) {
            r = 0;
            break;
        }
        if (b->n == b->cap)
            batch_grow(b, b->cap ? b->cap * 2 : BATCH_FRAMES);
        /* Read where the batch keeps it: no copy of the frame. */
        TwFrame *f = &b->frames[b->n];
        r = tw_source_next(src, f, err);
        if (r <= 0)
            break;
        if (w->cfg.on_frame)
            w->cfg.on_frame(f, src, w->cfg.frame_user);
        batch_add(b, tw_source_kept(src));
    }
    b->mark_end = tw_source_mark(src);
    /* The arena moves no more: the headers are decoded where the bytes stay. */
    for (guint i = 0; i < b->n; i++) {
        if (b->offset[i] == KEPT)
            continue; /* decoded already (batch_add) */
        b->frames[i].data = b->arena + b->offset[i];
        bool ok = tw_frame_headers(&b->frames[i], &b->hdr[i]);
        b->shard_of[i] = (guint8)shard_of(&b->hdr[i], ok);
    }
    batch_index(b);
    return r;
}

/* One worker: batch_fill's batch of one frame, borrowed from the source,
 * not copied — each frame's events are merged and handed on while they
 * are still in the cache, and freed memory is reused at once (holding a
 * batch's events cost 40 % more time on the DC mix).  The source writes
 * the frame in its place (b has room for one); b->ts is only for
 * several workers' shards. */
static inline int fill_one(TwWorkers *w, Batch *b, TwSource *src, volatile sig_atomic_t *stop,
                           GError **err)
{
    b->n = 0;
    if (stop && *stop)
        return 0;
    TwFrame *f = &b->frames[0];
    int r = tw_source_next(src, f, err);
    if (r <= 0)
        return r;
    if (w->cfg.on_frame)
        w->cfg.on_frame(f, src, w->cfg.frame_user);
    bool ok = tw_frame_headers(f, &b->hdr[0]);
    b->shard_of[0] = (guint8)shard_of(&b->hdr[0], ok);
    b->n = 1;
    return r;
}

/* One worker, all on the calling thread: a frame, its events at once. */
static int run_single(TwWorkers *w, TwSource *src, volatile sig_atomic_t *stop, GError **err)
{
    int r;
    if (!w->batch[0].cap)
        batch_grow(&w->batch[0], 1);
    while ((r = fill_one(w, &w->batch[0], src, stop, err)) > 0) {
        dissect_all(w, 0);
        guint32 live = w->live;
        if (!live || (live & (live - 1))) {
            merge_slot(w, 0, live);
            continue;
        }
        /* One shard reached (most frames): its events as they are. */
        const Shard *sh = &w->shard[__builtin_ctz(live)];
        for (guint j = 0; j < sh->out[0].len; j++)
            merge_emit(w, sh->text[0], &sh->out[0].v[j]);
    }
    finish_all(w, 0);
    merge_slot(w, 0, ALL_SHARDS);
    return r;
}

/* Several workers.  The calling thread, in this order of preference:
 * merges the oldest batch once every shard is done with it; reads the
 * next batch into a free slot; dissects a shard's next batch itself; or
 * waits for a batch to be done.  So the reading, the dissection of the
 * batches in flight and the merge (with whatever the events feed) run at
 * once, and with N workers N threads dissect (N - 1 and this one). */
static int run_sharded(TwWorkers *w, TwSource *src, volatile sig_atomic_t *stop, GError **err)
{
    int r = 1;
    guint64 merged = 0;
    bool ended = false;    /* no more frames to read */
    bool finishing = false; /* the finish batch is given */
    guint me = w->nthreads;
    /* A batch's frames of a mapped file are read where they are, not
     * copied (1 GiB on the DC mix): mapped until the batch is merged. */
    tw_source_keep(src);
    pthread_mutex_lock(&w->lock);
    w->rebalanced_us = g_get_monotonic_time();
    for (;;) {
        if (merged < w->filled && w->batch[merged % SLOTS].left == 0) {
            Batch *b = &w->batch[merged % SLOTS];
            pthread_mutex_unlock(&w->lock);
            merge_slot(w, (guint)(merged % SLOTS), ALL_SHARDS);
            /* Every shard is done with its frames, and batches are merged
             * in the order they were read. */
            if (!b->finish)
                tw_source_release(src, b->mark_end);
            pthread_mutex_lock(&w->lock);
            merged++;
            if (b->finish)
                break;
            if (merged - w->rebalanced_at >= REBALANCE_BATCHES)
                rebalance(w, merged);
            continue;
        }
        if (!finishing && w->filled - merged < SLOTS) {
            Batch *b = &w->batch[w->filled % SLOTS];
            if (ended) {
                b->n = 0;
                b->finish = true;
                finishing = true;
            } else {
                pthread_mutex_unlock(&w->lock);
                r = batch_fill(w, b, src, stop, err);
                ended = r <= 0;
                pthread_mutex_lock(&w->lock);
                if (!b->n)
                    continue; /* nothing read: the finish batch next */
            }
            b->left = TW_WORKER_SHARDS;
            w->filled++;
            if (w->sleeping)
                pthread_cond_broadcast(&w->go);
            continue;
        }
        guint64 seq;
        int s = task_take(w, me, &seq);
        if (s >= 0) {
            pthread_mutex_unlock(&w->lock);
            dissect_shard(w, (guint)s, seq);
            pthread_mutex_lock(&w->lock);
            task_done(w, (guint)s, seq);
            continue;
        }
        w->caller_waiting = true;
        gint64 t0 = g_get_monotonic_time();
        pthread_cond_wait(&w->finished, &w->lock);
        w->load[me].idle_us += g_get_monotonic_time() - t0;
        w->caller_waiting = false;
    }
    pthread_mutex_unlock(&w->lock);
    return r;
}

int tw_workers_run(TwWorkers *w, TwSource *src, volatile sig_atomic_t *stop, GError **err)
{
    int r = w->nworkers == 1 ? run_single(w, src, stop, err) : run_sharded(w, src, stop, err);
    return r < 0 ? -1 : 0;
}

/* ---- life cycle ---- */

TwWorkers *tw_workers_new(const TwWorkersConfig *cfg)
{
    TwWorkers *w = g_aligned_alloc0(1, sizeof(TwWorkers), CACHE_LINE); /* Shard's alignment */
    w->cfg = *cfg;
    w->nworkers = cfg->workers ? cfg->workers : 1;
    if (w->nworkers > TW_WORKER_SHARDS)
        w->nworkers = TW_WORKER_SHARDS;
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        Shard *sh = &w->shard[s];
        tw_framer_pool_init(&sh->pool, TW_FRAMER_MAX_BUFFERED_TOTAL / TW_WORKER_SHARDS);
        TwPipelineConfig pc = {
            .emit = shard_emit,
            .emit_user = sh,
            .want_tree = cfg->want_tree,
            .tree_layers = cfg->tree_layers,
            .quiet = cfg->quiet,
            .shares = TW_WORKER_SHARDS,
            .keys = cfg->keys,
            .show_keys = cfg->show_keys,
        };
        sh->pl = tw_pipeline_new(&pc);
        for (guint i = 0; i < SLOTS; i++) {
            if (w->nworkers > 1 && cfg->emit_line)
                sh->text[i] = g_string_sized_new(64 * 1024);
        }
        sh->anomaly_proto = g_intern_static_string("anomaly");
        sh->lines_only = w->nworkers > 1 && cfg->emit_line && cfg->lines_only;
        if (w->nworkers > 1 && cfg->emit_line) {
            sh->line_wanted = cfg->line_wanted;
            sh->line_wanted_user = cfg->line_wanted_user;
        }
        sh->deadline = G_MAXINT64;
        /* Thread s % N (the calling thread is N - 1), until rebalance moves it. */
        sh->owner = s % w->nworkers;
    }
    w->soonest = G_MAXINT64;
    w->capture_emitted = g_hash_table_new(g_direct_hash, g_direct_equal);
    w->kind_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->go, NULL);
    pthread_cond_init(&w->finished, NULL);
    if (w->nworkers > 1) {
        w->nthreads = w->nworkers - 1;
        w->load = g_new0(ThreadLoad, w->nworkers);
        w->worker = g_new0(Worker, w->nthreads);
        for (guint i = 0; i < w->nthreads; i++) {
            w->worker[i].w = w;
            w->worker[i].index = i;
            g_autofree char *name = g_strdup_printf("tw-worker-%u", i);
            w->worker[i].thread = g_thread_new(name, worker_main, &w->worker[i]);
        }
    }
    return w;
}

guint tw_workers_shards_owned(const TwWorkers *w, guint thread)
{
    guint n = 0;
    for (guint s = 0; s < TW_WORKER_SHARDS; s++)
        n += w->shard[s].owner == thread;
    return n;
}

GHashTable *tw_workers_counters(TwWorkers *w)
{
    GHashTable *sum = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, tw_pipeline_counters(w->shard[s].pl));
        while (g_hash_table_iter_next(&it, &k, &v))
            *tw_counter_ptr(sum, k) += *(guint64 *)v;
    }
    return sum;
}

void tw_workers_print_stats(TwWorkers *w, FILE *out)
{
    g_autoptr(GHashTable) sum = tw_workers_counters(w);
    tw_counters_print(sum, out);
}

void tw_workers_free(TwWorkers *w)
{
    if (!w)
        return;
    if (w->worker) {
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_broadcast(&w->go);
        pthread_mutex_unlock(&w->lock);
        for (guint i = 0; i < w->nthreads; i++)
            g_thread_join(w->worker[i].thread);
        g_free(w->worker);
    }
    g_free(w->load);
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        Shard *sh = &w->shard[s];
        tw_framer_pool_use(&sh->pool);
        tw_pipeline_free(sh->pl);
        for (guint i = 0; i < SLOTS; i++) {
            for (guint j = 0; j < sh->out[i].len; j++)
                tw_event_free(sh->out[i].v[j].ev);
            g_free(sh->out[i].v);
            if (sh->text[i])
                g_string_free(sh->text[i], TRUE);
        }
    }
    tw_framer_pool_use(NULL);
    for (guint i = 0; i < SLOTS; i++) {
        g_free(w->batch[i].frames);
        g_free(w->batch[i].ts);
        g_free(w->batch[i].shard_of);
        g_free(w->batch[i].offset);
        g_free(w->batch[i].hdr);
        g_free(w->batch[i].ts_max);
        g_free(w->batch[i].own);
        g_free(w->batch[i].arena);
    }
    g_hash_table_unref(w->capture_emitted);
    g_hash_table_unref(w->kind_seen);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->go);
    pthread_cond_destroy(&w->finished);
    g_aligned_free(w);
}
