/* krb5-keys.c — which key opens a Kerberos encrypted part, and the session
 * keys learned along the chain (krb5-keys.h). */
#include "krb5-keys.h"

#include <string.h>

#define PARSER "kerberos"

/* One learned key. */
typedef struct {
    TwKey *key;                 /* owned */
    bool has_ticket;
    guint8 digest[32];          /* SHA-256 of the ticket enc-part cipher text it opens */
    char client[TW_ADDR_STRLEN]; /* "" when learned for a ticket only */
    gint32 usage;               /* the replies to `client` it opens; 0 none */
    guint64 frame;
    char what[56];
} Learned;

typedef struct {
    char *salt;
    guint64 frame;
} SaltNote;

static struct {
    GMutex lock;
    GQueue q;               /* Learned*, oldest first */
    GHashTable *by_ticket;  /* digest -> Learned* (the newest for that ticket) */
    GHashTable *salts;      /* "name@realm" (casefolded) -> SaltNote* */
} S;

static guint digest_hash(gconstpointer p)
{
    const guint8 *d = p;
    return (guint)d[0] | (guint)d[1] << 8 | (guint)d[2] << 16 | (guint)d[3] << 24;
}

static gboolean digest_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 32) == 0;
}

static void salt_free(gpointer p)
{
    SaltNote *s = p;
    g_free(s->salt);
    g_free(s);
}

static void learned_free(Learned *l)
{
    tw_key_free(l->key);
    g_free(l);
}

/* Called with the lock held. */
static void store_init(void)
{
    if (!S.by_ticket) {
        S.by_ticket = g_hash_table_new(digest_hash, digest_equal);
        S.salts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, salt_free);
        g_queue_init(&S.q);
    }
}

void tw_krb5_keys_reset(void)
{
    g_mutex_lock(&S.lock);
    if (S.by_ticket) {
        g_hash_table_destroy(S.by_ticket);
        g_hash_table_destroy(S.salts);
        S.by_ticket = S.salts = NULL;
        Learned *l;
        while ((l = g_queue_pop_head(&S.q)))
            learned_free(l);
    }
    g_mutex_unlock(&S.lock);
}

void tw_krb5_open_clear(TwKrbOpen *o)
{
    if (o->plain)
        g_bytes_unref(o->plain);
    tw_key_free(o->owned);
    memset(o, 0, sizeof *o);
    o->index = -1;
}

static void open_init(TwKrbOpen *o)
{
    memset(o, 0, sizeof *o);
    o->index = -1;
}

static void digest_of(const guint8 *p, gsize n, guint8 out[32])
{
    GChecksum *cs = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(cs, p, (gssize)n);
    gsize len = 32;
    g_checksum_get_digest(cs, out, &len);
    g_checksum_free(cs);
}

/* ---- descriptions ------------------------------------------------------------ */

void tw_krb5_key_label(const TwKey *k, guint i, char *out, gsize n)
{
    const char *label = tw_key_label(k);
    guint32 kvno = tw_key_kvno(k);
    if (label && kvno)
        g_snprintf(out, n, "%s (kvno %u)", label, kvno);
    else if (label)
        g_strlcpy(out, label, n);
    else if (kvno)
        g_snprintf(out, n, "kvno %u", kvno);
    else
        g_snprintf(out, n, "%s #%u", tw_key_source(k), i + 1);
}

char *tw_krb5_key_shown(const TwKey *k, bool show)
{
    if (!show)
        return g_strdup("(hidden: --show-keys prints it)");
    gsize n;
    const guint8 *b = tw_key_material(k, &n);
    GString *s = g_string_sized_new(2 * n);
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", b[i]);
    return g_string_free(s, FALSE);
}

/* How the key was made from the password (RFC 3961 3 string-to-key). */
static const char *derivation_note(const TwKey *k)
{
    switch (tw_key_origin(k)) {
    case TW_KEY_PASSWORD:
        return tw_key_enctype(k) == TW_ENCTYPE_RC4_HMAC
                   ? "string-to-key: MD4 of the UTF-16LE password, no salt (RFC 4757 3)"
                   : "string-to-key: PBKDF2-HMAC-SHA1 of the password with the salt, then the RFC 3961 "
                     "key derivation (RFC 3962 4)";
    case TW_KEY_NTHASH:
        return "the NT hash is the RC4-HMAC key (RFC 4757 3)";
    case TW_KEY_KEYTAB:
    default:
        return "a keytab entry: string-to-key was applied when the keytab was made";
    }
}

