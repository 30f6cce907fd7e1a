/* test-netlogon.c — MS-NRPC stubs from real captures (corelight-zerologon:
 * ReqChallenge, Authenticate3 denied and accepted, the all-zero
 * PasswordSet2), SamLogon and GetCapabilities built by hand, the opnum
 * table, every truncation of every stub, NL_AUTH_MESSAGE with DNS
 * compression (MS-NRPC 2.2.1.3.1), and the registry entries of NETLOGON and
 * of auth_type 0x44. */
#include <glib.h>

#include "dissectors/dcerpc/dcerpc.h"
#include "dissectors/netlogon/netlogon.h"
#include "dissectors/netlogon/nl-auth.h"

#include "tw-test.h"

/* CVE-2020-1472_test_win2019.pcap frame 17: bind NETLOGON v1.0, NDR20, ctx 0. */
static const char *bind_ndr20 =
    "05000b03100000004800000001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000";

typedef struct {
    char dir;
    const char *pdu;
} Pdu;

static const Pdu zerologon[] = {
    /* test pcap frames 20, 21, 23, 24 */
    { 'c', "050000031000000068000000010000005000000000000400fe5500000c000000000000000c0000005c005c004200410053002d00410044002d003000310000000a000000000000000a0000004200410053002d00410044002d003000310000000000000000000000" },
    { 's', "050002031000000024000000010000000c00000000000000c6fdf731acf7042f00000000" },
    { 'c', "050000031000000090000000020000007800000000001a001d3200000c000000000000000c0000005c005c004200410053002d00410044002d003000310000000b000000000000000b0000004200410053002d00410044002d00300031002400000006000a000000000000000a0000004200410053002d00410044002d003000310000000000000000000000ffff2f21" },
    { 's', "05000203100000002c0000000200000014000000000000000000000000000000ffff2f2100000000220000c0" },
    /* exploit pcap frame 574: the accepted Authenticate3 (same call_id 2) */
    { 'c', "050000031000000090000000020000007800000000001a001d3200000c000000000000000c0000005c005c004200410053002d00410044002d003000310000000b000000000000000b0000004200410053002d00410044002d00300031002400000006000a000000000000000a0000004200410053002d00410044002d003000310000000000000000000000ffff2f21" },
    { 's', "05000203100000002c00000002000000140000000000000084ab11d0b783d133ffff2f21e803000000000000" },
    /* exploit pcap frames 581, 584: NetrServerPasswordSet2 */
    { 'c', "050000031000000094020000030000007c02000000001e0032b900000c000000000000000c0000005c005c004200410053002d00410044002d003000310000000b000000000000000b0000004200410053002d00410044002d00300031002400000006000a000000000000000a0000004200410053002d00410044002d003000310000000000" },
    { 's', "05000203100000002800000003000000100000000000000001edd22d7e4efce80000000000000000" },
};

/* The PasswordSet2 request: the capture's bytes up to the authenticator,
 * then 516 zero bytes of ClearNewPassword (the vector string above is
 * shortened; the frame has exactly this content). */
static GByteArray *pdu_bytes(gsize i)
{
    GByteArray *b = hex(zerologon[i].pdu);
    if (i == 6) {
        /* authenticator (12 zero bytes, 2 already present) + 516 password bytes */
        gsize want = 0x294;
        guint8 z = 0;
        while (b->len < want)
            g_byte_array_append(b, &z, 1);
    }
    return b;
}

typedef struct {
    GPtrArray *events;
    TwPacketInfo pi;
    TwDissectCtx ctx;
} Harness;

static void collect(TwEvent *ev, void *user)
{
    g_ptr_array_add(((Harness *)user)->events, ev);
}

static void harness_init(Harness *h)
{
    memset(h, 0, sizeof *h);
    h->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    h->pi.transport = "tcp";
    h->ctx.pi = &h->pi;
    h->ctx.emit = collect;
    h->ctx.emit_user = h;
}

static TwEvent *nl_event(Harness *h, guint nth)
{
    for (guint i = 0; i < h->events->len; i++) {
        TwEvent *ev = g_ptr_array_index(h->events, i);
        if (strcmp(ev->proto, "netlogon") == 0 && nth-- == 0)
            return ev;
    }
    return NULL;
}

static void feed(Harness *h, TwDcerpcStream *s, char dir, guint64 frame, const guint8 *p, gsize n)
{
    h->pi.frame = frame;
    g_autofree guint8 *copy = g_memdup2(p, n ? n : 1);
    tw_dcerpc_stream_feed(s, &h->ctx, dir == 'c' ? TW_DIR_REQ : TW_DIR_RSP, copy, n);
}

