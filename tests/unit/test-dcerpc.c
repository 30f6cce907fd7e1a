/* test-dcerpc.c — DCE/RPC CO streams from real capture bytes: binds and
 * acks (NDR64, bind-time features), EPM ept_map towers and the learnt
 * port, chunking at every split, fragment reassembly, big-endian drep,
 * faults, sealed calls, every truncation of a PDU, and the registry: an
 * unknown UUID's generic event, a registered test interface's decoder and
 * opnum names, a test security provider's hooks. */
#include <glib.h>

#include "dissectors/dcerpc/dcerpc-int.h"
#include "dissectors/dcerpc/dcerpc.h"

#include "tw-test.h"

/* suricata-verify dcerpc-dce-iface-many frames 4-9 (TCP payloads). */
static const char *iface_many[][2] = {
    { "c", "05000b0310000000a000000002000000d016d016000000000300000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b1048600200000001000100785634123412cdabef0001234567cffb0100000033057171babe37498319b5dbef9ccc360100000002000100785634123412cdabef0001234567cffb010000002c1cb76c12984045030000000000000001000000" },
    { "s", "05000c03100000006c00000002000000d016d016340f00000600343936373200030000000200020000000000000000000000000000000000000000000000000033057171babe37498319b5dbef9ccc3601000000030003000000000000000000000000000000000000000000" },
    { "c", "050000031000000082000000020000006a00000001000400000002000000000010000000000000000000000000000000100000000000000064006300300031002e00630079006c006500720061002e006c00610062000000050000000000000000000000000000000500000000000000640063003000310000000000000000000000" },
    { "s", "050002031000000024000000020000000c00000001000000ac3804c3e41dd37f00000000" },
    { "c", "0500000310000000b0000000030000009800000001000f00000002000000000010000000000000000000000000000000100000000000000064006300300031002e00630079006c006500720061002e006c00610062000000060000000000000000000000000000000600000000000000640063003000310024000000060000000500000000000000000000000000000005000000000000006400630030003100000000000000000000000000ffff2f21" },
    { "s", "0500020310000000280000000300000010000000010000000000000000000000ffff2f21220000c0" },
};

/* corelight-zerologon CVE-2020-1472_test_win2019 frames 4,5,7,8 (EPM on
 * 135) — a separate TCP stream from frames 17,18,20,21,23,24 (NETLOGON). */
static const char *zl_epm[][2] = {
    { "c", "05000b03100000004800000001000000b810b8100000000001000000000001000883afe11f5dc91191a408002b14a0fa03000000045d888aeb1cc9119fe808002b10486002000000" },
    { "s", "05000c03100000003c00000001000000b810b810dade000004003133350000000100000000000000045d888aeb1cc9119fe808002b10486002000000" },
    { "c", "05000003100000009c0000000100000084000000000003000100000000000000000000000000000000000000020000004b0000004b000000050013000d785634123412cdabef0001234567cffb01000200000013000d045d888aeb1cc9119fe808002b10486002000200000001000b0200000001000702000000010009040000000000ab000000000000000000000000000000000000000001000000" },
    { "s", "05000203100000009800000001000000800000000000000000000000baa61c693b52f147b288bf7334a9299701000000010000000000000001000000030000004b0000004b000000050013000d785634123412cdabef0001234567cffb01000200000013000d045d888aeb1cc9119fe808002b10486002000200000001000b020000000100070200c2040100090400ac10053a0000000000" },
};

/* phihhim kerberos.pcap frame 472: alter_context with the schannel
 * NL_AUTH_MESSAGE (auth type 0x44, level privacy). */
static const char *alter_nl_auth =
    "05000e07100000007b002b0004000000d016d016bd1800000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000440600000100000000000000170000005655414e0057494e372d504300047675616e036b6d6102766e000757494e372d504300";

typedef struct {
    GPtrArray *events;
    GPtrArray *expects;
    TwPacketInfo pi;
    TwDissectCtx ctx;
} Harness;

static void collect(TwEvent *ev, void *user)
{
    Harness *h = user;
    g_ptr_array_add(h->events, ev);
}

static void record_expect(TwDissectCtx *ctx, const char *addr, guint16 port, const char *parser)
{
    Harness *h = ctx->emit_user;
    g_ptr_array_add(h->expects, g_strdup_printf("%s:%u:%s", addr, port, parser));
}

static void harness_init(Harness *h)
{
    memset(h, 0, sizeof *h);
    h->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    h->expects = g_ptr_array_new_with_free_func(g_free);
    h->pi.transport = "tcp";
    g_strlcpy(h->pi.src, "172.16.5.58", sizeof h->pi.src);
    g_strlcpy(h->pi.dst, "172.16.0.10", sizeof h->pi.dst);
    h->ctx.pi = &h->pi;
    h->ctx.emit = collect;
    h->ctx.emit_user = h;
    h->ctx.counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    h->ctx.expect = record_expect;
}

static void harness_clear(Harness *h)
{
    g_ptr_array_unref(h->events);
    g_ptr_array_unref(h->expects);
    g_hash_table_destroy(h->ctx.counters);
}

static guint64 counter(Harness *h, const char *name)
{
    guint64 *v = g_hash_table_lookup(h->ctx.counters, g_intern_string(name));
    return v ? *v : 0;
}

/* Feeds each PDU in order, as frame i+1, in chunks of `chunk` bytes (0 = whole). */
static void feed_all(Harness *h, TwDcerpcStream *s, const char *(*pdus)[2], gsize n, gsize chunk)
{
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GByteArray) b = hex(pdus[i][1]);
        int dir = pdus[i][0][0] == 'c' ? TW_DIR_REQ : TW_DIR_RSP;
        h->pi.frame = i + 1;
        gsize step = chunk ? chunk : b->len;
        for (gsize off = 0; off < b->len; off += step) {
            gsize len = MIN(step, b->len - off);
            /* exact-size copy so ASan sees over-reads */
            g_autofree guint8 *piece = g_memdup2(b->data + off, len);
            tw_dcerpc_stream_feed(s, &h->ctx, dir, piece, len);
        }
    }
}

