/* link.c — link-layer headers down to IPv4/IPv6. */
#include "link.h"
#include "caps.h"

#include <string.h>

/* DLT values as libpcap reports them on this platform (pcap/dlt.h); the
 * literal numbers are used so the file does not depend on the header. */
enum {
    DLT_NULL_ = 0,
    DLT_EN10MB_ = 1,
    DLT_RAW_12 = 12,
    DLT_RAW_14 = 14,
    LINKTYPE_RAW_ = 101,
    DLT_LOOP_ = 108,
    DLT_LINUX_SLL_ = 113,
    DLT_IPV4_ = 228,
    DLT_IPV6_ = 229,
    DLT_LINUX_SLL2_ = 276,
};

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_8021Q = 0x8100,
    ETH_8021AD = 0x88a8,
    ETH_QINQ_OLD = 0x9100,
};

bool tw_link_supported(int linktype)
{
    switch (linktype) {
    case DLT_NULL_:
    case DLT_EN10MB_:
    case DLT_RAW_12:
    case DLT_RAW_14:
    case LINKTYPE_RAW_:
    case DLT_LOOP_:
    case DLT_LINUX_SLL_:
    case DLT_IPV4_:
    case DLT_IPV6_:
    case DLT_LINUX_SLL2_:
        return true;
    default:
        return false;
    }
}

static inline guint16 be16(const guint8 *p) { return (guint16)((p[0] << 8) | p[1]); }

static TwLinkStatus set_l3(TwLinkResult *out, const guint8 *data, guint32 caplen, guint32 origlen,
                           guint32 off, guint16 ethertype)
{
    if (ethertype != ETH_IPV4 && ethertype != ETH_IPV6)
        return TW_LINK_NOT_IP;
    out->ethertype = ethertype;
    out->l3 = data + off;
    out->l3_caplen = caplen - off;
    out->l3_origlen = origlen - off;
    return TW_LINK_OK;
}

/* Skips any stack of VLAN tags starting at *off, whose ethertype is *type. */
static TwLinkStatus skip_vlan_tags(const guint8 *data, guint32 caplen, guint32 *off, guint16 *type,
                                   TwLinkResult *out)
{
    /* IEEE 802.1Q-2018 9.6: TPID (already read as *type), TCI (2), next type (2). */
    while (*type == ETH_8021Q || *type == ETH_8021AD || *type == ETH_QINQ_OLD) {
        if (out->vlan_tags >= TW_LINK_MAX_VLAN_TAGS)
            return TW_LINK_NOT_IP;
        if (4 > caplen - *off)
            return TW_LINK_TRUNCATED;
        *type = be16(data + *off + 2);
        *off += 4;
        out->vlan_tags++;
    }
    return TW_LINK_OK;
}

static TwLinkStatus decode_ethernet(const guint8 *data, guint32 caplen, guint32 origlen,
                                    TwLinkResult *out)
{
    /* IEEE 802.3 3.1.1: destination (6), source (6), length/type (2). */
    if (caplen < 14)
        return TW_LINK_TRUNCATED;
    memcpy(out->dst_mac, data, 6);
    memcpy(out->src_mac, data + 6, 6);
    out->has_mac = true;
    guint16 type = be16(data + 12);
    guint32 off = 14;
    TwLinkStatus st = skip_vlan_tags(data, caplen, &off, &type, out);
    if (st != TW_LINK_OK)
        return st;
    /* A value <= 1500 is an 802.3 length (LLC follows): not IP for us. */
    return set_l3(out, data, caplen, origlen, off, type);
}

/* Linux cooked capture v1: pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2).
 * Only the sender's link address is present, so no MAC pair is reported. */
static TwLinkStatus decode_sll(const guint8 *data, guint32 caplen, guint32 origlen,
                               TwLinkResult *out)
{
    if (caplen < 16)
        return TW_LINK_TRUNCATED;
    guint16 type = be16(data + 14);
    guint32 off = 16;
    TwLinkStatus st = skip_vlan_tags(data, caplen, &off, &type, out);
    if (st != TW_LINK_OK)
        return st;
    return set_l3(out, data, caplen, origlen, off, type);
}

/* Linux cooked capture v2: protocol(2) reserved(2) ifindex(4) arphrd(2)
 * pkttype(1) addrlen(1) addr(8). */
