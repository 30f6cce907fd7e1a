/* dcerpc.c — connection-oriented DCE/RPC (C706 12.6, MS-RPCE 2.2.2) as a
 * byte-stream consumer: PDU framing, presentation contexts, fragment
 * reassembly per call_id, the auth verifier (sec_trailer), request/response
 * pairing, and dispatch through the registry (dcerpc-call.h): stubs to the
 * bound interface's decoder or a compact generic event, auth tokens to the
 * security provider of their auth_type.  No interface is named here. */
#include "core/tw-limits.h"
#include "core/tw-flags.h"
#include "dcerpc.h"

#include <stdio.h>

#include "dcerpc-call.h"
#include "dcerpc-int.h"
#include "ndr.h"
#include "dissectors/framer.h"

#define PARSER "dcerpc"

/* C706 12.6.3.1 PDU types (connection-oriented subset + MS-RPCE auth3). */
enum {
    PT_REQUEST = 0,
    PT_RESPONSE = 2,
    PT_FAULT = 3,
    PT_BIND = 11,
    PT_BIND_ACK = 12,
    PT_BIND_NAK = 13,
    PT_ALTER = 14,
    PT_ALTER_RESP = 15,
    PT_AUTH3 = 16,
    PT_SHUTDOWN = 17,
    PT_CO_CANCEL = 18,
    PT_ORPHANED = 19,
};

/* C706 12.6.3.1 pfc_flags. */
enum {
    PFC_FIRST_FRAG = 0x01,
    PFC_LAST_FRAG = 0x02,
    PFC_OBJECT_UUID = 0x80,
};

/* MS-RPCE 2.2.1.1.7 / 2.2.1.1.8 */
enum {
    AUTH_NONE = 0x00,
    AUTH_LEVEL_PRIVACY = 6,
};

#define HDR_LEN 16
#define UUID_NDR20 "8a885d04-1ceb-11c9-9fe8-08002b104860"
#define UUID_NDR64 "71710533-beba-4937-8319-b5dbef9ccc36"
#define UUID_BTFN_PREFIX "6cb71c2c-9812-4540-" /* MS-RPCE 3.3.1.5.3 bind time feature negotiation */

typedef struct {
    guint16 id;
    char uuid[37];
    guint16 vmajor, vminor;
    const TwDcerpcIface *iface;
    bool ndr64;
    bool accepted;
} PresCtx;

typedef struct {
    guint32 call_id;
    guint8 n;
    PresCtx items[TW_DCERPC_MAX_CTX_ITEMS];
    bool is_alter;
} PendingBind;

typedef struct {
    guint32 call_id;
    guint16 opnum, ctx_id;
    GByteArray *stub;
    gsize wire_len; /* stub bytes seen, kept also when sealed (not stored) */
    bool sealed;
    guint8 auth_type, auth_level;
    /* Per-call state the security provider read from a verifier (owned). */
    const TwDcerpcAuthType *verifier_type;
    void *verifier;
    /* Sealed over several fragments, with a key store: the ciphertext of
     * each fragment one after another in `stub`, and each fragment's
     * verifier (frags[0] borrows `verifier`; later ones are owned, freed
     * with frag_type).  NULL when not kept. */
    GArray *frags; /* TwDcerpcSealedFrag */
    const TwDcerpcAuthType *frag_type;
} Reasm;

/* A security provider's state on this connection (owned). */
typedef struct {
    const TwDcerpcAuthType *type;
    void *conn;
} AuthState;

struct TwDcerpcStream {
    const char *transport;
    char *pipe;
    struct DcerpcDir { /* C706 12.6.3.1: PDUs framed by frag_length (dissectors/framer.h) */
        TwDcerpcStream *s;
        int d;
        TwFramer framer;
    } dir[2];
    bool seen_pdu; /* a valid header was seen: later garbage is an anomaly */
    bool not_rpc;  /* began with something else (e.g. a non-RPC SMB2 pipe) */
    GArray *ctxs;  /* PresCtx */
    GArray *binds; /* PendingBind */
    GPtrArray *reasm[2]; /* Reasm*, NULL until a call spans fragments */
    GHashTable *calls; /* call_id -> TwDcerpcCall* */
    GQueue call_order; /* call ids (GUINT_TO_POINTER) oldest first */
    gsize charged; /* TCP parser: bytes charged through tw_mem_charge */
    const TwDcerpcRegistry *reg;
    /* AuthState: at most one per registry entry with conn_new, so the
     * registry bounds it.  NULL until a provider keeps state. */
    GArray *auth;
    /* Teaching view (ctx->want_tree): the current PDU's header lines. */
    TwEvent *hdr_tree;
};

/* ---- names ---------------------------------------------------------- */

static const char *ptype_name(guint8 t)
{
    switch (t) {
    case PT_REQUEST: return "request";
    case 1: return "ping";
    case PT_RESPONSE: return "response";
    case PT_FAULT: return "fault";
    case PT_BIND: return "bind";
    case PT_BIND_ACK: return "bind_ack";
    case PT_BIND_NAK: return "bind_nak";
    case PT_ALTER: return "alter_context";
    case PT_ALTER_RESP: return "alter_context_resp";
    case PT_AUTH3: return "auth3";
    case PT_SHUTDOWN: return "shutdown";
    case PT_CO_CANCEL: return "cancel";
    case PT_ORPHANED: return "orphaned";
    }
    return NULL;
}

const char *tw_dcerpc_auth_level_name(guint8 l)
{
    switch (l) {
    case 0: return "default";
    case 1: return "none";
    case 2: return "connect";
    case 3: return "call";
    case 4: return "packet";
    case 5: return "integrity";
    case 6: return "privacy";
    }
    return "unknown";
}

/* C706 Appendix E (nca_s_*) and the Win32 codes MS-RPCE 2.2.2.11 allows. */
const char *tw_dcerpc_fault_name(guint32 st)
{
    switch (st) {
    case 0x00000005: return "rpc_s_access_denied";
    case 0x000006d1: return "rpc_s_procnum_out_of_range";
    case 0x000006c6: return "rpc_s_invalid_bound";
    case 0x000006f7: return "rpc_x_bad_stub_data";
    case 0x00000721: return "rpc_s_sec_pkg_error";
    case 0x000006e4: return "rpc_s_cannot_support";
    case 0x1c000001: return "nca_s_fault_int_div_by_zero";
    case 0x1c000002: return "nca_s_fault_addr_error";
    case 0x1c000003: return "nca_s_fault_fp_div_zero";
    case 0x1c000004: return "nca_s_fault_fp_underflow";
    case 0x1c000005: return "nca_s_fault_fp_overflow";
    case 0x1c000006: return "nca_s_fault_invalid_tag";
    case 0x1c000007: return "nca_s_fault_invalid_bound";
    case 0x1c000008: return "nca_s_rpc_version_mismatch";
    case 0x1c000009: return "nca_s_unspec_reject";
    case 0x1c00000a: return "nca_s_bad_actid";
    case 0x1c00000b: return "nca_s_who_are_you_failed";
    case 0x1c00000c: return "nca_s_manager_not_entered";
    case 0x1c00000d: return "nca_s_fault_cancel";
    case 0x1c00000e: return "nca_s_fault_ill_inst";
    case 0x1c00000f: return "nca_s_fault_fp_error";
    case 0x1c000010: return "nca_s_fault_int_overflow";
    case 0x1c000012: return "nca_s_fault_unspec";
    case 0x1c000013: return "nca_s_fault_remote_comm_failure";
    case 0x1c000014: return "nca_s_fault_pipe_empty";
    case 0x1c000015: return "nca_s_fault_pipe_closed";
    case 0x1c000016: return "nca_s_fault_pipe_order";
    case 0x1c000017: return "nca_s_fault_pipe_discipline";
    case 0x1c000018: return "nca_s_fault_pipe_comm_error";
    case 0x1c000019: return "nca_s_fault_pipe_memory";
    case 0x1c00001a: return "nca_s_fault_context_mismatch";
    case 0x1c00001b: return "nca_s_fault_remote_no_memory";
    case 0x1c00001c: return "nca_s_invalid_pres_context_id";
    case 0x1c00001d: return "nca_s_unsupported_authn_level";
    case 0x1c00001f: return "nca_s_invalid_checksum";
    case 0x1c000020: return "nca_s_invalid_crc";
    case 0x1c000021: return "nca_s_fault_user_defined";
    case 0x1c000022: return "nca_s_fault_tx_open_failed";
    case 0x1c000023: return "nca_s_fault_codeset_conv_error";
    case 0x1c000024: return "nca_s_fault_object_not_found";
    case 0x1c000025: return "nca_s_fault_no_client_stub";
    case 0x1c010001: return "nca_s_comm_failure";
    case 0x1c010002: return "nca_s_op_rng_error";
    case 0x1c010003: return "nca_s_unk_if";
    case 0x1c010006: return "nca_s_wrong_boot_time";
    case 0x1c010009: return "nca_s_you_crashed";
    case 0x1c01000b: return "nca_s_proto_error";
    case 0x1c010013: return "nca_s_out_args_too_big";
    case 0x1c010014: return "nca_s_server_too_busy";
    case 0x1c010015: return "nca_s_fault_string_too_long";
    case 0x1c010017: return "nca_s_unsupported_type";
    }
    return NULL;
}

