/* der.c — bounded DER reader (X.690 8.1), modelled on MIT krb5 get_tag(). */
#include "der.h"

/* X.690 8.1.2 identifier octets and 8.1.3 length octets, from a raw buffer.
 * Returns false with *status = TW_TRUNCATED when the header itself is cut,
 * TW_MALFORMED for an invalid or non-DER header, TW_LIMIT for a tag number
 * beyond the cap. */
static bool parse_header(const guint8 *p, gsize avail, guint8 *cls, bool *constructed,
                         guint32 *tag, gsize *content_len, gsize *hdr_len, TwStatus *status)
{
    gsize off = 0;
    *status = TW_OK;
    if (avail < 1) {
        *status = TW_TRUNCATED;
        return false;
    }
    guint8 id = p[off++];
    *cls = id >> 6;
    *constructed = (id & 0x20) != 0;
    guint32 t = id & 0x1f;
    if (t == 0x1f) {
        /* X.690 8.1.2.4: high-tag-number form, base-128, no leading 0x80. */
        t = 0;
        for (int i = 0;; i++) {
            if (off >= avail) {
                *status = TW_TRUNCATED;
                return false;
            }
            guint8 b = p[off++];
            if (i == 0 && b == 0x80) {
                *status = TW_MALFORMED;
                return false;
            }
            t = (t << 7) | (b & 0x7f);
            if (t > TW_DER_MAX_TAG) {
                *status = TW_LIMIT;
                return false;
            }
            if (!(b & 0x80))
                break;
        }
    }
    *tag = t;
    if (off >= avail) {
        *status = TW_TRUNCATED;
        return false;
    }
    guint8 lb = p[off++];
    gsize len;
    if (lb < 0x80) {
        len = lb;
    } else if (lb == 0x80) {
        /* X.690 8.1.3.6 indefinite form: BER only, never DER (RFC 4120 5.1). */
        *status = TW_MALFORMED;
        return false;
    } else {
        guint n = lb & 0x7f;
        if (n > TW_DER_MAX_LEN_OCTETS) {
            *status = TW_MALFORMED;
            return false;
        }
        len = 0;
        for (guint i = 0; i < n; i++) {
            if (off >= avail) {
                *status = TW_TRUNCATED;
                return false;
            }
            len = (len << 8) | p[off++];
        }
    }
    *content_len = len;
    *hdr_len = off;
    return true;
}

bool tw_der_peek_header(const guint8 *p, gsize len, guint8 *cls, bool *constructed,
                        guint32 *tag, gsize *content_len, gsize *hdr_len, TwStatus *status)
{
    return parse_header(p, len, cls, constructed, tag, content_len, hdr_len, status);
}

bool tw_der_read_any(TwCursor *c, TwDerTlv *out, guint depth)
{
    memset(out, 0, sizeof *out);
    out->content.status = TW_MALFORMED;
    if (c->status)
        return false;
    if (depth > TW_DER_MAX_DEPTH) {
        tw_cursor_fail(c, TW_LIMIT);
        return false;
    }
    TwStatus st;
    gsize avail = c->len - c->off;
    if (!parse_header(c->p + c->off, avail, &out->cls, &out->constructed, &out->tag, &out->len,
                      &out->hdr_len, &st)) {
        /* A header cut by the capture is TRUNCATED only if the wire had more. */
        if (st == TW_TRUNCATED && c->reported - c->off <= avail)
            st = TW_MALFORMED;
        tw_cursor_fail(c, st);
        return false;
    }
    c->off += out->hdr_len;
    out->content = tw_cursor_take(c, out->len);
    /* A snaplen cut inside the content still yields the captured prefix. */
    return out->content.status == TW_OK;
}

