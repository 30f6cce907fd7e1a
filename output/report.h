/* report.h — the verdict report, as text (-T report) and JSON (-T json). */
#pragma once

#include "analysis/analysis.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

typedef enum { TW_REPORT_TEXT, TW_REPORT_JSON } TwReportFormat;
/* Writes the whole report; returns the exit status it asks for (0 none
 * broken, 1 at least one broken). */
int tw_report_write(TwAnalysis *a, TwReportFormat fmt, bool color, FILE *out);

/* A JSON member holding a capture time (docs/report.md: UTC, microseconds), or null for 0. */
void tw_report_json_time(JsonBuilder *b, const char *name, gint64 us);
/* Live mode: the human line for a finding just established (time of its
 * latest evidence, state, account, rule, summary, frame), newline included. */
void tw_report_finding_line(const TwMachine *m, const TwFinding *f, bool color, GString *out);
