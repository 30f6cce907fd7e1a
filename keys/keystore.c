/* The key store: keytabs through libkrb5's keytab API, passwords through
 * krb5_c_string_to_key (RFC 3961 section 3, string-to-key), NT hashes as the
 * RC4-HMAC key of RFC 4757 section 3.  See keystore.h for the contract. */
#include "keys/keystore.h"
#include "core/tw-limits.h"

#include <krb5.h>
#include <string.h>
#include <sys/stat.h>

struct TwKey {
    char *principal;   /* NAME[@REALM] as given or unparsed */
    char *name;        /* the name part, casefolded, for lookups */
    char *realm;       /* casefolded, NULL when not known */
    gint32 enctype;
    guint32 kvno;
    char *label;
    TwKeyOrigin origin;
    char *source;
    guint8 *bytes;
    gsize len;
};

typedef struct {
    TwKey base;        /* enctype 0, no bytes: the principal + label + source */
    char *password;
    GPtrArray *derived; /* TwKey*, one per (enctype, salt) */
    GPtrArray *derived_salts; /* GBytes*, parallel to derived */
} PasswordEntry;

struct TwKeyStore {
    krb5_context kctx;
    GPtrArray *keys;      /* TwKey* (keytab, nthash) */
    GPtrArray *passwords; /* PasswordEntry* */
    GHashTable *salts;    /* "name@realm" (casefolded) -> salt, as KDCs announced them */
    GMutex lock;          /* lazy derivation may run from several workers */
};

static void key_clear(TwKey *k)
{
    if (k->bytes) {
        explicit_bzero(k->bytes, k->len);
        g_free(k->bytes);
    }
    g_free(k->principal);
    g_free(k->name);
    g_free(k->realm);
    g_free(k->label);
    g_free(k->source);
}

static void key_free(gpointer p)
{
    key_clear(p);
    g_free(p);
}

static void password_free(gpointer p)
{
    PasswordEntry *pe = p;
    key_clear(&pe->base);
    explicit_bzero(pe->password, strlen(pe->password));
    g_free(pe->password);
    g_ptr_array_unref(pe->derived);
    g_ptr_array_unref(pe->derived_salts);
    g_free(pe);
}

TwKeyStore *tw_keystore_new(void)
{
    TwKeyStore *ks = g_new0(TwKeyStore, 1);
    ks->keys = g_ptr_array_new_with_free_func(key_free);
    ks->passwords = g_ptr_array_new_with_free_func(password_free);
    ks->salts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_mutex_init(&ks->lock);
    return ks;
}

void tw_keystore_free(TwKeyStore *ks)
{
    if (!ks)
        return;
    g_ptr_array_unref(ks->keys);
    g_ptr_array_unref(ks->passwords);
    g_hash_table_unref(ks->salts);
    if (ks->kctx)
        krb5_free_context(ks->kctx);
    g_mutex_clear(&ks->lock);
    g_free(ks);
}

static krb5_context store_ctx(TwKeyStore *ks, GError **err)
{
    if (!ks->kctx) {
        krb5_error_code ret = krb5_init_context(&ks->kctx);
        if (ret) {
            ks->kctx = NULL;
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot initialise libkrb5 (error %d)", ret);
        }
    }
    return ks->kctx;
}

