/* nl-session.c — NETLOGON secure channels followed with keys (nl-session.h). */
#include "nl-session.h"

#include <string.h>

#include "keys/keystore.h"
#include "nl-auth.h"
#include "nl-crypto.h"

#define PARSER "netlogon"

/* One secure channel: client address, DC address, computer name. */
typedef struct {
    char *key;
    /* 3.1.4.1 steps 1-2: the last challenges of this client and computer */
    guint8 cc[8], sc[8];
    bool have_cc, have_sc;
    guint64 cc_frame, sc_frame;
    /* An Authenticate request whose credential one generation matched,
     * awaiting its response. */
    bool pending;
    TwNlAlg pending_alg;
    guint8 pending_sk[16], pending_cred[8];
    char pending_label[48];
    /* 3.1.4.5: an authenticated channel. */
    bool established;
    TwNlAlg alg;
    guint8 sk[16], stored[8];
    /* The channel's key before its last Authenticate: a connection bound
     * with schannel keeps sealing with the key of its bind when the client
     * authenticates again inside it (Samba's netlogon_creds_cli re-auth
     * before NetrServerPasswordSet2, `net rpc changetrustpw`), while the
     * calls' authenticators and ClearNewPassword use the new one. */
    bool have_prev;
    TwNlAlg prev_alg;
    guint8 prev_sk[16];
    char label[48];
    guint64 auth_frame;
    /* the Timestamp of the last request's authenticator, awaiting its return authenticator */
    bool have_ts;
    guint32 ts;
    bool ts_ok;
} NlChannel;

static struct {
    GMutex lock;
    GHashTable *channels; /* key -> NlChannel* */
    GQueue order;         /* keys, oldest first (borrowed from the channels) */
} S;

static void channel_free(void *p)
{
    NlChannel *c = p;
    memset(c->sk, 0, sizeof c->sk);
    memset(c->prev_sk, 0, sizeof c->prev_sk);
    memset(c->pending_sk, 0, sizeof c->pending_sk);
    g_free(c->key);
    g_free(c);
}

/* The NT hashes of `account` in the key store (keys/keystore.h), newest
 * first: a higher kvno first, keys without one in the order given.  Returns
 * how many the store has (may exceed max). */
static gint kvno_desc(gconstpointer a, gconstpointer b)
{
    guint32 ka = tw_key_kvno(*(TwKey *const *)a), kb = tw_key_kvno(*(TwKey *const *)b);
    if (!ka || !kb)
        return 0;
    return ka > kb ? -1 : ka < kb;
}

static guint secrets_for(TwKeyStore *ks, const char *account, TwNlSecret *out, guint max)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    tw_keystore_nthashes(ks, account, keys);
    /* g_ptr_array_sort is not stable: an insertion sort keeps the order given */
    for (guint i = 1; i < keys->len; i++)
        for (guint j = i; j > 0 && kvno_desc(&keys->pdata[j - 1], &keys->pdata[j]) > 0; j--) {
            gpointer t = keys->pdata[j];
            keys->pdata[j] = keys->pdata[j - 1];
            keys->pdata[j - 1] = t;
        }
    guint n = 0;
    for (guint i = 0; i < keys->len && n < max; i++) {
        const TwKey *k = keys->pdata[i];
        gsize len = 0;
        const guint8 *m = tw_key_material(k, &len);
        if (!m || len != 16)
            continue;
        memcpy(out[n].nt_hash, m, 16);
        const char *label = tw_key_label(k);
        guint32 kvno = tw_key_kvno(k);
        if (label && kvno)
            g_snprintf(out[n].label, sizeof out[n].label, "%s (kvno %u)", label, kvno);
        else if (label)
            g_strlcpy(out[n].label, label, sizeof out[n].label);
        else if (kvno)
            g_snprintf(out[n].label, sizeof out[n].label, "kvno %u", kvno);
        else
            g_snprintf(out[n].label, sizeof out[n].label, "%s #%u", tw_key_source(k), i + 1);
        n++;
    }
    return MAX(n, keys->len);
}

