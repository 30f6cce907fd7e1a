/* test-csum.c — the TCP/UDP checksum check (capture/csum.c): its fast
 * summation equals the plain RFC 1071 sum of 16-bit big-endian words on
 * every length 0..2000 at every alignment, and tw_l4_checksum accepts
 * segments whose checksum the plain sum made and refuses any bit flipped. */
#include "capture/csum.h"

#include <string.h>

/* RFC 1071 4.1, word by word. */
static guint16 ref_sum(const guint8 *p, gsize len)
{
    guint64 s = 0;
    for (gsize i = 0; i < len; i += 2)
        s += (guint32)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (guint16)s;
}

static void test_sum_every_length_and_alignment(void)
{
    GRand *r = g_rand_new_with_seed(1071);
    static guint8 buf[2000 + 16];
    for (int fill = 0; fill < 3; fill++) {
        for (gsize i = 0; i < sizeof buf; i++)
            buf[i] = fill == 0 ? (guint8)g_rand_int_range(r, 0, 256) : fill == 1 ? 0xff : 0;
        for (guint32 len = 0; len <= 2000; len++)
            for (gsize align = 0; align < 8; align++)
                g_assert_cmphex(tw_csum_sum(buf + align, len), ==, ref_sum(buf + align, len));
    }
    /* Sums that end exactly on 0xffff or carry often: bytes near the top. */
    for (int k = 0; k < 2000; k++) {
        guint32 len = (guint32)g_rand_int_range(r, 0, 2001);
        for (guint32 i = 0; i < len + 8; i++)
            buf[i] = (guint8)(0xf0 + g_rand_int_range(r, 0, 16));
        gsize align = (gsize)g_rand_int_range(r, 0, 8);
        g_assert_cmphex(tw_csum_sum(buf + align, len), ==, ref_sum(buf + align, len));
    }
    /* Runs of 0xff then a 1: 64-bit words that carry out of the low 64
     * bits of the sum exactly when the end-around carry is due. */
    for (gsize k = 8; k <= 1992; k += 8) {
        memset(buf, 0xff, k);
        memset(buf + k, 0, 8);
        buf[k] = 1;
        g_assert_cmphex(tw_csum_sum(buf, (guint32)k + 8), ==, ref_sum(buf, k + 8));
        buf[k] = 0;
        buf[k + 7] = 1;
        g_assert_cmphex(tw_csum_sum(buf, (guint32)k + 8), ==, ref_sum(buf, k + 8));
    }
    g_rand_free(r);
}

/* A segment of `len` bytes (transport header first) with the checksum the
 * plain sum gives; the pseudo-header as RFC 9293 3.1 / RFC 8200 8.1. */
static void make_segment(TwIpPacket *ip, guint8 version, guint8 proto, guint8 *seg, guint32 len,
                         GRand *r)
{
    memset(ip, 0, sizeof *ip);
    ip->version = version;
    ip->proto = proto;
    for (int i = 0; i < (version == 4 ? 4 : 16); i++) {
        ip->src[i] = (guint8)g_rand_int_range(r, 0, 256);
        ip->dst[i] = (guint8)g_rand_int_range(r, 0, 256);
    }
    for (guint32 i = 0; i < len; i++)
        seg[i] = (guint8)g_rand_int_range(r, 0, 256);
    guint32 at = proto == 6 ? 16 : 6;
    if (proto == 17) {
        seg[4] = (guint8)(len >> 8);
        seg[5] = (guint8)len;
    }
    seg[at] = seg[at + 1] = 0;
    guint8 pseudo[40 + 2000];
    gsize n = 0;
    if (version == 4) {
        memcpy(pseudo, ip->src, 4);
        memcpy(pseudo + 4, ip->dst, 4);
        pseudo[8] = 0;
        pseudo[9] = proto;
        pseudo[10] = (guint8)(len >> 8);
        pseudo[11] = (guint8)len;
        n = 12;
    } else {
        memcpy(pseudo, ip->src, 16);
        memcpy(pseudo + 16, ip->dst, 16);
        pseudo[32] = (guint8)(len >> 24);
        pseudo[33] = (guint8)(len >> 16);
        pseudo[34] = (guint8)(len >> 8);
        pseudo[35] = (guint8)len;
        pseudo[36] = pseudo[37] = pseudo[38] = 0;
        pseudo[39] = proto;
        n = 40;
    }
    memcpy(pseudo + n, seg, len);
    guint16 c = (guint16)~ref_sum(pseudo, n + len);
    if (proto == 17 && c == 0)
        c = 0xffff; /* RFC 768: a computed 0 is sent as all ones */
    seg[at] = (guint8)(c >> 8);
    seg[at + 1] = (guint8)c;
    ip->payload = seg;
    ip->payload_caplen = ip->payload_len = len;
}

static void test_l4_checksum(void)
{
    GRand *r = g_rand_new_with_seed(9293);
    static guint8 mem[2000 + 8];
    static const guint8 versions[] = { 4, 6 }, protos[] = { 6, 17 };
    for (int v = 0; v < 2; v++)
        for (int pr = 0; pr < 2; pr++)
            for (guint32 len = protos[pr] == 6 ? 20 : 8; len <= 2000; len += 1 + (len > 100) * 6) {
                guint8 *seg = mem + (len & 7);
                TwIpPacket ip;
                make_segment(&ip, versions[v], protos[pr], seg, len, r);
                g_assert_cmpint(tw_l4_checksum(&ip), ==, TW_CSUM_OK);
                /* One bit flipped anywhere (header, payload) is wrong, unless
                 * it turns an IPv4 UDP checksum into "none" (0). */
                guint32 at = (guint32)g_rand_int_range(r, 0, (gint32)len);
                guint8 bit = (guint8)(1u << g_rand_int_range(r, 0, 8));
                seg[at] ^= bit;
                TwCsum got = tw_l4_checksum(&ip);
                if (versions[v] == 4 && protos[pr] == 17 && seg[6] == 0 && seg[7] == 0)
                    g_assert_cmpint(got, ==, TW_CSUM_UNCHECKED);
                else
                    g_assert_cmpint(got, ==, TW_CSUM_BAD);
                seg[at] ^= bit;
                /* The pseudo-header counts. */
                ip.dst[v == 0 ? 3 : 15] ^= 1;
                g_assert_cmpint(tw_l4_checksum(&ip), ==, TW_CSUM_BAD);
                ip.dst[v == 0 ? 3 : 15] ^= 1;
                /* Not captured whole, or a fragment: not checked. */
                ip.payload_caplen = len - 1;
                g_assert_cmpint(tw_l4_checksum(&ip), ==, TW_CSUM_UNCHECKED);
                ip.payload_caplen = len;
                ip.is_fragment = true;
                g_assert_cmpint(tw_l4_checksum(&ip), ==, TW_CSUM_UNCHECKED);
            }
    /* IPv4 UDP with checksum 0: none computed. */
    TwIpPacket ip;
    make_segment(&ip, 4, 17, mem, 40, r);
    mem[6] = mem[7] = 0;
    g_assert_cmpint(tw_l4_checksum(&ip), ==, TW_CSUM_UNCHECKED);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/csum/sum-every-length-and-alignment", test_sum_every_length_and_alignment);
    g_test_add_func("/csum/l4-checksum", test_l4_checksum);
    return g_test_run();
}
