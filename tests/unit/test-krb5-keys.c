/* test-krb5-keys.c — Kerberos with keys in the dissector (dissectors/krb5/,
 * docs/events.md "Kerberos with keys"): messages built with the DER writer
 * of krb5-build.h and encrypted with libkrb5 under known keys, parsed with
 * a key store.  Which generation opens a PA-ENC-TIMESTAMP (or none), the
 * salt a KRB-ERROR announces for password keys, a cipher cut by the capture,
 * the session-key chain AS-REP → TGS-REQ → TGS-REP → AP-REQ → AP-REP with
 * the ticket, its PAC and the authenticators, the learned-key cap, and that
 * no key reaches an event or (without --show-keys) the teaching view. */
#include "dissectors/krb5/krb5.h"
#include "dissectors/krb5/krb5-keys.h"
#include "keys/keystore.h"

#include "krb5-build.h"
#include "tw-test.h"

#define AES256 18
#define RC4 23
#define REALM "SAMBA.LAB"
#define CLIENT "192.0.2.1"
#define KDC "192.0.2.2"
#define SERVER "192.0.2.3"

typedef struct {
    TwKeyStore *ks;
    krb5_context kc;
    GHashTable *counters;
    guint64 frame;
} Fx;

static void fx_setup(Fx *f, gconstpointer data)
{
    tw_krb5_keys_reset();
    f->ks = tw_keystore_new();
    g_assert_true(tw_keystore_add_password(f->ks, "current=WS01$@" REALM ":pw-new", NULL));
    g_assert_true(tw_keystore_add_password(f->ks, "previous=WS01$@" REALM ":pw-old", NULL));
    /* the service's key: an NT hash, the RC4 key of SRV1$ */
    g_assert_true(tw_keystore_add_nthash(f->ks, "SRV1$@" REALM ":00112233445566778899aabbccddeeff", NULL));
    g_assert_cmpint(krb5_init_context(&f->kc), ==, 0);
    f->counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    f->frame = 0;
}

static void fx_teardown(Fx *f, gconstpointer data)
{
    tw_keystore_free(f->ks);
    krb5_free_context(f->kc);
    g_hash_table_unref(f->counters);
    tw_krb5_keys_reset();
}

static guint64 counter(Fx *f, const char *name)
{
    guint64 *v = g_hash_table_lookup(f->counters, g_intern_string(name));
    return v ? *v : 0;
}

/* The store's key of NAME for ETYPE (a password derived with the salt in force). */
static const TwKey *store_key(Fx *f, const char *name, gint32 etype, const char *label)
{
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    tw_keystore_candidates(f->ks, name, REALM, etype, NULL, 0, c);
    for (guint i = 0; i < c->len; i++)
        if (!label || g_strcmp0(tw_key_label(c->pdata[i]), label) == 0)
            return c->pdata[i];
    g_assert_not_reached();
}

static GByteArray *encrypt_with(Fx *f, const TwKey *k, gint32 usage, GByteArray *plain)
{
    gsize n;
    const guint8 *b = tw_key_material(k, &n);
    return kb_encrypt(f->kc, tw_key_enctype(k), b, n, usage, plain);
}

/* Parses one message as sent from src to dst, with the key store (tree, show_keys as asked). */
static TwEvent *parse_as(Fx *f, GByteArray *msg, gsize reported, const char *src, const char *dst, bool tree,
                         bool show_keys)
{
    TwPacketInfo pi = { 0 };
    pi.frame = ++f->frame;
    pi.ts_us = 1764707400000000 + (gint64)f->frame * 1000; /* 2025-12-02T20:30:00Z + frame ms */
    pi.transport = "tcp";
    g_strlcpy(pi.src, src, sizeof pi.src);
    g_strlcpy(pi.dst, dst, sizeof pi.dst);
    pi.sport = strcmp(src, CLIENT) == 0 ? 50000 : 88;
    pi.dport = strcmp(src, CLIENT) == 0 ? 88 : 50000;
    TwDissectCtx ctx = { .pi = &pi, .want_tree = tree, .keys = f->ks, .show_keys = show_keys,
                         .counters = f->counters };
    TwEvent *ev = tw_krb5_parse_message(&ctx, msg->data, msg->len, reported ? reported : msg->len);
    g_byte_array_unref(msg);
    g_assert_nonnull(ev);
    return ev;
}

