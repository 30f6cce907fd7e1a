/* wrap.h — the text report's line layout: the width it wraps to (the
 * terminal's, COLUMNS, or 80) and word wrapping with a hanging indent
 * (docs/report.md "Width and folding"). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#define TW_WRAP_DEFAULT 80 /* not a terminal and no COLUMNS */
#define TW_WRAP_MIN 40     /* narrower is not worth laying out: lines overflow instead */
#define TW_WRAP_MAX 1000

/* The width to wrap text written to `f` at: the terminal's width when f is
 * a terminal (TIOCGWINSZ), else a positive COLUMNS, else TW_WRAP_DEFAULT;
 * clamped to [TW_WRAP_MIN, TW_WRAP_MAX]. */
guint tw_wrap_width_for(FILE *f);

/* Columns `s` takes on a terminal: UTF-8 characters, ANSI colour sequences
 * (ESC [ … m) take none. */
gsize tw_wrap_display_width(const char *s);

/* Appends `first` then the words of `text` to out, breaking lines at
 * `width` columns; continuation lines start with `cont`.  Runs of spaces
 * between words are kept inside a line and dropped at a break.  A line is
 * never broken next to "→", "==" or "!=", before a count ("105,"), nor after
 * "&&" or "—", so
 * "A → B" and each clause of a display filter stay whole.  A word wider
 * than a line is put on a line of its own.  Ends with a newline. */
void tw_wrap(GString *out, guint width, const char *first, const char *cont, const char *text);

/* The width of the report being written (tw_report_write sets it from its
 * stream; TW_WRAP_DEFAULT before): the text parts in report-health.c,
 * report-tickets.c and dc-view.c wrap to it. */
void tw_wrap_set_report_width(guint width);
guint tw_wrap_report_width(void);
