/* flow.c — flow table keyed by canonical 5-tuple. */
#include "flow.h"
#include "caps.h"

#include <string.h>

struct TwFlowTable {
    GHashTable *table; /* TwFlowKey* (inside the flow) -> TwFlow* */
    GQueue lru[3];     /* [0] TCP, [1] UDP awaiting a reply, [2] UDP answered; oldest first */
    TwFlowCloseFn on_close;
    void *user;
    TwCapNotify *notify;
    guint64 state_total;  /* TW_FLOW_BASE_BYTES per flow + what parsers charged */
    guint64 state_budget; /* TW_FLOW_STATE_BUDGET_BYTES */
    guint max_flows;      /* TW_FLOW_MAX, or a shard's share of it */
};

void tw_flow_key_make(TwFlowKey *key, guint8 version, guint8 ipproto, const guint8 *src,
                      guint16 sport, const guint8 *dst, guint16 dport, guint8 *src_side)
{
    gsize alen = version == 4 ? 4 : 16;
    int c = memcmp(src, dst, alen);
    bool swap = c > 0 || (c == 0 && sport > dport);
    memset(key, 0, sizeof *key);
    key->version = version;
    key->ipproto = ipproto;
    int s = swap ? 1 : 0;
    memcpy(key->addr[s], src, alen);
    memcpy(key->addr[!s], dst, alen);
    key->port[s] = sport;
    key->port[!s] = dport;
    *src_side = (guint8)s;
}

static guint key_hash(gconstpointer k)
{
    /* The key's bytes (padding is zeroed by tw_flow_key_make) eight at a
     * time, each word mixed in by a multiply (as FNV, but per word: one
     * lookup per packet of a wanted port, 4 % of an office mix's time when
     * it went byte by byte).  Only lookups depend on it: nothing iterates
     * the table, so no output does. */
    const guint8 *b = k;
    guint64 h = 0xcbf29ce484222325ull;
    gsize i = 0;
    for (; i + 8 <= sizeof(TwFlowKey); i += 8) {
        guint64 w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < sizeof(TwFlowKey); i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    h *= 0x9E3779B97F4A7C15ull;
    return (guint)(h >> 32);
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(TwFlowKey)) == 0;
}

static inline guint8 lru_index(const TwFlow *f)
{
    return f->key.ipproto == 6 ? 0 : f->udp_answered ? 2 : 1;
}

static gint64 idle_of(int queue, const TwFlow *f)
{
    if (f->closed)
        return TW_FLOW_CLOSED_LINGER_US;
    return queue == 0 ? TW_FLOW_TCP_IDLE_US : queue == 1 ? TW_FLOW_UDP_IDLE_US : TW_FLOW_UDP_ANSWERED_IDLE_US;
}

TwFlowTable *tw_flow_table_new(TwFlowCloseFn on_close, void *user, TwCapNotify *notify)
{
    TwFlowTable *t = g_new0(TwFlowTable, 1);
    t->table = g_hash_table_new(key_hash, key_equal);
    for (int i = 0; i < 3; i++)
        g_queue_init(&t->lru[i]);
    t->on_close = on_close;
    t->user = user;
    t->notify = notify;
    t->state_budget = TW_FLOW_STATE_BUDGET_BYTES;
    t->max_flows = TW_FLOW_MAX;
    return t;
}

TwFlow *tw_flow_lookup(TwFlowTable *t, const TwFlowKey *key)
{
    return g_hash_table_lookup(t->table, key);
}

void tw_flow_close(TwFlowTable *t, TwFlow *flow, TwFlowEnd why)
{
    g_hash_table_remove(t->table, &flow->key);
    g_queue_unlink(&t->lru[flow->lru_queue], &flow->lru);
    if (t->on_close)
        t->on_close(flow, why, t->user);
    tw_tcp_dir_clear(&flow->tcp[0]);
    tw_tcp_dir_clear(&flow->tcp[1]);
    t->state_total -= TW_FLOW_BASE_BYTES + flow->state_bytes;
    g_free(flow);
}

/* The least recently seen flow of the three LRU lists. */
static TwFlow *oldest_flow(TwFlowTable *t)
{
    TwFlow *victim = NULL;
    for (int i = 0; i < 3; i++) {
        TwFlow *h = t->lru[i].head ? t->lru[i].head->data : NULL;
        if (h && (!victim || h->last_ts < victim->last_ts))
            victim = h;
    }
    return victim;
}

void tw_flow_charge(TwFlowTable *t, TwFlow *flow, gint64 delta)
{
    /* Never below zero: a parser that uncharges more than it charged
     * cannot make other flows' bytes disappear. */
    if (delta < 0 && (guint64)-delta > flow->state_bytes)
        delta = -(gint64)flow->state_bytes;
    flow->state_bytes = (guint64)((gint64)flow->state_bytes + delta);
    t->state_total = (guint64)((gint64)t->state_total + delta);
}