static void test_zerologon(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) bind = hex(bind_ndr20);
    feed(&h, s, 'c', 17, bind->data, bind->len);
    for (gsize i = 0; i < G_N_ELEMENTS(zerologon); i++) {
        g_autoptr(GByteArray) b = pdu_bytes(i);
        feed(&h, s, zerologon[i].dir, 100 + i, b->data, b->len);
    }
    tw_dcerpc_stream_free(s);

    TwEvent *ev = nl_event(&h, 0);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerReqChallenge");
    g_assert_cmpint(tw_event_get_int(ev, "opnum", -1), ==, 4);
    g_assert_cmpstr(tw_event_get_str(ev, "dir"), ==, "request");
    g_assert_cmpstr(tw_event_get_str(ev, "server"), ==, "\\\\BAS-AD-01");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "BAS-AD-01");
    g_assert_cmpstr(tw_event_get_str(ev, "client_challenge"), ==, "0000000000000000");
    g_assert_false(tw_event_get_bool(ev, "sealed", true));
    g_assert_false(tw_event_has(ev, "decode_status"));

    ev = nl_event(&h, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "dir"), ==, "response");
    g_assert_cmpstr(tw_event_get_str(ev, "server_challenge"), ==, "c6fdf731acf7042f");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_SUCCESS");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "BAS-AD-01");
    g_assert_cmpint(tw_event_get_int(ev, "reply_to", 0), ==, 100);

    ev = nl_event(&h, 2);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerAuthenticate3");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "BAS-AD-01$");
    g_assert_cmpint(tw_event_get_int(ev, "channel_type", -1), ==, 6);
    g_assert_cmpstr(tw_event_get_str(ev, "client_credential"), ==, "0000000000000000");
    g_assert_cmpint(tw_event_get_int(ev, "negotiate_flags", 0), ==, 0x212fffff);

    ev = nl_event(&h, 3);
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0xc0000022");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_ACCESS_DENIED");
    g_assert_cmpint(tw_event_get_int(ev, "rid", -1), ==, 0);
    g_assert_cmpstr(tw_event_get_str(ev, "server_credential"), ==, "0000000000000000");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "BAS-AD-01$");
    g_assert_cmpstr(tw_event_get_str(ev, "channel_type_name"), ==, "ServerSecureChannel");

    ev = nl_event(&h, 5);
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0x00000000");
    g_assert_cmpint(tw_event_get_int(ev, "rid", -1), ==, 1000);
    g_assert_cmpstr(tw_event_get_str(ev, "server_credential"), ==, "84ab11d0b783d133");
    g_assert_cmpint(tw_event_get_int(ev, "reply_to", 0), ==, 104);

    ev = nl_event(&h, 6);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerPasswordSet2");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "BAS-AD-01$");
    g_assert_true(tw_event_get_bool(ev, "new_password_all_zero", false));
    g_assert_cmpstr(tw_event_get_str(ev, "new_password_prefix"), ==,
                    "00000000000000000000000000000000");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_credential"), ==, "0000000000000000");
    g_assert_cmpint(tw_event_get_int(ev, "authenticator_timestamp", -1), ==, 0);
    g_assert_false(tw_event_has(ev, "authenticator_time")); /* 0 is no clock sample */
    g_assert_false(tw_event_has(ev, "decode_status"));

    ev = nl_event(&h, 7);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerPasswordSet2");
    g_assert_cmpstr(tw_event_get_str(ev, "return_authenticator_credential"), ==,
                    "01edd22d7e4efce8");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0x00000000");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "BAS-AD-01");
    g_assert_null(nl_event(&h, 8));
    g_ptr_array_unref(h.events);
}

/* Every stub of every call cut at every length, with the header claiming
 * the cut: the event is still emitted, says decode_error, and nothing
 * crashes (ASan/UBSan runs). */
static void test_truncations(void)
{
    g_autoptr(GByteArray) bind = hex(bind_ndr20);
    for (gsize i = 0; i < G_N_ELEMENTS(zerologon); i++) {
        g_autoptr(GByteArray) full = pdu_bytes(i);
        for (gsize k = 24; k < full->len; k++) {
            Harness h;
            harness_init(&h);
            TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
            feed(&h, s, 'c', 1, bind->data, bind->len);
            if (zerologon[i].dir == 's') {
                /* its request first, so the response's opnum is known */
                g_autoptr(GByteArray) rq = pdu_bytes(i - 1);
                feed(&h, s, 'c', 2, rq->data, rq->len);
            }
            g_autofree guint8 *cut = g_memdup2(full->data, k);
            cut[8] = k & 0xff;
            cut[9] = (guint8)(k >> 8);
            feed(&h, s, zerologon[i].dir, 3, cut, k);
            TwEvent *ev = nl_event(&h, zerologon[i].dir == 's' ? 1 : 0);
            g_assert_nonnull(ev);
            g_assert_true(tw_event_has(ev, "decode_status"));
            /* the header claims the cut length: the stub lies, not the capture */
            g_assert_true(tw_event_get_bool(ev, "malformed", false));
            tw_dcerpc_stream_free(s);
            g_ptr_array_unref(h.events);
        }
    }
}

/* NetrLogonSamLogonWithFlags request built by hand (NDR20): LogonServer,
 * ComputerName, Authenticator, ReturnAuthenticator, LogonLevel 2 (network)
 * with its identity strings deferred after the structure, ValidationLevel 6,
 * ExtraFlags. */
