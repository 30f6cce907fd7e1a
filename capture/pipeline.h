/* pipeline.h — frame → link → IP (defrag) → TCP reassembly / UDP → flow
 * table → application parser → events.  One pipeline per run. */
#pragma once

#include "frame.h"
#include "ip.h"
#include "link.h"
#include "dissectors/dissect.h"
#include "core/event.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct TwPipeline TwPipeline;

/* Which frames fed a dissector (-w DIR keeps only those, capture/ring.h).
 * Both are called during tw_pipeline_frame, before the frame's bytes reach
 * the parser (so before the events they make).  A frame is used when its
 * payload went to a parser's flow: a UDP datagram, a TCP segment with data
 * or SYN/FIN/RST (pure ACKs are not), and every IP fragment of a datagram
 * that did.  A fragment is first `held` (the pipeline keeps its bytes for
 * reassembly; whether it will be used is not known yet); when its datagram
 * completes and is used, `used` names each fragment by number, in arrival
 * order, then the frame being processed (no == frame->no). */
typedef struct {
    void (*held)(void *user, const TwFrame *frame);
    void (*used)(void *user, const TwFrame *frame, guint64 no);
    void *user;
} TwFrameHooks;

typedef struct {
    TwEmitFn emit; /* receives every event (transfer full) */
    void *emit_user;
    bool want_tree; /* build the teaching view */
    guint tree_layers; /* with want_tree: lower layers in it (dissectors/lower/lower-tree.h), 0: none */
    bool quiet;     /* no messages on stderr (fuzzing, tests) */
    /* 0 or 1: the whole program's caps.  S > 1: this pipeline is one of S
     * shards of a --workers run (capture/workers.h): the tables and budgets
     * shared by all flows (flows, fragments, expected endpoints, TCP
     * out-of-order bytes, flow state) hold 1/S of their cap each. */
    guint shares;
    struct TwKeyStore *keys; /* keys/keystore.h (-K, --password, --nthash), or NULL */
    bool show_keys;          /* --show-keys */
    const TwFrameHooks *frame_hooks; /* (transfer none) or NULL */
} TwPipelineConfig;

/* Where the event being emitted stands in the order a single pipeline
 * would emit it (capture/workers.c merges shards by it): while a frame is
 * processed (TW_ORDER_FRAME), while idle flows expire after a frame
 * (TW_ORDER_EXPIRE: LRU list `queue`, flow last touched at input position
 * `touch`), or at the end of input (TW_ORDER_FINISH, same sub-keys). */
typedef enum { TW_ORDER_FRAME, TW_ORDER_EXPIRE, TW_ORDER_FINISH } TwOrderPhase;
typedef struct {
    TwOrderPhase phase;
    guint8 queue;
    guint64 touch;
} TwEmitOrder;

/* Dispatches to tw_app_parsers (dissectors/registry.c).
 * Returns: (transfer full): free with tw_pipeline_free(). */
TwPipeline *tw_pipeline_new(const TwPipelineConfig *cfg);
/* Same with another NULL-terminated parser table (tests, fuzzers); the
 * table must outlive the pipeline (transfer none of parsers).
 * Returns: (transfer full): free with tw_pipeline_free(). */
TwPipeline *tw_pipeline_new_with_parsers(const TwPipelineConfig *cfg,
                                         const TwAppParser *const *parsers);
/* Processes one frame, enforces the flow-state budget, then tw_pipeline_tick(). */
void tw_pipeline_frame(TwPipeline *pl, const TwFrame *frame);

/* A frame's link and IP headers, decoded once for a caller that reads them
 * before the pipeline does (capture/workers.c routes frames by address).
 * lr is valid when link is TW_LINK_OK, ip when ip_status is TW_IP_OK too;
 * their pointers point into the frame's data. */
typedef struct {
    TwLinkStatus link;
    TwIpStatus ip_status;
    TwLinkResult lr;
    TwIpPacket ip;
} TwFrameHeaders;
/* Returns whether both decoded (link TW_LINK_OK, ip_status TW_IP_OK), so
 * that a caller need not read the two back at once (one load over two
 * stores, which waits for them to reach the cache: capture/ip.c). */
bool tw_frame_headers(const TwFrame *frame, TwFrameHeaders *h);
/* tw_pipeline_frame with the frame's headers already decoded (h from
 * tw_frame_headers of this frame, with its data where it is now). */
void tw_pipeline_frame_decoded(TwPipeline *pl, const TwFrame *frame, const TwFrameHeaders *h);
/* Time passes to `frame` (processed by this pipeline or by another shard):
 * idle flows and stale fragments at its capture time. */
void tw_pipeline_tick(TwPipeline *pl, const TwFrame *frame);
/* tw_pipeline_tick(frame) does nothing while frame->ts_us <= this. */
gint64 tw_pipeline_next_deadline(const TwPipeline *pl);
/* Returns: (transfer none): valid during an emit callback. */
const TwEmitOrder *tw_pipeline_emit_order(const TwPipeline *pl);
/* End of input: flushes reassembly (pending data becomes gaps) and closes flows. */
void tw_pipeline_finish(TwPipeline *pl);
/* Counters (frames, bytes, unsupported link types, caps hit, anomalies…). */
void tw_pipeline_print_stats(TwPipeline *pl, FILE *out);
/* Counters (name -> guint64*) that are not 0, sorted by name, "name  value"
 * a line (-S, --stats): the pipeline's, the workers' and the fan-out's sums. */
void tw_counters_print(GHashTable *counters, FILE *out);
/* Returns: (transfer none): name -> guint64*, owned by pl. */
GHashTable *tw_pipeline_counters(TwPipeline *pl);
/* Tests: memory budgets lower than TW_FLOW_STATE_BUDGET_BYTES and
 * TW_TCP_OOO_BUDGET_BYTES (core/tw-limits.h). */
void tw_pipeline_set_budgets(TwPipeline *pl, guint64 flow_state_bytes, guint64 tcp_ooo_bytes);
void tw_pipeline_free(TwPipeline *pl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwPipeline, tw_pipeline_free)