void tw_nl_sessions_reset(void)
{
    g_mutex_lock(&S.lock);
    if (S.channels)
        g_hash_table_destroy(S.channels);
    S.channels = NULL;
    g_queue_clear(&S.order);
    g_mutex_unlock(&S.lock);
}

/* ---- the table (callers hold S.lock) ----------------------------------- */

static char *channel_key(const TwDcerpcStub *st, const char *computer)
{
    const TwPacketInfo *pi = st->ctx->pi;
    const char *client = "", *server = "";
    if (pi) {
        client = st->dir == TW_DIR_REQ ? pi->src : pi->dst;
        server = st->dir == TW_DIR_REQ ? pi->dst : pi->src;
    }
    g_autofree char *up = g_utf8_strup(computer, -1);
    return g_strdup_printf("%s|%s|%s", client, server, up);
}

static NlChannel *channel_get(const TwDcerpcStub *st, const char *computer, bool create)
{
    if (!computer || !*computer)
        return NULL;
    g_autofree char *key = channel_key(st, computer);
    if (!S.channels)
        S.channels = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, channel_free);
    NlChannel *c = g_hash_table_lookup(S.channels, key);
    if (c || !create)
        return c;
    if (g_hash_table_size(S.channels) >= TW_NL_SESSIONS_MAX) {
        char *old = g_queue_pop_head(&S.order);
        g_hash_table_remove(S.channels, old);
        tw_count(st->ctx, "netlogon.sessions_evicted", 1);
        tw_anomaly(st->ctx, PARSER, "limit", "more than %u NETLOGON secure channels: the oldest is forgotten",
                   TW_NL_SESSIONS_MAX);
    }
    c = g_new0(NlChannel, 1);
    c->key = g_steal_pointer(&key);
    g_hash_table_insert(S.channels, c->key, c);
    g_queue_push_tail(&S.order, c->key);
    return c;
}

/* ---- helpers ------------------------------------------------------------ */

