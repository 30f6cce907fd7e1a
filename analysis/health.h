/* health.h — capture health: what the evidence could not show.
 *
 * A report is only as good as its capture.  This model collects what the
 * inputs lost — frames cut by the snaplen, kernel/interface drops, TCP gaps
 * in the flows that carry Kerberos/NETLOGON, a file that ends mid-record,
 * frames whose time stamps cannot be right, names the capture cut, events
 * --from-events refused, or no relevant message at all — and says whether
 * the verdicts can be trusted (docs/report.md "Capture health").
 *
 * Counters in (from cli/ per source, from analysis per event, from the
 * pipeline's counters at the end; a sensor feeds live drop counts per
 * interval with tw_health_drops), issues out (tw_health_assess): each with
 * a stable code, a level and a sentence.  Nothing here reads packet bytes.
 */
#pragma once

#include "core/event.h"

#include <glib.h>
#include <stdbool.h>

/* How bad one issue is, by increasing severity. */
typedef enum {
    TW_HEALTH_OK = 0,
    TW_HEALTH_NOTE,    /* worth knowing; the verdicts stand */
    TW_HEALTH_LOST,    /* evidence was lost: "healthy"/"unknown" become "cannot tell" */
    TW_HEALTH_NOTHING, /* nothing relevant could be read: no verdict at all */
} TwHealthLevel;

/* "ok" "note" "lost" "nothing" (transfer none: static). */
const char *tw_health_level_name(TwHealthLevel l);

/* One input: a capture file, a live interface or an events file. */
typedef struct {
    char *name;          /* path as given ("-" for stdin), or the interface name */
    const char *kind;    /* "file" | "live" | "events" (static) */
    guint64 first_frame; /* global number of its first frame (frames run on across files) */
    guint64 frames;      /* frames read from it (that passed the capture filter) */
    guint64 span;        /* highest in-file frame number seen (frames skipped by a filter count) */
    guint32 snaplen;     /* the snapshot length that cut frames: the largest length captured of a
                          * cut frame; 0 when none was cut */
    guint64 frames_cut;  /* frames with fewer bytes captured than were on the wire */
    guint64 frames_unset_clock; /* time stamps before 2000-01-01: a clock never set */
    guint64 frames_backwards;   /* time stamps more than 1 s before the latest one */
    gint64 first_ts, last_ts;
    bool has_drops;      /* drop counters are known (live capture, or given) */
    guint64 received, dropped, if_dropped; /* pcap_stats(3PCAP): ps_recv, ps_drop, ps_ifdrop */
    char *ended_early;   /* why the input stopped before its end (a cut last record), or NULL */
    guint64 events;      /* events read (--from-events) */
    guint64 refused;     /* lines --from-events could not read as events */
} TwHealthSource;

typedef struct {
    const char *code;    /* stable: "snaplen", "drops", "tcp-gaps", "ended-early", "clock-unset",
                          * "time-backwards", "capture-clock-far", "no-relevant", "events-refused",
                          * "names-cut" (docs/report.md) */
    TwHealthLevel level;
    char *text;          /* one plain sentence */
} TwHealthIssue;

typedef struct TwHealth TwHealth;

/* Returns: (transfer full): free with tw_health_free(). */
TwHealth *tw_health_new(void);
void tw_health_free(TwHealth *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwHealth, tw_health_free)

/* The record of input `name` (created when new; `kind` static).
 * Returns: (transfer none): owned by h. */
TwHealthSource *tw_health_source(TwHealth *h, const char *name, const char *kind);
/* All inputs in the order they were added.  Returns: (transfer none). */
const GPtrArray *tw_health_sources(const TwHealth *h);

/* One frame of `s`: its global number, time stamp and lengths. */
/* One frame of `s` that was read (passed the capture filter): its global
 * number, its number in its file (frames a filter skipped count too), time
 * stamp and lengths. */
void tw_health_frame(TwHealth *h, TwHealthSource *s, guint64 global_no, guint64 file_no, gint64 ts_us,
                     guint32 caplen, guint32 origlen);
/* Drop counters of `s` as pcap_stats(3PCAP) gives them: totals since the
 * start (a sensor calls it each interval; the latest totals win). */
void tw_health_drops(TwHealth *h, TwHealthSource *s, guint64 received, guint64 dropped, guint64 if_dropped);
/* The input stopped early (a file cut mid-record): `why` is copied. */
void tw_health_ended_early(TwHealth *h, TwHealthSource *s, const char *why);
/* One event as analysis receives it: relevant messages, cut ones, cut names. */
void tw_health_event(TwHealth *h, const TwEvent *ev);
/* The pipeline's counters at the end (name → guint64*): TCP gaps in the
 * flows that carry Kerberos, DCE/RPC (NETLOGON) and SMB2. */
void tw_health_counters(TwHealth *h, GHashTable *counters);
/* The capture host's clock against the DCs' (DC minus capture host, s). */
void tw_health_dc_offset(TwHealth *h, double offset_s);

/* Where global frame `no` is: the file holding it and its number there
 * (what Wireshark shows for that file).  NULL when no file input knows it
 * (then *in_file = no).  Returns: (transfer none) (nullable). */
const char *tw_health_locate(const TwHealth *h, guint64 no, guint64 *in_file);

/* The issues found, worst first.  Returns: (transfer full): TwHealthIssue*,
 * the array frees them; free with g_ptr_array_unref(). */
GPtrArray *tw_health_assess(const TwHealth *h);
/* Worst level among issues (TW_HEALTH_OK when none). */
TwHealthLevel tw_health_worst(const GPtrArray *issues);

/* The counts tw_health_event() keeps (tests, the JSON report). */
typedef struct {
    guint64 events, relevant, relevant_cut, names_cut, tcp_gaps;
    bool has_dc_offset;
    double dc_offset_s;
} TwHealthTotals;
TwHealthTotals tw_health_totals(const TwHealth *h);