static TwEvent *find(Harness *h, const char *proto, const char *key, const char *value, guint nth)
{
    for (guint i = 0; i < h->events->len; i++) {
        TwEvent *ev = g_ptr_array_index(h->events, i);
        if (strcmp(ev->proto, proto) != 0)
            continue;
        const char *v = tw_event_get_str(ev, key);
        if (v && strcmp(v, value) == 0 && nth-- == 0)
            return ev;
    }
    return NULL;
}

static char *events_json(Harness *h)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < h->events->len; i++) {
        TwEvent *ev = g_ptr_array_index(h->events, i);
        ev->frame = 0; /* chunked feeding completes PDUs in the same frames anyway */
        tw_event_to_json(ev, out);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

static void test_iface_many(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    feed_all(&h, s, iface_many, G_N_ELEMENTS(iface_many), 0);
    tw_dcerpc_stream_free(s);

    TwEvent *bind = find(&h, "dcerpc", "pdu", "bind", 0);
    g_assert_nonnull(bind);
    g_assert_cmpstr(tw_event_get_str(bind, "interface"), ==, "NETLOGON");
    g_assert_cmpstr(tw_event_get_str(bind, "uuid"), ==, "12345678-1234-abcd-ef00-01234567cffb");
    g_assert_cmpstr(tw_event_get_str(bind, "if_version"), ==, "1.0");
    const TwField *ts = tw_event_get(bind, "transfer_syntaxes");
    g_assert_nonnull(ts);
    g_assert_cmpuint(ts->v.slist->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(ts->v.slist, 1), ==, "ndr64");
    g_assert_cmpstr(g_ptr_array_index(ts->v.slist, 2), ==, "bind_time_features");

    TwEvent *ack = find(&h, "dcerpc", "pdu", "bind_ack", 0);
    g_assert_nonnull(ack);
    g_assert_cmpstr(tw_event_get_str(ack, "transfer_syntax"), ==, "ndr64");
    /* the accepted context's interface, not its transfer syntax */
    g_assert_cmpstr(tw_event_get_str(ack, "uuid"), ==, "12345678-1234-abcd-ef00-01234567cffb");
    g_assert_cmpstr(tw_event_get_str(ack, "sec_addr"), ==, "49672");
    const TwField *res = tw_event_get(ack, "results");
    g_assert_cmpuint(res->v.slist->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(res->v.slist, 0), ==,
                    "provider_rejection:proposed_transfer_syntaxes_not_supported");
    g_assert_cmpstr(g_ptr_array_index(res->v.slist, 1), ==, "acceptance");
    g_assert_cmpstr(g_ptr_array_index(res->v.slist, 2), ==, "negotiate_ack");
    g_assert_cmpint(tw_event_get_int(ack, "bind_time_features", -1), ==, 3);

    /* NETLOGON over the NDR64 context 1 */
    TwEvent *rc = find(&h, "netlogon", "op", "NetrServerReqChallenge", 0);
    g_assert_nonnull(rc);
    g_assert_cmpstr(tw_event_get_str(rc, "dir"), ==, "request");
    g_assert_cmpstr(tw_event_get_str(rc, "server"), ==, "dc01.cylera.lab");
    g_assert_cmpstr(tw_event_get_str(rc, "computer"), ==, "dc01");
    g_assert_cmpstr(tw_event_get_str(rc, "client_challenge"), ==, "0000000000000000");
    g_assert_true(tw_event_get_bool(rc, "ndr64", false));
    g_assert_false(tw_event_has(rc, "decode_status"));
    g_assert_cmpstr(rc->transport, ==, "tcp");

    TwEvent *rcr = find(&h, "netlogon", "op", "NetrServerReqChallenge", 1);
    g_assert_nonnull(rcr);
    g_assert_cmpstr(tw_event_get_str(rcr, "dir"), ==, "response");
    g_assert_cmpstr(tw_event_get_str(rcr, "server_challenge"), ==, "ac3804c3e41dd37f");
    g_assert_cmpstr(tw_event_get_str(rcr, "nt_status"), ==, "0x00000000");
    g_assert_cmpstr(tw_event_get_str(rcr, "computer"), ==, "dc01"); /* carried */
    g_assert_cmpint(tw_event_get_int(rcr, "reply_to", 0), ==, 3);

    TwEvent *a2 = find(&h, "netlogon", "op", "NetrServerAuthenticate2", 0);
    g_assert_nonnull(a2);
    g_assert_cmpstr(tw_event_get_str(a2, "account"), ==, "dc01$");
    g_assert_cmpint(tw_event_get_int(a2, "channel_type", -1), ==, 6);
    g_assert_cmpstr(tw_event_get_str(a2, "channel_type_name"), ==, "ServerSecureChannel");
    g_assert_cmpint(tw_event_get_int(a2, "negotiate_flags", 0), ==, 0x212fffff);
    g_assert_cmpstr(tw_event_get_str(a2, "client_credential"), ==, "0000000000000000");
    g_assert_cmpint(tw_event_get_int(a2, "opnum", -1), ==, 15);

    TwEvent *a2r = find(&h, "netlogon", "op", "NetrServerAuthenticate2", 1);
    g_assert_nonnull(a2r);
    g_assert_cmpstr(tw_event_get_str(a2r, "nt_status"), ==, "0xc0000022");
    g_assert_cmpstr(tw_event_get_str(a2r, "nt_status_name"), ==, "STATUS_ACCESS_DENIED");
    g_assert_cmpstr(tw_event_get_str(a2r, "account"), ==, "dc01$");
    g_assert_cmpstr(tw_event_get_str(a2r, "channel_type_name"), ==, "ServerSecureChannel");
    g_assert_cmpint(tw_event_get_int(a2r, "negotiate_flags", 0), ==, 0x212fffff);
    g_assert_cmpint(tw_event_get_int(a2r, "reply_to", 0), ==, 5);
    g_assert_cmpint(tw_event_get_int(a2r, "call_id", 0), ==, 3);
    g_assert_cmpuint(counter(&h, "anomaly.netlogon_malformed"), ==, 0);
    harness_clear(&h);
}

static void test_epm_map(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    feed_all(&h, s, zl_epm, G_N_ELEMENTS(zl_epm), 0);
    tw_dcerpc_stream_free(s);

    TwEvent *bind = find(&h, "dcerpc", "pdu", "bind", 0);
    g_assert_cmpstr(tw_event_get_str(bind, "interface"), ==, "EPM");
    TwEvent *req = find(&h, "dcerpc", "epm_op", "map", 0);
    g_assert_nonnull(req);
    g_assert_cmpstr(tw_event_get_str(req, "pdu"), ==, "request");
    g_assert_cmpstr(tw_event_get_str(req, "interface"), ==, "NETLOGON");
    g_assert_cmpint(tw_event_get_int(req, "port", -1), ==, 0);
    TwEvent *rsp = find(&h, "dcerpc", "epm_op", "map", 1);
    g_assert_nonnull(rsp);
    g_assert_cmpstr(tw_event_get_str(rsp, "pdu"), ==, "response");
    g_assert_cmpstr(tw_event_get_str(rsp, "interface"), ==, "NETLOGON");
    g_assert_cmpstr(tw_event_get_str(rsp, "protocol"), ==, "ncacn_ip_tcp");
    g_assert_cmpint(tw_event_get_int(rsp, "port", -1), ==, 49668);
    g_assert_cmpstr(tw_event_get_str(rsp, "ip"), ==, "172.16.5.58");
    g_assert_cmpstr(tw_event_get_str(rsp, "epm_status"), ==, "0x00000000");
    g_assert_cmpint(tw_event_get_int(rsp, "reply_to", 0), ==, 3);
    g_assert_cmpuint(h.expects->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(h.expects, 0), ==, "172.16.5.58:49668:dcerpc");
    harness_clear(&h);
}

/* Every split of the byte stream yields the same events as whole PDUs. */
static void test_chunking(void)
{
    Harness whole;
    harness_init(&whole);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    feed_all(&whole, s, iface_many, G_N_ELEMENTS(iface_many), 0);
    tw_dcerpc_stream_free(s);
    g_autofree char *want = events_json(&whole);
    g_assert_cmpuint(whole.events->len, ==, 6);

    for (gsize chunk = 1; chunk <= 40; chunk++) {
        Harness h;
        harness_init(&h);
        s = tw_dcerpc_stream_new("tcp", NULL);
        feed_all(&h, s, iface_many, G_N_ELEMENTS(iface_many), chunk);
        tw_dcerpc_stream_free(s);
        g_autofree char *got = events_json(&h);
        g_assert_cmpstr(got, ==, want);
        harness_clear(&h);
    }

    /* All PDUs of one direction in a single feed call. */
    Harness h;
    harness_init(&h);
    s = tw_dcerpc_stream_new("tcp", NULL);
    GByteArray *all = g_byte_array_new();
    for (gsize i = 0; i < G_N_ELEMENTS(zl_epm); i += 2) {
        g_autoptr(GByteArray) b = hex(zl_epm[i][1]);
        g_byte_array_append(all, b->data, b->len);
    }
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, all->data, all->len);
    g_byte_array_unref(all);
    tw_dcerpc_stream_free(s);
    g_assert_cmpuint(h.events->len, ==, 2); /* bind + map request */
    harness_clear(&h);
    harness_clear(&whole);
}

