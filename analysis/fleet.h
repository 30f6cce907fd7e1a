/* fleet.h — causes that span machines: one DC lags (dc-replication) and a
 * password change whose answer never came (interrupted-rotation), plus the
 * per-DC view (who each DC accepted and refused).  docs/detections.md.
 *
 * Fleet rules read typed facts of every machine record: the DC that
 * answered a message is the evidence's sender (the source of a response,
 * the destination of a request), never a port or a display string.
 */
#pragma once

#include "analysis.h"

/* How many machines a DC must refuse (while other DCs accept them) before
 * the DC, not the machines, is the likely culprit (old backup, USN
 * rollback).  One refusal after a change made on another DC is enough for
 * the replication pattern: the change itself is the proof. */
#define TW_FLEET_STALE_DC_MIN_MACHINES 2

/* One domain controller as the members saw it. */
typedef struct {
    const TwMachine *dc;
    GPtrArray *accepted;   /* const TwMachine*: members whose key it accepted (AS-REP, NETLOGON) */
    GPtrArray *refused;    /* const TwMachine*: members whose key it refused */
    GPtrArray *lagging;    /* const TwMachine*: refused after a change another DC accepted */
    GPtrArray *only_here;  /* const TwMachine*: refused only here while other DCs accept them
                            * (non-empty only when the stale-DC pattern holds) */
    const TwMachine *changed_on; /* the DC that accepted the first lagging change (NULL when none) */
    guint64 refusals;      /* key refusals it sent */
    /* Members it refused with KRB_AP_ERR_SKEW (a clock, not a key: kept apart
     * from `refused`, which the replication rules read) and how many such
     * errors it sent. */
    GPtrArray *refused_skew; /* const TwMachine* */
    guint64 skew_refusals;
} TwDcView;

/* The per-DC views of a, one per DC record, in creation order.
 * Returns: (transfer none): cached in a, valid until more events are fed. */
const GPtrArray *tw_fleet_dcs(const TwAnalysis *a);
/* The view of the DC whose replication explains m's failures, or NULL. */
const TwDcView *tw_fleet_explaining_dc(const TwAnalysis *a, const TwMachine *m);
/* Frees the cache (engine.c calls it from tw_analysis_free); NULL is a no-op. */
void tw_fleet_cache_free(void *cache);

/* Rules (tw_rules[] in rules.c). */
void tw_fleet_rule_replication(const TwAnalysis *a, const TwMachine *m, GPtrArray *out);
void tw_fleet_rule_interrupted(const TwAnalysis *a, const TwMachine *m, GPtrArray *out);
