/* nl-crypto.c — MS-NRPC secure-channel cryptography on nettle (see nl-crypto.h).
 * Every primitive is nettle's; this file only arranges them as MS-NRPC says. */
#include "nl-crypto.h"

#include <string.h>

#include <nettle/aes.h>
#include <nettle/arcfour.h>
#include <nettle/cfb.h>
#include <nettle/des.h>
#include <nettle/hmac.h>
#include <nettle/md4.h>
#include <nettle/md5.h>


TwNlAlg tw_nl_alg_for_flags(guint32 f)
{
    if (f & TW_NL_NEG_SUPPORTS_AES)
        return TW_NL_ALG_AES;
    if (f & TW_NL_NEG_STRONG_KEYS)
        return TW_NL_ALG_STRONG;
    return TW_NL_ALG_DES;
}

const char *tw_nl_alg_name(TwNlAlg alg)
{
    switch (alg) {
    case TW_NL_ALG_AES: return "AES";
    case TW_NL_ALG_STRONG: return "strong-key";
    case TW_NL_ALG_DES: return "DES";
    }
    return "?";
}

static guint32 le32(const guint8 *p)
{
    return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static void put_le32(guint8 *p, guint32 v)
{
    p[0] = (guint8)v;
    p[1] = (guint8)(v >> 8);
    p[2] = (guint8)(v >> 16);
    p[3] = (guint8)(v >> 24);
}

bool tw_nl_nt_hash(const char *pw, guint8 out[16])
{
    glong n = 0;
    g_autofree gunichar2 *u = g_utf8_to_utf16(pw, -1, NULL, &n, NULL);
    if (!u)
        return false;
    guint8 *le = g_malloc((gsize)n * 2 + 1);
    for (glong i = 0; i < n; i++) {
        le[2 * i] = (guint8)(u[i] & 0xff);
        le[2 * i + 1] = (guint8)(u[i] >> 8);
    }
    struct md4_ctx c;
    md4_init(&c);
    md4_update(&c, (size_t)n * 2, le);
    md4_digest(&c, 16, out);
    /* the password's UTF-16 copies are secrets too */
    memset(le, 0, (gsize)n * 2);
    memset(u, 0, (gsize)n * sizeof *u);
    g_free(le);
    return true;
}

void tw_nl_nt_hash_utf16le(const guint8 *bytes, gsize n, guint8 out[16])
{
    struct md4_ctx c;
    md4_init(&c);
    md4_update(&c, n, bytes);
    md4_digest(&c, 16, out);
}

/* MS-NRPC 3.1.4.3.3 / 3.1.4.4.2 InitLMKey: 56 key bits spread over 8 bytes,
 * the low bit of each byte being DES parity (nettle ignores it; fixed anyway). */
static void des_key56(const guint8 in[7], struct des_ctx *ctx)
{
    guint8 k[8];
    k[0] = in[0] >> 1;
    k[1] = (guint8)(((in[0] & 0x01) << 6) | (in[1] >> 2));
    k[2] = (guint8)(((in[1] & 0x03) << 5) | (in[2] >> 3));
    k[3] = (guint8)(((in[2] & 0x07) << 4) | (in[3] >> 4));
    k[4] = (guint8)(((in[3] & 0x0f) << 3) | (in[4] >> 5));
    k[5] = (guint8)(((in[4] & 0x1f) << 2) | (in[5] >> 6));
    k[6] = (guint8)(((in[5] & 0x3f) << 1) | (in[6] >> 7));
    k[7] = in[6] & 0x7f;
    for (int i = 0; i < 8; i++)
        k[i] = (guint8)(k[i] << 1);
    des_fix_parity(8, k, k);
    /* A weak key (returns 0) still gets its schedule: MS-NRPC does not
     * exclude them, so neither does the check. */
    (void)des_set_key(ctx, k);
    memset(k, 0, sizeof k);
}

/* Two DES-ECB passes of one block under two 56-bit keys. */
static void des_twice(const guint8 k1[7], const guint8 k2[7], const guint8 in[8], guint8 out[8])
{
    struct des_ctx c;
    guint8 mid[8];
    des_key56(k1, &c);
    des_encrypt(&c, 8, mid, in);
    des_key56(k2, &c);
    des_encrypt(&c, 8, out, mid);
    memset(&c, 0, sizeof c);
    memset(mid, 0, sizeof mid);
}

void tw_nl_session_key(TwNlAlg alg, const guint8 secret[16], const guint8 cc[8], const guint8 sc[8],
                       guint8 sk[16])
{
    memset(sk, 0, 16);
    switch (alg) {
    case TW_NL_ALG_AES: {
        /* 3.1.4.3.1: HMAC-SHA256(SharedSecret, ClientChallenge ‖ ServerChallenge), first 16 bytes */
        struct hmac_sha256_ctx h;
        guint8 full[SHA256_DIGEST_SIZE];
        hmac_sha256_set_key(&h, 16, secret);
        hmac_sha256_update(&h, 8, cc);
        hmac_sha256_update(&h, 8, sc);
        hmac_sha256_digest(&h, sizeof full, full);
        memcpy(sk, full, 16);
        memset(full, 0, sizeof full);
        memset(&h, 0, sizeof h);
        break;
    }
    case TW_NL_ALG_STRONG: {
        /* 3.1.4.3.2: HMAC-MD5(SharedSecret, MD5(0x00000000 ‖ ClientChallenge ‖ ServerChallenge)) */
        static const guint8 zeroes[4];
        struct md5_ctx m;
        guint8 d[MD5_DIGEST_SIZE];
        md5_init(&m);
        md5_update(&m, 4, zeroes);
        md5_update(&m, 8, cc);
        md5_update(&m, 8, sc);
        md5_digest(&m, sizeof d, d);
        struct hmac_md5_ctx h;
        hmac_md5_set_key(&h, 16, secret);
        hmac_md5_update(&h, sizeof d, d);
        hmac_md5_digest(&h, 16, sk);
        memset(&h, 0, sizeof h);
        break;
    }
    case TW_NL_ALG_DES: {
        /* 3.1.4.3.3: the challenges summed as two little-endian 32-bit
         * halves, then DES twice under the lower and the upper 7 bytes of
         * the SharedSecret (bytes 0-6 and 9-15). */
        guint8 sum[8];
        put_le32(sum, le32(cc) + le32(sc));
        put_le32(sum + 4, le32(cc + 4) + le32(sc + 4));
        des_twice(secret, secret + 9, sum, sk);
        break;
    }
    }
}

/* nettle_cipher_func over an aes128_ctx (cfb8 needs the function pointer). */
static void aes128_enc(const void *ctx, size_t n, uint8_t *dst, const uint8_t *src)
{
    aes128_encrypt(ctx, n, dst, src);
}

/* AES-128-CFB8 over len bytes in place with the given IV (which it consumes). */
static void aes_cfb8(const guint8 key[16], guint8 iv[16], guint8 *data, gsize len, bool decrypt)
{
    struct aes128_ctx c;
    aes128_set_encrypt_key(&c, key);
    if (decrypt)
        cfb8_decrypt(&c, aes128_enc, 16, iv, len, data, data);
    else
        cfb8_encrypt(&c, aes128_enc, 16, iv, len, data, data);
    memset(&c, 0, sizeof c);
}

void tw_nl_credential(TwNlAlg alg, const guint8 sk[16], const guint8 in[8], guint8 out[8])
{
    if (alg == TW_NL_ALG_AES) {
        /* 3.1.4.4.1: AES-128-CFB8 with a zero IV */
        guint8 iv[16] = { 0 };
        memcpy(out, in, 8);
        aes_cfb8(sk, iv, out, 8, false);
    } else {
        /* 3.1.4.4.2: DES under Sk[0..6], then under Sk[7..13] */
        guint8 tmp[8];
        memcpy(tmp, in, 8);
        des_twice(sk, sk + 7, tmp, out);
    }
}

void tw_nl_authenticator(TwNlAlg alg, const guint8 sk[16], const guint8 stored[8], guint32 ts,
                         guint8 out[8])
{
    guint8 s[8];
    memcpy(s, stored, 8);
    put_le32(s, le32(s) + ts);
    tw_nl_credential(alg, sk, s, out);
}

void tw_nl_stored_after_call(guint8 stored[8], guint32 ts)
{
    put_le32(stored, le32(stored) + ts + 1);
}

static void rc4(const guint8 key[16], guint8 *data, gsize len)
{
    struct arcfour_ctx c;
    arcfour_set_key(&c, 16, key);
    arcfour_crypt(&c, len, data, data);
    memset(&c, 0, sizeof c);
}

void tw_nl_trust_password_decrypt(TwNlAlg alg, const guint8 sk[16], guint8 buf[516])
{
    if (alg == TW_NL_ALG_AES) {
        guint8 iv[16] = { 0 };
        aes_cfb8(sk, iv, buf, 516, true);
    } else {
        rc4(sk, buf, 516);
    }
}

bool tw_nl_trust_password_length(const guint8 buf[516], guint32 *length_bytes)
{
    guint32 n = le32(buf + 512);
    *length_bytes = n;
    return n <= 512 && (n % 2) == 0;
}

/* ---- NL_AUTH_SIGNATURE ------------------------------------------------ */

bool tw_nl_sig_parse(const guint8 *p, gsize len, TwNlSig *sig)
{
    memset(sig, 0, sizeof *sig);
    if (len < 8)
        return false;
    sig->sign_alg = (guint16)(p[0] | (p[1] << 8));
    sig->seal_alg = (guint16)(p[2] | (p[3] << 8));
    /* 2.2.1.3.2: header 8, SequenceNumber 8, Checksum 8, Confounder 8.
     * 2.2.1.3.3 (SHA2) gives the Checksum 32 bytes and the Confounder the
     * offset 48, but Windows (and so Samba, auth/gensec/schannel.c
     * netsec_offset_and_sizes: "windows has a bug here and uses the old
     * values") sends an 8-byte checksum and the Confounder at offset 24 in
     * both; the SHA2 signature is 48 bytes, 56 when sealed. */
    gsize need = sig->sign_alg == TW_NL_SIGN_HMAC_SHA256 ? 48 : 24;
    if (need > len)
        return false;
    memcpy(sig->seq, p + 8, 8);
    memcpy(sig->checksum, p + 16, 8);
    if (sig->seal_alg != TW_NL_SEAL_NONE) {
        if (need + 8 > len)
            return false;
        memcpy(sig->confounder, p + 24, 8);
        sig->have_confounder = true;
    }
    return true;
}

void tw_nl_sig_sequence(const TwNlSig *sig, const guint8 sk[16], guint8 seq_out[8])
{
    memcpy(seq_out, sig->seq, 8);
    if (sig->sign_alg == TW_NL_SIGN_HMAC_SHA256) {
        guint8 iv[16];
        memcpy(iv, sig->checksum, 8);
        memcpy(iv + 8, sig->checksum, 8);
        aes_cfb8(sk, iv, seq_out, 8, true);
    } else {
        static const guint8 zeroes[4];
        guint8 k1[MD5_DIGEST_SIZE], k2[MD5_DIGEST_SIZE];
        struct hmac_md5_ctx h;
        hmac_md5_set_key(&h, 16, sk);
        hmac_md5_update(&h, 4, zeroes);
        hmac_md5_digest(&h, sizeof k1, k1);
        hmac_md5_set_key(&h, sizeof k1, k1);
        hmac_md5_update(&h, 8, sig->checksum);
        hmac_md5_digest(&h, sizeof k2, k2);
        rc4(k2, seq_out, 8);
        memset(&h, 0, sizeof h);
        memset(k1, 0, sizeof k1);
        memset(k2, 0, sizeof k2);
    }
}

guint64 tw_nl_seq_value(const guint8 s[8], bool *from_client)
{
    /* 3.3.4.2.1 step 3: the low 32 bits then the high 32 bits, each big-endian */
    guint32 lo = ((guint32)s[0] << 24) | ((guint32)s[1] << 16) | ((guint32)s[2] << 8) | s[3];
    guint32 hi = ((guint32)s[4] << 24) | ((guint32)s[5] << 16) | ((guint32)s[6] << 8) | s[7];
    if (from_client)
        *from_client = (hi & 0x80000000u) != 0;
    return ((guint64)(hi & 0x7fffffffu) << 32) | lo;
}

void tw_nl_unseal(const TwNlSig *sig, const guint8 sk[16], const guint8 clear_seq[8],
                  guint8 confounder_out[8], guint8 *data, gsize len)
{
    guint8 xk[16];
    for (int i = 0; i < 16; i++)
        xk[i] = sk[i] ^ 0xf0;
    memcpy(confounder_out, sig->confounder, 8);
    if (sig->seal_alg == TW_NL_SEAL_AES128) {
        guint8 iv[16];
        memcpy(iv, clear_seq, 8);
        memcpy(iv + 8, clear_seq, 8);
        struct aes128_ctx c;
        aes128_set_encrypt_key(&c, xk);
        /* one CFB8 stream: the confounder, then the stub */
        cfb8_decrypt(&c, aes128_enc, 16, iv, 8, confounder_out, confounder_out);
        if (len)
            cfb8_decrypt(&c, aes128_enc, 16, iv, len, data, data);
        memset(&c, 0, sizeof c);
    } else {
        static const guint8 zeroes[4];
        guint8 k1[MD5_DIGEST_SIZE], k2[MD5_DIGEST_SIZE];
        struct hmac_md5_ctx h;
        hmac_md5_set_key(&h, 16, xk);
        hmac_md5_update(&h, 4, zeroes);
        hmac_md5_digest(&h, sizeof k1, k1);
        hmac_md5_set_key(&h, sizeof k1, k1);
        hmac_md5_update(&h, 8, clear_seq);
        hmac_md5_digest(&h, sizeof k2, k2);
        struct arcfour_ctx c;
        arcfour_set_key(&c, 16, k2);
        arcfour_crypt(&c, 8, confounder_out, confounder_out);
        if (len)
            arcfour_crypt(&c, len, data, data);
        memset(&c, 0, sizeof c);
        memset(&h, 0, sizeof h);
        memset(k1, 0, sizeof k1);
        memset(k2, 0, sizeof k2);
    }
    memset(xk, 0, sizeof xk);
}