/* Rebuilds one request PDU as `nfrag` fragments of its stub. */
static GByteArray *fragment_request(const GByteArray *pdu, guint nfrag)
{
    const gsize hdr = 24;
    gsize stub_len = pdu->len - hdr;
    GByteArray *out = g_byte_array_new();
    gsize per = (stub_len + nfrag - 1) / nfrag;
    for (gsize off = 0; off < stub_len; off += per) {
        gsize n = MIN(per, stub_len - off);
        guint8 h[24];
        memcpy(h, pdu->data, hdr);
        h[3] = (guint8)((off == 0 ? 0x01 : 0) | (off + n == stub_len ? 0x02 : 0));
        guint16 fl = (guint16)(hdr + n);
        h[8] = fl & 0xff;
        h[9] = fl >> 8;
        g_byte_array_append(out, h, hdr);
        g_byte_array_append(out, pdu->data + hdr + off, (guint)n);
    }
    return out;
}

static void test_reassembly(void)
{
    for (guint nfrag = 2; nfrag <= 7; nfrag++) {
        Harness h;
        harness_init(&h);
        TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
        feed_all(&h, s, iface_many, 2, 0); /* bind, ack */
        g_autoptr(GByteArray) a2 = hex(iface_many[4][1]);
        g_autoptr(GByteArray) frags = fragment_request(a2, nfrag);
        h.pi.frame = 10;
        tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, frags->data, frags->len);
        TwEvent *ev = find(&h, "netlogon", "op", "NetrServerAuthenticate2", 0);
        g_assert_nonnull(ev);
        g_assert_cmpstr(tw_event_get_str(ev, "account"), ==, "dc01$");
        g_assert_cmpint(tw_event_get_int(ev, "negotiate_flags", 0), ==, 0x212fffff);
        g_assert_false(tw_event_has(ev, "decode_status"));
        tw_dcerpc_stream_free(s);
        harness_clear(&h);
    }

    /* A middle fragment without its first: counted, nothing emitted. */
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    g_autoptr(GByteArray) a2 = hex(iface_many[4][1]);
    g_autoptr(GByteArray) frags = fragment_request(a2, 3);
    gsize first_len = frags->data[8] | (frags->data[9] << 8);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, frags->data + first_len, frags->len - first_len);
    g_assert_cmpuint(h.events->len, ==, 0);
    g_assert_cmpuint(counter(&h, "dcerpc.orphan_fragment"), ==, 2);
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

