/* test-nl-session.c — NETLOGON with keys through the dissector: the lab's
 * refused Authenticate3 (pcaps/04-netlogon-wrong-password.pcap frames 20-23,
 * client 10.77.0.21, DC 10.77.0.10) recomputed with each supplied
 * generation; the same exchange made to succeed (the server credential the
 * reference computes, tests/unit/nl-vectors.py) and followed by a
 * NetrServerPasswordSet2 whose authenticator, return authenticator and
 * encrypted new password are checked; without a key store nothing changes. */
#include <glib.h>

#include "dissectors/dcerpc/dcerpc.h"
#include "dissectors/netlogon/netlogon.h"
#include "dissectors/netlogon/nl-crypto.h"
#include "dissectors/netlogon/nl-session.h"
#include "keys/keystore.h"

#include "tw-test.h"

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
/* CVE-2020-1472_test_win2019.pcap frame 17: bind NETLOGON v1.0, NDR20, ctx 0. */
static const char *bind_ndr20 =
    "05000b03100000004800000001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000";
static const char *wire[4] = {
    "05000003100000003a000000010000002200000000000400000000000500000000000000050000005700530030003100000078ab5aac5b5e6556",
    "050002031000000024000000010000000c0000000000000022cbbe6784fcec5e00000000",
    "05000003100000005c000000020000004400000000001a00000000000600000000000000060000005700530030003100240000000200abab0500000000000000050000005700530030003100000080055d6b266ffd62bfbfffff2f61",
    "05000203100000002c0000000200000014000000000000000000000000000000ffff2f6100000000220000c0",
};

/* A key store with the given [LABEL=]WS01$:PASSWORD generations, in order
 * (keys/keystore.h: --password keys give their NT hash to NETLOGON). */
static TwKeyStore *store(const char *const *specs)
{
    TwKeyStore *ks = tw_keystore_new();
    for (; *specs; specs++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(tw_keystore_add_password(ks, *specs, &err));
    }
    return ks;
}

typedef struct {
    GPtrArray *events;
    TwPacketInfo pi;
    TwDissectCtx ctx;
    TwDcerpcStream *s;
} Harness;

static void collect(TwEvent *ev, void *user)
{
    g_ptr_array_add(((Harness *)user)->events, ev);
}

static void harness_init(Harness *h, bool tree, TwKeyStore *ks)
{
    memset(h, 0, sizeof *h);
    h->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    h->pi.transport = "tcp";
    h->ctx.pi = &h->pi;
    h->ctx.emit = collect;
    h->ctx.emit_user = h;
    h->ctx.want_tree = tree;
    h->ctx.keys = ks;
    h->s = tw_dcerpc_stream_new("tcp", NULL);
    tw_nl_sessions_reset();
}

static void harness_clear(Harness *h)
{
    tw_dcerpc_stream_free(h->s);
    g_ptr_array_free(h->events, TRUE);
    tw_nl_sessions_reset();
}

static void feed(Harness *h, char dir, guint64 frame, const GByteArray *b)
{
    h->pi.frame = frame;
    g_strlcpy(h->pi.src, dir == 'c' ? "10.77.0.21" : "10.77.0.10", sizeof h->pi.src);
    g_strlcpy(h->pi.dst, dir == 'c' ? "10.77.0.10" : "10.77.0.21", sizeof h->pi.dst);
    g_autofree guint8 *copy = g_memdup2(b->data, b->len);
    tw_dcerpc_stream_feed(h->s, &h->ctx, dir == 'c' ? TW_DIR_REQ : TW_DIR_RSP, copy, b->len);
}

static TwEvent *nl_event(Harness *h, guint nth)
{
    for (guint i = 0; i < h->events->len; i++) {
        TwEvent *ev = g_ptr_array_index(h->events, i);
        if (strcmp(ev->proto, "netlogon") == 0 && nth-- == 0)
            return ev;
    }
    g_assert_not_reached();
}

/* bind + frames 20-23; `success` replaces the refused reply by an accepted
 * one carrying the server credential the reference computed. */
