/* test-nl-crypto.c — MS-NRPC secure-channel arithmetic (nl-crypto.c).
 * MS-NRPC publishes no credential examples, so the vectors are (a) the wire:
 * pcaps/04-netlogon-wrong-password.pcap frames 20-22, where impacket computed
 * the AES ClientCredential 80055d6b266ffd62 from the challenges and the NT
 * hash of "not-the-machine-password", and (b) a second implementation
 * (tests/unit/nl-vectors.py: Python hashlib/hmac + cryptography) for the
 * strong-key and DES paths, authenticators, NL_TRUST_PASSWORD and sealing.
 * Every vector is compared whole, so one wrong byte fails. */
#include <glib.h>

#include "dissectors/netlogon/nl-crypto.h"

#include "tw-test.h"

static const char *nt_hex = "8f2e3de4d847ab7dcbabc18577a20174";
static const char *cc_hex = "78ab5aac5b5e6556"; /* frame 20 ClientChallenge */
static const char *sc_hex = "22cbbe6784fcec5e"; /* frame 21 ServerChallenge */

/* 516 bytes: filler 0x5a, "NewPw1" in UTF-16LE at the end of Buffer, Length 12,
 * encrypted by the Python reference (tests/unit/nl-vectors.py); the RC4 one under the strong-key session key */
static const char *trust_pw_aes =
    "a224590c17c43ee633d3f598dd8fd6f18db15f959e4db6e13b588d1cf7fdceb7665fa60eca2da09727b7202538acf5a0"
    "01409a19e31fd1dc7da012443ae1a181ef80cd0c4dc62431a4d784829dffcfafcf18827608042b17f8974ff2e08ed380"
    "3468562db9f728964b330a1f49b9154898b4310eb71a3b97666ea52f8c47366659a2a798e705bcdd4764a337545bb20f"
    "e54999b506ef725570f00e8be9f6148b268d5b4f8f34170bfd6493977378624c45231f96ef52bf19186c585fa2c40a85"
    "05ce14b2c82041183b3febb9a2ceea2198f6ce6d7d8734b49afedf02b8f6548f5265cbeba8a7e7e9bb32ecb8df7d34d7"
    "501b62b434712817baefd80ae6cc698245590d8dd1c266e6f79ba1635b36588d021b40034b871e17ccc5a05072d3847d"
    "c081e5ef7a64271fe92b17b1a77b912bdd05e200246f768190d8a4ee76c36cf23e60534c3ba2cd52f8c2b4e1534e3dcd"
    "37130250ae2364ae63acaf77180b947b1e2af5457772fc03dd37beccf654090dd86b47f11c420081934e7c2d5059b2cb"
    "faa19c590121aae71cdad770e8901ea3b4f04c12040b035540c56602e0ad86ca6ca84d72f78f4aa61f027929b8051dcc"
    "c5f0dd5fd06733abb96e4ea02e28b0de401e94c9be314a227fa337bf2cc1483aff6f93effe7264a1a09ab81d71f1a22d"
    "688a4b209f5d85e9d1df15190ab0289507869ee6b37703f247f6c68306fa61d0729058cb";
