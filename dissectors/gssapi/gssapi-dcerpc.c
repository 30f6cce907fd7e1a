/* gssapi-dcerpc.c — GSS-API security providers of DCE/RPC (MS-RPCE
 * 2.2.1.1.7: SPNEGO 0x09, NTLMSSP 0x0a, Kerberos 0x10), the bind_token hook
 * registered for them in dissectors/dcerpc-registry/dcerpc-registry.c. */
#include "gssapi.h"

#include "dissectors/dcerpc/dcerpc-call.h"

static void decorate_call_id(TwEvent *ev, void *user)
{
    const guint32 *call_id = user;
    tw_event_set_int(ev, "dcerpc_call_id", *call_id);
}

/* MS-RPCE 3.3.1.5.2: the tokens of bind, alter_context, their responses and
 * auth3 are the security provider's own (a GSS-API/SPNEGO blob, raw NTLMSSP
 * or a Kerberos AP-REQ/AP-REP); each yields its "kerberos"/"ntlmssp" events,
 * tagged with the DCE/RPC call_id. */
void tw_gssapi_dcerpc_token(const TwDcerpcAuthToken *tok)
{
    guint32 call_id = tok->call_id;
    tw_gssapi_dissect(tok->ctx, tok->value, tok->value_len, tok->value_len, tok->transport,
                      decorate_call_id, &call_id);
}