static GByteArray *pa_enc_ts(const char *when, gint64 usec)
{
    return kb_seq(kb_ctx(0, kb_time(when)), kb_ctx(1, kb_int(usec)));
}

/* RFC 4120 5.9.1 KRB-ERROR 25 whose e-data METHOD-DATA carries ETYPE-INFO2 with SALT. */
static GByteArray *preauth_required(const char *cname, const char *salt)
{
    GByteArray *info2 = kb_seq(kb_seq(kb_ctx(0, kb_int(AES256)), kb_ctx(1, kb_str(salt))));
    GByteArray *edata = kb_seq(kb_seq(kb_ctx(1, kb_int(19)), kb_ctx(2, kb_octets_ba(info2))));
    return kb_app(30, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(30)), kb_ctx(4, kb_time("20251202203000Z")),
                             kb_ctx(5, kb_int(1)), kb_ctx(6, kb_int(25)), kb_ctx(7, kb_str(REALM)),
                             kb_ctx(8, kb_principal(1, cname)), kb_ctx(9, kb_str(REALM)),
                             kb_ctx(10, kb_principal(2, "krbtgt/" REALM)), kb_ctx(12, kb_octets_ba(edata))));
}

/* The generation that opens a PA-ENC-TIMESTAMP, the client's clock in it;
 * the salt a KRB-ERROR announced is the one password keys are made with. */
