/* cursor.h — the one bounded reader every dissector uses for packet bytes.
 *
 * Modelled on MIT krb5's k5input and Knot's wire_ctx: the first error is
 * latched in `status`, after which every read returns zero and every take
 * returns an empty cursor, so a parser can read a run of fields and check
 * once.  Two lengths are kept, as Wireshark's tvbuff does: `len` is what was
 * captured, `reported` what the wire carried (>= len when snaplen cut the
 * packet).  Reading past `len` but within `reported` is TW_TRUNCATED (the
 * capture lost it); reading past `reported` is TW_MALFORMED (the message lies
 * about its own size).
 *
 * All bound checks are written `n > len - off` so that no addition can wrap.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum {
    TW_OK = 0,
    TW_TRUNCATED, /* data ended because the capture was cut (snaplen, short file) */
    TW_MALFORMED, /* the bytes contradict the protocol */
    TW_LIMIT,     /* a safety cap was hit (depth, count, size) */
} TwStatus;

/* Returns: (transfer none): a static string. */
const char *tw_status_name(TwStatus st);

typedef struct {
    const guint8 *p;
    gsize len;      /* captured bytes available at p */
    gsize reported; /* bytes the wire carried; >= len */
    gsize off;
    TwStatus status;
} TwCursor;

static inline TwCursor tw_cursor_init(const guint8 *p, gsize len)
{
    TwCursor c = { p, len, len, 0, TW_OK };
    return c;
}

/* A cursor over a captured prefix of a longer reported message. */
static inline TwCursor tw_cursor_init_reported(const guint8 *p, gsize len, gsize reported)
{
    TwCursor c = { p, len, reported < len ? len : reported, 0, TW_OK };
    return c;
}

static inline bool tw_cursor_ok(const TwCursor *c) { return c->status == TW_OK; }
static inline gsize tw_cursor_remaining(const TwCursor *c) { return c->status ? 0 : c->len - c->off; }
static inline bool tw_cursor_at_end(const TwCursor *c) { return c->status || c->off == c->len; }
/* (transfer none): borrowed from the buffer c reads. */
static inline const guint8 *tw_cursor_ptr(const TwCursor *c) { return c->p + c->off; }

/* Latch the first error only: later errors are consequences of the first. */
static inline void tw_cursor_fail(TwCursor *c, TwStatus st)
{
    if (c->status == TW_OK)
        c->status = st;
}

/* Checks that n more bytes can be read; latches TRUNCATED or MALFORMED. */
static inline bool tw_cursor_need(TwCursor *c, gsize n)
{
    if (c->status)
        return false;
    if (n > c->len - c->off) {
        tw_cursor_fail(c, n > c->reported - c->off ? TW_MALFORMED : TW_TRUNCATED);
        return false;
    }
    return true;
}

static inline void tw_cursor_skip(TwCursor *c, gsize n)
{
    if (tw_cursor_need(c, n))
        c->off += n;
}

/* Returns a child cursor over the next n bytes and advances past them.  The
 * child inherits the "reported" view: if the parent was cut by snaplen inside
 * those n bytes, the child is short and its reads report TRUNCATED, while the
 * parent is advanced as if the bytes were there only if they were captured. */
static inline TwCursor tw_cursor_take(TwCursor *c, gsize n)
{
    TwCursor child = { c->p + c->off, 0, 0, 0, c->status };
    if (c->status)
        return child;
    if (n > c->reported - c->off) {
        tw_cursor_fail(c, TW_MALFORMED);
        child.status = TW_MALFORMED;
        return child;
    }
    gsize avail = c->len - c->off;
    if (n > avail) {
        /* The child sees what was captured; the parent cannot go on. */
        child.len = avail;
        child.reported = n;
        c->off = c->len;
        tw_cursor_fail(c, TW_TRUNCATED);
        return child;
    }
    child.len = n;
    child.reported = n;
    c->off += n;
    return child;
}

/* Align the offset to a multiple of `align` relative to the cursor start
 * (NDR aligns relative to the stub start: give NDR its own cursor). */
static inline void tw_cursor_align(TwCursor *c, gsize align)
{
    gsize pad = (align - (c->off % align)) % align;
    if (pad)
        tw_cursor_skip(c, pad);
}

static inline guint8 tw_cursor_u8(TwCursor *c)
{
    if (!tw_cursor_need(c, 1))
        return 0;
    return c->p[c->off++];
}

static inline guint16 tw_cursor_be16(TwCursor *c)
{
    if (!tw_cursor_need(c, 2))
        return 0;
    const guint8 *q = c->p + c->off;
    c->off += 2;
    return (guint16)((q[0] << 8) | q[1]);
}

static inline guint32 tw_cursor_be32(TwCursor *c)
{
    if (!tw_cursor_need(c, 4))
        return 0;
    const guint8 *q = c->p + c->off;
    c->off += 4;
    return ((guint32)q[0] << 24) | ((guint32)q[1] << 16) | ((guint32)q[2] << 8) | q[3];
}

static inline guint16 tw_cursor_le16(TwCursor *c)
{
    if (!tw_cursor_need(c, 2))
        return 0;
    const guint8 *q = c->p + c->off;
    c->off += 2;
    return (guint16)(q[0] | (q[1] << 8));
}

static inline guint32 tw_cursor_le32(TwCursor *c)
{
    if (!tw_cursor_need(c, 4))
        return 0;
    const guint8 *q = c->p + c->off;
    c->off += 4;
    return q[0] | ((guint32)q[1] << 8) | ((guint32)q[2] << 16) | ((guint32)q[3] << 24);
}

static inline guint64 tw_cursor_le64(TwCursor *c)
{
    guint64 lo = tw_cursor_le32(c);
    guint64 hi = tw_cursor_le32(c);
    return lo | (hi << 32);
}

static inline guint64 tw_cursor_be64(TwCursor *c)
{
    guint64 hi = tw_cursor_be32(c);
    guint64 lo = tw_cursor_be32(c);
    return lo | (hi << 32);
}

/* Copies n bytes into out (zero-filled on error, as wire_ctx does). */
static inline bool tw_cursor_copy(TwCursor *c, void *out, gsize n)
{
    if (!tw_cursor_need(c, n)) {
        memset(out, 0, n);
        return false;
    }
    memcpy(out, c->p + c->off, n);
    c->off += n;
    return true;
}

/* Borrow a pointer to the next n bytes (valid while the packet is); NULL on error.
 * Returns: (transfer none) (nullable). */
static inline const guint8 *tw_cursor_bytes(TwCursor *c, gsize n)
{
    if (!tw_cursor_need(c, n))
        return NULL;
    const guint8 *q = c->p + c->off;
    c->off += n;
    return q;
}
