/* test-link.c — link-layer decoding: Ethernet (+802.1Q/802.1ad stacks),
 * Linux cooked v1/v2, raw IP, BSD null/loopback; every vector is also
 * replayed cut at every length. */
#include "capture/link.h"

#include <string.h>

/* A minimal IPv4 header (20 bytes, total length 20). */
static const guint8 ipv4_hdr[20] = {
    0x45, 0x00, 0x00, 0x14, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
    10, 0, 0, 1, 10, 0, 0, 2,
};
/* The first bytes of an IPv6 header (enough for the version nibble). */
static const guint8 ipv6_start[8] = { 0x60, 0, 0, 0, 0, 0, 17, 64 };

typedef struct {
    const char *name;
    int linktype;
    guint8 frame[96];
    guint32 len;
    guint32 l3_off;
    guint16 ethertype;
    guint8 vlan_tags;
    bool has_mac;
} LinkCase;

static guint32 put(guint8 *buf, guint32 off, const guint8 *b, guint32 n)
{
    memcpy(buf + off, b, n);
    return off + n;
}

static const guint8 dst_mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const guint8 src_mac[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

static void build_cases(GArray *cases)
{
    LinkCase c;
    guint32 o;

    /* Ethernet II, IPv4. */
    memset(&c, 0, sizeof c);
    c.name = "ethernet";
    c.linktype = 1;
    o = put(c.frame, 0, dst_mac, 6);
    o = put(c.frame, o, src_mac, 6);
    o = put(c.frame, o, (const guint8[]){ 0x08, 0x00 }, 2);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv4_hdr, 20);
    c.ethertype = 0x0800;
    c.has_mac = true;
    g_array_append_val(cases, c);

    /* 802.1Q tag then IPv6. */
    memset(&c, 0, sizeof c);
    c.name = "vlan";
    c.linktype = 1;
    o = put(c.frame, 0, dst_mac, 6);
    o = put(c.frame, o, src_mac, 6);
    o = put(c.frame, o, (const guint8[]){ 0x81, 0x00, 0x00, 0x64, 0x86, 0xdd }, 6);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv6_start, 8);
    c.ethertype = 0x86dd;
    c.vlan_tags = 1;
    c.has_mac = true;
    g_array_append_val(cases, c);

    /* QinQ: 802.1ad outer, 0x9100, then 802.1Q inner, IPv4. */
    memset(&c, 0, sizeof c);
    c.name = "qinq";
    c.linktype = 1;
    o = put(c.frame, 0, dst_mac, 6);
    o = put(c.frame, o, src_mac, 6);
    o = put(c.frame, o,
            (const guint8[]){ 0x88, 0xa8, 0x00, 0x0a, 0x91, 0x00, 0x00, 0x0b, 0x81, 0x00, 0x00,
                              0x0c, 0x08, 0x00 },
            14);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv4_hdr, 20);
    c.ethertype = 0x0800;
    c.vlan_tags = 3;
    c.has_mac = true;
    g_array_append_val(cases, c);

    /* Linux cooked v1: pkttype 0, ARPHRD_ETHER, addrlen 6, addr, protocol. */
    memset(&c, 0, sizeof c);
    c.name = "sll";
    c.linktype = 113;
    o = put(c.frame, 0, (const guint8[]){ 0, 0, 0, 1, 0, 6 }, 6);
    o = put(c.frame, o, src_mac, 6);
    o = put(c.frame, o, (const guint8[]){ 0, 0, 0x08, 0x00 }, 4);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv4_hdr, 20);
    c.ethertype = 0x0800;
    g_array_append_val(cases, c);

    /* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, pkttype, addrlen, addr. */
    memset(&c, 0, sizeof c);
    c.name = "sll2";
    c.linktype = 276;
    o = put(c.frame, 0, (const guint8[]){ 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6 }, 12);
    o = put(c.frame, o, src_mac, 6);
    o = put(c.frame, o, (const guint8[]){ 0, 0 }, 2);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv6_start, 8);
    c.ethertype = 0x86dd;
    g_array_append_val(cases, c);

    /* Raw IP, under each of its link type numbers. */
    static const int raw_types[] = { 12, 14, 101, 228 };
    for (gsize i = 0; i < G_N_ELEMENTS(raw_types); i++) {
        memset(&c, 0, sizeof c);
        c.name = "raw4";
        c.linktype = raw_types[i];
        c.len = put(c.frame, 0, ipv4_hdr, 20);
        c.ethertype = 0x0800;
        g_array_append_val(cases, c);
    }
    memset(&c, 0, sizeof c);
    c.name = "raw6";
    c.linktype = 229;
    c.len = put(c.frame, 0, ipv6_start, 8);
    c.ethertype = 0x86dd;
    g_array_append_val(cases, c);

    /* BSD null in little-endian (AF_INET) and big-endian (AF_INET6 = 30, macOS). */
    memset(&c, 0, sizeof c);
    c.name = "null-le";
    c.linktype = 0;
    o = put(c.frame, 0, (const guint8[]){ 2, 0, 0, 0 }, 4);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv4_hdr, 20);
    c.ethertype = 0x0800;
    g_array_append_val(cases, c);

    memset(&c, 0, sizeof c);
    c.name = "null-be6";
    c.linktype = 0;
    o = put(c.frame, 0, (const guint8[]){ 0, 0, 0, 30 }, 4);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv6_start, 8);
    c.ethertype = 0x86dd;
    g_array_append_val(cases, c);

    /* DLT_LOOP: network byte order, AF_INET6 = 24 (OpenBSD). */
    memset(&c, 0, sizeof c);
    c.name = "loop6";
    c.linktype = 108;
    o = put(c.frame, 0, (const guint8[]){ 0, 0, 0, 24 }, 4);
    c.l3_off = o;
    c.len = put(c.frame, o, ipv6_start, 8);
    c.ethertype = 0x86dd;
    g_array_append_val(cases, c);
}