void tw_flow_state_gone(TwFlowTable *t, TwFlow *flow)
{
    t->state_total -= flow->state_bytes;
    flow->state_bytes = 0;
}

guint64 tw_flow_state_total(const TwFlowTable *t)
{
    return t->state_total;
}

void tw_flow_set_budget(TwFlowTable *t, guint64 bytes)
{
    t->state_budget = bytes;
}

bool tw_flow_enforce_budget(TwFlowTable *t)
{
    if (t->state_total <= t->state_budget)
        return false;
    guint64 evicted = 0;
    TwFlow *victim;
    while (t->state_total > t->state_budget && (victim = oldest_flow(t)) != NULL) {
        if (!victim->closed)
            evicted++;
        tw_cap_count(t->notify, victim->closed ? "flows.evicted_closed" : "flows.budget_evicted",
                     1);
        tw_flow_close(t, victim, TW_FLOW_EVICTED);
    }
    if (evicted)
        tw_cap_anomaly(t->notify, "flow_state_budget",
                       "parser state of all flows passed %" G_GUINT64_FORMAT
                       " bytes: %" G_GUINT64_FORMAT " least recently seen flow(s) evicted",
                       t->state_budget, evicted);
    return true;
}

TwFlow *tw_flow_insert(TwFlowTable *t, const TwFlowKey *key, gint64 ts_us)
{
    if (g_hash_table_size(t->table) >= t->max_flows) {
        TwFlow *victim = oldest_flow(t);
        if (victim->closed) {
            tw_cap_count(t->notify, "flows.evicted_closed", 1); /* nothing lost */
        } else {
            tw_cap_count(t->notify, "flows.evicted", 1);
            tw_cap_anomaly(t->notify, "flow_cap", "%u flows: least recently seen evicted",
                           t->max_flows);
        }
        tw_flow_close(t, victim, TW_FLOW_EVICTED);
    }
    TwFlow *f = g_new0(TwFlow, 1);
    f->key = *key;
    f->last_ts = ts_us;
    f->lru.data = f;
    tw_tcp_dir_init(&f->tcp[0]);
    tw_tcp_dir_init(&f->tcp[1]);
    g_hash_table_insert(t->table, &f->key, f);
    f->lru_queue = lru_index(f);
    g_queue_push_tail_link(&t->lru[f->lru_queue], &f->lru);
    t->state_total += TW_FLOW_BASE_BYTES;
    tw_cap_count(t->notify, "flows.created", 1);
    return f;
}

void tw_flow_touch(TwFlowTable *t, TwFlow *flow, gint64 ts_us)
{
    /* Capture time may step back (merged captures): keep the maximum. */
    if (ts_us > flow->last_ts)
        flow->last_ts = ts_us;
    GQueue *q = &t->lru[flow->lru_queue];
    guint8 want = lru_index(flow); /* udp_answered may have changed */
    if (want != flow->lru_queue) {
        g_queue_unlink(q, &flow->lru);
        flow->lru_queue = want;
        g_queue_push_tail_link(&t->lru[want], &flow->lru);
    } else if (q->tail != &flow->lru) {
        g_queue_unlink(q, &flow->lru);
        g_queue_push_tail_link(q, &flow->lru);
    }
}

void tw_flow_expire(TwFlowTable *t, gint64 now_us, guint max)
{
    for (int i = 0; i < 3; i++) {
        for (guint n = 0; n < max && t->lru[i].head; n++) {
            TwFlow *f = t->lru[i].head->data;
            if (!tw_time_passed(now_us, f->last_ts, idle_of(i, f)))
                break;
            if (!f->closed)
                tw_cap_count(t->notify, "flows.expired", 1);
            tw_flow_close(t, f, TW_FLOW_IDLE);
        }
    }
}

gint64 tw_flow_next_expiry(const TwFlowTable *t)
{
    /* tw_time_passed(now, last, idle) holds exactly when now > last + idle
     * (saturated: a sum past G_MAXINT64 never passes). */
    gint64 next = G_MAXINT64;
    for (int i = 0; i < 3; i++) {
        if (!t->lru[i].head)
            continue;
        const TwFlow *f = t->lru[i].head->data;
        gint64 idle = idle_of(i, f);
        gint64 d = f->last_ts > G_MAXINT64 - idle ? G_MAXINT64 : f->last_ts + idle;
        if (d < next)
            next = d;
    }
    return next;
}

void tw_flow_set_max(TwFlowTable *t, guint max_flows)
{
    t->max_flows = max_flows ? max_flows : 1;
}

void tw_flow_close_all(TwFlowTable *t)
{
    for (int i = 0; i < 3; i++)
        while (t->lru[i].head)
            tw_flow_close(t, t->lru[i].head->data, TW_FLOW_END);
}

guint tw_flow_count(const TwFlowTable *t)
{
    return g_hash_table_size(t->table);
}

void tw_flow_table_free(TwFlowTable *t)
{
    if (!t)
        return;
    tw_flow_close_all(t);
    g_hash_table_unref(t->table);
    g_free(t);
}