static void run_wire(Harness *h, bool success)
{
    g_autoptr(GByteArray) b = hex(bind_ndr20);
    feed(h, 'c', 10, b);
    for (int i = 0; i < 4; i++) {
        g_autoptr(GByteArray) p = hex(wire[i]);
        if (i == 3 && success) {
            g_autoptr(GByteArray) cred = hex("da8ba6fe27a20cfc");
            memcpy(p->data + 24, cred->data, 8);
            memset(p->data + p->len - 4, 0, 4);
        }
        feed(h, i % 2 ? 's' : 'c', 20 + (guint64)i, p);
    }
}

static void test_failed_previous(void)
{
    const char *gens[] = { "current=WS01$:new-password-nobody-typed", "previous=WS01$:not-the-machine-password", NULL };
    g_autoptr(TwKeyStore) ks = store(gens);
    Harness h;
    harness_init(&h, true, ks);
    run_wire(&h, false);
    TwEvent *rq = nl_event(&h, 2), *rs = nl_event(&h, 3);
    g_assert_cmpstr(tw_event_get_str(rq, "op"), ==, "NetrServerAuthenticate3");
    g_assert_cmpstr(tw_event_get_str(rq, "credential_check"), ==, "match");
    g_assert_cmpstr(tw_event_get_str(rq, "credential_generation"), ==, "previous");
    g_assert_cmpint(tw_event_get_int(rq, "credential_generation_index", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(rq, "credential_generations_tried", 0), ==, 2);
    g_assert_cmpstr(tw_event_get_str(rq, "credential_alg"), ==, "AES");
    g_assert_cmpint(tw_event_get_int(rq, "client_challenge_frame", 0), ==, 20);
    g_assert_cmpint(tw_event_get_int(rq, "server_challenge_frame", 0), ==, 21);
    g_assert_true(tw_event_get_bool(rq, "decrypted", false));
    /* the refused reply says the same, next to its status */
    g_assert_cmpstr(tw_event_get_str(rs, "nt_status"), ==, "0xc0000022");
    g_assert_cmpstr(tw_event_get_str(rs, "credential_generation"), ==, "previous");
    g_assert_false(tw_event_has(rs, "server_credential_check"));
    /* the teaching view names the inputs' frames and hides the key */
    GString *t = g_string_new(NULL);
    for (guint i = 0; rq->tree && i < rq->tree->len; i++) {
        TwTreeNode *n = g_ptr_array_index(rq->tree, i);
        g_string_append_printf(t, "%s=%s|", n->name, n->value ? n->value : "");
    }
    g_assert_nonnull(strstr(t->str, "ClientChallenge=78ab5aac… (frame 20)|"));
    g_assert_nonnull(strstr(t->str, "ServerChallenge=22cbbe67… (frame 21)|"));
    g_assert_nonnull(strstr(t->str, "SessionKey=(hidden; --show-keys)|"));
    g_assert_nonnull(strstr(t->str, "computed ClientCredential=80055d6b… (previous)|"));
    g_assert_nonnull(strstr(t->str, "result=match: previous|"));
    g_assert_null(strstr(t->str, "4c14fd83"));
    g_string_free(t, TRUE);
    harness_clear(&h);

    /* --show-keys: the session key appears, in the tree only */
    harness_init(&h, true, ks);
    h.ctx.show_keys = true;
    run_wire(&h, false);
    rq = nl_event(&h, 2);
    bool shown = false;
    for (guint i = 0; i < rq->tree->len; i++) {
        TwTreeNode *n = g_ptr_array_index(rq->tree, i);
        shown |= n->value && strcmp(n->value, "4c14fd838c3baad3b525d9653349647f") == 0;
    }
    g_assert_true(shown);
    harness_clear(&h);
}

static void test_failed_none(void)
{
    const char *gens[] = { "current=WS01$:current-one", "previous=WS01$:older-one", "WS01$:oldest-one", NULL };
    g_autoptr(TwKeyStore) ks = store(gens);
    Harness h;
    harness_init(&h, true, ks);
    run_wire(&h, false);
    /* the tree shows what the newest generation gives (the Python reference:
     * NT hash 95e8099a… of "current-one", AES credential d9a26d86…) */
    TwEvent *rq = nl_event(&h, 2);
    bool shown = false;
    for (guint i = 0; rq->tree && i < rq->tree->len; i++) {
        TwTreeNode *n = g_ptr_array_index(rq->tree, i);
        if (strcmp(n->name, "computed ClientCredential") == 0)
            shown = n->value && strcmp(n->value, "d9a26d86… (current)") == 0;
    }
    g_assert_true(shown);
    TwEvent *rs = nl_event(&h, 3);
    g_assert_cmpstr(tw_event_get_str(rs, "credential_check"), ==, "none");
    g_assert_cmpint(tw_event_get_int(rs, "credential_generations_tried", 0), ==, 3);
    g_assert_false(tw_event_has(rs, "credential_generation"));
    harness_clear(&h);

    /* no key store: no cross-connection state, no new fields */
    harness_init(&h, false, NULL);
    run_wire(&h, false);
    g_assert_false(tw_event_has(nl_event(&h, 2), "credential_check"));
    g_assert_false(tw_event_has(nl_event(&h, 3), "decrypted"));
    harness_clear(&h);
}

static void put_wstr(GByteArray *b, const char *s)
{
    guint32 n = (guint32)strlen(s) + 1;
    put32(b, n);
    put32(b, 0);
    put32(b, n);
    for (guint32 i = 0; i < n; i++)
        put16(b, (guint8)s[i]);
    if (b->len % 4)
        put16(b, 0);
}

static GByteArray *pdu(guint8 ptype, guint32 call_id, guint16 opnum, const GByteArray *stub)
{
    GByteArray *p = g_byte_array_new();
    guint8 hd[24] = { 5, 0, ptype, 3, 0x10, 0, 0, 0 };
    guint16 fl = (guint16)(24 + stub->len);
    hd[8] = fl & 0xff;
    hd[9] = fl >> 8;
    hd[12] = call_id & 0xff;
    if (ptype == 0) {
        hd[22] = opnum & 0xff;
        hd[23] = opnum >> 8;
    }
    g_byte_array_append(p, hd, 24);
    g_byte_array_append(p, stub->data, stub->len);
    return p;
}

static void password_set2(Harness *h, const char *auth_cred, const char *ret_cred)
{
    g_autoptr(GByteArray) rq = g_byte_array_new();
    put32(rq, 0x20000); put_wstr(rq, "\\\\DC1");
    put_wstr(rq, "WS01$");
    put16(rq, 2); put16(rq, 0);
    put_wstr(rq, "WS01");
    g_autoptr(GByteArray) c = hex(auth_cred);
    g_byte_array_append(rq, c->data, 8);
    put32(rq, 1700000000u);
    g_autoptr(GByteArray) pw = hex(trust_pw_aes);
    g_byte_array_append(rq, pw->data, pw->len);
    g_autoptr(GByteArray) p1 = pdu(0, 3, 30, rq);
    feed(h, 'c', 30, p1);
    g_autoptr(GByteArray) rs = g_byte_array_new();
    g_autoptr(GByteArray) r = hex(ret_cred);
    g_byte_array_append(rs, r->data, 8);
    put32(rs, 0);
    put32(rs, 0);
    g_autoptr(GByteArray) p2 = pdu(2, 3, 0, rs);
    feed(h, 's', 31, p2);
}

static void test_success_and_password_set2(void)
{
    const char *gens[] = { "current=WS01$:not-the-machine-password", NULL };
    g_autoptr(TwKeyStore) ks = store(gens);
    Harness h;
    harness_init(&h, false, ks);
    run_wire(&h, true);
    TwEvent *rs = nl_event(&h, 3);
    g_assert_cmpstr(tw_event_get_str(rs, "nt_status"), ==, "0x00000000");
    g_assert_cmpstr(tw_event_get_str(rs, "credential_generation"), ==, "current");
    g_assert_cmpstr(tw_event_get_str(rs, "server_credential_check"), ==, "match");
    password_set2(&h, "78d13a78a4b71709", "79b36fedce952258");
    TwEvent *ps = nl_event(&h, 4), *pr = nl_event(&h, 5);
    g_assert_cmpstr(tw_event_get_str(ps, "op"), ==, "NetrServerPasswordSet2");
    g_assert_false(tw_event_has(ps, "decode_status"));
    g_assert_cmpstr(tw_event_get_str(ps, "authenticator_check"), ==, "match");
    g_assert_cmpint(tw_event_get_int(ps, "new_password_length", 0), ==, 12);
    g_assert_true(tw_event_get_bool(ps, "new_password_length_valid", false));
    g_assert_false(tw_event_get_bool(ps, "new_password_zero", true));
    g_assert_true(tw_event_get_bool(ps, "decrypted", false));
    g_assert_cmpstr(tw_event_get_str(pr, "return_authenticator_check"), ==, "match");
    harness_clear(&h);

    /* a server credential one byte off, and an authenticator one byte off */
    harness_init(&h, false, ks);
    g_autoptr(GByteArray) b = hex(bind_ndr20);
    feed(&h, 'c', 10, b);
    for (int i = 0; i < 4; i++) {
        g_autoptr(GByteArray) p = hex(wire[i]);
        if (i == 3) {
            g_autoptr(GByteArray) cred = hex("da8ba6fe27a20cfd");
            memcpy(p->data + 24, cred->data, 8);
            memset(p->data + p->len - 4, 0, 4);
        }
        feed(&h, i % 2 ? 's' : 'c', 20 + (guint64)i, p);
    }
    g_assert_cmpstr(tw_event_get_str(nl_event(&h, 3), "server_credential_check"), ==, "mismatch");
    harness_clear(&h);
    harness_init(&h, false, ks);
    run_wire(&h, true);
    password_set2(&h, "78d13a78a4b71708", "79b36fedce952258");
    g_assert_cmpstr(tw_event_get_str(nl_event(&h, 4), "authenticator_check"), ==, "mismatch");
    g_assert_false(tw_event_has(nl_event(&h, 5), "return_authenticator_check"));
    harness_clear(&h);
}

/* A NetrLogonGetCapabilities request sealed by the reference
 * (tests/unit/nl-vectors.py "sealed stub"/"sealed sig"): AES, client
 * sequence number 0, its authenticator the one PasswordSet2 used above. */
static const char *sealed_stub =
    "e8df2c8cd2b38dfe45377c364f9af7f098114fa2cb406cf55a05f33d5717482e5b822d22ae6a66e56cd13afc4a2f48fd"
    "a67f28374b6ced6ad236bdf8e2158b36523151768f7372f50b53407c5bddfffa";
static const char *sealed_sig =
    "13001a00ffff000047ad640d8778a181a1b2c3d4e5f60718e7a16d2d45b2afb6eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    "eeeeeeeeeeeeeeee";

/* A schannel bind (auth_type 0x44, level privacy) whose NL_AUTH_MESSAGE
 * names WS01 in domain LAB (MS-NRPC 2.2.1.3.1: flags 0x3, OEM strings). */
static GByteArray *schannel_bind(void)
{
    GByteArray *b = hex(bind_ndr20);
    g_autoptr(GByteArray) tok = hex("00000000 03000000 4c414200 57533031 00");
    guint8 tr[8] = { 0x44, 6, 0, 0, 1, 0, 0, 0 };
    g_byte_array_append(b, tr, 8);
    g_byte_array_append(b, tok->data, tok->len);
    b->data[8] = (guint8)b->len;
    b->data[10] = (guint8)tok->len;
    return b;
}

/* One request PDU of call 4, opnum 21, sealed by sig_hex; pfc_flags 3 =
 * first and last fragment, 1 = first only, 2 = last only. */
static GByteArray *sealed_fragment(const char *stub_hex, const char *sig_hex, guint8 flags, guint8 alloc_hint)
{
    g_autoptr(GByteArray) stub = hex(stub_hex);
    g_autoptr(GByteArray) sig = hex(sig_hex);
    GByteArray *p = g_byte_array_new();
    guint8 hd[24] = { 5, 0, 0, flags, 0x10, 0, 0, 0 };
    gsize fl = 24 + stub->len + 8 + sig->len;
    hd[8] = (guint8)fl;
    hd[9] = (guint8)(fl >> 8);
    hd[10] = (guint8)sig->len;
    hd[12] = 4;
    hd[16] = alloc_hint;
    hd[22] = 21;
    g_byte_array_append(p, hd, 24);
    g_byte_array_append(p, stub->data, stub->len);
    guint8 tr[8] = { 0x44, 6, 0, 0, 1, 0, 0, 0 };
    g_byte_array_append(p, tr, 8);
    g_byte_array_append(p, sig->data, sig->len);
    return p;
}

static GByteArray *sealed_request(const char *stub_hex, const char *sig_hex)
{
    g_autoptr(GByteArray) stub = hex(stub_hex);
    g_autoptr(GByteArray) sig = hex(sig_hex);
    GByteArray *p = g_byte_array_new();
    guint8 hd[24] = { 5, 0, 0, 3, 0x10, 0, 0, 0 };
    gsize fl = 24 + stub->len + 8 + sig->len;
    hd[8] = (guint8)fl;
    hd[9] = (guint8)(fl >> 8);
    hd[10] = (guint8)sig->len;
    hd[12] = 4;
    hd[16] = (guint8)stub->len;
    hd[22] = 21;
    g_byte_array_append(p, hd, 24);
    g_byte_array_append(p, stub->data, stub->len);
    guint8 tr[8] = { 0x44, 6, 0, 0, 1, 0, 0, 0 };
    g_byte_array_append(p, tr, 8);
    g_byte_array_append(p, sig->data, sig->len);
    return p;
}

static void test_unseal_call(void)
{
    const char *gens[] = { "current=WS01$:not-the-machine-password", NULL };
    g_autoptr(TwKeyStore) ks = store(gens);
    Harness h;
    harness_init(&h, true, ks);
    run_wire(&h, true);
    /* the sealed call comes on a second connection of the same client */
    TwDcerpcStream *first = h.s;
    h.s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) b = schannel_bind();
    feed(&h, 'c', 40, b);
    g_autoptr(GByteArray) p = sealed_request(sealed_stub, sealed_sig);
    feed(&h, 'c', 42, p);
    TwEvent *ev = nl_event(&h, 4);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrLogonGetCapabilities");
    g_assert_cmpstr(tw_event_get_str(ev, "nl_auth_host"), ==, "WS01");
    g_assert_true(tw_event_get_bool(ev, "sealed", false));
    g_assert_true(tw_event_get_bool(ev, "unsealed", false));
    g_assert_true(tw_event_get_bool(ev, "decrypted", false));
    g_assert_cmpint(tw_event_get_int(ev, "nl_seq", -1), ==, 0);
    g_assert_false(tw_event_has(ev, "decode_status"));
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS01");
    g_assert_cmpint(tw_event_get_int(ev, "query_level", 0), ==, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_credential"), ==, "78d13a78a4b71709");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_check"), ==, "match");
    tw_dcerpc_stream_free(h.s);
    h.s = first;
    harness_clear(&h);

    /* another password: the channel's key differs, the call stays sealed */
    const char *other[] = { "current=WS01$:something-else", NULL };
    g_autoptr(TwKeyStore) ks2 = store(other);
    harness_init(&h, false, ks2);
    run_wire(&h, true); /* the server credential no longer matches: no channel */
    tw_dcerpc_stream_free(h.s);
    h.s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) b2 = schannel_bind();
    feed(&h, 'c', 40, b2);
    g_autoptr(GByteArray) p2 = sealed_request(sealed_stub, sealed_sig);
    feed(&h, 'c', 42, p2);
    ev = nl_event(&h, 4);
    g_assert_false(tw_event_has(ev, "unsealed"));
    g_assert_false(tw_event_has(ev, "query_level"));
    harness_clear(&h);
}

