/* workers.c — capture files dissected by several threads, merged back into
 * the order of one pipeline (see workers.h for why the result does not
 * depend on the number of threads).
 *
 * The calling thread reads a batch of frames (copied: a source's frame is
 * valid only until its next call), the workers dissect it while the
 * calling thread reads the next one, then the calling thread merges the
 * batch's events and hands them on while the workers dissect the next
 * batch. */
#include "workers.h"
#include "ip.h"
#include "link.h"
#include "notify.h"
#include "pipeline.h"
#include "dissectors/framer.h"
#include "core/tw-limits.h"

#include <string.h>
#include <unistd.h>

/* One event with its place in a single pipeline's order. */
typedef struct {
    guint32 pos;  /* input position in the batch (G_MAXUINT32: end of input) */
    guint8 phase; /* TwOrderPhase */
    guint8 queue;
    guint64 touch;
    TwEvent *ev;
} Keyed;

typedef struct {
    TwPipeline *pl;
    TwFramerPool pool;
    GArray *out[2]; /* Keyed, per batch slot */
    guint slot;     /* the batch being dissected */
    guint32 pos;
    gint64 deadline; /* tw_pipeline_next_deadline after the last call */
} Shard;

typedef struct {
    TwFrame *frames;
    guint8 *shard_of;
    gsize *offset; /* frame bytes at arena + offset */
    guint n, cap;
    guint8 *arena;
    gsize used, arena_cap;
} Batch;

typedef struct {
    TwWorkers *w;
    guint index;
    GThread *thread;
} Worker;

struct TwWorkers {
    TwWorkersConfig cfg;
    guint nworkers;
    Shard shard[TW_WORKER_SHARDS];
    /* Per worker: no deadline of its shards is earlier than this (a lower
     * bound: most frames then tick no other shard, and are not looped over). */
    gint64 soonest[TW_WORKER_SHARDS];
    Batch batch[2];
    Worker *worker;

    /* Hand-off: `generation` counts batches given to the workers; each
     * worker dissects batch slot `job_slot` (or finishes, `job_finish`) and
     * counts itself in `done`. */
    GMutex lock;
    GCond go, finished;
    guint64 generation;
    guint job_slot;
    bool job_finish, quit;
    guint done;

    /* The merged stream's anomaly limit (TW_ANOMALY_EVENTS_MAX per kind),
     * kept as the pipeline keeps it: capture anomalies by how many were
     * emitted, dissector ones by how many of the kind were raised. */
    GHashTable *capture_emitted; /* kind (interned) -> count */
    GHashTable *kind_seen;       /* kind (interned) -> count */
    GHashTable *counters;        /* summed at the end */
};

guint tw_workers_default(void)
{
    return 1;
}

guint tw_workers_processors(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > TW_WORKER_SHARDS ? TW_WORKER_SHARDS : (guint)n;
}

/* ---- routing ---- */

/* The shard of a frame: FNV-1a over the lower, then the higher address of
 * its IP header, so both directions land together, fragments (no ports)
 * with their datagram's other packets.  Frames that are not IP go to
 * shard 0, where they are only counted. */
static guint8 shard_for(const TwFrame *f)
{
    TwLinkResult lr;
    if (tw_link_decode(f->linktype, f->data, f->caplen, f->origlen, &lr) != TW_LINK_OK)
        return 0;
    TwIpPacket ip;
    if (tw_ip_decode(lr.l3, lr.l3_caplen, lr.l3_origlen, &ip) != TW_IP_OK)
        return 0;
    gsize alen = ip.version == 4 ? 4 : 16;
    const guint8 *a = ip.src, *b = ip.dst;
    if (memcmp(a, b, alen) > 0) {
        const guint8 *t = a;
        a = b;
        b = t;
    }
    guint32 h = 2166136261u;
    h = (h ^ ip.version) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ a[i]) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ b[i]) * 16777619u;
    h ^= h >> 16;
    return (guint8)(h % TW_WORKER_SHARDS);
}

/* ---- the shards ---- */

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
    g_array_append_val(sh->out[sh->slot], k);
}

