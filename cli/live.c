/* live.c — service mode for `trustwire -i` (live.h). */
#include "live.h"

#include "analysis/retire.h"
#include "core/tw-limits.h"
#include "output/report.h"

#include <json-glib/json-glib.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static TwSource *volatile usr1_source;
static volatile sig_atomic_t report_requested;

static void on_usr1(int sig)
{
    (void)sig;
    /* Async-signal-safe only: a flag, and a wake-up of a blocked read. */
    report_requested = 1;
    if (usr1_source)
        tw_source_wake(usr1_source);
}

void tw_live_install_signals(TwSource *src)
{
    usr1_source = src;
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
}

bool tw_parse_duration(const char *s, gint64 *out_us)
{
    if (!s || !*s)
        return false;
    errno = 0;
    char *end = NULL;
    double v = g_ascii_strtod(s, &end);
    if (errno || end == s || !(v > 0))
        return false;
    double mult;
    if (!*end || strcmp(end, "s") == 0)
        mult = 1e6;
    else if (strcmp(end, "ms") == 0)
        mult = 1e3;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60e6;
    else if (strcmp(end, "h") == 0)
        mult = 3600e6;
    else if (strcmp(end, "d") == 0)
        mult = 86400e6;
    else
        return false;
    double us = v * mult;
    if (us < 1 || us > 1e17) /* 1 µs .. ~3000 years */
        return false;
    *out_us = (gint64)us;
    return true;
}

/* The capture statistics of this run, in one place: totals, and the counts
 * at the start of the current interval. */
typedef struct {
    TwCaptureStats total, at_interval;
    gint64 interval_start; /* monotonic µs */
    guint64 lossy_intervals;
} LiveHealth;

static guint64 drops_of(const TwCaptureStats *s)
{
    return s->kernel_drops + s->if_drops;
}

static void health_lock(const TwLiveRunOptions *o)
{
    if (o->health_lock)
        g_mutex_lock(o->health_lock);
}

static void health_unlock(const TwLiveRunOptions *o)
{
    if (o->health_lock)
        g_mutex_unlock(o->health_lock);
}

static void health_update(TwSource *src, LiveHealth *h, TwStages *st)
{
    tw_source_live_stats(src, &h->total);
    st->capture_drops = drops_of(&h->total);
}

/* One capture record in the alerts stream: totals and this interval. */
static void alert_capture(TwStages *st, const char *iface, const LiveHealth *h, const char *why, gint64 now)
{
    if (!st->alerts)
        return;
    if (st->alerts_ecs) {
        TwEcsCapture c = { .iface = iface, .why = why, .time_us = g_get_real_time(),
                           .interval_s = (double)(now - h->interval_start) / 1e6, .received = h->total.received,
                           .kernel_drops = h->total.kernel_drops, .if_drops = h->total.if_drops,
                           .interval_received = h->total.received - h->at_interval.received,
                           .interval_kernel_drops = h->total.kernel_drops - h->at_interval.kernel_drops,
                           .interval_if_drops = h->total.if_drops - h->at_interval.if_drops };
        g_string_truncate(st->line, 0);
        tw_ecs_capture_json(&c, st->line);
        tw_out_write(st->alerts, st->line->str, st->line->len);
        tw_out_flush(st->alerts);
        return;
    }
    char t[32];
    tw_format_time(g_get_real_time(), t);
    g_string_printf(st->line,
                    "{\"record\":\"capture\",\"why\":\"%s\",\"interface\":\"%s\",\"time\":\"%s\","
                    "\"interval_s\":%.3f,\"received\":%" G_GUINT64_FORMAT ",\"kernel_drops\":%" G_GUINT64_FORMAT
                    ",\"if_drops\":%" G_GUINT64_FORMAT ",\"interval_received\":%" G_GUINT64_FORMAT
                    ",\"interval_kernel_drops\":%" G_GUINT64_FORMAT ",\"interval_if_drops\":%" G_GUINT64_FORMAT
                    ",\"lossless\":%s}\n",
                    why, iface, t, (double)(now - h->interval_start) / 1e6, h->total.received,
                    h->total.kernel_drops, h->total.if_drops, h->total.received - h->at_interval.received,
                    h->total.kernel_drops - h->at_interval.kernel_drops,
                    h->total.if_drops - h->at_interval.if_drops, drops_of(&h->total) ? "false" : "true");
    tw_out_write(st->alerts, st->line->str, st->line->len);
    tw_out_flush(st->alerts);
}