static const char *samlogon_req =
    "0500000310000000" "0000" "0000" "09000000" "00000000" "00002d00"
    /* LogonServer: unique -> "\\DC" */
    "00000200 06000000 00000000 06000000 5c005c00440043000000 0000"
    /* ComputerName: unique -> "WS1" */
    "04000200 04000000 00000000 04000000 5700530031000000"
    /* Authenticator ptr + {cred, timestamp 1600000000 = 0x5f5e1000} */
    "08000200 0102030405060708 00105e5f"
    /* ReturnAuthenticator ptr + zeros */
    "0c000200 0000000000000000 00000000"
    /* LogonLevel 2, union discriminant 2, arm pointer */
    "0200 0200 10000200"
    /* NETLOGON_NETWORK_INFO: Identity {Domain, ParameterControl, Reserved(8), User, Workstation} */
    "0a000a00 14000200 00000000 0000000000000000 0a000a00 18000200 06000600 1c000200"
    /* LmChallenge, NtChallengeResponse (len 0, NULL), LmChallengeResponse (NULL) */
    "1122334455667788 00000000 00000000 00000000 00000000"
    /* deferred buffers, each followed by padding to the next 4-byte count */
    "05000000 00000000 05000000 43004f0052005000310000 00"
    "05000000 00000000 05000000 61006c00690063006500 0000"
    "03000000 00000000 03000000 570053003100"
    /* ValidationLevel 6 (2-aligned, right after), ExtraFlags 0 */
    "0600 00000000";

static void test_samlogon(void)
{
    g_autoptr(GByteArray) b = hex(samlogon_req);
    b->data[8] = b->len & 0xff;
    b->data[9] = (guint8)(b->len >> 8);
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) bind = hex(bind_ndr20);
    feed(&h, s, 'c', 1, bind->data, bind->len);
    feed(&h, s, 'c', 2, b->data, b->len);
    /* response: ReturnAuthenticator ptr+value, ValidationLevel 6 + union arm
     * (NULL), Authoritative 1, ExtraFlags, STATUS_NO_TRUST_SAM_ACCOUNT */
    g_autoptr(GByteArray) r = hex("0500020310000000" "0000" "0000" "09000000" "00000000" "00000000"
                                  "00000200 aabbccddeeff0011 00000000 0600 0000 00000000 01 000000 "
                                  "00000000 8b0100c0");
    r->data[8] = r->len & 0xff;
    feed(&h, s, 's', 3, r->data, r->len);
    tw_dcerpc_stream_free(s);

    TwEvent *ev = nl_event(&h, 0);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrLogonSamLogonWithFlags");
    g_assert_cmpstr(tw_event_get_str(ev, "server"), ==, "\\\\DC");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_credential"), ==, "0102030405060708");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_time"), ==, "2020-09-13T12:26:40.000000Z");
    g_assert_cmpint(tw_event_get_int(ev, "logon_level", 0), ==, 2);
    g_assert_cmpstr(tw_event_get_str(ev, "logon_domain"), ==, "CORP1");
    g_assert_cmpstr(tw_event_get_str(ev, "logon_user"), ==, "alice");
    g_assert_cmpstr(tw_event_get_str(ev, "logon_workstation"), ==, "WS1");
    g_assert_cmpint(tw_event_get_int(ev, "validation_level", 0), ==, 6);
    g_assert_cmpint(tw_event_get_int(ev, "extra_flags", -1), ==, 0);
    g_assert_false(tw_event_has(ev, "decode_status"));

    ev = nl_event(&h, 1);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "dir"), ==, "response");
    g_assert_cmpstr(tw_event_get_str(ev, "return_authenticator_credential"), ==,
                    "aabbccddeeff0011");
    g_assert_cmpint(tw_event_get_int(ev, "validation_level", 0), ==, 6);
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0xc000018b");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_NO_TRUST_SAM_ACCOUNT");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_cmpstr(tw_event_get_str(ev, "logon_user"), ==, "alice");
    g_ptr_array_unref(h.events);
}

/* A little NDR20 writer for hand-built stubs. */
static void put_align(GByteArray *b, guint a)
{
    guint8 z = 0;
    while (b->len % a)
        g_byte_array_append(b, &z, 1);
}

static void put_u32(GByteArray *b, guint32 v)
{
    put_align(b, 4);
    guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
    g_byte_array_append(b, x, 4);
}

static void put_u16(GByteArray *b, guint16 v)
{
    put_align(b, 2);
    guint8 x[2] = { v & 0xff, v >> 8 };
    g_byte_array_append(b, x, 2);
}

/* conformant varying [string] wchar_t (ASCII test strings), NUL counted */
static void put_wstr(GByteArray *b, const char *s)
{
    guint32 n = (guint32)strlen(s) + 1;
    put_u32(b, n);
    put_u32(b, 0);
    put_u32(b, n);
    for (guint32 i = 0; i < n; i++)
        put_u16(b, (guint8)s[i]);
}

static GByteArray *request_pdu(guint8 ptype, guint32 call_id, guint16 opnum, const GByteArray *stub)
{
    GByteArray *p = g_byte_array_new();
    guint8 h[24] = { 5, 0, ptype, 3, 0x10, 0, 0, 0 };
    guint16 fl = (guint16)(24 + stub->len);
    h[8] = fl & 0xff;
    h[9] = fl >> 8;
    h[12] = call_id & 0xff;
    if (ptype == 0) {
        h[22] = opnum & 0xff;
        h[23] = opnum >> 8;
    }
    g_byte_array_append(p, h, 24);
    g_byte_array_append(p, stub->data, stub->len);
    return p;
}

/* DsrGetDcNameEx2 (34) request and response, and NetrLogonGetCapabilities
 * (21) and NetrServerAuthenticate (5) in the clear, built by hand. */
