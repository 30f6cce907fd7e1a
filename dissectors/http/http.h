/* http.h — HTTP/1.x (RFC 9112) as a carrier of authentication tokens:
 * RFC 4559 "Negotiate" (SPNEGO / Kerberos), the bare "Kerberos" scheme and
 * NTLM (MS-NTHT 2.2.2) in Authorization / WWW-Authenticate and their
 * Proxy-* twins (RFC 9110 11.6, 11.7).  Everything else about HTTP is only
 * framed (header blocks found, bodies skipped by length) and never copied. */
#pragma once

#include "dissectors/dissect.h"

/* Safety caps. */
#define TW_HTTP_MAX_HEADER_BLOCK (64 * 1024) /* start line + fields; AD MaxTokenSize 48000 → 64000 base64 */
#define TW_HTTP_MAX_TOKEN (48 * 1024)        /* decoded bytes of one auth token */
#define TW_HTTP_MAX_AUTH_FIELDS 8            /* auth fields looked at per message */
#define TW_HTTP_MAX_PENDING 64               /* pipelined requests awaiting a response, per flow */
#define TW_HTTP_MAX_CHUNK_LINE 1024          /* chunk-size line with extensions */
#define TW_HTTP_MAX_TRAILER (16 * 1024)      /* chunked trailer section, skipped */
#define TW_HTTP_MAX_URI 512                  /* request-target bytes kept in events */
#define TW_HTTP_MAX_METHOD 20                /* longest method token recognised */

extern const TwAppParser tw_http_tcp_parser;
