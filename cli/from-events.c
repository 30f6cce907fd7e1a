/* from-events.c — the streaming k-way merge of saved event files. */
#include "from-events.h"

#include "core/event-json.h"
#include "core/tw-limits.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define TW_FROM_EVENTS_MAX_MESSAGES 5 /* unparsable lines named one by one; the rest counted */

typedef struct {
    const char *path;
    const char *source; /* "stdin" or the path: names the sensor in the report */
    FILE *f;
    guint index;        /* order on the command line: breaks time-stamp ties */
    TwLineReader lr;
    TwEvent *head;      /* the input's next event, NULL once exhausted */
    guint64 events;
    guint64 not_events; /* lines that parse as JSON but are no event, or do not parse */
    guint64 too_deep;   /* lines refused by the nesting pre-scan */
    gint64 clock_fix_us; /* added to every time stamp: the sensor's clock correction */
    guint64 same_packet; /* events that were another input's packet (counted once) */
} EventInput;

typedef struct {
    guint64 messages; /* unparsable lines reported so far (all inputs) */
    guint64 bad;      /* lines skipped (all inputs) */
    int status;
} MergeState;

/* Advances `in` to its next event (in->head), or exhausts it. */
static void input_next(EventInput *in, MergeState *ms)
{
    in->head = NULL;
    if (!in->f)
        return;
    const char *line;
    gsize n;
    int r;
    while ((r = tw_line_reader_next(&in->lr, &line, &n)) > 0) {
        if (n == 0)
            continue;
        g_autoptr(GError) err = NULL;
        TwEvent *ev = tw_event_from_json(line, (gssize)n, &err);
        if (ev) {
            in->events++;
            ev->ts_us += in->clock_fix_us;
            in->head = ev;
            return;
        }
        if (g_error_matches(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_TOO_DEEP))
            in->too_deep++;
        else
            in->not_events++;
        ms->bad++;
        if (ms->messages++ < TW_FROM_EVENTS_MAX_MESSAGES)
            fprintf(stderr, "trustwire: %s:%" G_GUINT64_FORMAT ": %s\n", in->source, in->lr.lines, err->message);
    }
    if (r < 0) {
        fprintf(stderr, "trustwire: %s: %s\n", in->source, g_strerror(in->lr.read_errno));
        ms->status = 2;
    }
    ms->bad += in->lr.overlong;
    if (in->lr.overlong)
        fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " line(s) longer than %u bytes were skipped unread\n",
                in->source, in->lr.overlong, TW_JSON_MAX_LINE);
    if (in->too_deep)
        fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " line(s) nested deeper than %u levels were refused\n",
                in->source, in->too_deep, TW_JSON_MAX_DEPTH);
    if (in->events == 0 && r == 0) {
        if (in->lr.lines == 0)
            fprintf(stderr, "trustwire: no events in %s: it is empty\n", in->source);
        else
            fprintf(stderr, "trustwire: no events in %s: %" G_GUINT64_FORMAT " line%s, none an event\n",
                    in->source, in->lr.lines, in->lr.lines == 1 ? "" : "s");
    }
    if (in->f != stdin)
        fclose(in->f);
    in->f = NULL;
}

/* Heap order: the smaller time stamp first, then the input given first. */
static bool before(const EventInput *x, const EventInput *y)
{
    if (x->head->ts_us != y->head->ts_us)
        return x->head->ts_us < y->head->ts_us;
    return x->index < y->index;
}

