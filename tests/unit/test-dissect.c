/* test-dissect.c — the shared dissector services of dissectors/dissect.c:
 * counters (tw_count, with its per-thread cache of counter pointers) and the
 * anomaly rate limit (tw_anomaly). */
#include <glib.h>

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

#include <stdio.h>

/* As capture/notify.c's tw_counters_new: interned name -> guint64*. */
static GHashTable *counters_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

static guint64 counter(GHashTable *t, const char *name)
{
    const guint64 *v = g_hash_table_lookup(t, name);
    return v ? *v : 0;
}

static void count_event(TwEvent *ev, void *user)
{
    (*(guint *)user)++;
    tw_event_free(ev);
}

/* Two pipelines' tables in turn (as a worker thread running several shards):
 * every count lands in the table of its context. */
static void test_count_tables_in_turn(void)
{
    GHashTable *a = counters_new(), *b = counters_new();
    TwDissectCtx ca = { .counters = a }, cb = { .counters = b };
    for (guint i = 0; i < 1000; i++) {
        tw_count(&ca, "test.one", 1);
        tw_count(&cb, "test.one", 2);
        tw_count(&cb, "test.two", i);
    }
    g_assert_cmpuint(counter(a, "test.one"), ==, 1000);
    g_assert_cmpuint(counter(b, "test.one"), ==, 2000);
    g_assert_cmpuint(counter(a, "test.two"), ==, 0);
    g_assert_cmpuint(counter(b, "test.two"), ==, 999 * 1000 / 2);
    g_assert_cmpuint(g_hash_table_size(a), ==, 1);
    g_hash_table_unref(a);
    g_hash_table_unref(b);
}

/* A name in a reused buffer (as tw_anomaly's "anomaly.<kind>"): each content
 * is its own counter. */
static void test_count_name_in_buffer(void)
{
    GHashTable *t = counters_new();
    TwDissectCtx ctx = { .counters = t };
    char name[32];
    for (guint i = 0; i < 6; i++) {
        g_snprintf(name, sizeof name, "test.buf%u", i % 3);
        tw_count(&ctx, name, i + 1);
    }
    g_assert_cmpuint(counter(t, "test.buf0"), ==, 1 + 4);
    g_assert_cmpuint(counter(t, "test.buf1"), ==, 2 + 5);
    g_assert_cmpuint(counter(t, "test.buf2"), ==, 3 + 6);
    g_hash_table_unref(t);
}

/* A table freed and a new one made, many times over (the new one often at
 * the old address): counts never reach a freed counter (ASan) and every
 * table starts from zero; more tables than the cache holds at once, too. */
static void test_count_tables_come_and_go(void)
{
    for (guint round = 0; round < 100; round++) {
        GHashTable *t = counters_new();
        TwDissectCtx ctx = { .counters = t };
        tw_count(&ctx, "test.round", 1);
        tw_count(&ctx, "test.round", round);
        g_assert_cmpuint(counter(t, "test.round"), ==, 1 + round);
        if (round % 2)
            g_hash_table_destroy(t); /* as the fuzzers do */
        else
            g_hash_table_unref(t);
    }
    GHashTable *many[80];
    for (guint i = 0; i < G_N_ELEMENTS(many); i++)
        many[i] = counters_new();
    for (guint pass = 0; pass < 3; pass++)
        for (guint i = 0; i < G_N_ELEMENTS(many); i++) {
            TwDissectCtx ctx = { .counters = many[i] };
            tw_count(&ctx, "test.many", i);
        }
    for (guint i = 0; i < G_N_ELEMENTS(many); i++) {
        g_assert_cmpuint(counter(many[i], "test.many"), ==, 3 * i);
        g_hash_table_unref(many[i]);
    }
}

/* The cache keeps a table alive while its slots name it, and lets it go
 * once the thread has met more tables than it holds. */
static guint values_freed;
static void value_free(gpointer v)
{
    values_freed++;
    g_free(v);
}