static void tree_attempt(const TwKrbTree *t, guint i, guint n, const TwKey *k, const char *what, bool ok)
{
    if (!t || !t->tree)
        return;
    g_autofree char *name = n ? g_strdup_printf("key %u of %u", i + 1, n) : g_strdup_printf("key %u", i + 1);
    g_autofree char *desc = what ? g_strdup(what) : tw_key_describe(k);
    const char *res = ok ? "checksum verified: this key" : "checksum fails: not this key";
    if (t->show_keys) {
        g_autofree char *hex = tw_krb5_key_shown(k, true);
        tw_event_tree_add(t->ev, t->td, name, what ? NULL : derivation_note(k), "%s, key %s: %s", desc, hex, res);
    } else {
        tw_event_tree_add(t->ev, t->td, name, what ? NULL : derivation_note(k), "%s: %s", desc, res);
    }
}

/* ---- long-term keys ----------------------------------------------------------- */

/* Higher kvno first; keys without one keep their order (stable insertion). */
static void sort_newest_first(GPtrArray *keys)
{
    for (guint i = 1; i < keys->len; i++) {
        for (guint j = i; j > 0; j--) {
            guint32 a = tw_key_kvno(keys->pdata[j - 1]), b = tw_key_kvno(keys->pdata[j]);
            if (!a || !b || a >= b)
                break;
            gpointer x = keys->pdata[j - 1];
            keys->pdata[j - 1] = keys->pdata[j];
            keys->pdata[j] = x;
        }
    }
}

/* NAME@REALM -> the store's lookup of that principal's keys of ETYPE. */
static guint principal_keys(TwKeyStore *ks, const char *principal, gint32 etype, GPtrArray *out)
{
    const char *at = strrchr(principal, '@');
    g_autofree char *name = at ? g_strndup(principal, at - principal) : g_strdup(principal);
    guint n = tw_keystore_candidates(ks, name, at ? at + 1 : NULL, etype, NULL, 0, out);
    sort_newest_first(out);
    return n;
}

bool tw_krb5_open_longterm(TwDissectCtx *ctx, const TwKrbTree *t, const char *name, const char *realm,
                           gint32 etype, gint64 want_kvno, bool any_principal, gint32 usage,
                           const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    open_init(out);
    if (!ctx || !ctx->keys || !name || !cipher || !len)
        return false;
    g_autoptr(GPtrArray) cand = g_ptr_array_new();
    tw_keystore_candidates(ctx->keys, name, realm, etype, NULL, 0, cand);
    sort_newest_first(cand);
    bool by_name = cand->len > 0;
    if (!by_name && any_principal)
        tw_keystore_by_enctype(ctx->keys, etype, cand);
    if (!cand->len)
        return false;
    /* the order tried: a ticket's own kvno first */
    g_autoptr(GPtrArray) order = g_ptr_array_sized_new(cand->len);
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < cand->len; i++) {
            bool same = want_kvno >= 0 && tw_key_kvno(cand->pdata[i]) == (guint32)want_kvno;
            if (pass == 0 ? same : !same)
                g_ptr_array_add(order, cand->pdata[i]);
        }
    out->generations = by_name ? cand->len : 0;
    out->usage = usage;
    for (guint i = 0; i < order->len; i++) {
        if (out->tried == TW_KRB5_MAX_KEY_TRIES) {
            tw_count(ctx, "kerberos.key_tries_capped", 1);
            break;
        }
        const TwKey *k = order->pdata[i];
        out->tried++;
        GBytes *plain = tw_key_decrypt(ctx->keys, k, usage, cipher, len);
        guint idx = 0;
        while (idx < cand->len && cand->pdata[idx] != k)
            idx++;
        tree_attempt(t, by_name ? idx : out->tried - 1, by_name ? cand->len : 0, k, NULL, plain != NULL);
        if (!plain)
            continue;
        out->plain = plain;
        out->key = k;
        if (by_name) {
            out->index = (gint)idx;
        } else {
            /* its place among the generations of the principal it belongs to */
            g_autoptr(GPtrArray) gen = g_ptr_array_new();
            principal_keys(ctx->keys, tw_key_principal(k), etype, gen);
            out->generations = gen->len;
            for (guint j = 0; j < gen->len; j++)
                if (gen->pdata[j] == k)
                    out->index = (gint)j;
            idx = out->index >= 0 ? (guint)out->index : 0;
        }
        tw_krb5_key_label(k, idx, out->label, sizeof out->label);
        tw_count(ctx, "kerberos.decrypted", 1);
        return true;
    }
    tw_count(ctx, "kerberos.decrypt_no_key", 1);
    return false;
}

/* ---- learned keys ----------------------------------------------------------------- */

/* Called with the lock held. */
static void forget_oldest(TwDissectCtx *ctx)
{
    Learned *old = g_queue_pop_head(&S.q);
    if (!old)
        return;
    if (old->has_ticket && g_hash_table_lookup(S.by_ticket, old->digest) == old)
        g_hash_table_remove(S.by_ticket, old->digest);
    learned_free(old);
    if (ctx)
        tw_count(ctx, "kerberos.session_keys_forgotten", 1);
}

