/* sink-events.c — -T events: one JSON object per line (docs/events.md). */
#include "sink.h"

typedef struct {
    TwSink base;
    GString *buf;
} EventsSink;

static void events_event(TwSink *sink, const TwEvent *ev)
{
    EventsSink *s = (EventsSink *)sink;
    if (sink->out->err)
        return; /* the output is lost already: do not format for nothing */
    s->buf->len = 0; /* g_string_truncate(s->buf, 0) without the call: tw_event_to_json writes from len on, and its NUL */
    tw_event_to_json(ev, s->buf);
    g_string_append_c(s->buf, '\n');
    tw_out_write(sink->out, s->buf->str, s->buf->len);
}

static int events_end(TwSink *sink, TwAnalysis *an)
{
    return 0;
}

static void events_free(TwSink *sink)
{
    EventsSink *s = (EventsSink *)sink;
    g_string_free(s->buf, TRUE);
    g_free(s);
}

TwSink *tw_sink_events_new(TwOut *out)
{
    EventsSink *s = g_new0(EventsSink, 1);
    s->base.mode = "events";
    s->base.event = events_event;
    s->base.end = events_end;
    s->base.free = events_free;
    s->base.out = out;
    s->buf = g_string_sized_new(512);
    return &s->base;
}
