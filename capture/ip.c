/* ip.c — IPv4 (RFC 791) and IPv6 (RFC 8200) headers. */
#include "ip.h"
#include "caps.h"

#include <string.h>

static inline guint16 be16(const guint8 *p) { return (guint16)((p[0] << 8) | p[1]); }
static inline guint32 be32(const guint8 *p)
{
    return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* RFC 791 3.1 */
static TwIpStatus decode_v4(const guint8 *p, guint32 caplen, guint32 origlen, TwIpPacket *out)
{
    if (caplen < 20)
        return origlen < 20 ? TW_IP_MALFORMED : TW_IP_TRUNCATED;
    guint32 ihl = (guint32)(p[0] & 0x0f) * 4;
    guint32 total = be16(p + 2);
    out->length_from_frame = false;
    if (total == 0) {
        /* TCP segmentation offload: the stack had not filled the length in
         * when the packet was captured; the frame says how long it is (as
         * Wireshark's ip.tso_support does). */
        total = origlen;
        out->length_from_frame = true;
    }
    if (ihl < 20 || total < ihl)
        return TW_IP_MALFORMED;
    if (ihl > caplen)
        return TW_IP_TRUNCATED;
    /* Total length bounds the packet: Ethernet padding beyond it is trimmed.
     * A total beyond what the wire carried is a lie. */
    if (total > origlen)
        return TW_IP_MALFORMED;
    guint32 avail = caplen < total ? caplen : total;
    out->version = 4;
    out->proto = p[9];
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    out->payload = p + ihl;
    out->payload_caplen = avail - ihl;
    out->payload_len = total - ihl;
    guint16 frag = be16(p + 6);
    out->more_fragments = (frag & 0x2000) != 0;
    out->frag_offset = (guint32)(frag & 0x1fff) * 8;
    /* MF or an offset, from the header word, not from *out: gcc read the
     * two fields back in one 8-byte load over the 1- and 4-byte stores just
     * made, which cannot be forwarded from them and waits until they reach
     * the cache (a quarter of the reading thread's profile with --workers 2
     * on the DC mix; the run was no faster without it: bench/README.md,
     * round 11). */
    out->is_fragment = (frag & 0x3fff) != 0;
    out->frag_id = be16(p + 4);
    return TW_IP_OK;
}

static bool is_ext_header(guint8 nh)
{
    /* RFC 8200 4.1: hop-by-hop 0, routing 43, fragment 44, destination
     * options 60, AH 51 (RFC 4302), mobility 135, HIP 139, shim6 140. */
    return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 ||
           nh == 140;
}

gint64 tw_ip6_skip_ext(guint8 *nh, const guint8 *p, guint32 caplen)
{
    guint32 off = 0;
    for (int n = 0; is_ext_header(*nh); n++) {
        if (n >= TW_IP6_MAX_EXT_HEADERS || *nh == 44)
            return -1;
        if (2 > caplen - off)
            return -1;
        guint32 hlen = *nh == 51 ? ((guint32)p[off + 1] + 2) * 4 : ((guint32)p[off + 1] + 1) * 8;
        if (hlen > caplen - off)
            return -1;
        *nh = p[off];
        off += hlen;
    }
    return off;
}

/* RFC 8200 3 and 4 */
static TwIpStatus decode_v6(const guint8 *p, guint32 caplen, guint32 origlen, TwIpPacket *out)
{
    if (caplen < 40)
        return origlen < 40 ? TW_IP_MALFORMED : TW_IP_TRUNCATED;
    guint32 plen = be16(p + 4);
    out->length_from_frame = false;
    if (plen == 0) {
        /* A jumbogram (RFC 2675) or a TSO capture: the frame gives the length. */
        plen = origlen - 40;
        out->length_from_frame = true;
    }
    if (plen > origlen - 40)
        return TW_IP_MALFORMED;
    guint32 avail = caplen - 40 < plen ? caplen - 40 : plen;
    out->version = 6;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    out->is_fragment = false;
    out->more_fragments = false;
    out->frag_offset = 0;
    out->frag_id = 0;
    guint8 nh = p[6];
    const guint8 *q = p + 40;
    guint32 off = 0;
    for (int n = 0;; n++) {
        if (!is_ext_header(nh))
            break;
        if (n >= TW_IP6_MAX_EXT_HEADERS)
            return TW_IP_UNSUPPORTED;
        if (nh == 44) {
            /* RFC 8200 4.5: next header(1) reserved(1) offset|res|M(2) id(4). */
            if (8 > plen - off)
                return TW_IP_MALFORMED;
            if (8 > avail - off)
                return TW_IP_TRUNCATED;
            guint16 om = be16(q + off + 2);
            out->frag_offset = (guint32)(om >> 3) * 8;
            out->more_fragments = (om & 1) != 0;
            out->frag_id = be32(q + off + 4);
            /* An atomic fragment (offset 0, M 0; RFC 6946) is a whole packet. */
            out->is_fragment = (om & 0xfff9) != 0; /* from om, as decode_v4's */
            nh = q[off];
            off += 8;
            if (out->is_fragment)
                break; /* what follows belongs to the fragmentable part */
            continue;
        }
        if (2 > plen - off)
            return TW_IP_MALFORMED;
        if (2 > avail - off)
            return TW_IP_TRUNCATED;
        guint32 hlen = nh == 51 ? ((guint32)q[off + 1] + 2) * 4 : ((guint32)q[off + 1] + 1) * 8;
        if (hlen > plen - off)
            return TW_IP_MALFORMED;
        if (hlen > avail - off)
            return TW_IP_TRUNCATED;
        nh = q[off];
        off += hlen;
    }
    out->proto = nh;
    out->payload = q + off;
    out->payload_caplen = avail - off;
    out->payload_len = plen - off;
    return TW_IP_OK;
}

TwIpStatus tw_ip_decode(const guint8 *p, guint32 caplen, guint32 origlen, TwIpPacket *out)
{
    if (origlen < caplen)
        origlen = caplen;
    if (caplen >= 20 && p[0] == 0x45) {
        /* IPv4 without options whose length is set and within the frame
         * (nearly every packet): what decode_v4 gives, without its checks
         * for the other cases. */
        guint32 total = be16(p + 2);
        if (total >= 20 && total <= origlen) {
            guint32 avail = caplen < total ? caplen : total;
            out->version = 4;
            out->proto = p[9];
            memcpy(out->src, p + 12, 4);
            memset(out->src + 4, 0, sizeof out->src - 4);
            memcpy(out->dst, p + 16, 4);
            memset(out->dst + 4, 0, sizeof out->dst - 4);
            out->payload = p + 20;
            out->payload_caplen = avail - 20;
            out->payload_len = total - 20;
            out->length_from_frame = false;
            guint16 frag = be16(p + 6);
            out->more_fragments = (frag & 0x2000) != 0;
            out->frag_offset = (guint32)(frag & 0x1fff) * 8;
            out->is_fragment = (frag & 0x3fff) != 0; /* as decode_v4's */
            out->frag_id = be16(p + 4);
            return TW_IP_OK;
        }
    }
    if (caplen < 1)
        return TW_IP_TRUNCATED;
    memset(out->src, 0, sizeof out->src);
    memset(out->dst, 0, sizeof out->dst);
    switch (p[0] >> 4) {
    case 4:
        return decode_v4(p, caplen, origlen, out);
    case 6:
        return decode_v6(p, caplen, origlen, out);
    default:
        return TW_IP_MALFORMED;
    }
}

/* Dotted quad, as inet_ntop(AF_INET): "%u.%u.%u.%u". */
static char *format_v4(const guint8 *a, char *o)
{
    for (int i = 0; i < 4; i++) {
        guint v = a[i];
        if (v >= 100) {
            *o++ = (char)('0' + v / 100);
            v %= 100;
            *o++ = (char)('0' + v / 10);
            *o++ = (char)('0' + v % 10);
        } else if (v >= 10) {
            *o++ = (char)('0' + v / 10);
            *o++ = (char)('0' + v % 10);
        } else {
            *o++ = (char)('0' + v);
        }
        if (i < 3)
            *o++ = '.';
    }
    *o = '\0';
    return o;
}

/* The text inet_ntop(AF_INET6) gives (glibc resolv/inet_ntop.c, RFC 4291
 * 2.2): lower-case hex words without leading zeros; the longest run of at
 * least two zero words (the first of equally long ones) becomes "::"; an
 * address whose first 96 bits are zero (run of exactly 6 zero words) or
 * ::ffff:0:0/96 (5 zero words, then ffff) ends in a dotted quad. */
static void format_v6(const guint8 *a, char *o)
{
    static const char hex[] = "0123456789abcdef";
    guint w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (guint)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        if (w[i] == 0) {
            if (cur < 0) {
                cur = i;
                cur_len = 1;
            } else {
                cur_len++;
            }
        } else if (cur >= 0) {
            if (best < 0 || cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
            cur = -1;
        }
    }
    if (cur >= 0 && (best < 0 || cur_len > best_len)) {
        best = cur;
        best_len = cur_len;
    }
    if (best >= 0 && best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *o++ = ':';
            continue;
        }
        if (i != 0)
            *o++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
            format_v4(a + 12, o);
            return;
        }
        guint v = w[i];
        if (v >= 0x1000)
            *o++ = hex[v >> 12];
        if (v >= 0x100)
            *o++ = hex[(v >> 8) & 0xf];
        if (v >= 0x10)
            *o++ = hex[(v >> 4) & 0xf];
        *o++ = hex[v & 0xf];
    }
    if (best >= 0 && best + best_len == 8)
        *o++ = ':';
    *o = '\0';
}

void tw_ip_format(guint8 version, const guint8 *addr, char *out)
{
    /* At most 39 characters and the NUL (8 words of 4 digits, 7 colons). */
    if (version == 4)
        format_v4(addr, out);
    else
        format_v6(addr, out);
}
