/* test-community-id.c — core/community-id.c against the spec's test vectors
 * (tests/ecs/community-id/, copied from corelight/community-id-spec). */
#include "core/community-id.h"
#include "core/tw-limits.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* tw_community_id_v1_arrays of the two texts, copied into arrays of
 * TW_COMMUNITY_ID_ADDR_ARRAY bytes whose bytes past the NUL are `junk` (the
 * arrays entry must look at the texts only); the same answer as
 * tw_community_id_v1 (checked), which is returned. */
static bool ids_agree(guint16 seed, const char *sa, const char *da, guint8 proto, guint16 sport, guint16 dport,
                      char out[TW_COMMUNITY_ID_LEN], char junk)
{
    char a[TW_COMMUNITY_ID_ADDR_ARRAY], b[TW_COMMUNITY_ID_ADDR_ARRAY], arr[TW_COMMUNITY_ID_LEN];
    memset(a, junk, sizeof a);
    memset(b, junk, sizeof b);
    g_assert_cmpuint(strlen(sa), <, sizeof a);
    g_assert_cmpuint(strlen(da), <, sizeof b);
    memcpy(a, sa, strlen(sa) + 1);
    memcpy(b, da, strlen(da) + 1);
    bool ok = tw_community_id_v1(seed, sa, da, proto, sport, dport, out);
    bool ok2 = tw_community_id_v1_arrays(seed, a, b, proto, sport, dport, arr);
    g_assert_cmpint(ok, ==, ok2);
    g_assert_cmpstr(out, ==, arr);
    return ok;
}

static guint check_file(const char *name, guint16 seed)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "ecs", "community-id", name, NULL);
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(json_parser_load_from_file(p, path, &err));
    g_assert_no_error(err);
    JsonArray *a = json_node_get_array(json_parser_get_root(p));
    guint n = json_array_get_length(a);
    g_assert_cmpuint(n, >=, 20);
    for (guint i = 0; i < n; i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        JsonNode *sp = json_object_get_member(o, "sport"), *dp = json_object_get_member(o, "dport");
        guint16 sport = sp && !JSON_NODE_HOLDS_NULL(sp) ? (guint16)json_node_get_int(sp) : 0;
        guint16 dport = dp && !JSON_NODE_HOLDS_NULL(dp) ? (guint16)json_node_get_int(dp) : 0;
        char id[TW_COMMUNITY_ID_LEN];
        g_assert_true(ids_agree(seed, json_object_get_string_member(o, "saddr"),
                                json_object_get_string_member(o, "daddr"),
                                (guint8)json_object_get_int_member(o, "proto"), sport, dport, id, (char)('1' + i % 9)));
        if (strcmp(id, json_object_get_string_member(o, "communityid")) != 0)
            g_error("%s #%u (proto %" G_GINT64_FORMAT " %s:%u -> %s:%u): got %s, want %s", name, i,
                    json_object_get_int_member(o, "proto"), json_object_get_string_member(o, "saddr"), sport,
                    json_object_get_string_member(o, "daddr"), dport, id,
                    json_object_get_string_member(o, "communityid"));
    }
    return n;
}

static void test_vectors(void)
{
    guint n = check_file("baseline_deflt.json", 0);
    n += check_file("baseline_seed1.json", 1);
    g_test_message("%u Community ID vectors agree", n);
}

/* Both directions of a TCP/UDP flow are one flow; a different seed, port or
 * protocol is another; bad input gives no ID. */
