/* krb5.h — Kerberos V5 (RFC 4120) and kpasswd (RFC 3244) dissector.
 *
 * Transport parsers: tw_krb5_udp_parser / tw_krb5_tcp_parser (ports 88 and
 * 464; TCP uses the RFC 4120 7.2.2 record mark).  Other dissectors that carry
 * Kerberos inside GSS-API (SMB2 session setup, DCE/RPC auth verifiers, LDAP
 * SASL) call tw_krb5_parse_message() on the inner token.
 */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Caps: core/tw-limits.h (see docs/events.md). */

/* RFC 4120 5.10 message types. */
enum {
    TW_KRB5_AS_REQ = 10,
    TW_KRB5_AS_REP = 11,
    TW_KRB5_TGS_REQ = 12,
    TW_KRB5_TGS_REP = 13,
    TW_KRB5_AP_REQ = 14,
    TW_KRB5_AP_REP = 15,
    TW_KRB5_SAFE = 20,
    TW_KRB5_PRIV = 21,
    TW_KRB5_CRED = 22,
    TW_KRB5_ERROR = 30,
};

/* Parses one Kerberos message (an APPLICATION-tagged DER value: AS-REQ … KRB-ERROR) starting at data and
 * returns its event (transfer full, NOT emitted; header stamped from ctx->pi), or NULL if the bytes are not a
 * Kerberos message (nothing emitted then). The caller sets ev->transport (e.g. "smb2") and extra fields, then
 * tw_emit()s it. `reported` >= len is the wire length (snaplen cut → TRUNCATED). */
TwEvent *tw_krb5_parse_message(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported);

/* Name tables (static strings; NULL when unknown). */
const char *tw_krb5_msg_name(gint64 msg_type);           /* "AS-REQ" … "KRB-ERROR" */
const char *tw_krb5_error_name(gint64 code);             /* RFC 4120 7.5.9: "KRB_AP_ERR_SKEW" */
const char *tw_krb5_error_cause(gint64 code);            /* what usually causes it */
const char *tw_krb5_padata_name(gint64 type);            /* "PA-ENC-TIMESTAMP" */
const char *tw_krb5_kpasswd_result_name(gint64 code);    /* RFC 3244 2: "KRB5_KPASSWD_SUCCESS" */

/* True if the bytes start like a Kerberos message: an APPLICATION tag of a
 * known message type, constructed. */
bool tw_krb5_looks_like_message(const guint8 *data, gsize len);

extern const TwAppParser tw_krb5_udp_parser;
extern const TwAppParser tw_krb5_tcp_parser;
