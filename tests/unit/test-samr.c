/* test-samr.c — MS-SAMR: a machine password reset as a tool sends it
 * (LookupNamesInDomain, OpenUser, SetInformationUser2 UserInternal5InformationNew,
 * the shape of pcap-attack Remote_Pwd_Reset_RPC_Admin_Mimikatz_PostZeroLogon
 * frames 30-38), built by hand in NDR20; the account is named on the
 * SetInformationUser2 only through the lookup on the same domain handle and
 * the same client/server; CreateUser2InDomain, UnicodeChangePasswordUser2,
 * the info-class table and every cut of the lookup request (malformed). */
#include <glib.h>

#include "dissectors/dcerpc/dcerpc-call.h"
#include "dissectors/samr/samr.h"

#include "tw-test.h"

typedef struct {
    Collect col;
    TwPacketInfo pi;
    TwDissectCtx ctx;
    TwDcerpcCall call;
} H;

static void h_init(H *h)
{
    memset(h, 0, sizeof *h);
    h->col.events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    h->pi.transport = "smb2";
    h->ctx.pi = &h->pi;
    h->ctx.emit = collect_event;
    h->ctx.emit_user = &h->col;
    tw_samr_reset();
}

static void h_clear(H *h)
{
    if (h->call.carry)
        tw_event_free(h->call.carry);
    g_ptr_array_free(h->col.events, TRUE);
    tw_samr_reset();
}

/* One request (dir 0) or response stub of opnum on call call_id, client 10.0.0.5, DC 10.0.0.1. */
static TwEvent *call(H *h, int dir, guint16 opnum, guint32 call_id, const GByteArray *stub, const char *client)
{
    h->pi.frame++;
    g_strlcpy(h->pi.src, dir == TW_DIR_REQ ? client : "10.0.0.1", sizeof h->pi.src);
    g_strlcpy(h->pi.dst, dir == TW_DIR_REQ ? "10.0.0.1" : client, sizeof h->pi.dst);
    if (dir == TW_DIR_REQ) {
        h->call.have_request = true;
        h->call.opnum = opnum;
        h->call.call_id = call_id;
        h->call.req_frame = h->pi.frame;
    }
    guint8 *copy = g_memdup2(stub->data, stub->len ? stub->len : 1);
    TwDcerpcStub st = { .ctx = &h->ctx, .registry = &tw_dcerpc_registry, .transport = "smb2", .pipe = "samr",
                        .dir = dir, .call_id = call_id, .opnum = opnum, .little_endian = true,
                        .stub = copy, .stub_len = stub->len, .wire_len = stub->len, .call = &h->call };
    const TwDcerpcIface *samr = tw_dcerpc_iface_lookup("12345778-1234-abcd-ef00-0123456789ac", 1);
    g_assert_nonnull(samr);
    g_assert_true(samr->dissect == tw_samr_dissect);
    samr->dissect(&st);
    g_free(copy);
    return g_ptr_array_index(h->col.events, h->col.events->len - 1);
}

static void handle(GByteArray *b, guint8 seed)
{
    for (int i = 0; i < 20; i++)
        put8(b, (guint8)(seed + i));
}

static void ustr(GByteArray *hdr, GByteArray *body, const char *s)
{
    guint32 n = (guint32)strlen(s);
    put16(hdr, (guint16)(2 * n));
    put16(hdr, (guint16)(2 * n));
    put32(hdr, 0x20000 + n);
    put32(body, n);
    put32(body, 0);
    put32(body, n);
    for (guint32 i = 0; i < n; i++)
        put16(body, (guint8)s[i]);
    while (body->len % 4)
        put8(body, 0);
}

static GByteArray *lookup_request(guint8 domain)
{
    GByteArray *b = g_byte_array_new();
    handle(b, domain);
    put32(b, 1);
    put32(b, 1000); put32(b, 0); put32(b, 1); /* [size_is(1000), length_is(Count)] */
    g_autoptr(GByteArray) body = g_byte_array_new();
    ustr(b, body, "WS01$");
    g_byte_array_append(b, body->data, body->len);
    return b;
}