static void test_properties(void)
{
    char a[TW_COMMUNITY_ID_LEN], b[TW_COMMUNITY_ID_LEN];
    g_assert_true(tw_community_id_v1(0, "10.77.0.21", "10.77.0.10", 6, 49723, 88, a));
    g_assert_true(tw_community_id_v1(0, "10.77.0.10", "10.77.0.21", 6, 88, 49723, b));
    g_assert_cmpstr(a, ==, b);
    g_assert_cmpuint(strlen(a), ==, 30);
    g_assert_true(g_str_has_prefix(a, "1:"));
    g_assert_true(tw_community_id_v1(1, "10.77.0.21", "10.77.0.10", 6, 49723, 88, b));
    g_assert_cmpstr(a, !=, b);
    g_assert_true(tw_community_id_v1(0, "10.77.0.21", "10.77.0.10", 17, 49723, 88, b));
    g_assert_cmpstr(a, !=, b);
    /* same address both ends: the ports decide the order */
    g_assert_true(tw_community_id_v1(0, "::1", "::1", 6, 1000, 88, a));
    g_assert_true(tw_community_id_v1(0, "::1", "::1", 6, 88, 1000, b));
    g_assert_cmpstr(a, ==, b);
    /* ... the smaller port first (spec "ordering"): SHA-1 of 0000 ::1 ::1 06 00
     * 0058 03e8, base64, computed apart with Python hashlib; both directions
     * agree whichever way they are ordered, so only the value shows the order */
    g_assert_cmpstr(a, ==, "1:fxwrXkvrmDLEJKKtUW/7O3LNrz4=");
    /* ICMP (spec "ICMP"): echo request and reply are one two-way flow; a
     * one-way message (destination unreachable) is never reordered, so the
     * same message the other way round is another flow */
    g_assert_true(tw_community_id_v1(0, "10.0.0.1", "10.0.0.2", 1, 8, 0, a));
    g_assert_true(tw_community_id_v1(0, "10.0.0.2", "10.0.0.1", 1, 0, 0, b));
    g_assert_cmpstr(a, ==, b);
    g_assert_true(tw_community_id_v1(0, "10.0.0.2", "10.0.0.1", 1, 3, 1, a));
    g_assert_true(tw_community_id_v1(0, "10.0.0.1", "10.0.0.2", 1, 3, 1, b));
    g_assert_cmpstr(a, !=, b);
    /* SHA-1 of 0000 0a000002 0a000001 01 00 0003 0001 (the higher address
     * first, as sent), base64: computed apart with Python hashlib */
    g_assert_cmpstr(a, ==, "1:JHjlyD5IJJjl3wHWOMj46lLWZag=");
    g_assert_true(tw_community_id_v1(0, "fe80::2", "fe80::1", 58, 1, 4, a));
    g_assert_true(tw_community_id_v1(0, "fe80::1", "fe80::2", 58, 1, 4, b));
    g_assert_cmpstr(a, !=, b);
    g_assert_false(tw_community_id_v1(0, "10.0.0.1", "::1", 6, 1, 2, a));
    g_assert_cmpstr(a, ==, "");
    g_assert_false(tw_community_id_v1(0, "not an address", "10.0.0.1", 6, 1, 2, a));
    g_assert_false(tw_community_id_v1(0, NULL, "10.0.0.1", 6, 1, 2, a));
}

/* The per-thread cache (TW_COMMUNITY_ID_CACHE_SLOTS) must never answer
 * one flow with another's ID: families of flows that differ in one part of
 * the key only (seed, protocol, a port, an address) go through it, many
 * more than it has slots, so keys of one family keep landing on each
 * other's slots.  Distinct flows have distinct IDs (SHA-1), both directions
 * of one flow the same, and a second pass in another order gives what the
 * first gave. */
#define FLOWS 2101 /* more than twice the slots; prime to 7 (the third pass steps by 7) */