/* C706 12.6.4.5 p_cont_def_result_t, MS-RPCE 2.2.2.4 negotiate_ack. */
static const char *ack_result_name(guint16 r)
{
    switch (r) {
    case 0: return "acceptance";
    case 1: return "user_rejection";
    case 2: return "provider_rejection";
    case 3: return "negotiate_ack";
    }
    return "unknown";
}

/* C706 12.6.4.5 p_provider_reason_t. */
static const char *provider_reason_name(guint16 r)
{
    switch (r) {
    case 0: return "reason_not_specified";
    case 1: return "abstract_syntax_not_supported";
    case 2: return "proposed_transfer_syntaxes_not_supported";
    case 3: return "local_limit_exceeded";
    }
    return "unknown";
}

/* C706 12.6.4.6 p_reject_reason_t (bind_nak). */
static const char *nak_reason_name(guint16 r)
{
    switch (r) {
    case 0: return "reason_not_specified";
    case 1: return "temporary_congestion";
    case 2: return "local_limit_exceeded";
    case 3: return "called_paddr_unknown";
    case 4: return "protocol_version_not_supported";
    case 5: return "default_context_not_supported";
    case 6: return "user_data_not_readable";
    case 7: return "no_psap_available";
    case 8: return "authentication_type_not_recognized";
    case 9: return "invalid_checksum";
    }
    return "unknown";
}

static const char *syntax_name(const char *uuid)
{
    if (strcmp(uuid, UUID_NDR20) == 0)
        return "ndr20";
    if (strcmp(uuid, UUID_NDR64) == 0)
        return "ndr64";
    if (strncmp(uuid, UUID_BTFN_PREFIX, strlen(UUID_BTFN_PREFIX)) == 0)
        return "bind_time_features";
    return uuid;
}

/* ---- small readers honouring packed_drep ------------------------------ */

static guint16 rd16(TwCursor *c, bool le) { return le ? tw_cursor_le16(c) : tw_cursor_be16(c); }
static guint32 rd32(TwCursor *c, bool le) { return le ? tw_cursor_le32(c) : tw_cursor_be32(c); }

/* C706 Appendix A UUID in the sender's byte order. */
static void rd_uuid(TwCursor *c, bool le, char out[37])
{
    guint32 a = rd32(c, le);
    guint16 b = rd16(c, le);
    guint16 d = rd16(c, le);
    guint8 e[8];
    tw_cursor_copy(c, e, 8);
    tw_uuid_text(out, a, b, d, e);
}

/* ---- stream state ----------------------------------------------------- */

/* MS-RPCE 2.2.2.11 sec_trailer. */
typedef struct {
    bool present;
    guint8 type, level, pad;
    guint32 context_id;
    const guint8 *value;
    gsize value_len;
} SecTrailer;

/* ---- teaching view (-T tree) -------------------------------------------- */

/* The lines of `from` appended to `to` at depth + their own. */
static void tree_copy(TwEvent *to, const TwEvent *from, guint depth)
{
    for (guint i = 0; from && from->tree && i < from->tree->len; i++) {
        const TwTreeNode *n = g_ptr_array_index(from->tree, i);
        tw_event_tree_add_spec(to, depth + n->depth, n->name, n->spec, n->note, n->value ? "%s" : NULL, n->value);
    }
}

static const char *syntax_name(const char *uuid);
static PresCtx *ctx_find(TwDcerpcStream *s, guint16 id);

/* C706 12.6.3.1 common header, the request/response header fields and the
 * MS-RPCE 2.2.2.11 sec_trailer, as lines of a scratch event. */
static void header_tree(TwDcerpcStream *s, const guint8 *pdu, gsize frag_len, guint8 ptype, guint8 flags,
                        bool le, guint16 auth_len, guint32 call_id, const SecTrailer *t)
{
    if (s->hdr_tree)
        tw_event_free(s->hdr_tree);
    TwPacketInfo none = { 0 };
    TwEvent *h = s->hdr_tree = tw_event_new(&none, "dcerpc");
    const char *pn = ptype_name(ptype);
    tw_event_tree_add_spec(h, 0, "DCE/RPC", "C706 12.6.3.1", "connection-oriented PDU", "%s", pn ? pn : "unknown");
    tw_event_tree_add_spec(h, 1, "rpc_vers", "C706 12.6.1", NULL, "%u.%u", pdu[0], pdu[1]);
    tw_event_tree_add_spec(h, 1, "PTYPE", "C706 12.6.4", NULL, "%u (%s)", ptype, pn ? pn : "unknown");
    tw_event_tree_add_spec(h, 1, "pfc_flags", tw_flags_dcerpc_pfc.spec, NULL, "0x%02x", flags);
    tw_flags_tree(h, 2, &tw_flags_dcerpc_pfc, flags);
    tw_event_tree_add_spec(h, 1, "packed_drep", "C706 14.1",
                           le ? "integers little-endian, ASCII characters, IEEE floats"
                              : "integers big-endian", "%02x %02x %02x %02x", pdu[4], pdu[5], pdu[6], pdu[7]);
    tw_event_tree_add_spec(h, 1, "frag_length", "C706 12.6.1", NULL, "%" G_GSIZE_FORMAT, frag_len);
    tw_event_tree_add_spec(h, 1, "auth_length", "C706 12.6.1", auth_len ? "a security trailer and token follow the body" : NULL, "%u",
                      auth_len);
    tw_event_tree_add_spec(h, 1, "call_id", "C706 12.6.1", "pairs the response (same call_id) with its request", "%u", call_id);
    TwCursor c = tw_cursor_init(pdu, frag_len);
    tw_cursor_skip(&c, HDR_LEN);
    if (ptype == PT_REQUEST || ptype == PT_RESPONSE) {
        guint32 alloc = rd32(&c, le);
        guint16 ctx_id = rd16(&c, le);
        if (tw_cursor_ok(&c)) {
            tw_event_tree_add_spec(h, 1, "alloc_hint", ptype == PT_REQUEST ? "C706 12.6.4.9" : "C706 12.6.4.10",
                                   "the stub's expected total length", "%u", alloc);
            PresCtx *pc = ctx_find(s, ctx_id);
            tw_event_tree_add_spec(h, 1, "p_cont_id",
                                   ptype == PT_REQUEST ? "C706 12.6.4.9" : "C706 12.6.4.10", "the presentation context of the bind", "%u%s%s", ctx_id,
                              pc && pc->iface ? " -> " : "", pc && pc->iface ? pc->iface->name : "");
        }
        if (ptype == PT_REQUEST) {
            guint16 opnum = rd16(&c, le);
            PresCtx *pc = ctx_find(s, ctx_id);
            const char *on = pc && pc->iface && pc->iface->opnum_name ? pc->iface->opnum_name(opnum) : NULL;
            if (tw_cursor_ok(&c))
                tw_event_tree_add_spec(h, 1, "opnum", "C706 12.6.4.9", "the method of the interface", "%u%s%s%s", opnum, on ? " (" : "",
                                  on ? on : "", on ? ")" : "");
            if ((flags & PFC_OBJECT_UUID) && tw_cursor_ok(&c)) {
                char obj[37];
                rd_uuid(&c, le, obj);
                tw_event_tree_add_spec(h, 1, "object", "C706 12.6.4.9", NULL, "%s", obj);
            }
        } else {
            guint8 cancel = tw_cursor_u8(&c);
            if (tw_cursor_ok(&c))
                tw_event_tree_add_spec(h, 1, "cancel_count", "C706 12.6.4.10", NULL, "%u", cancel);
        }
    }
    if (t && t->present) {
        const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(s->reg, t->type);
        tw_event_tree_add_spec(h, 1, "sec_trailer", "MS-RPCE 2.2.2.11", "the auth verifier: who authenticates the call",
                               NULL);
        tw_event_tree_add_spec(h, 2, "auth_type", "MS-RPCE 2.2.1.1.7", NULL, "%u (%s)", t->type,
                               a && a->name ? a->name : "unknown");
        tw_event_tree_add_spec(h, 2, "auth_level", "MS-RPCE 2.2.1.1.8",
                               t->level == AUTH_LEVEL_PRIVACY ? "the stub is encrypted (sealed)"
                               : t->level == 5               ? "the stub is signed, not encrypted"
                                                             : NULL,
                               "%u (%s)", t->level, tw_dcerpc_auth_level_name(t->level));
        tw_event_tree_add_spec(h, 2, "auth_pad_length", "MS-RPCE 2.2.2.11", NULL, "%u", t->pad);
        tw_event_tree_add_spec(h, 2, "auth_context_id", "MS-RPCE 2.2.2.11", NULL, "%u", t->context_id);
        tw_event_tree_add_spec(h, 2, "auth_value", "MS-RPCE 2.2.2.11", ptype == PT_BIND || ptype == PT_ALTER || ptype == PT_AUTH3 ||
                                                   ptype == PT_BIND_ACK || ptype == PT_ALTER_RESP
                                                  ? "the security provider's token (its own event)"
                                                  : "signature of the call (its verifier)",
                          "%" G_GSIZE_FORMAT " bytes", t->value_len);
    }
}

