/* fuzz-stream.h — what the parser fuzz targets share: the emit callback that
 * checks every event is valid UTF-8 and round-trips through NDJSON, and the
 * driver that replays a two-way TCP conversation, encoded in the input,
 * through a TwAppParser. */
#ifndef TW_FUZZ_STREAM_H
#define TW_FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dissectors/dissect.h"
#include "core/event.h"

static inline void fuzz_check_utf8(const TwEvent *ev, const char *what, const char *s)
{
    if (s && !g_utf8_validate(s, -1, NULL)) {
        fprintf(stderr, "%s event, %s: not valid UTF-8: %s\n", ev->proto, what, s);
        abort();
    }
}

/* Emit callback, the invariant of every dissector fuzz target: each event
 * holds only valid UTF-8 (field names, strings, string lists, the teaching
 * view), and its NDJSON form reads back (tw_event_from_json) into an event
 * that writes the same text again (abort() otherwise).  The event is then
 * freed. */
static inline void fuzz_check_event(TwEvent *ev, void *user)
{
    (void)user;
    fuzz_check_utf8(ev, "proto", ev->proto);
    fuzz_check_utf8(ev, "transport", ev->transport);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        fuzz_check_utf8(ev, "field name", f->key);
        if (f->type == TW_FIELD_STR)
            fuzz_check_utf8(ev, f->key, f->v.s);
        else if (f->type == TW_FIELD_STRLIST)
            for (guint j = 0; j < f->v.slist->len; j++)
                fuzz_check_utf8(ev, f->key, g_ptr_array_index(f->v.slist, j));
    }
    for (guint i = 0; ev->tree && i < ev->tree->len; i++) {
        const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
        fuzz_check_utf8(ev, "tree name", n->name);
        fuzz_check_utf8(ev, "tree value", n->value);
        fuzz_check_utf8(ev, "tree note", n->note);
    }
    GString *j1 = g_string_new(NULL), *j2 = g_string_new(NULL);
    tw_event_to_json(ev, j1);
    TwEvent *back = tw_event_from_json(j1->str, (gssize)j1->len, NULL);
    if (!back) {
        fprintf(stderr, "event JSON does not read back: %s\n", j1->str);
        abort();
    }
    tw_event_to_json(back, j2);
    if (!g_string_equal(j1, j2)) {
        fprintf(stderr, "event JSON round trip differs:\n  %s\n  %s\n", j1->str, j2->str);
        abort();
    }
    tw_event_free(back);
    /* TW_FUZZ_PRINT=1: the harness prints what it decoded, so a fuzz
     * finding's input can be a golden case (tests/golden/TESTLIST @harness). */
    if (getenv("TW_FUZZ_PRINT"))
        printf("%s\n", j1->str);
    g_string_free(j1, TRUE);
    g_string_free(j2, TRUE);
    tw_event_free(ev);
}

/* Input format: a sequence of segments, each a header byte (bit 0:
 * direction, bit 1: a gap of LEN bytes instead of bytes) followed by a
 * 16-bit little-endian LEN and that many bytes (fewer when the input ends
 * first).  Each segment is one frame: pi->frame advances after it. */
static inline void fuzz_feed_segments(const TwAppParser *parser, TwDissectCtx *ctx, TwPacketInfo *pi,
                                      const uint8_t *data, size_t size)
{
    void *st = parser->state_new();
    size_t off = 0;
    while (size - off >= 3) {
        guint8 h = data[off];
        gsize n = data[off + 1] | (data[off + 2] << 8);
        off += 3;
        int dir = (h & 1) ? TW_DIR_RSP : TW_DIR_REQ;
        if (h & 2) {
            parser->gap(st, ctx, dir, n);
        } else {
            if (n > size - off)
                n = size - off;
            parser->feed(st, ctx, dir, data + off, n, n);
            off += n;
        }
        pi->frame++;
    }
    parser->state_free(st);
}

/* A client port 49152 -> server port DPORT TCP conversation in the segment
 * format above, with a counters table, starting at frame 1. */
static inline void fuzz_tcp_conversation(const TwAppParser *parser, guint16 dport, const uint8_t *data,
                                         size_t size)
{
    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.transport = "tcp";
    pi.sport = 49152;
    pi.dport = dport;
    GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event, .counters = counters };
    fuzz_feed_segments(parser, &ctx, &pi, data, size);
    g_hash_table_destroy(counters);
}

#endif
