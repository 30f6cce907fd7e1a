/* test-kpasswd.c — kpasswd (RFC 3244 2) over UDP and TCP on port 464:
 * request header + AP-REQ + KRB-PRIV, reply header + AP-REP + KRB-PRIV, a
 * bare KRB-ERROR reply carrying a result code, pairing, and every frame cut
 * at every length.  The AP-REQ is the real one inside the PA-TGS-REQ of
 * zeek/krb/kinit.pcap frame 71; KRB-PRIV/AP-REP/KRB-ERROR are built here
 * field by field from the RFC 4120 ASN.1. */
#include "dissectors/krb5/krb5.h"
#include "dissectors/der/der.h"

/* ---- a tiny DER builder ---- */

static GByteArray *tlv(guint8 id, const guint8 *content, gsize n)
{
    GByteArray *b = g_byte_array_new();
    guint8 hdr[6];
    gsize h = 0;
    hdr[h++] = id;
    if (n < 0x80) {
        hdr[h++] = (guint8)n;
    } else if (n < 0x100) {
        hdr[h++] = 0x81;
        hdr[h++] = (guint8)n;
    } else {
        hdr[h++] = 0x82;
        hdr[h++] = (guint8)(n >> 8);
        hdr[h++] = (guint8)n;
    }
    g_byte_array_append(b, hdr, (guint)h);
    g_byte_array_append(b, content, (guint)n);
    return b;
}

/* Wraps and frees `inner`. */
static GByteArray *wrap(guint8 id, GByteArray *inner)
{
    GByteArray *b = tlv(id, inner->data, inner->len);
    g_byte_array_unref(inner);
    return b;
}

/* Appends and frees `part`. */
static void cat(GByteArray *to, GByteArray *part)
{
    g_byte_array_append(to, part->data, part->len);
    g_byte_array_unref(part);
}

static GByteArray *ctx_int(guint8 n, guint8 v)
{
    const guint8 i[] = { 0x02, 0x01, v };
    return tlv(0xa0 | n, i, sizeof i);
}

static GByteArray *ctx_str(guint8 n, const char *s)
{
    return wrap(0xa0 | n, tlv(0x1b, (const guint8 *)s, strlen(s)));
}

static GByteArray *encrypted_data(guint8 n, guint8 etype, gsize cipher_len)
{
    GByteArray *ed = g_byte_array_new();
    cat(ed, ctx_int(0, etype));
    guint8 cipher[64] = { 0 };
    cat(ed, wrap(0xa2, tlv(0x04, cipher, cipher_len)));
    return wrap(0xa0 | n, wrap(0x30, ed));
}

/* RFC 4120 5.7.1 KRB-PRIV */
static GByteArray *krb_priv(void)
{
    GByteArray *s = g_byte_array_new();
    cat(s, ctx_int(0, 5));
    cat(s, ctx_int(1, 21));
    cat(s, encrypted_data(3, 18, 40));
    return wrap(0x75, wrap(0x30, s));
}

/* RFC 4120 5.5.2 AP-REP */
static GByteArray *ap_rep(void)
{
    GByteArray *s = g_byte_array_new();
    cat(s, ctx_int(0, 5));
    cat(s, ctx_int(1, 15));
    cat(s, encrypted_data(2, 18, 32));
    return wrap(0x6f, wrap(0x30, s));
}