static void call_free(gpointer p)
{
    TwDcerpcCall *c = p;
    if (c->carry)
        tw_event_free(c->carry);
    g_free(c);
}

static void verifier_clear(Reasm *r)
{
    if (r->verifier && r->verifier_type->verifier_free)
        r->verifier_type->verifier_free(r->verifier);
    r->verifier = NULL;
    r->verifier_type = NULL;
}

static void frags_clear(Reasm *r)
{
    if (!r->frags)
        return;
    for (guint i = 1; i < r->frags->len; i++) {
        TwDcerpcSealedFrag *f = &g_array_index(r->frags, TwDcerpcSealedFrag, i);
        if (f->verifier && r->frag_type && r->frag_type->verifier_free)
            r->frag_type->verifier_free((void *)f->verifier);
    }
    g_array_unref(r->frags);
    r->frags = NULL;
}

static void reasm_free(gpointer p)
{
    Reasm *r = p;
    if (r->stub)
        g_byte_array_unref(r->stub);
    frags_clear(r);
    verifier_clear(r);
    g_free(r);
}

static const TwFramerSpec co_framing;

TwDcerpcStream *tw_dcerpc_stream_new(const char *transport, const char *pipe_name)
{
    return tw_dcerpc_stream_new_with_registry(transport, pipe_name, &tw_dcerpc_registry);
}

TwDcerpcStream *tw_dcerpc_stream_new_with_registry(const char *transport, const char *pipe_name,
                                                   const TwDcerpcRegistry *reg)
{
    TwDcerpcStream *s = g_new0(TwDcerpcStream, 1);
    s->reg = reg;
    s->transport = tw_event_intern(transport ? transport : "tcp");
    s->pipe = g_strdup(pipe_name);
    for (int d = 0; d < 2; d++) {
        s->dir[d] = (struct DcerpcDir){ s, d };
        tw_framer_init(&s->dir[d].framer, &co_framing, &s->dir[d]);
    }
    s->ctxs = g_array_new(FALSE, TRUE, sizeof(PresCtx));
    s->binds = g_array_new(FALSE, TRUE, sizeof(PendingBind));
    s->calls = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, call_free);
    g_queue_init(&s->call_order);
    return s;
}

gsize tw_dcerpc_stream_held(const TwDcerpcStream *s)
{
    /* What grows with the input: contexts, pending binds, calls awaiting a
     * response, stubs under reassembly (partial PDUs in buf[] are the
     * framer's budget). */
    gsize n = sizeof *s + s->ctxs->len * sizeof(PresCtx) + s->binds->len * sizeof(PendingBind) +
              g_hash_table_size(s->calls) * (sizeof(TwDcerpcCall) + 64);
    for (int d = 0; d < 2; d++)
        for (guint i = 0; s->reasm[d] && i < s->reasm[d]->len; i++) {
            const Reasm *r = s->reasm[d]->pdata[i];
            n += sizeof *r + r->stub->len;
        }
    return n;
}

void tw_dcerpc_stream_free(TwDcerpcStream *s)
{
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        tw_framer_clear(&s->dir[d].framer);
        if (s->reasm[d])
            g_ptr_array_unref(s->reasm[d]);
    }
    g_array_free(s->ctxs, TRUE);
    g_array_free(s->binds, TRUE);
    g_hash_table_destroy(s->calls);
    g_queue_clear(&s->call_order);
    g_free(s->pipe);
    if (s->hdr_tree)
        tw_event_free(s->hdr_tree);
    for (guint i = 0; s->auth && i < s->auth->len; i++) {
        AuthState *a = &g_array_index(s->auth, AuthState, i);
        if (a->type->conn_free)
            a->type->conn_free(a->conn);
    }
    if (s->auth)
        g_array_free(s->auth, TRUE);
    g_free(s);
}

static PresCtx *ctx_find(TwDcerpcStream *s, guint16 id)
{
    for (guint i = 0; i < s->ctxs->len; i++) {
        PresCtx *p = &g_array_index(s->ctxs, PresCtx, i);
        if (p->id == id)
            return p;
    }
    return NULL;
}

static void ctx_set(TwDcerpcStream *s, TwDissectCtx *ctx, const PresCtx *src)
{
    PresCtx *p = ctx_find(s, src->id);
    if (p) {
        *p = *src;
        return;
    }
    if (s->ctxs->len >= TW_DCERPC_MAX_CONTEXTS) {
        tw_anomaly(ctx, PARSER, "dcerpc_too_many_contexts", "more than %u presentation contexts",
                   TW_DCERPC_MAX_CONTEXTS);
        return;
    }
    g_array_append_val(s->ctxs, *src);
}

static TwDcerpcCall *call_get(TwDcerpcStream *s, TwDissectCtx *ctx, guint32 call_id, bool create)
{
    TwDcerpcCall *c = g_hash_table_lookup(s->calls, GUINT_TO_POINTER(call_id));
    if (c || !create)
        return c;
    if (g_hash_table_size(s->calls) >= TW_DCERPC_MAX_PENDING) {
        gpointer oldest = g_queue_pop_head(&s->call_order);
        g_hash_table_remove(s->calls, oldest);
        tw_count(ctx, "dcerpc.pending_evicted", 1);
    }
    c = g_new0(TwDcerpcCall, 1);
    c->call_id = call_id;
    g_hash_table_insert(s->calls, GUINT_TO_POINTER(call_id), c);
    g_queue_push_tail(&s->call_order, GUINT_TO_POINTER(call_id));
    return c;
}

static void call_drop(TwDcerpcStream *s, guint32 call_id)
{
    if (g_hash_table_remove(s->calls, GUINT_TO_POINTER(call_id)))
        g_queue_remove(&s->call_order, GUINT_TO_POINTER(call_id));
}

static guint64 cur_frame(const TwDissectCtx *ctx)
{
    return ctx->pi ? ctx->pi->frame : 0;
}

/* ---- events ----------------------------------------------------------- */

static TwEvent *event_new(TwDcerpcStream *s, TwDissectCtx *ctx, const char *proto)
{
    TwEvent *ev = tw_event_new(ctx->pi, proto);
    ev->transport = s->transport;
    if (ctx->want_tree && s->hdr_tree)
        tree_copy(ev, s->hdr_tree, 0);
    return ev;
}

TwEvent *tw_dcerpc_stub_event(const TwDcerpcStub *st, const char *proto)
{
    TwEvent *ev = tw_event_new(st->ctx->pi, proto);
    ev->transport = tw_event_intern(st->transport);
    if (st->ctx->want_tree && st->hdr_tree)
        tree_copy(ev, st->hdr_tree, 0);
    return ev;
}