/* Converts a little-endian NDR20 ReqChallenge request PDU to big-endian
 * drep by hand: header integers, stub integers and UTF-16 units. */
static void test_big_endian(void)
{
    /* zerologon frame 20, NDR20 */
    g_autoptr(GByteArray) le = hex(
        "050000031000000068000000010000005000000000000400fe5500000c000000000000000c0000005c005c004200410053002d00410044002d003000310000000a000000000000000a0000004200410053002d00410044002d003000310000000000000000000000");
    GByteArray *be = g_byte_array_sized_new(le->len);
    g_byte_array_append(be, le->data, le->len);
    guint8 *p = be->data;
    p[4] = 0x00; /* drep: big-endian */
    /* swap helpers */
#define SW16(o) do { guint8 t = p[o]; p[o] = p[(o) + 1]; p[(o) + 1] = t; } while (0)
#define SW32(o) do { guint8 t0 = p[o], t1 = p[(o) + 1]; p[o] = p[(o) + 3]; p[(o) + 1] = p[(o) + 2]; p[(o) + 2] = t1; p[(o) + 3] = t0; } while (0)
    SW16(8); SW16(10); SW32(12); SW32(16); SW16(20); SW16(22);
    gsize o = 24;
    SW32(o); o += 4;                          /* referent */
    for (int k = 0; k < 3; k++, o += 4) SW32(o); /* 12, 0, 12 */
    for (int k = 0; k < 12; k++, o += 2) SW16(o);
    for (int k = 0; k < 3; k++, o += 4) SW32(o); /* 10, 0, 10 */
    for (int k = 0; k < 10; k++, o += 2) SW16(o);
#undef SW16
#undef SW32
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    /* bind for NETLOGON with NDR20 (zerologon frame 17) so ctx 0 is known */
    g_autoptr(GByteArray) bind = hex(
        "05000b03100000004800000001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000");
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, bind->data, bind->len);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, be->data, be->len);
    TwEvent *ev = find(&h, "netlogon", "op", "NetrServerReqChallenge", 0);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "server"), ==, "\\\\BAS-AD-01");
    g_assert_cmpstr(tw_event_get_str(ev, "computer"), ==, "BAS-AD-01");
    g_assert_cmpint(tw_event_get_int(ev, "call_id", 0), ==, 1);
    g_assert_false(tw_event_has(ev, "decode_status"));
    g_byte_array_unref(be);
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

static void feed_hex(Harness *h, TwDcerpcStream *s, int dir, guint64 frame, const char *x)
{
    g_autoptr(GByteArray) b = hex(x);
    h->pi.frame = frame;
    tw_dcerpc_stream_feed(s, &h->ctx, dir, b->data, b->len);
}

