/* lower-tree.c — the frame's lower layers for the teaching view (see
 * lower-tree.h).  Read with the bounded cursor; a header the capture cut
 * shows what was captured and says so. */
#include "lower-tree.h"

#include "core/tw-flags.h"

#include <stdio.h>
#include <string.h>

bool tw_tree_layers_parse(const char *list, guint *mask, char **bad)
{
    *mask = 0;
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    for (char **n = names; *n; n++) {
        char *w = g_strstrip(*n);
        if (!*w)
            continue;
        if (strcmp(w, "lower") == 0 || strcmp(w, "all") == 0)
            *mask |= TW_TREE_LAYER_ALL;
        else if (strcmp(w, "frame") == 0)
            *mask |= TW_TREE_LAYER_FRAME;
        else if (strcmp(w, "eth") == 0 || strcmp(w, "sll") == 0)
            *mask |= TW_TREE_LAYER_ETH;
        else if (strcmp(w, "ip") == 0 || strcmp(w, "ipv6") == 0)
            *mask |= TW_TREE_LAYER_IP;
        else if (strcmp(w, "tcp") == 0)
            *mask |= TW_TREE_LAYER_TCP;
        else if (strcmp(w, "udp") == 0)
            *mask |= TW_TREE_LAYER_UDP;
        else {
            if (bad) {
                const char *at = strstr(list, w);
                *bad = (char *)(at ? at : list);
            }
            return false;
        }
    }
    return *mask != 0;
}

typedef struct {
    TwEvent *ev; /* collects the lines */
    guint mask;
} Lower;

/* The capture file's own record of a frame: its lengths and link type. */
#define FRAME_SPEC "draft-ietf-opsawg-pcap 5 Packet Record; pcapng 4.3 Enhanced Packet Block"
#define LINE(l, d, name, spec, note, ...) tw_event_tree_add_spec((l)->ev, (d), (name), (spec), (note), __VA_ARGS__)

static void mac(const guint8 *m, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static const char *ethertype_name(guint16 t)
{
    switch (t) {
    case 0x0800: return "IPv4";
    case 0x86dd: return "IPv6";
    case 0x8100: return "802.1Q VLAN";
    case 0x88a8: return "802.1ad";
    case 0x9100: return "QinQ";
    case 0x0806: return "ARP";
    default: return "other";
    }
}

static const char *ipproto_name(guint8 p)
{
    switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "ICMPv6";
    case 44: return "IPv6 fragment";
    case 0: return "IPv6 hop-by-hop";
    case 60: return "IPv6 destination options";
    case 43: return "IPv6 routing";
    default: return "other";
    }
}

/* RFC 768 */
static void udp(Lower *l, TwCursor *c)
{
    guint16 sp = tw_cursor_be16(c), dp = tw_cursor_be16(c), len = tw_cursor_be16(c), ck = tw_cursor_be16(c);
    if (!tw_cursor_ok(c)) {
        LINE(l, 0, "User Datagram Protocol", "RFC 768", "the capture cut the header", NULL);
        return;
    }
    LINE(l, 0, "User Datagram Protocol", "RFC 768", NULL, "%u -> %u", sp, dp);
    LINE(l, 1, "Source Port", "RFC 768 Fields", NULL, "%u", sp);
    LINE(l, 1, "Destination Port", "RFC 768 Fields", NULL, "%u", dp);
    LINE(l, 1, "Length", "RFC 768 Fields", "header and payload", "%u", len);
    LINE(l, 1, "Checksum", "RFC 768 Fields", ck ? "not verified (offload often leaves it wrong on the capturing host)" : "none",
         "0x%04x", ck);
}

