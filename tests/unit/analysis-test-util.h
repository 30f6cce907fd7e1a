/* analysis-test-util.h — helpers shared by the analysis unit tests. */
#pragma once

#include "output/report.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Feeds NDJSON lines (one event each) to the engine. */
static inline void feed_lines(TwAnalysis *a, const char *const *lines, const char *source)
{
    for (const char *const *l = lines; *l; l++) {
        g_autoptr(GError) err = NULL;
        TwEvent *ev = tw_event_from_json(*l, -1, &err);
        g_assert_no_error(err);
        g_assert_nonnull(ev);
        tw_analysis_feed(a, ev, source);
        tw_event_free(ev);
    }
}

/* The findings of one machine (NULL when the machine does not exist). */
static inline GPtrArray *findings_of(TwAnalysis *a, const char *key)
{
    TwMachine *m = g_hash_table_lookup(a->machines, key);
    return m ? tw_rules_eval(a, m) : NULL;
}

static inline const TwFinding *finding_named(GPtrArray *fs, const char *rule)
{
    for (guint i = 0; fs && i < fs->len; i++) {
        const TwFinding *f = g_ptr_array_index(fs, i);
        if (strcmp(f->rule->name, rule) == 0)
            return f;
    }
    return NULL;
}

static inline const char *verdict_of(GPtrArray *fs)
{
    return fs && fs->len ? ((const TwFinding *)g_ptr_array_index(fs, 0))->rule->name : "none";
}

/* Renders the report into a string; *status gets the exit status. */
static inline char *render(TwAnalysis *a, TwReportFormat fmt, bool color, int *status)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    g_assert_nonnull(f);
    int st = tw_report_write(a, fmt, color, f);
    fclose(f);
    if (status)
        *status = st;
    char *out = g_strndup(buf, len);
    free(buf);
    return out;
}
