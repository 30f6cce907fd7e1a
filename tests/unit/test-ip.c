/* test-ip.c — IPv4 (options, padding, truncation, fragments) and IPv6
 * (extension header chains, fragment header, AH, ESP), every vector also
 * replayed cut at every length. */
#include "capture/ip.h"
#include "core/event.h"

#include <arpa/inet.h>

#include <string.h>

/* IPv4 with one 4-byte option (IHL 6), UDP 10.0.0.1 -> 10.0.0.2, 8 payload
 * bytes after the 8-byte UDP header: total 24 + 16 = 40. */
static const guint8 v4_opts[40] = {
    0x46, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
    10, 0, 0, 1, 10, 0, 0, 2,
    0x94, 0x04, 0x00, 0x00, /* router alert */
    0x04, 0x00, 0x00, 0x58, 0x00, 0x10, 0x00, 0x00, /* UDP 1024 -> 88 len 16 */
    'p', 'a', 'y', 'l', 'o', 'a', 'd', '!',
};

static void test_v4_options(void)
{
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(v4_opts, sizeof v4_opts, sizeof v4_opts, &ip), ==, TW_IP_OK);
    g_assert_cmpuint(ip.version, ==, 4);
    g_assert_cmpuint(ip.proto, ==, 17);
    g_assert_true(ip.payload == v4_opts + 24);
    g_assert_cmpuint(ip.payload_len, ==, 16);
    g_assert_cmpuint(ip.payload_caplen, ==, 16);
    g_assert_false(ip.is_fragment);
    g_assert_cmpmem(ip.src, 4, ((const guint8[]){ 10, 0, 0, 1 }), 4);
    g_assert_cmpmem(ip.dst, 4, ((const guint8[]){ 10, 0, 0, 2 }), 4);
    char s[46];
    tw_ip_format(4, ip.dst, s);
    g_assert_cmpstr(s, ==, "10.0.0.2");

    /* Cut at every length: headers cut are TRUNCATED; past them the payload
     * shrinks while the reported length stays. */
    for (guint32 cut = 0; cut < sizeof v4_opts; cut++) {
        guint8 *copy = g_memdup2(v4_opts, cut ? cut : 1);
        TwIpStatus st = tw_ip_decode(copy, cut, sizeof v4_opts, &ip);
        if (cut < 24) {
            g_assert_cmpint(st, ==, TW_IP_TRUNCATED);
        } else {
            g_assert_cmpint(st, ==, TW_IP_OK);
            g_assert_cmpuint(ip.payload_caplen, ==, cut - 24);
            g_assert_cmpuint(ip.payload_len, ==, 16);
        }
        g_free(copy);
    }
}

static void test_v4_padding_and_lies(void)
{
    /* Ethernet pads short frames: the IP total length wins. */
    guint8 padded[60] = { 0 };
    memcpy(padded, v4_opts, sizeof v4_opts);
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(padded, sizeof padded, sizeof padded, &ip), ==, TW_IP_OK);
    g_assert_cmpuint(ip.payload_caplen, ==, 16);
    g_assert_cmpuint(ip.payload_len, ==, 16);

    /* Total length 0 (TSO capture): the frame's length is used. */
    guint8 tso[40];
    memcpy(tso, v4_opts, sizeof tso);
    tso[2] = tso[3] = 0;
    g_assert_cmpint(tw_ip_decode(tso, sizeof tso, sizeof tso, &ip), ==, TW_IP_OK);
    g_assert_true(ip.length_from_frame);
    g_assert_cmpuint(ip.payload_len, ==, 16);
    g_assert_false(v4_opts[3] == 0);

    /* A total length beyond what the wire carried is malformed. */
    g_assert_cmpint(tw_ip_decode(v4_opts, 39, 39, &ip), ==, TW_IP_MALFORMED);
    /* IHL below 5 and total below IHL are malformed. */
    guint8 bad[40];
    memcpy(bad, v4_opts, sizeof bad);
    bad[0] = 0x44;
    g_assert_cmpint(tw_ip_decode(bad, sizeof bad, sizeof bad, &ip), ==, TW_IP_MALFORMED);
    memcpy(bad, v4_opts, sizeof bad);
    bad[3] = 20;
    g_assert_cmpint(tw_ip_decode(bad, sizeof bad, sizeof bad, &ip), ==, TW_IP_MALFORMED);
    /* Version 7. */
    bad[0] = 0x75;
    g_assert_cmpint(tw_ip_decode(bad, sizeof bad, sizeof bad, &ip), ==, TW_IP_MALFORMED);
}