static bool unhex8(const char *h, guint8 out[8])
{
    if (!h || strlen(h) != 16)
        return false;
    for (int i = 0; i < 8; i++) {
        int a = g_ascii_xdigit_value(h[2 * i]), b = g_ascii_xdigit_value(h[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (guint8)((a << 4) | b);
    }
    return true;
}

static void hex_short(const guint8 *b, gsize n, char *out, gsize out_len)
{
    /* the teaching view's shortened value: the first 4 bytes then "…" */
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n && i < 4; i++)
        g_string_append_printf(s, "%02x", b[i]);
    if (n > 4)
        g_string_append(s, "…");
    g_strlcpy(out, s->str, out_len);
    g_string_free(s, TRUE);
}

static void hex_full(const guint8 *b, gsize n, char *out, gsize out_len)
{
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", b[i]);
    g_strlcpy(out, s->str, out_len);
    g_string_free(s, TRUE);
}

static const char *account_of(const TwEvent *ev, char *buf, gsize n)
{
    const char *a = tw_event_get_str(ev, "account");
    if (a)
        return a;
    const char *c = tw_event_get_str(ev, "computer");
    if (!c)
        c = tw_event_get_str(ev, "nl_auth_host");
    if (!c)
        return NULL;
    g_snprintf(buf, n, "%s$", c);
    return buf;
}

static const char *computer_of(const TwEvent *ev)
{
    const char *c = tw_event_get_str(ev, "computer");
    return c ? c : tw_event_get_str(ev, "nl_auth_host");
}

/* 3.1.4.3 formulas in words, for the teaching view. */
static const char *session_key_formula(TwNlAlg alg)
{
    switch (alg) {
    case TW_NL_ALG_AES: return "HMAC-SHA256(SharedSecret, ClientChallenge‖ServerChallenge)[0..15] (3.1.4.3.1)";
    case TW_NL_ALG_STRONG: return "HMAC-MD5(SharedSecret, MD5(0⁴‖ClientChallenge‖ServerChallenge)) (3.1.4.3.2)";
    case TW_NL_ALG_DES: return "DES(DES(ClientChallenge+ServerChallenge, SharedSecret[0..6]), SharedSecret[9..15]) (3.1.4.3.3)";
    }
    return "";
}

static const char *credential_formula(TwNlAlg alg)
{
    return alg == TW_NL_ALG_AES ? "AES-128-CFB8(SessionKey, IV 0, ClientChallenge) (3.1.4.4.1)"
                                : "DES(DES(ClientChallenge, SessionKey[0..6]), SessionKey[7..13]) (3.1.4.4.2)";
}

/* ---- NetrServerAuthenticate* ------------------------------------------- */

/* What one Authenticate request's recomputation found, for its tree. */
typedef struct {
    guint tried;
    int match;        /* index into secrets, -1 none */
    TwNlAlg alg;      /* of the match, else the one the flags chose */
    guint8 sk[16];    /* of the match, else of the newest generation */
    guint8 computed[8];
} Recompute;

static void authenticate_request(const TwDcerpcStub *st, TwEvent *ev, TwEvent *carry, NlChannel *c)
{
    guint8 observed[8];
    char abuf[80];
    const char *account = account_of(ev, abuf, sizeof abuf);
    if (!c || !c->have_cc || !c->have_sc || !account ||
        !unhex8(tw_event_get_str(ev, "client_credential"), observed))
        return;
    c->pending = false;
    TwNlSecret secrets[TW_NL_GENERATIONS_MAX];
    guint n = secrets_for(st->ctx->keys, account, secrets, TW_NL_GENERATIONS_MAX);
    if (n > TW_NL_GENERATIONS_MAX) {
        tw_count(st->ctx, "netlogon.generations_dropped", n - TW_NL_GENERATIONS_MAX);
        n = TW_NL_GENERATIONS_MAX;
    }
    if (n == 0)
        return;
    /* NetrServerAuthenticate (v1) has no flags: the oldest algorithm. */
    guint32 flags = (guint32)tw_event_get_int(ev, "negotiate_flags", 0);
    TwNlAlg want = tw_nl_alg_for_flags(flags);
    /* The flags' algorithm first; then the others, so that a client that
     * computed with another algorithm than it offered is still named. */
    TwNlAlg order[3] = { want, TW_NL_ALG_AES, TW_NL_ALG_STRONG };
    if (want == TW_NL_ALG_AES)
        order[1] = TW_NL_ALG_DES;
    else if (want == TW_NL_ALG_STRONG)
        order[2] = TW_NL_ALG_DES;
    Recompute r = { .match = -1, .alg = want };
    for (guint a = 0; a < 3 && r.match < 0; a++) {
        for (guint i = 0; i < n && r.match < 0; i++) {
            guint8 sk[16], cred[8];
            tw_nl_session_key(order[a], secrets[i].nt_hash, c->cc, c->sc, sk);
            tw_nl_credential(order[a], sk, c->cc, cred);
            if (a == 0 && i == 0) {
                memcpy(r.sk, sk, 16);
                memcpy(r.computed, cred, 8);
            }
            if (memcmp(cred, observed, 8) == 0) {
                r.match = (int)i;
                r.alg = order[a];
                memcpy(r.sk, sk, 16);
                memcpy(r.computed, cred, 8);
            }
            memset(sk, 0, sizeof sk);
        }
    }
    r.tried = n;
    TwEvent *targets[2] = { ev, carry };
    for (int t = 0; t < 2; t++) {
        if (!targets[t])
            continue;
        tw_event_set_bool(targets[t], "decrypted", TRUE);
        tw_event_set_int(targets[t], "credential_generations_tried", n);
        tw_event_set_int(targets[t], "client_challenge_frame", (gint64)c->cc_frame);
        tw_event_set_int(targets[t], "server_challenge_frame", (gint64)c->sc_frame);
        if (r.match >= 0) {
            tw_event_set_str(targets[t], "credential_check", "match");
            tw_event_set_str(targets[t], "credential_generation", secrets[r.match].label);
            tw_event_set_int(targets[t], "credential_generation_index", r.match);
            tw_event_set_str(targets[t], "credential_alg", tw_nl_alg_name(r.alg));
        } else {
            tw_event_set_str(targets[t], "credential_check", "none");
        }
    }
    tw_count(st->ctx, "netlogon.credentials_recomputed", 1);
    if (r.match >= 0) {
        tw_count(st->ctx, "netlogon.credentials_matched", 1);
        c->pending = true;
        c->pending_alg = r.alg;
        memcpy(c->pending_sk, r.sk, 16);
        memcpy(c->pending_cred, observed, 8);
        g_strlcpy(c->pending_label, secrets[r.match].label, sizeof c->pending_label);
    }
    if (st->ctx->want_tree) {
        char v[64], w[64];
        tw_event_tree_add_spec(ev, 1, "NETLOGON authentication arithmetic", "MS-NRPC 3.1.4.1", NULL, "MS-NRPC 3.1.4");
        hex_short(c->cc, 8, v, sizeof v);
        tw_event_tree_add_spec(ev, 2, "ClientChallenge", "MS-NRPC 3.1.4.1", NULL, "%s (frame %" G_GUINT64_FORMAT ")", v, c->cc_frame);
        hex_short(c->sc, 8, v, sizeof v);
        tw_event_tree_add_spec(ev, 2, "ServerChallenge", "MS-NRPC 3.1.4.1", NULL, "%s (frame %" G_GUINT64_FORMAT ")", v, c->sc_frame);
        tw_event_tree_add_spec(ev, 2, "algorithm", "MS-NRPC 3.1.4.3", r.match >= 0 && r.alg != want ? "not the one the flags chose" : NULL,
                          "%s (NegotiateFlags 0x%08x)", tw_nl_alg_name(r.alg), flags);
        tw_event_tree_add_spec(ev, 2, "SharedSecret", "MS-NRPC 3.1.4.3", NULL, "NT hash of %s, %u generation%s supplied", account, n,
                          n == 1 ? "" : "s");
        if (st->ctx->show_keys)
            hex_full(r.sk, 16, v, sizeof v);
        else
            g_strlcpy(v, "(hidden; --show-keys)", sizeof v);
        tw_event_tree_add_spec(ev, 2, "SessionKey", "MS-NRPC 3.1.4.3", session_key_formula(r.alg), "%s", v);
        hex_short(r.computed, 8, v, sizeof v);
        tw_event_tree_add_spec(ev, 2, "computed ClientCredential", "MS-NRPC 3.1.4.4", credential_formula(r.alg), "%s (%s)", v,
                          r.match >= 0 ? secrets[r.match].label : secrets[0].label);
        hex_short(observed, 8, w, sizeof w);
        tw_event_tree_add_spec(ev, 2, "observed ClientCredential", "MS-NRPC 3.1.4.4", NULL, "%s (frame %" G_GUINT64_FORMAT ")", w,
                          st->ctx->pi ? st->ctx->pi->frame : 0);
        if (r.match >= 0)
            tw_event_tree_add_spec(ev, 2, "result", "MS-NRPC 3.1.4.4", "the client holds this generation of the password", "match: %s",
                              secrets[r.match].label);
        else
            tw_event_tree_add_spec(ev, 2, "result", "MS-NRPC 3.1.4.4", "the client's password is none of the supplied generations (reset elsewhere, a clone)",
                              "mismatch with all %u", n);
    }
    memset(&r, 0, sizeof r);
    memset(secrets, 0, sizeof secrets);
}

static void authenticate_response(const TwDcerpcStub *st, TwEvent *ev, NlChannel *c)
{
    if (!c || !c->pending)
        return;
    c->pending = false;
    const char *status = tw_event_get_str(ev, "nt_status");
    guint8 observed[8];
    if (!status || strcmp(status, "0x00000000") != 0 ||
        !unhex8(tw_event_get_str(ev, "server_credential"), observed))
        return;
    /* 3.1.4.1 step 6: the server credential is computed over the server challenge */
    guint8 cred[8];
    tw_nl_credential(c->pending_alg, c->pending_sk, c->sc, cred);
    bool ok = memcmp(cred, observed, 8) == 0;
    tw_event_set_bool(ev, "decrypted", TRUE);
    tw_event_set_str(ev, "server_credential_check", ok ? "match" : "mismatch");
    tw_count(st->ctx, ok ? "netlogon.server_credentials_matched" : "netlogon.server_credentials_mismatched", 1);
    if (st->ctx->want_tree) {
        char v[64];
        hex_short(cred, 8, v, sizeof v);
        tw_event_tree_add_spec(ev, 1, "computed ServerCredential", "MS-NRPC 3.1.4.4", "AES/DES of the ServerChallenge under the session key (3.1.4.4)",
                          "%s: %s", v, ok ? "match" : "mismatch");
    }
    if (!ok)
        return;
    if (c->established && memcmp(c->sk, c->pending_sk, 16) != 0) {
        c->have_prev = true;
        c->prev_alg = c->alg;
        memcpy(c->prev_sk, c->sk, 16);
    }
    c->established = true;
    c->alg = c->pending_alg;
    memcpy(c->sk, c->pending_sk, 16);
    memcpy(c->stored, c->pending_cred, 8);
    g_strlcpy(c->label, c->pending_label, sizeof c->label);
    c->auth_frame = st->ctx->pi ? st->ctx->pi->frame : 0;
    c->have_ts = false;
}

/* ---- authenticators (3.1.4.5) -------------------------------------------- */

static void authenticator_request(const TwDcerpcStub *st, TwEvent *ev, NlChannel *c)
{
    guint8 observed[8];
    if (!c || !c->established || !tw_event_has(ev, "authenticator_timestamp") ||
        !unhex8(tw_event_get_str(ev, "authenticator_credential"), observed))
        return;
    guint32 ts = (guint32)tw_event_get_int(ev, "authenticator_timestamp", 0);
    guint8 cred[8];
    tw_nl_authenticator(c->alg, c->sk, c->stored, ts, cred);
    bool ok = memcmp(cred, observed, 8) == 0;
    tw_event_set_bool(ev, "decrypted", TRUE);
    tw_event_set_str(ev, "authenticator_check", ok ? "match" : "mismatch");
    c->have_ts = true;
    c->ts = ts;
    c->ts_ok = ok;
}

static void authenticator_response(const TwDcerpcStub *st, TwEvent *ev, NlChannel *c)
{
    guint8 observed[8];
    if (!c || !c->established || !c->have_ts || !c->ts_ok ||
        !unhex8(tw_event_get_str(ev, "return_authenticator_credential"), observed))
        return;
    c->have_ts = false;
    guint8 next[8];
    memcpy(next, c->stored, 8);
    tw_nl_stored_after_call(next, c->ts);
    guint8 cred[8];
    tw_nl_credential(c->alg, c->sk, next, cred);
    bool ok = memcmp(cred, observed, 8) == 0;
    tw_event_set_bool(ev, "decrypted", TRUE);
    tw_event_set_str(ev, "return_authenticator_check", ok ? "match" : "mismatch");
    if (ok)
        memcpy(c->stored, next, 8);
}

/* ---- entry points --------------------------------------------------------- */

void tw_nl_session_after(const TwDcerpcStub *st, TwEvent *ev, TwEvent *carry)
{
    if (!st->ctx->keys || !st->call->have_request)
        return;
    g_mutex_lock(&S.lock);
    bool req = st->dir == TW_DIR_REQ;
    const char *computer = computer_of(ev);
    switch (st->opnum) {
    case 0x04: { /* NetrServerReqChallenge */
        guint8 b[8];
        NlChannel *c = channel_get(st, computer, req);
        if (!c)
            break;
        if (req && unhex8(tw_event_get_str(ev, "client_challenge"), b)) {
            /* a new challenge starts a new negotiation (3.1.4.1 step 1) */
            memcpy(c->cc, b, 8);
            c->have_cc = true;
            c->have_sc = false;
            c->pending = false;
            c->cc_frame = st->ctx->pi ? st->ctx->pi->frame : 0;
        } else if (!req && c->have_cc && unhex8(tw_event_get_str(ev, "server_challenge"), b)) {
            memcpy(c->sc, b, 8);
            c->have_sc = true;
            c->sc_frame = st->ctx->pi ? st->ctx->pi->frame : 0;
        }
        break;
    }
    case 0x05: case 0x0f: case 0x1a: { /* NetrServerAuthenticate, -2, -3 */
        NlChannel *c = channel_get(st, computer, false);
        if (req)
            authenticate_request(st, ev, carry, c);
        else
            authenticate_response(st, ev, c);
        break;
    }
    default: {
        NlChannel *c = channel_get(st, computer, false);
        if (req)
            authenticator_request(st, ev, c);
        else
            authenticator_response(st, ev, c);
        break;
    }
    }
    g_mutex_unlock(&S.lock);
}

/* Which supplied generation the new password is: its NT hash against the
 * account's keys (the hashes of the keytabs exported after the change).  The
 * proof that the decrypted password is the one the DC now holds; neither the
 * password nor its hash reaches the event. */
static void new_password_generation(const TwDcerpcStub *st, TwEvent *ev, const guint8 *pw, guint32 len)
{
    char abuf[80];
    const char *account = account_of(ev, abuf, sizeof abuf);
    if (!account)
        return;
    TwNlSecret secrets[TW_NL_GENERATIONS_MAX];
    guint n = MIN(secrets_for(st->ctx->keys, account, secrets, TW_NL_GENERATIONS_MAX), TW_NL_GENERATIONS_MAX);
    if (!n)
        return;
    guint8 h[16];
    tw_nl_nt_hash_utf16le(pw, len, h);
    int match = -1;
    for (guint i = 0; i < n && match < 0; i++)
        if (memcmp(h, secrets[i].nt_hash, 16) == 0)
            match = (int)i;
    memset(h, 0, sizeof h);
    tw_event_set_str(ev, "new_password_check", match >= 0 ? "match" : "none");
    if (match >= 0)
        tw_event_set_str(ev, "new_password_generation", secrets[match].label);
    for (guint i = 0; i < n; i++)
        memset(secrets[i].nt_hash, 0, 16);
}

void tw_nl_session_trust_password(const TwDcerpcStub *st, TwEvent *ev, const guint8 pw[516])
{
    if (!st->ctx->keys)
        return;
    g_mutex_lock(&S.lock);
    NlChannel *c = channel_get(st, computer_of(ev), false);
    if (c && c->established) {
        guint8 buf[516];
        memcpy(buf, pw, sizeof buf);
        tw_nl_trust_password_decrypt(c->alg, c->sk, buf);
        guint32 len = 0;
        bool ok = tw_nl_trust_password_length(buf, &len);
        tw_event_set_bool(ev, "decrypted", TRUE);
        tw_event_set_bool(ev, "new_password_length_valid", ok);
        if (ok) {
            tw_event_set_int(ev, "new_password_length", len);
            bool zero = true;
            for (guint32 i = 512 - len; i < 512 && zero; i++)
                zero = buf[i] == 0;
            /* the Zerologon reset sets an empty or all-zero password */
            tw_event_set_bool(ev, "new_password_zero", zero);
            new_password_generation(st, ev, buf + 512 - len, len);
        }
        memset(buf, 0, sizeof buf);
    }
    g_mutex_unlock(&S.lock);
}

/* One fragment's NL_AUTH_SIGNATURE (3.3.4.2.2): its clear sequence number
 * when it was made with this channel's key in the direction of the call. */
/* One fragment's NL_AUTH_SIGNATURE (3.3.4.2.2) decrypted with key sk: its
 * clear sequence number when it is one this channel could have sent in the
 * direction of the call (step 6: a request's has the client bit, a
 * response's not) -- a counter from 0, so its high 31 bits are zero: a wrong
 * key gives that with a chance of 2^-32, not the 1/2 of the bit alone. */
static bool frag_seq(const guint8 sk[16], const TwDcerpcStub *st, const void *verifier, TwNlSig *sig,
                     guint8 seq[8], guint64 *n)
{
    const TwNlAuthSignature *raw = verifier;
    if (!raw || !tw_nl_sig_parse(raw->raw, raw->raw_len, sig) || !sig->have_confounder)
        return false;
    tw_nl_sig_sequence(sig, sk, seq);
    bool from_client = false;
    *n = tw_nl_seq_value(seq, &from_client);
    return from_client == (st->dir == TW_DIR_REQ) && *n <= G_MAXUINT32;
}

/* Unseal every fragment with sk; NULL when a fragment's signature is not
 * this key's. */
static guint8 *unseal_with(const TwDcerpcStub *st, const guint8 sk[16], const TwDcerpcSealedFrag *frags,
                           guint nfrags, guint64 *first)
{
    guint8 *clear = g_memdup2(st->stub, st->sealed_len);
    for (guint i = 0; i < nfrags; i++) {
        TwNlSig sig;
        guint8 seq[8], conf[8];
        guint64 n = 0;
        const TwDcerpcSealedFrag *f = &frags[i];
        if (f->off > st->sealed_len || f->len > st->sealed_len - f->off || !frag_seq(sk, st, f->verifier, &sig, seq, &n)) {
            g_free(clear);
            return NULL;
        }
        if (i == 0)
            *first = n;
        tw_nl_unseal(&sig, sk, seq, conf, clear + f->off, f->len);
        memset(conf, 0, sizeof conf);
    }
    return clear;
}

guint8 *tw_nl_session_unseal(const TwDcerpcStub *st, TwEvent *ev, gsize *len)
{
    if (!st->ctx->keys || !st->sealed || !st->sealed_len || !st->verifier_type ||
        st->verifier_type->verifier_new != tw_nl_auth_verifier_new)
        return NULL;
    /* one fragment: st->verifier seals all of it; several: each its own */
    TwDcerpcSealedFrag one = { 0, st->sealed_len, st->verifier };
    const TwDcerpcSealedFrag *frags = st->n_sealed_frags ? st->sealed_frags : &one;
    guint nfrags = st->n_sealed_frags ? st->n_sealed_frags : 1;
    g_mutex_lock(&S.lock);
    NlChannel *c = channel_get(st, computer_of(ev), false);
    guint8 *clear = NULL;
    if (c && c->established) {
        guint64 first = 0;
        /* the current key, else the one before the last Authenticate (a
         * re-authentication inside a connection sealed with the old key) */
        clear = unseal_with(st, c->sk, frags, nfrags, &first);
        if (!clear && c->have_prev) {
            clear = unseal_with(st, c->prev_sk, frags, nfrags, &first);
            if (clear)
                tw_count(st->ctx, "netlogon.unsealed_previous_key", 1);
        }
        if (clear) {
            *len = st->sealed_len;
            tw_event_set_bool(ev, "decrypted", TRUE);
            tw_event_set_bool(ev, "unsealed", TRUE);
            tw_event_set_int(ev, "nl_seq", (gint64)first);
            if (nfrags > 1)
                tw_event_set_int(ev, "nl_sealed_fragments", (gint64)nfrags);
            tw_count(st->ctx, "netlogon.unsealed", 1);
        } else {
            tw_count(st->ctx, "netlogon.unseal_wrong_key", 1);
        }
    }
    g_mutex_unlock(&S.lock);
    return clear;
}