static const char *trust_pw_rc4 =
    "d587f4600ec7377561de466d8665cf5fc09f392a43ff5a66ab3a6132057bf78b5c6ed13034e9ef96948680e6f38bff1b"
    "ab7f97587848ea53ecc74fa7f377561a18a02e841dcdcceb87abfa35c7be7c08d98478ea51fc946aea2a224640454fd4"
    "6f7baee6434122c7f030ead24c01cecff14f6bbe5da2b62d4bf721034295880d3768e14241b7d7596173314621cd8179"
    "3fe0dcd2178a4b987dc477055ce84eca31fdc1eb10823ddb69616d32b7f60f521fb1df0759ea37ef20d6709b192ff8e9"
    "05d767ce62d4685d90c5791e86a6b52e54049905e58221beab0c737008436e25e58eefaf68b0ecd428de26f1cf3e920c"
    "541ed7dc6ae1523f6e105a1c186b753ee1557c5eea328125400a30598cb344482d1a4cb9fe8cd3621b9bd7607e1950c5"
    "0491c27d6a58e403dd6456d8fdf901826c561785f54eb730dd99aba0163a446368c5234166c05536f7972b72cbae3adf"
    "34e4c1b5a513feb743143eee3ab1208924bc56a9129d9e6fe9839ae5187567b309b0b8d7825819d8c80ce629940b8b19"
    "997de9406e6b0dd38e0ee12cd93b538c2994ecc8dd6abad42857c6c809909cf9f7a65e01a9f14fdee0496282639b26c4"
    "dd01426f8777a054e8724b75d1d061433e00f2f4477daccaaec1d78f36a68f2da8e6520ed59109082af107800e14ce59"
    "ed8027920c946cede16bd526eefada1ef3476eb60b4c4b966e8ea7730349686462664c8f";

static void assert_hex(const guint8 *b, gsize n, const char *want)
{
    g_autofree char *got = g_malloc(n * 2 + 1);
    for (gsize i = 0; i < n; i++)
        g_snprintf(got + 2 * i, 3, "%02x", b[i]);
    g_assert_cmpstr(got, ==, want);
}

static void load(const char *h, guint8 *out, gsize n)
{
    g_autoptr(GByteArray) b = hex(h);
    g_assert_cmpuint(b->len, ==, n);
    memcpy(out, b->data, n);
}

typedef struct {
    guint8 nt[16], cc[8], sc[8];
} Inputs;

static Inputs inputs(void)
{
    Inputs in;
    load(nt_hex, in.nt, 16);
    load(cc_hex, in.cc, 8);
    load(sc_hex, in.sc, 8);
    return in;
}

static void test_nt_hash(void)
{
    guint8 h[16];
    g_assert_true(tw_nl_nt_hash("not-the-machine-password", h));
    assert_hex(h, 16, nt_hex);
    /* the classic NTOWFv1("password") */
    g_assert_true(tw_nl_nt_hash("password", h));
    assert_hex(h, 16, "8846f7eaee8fb117ad06bdd830b7586c");
    g_assert_false(tw_nl_nt_hash("\xff\xfe", h));
}

static void test_alg_for_flags(void)
{
    g_assert_cmpint(tw_nl_alg_for_flags(0x612fffff), ==, TW_NL_ALG_AES);
    g_assert_cmpint(tw_nl_alg_for_flags(0x01000000), ==, TW_NL_ALG_AES);
    g_assert_cmpint(tw_nl_alg_for_flags(0x00004000), ==, TW_NL_ALG_STRONG);
    g_assert_cmpint(tw_nl_alg_for_flags(0x40003fff), ==, TW_NL_ALG_DES);
    g_assert_cmpstr(tw_nl_alg_name(TW_NL_ALG_STRONG), ==, "strong-key");
}

/* The lab's wire: the DC refused this credential (the password was wrong on
 * purpose); recomputing it from the password the probe used gives the bytes
 * of frame 22 exactly. */
static void test_aes_wire(void)
{
    Inputs in = inputs();
    guint8 sk[16], cred[8];
    tw_nl_session_key(TW_NL_ALG_AES, in.nt, in.cc, in.sc, sk);
    assert_hex(sk, 16, "4c14fd838c3baad3b525d9653349647f");
    tw_nl_credential(TW_NL_ALG_AES, sk, in.cc, cred);
    assert_hex(cred, 8, "80055d6b266ffd62");
    tw_nl_credential(TW_NL_ALG_AES, sk, in.sc, cred);
    assert_hex(cred, 8, "da8ba6fe27a20cfc");
    /* one bit of the secret changes everything */
    in.nt[15] ^= 1;
    tw_nl_session_key(TW_NL_ALG_AES, in.nt, in.cc, in.sc, sk);
    tw_nl_credential(TW_NL_ALG_AES, sk, in.cc, cred);
    g_assert_true(memcmp(cred, "\x80\x05\x5d\x6b\x26\x6f\xfd\x62", 8) != 0);
}