/* "LABEL=REST" -> label, rest; the label is [A-Za-z0-9_-]+. */
static const char *split_label(const char *spec, char **label)
{
    *label = NULL;
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return spec;
    for (const char *p = spec; p < eq; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return spec;
    *label = g_strndup(spec, eq - spec);
    return eq + 1;
}

/* NAME[@REALM] -> casefolded name and realm (NULL when absent). */
static void split_principal(const char *principal, char **name, char **realm)
{
    const char *at = strrchr(principal, '@');
    if (at) {
        *name = g_ascii_strdown(principal, at - principal);
        *realm = at[1] ? g_ascii_strdown(at + 1, -1) : NULL;
    } else {
        *name = g_ascii_strdown(principal, -1);
        *realm = NULL;
    }
}

static void warn_loose_mode(const char *path, FILE *warn)
{
    struct stat st;
    if (warn && stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        fprintf(warn, "trustwire: warning: key file %s is accessible by group or others (mode %04o); "
                      "chmod 600 it\n", path, (unsigned)(st.st_mode & 07777));
}

int tw_keystore_add_keytab(TwKeyStore *ks, const char *spec, FILE *warn, GError **err)
{
    char *label = NULL;
    const char *path = spec;
    if (!g_file_test(spec, G_FILE_TEST_EXISTS))
        path = split_label(spec, &label);
    g_autofree char *owned_label = label;
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "key file %s: not a readable file", path);
        return -1;
    }
    krb5_context kc = store_ctx(ks, err);
    if (!kc)
        return -1;
    warn_loose_mode(path, warn);

    g_autofree char *kt_name = g_strconcat("FILE:", path, NULL);
    krb5_keytab kt;
    krb5_error_code ret = krb5_kt_resolve(kc, kt_name, &kt);
    if (ret) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "key file %s: %s", path,
                    krb5_get_error_message(kc, ret));
        return -1;
    }
    krb5_kt_cursor cur;
    ret = krb5_kt_start_seq_get(kc, kt, &cur);
    if (ret) {
        const char *m = krb5_get_error_message(kc, ret);
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "key file %s: %s", path, m);
        krb5_free_error_message(kc, m);
        krb5_kt_close(kc, kt);
        return -1;
    }
    int added = 0;
    krb5_keytab_entry e;
    while ((ret = krb5_kt_next_entry(kc, kt, &e, &cur)) == 0) {
        char *pname = NULL;
        if (krb5_unparse_name(kc, e.principal, &pname) == 0 && e.key.length > 0) {
            TwKey *k = g_new0(TwKey, 1);
            k->principal = g_strdup(pname);
            split_principal(pname, &k->name, &k->realm);
            k->enctype = e.key.enctype;
            k->kvno = e.vno;
            k->label = g_strdup(owned_label);
            k->origin = TW_KEY_KEYTAB;
            k->source = g_path_get_basename(path);
            k->bytes = g_memdup2(e.key.contents, e.key.length);
            k->len = e.key.length;
            g_ptr_array_add(ks->keys, k);
            added++;
        }
        krb5_free_unparsed_name(kc, pname);
        krb5_free_keytab_entry_contents(kc, &e);
    }
    krb5_kt_end_seq_get(kc, kt, &cur);
    krb5_kt_close(kc, kt);
    if (ret != KRB5_KT_END) {
        const char *m = krb5_get_error_message(kc, ret);
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "key file %s: %s (after %d keys)", path, m, added);
        krb5_free_error_message(kc, m);
        return -1;
    }
    return added;
}

bool tw_keystore_add_password(TwKeyStore *ks, const char *spec, GError **err)
{
    char *label;
    const char *rest = split_label(spec, &label);
    const char *colon = strchr(rest, ':');
    if (!colon || colon == rest) {
        g_free(label);
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--password wants [LABEL=]PRINCIPAL:PASSWORD");
        return false;
    }
    PasswordEntry *pe = g_new0(PasswordEntry, 1);
    pe->base.principal = g_strndup(rest, colon - rest);
    split_principal(pe->base.principal, &pe->base.name, &pe->base.realm);
    pe->base.label = label;
    pe->base.origin = TW_KEY_PASSWORD;
    pe->base.source = g_strdup("--password");
    pe->password = g_strdup(colon + 1);
    pe->derived = g_ptr_array_new_with_free_func(key_free);
    pe->derived_salts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_ptr_array_add(ks->passwords, pe);
    return true;
}

