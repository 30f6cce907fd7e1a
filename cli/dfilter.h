/* dfilter.h — the display filter of -Y: an expression over an event's
 * header and fields (docs/display-filter.md), chosen so a Wireshark user
 * types it without thinking:
 *     proto == "kerberos" && error_code == 24
 *     cname ~ "\\$$"     (regular expression, GRegex/PCRE)
 *     !(proto == "smb2") || status != "STATUS_SUCCESS"
 * A filter selects which events reach the per-event outputs (-T events,
 * summary, tree); the analysis always sees every event (cli/stages.c). */
#pragma once

#include "core/event.h"

#include <stdbool.h>

typedef struct TwDfilter TwDfilter;

/* Compiles `expr`.  On a syntax error returns NULL and sets *err with
 * the 1-based column (message "column N: …"); *column receives it too
 * when non-NULL.
 * Returns: (transfer full) (nullable): free with tw_dfilter_free(). */
TwDfilter *tw_dfilter_compile(const char *expr, int *column, GError **err);
/* True when the event matches (transfer none of both). */
bool tw_dfilter_match(const TwDfilter *df, const TwEvent *ev);
void tw_dfilter_free(TwDfilter *df);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwDfilter, tw_dfilter_free)