static void test_v4_fragment(void)
{
    guint8 f[40];
    memcpy(f, v4_opts, sizeof f);
    /* MF set, offset 0. */
    f[6] = 0x20;
    f[7] = 0x00;
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(f, sizeof f, sizeof f, &ip), ==, TW_IP_OK);
    g_assert_true(ip.is_fragment);
    g_assert_true(ip.more_fragments);
    g_assert_cmpuint(ip.frag_offset, ==, 0);
    g_assert_cmpuint(ip.frag_id, ==, 0xabcd);
    /* Last fragment at offset 185 * 8. */
    f[6] = 0x00;
    f[7] = 185;
    g_assert_cmpint(tw_ip_decode(f, sizeof f, sizeof f, &ip), ==, TW_IP_OK);
    g_assert_true(ip.is_fragment);
    g_assert_false(ip.more_fragments);
    g_assert_cmpuint(ip.frag_offset, ==, 1480);

    /* The same without options (IHL 5: tw_ip_decode's own path, which
     * works is_fragment out of the header word): the first fragment (MF,
     * offset 0), the last (offset only), DF alone (a whole datagram). */
    static const struct {
        guint8 hi, lo;
        bool fragment, more;
        guint32 offset;
    } plain[] = {
        { 0x20, 0x00, true, true, 0 },
        { 0x00, 185, true, false, 1480 },
        { 0x40, 0x00, false, false, 0 },
        { 0x60, 0x01, true, true, 8 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(plain); i++) {
        guint8 p[36];
        p[0] = 0x45;
        p[1] = 0;
        p[2] = 0;
        p[3] = sizeof p;
        memcpy(p + 4, v4_opts + 4, 16); /* id 0xabcd, ttl, UDP, addresses */
        memcpy(p + 20, v4_opts + 24, 16);
        p[6] = plain[i].hi;
        p[7] = plain[i].lo;
        g_assert_cmpint(tw_ip_decode(p, sizeof p, sizeof p, &ip), ==, TW_IP_OK);
        g_assert_true(ip.payload == p + 20);
        g_assert_cmpint(ip.is_fragment, ==, plain[i].fragment);
        g_assert_cmpint(ip.more_fragments, ==, plain[i].more);
        g_assert_cmpuint(ip.frag_offset, ==, plain[i].offset);
        g_assert_cmpuint(ip.frag_id, ==, 0xabcd);
    }
}

/* IPv6 header + extension chain + 8-byte UDP header + 4 payload bytes. */
static guint32 build_v6(guint8 *buf, const guint8 *chain, guint32 chain_len, guint8 first_nh)
{
    guint32 plen = chain_len + 12;
    memset(buf, 0, 40);
    buf[0] = 0x60;
    buf[4] = (guint8)(plen >> 8);
    buf[5] = (guint8)plen;
    buf[6] = first_nh;
    buf[7] = 64;
    buf[8] = 0x20;
    buf[9] = 0x01;
    buf[23] = 1;
    buf[24] = 0x20;
    buf[25] = 0x01;
    buf[39] = 2;
    if (chain_len)
        memcpy(buf + 40, chain, chain_len);
    const guint8 udp[12] = { 0x04, 0x00, 0x00, 0x58, 0x00, 0x0c, 0, 0, 'a', 'b', 'c', 'd' };
    memcpy(buf + 40 + chain_len, udp, sizeof udp);
    return 40 + plen;
}

static void test_v6_chain(void)
{
    /* hop-by-hop (8) -> routing (8) -> destination options (16) -> AH (12) -> UDP */
    const guint8 chain[] = {
        43, 0, 1, 4, 0, 0, 0, 0,                         /* hop-by-hop, next routing */
        60, 0, 0, 0, 0, 0, 0, 0,                         /* routing, next dest opts */
        51, 1, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dest opts (len 1 = 16), next AH */
        17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,             /* AH: (1+2)*4 = 12 bytes, next UDP */
    };
    guint8 pkt[128];
    guint32 len = build_v6(pkt, chain, sizeof chain, 0);
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_OK);
    g_assert_cmpuint(ip.version, ==, 6);
    g_assert_cmpuint(ip.proto, ==, 17);
    g_assert_true(ip.payload == pkt + 40 + sizeof chain);
    g_assert_cmpuint(ip.payload_len, ==, 12);
    g_assert_false(ip.is_fragment);
    char s[46];
    tw_ip_format(6, ip.src, s);
    g_assert_cmpstr(s, ==, "2001::1");

    guint32 hdrs = 40 + sizeof chain;
    for (guint32 cut = 0; cut < len; cut++) {
        guint8 *copy = g_memdup2(pkt, cut ? cut : 1);
        TwIpStatus st = tw_ip_decode(copy, cut, len, &ip);
        if (cut < hdrs) {
            g_assert_cmpint(st, ==, TW_IP_TRUNCATED);
        } else {
            g_assert_cmpint(st, ==, TW_IP_OK);
            g_assert_cmpuint(ip.payload_caplen, ==, cut - hdrs);
            g_assert_cmpuint(ip.payload_len, ==, 12);
        }
        g_free(copy);
    }

    /* A chain whose header length passes the payload length is malformed. */
    guint8 bad[128];
    memcpy(bad, pkt, len);
    bad[40 + 1] = 200;
    g_assert_cmpint(tw_ip_decode(bad, len, len, &ip), ==, TW_IP_MALFORMED);
}