/* RFC 9293 3.1 */
static void tcp(Lower *l, TwCursor *c, gsize seg_len)
{
    guint16 sp = tw_cursor_be16(c), dp = tw_cursor_be16(c);
    guint32 seq = tw_cursor_be32(c), ack = tw_cursor_be32(c);
    guint8 off = tw_cursor_u8(c), flags = tw_cursor_u8(c);
    guint16 win = tw_cursor_be16(c), ck = tw_cursor_be16(c), urg = tw_cursor_be16(c);
    if (!tw_cursor_ok(c)) {
        LINE(l, 0, "Transmission Control Protocol", "RFC 9293 3.1", "the capture cut the header", NULL);
        return;
    }
    guint hlen = (off >> 4) * 4u;
    g_autofree char *names = tw_flags_set_names(&tw_flags_tcp, flags);
    LINE(l, 0, "Transmission Control Protocol", "RFC 9293 3.1", NULL, "%u -> %u [%s]", sp, dp, names);
    LINE(l, 1, "Source Port", "RFC 9293 3.1", NULL, "%u", sp);
    LINE(l, 1, "Destination Port", "RFC 9293 3.1", NULL, "%u", dp);
    LINE(l, 1, "Sequence Number", "RFC 9293 3.1", "raw (not relative to the ISN)", "%u", seq);
    LINE(l, 1, "Acknowledgment Number", "RFC 9293 3.1", (flags & 0x10) ? NULL : "not valid: ACK not set", "%u", ack);
    LINE(l, 1, "Data Offset", "RFC 9293 3.1", hlen > 20 ? "options follow the fixed header" : NULL, "%u (%u bytes)", off >> 4,
         hlen);
    LINE(l, 1, "Flags", tw_flags_tcp.spec, NULL, "0x%02x (%s)", flags, names);
    tw_flags_tree(l->ev, 2, &tw_flags_tcp, flags);
    LINE(l, 1, "Window", "RFC 9293 3.1", "unscaled", "%u", win);
    LINE(l, 1, "Checksum", "RFC 9293 3.1", "not verified (offload often leaves it wrong on the capturing host)", "0x%04x", ck);
    LINE(l, 1, "Urgent Pointer", "RFC 9293 3.1", NULL, "%u", urg);
    if (hlen >= 20 && seg_len >= hlen)
        LINE(l, 1, "payload", "RFC 9293 3.1", "stream bytes this segment carries", "%" G_GSIZE_FORMAT " bytes", seg_len - hlen);
}

static void transport(Lower *l, guint8 proto, const guint8 *p, gsize caplen, gsize len)
{
    TwCursor c = tw_cursor_init(p, caplen);
    if (proto == 6 && (l->mask & TW_TREE_LAYER_TCP))
        tcp(l, &c, len);
    else if (proto == 17 && (l->mask & TW_TREE_LAYER_UDP))
        udp(l, &c);
}

static void ipv4(Lower *l, const guint8 *p, gsize caplen)
{
    TwCursor c = tw_cursor_init(p, caplen);
    guint8 vihl = tw_cursor_u8(&c), tos = tw_cursor_u8(&c);
    guint16 tot = tw_cursor_be16(&c), id = tw_cursor_be16(&c), ff = tw_cursor_be16(&c);
    guint8 ttl = tw_cursor_u8(&c), proto = tw_cursor_u8(&c);
    guint16 ck = tw_cursor_be16(&c);
    const guint8 *src = tw_cursor_bytes(&c, 4), *dst = tw_cursor_bytes(&c, 4);
    if (!tw_cursor_ok(&c)) {
        if (l->mask & TW_TREE_LAYER_IP)
            LINE(l, 0, "Internet Protocol Version 4", "RFC 791 3.1", "the capture cut the header", NULL);
        return;
    }
    guint hlen = (vihl & 0x0f) * 4u;
    if (l->mask & TW_TREE_LAYER_IP) {
        LINE(l, 0, "Internet Protocol Version 4", "RFC 791 3.1", NULL, "%u.%u.%u.%u -> %u.%u.%u.%u", src[0], src[1],
             src[2], src[3], dst[0], dst[1], dst[2], dst[3]);
        LINE(l, 1, "Version", "RFC 791 3.1", NULL, "%u", vihl >> 4);
        LINE(l, 1, "Header Length", "RFC 791 3.1", NULL, "%u bytes (%u)", hlen, vihl & 0x0f);
        LINE(l, 1, "DSCP / ECN", "RFC 2474, RFC 3168", NULL, "0x%02x / %u", tos >> 2, tos & 3);
        LINE(l, 1, "Total Length", "RFC 791 3.1", tot == 0 ? "0: segmentation offload, the frame's length counts" : NULL, "%u",
             tot);
        LINE(l, 1, "Identification", "RFC 791 3.1", NULL, "0x%04x", id);
        LINE(l, 1, "Flags / Fragment Offset", tw_flags_ipv4.spec, NULL, "0x%04x", ff);
        tw_flags_tree(l->ev, 2, &tw_flags_ipv4, ff);
        LINE(l, 1, "Time to Live", "RFC 791 3.1", NULL, "%u", ttl);
        LINE(l, 1, "Protocol", "RFC 791 3.1", NULL, "%u (%s)", proto, ipproto_name(proto));
        LINE(l, 1, "Header Checksum", "RFC 791 3.1", "not verified", "0x%04x", ck);
        LINE(l, 1, "Source Address", "RFC 791 3.1", NULL, "%u.%u.%u.%u", src[0], src[1], src[2], src[3]);
        LINE(l, 1, "Destination Address", "RFC 791 3.1", NULL, "%u.%u.%u.%u", dst[0], dst[1], dst[2], dst[3]);
    }
    if ((ff & 0x1fff) || hlen < 20 || hlen > caplen)
        return; /* a later fragment carries no transport header */
    gsize len = tot >= hlen ? tot - hlen : caplen - hlen;
    transport(l, proto, p + hlen, caplen - hlen, len);
}