static bool same_key(const TwKey *a, const TwKey *b)
{
    gsize na, nb;
    const guint8 *pa = tw_key_material(a, &na), *pb = tw_key_material(b, &nb);
    return tw_key_enctype(a) == tw_key_enctype(b) && na == nb && memcmp(pa, pb, na) == 0;
}

static void learn(TwDissectCtx *ctx, TwKey *key, const guint8 *ticket, gsize tlen, const char *client,
                  gint32 usage, const char *what)
{
    Learned *l = g_new0(Learned, 1);
    l->key = key;
    if (ticket && tlen) {
        l->has_ticket = true;
        digest_of(ticket, tlen, l->digest);
    }
    if (client && usage) {
        g_strlcpy(l->client, client, sizeof l->client);
        l->usage = usage;
    }
    l->frame = ctx && ctx->pi ? ctx->pi->frame : 0;
    g_strlcpy(l->what, what ? what : "session key", sizeof l->what);
    g_mutex_lock(&S.lock);
    store_init();
    /* the same key for the same client and usage again (a retransmission,
     * a ticket used twice): refreshed, not added */
    for (GList *it = S.q.tail; it && l->usage; it = it->prev) {
        Learned *o = it->data;
        if (o->usage == l->usage && strcmp(o->client, l->client) == 0 && o->has_ticket == l->has_ticket &&
            (!l->has_ticket || memcmp(o->digest, l->digest, 32) == 0) && same_key(o->key, l->key)) {
            g_queue_unlink(&S.q, it);
            g_queue_push_tail_link(&S.q, it);
            g_mutex_unlock(&S.lock);
            learned_free(l);
            return;
        }
    }
    while (g_queue_get_length(&S.q) >= TW_KRB5_MAX_SESSION_KEYS)
        forget_oldest(ctx);
    g_queue_push_tail(&S.q, l);
    if (l->has_ticket)
        g_hash_table_replace(S.by_ticket, l->digest, l);
    g_mutex_unlock(&S.lock);
    if (ctx)
        tw_count(ctx, "kerberos.session_keys_learned", 1);
}

void tw_krb5_learn_key(TwDissectCtx *ctx, gint32 enctype, const guint8 *key, gsize klen,
                       const guint8 *ticket, gsize tlen, const char *client, gint32 usage,
                       const char *what)
{
    if (!key || !klen || (!(ticket && tlen) && !(client && usage)))
        return;
    learn(ctx, tw_key_new_session(enctype, key, klen), ticket, tlen, client, usage, what);
}

void tw_krb5_learn_from(TwDissectCtx *ctx, const TwKey *k, const guint8 *ticket, gsize tlen,
                        const char *client, gint32 usage, const char *what)
{
    if (!k)
        return;
    gsize n;
    const guint8 *b = tw_key_material(k, &n);
    tw_krb5_learn_key(ctx, tw_key_enctype(k), b, n, ticket, tlen, client, usage, what);
}

/* Tries the learned key l (lock held), first strengthened when
 * `strengthen`; fills out on success. */
static bool try_learned(TwDissectCtx *ctx, const TwKrbTree *t, Learned *l, const TwKey *strengthen, gint32 usage,
                        const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    out->tried++;
    TwKey *sk = strengthen ? tw_key_cf2(ctx->keys, strengthen, "strengthenkey", l->key, "replykey") : NULL;
    const TwKey *use = strengthen ? sk : l->key;
    GBytes *plain = use ? tw_key_decrypt(ctx->keys, use, usage, cipher, len) : NULL;
    g_autofree char *what = strengthen
        ? g_strdup_printf("KRB-FX-CF2(strengthen-key, %s, learned in frame %" G_GUINT64_FORMAT ")", l->what, l->frame)
        : g_strdup_printf("%s (learned in frame %" G_GUINT64_FORMAT ")", l->what, l->frame);
    if (use)
        tree_attempt(t, out->tried - 1, 0, use, what, plain != NULL);
    if (!plain) {
        tw_key_free(sk);
        return false;
    }
    gsize n;
    const guint8 *b = tw_key_material(use, &n);
    out->plain = plain;
    out->owned = tw_key_new_session(tw_key_enctype(use), b, n);
    tw_key_free(sk);
    out->key = out->owned;
    out->usage = usage;
    out->key_frame = l->frame;
    g_strlcpy(out->label, l->what, sizeof out->label);
    return true;
}

