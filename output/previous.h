/* previous.h: --previous REPORT.json read, and what the reports say about it
 * (output/previous.c; the comparison is analysis/previous.c). */
#pragma once

#include "analysis/previous.h"

#include <json-glib/json-glib.h>

/* Reads a report written by `trustwire -T json` (docs/report.md): its capture
 * times, every domain controller and the members with a clock.  NULL and
 * *err set ("not JSON", "not a trustwire report", a member of the wrong type)
 * for anything else; a file over TW_PREV_MAX_BYTES is refused.
 * Returns: (transfer full) (nullable): free with tw_prev_report_free(). */
TwPrevReport *tw_previous_load(const char *path, GError **err);

/* docs/report.md: a host's "clock_vs_capture" {first_s, last_s, steps} or null. */
void tw_previous_json_clock(JsonBuilder *b, const TwMachine *m);
/* docs/report.md: a DC's "previous_clock" (only with --previous and a report listing it). */
void tw_previous_json_dc(JsonBuilder *b, const TwAnalysis *a, const TwMachine *dc);
/* docs/report.md: the top-level "previous" array. */
void tw_previous_json(JsonBuilder *b, const TwAnalysis *a);
/* The text report's "Previous captures" lines (nothing without --previous). */
void tw_previous_text(GString *out, const TwAnalysis *a);
