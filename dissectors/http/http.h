/* http.h — HTTP/1.x (RFC 9112) as a carrier of authentication tokens:
 * RFC 4559 "Negotiate" (SPNEGO / Kerberos), the bare "Kerberos" scheme and
 * NTLM (MS-NTHT 2.2.2) in Authorization / WWW-Authenticate and their
 * Proxy-* twins (RFC 9110 11.6, 11.7).  Everything else about HTTP is only
 * framed (header blocks found, bodies skipped by length) and never copied. */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Safety caps: core/tw-limits.h. */

extern const TwAppParser tw_http_tcp_parser;