/* RFC 4120 5.9.1 KRB-ERROR with an RFC 3244 result code in e-data. */
static GByteArray *krb_error_result(guint16 result, const char *text)
{
    GByteArray *s = g_byte_array_new();
    cat(s, ctx_int(0, 5));
    cat(s, ctx_int(1, 30));
    cat(s, wrap(0xa4, tlv(0x18, (const guint8 *)"20240102030405Z", 15)));
    cat(s, ctx_int(5, 0));
    cat(s, ctx_int(6, 60));
    cat(s, ctx_str(9, "VLADG.NET"));
    GByteArray *name = g_byte_array_new();
    cat(name, ctx_int(0, 2));
    GByteArray *comps = g_byte_array_new();
    cat(comps, tlv(0x1b, (const guint8 *)"kadmin", 6));
    cat(comps, tlv(0x1b, (const guint8 *)"changepw", 8));
    cat(name, wrap(0xa1, wrap(0x30, comps)));
    cat(s, wrap(0xaa, wrap(0x30, name)));
    GByteArray *ed = g_byte_array_new();
    guint8 rc[2] = { (guint8)(result >> 8), (guint8)result };
    g_byte_array_append(ed, rc, 2);
    g_byte_array_append(ed, (const guint8 *)text, (guint)strlen(text));
    cat(s, wrap(0xac, wrap(0x04, ed)));
    return wrap(0x7e, wrap(0x30, s));
}

