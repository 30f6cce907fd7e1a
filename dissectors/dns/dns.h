/* dns.h — DNS (RFC 1035) read only as far as GSS-TSIG needs it: the header,
 * the question, and the TKEY (RFC 2930) and TSIG (RFC 8945) records of the
 * secure dynamic update every domain member does (RFC 3645).  The TKEY key
 * data is a GSS-API token (SPNEGO / Kerberos AP-REQ, AP-REP, KRB-ERROR),
 * handed to the GSS-API parser like any other carrier's. */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Safety caps: core/tw-limits.h. */

/* UDP: no port of its own (most DNS carries no token and would cost a flow
 * each); a probe finds the TKEY query (or, first seen, its response). */
extern const TwAppParser tw_dns_udp_parser;
/* TCP 53: the 2-byte length prefix of RFC 1035 4.2.2. */
extern const TwAppParser tw_dns_tcp_parser;
