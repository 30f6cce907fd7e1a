/* pipeline.h — frame → link → IP (defrag) → TCP reassembly / UDP → flow
 * table → application parser → events.  One pipeline per run. */
#pragma once

#include "frame.h"
#include "dissectors/dissect.h"
#include "core/event.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct TwPipeline TwPipeline;

typedef struct {
    TwEmitFn emit; /* receives every event (transfer full) */
    void *emit_user;
    bool want_tree; /* build the teaching view */
    bool quiet;     /* no messages on stderr (fuzzing, tests) */
    struct TwKeyStore *keys; /* keys/keystore.h (-K, --password, --nthash), or NULL */
    bool show_keys;          /* --show-keys */
} TwPipelineConfig;

/* Dispatches to tw_app_parsers (dissectors/registry.c).
 * Returns: (transfer full): free with tw_pipeline_free(). */
TwPipeline *tw_pipeline_new(const TwPipelineConfig *cfg);
/* Same with another NULL-terminated parser table (tests, fuzzers); the
 * table must outlive the pipeline (transfer none of parsers).
 * Returns: (transfer full): free with tw_pipeline_free(). */
TwPipeline *tw_pipeline_new_with_parsers(const TwPipelineConfig *cfg,
                                         const TwAppParser *const *parsers);
void tw_pipeline_frame(TwPipeline *pl, const TwFrame *frame);
/* End of input: flushes reassembly (pending data becomes gaps) and closes flows. */
void tw_pipeline_finish(TwPipeline *pl);
/* Counters (frames, bytes, unsupported link types, caps hit, anomalies…). */
void tw_pipeline_print_stats(TwPipeline *pl, FILE *out);
/* Returns: (transfer none): name -> guint64*, owned by pl. */
GHashTable *tw_pipeline_counters(TwPipeline *pl);
/* Tests: memory budgets lower than TW_FLOW_STATE_BUDGET_BYTES and
 * TW_TCP_OOO_BUDGET_BYTES (core/tw-limits.h). */
void tw_pipeline_set_budgets(TwPipeline *pl, guint64 flow_state_bytes, guint64 tcp_ooo_bytes);
void tw_pipeline_free(TwPipeline *pl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwPipeline, tw_pipeline_free)