static void lookup_and_open(H *h, guint8 domain, const char *client)
{
    g_autoptr(GByteArray) rq = lookup_request(domain);
    TwEvent *ev = call(h, TW_DIR_REQ, 17, 7, rq, client);
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "SamrLookupNamesInDomain");
    g_assert_false(tw_event_has(ev, "decode_status"));
    g_autoptr(GByteArray) rs = g_byte_array_new();
    put32(rs, 1); put32(rs, 0x20000); put32(rs, 1); put32(rs, 35103); /* RelativeIds */
    put32(rs, 1); put32(rs, 0x20004); put32(rs, 1); put32(rs, 1);     /* Use: SidTypeUser */
    put32(rs, 0);
    ev = call(h, TW_DIR_RSP, 17, 7, rs, client);
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status_name"), ==, "STATUS_SUCCESS");
    const TwField *rids = tw_event_get(ev, "rids");
    g_assert_nonnull(rids);
    g_assert_cmpuint(rids->v.ilist->len, ==, 1);
    g_assert_cmpint(g_array_index(rids->v.ilist, gint64, 0), ==, 35103);

    g_autoptr(GByteArray) oq = g_byte_array_new();
    handle(oq, 0x10); /* the domain handle opened before */
    put32(oq, 0x80);
    put32(oq, 35103);
    ev = call(h, TW_DIR_REQ, 34, 8, oq, client);
    g_assert_cmpint(tw_event_get_int(ev, "rid", 0), ==, 35103);
    g_autoptr(GByteArray) or = g_byte_array_new();
    handle(or, 0x40);
    put32(or, 0);
    ev = call(h, TW_DIR_RSP, 34, 8, or, client);
    g_assert_cmpstr(tw_event_get_str(ev, "user_handle"), ==, "404142434445464748494a4b4c4d4e4f50515253");
}

static TwEvent *set_info2(H *h, guint16 cls, const char *client)
{
    g_autoptr(GByteArray) sq = g_byte_array_new();
    handle(sq, 0x40);
    put16(sq, cls);
    put16(sq, cls);
    for (int i = 0; i < 532; i++)
        put8(sq, 0x5a);
    return call(h, TW_DIR_REQ, 58, 10, sq, client);
}

static void test_reset_named(void)
{
    H h;
    h_init(&h);
    lookup_and_open(&h, 0x10, "10.0.0.5");
    TwEvent *ev = set_info2(&h, 26, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "SamrSetInformationUser2");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "WS01$");
    g_assert_cmpint(tw_event_get_int(ev, "rid", 0), ==, 35103);
    g_assert_cmpint(tw_event_get_int(ev, "info_class", 0), ==, 26);
    g_assert_cmpstr(tw_event_get_str(ev, "info_class_name"), ==, "UserInternal5InformationNew");
    g_assert_true(tw_event_get_bool(ev, "sets_password", false));
    g_autoptr(GByteArray) sr = g_byte_array_new();
    put32(sr, 0);
    ev = call(&h, TW_DIR_RSP, 58, 10, sr, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "WS01$"); /* repeated */
    g_assert_true(tw_event_get_bool(ev, "sets_password", false));
    g_assert_cmpstr(tw_event_get_str(ev, "nt_status"), ==, "0x00000000");
    /* a non-password class names the account but sets nothing */
    ev = set_info2(&h, 16, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "WS01$");
    g_assert_false(tw_event_has(ev, "sets_password"));
    /* another client: the handle is not its own */
    ev = set_info2(&h, 26, "10.0.0.6");
    g_assert_false(tw_event_has(ev, "user"));
    h_clear(&h);

    /* the lookup on another domain handle does not name the RID */
    h_init(&h);
    lookup_and_open(&h, 0x11, "10.0.0.5");
    ev = set_info2(&h, 26, "10.0.0.5");
    g_assert_false(tw_event_has(ev, "user"));
    g_assert_cmpint(tw_event_get_int(ev, "rid", 0), ==, 35103);
    h_clear(&h);
}

