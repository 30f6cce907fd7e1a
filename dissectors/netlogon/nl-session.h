/* nl-session.h — NETLOGON with keys: the secure channels of a capture
 * (challenges, session key, stored credential) followed across connections,
 * so that given the machine accounts' NT hashes the dissector can say which
 * generation a client's credential was computed with (MS-NRPC 3.1.4.1-3.1.4.5),
 * verify server credentials and authenticators, decrypt NetrServerPasswordSet2's
 * new password (3.5.4.4.5) and unseal sealed calls (3.3.4.2).
 *
 * Nothing here runs unless a secret lookup was installed: without keys the
 * dissector keeps no cross-connection state.  No key or password is ever put
 * into an event or a log; the teaching view shows the session key only when
 * show_keys was asked for (a lab). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dcerpc/dcerpc-call.h"

/* One generation of an account's secret, as the key store names it. */
typedef struct {
    guint8 nt_hash[16];
    char label[48]; /* e.g. "kvno 3 (current)", "previous"; never the key */
} TwNlSecret;

/* Fills out[0..max) with the NT hashes known for `account` (e.g. "WS01$"),
 * newest first; returns how many (0: none known).  It may return more than
 * max to say that some were left out. */
typedef guint (*TwNlSecretLookup)(void *user, const char *account, TwNlSecret *out, guint max);

/* Installs the key store's lookup (NULL: none, the default).  Set before the
 * first packet; `user` is borrowed for as long as it is installed. */
void tw_netlogon_set_secrets(TwNlSecretLookup fn, void *user);
/* The teaching view may show the session key (--show-keys, for a lab). */
void tw_netlogon_set_show_keys(bool show);
/* Forgets every channel (end of a run, unit tests). */
void tw_nl_sessions_reset(void);

/* netlogon.c's hooks. */

/* A sealed single-fragment call on a channel whose session key is known:
 * the clear stub (transfer full, g_free; *len its length) and the fields
 * unsealed/decrypted/nl_seq on ev.  NULL when it cannot be unsealed. */
guint8 *tw_nl_session_unseal(const TwDcerpcStub *st, TwEvent *ev, gsize *len);
/* NetrServerPasswordSet2's ClearNewPassword as read (516 bytes): decrypted
 * with the channel's session key into new_password_* fields. */
void tw_nl_session_trust_password(const TwDcerpcStub *st, TwEvent *ev, const guint8 pw[516]);
/* After a call's event is complete (its request's fields copied in): the
 * challenge bookkeeping and every check that keys allow. */
void tw_nl_session_after(const TwDcerpcStub *st, TwEvent *ev, TwEvent *carry);
