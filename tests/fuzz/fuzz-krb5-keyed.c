/* fuzz-krb5-keyed.c — Kerberos with keys: every decrypt path of
 * dissectors/krb5/ on hostile plain text and on garbage cipher text.  A key
 * store holds a client password (FZ$@FUZZ.TEST) and a service NT hash
 * (SVC$); the input's first byte picks the part and how it is filled:
 *   low 3 bits: 0 PA-ENC-TIMESTAMP (usage 1), 1 AS-REP enc-part (3),
 *               2 ticket (2, under the service key), 3 AP-REQ authenticator
 *               (11, under the ticket's session key), 4 TGS-REP enc-part (9,
 *               a learned subkey), 5 FAST reply (52, a learned armor key),
 *               6 kpasswd KRB-PRIV (13, a learned subkey), 7 a ticket whose
 *               PAC (MS-PAC 2.3) is the input;
 *   0x08: the rest is the cipher text itself (garbage of any length, never
 *         opens), else the rest is encrypted with the right key and usage
 *         (libkrb5 krb5_c_encrypt), so it opens and its DER is walked;
 *   0x10: with the teaching tree (0x20: and --show-keys).
 * Invariants: no crash or sanitizer report; every event valid UTF-8 that
 * round-trips through NDJSON (fuzz-stream.h); an opened part's garbage never
 * marks the message itself malformed; no key bytes in any event. */
#include "dissectors/krb5/krb5-keys.h"
#include "dissectors/krb5/krb5-private.h"
#include "keys/keystore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-stream.h"
#include "tests/unit/krb5-build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REALM "FUZZ.TEST"
#define AES256 18
#define RC4 23

static TwKeyStore *store;
static krb5_context kc;
static const TwKey *client_key, *service_key;
static const guint8 SESSION[32] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                    0xcc, 0xdd, 0xee, 0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69,
                                    0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x01 };

static void setup(void)
{
    store = tw_keystore_new();
    g_assert_true(tw_keystore_add_password(store, "FZ$@" REALM ":fuzz-password", NULL));
    g_assert_true(tw_keystore_add_nthash(store, "SVC$@" REALM ":0f1e2d3c4b5a69788796a5b4c3d2e1f0", NULL));
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    g_assert_cmpuint(tw_keystore_candidates(store, "FZ$", REALM, AES256, NULL, 0, c), ==, 1);
    client_key = c->pdata[0];
    g_ptr_array_set_size(c, 0);
    g_assert_cmpuint(tw_keystore_candidates(store, "SVC$", REALM, RC4, NULL, 0, c), ==, 1);
    service_key = c->pdata[0];
    g_assert_cmpint(krb5_init_context(&kc), ==, 0);
}

static GByteArray *raw(const guint8 *p, gsize n)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, p, (guint)n);
    return b;
}

/* The input as cipher text: itself (garbage) or encrypted under KEY/USAGE. */
static GByteArray *cipher(bool garbage, const TwKey *key, const guint8 *kbytes, gint32 etype, gint32 usage,
                          const guint8 *p, gsize n)
{
    if (garbage)
        return raw(p, n);
    gsize klen = 32;
    const guint8 *kb = kbytes;
    if (key)
        kb = tw_key_material(key, &klen);
    return kb_encrypt(kc, etype, kb, klen, usage, raw(p, n));
}

static GByteArray *pa_tgs_free_ticket(void)
{
    static const guint8 junk[40] = { 1, 2, 3, 4, 5 };
    return kb_ticket(REALM, "krbtgt/" REALM, AES256, 1, raw(junk, sizeof junk));
}

