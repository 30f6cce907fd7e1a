/* dc-view.h — the per-DC view of the report: which machines each domain
 * controller accepted and refused (analysis/fleet.c), in text and JSON. */
#pragma once

#include "analysis/fleet.h"

#include <json-glib/json-glib.h>

/* Appends "Per domain controller:" lines to out when the capture shows
 * several DCs and one of them accepted or refused a machine's key (with
 * one DC the "Domain controllers:" line says it all). */
void tw_dc_view_text(GString *out, const TwAnalysis *a);
/* Adds "accepted", "refused" (machine names, sorted), "refusals", "refused_skew"
 * (members it refused with KRB_AP_ERR_SKEW) and "skew_refusals" to the
 * JSON object of DC record dc (being built in b). */
void tw_dc_view_json(JsonBuilder *b, const TwAnalysis *a, const TwMachine *dc);