void tw_dcerpc_copy_fields(TwEvent *to, const TwEvent *from)
{
    if (!from || !from->fields)
        return;
    for (guint i = 0; i < from->fields->len; i++) {
        const TwField *f = &g_array_index(from->fields, TwField, i);
        if (tw_event_has(to, f->key))
            continue;
        switch (f->type) {
        case TW_FIELD_INT: tw_event_set_int(to, f->key, f->v.i); break;
        case TW_FIELD_STR: tw_event_set_str(to, f->key, f->v.s); break;
        case TW_FIELD_BOOL: tw_event_set_bool(to, f->key, f->v.b); break;
        default: break; /* lists are not carried */
        }
    }
}

static void set_auth_fields(TwDcerpcStream *s, TwEvent *ev, guint8 type, guint8 level)
{
    const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(s->reg, type);
    tw_event_set_int(ev, "auth_type", type);
    tw_event_set_str(ev, "auth_type_name", a && a->name ? a->name : "unknown");
    tw_event_set_int(ev, "auth_level", level);
    tw_event_set_str(ev, "auth_level_name", tw_dcerpc_auth_level_name(level));
}

/* ---- auth verifier ---------------------------------------------------- */


/* MS-RPCE 2.2.2.11 sec_trailer at frag_length - auth_length - 8, preceded
 * by auth_pad_length bytes of padding that belong to neither stub nor token. */
static bool parse_sec_trailer(const guint8 *pdu, gsize frag_len, guint16 auth_len, bool le,
                              gsize body_start, SecTrailer *t, gsize *body_end)
{
    memset(t, 0, sizeof *t);
    *body_end = frag_len;
    if (auth_len == 0)
        return true;
    if ((gsize)auth_len + 8 > frag_len - body_start)
        return false;
    gsize tr = frag_len - auth_len - 8;
    TwCursor c = tw_cursor_init(pdu + tr, 8);
    t->type = tw_cursor_u8(&c);
    t->level = tw_cursor_u8(&c);
    t->pad = tw_cursor_u8(&c);
    tw_cursor_u8(&c);
    t->context_id = rd32(&c, le);
    t->value = pdu + tr + 8;
    t->value_len = auth_len;
    t->present = true;
    if (t->pad > tr - body_start)
        return false;
    *body_end = tr - t->pad;
    return true;
}

/* The state of a security provider on this stream, created on first use
 * when `create` (NULL when the provider keeps none). */
static void *auth_conn(TwDcerpcStream *s, const TwDcerpcAuthType *a, bool create)
{
    for (guint i = 0; s->auth && i < s->auth->len; i++) {
        AuthState *have = &g_array_index(s->auth, AuthState, i);
        if (have->type == a)
            return have->conn;
    }
    if (!create || !a->conn_new)
        return NULL;
    AuthState add = { .type = a, .conn = a->conn_new() };
    if (!s->auth)
        s->auth = g_array_new(FALSE, TRUE, sizeof(AuthState));
    g_array_append_val(s->auth, add);
    return add.conn;
}

static TwDcerpcAuthToken auth_token(TwDcerpcStream *s, TwDissectCtx *ctx, const SecTrailer *t,
                                    guint32 call_id, void *conn)
{
    return (TwDcerpcAuthToken){
        .ctx = ctx,
        .transport = s->transport,
        .call_id = call_id,
        .auth_type = t->type,
        .auth_level = t->level,
        .value = t->value,
        .value_len = t->value_len,
        .conn = conn,
    };
}

/* MS-RPCE 3.3.1.5.2: a bind-time token (bind, alter_context, their
 * responses): what its provider says goes into the PDU's event. */
static void auth_bind_fields(TwDcerpcStream *s, TwDissectCtx *ctx, TwEvent *ev,
                             const SecTrailer *t, guint32 call_id)
{
    const TwDcerpcAuthType *a = t->present ? tw_dcerpc_registry_auth(s->reg, t->type) : NULL;
    if (!a || !a->bind_fields)
        return;
    TwDcerpcAuthToken tok = auth_token(s, ctx, t, call_id, auth_conn(s, a, true));
    a->bind_fields(&tok, ev);
}

/* The same tokens and auth3's, after the PDU's event: the provider
 * dissects them (GSS-API/SPNEGO, raw NTLMSSP or Kerberos). */
static void auth_bind_token(TwDcerpcStream *s, TwDissectCtx *ctx, const SecTrailer *t,
                            guint32 call_id)
{
    if (!t->present || t->value_len == 0)
        return;
    const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(s->reg, t->type);
    if (!a || !a->bind_token)
        return;
    TwDcerpcAuthToken tok = auth_token(s, ctx, t, call_id, auth_conn(s, a, false));
    a->bind_token(&tok);
}

/* A request/response fragment's verifier: per-call state of its provider. */
static void auth_verifier(TwDcerpcStream *s, TwDissectCtx *ctx, const SecTrailer *t,
                          guint32 call_id, Reasm *r)
{
    const TwDcerpcAuthType *a = t->present ? tw_dcerpc_registry_auth(s->reg, t->type) : NULL;
    if (!a || !a->verifier_new)
        return;
    TwDcerpcAuthToken tok = auth_token(s, ctx, t, call_id, auth_conn(s, a, false));
    r->verifier = a->verifier_new(&tok);
    r->verifier_type = r->verifier ? a : NULL;
}

/* ---- bind / alter_context --------------------------------------------- */

static PendingBind *bind_find(TwDcerpcStream *s, guint32 call_id)
{
    for (guint i = 0; i < s->binds->len; i++) {
        PendingBind *b = &g_array_index(s->binds, PendingBind, i);
        if (b->call_id == call_id)
            return b;
    }
    return NULL;
}

