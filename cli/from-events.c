/* from-events.c — the streaming k-way merge of saved event files. */
#include "from-events.h"

#include "core/event-json.h"

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

static bool open_input(EventInput *in, bool stdin_closed, MergeState *ms)
{
    bool is_stdin = strcmp(in->path, "-") == 0;
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

int tw_from_events_run(char **paths, bool stdin_closed, TwStages *st, volatile sig_atomic_t *stop,
                       guint64 *events)
{
    guint n = g_strv_length(paths);
    EventInput *inputs = g_new0(EventInput, n);
    EventInput **heap = g_new(EventInput *, n);
    guint hn = 0;
    MergeState ms = { 0 };
    for (guint i = 0; i < n; i++) {
        EventInput *in = &inputs[i];
        in->path = paths[i];
        in->index = i;
        if (!open_input(in, stdin_closed, &ms))
            continue;
        input_next(in, &ms);
        if (in->head)
            heap[hn++] = in;
    }
    for (guint i = hn / 2; i-- > 0;)
        sift_down(heap, hn, i);
    guint64 total = 0;
    while (hn > 0 && !*stop) {
        EventInput *in = heap[0];
        tw_stages_event(st, in->head, in->source);
        tw_event_free(in->head);
        total++;
        input_next(in, &ms);
        if (!in->head)
            heap[0] = heap[--hn];
        sift_down(heap, hn, 0);
    }
    for (guint i = 0; i < n; i++) {
        if (inputs[i].head)
            tw_event_free(inputs[i].head);
        if (inputs[i].f && inputs[i].f != stdin)
            fclose(inputs[i].f);
        tw_line_reader_clear(&inputs[i].lr);
    }
    if (ms.bad)
        fprintf(stderr, "trustwire: %" G_GUINT64_FORMAT " line(s) were not events and were skipped\n", ms.bad);
    g_free(heap);
    g_free(inputs);
    *events = total;
    return ms.status;
}
