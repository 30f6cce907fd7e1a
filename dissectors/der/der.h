/* der.h — a bounded DER (X.690) reader on top of TwCursor.
 *
 * Modelled on MIT krb5's asn1_encode.c get_tag(): read the identifier octets
 * (class, constructed bit, tag number, with the high-tag-number form capped),
 * then the length (short form, or long form with at most
 * TW_DER_MAX_LEN_OCTETS octets; indefinite length is not DER and is
 * rejected as TW_MALFORMED), and hand back the contents as a child cursor.
 * Errors latch in the parent cursor exactly as TwCursor reads do: a snaplen
 * cut gives TW_TRUNCATED, a length larger than the enclosing value gives
 * TW_MALFORMED, nesting deeper than TW_DER_MAX_DEPTH gives TW_LIMIT.
 */
#pragma once

#include "core/tw-limits.h"
#include "core/cursor.h"

/* Safety caps: core/tw-limits.h. */

enum {
    TW_DER_UNIVERSAL = 0,
    TW_DER_APPLICATION = 1,
    TW_DER_CONTEXT = 2,
    TW_DER_PRIVATE = 3,
};

/* Universal tag numbers used by Kerberos. */
enum {
    TW_DER_TAG_BOOLEAN = 1,
    TW_DER_TAG_INTEGER = 2,
    TW_DER_TAG_BIT_STRING = 3,
    TW_DER_TAG_OCTET_STRING = 4,
    TW_DER_TAG_NULL = 5,
    TW_DER_TAG_OID = 6,
    TW_DER_TAG_UTF8STRING = 12,
    TW_DER_TAG_SEQUENCE = 16,
    TW_DER_TAG_SET = 17,
    TW_DER_TAG_IA5STRING = 22,
    TW_DER_TAG_GENERALIZED_TIME = 24,
    TW_DER_TAG_GENERAL_STRING = 27,
};

/* One decoded TLV. `content` is a child cursor over its value octets;
 * `hdr_len` is the size of identifier + length octets. */
typedef struct {
    guint8 cls;         /* TW_DER_UNIVERSAL … TW_DER_PRIVATE */
    bool constructed;
    guint32 tag;
    gsize len;          /* content length as encoded */
    gsize hdr_len;
    TwCursor content;
} TwDerTlv;

/* Reads one TLV header and takes its content.  Returns false (with the error
 * latched in c) on any problem. `depth` is the caller's nesting level; a value
 * > TW_DER_MAX_DEPTH latches TW_LIMIT. */
bool tw_der_read_any(TwCursor *c, TwDerTlv *out, guint depth);

/* tw_der_read_any, with the common case inline: a low tag number (X.690
 * 8.1.2.2) and a short-form length (8.1.3.4) or a long form of one or two
 * octets (8.1.3.5), the whole header captured.  Everything else (and every
 * error) takes tw_der_read_any. */
/* The plain header at p (avail bytes there): a low tag number (X.690
 * 8.1.2.2), a short-form length (8.1.3.4) or a long form of one or two
 * octets (8.1.3.5), and the content captured whole within avail.  True with
 * *len and *hdr; false for anything else (which tw_der_read_any judges). */
static inline __attribute__((always_inline)) bool tw_der_plain_header(const guint8 *p, gsize avail, gsize *len, gsize *hdr)
{
    if (avail < 2 || (p[0] & 0x1f) == 0x1f)
        return false;
    guint8 lb = p[1];
    if (lb < 0x80) {
        *len = lb;
        *hdr = 2;
    } else if (lb == 0x81 && avail >= 3) {
        *len = p[2];
        *hdr = 3;
    } else if (lb == 0x82 && avail >= 4) {
        *len = ((gsize)p[2] << 8) | p[3];
        *hdr = 4;
    } else {
        return false;
    }
    return *len <= avail - *hdr;
}

/* The TLV of a plain header (tw_der_plain_header) at p into out: the
 * content is a child cursor over the captured octets (tw_cursor_take's
 * plain case). */
static inline void tw_der_plain_tlv(const guint8 *p, gsize len, gsize hdr, TwDerTlv *out)
{
    out->cls = p[0] >> 6;
    out->constructed = (p[0] & 0x20) != 0;
    out->tag = p[0] & 0x1f;
    out->len = len;
    out->hdr_len = hdr;
    out->content.p = p + hdr;
    out->content.len = len;
    out->content.reported = len;
    out->content.off = 0;
    out->content.status = TW_OK;
}

static inline bool tw_der_read(TwCursor *c, TwDerTlv *out, guint depth)
{
    gsize len, hdr;
    if (c->status == TW_OK && depth <= TW_DER_MAX_DEPTH &&
        tw_der_plain_header(c->p + c->off, c->len - c->off, &len, &hdr)) {
        tw_der_plain_tlv(c->p + c->off, len, hdr, out);
        c->off += hdr + len;
        return true;
    }
    return tw_der_read_any(c, out, depth);
}

