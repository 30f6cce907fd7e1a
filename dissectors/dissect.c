/* dissect.c — shared dissector services: emit, counters, anomalies. */
#include "dissect.h"
#include "core/tw-limits.h"

#include <stdarg.h>

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

void tw_count(TwDissectCtx *ctx, const char *name, guint64 n)
{
    if (!ctx->counters)
        return;
    const char *k = tw_event_intern(name);
    guint64 *v = g_hash_table_lookup(ctx->counters, k);
    if (!v) {
        v = g_new0(guint64, 1);
        g_hash_table_insert(ctx->counters, (gpointer)k, v);
    }
    *v += n;
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
    tw_count(ctx, name, 1);
    if (ctx->counters) {
        const guint64 *seen = g_hash_table_lookup(ctx->counters, tw_event_intern(name));
        if (seen && *seen > TW_ANOMALY_EVENTS_MAX)
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
