/* notify.c — counters and rate-limited anomalies for the capture layer. */
#include "notify.h"
#include "caps.h"

#include <stdarg.h>
#include <string.h>

GHashTable *tw_counters_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

guint64 *tw_counter_ptr(GHashTable *counters, const char *name)
{
    const char *k = g_intern_string(name);
    guint64 *v = g_hash_table_lookup(counters, k);
    if (!v) {
        v = g_new0(guint64, 1);
        g_hash_table_insert(counters, (gpointer)k, v);
    }
    return v;
}

void tw_cap_count_literal(TwCapNotify *n, const char *name, guint64 k)
{
    if (!n || !n->counters)
        return;
    guintptr h = (guintptr)name;
    G_STATIC_ASSERT((TW_CAP_COUNT_CACHE & (TW_CAP_COUNT_CACHE - 1)) == 0);
    TwCapCountEntry *e = &n->cache[(h ^ (h >> 6)) & (TW_CAP_COUNT_CACHE - 1)];
    if (G_UNLIKELY(e->name != name)) {
        e->counter = tw_counter_ptr(n->counters, name);
        e->name = name;
    }
    *e->counter += k;
}

void tw_cap_notify_init(TwCapNotify *n, GHashTable *counters)
{
    n->counters = counters;
    n->anomaly = NULL;
    n->user = NULL;
    n->anomaly_emitted = g_hash_table_new(g_direct_hash, g_direct_equal);
    memset(n->cache, 0, sizeof n->cache);
}

void tw_cap_notify_clear(TwCapNotify *n)
{
    g_clear_pointer(&n->anomaly_emitted, g_hash_table_unref);
}

void tw_cap_anomaly(TwCapNotify *n, const char *kind, const char *fmt, ...)
{
    if (!n)
        return;
    char name[96];
    g_snprintf(name, sizeof name, "anomaly.%s", kind);
    if (n->counters)
        *tw_counter_ptr(n->counters, name) += 1; /* not tw_cap_count: name is on the stack */
    if (!n->anomaly || !n->anomaly_emitted)
        return;
    const char *k = g_intern_string(kind);
    guint emitted = GPOINTER_TO_UINT(g_hash_table_lookup(n->anomaly_emitted, k));
    if (emitted >= TW_CAP_ANOMALY_EVENTS_MAX)
        return;
    g_hash_table_insert(n->anomaly_emitted, (gpointer)k, GUINT_TO_POINTER(emitted + 1));
    va_list ap;
    va_start(ap, fmt);
    char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    n->anomaly(n->user, kind, detail);
    g_free(detail);
}