/* The same request sealed over two fragments by the reference
 * (tests/unit/nl-vectors.py "frag1"/"frag2"): each fragment has its own
 * NL_AUTH_SHA2_SIGNATURE (client sequence numbers 0 and 1, its own
 * confounder) and is unsealed alone, then the clear pieces are joined. */
static const char *frag1_stub =
    "e8df2c8cd2b38dfe45377c364f9af7f098114fa2cb406cf55a05f33d5717482e5b822d22ae6a66e5";
static const char *frag2_stub =
    "f05dbcacbb2d05c5c4945683f72d932a0f96d16cecc55723dc0c35843f5a33c5e3fd4f81b23d799e";
static const char *frag2_sig =
    "13001a00ffff0000c34423807d8475aeb1b2c3d4e5f60718116c8fd58c6f37cfeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    "eeeeeeeeeeeeeeee";

static TwEvent *two_fragments(Harness *h, TwKeyStore *ks, const char *second_sig)
{
    harness_init(h, false, ks);
    run_wire(h, true);
    tw_dcerpc_stream_free(h->s);
    h->s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) b = schannel_bind();
    feed(h, 'c', 40, b);
    g_autoptr(GByteArray) p1 = sealed_fragment(frag1_stub, sealed_sig, 1, 76);
    feed(h, 'c', 42, p1);
    g_autoptr(GByteArray) p2 = sealed_fragment(frag2_stub, second_sig, 2, 36);
    feed(h, 'c', 43, p2);
    return nl_event(h, 4);
}