/* The events of a slot merged last time are freed by the thread that made
 * them (its allocator's own lists, no lock shared with the merging thread). */
static void shard_recycle(Shard *sh, guint slot)
{
    GArray *a = sh->out[slot];
    if (!a->len)
        return;
    for (guint j = 0; j < a->len; j++)
        tw_event_free(g_array_index(a, Keyed, j).ev);
    g_array_set_size(a, 0);
}

/* Worker `index` of `n`: every frame of the batch, to the shards it runs. */
static void dissect_batch(TwWorkers *w, guint index, guint slot)
{
    Batch *b = &w->batch[slot];
    guint n = w->nworkers;
    for (guint s = index; s < TW_WORKER_SHARDS; s += n) {
        w->shard[s].slot = slot;
        shard_recycle(&w->shard[s], slot);
    }
    gint64 soonest = w->soonest[index];
    for (guint i = 0; i < b->n; i++) {
        const TwFrame *f = &b->frames[i];
        guint own = b->shard_of[i];
        /* Shards are independent pipelines: the order in which one frame
         * reaches them does not matter, only each shard's own order. */
        if (own % n == index) {
            Shard *sh = &w->shard[own];
            sh->pos = i;
            tw_framer_pool_use(&sh->pool);
            tw_pipeline_frame(sh->pl, f);
            sh->deadline = tw_pipeline_next_deadline(sh->pl);
            if (sh->deadline < soonest)
                soonest = sh->deadline;
        }
        if (f->ts_us <= soonest)
            continue; /* no other shard of this worker has anything due */
        soonest = G_MAXINT64;
        for (guint s = index; s < TW_WORKER_SHARDS; s += n) {
            Shard *sh = &w->shard[s];
            if (s != own && f->ts_us > sh->deadline) {
                sh->pos = i;
                tw_framer_pool_use(&sh->pool);
                tw_pipeline_tick(sh->pl, f);
                sh->deadline = tw_pipeline_next_deadline(sh->pl);
            }
            if (sh->deadline < soonest)
                soonest = sh->deadline;
        }
    }
    w->soonest[index] = soonest;
    tw_framer_pool_use(NULL);
}

static void finish_shards(TwWorkers *w, guint index, guint slot)
{
    for (guint s = index; s < TW_WORKER_SHARDS; s += w->nworkers) {
        Shard *sh = &w->shard[s];
        sh->slot = slot;
        shard_recycle(sh, slot);
        tw_framer_pool_use(&sh->pool);
        tw_pipeline_finish(sh->pl);
    }
    tw_framer_pool_use(NULL);
}

static gpointer worker_main(gpointer data)
{
    Worker *wk = data;
    TwWorkers *w = wk->w;
    guint64 seen = 0;
    for (;;) {
        g_mutex_lock(&w->lock);
        while (w->generation == seen && !w->quit)
            g_cond_wait(&w->go, &w->lock);
        if (w->quit) {
            g_mutex_unlock(&w->lock);
            return NULL;
        }
        seen = w->generation;
        guint slot = w->job_slot;
        bool finish = w->job_finish;
        g_mutex_unlock(&w->lock);

        if (finish)
            finish_shards(w, wk->index, slot);
        else
            dissect_batch(w, wk->index, slot);

        g_mutex_lock(&w->lock);
        if (++w->done == w->nworkers)
            g_cond_signal(&w->finished);
        g_mutex_unlock(&w->lock);
    }
}

/* Starts the workers on a batch slot (or the finish); with one worker the
 * calling thread does it now. */
static void start_job(TwWorkers *w, guint slot, bool finish)
{
    if (w->nworkers == 1) {
        if (finish)
            finish_shards(w, 0, slot);
        else
            dissect_batch(w, 0, slot);
        return;
    }
    g_mutex_lock(&w->lock);
    w->job_slot = slot;
    w->job_finish = finish;
    w->done = 0;
    w->generation++;
    g_cond_broadcast(&w->go);
    g_mutex_unlock(&w->lock);
}

