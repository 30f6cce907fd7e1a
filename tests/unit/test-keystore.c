/* test-keystore.c — keys/keystore.c: a keytab written here through libkrb5
 * (two generations of WS01$, AES256 + RC4, plus a service key), labels,
 * lookups by account/realm/enctype, the NT hash of every generation, lazy
 * password derivation with the default salt (RFC 4120 section 4) and with
 * an explicit PA-ETYPE-INFO2 salt, the RC4 key of "password" (the NT hash
 * everyone knows), malformed option values, and the loose-permission
 * warning. */
#include <glib.h>
#include <glib/gstdio.h>
#include <krb5.h>
#include <string.h>
#include <sys/stat.h>

#include "keys/keystore.h"

#define AES256 18

typedef struct {
    char *dir;
    char *keytab;
} Fixture;

/* Adds one entry: the key of `password` under `salt` for `enctype`. */
static void add_entry(krb5_context kc, krb5_keytab kt, const char *princ, guint32 kvno, gint32 enctype,
                      const char *password, const char *salt)
{
    krb5_keytab_entry e = { 0 };
    g_assert_cmpint(krb5_parse_name(kc, princ, &e.principal), ==, 0);
    krb5_data pw = { .data = (char *)password, .length = (unsigned)strlen(password) };
    krb5_data sd = { .data = (char *)salt, .length = (unsigned)strlen(salt) };
    g_assert_cmpint(krb5_c_string_to_key(kc, enctype, &pw, &sd, &e.key), ==, 0);
    e.vno = kvno;
    g_assert_cmpint(krb5_kt_add_entry(kc, kt, &e), ==, 0);
    krb5_free_keyblock_contents(kc, &e.key);
    krb5_free_principal(kc, e.principal);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("tw-keystore-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->keytab = g_build_filename(f->dir, "ws01.keytab", NULL);
    krb5_context kc;
    g_assert_cmpint(krb5_init_context(&kc), ==, 0);
    g_autofree char *name = g_strconcat("FILE:", f->keytab, NULL);
    krb5_keytab kt;
    g_assert_cmpint(krb5_kt_resolve(kc, name, &kt), ==, 0);
    add_entry(kc, kt, "WS01$@SAMBA.LAB", 2, AES256, "old-secret", "SAMBA.LABhostws01.samba.lab");
    add_entry(kc, kt, "WS01$@SAMBA.LAB", 2, TW_ENCTYPE_RC4_HMAC, "old-secret", "");
    add_entry(kc, kt, "WS01$@SAMBA.LAB", 3, AES256, "new-secret", "SAMBA.LABhostws01.samba.lab");
    add_entry(kc, kt, "WS01$@SAMBA.LAB", 3, TW_ENCTYPE_RC4_HMAC, "new-secret", "");
    add_entry(kc, kt, "cifs/dc1.samba.lab@SAMBA.LAB", 7, AES256, "dc-secret", "SAMBA.LABcifsdc1.samba.lab");
    krb5_kt_close(kc, kt);
    krb5_free_context(kc);
    g_chmod(f->keytab, 0600);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_unlink(f->keytab);
    g_rmdir(f->dir);
    g_free(f->keytab);
    g_free(f->dir);
}

/* The key libkrb5 derives from (password, salt) — what the store must hold. */
static GBytes *derive(gint32 enctype, const char *password, const char *salt)
{
    krb5_context kc;
    g_assert_cmpint(krb5_init_context(&kc), ==, 0);
    krb5_data pw = { .data = (char *)password, .length = (unsigned)strlen(password) };
    krb5_data sd = { .data = (char *)salt, .length = (unsigned)strlen(salt) };
    krb5_keyblock kb;
    g_assert_cmpint(krb5_c_string_to_key(kc, enctype, &pw, &sd, &kb), ==, 0);
    GBytes *b = g_bytes_new(kb.contents, kb.length);
    krb5_free_keyblock_contents(kc, &kb);
    krb5_free_context(kc);
    return b;
}

static bool key_is(const TwKey *k, GBytes *want)
{
    gsize len;
    const guint8 *m = tw_key_material(k, &len);
    g_autoptr(GBytes) have = g_bytes_new(m, len);
    return g_bytes_equal(have, want);
}

static void test_keytab(Fixture *f, gconstpointer data)
{
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_autoptr(GError) err = NULL;
    char *buf = NULL;
    size_t blen = 0;
    FILE *warn = open_memstream(&buf, &blen);
    g_autofree char *spec = g_strconcat("current=", f->keytab, NULL);
    g_assert_cmpint(tw_keystore_add_keytab(ks, spec, warn, &err), ==, 5);
    g_assert_no_error(err);
    fclose(warn);
    g_assert_cmpuint(blen, ==, 0); /* mode 0600: no warning */
    free(buf);
    g_assert_cmpuint(tw_keystore_size(ks), ==, 5);

    /* Both generations of WS01$ for AES256, case-insensitive, any realm or this one. */
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    g_assert_cmpuint(tw_keystore_candidates(ks, "ws01$", "samba.lab", AES256, NULL, 0, c), ==, 2);
    g_assert_cmpuint(tw_key_kvno(c->pdata[0]), ==, 2);
    g_assert_cmpuint(tw_key_kvno(c->pdata[1]), ==, 3);
    g_assert_cmpstr(tw_key_label(c->pdata[0]), ==, "current");
    g_assert_cmpstr(tw_key_source(c->pdata[0]), ==, "ws01.keytab");
    g_assert_cmpint(tw_key_origin(c->pdata[0]), ==, TW_KEY_KEYTAB);
    g_assert_cmpstr(tw_key_principal(c->pdata[0]), ==, "WS01$@SAMBA.LAB");
    g_autoptr(GBytes) k3 = derive(AES256, "new-secret", "SAMBA.LABhostws01.samba.lab");
    g_assert_true(key_is(c->pdata[1], k3));
    g_assert_false(key_is(c->pdata[0], k3));
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS01$", NULL, 0, NULL, 0, c), ==, 4);
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS01$", "OTHER.REALM", AES256, NULL, 0, c), ==, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS02$", NULL, AES256, NULL, 0, c), ==, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "cifs/DC1.samba.lab", "SAMBA.LAB", AES256, NULL, 0, c), ==, 1);
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_by_enctype(ks, AES256, c), ==, 3);

    /* The NT hash of every generation: the RC4 entries. */
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_nthashes(ks, "ws01$@SAMBA.LAB", c), ==, 2);
    g_autoptr(GBytes) nt2 = derive(TW_ENCTYPE_RC4_HMAC, "old-secret", "");
    g_assert_true(key_is(c->pdata[0], nt2));

    /* A description names the key and never holds its bytes. */
    g_autofree char *d = tw_key_describe(c->pdata[0]);
    g_assert_cmpstr(d, ==, "WS01$@SAMBA.LAB kvno 2 rc4-hmac (current, ws01.keytab)");
}

