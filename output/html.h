/* html.h — -T html and --html FILE: the report as one self-contained HTML
 * page (output/html.c; docs/html.md): inline CSS, SVG drawn here, a little
 * inline JavaScript for folding, filtering and copy buttons; nothing
 * fetched from anywhere. */
#pragma once

#include "analysis/analysis.h"
#include "output/sink.h"

#include <stdio.h>

/* Writes the page; returns the exit status the report would (0, 1, 3). */
int tw_html_write(TwAnalysis *a, GString *out);
/* -T html: `out` borrowed (transfer none).
 * Returns: (transfer full): free with tw_sink_free(). */
TwSink *tw_sink_html_new(TwOut *out);