static void wait_job(TwWorkers *w)
{
    if (w->nworkers == 1)
        return;
    g_mutex_lock(&w->lock);
    while (w->done < w->nworkers)
        g_cond_wait(&w->finished, &w->lock);
    g_mutex_unlock(&w->lock);
}

/* ---- merging ---- */

static int keyed_cmp(const Keyed *a, const Keyed *b)
{
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->queue != b->queue)
        return a->queue < b->queue ? -1 : 1;
    if (a->touch != b->touch)
        return a->touch < b->touch ? -1 : 1;
    return 0;
}

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
static bool anomaly_passes(TwWorkers *w, const TwEvent *ev)
{
    static const char *anomaly_proto;
    if (!anomaly_proto)
        anomaly_proto = g_intern_static_string("anomaly");
    if (ev->proto != anomaly_proto)
        return true;
    const char *kind = tw_event_get_str(ev, "kind");
    const char *parser = tw_event_get_str(ev, "parser");
    if (!kind)
        return true;
    kind = g_intern_string(kind);
    guint seen = bump(w->kind_seen, kind);
    if (parser && strcmp(parser, "capture") == 0) {
        if (GPOINTER_TO_UINT(g_hash_table_lookup(w->capture_emitted, kind)) >= TW_CAP_ANOMALY_EVENTS_MAX)
            return false;
        bump(w->capture_emitted, kind);
        return true;
    }
    return seen <= TW_ANOMALY_EVENTS_MAX;
}

static void merge_slot(TwWorkers *w, guint slot)
{
    guint next[TW_WORKER_SHARDS] = { 0 };
    for (;;) {
        int best = -1;
        const Keyed *bk = NULL;
        for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
            GArray *a = w->shard[s].out[slot];
            if (next[s] >= a->len)
                continue;
            const Keyed *k = &g_array_index(a, Keyed, next[s]);
            if (!bk || keyed_cmp(k, bk) < 0) {
                bk = k;
                best = (int)s;
            }
        }
        if (best < 0)
            break;
        next[best]++;
        if (anomaly_passes(w, bk->ev) && w->cfg.emit)
            w->cfg.emit(bk->ev, w->cfg.emit_user);
    }
    /* The events stay in the slot: freed by their worker (shard_recycle). */
}

/* ---- reading ---- */

#define BATCH_FRAMES 4096
#define BATCH_BYTES (4u << 20)

static void batch_add(Batch *b, const TwFrame *f)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : BATCH_FRAMES;
        b->frames = g_renew(TwFrame, b->frames, b->cap);
        b->shard_of = g_renew(guint8, b->shard_of, b->cap);
        b->offset = g_renew(gsize, b->offset, b->cap);
    }
    if (f->caplen > b->arena_cap - b->used) {
        gsize want = b->arena_cap ? b->arena_cap : BATCH_BYTES;
        while (f->caplen > want - b->used)
            want *= 2;
        b->arena = g_realloc(b->arena, want);
        b->arena_cap = want;
    }
    memcpy(b->arena + b->used, f->data, f->caplen);
    b->frames[b->n] = *f;
    b->offset[b->n] = b->used;
    b->shard_of[b->n] = shard_for(f);
    b->used += f->caplen;
    b->n++;
}

/* Fills a batch; returns what tw_source_next last returned (1: more may come).
 * One worker: batches of one frame, borrowed from the source, not copied —
 * each frame's events are merged and handed on while they are still in the
 * cache, and freed memory is reused at once (holding a batch's events cost
 * 40 % more time on the DC mix). */
