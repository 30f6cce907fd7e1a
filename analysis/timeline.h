/* timeline.h — what a picture of one machine needs from the analysis:
 * its facts as points on swim lanes (Kerberos, NETLOGON, NTLM/SMB, password
 * changes, kvno), each a success, a failure or a plain event, and the
 * exact time histogram of a burst (Zerologon attempts).  Typed accessors
 * over the facts analysis already holds; nothing here reads an event or a
 * display string. */
#pragma once

#include "analysis/analysis.h"

typedef enum {
    TW_LANE_KERBEROS = 0,
    TW_LANE_NETLOGON,
    TW_LANE_NTLM_SMB,
    TW_LANE_PASSWORD,
    TW_LANE_KVNO,
    TW_LANE_COUNT,
    TW_LANE_NONE = TW_LANE_COUNT, /* a fact no lane shows (a mere mention, a clock sample) */
} TwLane;

typedef enum {
    TW_MARK_EVENT = 0, /* happened; neither success nor failure (a request, a kvno seen) */
    TW_MARK_OK,        /* the domain accepted the machine (or its change) */
    TW_MARK_FAIL,      /* refused, or an attack aimed at it */
} TwMark;

/* "Kerberos" "NETLOGON" "NTLM/SMB" "Password changes" "kvno" (transfer none: static). */
const char *tw_lane_name(TwLane l);
/* The lane and mark of a fact kind: TW_LANE_NONE for facts no lane shows. */
TwLane tw_fact_lane(TwFactKind k, TwMark *mark);

/* One message on a lane: the evidence analysis kept for a fact. */
typedef struct {
    gint64 ts_us;
    TwLane lane;
    TwMark mark;
    TwFactKind kind;
    const TwEvidence *ev; /* borrowed from the machine's facts */
} TwTimelinePoint;

/* Every kept evidence of m's lane facts, by time then frame.  *dropped (may
 * be NULL) gets, per lane, how many messages of those facts analysis
 * counted but did not keep (the middle of a long run).
 * Returns: (transfer full): TwTimelinePoint, borrowed from m (valid while m
 * is unchanged); free with g_array_unref(). */
GArray *tw_machine_timeline(const TwMachine *m, guint64 dropped[TW_LANE_COUNT]);

/* An exact histogram of events in time with a bounded number of bins: bins
 * start TW_BURST_BIN0_US wide and double (merging neighbours) whenever an
 * event falls beyond the last one, so any span fits TW_BURST_BINS bins. */
#define TW_BURST_BINS   64
#define TW_BURST_BIN0_US 10000 /* 10 ms */
typedef struct TwBurst {
    gint64 t0_us;              /* start of bin 0: the first event */
    gint64 bin_us;             /* width of every bin */
    guint64 total;
    guint64 late;              /* events before t0 (out of order): counted in total, not binned */
    guint32 bins[TW_BURST_BINS];
} TwBurst;

/* Counts one event at ts into *b (allocated on first use). */
void tw_burst_add(TwBurst **b, gint64 ts_us);
/* Index of the last non-empty bin + 1 (0 when empty). */
guint tw_burst_used(const TwBurst *b);