/* The AP-REQ inside the PA-TGS-REQ of kinit.pcap frame 71 (TGS-REQ). */
static const guint8 v_ap_req[] = {
    0x6e, 0x82, 0x02, 0x31, 0x30, 0x82, 0x02, 0x2d, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02,
    0x01, 0x0e, 0xa2, 0x07, 0x03, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa3, 0x82, 0x01, 0x4c, 0x61,
    0x82, 0x01, 0x48, 0x30, 0x82, 0x01, 0x44, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x0b, 0x1b, 0x09,
    0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa2, 0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02,
    0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62, 0x74, 0x67, 0x74, 0x1b, 0x09,
    0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa3, 0x82, 0x01, 0x0e, 0x30, 0x82, 0x01,
    0x0a, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x03, 0x02, 0x01, 0x01, 0xa2, 0x81, 0xfd, 0x04, 0x81,
    0xfa, 0x7b, 0x9f, 0x59, 0xd0, 0x66, 0x8d, 0x53, 0xf4, 0x49, 0x88, 0x04, 0xfa, 0xc1, 0xd8, 0x6d,
    0xa2, 0xb7, 0x2b, 0xbb, 0x19, 0xca, 0x67, 0x0c, 0x13, 0xd1, 0x67, 0x2a, 0xfc, 0x18, 0xd1, 0xb1,
    0x80, 0x21, 0xbd, 0x85, 0xec, 0xf9, 0x9b, 0xfa, 0x2d, 0x18, 0xb6, 0xf5, 0x68, 0x91, 0xe7, 0x99,
    0xf4, 0xdb, 0x93, 0xa0, 0xc7, 0x90, 0x1e, 0xa9, 0x95, 0x76, 0xd3, 0x12, 0xfa, 0x2c, 0x39, 0x1d,
    0x0b, 0xd0, 0xa1, 0xd2, 0x35, 0x0f, 0x1f, 0x5b, 0x47, 0xdf, 0xd0, 0xbb, 0x64, 0x06, 0x24, 0x32,
    0xd1, 0xae, 0x13, 0x30, 0x71, 0x5a, 0x69, 0x59, 0x07, 0x40, 0xe9, 0xf9, 0xff, 0xa4, 0x9a, 0xd4,
    0x09, 0xf0, 0x0d, 0xc1, 0x52, 0x10, 0x4d, 0xbd, 0x4b, 0x4f, 0x56, 0xfd, 0xf6, 0x13, 0xf6, 0x9a,
    0x95, 0x4e, 0xdf, 0x21, 0xf6, 0x78, 0x94, 0xd8, 0x6a, 0xa5, 0xdc, 0x70, 0xa8, 0x04, 0x99, 0x02,
    0x78, 0xdb, 0x24, 0xd8, 0xfa, 0x5f, 0x6f, 0x8d, 0x56, 0xc8, 0x0a, 0xfe, 0x00, 0xf3, 0x26, 0x63,
    0x0c, 0x38, 0xd1, 0xd0, 0xe9, 0x8e, 0xab, 0xfe, 0x26, 0xfe, 0x00, 0x8d, 0x24, 0x98, 0x49, 0xe5,
    0x8d, 0x94, 0x72, 0x4d, 0x34, 0x25, 0xd8, 0xfe, 0xa9, 0x08, 0x06, 0xc6, 0x95, 0x48, 0x37, 0xf7,
    0x48, 0x43, 0x71, 0xb9, 0x0d, 0x24, 0x95, 0x3f, 0x83, 0x42, 0x82, 0xdd, 0xea, 0xc3, 0x66, 0x33,
    0xcc, 0xbb, 0x09, 0x0d, 0x2d, 0x09, 0x3b, 0xa6, 0x69, 0x25, 0xcd, 0xba, 0x11, 0xd4, 0xe0, 0x12,
    0x77, 0xd0, 0x47, 0x26, 0xda, 0x6a, 0x82, 0x7f, 0x3b, 0xf3, 0x1d, 0x10, 0xa4, 0x6c, 0x06, 0x16,
    0x6c, 0x1b, 0x63, 0xa1, 0xd1, 0x15, 0x21, 0x00, 0x8a, 0xff, 0x8a, 0x06, 0xe7, 0x55, 0x5e, 0x3a,
    0x3c, 0x64, 0xba, 0x22, 0x02, 0x49, 0xf0, 0xce, 0xc7, 0xad, 0xb2, 0xa4, 0x81, 0xc7, 0x30, 0x81,
    0xc4, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa2, 0x81, 0xbc, 0x04, 0x81, 0xb9, 0xf6, 0x07, 0xb9, 0x23,
    0x8f, 0xa0, 0xa3, 0x6f, 0xde, 0x68, 0x0b, 0xd7, 0x14, 0x8f, 0x2a, 0xad, 0x3c, 0xb9, 0x08, 0xa1,
    0x87, 0x8f, 0xfe, 0x85, 0xa1, 0xbb, 0x66, 0x65, 0x25, 0x57, 0x2f, 0x8a, 0x9a, 0xc0, 0xd6, 0x7d,
    0x81, 0x3f, 0x1b, 0x90, 0x8b, 0x91, 0xfa, 0x23, 0x8a, 0xf9, 0x52, 0x0f, 0x7b, 0xe1, 0x21, 0x40,
    0x92, 0x45, 0x28, 0xcf, 0x82, 0x7f, 0xd8, 0x1e, 0x59, 0x8d, 0x6d, 0x6a, 0x93, 0xd1, 0x9a, 0x35,
    0x3a, 0x2f, 0xe5, 0xc4, 0x28, 0xdb, 0xd1, 0xf8, 0x0a, 0xc5, 0xa1, 0x11, 0x2a, 0x88, 0xf7, 0xbc,
    0x9f, 0xe5, 0x24, 0xa6, 0xd6, 0xdb, 0x14, 0xd6, 0x32, 0x30, 0x59, 0xfa, 0xdb, 0x44, 0x70, 0xc3,
    0x21, 0x19, 0xbe, 0x09, 0x3b, 0x8a, 0xfc, 0xcb, 0x9b, 0x58, 0xb1, 0xc9, 0x40, 0x2e, 0xd5, 0xdf,
    0x9a, 0x17, 0xf1, 0x61, 0x7c, 0xf9, 0x68, 0xfc, 0x14, 0x7a, 0xdf, 0xca, 0xd7, 0xb5, 0xd1, 0xce,
    0x13, 0x5c, 0x62, 0xd4, 0xc8, 0x65, 0x47, 0xab, 0xdd, 0x1e, 0xbb, 0x1d, 0xf9, 0xe5, 0x00, 0x2e,
    0x1c, 0x2a, 0x95, 0x1d, 0x6e, 0xf3, 0xb5, 0x43, 0x8d, 0xc2, 0x7f, 0x14, 0xc1, 0xeb, 0xcf, 0xa8,
    0xc7, 0xbb, 0xa2, 0x0c, 0x2f, 0xb3, 0x8b, 0x7a, 0x12, 0x4d, 0x29, 0x33, 0x8c, 0xbe, 0xfb, 0xde,
    0x71, 0x1e, 0x63, 0x3f, 0x64,
};