static void test_fault(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("smb2", "netlogon");
    feed_hex(&h, s, TW_DIR_REQ, 1, zl_epm[0][1]); /* EPM bind, ctx 0 */
    /* request call_id 7 opnum 9 with an empty stub */
    feed_hex(&h, s, TW_DIR_REQ, 2, "0500000310000000180000000700000000000000 00000900");
    /* fault: alloc_hint, ctx 0, cancel 0, reserved, status nca_s_op_rng_error, reserved */
    feed_hex(&h, s, TW_DIR_RSP, 3, "050003031000000020000000070000002000000000000000 0200011c 00000000");
    TwEvent *f = find(&h, "dcerpc", "pdu", "fault", 0);
    g_assert_nonnull(f);
    g_assert_cmpstr(tw_event_get_str(f, "fault_status"), ==, "0x1c010002");
    g_assert_cmpstr(tw_event_get_str(f, "fault_status_name"), ==, "nca_s_op_rng_error");
    g_assert_cmpstr(tw_event_get_str(f, "interface"), ==, "EPM");
    g_assert_cmpint(tw_event_get_int(f, "opnum", -1), ==, 9);
    g_assert_cmpint(tw_event_get_int(f, "reply_to", 0), ==, 2);
    g_assert_cmpstr(f->transport, ==, "smb2");
    /* the generic request event of an unknown EPM opnum */
    TwEvent *r = find(&h, "dcerpc", "pdu", "request", 0);
    g_assert_nonnull(r);
    g_assert_cmpint(tw_event_get_int(r, "opnum", -1), ==, 9);
    g_assert_cmpstr(tw_event_get_str(r, "pipe"), ==, "netlogon");
    g_assert_cmpstr(tw_dcerpc_fault_name(0x1c010003), ==, "nca_s_unk_if");
    g_assert_cmpstr(tw_dcerpc_fault_name(5), ==, "rpc_s_access_denied");
    g_assert_null(tw_dcerpc_fault_name(0x12345678));
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

/* A request on a privacy-level schannel context: sealed, algorithms kept,
 * no stub decoded. */
static void test_sealed(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    feed_hex(&h, s, TW_DIR_REQ, 1, alter_nl_auth);
    /* request call 4 ctx 0 opnum 21, 8 stub bytes, 8-byte sec_trailer
     * (0x44, level 6, pad 0, ctx 1), 32-byte NL_AUTH_SIGNATURE
     * (SHA2 0x0013 / AES 0x001a) */
    feed_hex(&h, s, TW_DIR_REQ, 2,
             "05000003100000004800200004000000080000000000 1500"
             "0102030405060708"
             "4406000001000000"
             "13001a00ffff0000 1111111111111111 2222222222222222 3333333333333333");
    TwEvent *alt = find(&h, "dcerpc", "pdu", "alter_context", 0);
    g_assert_nonnull(alt);
    g_assert_cmpstr(tw_event_get_str(alt, "nl_auth_domain"), ==, "VUAN");
    g_assert_cmpstr(tw_event_get_str(alt, "nl_auth_host"), ==, "WIN7-PC");
    g_assert_cmpstr(tw_event_get_str(alt, "nl_auth_dns_domain"), ==, "vuan.kma.vn");
    g_assert_false(tw_event_has(alt, "nl_auth_dns_host"));
    g_assert_cmpstr(tw_event_get_str(alt, "auth_type_name"), ==, "netlogon");
    g_assert_cmpstr(tw_event_get_str(alt, "auth_level_name"), ==, "privacy");
    TwEvent *ev = find(&h, "netlogon", "op", "NetrLogonGetCapabilities", 0);
    g_assert_nonnull(ev);
    g_assert_true(tw_event_get_bool(ev, "sealed", false));
    g_assert_cmpint(tw_event_get_int(ev, "nl_sign_alg", 0), ==, 0x13);
    g_assert_cmpint(tw_event_get_int(ev, "nl_seal_alg", 0), ==, 0x1a);
    g_assert_cmpstr(tw_event_get_str(ev, "nl_auth_host"), ==, "WIN7-PC");
    g_assert_cmpstr(tw_event_get_str(ev, "nl_auth_domain"), ==, "VUAN");
    g_assert_false(tw_event_has(ev, "server"));
    g_assert_false(tw_event_has(ev, "decode_status"));
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

/* Each PDU cut at every length inside a fresh stream: no event for an
 * incomplete PDU, no crash; then each PDU with frag_length shrunk to the
 * cut (a lying header): decode errors are reported, never a crash. */
static void test_truncations(void)
{
    const char *(*sets[])[2] = { iface_many, zl_epm };
    gsize counts[] = { G_N_ELEMENTS(iface_many), G_N_ELEMENTS(zl_epm) };
    for (gsize set = 0; set < 2; set++) {
        for (gsize i = 0; i < counts[set]; i++) {
            g_autoptr(GByteArray) b = hex(sets[set][i][1]);
            int dir = sets[set][i][0][0] == 'c' ? TW_DIR_REQ : TW_DIR_RSP;
            for (gsize k = 1; k < b->len; k++) {
                Harness h;
                harness_init(&h);
                TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
                /* establish the context so stubs get decoded */
                feed_all(&h, s, sets[set], 2, 0);
                guint before = h.events->len;
                g_autofree guint8 *cut = g_memdup2(b->data, k);
                tw_dcerpc_stream_feed(s, &h.ctx, dir, cut, k);
                g_assert_cmpuint(h.events->len, ==, before);
                /* the same prefix, its header claiming exactly k bytes */
                if (k >= 16) {
                    cut[8] = k & 0xff;
                    cut[9] = (guint8)(k >> 8);
                    TwDcerpcStream *s2 = tw_dcerpc_stream_new("tcp", NULL);
                    feed_all(&h, s2, sets[set], 2, 0);
                    tw_dcerpc_stream_feed(s2, &h.ctx, dir, cut, k);
                    tw_dcerpc_stream_free(s2);
                }
                tw_dcerpc_stream_free(s);
                harness_clear(&h);
            }
        }
    }
}

static void test_probe_and_resync(void)
{
    g_autoptr(GByteArray) b = hex(iface_many[0][1]);
    g_assert_true(tw_dcerpc_probe(b->data, b->len));
    g_assert_false(tw_dcerpc_probe(b->data, 9));
    guint8 bad[16];
    memcpy(bad, b->data, 16);
    bad[0] = 4;
    g_assert_false(tw_dcerpc_probe(bad, 16));
    memcpy(bad, b->data, 16);
    bad[2] = 1; /* connectionless ping */
    g_assert_false(tw_dcerpc_probe(bad, 16));
    memcpy(bad, b->data, 16);
    bad[8] = 8; bad[9] = 0; /* frag_length below the header */
    g_assert_false(tw_dcerpc_probe(bad, 16));

    /* a PDU, garbage, a gap: the stream resynchronises on the next header */
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    guint8 junk[32];
    memset(junk, 0x41, sizeof junk);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, b->data, b->len);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, junk, sizeof junk);
    g_assert_cmpuint(counter(&h, "anomaly.dcerpc_bad_header"), ==, 1);
    tw_dcerpc_stream_gap(s, &h.ctx, TW_DIR_REQ);
    GByteArray *mix = g_byte_array_new();
    g_byte_array_append(mix, junk, 7);
    g_byte_array_append(mix, b->data, b->len);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, mix->data, mix->len);
    g_byte_array_unref(mix);
    g_assert_nonnull(find(&h, "dcerpc", "pdu", "bind", 1));
    /* 31 junk bytes after the first bad one, then the 7 before the header */
    g_assert_cmpuint(counter(&h, "dcerpc.resync_skipped_bytes"), ==, 31 + 7);
    tw_dcerpc_stream_free(s);
    harness_clear(&h);

    /* a stream that starts with something else (a non-RPC named pipe) is
     * given up quietly: no anomaly, and no header hunted for in its data */
    harness_init(&h);
    s = tw_dcerpc_stream_new("smb2", "PSEXESVC");
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, junk, sizeof junk);
    tw_dcerpc_stream_feed(s, &h.ctx, TW_DIR_REQ, b->data, b->len);
    g_assert_cmpuint(h.events->len, ==, 0);
    g_assert_cmpuint(counter(&h, "dcerpc.not_rpc_stream"), ==, 1);
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

/* A bind_ack accepting a transfer syntax nobody proposed (no bind seen):
 * reported by UUID (the fuzz finding that once read it out of scope). */