bool tw_der_next_is(const TwCursor *c, guint8 cls, guint32 tag)
{
    if (c->status || c->off >= c->len)
        return false;
    guint8 k;
    bool cons;
    guint32 t;
    gsize l, h;
    TwStatus st;
    /* The identifier alone decides; a cut length is reported by the read. */
    const guint8 *p = c->p + c->off;
    gsize avail = c->len - c->off;
    /* A low tag number with a short-form length or a captured long form of
     * one or two octets: the header is valid, the identifier decides. */
    if (avail >= 2 && (p[0] & 0x1f) != 0x1f &&
        (p[1] < 0x80 || (p[1] == 0x81 && avail >= 3) || (p[1] == 0x82 && avail >= 4)))
        return (p[0] >> 6) == cls && (p[0] & 0x1f) == tag;
    if (!parse_header(p, avail, &k, &cons, &t, &l, &h, &st)) {
        if (st != TW_TRUNCATED)
            return false;
        /* Identifier complete but length cut: still compare the identifier. */
        k = p[0] >> 6;
        t = p[0] & 0x1f;
        if (t == 0x1f)
            return false;
    }
    return k == cls && t == tag;
}

bool tw_der_expect(TwCursor *c, guint8 cls, guint32 tag, TwDerTlv *out, guint depth)
{
    if (!tw_der_next_is(c, cls, tag)) {
        memset(out, 0, sizeof *out);
        out->content.status = TW_MALFORMED;
        return false;
    }
    return tw_der_read(c, out, depth);
}

bool tw_der_explicit(TwCursor *c, guint32 ctx_tag, TwDerTlv *inner, guint depth)
{
    TwDerTlv outer;
    memset(inner, 0, sizeof *inner);
    inner->content.status = TW_MALFORMED;
    if (!tw_der_expect(c, TW_DER_CONTEXT, ctx_tag, &outer, depth))
        return false;
    if (!outer.constructed) {
        tw_cursor_fail(c, TW_MALFORMED); /* X.690 8.14: explicit tagging is constructed */
        return false;
    }
    /* On a snaplen cut the inner value is the captured prefix: still read it. */
    bool ok = tw_der_read(&outer.content, inner, depth + 1);
    if (!ok)
        tw_der_propagate(c, &outer.content);
    return ok;
}

bool tw_der_integer(TwDerTlv *tlv, gint64 *out)
{
    *out = 0;
    TwCursor *c = &tlv->content;
    if (c->status)
        return false;
    if (tlv->cls != TW_DER_UNIVERSAL || tlv->tag != TW_DER_TAG_INTEGER || tlv->constructed) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    gsize n = tlv->len;
    if (n == 0) {
        tw_cursor_fail(c, TW_MALFORMED); /* X.690 8.3.1: at least one octet */
        return false;
    }
    if (n > 8) {
        tw_cursor_fail(c, TW_LIMIT); /* does not fit a gint64 */
        return false;
    }
    const guint8 *b = tw_cursor_bytes(c, n);
    if (!b)
        return false;
    guint64 v = (b[0] & 0x80) ? G_MAXUINT64 : 0; /* sign extension */
    for (gsize i = 0; i < n; i++)
        v = (v << 8) | b[i];
    *out = (gint64)v;
    return true;
}

bool tw_der_bit_string_u32(TwDerTlv *tlv, guint32 *out)
{
    *out = 0;
    TwCursor *c = &tlv->content;
    if (c->status)
        return false;
    if (tlv->cls != TW_DER_UNIVERSAL || tlv->tag != TW_DER_TAG_BIT_STRING || tlv->constructed ||
        tlv->len < 1) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    guint8 unused = tw_cursor_u8(c);
    if (unused > 7) {
        tw_cursor_fail(c, TW_MALFORMED); /* X.690 8.6.2.2 */
        return false;
    }
    guint32 v = 0;
    for (int i = 0; i < 4; i++) {
        v <<= 8;
        if (!tw_cursor_at_end(c))
            v |= tw_cursor_u8(c);
    }
    /* Bits beyond the first 32 carry no Kerberos meaning; skip them. */
    tw_cursor_skip(c, tw_cursor_remaining(c));
    *out = v;
    return c->status == TW_OK;
}

/* True when the n bytes at p are all ASCII. */
static bool ascii_n(const guint8 *p, gsize n)
{
    guint64 acc = 0;
    gsize i = 0;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= p[i];
    return (acc & G_GUINT64_CONSTANT(0x8080808080808080)) == 0;
}