bool tw_keystore_add_nthash(TwKeyStore *ks, const char *spec, GError **err)
{
    char *label;
    const char *rest = split_label(spec, &label);
    const char *colon = strrchr(rest, ':');
    guint8 nt[16];
    bool ok = colon && colon != rest && strlen(colon + 1) == 32;
    for (int i = 0; ok && i < 16; i++) {
        int hi = g_ascii_xdigit_value(colon[1 + 2 * i]), lo = g_ascii_xdigit_value(colon[2 + 2 * i]);
        ok = hi >= 0 && lo >= 0;
        nt[i] = (guint8)(hi << 4 | lo);
    }
    if (!ok) {
        g_free(label);
        explicit_bzero(nt, sizeof nt);
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--nthash wants [LABEL=]ACCOUNT:HEX (32 hex digits)");
        return false;
    }
    TwKey *k = g_new0(TwKey, 1);
    k->principal = g_strndup(rest, colon - rest);
    split_principal(k->principal, &k->name, &k->realm);
    k->enctype = TW_ENCTYPE_RC4_HMAC;
    k->label = label;
    k->origin = TW_KEY_NTHASH;
    k->source = g_strdup("--nthash");
    k->bytes = g_memdup2(nt, sizeof nt);
    k->len = sizeof nt;
    explicit_bzero(nt, sizeof nt);
    g_ptr_array_add(ks->keys, k);
    return true;
}

guint tw_keystore_size(const TwKeyStore *ks)
{
    return ks->keys->len + ks->passwords->len;
}

static bool matches(const TwKey *k, const char *name_cf, const char *realm_cf)
{
    if (strcmp(k->name, name_cf) != 0)
        return false;
    return !realm_cf || !k->realm || strcmp(k->realm, realm_cf) == 0;
}

/* The key of `pe` for (enctype, salt), derived on first use.  Called with
 * the store locked.  NULL when libkrb5 does not derive that enctype. */
static TwKey *password_key(TwKeyStore *ks, PasswordEntry *pe, const char *realm, gint32 enctype,
                           const guint8 *salt, gsize salt_len)
{
    krb5_context kc = store_ctx(ks, NULL);
    if (!kc)
        return NULL;
    g_autoptr(GBytes) want = NULL;
    if (salt) {
        want = g_bytes_new(salt, salt_len);
    } else {
        /* RFC 4120 section 4: the default salt is the realm followed by the
         * name components, without separators.  krb5_principal2salt says it. */
        g_autofree char *full = NULL;
        if (strchr(pe->base.principal, '@') || !realm)
            full = g_strdup(pe->base.principal);
        else
            full = g_strconcat(pe->base.principal, "@", realm, NULL);
        krb5_principal p;
        if (krb5_parse_name(kc, full, &p) != 0)
            return NULL;
        krb5_data ds;
        if (krb5_principal2salt(kc, p, &ds) != 0) {
            krb5_free_principal(kc, p);
            return NULL;
        }
        want = g_bytes_new(ds.data, ds.length);
        krb5_free_data_contents(kc, &ds);
        krb5_free_principal(kc, p);
    }
    for (guint i = 0; i < pe->derived->len; i++) {
        TwKey *d = g_ptr_array_index(pe->derived, i);
        if (d->enctype == enctype && g_bytes_equal(g_ptr_array_index(pe->derived_salts, i), want))
            return d;
    }
    gsize wlen;
    const void *wdata = g_bytes_get_data(want, &wlen);
    krb5_data pw = { .data = pe->password, .length = (unsigned)strlen(pe->password) };
    krb5_data sd = { .data = (char *)wdata, .length = (unsigned)wlen };
    krb5_keyblock kb = { 0 };
    if (krb5_c_string_to_key(kc, enctype, &pw, &sd, &kb) != 0)
        return NULL;
    TwKey *d = g_new0(TwKey, 1);
    d->principal = g_strdup(pe->base.principal);
    d->name = g_strdup(pe->base.name);
    d->realm = g_strdup(pe->base.realm);
    d->enctype = enctype;
    d->label = g_strdup(pe->base.label);
    d->origin = TW_KEY_PASSWORD;
    d->source = g_strdup(pe->base.source);
    d->bytes = g_memdup2(kb.contents, kb.length);
    d->len = kb.length;
    krb5_free_keyblock_contents(kc, &kb);
    g_ptr_array_add(pe->derived, d);
    g_ptr_array_add(pe->derived_salts, g_bytes_ref(want));
    return d;
}

