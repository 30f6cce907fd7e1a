/* html-svg.h — the pictures of the HTML page, drawn as inline SVG on the
 * server side (readable without JavaScript): a machine's swim-lane
 * timeline, its clock offset against each DC, a ladder per failing
 * exchange and burst histograms (output/html-svg.c). */
#pragma once

#include "output/html-model.h"

/* Appends s with & < > " ' escaped (NULL appends nothing). */
void tw_html_esc(GString *out, const char *s);

/* Evidence row anchors of one machine: "PREFIX-eN" for row N. */
typedef struct {
    const char *prefix;   /* the machine's id ("m-WS06") */
    GHashTable *row_of;   /* const TwEvidence* → row index + 1 */
} TwHtmlRows;

/* The swim lanes (Kerberos, NETLOGON, NTLM/SMB, password changes, kvno) of
 * v's facts: ✓ success, ✗ failure, | other; a red line where it broke.
 * Marks of evidence rows link to them. */
void tw_svg_timeline(GString *out, const TwMachineView *v, const TwHtmlRows *rows);
/* The machine's clock minus each DC's over the capture, with the ±5-minute
 * band (TW_AN_SKEW_LIMIT_S); false (nothing appended) without a sample. */
bool tw_svg_clock(GString *out, const TwAnalysis *a, const TwMachineView *v);
/* One ladder: a lifeline per party, an arrow per message, each linked to
 * its evidence row. */
void tw_svg_ladder(GString *out, const TwAnalysis *a, const TwLadder *ld, const TwHtmlRows *rows);
/* A histogram of b's bins; `what` names the events counted. */
void tw_svg_burst(GString *out, const TwBurst *b, const char *what);
