/* test-shard.c — the shard of a frame (tw_workers_shard_of, capture/workers.c)
 * is the FNV-1a hash of its unordered address pair as it always was: each
 * shard holds 1/TW_WORKER_SHARDS of the caps, so which flows share one
 * decides what a flood evicts.  Checked against the plain byte loop on
 * random pairs of both versions and on fixed ones. */
#include "capture/workers.h"

#include <string.h>

/* The hash as first written: version, the lower address, the higher, byte by byte. */
static guint reference(const TwIpPacket *ip)
{
    gsize alen = ip->version == 4 ? 4 : 16;
    const guint8 *a = ip->src, *b = ip->dst;
    if (memcmp(a, b, alen) > 0) {
        const guint8 *t = a;
        a = b;
        b = t;
    }
    guint32 h = 2166136261u;
    h = (h ^ ip->version) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ a[i]) * 16777619u;
    for (gsize i = 0; i < alen; i++)
        h = (h ^ b[i]) * 16777619u;
    h ^= h >> 16;
    return h % TW_WORKER_SHARDS;
}

static TwFrameHeaders headers(guint8 version, const guint8 *src, const guint8 *dst)
{
    TwFrameHeaders h;
    memset(&h, 0, sizeof h);
    h.link = TW_LINK_OK;
    h.ip_status = TW_IP_OK;
    h.ip.version = version;
    memcpy(h.ip.src, src, version == 4 ? 4 : 16);
    memcpy(h.ip.dst, dst, version == 4 ? 4 : 16);
    return h;
}

static void random_addr(GRand *r, guint8 version, guint8 *a)
{
    memset(a, 0, 16);
    for (int i = 0; i < (version == 4 ? 4 : 16); i++)
        a[i] = (guint8)g_rand_int_range(r, 0, 256);
    if (g_rand_boolean(r))
        a[version == 4 ? 3 : 15] &= 0x0f; /* pairs that differ in the last byte only, too */
}

static void test_random_pairs(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(12);
    guint hits[TW_WORKER_SHARDS] = { 0 };
    for (guint n = 0; n < 200000; n++) {
        guint8 version = n % 4 ? 4 : 6;
        guint8 a[16], b[16];
        random_addr(r, version, a);
        if (n % 8 == 1)
            memcpy(b, a, 16); /* the same address both ways */
        else if (n % 8 == 2) {
            memcpy(b, a, 16);
            b[0] ^= 0x80; /* differ in the first byte only */
        } else
            random_addr(r, version, b);
        TwFrameHeaders h = headers(version, a, b);
        guint want = reference(&h.ip);
        g_assert_cmpuint(tw_workers_shard_of(&h), ==, want);
        TwFrameHeaders back = headers(version, b, a); /* both directions, one shard */
        g_assert_cmpuint(tw_workers_shard_of(&back), ==, want);
        hits[want]++;
    }
    for (guint s = 0; s < TW_WORKER_SHARDS; s++)
        g_assert_cmpuint(hits[s], >, 200000 / TW_WORKER_SHARDS / 2);
}

static void test_fixed_pairs(void)
{
    /* Computed by the hash of tests/workers/test-workers.py (expiry capture). */
    static const struct {
        guint8 a[4], b[4];
        guint shard;
    } v4[] = {
        { { 10, 9, 1, 8 }, { 10, 9, 0, 1 }, 15 },
        { { 10, 9, 1, 9 }, { 10, 9, 0, 1 }, 0 },
        { { 192, 168, 1, 1 }, { 10, 0, 0, 1 }, 8 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(v4); i++) {
        TwFrameHeaders h = headers(4, v4[i].a, v4[i].b);
        g_assert_cmpuint(tw_workers_shard_of(&h), ==, v4[i].shard);
    }
}

static void test_not_ip(void)
{
    static const guint8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
    TwFrameHeaders h = headers(4, a, b);
    guint ip = tw_workers_shard_of(&h);
    g_assert_cmpuint(ip, !=, 0); /* so that 0 below says something */
    h.link = TW_LINK_NOT_IP;
    g_assert_cmpuint(tw_workers_shard_of(&h), ==, 0);
    h.link = TW_LINK_OK;
    h.ip_status = TW_IP_TRUNCATED;
    g_assert_cmpuint(tw_workers_shard_of(&h), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/shard/random-pairs", test_random_pairs);
    g_test_add_func("/shard/fixed-pairs", test_fixed_pairs);
    g_test_add_func("/shard/not-ip", test_not_ip);
    return g_test_run();
}
