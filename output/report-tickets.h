/* report-tickets.h — the report's section on ticket requests and replication
 * (analysis/tickets.h): TGS-REQ failures under their requester, and the
 * patterns that touch machine trust (S4U for users that do not exist, RC4
 * service tickets while the domain uses AES, DCSync from a non-DC). */
#pragma once

#include "analysis/analysis.h"

#include <json-glib/json-glib.h>

/* Appends the text section (nothing when there is nothing to say).
 * Returns: how many flagged patterns it wrote. */
guint tw_report_tickets_text(GString *out, const TwAnalysis *a);
/* Adds members "ticket_failures" and "ticket_findings" to the open object. */
void tw_report_tickets_json(JsonBuilder *b, const TwAnalysis *a);