static void end_interval(TwSource *src, TwStages *st, const char *iface, LiveHealth *h, const char *why,
                         gint64 now)
{
    health_update(src, h, st);
    guint64 lost = drops_of(&h->total) - drops_of(&h->at_interval);
    if (lost) {
        h->lossy_intervals++;
        fprintf(stderr,
                "trustwire: %s: %" G_GUINT64_FORMAT " packets dropped in the last %.0f s (%" G_GUINT64_FORMAT
                " by the kernel, %" G_GUINT64_FORMAT " by the interface): verdicts may have missed messages\n",
                iface, lost, (double)(now - h->interval_start) / 1e6,
                h->total.kernel_drops - h->at_interval.kernel_drops, h->total.if_drops - h->at_interval.if_drops);
    }
    alert_capture(st, iface, h, why, now);
    h->at_interval = h->total;
    h->interval_start = now;
}

/* The health of the capture ahead of a text report (the JSON report's
 * health section belongs to the health model, analysis/health.c; the
 * alerts stream carries the same numbers). */
static void write_health(TwStages *st, const char *iface, const LiveHealth *h, const char *kind)
{
    char t[32];
    tw_format_time(g_get_real_time(), t);
    for (guint i = 0; i < st->sinks->len; i++) {
        TwSink *s = g_ptr_array_index(st->sinks, i);
        if (strcmp(s->mode, "report") != 0)
            continue;
        g_string_printf(st->line,
                        "Capture health (%s report, %s): %s: %" G_GUINT64_FORMAT " packets received, %" G_GUINT64_FORMAT
                        " dropped by the kernel, %" G_GUINT64_FORMAT " dropped by the interface.\n",
                        kind, t, iface, h->total.received, h->total.kernel_drops, h->total.if_drops);
        if (drops_of(&h->total))
            g_string_append(st->line, "  Packets were lost: a verdict below may have missed messages.\n");
        g_string_append_c(st->line, '\n');
        tw_out_write(s->out, st->line->str, st->line->len);
    }
}

/* A report now (periodic or SIGUSR1): every verdict output writes the
 * analysis so far, and its stream is flushed; nothing is closed. */
void tw_live_reports(TwStages *st)
{
    for (guint i = 0; st->analysis && i < st->sinks->len; i++) {
        TwSink *s = g_ptr_array_index(st->sinks, i);
        if (!s->needs_analysis)
            continue;
        s->end(s, st->analysis);
        tw_out_flush(s->out);
    }
}

bool tw_live_report_wanted(void)
{
    if (!report_requested)
        return false;
    report_requested = 0;
    return true;
}

static void report_now(TwSource *src, TwStages *st, const char *iface, LiveHealth *h, const char *kind, gint64 now)
{
    end_interval(src, st, iface, h, kind, now);
    if (!st->analysis)
        return;
    write_health(st, iface, h, kind);
    tw_live_reports(st);
}

typedef struct {
    TwStages *st;
    guint announced;
} RetireCtx;

