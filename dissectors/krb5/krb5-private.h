/* krb5-private.h — shared between the Kerberos message parser and its transports. */
#pragma once

#include "krb5.h"

/* As tw_krb5_parse_message; `kpasswd` says the message came inside a kpasswd
 * (RFC 3244) frame, where a KRB-ERROR's e-data is a result code + string.
 * Returns: (transfer full) (nullable): the un-emitted event, free with
 * tw_event_free() or hand to tw_emit(); NULL when not a Kerberos message. */
TwEvent *tw_krb5_parse_message_full(TwDissectCtx *ctx, const guint8 *data, gsize len,
                                    gsize reported, bool kpasswd);
