/* notify.h — how capture/ modules count things and raise anomalies without
 * knowing about the pipeline: a counters table plus an anomaly callback. */
#pragma once

#include <glib.h>

/* tw_cap_count's cache (a power of 2): more than the capture layer's names. */
#define TW_CAP_COUNT_CACHE 64

typedef struct {
    const char *name;
    guint64 *counter;
} TwCapCountEntry;

typedef struct TwCapNotify {
    GHashTable *counters; /* interned name -> guint64*, values g_free'd by the table */
    /* Emits an anomaly event (kind, detail); may be NULL (unit tests). */
    void (*anomaly)(void *user, const char *kind, const char *detail);
    void *user;
    GHashTable *anomaly_emitted; /* interned kind -> count of events emitted */
    /* tw_cap_count: the counter of each name seen, by the address of the
     * name (a string literal: the same address is the same text), so a
     * count is an add — no g_intern_string (a lock shared by every thread)
     * and no lookup.  Direct-mapped: two names on one entry take turns. */
    TwCapCountEntry cache[TW_CAP_COUNT_CACHE];
} TwCapNotify;

/* A new counters table: interned keys, g_free'd guint64 values.
 * Returns: (transfer full): free with g_hash_table_unref(). */
GHashTable *tw_counters_new(void);
/* Returns: (transfer none): stable pointer to the named counter (created at
 * 0), owned by `counters`, valid while the table is. */
guint64 *tw_counter_ptr(GHashTable *counters, const char *name);
/* Adds k to the counter `name`, which must be a string literal (the macro
 * makes anything else a compile error: the cache is keyed by address). */
#define tw_cap_count(n, name, k) tw_cap_count_literal((n), "" name "", (k))
void tw_cap_count_literal(TwCapNotify *n, const char *name, guint64 k);
/* Counts "anomaly.<kind>" and emits an event while fewer than
 * TW_CAP_ANOMALY_EVENTS_MAX were emitted for this kind. */
void tw_cap_anomaly(TwCapNotify *n, const char *kind, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* `counters` (transfer none) must outlive n; undo with tw_cap_notify_clear(). */
void tw_cap_notify_init(TwCapNotify *n, GHashTable *counters);

/* True when `now` is more than `span` after `then`.  Capture times come from
 * the file and may be anything: no signed subtraction that could overflow. */
static inline gboolean tw_time_passed(gint64 now, gint64 then, gint64 span)
{
    return now > then && (guint64)now - (guint64)then > (guint64)span;
}
/* Releases what tw_cap_notify_init made (not the counters table, which
 * belongs to the caller); safe to call twice. */
void tw_cap_notify_clear(TwCapNotify *n);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwCapNotify, tw_cap_notify_clear)