/* The octets of a string TLV, as much as was captured (at most
 * TW_DER_MAX_STRING), consuming the content and latching a cut.  False when
 * constructed or the cursor failed (not from the cut). */
static bool string_octets(TwDerTlv *tlv, const guint8 **out, gsize *out_n)
{
    TwCursor *c = &tlv->content;
    if (tlv->constructed) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    /* Copy what was captured even when the value was cut by snaplen. */
    gsize n = c->len - c->off;
    if (c->status && c->status != TW_TRUNCATED)
        return false;
    if (n > TW_DER_MAX_STRING)
        n = TW_DER_MAX_STRING;
    *out = c->p + c->off;
    *out_n = n;
    if (n < c->len - c->off || c->len < c->reported)
        tw_cursor_fail(c, c->len < c->reported ? TW_TRUNCATED : TW_LIMIT);
    c->off = c->len;
    return true;
}

/* The text of string octets: a NUL becomes U+FFFD (it would end a C
 * string), then invalid UTF-8 is replaced.  Transfer full. */
static char *string_text(const guint8 *p, gsize n)
{
    char *raw;
    gsize len;
    if (!memchr(p, 0, n)) {
        raw = g_malloc(n + 1);
        memcpy(raw, p, n);
        raw[n] = 0;
        len = n;
    } else {
        GString *s = g_string_sized_new(n + 1);
        for (gsize i = 0; i < n; i++) {
            if (p[i] == 0)
                g_string_append(s, "\xef\xbf\xbd");
            else
                g_string_append_c(s, (char)p[i]);
        }
        len = s->len;
        raw = g_string_free(s, FALSE);
    }
    if (ascii_n((const guint8 *)raw, len) || g_utf8_validate(raw, (gssize)len, NULL))
        return raw;
    char *valid = g_utf8_make_valid(raw, (gssize)len);
    g_free(raw);
    return valid;
}

char *tw_der_string(TwDerTlv *tlv)
{
    const guint8 *p;
    gsize n;
    if (!string_octets(tlv, &p, &n))
        return NULL;
    return string_text(p, n);
}

const char *tw_der_string_view(TwDerTlv *tlv, gsize *n, char **owned)
{
    const guint8 *p;
    gsize len;
    *owned = NULL;
    /* string_octets' plain case first: a primitive value, unread (or not),
     * captured whole, within the cap, and plain ASCII text. */
    TwCursor *c = &tlv->content;
    len = c->len - c->off;
    if (!tlv->constructed && c->status == TW_OK && c->len == c->reported && len <= TW_DER_MAX_STRING &&
        tw_der_ascii_text(c->p + c->off, len)) {
        p = c->p + c->off;
        c->off = c->len;
        *n = len;
        return (const char *)p;
    }
    *n = 0;
    if (!string_octets(tlv, &p, &len))
        return NULL;
    if (!memchr(p, 0, len) && (ascii_n(p, len) || g_utf8_validate((const char *)p, (gssize)len, NULL))) {
        *n = len;
        return (const char *)p;
    }
    *owned = string_text(p, len);
    *n = strlen(*owned);
    return *owned;
}

