/* krb5.h — Kerberos V5 (RFC 4120) and kpasswd (RFC 3244) dissector.
 *
 * Transport parsers: tw_krb5_udp_parser / tw_krb5_tcp_parser (ports 88 and
 * 464; TCP uses the RFC 4120 7.2.2 record mark).  Other dissectors that carry
 * Kerberos inside GSS-API (SMB2 session setup, DCE/RPC auth verifiers, LDAP
 * SASL) call tw_krb5_parse_message() on the inner token.
 */
#pragma once

#include "core/krb5-names.h"
#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Caps: core/tw-limits.h (see docs/events.md). */

/* Message types (TW_KRB5_AS_REQ …) and name tables: core/krb5-names.h. */

/* Parses one Kerberos message (an APPLICATION-tagged DER value: AS-REQ … KRB-ERROR) starting at data and
 * returns its event (transfer full, NOT emitted; header stamped from ctx->pi), or NULL if the bytes are not a
 * Kerberos message (nothing emitted then). The caller sets ev->transport (e.g. "smb2") and extra fields, then
 * tw_emit()s it. `reported` >= len is the wire length (snaplen cut → TRUNCATED). */
TwEvent *tw_krb5_parse_message(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported);

/* True if the bytes start like a Kerberos message: an APPLICATION tag of a
 * known message type, constructed. */
bool tw_krb5_looks_like_message(const guint8 *data, gsize len);

extern const TwAppParser tw_krb5_udp_parser;
extern const TwAppParser tw_krb5_tcp_parser;
