/* krb5-build.h — a small DER (X.690) writer for Kerberos messages and their
 * encrypted parts (RFC 4120 section 5), shared by test-krb5-keys.c and
 * fuzz-krb5-keyed.c (header-only: each is one translation unit).  Every
 * builder returns a new GByteArray (transfer full) and frees its inputs, so
 * messages nest as expressions: seq(ctx(0, int_(5)), ctx(1, ...)). */
#ifndef TW_KRB5_BUILD_H
#define TW_KRB5_BUILD_H

#include <glib.h>
#include <krb5.h>
#include <stdarg.h>
#include <string.h>

/* Identifier + definite length + content (frees content). */
static inline GByteArray *kb_tlv(guint8 id, GByteArray *content)
{
    GByteArray *b = g_byte_array_new();
    guint len = content ? content->len : 0;
    g_byte_array_append(b, &id, 1);
    if (len < 0x80) {
        guint8 l = (guint8)len;
        g_byte_array_append(b, &l, 1);
    } else {
        guint8 l[5];
        int n = 0;
        for (guint v = len; v; v >>= 8)
            n++;
        l[0] = (guint8)(0x80 | n);
        for (int i = 0; i < n; i++)
            l[1 + i] = (guint8)(len >> (8 * (n - 1 - i)));
        g_byte_array_append(b, l, (guint)n + 1);
    }
    if (content) {
        g_byte_array_append(b, content->data, content->len);
        g_byte_array_unref(content);
    }
    return b;
}

/* Concatenates NULL-terminated parts (frees them). */
static inline GByteArray *kb_cat(GByteArray *first, ...)
{
    GByteArray *out = g_byte_array_new();
    va_list ap;
    va_start(ap, first);
    for (GByteArray *p = first; p; p = va_arg(ap, GByteArray *)) {
        g_byte_array_append(out, p->data, p->len);
        g_byte_array_unref(p);
    }
    va_end(ap);
    return out;
}

#define kb_seq(...) kb_tlv(0x30, kb_cat(__VA_ARGS__, NULL))
static inline GByteArray *kb_ctx(guint n, GByteArray *v) { return kb_tlv((guint8)(0xa0 | n), v); }
static inline GByteArray *kb_app(guint n, GByteArray *v) { return kb_tlv((guint8)(0x60 | n), v); }

static inline GByteArray *kb_int(gint64 v)
{
    guint8 b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (guint8)((guint64)v >> (8 * (7 - i)));
    /* minimal two's complement: drop a leading 00 (ff) before a clear (set) sign bit */
    int s = 0;
    while (s < 7 && ((b[s] == 0x00 && !(b[s + 1] & 0x80)) || (b[s] == 0xff && (b[s + 1] & 0x80))))
        s++;
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, b + s, (guint)(8 - s));
    return kb_tlv(0x02, c);
}

static inline GByteArray *kb_bytes(guint8 id, const void *p, gsize n)
{
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, p, (guint)n);
    return kb_tlv(id, c);
}

static inline GByteArray *kb_octets(const void *p, gsize n) { return kb_bytes(0x04, p, n); }
static inline GByteArray *kb_octets_ba(GByteArray *b)
{
    GByteArray *r = kb_octets(b->data, b->len);
    g_byte_array_unref(b);
    return r;
}
static inline GByteArray *kb_str(const char *s) { return kb_bytes(0x1b, s, strlen(s)); } /* GeneralString */
static inline GByteArray *kb_time(const char *s) { return kb_bytes(0x18, s, strlen(s)); } /* "20261202203000Z" */
static inline GByteArray *kb_flags(guint32 v)
{
    guint8 b[5] = { 0, (guint8)(v >> 24), (guint8)(v >> 16), (guint8)(v >> 8), (guint8)v };
    return kb_bytes(0x03, b, 5);
}