static void test_pa_generation(Fx *f, gconstpointer data)
{
    const char *salt = REALM "hostws01.samba.lab";
    TwEvent *err = parse_as(f, preauth_required("WS01$", salt), 0, KDC, CLIENT, false, false);
    tw_event_free(err);
    /* the key of "previous" with the announced salt, as a Windows machine makes it */
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    tw_keystore_candidates(f->ks, "WS01$", REALM, AES256, (const guint8 *)salt, strlen(salt), c);
    const TwKey *old = NULL;
    for (guint i = 0; i < c->len; i++)
        if (g_strcmp0(tw_key_label(c->pdata[i]), "previous") == 0)
            old = c->pdata[i];
    g_assert_nonnull(old);
    GByteArray *cipher = encrypt_with(f, old, 1, pa_enc_ts("20251202203001Z", 654321));
    g_autoptr(TwEvent) ev = parse_as(f, kb_as_req("WS01$", REALM, AES256, cipher), 0, CLIENT, KDC, true, false);
    g_assert_true(tw_event_get_bool(ev, "pa_enc_timestamp_decrypted", false));
    g_assert_true(tw_event_get_bool(ev, "decrypted", false));
    g_assert_cmpstr(tw_event_get_str(ev, "key_label"), ==, "previous");
    g_assert_cmpint(tw_event_get_int(ev, "key_generation_index", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(ev, "key_generations", 0), ==, 2);
    g_assert_false(tw_event_has(ev, "key_kvno")); /* a password key has none */
    g_assert_cmpstr(tw_event_get_str(ev, "key_principal"), ==, "WS01$@" REALM);
    g_assert_cmpstr(tw_event_get_str(ev, "patimestamp"), ==, "2025-12-02T20:30:01.000000Z");
    g_assert_cmpint(tw_event_get_int(ev, "pausec", -1), ==, 654321);
    g_assert_false(tw_event_is_truncated(ev, "patimestamp"));
    /* the teaching view: the salt with its frame, the usage, both candidates */
    GString *t = g_string_new(NULL);
    for (guint i = 0; ev->tree && i < ev->tree->len; i++) {
        const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
        g_string_append_printf(t, "%s: %s\n", n->name, n->value ? n->value : "");
    }
    g_assert_nonnull(strstr(t->str, "salt: " REALM "hostws01.samba.lab (frame 1)"));
    g_assert_nonnull(strstr(t->str, "key usage: 1"));
    g_assert_nonnull(strstr(t->str, "key 1 of 2: WS01$@" REALM " aes256-cts (current, --password): checksum fails"));
    g_assert_nonnull(strstr(t->str, "key 2 of 2: WS01$@" REALM " aes256-cts (previous, --password): checksum verified"));
    g_assert_nonnull(strstr(t->str, "client clock: 2025-12-02T20:30:01.654321Z"));
    g_assert_nonnull(strstr(t->str, "previous opens it: generation 2 of 2"));
    g_string_free(t, TRUE);
    g_assert_cmpuint(counter(f, "kerberos.decrypted"), ==, 1);
}

/* None of the supplied generations: false, how many were tried, no clock. */
static void test_pa_none(Fx *f, gconstpointer data)
{
    g_autoptr(TwKeyStore) other = tw_keystore_new();
    g_assert_true(tw_keystore_add_password(other, "WS01$@" REALM ":a-password-nobody-supplied", NULL));
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    tw_keystore_candidates(other, "WS01$", REALM, AES256, NULL, 0, c);
    GByteArray *cipher = encrypt_with(f, c->pdata[0], 1, pa_enc_ts("20251202203001Z", 1));
    g_autoptr(TwEvent) ev = parse_as(f, kb_as_req("WS01$", REALM, AES256, cipher), 0, CLIENT, KDC, false, false);
    g_assert_true(tw_event_has(ev, "pa_enc_timestamp_decrypted"));
    g_assert_false(tw_event_get_bool(ev, "pa_enc_timestamp_decrypted", true));
    g_assert_cmpint(tw_event_get_int(ev, "key_generations", 0), ==, 2);
    g_assert_false(tw_event_has(ev, "key_label"));
    g_assert_false(tw_event_has(ev, "patimestamp"));
    g_assert_false(tw_event_has(ev, "decrypted"));
    /* the right generation under another usage does not open it either (RFC 4120 7.5.1) */
    GByteArray *wrong = encrypt_with(f, store_key(f, "WS01$", AES256, "current"), 3, pa_enc_ts("20251202203001Z", 1));
    g_autoptr(TwEvent) ev2 = parse_as(f, kb_as_req("WS01$", REALM, AES256, wrong), 0, CLIENT, KDC, false, false);
    g_assert_false(tw_event_get_bool(ev2, "pa_enc_timestamp_decrypted", true));
    /* another client's keys are not tried: nothing said */
    GByteArray *c3 = encrypt_with(f, store_key(f, "WS01$", AES256, "current"), 1, pa_enc_ts("20251202203001Z", 1));
    g_autoptr(TwEvent) ev3 = parse_as(f, kb_as_req("WS09$", REALM, AES256, c3), 0, CLIENT, KDC, false, false);
    g_assert_false(tw_event_has(ev3, "pa_enc_timestamp_decrypted"));
}

/* A cipher text the capture cut is not tried (and the message is truncated). */
static void test_pa_cut(Fx *f, gconstpointer data)
{
    GByteArray *cipher = encrypt_with(f, store_key(f, "WS01$", AES256, "current"), 1, pa_enc_ts("20251202203001Z", 1));
    GByteArray *msg = kb_as_req("WS01$", REALM, AES256, cipher);
    /* cut inside the PA-ENC-TIMESTAMP's cipher text */
    gsize full = msg->len;
    guint8 *p = memchr(msg->data + 20, 0x04, msg->len - 20); /* the padata-value OCTET STRING */
    g_assert_nonnull(p);
    g_byte_array_set_size(msg, (guint)(p - msg->data) + 30);
    g_autoptr(TwEvent) ev = parse_as(f, msg, full, CLIENT, KDC, false, false);
    g_assert_true(tw_event_get_bool(ev, "truncated", false));
    g_assert_false(tw_event_has(ev, "pa_enc_timestamp_decrypted"));
    g_assert_cmpuint(counter(f, "kerberos.decrypted"), ==, 0);
}

/* ---- the chain ---- */

static const guint8 K_TGT[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const guint8 K_SUB[32] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
                                  0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
                                  0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0 };
static const guint8 K_SRV[32] = { 0x5e, 0x55, 0x10, 0x4b, 0x39, 0x9a, 0x3c, 0x11, 0x77, 0x81, 0x02,
                                  0x0f, 0xee, 0xd4, 0x63, 0x2a, 0x90, 0x18, 0xc7, 0x44, 0x6d, 0x2e,
                                  0x71, 0x05, 0xab, 0x3f, 0x66, 0x92, 0x0c, 0xd8, 0x47, 0x13 };

static GByteArray *utf16(const char *s)
{
    GByteArray *b = g_byte_array_new();
    for (; *s; s++)
        put16(b, (guint8)*s);
    return b;
}

/* MS-PAC 2.5 KERB_VALIDATION_INFO (MS-RPCE 2.2.6 type serialization) with
 * EffectiveName, two GroupIds and LogonDomainName. */
static GByteArray *logon_info(const char *name, guint32 rid, const char *domain)
{
    GByteArray *b = g_byte_array_new();
    put8(b, 1);
    put8(b, 0x10);
    put16(b, 8);
    put32(b, 0xcccccccc);
    put32(b, 0); /* object buffer length (not checked) */
    put32(b, 0);
    put32(b, 0x00020000); /* referent */
    for (int i = 0; i < 12; i++)
        put32(b, 0); /* six FILETIMEs */
    put16(b, (guint16)(2 * strlen(name)));
    put16(b, (guint16)(2 * strlen(name)));
    put32(b, 0x00020004); /* EffectiveName */
    for (int i = 0; i < 5; i++) {
        put32(b, 0);
        put32(b, 0); /* FullName … HomeDirectoryDrive: empty, NULL */
    }
    put16(b, 7);          /* LogonCount */
    put16(b, 0);
    put32(b, rid);        /* UserId */
    put32(b, 515);        /* PrimaryGroupId */
    put32(b, 2);          /* GroupCount */
    put32(b, 0x00020008); /* GroupIds */
    put32(b, 0x20);       /* UserFlags */
    for (int i = 0; i < 4; i++)
        put32(b, 0);      /* UserSessionKey */
    put32(b, 0);
    put32(b, 0);          /* LogonServer: NULL */
    put16(b, (guint16)(2 * strlen(domain)));
    put16(b, (guint16)(2 * strlen(domain)));
    put32(b, 0x0002000c); /* LogonDomainName */
    for (int i = 0; i < 16; i++)
        put32(b, 0);      /* LogonDomainId … ResourceGroupIds (64 bytes) */
    /* deferred: EffectiveName, GroupIds, LogonDomainName */
    GByteArray *n = utf16(name);
    put32(b, (guint32)strlen(name));
    put32(b, 0);
    put32(b, (guint32)strlen(name));
    g_byte_array_append(b, n->data, n->len);
    g_byte_array_unref(n);
    while (b->len % 4)
        put8(b, 0);
    put32(b, 2);
    put32(b, 515);
    put32(b, 7);
    put32(b, 513);
    put32(b, 7);
    GByteArray *d = utf16(domain);
    put32(b, (guint32)strlen(domain));
    put32(b, 0);
    put32(b, (guint32)strlen(domain));
    g_byte_array_append(b, d->data, d->len);
    g_byte_array_unref(d);
    return b;
}

/* MS-PAC 2.3 PACTYPE with a LOGON_INFO and a CLIENT_INFO buffer. */
static GByteArray *pac(const char *name)
{
    GByteArray *li = logon_info(name, 1104, "SAMBA");
    GByteArray *ci = g_byte_array_new();
    put64(ci, 134090000000000000ULL);
    GByteArray *n = utf16(name);
    put16(ci, (guint16)n->len);
    g_byte_array_append(ci, n->data, n->len);
    g_byte_array_unref(n);
    GByteArray *b = g_byte_array_new();
    put32(b, 2);
    put32(b, 0);
    guint32 off1 = 8 + 2 * 16, off2 = (off1 + li->len + 7) & ~7u;
    put32(b, 1);
    put32(b, li->len);
    put64(b, off1);
    put32(b, 10);
    put32(b, ci->len);
    put64(b, off2);
    g_byte_array_append(b, li->data, li->len);
    while (b->len < off2)
        put8(b, 0);
    g_byte_array_append(b, ci->data, ci->len);
    g_byte_array_unref(li);
    g_byte_array_unref(ci);
    return b;
}

/* RFC 4120 5.3 EncTicketPart [APPLICATION 3] with the session key K and the PAC. */
static GByteArray *enc_ticket_part(const guint8 *k, const char *cname)
{
    GByteArray *win2k = kb_seq(kb_seq(kb_ctx(0, kb_int(128)), kb_ctx(1, kb_octets_ba(pac(cname)))));
    GByteArray *authz = kb_seq(kb_seq(kb_ctx(0, kb_int(1)), kb_ctx(1, kb_octets_ba(win2k))));
    return kb_app(3, kb_seq(kb_ctx(0, kb_flags(0x40a10000)), kb_ctx(1, kb_enc_key(AES256, k, 32)),
                            kb_ctx(2, kb_str(REALM)), kb_ctx(3, kb_principal(1, cname)),
                            kb_ctx(4, kb_seq(kb_ctx(0, kb_int(1)), kb_ctx(1, kb_octets("", 0)))),
                            kb_ctx(5, kb_time("20251202203000Z")), kb_ctx(7, kb_time("20251203063000Z")),
                            kb_ctx(10, authz)));
}

/* RFC 4120 5.4.2 EncKDCRepPart under APPLICATION tag app, with key K. */
static GByteArray *enc_kdc_rep_part(guint app, const guint8 *k, gint64 nonce, const char *sname)
{
    return kb_app(app, kb_seq(kb_ctx(0, kb_enc_key(AES256, k, 32)),
                              kb_ctx(1, kb_seq(kb_seq(kb_ctx(0, kb_int(0)), kb_ctx(1, kb_time("19700101000000Z"))))),
                              kb_ctx(2, kb_int(nonce)), kb_ctx(4, kb_flags(0x40a10000)),
                              kb_ctx(5, kb_time("20251202203000Z")), kb_ctx(7, kb_time("20251203063000Z")),
                              kb_ctx(9, kb_str(REALM)), kb_ctx(10, kb_principal(2, sname))));
}

/* RFC 4120 5.5.1 Authenticator [APPLICATION 2]; a subkey when sub. */
static GByteArray *authenticator(const char *cname, const char *ctime, gint64 cusec, const guint8 *sub)
{
    if (sub)
        return kb_app(2, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_str(REALM)), kb_ctx(2, kb_principal(1, cname)),
                                kb_ctx(4, kb_int(cusec)), kb_ctx(5, kb_time(ctime)),
                                kb_ctx(6, kb_enc_key(AES256, sub, 32)), kb_ctx(7, kb_int(4242))));
    return kb_app(2, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_str(REALM)), kb_ctx(2, kb_principal(1, cname)),
                            kb_ctx(4, kb_int(cusec)), kb_ctx(5, kb_time(ctime))));
}

