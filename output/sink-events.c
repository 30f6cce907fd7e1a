/* sink-events.c — -T events: one JSON object per line (docs/events.md). */
#include "sink.h"

typedef struct {
    TwSink base;
    GString *buf;
} EventsSink;

static void events_event(TwSink *sink, const TwEvent *ev)
{
    EventsSink *s = (EventsSink *)sink;
    g_string_truncate(s->buf, 0);
    tw_event_to_json(ev, s->buf);
    g_string_append_c(s->buf, '\n');
    fwrite(s->buf->str, 1, s->buf->len, sink->out);
}

static int events_end(TwSink *sink)
{
    fflush(sink->out);
    return 0;
}

static void events_free(TwSink *sink)
{
    EventsSink *s = (EventsSink *)sink;
    g_string_free(s->buf, TRUE);
    g_free(s);
}

TwSink *tw_sink_events_new(FILE *out)
{
    EventsSink *s = g_new0(EventsSink, 1);
    s->base.event = events_event;
    s->base.end = events_end;
    s->base.free = events_free;
    s->base.out = out;
    s->buf = g_string_sized_new(512);
    return &s->base;
}