static void test_unseal_fragments(void)
{
    const char *gens[] = { "current=WS01$:not-the-machine-password", NULL };
    g_autoptr(TwKeyStore) ks = store(gens);
    Harness h;
    TwEvent *ev = two_fragments(&h, ks, frag2_sig);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrLogonGetCapabilities");
    g_assert_cmpint(ev->frame, ==, 43);
    g_assert_true(tw_event_get_bool(ev, "sealed", false));
    g_assert_true(tw_event_get_bool(ev, "unsealed", false));
    g_assert_cmpint(tw_event_get_int(ev, "nl_sealed_fragments", 0), ==, 2);
    g_assert_cmpint(tw_event_get_int(ev, "nl_seq", -1), ==, 0);
    g_assert_false(tw_event_has(ev, "decode_error"));
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS01");
    g_assert_cmpint(tw_event_get_int(ev, "query_level", 0), ==, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_credential"), ==, "78d13a78a4b71709");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_check"), ==, "match");
    harness_clear(&h);

    /* the second fragment's sequence number without the client bit
     * (nl-vectors.py "frag2 server seq"; 3.3.4.2.2 step 6: not this
     * client's): the call stays sealed rather than half unsealed */
    g_autofree char *bad = g_strdup(frag2_sig);
    memcpy(bad + 16, "c3442380fd7e570e", 16);
    ev = two_fragments(&h, ks, bad);
    g_assert_true(tw_event_get_bool(ev, "sealed", false));
    g_assert_false(tw_event_has(ev, "unsealed"));
    g_assert_false(tw_event_has(ev, "query_level"));
    harness_clear(&h);

    /* without keys nothing is kept or unsealed */
    harness_init(&h, false, NULL);
    g_autoptr(GByteArray) b = schannel_bind();
    feed(&h, 'c', 40, b);
    g_autoptr(GByteArray) p1 = sealed_fragment(frag1_stub, sealed_sig, 1, 76);
    feed(&h, 'c', 42, p1);
    g_autoptr(GByteArray) p2 = sealed_fragment(frag2_stub, frag2_sig, 2, 36);
    feed(&h, 'c', 43, p2);
    ev = nl_event(&h, 0);
    g_assert_true(tw_event_get_bool(ev, "sealed", false));
    g_assert_false(tw_event_has(ev, "unsealed"));
    harness_clear(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nl-session/failed-previous", test_failed_previous);
    g_test_add_func("/nl-session/failed-none", test_failed_none);
    g_test_add_func("/nl-session/success-and-password-set2", test_success_and_password_set2);
    g_test_add_func("/nl-session/unseal-call", test_unseal_call);
    g_test_add_func("/nl-session/unseal-fragments", test_unseal_fragments);
    return g_test_run();
}
