/* krb5-keys.h — Kerberos with keys: which supplied key opens an encrypted
 * part, and the session keys learned along the chain, as Wireshark learns
 * them (RFC 4120 7.5.1 key usages; RFC 3961 decrypt-and-verify through
 * keys/keystore.h, which calls libkrb5's krb5_c_decrypt).
 *
 * Long-term keys (the key store: -K, --password, --nthash) open
 * PA-ENC-TIMESTAMP (usage 1) and AS-REP enc-parts (3) under the client's key
 * and tickets (2) under the service's.  What they open hands out session
 * keys, kept here across flows and carriers (a TGT learned on TCP 88 opens
 * the authenticator of a TGS-REQ on UDP, a service ticket's key the AP-REQ
 * inside SMB2):
 *   - by ticket: a KDC-REP's enc-part (or a decrypted ticket) gives the
 *     session key of its ticket; any later message that carries the same
 *     ticket (same cipher text, compared by SHA-256) uses that key for its
 *     authenticator (7 in PA-TGS-REQ, 11 in AP-REQ);
 *   - by client: a request's keys (TGT session key, authenticator subkey,
 *     AP-REQ session key) are what the reply to that client is under
 *     (TGS-REP 8/9, AP-REP 12, KRB-PRIV 13); they are kept per client
 *     address, newest first.
 * Every learned key is capped (TW_KRB5_MAX_SESSION_KEYS, oldest forgotten:
 * kerberos.session_keys_forgotten) and tried at most TW_KRB5_MAX_KEY_TRIES
 * times per encrypted part.  Nothing here formats a key except the teaching
 * view under --show-keys (TwDissectCtx.show_keys). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"
#include "keys/keystore.h"

/* What opened an encrypted part (or that nothing did). */
typedef struct {
    GBytes *plain;        /* (transfer full) the plain text; NULL: no key opened it */
    const TwKey *key;     /* the key that opened it: the store's (borrowed) or `owned` */
    TwKey *owned;         /* a learned key copied out of the session store */
    gint index;           /* its place among the long-term candidates, newest first; -1 */
    guint tried;          /* keys tried */
    guint generations;    /* long-term keys of that principal and enctype in the store */
    gint32 usage;         /* the key usage that opened it */
    char label[64];       /* long-term: the generation as the store names it ("kvno 3",
                           * "previous (kvno 2)"); learned: what the key is */
    guint64 key_frame;    /* learned keys: the frame they were learned in */
} TwKrbOpen;

void tw_krb5_open_clear(TwKrbOpen *o);

/* The teaching view of one attempt sequence: where the lines go. */
typedef struct {
    TwEvent *ev;
    bool tree;
    bool show_keys;
    guint td;             /* depth of the candidate lines */
} TwKrbTree;

/* Long-term keys of NAME (a principal's name part) in REALM for ETYPE, newest
 * first (higher kvno first; keys without a kvno in the order given), tried
 * with USAGE on the cipher text.  `want_kvno` >= 0: keys of that kvno are
 * tried first (a ticket names its key's kvno).  `any_principal`: when the
 * store has no key of NAME, every key of ETYPE is tried (Wireshark's way
 * for tickets whose service account the store does not name: "cifs/dc1"
 * is under DC1$'s key).  Returns true when one opened it. */
bool tw_krb5_open_longterm(TwDissectCtx *ctx, const TwKrbTree *t, const char *name, const char *realm,
                           gint32 etype, gint64 want_kvno, bool any_principal, gint32 usage,
                           const guint8 *cipher, gsize len, TwKrbOpen *out);

/* One key K (described as WHAT in the teaching view) tried with USAGE. */
bool tw_krb5_open_with(TwDissectCtx *ctx, const TwKrbTree *t, const TwKey *k, const char *what, gint32 usage,
                       const guint8 *cipher, gsize len, TwKrbOpen *out);

/* The session key learned for the ticket whose enc-part cipher text is
 * TICKET, tried with USAGE. */
bool tw_krb5_open_by_ticket(TwDissectCtx *ctx, const TwKrbTree *t, const guint8 *ticket, gsize tlen,
                            gint32 usage, const guint8 *cipher, gsize len, TwKrbOpen *out);

/* The keys learned for CLIENT (an address) that open USAGE, newest first. */
bool tw_krb5_open_for_client(TwDissectCtx *ctx, const TwKrbTree *t, const char *client, gint32 usage,
                             const guint8 *cipher, gsize len, TwKrbOpen *out);

/* As tw_krb5_open_for_client, each key first strengthened with the FAST
 * reply's strengthen-key (RFC 6113 5.4.3: KRB-FX-CF2(strengthen-key, reply
 * key, "strengthenkey", "replykey")). */
bool tw_krb5_open_for_client_strengthened(TwDissectCtx *ctx, const TwKrbTree *t, const char *client,
                                          gint32 usage, const TwKey *strengthen, const guint8 *cipher,
                                          gsize len, TwKrbOpen *out);

/* Learns a session key (RFC 4120 5.2.9 EncryptionKey): for TICKET (may be
 * NULL) and/or for CLIENT's replies under USAGE (0: none).  WHAT says what
 * the key is, for the teaching view ("session key of the TGT"). */
void tw_krb5_learn_key(TwDissectCtx *ctx, gint32 enctype, const guint8 *key, gsize klen,
                       const guint8 *ticket, gsize tlen, const char *client, gint32 usage,
                       const char *what);
/* Same, from a key already held (a learned or long-term one). */
void tw_krb5_learn_from(TwDissectCtx *ctx, const TwKey *k, const guint8 *ticket, gsize tlen,
                        const char *client, gint32 usage, const char *what);

/* The salt a KDC announced for NAME@REALM (PA-ETYPE-INFO2, PA-PW-SALT), in
 * the key store for password keys and here with its frame for the
 * teaching view. */
void tw_krb5_note_salt(TwDissectCtx *ctx, const char *name, const char *realm, const char *salt);
/* The salt learned for NAME@REALM and its frame, or NULL.
 * Returns: (transfer full) (nullable). */
char *tw_krb5_salt_of(const char *name, const char *realm, guint64 *frame);

/* "kvno 3", "previous (kvno 2)", "--nthash #1": a long-term key's generation
 * as NETLOGON names it (dissectors/netlogon/nl-session.c). */
void tw_krb5_key_label(const TwKey *k, guint i, char *out, gsize n);

/* The key bytes as hex for --show-keys, else "(hidden: --show-keys prints it)".
 * Returns: (transfer full). */
char *tw_krb5_key_shown(const TwKey *k, bool show);

/* Forgets every learned key and salt (end of a run, unit tests, fuzzers). */
void tw_krb5_keys_reset(void);
