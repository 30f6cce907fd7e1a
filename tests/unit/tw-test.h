/* tw-test.h — byte builders and an event collector shared by the unit tests (header-only:
 * each test is one translation unit). */
#ifndef TW_TEST_H
#define TW_TEST_H

#include <glib.h>

#include "core/event.h"

/* Hex digits to bytes; whitespace between byte pairs is skipped. */
static inline GByteArray *hex(const char *h)
{
    GByteArray *b = g_byte_array_new();
    for (const char *p = h; p[0] && p[1];) {
        if (g_ascii_isspace(*p)) {
            p++;
            continue;
        }
        guint8 v = (guint8)((g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]));
        g_byte_array_append(b, &v, 1);
        p += 2;
    }
    return b;
}

/* Little-endian appenders, as the Windows protocols lay integers out (test-ntp
 * keeps its own big-endian put32/put64 and does not include this header). */
static inline void put8(GByteArray *b, guint8 v) { g_byte_array_append(b, &v, 1); }
static inline void put16(GByteArray *b, guint16 v)
{
    guint8 x[2] = { v & 0xff, v >> 8 };
    g_byte_array_append(b, x, 2);
}
static inline void put32(GByteArray *b, guint32 v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}
static inline void put64(GByteArray *b, guint64 v)
{
    put32(b, (guint32)v);
    put32(b, (guint32)(v >> 32));
}

/* An emit callback that keeps every event: .emit = collect_event,
 * .emit_user = &col (a Collect whose events array frees them). */
typedef struct {
    GPtrArray *events;
} Collect;

static inline void collect_event(TwEvent *ev, void *user)
{
    Collect *c = user;
    g_ptr_array_add(c->events, ev);
}

#endif
