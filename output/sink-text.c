/* sink-text.c — the human line-per-message summary (the teaching tree,
 * which starts each event with the same line, is tree-sink.c). */
#include "sink.h"
#include "core/json-writer.h"

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

/* The summary keys interned once (a field's key is interned, event.h, so a
 * field is found by comparing addresses), and which are shown by value only:
 * msg, op, command, dir, error_name, kind and the *status_name keys. */
#define N_SUMMARY_KEYS (G_N_ELEMENTS(summary_keys) - 1)
static const char *summary_interned[N_SUMMARY_KEYS];
static bool summary_value_only[N_SUMMARY_KEYS];
static guint summary_nt_status = G_MAXUINT, summary_nt_status_name = G_MAXUINT;

static void summary_keys_init(void)
{
    static gsize done;
    if (!g_once_init_enter(&done))
        return;
    for (guint j = 0; j < N_SUMMARY_KEYS; j++) {
        const char *k = summary_keys[j];
        summary_interned[j] = g_intern_static_string(k);
        summary_value_only[j] = strcmp(k, "msg") == 0 || strcmp(k, "op") == 0 || strcmp(k, "command") == 0 ||
                                strcmp(k, "dir") == 0 || strcmp(k, "error_name") == 0 ||
                                g_str_has_suffix(k, "status_name") || strcmp(k, "kind") == 0;
        if (strcmp(k, "nt_status") == 0)
            summary_nt_status = j;
        if (strcmp(k, "nt_status_name") == 0)
            summary_nt_status_name = j;
    }
    g_assert(summary_nt_status < N_SUMMARY_KEYS && summary_nt_status_name < N_SUMMARY_KEYS);
    g_once_init_leave(&done, 1);
}

static inline void put_str(TwJsonWriter *w, const char *s)
{
    tw_json_raw(w, s, strlen(s));
}

static inline void put_u64(TwJsonWriter *w, guint64 v)
{
    char b[20];
    const char *p = tw_json_format_u64(v, b + sizeof b);
    tw_json_raw(w, p, (gsize)(b + sizeof b - p));
}

void tw_event_summary_line(const TwEvent *ev, GString *out)
{
    summary_keys_init();
    char ts[48];
    tw_text_format_time(ev->ts_us, ts);
    TwJsonWriter jw, *w = &jw;
    tw_json_writer_begin(w, out);
    /* "%6" G_GUINT64_FORMAT " %s " */
    char fb[20];
    const char *fp = tw_json_format_u64(ev->frame, fb + sizeof fb);
    gsize fl = (gsize)(fb + sizeof fb - fp);
    if (fl < 6)
        tw_json_raw(w, "      ", 6 - fl);
    tw_json_raw(w, fp, fl);
    tw_json_char(w, ' ');
    put_str(w, ts);
    tw_json_char(w, ' ');
    if (ev->src[0]) {
        /* "%s:%u -> %s:%u " */
        put_str(w, ev->src);
        tw_json_char(w, ':');
        put_u64(w, ev->sport);
        tw_json_lit(w, " -> ");
        put_str(w, ev->dst);
        tw_json_char(w, ':');
        put_u64(w, ev->dport);
        tw_json_char(w, ' ');
    }
    put_str(w, ev->proto);
    if (ev->transport) {
        tw_json_char(w, '/');
        put_str(w, ev->transport);
    }
    /* each summary key's field (tw_event_get: the first of that key) */
    const TwField *at[N_SUMMARY_KEYS] = { 0 };
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        for (guint j = 0; j < N_SUMMARY_KEYS; j++) {
            if (f->key == summary_interned[j]) {
                if (!at[j])
                    at[j] = f;
                break;
            }
        }
    }
    for (guint j = 0; j < N_SUMMARY_KEYS; j++) {
        const TwField *f = at[j];
        if (!f)
            continue;
        if (j == summary_nt_status && at[summary_nt_status_name])
            continue; /* the name says it */
        if (summary_value_only[j]) {
            if (f->type == TW_FIELD_STR) {
                tw_json_char(w, ' ');
                put_str(w, f->v.s);
            }
            continue;
        }
        if (f->type == TW_FIELD_STR) {
            tw_json_char(w, ' ');
            put_str(w, summary_keys[j]);
            tw_json_char(w, '=');
            put_str(w, f->v.s);
        } else if (f->type == TW_FIELD_INT) {
            tw_json_char(w, ' ');
            put_str(w, summary_keys[j]);
            tw_json_char(w, '=');
            tw_json_i64(w, f->v.i);
        }
    }
    tw_json_writer_end(w);
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
