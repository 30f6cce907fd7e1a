/* sink.h — where events and verdicts go.  Every output mode is a sink with
 * the same three entry points, so the pipeline never knows how it is shown. */
#pragma once

#include "core/event.h"

#include <stdio.h>

typedef struct TwSink TwSink;
struct TwSink {
    /* Receives every event in order (transfer none: the caller frees it). */
    void (*event)(TwSink *sink, const TwEvent *ev);
    /* End of input.  Returns the process exit status the sink asks for
     * (0, or 1 when a report found a broken machine). */
    int (*end)(TwSink *sink);
    void (*free)(TwSink *sink);
    FILE *out;
    bool color; /* the output is a terminal and colour was not refused */
};

TwSink *tw_sink_events_new(FILE *out);  /* -T events: NDJSON, docs/events.md */
TwSink *tw_sink_summary_new(FILE *out); /* one line per message */
TwSink *tw_sink_tree_new(FILE *out);    /* -T tree: the teaching view */

/* One-line text form of an event, shared by the summary and tree headers. */
void tw_event_summary_line(const TwEvent *ev, GString *out);

/* -T report (text) and -T json: feeds the verdict engine, writes the report
 * at the end (output/report.c).  `live`: also prints each finding on
 * `announce` (a line, the moment it is established). */
TwSink *tw_sink_report_new(FILE *out, bool json, bool live, FILE *announce);
/* The sensor/file the next events come from (--from-events); NULL = this run. */
void tw_sink_report_set_source(TwSink *sink, const char *source);
/* Whether colour should be used on `f`: a terminal, and NO_COLOR unset. */
bool tw_want_color(FILE *f);