static void sift_down(EventInput **h, guint n, guint i)
{
    for (;;) {
        guint l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && before(h[l], h[m]))
            m = l;
        if (r < n && before(h[r], h[m]))
            m = r;
        if (m == i)
            return;
        EventInput *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int compare_i64(const gint64 *a, const gint64 *b)
{
    return *a < *b ? -1 : *a > *b;
}

/* ---- one packet seen by several sensors ---- */

typedef struct {
    guint64 hash;
    gint64 ts_us;
    guint input;
    guint64 claimed; /* inputs whose copy of it was found (bit per input, the first 64) */
} SeenPacket;

struct TwSamePacket {
    GHashTable *by_hash; /* guint64* hash (owned) -> GQueue* of SeenPacket* */
    GQueue age;          /* SeenPacket*, in merge order */
    GString *buf;
    bool full_said;
};
typedef TwSamePacket SamePacket;

/* What two sensors' copies of one packet share: every field and the
 * 5-tuple, i.e. the event without frame number, capture time and MACs. */
static guint64 packet_hash(SamePacket *sp, TwEvent *ev)
{
    guint64 frame = ev->frame;
    gint64 ts = ev->ts_us;
    bool has_mac = ev->has_mac;
    ev->frame = 0;
    ev->ts_us = 0;
    ev->has_mac = false;
    g_string_truncate(sp->buf, 0);
    tw_event_to_json(ev, sp->buf);
    ev->frame = frame;
    ev->ts_us = ts;
    ev->has_mac = has_mac;
    guint64 h = 14695981039346656037ull; /* FNV-1a 64 */
    for (gsize i = 0; i < sp->buf->len; i++)
        h = (h ^ (guint8)sp->buf->str[i]) * 1099511628211ull;
    return h;
}

static void seen_forget(SamePacket *sp, SeenPacket *s)
{
    GQueue *q = g_hash_table_lookup(sp->by_hash, &s->hash);
    g_queue_remove(q, s);
    if (q->length == 0)
        g_hash_table_remove(sp->by_hash, &s->hash);
    g_free(s);
}

TwSamePacket *tw_same_packet_new(void)
{
    TwSamePacket *sp = g_new0(TwSamePacket, 1);
    sp->by_hash = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)g_queue_free);
    sp->buf = g_string_new(NULL);
    g_queue_init(&sp->age);
    return sp;
}

void tw_same_packet_free(TwSamePacket *sp)
{
    if (!sp)
        return;
    SeenPacket *s;
    while ((s = g_queue_pop_head(&sp->age)) != NULL)
        g_free(s);
    g_hash_table_unref(sp->by_hash);
    g_string_free(sp->buf, TRUE);
    g_free(sp);
}

/* True when `ev` of input `index` is a packet another input already gave
 * (TW_FLEET_SAME_PACKET_US apart at most); else it is remembered. */
bool tw_same_packet(TwSamePacket *sp, guint index, TwEvent *ev)
{
    GList *l;
    while ((l = sp->age.head) != NULL) {
        SeenPacket *s = l->data;
        bool old = ev->ts_us > s->ts_us && ev->ts_us - s->ts_us > TW_FLEET_SAME_PACKET_US;
        if (!old && sp->age.length < TW_FLEET_SAME_PACKET_MAX)
            break;
        if (!old && !sp->full_said) {
            fprintf(stderr, "trustwire: more than %u events within %.1f s: copies of a packet seen by two "
                            "sensors further apart may be counted twice (fleet.same_packet_window_full)\n",
                    TW_FLEET_SAME_PACKET_MAX, TW_FLEET_SAME_PACKET_US / 1e6);
            sp->full_said = true;
        }
        g_queue_pop_head(&sp->age);
        seen_forget(sp, s);
    }
    guint64 h = packet_hash(sp, ev);
    guint64 bit = index < 64 ? 1ull << index : 0;
    GQueue *q = g_hash_table_lookup(sp->by_hash, &h);
    for (GList *c = q ? q->head : NULL; c; c = c->next) {
        SeenPacket *s = c->data;
        gint64 d = ev->ts_us > s->ts_us ? ev->ts_us - s->ts_us : s->ts_us - ev->ts_us;
        if (s->input != index && bit && !(s->claimed & bit) && d <= TW_FLEET_SAME_PACKET_US) {
            s->claimed |= bit;
            return true;
        }
    }
    SeenPacket *s = g_new0(SeenPacket, 1);
    s->hash = h;
    s->ts_us = ev->ts_us;
    s->input = index;
    if (!q) {
        q = g_queue_new();
        g_hash_table_insert(sp->by_hash, g_memdup2(&h, sizeof h), q);
    }
    g_queue_push_tail(q, s);
    g_queue_push_tail(&sp->age, s);
    return false;
}