/* EncTicketPart [APPLICATION 3] with the session key and the input as PAC. */
static GByteArray *ticket_with_pac(const guint8 *p, gsize n)
{
    GByteArray *win2k = kb_seq(kb_seq(kb_ctx(0, kb_int(128)), kb_ctx(1, kb_octets(p, n))));
    GByteArray *authz = kb_seq(kb_seq(kb_ctx(0, kb_int(1)), kb_ctx(1, kb_octets_ba(win2k))));
    return kb_app(3, kb_seq(kb_ctx(0, kb_flags(0x40a10000)), kb_ctx(1, kb_enc_key(AES256, SESSION, 32)),
                            kb_ctx(2, kb_str(REALM)), kb_ctx(3, kb_principal(1, "FZ$")),
                            kb_ctx(5, kb_time("20261202203000Z")), kb_ctx(7, kb_time("20261203063000Z")),
                            kb_ctx(10, authz)));
}

static GByteArray *ap_req(GByteArray *ticket, GByteArray *auth)
{
    return kb_app(14, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(14)), kb_ctx(2, kb_flags(0)), kb_ctx(3, ticket),
                             kb_ctx(4, kb_enc_data(AES256, -1, auth))));
}

static GByteArray *kdc_rep(guint app, GByteArray *ticket, gint32 etype, GByteArray *enc, GByteArray *padata)
{
    if (padata)
        return kb_app(app, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(app)), kb_ctx(2, padata),
                                  kb_ctx(3, kb_str(REALM)), kb_ctx(4, kb_principal(1, "FZ$")), kb_ctx(5, ticket),
                                  kb_ctx(6, kb_enc_data(etype, -1, enc))));
    return kb_app(app, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(app)), kb_ctx(3, kb_str(REALM)),
                              kb_ctx(4, kb_principal(1, "FZ$")), kb_ctx(5, ticket), kb_ctx(6, kb_enc_data(etype, -1, enc))));
}

/* No key in the event: neither the session key (as hex) nor the client's
 * password in any field's value, unless the input itself carries that text
 * (plain text the fuzzer wrote, e.g. into a kpasswd result string).  The
 * values are searched one by one, not the event's JSON: an escape such as
 * "\u0001" before "122334..." in a string the input wrote would spell the
 * secret out of text the input does not hold (found by a campaign:
 * corpus/krb5-keyed/regress-json-escape-spells-key). */
static bool value_has(const TwField *f, const char *secret)
{
    if (f->type == TW_FIELD_STR)
        return f->v.s && strstr(f->v.s, secret);
    if (f->type == TW_FIELD_STRLIST)
        for (guint i = 0; f->v.slist && i < f->v.slist->len; i++)
            if (strstr(g_ptr_array_index(f->v.slist, i), secret))
                return true;
    return false;
}