static void test_vectors(void)
{
    g_autoptr(GArray) cases = g_array_new(FALSE, TRUE, sizeof(LinkCase));
    build_cases(cases);
    for (guint i = 0; i < cases->len; i++) {
        const LinkCase *c = &g_array_index(cases, LinkCase, i);
        g_test_message("case %s (linktype %d)", c->name, c->linktype);
        TwLinkResult r;
        memset(&r, 0xaa, sizeof r); /* every field is set, whatever was there */
        g_assert_cmpint(tw_link_decode(c->linktype, c->frame, c->len, c->len, &r), ==, TW_LINK_OK);
        g_assert_true(r.l3 == c->frame + c->l3_off);
        g_assert_cmpuint(r.l3_caplen, ==, c->len - c->l3_off);
        g_assert_cmpuint(r.l3_origlen, ==, c->len - c->l3_off);
        g_assert_cmpuint(r.ethertype, ==, c->ethertype);
        g_assert_cmpuint(r.vlan_tags, ==, c->vlan_tags);
        g_assert_cmpint(r.has_mac, ==, c->has_mac);
        if (c->has_mac) {
            g_assert_cmpmem(r.src_mac, 6, src_mac, 6);
            g_assert_cmpmem(r.dst_mac, 6, dst_mac, 6);
        }
        /* A record whose wire length is below what it holds: what it holds. */
        g_assert_cmpint(tw_link_decode(c->linktype, c->frame, c->len, c->len - 1, &r), ==, TW_LINK_OK);
        g_assert_cmpuint(r.l3_origlen, ==, c->len - c->l3_off);
        /* Cut at every length: truncated inside the link header, OK after,
         * with the reported length kept. */
        for (guint32 cut = 0; cut < c->len; cut++) {
            guint8 *copy = g_memdup2(c->frame, cut ? cut : 1);
            TwLinkStatus st = tw_link_decode(c->linktype, copy, cut, c->len, &r);
            if (cut < c->l3_off || (c->l3_off == 0 && cut == 0)) {
                g_assert_cmpint(st, ==, TW_LINK_TRUNCATED);
            } else {
                g_assert_cmpint(st, ==, TW_LINK_OK);
                g_assert_cmpuint(r.l3_caplen, ==, cut - c->l3_off);
                g_assert_cmpuint(r.l3_origlen, ==, c->len - c->l3_off);
            }
            g_free(copy);
        }
    }
}

static void test_not_ip(void)
{
    TwLinkResult r;
    /* ARP over Ethernet. */
    guint8 arp[14 + 28] = { 0 };
    arp[12] = 0x08;
    arp[13] = 0x06;
    g_assert_cmpint(tw_link_decode(1, arp, sizeof arp, sizeof arp, &r), ==, TW_LINK_NOT_IP);
    /* An 802.3 length field (LLC follows). */
    arp[12] = 0x00;
    arp[13] = 0x2e;
    g_assert_cmpint(tw_link_decode(1, arp, sizeof arp, sizeof arp, &r), ==, TW_LINK_NOT_IP);
    /* Raw with version 5. */
    guint8 raw[20] = { 0x50 };
    g_assert_cmpint(tw_link_decode(101, raw, sizeof raw, sizeof raw, &r), ==, TW_LINK_NOT_IP);
    /* Null with AF 7. */
    guint8 nul[24] = { 7, 0, 0, 0 };
    g_assert_cmpint(tw_link_decode(0, nul, sizeof nul, sizeof nul, &r), ==, TW_LINK_NOT_IP);
}

static void test_vlan_cap(void)
{
    /* More stacked tags than TW_LINK_MAX_VLAN_TAGS: given up on, not looped. */
    guint8 f[14 + 4 * 20 + 20];
    memset(f, 0, sizeof f);
    f[12] = 0x81;
    f[13] = 0x00;
    for (int i = 0; i < 20; i++) {
        f[14 + 4 * i + 2] = 0x81;
        f[14 + 4 * i + 3] = 0x00;
    }
    TwLinkResult r;
    g_assert_cmpint(tw_link_decode(1, f, sizeof f, sizeof f, &r), ==, TW_LINK_NOT_IP);
    g_assert_cmpuint(r.vlan_tags, ==, 8);
}

static void test_unsupported(void)
{
    guint8 f[64] = { 0 };
    TwLinkResult r;
    g_assert_cmpint(tw_link_decode(105, f, sizeof f, sizeof f, &r), ==, TW_LINK_UNSUPPORTED);
    g_assert_false(tw_link_supported(105));
    g_assert_true(tw_link_supported(276));
    g_assert_true(tw_link_supported(1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/link/vectors", test_vectors);
    g_test_add_func("/link/not-ip", test_not_ip);
    g_test_add_func("/link/vlan-cap", test_vlan_cap);
    g_test_add_func("/link/unsupported", test_unsupported);
    return g_test_run();
}