/* True when the n bytes at p are all ASCII and none is NUL (then they are
 * their own valid UTF-8 text, as tw_der_string_view hands them out).  Read
 * in words: 8 bytes at a time and the last 8 (overlapping the ones before),
 * or for 4..7 bytes two overlapping 4-byte words, or 1..3 bytes one by one
 * (the word's other bytes 0x01: ASCII, not NUL).  Reading a byte twice
 * does not change the answer. */
static inline bool tw_der_ascii_text(const guint8 *p, gsize n)
{
    const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101), highs = G_GUINT64_CONSTANT(0x8080808080808080);
    guint64 w, bad = 0;
    if (n >= 8) {
        for (gsize i = 0; i + 8 < n; i += 8) {
            memcpy(&w, p + i, 8);
            bad |= w | ((w - ones) & ~w); /* a high bit: non-ASCII, or a zero byte */
        }
        memcpy(&w, p + n - 8, 8);
    } else if (n >= 4) {
        guint32 a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        w = ((guint64)a << 32) | b;
    } else if (n > 0) {
        w = G_GUINT64_CONSTANT(0x0101010101000000) | p[0] | (guint64)p[n >> 1] << 8 | (guint64)p[n - 1] << 16;
    } else {
        return true;
    }
    bad |= w | ((w - ones) & ~w);
    return (bad & highs) == 0;
}

/* Reads only the identifier + length of the next TLV without consuming it
 * (used for probes and TCP record sniffing).  Returns false when more bytes
 * are needed or the header is invalid; *status says which. */
bool tw_der_peek_header(const guint8 *p, gsize len, guint8 *cls, bool *constructed,
                        guint32 *tag, gsize *content_len, gsize *hdr_len, TwStatus *status);

/* True if the next TLV is [cls tag] (does not consume or latch errors). */
bool tw_der_next_is(const TwCursor *c, guint8 cls, guint32 tag);

/* Expects the next TLV to be [cls tag]; on match reads it into *out and
 * returns true.  On mismatch returns false WITHOUT consuming or latching
 * (so OPTIONAL fields can be probed); on an encoding error latches it. */
bool tw_der_expect(TwCursor *c, guint8 cls, guint32 tag, TwDerTlv *out, guint depth);

/* Explicit context tag [n]: reads [n] and then the single TLV inside it. */
bool tw_der_explicit(TwCursor *c, guint32 ctx_tag, TwDerTlv *inner, guint depth);

/* Primitive decoders of an already-read TLV's content. They latch errors in
 * tlv->content and return false on failure. */
bool tw_der_integer(TwDerTlv *tlv, gint64 *out);               /* INTEGER, <= 8 octets */
bool tw_der_bit_string_u32(TwDerTlv *tlv, guint32 *out);        /* first 32 bits, MSB = bit 0 */
/* A copy, invalid UTF-8 replaced.  Returns: (transfer full) (nullable): free
 * with g_free(); NULL when constructed or the cursor failed. */
char *tw_der_string(TwDerTlv *tlv);
/* The same text without a copy when the content octets already are it (no
 * NUL, valid UTF-8, within TW_DER_MAX_STRING): the *n bytes returned, not
 * NUL-terminated, borrowed from the buffer tlv reads, *owned NULL.  Else the
 * text is tw_der_string()'s, returned and in *owned (transfer full: free
 * with g_free()).  Same cursor effects as tw_der_string().
 * Returns: (transfer none) (nullable). */
const char *tw_der_string_view(TwDerTlv *tlv, gsize *n, char **owned);
/* Returns: (transfer none) (nullable): the content bytes, borrowed from the
 * buffer tlv reads; NULL (and *len 0) when the cursor failed. */
const guint8 *tw_der_octets(TwDerTlv *tlv, gsize *len);
bool tw_der_generalized_time(TwDerTlv *tlv, gint64 *ts_us);     /* "YYYYMMDDHHMMSS[.f]Z" */

/* Convenience: explicit [n] wrapping an INTEGER / string / time. */
bool tw_der_ctx_integer(TwCursor *c, guint32 ctx_tag, gint64 *out, guint depth);
/* Returns: (transfer full) (nullable): as tw_der_string(); NULL when [ctx_tag]
 * is absent or malformed. */
char *tw_der_ctx_string(TwCursor *c, guint32 ctx_tag, guint depth);
bool tw_der_ctx_time(TwCursor *c, guint32 ctx_tag, gint64 *ts_us, guint depth);

/* Propagate a child cursor's latched error into the parent (first error wins). */
static inline void tw_der_propagate(TwCursor *parent, const TwCursor *child)
{
    if (child->status)
        tw_cursor_fail(parent, child->status);
}