static int batch_fill(TwWorkers *w, Batch *b, TwSource *src, volatile sig_atomic_t *stop,
                      GError **err)
{
    b->n = 0;
    b->used = 0;
    int r = 1;
    TwFrame f;
    if (w->nworkers == 1) {
        if (stop && *stop)
            return 0;
        r = tw_source_next(src, &f, err);
        if (r > 0 && w->cfg.on_frame)
            w->cfg.on_frame(&f, src, w->cfg.frame_user);
        if (r > 0) {
            if (!b->cap) {
                b->cap = 1;
                b->frames = g_new(TwFrame, 1);
                b->shard_of = g_new(guint8, 1);
                b->offset = g_new(gsize, 1);
            }
            b->frames[0] = f;
            b->shard_of[0] = shard_for(&f);
            b->n = 1;
        }
        return r;
    }
    while (b->n < BATCH_FRAMES && b->used < BATCH_BYTES) {
        if (stop && *stop) {
            r = 0;
            break;
        }
        r = tw_source_next(src, &f, err);
        if (r <= 0)
            break;
        if (w->cfg.on_frame)
            w->cfg.on_frame(&f, src, w->cfg.frame_user);
        batch_add(b, &f);
    }
    for (guint i = 0; i < b->n; i++)
        b->frames[i].data = b->arena + b->offset[i];
    return r;
}

int tw_workers_run(TwWorkers *w, TwSource *src, volatile sig_atomic_t *stop, GError **err)
{
    guint cur = 0;
    int r = batch_fill(w, &w->batch[cur], src, stop, err);
    bool busy = false; /* the workers hold batch `cur` */
    if (w->batch[cur].n) {
        start_job(w, cur, false);
        busy = true;
    }
    while (busy) {
        guint nxt = !cur;
        if (r > 0)
            r = batch_fill(w, &w->batch[nxt], src, stop, err);
        else
            w->batch[nxt].n = 0;
        wait_job(w);
        busy = false;
        if (w->batch[nxt].n) {
            start_job(w, nxt, false);
            busy = true;
        }
        merge_slot(w, cur);
        cur = nxt;
    }
    start_job(w, cur, true);
    wait_job(w);
    merge_slot(w, cur);
    return r < 0 ? -1 : 0;
}

/* ---- life cycle ---- */

TwWorkers *tw_workers_new(const TwWorkersConfig *cfg)
{
    TwWorkers *w = g_new0(TwWorkers, 1);
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
        sh->out[0] = g_array_new(FALSE, FALSE, sizeof(Keyed));
        sh->out[1] = g_array_new(FALSE, FALSE, sizeof(Keyed));
        sh->deadline = G_MAXINT64;
        w->soonest[s] = G_MAXINT64;
    }
    w->capture_emitted = g_hash_table_new(g_direct_hash, g_direct_equal);
    w->kind_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_mutex_init(&w->lock);
    g_cond_init(&w->go);
    g_cond_init(&w->finished);
    if (w->nworkers > 1) {
        w->worker = g_new0(Worker, w->nworkers);
        for (guint i = 0; i < w->nworkers; i++) {
            w->worker[i].w = w;
            w->worker[i].index = i;
            g_autofree char *name = g_strdup_printf("tw-worker-%u", i);
            w->worker[i].thread = g_thread_new(name, worker_main, &w->worker[i]);
        }
    }
    return w;
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
        g_mutex_lock(&w->lock);
        w->quit = true;
        g_cond_broadcast(&w->go);
        g_mutex_unlock(&w->lock);
        for (guint i = 0; i < w->nworkers; i++)
            g_thread_join(w->worker[i].thread);
        g_free(w->worker);
    }
    for (guint s = 0; s < TW_WORKER_SHARDS; s++) {
        Shard *sh = &w->shard[s];
        tw_framer_pool_use(&sh->pool);
        tw_pipeline_free(sh->pl);
        for (int i = 0; i < 2; i++) {
            for (guint j = 0; j < sh->out[i]->len; j++)
                tw_event_free(g_array_index(sh->out[i], Keyed, j).ev);
            g_array_unref(sh->out[i]);
        }
    }
    tw_framer_pool_use(NULL);
    for (int i = 0; i < 2; i++) {
        g_free(w->batch[i].frames);
        g_free(w->batch[i].shard_of);
        g_free(w->batch[i].offset);
        g_free(w->batch[i].arena);
    }
    g_hash_table_unref(w->capture_emitted);
    g_hash_table_unref(w->kind_seen);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->go);
    g_cond_clear(&w->finished);
    g_free(w);
}
