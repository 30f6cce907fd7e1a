/* fuzz-keydecrypt.c — keys/keystore.c tw_key_decrypt, the one decrypt path
 * of every Kerberos part (RFC 3961 through krb5_c_decrypt): arbitrary cipher
 * text of any length with AES256, AES128 and RC4 keys and every key usage the
 * dissectors use (1, 2, 3, 7, 8, 9, 11).  The first input byte picks key and
 * usage.  Invariants: garbage never decrypts to more bytes than it has, and
 * the input, encrypted with the same key and usage (krb5_c_encrypt), always
 * decrypts back to itself and never under another usage. */
#include "keys/keystore.h"

#include <krb5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static TwKeyStore *store;
static const TwKey *keys[3];
static const gint32 usages[] = { 1, 2, 3, 7, 8, 9, 11 };

static void setup(void)
{
    store = tw_keystore_new();
    g_assert_true(tw_keystore_add_password(store, "fuzz@FUZZ.TEST:fuzz-password", NULL));
    const gint32 ets[3] = { 18, 17, TW_ENCTYPE_RC4_HMAC };
    for (int i = 0; i < 3; i++) {
        g_autoptr(GPtrArray) c = g_ptr_array_new();
        g_assert_cmpuint(tw_keystore_candidates(store, "fuzz", "FUZZ.TEST", ets[i], NULL, 0, c), ==, 1);
        keys[i] = c->pdata[0];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        setup();
    if (size < 1)
        return 0;
    const TwKey *k = keys[(data[0] & 0x0f) % 3];
    gint32 usage = usages[(data[0] >> 4) % G_N_ELEMENTS(usages)];
    const guint8 *p = data + 1;
    gsize n = size - 1;

    GBytes *plain = tw_key_decrypt(store, k, usage, p, n);
    if (plain) {
        g_assert_cmpuint(g_bytes_get_size(plain), <=, n);
        g_bytes_unref(plain);
    }

    /* Round trip: the input as plain text. */
    krb5_context kc;
    if (krb5_init_context(&kc) != 0)
        return 0;
    gsize klen;
    const guint8 *kb_bytes = tw_key_material(k, &klen);
    krb5_keyblock kb = { .enctype = tw_key_enctype(k), .length = (unsigned)klen, .contents = (krb5_octet *)kb_bytes };
    size_t clen = 0;
    g_assert_cmpint(krb5_c_encrypt_length(kc, kb.enctype, n, &clen), ==, 0);
    guint8 *cbuf = g_malloc(clen);
    krb5_data in = { .data = (char *)p, .length = (unsigned)n };
    krb5_enc_data out = { .enctype = kb.enctype };
    out.ciphertext.data = (char *)cbuf;
    out.ciphertext.length = (unsigned)clen;
    g_assert_cmpint(krb5_c_encrypt(kc, &kb, usage, NULL, &in, &out), ==, 0);
    GBytes *back = tw_key_decrypt(store, k, usage, cbuf, out.ciphertext.length);
    g_assert_nonnull(back);
    g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), p, n);
    g_bytes_unref(back);
    GBytes *other = tw_key_decrypt(store, k, usage == 1 ? 2 : 1, cbuf, out.ciphertext.length);
    g_assert_null(other);
    g_free(cbuf);
    krb5_free_context(kc);
    return 0;
}
