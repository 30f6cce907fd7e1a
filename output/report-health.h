/* report-health.h — capture health and Wireshark locations in the report
 * (output/report-health.c; docs/report.md "Capture health", "Evidence"). */
#pragma once

#include "analysis/analysis.h"

#include <json-glib/json-glib.h>

/* The health issues of the analysed input, worst first (the DC clock is
 * handed to the health model first).  Returns: (transfer full). */
GPtrArray *tw_report_health_issues(TwAnalysis *a);
/* The code of the worst issue that lost evidence, or NULL when none did
 * (transfer none). */
const char *tw_report_health_why(const GPtrArray *issues);
/* The "Inputs" lines (several inputs) and the "Capture health" section. */
void tw_report_health_text(TwAnalysis *a, const GPtrArray *issues, GString *out);
/* "health" and "sources" members of the JSON report. */
void tw_report_health_json(JsonBuilder *b, TwAnalysis *a, const GPtrArray *issues);
guint tw_report_input_count(const TwAnalysis *a);

/* The file holding an evidence frame and its number there (what Wireshark
 * shows for that file): *file NULL when unknown (transfer none). */
void tw_evidence_locate(const TwAnalysis *a, const TwEvidence *e, const char **file, guint64 *frame);
/* A Wireshark display filter selecting the evidence's exchange, e.g.
 * `kerberos.error_code == 24 && ip.addr == 10.77.0.10 && ip.addr == 10.77.0.22`.
 * Returns: (transfer full): free with g_free(). */
char *tw_evidence_filter(const TwEvidence *e);

/* report.c's word wrap (indent for continuation lines). */
void tw_report_wrap(GString *out, const char *indent, const char *first, const char *text);