static void check_no_key(const TwEvent *ev, const uint8_t *data, size_t size)
{
    static const char *secrets[] = { "1122334455667788", "fuzz-password" };
    for (gsize i = 0; i < G_N_ELEMENTS(secrets); i++) {
        if (memmem(data, size, secrets[i], strlen(secrets[i])))
            continue;
        for (guint k = 0; k < ev->fields->len; k++) {
            const TwField *f = &g_array_index(ev->fields, TwField, k);
            if (value_has(f, secrets[i]) || strstr(f->key, secrets[i])) {
                GString *j = g_string_new(NULL);
                tw_event_to_json(ev, j);
                fprintf(stderr, "a key in an event (%s): %s\n", f->key, j->str);
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        setup();
    if (size < 1)
        return 0;
    guint8 mode = data[0];
    const guint8 *p = data + 1;
    gsize n = size - 1;
    bool garbage = (mode & 0x08) != 0;
    tw_krb5_keys_reset();

    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.transport = "tcp";
    g_strlcpy(pi.src, "10.0.0.1", sizeof pi.src); /* the client */
    g_strlcpy(pi.dst, "10.0.0.2", sizeof pi.dst);
    TwDissectCtx ctx = { .pi = &pi, .keys = store, .want_tree = (mode & 0x10) != 0,
                         .show_keys = (mode & 0x30) == 0x30 };
    bool reply = false, kpasswd = false;
    GByteArray *msg = NULL;
    switch (mode & 7) {
    case 0: /* RFC 4120 5.2.7.2 PA-ENC-TIMESTAMP */
        msg = kb_as_req("FZ$", REALM, AES256, cipher(garbage, client_key, NULL, AES256, 1, p, n));
        break;
    case 1: /* RFC 4120 5.4.2 AS-REP enc-part */
        msg = kdc_rep(11, pa_tgs_free_ticket(), AES256, cipher(garbage, client_key, NULL, AES256, 3, p, n), NULL);
        reply = true;
        break;
    case 2: /* RFC 4120 5.3 EncTicketPart under the service key */
        msg = ap_req(kb_ticket(REALM, "host/svc.fuzz.test", RC4, 1, cipher(garbage, service_key, NULL, RC4, 2, p, n)),
                     raw((const guint8 *)"authenticator", 13));
        break;
    case 3: { /* RFC 4120 5.5.1 authenticator under a ticket's session key */
        GByteArray *t = kb_encrypt(kc, RC4, tw_key_material(service_key, &(gsize){ 0 }), 16, 2,
                                   ticket_with_pac((const guint8 *)"", 0));
        msg = ap_req(kb_ticket(REALM, "host/svc.fuzz.test", RC4, 1, t),
                     cipher(garbage, NULL, SESSION, AES256, 11, p, n));
        break;
    }
    case 4: /* EncTGSRepPart under a subkey the client's TGS-REQ handed on */
        tw_krb5_learn_key(&ctx, AES256, SESSION, 32, NULL, 0, "10.0.0.1", 9, "fuzz subkey");
        msg = kdc_rep(13, pa_tgs_free_ticket(), AES256, cipher(garbage, NULL, SESSION, AES256, 9, p, n), NULL);
        reply = true;
        break;
    case 5: { /* RFC 6113 KrbFastResponse under a learned armor key */
        tw_krb5_learn_key(&ctx, AES256, SESSION, 32, NULL, 0, "10.0.0.1", 52, "fuzz armor");
        GByteArray *rep = kb_seq(kb_ctx(0, kb_enc_data(AES256, -1, cipher(garbage, NULL, SESSION, AES256, 52, p, n))));
        GByteArray *pa = kb_seq(kb_seq(kb_ctx(1, kb_int(136)), kb_ctx(2, kb_octets_ba(kb_ctx(0, rep)))));
        msg = kdc_rep(13, pa_tgs_free_ticket(), AES256, raw((const guint8 *)"enc-part", 8), pa);
        reply = true;
        break;
    }
    case 6: /* RFC 3244 kpasswd KRB-PRIV under a learned subkey */
        tw_krb5_learn_key(&ctx, AES256, SESSION, 32, NULL, 0, "10.0.0.1", 13, "fuzz subkey");
        msg = kb_app(21, kb_seq(kb_ctx(0, kb_int(5)), kb_ctx(1, kb_int(21)),
                                kb_ctx(3, kb_enc_data(AES256, -1, cipher(garbage, NULL, SESSION, AES256, 13, p, n)))));
        reply = (n & 1) != 0;
        kpasswd = true;
        break;
    default: { /* MS-PAC 2.3: the input is the PAC of an opened ticket */
        GByteArray *t = garbage ? raw(p, n)
                                : kb_encrypt(kc, RC4, tw_key_material(service_key, &(gsize){ 0 }), 16, 2,
                                             ticket_with_pac(p, n));
        msg = ap_req(kb_ticket(REALM, "host/svc.fuzz.test", RC4, 1, t), raw((const guint8 *)"x", 1));
        break;
    }
    }
    if (reply) {
        g_strlcpy(pi.src, "10.0.0.2", sizeof pi.src);
        g_strlcpy(pi.dst, "10.0.0.1", sizeof pi.dst);
    }
    TwEvent *ev = tw_krb5_parse_message_full(&ctx, msg->data, msg->len, msg->len, kpasswd);
    if (!ev) {
        fprintf(stderr, "a built message did not parse\n");
        abort();
    }
    if (tw_event_has(ev, "malformed")) {
        fprintf(stderr, "an encrypted part's contents marked the message malformed\n");
        abort();
    }
    check_no_key(ev, data, size);
    fuzz_check_event(ev, NULL);
    g_byte_array_unref(msg);
    return 0;
}