/* C706 12.6.4.3 bind / 12.6.4.1 alter_context; MS-RPCE 2.2.2.4. */
static void handle_bind(TwDcerpcStream *s, TwDissectCtx *ctx, TwCursor *c, guint8 ptype, bool le,
                        guint32 call_id, const SecTrailer *t)
{
    guint16 max_xmit = rd16(c, le);
    guint16 max_recv = rd16(c, le);
    guint32 assoc = rd32(c, le);
    guint8 n_ctx = tw_cursor_u8(c);
    tw_cursor_skip(c, 3);
    g_autoptr(TwEvent) lines = NULL; /* teaching view: the body's lines */
    if (ctx->want_tree) {
        TwPacketInfo none = { 0 };
        lines = tw_event_new(&none, "dcerpc");
        tw_event_tree_add_spec(lines, 0, ptype == PT_ALTER ? "alter_context" : "bind",
                               ptype == PT_ALTER ? "C706 12.6.4.1" : "C706 12.6.4.3",
                               "the client names the interfaces (presentation contexts) it will call", NULL);
        tw_event_tree_add_spec(lines, 1, "max_xmit_frag", ptype == PT_ALTER ? "C706 12.6.4.1" : "C706 12.6.4.3",
                               NULL, "%u", max_xmit);
        tw_event_tree_add_spec(lines, 1, "max_recv_frag", ptype == PT_ALTER ? "C706 12.6.4.1" : "C706 12.6.4.3",
                               NULL, "%u", max_recv);
        tw_event_tree_add_spec(lines, 1, "assoc_group_id", ptype == PT_ALTER ? "C706 12.6.4.1" : "C706 12.6.4.3",
                               assoc ? "joins an existing association" : "a new association",
                          "0x%08x", assoc);
        tw_event_tree_add_spec(lines, 1, "p_context_elem", "C706 12.6.3.1 p_cont_list_t", NULL, "%u contexts",
                               n_ctx);
    }
    PendingBind pb = { .call_id = call_id, .is_alter = ptype == PT_ALTER };
    g_autoptr(GPtrArray) syntaxes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) ctx_ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; i < n_ctx && tw_cursor_ok(c); i++) {
        PresCtx pc = { 0 };
        pc.id = rd16(c, le);
        guint8 n_ts = tw_cursor_u8(c);
        tw_cursor_u8(c);
        rd_uuid(c, le, pc.uuid);
        pc.vmajor = rd16(c, le);
        pc.vminor = rd16(c, le);
        pc.iface = tw_dcerpc_registry_iface(s->reg, pc.uuid, pc.vmajor);
        if (lines && tw_cursor_ok(c)) {
            tw_event_tree_add_spec(lines, 2, "p_cont_elem", "C706 12.6.3.1 p_cont_elem_t", NULL, "p_cont_id %u, %u transfer syntaxes", pc.id, n_ts);
            tw_event_tree_add_spec(lines, 3, "abstract_syntax", "C706 12.6.3.1 p_syntax_id_t", "the interface", "%s v%u.%u (%s)", pc.uuid, pc.vmajor,
                              pc.vminor, pc.iface ? pc.iface->name : "unknown");
        }
        /* Transfer syntaxes: this item is NDR64 only if it offers NDR64 alone. */
        bool ndr20 = false, ndr64 = false;
        for (guint j = 0; j < n_ts && tw_cursor_ok(c); j++) {
            char ts[37];
            rd_uuid(c, le, ts);
            rd32(c, le);
            if (!tw_cursor_ok(c))
                break;
            const char *name = syntax_name(ts);
            if (lines)
                tw_event_tree_add_spec(lines, 3, "transfer_syntax", "C706 12.6.3.1 p_syntax_id_t",
                                  g_str_has_prefix(ts, UUID_BTFN_PREFIX) ? "bind time feature negotiation (MS-RPCE 3.3.1.5.3)"
                                                                         : NULL,
                                  "%s (%s)", ts, name);
            ndr20 |= strcmp(name, "ndr20") == 0;
            ndr64 |= strcmp(name, "ndr64") == 0;
            if (syntaxes->len < TW_DCERPC_MAX_CTX_ITEMS)
                g_ptr_array_add(syntaxes, g_strdup(name));
        }
        pc.ndr64 = ndr64 && !ndr20;
        if (!tw_cursor_ok(c))
            break;
        gint64 id = pc.id;
        g_array_append_val(ctx_ids, id);
        if (pb.n < TW_DCERPC_MAX_CTX_ITEMS)
            pb.items[pb.n++] = pc;
        else
            tw_count(ctx, "dcerpc.ctx_items_capped", 1);
        /* Provisional until the ack says otherwise: lets requests be named
         * when the ack was lost. */
        if (!ctx_find(s, pc.id))
            ctx_set(s, ctx, &pc);
    }
    if (!tw_cursor_ok(c))
        tw_anomaly(ctx, PARSER, "dcerpc_malformed", "%s context list: %s", ptype_name(ptype),
                   tw_status_name(c->status));
    PendingBind *old = bind_find(s, call_id);
    if (old)
        *old = pb;
    else {
        if (s->binds->len >= MAX_PENDING_BINDS) {
            /* The oldest bind's contexts will not be resolved by its ack. */
            tw_count(ctx, "dcerpc.binds_forgotten", 1);
            tw_anomaly(ctx, PARSER, "limit", "more than %u binds awaiting their bind_ack: the oldest is forgotten",
                       MAX_PENDING_BINDS);
            g_array_remove_index(s->binds, 0);
        }
        g_array_append_val(s->binds, pb);
    }

    TwEvent *ev = event_new(s, ctx, "dcerpc");
    if (lines)
        tree_copy(ev, lines, 0);
    tw_event_set_str(ev, "pdu", ptype_name(ptype));
    tw_event_set_int(ev, "call_id", call_id);
    if (pb.n) {
        char ver[12];
        tw_version_text(ver, pb.items[0].vmajor, pb.items[0].vminor);
        tw_event_set_str(ev, "uuid", pb.items[0].uuid);
        tw_event_set_str(ev, "if_version", ver);
        if (pb.items[0].iface)
            tw_event_set_str(ev, "interface", pb.items[0].iface->name);
    }
    tw_event_take_intlist(ev, "ctx_ids", g_steal_pointer(&ctx_ids));
    tw_event_take_strlist(ev, "transfer_syntaxes", g_steal_pointer(&syntaxes));
    tw_event_set_int(ev, "max_xmit", max_xmit);
    tw_event_set_int(ev, "max_recv", max_recv);
    tw_event_set_int(ev, "assoc_group", assoc);
    if (s->pipe)
        tw_event_set_str(ev, "pipe", s->pipe);
    if (t->present) {
        set_auth_fields(s, ev, t->type, t->level);
        auth_bind_fields(s, ctx, ev, t, call_id);
    }
    tw_emit(ctx, ev);
    auth_bind_token(s, ctx, t, call_id);
}

/* C706 12.6.4.4 bind_ack / 12.6.4.2 alter_context_response. */
static void handle_bind_ack(TwDcerpcStream *s, TwDissectCtx *ctx, TwCursor *c, guint8 ptype,
                            bool le, guint32 call_id, const SecTrailer *t)
{
    guint16 max_xmit = rd16(c, le);
    guint16 max_recv = rd16(c, le);
    guint32 assoc = rd32(c, le);
    guint16 sec_len = rd16(c, le);
    const guint8 *sec = tw_cursor_bytes(c, sec_len);
    tw_cursor_align(c, 4); /* relative to the PDU start, as the cursor is */
    guint8 n_res = tw_cursor_u8(c);
    tw_cursor_skip(c, 3);
    PendingBind *pb = bind_find(s, call_id);
    g_autoptr(TwEvent) lines = NULL; /* teaching view: the body's lines */
    if (ctx->want_tree) {
        TwPacketInfo none = { 0 };
        lines = tw_event_new(&none, "dcerpc");
        tw_event_tree_add_spec(lines, 0, ptype == PT_ALTER_RESP ? "alter_context_resp" : "bind_ack",
                               ptype == PT_ALTER_RESP ? "C706 12.6.4.2" : "C706 12.6.4.4",
                               "the server accepts or rejects each presentation context", NULL);
        tw_event_tree_add_spec(lines, 1, "max_xmit_frag", ptype == PT_ALTER_RESP ? "C706 12.6.4.2" : "C706 12.6.4.4",
                               NULL, "%u", max_xmit);
        tw_event_tree_add_spec(lines, 1, "max_recv_frag", ptype == PT_ALTER_RESP ? "C706 12.6.4.2" : "C706 12.6.4.4",
                               NULL, "%u", max_recv);
        tw_event_tree_add_spec(lines, 1, "assoc_group_id", ptype == PT_ALTER_RESP ? "C706 12.6.4.2" : "C706 12.6.4.4",
                               NULL, "0x%08x", assoc);
        if (sec && sec_len > 1)
            tw_event_tree_add_spec(lines, 1, "sec_addr",
                               ptype == PT_ALTER_RESP ? "C706 12.6.4.2 port_any_t" : "C706 12.6.4.4 port_any_t", "port_any_t: the server's endpoint (a TCP port or a pipe)", "%.*s",
                              (int)strnlen((const char *)sec, sec_len), (const char *)sec);
        tw_event_tree_add_spec(lines, 1, "p_result_list", "C706 12.6.3.1 p_result_list_t", NULL, "%u results", n_res);
    }
    g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func(g_free);
    const char *accepted_iface = NULL;
    const char *accepted_syntax = NULL;
    char accepted_uuid[37] = "";
    char accepted_ts[37] = ""; /* syntax_name() may return its argument: keep it in scope */
    gint64 features = -1;
    for (guint i = 0; i < n_res && tw_cursor_ok(c); i++) {
        guint16 result = rd16(c, le);
        guint16 reason = rd16(c, le);
        char ts[37];
        G_STATIC_ASSERT(sizeof ts == sizeof accepted_ts);
        rd_uuid(c, le, ts);
        rd32(c, le);
        if (!tw_cursor_ok(c))
            break;
        /* MS-RPCE 2.2.2.4: a negotiate_ack carries the accepted bind-time
         * feature bits where a rejection carries its reason. */
        if (result == 3)
            features = (gint64)reason;
        if (lines) {
            tw_event_tree_add_spec(lines, 2, "p_result", "C706 12.6.4.5",
                                   result == 0   ? "this context may be called"
                                   : result == 3 ? "MS-RPCE 2.2.2.4: the bind time features the server supports"
                                                 : "this context is refused",
                                   "%u (%s)", result, ack_result_name(result));
            if (result == 1 || result == 2)
                tw_event_tree_add_spec(lines, 3, "reason", "C706 12.6.3.1 p_provider_reason_t", NULL, "%u (%s)", reason, provider_reason_name(reason));
            else if (result == 3)
                tw_event_tree_add_spec(lines, 3, "features", "MS-RPCE 2.2.2.4", "0x01 security context multiplexing, 0x02 keep connection on orphan",
                                  "0x%04x", reason);
            tw_event_tree_add_spec(lines, 3, "transfer_syntax", "C706 12.6.3.1 p_result_t", NULL, "%s (%s)", ts, syntax_name(ts));
        }
        if (results->len < TW_DCERPC_MAX_CTX_ITEMS) {
            if (result == 1 || result == 2)
                g_ptr_array_add(results, g_strdup_printf("%s:%s", ack_result_name(result),
                                                         provider_reason_name(reason)));
            else
                g_ptr_array_add(results, g_strdup(ack_result_name(result)));
        }
        if (pb && i < pb->n) {
            PresCtx pc = pb->items[i];
            pc.accepted = result == 0;
            if (result == 0) {
                pc.ndr64 = strcmp(ts, UUID_NDR64) == 0;
                ctx_set(s, ctx, &pc);
                memcpy(accepted_ts, ts, sizeof accepted_ts); /* UUID texts, NUL included */
                accepted_syntax = syntax_name(accepted_ts);
                if (pc.iface)
                    accepted_iface = pc.iface->name;
                memcpy(accepted_uuid, pc.uuid, sizeof accepted_uuid);
            } else if (result == 1 || result == 2) {
                /* The provisional entry from the bind must not name requests. */
                PresCtx *have = ctx_find(s, pc.id);
                if (have && !have->accepted && strcmp(have->uuid, pc.uuid) == 0)
                    have->iface = NULL;
            }
        } else if (result == 0) {
            memcpy(accepted_ts, ts, sizeof accepted_ts);
            accepted_syntax = syntax_name(accepted_ts);
        }
    }
    if (!tw_cursor_ok(c))
        tw_anomaly(ctx, PARSER, "dcerpc_malformed", "%s result list: %s", ptype_name(ptype),
                   tw_status_name(c->status));

    TwEvent *ev = event_new(s, ctx, "dcerpc");
    if (lines)
        tree_copy(ev, lines, 0);
    tw_event_set_str(ev, "pdu", ptype_name(ptype));
    tw_event_set_int(ev, "call_id", call_id);
    if (accepted_uuid[0])
        tw_event_set_str(ev, "uuid", accepted_uuid);
    if (accepted_iface)
        tw_event_set_str(ev, "interface", accepted_iface);
    if (accepted_syntax)
        tw_event_set_str(ev, "transfer_syntax", accepted_syntax);
    tw_event_take_strlist(ev, "results", g_steal_pointer(&results));
    if (features >= 0)
        tw_event_set_int(ev, "bind_time_features", features);
    tw_event_set_int(ev, "max_xmit", max_xmit);
    tw_event_set_int(ev, "max_recv", max_recv);
    tw_event_set_int(ev, "assoc_group", assoc);
    if (sec && sec_len > 1) /* port_any_t: NUL-terminated string */
        tw_event_set_strn(ev, "sec_addr", (const char *)sec, strnlen((const char *)sec, sec_len));
    if (t->present) {
        set_auth_fields(s, ev, t->type, t->level);
        auth_bind_fields(s, ctx, ev, t, call_id);
    }
    tw_emit(ctx, ev);
    auth_bind_token(s, ctx, t, call_id);
}