/* The SamLogonWithFlags response with a NETLOGON_VALIDATION_SAM_INFO (level
 * 2) built by hand after MS-NRPC 2.2.1.4.11: LogonCount 7, BadPasswordCount
 * 1, UserId 1105, PrimaryGroupId 513, GroupCount 0, UserFlags 0x20,
 * EffectiveName "alice" (the first deferred referent, after the 196-byte
 * fixed part); cut anywhere in the fixed part, no basic is reported. */
static void test_samlogon_validation(void)
{
    g_autoptr(GByteArray) v = g_byte_array_new();
    for (int i = 0; i < 48; i++)
        g_byte_array_append(v, (const guint8 *)"\0", 1);   /* six OLD_LARGE_INTEGERs */
    put_u16(v, 10); put_u16(v, 10); put_u32(v, 0x20010);  /* EffectiveName */
    for (int i = 0; i < 5; i++) { put_u16(v, 0); put_u16(v, 0); put_u32(v, 0); }
    put_u16(v, 7); put_u16(v, 1);
    put_u32(v, 1105); put_u32(v, 513); put_u32(v, 0); put_u32(v, 0); /* GroupIds NULL */
    put_u32(v, 0x20);
    for (int i = 0; i < 16; i++)
        g_byte_array_append(v, (const guint8 *)"\0", 1);   /* UserSessionKey */
    for (int i = 0; i < 2; i++) { put_u16(v, 0); put_u16(v, 0); put_u32(v, 0); }
    put_u32(v, 0);                                         /* LogonDomainId NULL */
    for (int i = 0; i < 10; i++)
        put_u32(v, 0);                                     /* ExpansionRoom */
    g_assert_cmpuint(v->len, ==, 196);
    put_u32(v, 5); put_u32(v, 0); put_u32(v, 5);
    const char *nm = "alice";
    for (int i = 0; i < 5; i++)
        put_u16(v, (guint8)nm[i]);
    put_align(v, 4);
    for (guint cut = 0; cut <= 2; cut++) {
        g_autoptr(GByteArray) b = hex(samlogon_req);
        b->data[8] = b->len & 0xff;
        b->data[9] = (guint8)(b->len >> 8);
        Harness h;
        harness_init(&h);
        TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
        g_autoptr(GByteArray) bind = hex(bind_ndr20);
        feed(&h, s, 'c', 1, bind->data, bind->len);
        feed(&h, s, 'c', 2, b->data, b->len);
        g_autoptr(GByteArray) r = hex("0500020310000000" "0000" "0000" "09000000" "00000000" "00000000"
                                      "00000200 aabbccddeeff0011 00000000 0200 0000 04000200");
        /* cut 0: whole; 1: inside the fixed part; 2: without EffectiveName's body */
        gsize keep = cut == 0 ? v->len : cut == 1 ? 100 : 196;
        g_byte_array_append(r, v->data, (guint)keep);
        g_autoptr(GByteArray) tail = hex("01000000 00000000 00000000");
        g_byte_array_append(r, tail->data, tail->len);
        r->data[8] = r->len & 0xff;
        r->data[9] = (guint8)(r->len >> 8);
        feed(&h, s, 's', 3, r->data, r->len);
        tw_dcerpc_stream_free(s);
        TwEvent *ev = nl_event(&h, 1);
        g_assert_nonnull(ev);
        g_assert_cmpint(tw_event_get_int(ev, "validation_level", 0), ==, 2);
        g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0x00000000");
        if (cut == 1) {
            g_assert_false(tw_event_has(ev, "user_rid"));
        } else {
            g_assert_cmpint(tw_event_get_int(ev, "logon_count", 0), ==, 7);
            g_assert_cmpint(tw_event_get_int(ev, "bad_password_count", 0), ==, 1);
            g_assert_cmpint(tw_event_get_int(ev, "user_rid", 0), ==, 1105);
            g_assert_cmpint(tw_event_get_int(ev, "primary_group_rid", 0), ==, 513);
            g_assert_cmpint(tw_event_get_int(ev, "group_count", -1), ==, 0);
            g_assert_cmpint(tw_event_get_int(ev, "user_flags", 0), ==, 0x20);
        }
        if (cut == 0)
            g_assert_cmpstr(tw_event_get_str(ev, "effective_name"), ==, "alice");
        else
            g_assert_false(tw_event_has(ev, "effective_name"));
        g_ptr_array_unref(h.events);
    }
}

