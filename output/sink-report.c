/* sink-report.c — -T report / -T json: events into the verdict engine. */
#include "sink.h"

#include "output/report.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct {
    TwSink base;
    TwAnalysis *an;
    bool json;
    bool live;
    FILE *announce;
    bool announce_color;
    char *source;
    GString *line;
} ReportSink;

bool tw_want_color(FILE *f)
{
    /* https://no-color.org: any non-empty NO_COLOR refuses colour. */
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    return isatty(fileno(f)) == 1;
}

static void report_event(TwSink *sink, const TwEvent *ev)
{
    ReportSink *s = (ReportSink *)sink;
    tw_analysis_feed(s->an, ev, s->source);
    if (!s->live)
        return;
    g_string_truncate(s->line, 0);
    if (tw_analysis_announce(s->an, s->line, s->announce_color)) {
        fwrite(s->line->str, 1, s->line->len, s->announce);
        fflush(s->announce);
    }
}

static int report_end(TwSink *sink)
{
    ReportSink *s = (ReportSink *)sink;
    return tw_report_write(s->an, s->json ? TW_REPORT_JSON : TW_REPORT_TEXT, sink->color, sink->out);
}

static void report_free(TwSink *sink)
{
    ReportSink *s = (ReportSink *)sink;
    tw_analysis_free(s->an);
    g_free(s->source);
    g_string_free(s->line, TRUE);
    g_free(s);
}

TwSink *tw_sink_report_new(FILE *out, bool json, bool live, FILE *announce)
{
    ReportSink *s = g_new0(ReportSink, 1);
    s->base.event = report_event;
    s->base.end = report_end;
    s->base.free = report_free;
    s->base.out = out;
    s->base.color = !json && tw_want_color(out);
    s->an = tw_analysis_new();
    s->json = json;
    s->live = live;
    s->announce = announce ? announce : stderr;
    s->announce_color = tw_want_color(s->announce);
    s->line = g_string_new(NULL);
    return &s->base;
}

void tw_sink_report_set_source(TwSink *sink, const char *source)
{
    ReportSink *s = (ReportSink *)sink;
    if (s->base.event != report_event)
        return;
    g_free(s->source);
    s->source = g_strdup(source);
}