static void handle_bind_nak(TwDcerpcStream *s, TwDissectCtx *ctx, TwCursor *c, bool le,
                            guint32 call_id)
{
    guint16 reason = rd16(c, le);
    TwEvent *ev = event_new(s, ctx, "dcerpc");
    tw_event_set_str(ev, "pdu", "bind_nak");
    tw_event_set_int(ev, "call_id", call_id);
    tw_event_set_int(ev, "reason", reason);
    tw_event_set_str(ev, "reason_name", nak_reason_name(reason));
    PendingBind *pb = bind_find(s, call_id);
    if (pb && pb->n && pb->items[0].iface)
        tw_event_set_str(ev, "interface", pb->items[0].iface->name);
    tw_emit(ctx, ev);
}

/* ---- request / response / fault --------------------------------------- */

static void generic_call_event(const TwDcerpcStub *st)
{
    TwEvent *ev = tw_dcerpc_stub_event(st, "dcerpc");
    tw_event_set_str(ev, "pdu", st->dir == TW_DIR_REQ ? "request" : "response");
    tw_event_set_int(ev, "call_id", st->call_id);
    if (st->iface_uuid)
        tw_event_set_str(ev, "uuid", st->iface_uuid);
    if (st->iface)
        tw_event_set_str(ev, "interface", st->iface->name);
    if (st->call->have_request)
        tw_event_set_int(ev, "opnum", st->opnum);
    tw_event_set_int(ev, "stub_len", (gint64)st->wire_len);
    if (st->pipe)
        tw_event_set_str(ev, "pipe", st->pipe);
    if (st->sealed)
        tw_event_set_bool(ev, "sealed", TRUE);
    if (st->dir == TW_DIR_RSP && st->call->have_request)
        tw_event_set_int(ev, "reply_to", (gint64)st->call->req_frame);
    tw_emit(st->ctx, ev);
}

static void dispatch_stub(TwDcerpcStream *s, TwDissectCtx *ctx, int dir, guint32 call_id,
                          guint16 ctx_id, guint16 opnum, bool le, const guint8 *stub,
                          gsize stub_len, const Reasm *r)
{
    TwDcerpcCall *call = call_get(s, ctx, call_id, true);
    if (dir == TW_DIR_REQ) {
        if (call->carry) {
            tw_event_free(call->carry);
            call->carry = NULL;
        }
        call->have_request = true;
        call->opnum = opnum;
        call->ctx_id = ctx_id;
        call->req_frame = cur_frame(ctx);
        call->req_ts_us = ctx->pi ? ctx->pi->ts_us : 0;
    }
    PresCtx *pc = ctx_find(s, ctx_id);
    const TwDcerpcAuthType *auth =
        r->auth_type ? tw_dcerpc_registry_auth(s->reg, r->auth_type) : NULL;
    TwDcerpcStub st = {
        .ctx = ctx,
        .registry = s->reg,
        .transport = s->transport,
        .pipe = s->pipe,
        .dir = dir,
        .call_id = call_id,
        .opnum = call->have_request ? call->opnum : 0,
        .ctx_id = ctx_id,
        .little_endian = le,
        .ndr64 = pc ? pc->ndr64 : false,
        .sealed = r->sealed,
        .auth_type = r->auth_type,
        .auth_level = r->auth_level,
        .stub = stub,
        .stub_len = r->sealed ? 0 : stub_len,
        .wire_len = r->sealed ? r->wire_len : stub_len,
        .sealed_len = r->sealed ? stub_len : 0,
        .sealed_frags = r->frags && r->frags->len > 1 ? (const TwDcerpcSealedFrag *)r->frags->data : NULL,
        .n_sealed_frags = r->frags && r->frags->len > 1 ? r->frags->len : 0,
        .iface_uuid = pc ? pc->uuid : NULL,
        .iface_vmajor = pc ? pc->vmajor : 0,
        .iface_vminor = pc ? pc->vminor : 0,
        .iface = pc ? pc->iface : NULL,
        .call = call,
        .verifier_type = r->verifier_type,
        .verifier = r->verifier,
        .auth_conn = auth ? auth_conn(s, auth, false) : NULL,
        .hdr_tree = ctx->want_tree ? s->hdr_tree : NULL,
    };
    bool done = false;
    if (st.iface && st.iface->dissect)
        done = st.iface->dissect(&st);
    if (!done)
        generic_call_event(&st);
    if (dir == TW_DIR_RSP)
        call_drop(s, call_id);
}

static Reasm *reasm_find(TwDcerpcStream *s, int d, guint32 call_id, guint *index)
{
    for (guint i = 0; s->reasm[d] && i < s->reasm[d]->len; i++) {
        Reasm *r = g_ptr_array_index(s->reasm[d], i);
        if (r->call_id == call_id) {
            if (index)
                *index = i;
            return r;
        }
    }
    return NULL;
}

/* C706 12.6.3.1 / MS-RPCE 3.3.1.5.7: fragments of one call carry the same
 * call_id; FIRST_FRAG opens, LAST_FRAG closes.  The stub bodies are
 * concatenated; auth padding and verifiers are already stripped. */