/* ---- each sensor's capture clock against the DCs' ---- */

/* The median of (a server's clock − capture time) over the server clock
 * samples of one input — KRB-ERROR stime, SMB2 NEGOTIATE server_time, NTP
 * server replies (docs/events.md) — or false when it has none.  Read
 * ahead of the merge (regular files only). */
static bool input_clock_offset(const char *path, gint64 *offset_us, guint *samples)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(gint64));
    TwLineReader lr;
    tw_line_reader_init(&lr, f, TW_JSON_MAX_LINE);
    const char *line;
    gsize n;
    while (tw_line_reader_next(&lr, &line, &n) > 0 && v->len < TW_FLEET_CLOCK_SAMPLES_MAX) {
        if (!g_strstr_len(line, (gssize)n, "\"stime\"") && !g_strstr_len(line, (gssize)n, "\"server_time_us\"") &&
            !g_strstr_len(line, (gssize)n, "\"clock_sample_us\""))
            continue;
        g_autoptr(TwEvent) ev = tw_event_from_json(line, (gssize)n, NULL);
        if (!ev)
            continue;
        gint64 o;
        const char *st = tw_event_get_str(ev, "stime");
        if (st && strcmp(ev->proto, "kerberos") == 0) {
            g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(st, NULL);
            if (!dt)
                continue;
            o = g_date_time_to_unix(dt) * G_USEC_PER_SEC + CLAMP(tw_event_get_int(ev, "susec", 0), 0, 999999) -
                ev->ts_us;
        } else if (tw_event_has(ev, "server_time_us") && strcmp(ev->proto, "smb2") == 0) {
            o = tw_event_get_int(ev, "server_time_us", 0) - ev->ts_us;
        } else if (tw_event_has(ev, "clock_sample_us") && tw_event_get_int(ev, "mode", 0) == 4) {
            o = tw_event_get_int(ev, "clock_sample_us", 0);
        } else {
            continue;
        }
        g_array_append_val(v, o);
    }
    tw_line_reader_clear(&lr);
    fclose(f);
    if (v->len == 0)
        return false;
    g_array_sort(v, (GCompareFunc)compare_i64);
    *offset_us = g_array_index(v, gint64, v->len / 2);
    *samples = v->len;
    return true;
}

/* Several sensors: each one's offset to the DCs is measured; the sensor
 * closest to the DCs is the reference (a DC really off is off for all of
 * them), and a sensor further than TW_FLEET_SAME_PACKET_US from it has its
 * time stamps moved by the difference, said on stderr. */
static void correct_clocks(EventInput *inputs, guint n)
{
    g_autofree gint64 *off = g_new0(gint64, n);
    g_autofree bool *have = g_new0(bool, n);
    gint64 ref = 0;
    bool have_ref = false;
    for (guint i = 0; i < n; i++) {
        guint samples = 0;
        have[i] = inputs[i].f && inputs[i].f != stdin && input_clock_offset(inputs[i].path, &off[i], &samples);
        if (have[i] && (!have_ref || (off[i] < 0 ? -off[i] : off[i]) < (ref < 0 ? -ref : ref))) {
            ref = off[i];
            have_ref = true;
        }
    }
    for (guint i = 0; have_ref && i < n; i++) {
        if (!have[i])
            continue;
        gint64 d = off[i] - ref;
        if (d > TW_FLEET_SAME_PACKET_US || -d > TW_FLEET_SAME_PACKET_US) {
            inputs[i].clock_fix_us = d;
            fprintf(stderr, "trustwire: %s: this sensor's capture clock is %.1f s %s the DCs' as the other "
                            "sensors see them: its times are corrected by %+.1f s\n",
                    inputs[i].source, (d < 0 ? -d : d) / 1e6, d > 0 ? "behind" : "ahead of", d / 1e6);
        }
    }
}