static GByteArray *real_ap_req(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, v_ap_req, sizeof v_ap_req);
    return b;
}

/* RFC 3244 2 frame: msg-length, version, ap length, AP-*, KRB-PRIV. */
static GByteArray *kpasswd_frame(guint16 version, GByteArray *ap, GByteArray *priv)
{
    GByteArray *f = g_byte_array_new();
    guint total = 6 + ap->len + priv->len;
    guint8 hdr[6] = { (guint8)(total >> 8), (guint8)total, (guint8)(version >> 8), (guint8)version,
                      (guint8)(ap->len >> 8), (guint8)ap->len };
    g_byte_array_append(f, hdr, 6);
    cat(f, ap);
    cat(f, priv);
    return f;
}

typedef struct {
    GPtrArray *events;
} Collect;

static void collect(TwEvent *ev, void *user)
{
    Collect *c = user;
    g_ptr_array_add(c->events, ev);
}

static void feed(const TwAppParser *p, void *st, Collect *col, guint64 frame, int dir,
                 const guint8 *b, gsize n, gsize reported)
{
    TwPacketInfo pi = { 0 };
    pi.frame = frame;
    pi.transport = p->ipproto == 6 ? "tcp" : "udp";
    pi.sport = dir == TW_DIR_REQ ? 50000 : 464;
    pi.dport = dir == TW_DIR_REQ ? 464 : 50000;
    TwDissectCtx ctx = { .pi = &pi, .emit = collect, .emit_user = col };
    p->feed(st, &ctx, dir, b, n, reported);
}

