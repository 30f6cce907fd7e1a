/* fuzz-tcp-reasm.c — one direction of TCP reassembly driven by a script of
 * segments.  Input: byte 0 picks the mode; then records of
 *   flags(1) seq_delta(2, BE, signed) len(2, BE) caplen(2, BE) [ack(2)]
 * In "consistent" mode every segment carries the stream's true bytes
 * (byte at sequence s is pattern(s)), so whatever is delivered must match
 * the pattern at its position — reordering, overlaps, retransmissions,
 * truncation, wraparound and gaps must never shift or invent bytes.  In
 * "hostile" mode payloads come from the input and only memory safety and
 * the caps are checked. */
#include "capture/caps.h"
#include "capture/tcp-reasm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline guint8 pattern(guint32 seq)
{
    return (guint8)((seq * 2654435761u) >> 24);
}

typedef struct {
    bool consistent;
    bool positioned; /* pos is known (set by the first delivery or gap) */
    guint32 pos;     /* sequence number of the next delivered byte */
    TwTcpDir *dir;
} Check;

static void on_data(void *user, int d, const guint8 *p, guint32 len)
{
    Check *c = user;
    /* Callbacks run before next_seq moves past the bytes they report. */
    if (c->positioned && c->pos != c->dir->next_seq)
        abort();
    c->pos = c->dir->next_seq;
    c->positioned = true;
    if (c->consistent)
        for (guint32 i = 0; i < len; i++)
            if (p[i] != pattern(c->pos + i))
                abort();
    c->pos += len;
}

static void on_gap(void *user, int d, guint64 len)
{
    Check *c = user;
    if (len == 0 || len > 0x80000000u)
        abort();
    if (c->positioned && c->pos != c->dir->next_seq)
        abort();
    c->pos = c->dir->next_seq + (guint32)len;
    c->positioned = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static guint8 buf[70000];
    GHashTable *counters = tw_counters_new();
    TwCapNotify notify;
    tw_cap_notify_init(&notify, counters);
    TwTcpDir dir;
    tw_tcp_dir_init(&dir);
    Check c = { (data[0] & 1) == 0, false, 0, &dir };
    TwTcpSink sink = { on_data, on_gap, &c, 0, &notify };
    guint32 isn = 0xfffff000u + data[0]; /* near the wrap */
    gsize off = 1;
    guint32 hostile_at = 0;
    while (size - off >= 7) {
        guint8 flags = data[off];
        gint16 delta = (gint16)((data[off + 1] << 8) | data[off + 2]);
        guint32 len = (guint32)((data[off + 3] << 8) | data[off + 4]) % 4096;
        guint32 caplen = (guint32)((data[off + 5] << 8) | data[off + 6]);
        off += 7;
        guint32 seq = isn + (guint32)(gint32)delta * 16;
        if (flags & 0x40)
            caplen = len; /* most segments are whole */
        if (c.consistent) {
            for (guint32 i = 0; i < len; i++)
                buf[i] = pattern(seq + ((flags & TW_TCP_SYN) ? 1 : 0) + i);
        } else {
            for (guint32 i = 0; i < len; i++)
                buf[i] = data[(hostile_at + i) % size];
            hostile_at += len;
        }
        /* The SYN's sequence number is the ISN itself. */
        tw_tcp_dir_segment(&dir, seq, flags & 0x1f, buf, caplen, len, &sink);
        if (flags & 0x80)
            tw_tcp_dir_ack(&dir, seq + len + (flags & 0x20 ? 4096 : 0), &sink);
        if (dir.ooo_bytes > TW_TCP_MAX_OOO_BYTES || dir.ooo.length > TW_TCP_MAX_OOO_SEGMENTS)
            abort();
        if (c.positioned && c.pos != dir.next_seq)
            abort();
    }
    tw_tcp_dir_finish(&dir, &sink);
    if (dir.ooo.length != 0 || dir.ooo_bytes != 0)
        abort();
    if (c.positioned && c.pos != dir.next_seq)
        abort();
    tw_tcp_dir_clear(&dir);
    tw_cap_notify_clear(&notify);
    g_hash_table_unref(counters);
    return 0;
}
