/* sink.h — the outputs: where events and verdicts go.
 *
 * The run is one pass of stages, built by cli/:
 *   source → capture → dissectors → events → [analysis] → outputs
 * Every output mode is a sink with the same entry points: it receives each
 * event as it is produced and, at the end, the analysis result.  A sink
 * never runs the analysis itself and never chooses what runs: it says
 * whether it shows verdicts (`needs_analysis`) and the command line decides
 * (cli/stages.c).  Several sinks run in the same pass (-T plus --write).
 */
#pragma once

#include "analysis/analysis.h"
#include "core/event.h"

#include <stdio.h>

/* A destination stream whose every write is checked: the first error is
 * kept (errno) and reported once at the end, so lost output is never a
 * silent success (exit status 2). */
typedef struct {
    FILE *f;
    char *name;  /* "stdout" or the file's path, for messages */
    bool owned;  /* a --write file: closed at the end */
    int err;     /* errno of the first failed write, 0 when none */
} TwOut;

/* Returns: (transfer full): free with tw_out_free() (stdout is not closed). */
TwOut *tw_out_new_stdout(void);
/* Opens `path` for writing (truncates); NULL + GError when it cannot.
 * Returns: (transfer full) (nullable): free with tw_out_free(), which closes
 * the file unless tw_out_finish() did. */
TwOut *tw_out_open(const char *path, GError **err);
/* As tw_out_open, appending (a live sensor's alerts survive its restarts). */
TwOut *tw_out_open_append(const char *path, GError **err);
void tw_out_write(TwOut *o, const char *buf, gsize len);
/* Writes out what is buffered now (a live finding is news). */
void tw_out_flush(TwOut *o);
/* Records a failure of writes made directly on o->f (errno at the time). */
void tw_out_check(TwOut *o);
/* Flushes, and closes a file; returns 0 or the errno of the first failed
 * write (then o->err says it). */
int tw_out_finish(TwOut *o);
/* Closes a file not yet finished (an owned one), frees o; NULL is a no-op. */
void tw_out_free(TwOut *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwOut, tw_out_free)

typedef struct TwSink TwSink;
struct TwSink {
    const char *mode; /* "report" "json" "events" "summary" "tree" "html" "ladder" */
    /* Shows verdicts: its end() needs the analysis of every event. */
    bool needs_analysis;
    /* Wants the teaching view (TwEvent.tree) built by the dissectors. */
    bool needs_tree;
    /* Receives every event in order (transfer none: the caller frees it);
     * NULL for outputs that only show the verdicts. */
    void (*event)(TwSink *sink, const TwEvent *ev);
    /* End of input: `an` is the analysis of every event (non-NULL when
     * needs_analysis).  Returns the exit status the output asks for (0, or 1
     * when a report found a broken machine).  Does not close `out`. */
    int (*end)(TwSink *sink, TwAnalysis *an);
    void (*free)(TwSink *sink);
    TwOut *out;  /* borrowed */
    bool color;  /* the output is a terminal and colour was not refused */
    /* The --from-events input (sensor) of the event being handed to
     * event(), NULL for this run's capture; set by cli/stages.c. */
    const char *source;
};

/* The sink for a mode name, or NULL when the name is not a mode.  `out` is
 * borrowed (transfer none) and must outlive the sink.
 * Returns: (transfer full) (nullable): free with tw_sink_free(). */
TwSink *tw_sink_new(const char *mode, TwOut *out);
#define TW_SINK_MODES "report, json, events, summary, tree, html, ladder, ecs"
bool tw_sink_mode_known(const char *mode);
/* Frees a sink through its `free` vfunc (not its borrowed `out`); NULL is a no-op. */
void tw_sink_free(TwSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSink, tw_sink_free)

/* The tw_sink_*_new constructors: `out` borrowed (transfer none).
 * Returns: (transfer full): free with tw_sink_free(). */