static void test_strong_and_des(void)
{
    Inputs in = inputs();
    guint8 sk[16], cred[8];
    tw_nl_session_key(TW_NL_ALG_STRONG, in.nt, in.cc, in.sc, sk);
    assert_hex(sk, 16, "0c2554a8aa68024fa1c42630c09d8967");
    tw_nl_credential(TW_NL_ALG_STRONG, sk, in.cc, cred);
    assert_hex(cred, 8, "e57c48334fca9a9f");
    tw_nl_credential(TW_NL_ALG_STRONG, sk, in.sc, cred);
    assert_hex(cred, 8, "c0e50ac2858af575");
    tw_nl_session_key(TW_NL_ALG_DES, in.nt, in.cc, in.sc, sk);
    assert_hex(sk, 16, "34ef796c35779d0c0000000000000000");
    tw_nl_credential(TW_NL_ALG_DES, sk, in.cc, cred);
    assert_hex(cred, 8, "f76cac7da7b1a7d9");
}

static void test_authenticator(void)
{
    Inputs in = inputs();
    guint8 sk[16], stored[8], cred[8];
    tw_nl_session_key(TW_NL_ALG_AES, in.nt, in.cc, in.sc, sk);
    tw_nl_credential(TW_NL_ALG_AES, sk, in.cc, stored);
    tw_nl_authenticator(TW_NL_ALG_AES, sk, stored, 1700000000u, cred);
    assert_hex(cred, 8, "78d13a78a4b71709");
    /* the low 32 bits wrap, the high ones do not carry */
    guint8 s[8] = { 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0 };
    tw_nl_stored_after_call(s, 1);
    assert_hex(s, 8, "0100000007000000");
}

static void test_trust_password(void)
{
    Inputs in = inputs();
    guint8 sk[16], buf[516];
    guint32 n = 0;
    tw_nl_session_key(TW_NL_ALG_AES, in.nt, in.cc, in.sc, sk);
    load(trust_pw_aes, buf, sizeof buf);
    tw_nl_trust_password_decrypt(TW_NL_ALG_AES, sk, buf);
    g_assert_true(tw_nl_trust_password_length(buf, &n));
    g_assert_cmpuint(n, ==, 12);
    g_assert_cmpmem(buf + 500, 12, "N\0e\0w\0P\0w\0" "1\0", 12);
    g_assert_cmpuint(buf[0], ==, 0x5a);

    tw_nl_session_key(TW_NL_ALG_STRONG, in.nt, in.cc, in.sc, sk);
    load(trust_pw_rc4, buf, sizeof buf);
    tw_nl_trust_password_decrypt(TW_NL_ALG_STRONG, sk, buf);
    g_assert_true(tw_nl_trust_password_length(buf, &n));
    g_assert_cmpuint(n, ==, 12);
    g_assert_cmpmem(buf + 500, 12, "N\0e\0w\0P\0w\0" "1\0", 12);

    /* a wrong key gives a length that cannot be (odd or over 512) most of the time;
     * the bounds themselves: */
    memset(buf, 0, sizeof buf);
    buf[512] = 0x00; buf[513] = 0x02; /* 512 */
    g_assert_true(tw_nl_trust_password_length(buf, &n));
    buf[512] = 0x02; /* 514 */
    g_assert_false(tw_nl_trust_password_length(buf, &n));
    buf[512] = 0x03; buf[513] = 0x00;
    g_assert_false(tw_nl_trust_password_length(buf, &n));
}

/* NL_AUTH_SHA2_SIGNATURE (56 bytes) and NL_AUTH_SIGNATURE (32) built from the
 * reference's values, then unsealed. */
