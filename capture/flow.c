/* flow.c — flow table keyed by canonical 5-tuple. */
#include "flow.h"
#include "caps.h"

#include <string.h>

/* The index: open addressing with linear probing (Knuth 6.4, algorithm L;
 * deletion by moving back the entries behind, algorithm R), the key's
 * hash kept beside each flow so that most mismatches cost no key
 * comparison.  At most half full; halved when less than an eighth is. */
typedef struct {
    guint32 hash;
    TwFlow *flow; /* NULL: empty */
} Slot;

#define INDEX_MIN 64u

/* An LRU list, oldest first, linked through the flows (lru_prev/lru_next). */
typedef struct {
    TwFlow *head, *tail;
    /* The head, its last_ts or its closed flag may have changed since
     * tw_flow_heads_moved (which clears it): what tw_flow_next_expiry reads. */
    bool head_moved;
} Lru;

static inline void lru_push_tail(Lru *q, TwFlow *f)
{
    f->lru_next = NULL;
    f->lru_prev = q->tail;
    if (q->tail) {
        q->tail->lru_next = f;
    } else {
        q->head = f;
        q->head_moved = true;
    }
    q->tail = f;
}

static inline void lru_unlink(Lru *q, TwFlow *f)
{
    if (f->lru_prev) {
        f->lru_prev->lru_next = f->lru_next;
    } else {
        q->head = f->lru_next;
        q->head_moved = true;
    }
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        q->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

struct TwFlowTable {
    Slot *slots;
    guint mask;  /* slots - 1 (a power of two, >= INDEX_MIN) */
    guint count; /* flows indexed */
    Lru lru[3];        /* [0] TCP, [1] UDP awaiting a reply, [2] UDP answered */
    /* Closed flows kept for the next inserts (TW_FLOW_FREE_MAX), through
     * lru_next: no allocator round trip per flow, and memory still warm. */
    TwFlow *free_list;
    guint nfree;
    TwFlowCloseFn on_close;
    void *user;
    TwCapNotify *notify;
    guint64 state_total;  /* TW_FLOW_BASE_BYTES per flow + what parsers charged */
    guint64 state_budget; /* TW_FLOW_STATE_BUDGET_BYTES */
    guint max_flows;      /* TW_FLOW_MAX, or a shard's share of it */
    bool closing_all;     /* tw_flow_close_all: the index is not halved on the way down */
};

void tw_flow_key_make(TwFlowKey *key, guint8 version, guint8 ipproto, const guint8 *src,
                      guint16 sport, const guint8 *dst, guint16 dport, guint8 *src_side)
{
    memset(key, 0, sizeof *key);
    key->version = version;
    key->ipproto = ipproto;
    int s;
    if (version == 4) {
        /* Bytes compared in order, as memcmp would: big-endian values. */
        guint32 a, b;
        memcpy(&a, src, 4);
        memcpy(&b, dst, 4);
        a = GUINT32_FROM_BE(a);
        b = GUINT32_FROM_BE(b);
        s = a > b || (a == b && sport > dport);
        memcpy(key->addr[s], src, 4);
        memcpy(key->addr[!s], dst, 4);
    } else {
        int c = memcmp(src, dst, 16);
        s = c > 0 || (c == 0 && sport > dport);
        memcpy(key->addr[s], src, 16);
        memcpy(key->addr[!s], dst, 16);
    }
    key->port[s] = sport;
    key->port[!s] = dport;
    *src_side = (guint8)s;
}

/* Word i of a key: bytes 8i..8i+7 for i < 4, and the last 8 bytes (which
 * overlap word 3) for i == 4, so that the five cover every byte. */
G_STATIC_ASSERT(sizeof(TwFlowKey) > 32 && sizeof(TwFlowKey) <= 40);

static inline guint64 key_word(const TwFlowKey *k, int i)
{
    guint64 w;
    memcpy(&w, (const guint8 *)k + (i < 4 ? 8 * i : (int)sizeof(TwFlowKey) - 8), 8);
    return w;
}

static inline guint32 key_hash(const TwFlowKey *k)
{
    /* The key's five 8-byte words (padding is zeroed by tw_flow_key_make),
     * each multiplied by its own odd constant, summed, then mixed (the
     * high half of a product).  Only lookups depend on it: nothing
     * iterates the table, so no output does. */
    guint64 h = key_word(k, 0) * 0x9E3779B97F4A7C15ull + key_word(k, 1) * 0xC2B2AE3D27D4EB4Full +
                key_word(k, 2) * 0x165667B19E3779F9ull + key_word(k, 3) * 0xD6E8FEB86659FD93ull +
                key_word(k, 4) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return (guint32)(h >> 32);
}

static inline bool key_equal(const TwFlowKey *a, const TwFlowKey *b)
{
    return ((key_word(a, 0) ^ key_word(b, 0)) | (key_word(a, 1) ^ key_word(b, 1)) |
            (key_word(a, 2) ^ key_word(b, 2)) | (key_word(a, 3) ^ key_word(b, 3)) |
            (key_word(a, 4) ^ key_word(b, 4))) == 0;
}

/* Places a flow known to be absent. */
static void index_place(Slot *slots, guint mask, guint32 hash, TwFlow *flow)
{
    guint i = hash & mask;
    while (slots[i].flow)
        i = (i + 1) & mask;
    slots[i].hash = hash;
    slots[i].flow = flow;
}

static void index_resize(TwFlowTable *t, guint nslots)
{
    Slot *old = t->slots;
    guint old_n = t->mask + 1;
    t->slots = g_new0(Slot, nslots);
    t->mask = nslots - 1;
    for (guint i = 0; i < old_n; i++)
        if (old[i].flow)
            index_place(t->slots, t->mask, old[i].hash, old[i].flow);
    g_free(old);
}

static void index_add(TwFlowTable *t, TwFlow *flow)
{
    if ((t->count + 1) * 2 > t->mask + 1)
        index_resize(t, (t->mask + 1) * 2);
    index_place(t->slots, t->mask, flow->hash, flow);
    t->count++;
}

static void index_remove(TwFlowTable *t, TwFlow *flow)
{
    guint mask = t->mask;
    guint i = flow->hash & mask;
    while (t->slots[i].flow != flow) {
        g_assert(t->slots[i].flow); /* every flow of the table is indexed */
        i = (i + 1) & mask;
    }
    /* Algorithm R: an entry behind the hole whose home is not cyclically
     * in (hole, entry] moves into the hole. */
    guint j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].flow)
            break;
        guint home = t->slots[j].hash & mask;
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].flow = NULL;
    t->count--;
    if (!t->closing_all && t->mask + 1 > INDEX_MIN && t->count * 8 < t->mask + 1)
        index_resize(t, (t->mask + 1) / 2);
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
    t->slots = g_new0(Slot, INDEX_MIN);
    t->mask = INDEX_MIN - 1;
    t->on_close = on_close;
    t->user = user;
    t->notify = notify;
    t->state_budget = TW_FLOW_STATE_BUDGET_BYTES;
    t->max_flows = TW_FLOW_MAX;
    return t;
}