static void test_v6_fragment_and_esp(void)
{
    /* Fragment header: next UDP, offset 0, M=1, id 0x01020304. */
    const guint8 frag[] = { 17, 0, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04 };
    guint8 pkt[128];
    guint32 len = build_v6(pkt, frag, sizeof frag, 44);
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_OK);
    g_assert_true(ip.is_fragment);
    g_assert_true(ip.more_fragments);
    g_assert_cmpuint(ip.frag_id, ==, 0x01020304);
    g_assert_cmpuint(ip.proto, ==, 17);
    g_assert_cmpuint(ip.payload_len, ==, 12);

    /* Atomic fragment (offset 0, M 0): a whole packet. */
    const guint8 atomic[] = { 17, 0, 0x00, 0x00, 0, 0, 0, 9 };
    len = build_v6(pkt, atomic, sizeof atomic, 44);
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_OK);
    g_assert_false(ip.is_fragment);
    g_assert_cmpuint(ip.proto, ==, 17);

    /* ESP: the walk stops, the transport is ESP. */
    len = build_v6(pkt, NULL, 0, 50);
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_OK);
    g_assert_cmpuint(ip.proto, ==, 50);

    /* Payload length 0 (TSO capture or jumbogram): the frame gives it. */
    pkt[4] = pkt[5] = 0;
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_OK);
    g_assert_true(ip.length_from_frame);
    g_assert_cmpuint(ip.payload_len, ==, len - 40);
}

static void test_v6_ext_cap(void)
{
    /* 20 destination-option headers chained: more than the cap. */
    guint8 chain[20 * 8];
    for (int i = 0; i < 20; i++) {
        memset(chain + 8 * i, 0, 8);
        chain[8 * i] = i == 19 ? 17 : 60;
    }
    guint8 pkt[256];
    guint32 len = build_v6(pkt, chain, sizeof chain, 60);
    TwIpPacket ip;
    g_assert_cmpint(tw_ip_decode(pkt, len, len, &ip), ==, TW_IP_UNSUPPORTED);

    /* The post-reassembly walker: dest opts then UDP. */
    guint8 nh = 60;
    const guint8 reas[] = { 17, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };
    g_assert_cmpint(tw_ip6_skip_ext(&nh, reas, sizeof reas), ==, 8);
    g_assert_cmpuint(nh, ==, 17);
    nh = 60;
    g_assert_cmpint(tw_ip6_skip_ext(&nh, reas, 5), ==, -1);
}

/* IPv4 headers without options (the decoder's fast path) of every total
 * length against frames of every captured and wire length, with random
 * addresses and fragment fields, over a result full of garbage: each field
 * as RFC 791 and the rules above (TSO, padding, lies) say. */
static void test_v4_plain_every_length(void)
{
    GRand *r = g_rand_new_with_seed(791);
    guint8 pkt[80];
    for (guint32 total = 0; total <= 70; total++)
        for (guint32 wire = 0; wire <= 70; wire += 1 + (wire > 30) * 4)
            for (guint32 cap = 0; cap <= wire; cap += 1 + (cap > 25) * 6) {
                for (gsize i = 0; i < sizeof pkt; i++)
                    pkt[i] = (guint8)g_rand_int_range(r, 0, 256);
                pkt[0] = 0x45;
                pkt[2] = (guint8)(total >> 8);
                pkt[3] = (guint8)total;
                guint16 frag = (guint16)g_rand_int_range(r, 0, 0x10000);
                if (g_rand_boolean(r))
                    frag &= 0x4000; /* mostly whole datagrams, DF or not */
                pkt[6] = (guint8)(frag >> 8);
                pkt[7] = (guint8)frag;
                TwIpPacket ip;
                memset(&ip, 0xa5, sizeof ip);
                TwIpStatus st = tw_ip_decode(pkt, cap, wire, &ip);
                guint32 orig = wire < cap ? cap : wire;
                guint32 t = total ? total : orig;
                if (cap < 20) {
                    /* Nothing captured: not even the version. */
                    g_assert_cmpint(st, ==, cap && orig < 20 ? TW_IP_MALFORMED : TW_IP_TRUNCATED);
                    continue;
                }
                if (t < 20 || t > orig) {
                    g_assert_cmpint(st, ==, TW_IP_MALFORMED);
                    continue;
                }
                g_assert_cmpint(st, ==, TW_IP_OK);
                g_assert_cmpuint(ip.version, ==, 4);
                g_assert_cmpuint(ip.proto, ==, pkt[9]);
                static const guint8 zero[12];
                g_assert_cmpmem(ip.src, 4, pkt + 12, 4);
                g_assert_cmpmem(ip.src + 4, 12, zero, 12);
                g_assert_cmpmem(ip.dst, 4, pkt + 16, 4);
                g_assert_cmpmem(ip.dst + 4, 12, zero, 12);
                g_assert_true(ip.payload == pkt + 20);
                g_assert_cmpuint(ip.payload_caplen, ==, (cap < t ? cap : t) - 20);
                g_assert_cmpuint(ip.payload_len, ==, t - 20);
                g_assert_cmpint(ip.length_from_frame, ==, total == 0);
                g_assert_cmpint(ip.more_fragments, ==, (frag & 0x2000) != 0);
                g_assert_cmpuint(ip.frag_offset, ==, (guint32)(frag & 0x1fff) * 8);
                g_assert_cmpint(ip.is_fragment, ==, (frag & 0x3fff) != 0);
                g_assert_cmpuint(ip.frag_id, ==, (guint32)pkt[4] << 8 | pkt[5]);
            }
    g_rand_free(r);
}