static GByteArray *kdc_rep(guint app, guint msg_type, const char *cname, GByteArray *ticket, gint64 kvno,
                           GByteArray *enc)
{
    return kb_app(app, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(msg_type)), kb_ctx(3, kb_str(REALM)),
                              kb_ctx(4, kb_principal(1, cname)), kb_ctx(5, ticket),
                              kb_ctx(6, kb_enc_data(AES256, kvno, enc))));
}

static GByteArray *ap_req_body(GByteArray *ticket, GByteArray *auth_cipher)
{
    return kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(14)), kb_ctx(2, kb_flags(0)), kb_ctx(3, ticket),
                  kb_ctx(4, kb_enc_data(AES256, -1, auth_cipher)));
}

static GByteArray *copy(const GByteArray *b)
{
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, b->data, b->len);
    return c;
}

/* AS-REP → TGS-REQ → TGS-REP → AP-REQ → AP-REP: every part opens with the
 * key the one before it handed on; the service ticket with the service's
 * key (no store key is named for host/srv1: every RC4 key is tried). */
static void test_chain(Fx *f, gconstpointer data)
{
    /* AS-REP: a TGT nobody can open (no krbtgt key), its session key in the
     * enc-part under the client's "current" key */
    g_autoptr(GByteArray) tgt_cipher = g_byte_array_new();
    for (int i = 0; i < 300; i++)
        g_byte_array_append(tgt_cipher, (guint8[]){ (guint8)(i * 7) }, 1);
    GByteArray *as_enc = encrypt_with(f, store_key(f, "WS01$", AES256, "current"), 3,
                                      enc_kdc_rep_part(25, K_TGT, 777, "krbtgt/" REALM));
    TwEvent *as_rep = parse_as(f, kdc_rep(11, 11, "WS01$", kb_ticket(REALM, "krbtgt/" REALM, AES256, 2, copy(tgt_cipher)),
                                          3, as_enc), 0, KDC, CLIENT, false, false);
    g_assert_true(tw_event_get_bool(as_rep, "enc_part_decrypted", false));
    g_assert_false(tw_event_has(as_rep, "ticket_decrypted")); /* no AES key but the client's */
    g_assert_cmpstr(tw_event_get_str(as_rep, "key_label"), ==, "current");
    g_assert_cmpint(tw_event_get_int(as_rep, "enc_nonce", 0), ==, 777);
    g_assert_cmpint(tw_event_get_int(as_rep, "enc_key_etype", 0), ==, AES256);
    g_assert_cmpstr(tw_event_get_str(as_rep, "enc_sname"), ==, "krbtgt/" REALM);
    g_assert_cmpstr(tw_event_get_str(as_rep, "enc_endtime"), ==, "2025-12-03T06:30:00.000000Z");
    tw_event_free(as_rep);

    /* TGS-REQ: the same TGT, its authenticator under the TGT session key (usage 7) */
    GByteArray *auth = kb_encrypt(f->kc, AES256, K_TGT, 32, 7,
                                  authenticator("WS01$", "20251202203005Z", 424242, K_SUB));
    GByteArray *pa_tgs = kb_app(14, ap_req_body(kb_ticket(REALM, "krbtgt/" REALM, AES256, 2, copy(tgt_cipher)), auth));
    GByteArray *padata = kb_seq(kb_seq(kb_ctx(1, kb_int(1)), kb_ctx(2, kb_octets_ba(pa_tgs))));
    GByteArray *body = kb_seq(kb_ctx(0, kb_flags(0x40810000)), kb_ctx(2, kb_str(REALM)),
                              kb_ctx(3, kb_principal(2, "host/srv1.samba.lab")), kb_ctx(5, kb_time("20251203063000Z")),
                              kb_ctx(7, kb_int(778)), kb_ctx(8, kb_seq(kb_int(AES256))));
    TwEvent *tgs_req = parse_as(f, kb_app(12, kb_seq(kb_ctx(1, kb_int(5)), kb_ctx(2, kb_int(12)), kb_ctx(3, padata),
                                                     kb_ctx(4, body))), 0, CLIENT, KDC, false, false);
    g_assert_true(tw_event_get_bool(tgs_req, "authenticator_decrypted", false));
    g_assert_cmpstr(tw_event_get_str(tgs_req, "authenticator_cname"), ==, "WS01$");
    g_assert_cmpstr(tw_event_get_str(tgs_req, "authenticator_ctime"), ==, "2025-12-02T20:30:05.000000Z");
    g_assert_cmpint(tw_event_get_int(tgs_req, "authenticator_cusec", 0), ==, 424242);
    g_assert_cmpint(tw_event_get_int(tgs_req, "authenticator_subkey_etype", 0), ==, AES256);
    g_assert_cmpint(tw_event_get_int(tgs_req, "authenticator_seq_number", 0), ==, 4242);
    tw_event_free(tgs_req);

    /* TGS-REP: the service ticket (under SRV1$'s RC4 key, usage 2) and the
     * enc-part under the authenticator's subkey (usage 9) */
    gsize sk_len;
    const guint8 *srv_key = tw_key_material(store_key(f, "SRV1$", RC4, NULL), &sk_len);
    GByteArray *st_cipher = kb_encrypt(f->kc, RC4, srv_key, sk_len, 2, enc_ticket_part(K_SRV, "WS01$"));
    g_autoptr(GByteArray) st_copy = copy(st_cipher);
    GByteArray *tgs_enc = kb_encrypt(f->kc, AES256, K_SUB, 32, 9, enc_kdc_rep_part(26, K_SRV, 778, "host/srv1.samba.lab"));
    TwEvent *tgs_rep = parse_as(f, kdc_rep(13, 13, "WS01$", kb_ticket(REALM, "host/srv1.samba.lab", RC4, 5, st_cipher),
                                           -1, tgs_enc), 0, KDC, CLIENT, false, false);
    g_assert_true(tw_event_get_bool(tgs_rep, "enc_part_decrypted", false));
    g_assert_cmpint(tw_event_get_int(tgs_rep, "enc_nonce", 0), ==, 778);
    g_assert_true(tw_event_get_bool(tgs_rep, "ticket_decrypted", false));
    g_assert_cmpstr(tw_event_get_str(tgs_rep, "ticket_key_principal"), ==, "SRV1$@" REALM);
    g_assert_cmpint(tw_event_get_int(tgs_rep, "ticket_key_generations", 0), ==, 1);
    g_assert_cmpint(tw_event_get_int(tgs_rep, "ticket_key_generation_index", -1), ==, 0);
    tw_event_free(tgs_rep);

    /* AP-REQ to the server: the ticket opens (its PAC read), the authenticator under its session key (11) */
    GByteArray *ap_auth = kb_encrypt(f->kc, AES256, K_SRV, 32, 11, authenticator("WS01$", "20251202203006Z", 5, NULL));
    TwEvent *ap_req = parse_as(f, kb_app(14, ap_req_body(kb_ticket(REALM, "host/srv1.samba.lab", RC4, 5, copy(st_copy)),
                                                         ap_auth)), 0, CLIENT, SERVER, false, false);
    g_assert_true(tw_event_get_bool(ap_req, "ticket_decrypted", false));
    g_assert_cmpstr(tw_event_get_str(ap_req, "ticket_cname"), ==, "WS01$");
    g_assert_cmpstr(tw_event_get_str(ap_req, "ticket_crealm"), ==, REALM);
    g_assert_cmpstr(tw_event_get_str(ap_req, "ticket_authtime"), ==, "2025-12-02T20:30:00.000000Z");
    g_assert_cmpstr(tw_event_get_str(ap_req, "ticket_flags"), ==, "0x40a10000");
    g_assert_cmpint(tw_event_get_int(ap_req, "pac_buffers", 0), ==, 2);
    g_assert_cmpstr(tw_event_get_str(ap_req, "pac_logon_name"), ==, "WS01$");
    g_assert_cmpstr(tw_event_get_str(ap_req, "pac_logon_domain"), ==, "SAMBA");
    g_assert_cmpint(tw_event_get_int(ap_req, "pac_user_rid", 0), ==, 1104);
    g_assert_cmpint(tw_event_get_int(ap_req, "pac_group_count", 0), ==, 2);
    g_assert_cmpstr(tw_event_get_str(ap_req, "pac_client_name"), ==, "WS01$");
    g_assert_true(tw_event_get_bool(ap_req, "authenticator_decrypted", false));
    g_assert_cmpstr(tw_event_get_str(ap_req, "authenticator_ctime"), ==, "2025-12-02T20:30:06.000000Z");
    tw_event_free(ap_req);

    /* AP-REP back: EncAPRepPart [APPLICATION 27] under the ticket's session key (12) */
    GByteArray *rep_enc = kb_encrypt(f->kc, AES256, K_SRV, 32, 12,
                                     kb_app(27, kb_seq(kb_ctx(0, kb_time("20251202203006Z")), kb_ctx(1, kb_int(5)))));
    TwEvent *ap_rep = parse_as(f, kb_app(15, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(15)),
                                                    kb_ctx(2, kb_enc_data(AES256, -1, rep_enc)))),
                               0, SERVER, CLIENT, false, false);
    g_assert_true(tw_event_get_bool(ap_rep, "enc_part_decrypted", false));
    g_assert_cmpstr(tw_event_get_str(ap_rep, "ap_rep_ctime"), ==, "2025-12-02T20:30:06.000000Z");
    g_assert_cmpint(tw_event_get_int(ap_rep, "ap_rep_cusec", -1), ==, 5);
    tw_event_free(ap_rep);

    /* to another client, the same AP-REP opens with nothing: keys are per client */
    GByteArray *rep2 = kb_encrypt(f->kc, AES256, K_SRV, 32, 12,
                                  kb_app(27, kb_seq(kb_ctx(0, kb_time("20251202203006Z")), kb_ctx(1, kb_int(5)))));
    g_autoptr(TwEvent) other = parse_as(f, kb_app(15, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(15)),
                                                             kb_ctx(2, kb_enc_data(AES256, -1, rep2)))),
                                        0, SERVER, "192.0.2.99", false, false);
    g_assert_false(tw_event_has(other, "enc_part_decrypted"));
    g_assert_cmpuint(counter(f, "kerberos.session_keys_learned"), >=, 4);
}