static void sig_bytes(GByteArray *b, guint16 sign, guint16 seal, const char *eseq, const char *econf,
                      gsize checksum_len)
{
    put16(b, sign);
    put16(b, seal);
    put16(b, 0xffff);
    put16(b, 0);
    g_autoptr(GByteArray) s = hex(eseq);
    g_byte_array_append(b, s->data, s->len);
    g_autoptr(GByteArray) ck = hex("a1b2c3d4e5f60718");
    g_byte_array_append(b, ck->data, ck->len);
    /* the Confounder at offset 24 in both (as Windows and Samba send the SHA2
     * signature), then the SHA2 signature's 24 further bytes */
    g_autoptr(GByteArray) c = hex(econf);
    g_byte_array_append(b, c->data, c->len);
    for (gsize i = 8; i < checksum_len; i++)
        put8(b, 0xee);
}

static void check_unseal(TwNlAlg alg, guint16 sign, guint16 seal, gsize cklen, const char *eseq,
                         const char *econf, const char *edata)
{
    Inputs in = inputs();
    guint8 sk[16];
    tw_nl_session_key(TW_NL_ALG_AES, in.nt, in.cc, in.sc, sk); /* the reference's key for both */
    (void)alg;
    g_autoptr(GByteArray) b = g_byte_array_new();
    sig_bytes(b, sign, seal, eseq, econf, cklen);
    TwNlSig sig;
    g_assert_true(tw_nl_sig_parse(b->data, b->len, &sig));
    g_assert_true(sig.have_confounder);
    g_assert_false(tw_nl_sig_parse(b->data, b->len - 1, &sig));
    g_assert_true(tw_nl_sig_parse(b->data, b->len, &sig));
    guint8 seq[8], conf[8];
    tw_nl_sig_sequence(&sig, sk, seq);
    assert_hex(seq, 8, "0000000580000000");
    bool client = false;
    g_assert_cmpuint(tw_nl_seq_value(seq, &client), ==, 5);
    g_assert_true(client);
    g_autoptr(GByteArray) d = hex(edata);
    tw_nl_unseal(&sig, sk, seq, conf, d->data, d->len);
    assert_hex(conf, 8, "0102030405060708");
    g_assert_cmpmem(d->data, d->len, "hello netlogon stub!", 20);
}

static void test_unseal(void)
{
    check_unseal(TW_NL_ALG_AES, TW_NL_SIGN_HMAC_SHA256, TW_NL_SEAL_AES128, 32, "47ad640891be7ef3",
                 "15682c3681199027", "35974d731bdf4edb5ac49265c0033b53a63664e3");
    check_unseal(TW_NL_ALG_STRONG, TW_NL_SIGN_HMAC_MD5, TW_NL_SEAL_RC4, 8, "df7b8d7724bb3096",
                 "2a303e0376f39518", "54f020f9cb74d1dab920a9b3979e4fa0ea029f9a");
    /* a signed-only signature has no confounder; a server's sequence number has the bit clear */
    guint8 raw[24] = { 0x77, 0, 0xff, 0xff };
    TwNlSig sig;
    g_assert_true(tw_nl_sig_parse(raw, sizeof raw, &sig));
    g_assert_false(sig.have_confounder);
    g_assert_false(tw_nl_sig_parse(raw, 23, &sig));
    guint8 s[8] = { 0, 0, 1, 0, 0x00, 0, 0, 2 };
    bool client = true;
    g_assert_cmpuint(tw_nl_seq_value(s, &client), ==, (2ull << 32) | 256);
    g_assert_false(client);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nl-crypto/nt-hash", test_nt_hash);
    g_test_add_func("/nl-crypto/alg-for-flags", test_alg_for_flags);
    g_test_add_func("/nl-crypto/aes-wire", test_aes_wire);
    g_test_add_func("/nl-crypto/strong-and-des", test_strong_and_des);
    g_test_add_func("/nl-crypto/authenticator", test_authenticator);
    g_test_add_func("/nl-crypto/trust-password", test_trust_password);
    g_test_add_func("/nl-crypto/unseal", test_unseal);
    return g_test_run();
}