static void test_count_cache_lets_go(void)
{
    GHashTable *x = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, value_free);
    TwDissectCtx cx = { .counters = x };
    tw_count(&cx, "test.x", 1);
    values_freed = 0;
    g_hash_table_unref(x); /* the pipeline is done with it */
    g_assert_cmpuint(values_freed, ==, 0);
    for (guint i = 0; i < 100 && values_freed == 0; i++) {
        GHashTable *t = counters_new();
        TwDissectCtx ctx = { .counters = t };
        tw_count(&ctx, "test.other", 1);
        g_hash_table_unref(t);
    }
    g_assert_cmpuint(values_freed, ==, 1);
}

/* Counts from several threads, each with its tables: no thread sees another's. */
static gpointer count_thread(gpointer user)
{
    GHashTable *t = user;
    TwDissectCtx ctx = { .counters = t };
    for (guint i = 0; i < 10000; i++)
        tw_count(&ctx, "test.thread", 1);
    return NULL;
}

static void test_count_threads(void)
{
    GHashTable *t[4];
    GThread *th[4];
    for (guint i = 0; i < 4; i++) {
        t[i] = counters_new();
        th[i] = g_thread_new("count", count_thread, t[i]);
    }
    for (guint i = 0; i < 4; i++) {
        g_thread_join(th[i]);
        g_assert_cmpuint(counter(t[i], "test.thread"), ==, 10000);
        g_hash_table_unref(t[i]);
    }
}

/* No counters (unit tests of dissectors): counting is a no-op, every anomaly
 * is emitted; with counters, events up to TW_ANOMALY_EVENTS_MAX per kind and
 * the counter counts on. */
static void test_anomaly_rate_limit(void)
{
    guint emitted = 0;
    TwDissectCtx none = { .emit = count_event, .emit_user = &emitted };
    tw_count(&none, "test.none", 1);
    for (guint i = 0; i < TW_ANOMALY_EVENTS_MAX + 5; i++)
        tw_anomaly(&none, "test", "flood", "n %u", i);
    g_assert_cmpuint(emitted, ==, TW_ANOMALY_EVENTS_MAX + 5);

    emitted = 0;
    GHashTable *t = counters_new();
    TwDissectCtx ctx = { .counters = t, .emit = count_event, .emit_user = &emitted };
    for (guint i = 0; i < TW_ANOMALY_EVENTS_MAX + 5; i++) {
        tw_anomaly(&ctx, "test", "flood", NULL);
        tw_anomaly(&ctx, "test", i % 2 ? "odd" : "even", NULL);
    }
    g_assert_cmpuint(counter(t, "anomaly.flood"), ==, TW_ANOMALY_EVENTS_MAX + 5);
    g_assert_cmpuint(counter(t, "anomaly.odd") + counter(t, "anomaly.even"), ==, TW_ANOMALY_EVENTS_MAX + 5);
    guint odd = (TW_ANOMALY_EVENTS_MAX + 5) / 2, even = TW_ANOMALY_EVENTS_MAX + 5 - odd;
    g_assert_cmpuint(emitted, ==, TW_ANOMALY_EVENTS_MAX + MIN(odd, TW_ANOMALY_EVENTS_MAX) +
                                      MIN(even, TW_ANOMALY_EVENTS_MAX));
    g_hash_table_unref(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dissect/count-tables-in-turn", test_count_tables_in_turn);
    g_test_add_func("/dissect/count-name-in-buffer", test_count_name_in_buffer);
    g_test_add_func("/dissect/count-tables-come-and-go", test_count_tables_come_and_go);
    g_test_add_func("/dissect/count-cache-lets-go", test_count_cache_lets_go);
    g_test_add_func("/dissect/count-threads", test_count_threads);
    g_test_add_func("/dissect/anomaly-rate-limit", test_anomaly_rate_limit);
    return g_test_run();
}