/* No key in any event, nor in the teaching view without --show-keys. */
static void test_no_key_out(Fx *f, gconstpointer data)
{
    GByteArray *enc = encrypt_with(f, store_key(f, "WS01$", AES256, "current"), 3,
                                   enc_kdc_rep_part(25, K_TGT, 1, "krbtgt/" REALM));
    GByteArray *msg = kdc_rep(11, 11, "WS01$", kb_ticket(REALM, "krbtgt/" REALM, AES256, 2, kb_octets("x", 1)), 3, enc);
    g_autoptr(GByteArray) again = copy(msg);
    const char *hex_tgt = "0102030405060708090a0b0c0d0e0f10";
    gsize klen;
    const guint8 *kb = tw_key_material(store_key(f, "WS01$", AES256, "current"), &klen);
    g_autofree char *hex_long = g_malloc(2 * klen + 1);
    for (gsize i = 0; i < klen; i++)
        g_snprintf(hex_long + 2 * i, 3, "%02x", kb[i]);
    for (int show = 0; show < 2; show++) {
        TwEvent *ev = parse_as(f, copy(show ? again : msg), 0, KDC, CLIENT, true, show);
        GString *j = g_string_new(NULL);
        tw_event_to_json(ev, j);
        g_assert_null(strstr(j->str, hex_tgt));
        g_assert_null(strstr(j->str, hex_long));
        g_assert_null(strstr(j->str, "pw-new"));
        GString *t = g_string_new(NULL);
        for (guint i = 0; ev->tree && i < ev->tree->len; i++) {
            const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
            g_string_append_printf(t, "%s\n", n->value ? n->value : "");
        }
        g_assert_true((strstr(t->str, hex_tgt) != NULL) == (show == 1));  /* the session key */
        g_assert_true((strstr(t->str, hex_long) != NULL) == (show == 1)); /* the client's key */
        g_string_free(j, TRUE);
        g_string_free(t, TRUE);
        tw_event_free(ev);
    }
    g_byte_array_unref(msg);
}

