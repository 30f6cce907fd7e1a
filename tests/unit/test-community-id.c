/* test-community-id.c — core/community-id.c against the spec's test vectors
 * (tests/ecs/community-id/, copied from corelight/community-id-spec). */
#include "core/community-id.h"

#include <json-glib/json-glib.h>
#include <string.h>

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
        g_assert_true(tw_community_id_v1(seed, json_object_get_string_member(o, "saddr"),
                                         json_object_get_string_member(o, "daddr"),
                                         (guint8)json_object_get_int_member(o, "proto"), sport, dport, id));
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/community-id/vectors", test_vectors);
    g_test_add_func("/community-id/properties", test_properties);
    return g_test_run();
}