static void test_built_calls(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("smb2", "netlogon");
    g_autoptr(GByteArray) bind = hex(bind_ndr20);
    feed(&h, s, 'c', 1, bind->data, bind->len);

    g_autoptr(GByteArray) rq = g_byte_array_new();
    put_u32(rq, 0x20000); put_wstr(rq, "WS1");            /* ComputerName */
    put_u32(rq, 0x20004); put_wstr(rq, "WS1$");           /* AccountName */
    put_u32(rq, 0x80);                                    /* AllowableAccountControlBits */
    put_u32(rq, 0x20008); put_wstr(rq, "LAB");            /* DomainName */
    put_u32(rq, 0);                                       /* DomainGuid NULL */
    put_u32(rq, 0);                                       /* SiteName NULL */
    put_u32(rq, 0x40000000);                              /* Flags */
    g_autoptr(GByteArray) p1 = request_pdu(0, 5, 34, rq);
    feed(&h, s, 'c', 2, p1->data, p1->len);

    g_autoptr(GByteArray) rs = g_byte_array_new();
    put_u32(rs, 0x20000);                                 /* PDOMAIN_CONTROLLER_INFOW */
    put_u32(rs, 0x20004); put_u32(rs, 0x20008);           /* name, address */
    put_u32(rs, 1);                                       /* DS_INET_ADDRESS */
    for (int i = 0; i < 16; i++) { guint8 g = (guint8)i; g_byte_array_append(rs, &g, 1); }
    put_u32(rs, 0x2000c); put_u32(rs, 0x20010);           /* domain, forest */
    put_u32(rs, 0xe00013fd);                              /* Flags */
    put_u32(rs, 0x20014); put_u32(rs, 0);                 /* DC site, client site NULL */
    put_wstr(rs, "\\\\DC1.lab.test");
    put_wstr(rs, "\\\\10.0.0.1");
    put_wstr(rs, "lab.test");
    put_wstr(rs, "lab.test");
    put_wstr(rs, "Default-First-Site-Name");
    put_u32(rs, 0);                                       /* ERROR_SUCCESS */
    g_autoptr(GByteArray) p2 = request_pdu(2, 5, 0, rs);
    feed(&h, s, 's', 3, p2->data, p2->len);

    TwEvent *ev = nl_event(&h, 0);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "DsrGetDcNameEx2");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "WS1$");
    g_assert_cmpstr(tw_event_get_str(ev, "domain_name"), ==, "LAB");
    g_assert_false(tw_event_has(ev, "site_name"));
    g_assert_cmpint(tw_event_get_int(ev, "request_flags", 0), ==, 0x40000000);
    g_assert_cmpstr(tw_event_get_str(ev, "pipe"), ==, "netlogon");
    g_assert_cmpstr(ev->transport, ==, "smb2");
    g_assert_false(tw_event_has(ev, "decode_status"));
    ev = nl_event(&h, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "dc_name"), ==, "\\\\DC1.lab.test");
    g_assert_cmpstr(tw_event_get_str(ev, "dc_address"), ==, "\\\\10.0.0.1");
    g_assert_cmpstr(tw_event_get_str(ev, "dns_domain"), ==, "lab.test");
    g_assert_cmpstr(tw_event_get_str(ev, "dns_forest"), ==, "lab.test");
    g_assert_cmpstr(tw_event_get_str(ev, "dc_site"), ==, "Default-First-Site-Name");
    g_assert_false(tw_event_has(ev, "client_site"));
    g_assert_cmpstr(tw_event_get_str(ev, "domain_guid"), ==, "03020100-0504-0706-0809-0a0b0c0d0e0f");
    g_assert_cmpint(tw_event_get_int(ev, "dc_flags", 0), ==, 0xe00013fd);
    g_assert_cmpstr(tw_event_get_str(ev, "win32_status"), ==, "0x00000000");
    g_assert_cmpstr(tw_event_get_str(ev, "win32_status_name"), ==, "ERROR_SUCCESS");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "WS1$"); /* carried */
    g_assert_false(tw_event_has(ev, "decode_status"));

    /* GetCapabilities (3.5.4.4.11): ServerName ([ref]: no referent id),
     * ComputerName (unique), Authenticator, ReturnAuthenticator, QueryLevel 1;
     * response capabilities 0x612fffff */
    g_autoptr(GByteArray) gc = g_byte_array_new();
    put_wstr(gc, "\\\\DC1");
    put_u32(gc, 0x20004); put_wstr(gc, "WS1");
    put_align(gc, 4);
    for (int i = 0; i < 8; i++) { guint8 c = 0xa0 + i; g_byte_array_append(gc, &c, 1); }
    put_u32(gc, 1700000000);
    for (int i = 0; i < 12; i++) { guint8 z = 0; g_byte_array_append(gc, &z, 1); }
    put_u32(gc, 1);
    g_autoptr(GByteArray) p3 = request_pdu(0, 6, 21, gc);
    feed(&h, s, 'c', 4, p3->data, p3->len);
    g_autoptr(GByteArray) gr = g_byte_array_new();
    for (int i = 0; i < 12; i++) { guint8 z = 0x11; g_byte_array_append(gr, &z, 1); }
    put_u32(gr, 1);
    put_u32(gr, 0x612fffff);
    put_u32(gr, 0);
    g_autoptr(GByteArray) p4 = request_pdu(2, 6, 0, gr);
    feed(&h, s, 's', 5, p4->data, p4->len);
    ev = nl_event(&h, 2);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrLogonGetCapabilities");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_credential"), ==, "a0a1a2a3a4a5a6a7");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_time"), ==, "2023-11-14T22:13:20.000000Z");
    g_assert_cmpint(tw_event_get_int(ev, "query_level", 0), ==, 1);
    ev = nl_event(&h, 3);
    g_assert_cmpint(tw_event_get_int(ev, "capabilities", 0), ==, 0x612fffff);
    g_assert_cmpstr(tw_event_get_str(ev, "return_authenticator_credential"), ==, "1111111111111111");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_SUCCESS");
    g_assert_false(tw_event_has(ev, "decode_status"));

    /* NetrServerAuthenticate (5): no flags in or out */
    g_autoptr(GByteArray) au = g_byte_array_new();
    put_u32(au, 0x20000); put_wstr(au, "\\\\DC1");
    put_wstr(au, "WS1$");
    put_u16(au, 2);
    put_wstr(au, "WS1");
    for (int i = 0; i < 8; i++) { guint8 c = (guint8)i; g_byte_array_append(au, &c, 1); }
    g_autoptr(GByteArray) p5 = request_pdu(0, 7, 5, au);
    feed(&h, s, 'c', 6, p5->data, p5->len);
    g_autoptr(GByteArray) ar = hex("0102030405060708 8b0100c0");
    g_autoptr(GByteArray) p6 = request_pdu(2, 7, 0, ar);
    feed(&h, s, 's', 7, p6->data, p6->len);
    ev = nl_event(&h, 4);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerAuthenticate");
    g_assert_cmpstr(tw_event_get_str(ev, "channel_type_name"), ==, "WorkstationSecureChannel");
    g_assert_cmpstr(tw_event_get_str(ev, "client_credential"), ==, "0001020304050607");
    g_assert_false(tw_event_has(ev, "negotiate_flags"));
    ev = nl_event(&h, 5);
    g_assert_cmpstr(tw_event_get_str(ev, "server_credential"), ==, "0102030405060708");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_NO_TRUST_SAM_ACCOUNT");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_false(tw_event_has(ev, "decode_status"));

    /* NetrServerTrustPasswordsGet (42): the PasswordSet2 prefix, then an
     * encrypted response of which only ReturnAuthenticator + result show */
    g_autoptr(GByteArray) tp = g_byte_array_new();
    put_u32(tp, 0x20000); put_wstr(tp, "\\\\DC1");
    put_wstr(tp, "WS1$");
    put_u16(tp, 2);
    put_wstr(tp, "WS1");
    put_align(tp, 4);
    for (int i = 0; i < 8; i++) { guint8 c = 0x55; g_byte_array_append(tp, &c, 1); }
    put_u32(tp, 1700000001);
    g_autoptr(GByteArray) p8 = request_pdu(0, 9, 42, tp);
    feed(&h, s, 'c', 9, p8->data, p8->len);
    g_autoptr(GByteArray) tr = hex("6666666666666666 00000000 00112233445566778899aabbccddeeff"
                                   "00112233445566778899aabbccddeeff 00000000");
    g_autoptr(GByteArray) p9 = request_pdu(2, 9, 0, tr);
    feed(&h, s, 's', 10, p9->data, p9->len);
    ev = nl_event(&h, 6);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrServerTrustPasswordsGet");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "WS1$");
    g_assert_cmpstr(tw_event_get_str(ev, "authenticator_time"), ==, "2023-11-14T22:13:21.000000Z");
    g_assert_false(tw_event_has(ev, "decode_status"));
    ev = nl_event(&h, 7);
    g_assert_cmpstr(tw_event_get_str(ev, "return_authenticator_credential"), ==, "6666666666666666");
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_SUCCESS");
    g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "WS1$");

    /* NetrLogonGetDomainInfo (29) level 1 with a NETLOGON_WORKSTATION_INFO:
     * every embedded pointer deferred after the structure, in order */
    g_autoptr(GByteArray) di = g_byte_array_new();
    put_wstr(di, "\\\\DC1"); /* ServerName [in, string]: [ref], no referent id (3.5.4.4.10) */
    put_u32(di, 0x20004); put_wstr(di, "WS1");
    put_align(di, 4);
    for (int i = 0; i < 24; i++) { guint8 z = 0; g_byte_array_append(di, &z, 1); }
    put_u32(di, 1);                                       /* Level */
    put_u32(di, 1); put_u32(di, 0x20008);                 /* union arm 1, pointer */
    put_u32(di, 2); put_u32(di, 0x2000c);                 /* LsaPolicy {2, ptr} */
    put_u32(di, 0x20010);                                 /* DnsHostName */
    put_u32(di, 0);                                       /* SiteName NULL */
    put_u32(di, 0); put_u32(di, 0); put_u32(di, 0); put_u32(di, 0);
    put_u16(di, 0); put_u16(di, 0); put_u32(di, 0);       /* OsVersion empty */
    put_u16(di, 20); put_u16(di, 22); put_u32(di, 0x20014); /* OsName "Windows 10" */
    for (int i = 0; i < 4; i++) { put_u16(di, 0); put_u16(di, 0); put_u32(di, 0); }
    put_u32(di, 3); put_u32(di, 0x18); put_u32(di, 0); put_u32(di, 0);
    put_u32(di, 2); g_byte_array_append(di, (const guint8 *)"\x01\x02", 2); /* LsaPolicy bytes */
    put_wstr(di, "ws1.lab.test");
    put_u32(di, 11); put_u32(di, 0); put_u32(di, 10);      /* OsName buffer */
    for (const char *c = "Windows 10"; *c; c++) put_u16(di, (guint8)*c);
    g_autoptr(GByteArray) p7 = request_pdu(0, 8, 29, di);
    feed(&h, s, 'c', 8, p7->data, p7->len);
    ev = nl_event(&h, 8);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "NetrLogonGetDomainInfo");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "WS1");
    g_assert_cmpstr(tw_event_get_str(ev, "dns_host_name"), ==, "ws1.lab.test");
    g_assert_cmpstr(tw_event_get_str(ev, "os_name"), ==, "Windows 10");
    g_assert_false(tw_event_has(ev, "site_name"));
    g_assert_cmpint(tw_event_get_int(ev, "workstation_flags", 0), ==, 3);
    g_assert_cmpint(tw_event_get_int(ev, "kerberos_etypes", 0), ==, 0x18);
    g_assert_false(tw_event_has(ev, "decode_status"));
    tw_dcerpc_stream_free(s);
    g_ptr_array_unref(h.events);
}