/* A retired machine's last verdict, announced before it is forgotten. */
static void on_retire(const TwAnalysis *a, const TwMachine *m, GPtrArray *fs, void *user)
{
    (void)a;
    RetireCtx *rc = user;
    TwStages *st = rc->st;
    TwState state = tw_findings_state(fs);
    const TwFinding *f = fs->len ? g_ptr_array_index(fs, 0) : NULL;
    char t[32];
    tw_format_time(m->last_ts, t);
    rc->announced++;
    if (st->alerts && st->alerts_ecs) {
        g_autoptr(GString) s = g_string_new(NULL);
        tw_ecs_retired_json(m, state, f, s);
        tw_out_write(st->alerts, s->str, s->len);
    } else if (st->alerts) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "record");
        json_builder_add_string_value(b, "retired");
        json_builder_set_member_name(b, "machine");
        json_builder_add_string_value(b, m->key);
        json_builder_set_member_name(b, "account");
        if (m->account)
            json_builder_add_string_value(b, m->account);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "last_seen");
        json_builder_add_string_value(b, t);
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, tw_state_name(state));
        json_builder_set_member_name(b, "rule");
        if (f)
            json_builder_add_string_value(b, f->rule->name);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        g_autofree char *s = json_to_string(root, FALSE);
        tw_out_write(st->alerts, s, strlen(s));
        tw_out_write(st->alerts, "\n", 1);
    } else if (st->announce) {
        fprintf(st->announce, "retired   %s, not seen since %s: last verdict %s%s%s\n", m->key, t,
                tw_state_name(state), f ? " " : "", f ? f->rule->name : "");
    }
}

guint tw_live_retire(TwStages *st, gint64 now_us, gint64 retire_after_us)
{
    RetireCtx rc = { .st = st };
    if (!st->analysis || !now_us || !retire_after_us)
        return 0;
    tw_analysis_retire(st->analysis, now_us, retire_after_us, on_retire, &rc);
    if (st->alerts)
        tw_out_flush(st->alerts);
    return rc.announced;
}

