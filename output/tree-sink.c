/* tree-sink.c — the teaching view (-T tree, -V): each event's summary line
 * and tree, then what the relations pass computes (output/tree-relations.c):
 * its relations and clocks, and after the last message of an exchange the
 * exchange's narrative.
 *
 * Events are held in a bounded look-ahead window (TW_TREE_LOOKAHEAD_*,
 * core/tw-limits.h) so that a request can show "response in frame N" once
 * its reply is seen, as Wireshark's second pass does; a held event is kept
 * as its rendered text, never as the event. */
#include "sink.h"
#include "tree-relations.h"

#include "core/tw-limits.h"

#include <string.h>

static GHashTable *selected_frames; /* --frame N: guint64 set, NULL = every frame */

void tw_tree_frames_set(const guint64 *frames, gsize n)
{
    if (selected_frames)
        g_hash_table_destroy(selected_frames);
    selected_frames = NULL;
    if (!n)
        return;
    selected_frames = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    for (gsize i = 0; i < n; i++) {
        guint64 *k = g_new(guint64, 1);
        *k = frames[i];
        g_hash_table_add(selected_frames, k);
    }
}

bool tw_frames_selected(void)
{
    return selected_frames != NULL;
}

bool tw_frame_selected(guint64 frame)
{
    return selected_frames && g_hash_table_contains(selected_frames, &frame);
}

static bool frame_shown(guint64 frame, void *user)
{
    return !selected_frames || g_hash_table_contains(selected_frames, &frame);
}

typedef struct {
    guint64 frame;
    gint64 ts_us;
    const char *proto; /* interned */
    char src[TW_ADDR_STRLEN], dst[TW_ADDR_STRLEN];
    GString *text;  /* summary line + the event's tree */
    GString *rel;   /* computed lines (relations, clocks), grows when the reply comes */
    char *after;    /* narratives written after this event */
    guint64 response_frame; /* the frame its "response in frame" line names, 0: none yet */
    bool shown;
} Entry;

typedef struct {
    TwSink base;
    TwTreeRel *rel;
    GQueue held; /* Entry*, oldest first */
    GString *buf;
    guint64 lookahead_missed;
} TreeSink;

static void entry_free(Entry *e)
{
    g_string_free(e->text, TRUE);
    g_string_free(e->rel, TRUE);
    g_free(e->after);
    g_free(e);
}

static void write_entry(TreeSink *s, Entry *e)
{
    GString *b = s->buf;
    g_string_truncate(b, 0);
    if (e->shown) {
        g_string_append_len(b, e->text->str, e->text->len);
        if (e->rel->len) {
            tw_tree_line(b, 0, "computed", NULL, "by trustwire from this and other messages, not on the wire", NULL);
            g_string_append_len(b, e->rel->str, e->rel->len);
        }
    }
    if (e->after)
        g_string_append(b, e->after);
    if (e->shown || e->after)
        g_string_append_c(b, '\n');
    if (b->len && !s->base.out->err)
        tw_out_write(s->base.out, b->str, b->len);
}

static void flush(TreeSink *s, gint64 now_us, bool all)
{
    while (!g_queue_is_empty(&s->held)) {
        Entry *e = g_queue_peek_head(&s->held);
        if (!all && g_queue_get_length(&s->held) <= TW_TREE_LOOKAHEAD_EVENTS &&
            e->ts_us + TW_TREE_LOOKAHEAD_US >= now_us)
            break;
        g_queue_pop_head(&s->held);
        write_entry(s, e);
        entry_free(e);
    }
}

static void tree_event(TwSink *sink, const TwEvent *ev)
{
    TreeSink *s = (TreeSink *)sink;
    flush(s, ev->ts_us, false); /* what is older than the window goes first */
    Entry *e = g_new0(Entry, 1);
    e->frame = ev->frame;
    e->ts_us = ev->ts_us;
    e->proto = ev->proto;
    g_strlcpy(e->src, ev->src, sizeof e->src);
    g_strlcpy(e->dst, ev->dst, sizeof e->dst);
    e->shown = frame_shown(ev->frame, NULL);
    e->text = g_string_sized_new(256);
    e->rel = g_string_new(NULL);
    if (e->shown) {
        tw_event_summary_line(ev, e->text);
        g_string_append_c(e->text, '\n');
        for (guint i = 0; ev->tree && i < ev->tree->len; i++) {
            const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
            tw_tree_line(e->text, n->depth, n->name, n->value, n->note, n->spec);
        }
    }
    TwTreeRelOut out;
    tw_tree_rel_event(s->rel, ev, e->rel, &out);
    e->after = out.narrative;
    if (out.request_frame) {
        /* "response in frame" on the request, if still held: the newest
         * entry of that frame and proto, sent the other way, that no other
         * message of this reply's frame answered yet (a kpasswd frame holds
         * two messages each way: AP-REQ + KRB-PRIV, AP-REP + KRB-PRIV) */
        bool found = false, seen = false;
        for (GList *l = s->held.tail; l && !found; l = l->prev) {
            Entry *q = l->data;
            if (q->frame < out.request_frame)
                break;
            if (q->frame == out.request_frame && q->proto == out.request_proto &&
                strcmp(q->src, ev->dst) == 0 && strcmp(q->dst, ev->src) == 0) {
                seen = true;
                if (q->response_frame == ev->frame)
                    continue;
                tw_tree_rel_response_line(q->rel, ev->frame, out.delta_us);
                q->response_frame = ev->frame;
                found = true;
            }
        }
        found |= seen; /* every message of the request's frame is answered: not a miss */
        if (!found)
            s->lookahead_missed++;
    }
    g_queue_push_tail(&s->held, e);
    flush(s, ev->ts_us, false);
}

static int tree_end(TwSink *sink, TwAnalysis *an)
{
    TreeSink *s = (TreeSink *)sink;
    flush(s, 0, true);
    g_autofree char *rest = tw_tree_rel_finish(s->rel);
    if (rest && !sink->out->err) {
        tw_out_write(sink->out, rest, strlen(rest));
        tw_out_write(sink->out, "\n", 1);
    }
    return 0;
}

static void tree_free(TwSink *sink)
{
    TreeSink *s = (TreeSink *)sink;
    g_queue_clear_full(&s->held, (GDestroyNotify)entry_free);
    tw_tree_rel_free(s->rel);
    g_string_free(s->buf, TRUE);
    g_free(s);
}

TwSink *tw_sink_tree_new(TwOut *out)
{
    TreeSink *s = g_new0(TreeSink, 1);
    s->base.mode = "tree";
    s->base.needs_tree = true;
    s->base.event = tree_event;
    s->base.end = tree_end;
    s->base.free = tree_free;
    s->base.out = out;
    s->buf = g_string_sized_new(4096);
    s->rel = tw_tree_rel_new(frame_shown, NULL);
    g_queue_init(&s->held);
    return &s->base;
}
