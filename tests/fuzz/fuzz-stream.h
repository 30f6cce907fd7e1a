/* fuzz-stream.h — what the parser fuzz targets share: the emit callback that
 * checks every event serialises, and the driver that replays a two-way TCP
 * conversation, encoded in the input, through a TwAppParser. */
#ifndef TW_FUZZ_STREAM_H
#define TW_FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"
#include "core/event.h"

/* Emit callback: every string must serialise; the event is then freed. */
static inline void fuzz_check_event(TwEvent *ev, void *user)
{
    (void)user;
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js);
    g_string_free(js, TRUE);
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