static void test_loose_mode(Fixture *f, gconstpointer data)
{
    g_chmod(f->keytab, 0644);
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_autoptr(GError) err = NULL;
    char *buf = NULL;
    size_t blen = 0;
    FILE *warn = open_memstream(&buf, &blen);
    g_assert_cmpint(tw_keystore_add_keytab(ks, f->keytab, warn, &err), ==, 5);
    fclose(warn);
    g_assert_nonnull(strstr(buf, "accessible by group or others (mode 0644)"));
    free(buf);
    /* Group-readable is loose too. */
    g_chmod(f->keytab, 0640);
    g_autoptr(TwKeyStore) ks2 = tw_keystore_new();
    buf = NULL;
    warn = open_memstream(&buf, &blen);
    g_assert_cmpint(tw_keystore_add_keytab(ks2, f->keytab, warn, &err), ==, 5);
    fclose(warn);
    g_assert_nonnull(strstr(buf, "(mode 0640)"));
    free(buf);
    /* No label: the keys carry none. */
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    tw_keystore_candidates(ks, "WS01$", NULL, AES256, NULL, 0, c);
    g_assert_null(tw_key_label(c->pdata[0]));
}

static void test_bad_keytab(void)
{
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(tw_keystore_add_keytab(ks, "/nonexistent/x.keytab", NULL, &err), ==, -1);
    g_assert_nonnull(err);
    g_clear_error(&err);
    /* Not a keytab: libkrb5 says so and we pass it on. */
    g_autofree char *dir = g_dir_make_tmp("tw-keystore-XXXXXX", NULL);
    g_autofree char *p = g_build_filename(dir, "junk", NULL);
    g_assert_true(g_file_set_contents(p, "not a keytab at all", -1, NULL));
    g_assert_cmpint(tw_keystore_add_keytab(ks, p, NULL, &err), ==, -1);
    g_assert_nonnull(err);
    g_unlink(p);
    g_rmdir(dir);
}

