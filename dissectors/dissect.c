/* dissect.c — shared dissector services: emit, counters, anomalies. */
#include "dissect.h"
#include "core/tw-limits.h"

#include <stdarg.h>
#include <string.h>

const char *tw_status_name(TwStatus st)
{
    switch (st) {
    case TW_OK:
        return "ok";
    case TW_TRUNCATED:
        return "truncated";
    case TW_MALFORMED:
        return "malformed";
    case TW_LIMIT:
        return "limit";
    }
    return "unknown";
}

void tw_emit(TwDissectCtx *ctx, TwEvent *ev)
{
    /* Teaching view with -O: the lower layers of the frame that completed
     * the message (not of a flush at the end, whose frame is gone). */
    if (ctx->tree_layers && ctx->want_tree && ctx->raw && ctx->raw->no == ev->frame && ctx->tree_lower)
        ctx->tree_lower(ev, ctx->raw, ctx->tree_layers);
    if (ctx->emit)
        ctx->emit(ev, ctx->emit_user);
    else
        tw_event_free(ev);
}

void tw_flow_ignore(TwDissectCtx *ctx)
{
    if (ctx && ctx->ignore_flow)
        ctx->ignore_flow(ctx);
}

void tw_mem_charge(TwDissectCtx *ctx, gint64 delta)
{
    if (ctx && ctx->mem_charge && delta)
        ctx->mem_charge(ctx, delta);
}

/* ---- counters ----
 *
 * ctx->counters maps an interned name to its guint64 (capture/notify.c: a
 * string-hashed table, so a lookup hashes and compares the whole name).
 * Every message counts a few, so each thread keeps a direct-mapped cache
 * (table, interned name) -> the counter's guint64.  That pointer stays valid
 * while the table lives: a counter's guint64 is its own allocation, moved by
 * no resize, and nothing removes or replaces a counter.  The cache holds a
 * reference on every table its slots name, so none of them is freed (and its
 * address given to a new table) while cached; the references go when a
 * thread meets more than COUNT_TABLES tables (the cache starts afresh) or
 * ends (GPrivate's destructor). */
#define COUNT_SLOTS_BITS 10
#define COUNT_TABLES 32 /* a worker thread runs up to TW_WORKER_SHARDS pipelines */

typedef struct {
    const GHashTable *table;
    const char *key; /* interned */
    guint64 *v;
} CountSlot;

typedef struct {
    guint n_tables;
    GHashTable *tables[COUNT_TABLES]; /* each with a reference held by the cache */
    CountSlot slot[1u << COUNT_SLOTS_BITS]; /* only of tables[] */
} CountCache;

static void count_cache_forget(CountCache *c)
{
    for (guint i = 0; i < c->n_tables; i++)
        g_hash_table_unref(c->tables[i]);
    c->n_tables = 0;
    memset(c->slot, 0, sizeof c->slot);
}

static void count_cache_free(gpointer p)
{
    CountCache *c = p;
    count_cache_forget(c);
    g_free(c);
}

static GPrivate count_cache_key = G_PRIVATE_INIT(count_cache_free);
static _Thread_local CountCache *count_cache; /* == g_private_get(&count_cache_key) */

/* A slot missed: makes `t` one of the tables the cache holds, then fills
 * the slot from the table. */
static G_GNUC_NO_INLINE guint64 *count_slot_fill(GHashTable *t, const char *k, guint slot)
{
    CountCache *c = count_cache;
    if (!c) {
        c = g_new0(CountCache, 1);
        g_private_set(&count_cache_key, c);
        count_cache = c;
    }
    guint i = 0;
    while (i < c->n_tables && c->tables[i] != t)
        i++;
    if (i == c->n_tables) {
        if (c->n_tables == COUNT_TABLES)
            count_cache_forget(c);
        c->tables[c->n_tables++] = g_hash_table_ref(t);
    }
    guint64 *v = g_hash_table_lookup(t, k);
    if (!v) {
        v = g_new0(guint64, 1);
        g_hash_table_insert(t, (gpointer)k, v);
    }
    CountSlot *s = &c->slot[slot];
    s->table = t;
    s->key = k;
    s->v = v;
    return v;
}

/* The named counter of ctx (which has counters).  A slot naming `t` means
 * the cache holds `t`: the hit needs no other check. */
static inline guint64 *counter_ptr(TwDissectCtx *ctx, const char *name)
{
    GHashTable *t = ctx->counters;
    const char *k = tw_event_intern(name);
    guint64 h = ((guint64)(guintptr)k ^ ((guint64)(guintptr)t >> 4)) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    guint slot = (guint)(h >> (64 - COUNT_SLOTS_BITS));
    CountCache *c = count_cache;
    if (G_LIKELY(c)) {
        CountSlot *s = &c->slot[slot];
        if (G_LIKELY(s->key == k && s->table == t))
            return s->v;
    }
    return count_slot_fill(t, k, slot);
}

void tw_count(TwDissectCtx *ctx, const char *name, guint64 n)
{
    if (!ctx->counters)
        return;
    *counter_ptr(ctx, name) += n;
}

void tw_anomaly(TwDissectCtx *ctx, const char *parser, const char *kind, const char *fmt, ...)
{
    /* Rate limit: the counter "anomaly.<kind>" lives in the pipeline's
     * counters (ctx->counters), so the limit is per pipeline, as the
     * capture layer's (tw_cap_anomaly).  Events up to TW_ANOMALY_EVENTS_MAX
     * per kind; the counter counts forever.  Without counters (unit tests)
     * every anomaly is emitted. */
    char name[96];
    g_snprintf(name, sizeof name, "anomaly.%s", kind);
    if (ctx->counters) {
        guint64 *seen = counter_ptr(ctx, name);
        *seen += 1;
        if (*seen > TW_ANOMALY_EVENTS_MAX)
            return;
    }
    TwEvent *ev = tw_event_new(ctx->pi, "anomaly");
    tw_event_set_str(ev, "kind", kind);
    tw_event_set_str(ev, "parser", parser);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        tw_event_take_str(ev, "detail", g_strdup_vprintf(fmt, ap));
        va_end(ap);
    }
    tw_emit(ctx, ev);
}