static void test_ack_without_bind(void)
{
    Harness h;
    harness_init(&h);
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    feed_hex(&h, s, TW_DIR_RSP, 1,
             "05000c03100000003800000009000000b810b81000000000 0000 0000"
             "0100 0000 0000 0000 00112233445566778899aabbccddeeff 01000000");
    TwEvent *ack = find(&h, "dcerpc", "pdu", "bind_ack", 0);
    g_assert_nonnull(ack);
    g_assert_cmpstr(tw_event_get_str(ack, "transfer_syntax"), ==,
                    "33221100-5544-7766-8899-aabbccddeeff");
    g_assert_false(tw_event_has(ack, "interface"));
    tw_dcerpc_stream_free(s);
    harness_clear(&h);
}

/* ---- the registry ---------------------------------------------------- */

#define TEST_UUID "11223344-5566-7788-99aa-bbccddeeff00"

/* C706 12.6.3.1 common header (little-endian, first+last fragment) before
 * `body`; frag_length and auth_length filled in. */
static GByteArray *co_pdu(guint8 ptype, guint32 call_id, const GByteArray *body, guint16 auth_len)
{
    GByteArray *b = g_byte_array_new();
    put8(b, 5), put8(b, 0), put8(b, ptype), put8(b, 0x03);
    put8(b, 0x10), put8(b, 0), put8(b, 0), put8(b, 0);
    put16(b, (guint16)(16 + body->len)), put16(b, auth_len);
    put32(b, call_id);
    g_byte_array_append(b, body->data, body->len);
    return b;
}

/* C706 Appendix A: a UUID in little-endian drep. */
static void put_uuid(GByteArray *b, guint32 a, guint16 m, guint16 h, const char *tail16)
{
    put32(b, a), put16(b, m), put16(b, h);
    g_autoptr(GByteArray) t = hex(tail16);
    g_byte_array_append(b, t->data, t->len);
}

/* C706 12.6.4.3 bind: one context item (ctx 0) of TEST_UUID version vmajor.0
 * over NDR20, with an optional sec_trailer + token of auth_type 0x99. */
static GByteArray *bind_pdu(guint32 call_id, guint16 vmajor, const char *token_hex)
{
    g_autoptr(GByteArray) body = g_byte_array_new();
    put16(body, 4280), put16(body, 4280), put32(body, 0);
    put8(body, 1), put8(body, 0), put16(body, 0);
    put16(body, 0), put8(body, 1), put8(body, 0);
    put_uuid(body, 0x11223344, 0x5566, 0x7788, "99aabbccddeeff00");
    put16(body, vmajor), put16(body, 0);
    put_uuid(body, 0x8a885d04, 0x1ceb, 0x11c9, "9fe808002b104860"); /* NDR20 */
    put32(body, 2);
    guint16 auth_len = 0;
    if (token_hex) {
        g_autoptr(GByteArray) tok = hex(token_hex);
        put8(body, 0x99), put8(body, 2), put8(body, 0), put8(body, 0), put32(body, 0);
        g_byte_array_append(body, tok->data, tok->len);
        auth_len = (guint16)tok->len;
    }
    return co_pdu(11, call_id, body, auth_len);
}

/* C706 12.6.4.9 request (ctx 0) / 12.6.4.10 response with an 8-byte stub,
 * and with a 4-byte verifier of auth_type 0x99 when `verifier`. */
static GByteArray *call_pdu(bool request, guint32 call_id, guint16 opnum, bool verifier)
{
    g_autoptr(GByteArray) body = g_byte_array_new();
    put32(body, 8), put16(body, 0);
    if (request)
        put16(body, opnum);
    else
        put8(body, 0), put8(body, 0);
    g_autoptr(GByteArray) stub = hex("0102030405060708");
    g_byte_array_append(body, stub->data, stub->len);
    if (verifier) {
        put8(body, 0x99), put8(body, 2), put8(body, 0), put8(body, 0), put32(body, 0);
        put32(body, 0xa1b2c3d4);
    }
    return co_pdu(request ? 0 : 2, call_id, body, verifier ? 4 : 0);
}

static void feed_bytes(Harness *h, TwDcerpcStream *s, int dir, guint64 frame, GByteArray *b)
{
    h->pi.frame = frame;
    g_autofree guint8 *copy = g_memdup2(b->data, b->len);
    tw_dcerpc_stream_feed(s, &h->ctx, dir, copy, b->len);
}

/* What the test interface's decoder was called with. */
static struct {
    guint calls;
    int dir;
    guint16 opnum;
    guint32 call_id;
    gsize stub_len;
    guint8 first_byte;
    const char *iface_name;
    bool had_verifier;
    guint32 verifier_value;
    bool had_conn;
} seen;

/* Decodes opnum 7 (emits a "testif" event); leaves every other opnum to the
 * generic event. */
static bool test_iface_dissect(const TwDcerpcStub *st)
{
    seen.calls++;
    seen.dir = st->dir;
    seen.opnum = st->opnum;
    seen.call_id = st->call_id;
    seen.stub_len = st->stub_len;
    seen.first_byte = st->stub_len ? st->stub[0] : 0;
    seen.iface_name = st->iface ? st->iface->name : NULL;
    seen.had_verifier = st->verifier != NULL;
    seen.verifier_value = st->verifier ? *(const guint32 *)st->verifier : 0;
    seen.had_conn = st->auth_conn != NULL;
    if (st->opnum != 7)
        return false;
    TwEvent *ev = tw_dcerpc_stub_event(st, "testif");
    tw_event_set_int(ev, "opnum", st->opnum);
    tw_event_set_str(ev, "dir", st->dir == TW_DIR_REQ ? "request" : "response");
    tw_emit(st->ctx, ev);
    return true;
}