TwFlow *tw_flow_lookup(TwFlowTable *t, const TwFlowKey *key)
{
    guint32 h = key_hash(key);
    for (guint i = h & t->mask;; i = (i + 1) & t->mask) {
        const Slot *sl = &t->slots[i];
        if (!sl->flow)
            return NULL;
        if (sl->hash == h && key_equal(&sl->flow->key, key))
            return sl->flow;
    }
}

void tw_flow_close(TwFlowTable *t, TwFlow *flow, TwFlowEnd why)
{
    index_remove(t, flow);
    lru_unlink(&t->lru[flow->lru_queue], flow);
    if (t->on_close)
        t->on_close(flow, why, t->user);
    tw_tcp_dir_clear(&flow->tcp[0]);
    tw_tcp_dir_clear(&flow->tcp[1]);
    t->state_total -= TW_FLOW_BASE_BYTES + flow->state_bytes;
    if (t->nfree < TW_FLOW_FREE_MAX) {
        flow->lru_next = t->free_list;
        t->free_list = flow;
        t->nfree++;
    } else {
        g_free(flow);
    }
}

/* The least recently seen flow of the three LRU lists. */
static TwFlow *oldest_flow(TwFlowTable *t)
{
    TwFlow *victim = NULL;
    for (int i = 0; i < 3; i++) {
        TwFlow *h = t->lru[i].head;
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
        if (victim->closed)
            tw_cap_count(t->notify, "flows.evicted_closed", 1);
        else
            tw_cap_count(t->notify, "flows.budget_evicted", 1);
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
    if (t->count >= t->max_flows) {
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
    TwFlow *f = t->free_list;
    if (f) {
        /* As new as g_new0's: every field zero (tw_tcp_dir_clear left
         * nothing allocated, on_close nothing of the parser). */
        t->free_list = f->lru_next;
        t->nfree--;
        memset(f, 0, sizeof *f);
    } else {
        f = g_new0(TwFlow, 1);
    }
    f->key = *key;
    f->hash = key_hash(key);
    f->last_ts = ts_us;
    tw_tcp_dir_init(&f->tcp[0]);
    tw_tcp_dir_init(&f->tcp[1]);
    index_add(t, f);
    f->lru_queue = lru_index(f);
    lru_push_tail(&t->lru[f->lru_queue], f);
    t->state_total += TW_FLOW_BASE_BYTES;
    tw_cap_count(t->notify, "flows.created", 1);
    return f;
}

void tw_flow_touch(TwFlowTable *t, TwFlow *flow, gint64 ts_us)
{
    /* Capture time may step back (merged captures): keep the maximum. */
    if (ts_us > flow->last_ts)
        flow->last_ts = ts_us;
    Lru *q = &t->lru[flow->lru_queue];
    if (!flow->lru_prev)
        q->head_moved = true; /* a head's last_ts, even if it stays the head */
    guint8 want = lru_index(flow); /* udp_answered may have changed */
    if (want != flow->lru_queue) {
        lru_unlink(q, flow);
        flow->lru_queue = want;
        lru_push_tail(&t->lru[want], flow);
    } else if (q->tail != flow) {
        lru_unlink(q, flow);
        lru_push_tail(q, flow);
    }
}

void tw_flow_expire(TwFlowTable *t, gint64 now_us, guint max)
{
    for (int i = 0; i < 3; i++) {
        for (guint n = 0; n < max && t->lru[i].head; n++) {
            TwFlow *f = t->lru[i].head;
            if (!tw_time_passed(now_us, f->last_ts, idle_of(i, f)))
                break;
            /* The heads are cold: while f closes, fetch the next one's
             * index slot and the one after it. */
            const TwFlow *next = f->lru_next;
            if (next) {
                __builtin_prefetch(&t->slots[next->hash & t->mask]);
                if (next->lru_next)
                    __builtin_prefetch(next->lru_next);
            }
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
        const TwFlow *f = t->lru[i].head;
        gint64 idle = idle_of(i, f);
        gint64 d = f->last_ts > G_MAXINT64 - idle ? G_MAXINT64 : f->last_ts + idle;
        if (d < next)
            next = d;
    }
    return next;
}

bool tw_flow_heads_moved(TwFlowTable *t)
{
    bool moved = t->lru[0].head_moved || t->lru[1].head_moved || t->lru[2].head_moved;
    t->lru[0].head_moved = t->lru[1].head_moved = t->lru[2].head_moved = false;
    return moved;
}

void tw_flow_set_max(TwFlowTable *t, guint max_flows)
{
    t->max_flows = max_flows ? max_flows : 1;
}

void tw_flow_close_all(TwFlowTable *t)
{
    /* Halving the index at each eighth would rehash it once per halving
     * on the way to empty: it shrinks once, when empty (the index stays
     * valid throughout, for on_close). */
    t->closing_all = true;
    for (int i = 0; i < 3; i++)
        while (t->lru[i].head)
            tw_flow_close(t, t->lru[i].head, TW_FLOW_END);
    t->closing_all = false;
    if (t->mask + 1 > INDEX_MIN) {
        g_free(t->slots);
        t->slots = g_new0(Slot, INDEX_MIN);
        t->mask = INDEX_MIN - 1;
    }
}

guint tw_flow_count(const TwFlowTable *t)
{
    return t->count;
}

guint tw_flow_index_slots(const TwFlowTable *t)
{
    return t->mask + 1;
}

void tw_flow_table_free(TwFlowTable *t)
{
    if (!t)
        return;
    tw_flow_close_all(t);
    while (t->free_list) {
        TwFlow *f = t->free_list;
        t->free_list = f->lru_next;
        g_free(f);
    }
    g_free(t->slots);
    g_free(t);
}