static void test_create_and_change(void)
{
    H h;
    h_init(&h);
    g_autoptr(GByteArray) cq = g_byte_array_new();
    handle(cq, 0x10);
    g_autoptr(GByteArray) body = g_byte_array_new();
    ustr(cq, body, "WS09$");
    g_byte_array_append(cq, body->data, body->len);
    put32(cq, 0x80);
    put32(cq, 0xe00500b0);
    TwEvent *ev = call(&h, TW_DIR_REQ, 50, 3, cq, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "WS09$");
    g_assert_cmpint(tw_event_get_int(ev, "account_type", 0), ==, 0x80);
    g_autoptr(GByteArray) cr = g_byte_array_new();
    handle(cr, 0x70);
    put32(cr, 0xf07ff);
    put32(cr, 1105);
    put32(cr, 0);
    ev = call(&h, TW_DIR_RSP, 50, 3, cr, "10.0.0.5");
    g_assert_cmpint(tw_event_get_int(ev, "rid", 0), ==, 1105);
    /* DeleteUser on the created handle is named */
    g_autoptr(GByteArray) dq = g_byte_array_new();
    handle(dq, 0x70);
    ev = call(&h, TW_DIR_REQ, 35, 4, dq, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "SamrDeleteUser");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "WS09$");
    g_assert_cmpint(tw_event_get_int(ev, "rid", 0), ==, 1105);

    g_autoptr(GByteArray) pq = g_byte_array_new();
    put32(pq, 0x20000);
    g_autoptr(GByteArray) sb = g_byte_array_new();
    ustr(pq, sb, "\\\\DC1");
    g_byte_array_append(pq, sb->data, sb->len);
    g_autoptr(GByteArray) ub = g_byte_array_new();
    ustr(pq, ub, "alice");
    g_byte_array_append(pq, ub->data, ub->len);
    for (int i = 0; i < 532; i++)
        put8(pq, 0x22);
    ev = call(&h, TW_DIR_REQ, 55, 5, pq, "10.0.0.5");
    g_assert_cmpstr(tw_event_get_str(ev, "op"), ==, "SamrUnicodeChangePasswordUser2");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "alice");
    g_assert_cmpstr(tw_event_get_str(ev, "server_name"), ==, "\\\\DC1");
    g_assert_true(tw_event_get_bool(ev, "sets_password", false));
    h_clear(&h);
}

static void test_tables_and_truncation(void)
{
    g_assert_true(tw_samr_info_class_sets_password(18));
    g_assert_true(tw_samr_info_class_sets_password(32));
    g_assert_false(tw_samr_info_class_sets_password(21));
    g_assert_false(tw_samr_info_class_sets_password(17));
    g_assert_cmpstr(tw_samr_info_class_name(24), ==, "UserInternal5Information");
    g_assert_cmpstr(tw_samr_opnum_name(58), ==, "SamrSetInformationUser2");
    g_assert_cmpstr(tw_samr_opnum_name(50), ==, "SamrCreateUser2InDomain");
    g_assert_null(tw_samr_opnum_name(200));
    g_autoptr(GByteArray) rq = lookup_request(0x10);
    /* the last 2 bytes align the string's end and are never read */
    for (guint cut = 0; cut < rq->len - 2; cut++) {
        H h;
        h_init(&h);
        g_autoptr(GByteArray) part = g_byte_array_sized_new(cut);
        g_byte_array_append(part, rq->data, cut);
        TwEvent *ev = call(&h, TW_DIR_REQ, 17, 1, part, "10.0.0.5");
        /* the PDU claims the cut length: the stub lies, not the capture */
        g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed");
        g_assert_false(tw_event_has(ev, "names"));
        h_clear(&h);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/samr/reset-named", test_reset_named);
    g_test_add_func("/samr/create-and-change", test_create_and_change);
    g_test_add_func("/samr/tables-and-truncation", test_tables_and_truncation);
    return g_test_run();
}
