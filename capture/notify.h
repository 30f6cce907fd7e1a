/* notify.h — how capture/ modules count things and raise anomalies without
 * knowing about the pipeline: a counters table plus an anomaly callback. */
#pragma once

#include <glib.h>

typedef struct TwCapNotify {
    GHashTable *counters; /* interned name -> guint64*, values g_free'd by the table */
    /* Emits an anomaly event (kind, detail); may be NULL (unit tests). */
    void (*anomaly)(void *user, const char *kind, const char *detail);
    void *user;
    GHashTable *anomaly_emitted; /* interned kind -> count of events emitted */
} TwCapNotify;

/* A new counters table: interned keys, g_free'd guint64 values.
 * Returns: (transfer full): free with g_hash_table_unref(). */
GHashTable *tw_counters_new(void);
/* Returns: (transfer none): stable pointer to the named counter (created at
 * 0), owned by `counters`, valid while the table is. */
guint64 *tw_counter_ptr(GHashTable *counters, const char *name);
void tw_cap_count(TwCapNotify *n, const char *name, guint64 k);
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