bool tw_krb5_open_with(TwDissectCtx *ctx, const TwKrbTree *t, const TwKey *k, const char *what, gint32 usage,
                       const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    open_init(out);
    if (!ctx || !ctx->keys || !k || !cipher || !len)
        return false;
    out->tried = 1;
    GBytes *plain = tw_key_decrypt(ctx->keys, k, usage, cipher, len);
    tree_attempt(t, 0, 0, k, what, plain != NULL);
    if (!plain)
        return false;
    gsize n;
    const guint8 *b = tw_key_material(k, &n);
    out->plain = plain;
    out->owned = tw_key_new_session(tw_key_enctype(k), b, n);
    out->key = out->owned;
    out->usage = usage;
    g_strlcpy(out->label, what ? what : "session key", sizeof out->label);
    tw_count(ctx, "kerberos.decrypted", 1);
    return true;
}

bool tw_krb5_open_by_ticket(TwDissectCtx *ctx, const TwKrbTree *t, const guint8 *ticket, gsize tlen,
                            gint32 usage, const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    open_init(out);
    if (!ctx || !ctx->keys || !ticket || !tlen || !cipher || !len)
        return false;
    guint8 d[32];
    digest_of(ticket, tlen, d);
    bool ok = false;
    g_mutex_lock(&S.lock);
    store_init();
    Learned *l = g_hash_table_lookup(S.by_ticket, d);
    if (l)
        ok = try_learned(ctx, t, l, NULL, usage, cipher, len, out);
    g_mutex_unlock(&S.lock);
    if (ok)
        tw_count(ctx, "kerberos.decrypted", 1);
    return ok;
}

static bool open_for_client(TwDissectCtx *ctx, const TwKrbTree *t, const char *client, gint32 usage,
                            const TwKey *strengthen, const guint8 *cipher, gsize len, TwKrbOpen *out);

bool tw_krb5_open_for_client(TwDissectCtx *ctx, const TwKrbTree *t, const char *client, gint32 usage,
                             const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    return open_for_client(ctx, t, client, usage, NULL, cipher, len, out);
}

bool tw_krb5_open_for_client_strengthened(TwDissectCtx *ctx, const TwKrbTree *t, const char *client,
                                          gint32 usage, const TwKey *strengthen, const guint8 *cipher,
                                          gsize len, TwKrbOpen *out)
{
    return open_for_client(ctx, t, client, usage, strengthen, cipher, len, out);
}

static bool open_for_client(TwDissectCtx *ctx, const TwKrbTree *t, const char *client, gint32 usage,
                            const TwKey *strengthen, const guint8 *cipher, gsize len, TwKrbOpen *out)
{
    open_init(out);
    if (!ctx || !ctx->keys || !client || !*client || !cipher || !len)
        return false;
    bool ok = false;
    g_mutex_lock(&S.lock);
    store_init();
    for (GList *it = S.q.tail; it && !ok; it = it->prev) {
        Learned *l = it->data;
        if (l->usage != usage || strcmp(l->client, client) != 0)
            continue;
        if (out->tried == TW_KRB5_MAX_KEY_TRIES) {
            tw_count(ctx, "kerberos.key_tries_capped", 1);
            break;
        }
        ok = try_learned(ctx, t, l, strengthen, usage, cipher, len, out);
    }
    g_mutex_unlock(&S.lock);
    if (ok)
        tw_count(ctx, "kerberos.decrypted", 1);
    return ok;
}

/* ---- salts ----------------------------------------------------------------------- */

static char *salt_key(const char *name, const char *realm)
{
    g_autofree char *n = g_ascii_strdown(name, -1), *r = g_ascii_strdown(realm, -1);
    return g_strconcat(n, "@", r, NULL);
}

void tw_krb5_note_salt(TwDissectCtx *ctx, const char *name, const char *realm, const char *salt)
{
    if (!ctx || !ctx->keys || !name || !realm || !salt || !*salt)
        return;
    if (!tw_keystore_learn_salt(ctx->keys, name, realm, salt))
        tw_count(ctx, "kerberos.salts_forgotten", 1);
    char *k = salt_key(name, realm);
    g_mutex_lock(&S.lock);
    store_init();
    if (g_hash_table_contains(S.salts, k) || g_hash_table_size(S.salts) < TW_KEYS_MAX_SALTS) {
        SaltNote *s = g_new0(SaltNote, 1);
        s->salt = g_strdup(salt);
        s->frame = ctx->pi ? ctx->pi->frame : 0;
        g_hash_table_replace(S.salts, k, s);
    } else {
        g_free(k);
    }
    g_mutex_unlock(&S.lock);
}

char *tw_krb5_salt_of(const char *name, const char *realm, guint64 *frame)
{
    if (!name || !realm)
        return NULL;
    g_autofree char *k = salt_key(name, realm);
    char *out = NULL;
    g_mutex_lock(&S.lock);
    store_init();
    SaltNote *s = g_hash_table_lookup(S.salts, k);
    if (s) {
        out = g_strdup(s->salt);
        *frame = s->frame;
    }
    g_mutex_unlock(&S.lock);
    return out;
}