int tw_live_run(TwSource *src, TwPipeline *pl, TwStages *st, const TwLiveRunOptions *o,
                volatile sig_atomic_t *stop, GError **err)
{
    g_autofree char *desc = tw_source_describe(src);
    g_autofree char *iface_owned = desc ? g_strndup(desc, strcspn(desc, " ")) : g_strdup("?");
    const char *iface = iface_owned;
    st->capture_live = true;

    GString *start = g_string_new(NULL);
    g_string_append_printf(start, "trustwire: capturing on %s; findings %s", desc ? desc : "?",
                           st->alerts ? "as JSON to " : (st->announce ? "on stderr" : "not shown"));
    if (st->alerts)
        g_string_append(start, st->alerts->name);
    if (o->report_every_us)
        g_string_append_printf(start, "; a report every %.0f s", (double)o->report_every_us / 1e6);
    g_string_append(start, "; a report on SIGUSR1 and at SIGINT/SIGTERM");
    if (o->retire_after_us)
        g_string_append_printf(start, "; machines not seen for %.0f s are retired", (double)o->retire_after_us / 1e6);
    if (o->max_packets)
        g_string_append_printf(start, "; stops after %" G_GUINT64_FORMAT " packets", o->max_packets);
    if (o->user)
        g_string_append_printf(start, "; running as %s", o->user);
    fprintf(stderr, "%s\n", start->str);
    g_string_free(start, TRUE);

    LiveHealth h = { 0 };
    gint64 now = g_get_monotonic_time();
    h.interval_start = now;
    gint64 stats_every = o->stats_every_us > 0 ? o->stats_every_us : 60 * G_USEC_PER_SEC;
    gint64 next_report = o->report_every_us ? now + o->report_every_us : G_MAXINT64;
    gint64 retire_every = o->retire_after_us ? MIN(o->retire_after_us / 4 + 1, 60 * G_USEC_PER_SEC) : 0;
    gint64 next_retire = retire_every ? now + retire_every : G_MAXINT64;
    gint64 last_capture_ts = 0;
    guint64 packets = 0;

    /* The interface's health record (cli/main.c adds its drop counters to it). */
    TwHealthSource *hs = st->analysis ? tw_health_source(st->analysis->health, iface, "live") : NULL;

    int status = 0;
    TwFrame frame;
    guint since_check = 0;
    TwFanout *fo = o->fanout;
    if (fo) {
        if (o->max_packets)
            tw_source_set_max_frames(src, o->max_packets); /* the workers stop after N */
        tw_fanout_start(fo);
    }
    for (;;) {
        int r;
        if (fo) {
            /* The workers' events, merged by capture time; the workers
             * stop at SIGINT/SIGTERM or -c (the signal handler breaks the
             * source), and every event of theirs is handed on before 0. */
            TwEvent *ev = NULL;
            GError *werr = NULL;
            r = tw_fanout_next(fo, &ev, TW_LIVE_TIMEOUT_MS * 1000, &werr);
            if (r < 0) {
                /* one socket failed: said, the others go on */
                fprintf(stderr, "trustwire: %s\n", werr->message);
                if (!*err)
                    *err = werr;
                else
                    g_error_free(werr);
                status = -1;
                continue;
            }
            if (r == 0)
                break;
            if (r == 1) {
                last_capture_ts = ev->ts_us;
                health_lock(o);
                o->emit(ev, o->emit_user);
                health_unlock(o);
                if (++since_check < 256 && !report_requested)
                    continue;
            }
        } else {
            r = tw_source_next_live(src, &frame, err);
            if (r < 0) {
                status = -1;
                break;
            }
            if (r == 0 || *stop)
                break;
            if (r == 1) {
                /* A frame the dissectors use goes to the -w ring (the
                 * pipeline's frame hooks, before its bytes are dissected): a
                 * finding it establishes can name the file that holds it. */
                /* The same capture-health accounting as file frames (cli/main.c
                 * on_frame): a small -s cuts messages, and the report says so. */
                if (hs)
                    tw_health_frame(st->analysis->health, hs, frame.no, frame.no, frame.ts_us, frame.caplen,
                                    frame.origlen);
                tw_pipeline_frame(pl, &frame);
                last_capture_ts = frame.ts_us;
                if (o->max_packets && ++packets >= o->max_packets)
                    break;
                /* Timers are looked at every 256 packets, and whenever the
                 * capture is idle for the read timeout or woken by a signal. */
                if (++since_check < 256 && !report_requested)
                    continue;
            }
        }
        since_check = 0;
        now = g_get_monotonic_time();
        health_lock(o); /* the workers feed the health frame by frame */
        health_update(src, &h, st); /* findings say whether packets were lost before them */
        if (st->ring && r == 2)
            tw_ring_flush(st->ring); /* idle: what was captured is on disk */
        if (tw_live_report_wanted())
            report_now(src, st, iface, &h, "SIGUSR1", now);
        if (now >= next_report) {
            report_now(src, st, iface, &h, "periodic", now);
            next_report = now + o->report_every_us;
        } else if (now - h.interval_start >= stats_every) {
            end_interval(src, st, iface, &h, "interval", now);
        }
        if (now >= next_retire && st->analysis && last_capture_ts) {
            /* Capture time, as every other timeout of the analysis. */
            tw_live_retire(st, last_capture_ts, o->retire_after_us);
            next_retire = now + retire_every;
        }
        health_unlock(o);
    }
    if (pl)
        tw_pipeline_finish(pl);
    if (st->ring) {
        tw_ring_flush(st->ring);
        guint64 kept, not_kept;
        tw_ring_counts(st->ring, &kept, &not_kept);
        fprintf(stderr, "trustwire: -w: %" G_GUINT64_FORMAT " frames the dissectors used were kept in the ring",
                kept);
        if (not_kept)
            fprintf(stderr, "; %" G_GUINT64_FORMAT " IP fragments were not (more held at once than %u)", not_kept,
                    TW_RING_HELD_FRAMES);
        fputc('\n', stderr);
    }
    now = g_get_monotonic_time();
    end_interval(src, st, iface, &h, "final", now);
    if (st->analysis)
        write_health(st, iface, &h, "final");
    return status;
}