static const char *test_opnum_name(guint16 opnum)
{
    return opnum == 7 ? "TestSeven" : opnum == 8 ? "TestEight" : NULL;
}

/* A test security provider (auth_type 0x99): counts its bind tokens in its
 * per-connection state, annotates the bind event, keeps a verifier. */
static void *test_conn_new(void)
{
    return g_new0(guint, 1);
}

static void test_bind_fields(const TwDcerpcAuthToken *tok, TwEvent *ev)
{
    guint *tokens = tok->conn;
    (*tokens)++;
    tw_event_set_int(ev, "test_token_len", (gint64)tok->value_len);
    tw_event_set_int(ev, "test_tokens", *tokens);
}

static guint bind_tokens_seen;

static void test_bind_token(const TwDcerpcAuthToken *tok)
{
    bind_tokens_seen++;
    TwEvent *ev = tw_event_new(tok->ctx->pi, "testauth");
    tw_event_set_int(ev, "dcerpc_call_id", tok->call_id);
    tw_emit(tok->ctx, ev);
}

static void *test_verifier_new(const TwDcerpcAuthToken *tok)
{
    if (tok->value_len < 4)
        return NULL;
    guint32 *v = g_new(guint32, 1);
    *v = (guint32)(tok->value[0] | (tok->value[1] << 8) | (tok->value[2] << 16) |
                   ((guint32)tok->value[3] << 24));
    return v;
}

static const TwDcerpcIface test_ifaces[] = {
    /* same UUID twice: the exact major version wins, another finds the first */
    { TEST_UUID, 2, "TESTIF", test_iface_dissect, test_opnum_name },
    { TEST_UUID, 3, "TESTIF3", NULL, NULL },
};

static const TwDcerpcAuthType test_auth[] = {
    { .auth_type = 0x99,
      .name = "test",
      .conn_new = test_conn_new,
      .conn_free = g_free,
      .bind_fields = test_bind_fields,
      .bind_token = test_bind_token,
      .verifier_new = test_verifier_new,
      .verifier_free = g_free },
};

static const TwDcerpcRegistry test_registry = {
    .ifaces = test_ifaces,
    .n_ifaces = G_N_ELEMENTS(test_ifaces),
    .auth_types = test_auth,
    .n_auth_types = G_N_ELEMENTS(test_auth),
};

