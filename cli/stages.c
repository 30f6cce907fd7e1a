/* stages.c — the stage list of one pass (stages.h). */
#include "stages.h"
#include "dfilter.h"

#include "output/report.h"

#include <string.h>

void tw_stages_init(TwStages *st)
{
    memset(st, 0, sizeof *st);
    st->sinks = g_ptr_array_new();
    st->outs = g_ptr_array_new();
    st->line = g_string_new(NULL);
}

TwOut *tw_stages_out(TwStages *st, const char *path)
{
    bool is_stdout = strcmp(path, "-") == 0;
    for (guint i = 0; i < st->outs->len; i++) {
        TwOut *o = g_ptr_array_index(st->outs, i);
        if (is_stdout ? !o->owned : (o->owned && strcmp(o->name, path) == 0))
            return o; /* one stream per destination, written in event order */
    }
    TwOut *o;
    if (is_stdout) {
        o = tw_out_new_stdout();
    } else {
        g_autoptr(GError) err = NULL;
        o = tw_out_open(path, &err);
        if (!o) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return NULL;
        }
    }
    g_ptr_array_add(st->outs, o);
    return o;
}

TwOut *tw_stages_out_append(TwStages *st, const char *path)
{
    for (guint i = 0; i < st->outs->len; i++) {
        TwOut *o = g_ptr_array_index(st->outs, i);
        if (o->owned && strcmp(o->name, path) == 0)
            return o;
    }
    if (strcmp(path, "-") == 0)
        return tw_stages_out(st, path);
    g_autoptr(GError) err = NULL;
    TwOut *o = tw_out_open_append(path, &err);
    if (!o) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        return NULL;
    }
    g_ptr_array_add(st->outs, o);
    return o;
}

bool tw_stages_add_output(TwStages *st, const char *mode, TwOut *out)
{
    TwSink *s = tw_sink_new(mode, out);
    if (!s)
        return false;
    g_ptr_array_add(st->sinks, s);
    return true;
}

void tw_stages_plan(TwStages *st)
{
    bool need = st->alerts || st->announce || st->finding_out;
    for (guint i = 0; i < st->sinks->len; i++)
        need |= ((TwSink *)g_ptr_array_index(st->sinks, i))->needs_analysis;
    if (need)
        st->analysis = tw_analysis_new();
    if (st->announce)
        st->announce_color = tw_want_color(st->announce);
}

bool tw_stages_want_tree(const TwStages *st)
{
    for (guint i = 0; i < st->sinks->len; i++)
        if (((TwSink *)g_ptr_array_index(st->sinks, i))->needs_tree)
            return true;
    return false;
}

/* -w DIR: the ring files and frames of the finding's first and
 * establishing evidence (files[i] NULL when not kept; each file is
 * transfer full: free with g_free()). */
static void ring_locate_finding(TwStages *st, const TwFinding *f, char *files[2], guint64 frames[2])
{
    files[0] = files[1] = NULL;
    if (!f->evidence->len)
        return;
    tw_ring_flush(st->ring);
    const TwEvidence *first = g_ptr_array_index(f->evidence, 0);
    for (guint i = 1; i < f->evidence->len; i++) {
        const TwEvidence *e = g_ptr_array_index(f->evidence, i);
        if (e->ts_us < first->ts_us)
            first = e;
    }
    const TwEvidence *which[2] = { first, g_ptr_array_index(f->evidence, f->evidence->len - 1) };
    for (int i = 0; i < 2; i++)
        if (!tw_ring_locate(st->ring, which[i]->frame, &files[i], &frames[i]))
            files[i] = NULL;
}

static void alert_line(TwStages *st, const TwMachine *m, const TwFinding *f, bool live_extra)
{
    if (!st->alerts_ecs) {
        tw_alert_json(m, f, st->line);
        return;
    }
    TwEcsAlertExtra x = { .live = live_extra && st->capture_live, .drops = st->capture_drops };
    char *files[2] = { NULL, NULL };
    if (live_extra && st->capture_live && st->ring)
        ring_locate_finding(st, f, files, x.ring_frame);
    x.ring_file[0] = files[0];
    x.ring_file[1] = files[1];
    tw_ecs_alert_json(m, f, &x, st->line);
    g_free(files[0]);
    g_free(files[1]);
}

/* -w DIR: where the finding's first and establishing frames are kept. */
static void ring_fields(TwStages *st, const TwFinding *f, bool json)
{
    if (!f->evidence->len)
        return;
    tw_ring_flush(st->ring);
    const TwEvidence *first = g_ptr_array_index(f->evidence, 0);
    for (guint i = 1; i < f->evidence->len; i++) {
        const TwEvidence *e = g_ptr_array_index(f->evidence, i);
        if (e->ts_us < first->ts_us)
            first = e;
    }
    const TwEvidence *last = g_ptr_array_index(f->evidence, f->evidence->len - 1);
    const TwEvidence *which[2] = { first, last };
    const char *names[2] = { "first", "established" };
    for (int i = 0; i < 2; i++) {
        g_autofree char *file = NULL;
        guint64 n;
        if (!tw_ring_locate(st->ring, which[i]->frame, &file, &n))
            continue;
        if (json) {
            g_autofree char *q = g_strescape(file, NULL);
            g_string_append_printf(st->line, ",\"%s_file\":\"%s\",\"%s_file_frame\":%" G_GUINT64_FORMAT, names[i], q,
                                   names[i], n);
        } else if (i == 1) {
            g_string_append_printf(st->line, "  [%s frame %" G_GUINT64_FORMAT "]", file, n);
        }
    }
}