/* phihhim kerberos.pcap frame 386 (SMB2 \PIPE\netlogon): the
 * DsrEnumerateDomainTrusts response stub, after its request (frame 385). */
static void test_enumerate_trusts(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("smb2", "netlogon");
    g_autoptr(GByteArray) bind = hex(bind_ndr20);
    feed(&h, s, 'c', 1, bind->data, bind->len);
    g_autoptr(GByteArray) rq = g_byte_array_new();
    put_u32(rq, 0x20000); put_wstr(rq, "\\\\DC");
    put_u32(rq, 0x3f);
    g_autoptr(GByteArray) p1 = request_pdu(0, 2, 40, rq);
    feed(&h, s, 'c', 385, p1->data, p1->len);
    g_autoptr(GByteArray) rs = hex(
        "01000000000002000100000004000200080002001d0000000000000002000000000000000c0002004c4e1ae36dbd464c8f1253c5439dad8f0500000000000000050000005600550041004e00000000000c000000000000000c0000007600750061006e002e006b006d0061002e0076006e0000000400000001040000000000051500000088e3bb8c21e1369f06b495be00000000");
    g_autoptr(GByteArray) p2 = request_pdu(2, 2, 0, rs);
    feed(&h, s, 's', 386, p2->data, p2->len);
    TwEvent *ev = nl_event(&h, 1);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "DsrEnumerateDomainTrusts");
    g_assert_cmpint(tw_event_get_int(ev, "domain_count", 0), ==, 1);
    const TwField *d = tw_event_get(ev, "trusted_domains");
    g_assert_nonnull(d);
    g_assert_cmpstr(g_ptr_array_index(d->v.slist, 0), ==, "vuan.kma.vn");
    const TwField *sid = tw_event_get(ev, "trusted_domain_sids");
    g_assert_cmpstr(g_ptr_array_index(sid->v.slist, 0), ==,
                    "S-1-5-21-2361123720-2671173921-3197481990");
    g_assert_cmpstr(tw_event_get_str(ev, "win32_status_name"), ==, "ERROR_SUCCESS");
    g_assert_false(tw_event_has(ev, "decode_status"));
    tw_dcerpc_stream_free(s);
    g_ptr_array_unref(h.events);
}