static void ipv6(Lower *l, const guint8 *p, gsize caplen)
{
    TwCursor c = tw_cursor_init(p, caplen);
    guint32 w0 = tw_cursor_be32(&c);
    guint16 plen = tw_cursor_be16(&c);
    guint8 nh = tw_cursor_u8(&c), hop = tw_cursor_u8(&c);
    const guint8 *src = tw_cursor_bytes(&c, 16), *dst = tw_cursor_bytes(&c, 16);
    if (!tw_cursor_ok(&c)) {
        if (l->mask & TW_TREE_LAYER_IP)
            LINE(l, 0, "Internet Protocol Version 6", "RFC 8200 3", "the capture cut the header", NULL);
        return;
    }
    char s[64], d[64];
    GString *a = g_string_new(NULL);
    for (int k = 0; k < 2; k++) {
        const guint8 *x = k ? dst : src;
        g_string_truncate(a, 0);
        for (int i = 0; i < 16; i += 2)
            g_string_append_printf(a, "%s%x", i ? ":" : "", (x[i] << 8) | x[i + 1]);
        g_strlcpy(k ? d : s, a->str, 64);
    }
    g_string_free(a, TRUE);
    if (l->mask & TW_TREE_LAYER_IP) {
        LINE(l, 0, "Internet Protocol Version 6", "RFC 8200 3", NULL, "%s -> %s", s, d);
        LINE(l, 1, "Version", "RFC 8200 3", NULL, "%u", w0 >> 28);
        LINE(l, 1, "Traffic Class", "RFC 8200 3", NULL, "0x%02x", (w0 >> 20) & 0xff);
        LINE(l, 1, "Flow Label", "RFC 8200 3", NULL, "0x%05x", w0 & 0xfffff);
        LINE(l, 1, "Payload Length", "RFC 8200 3", NULL, "%u", plen);
        LINE(l, 1, "Next Header", "RFC 8200 3", NULL, "%u (%s)", nh, ipproto_name(nh));
        LINE(l, 1, "Hop Limit", "RFC 8200 3", NULL, "%u", hop);
        LINE(l, 1, "Source Address", "RFC 8200 3", NULL, "%s", s);
        LINE(l, 1, "Destination Address", "RFC 8200 3", NULL, "%s", d);
    }
    if (nh == 6 || nh == 17) /* extension headers: the transport is not shown */
        transport(l, nh, p + 40, caplen - 40, plen ? plen : caplen - 40);
}

static void l3(Lower *l, guint16 ethertype, const guint8 *p, gsize caplen)
{
    if (ethertype == 0x0800 || (ethertype == 0 && caplen && (p[0] >> 4) == 4))
        ipv4(l, p, caplen);
    else if (ethertype == 0x86dd || (ethertype == 0 && caplen && (p[0] >> 4) == 6))
        ipv6(l, p, caplen);
}

