/* fuzz-analysis.c — hostile saved events: NDJSON lines → tw_event_from_json →
 * the verdict engine → both reports.  --from-events reads files from other
 * sensors, so nothing in them may crash, hang or grow without bound. */
#include "output/report.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TwAnalysis *a = tw_analysis_new();
    GString *line = g_string_new(NULL);
    const char *sources[] = { NULL, "s1", "s2" };
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        g_string_truncate(line, 0);
        g_string_append_len(line, (const char *)data + start, (gssize)(i - start));
        TwEvent *ev = tw_event_from_json(line->str, (gssize)line->len, NULL);
        if (ev) {
            tw_analysis_feed(a, ev, sources[start % 3]);
            tw_event_free(ev);
            GString *ann = g_string_new(NULL);
            tw_analysis_announce(a, ann, false);
            g_string_free(ann, TRUE);
        }
        start = i + 1;
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        tw_report_write(a, TW_REPORT_TEXT, true, null);
        tw_report_write(a, TW_REPORT_JSON, false, null);
        fclose(null);
    }
    g_string_free(line, TRUE);
    tw_analysis_free(a);
    return 0;
}