static void test_udp_set_password(void)
{
    g_autoptr(GByteArray) req = kpasswd_frame(0xff80, real_ap_req(), krb_priv());
    g_autoptr(GByteArray) rep = kpasswd_frame(0x0001, ap_rep(), krb_priv());
    g_autoptr(GByteArray) err = krb_error_result(5, "access denied");
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_udp_parser.state_new();
    feed(&tw_krb5_udp_parser, st, &col, 1, TW_DIR_REQ, req->data, req->len, req->len);
    feed(&tw_krb5_udp_parser, st, &col, 2, TW_DIR_RSP, rep->data, rep->len, rep->len);
    feed(&tw_krb5_udp_parser, st, &col, 3, TW_DIR_REQ, req->data, req->len, req->len);
    feed(&tw_krb5_udp_parser, st, &col, 4, TW_DIR_RSP, err->data, err->len, err->len);
    g_assert_cmpuint(col.events->len, ==, 7);
    const gint64 types[] = { 14, 21, 15, 21, 14, 21, 30 };
    const guint64 frames[] = { 1, 1, 2, 2, 3, 3, 4 };
    const gint64 reply_to[] = { 0, 0, 1, 1, 0, 0, 3 };
    for (guint i = 0; i < 7; i++) {
        TwEvent *ev = g_ptr_array_index(col.events, i);
        g_assert_cmpstr(ev->proto, ==, "kerberos");
        g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, types[i]);
        g_assert_cmpuint(ev->frame, ==, frames[i]);
        g_assert_true(tw_event_get_bool(ev, "kpasswd", false));
        g_assert_cmpint(tw_event_get_int(ev, "reply_to", 0), ==, reply_to[i]);
        g_assert_false(tw_event_has(ev, "status"));
    }
    TwEvent *ap = g_ptr_array_index(col.events, 0);
    g_assert_cmpint(tw_event_get_int(ap, "kpasswd_version", 0), ==, 0xff80);
    g_assert_cmpstr(tw_event_get_str(ap, "sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 2), "kpasswd_version", 0), ==, 1);
    TwEvent *e = g_ptr_array_index(col.events, 6);
    g_assert_cmpint(tw_event_get_int(e, "kpasswd_result", -1), ==, 5);
    g_assert_cmpstr(tw_event_get_str(e, "kpasswd_result_name"), ==, "KRB5_KPASSWD_ACCESSDENIED");
    g_assert_cmpstr(tw_event_get_str(e, "kpasswd_result_string"), ==, "access denied");
    g_assert_cmpstr(tw_event_get_str(e, "sname"), ==, "kadmin/changepw");
    g_assert_cmpint(tw_event_get_int(e, "error_code", 0), ==, 60);
    tw_krb5_udp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

static void test_tcp_kpasswd(void)
{
    g_autoptr(GByteArray) req = kpasswd_frame(0x0001, real_ap_req(), krb_priv());
    g_autoptr(GByteArray) stream = g_byte_array_new();
    for (int i = 0; i < 2; i++) {
        guint8 mark[4] = { 0, 0, (guint8)(req->len >> 8), (guint8)req->len };
        g_byte_array_append(stream, mark, 4);
        g_byte_array_append(stream, req->data, req->len);
    }
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_tcp_parser.state_new();
    guint64 frame = 1;
    for (gsize off = 0; off < stream->len; off += 37, frame++) {
        gsize n = MIN(37, stream->len - off);
        feed(&tw_krb5_tcp_parser, st, &col, frame, TW_DIR_REQ, stream->data + off, n, n);
    }
    /* and the same stream one byte at a time: the header is judged as it arrives */
    for (gsize off = 0; off < stream->len; off++, frame++)
        feed(&tw_krb5_tcp_parser, st, &col, frame, TW_DIR_REQ, stream->data + off, 1, 1);
    g_assert_cmpuint(col.events->len, ==, 8);
    for (guint i = 0; i < col.events->len; i++)
        g_assert_cmpstr(((TwEvent *)g_ptr_array_index(col.events, i))->proto, ==, "kerberos");
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 0), "msg_type", 0), ==, 14);
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 1), "msg_type", 0), ==, 21);
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 3), "kpasswd_version", 0), ==, 1);
    tw_krb5_tcp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

/* Every cut of a request and of an error reply: no crash, and whatever is
 * emitted is marked truncated. */
static void test_every_truncation(void)
{
    GByteArray *frames[2] = { kpasswd_frame(0xff80, real_ap_req(), krb_priv()),
                              krb_error_result(2, "hard error") };
    for (int k = 0; k < 2; k++) {
        GByteArray *f = frames[k];
        for (gsize n = 0; n < f->len; n++) {
            Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
            void *st = tw_krb5_udp_parser.state_new();
            guint8 *cut = g_memdup2(f->data, n ? n : 1);
            feed(&tw_krb5_udp_parser, st, &col, 1, TW_DIR_REQ, cut, n, f->len);
            /* the last Kerberos event (the part the cut fell in) says so */
            TwEvent *last = NULL;
            for (guint i = 0; i < col.events->len; i++) {
                TwEvent *ev = g_ptr_array_index(col.events, i);
                if (strcmp(ev->proto, "kerberos") == 0)
                    last = ev;
            }
            if (last)
                g_assert_true(tw_event_get_bool(last, "truncated", false));
            /* a cut after the 6-byte header always yields the AP-REQ */
            if (k == 0 && n >= 8)
                g_assert_nonnull(last);
            g_free(cut);
            tw_krb5_udp_parser.state_free(st);
            g_ptr_array_unref(col.events);
        }
        g_byte_array_unref(f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kpasswd/udp-set-password", test_udp_set_password);
    g_test_add_func("/kpasswd/tcp", test_tcp_kpasswd);
    g_test_add_func("/kpasswd/every-truncation", test_every_truncation);
    return g_test_run();
}
