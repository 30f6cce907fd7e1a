/* ladder.h — -T ladder: the failing exchanges as terminal sequence
 * diagrams (output/ladder.c; the model in html-model.h). */
#pragma once

#include "output/html-model.h"
#include "output/sink.h"

/* ASCII instead of Unicode box drawing (--ascii, or a locale that is not
 * UTF-8).  Process-wide, set once by cli/. */
void tw_ladder_set_ascii(bool ascii);
/* Appends one ladder: a header of parties (name, address, role), then each
 * arrow as a label line (time, ✓/✗, message and outcome) and an arrow line
 * (frame number in its file on the right). */
void tw_ladder_text(const TwAnalysis *a, const TwLadder *ld, GString *out);
/* -T ladder: the ladders of every failing machine (or of the focus,
 * --machine, whatever its state) appended to out; returns the exit status
 * the report would (0, 1, 3). */
int tw_ladder_write(TwAnalysis *a, GString *out);
/* -T ladder: `out` borrowed (transfer none); its sink is html.c's.
 * Returns: (transfer full): free with tw_sink_free(). */
TwSink *tw_sink_ladder_new(TwOut *out);
