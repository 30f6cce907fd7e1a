/* sink-text.c — the human line-per-message summary (the teaching tree,
 * which starts each event with the same line, is tree-sink.c). */
#include "sink.h"

#include <string.h>

/* Fields worth a place on a one-line summary, in display order. */
static const char *const summary_keys[] = {
    "msg", "op", "command", "dir", "error_name", "nt_status_name", "win32_status_name", "fault_status_name",
    "realm", "cname", "sname", "nt_status", "e_text", "kpasswd_result_name", "reply_to", "computer", "account", "user", "domain", "workstation", "interface", "kind", "detail", NULL,
};

static TwTextTime text_time = TW_TEXT_TIME_UTC;

void tw_text_time_set(TwTextTime t)
{
    text_time = t;
}

void tw_text_format_time(gint64 ts_us, char out[48])
{
    gint64 sec = ts_us >= 0 ? ts_us / G_USEC_PER_SEC : -((-ts_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
    gint64 usec = ts_us - sec * G_USEC_PER_SEC;
    GDateTime *dt = NULL;
    switch (text_time) {
    case TW_TEXT_TIME_EPOCH:
        g_snprintf(out, 48, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, sec, usec);
        return;
    case TW_TEXT_TIME_LOCAL:
        dt = g_date_time_new_from_unix_local(sec);
        break;
    case TW_TEXT_TIME_UTC:
        break;
    }
    if (!dt) {
        char t[32];
        tw_format_time(ts_us, t);
        g_strlcpy(out, t, 48);
        return;
    }
    g_autofree char *base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    g_autofree char *off = g_date_time_format(dt, "%:z");
    g_date_time_unref(dt);
    g_snprintf(out, 48, "%s.%06" G_GINT64_FORMAT "%s", base ? base : "?", usec, off ? off : "");
}

void tw_event_summary_line(const TwEvent *ev, GString *out)
{
    char ts[48];
    tw_text_format_time(ev->ts_us, ts);
    g_string_append_printf(out, "%6" G_GUINT64_FORMAT " %s ", ev->frame, ts);
    if (ev->src[0])
        g_string_append_printf(out, "%s:%u -> %s:%u ", ev->src, ev->sport, ev->dst, ev->dport);
    g_string_append(out, ev->proto);
    if (ev->transport)
        g_string_append_printf(out, "/%s", ev->transport);
    for (const char *const *k = summary_keys; *k; k++) {
        const TwField *f = tw_event_get(ev, *k);
        if (!f)
            continue;
        if (strcmp(*k, "nt_status") == 0 && tw_event_has(ev, "nt_status_name"))
            continue; /* the name says it */
        if (strcmp(*k, "msg") == 0 || strcmp(*k, "op") == 0 || strcmp(*k, "command") == 0 ||
            strcmp(*k, "dir") == 0 || strcmp(*k, "error_name") == 0 ||
            g_str_has_suffix(*k, "status_name") || strcmp(*k, "kind") == 0) {
            if (f->type == TW_FIELD_STR)
                g_string_append_printf(out, " %s", f->v.s);
            continue;
        }
        if (f->type == TW_FIELD_STR)
            g_string_append_printf(out, " %s=%s", *k, f->v.s);
        else if (f->type == TW_FIELD_INT)
            g_string_append_printf(out, " %s=%" G_GINT64_FORMAT, *k, f->v.i);
    }
}

typedef struct {
    TwSink base;
    GString *buf;
} TextSink;

static void text_event(TwSink *sink, const TwEvent *ev)
{
    TextSink *s = (TextSink *)sink;
    if (sink->out->err)
        return; /* the output is lost already: do not format for nothing */
    g_string_truncate(s->buf, 0);
    tw_event_summary_line(ev, s->buf);
    g_string_append_c(s->buf, '\n');
    tw_out_write(sink->out, s->buf->str, s->buf->len);
}

static int text_end(TwSink *sink, TwAnalysis *an)
{
    return 0;
}

static void text_free(TwSink *sink)
{
    TextSink *s = (TextSink *)sink;
    g_string_free(s->buf, TRUE);
    g_free(s);
}

TwSink *tw_sink_summary_new(TwOut *out)
{
    TextSink *s = g_new0(TextSink, 1);
    s->base.mode = "summary";
    s->base.event = text_event;
    s->base.end = text_end;
    s->base.free = text_free;
    s->base.out = out;
    s->buf = g_string_sized_new(256);
    return &s->base;
}