static void test_password(void)
{
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(tw_keystore_add_password(ks, "previous=WS01$@SAMBA.LAB:pass:with:colons", &err));
    g_assert_true(tw_keystore_add_password(ks, "alice:password", &err));
    g_assert_false(tw_keystore_add_password(ks, "no-colon", &err));
    g_clear_error(&err);
    g_assert_false(tw_keystore_add_password(ks, ":pw", &err));
    g_clear_error(&err);

    /* Default salt: realm + name components ("SAMBA.LABWS01$"). */
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    g_assert_cmpuint(tw_keystore_candidates(ks, "ws01$", "SAMBA.LAB", AES256, NULL, 0, c), ==, 1);
    g_autoptr(GBytes) dflt = derive(AES256, "pass:with:colons", "SAMBA.LABWS01$");
    g_assert_true(key_is(c->pdata[0], dflt));
    g_assert_cmpstr(tw_key_label(c->pdata[0]), ==, "previous");
    g_assert_cmpint(tw_key_origin(c->pdata[0]), ==, TW_KEY_PASSWORD);
    const TwKey *first = c->pdata[0];

    /* The salt of PA-ETYPE-INFO2 gives another key; asking again hits the cache. */
    const char *ad = "SAMBA.LABhostws01.samba.lab";
    g_ptr_array_set_size(c, 0);
    tw_keystore_candidates(ks, "WS01$", "SAMBA.LAB", AES256, (const guint8 *)ad, strlen(ad), c);
    g_autoptr(GBytes) salted = derive(AES256, "pass:with:colons", ad);
    g_assert_true(key_is(c->pdata[0], salted));
    g_assert_false(key_is(c->pdata[0], dflt));
    g_ptr_array_set_size(c, 0);
    tw_keystore_candidates(ks, "WS01$", "SAMBA.LAB", AES256, NULL, 0, c);
    g_assert_true(c->pdata[0] == first);

    /* A principal without a realm takes the realm of the message for its salt. */
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "alice", "SAMBA.LAB", AES256, NULL, 0, c), ==, 1);
    g_autoptr(GBytes) alice = derive(AES256, "password", "SAMBA.LABalice");
    g_assert_true(key_is(c->pdata[0], alice));

    /* RC4: the NT hash of "password". */
    static const guint8 nt_password[16] = { 0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17,
                                            0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c };
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_nthashes(ks, "ALICE", c), ==, 1);
    gsize len;
    const guint8 *m = tw_key_material(c->pdata[0], &len);
    g_assert_cmpmem(m, len, nt_password, 16);
}

static void test_nthash(void)
{
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(tw_keystore_add_nthash(ks, "previous=WS02$:8846F7EAEE8FB117AD06BDD830B7586C", &err));
    g_assert_true(tw_keystore_add_nthash(ks, "WS02$@SAMBA.LAB:00112233445566778899aabbccddeeff", &err));
    g_assert_no_error(err);
    const char *bad[] = { "WS02$:8846f7", "WS02$:8846f7eaee8fb117ad06bdd830b7586cff", "8846f7eaee8fb117ad06bdd830b7586c",
                          "WS02$:8846f7eaee8fb117ad06bdd830b7586g", ":8846f7eaee8fb117ad06bdd830b7586c" };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(tw_keystore_add_nthash(ks, bad[i], &err));
        g_clear_error(&err);
    }
    g_assert_cmpuint(tw_keystore_size(ks), ==, 2);
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    g_assert_cmpuint(tw_keystore_nthashes(ks, "ws02$", c), ==, 2);
    g_assert_cmpstr(tw_key_label(c->pdata[0]), ==, "previous");
    g_assert_null(tw_key_label(c->pdata[1]));
    gsize len;
    const guint8 *m = tw_key_material(c->pdata[1], &len);
    g_assert_cmpuint(len, ==, 16);
    g_assert_cmpuint(m[0], ==, 0x00);
    g_assert_cmpuint(m[15], ==, 0xff);
    /* The same keys serve Kerberos RC4. */
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS02$", "SAMBA.LAB", TW_ENCTYPE_RC4_HMAC, NULL, 0, c), ==, 2);
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS02$", "SAMBA.LAB", AES256, NULL, 0, c), ==, 0);
}