/* RFC 4120 5.2.2 PrincipalName from "a/b". */
static inline GByteArray *kb_principal(gint64 type, const char *name)
{
    gchar **parts = g_strsplit(name, "/", -1);
    GByteArray *comps = g_byte_array_new();
    for (gchar **p = parts; *p; p++) {
        GByteArray *s = kb_str(*p);
        g_byte_array_append(comps, s->data, s->len);
        g_byte_array_unref(s);
    }
    g_strfreev(parts);
    return kb_seq(kb_ctx(0, kb_int(type)), kb_ctx(1, kb_tlv(0x30, comps)));
}

/* RFC 4120 5.2.9 EncryptedData { etype, [kvno], cipher }. */
static inline GByteArray *kb_enc_data(gint32 etype, gint64 kvno, GByteArray *cipher)
{
    if (kvno >= 0)
        return kb_seq(kb_ctx(0, kb_int(etype)), kb_ctx(1, kb_int(kvno)), kb_ctx(2, kb_octets_ba(cipher)));
    return kb_seq(kb_ctx(0, kb_int(etype)), kb_ctx(2, kb_octets_ba(cipher)));
}

/* RFC 4120 5.2.9 EncryptionKey. */
static inline GByteArray *kb_enc_key(gint32 etype, const guint8 *key, gsize n)
{
    return kb_seq(kb_ctx(0, kb_int(etype)), kb_ctx(1, kb_octets(key, n)));
}

/* RFC 3961 encrypt (libkrb5) of PLAIN (freed) under KEY with USAGE. */
static inline GByteArray *kb_encrypt(krb5_context kc, gint32 etype, const guint8 *key, gsize klen, gint32 usage,
                                     GByteArray *plain)
{
    krb5_keyblock kb = { .enctype = etype, .length = (unsigned)klen, .contents = (krb5_octet *)key };
    size_t clen = 0;
    g_assert_cmpint(krb5_c_encrypt_length(kc, etype, plain->len, &clen), ==, 0);
    GByteArray *c = g_byte_array_sized_new((guint)clen);
    g_byte_array_set_size(c, (guint)clen);
    krb5_data in = { .data = (char *)plain->data, .length = plain->len };
    krb5_enc_data out = { .enctype = etype };
    out.ciphertext.data = (char *)c->data;
    out.ciphertext.length = (unsigned)clen;
    g_assert_cmpint(krb5_c_encrypt(kc, &kb, usage, NULL, &in, &out), ==, 0);
    g_byte_array_set_size(c, out.ciphertext.length);
    g_byte_array_unref(plain);
    return c;
}

/* A Ticket [APPLICATION 1] whose enc-part is CIPHER (freed). */
static inline GByteArray *kb_ticket(const char *realm, const char *sname, gint32 etype, gint64 kvno, GByteArray *cipher)
{
    return kb_app(1, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_str(realm)), kb_ctx(2, kb_principal(2, sname)),
                            kb_ctx(3, kb_enc_data(etype, kvno, cipher))));
}

/* An AS-REQ [APPLICATION 10] for CNAME@REALM with one PA-ENC-TIMESTAMP
 * whose cipher text is CIPHER (freed). */
static inline GByteArray *kb_as_req(const char *cname, const char *realm, gint32 etype, GByteArray *cipher)
{
    GByteArray *pa_value = kb_enc_data(etype, -1, cipher);
    GByteArray *padata = kb_seq(kb_seq(kb_ctx(1, kb_int(2)), kb_ctx(2, kb_octets_ba(pa_value))));
    g_autofree char *tgt = g_strconcat("krbtgt/", realm, NULL);
    GByteArray *body = kb_seq(kb_ctx(0, kb_flags(0x40810010)), kb_ctx(1, kb_principal(1, cname)),
                              kb_ctx(2, kb_str(realm)), kb_ctx(3, kb_principal(2, tgt)),
                              kb_ctx(5, kb_time("20261203203000Z")), kb_ctx(7, kb_int(12345)),
                              kb_ctx(8, kb_seq(kb_int(etype))));
    return kb_app(10, kb_seq(kb_ctx(1, kb_int(5)), kb_ctx(2, kb_int(10)), kb_ctx(3, padata), kb_ctx(4, body)));
}

#endif