/* phihhim kerberos.pcap frame 472: alter_context with the schannel
 * NL_AUTH_MESSAGE (auth type 0x44, level privacy). */
static const char *alter_nl_auth =
    "05000e07100000007b002b0004000000d016d016bd1800000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000440600000100000000000000170000005655414e0057494e372d504300047675616e036b6d6102766e000757494e372d504300";

static void test_nl_auth_message(void)
{
    TwNlAuthMessage m;
    /* all five names; the DNS host points back into the DNS domain */
    g_autoptr(GByteArray) v = hex("00000000 1f000000"
                                  "564f4e00"            /* "VON" @8 */
                                  "484f535400"          /* "HOST" @12 */
                                  "076578616d706c65 036f726700" /* example.org @17 */
                                  "04686f7374 c011"     /* host + ptr 17 @30 */
                                  "04484f535400");      /* HOST @37 */
    g_assert_cmpint(tw_nl_auth_message_parse(v->data, v->len, &m), ==, TW_OK);
    g_assert_cmpuint(m.flags, ==, 0x1f);
    g_assert_cmpstr(m.nb_domain, ==, "VON");
    g_assert_cmpstr(m.nb_host, ==, "HOST");
    g_assert_cmpstr(m.dns_domain, ==, "example.org");
    g_assert_cmpstr(m.dns_host, ==, "host.example.org");
    g_assert_cmpstr(m.nb_host_utf8, ==, "HOST");
    tw_nl_auth_message_clear(&m);

    /* a pointer to itself or forward is refused (no loop) */
    g_autoptr(GByteArray) loop = hex("00000000 04000000 c008");
    g_assert_cmpint(tw_nl_auth_message_parse(loop->data, loop->len, &m), ==, TW_MALFORMED);
    g_assert_null(m.dns_domain);
    tw_nl_auth_message_clear(&m);
    g_autoptr(GByteArray) fwd = hex("00000000 04000000 c00c 0000 0161 00");
    g_assert_cmpint(tw_nl_auth_message_parse(fwd->data, fwd->len, &m), ==, TW_MALFORMED);
    tw_nl_auth_message_clear(&m);
    /* backward chain a->b->a is impossible; a two-step chain is fine */
    g_autoptr(GByteArray) chain = hex("00000000 0c000000 016100 0162c008");
    g_assert_cmpint(tw_nl_auth_message_parse(chain->data, chain->len, &m), ==, TW_OK);
    g_assert_cmpstr(m.dns_domain, ==, "a");
    g_assert_cmpstr(m.dns_host, ==, "b.a");
    tw_nl_auth_message_clear(&m);
    /* invalid UTF-8 in a label is made valid */
    g_autoptr(GByteArray) bad = hex("00000000 04000000 02ff41 00");
    g_assert_cmpint(tw_nl_auth_message_parse(bad->data, bad->len, &m), ==, TW_OK);
    g_assert_true(g_utf8_validate(m.dns_domain, -1, NULL));
    tw_nl_auth_message_clear(&m);

    /* every truncation of the real token: an error, never a crash */
    g_autoptr(GByteArray) pdu = hex(alter_nl_auth);
    const guint8 *tok = pdu->data + pdu->len - 43;
    for (gsize k = 0; k < 43; k++) {
        g_autofree guint8 *cut = g_memdup2(tok, k ? k : 1);
        g_assert_cmpint(tw_nl_auth_message_parse(cut, k, &m), !=, TW_OK);
        tw_nl_auth_message_clear(&m);
    }
    g_assert_cmpint(tw_nl_auth_message_parse(tok, 43, &m), ==, TW_OK);
    g_assert_cmpstr(m.nb_host_utf8, ==, "WIN7-PC");
    tw_nl_auth_message_clear(&m);
}

