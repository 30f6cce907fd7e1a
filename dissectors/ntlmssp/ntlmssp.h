/* ntlmssp.h — NTLM authentication messages (MS-NLMP 2.2.1).  Depends on
 * core/ only; GSS-API/SPNEGO (dissectors/gssapi) calls into it, never the
 * other way round. */
#pragma once

#include "dissectors/dissect.h"

/* NTLMSSP (MS-NLMP 2.2.1): parses one message starting with "NTLMSSP\0" and
 * returns its un-emitted "ntlmssp" event (transport "tcp" from ctx->pi; the
 * caller stamps its own), or NULL when the bytes are not NTLMSSP.
 * (transfer full) */
TwEvent *tw_ntlmssp_parse(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported);
/* True if data starts with the NTLMSSP signature. */
bool tw_ntlmssp_looks_like(const guint8 *data, gsize len);