static void handle_call_fragment(TwDcerpcStream *s, TwDissectCtx *ctx, guint8 ptype,
                                 guint8 flags, bool le, guint32 call_id, guint16 ctx_id,
                                 guint16 opnum, const guint8 *stub, gsize stub_len,
                                 const SecTrailer *t)
{
    int d = ptype == PT_REQUEST ? TW_DIR_REQ : TW_DIR_RSP;
    Reasm cur = { .call_id = call_id, .opnum = opnum, .ctx_id = ctx_id, .wire_len = stub_len };
    cur.auth_type = t->present ? t->type : 0;
    cur.auth_level = t->present ? t->level : 0;
    cur.sealed = t->present && t->level == AUTH_LEVEL_PRIVACY && t->type != AUTH_NONE;
    auth_verifier(s, ctx, t, call_id, &cur);

    bool first = flags & PFC_FIRST_FRAG, last = flags & PFC_LAST_FRAG;
    guint idx = 0;
    Reasm *r = reasm_find(s, d, call_id, &idx);
    if (first && last) {
        if (r) {
            tw_anomaly(ctx, PARSER, "dcerpc_fragment_abandoned",
                       "call_id %u restarted before its last fragment", call_id);
            g_ptr_array_remove_index(s->reasm[d], idx);
        }
        dispatch_stub(s, ctx, d, call_id, ctx_id, opnum, le, stub, stub_len, &cur);
        verifier_clear(&cur);
        return;
    }
    if (first) {
        if (r) {
            tw_anomaly(ctx, PARSER, "dcerpc_fragment_abandoned",
                       "call_id %u restarted before its last fragment", call_id);
            g_ptr_array_remove_index(s->reasm[d], idx);
        }
        if (!s->reasm[d])
            s->reasm[d] = g_ptr_array_new_with_free_func(reasm_free);
        if (s->reasm[d]->len >= TW_DCERPC_MAX_REASSEMBLY) {
            tw_anomaly(ctx, PARSER, "dcerpc_reassembly_limit",
                       "more than %u calls in reassembly", TW_DCERPC_MAX_REASSEMBLY);
            g_ptr_array_remove_index(s->reasm[d], 0);
        }
        r = g_new0(Reasm, 1);
        *r = cur;
        r->stub = g_byte_array_new();
        if (!r->sealed) {
            g_byte_array_append(r->stub, stub, (guint)stub_len);
        } else if (ctx->keys && r->verifier_type && stub_len <= TW_DCERPC_MAX_STUB) {
            /* kept so that a provider with keys can unseal each fragment */
            r->frags = g_array_new(FALSE, TRUE, sizeof(TwDcerpcSealedFrag));
            r->frag_type = r->verifier_type;
            TwDcerpcSealedFrag f = { 0, stub_len, r->verifier };
            g_array_append_val(r->frags, f);
            g_byte_array_append(r->stub, stub, (guint)stub_len);
        }
        g_ptr_array_add(s->reasm[d], r);
        return;
    }
    if (!r) {
        /* The capture began inside this call, or its first fragment was lost. */
        tw_count(ctx, "dcerpc.orphan_fragment", 1);
        verifier_clear(&cur);
        return;
    }
    r->sealed |= cur.sealed;
    r->wire_len += stub_len;
    if (r->frags && cur.sealed && cur.verifier_type == r->frag_type &&
        r->frags->len < TW_DCERPC_MAX_SEALED_FRAGS && stub_len <= TW_DCERPC_MAX_STUB - r->stub->len) {
        TwDcerpcSealedFrag f = { r->stub->len, stub_len, g_steal_pointer(&cur.verifier) };
        cur.verifier_type = NULL;
        g_array_append_val(r->frags, f);
        g_byte_array_append(r->stub, stub, (guint)stub_len);
    } else if (r->frags) {
        /* a fragment that cannot be kept: the call stays sealed */
        if (r->frags->len >= TW_DCERPC_MAX_SEALED_FRAGS)
            tw_count(ctx, "dcerpc.sealed_fragments_cap", 1);
        frags_clear(r);
        g_byte_array_set_size(r->stub, 0);
    }
    if (cur.verifier && !r->verifier) {
        r->verifier = g_steal_pointer(&cur.verifier);
        r->verifier_type = cur.verifier_type;
    }
    verifier_clear(&cur);
    if (!r->sealed) {
        if (stub_len > TW_DCERPC_MAX_STUB - r->stub->len) {
            tw_anomaly(ctx, PARSER, "dcerpc_stub_too_large", "call_id %u stub over %u bytes",
                       call_id, TW_DCERPC_MAX_STUB);
            g_ptr_array_remove_index(s->reasm[d], idx);
            return;
        }
        g_byte_array_append(r->stub, stub, (guint)stub_len);
    }
    if (last) {
        /* Steal the entry so dispatch can run with it out of the list. */
        Reasm *done = g_ptr_array_steal_index(s->reasm[d], idx);
        dispatch_stub(s, ctx, d, call_id, done->ctx_id, done->opnum, le, done->stub->data,
                      done->sealed && !done->frags ? 0 : done->stub->len, done);
        reasm_free(done);
    }
}

/* C706 12.6.4.7 fault. */
static void handle_fault(TwDcerpcStream *s, TwDissectCtx *ctx, TwCursor *c, bool le,
                         guint32 call_id)
{
    rd32(c, le);                 /* alloc_hint */
    guint16 ctx_id = rd16(c, le);
    tw_cursor_skip(c, 2);        /* cancel_count, reserved */
    guint32 status = rd32(c, le);
    if (!tw_cursor_ok(c)) {
        tw_anomaly(ctx, PARSER, "dcerpc_malformed", "fault: %s", tw_status_name(c->status));
        return;
    }
    TwDcerpcCall *call = call_get(s, ctx, call_id, false);
    PresCtx *pc = ctx_find(s, call && call->have_request ? call->ctx_id : ctx_id);
    TwEvent *ev = event_new(s, ctx, "dcerpc");
    tw_event_set_str(ev, "pdu", "fault");
    tw_event_set_int(ev, "call_id", call_id);
    tw_event_set_hex32(ev, "fault_status", status);
    const char *name = tw_dcerpc_fault_name(status);
    if (name)
        tw_event_set_str(ev, "fault_status_name", name);
    if (pc) {
        tw_event_set_str(ev, "uuid", pc->uuid);
        if (pc->iface)
            tw_event_set_str(ev, "interface", pc->iface->name);
    }
    if (call && call->have_request) {
        tw_event_set_int(ev, "opnum", call->opnum);
        if (pc && pc->iface && pc->iface->opnum_name) {
            const char *op = pc->iface->opnum_name(call->opnum);
            if (op)
                tw_event_set_str(ev, "op", op);
        }
        tw_event_set_int(ev, "reply_to", (gint64)call->req_frame);
        tw_dcerpc_copy_fields(ev, call->carry);
    }
    tw_emit(ctx, ev);
    call_drop(s, call_id);
    guint idx;
    if (reasm_find(s, TW_DIR_RSP, call_id, &idx))
        g_ptr_array_remove_index(s->reasm[TW_DIR_RSP], idx);
}

static void simple_event(TwDcerpcStream *s, TwDissectCtx *ctx, guint8 ptype, guint32 call_id,
                         const SecTrailer *t)
{
    TwEvent *ev = event_new(s, ctx, "dcerpc");
    tw_event_set_str(ev, "pdu", ptype_name(ptype));
    tw_event_set_int(ev, "call_id", call_id);
    if (t && t->present)
        set_auth_fields(s, ev, t->type, t->level);
    tw_emit(ctx, ev);
}