/* The built-in registry: NETLOGON by UUID and major version (another major
 * version still finds it), its decoder and opnum names; auth_type 0x44 is
 * the Netlogon secure channel of nl-auth.c. */
static void test_registry_entry(void)
{
    const char *uuid = "12345678-1234-abcd-ef00-01234567cffb";
    const TwDcerpcIface *e = tw_dcerpc_registry_iface(&tw_dcerpc_registry, uuid, 1);
    g_assert_nonnull(e);
    g_assert_cmpstr(e->name, ==, "NETLOGON");
    g_assert_true(e->dissect == tw_netlogon_dissect);
    g_assert_true(e->opnum_name == tw_netlogon_opnum_name);
    g_assert_true(tw_dcerpc_registry_iface(&tw_dcerpc_registry, uuid, 2) == e);
    g_assert_true(tw_dcerpc_iface_lookup(uuid, 1) == e);
    g_assert_null(tw_dcerpc_registry_iface(&tw_dcerpc_registry,
                                           "12345678-1234-abcd-ef00-01234567cffc", 1));
    const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(&tw_dcerpc_registry, TW_NL_AUTH_TYPE);
    g_assert_nonnull(a);
    g_assert_cmpstr(a->name, ==, "netlogon");
    g_assert_true(a->bind_fields == tw_nl_auth_bind_fields);
    g_assert_true(a->verifier_new == tw_nl_auth_verifier_new);
    /* the signature hook reads SignatureAlgorithm/SealAlgorithm LE, needs 4 bytes */
    const guint8 sig[] = { 0x13, 0x00, 0x1a, 0x00 };
    TwDcerpcAuthToken tok = { .auth_type = TW_NL_AUTH_TYPE, .value = sig, .value_len = 3 };
    g_assert_null(tw_nl_auth_verifier_new(&tok));
    tok.value_len = 4;
    TwNlAuthSignature *ns = tw_nl_auth_verifier_new(&tok);
    g_assert_cmpuint(ns->sign_alg, ==, 0x13);
    g_assert_cmpuint(ns->seal_alg, ==, 0x1a);
    tw_nl_auth_verifier_free(ns);
}

static void test_opnum_names(void)
{
    for (guint16 i = 0; i <= 0x3b; i++)
        g_assert_nonnull(tw_netlogon_opnum_name(i));
    g_assert_null(tw_netlogon_opnum_name(0x3c));
    g_assert_cmpstr(tw_netlogon_opnum_name(4), ==, "NetrServerReqChallenge");
    g_assert_cmpstr(tw_netlogon_opnum_name(15), ==, "NetrServerAuthenticate2");
    g_assert_cmpstr(tw_netlogon_opnum_name(21), ==, "NetrLogonGetCapabilities");
    g_assert_cmpstr(tw_netlogon_opnum_name(26), ==, "NetrServerAuthenticate3");
    g_assert_cmpstr(tw_netlogon_opnum_name(30), ==, "NetrServerPasswordSet2");
    g_assert_cmpstr(tw_netlogon_opnum_name(34), ==, "DsrGetDcNameEx2");
    g_assert_cmpstr(tw_netlogon_opnum_name(39), ==, "NetrLogonSamLogonEx");
    g_assert_cmpstr(tw_netlogon_opnum_name(45), ==, "NetrLogonSamLogonWithFlags");
    g_assert_cmpstr(tw_netlogon_opnum_name(0x31), ==, "NetrChainSetClientAttributes");
    g_assert_cmpstr(tw_netlogon_opnum_name(0x36), ==, "NetrChainSetClientAttributes");
    g_assert_cmpstr(tw_netlogon_channel_type_name(2), ==, "WorkstationSecureChannel");
    g_assert_null(tw_netlogon_channel_type_name(8));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlogon/zerologon", test_zerologon);
    g_test_add_func("/netlogon/truncations", test_truncations);
    g_test_add_func("/netlogon/samlogon", test_samlogon);
    g_test_add_func("/netlogon/samlogon-validation", test_samlogon_validation);
    g_test_add_func("/netlogon/built-calls", test_built_calls);
    g_test_add_func("/netlogon/enumerate-trusts", test_enumerate_trusts);
    g_test_add_func("/netlogon/opnum-names", test_opnum_names);
    g_test_add_func("/netlogon/nl-auth-message", test_nl_auth_message);
    g_test_add_func("/netlogon/registry-entry", test_registry_entry);
    return g_test_run();
}
