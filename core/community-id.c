/* community-id.c — Community ID v1 (community-id.h). */
#include "community-id.h"

#include <arpa/inet.h>
#include <string.h>

/* Spec "ICMP": request/reply type pairs are one two-way flow whose second
 * port is the counterpart type; any other type is a one-way flow whose
 * ports are (type, code), never reordered. */
static bool icmp_counterpart(bool v6, guint16 type, guint16 *other)
{
    static const guint8 v4[][2] = {
        { 8, 0 },   { 0, 8 },   /* echo / echo reply */
        { 13, 14 }, { 14, 13 }, /* timestamp */
        { 15, 16 }, { 16, 15 }, /* information */
        { 10, 9 },  { 9, 10 },  /* router solicitation / advertisement */
        { 17, 18 }, { 18, 17 }, /* address mask */
    };
    static const guint8 v6t[][2] = {
        { 128, 129 }, { 129, 128 }, /* echo */
        { 130, 131 }, { 131, 130 }, /* MLD listener query / report */
        { 133, 134 }, { 134, 133 }, /* router solicitation / advertisement */
        { 135, 136 }, { 136, 135 }, /* neighbor solicitation / advertisement */
        { 139, 140 }, { 140, 139 }, /* node information (who-are-you) */
        { 144, 145 }, { 145, 144 }, /* home agent address discovery */
    };
    const guint8(*t)[2] = v6 ? v6t : v4;
    gsize n = v6 ? G_N_ELEMENTS(v6t) : G_N_ELEMENTS(v4);
    for (gsize i = 0; i < n; i++) {
        if (t[i][0] == type) {
            *other = t[i][1];
            return true;
        }
    }
    return false;
}

static gsize parse_addr(const char *s, guint8 out[16], int *family)
{
    if (!s)
        return 0;
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 4;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return 16;
    }
    return 0;
}

bool tw_community_id_v1(guint16 seed, const char *saddr, const char *daddr, guint8 proto, guint16 sport,
                        guint16 dport, char out[TW_COMMUNITY_ID_LEN])
{
    out[0] = 0;
    guint8 sa[16], da[16];
    int sf = 0, df = 0;
    gsize sn = parse_addr(saddr, sa, &sf), dn = parse_addr(daddr, da, &df);
    if (!sn || sn != dn || sf != df)
        return false;

    bool ports = proto == TW_IPPROTO_TCP || proto == TW_IPPROTO_UDP || proto == TW_IPPROTO_SCTP ||
                 proto == TW_IPPROTO_ICMP || proto == TW_IPPROTO_ICMPV6;
    bool one_way = false;
    if (proto == TW_IPPROTO_ICMP || proto == TW_IPPROTO_ICMPV6) {
        guint16 other;
        if (icmp_counterpart(proto == TW_IPPROTO_ICMPV6, sport, &other))
            dport = other;
        else
            one_way = true; /* (type, code) as they are */
    }
    /* Spec "ordering": the smaller (address, port) endpoint first, addresses
     * compared as network-order bytes; a one-way ICMP flow keeps its order. */
    int c = memcmp(sa, da, sn);
    if (!one_way && (c > 0 || (c == 0 && ports && sport > dport))) {
        guint8 t[16];
        memcpy(t, sa, sn);
        memcpy(sa, da, sn);
        memcpy(da, t, sn);
        guint16 p = sport;
        sport = dport;
        dport = p;
    }

    /* Spec "hash input": seed (2, big-endian), source address, destination
     * address, protocol (1), padding (1, zero), then, for protocols with
     * ports, source and destination port (2 each, big-endian). */
    guint8 buf[2 + 16 + 16 + 2 + 4];
    gsize n = 0;
    buf[n++] = (guint8)(seed >> 8);
    buf[n++] = (guint8)seed;
    memcpy(buf + n, sa, sn);
    n += sn;
    memcpy(buf + n, da, sn);
    n += sn;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (guint8)(sport >> 8);
        buf[n++] = (guint8)sport;
        buf[n++] = (guint8)(dport >> 8);
        buf[n++] = (guint8)dport;
    }
    guint8 digest[20];
    gsize dlen = sizeof digest;
    GChecksum *h = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(h, buf, n);
    g_checksum_get_digest(h, digest, &dlen);
    g_checksum_free(h);
    g_autofree char *b64 = g_base64_encode(digest, dlen);
    g_snprintf(out, TW_COMMUNITY_ID_LEN, "1:%s", b64);
    return true;
}
