/* nl-session.h — NETLOGON with keys: the secure channels of a capture
 * (challenges, session key, stored credential) followed across connections,
 * so that given the machine accounts' NT hashes the dissector can say which
 * generation a client's credential was computed with (MS-NRPC 3.1.4.1-3.1.4.5),
 * verify server credentials and authenticators, decrypt NetrServerPasswordSet2's
 * new password (3.5.4.4.5) and unseal sealed calls (3.3.4.2).
 *
 * The secrets are the NT hashes of the key store (TwDissectCtx.keys,
 * keys/keystore.h tw_keystore_nthashes: -K keytabs' RC4 entries, --nthash,
 * --password).  Nothing here runs without a key store: the dissector then
 * keeps no cross-connection state.  No key or password is ever put into an
 * event or a log; the teaching view shows the session key only with
 * --show-keys (TwDissectCtx.show_keys, a lab). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dcerpc/dcerpc-call.h"

/* One generation of an account's secret, as the key store names it. */
typedef struct {
    guint8 nt_hash[16];
    char label[48]; /* "previous (kvno 2)", "kvno 3", "--nthash #1"; never the key */
} TwNlSecret;

/* Forgets every channel (end of a run, unit tests). */
void tw_nl_sessions_reset(void);

/* netlogon.c's hooks. */

/* A sealed call (one fragment, or several each sealed by its own
 * NL_AUTH_SIGNATURE: TwDcerpcStub.sealed_frags) on a channel whose session key is known:
 * the clear stub (transfer full, g_free; *len its length) and the fields
 * unsealed/decrypted/nl_seq on ev.  NULL when it cannot be unsealed. */
guint8 *tw_nl_session_unseal(const TwDcerpcStub *st, TwEvent *ev, gsize *len);
/* NetrServerPasswordSet2's ClearNewPassword as read (516 bytes): decrypted
 * with the channel's session key into new_password_* fields. */
void tw_nl_session_trust_password(const TwDcerpcStub *st, TwEvent *ev, const guint8 pw[516]);
/* After a call's event is complete (its request's fields copied in): the
 * challenge bookkeeping and every check that keys allow. */
void tw_nl_session_after(const TwDcerpcStub *st, TwEvent *ev, TwEvent *carry);
