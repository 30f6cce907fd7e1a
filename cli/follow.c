/* follow.c — the fleet's central analysis as a service (follow.h). */
#include "follow.h"
#include "from-events.h"

#include "core/event-json.h"
#include "core/tw-limits.h"
#include "output/report.h"

#include <string.h>

#define FOLLOW_WAIT_MS 200
#define FOLLOW_MAX_MESSAGES 5 /* unparsable messages named one by one; the rest counted */

typedef struct {
    char *name;
    guint index;
    guint64 events, refused;
} Sensor;

typedef struct {
    TwEvent *ev;
    Sensor *sensor;
} Held;

typedef struct {
    TwStages *st;
    GHashTable *sensors; /* name -> Sensor* */
    GPtrArray *order;    /* Sensor*, in the order met (owned) */
    GQueue held;         /* Held*, by capture time (stable: arrival order on ties) */
    gint64 newest_ts;
    gint64 last_ts;      /* capture time of the last event analysed */
    TwSamePacket *sp;
    guint64 events, dups, bad;
} Follow;

static void sensor_free(gpointer p)
{
    Sensor *s = p;
    g_free(s->name);
    g_free(s);
}

static void hold(Follow *fw, TwEvent *ev, Sensor *s)
{
    Held *h = g_new(Held, 1);
    h->ev = ev;
    h->sensor = s;
    /* nearly always the newest: from the tail */
    GList *l = fw->held.tail;
    while (l && ((Held *)l->data)->ev->ts_us > ev->ts_us)
        l = l->prev;
    if (l)
        g_queue_insert_after(&fw->held, l, h);
    else
        g_queue_push_head(&fw->held, h);
    if (ev->ts_us > fw->newest_ts)
        fw->newest_ts = ev->ts_us;
}

static void analyse(Follow *fw, Held *h)
{
    if (fw->order->len > 1 && tw_same_packet(fw->sp, h->sensor->index, h->ev)) {
        fw->dups++;
    } else {
        tw_stages_event(fw->st, h->ev, h->sensor->name);
        fw->events++;
        fw->last_ts = h->ev->ts_us;
    }
    tw_event_free(h->ev);
    g_free(h);
}

/* Every held event up to capture time `upto`, and the oldest beyond the cap. */
static void release(Follow *fw, gint64 upto)
{
    Held *h;
    while ((h = g_queue_peek_head(&fw->held)) != NULL &&
           (h->ev->ts_us <= upto || fw->held.length > TW_FOLLOW_HOLD_MAX))
        analyse(fw, g_queue_pop_head(&fw->held));
}

static bool on_message(const char *name, const char *data, gsize len, void *user)
{
    Follow *fw = user;
    Sensor *s = g_hash_table_lookup(fw->sensors, name);
    if (!s) {
        s = g_new0(Sensor, 1);
        s->name = g_strdup(name);
        s->index = fw->order->len;
        g_ptr_array_add(fw->order, s);
        g_hash_table_insert(fw->sensors, s->name, s);
        fprintf(stderr, "trustwire: sensor %s: first events\n", name);
    }
    g_autoptr(GError) e = NULL;
    TwEvent *ev = len <= TW_JSON_MAX_LINE ? tw_event_from_json(data, (gssize)len, &e) : NULL;
    if (!ev) {
        s->refused++;
        if (fw->bad++ < FOLLOW_MAX_MESSAGES)
            fprintf(stderr, "trustwire: sensor %s: a message is not an event (%s)\n", name,
                    e ? e->message : "longer than a line may be");
        return true;
    }
    s->events++;
    hold(fw, ev, s);
    return true;
}

/* Ahead of each text report: what the fleet gave so far. */
static void write_header(Follow *fw, const char *kind)
{
    TwStages *st = fw->st;
    char t[32];
    tw_format_time(g_get_real_time(), t);
    for (guint i = 0; i < st->sinks->len; i++) {
        TwSink *sk = g_ptr_array_index(st->sinks, i);
        if (strcmp(sk->mode, "report") != 0)
            continue;
        g_string_printf(st->line, "Fleet (%s report, %s): %" G_GUINT64_FORMAT " events from %u sensor%s", kind, t,
                        fw->events, fw->order->len, fw->order->len == 1 ? "" : "s");
        for (guint k = 0; k < fw->order->len; k++)
            g_string_append_printf(st->line, "%s%s", k ? ", " : " (", ((Sensor *)g_ptr_array_index(fw->order, k))->name);
        g_string_append(st->line, fw->order->len ? ").\n\n" : ".\n\n");
        tw_out_write(sk->out, st->line->str, st->line->len);
    }
}

