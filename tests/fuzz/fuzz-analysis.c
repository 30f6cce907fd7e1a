/* fuzz-analysis.c — hostile saved events: NDJSON lines → tw_event_from_json →
 * the verdict engine → live findings (human lines and NDJSON alerts) → both
 * reports.  --from-events reads files from other sensors, so nothing in them
 * may crash, hang or grow without bound.
 * Invariant: a line read as an event writes back (tw_event_to_json) as JSON
 * that reads back into the same event: writing it again gives the same text
 * (abort() otherwise). */
#include "output/report.h"
#include "output/sink.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const TwEvent *ev)
{
    GString *j1 = g_string_new(NULL), *j2 = g_string_new(NULL);
    tw_event_to_json(ev, j1);
    TwEvent *again = tw_event_from_json(j1->str, (gssize)j1->len, NULL);
    if (!again) {
        fprintf(stderr, "round trip: our own JSON does not read back: %s\n", j1->str);
        abort();
    }
    tw_event_to_json(again, j2);
    if (!g_string_equal(j1, j2)) {
        fprintf(stderr, "round trip changed the event:\n  %s\n  %s\n", j1->str, j2->str);
        abort();
    }
    tw_event_free(again);
    g_string_free(j1, TRUE);
    g_string_free(j2, TRUE);
}

static void on_established(const TwAnalysis *a, const TwMachine *m, const TwFinding *f, void *user)
{
    GString *out = user;
    tw_report_finding_line(m, f, false, out);
    tw_alert_json(m, f, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TwAnalysis *a = tw_analysis_new();
    GString *line = g_string_new(NULL);
    GString *ann = g_string_new(NULL);
    const char *sources[] = { NULL, "s1", "s2" };
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        g_string_truncate(line, 0);
        g_string_append_len(line, (const char *)data + start, (gssize)(i - start));
        TwEvent *ev = tw_event_from_json(line->str, (gssize)line->len, NULL);
        if (ev) {
            check_round_trip(ev);
            tw_analysis_feed(a, ev, sources[start % 3]);
            tw_event_free(ev);
            g_string_truncate(ann, 0);
            tw_analysis_established(a, on_established, ann);
            if (!g_utf8_validate(ann->str, (gssize)ann->len, NULL)) {
                fprintf(stderr, "a live finding is not valid UTF-8: %s\n", ann->str);
                abort();
            }
        }
        start = i + 1;
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        tw_report_write(a, TW_REPORT_TEXT, true, null);
        tw_report_write(a, TW_REPORT_JSON, false, null);
        fclose(null);
    }
    g_string_free(ann, TRUE);
    g_string_free(line, TRUE);
    tw_analysis_free(a);
    return 0;
}
