/* flow.h — the flow table: canonical 5-tuples, capped, aged by capture time.
 *
 * A flow exists only for traffic that reached a parser (see pipeline.c's
 * pre-filter).  Flows sit in one of two LRU lists (TCP, UDP) ordered by last
 * packet; idle flows retire after TW_FLOW_TCP_IDLE_US / TW_FLOW_UDP_IDLE_US
 * of capture time (a UDP flow whose last datagram was a reply after
 * TW_FLOW_UDP_ANSWERED_IDLE_US) and, past TW_FLOW_MAX, the least recently
 * seen is evicted. */
#pragma once

#include "tcp-reasm.h"
#include "dissectors/dissect.h"

typedef struct {
    guint8 version;    /* 4 or 6 */
    guint8 ipproto;    /* 6 or 17 */
    guint16 port[2];   /* side 0 and side 1 */
    guint8 addr[2][16];
} TwFlowKey;           /* side 0 is the lower (addr, port) */

typedef enum {
    TW_FLOW_CLOSED,  /* FIN both ways or RST */
    TW_FLOW_IDLE,    /* idle timeout */
    TW_FLOW_EVICTED, /* the table was full */
    TW_FLOW_END,     /* end of capture */
} TwFlowEnd;

/* Per direction (TW_DIR_REQ / TW_DIR_RSP): the last frame seen, which stamps
 * bytes delivered later (flush at the end, gap found by an ACK). */
typedef struct {
    guint64 frame;
    gint64 ts_us;
    bool has_mac;
    guint8 src_mac[6], dst_mac[6];
    bool csum_bad;   /* its TCP/UDP checksum was wrong (capture/csum.c) */
} TwFlowLast;

typedef struct TwFlow {
    TwFlowKey key;
    guint32 hash;        /* the key's index hash (flow.c): closing reads no key */
    const TwAppParser *parser;
    void *state;
    guint8 server_side;  /* key side of the server endpoint */
    bool by_port;        /* created because a port matched (not probe/expect) */
    bool addr_formatted;
    bool closed;         /* FIN/RST: parser finished, lingering (TW_FLOW_CLOSED_LINGER_US) */
    bool ignore_pending; /* the parser called tw_flow_ignore during this feed */
    bool ignored;        /* parser state gone: packets dropped until the flow ends */
    bool udp_answered;   /* UDP: the last datagram went server -> client (no request pending) */
    guint8 lru_queue;    /* which LRU list holds it (flow.c) */
    gint64 last_ts;
    guint64 touch_no;    /* input position (frame number) of the last touch: the LRU order */
    guint64 state_bytes; /* parser state charged through tw_mem_charge */
    struct TwFlow *lru_prev, *lru_next; /* its LRU list (flow.c); lru_next: the free list's too */
    TwTcpDir tcp[2];     /* by direction */
    TwFlowLast last[2];  /* by direction */
    char addr_str[2][TW_ADDR_STRLEN]; /* by key side, formatted on first use */
} TwFlow;

typedef struct TwFlowTable TwFlowTable;
typedef void (*TwFlowCloseFn)(TwFlow *flow, TwFlowEnd why, void *user);

/* Builds the canonical key; *src_side is the key side of (src, sport). */
void tw_flow_key_make(TwFlowKey *key, guint8 version, guint8 ipproto, const guint8 *src,
                      guint16 sport, const guint8 *dst, guint16 dport, guint8 *src_side);

/* `notify` (transfer none) must outlive the table.
 * Returns: (transfer full): the table; free with tw_flow_table_free(). */
TwFlowTable *tw_flow_table_new(TwFlowCloseFn on_close, void *user, TwCapNotify *notify);
/* Returns: (transfer none) (nullable): the flow of `key`, owned by t, valid
 * until it is closed (tw_flow_close, tw_flow_expire, eviction). */
TwFlow *tw_flow_lookup(TwFlowTable *t, const TwFlowKey *key);
/* Inserts a new flow (evicting the least recently seen past TW_FLOW_MAX).
 * Returns: (transfer none): the new flow, owned by t (see tw_flow_lookup). */
TwFlow *tw_flow_insert(TwFlowTable *t, const TwFlowKey *key, gint64 ts_us);
/* Marks the flow seen at ts_us. */
void tw_flow_touch(TwFlowTable *t, TwFlow *flow, gint64 ts_us);
/* Retires at most `max` flows idle at now (on_close with TW_FLOW_IDLE);
 * closed flows retire after TW_FLOW_CLOSED_LINGER_US. */
void tw_flow_expire(TwFlowTable *t, gint64 now_us, guint max);
/* Closes and frees one flow (on_close first). */
void tw_flow_close(TwFlowTable *t, TwFlow *flow, TwFlowEnd why);
/* Closes every flow (TW_FLOW_END). */
void tw_flow_close_all(TwFlowTable *t);
guint tw_flow_count(const TwFlowTable *t);
/* Tests: slots of the index (a power of two, at least 64; more than twice
 * the flows, and less than eight times unless closing all). */
guint tw_flow_index_slots(const TwFlowTable *t);
/* Parser-state accounting (TW_FLOW_STATE_BUDGET_BYTES): the flow's parser
 * holds `delta` more bytes; tw_flow_state_gone when its state is freed. */
void tw_flow_charge(TwFlowTable *t, TwFlow *flow, gint64 delta);
void tw_flow_state_gone(TwFlowTable *t, TwFlow *flow);
/* Bytes charged by every flow, TW_FLOW_BASE_BYTES each included. */
guint64 tw_flow_state_total(const TwFlowTable *t);
/* Past the budget, closes the least recently seen flows (TW_FLOW_EVICTED)
 * until under it.  Not while a flow's parser is being fed.  Returns
 * whether it was past the budget (flows may have been closed). */
bool tw_flow_enforce_budget(TwFlowTable *t);
/* Tests: a lower budget than TW_FLOW_STATE_BUDGET_BYTES. */
void tw_flow_set_budget(TwFlowTable *t, guint64 bytes);
/* A shard of a --workers run holds TW_FLOW_MAX / shards flows. */
void tw_flow_set_max(TwFlowTable *t, guint max_flows);
/* The capture time after which tw_flow_expire would close something
 * (G_MAXINT64: nothing to expire); tw_flow_expire(now) is a no-op while
 * now <= it. */
gint64 tw_flow_next_expiry(const TwFlowTable *t);
/* Whether tw_flow_next_expiry may have changed since the last call: an
 * LRU list's head changed, or a head was touched (clears the flag).  A
 * caller that sets a flow's `closed` tells it apart (the head's idle). */
bool tw_flow_heads_moved(TwFlowTable *t);
void tw_flow_table_free(TwFlowTable *t); /* closes remaining flows first; NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwFlowTable, tw_flow_table_free)