/* tw_ip_format is a direct formatter: the text must be inet_ntop's. */
static void check_format(guint8 version, const guint8 *a)
{
    char want[TW_ADDR_STRLEN], got[TW_ADDR_STRLEN];
    g_assert_nonnull(inet_ntop(version == 4 ? AF_INET : AF_INET6, a, want, sizeof want));
    memset(got, 'x', sizeof got);
    tw_ip_format(version, a, got);
    g_assert_cmpstr(got, ==, want);
}

static void test_format_like_inet_ntop(void)
{
    guint8 a[16];
    /* Every IPv4 byte value in every position. */
    for (guint v = 0; v < 256; v++)
        for (int pos = 0; pos < 4; pos++) {
            static const guint8 base[4] = { 10, 0, 99, 255 };
            memcpy(a, base, 4);
            a[pos] = (guint8)v;
            check_format(4, a);
        }
    /* IPv6: every pattern of zero words (256), each non-zero word drawn
     * from values of every digit count, and the IPv4-mapped/compatible
     * forms the zero runs decide. */
    static const guint16 words[] = { 1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff, 0xdb8, 0x2001 };
    GRand *r = g_rand_new_with_seed(12);
    for (guint mask = 0; mask < 256; mask++)
        for (int k = 0; k < 40; k++) {
            for (int i = 0; i < 8; i++) {
                guint16 w = 0;
                if (!(mask & (1u << i)))
                    w = k < 20 ? words[g_rand_int_range(r, 0, G_N_ELEMENTS(words))]
                               : (guint16)g_rand_int_range(r, 1, 0x10000);
                if (k == 39 && i == 5 && !(mask & (1u << i)))
                    w = 0xffff;
                a[2 * i] = (guint8)(w >> 8);
                a[2 * i + 1] = (guint8)w;
            }
            check_format(6, a);
        }
    /* Random addresses, and random ones with a random run of zeros. */
    for (int k = 0; k < 20000; k++) {
        for (int i = 0; i < 16; i++)
            a[i] = (guint8)g_rand_int_range(r, 0, 256);
        if (k & 1) {
            int from = g_rand_int_range(r, 0, 16), to = g_rand_int_range(r, from, 17);
            memset(a + from, 0, (gsize)(to - from));
        }
        check_format(6, a);
        check_format(4, a);
    }
    g_rand_free(r);
    static const char *const texts[] = { "::", "::1", "::ffff:1.2.3.4", "::1.2.3.4", "::ffff:0:1.2.3.4",
                                         "1::", "1:0:0:1::", "fe80::1:0:0:1", "2001:db8::ff00:42:8329" };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_assert_cmpint(inet_pton(AF_INET6, texts[i], a), ==, 1);
        check_format(6, a);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ip/v4-options", test_v4_options);
    g_test_add_func("/ip/v4-padding-and-lies", test_v4_padding_and_lies);
    g_test_add_func("/ip/v4-fragment", test_v4_fragment);
    g_test_add_func("/ip/v6-chain", test_v6_chain);
    g_test_add_func("/ip/v6-fragment-esp", test_v6_fragment_and_esp);
    g_test_add_func("/ip/v6-ext-cap", test_v6_ext_cap);
    g_test_add_func("/ip/format-like-inet-ntop", test_format_like_inet_ntop);
    g_test_add_func("/ip/v4-plain-every-length", test_v4_plain_every_length);
    return g_test_run();
}