guint tw_keystore_candidates(TwKeyStore *ks, const char *name, const char *realm, gint32 enctype,
                             const guint8 *salt, gsize salt_len, GPtrArray *out)
{
    g_autofree char *name_cf = g_ascii_strdown(name, -1);
    g_autofree char *realm_cf = realm && *realm ? g_ascii_strdown(realm, -1) : NULL;
    guint n = 0;
    g_mutex_lock(&ks->lock);
    if (!salt && realm_cf && ks->passwords->len) {
        g_autofree char *sk = g_strconcat(name_cf, "@", realm_cf, NULL);
        const char *learned = g_hash_table_lookup(ks->salts, sk);
        if (learned) {
            salt = (const guint8 *)learned;
            salt_len = strlen(learned);
        }
    }
    for (guint i = 0; i < ks->keys->len; i++) {
        TwKey *k = g_ptr_array_index(ks->keys, i);
        if (matches(k, name_cf, realm_cf) && (enctype == 0 || k->enctype == enctype)) {
            g_ptr_array_add(out, k);
            n++;
        }
    }
    for (guint i = 0; i < ks->passwords->len; i++) {
        PasswordEntry *pe = g_ptr_array_index(ks->passwords, i);
        if (!matches(&pe->base, name_cf, realm_cf))
            continue;
        if (enctype == 0) {
            for (guint j = 0; j < pe->derived->len; j++, n++)
                g_ptr_array_add(out, g_ptr_array_index(pe->derived, j));
        } else {
            TwKey *d = password_key(ks, pe, realm_cf ? realm : NULL, enctype, salt, salt_len);
            if (d) {
                g_ptr_array_add(out, d);
                n++;
            }
        }
    }
    g_mutex_unlock(&ks->lock);
    return n;
}

guint tw_keystore_by_enctype(TwKeyStore *ks, gint32 enctype, GPtrArray *out)
{
    guint n = 0;
    g_mutex_lock(&ks->lock);
    for (guint i = 0; i < ks->keys->len; i++) {
        TwKey *k = g_ptr_array_index(ks->keys, i);
        if (k->enctype == enctype) {
            g_ptr_array_add(out, k);
            n++;
        }
    }
    g_mutex_unlock(&ks->lock);
    return n;
}

guint tw_keystore_nthashes(TwKeyStore *ks, const char *account, GPtrArray *out)
{
    g_autofree char *name_cf = NULL, *realm_cf = NULL;
    split_principal(account, &name_cf, &realm_cf);
    guint n = 0;
    g_mutex_lock(&ks->lock);
    for (guint i = 0; i < ks->keys->len; i++) {
        TwKey *k = g_ptr_array_index(ks->keys, i);
        if (k->enctype == TW_ENCTYPE_RC4_HMAC && k->len == 16 && strcmp(k->name, name_cf) == 0) {
            g_ptr_array_add(out, k);
            n++;
        }
    }
    for (guint i = 0; i < ks->passwords->len; i++) {
        PasswordEntry *pe = g_ptr_array_index(ks->passwords, i);
        if (strcmp(pe->base.name, name_cf) != 0)
            continue;
        /* RFC 4757 section 3: the RC4 string-to-key ignores the salt; an
         * empty one keeps the cache to one entry. */
        TwKey *d = password_key(ks, pe, NULL, TW_ENCTYPE_RC4_HMAC, (const guint8 *)"", 0);
        if (d && d->len == 16) {
            g_ptr_array_add(out, d);
            n++;
        }
    }
    g_mutex_unlock(&ks->lock);
    return n;
}

const char *tw_key_principal(const TwKey *k) { return k->principal; }
gint32 tw_key_enctype(const TwKey *k) { return k->enctype; }
guint32 tw_key_kvno(const TwKey *k) { return k->kvno; }
const char *tw_key_label(const TwKey *k) { return k->label; }
TwKeyOrigin tw_key_origin(const TwKey *k) { return k->origin; }
const char *tw_key_source(const TwKey *k) { return k->source; }

const guint8 *tw_key_material(const TwKey *k, gsize *len)
{
    *len = k->len;
    return k->bytes;
}

