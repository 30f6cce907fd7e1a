/* dcerpc-call.h — the call API of the DCE/RPC layer: what it hands to the
 * interface dissectors (one reassembled request or response stub with
 * everything known about its call) and to the security providers (the
 * auth_value of a sec_trailer), and the registry both plug into.
 *
 * The registry (one table, in the spirit of Wireshark's dcerpc_init_uuid) is
 * the only place that names interfaces and auth types: dcerpc.c looks the
 * bound abstract syntax up there and calls the entry's decoder; it never
 * includes an interface's header.  Interface modules (NETLOGON, EPM, …)
 * include this file and ndr.h, never the other way round. */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Caps: core/tw-limits.h. */

typedef struct TwDcerpcStub TwDcerpcStub;

/* ---- interfaces ------------------------------------------------------ */

/* One interface: its abstract syntax (C706 12.6.3.1 p_syntax_id_t) and what
 * decodes it.  An entry with no decoder only names the interface. */
typedef struct {
    const char *uuid; /* canonical lower-case text */
    guint16 vmajor;
    const char *name;
    /* Decodes one request or response stub and emits the call's event;
     * returns false to have dcerpc emit the generic event instead (e.g. an
     * opnum it does not decode).  NULL: always the generic event. */
    bool (*dissect)(const TwDcerpcStub *st);
    /* Method name of an opnum (named on faults), NULL if unknown.  May be NULL. */
    const char *(*opnum_name)(guint16 opnum);
} TwDcerpcIface;

/* ---- security providers (auth_type) ---------------------------------- */

/* One auth_value (MS-RPCE 2.2.2.11 sec_trailer + token) as dcerpc found it. */
typedef struct TwDcerpcAuthToken TwDcerpcAuthToken;
struct TwDcerpcAuthToken {
    TwDissectCtx *ctx;
    const char *transport; /* "tcp" | "smb2" */
    guint32 call_id;
    guint8 auth_type, auth_level;
    const guint8 *value;
    gsize value_len;
    /* The provider's state on this connection (from conn_new; NULL when it
     * has none). */
    void *conn;
};

/* One auth_type (MS-RPCE 2.2.1.1.7).  Every hook may be NULL. */
typedef struct {
    guint8 auth_type;
    const char *name; /* auth_type_name in events */
    /* Per-connection state, created when the first bind-time token of this
     * type is seen on a stream and freed with the stream. (transfer full) */
    void *(*conn_new)(void);
    void (*conn_free)(void *conn);
    /* bind, alter_context and their responses: adds what the token says to
     * the PDU's event, before it is emitted. */
    void (*bind_fields)(const TwDcerpcAuthToken *tok, TwEvent *ev);
    /* bind, alter_context, their responses and auth3: dissects the token
     * after the PDU's event was emitted (may emit events of its own). */
    void (*bind_token)(const TwDcerpcAuthToken *tok);
    /* request/response fragments: reads the verifier (e.g. a signature
     * header) into per-call state, NULL when there is nothing to keep.  The
     * first fragment of a call that yields state wins. (transfer full) */
    void *(*verifier_new)(const TwDcerpcAuthToken *tok);
    void (*verifier_free)(void *verifier);
} TwDcerpcAuthType;

/* ---- the registry ----------------------------------------------------- */

typedef struct {
    const TwDcerpcIface *ifaces; /* lookup order: first exact (uuid, vmajor) match */
    gsize n_ifaces;
    const TwDcerpcAuthType *auth_types;
    gsize n_auth_types;
} TwDcerpcRegistry;

/* The built-in registry (dissectors/dcerpc-registry/dcerpc-registry.c):
 * every interface and auth type the tool knows.  Streams use it unless given another. */
extern const TwDcerpcRegistry tw_dcerpc_registry;

/* Looks the interface up by UUID and major version; an interface known by
 * UUID but bound with another major version is still that interface.
 * NULL when unknown. (transfer none) */
const TwDcerpcIface *tw_dcerpc_registry_iface(const TwDcerpcRegistry *r, const char *uuid,
                                              guint16 vmajor);
/* The entry of an auth_type, NULL when unknown. (transfer none) */
const TwDcerpcAuthType *tw_dcerpc_registry_auth(const TwDcerpcRegistry *r, guint8 auth_type);
/* tw_dcerpc_registry_iface on the built-in registry. (transfer none) */
const TwDcerpcIface *tw_dcerpc_iface_lookup(const char *uuid, guint16 vmajor);

/* ---- one call ------------------------------------------------------- */

/* The pairing record of one call, created by its request (or by its
 * response when the request was not captured). */
typedef struct {
    guint32 call_id;
    guint16 ctx_id;
    guint16 opnum;
    bool have_request;
    guint64 req_frame;
    gint64 req_ts_us;
    /* Fields the interface dissector copies from the request event into
     * the response event, so each stands alone (owned; may be NULL). */
    TwEvent *carry;
} TwDcerpcCall;

/* One fragment of a call sealed over several fragments: its ciphertext is
 * stub[off, off + len) and `verifier` (what the provider's verifier_new read
 * from that fragment's sec_trailer) seals it alone — MS-RPCE 3.3.1.5.2 signs
 * and seals each PDU, MS-NRPC 3.3.4.2 with one sequence number per PDU. */
typedef struct {
    gsize off, len;
    const void *verifier; /* NULL when that fragment's verifier was unreadable */
} TwDcerpcSealedFrag;

struct TwDcerpcStub {
    TwDissectCtx *ctx;
    const TwDcerpcRegistry *registry; /* the stream's registry (never NULL) */
    const char *transport; /* "tcp" | "smb2" */
    const char *pipe;      /* SMB2 pipe name or NULL */
    int dir;               /* TW_DIR_REQ: request PDU, TW_DIR_RSP: response */
    guint32 call_id;
    guint16 opnum;
    guint16 ctx_id;
    bool little_endian;
    bool ndr64;
    bool sealed;           /* auth level privacy: the stub is ciphertext */
    guint8 auth_type, auth_level;
    const guint8 *stub;
    gsize stub_len;  /* 0 when sealed: ciphertext is not handed on */
    gsize wire_len;  /* stub bytes on the wire (ciphertext length when sealed) */
    /* Sealed: `stub` points at the ciphertext, this long; 0 when it was not
     * kept.  In one fragment one verifier (`verifier`) seals it all; over
     * several fragments (kept only with a key store, ctx->keys) each of the
     * n_sealed_frags pieces has its own (n_sealed_frags is 0 for one). */
    gsize sealed_len;
    const TwDcerpcSealedFrag *sealed_frags;
    guint n_sealed_frags;
    const char *iface_uuid; /* may be NULL when the bind was not seen */
    guint16 iface_vmajor, iface_vminor;
    const TwDcerpcIface *iface; /* may be NULL */
    TwDcerpcCall *call;         /* never NULL */
    /* What verifier_type->verifier_new read from this call's verifier
     * (owned by dcerpc; NULL if none). */
    const TwDcerpcAuthType *verifier_type;
    const void *verifier;
    /* The state of auth_type's provider on this connection (NULL if none). */
    const void *auth_conn;
    /* Teaching view: the PDU's header lines (dcerpc.c), put first in every
     * event made with tw_dcerpc_stub_event; NULL without the tree. */
    const TwEvent *hdr_tree;
};

/* A new event stamped with the stream's transport. (transfer full) */
TwEvent *tw_dcerpc_stub_event(const TwDcerpcStub *st, const char *proto);
/* Copies every field of `from` that `to` lacks. */
void tw_dcerpc_copy_fields(TwEvent *to, const TwEvent *from);