static void test_registry_lookup(void)
{
    g_assert_true(tw_dcerpc_registry_iface(&test_registry, TEST_UUID, 2) == &test_ifaces[0]);
    g_assert_true(tw_dcerpc_registry_iface(&test_registry, TEST_UUID, 3) == &test_ifaces[1]);
    g_assert_true(tw_dcerpc_registry_iface(&test_registry, TEST_UUID, 9) == &test_ifaces[0]);
    g_assert_null(tw_dcerpc_registry_iface(&test_registry, "e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3));
    g_assert_true(tw_dcerpc_registry_auth(&test_registry, 0x99) == &test_auth[0]);
    g_assert_null(tw_dcerpc_registry_auth(&test_registry, 0x44));
    /* the built-in registry names EPM and decodes it, knows LSARPC by name only */
    const TwDcerpcIface *epm = tw_dcerpc_iface_lookup("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3);
    g_assert_nonnull(epm);
    g_assert_cmpstr(epm->name, ==, "EPM");
    g_assert_true(epm->dissect == tw_epm_dissect);
    const TwDcerpcIface *lsa = tw_dcerpc_iface_lookup("12345778-1234-abcd-ef00-0123456789ab", 0);
    g_assert_cmpstr(lsa->name, ==, "LSARPC");
    g_assert_null(lsa->dissect);
    g_assert_null(tw_dcerpc_iface_lookup(TEST_UUID, 2));
    g_assert_cmpstr(tw_dcerpc_auth_type_name(0x44), ==, "netlogon");
    g_assert_cmpstr(tw_dcerpc_auth_type_name(0x09), ==, "spnego");
    g_assert_cmpstr(tw_dcerpc_auth_type_name(0x99), ==, "unknown");
}

/* An interface the registry does not know: bind and calls get the generic
 * dcerpc events (uuid, no interface name), faults no op name. */
static void test_registry_unknown(void)
{
    Harness h;
    harness_init(&h);
    g_autoptr(TwDcerpcStream) s = tw_dcerpc_stream_new("tcp", NULL); /* built-in registry */
    g_autoptr(GByteArray) bind = bind_pdu(1, 2, NULL);
    g_autoptr(GByteArray) req = call_pdu(true, 2, 7, false);
    g_autoptr(GByteArray) rsp = call_pdu(false, 2, 0, false);
    feed_bytes(&h, s, TW_DIR_REQ, 1, bind);
    feed_bytes(&h, s, TW_DIR_REQ, 2, req);
    feed_bytes(&h, s, TW_DIR_RSP, 3, rsp);
    TwEvent *b = find(&h, "dcerpc", "pdu", "bind", 0);
    g_assert_nonnull(b);
    g_assert_cmpstr(tw_event_get_str(b, "uuid"), ==, TEST_UUID);
    g_assert_false(tw_event_has(b, "interface"));
    TwEvent *r = find(&h, "dcerpc", "pdu", "request", 0);
    g_assert_nonnull(r);
    g_assert_cmpstr(tw_event_get_str(r, "uuid"), ==, TEST_UUID);
    g_assert_false(tw_event_has(r, "interface"));
    g_assert_cmpint(tw_event_get_int(r, "opnum", -1), ==, 7);
    g_assert_cmpint(tw_event_get_int(r, "stub_len", -1), ==, 8);
    TwEvent *p = find(&h, "dcerpc", "pdu", "response", 0);
    g_assert_nonnull(p);
    g_assert_cmpint(tw_event_get_int(p, "reply_to", 0), ==, 2);
    g_assert_cmpuint(h.events->len, ==, 3);
    harness_clear(&h);
}

/* A registered interface: its decoder is called for both directions with
 * the request's opnum; an opnum it declines gets the generic event; faults
 * are named by its opnum_name; the security provider's hooks run in order. */
static void test_registry_dispatch(void)
{
    Harness h;
    harness_init(&h);
    memset(&seen, 0, sizeof seen);
    bind_tokens_seen = 0;
    g_autoptr(TwDcerpcStream) s = tw_dcerpc_stream_new_with_registry("tcp", NULL, &test_registry);
    g_autoptr(GByteArray) bind = bind_pdu(1, 2, "aabbccdd");
    feed_bytes(&h, s, TW_DIR_REQ, 1, bind);
    TwEvent *b = find(&h, "dcerpc", "pdu", "bind", 0);
    g_assert_nonnull(b);
    g_assert_cmpstr(tw_event_get_str(b, "interface"), ==, "TESTIF");
    g_assert_cmpstr(tw_event_get_str(b, "auth_type_name"), ==, "test");
    g_assert_cmpint(tw_event_get_int(b, "test_token_len", 0), ==, 4);
    g_assert_cmpint(tw_event_get_int(b, "test_tokens", 0), ==, 1);
    /* bind_token runs after the bind event is emitted */
    g_assert_cmpuint(bind_tokens_seen, ==, 1);
    g_assert_cmpstr(((TwEvent *)g_ptr_array_index(h.events, 1))->proto, ==, "testauth");

    /* opnum 7, request with a verifier: decoded by the interface */
    g_autoptr(GByteArray) req = call_pdu(true, 5, 7, true);
    feed_bytes(&h, s, TW_DIR_REQ, 2, req);
    g_assert_cmpuint(seen.calls, ==, 1);
    g_assert_cmpint(seen.dir, ==, TW_DIR_REQ);
    g_assert_cmpuint(seen.opnum, ==, 7);
    g_assert_cmpuint(seen.call_id, ==, 5);
    g_assert_cmpuint(seen.stub_len, ==, 8);
    g_assert_cmpuint(seen.first_byte, ==, 1);
    g_assert_cmpstr(seen.iface_name, ==, "TESTIF");
    g_assert_true(seen.had_verifier);
    g_assert_cmpuint(seen.verifier_value, ==, 0xa1b2c3d4);
    g_assert_true(seen.had_conn);
    /* the response carries no opnum: the decoder gets the request's */
    g_autoptr(GByteArray) rsp = call_pdu(false, 5, 0, false);
    feed_bytes(&h, s, TW_DIR_RSP, 3, rsp);
    g_assert_cmpuint(seen.calls, ==, 2);
    g_assert_cmpint(seen.dir, ==, TW_DIR_RSP);
    g_assert_cmpuint(seen.opnum, ==, 7);
    g_assert_false(seen.had_verifier);
    g_assert_nonnull(find(&h, "testif", "dir", "request", 0));
    g_assert_nonnull(find(&h, "testif", "dir", "response", 0));
    g_assert_null(find(&h, "dcerpc", "pdu", "request", 0));

    /* opnum 8: declined, so the generic event; its fault is named */
    g_autoptr(GByteArray) req8 = call_pdu(true, 6, 8, false);
    feed_bytes(&h, s, TW_DIR_REQ, 4, req8);
    g_assert_cmpuint(seen.calls, ==, 3);
    g_assert_cmpuint(seen.opnum, ==, 8);
    TwEvent *g = find(&h, "dcerpc", "pdu", "request", 0);
    g_assert_nonnull(g);
    g_assert_cmpstr(tw_event_get_str(g, "interface"), ==, "TESTIF");
    g_assert_cmpint(tw_event_get_int(g, "opnum", -1), ==, 8);
    feed_hex(&h, s, TW_DIR_RSP, 5, "050003031000000020000000060000002000000000000000 0200011c 00000000");
    TwEvent *f = find(&h, "dcerpc", "pdu", "fault", 0);
    g_assert_nonnull(f);
    g_assert_cmpstr(tw_event_get_str(f, "op"), ==, "TestEight");
    g_assert_cmpstr(tw_event_get_str(f, "interface"), ==, "TESTIF");
    g_assert_cmpuint(seen.calls, ==, 3); /* faults never reach the decoder */

    /* a second bind token on the same connection finds the same state */
    g_autoptr(GByteArray) bind2 = bind_pdu(9, 3, "00");
    feed_bytes(&h, s, TW_DIR_REQ, 6, bind2);
    TwEvent *b2 = find(&h, "dcerpc", "pdu", "bind", 1);
    g_assert_nonnull(b2);
    g_assert_cmpint(tw_event_get_int(b2, "test_tokens", 0), ==, 2);
    g_assert_cmpstr(tw_event_get_str(b2, "interface"), ==, "TESTIF3");
    harness_clear(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dcerpc/iface-many-ndr64", test_iface_many);
    g_test_add_func("/dcerpc/epm-map", test_epm_map);
    g_test_add_func("/dcerpc/chunking", test_chunking);
    g_test_add_func("/dcerpc/reassembly", test_reassembly);
    g_test_add_func("/dcerpc/big-endian", test_big_endian);
    g_test_add_func("/dcerpc/fault", test_fault);
    g_test_add_func("/dcerpc/sealed", test_sealed);
    g_test_add_func("/dcerpc/truncations", test_truncations);
    g_test_add_func("/dcerpc/probe-resync", test_probe_and_resync);
    g_test_add_func("/dcerpc/ack-without-bind", test_ack_without_bind);
    g_test_add_func("/dcerpc/registry-lookup", test_registry_lookup);
    g_test_add_func("/dcerpc/registry-unknown", test_registry_unknown);
    g_test_add_func("/dcerpc/registry-dispatch", test_registry_dispatch);
    return g_test_run();
}