static bool open_input(EventInput *in, bool stdin_closed, MergeState *ms)
{
    bool is_stdin = strcmp(in->path, "-") == 0;
    if (!in->source)
        in->source = is_stdin ? "stdin" : in->path;
    if (is_stdin) {
        if (stdin_closed) {
            fprintf(stderr, "trustwire: no events: stdin is closed\n");
            ms->status = 2;
            return false;
        }
        in->f = stdin;
    } else {
        struct stat sb;
        if (stat(in->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "trustwire: %s: is a directory\n", in->path);
            ms->status = 2;
            return false;
        }
        in->f = fopen(in->path, "r");
        if (!in->f) {
            fprintf(stderr, "trustwire: %s: %s\n", in->path, g_strerror(errno));
            ms->status = 2;
            return false;
        }
    }
    tw_line_reader_init(&in->lr, in->f, TW_JSON_MAX_LINE);
    return true;
}

int tw_from_events_run(char **paths, char **names, bool stdin_closed, TwStages *st,
                       volatile sig_atomic_t *stop, guint64 *events)
{
    guint n = g_strv_length(paths);
    EventInput *inputs = g_new0(EventInput, n);
    EventInput **heap = g_new(EventInput *, n);
    guint hn = 0;
    MergeState ms = { 0 };
    for (guint i = 0; i < n; i++) {
        EventInput *in = &inputs[i];
        in->path = paths[i];
        in->source = names ? names[i] : NULL;
        in->index = i;
        open_input(in, stdin_closed, &ms);
    }
    if (n > 1)
        correct_clocks(inputs, n);
    for (guint i = 0; i < n; i++) {
        EventInput *in = &inputs[i];
        if (!in->f)
            continue;
        input_next(in, &ms);
        if (in->head)
            heap[hn++] = in;
    }
    g_autoptr(TwSamePacket) sp = tw_same_packet_new();
    guint64 dups = 0;
    for (guint i = hn / 2; i-- > 0;)
        sift_down(heap, hn, i);
    guint64 total = 0;
    while (hn > 0 && !*stop) {
        EventInput *in = heap[0];
        if (n > 1 && tw_same_packet(sp, in->index, in->head)) {
            in->same_packet++;
            dups++;
        } else {
            tw_stages_event(st, in->head, in->source);
            total++;
        }
        tw_event_free(in->head);
        input_next(in, &ms);
        if (!in->head)
            heap[0] = heap[--hn];
        sift_down(heap, hn, 0);
    }
    for (guint i = 0; i < n && st->analysis; i++) {
        /* Capture health: what each input gave and what it refused. */
        EventInput *in = &inputs[i];
        TwHealthSource *hs = tw_health_source(st->analysis->health, in->source ? in->source : in->path, "events");
        hs->events = in->events;
        hs->refused = in->not_events + in->too_deep + in->lr.overlong;
        if (in->lr.read_errno)
            tw_health_ended_early(st->analysis->health, hs, g_strerror(in->lr.read_errno));
    }
    for (guint i = 0; i < n; i++) {
        if (inputs[i].head)
            tw_event_free(inputs[i].head);
        if (inputs[i].f && inputs[i].f != stdin)
            fclose(inputs[i].f);
        tw_line_reader_clear(&inputs[i].lr);
    }
    if (dups)
        fprintf(stderr, "trustwire: %" G_GUINT64_FORMAT " event(s) were packets another sensor had already "
                        "given (the same fields and 5-tuple within %.1f s): each counted once\n",
                dups, TW_FLEET_SAME_PACKET_US / 1e6);
    if (ms.bad)
        fprintf(stderr, "trustwire: %" G_GUINT64_FORMAT " line(s) were not events and were skipped\n", ms.bad);
    g_free(heap);
    g_free(inputs);
    *events = total;
    return ms.status;
}