int tw_follow_run(const TwNatsOptions *no, TwStages *st, const TwLiveRunOptions *o, volatile sig_atomic_t *stop,
                  guint64 *events, GError **err)
{
    TwNatsConsumer *c = tw_nats_consumer_open(no, true, err);
    if (!c)
        return 2;
    Follow fw = { .st = st };
    fw.sensors = g_hash_table_new(g_str_hash, g_str_equal);
    fw.order = g_ptr_array_new_with_free_func(sensor_free);
    fw.sp = tw_same_packet_new();
    g_queue_init(&fw.held);
    fw.newest_ts = G_MININT64;

    GString *start = g_string_new(NULL);
    g_string_append_printf(start, "trustwire: following %s as durable consumer %s; findings %s", no->url, no->durable,
                           st->alerts ? "as JSON to " : (st->announce ? "on stderr" : "not shown"));
    if (st->alerts)
        g_string_append(start, st->alerts->name);
    if (o->report_every_us)
        g_string_append_printf(start, "; a report every %.0f s", (double)o->report_every_us / 1e6);
    g_string_append(start, "; a report on SIGUSR1 and at SIGINT/SIGTERM");
    if (o->retire_after_us)
        g_string_append_printf(start, "; machines not seen for %.0f s are retired", (double)o->retire_after_us / 1e6);
    fprintf(stderr, "%s\n", start->str);
    g_string_free(start, TRUE);
    tw_live_install_signals(NULL);

    gint64 now = g_get_monotonic_time();
    gint64 next_report = o->report_every_us ? now + o->report_every_us : G_MAXINT64;
    gint64 retire_every = o->retire_after_us ? MIN(o->retire_after_us / 4 + 1, 60 * G_USEC_PER_SEC) : 0;
    gint64 next_retire = retire_every ? now + retire_every : G_MAXINT64;
    int status = 0;
    while (!*stop) {
        int r = tw_nats_consumer_fetch(c, FOLLOW_WAIT_MS, on_message, &fw, err);
        if (r < 0) {
            fprintf(stderr, "trustwire: %s\n", (*err)->message);
            g_clear_error(err);
            g_usleep(FOLLOW_WAIT_MS * 1000);
            continue;
        }
        /* Idle: what the sensors sent is all here.  Else what is older than
         * the newest event by more than the hold time. */
        release(&fw, r == 0 ? G_MAXINT64 : fw.newest_ts - TW_FOLLOW_HOLD_US);
        if (st->alerts)
            tw_out_flush(st->alerts);
        now = g_get_monotonic_time();
        bool usr1 = tw_live_report_wanted();
        if (usr1 || now >= next_report) {
            write_header(&fw, usr1 ? "SIGUSR1" : "periodic");
            tw_live_reports(st);
            if (now >= next_report)
                next_report = now + o->report_every_us;
        }
        if (now >= next_retire) {
            tw_live_retire(st, fw.last_ts, o->retire_after_us);
            next_retire = now + retire_every;
        }
    }
    release(&fw, G_MAXINT64);
    if (st->analysis) {
        write_header(&fw, "final");
        for (guint i = 0; i < fw.order->len; i++) {
            Sensor *s = g_ptr_array_index(fw.order, i);
            TwHealthSource *hs = tw_health_source(st->analysis->health, s->name, "events");
            hs->events = s->events;
            hs->refused = s->refused;
        }
    }
    if (fw.dups)
        fprintf(stderr, "trustwire: %" G_GUINT64_FORMAT " event(s) were packets another sensor had already "
                        "given (the same fields and 5-tuple within %.1f s): each counted once\n",
                fw.dups, TW_FLEET_SAME_PACKET_US / 1e6);
    fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " event(s) analysed from %u sensor(s)\n", no->url, fw.events,
            fw.order->len);
    *events = fw.events;
    tw_same_packet_free(fw.sp);
    g_hash_table_unref(fw.sensors);
    g_ptr_array_unref(fw.order);
    tw_nats_consumer_close(c);
    return status;
}