static void flow_key(int family, int i, guint16 *seed, char sa[48], char da[48], guint8 *proto, guint16 *sport,
                     guint16 *dport)
{
    *seed = 0;
    *proto = 6;
    *sport = 40000;
    *dport = 88;
    g_strlcpy(sa, "10.1.2.3", 48);
    g_strlcpy(da, "10.9.8.7", 48);
    switch (family) {
    case 0: *seed = (guint16)i; break;
    case 1: /* every protocol but ICMP and ICMPv6 (whose one-way messages keep their order) */
        *proto = (guint8)(i % 250 + 2);
        if (*proto == TW_IPPROTO_ICMPV6)
            *proto = 255;
        g_snprintf(sa, 48, "10.1.2.%d", 3 + i / 250); /* ports count for TCP, UDP and SCTP only */
        break;
    case 2: *sport = (guint16)(1024 + i); break;
    case 3: *dport = (guint16)(1024 + i); break;
    case 4: g_snprintf(sa, 48, "10.1.%d.%d", i / 200, i % 200 + 1); break;
    case 5: g_snprintf(da, 48, "fe80::%x", i + 1); g_strlcpy(sa, "fe80::ffff", 48); break;
    case 6: g_snprintf(da, 48, "10.200.%d.%d", i / 200, i % 200 + 1); g_strlcpy(sa, "10.0.0.1", 48); break;
    default: g_assert_not_reached();
    }
}

static void test_cache(void)
{
    G_STATIC_ASSERT(FLOWS > 2 * TW_COMMUNITY_ID_CACHE_SLOTS);
    for (int family = 0; family < 7; family++) {
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        char ids[FLOWS][TW_COMMUNITY_ID_LEN];
        for (int pass = 0; pass < 3; pass++) {
            for (int k = 0; k < FLOWS; k++) {
                int i = pass == 1 ? FLOWS - 1 - k : pass == 2 ? (k * 7) % FLOWS : k;
                guint16 seed, sport, dport;
                guint8 proto;
                char sa[48], da[48], id[TW_COMMUNITY_ID_LEN], back[TW_COMMUNITY_ID_LEN];
                flow_key(family, i, &seed, sa, da, &proto, &sport, &dport);
                g_assert_true(ids_agree(seed, sa, da, proto, sport, dport, id, (char)(pass ? 0x80 : '9')));
                g_assert_true(ids_agree(seed, da, sa, proto, dport, sport, back, (char)(pass == 1 ? 0 : 'f')));
                if (strcmp(id, back) != 0)
                    g_error("family %d flow %d: %s one way, %s the other", family, i, id, back);
                if (pass == 0) {
                    if (!g_hash_table_add(seen, g_strdup(id)))
                        g_error("family %d flow %d: ID %s given to an earlier flow", family, i, id);
                    memcpy(ids[i], id, sizeof id);
                } else {
                    g_assert_cmpstr(id, ==, ids[i]);
                }
            }
        }
    }
    /* a key as long as the cache keeps, and one longer (never cached) */
    char a[TW_COMMUNITY_ID_LEN], b[TW_COMMUNITY_ID_LEN];
    const char *v6 = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254"; /* 45 characters */
    const char *v6b = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.253";
    g_assert_true(tw_community_id_v1(0, v6, v6b, 6, 1, 2, a));
    g_assert_true(tw_community_id_v1(0, v6b, v6, 6, 2, 1, b));
    g_assert_cmpstr(a, ==, b);
    g_assert_true(ids_agree(0, v6, v6b, 6, 1, 2, a, 'x')); /* NULs past the 32 bytes looked at first */
    g_assert_true(ids_agree(0, v6b, "ffff::1", 6, 1, 2, a, 'x'));
    /* the arrays entry orders endpoints as strcmp: a text that is the start
     * of the other is the smaller, and equal texts by port */
    const char *order[][2] = { { "10.0.0.1", "10.0.0.10" }, { "10.0.0.10", "10.0.0.1" }, { "10.0.0.9", "10.0.0.10" },
                               { "::1", "::1" },              { "fe80::1", "10.0.0.1" },  { "1.2.3.4", "1.2.3.4" } };
    for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
        for (int k = 0; k < 4; k++) {
            ids_agree(0, order[i][0], order[i][1], 6, (guint16)(k & 1 ? 80 : 1000), (guint16)(k & 2 ? 80 : 1000), a, '0');
            ids_agree(0, order[i][1], order[i][0], 6, (guint16)(k & 2 ? 80 : 1000), (guint16)(k & 1 ? 80 : 1000), b, 0);
            g_assert_cmpstr(a, ==, b);
            ids_agree(0, order[i][0], order[i][1], 1, (guint16)(k ? 8 : 3), 0, a, '.'); /* ICMP keeps its order */
        }
    g_assert_false(ids_agree(0, "", "10.0.0.1", 6, 1, 2, a, 0));
    g_assert_false(tw_community_id_v1(0, "10.0.0.1                                           x", "10.0.0.2", 6, 1, 2, a));
    g_assert_cmpstr(a, ==, "");
    /* what inet_pton refuses stays refused from the cache, and a leading
     * zero (refused by the plain IPv4 reader too) is refused as before */
    for (int i = 0; i < 2; i++) {
        g_assert_false(tw_community_id_v1(0, "10.0.0.01", "10.0.0.2", 6, 1, 2, a));
        g_assert_false(tw_community_id_v1(0, "10.0.0.256", "10.0.0.2", 6, 1, 2, a));
        g_assert_false(tw_community_id_v1(0, "10.0.0", "10.0.0.2", 6, 1, 2, a));
        g_assert_false(tw_community_id_v1(0, "10.0.0.1.", "10.0.0.2", 6, 1, 2, a));
        g_assert_true(tw_community_id_v1(0, "0.0.0.0", "255.255.255.255", 6, 1, 2, a));
    }
}

