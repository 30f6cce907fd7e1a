/* dissect.h — what every application-layer dissector sees, and the static
 * registry of the dissectors that capture/ dispatches TCP and UDP flows to.
 *
 * Dissectors are pure functions of bytes plus per-flow state; they emit
 * TwEvents through the context and never decide verdicts.  Hostile input
 * becomes an "anomaly" event and a counter (tw_anomaly), never a crash.
 */
#pragma once

#include "core/cursor.h"
#include "core/event.h"

/* Direction of bytes within a flow: TW_DIR_REQ flows toward the server port
 * (client to server), TW_DIR_RSP back toward the client. */
enum { TW_DIR_REQ = 0, TW_DIR_RSP = 1 };

/* The frame being processed, for the teaching view's lower layers
 * (dissectors/lower/lower-tree.h); valid only while capture/ processes it. */
typedef struct {
    const guint8 *data;
    guint32 caplen, origlen;
    int linktype;
    guint64 no;
} TwRawFrame;

typedef struct TwDissectCtx TwDissectCtx;
struct TwDissectCtx {
    const TwPacketInfo *pi; /* the packet that completed the bytes being fed */
    TwEmitFn emit;
    void *emit_user;
    bool want_tree;          /* build the teaching view (TwEvent.tree) */
    guint tree_layers;       /* with want_tree: lower layers to show (TW_TREE_LAYER_*), 0: none */
    const TwRawFrame *raw;   /* with tree_layers: the frame being processed, else NULL */
    /* with tree_layers: puts the frame's lower layers before an event's tree
     * (tw_lower_tree_prepend, set by capture/); tw_emit calls it */
    void (*tree_lower)(TwEvent *ev, const TwRawFrame *raw, guint mask);
    struct TwKeyStore *keys; /* keys/keystore.h: keys to decrypt with, or NULL */
    bool show_keys;          /* --show-keys: the teaching view may print key bytes (labs) */
    GHashTable *counters;    /* interned name -> guint64*, owned by the pipeline */
    /* Flow services offered by capture/ (NULL in unit tests): the endpoint
     * mapper learns that `port` on `addr` speaks `parser_name`. */
    void (*expect)(TwDissectCtx *ctx, const char *addr, guint16 port, const char *parser_name);
    void *flow_user;
    /* Flow service (NULL in unit tests): see tw_flow_ignore. */
    void (*ignore_flow)(TwDissectCtx *ctx);
    /* Flow service (NULL in unit tests): see tw_mem_charge. */
    void (*mem_charge)(TwDissectCtx *ctx, gint64 delta);
};

/* The flow being fed carries nothing more of interest (both directions):
 * capture/ stops reassembling and feeding it once the current feed returns,
 * and keeps a small entry so that its later packets are dropped at the
 * pre-filter rather than starting a new flow.  The parser may still be fed
 * bytes already queued for this call; its state is then freed without a
 * final flush.  A no-op where capture/ offers no flow (unit tests). */
void tw_flow_ignore(TwDissectCtx *ctx);

/* Memory accounting: the flow being fed now holds `delta` more bytes of
 * parser state (negative: fewer).  capture/ adds what every flow holds
 * against TW_FLOW_STATE_BUDGET_BYTES (core/tw-limits.h) and, past it, evicts
 * the least recently seen flows.  A dissector charges what can grow with
 * the input (tables of calls, sessions, reassembled fragments) where it
 * grows or shrinks; it need not uncharge when its state is freed: the
 * flow's whole charge goes with the state.  A no-op without capture/. */
void tw_mem_charge(TwDissectCtx *ctx, gint64 delta);

/* Emits ev through ctx (transfer full of ev: the receiver frees it). */
void tw_emit(TwDissectCtx *ctx, TwEvent *ev);
/* Adds n to the named counter. */
void tw_count(TwDissectCtx *ctx, const char *name, guint64 n);
/* Counts "anomaly.<kind>" and emits an anomaly event {proto:"anomaly", kind,
 * parser, detail} while that counter is at most TW_ANOMALY_EVENTS_MAX
 * (core/tw-limits.h): a flood of one kind becomes a count, not a flood of events. */
void tw_anomaly(TwDissectCtx *ctx, const char *parser, const char *kind, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

typedef struct TwAppParser {
    const char *name;
    guint8 ipproto;       /* 6 (TCP) or 17 (UDP) */
    const guint16 *ports; /* server ports, 0-terminated; may be NULL */
    /* Optional: recognise the protocol from the first payload bytes of a flow
     * on any port.  Must be cheap: it runs before any flow state exists. */
    bool (*probe)(const guint8 *data, gsize len);
    /* (transfer full): per-flow state, freed by capture/ with state_free. */
    void *(*state_new)(void);
    void (*state_free)(void *state);
    /* UDP: one datagram (len captured of reported bytes).  TCP: the next
     * in-order stream bytes of one direction (len == reported). */
    void (*feed)(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                 gsize reported);
    /* TCP only: `len` bytes of direction `dir` are missing from the capture;
     * the parser must resynchronise or give up on that direction. */
    void (*gap)(void *state, TwDissectCtx *ctx, int dir, guint64 len);
    /* Optional, like probe, for the first bytes a server sends (a flow first
     * seen from its server side, e.g. an HTTP status line): the sender of the
     * probed bytes is then the server.  Tried after every parser's probe. */
    bool (*probe_reply)(const guint8 *data, gsize len);
} TwAppParser;

/* NULL-terminated list of the parsers capture/ may dispatch to. */
extern const TwAppParser *const tw_app_parsers[];
/* Returns: (transfer none) (nullable): a static entry of tw_app_parsers. */
const TwAppParser *tw_app_parser_by_name(const char *name);
