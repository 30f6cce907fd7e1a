/* gssapi.h — GSS-API tokens as carried by SMB2 SESSION_SETUP, DCE/RPC auth
 * verifiers and LDAP SASL binds: the RFC 2743 3.1 InitialContextToken
 * framing, SPNEGO (RFC 4178) NegTokenInit/NegTokenResp, and what they wrap:
 * Kerberos (RFC 4121 4.1 token id 01 00 AP-REQ, 02 00 AP-REP, 03 00
 * KRB-ERROR) and NTLMSSP (MS-NLMP). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Safety caps: core/tw-limits.h. */

/* Called on each event the token yields before it is emitted, so the carrier
 * can add its own fields (e.g. SMB2 session id) and pairing. May be NULL. */
typedef void (*TwGssDecorateFn)(TwEvent *ev, void *user);

/* Dissects one security blob; emits "kerberos" and "ntlmssp" events stamped
 * with `transport`.  Returns the number of events emitted. */
guint tw_gssapi_dissect(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                        const char *transport, TwGssDecorateFn decorate, void *user);

/* What a blob was, for the carrier's own event (SMB2 SESSION_SETUP, LDAP bind). */
typedef struct {
    const char *spnego;    /* "negTokenInit" | "negTokenResp" | NULL when no SPNEGO */
    gint neg_state;        /* RFC 4178 4.2.2 negState 0..3, -1 when absent */
    char mech[64];         /* dotted OID: first mechType (init) or supportedMech (resp); "" */
    const char *mech_name; /* tw_gss_mech_name(mech) or NULL */
    const char *inner;     /* "kerberos" | "ntlmssp" | NULL: what the token carried */
    bool has_mic;          /* mechListMIC present */
    TwStatus status;       /* first decoding problem, TW_OK when clean */
} TwGssSummary;

/* As tw_gssapi_dissect, and fills *summary (may be NULL). */
guint tw_gssapi_dissect_ex(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                           const char *transport, TwGssDecorateFn decorate, void *user,
                           TwGssSummary *summary);

/* As tw_gssapi_dissect_ex; with the teaching view the wrapper's lines
 * (GSS-API framing, SPNEGO) come before each inner event's, and also go
 * into `host` (the carrier's own event, may be NULL) at host_depth. */
guint tw_gssapi_dissect_host(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                             const char *transport, TwGssDecorateFn decorate, void *user,
                             TwGssSummary *summary, TwEvent *host, guint host_depth);

/* "kerberos" | "ms-kerberos" | "kerberos-u2u" | "ntlmssp" | "negoex" | "spnego" | NULL.
 * Returns: (transfer none) (nullable): a static string. */
const char *tw_gss_mech_name(const char *dotted_oid);
/* RFC 4178 4.2.2: "accept-completed" … "request-mic", NULL when out of range
 * (transfer none: static). */
const char *tw_spnego_neg_state_name(gint64 state);

/* DCE/RPC bind_token hook of the GSS-API auth types (gssapi-dcerpc.c):
 * dissects a bind/alter_context/auth3 token, events tagged dcerpc_call_id. */
typedef struct TwDcerpcAuthToken TwDcerpcAuthToken;
void tw_gssapi_dcerpc_token(const TwDcerpcAuthToken *tok);

/* LDAP (RFC 4511 4.2) bind carrier on TCP 389/3268. */
extern const TwAppParser tw_ldap_tcp_parser;