/* One complete PDU of frag_len bytes (already checked >= 16). */
static void handle_pdu(TwDcerpcStream *s, TwDissectCtx *ctx, const guint8 *pdu, gsize frag_len)
{
    s->seen_pdu = true;
    tw_count(ctx, "dcerpc.pdus", 1);
    TwCursor c = tw_cursor_init(pdu, frag_len);
    tw_cursor_skip(&c, 2); /* rpc_vers, rpc_vers_minor: checked by the framer */
    guint8 ptype = tw_cursor_u8(&c);
    guint8 flags = tw_cursor_u8(&c);
    guint8 drep0 = tw_cursor_u8(&c);
    tw_cursor_skip(&c, 3);
    bool le = (drep0 & 0x10) != 0; /* C706 14.1 integer representation */
    rd16(&c, le);                  /* frag_length */
    guint16 auth_len = rd16(&c, le);
    guint32 call_id = rd32(&c, le);

    gsize body_start = HDR_LEN;
    switch (ptype) {
    case PT_REQUEST: body_start += 8 + ((flags & PFC_OBJECT_UUID) ? 16 : 0); break;
    case PT_RESPONSE: body_start += 8; break;
    default: break;
    }
    if (body_start > frag_len) {
        tw_anomaly(ctx, PARSER, "dcerpc_malformed", "%s PDU shorter than its header",
                   ptype_name(ptype) ? ptype_name(ptype) : "unknown");
        return;
    }
    SecTrailer t;
    gsize body_end;
    if (!parse_sec_trailer(pdu, frag_len, auth_len, le, body_start, &t, &body_end)) {
        tw_anomaly(ctx, PARSER, "dcerpc_bad_auth_length",
                   "auth_length %u / padding does not fit frag_length %zu", auth_len, frag_len);
        return;
    }
    TwCursor body = tw_cursor_init(pdu, body_end); /* offsets relative to the PDU start */
    tw_cursor_skip(&body, HDR_LEN);
    if (ctx->want_tree)
        header_tree(s, pdu, frag_len, ptype, flags, le, auth_len, call_id, &t);

    switch (ptype) {
    case PT_REQUEST: {
        rd32(&body, le); /* alloc_hint */
        guint16 ctx_id = rd16(&body, le);
        guint16 opnum = rd16(&body, le);
        if (flags & PFC_OBJECT_UUID)
            tw_cursor_skip(&body, 16);
        handle_call_fragment(s, ctx, ptype, flags, le, call_id, ctx_id, opnum,
                             pdu + body_start, body_end - body_start, &t);
        break;
    }
    case PT_RESPONSE: {
        rd32(&body, le);
        guint16 ctx_id = rd16(&body, le);
        handle_call_fragment(s, ctx, ptype, flags, le, call_id, ctx_id, 0, pdu + body_start,
                             body_end - body_start, &t);
        break;
    }
    case PT_FAULT:
        handle_fault(s, ctx, &body, le, call_id);
        break;
    case PT_BIND:
    case PT_ALTER:
        handle_bind(s, ctx, &body, ptype, le, call_id, &t);
        break;
    case PT_BIND_ACK:
    case PT_ALTER_RESP:
        handle_bind_ack(s, ctx, &body, ptype, le, call_id, &t);
        break;
    case PT_BIND_NAK:
        handle_bind_nak(s, ctx, &body, le, call_id);
        break;
    case PT_AUTH3:
        simple_event(s, ctx, ptype, call_id, &t);
        auth_bind_token(s, ctx, &t, call_id);
        break;
    case PT_ORPHANED:
    case PT_CO_CANCEL: {
        guint idx;
        if (reasm_find(s, TW_DIR_REQ, call_id, &idx))
            g_ptr_array_remove_index(s->reasm[TW_DIR_REQ], idx);
        simple_event(s, ctx, ptype, call_id, NULL);
        break;
    }
    case PT_SHUTDOWN:
        simple_event(s, ctx, ptype, call_id, NULL);
        break;
    default:
        tw_count(ctx, "dcerpc.unhandled_ptype", 1);
        break;
    }
}

/* ---- framing ---------------------------------------------------------- */

static bool co_ptype(guint8 t)
{
    return t == PT_REQUEST || t == PT_RESPONSE || t == PT_FAULT || (t >= PT_BIND && t <= PT_ORPHANED);
}

/* C706 12.6.3.1 common header. */
bool tw_dcerpc_probe(const guint8 *data, gsize len)
{
    if (len < 10)
        return false;
    if (data[0] != 5 || data[1] > 1 || !co_ptype(data[2]))
        return false;
    /* packed_drep: integer 0/1 in the high nibble, character 0/1 in the low
     * nibble; floating point 0..3; two reserved octets. */
    if ((data[4] & 0xEE) != 0 || data[5] > 3)
        return false;
    guint16 fl = (data[4] & 0x10) ? (guint16)(data[8] | (data[9] << 8))
                                  : (guint16)((data[8] << 8) | data[9]);
    return fl >= HDR_LEN;
}

/* Bytes that are not a header where one must start.  A stream that never
 * carried DCE/RPC (a named pipe of another protocol) is given up quietly;
 * after valid PDUs it is an anomaly and the direction resynchronises. */
static TwFrameLen bad_header(TwDcerpcStream *s, TwDissectCtx *ctx)
{
    if (!s->seen_pdu) {
        s->not_rpc = true;
        tw_count(ctx, "dcerpc.not_rpc_stream", 1);
        return (TwFrameLen){ TW_FRAME_STOP, 0, 0 };
    }
    tw_anomaly(ctx, PARSER, "dcerpc_bad_header", "not a DCE/RPC CO header");
    return (TwFrameLen){ TW_FRAME_BAD, 1, 0 };
}

static guint16 hdr_frag_len(const guint8 *h)
{
    return (h[4] & 0x10) ? (guint16)(h[8] | (h[9] << 8)) : (guint16)((h[8] << 8) | h[9]);
}

/* C706 12.6.3.1: frag_length (octets 8-9, in the sender's byte order) is the
 * whole PDU's length. */
static TwFrameLen co_pdu_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    struct DcerpcDir *dd = user;
    if (avail < 10)
        return (TwFrameLen){ TW_FRAME_NEED, 10, 0 };
    if (!tw_dcerpc_probe(p, avail))
        return bad_header(dd->s, ctx);
    return (TwFrameLen){ TW_FRAME_RECORD, hdr_frag_len(p), 0 };
}

/* A position is judged only with a whole common header prefix in the same
 * feed; the bytes it cannot judge are passed over, not held. */
static TwProbe co_pdu_probe(void *user, const guint8 *p, gsize avail)
{
    return tw_dcerpc_probe(p, avail) ? TW_PROBE_YES : TW_PROBE_NO;
}

static bool co_pdu(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    struct DcerpcDir *dd = user;
    handle_pdu(dd->s, ctx, rec->p, rec->len);
    return true;
}

static void co_dropped(void *user, TwDissectCtx *ctx, guint64 n, TwFramerDrop why)
{
    if (why == TW_FRAMER_DROP_SCAN)
        tw_count(ctx, "dcerpc.resync_skipped_bytes", n);
}

static const TwFramerSpec co_framing = {
    .name = PARSER,
    .length = co_pdu_length,
    .record = co_pdu,
    .probe = co_pdu_probe,
    .probe_window = 10,
    .resync_keep = 0,
    .dropped = co_dropped,
    .max_record = G_MAXUINT16,
    .gap_exact = false, /* the SMB2 pipe path does not know the gap's length */
};

void tw_dcerpc_stream_feed(TwDcerpcStream *s, TwDissectCtx *ctx, int dir, const guint8 *data,
                           gsize len)
{
    if (!s || len == 0 || s->not_rpc)
        return;
    tw_framer_feed(&s->dir[dir == TW_DIR_RSP ? 1 : 0].framer, ctx, data, len);
}

void tw_dcerpc_stream_gap(TwDcerpcStream *s, TwDissectCtx *ctx, int dir)
{
    if (!s)
        return;
    int d = dir == TW_DIR_RSP ? 1 : 0;
    tw_framer_gap(&s->dir[d].framer, ctx, TW_FRAMER_GAP_UNKNOWN);
    if (s->reasm[d])
        g_ptr_array_set_size(s->reasm[d], 0);
    tw_count(ctx, "dcerpc.gaps", 1);
}

/* ---- TCP parser descriptor ------------------------------------------- */

static void *tcp_state_new(void)
{
    return tw_dcerpc_stream_new("tcp", NULL);
}

static void tcp_state_free(void *st)
{
    tw_dcerpc_stream_free(st);
}

static void tcp_feed(void *st, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                     gsize reported)
{
    tw_dcerpc_stream_feed(st, ctx, dir, data, len);
    TwDcerpcStream *s = st;
    gsize held = tw_dcerpc_stream_held(s);
    tw_mem_charge(ctx, (gint64)held - (gint64)s->charged);
    s->charged = held;
}

static void tcp_gap(void *st, TwDissectCtx *ctx, int dir, guint64 len)
{
    tw_dcerpc_stream_gap(st, ctx, dir);
}

static const guint16 dcerpc_tcp_ports[] = { 135, 0 };

const TwAppParser tw_dcerpc_tcp_parser = {
    .name = "dcerpc",
    .ipproto = 6,
    .ports = dcerpc_tcp_ports,
    .probe = tw_dcerpc_probe,
    .state_new = tcp_state_new,
    .state_free = tcp_state_free,
    .feed = tcp_feed,
    .gap = tcp_gap,
};
