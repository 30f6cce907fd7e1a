/* sink-report.c — -T report / -T json: the verdict report, written at the
 * end from the analysis the command line ran (output/report.c). */
#include "sink.h"

#include "output/html.h"
#include "output/ladder.h"
#include "output/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    TwSink base;
    bool json;
} ReportSink;

bool tw_want_color(FILE *f)
{
    /* https://no-color.org: any non-empty NO_COLOR refuses colour. */
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    return isatty(fileno(f)) == 1;
}

static int report_end(TwSink *sink, TwAnalysis *an)
{
    ReportSink *s = (ReportSink *)sink;
    if (sink->out->err)
        return 0;
    errno = 0;
    int status = tw_report_write(an, s->json ? TW_REPORT_JSON : TW_REPORT_TEXT, sink->color, sink->out->f);
    tw_out_check(sink->out);
    return status;
}

static void report_free(TwSink *sink)
{
    g_free(sink);
}

TwSink *tw_sink_report_new(TwOut *out, bool json)
{
    ReportSink *s = g_new0(ReportSink, 1);
    s->base.mode = json ? "json" : "report";
    s->base.needs_analysis = true;
    s->base.end = report_end;
    s->base.free = report_free;
    s->base.out = out;
    s->base.color = !json && tw_want_color(out->f);
    s->json = json;
    return &s->base;
}

TwSink *tw_sink_new(const char *mode, TwOut *out)
{
    if (strcmp(mode, "report") == 0)
        return tw_sink_report_new(out, false);
    if (strcmp(mode, "json") == 0)
        return tw_sink_report_new(out, true);
    if (strcmp(mode, "events") == 0)
        return tw_sink_events_new(out);
    if (strcmp(mode, "summary") == 0)
        return tw_sink_summary_new(out);
    if (strcmp(mode, "tree") == 0)
        return tw_sink_tree_new(out);
    if (strcmp(mode, "html") == 0)
        return tw_sink_html_new(out);
    if (strcmp(mode, "ladder") == 0)
        return tw_sink_ladder_new(out);
    if (strcmp(mode, "ecs") == 0)
        return tw_sink_ecs_new(out);
    return NULL;
}

void tw_sink_free(TwSink *sink)
{
    if (sink)
        sink->free(sink);
}

bool tw_sink_mode_known(const char *mode)
{
    static const char *const modes[] = { "report", "json", "events", "summary", "tree", "html", "ladder", "ecs", NULL };
    return g_strv_contains(modes, mode);
}