char *tw_key_describe(const TwKey *k)
{
    char et[64];
    if (krb5_enctype_to_name(k->enctype, TRUE, et, sizeof et) != 0)
        g_snprintf(et, sizeof et, "enctype %d", k->enctype);
    GString *s = g_string_new(k->principal);
    if (k->kvno)
        g_string_append_printf(s, " kvno %u", k->kvno);
    g_string_append_printf(s, " %s (", et);
    if (k->label)
        g_string_append_printf(s, "%s, ", k->label);
    g_string_append_printf(s, "%s)", k->source);
    return g_string_free(s, FALSE);
}

bool tw_keystore_learn_salt(TwKeyStore *ks, const char *name, const char *realm, const char *salt)
{
    if (!name || !realm || !salt || !*salt || !ks->passwords->len)
        return true; /* only password keys need a salt */
    g_autofree char *n = g_ascii_strdown(name, -1), *r = g_ascii_strdown(realm, -1);
    char *key = g_strconcat(n, "@", r, NULL);
    bool kept = true;
    g_mutex_lock(&ks->lock);
    if (g_hash_table_contains(ks->salts, key) || g_hash_table_size(ks->salts) < TW_KEYS_MAX_SALTS)
        g_hash_table_replace(ks->salts, key, g_strdup(salt));
    else {
        g_free(key);
        kept = false;
    }
    g_mutex_unlock(&ks->lock);
    return kept;
}

GBytes *tw_key_decrypt(TwKeyStore *ks, const TwKey *k, gint32 usage, const guint8 *cipher, gsize len)
{
    if (!k->bytes || len == 0 || len > G_MAXUINT32)
        return NULL;
    krb5_context kc = store_ctx(ks, NULL);
    if (!kc)
        return NULL;
    krb5_keyblock kb = { .enctype = k->enctype, .length = (unsigned)k->len, .contents = k->bytes };
    krb5_enc_data in = { .enctype = k->enctype, .kvno = 0 };
    in.ciphertext.data = (char *)cipher;
    in.ciphertext.length = (unsigned)len;
    /* The plain text is never longer than the cipher text (RFC 3961 5.3). */
    guint8 *buf = g_malloc(len);
    krb5_data out = { .data = (char *)buf, .length = (unsigned)len };
    krb5_error_code ret = krb5_c_decrypt(kc, &kb, usage, NULL, &in, &out);
    if (ret != 0 || out.length > len) {
        explicit_bzero(buf, len);
        g_free(buf);
        return NULL;
    }
    return g_bytes_new_take(buf, out.length);
}

TwKey *tw_key_cf2(TwKeyStore *ks, const TwKey *k1, const char *pepper1, const TwKey *k2, const char *pepper2)
{
    if (!k1 || !k2 || !k1->bytes || !k2->bytes)
        return NULL;
    krb5_context kc = store_ctx(ks, NULL);
    if (!kc)
        return NULL;
    krb5_keyblock a = { .enctype = k1->enctype, .length = (unsigned)k1->len, .contents = k1->bytes };
    krb5_keyblock b = { .enctype = k2->enctype, .length = (unsigned)k2->len, .contents = k2->bytes };
    krb5_keyblock *out = NULL;
    if (krb5_c_fx_cf2_simple(kc, &a, pepper1, &b, pepper2, &out) != 0 || !out)
        return NULL;
    TwKey *k = tw_key_new_session(out->enctype, out->contents, out->length);
    krb5_free_keyblock(kc, out);
    return k;
}

TwKey *tw_key_new_session(gint32 enctype, const guint8 *bytes, gsize len)
{
    TwKey *k = g_new0(TwKey, 1);
    k->principal = g_strdup("session key");
    k->name = g_strdup("");
    k->enctype = enctype;
    k->origin = TW_KEY_KEYTAB;
    k->source = g_strdup("learned");
    k->bytes = g_memdup2(bytes, len);
    k->len = len;
    return k;
}

void tw_key_free(TwKey *k)
{
    if (k)
        key_free(k);
}