static TwLinkStatus decode_sll2(const guint8 *data, guint32 caplen, guint32 origlen,
                                TwLinkResult *out)
{
    if (caplen < 20)
        return TW_LINK_TRUNCATED;
    guint16 type = be16(data);
    guint32 off = 20;
    TwLinkStatus st = skip_vlan_tags(data, caplen, &off, &type, out);
    if (st != TW_LINK_OK)
        return st;
    return set_l3(out, data, caplen, origlen, off, type);
}

/* Raw IP: the version nibble says which. */
static TwLinkStatus decode_raw(const guint8 *data, guint32 caplen, guint32 origlen,
                               TwLinkResult *out)
{
    if (caplen < 1)
        return TW_LINK_TRUNCATED;
    switch (data[0] >> 4) {
    case 4:
        return set_l3(out, data, caplen, origlen, 0, ETH_IPV4);
    case 6:
        return set_l3(out, data, caplen, origlen, 0, ETH_IPV6);
    default:
        return TW_LINK_NOT_IP;
    }
}

/* BSD loopback: a 4-byte address family, in the capturing host's byte
 * order for DLT_NULL (so either), network order for DLT_LOOP.  AF_INET is 2
 * everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
static TwLinkStatus decode_null(const guint8 *data, guint32 caplen, guint32 origlen,
                                TwLinkResult *out, bool network_order)
{
    if (caplen < 4)
        return TW_LINK_TRUNCATED;
    guint32 be = ((guint32)data[0] << 24) | ((guint32)data[1] << 16) | ((guint32)data[2] << 8) | data[3];
    guint32 le = ((guint32)data[3] << 24) | ((guint32)data[2] << 16) | ((guint32)data[1] << 8) | data[0];
    guint32 af = network_order ? be : (be < 256 ? be : le);
    switch (af) {
    case 2:
        return set_l3(out, data, caplen, origlen, 4, ETH_IPV4);
    case 24:
    case 28:
    case 30:
        return set_l3(out, data, caplen, origlen, 4, ETH_IPV6);
    default:
        return TW_LINK_NOT_IP;
    }
}

TwLinkStatus tw_link_decode(int linktype, const guint8 *data, guint32 caplen, guint32 origlen,
                            TwLinkResult *out)
{
    if (linktype == DLT_EN10MB_ && caplen >= 14) {
        /* Untagged Ethernet carrying IP (nearly every frame): what
         * decode_ethernet would find, without the general path. */
        guint16 type = be16(data + 12);
        if (type == ETH_IPV4 || type == ETH_IPV6) {
            out->vlan_tags = 0;
            out->has_mac = true;
            memcpy(out->dst_mac, data, 6);
            memcpy(out->src_mac, data + 6, 6);
            out->ethertype = type;
            out->l3 = data + 14;
            out->l3_caplen = caplen - 14;
            out->l3_origlen = (origlen < caplen ? caplen : origlen) - 14;
            return TW_LINK_OK;
        }
    }
    out->vlan_tags = 0;
    out->has_mac = false;
    out->ethertype = 0;
    out->l3 = NULL;
    out->l3_caplen = out->l3_origlen = 0;
    if (origlen < caplen)
        origlen = caplen; /* a broken record: believe what we hold */
    switch (linktype) {
    case DLT_EN10MB_:
        return decode_ethernet(data, caplen, origlen, out);
    case DLT_LINUX_SLL_:
        return decode_sll(data, caplen, origlen, out);
    case DLT_LINUX_SLL2_:
        return decode_sll2(data, caplen, origlen, out);
    case DLT_RAW_12:
    case DLT_RAW_14:
    case LINKTYPE_RAW_:
        return decode_raw(data, caplen, origlen, out);
    case DLT_IPV4_:
        return caplen < 1 ? TW_LINK_TRUNCATED : set_l3(out, data, caplen, origlen, 0, ETH_IPV4);
    case DLT_IPV6_:
        return caplen < 1 ? TW_LINK_TRUNCATED : set_l3(out, data, caplen, origlen, 0, ETH_IPV6);
    case DLT_NULL_:
        return decode_null(data, caplen, origlen, out, false);
    case DLT_LOOP_:
        return decode_null(data, caplen, origlen, out, true);
    default:
        return TW_LINK_UNSUPPORTED;
    }
}