static void on_established(const TwAnalysis *a, const TwMachine *m, const TwFinding *f, void *user)
{
    TwStages *st = user;
    if (st->finding_out) {
        g_string_truncate(st->line, 0);
        alert_line(st, m, f, false);
        gsize n = st->line->len;
        if (n && st->line->str[n - 1] == '\n')
            n--;
        st->finding_out(st->line->str, n, st->finding_out_user);
        if (!st->alerts && !st->announce)
            return;
    }
    g_string_truncate(st->line, 0);
    if (st->alerts && st->alerts_ecs) {
        alert_line(st, m, f, true); /* the live extras are trustwire.* fields */
        tw_out_write(st->alerts, st->line->str, st->line->len);
        tw_out_flush(st->alerts);
    } else if (st->alerts) {
        tw_alert_json(m, f, st->line);
        if (st->capture_live && st->line->len > 2) {
            /* live: whether the capture had lost packets when it was established */
            g_string_truncate(st->line, st->line->len - 2); /* "}\n" */
            g_string_append_printf(st->line, ",\"capture_drops_before\":%" G_GUINT64_FORMAT
                                   ",\"may_have_missed_packets\":%s",
                                   st->capture_drops, st->capture_drops ? "true" : "false");
            if (st->ring)
                ring_fields(st, f, true);
            g_string_append(st->line, "}\n");
        }
        tw_out_write(st->alerts, st->line->str, st->line->len);
        tw_out_flush(st->alerts); /* a finding is news: it goes out now */
    } else {
        tw_report_finding_line(m, f, st->announce_color, st->line);
        if (st->capture_live && (st->capture_drops || st->ring) && st->line->len) {
            g_string_truncate(st->line, st->line->len - 1);
            if (st->capture_drops)
                g_string_append_printf(st->line, "  [%" G_GUINT64_FORMAT " packets lost so far: may be incomplete]",
                                       st->capture_drops);
            if (st->ring)
                ring_fields(st, f, false);
            g_string_append_c(st->line, '\n');
        }
        fwrite(st->line->str, 1, st->line->len, st->announce);
        fflush(st->announce);
    }
}

static void stages_event(TwStages *st, const TwEvent *ev, const char *source, const char *line, gsize len)
{
    st->events++;
    if (st->analysis) {
        tw_analysis_feed(st->analysis, ev, source);
        if (st->alerts || st->announce || st->finding_out)
            tw_analysis_established(st->analysis, on_established, st);
        else
            tw_analysis_established_none(st->analysis); /* nobody announces: nothing waits */
    }
    /* -Y, asked here or by the worker that rendered the line (len 0: rejected) */
    if (line && st->filter_in_workers ? len == 0
                                      : st->display_filter && !tw_dfilter_match(st->display_filter, ev))
        return;
    for (guint i = 0; i < st->sinks->len; i++) {
        TwSink *s = g_ptr_array_index(st->sinks, i);
        s->source = source;
        if (line && s->event && strcmp(s->mode, "events") == 0)
            tw_out_write(s->out, line, len); /* the bytes events_event writes */
        else if (s->event)
            s->event(s, ev);
    }
}

void tw_stages_event(TwStages *st, const TwEvent *ev, const char *source)
{
    stages_event(st, ev, source, NULL, 0);
}

void tw_stages_event_line(TwStages *st, const TwEvent *ev, const char *line, gsize len)
{
    g_assert(ev || tw_stages_lines_only(st));
    stages_event(st, ev, NULL, line, len);
}

bool tw_stages_line_wanted(const TwEvent *ev, void *user)
{
    const TwStages *st = user;
    return !st->display_filter || tw_dfilter_match(st->display_filter, ev);
}

bool tw_stages_lines_only(const TwStages *st)
{
    if (st->analysis || (st->display_filter && !st->filter_in_workers) || !st->sinks->len)
        return false;
    for (guint i = 0; i < st->sinks->len; i++)
        if (strcmp(((TwSink *)g_ptr_array_index(st->sinks, i))->mode, "events") != 0)
            return false;
    return true;
}

bool tw_stages_has_events(const TwStages *st)
{
    for (guint i = 0; i < st->sinks->len; i++)
        if (strcmp(((TwSink *)g_ptr_array_index(st->sinks, i))->mode, "events") == 0)
            return true;
    return false;
}

int tw_stages_finish(TwStages *st, bool analysed)
{
    int status = 0;
    if (analysed) {
        for (guint i = 0; i < st->sinks->len; i++) {
            TwSink *s = g_ptr_array_index(st->sinks, i);
            int r = s->end(s, st->analysis);
            if (r > status)
                status = r;
        }
    }
    for (guint i = 0; i < st->outs->len; i++) {
        TwOut *o = g_ptr_array_index(st->outs, i);
        int e = tw_out_finish(o);
        if (e) {
            fprintf(stderr, "trustwire: writing %s: %s\n", o->name, g_strerror(e));
            status = 2;
        }
    }
    return status;
}

void tw_stages_clear(TwStages *st)
{
    for (guint i = 0; i < st->sinks->len; i++)
        tw_sink_free(g_ptr_array_index(st->sinks, i));
    g_ptr_array_unref(st->sinks);
    for (guint i = 0; i < st->outs->len; i++)
        tw_out_free(g_ptr_array_index(st->outs, i));
    g_ptr_array_unref(st->outs);
    if (st->analysis)
        tw_analysis_free(st->analysis);
    g_string_free(st->line, TRUE);
}