const guint8 *tw_der_octets(TwDerTlv *tlv, gsize *len)
{
    TwCursor *c = &tlv->content;
    *len = 0;
    if (c->status)
        return NULL;
    *len = c->len - c->off;
    const guint8 *p = c->p + c->off;
    c->off = c->len;
    if (c->len < c->reported)
        tw_cursor_fail(c, TW_TRUNCATED);
    return p;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static gint64 days_from_civil(gint64 y, guint m, guint d)
{
    y -= m <= 2;
    gint64 era = (y >= 0 ? y : y - 399) / 400;
    gint64 yoe = y - era * 400;
    gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* True when the 8 bytes at b are ASCII digits: each byte is 0x3_ and
 * still 0x3_ with 6 added (no byte carries into the next). */
static bool digits8(const guint8 *b)
{
    const guint64 highs = G_GUINT64_CONSTANT(0xf0f0f0f0f0f0f0f0), threes = G_GUINT64_CONSTANT(0x3030303030303030);
    guint64 w;
    memcpy(&w, b, 8);
    return (w & highs) == threes && ((w + G_GUINT64_CONSTANT(0x0606060606060606)) & highs) == threes;
}

bool tw_der_generalized_time(TwDerTlv *tlv, gint64 *ts_us)
{
    *ts_us = 0;
    TwCursor *c = &tlv->content;
    if (c->status)
        return false;
    if (tlv->cls != TW_DER_UNIVERSAL || tlv->tag != TW_DER_TAG_GENERALIZED_TIME ||
        tlv->constructed) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    /* RFC 4120 5.2.3 KerberosTime: "YYYYMMDDHHMMSSZ"; accept X.690 fractions too. */
    gsize n = tlv->len;
    if (n < 15 || n > 32) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    const guint8 *b = tw_cursor_bytes(c, n);
    if (!b)
        return false;
    /* The last plain "YYYYMMDDHHMMSSZ" read on this thread and its value:
     * the same 15 octets are the same time (a KDC-REQ's till and rtime are
     * often one constant).  Compared as two overlapping 8-byte words. */
    static _Thread_local struct {
        guint64 w0, w1; /* octets 0-7 and 7-14 */
        gint64 ts_us;
        bool valid;
    } last;
    guint64 w0 = 0, w1 = 0;
    if (n == 15) {
        memcpy(&w0, b, 8);
        memcpy(&w1, b + 7, 8);
        if (last.valid && last.w0 == w0 && last.w1 == w1) {
            *ts_us = last.ts_us;
            return true;
        }
    }
    /* "YYYYMMDDHHMMSS": bytes 0-7 and 6-13 (n >= 15), 8 at a time */
    if (!digits8(b) || !digits8(b + 6)) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    guint v[14];
    for (int i = 0; i < 14; i++)
        v[i] = b[i] - '0';
    gint64 year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    guint mon = v[4] * 10 + v[5], day = v[6] * 10 + v[7];
    guint hh = v[8] * 10 + v[9], mm = v[10] * 10 + v[11], ss = v[12] * 10 + v[13];
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    gsize i = 14;
    gint64 frac_us = 0;
    if (b[i] == '.' || b[i] == ',') {
        i++;
        gint64 scale = 100000;
        gsize start = i;
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            frac_us += (b[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) {
            tw_cursor_fail(c, TW_MALFORMED);
            return false;
        }
    }
    if (i != n - 1 || b[i] != 'Z') {
        tw_cursor_fail(c, TW_MALFORMED);
        return false;
    }
    gint64 secs = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    *ts_us = secs * G_USEC_PER_SEC + frac_us;
    if (n == 15) { /* no fraction: "...SSZ" */
        last.w0 = w0;
        last.w1 = w1;
        last.ts_us = *ts_us;
        last.valid = true;
    }
    return true;
}

bool tw_der_ctx_integer(TwCursor *c, guint32 ctx_tag, gint64 *out, guint depth)
{
    TwDerTlv t;
    *out = 0;
    if (!tw_der_explicit(c, ctx_tag, &t, depth))
        return false;
    bool ok = tw_der_integer(&t, out);
    tw_der_propagate(c, &t.content);
    return ok;
}

char *tw_der_ctx_string(TwCursor *c, guint32 ctx_tag, guint depth)
{
    TwDerTlv t;
    if (!tw_der_explicit(c, ctx_tag, &t, depth))
        return NULL;
    char *s = tw_der_string(&t);
    tw_der_propagate(c, &t.content);
    return s;
}

bool tw_der_ctx_time(TwCursor *c, guint32 ctx_tag, gint64 *ts_us, guint depth)
{
    TwDerTlv t;
    *ts_us = 0;
    if (!tw_der_explicit(c, ctx_tag, &t, depth))
        return false;
    bool ok = tw_der_generalized_time(&t, ts_us);
    tw_der_propagate(c, &t.content);
    return ok;
}
