/* workers.h — capture files dissected on several threads (--workers N),
 * with the events merged back into exactly the order one pipeline emits.
 *
 * The input is split into TW_WORKER_SHARDS shards, a number that does not
 * depend on N: a frame goes to the shard of its unordered IP address pair
 * (both directions of every flow, the fragments of a datagram, and the
 * endpoint-mapper exchange with the connection it announces all meet in
 * one shard).  Each shard is a whole pipeline holding 1/TW_WORKER_SHARDS of
 * every table and budget shared by flows, and sees the capture time of
 * every frame (tw_pipeline_tick), so flows expire at the same frame
 * whichever shard holds them.  With N > 1, N - 1 threads and the calling
 * thread dissect: a task is one shard and its next batch of frames (a
 * shard's batches in order, the oldest batch first), and each shard
 * belongs to one thread, which alone takes its tasks, so that its tables
 * stay in one core's cache; every 16 batches the thread that waited
 * longest is given one shard of the thread that waited least, when that
 * shortens the run.  The calling thread reads the batches (up to 4 in
 * flight), merges each finished one by (input position, phase, LRU list,
 * last touch) — the order a single pipeline would have emitted them in —
 * applies the per-kind anomaly event limit again over the merged stream,
 * and dissects its own shards when it has nothing else to do.  The output
 * is therefore the same for every N, byte for byte (tests/workers). */
#pragma once

#include "pipeline.h"
#include "source.h"
#include "core/event.h"
#include "core/tw-limits.h"

#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TwWorkers TwWorkers;

typedef struct {
    guint workers;  /* threads; 1 runs every shard on the calling thread */
    TwEmitFn emit;  /* every event, merged, on the calling thread (transfer none:
                     * freed later by the worker that made it) */
    void *emit_user;
    /* Several workers: instead of emit, each event with its -T events line
     * (tw_event_to_json and a newline; transfer none, valid during the
     * call), rendered by the worker that made the event while it is in
     * that core's cache, not by the merging thread (NULL: emit). */
    void (*emit_line)(TwEvent *ev, const char *line, gsize len, void *user);
    /* With emit_line: the line is all the consumer reads, so each event is
     * freed once rendered, and emit_line gets NULL for it. */
    bool lines_only;
    /* With emit_line: the display filter (-Y), asked by the worker that made
     * the event; an event it rejects gets no line, and emit_line is called
     * with len 0 (NULL: every event is rendered).  Must be safe to call from
     * several threads at once (it only reads the filter and the event). */
    bool (*line_wanted)(const TwEvent *ev, void *user);
    void *line_wanted_user;
    bool want_tree;
    guint tree_layers; /* TwPipelineConfig.tree_layers */
    bool quiet;
    struct TwKeyStore *keys; /* keys/keystore.h, shared by every shard, or NULL */
    bool show_keys;
    /* Each frame as it is read, on the calling thread, before its events
     * (capture health, file starts; may be NULL; frame transfer none). */
    void (*on_frame)(const TwFrame *frame, TwSource *src, void *user);
    void *frame_user;
} TwWorkersConfig;

/* The shard of a frame (< TW_WORKER_SHARDS): a hash of its unordered IP
 * address pair (FNV-1a over the version, the lower then the higher address,
 * folded); 0 for a frame that is not IP.  It decides which flows share a
 * shard's caps, so it stays the same from release to release. */
guint tw_workers_shard_of(const TwFrameHeaders *h);

/* The number of processors available (at most TW_WORKER_SHARDS). */
guint tw_workers_processors(void);
/* The default --workers for files: one per processor (tw_workers_processors).
 * The calling thread dissects too, reading, dissection and merging overlap
 * (a ring of batches), and workers render the -T events lines: on the 2-CPU
 * bench machine two workers halve the wall time of -T events and cut the
 * report's by a quarter (bench/README.md); the output is the same for every
 * N.  --workers 1 keeps to one thread. */
guint tw_workers_default(void);

/* Returns: (transfer full): free with tw_workers_free(). */
TwWorkers *tw_workers_new(const TwWorkersConfig *cfg);
/* Reads src to its end (or `*stop`, may be NULL), dissects, merges, then
 * finishes every shard (pending reassembly becomes gaps).  Returns 0, or
 * -1 with *err set when the source failed (every frame before the error
 * is processed). */
int tw_workers_run(TwWorkers *w, TwSource *src, volatile sig_atomic_t *stop, GError **err);
/* With several workers: how many shards thread `thread` dissects now (the
 * calling thread is workers - 1; each shard has one thread, which rebalance
 * in workers.c changes as the threads' waits tell); with one, all of them
 * for thread 0. */
guint tw_workers_shards_owned(const TwWorkers *w, guint thread);
/* The counters of all shards added up, sorted by name, zero omitted (-S). */
void tw_workers_print_stats(TwWorkers *w, FILE *out);
/* The same sums (name -> guint64*; keys borrowed from the shards, valid
 * while w lives).  Returns: (transfer full): g_hash_table_unref(). */
GHashTable *tw_workers_counters(TwWorkers *w);
void tw_workers_free(TwWorkers *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwWorkers, tw_workers_free)