/* RFC 3961 decrypt with the right key and usage; any other key, usage or a
 * cut cipher text fails; a learned salt is used for password keys. */
static void test_decrypt_and_salt(void)
{
    g_autoptr(TwKeyStore) ks = tw_keystore_new();
    g_assert_true(tw_keystore_add_password(ks, "WS01$@SAMBA.LAB:secret", NULL));
    const char *ad = "SAMBA.LABhostws01.samba.lab";
    g_assert_true(tw_keystore_learn_salt(ks, "ws01$", "SAMBA.LAB", ad));
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    g_assert_cmpuint(tw_keystore_candidates(ks, "WS01$", "SAMBA.LAB", AES256, NULL, 0, c), ==, 1);
    g_autoptr(GBytes) salted = derive(AES256, "secret", ad);
    g_assert_true(key_is(c->pdata[0], salted));
    const TwKey *k = c->pdata[0];

    krb5_context kc;
    g_assert_cmpint(krb5_init_context(&kc), ==, 0);
    gsize klen;
    const guint8 *kbytes = tw_key_material(k, &klen);
    krb5_keyblock kb = { .enctype = AES256, .length = (unsigned)klen, .contents = (krb5_octet *)kbytes };
    const char *msg = "patimestamp 20261202200000Z";
    size_t clen;
    g_assert_cmpint(krb5_c_encrypt_length(kc, AES256, strlen(msg), &clen), ==, 0);
    g_autofree guint8 *cbuf = g_malloc(clen);
    krb5_data in = { .data = (char *)msg, .length = (unsigned)strlen(msg) };
    krb5_enc_data out = { .enctype = AES256 };
    out.ciphertext.data = (char *)cbuf;
    out.ciphertext.length = (unsigned)clen;
    g_assert_cmpint(krb5_c_encrypt(kc, &kb, 1, NULL, &in, &out), ==, 0);
    krb5_free_context(kc);

    g_autoptr(GBytes) plain = tw_key_decrypt(ks, k, 1, cbuf, clen);
    g_assert_nonnull(plain);
    g_assert_cmpmem(g_bytes_get_data(plain, NULL), g_bytes_get_size(plain), msg, strlen(msg));
    g_assert_null(tw_key_decrypt(ks, k, 3, cbuf, clen));       /* other usage */
    g_assert_null(tw_key_decrypt(ks, k, 1, cbuf, clen - 1));   /* cut */
    g_assert_null(tw_key_decrypt(ks, k, 1, cbuf, 0));
    cbuf[clen / 2] ^= 1;
    g_assert_null(tw_key_decrypt(ks, k, 1, cbuf, clen));       /* flipped bit */
    cbuf[clen / 2] ^= 1;
    /* The default-salt key (another key) cannot decrypt it. */
    g_assert_true(tw_keystore_add_password(ks, "ws01$@OTHER.REALM:secret", NULL));
    g_ptr_array_set_size(c, 0);
    tw_keystore_candidates(ks, "WS01$", "OTHER.REALM", AES256, NULL, 0, c);
    g_assert_cmpuint(c->len, ==, 1);
    g_assert_null(tw_key_decrypt(ks, c->pdata[0], 1, cbuf, clen));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/keystore/keytab", Fixture, NULL, fixture_setup, test_keytab, fixture_teardown);
    g_test_add("/keystore/loose-mode", Fixture, NULL, fixture_setup, test_loose_mode, fixture_teardown);
    g_test_add_func("/keystore/bad-keytab", test_bad_keytab);
    g_test_add_func("/keystore/password", test_password);
    g_test_add_func("/keystore/nthash", test_nthash);
    g_test_add_func("/keystore/decrypt-and-salt", test_decrypt_and_salt);
    return g_test_run();
}
