/* dcerpc-call.h — what the DCE/RPC layer hands to the interface dissectors
 * (NETLOGON, EPM): one reassembled request or response stub with everything
 * known about its call, and the pairing record shared by both directions.
 * Internal to dissectors/dcerpc and dissectors/netlogon. */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Caps: core/tw-limits.h. */

typedef enum {
    TW_IFACE_OTHER = 0,
    TW_IFACE_NETLOGON,
    TW_IFACE_EPM,
} TwIfaceKind;

typedef struct {
    const char *uuid; /* canonical lower-case text */
    guint16 vmajor;
    const char *name;
    TwIfaceKind kind;
} TwDcerpcIface;

/* Looks the interface up by UUID (and major version when several share a UUID). */
const TwDcerpcIface *tw_dcerpc_iface_lookup(const char *uuid, guint16 vmajor);

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
    /* Interface-private state from the request (e.g. the query level a
     * response union depends on). */
    guint32 req_level;
} TwDcerpcCall;

typedef struct {
    TwDissectCtx *ctx;
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
    const char *iface_uuid; /* may be NULL when the bind was not seen */
    guint16 iface_vmajor, iface_vminor;
    const TwDcerpcIface *iface; /* may be NULL */
    TwDcerpcCall *call;         /* never NULL */
    /* NL_AUTH_SIGNATURE of this PDU (MS-NRPC 2.2.1.3.2), if any. */
    bool has_nl_sig;
    guint16 nl_sign_alg, nl_seal_alg;
    /* Names from the schannel bind token of this connection (NULL if none). */
    const char *nl_auth_domain, *nl_auth_host, *nl_auth_dns_domain, *nl_auth_dns_host;
} TwDcerpcStub;

/* A new event stamped with the stream's transport, call_id and, for a
 * response, reply_to = request frame. */
TwEvent *tw_dcerpc_stub_event(const TwDcerpcStub *st, const char *proto);
/* Copies every field of `from` that `to` lacks. */
void tw_dcerpc_copy_fields(TwEvent *to, const TwEvent *from);

/* Interface dissectors (return true when they emitted the call's event). */
bool tw_epm_dissect(const TwDcerpcStub *st);
bool tw_netlogon_dissect(const TwDcerpcStub *st);
const char *tw_netlogon_opnum_name(guint16 opnum);