TwSink *tw_sink_events_new(TwOut *out);  /* -T events: NDJSON, docs/events.md */
TwSink *tw_sink_summary_new(TwOut *out); /* one line per message */
TwSink *tw_sink_tree_new(TwOut *out);    /* -T tree: the teaching view (tree-sink.c) */
/* --frame N: the frames the tree view shows (n == 0: every frame); the
 * relations and narratives still see every event.  Process-wide, set once
 * by cli/ before the sinks run; frames is copied. */
void tw_tree_frames_set(const guint64 *frames, gsize n);
TwSink *tw_sink_ecs_new(TwOut *out);     /* -T ecs: ECS documents (output/ecs.c, docs/ecs.md) */
/* Whether --frame selected frames (then -T ladder draws only the exchanges
 * holding one of them), and whether `frame` is one of them. */
bool tw_frames_selected(void);
bool tw_frame_selected(guint64 frame);
/* -T report (text) and -T json: the report, written at the end
 * (output/report.c) from the analysis result. */
TwSink *tw_sink_report_new(TwOut *out, bool json);

/* One-line text form of an event, shared by the summary and tree headers. */
void tw_event_summary_line(const TwEvent *ev, GString *out);
/* -t: how the one-line summary shows time stamps (events and the report
 * stay RFC 3339 UTC, which machines read).  Process-wide, set once by cli/. */
typedef enum {
    TW_TEXT_TIME_UTC,   /* 2024-01-02T03:04:05.123456Z (default) */
    TW_TEXT_TIME_LOCAL, /* 2024-01-02T04:04:05.123456+01:00, the TZ of the run */
    TW_TEXT_TIME_EPOCH, /* 1704164645.123456 */
} TwTextTime;
void tw_text_time_set(TwTextTime t);
/* Formats per tw_text_time_set into out (NUL-terminated). */
void tw_text_format_time(gint64 ts_us, char out[48]);
/* Whether colour should be used on `f`: a terminal, and NO_COLOR unset. */
bool tw_want_color(FILE *f);

/* Live findings (output/alerts.c), as analysis establishes them
 * (tw_analysis_established).  --alerts: one JSON object per line. */
void tw_alert_json(const TwMachine *m, const TwFinding *f, GString *out);
/* A stable id for a finding: the same machine, rule and state give the
 * same id in every run and on every sensor (16 hex digits of a SHA-256).
 * Returns: (transfer full): free with g_free(). */
char *tw_finding_id(const TwMachine *m, const TwFinding *f);

/* Elastic Common Schema 9.4 (output/ecs.c, docs/ecs.md).  observer.name is
 * the --from-events input an event came from, else this name (--sensor-name,
 * default the host name), set once by cli/ (transfer none: copied). */
void tw_ecs_set_observer(const char *name);
/* One ECS document per event, one line + "\n"; `source` as TwSink.source. */
void tw_ecs_event_json(const TwEvent *ev, const char *source, GString *out);
/* What a live sensor adds to a finding (cli/stages.c), or NULL. */
typedef struct {
    const char *observer;   /* NULL: the tw_ecs_set_observer name */
    bool live;              /* capture_drops_before / may_have_missed_packets */
    guint64 drops;
    const char *ring_file[2]; /* -w: first and establishing frames' ring files, or NULL */
    guint64 ring_frame[2];
} TwEcsAlertExtra;
/* One ECS alert (state >= recovered) or state document per finding. */
void tw_ecs_alert_json(const TwMachine *m, const TwFinding *f, const TwEcsAlertExtra *x, GString *out);
/* The live sensor's other records in an ECS alerts stream (cli/live.c,
 * docs/sensor.md): a capture interval (event.kind metric) and a machine
 * retired (event.kind state). */
typedef struct {
    const char *iface, *why;
    gint64 time_us;
    double interval_s;
    guint64 received, kernel_drops, if_drops;
    guint64 interval_received, interval_kernel_drops, interval_if_drops;
} TwEcsCapture;
void tw_ecs_capture_json(const TwEcsCapture *c, GString *out);
void tw_ecs_retired_json(const TwMachine *m, TwState state, const TwFinding *f, GString *out);
