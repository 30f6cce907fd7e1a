/* test-notify.c — the capture layer's counters (capture/notify.c): each
 * name counts into its own counter of the table, whatever the cache of
 * tw_cap_count holds, and anomalies count "anomaly.<kind>". */
#include "capture/notify.h"

static guint64 counter(GHashTable *counters, const char *name)
{
    guint64 *v = g_hash_table_lookup(counters, g_intern_string(name));
    return v ? *v : 0;
}

#define N4(p) p "0", p "1", p "2", p "3"
#define N16(p) N4(p "0"), N4(p "1"), N4(p "2"), N4(p "3")

/* More names than TW_CAP_COUNT_CACHE entries: they share entries. */
static const char *const names[] = { N16("c.0"), N16("c.1"), N16("c.2"), N16("c.3"), N16("c.4") };

static void test_names_apart(void)
{
    G_STATIC_ASSERT(G_N_ELEMENTS(names) > TW_CAP_COUNT_CACHE);
    g_autoptr(GHashTable) counters = tw_counters_new();
    g_auto(TwCapNotify) n = { 0 };
    tw_cap_notify_init(&n, counters);
    /* Interleaved, so that every name comes back to an entry another took. */
    for (guint round = 0; round < 3; round++)
        for (guint i = 0; i < G_N_ELEMENTS(names); i++)
            tw_cap_count_literal(&n, names[i], i + 1);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        g_assert_cmpuint(counter(counters, names[i]), ==, 3 * (i + 1));
    g_assert_cmpuint(g_hash_table_size(counters), ==, G_N_ELEMENTS(names));

    tw_cap_count(&n, "flows.created", 2);
    tw_cap_count(&n, "flows.created", 3);
    g_assert_cmpuint(counter(counters, "flows.created"), ==, 5);
}

static void test_anomaly_counted(void)
{
    g_autoptr(GHashTable) counters = tw_counters_new();
    g_auto(TwCapNotify) n = { 0 };
    tw_cap_notify_init(&n, counters);
    for (int i = 0; i < 3; i++)
        tw_cap_anomaly(&n, i == 1 ? "other_kind" : "some_kind", "detail %d", i);
    g_assert_cmpuint(counter(counters, "anomaly.some_kind"), ==, 2);
    g_assert_cmpuint(counter(counters, "anomaly.other_kind"), ==, 1);
}

static void test_no_table(void)
{
    TwCapNotify n = { 0 }; /* counters NULL: nothing counted, nothing read */
    tw_cap_count(&n, "flows.created", 1);
    tw_cap_count(NULL, "flows.created", 1);
    tw_cap_anomaly(&n, "some_kind", "no table");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/notify/names-apart", test_names_apart);
    g_test_add_func("/notify/anomaly-counted", test_anomaly_counted);
    g_test_add_func("/notify/no-table", test_no_table);
    return g_test_run();
}
