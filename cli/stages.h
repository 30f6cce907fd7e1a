/* stages.h — one pass: source → capture → dissectors → events → analysis →
 * outputs.  The command line (main.c) builds the stage list: which outputs
 * (-T on stdout, each --write FILE), whether the analysis stage runs (only
 * when an output shows verdicts, or findings are announced or alerted:
 * -T events alone stays as fast as the dissectors), and where live findings
 * go.  Every event goes through analysis first, then to every output in the
 * order given; at the end every output gets the analysis result. */
#pragma once

#include "analysis/analysis.h"
#include "capture/ring.h"
#include "output/sink.h"

typedef struct {
    GPtrArray *sinks;     /* TwSink* (owned), stdout's first */
    GPtrArray *outs;      /* TwOut* (owned), each stream once */
    TwAnalysis *analysis; /* NULL when nothing needs verdicts */
    TwOut *alerts;        /* --alerts: NDJSON findings (borrowed from outs), or NULL */
    bool alerts_ecs;      /* --alerts-format ecs: findings (--alerts, --publish) as ECS documents */
    FILE *announce;       /* live mode: human finding lines (stderr), or NULL */
    bool announce_color;
    GString *line;
    guint64 events;
    bool capture_live;      /* live capture: findings say whether packets were lost before them */
    guint64 capture_drops;  /* packets dropped so far (kernel + interface), cli/live.c */
    TwRing *ring;           /* -w DIR (borrowed): findings name the ring file and frame */
    /* --publish: each finding as it is established, its --alerts JSON line
     * (transfer none), or NULL. */
    void (*finding_out)(const char *line, gsize len, void *user);
    void *finding_out_user;
    /* -Y (borrowed, or NULL): which events reach the per-event outputs; the
     * analysis and --alerts see every event, as tshark's -Y filters display only. */
    const struct TwDfilter *display_filter;
    /* The workers ask display_filter on the lines they render
     * (tw_stages_line_wanted): a line of length 0 is an event it rejected. */
    bool filter_in_workers;
} TwStages;

void tw_stages_init(TwStages *st);
/* The stream for a path ("-" = stdout, shared); NULL + message on stderr.
 * Returns: (transfer none) (nullable): owned by st (freed by tw_stages_clear). */
TwOut *tw_stages_out(TwStages *st, const char *path);
/* As tw_stages_out, but a file is appended to, not truncated (live --alerts). */
TwOut *tw_stages_out_append(TwStages *st, const char *path);
/* Adds the output `mode` written to `out` (transfer none: borrowed, as from
 * tw_stages_out); false when mode is unknown.  The new sink is owned by st. */
bool tw_stages_add_output(TwStages *st, const char *mode, TwOut *out);
/* After the outputs are added: creates the analysis stage when an output
 * needs verdicts, or alerts or announcements are asked for. */
void tw_stages_plan(TwStages *st);
bool tw_stages_want_tree(const TwStages *st);

/* One event through analysis and every output (transfer none).  `source`
 * names the sensor/file of --from-events (NULL for this run's capture). */
void tw_stages_event(TwStages *st, const TwEvent *ev, const char *source);
/* The same, for this run's capture, with the event's -T events line
 * already rendered (tw_event_to_json and a newline, capture/workers.h
 * emit_line): the events outputs write it as it is. */
void tw_stages_event_line(TwStages *st, const TwEvent *ev, const char *line, gsize len);
/* The -Y filter of st (user) on ev, safe on several threads at once (it
 * only reads both): capture/workers.h line_wanted, so that a worker renders
 * only the lines -Y keeps.  Given it, tw_stages_event_line takes len 0 for
 * an event -Y rejected (still counted and analysed). */
bool tw_stages_line_wanted(const TwEvent *ev, void *user);
/* Every output is -T events and nothing else reads the events (no
 * analysis; -Y only through tw_stages_line_wanted): tw_stages_event_line
 * needs the line only (ev may be NULL). */
bool tw_stages_lines_only(const TwStages *st);
/* Some output is -T events (one line per event). */
bool tw_stages_has_events(const TwStages *st);
/* End of input: each output gets the analysis result (unless `analysed` is
 * false: nothing was read, and an empty report would read as "all is
 * well"); every stream is flushed and closed.  Returns the exit status:
 * the outputs' (0 or 1), or 2 when a write failed (one line on stderr per
 * stream: "trustwire: writing NAME: REASON"). */
int tw_stages_finish(TwStages *st, bool analysed);
void tw_stages_clear(TwStages *st);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwStages, tw_stages_clear)