/* IEEE 802.3 Ethernet II with IEEE 802.1Q / 802.1ad tags. */
static void ethernet(Lower *l, const guint8 *p, gsize caplen)
{
    TwCursor c = tw_cursor_init(p, caplen);
    const guint8 *dst = tw_cursor_bytes(&c, 6), *src = tw_cursor_bytes(&c, 6);
    guint16 type = tw_cursor_be16(&c);
    if (!tw_cursor_ok(&c))
        return;
    char s[18], d[18];
    mac(src, s);
    mac(dst, d);
    bool show = l->mask & TW_TREE_LAYER_ETH;
    if (show) {
        LINE(l, 0, "Ethernet II", "IEEE 802.3", NULL, "%s -> %s", s, d);
        LINE(l, 1, "Destination", "IEEE 802.3 3.2.4", (dst[0] & 1) ? "a group (multicast/broadcast) address" : NULL, "%s", d);
        LINE(l, 1, "Source", "IEEE 802.3 3.2.5", NULL, "%s", s);
    }
    for (guint tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4; tags++) {
        guint16 tci = tw_cursor_be16(&c);
        guint16 inner = tw_cursor_be16(&c);
        if (!tw_cursor_ok(&c))
            return;
        if (show)
            LINE(l, 1, "802.1Q tag", "IEEE 802.1Q", NULL, "TPID 0x%04x, PCP %u, VLAN %u", type, tci >> 13,
                 tci & 0x0fff);
        type = inner;
    }
    if (show)
        LINE(l, 1, "Type", "IEEE 802.3 3.2.6", NULL, "0x%04x (%s)", type, ethertype_name(type));
    l3(l, type, p + c.off, caplen - c.off);
}

/* Linux cooked capture v1 (113) and v2 (276). */
static void sll(Lower *l, const guint8 *p, gsize caplen, bool v2)
{
    TwCursor c = tw_cursor_init(p, caplen);
    guint16 type;
    if (v2) {
        type = tw_cursor_be16(&c);
        tw_cursor_skip(&c, 18);
    } else {
        guint16 pkttype = tw_cursor_be16(&c);
        tw_cursor_skip(&c, 12);
        type = tw_cursor_be16(&c);
        (void)pkttype;
    }
    if (!tw_cursor_ok(&c))
        return;
    if (l->mask & TW_TREE_LAYER_ETH)
        LINE(l, 0, v2 ? "Linux cooked capture v2" : "Linux cooked capture v1", v2 ? "LINKTYPE_LINUX_SLL2" : "LINKTYPE_LINUX_SLL",
             "captured on \"any\" interface: no Ethernet header", "protocol 0x%04x (%s)", type, ethertype_name(type));
    l3(l, type, p + c.off, caplen - c.off);
}

void tw_lower_tree_prepend(TwEvent *ev, const TwRawFrame *raw, guint mask)
{
    if (!raw || !raw->data || !mask)
        return;
    TwPacketInfo none = { 0 };
    Lower l = { tw_event_new(&none, "lower"), mask };
    if (mask & TW_TREE_LAYER_FRAME) {
        LINE(&l, 0, "Frame", FRAME_SPEC, NULL, "%" G_GUINT64_FORMAT ", %u bytes on the wire, %u captured", raw->no,
             raw->origlen, raw->caplen);
        if (raw->caplen < raw->origlen)
            LINE(&l, 1, "snaplen", FRAME_SPEC, "the capture kept only the first bytes of this frame", "%u of %u bytes",
                 raw->caplen, raw->origlen);
        LINE(&l, 1, "link type", "tcpdump.org LINKTYPE", NULL, "%d (%s)", raw->linktype,
             raw->linktype == 1     ? "Ethernet"
             : raw->linktype == 113 ? "Linux cooked v1"
             : raw->linktype == 276 ? "Linux cooked v2"
             : raw->linktype == 0 || raw->linktype == 108 ? "BSD loopback"
                                                          : "raw IP or other");
    }
    const guint8 *p = raw->data;
    gsize n = raw->caplen;
    switch (raw->linktype) {
    case 1: /* DLT_EN10MB */
        ethernet(&l, p, n);
        break;
    case 113:
        sll(&l, p, n, false);
        break;
    case 276:
        sll(&l, p, n, true);
        break;
    case 0:
    case 108: /* BSD loopback: a 4-byte family */
        if (n > 4)
            l3(&l, 0, p + 4, n - 4);
        break;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
        l3(&l, 0, p, n);
        break;
    default:
        break;
    }
    if (l.ev->tree && l.ev->tree->len) {
        GPtrArray *own = ev->tree;
        ev->tree = g_steal_pointer(&l.ev->tree);
        for (guint i = 0; own && i < own->len; i++)
            g_ptr_array_add(ev->tree, g_ptr_array_index(own, i));
        if (own) {
            g_ptr_array_set_free_func(own, NULL);
            g_ptr_array_free(own, TRUE);
        }
    }
    tw_event_free(l.ev);
}