/* The learned keys are capped: the oldest is forgotten and counted. */
static void test_session_cap(Fx *f, gconstpointer data)
{
    TwPacketInfo pi = { 0 };
    TwDissectCtx ctx = { .pi = &pi, .keys = f->ks, .counters = f->counters };
    guint8 ticket[8] = { 0 };
    for (guint i = 0; i <= TW_KRB5_MAX_SESSION_KEYS; i++) {
        memcpy(ticket, &i, sizeof i);
        tw_krb5_learn_key(&ctx, AES256, K_TGT, 32, ticket, sizeof ticket, NULL, 0, "test");
    }
    g_assert_cmpuint(counter(f, "kerberos.session_keys_learned"), ==, TW_KRB5_MAX_SESSION_KEYS + 1);
    g_assert_cmpuint(counter(f, "kerberos.session_keys_forgotten"), ==, 1);
    /* the first ticket's key is gone, the last one's is there */
    GByteArray *c = kb_encrypt(f->kc, AES256, K_TGT, 32, 7, kb_octets("abc", 3));
    TwKrbOpen o;
    guint i = 0;
    memcpy(ticket, &i, sizeof i);
    g_assert_false(tw_krb5_open_by_ticket(&ctx, NULL, ticket, sizeof ticket, 7, c->data, c->len, &o));
    tw_krb5_open_clear(&o);
    i = TW_KRB5_MAX_SESSION_KEYS;
    memcpy(ticket, &i, sizeof i);
    g_assert_true(tw_krb5_open_by_ticket(&ctx, NULL, ticket, sizeof ticket, 7, c->data, c->len, &o));
    tw_krb5_open_clear(&o);
    g_byte_array_unref(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/krb5-keys/pa-generation", Fx, NULL, fx_setup, test_pa_generation, fx_teardown);
    g_test_add("/krb5-keys/pa-none", Fx, NULL, fx_setup, test_pa_none, fx_teardown);
    g_test_add("/krb5-keys/pa-cut", Fx, NULL, fx_setup, test_pa_cut, fx_teardown);
    g_test_add("/krb5-keys/chain", Fx, NULL, fx_setup, test_chain, fx_teardown);
    g_test_add("/krb5-keys/no-key-out", Fx, NULL, fx_setup, test_no_key_out, fx_teardown);
    g_test_add("/krb5-keys/session-cap", Fx, NULL, fx_setup, test_session_cap, fx_teardown);
    return g_test_run();
}
