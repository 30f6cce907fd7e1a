/* framer-toy.h — a toy record format for exercising dissectors/framer.h
 * (shared by test-framer.c and fuzz-framer.c; header-only).
 *
 * Record: 0xAA, a 16-bit big-endian body length, the body.  A record start
 * is recognised by its 0xAA; any other byte at a record start is BAD. */
#ifndef FRAMER_TOY_H
#define FRAMER_TOY_H

#include "dissectors/framer.h"

#include <string.h>

#define TOY_MARK 0xAA
#define TOY_HDR 3

typedef struct {
    GString *log; /* one line per record: "<hex>/<reported>[T]" */
    guint records, truncated;
} Toy;

static inline TwFrameLen toy_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    (void)user;
    (void)ctx;
    if (p[0] != TOY_MARK)
        return (TwFrameLen){ TW_FRAME_BAD, 1, 0 };
    if (avail < TOY_HDR)
        return (TwFrameLen){ TW_FRAME_NEED, TOY_HDR, 0 };
    return (TwFrameLen){ TW_FRAME_RECORD, TOY_HDR + (((guint64)p[1] << 8) | p[2]), 0 };
}

static inline TwProbe toy_probe(void *user, const guint8 *p, gsize avail)
{
    (void)user;
    (void)avail;
    return p[0] == TOY_MARK ? TW_PROBE_YES : TW_PROBE_NO;
}

static inline bool toy_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    Toy *t = user;
    (void)ctx;
    t->records++;
    if (rec->truncated)
        t->truncated++;
    for (gsize i = 0; i < rec->len; i++)
        g_string_append_printf(t->log, "%02x", rec->p[i]);
    g_string_append_printf(t->log, "/%" G_GUINT64_FORMAT "%s\n", rec->reported,
                           rec->truncated ? "T" : "");
    return true;
}

static inline TwFramerSpec toy_spec(guint64 max_record, bool gap_exact, bool deliver_truncated)
{
    TwFramerSpec s = {
        .name = "toy",
        .length = toy_length,
        .record = toy_record,
        .probe = toy_probe,
        .probe_window = 1,
        .resync_keep = 0,
        .max_record = max_record,
        .gap_exact = gap_exact,
        .deliver_truncated = deliver_truncated,
    };
    return s;
}

/* Appends one toy record with `n` body bytes valued from `seed`. */
static inline void toy_put(GByteArray *b, guint n, guint8 seed)
{
    guint8 h[TOY_HDR] = { TOY_MARK, (guint8)(n >> 8), (guint8)n };
    g_byte_array_append(b, h, TOY_HDR);
    for (guint i = 0; i < n; i++) {
        guint8 v = (guint8)(seed + i);
        if (v == TOY_MARK)
            v = 0; /* keep bodies free of record marks so hunting is predictable */
        g_byte_array_append(b, &v, 1);
    }
}

/* Every byte fed is delivered, skipped, dropped or still held. */
static inline bool toy_balanced(const TwFramer *fr)
{
    const TwFramerStats *s = &fr->stats;
    return s->fed == s->delivered + s->skipped + s->dropped + tw_framer_buffered(fr);
}

#endif