/* One flow's key misses once, then both entries find it (either
 * direction, junk or not past the NULs), in the slot of the ordered key. */
static void test_cache_shared(void)
{
    const char *flows[][2] = { { "10.77.0.21", "10.77.0.10" }, { "10.77.0.1", "10.77.0.10" }, { "fe80::1", "fe80::2" },
                               { "10.0.0.1", "10.0.0.1" } };
    for (gsize i = 0; i < G_N_ELEMENTS(flows); i++) {
        char a[TW_COMMUNITY_ID_LEN], b[TW_COMMUNITY_ID_LEN];
        char sa[TW_COMMUNITY_ID_ADDR_ARRAY], da[TW_COMMUNITY_ID_ADDR_ARRAY];
        memset(sa, 'z', sizeof sa);
        memset(da, '7', sizeof da);
        memcpy(sa, flows[i][0], strlen(flows[i][0]) + 1);
        memcpy(da, flows[i][1], strlen(flows[i][1]) + 1);
        guint64 before = tw_community_id_cache_misses();
        g_assert_true(tw_community_id_v1_arrays(7, sa, da, 17, 50000 + (guint16)i, 53, a));
        g_assert_cmpuint(tw_community_id_cache_misses(), ==, before + 1);
        g_assert_true(tw_community_id_v1_arrays(7, da, sa, 17, 53, 50000 + (guint16)i, b));
        g_assert_cmpstr(a, ==, b);
        g_assert_true(tw_community_id_v1(7, flows[i][0], flows[i][1], 17, 50000 + (guint16)i, 53, b));
        g_assert_cmpstr(a, ==, b);
        g_assert_true(tw_community_id_v1(7, flows[i][1], flows[i][0], 17, 53, 50000 + (guint16)i, b));
        g_assert_cmpstr(a, ==, b);
        g_assert_true(tw_community_id_v1_arrays(7, sa, da, 17, 50000 + (guint16)i, 53, b));
        g_assert_cmpstr(a, ==, b);
        g_assert_cmpuint(tw_community_id_cache_misses(), ==, before + 1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/community-id/vectors", test_vectors);
    g_test_add_func("/community-id/properties", test_properties);
    g_test_add_func("/community-id/cache", test_cache);
    g_test_add_func("/community-id/cache-shared", test_cache_shared);
    g_test_add_func("/community-id/vectors-again", test_vectors); /* now through a warm cache */
    return g_test_run();
}
