/* test-ntp.c — NTP (RFC 5905 7.3) and MS-SNTP (MS-SNTP 2.2.1-2.2.4)
 * packets built field by field from the spec tables: client request and
 * server reply (with pairing and clock samples), MS-SNTP 68-byte and 120-byte
 * forms, RFC 5905 MACs of 16 and 20 bytes and the crypto-NAK, an RFC 7822
 * extension field, a mode 6 control message, a bad version; the real
 * MS-SNTP exchange of phihhim-pcap_sample/kerberos.pcap frames 577/578 and
 * the skewed client of pcaps/03-clock-skew.pcap frames 98/99; the pending
 * cap; and every vector cut at every length. */
#include <glib.h>

#include "dissectors/ntp/ntp.h"

/* ---- builders ---- */

/* 2024-01-02T03:04:05Z */
#define T0_UNIX 1704164645LL
#define T0_NTP ((guint64)(T0_UNIX + 2208988800LL))

static void put32(GByteArray *b, guint32 v)
{
    guint8 x[4] = { (guint8)(v >> 24), (guint8)(v >> 16), (guint8)(v >> 8), (guint8)v };
    g_byte_array_append(b, x, 4);
}

static void put64(GByteArray *b, guint64 v)
{
    put32(b, (guint32)(v >> 32));
    put32(b, (guint32)v);
}

static void put_le32(GByteArray *b, guint32 v)
{
    guint8 x[4] = { (guint8)v, (guint8)(v >> 8), (guint8)(v >> 16), (guint8)(v >> 24) };
    g_byte_array_append(b, x, 4);
}

static void put_bytes(GByteArray *b, guint8 v, guint n)
{
    for (guint i = 0; i < n; i++)
        g_byte_array_append(b, &v, 1);
}

static guint64 ntp_ts(gint64 unix_sec, guint32 frac)
{
    return ((guint64)(unix_sec + 2208988800LL) << 32) | frac;
}

/* RFC 5905 7.3 Figure 8: the 48-byte header. */
static GByteArray *header(guint li, guint vn, guint mode, guint8 stratum, gint8 poll,
                          gint8 precision, guint32 root_delay, guint32 root_disp,
                          const guint8 refid[4], guint64 ref, guint64 org, guint64 rec,
                          guint64 xmt)
{
    GByteArray *b = g_byte_array_new();
    guint8 first[4] = { (guint8)((li << 6) | (vn << 3) | mode), stratum, (guint8)poll,
                        (guint8)precision };
    g_byte_array_append(b, first, 4);
    put32(b, root_delay);
    put32(b, root_disp);
    g_byte_array_append(b, refid, 4);
    put64(b, ref);
    put64(b, org);
    put64(b, rec);
    put64(b, xmt);
    g_assert_cmpuint(b->len, ==, 48);
    return b;
}

static const guint8 zero_refid[4] = { 0, 0, 0, 0 };
static const guint8 ip_refid[4] = { 192, 0, 2, 1 };

/* Client: 7 minutes ahead of the capture host; transmit at T0 + 0.5 s. */
static GByteArray *client_request(void)
{
    return header(0, 4, 3, 0, 6, -20, 0, 0x00010000, zero_refid, 0, 0, 0, ntp_ts(T0_UNIX, 0x80000000u));
}

/* Server (stratum 2, refid 192.0.2.1) answering client_request. */
static GByteArray *server_reply(void)
{
    return header(0, 4, 4, 2, 6, -23, 0x00000800, 0x00000400, ip_refid, ntp_ts(T0_UNIX - 3600, 0),
                  ntp_ts(T0_UNIX, 0x80000000u), ntp_ts(T0_UNIX - 420, 0x10000000u),
                  ntp_ts(T0_UNIX - 420, 0x20000000u));
}

/* MS-SNTP 2.2.1 Client NTP Request: header + Key Identifier (LE) + 16-byte checksum. */
static GByteArray *ms_sntp_request(guint32 rid, guint selector)
{
    GByteArray *b = header(0, 3, 3, 0, 10, -6, 0, 0x00010000, zero_refid, 0, 0, 0,
                           ntp_ts(T0_UNIX + 600, 0));
    put_le32(b, (rid & 0x7fffffffu) | ((guint32)selector << 31));
    put_bytes(b, 0, 16);
    return b;
}

/* MS-SNTP 2.2.2 Server NTP Response. */
static GByteArray *ms_sntp_response(guint32 rid)
{
    const guint8 locl[4] = { 'L', 'O', 'C', 'L' };
    GByteArray *b = header(0, 3, 4, 1, 10, -23, 0, 0x00100000, locl, ntp_ts(T0_UNIX - 60, 0),
                           ntp_ts(T0_UNIX + 600, 0), ntp_ts(T0_UNIX, 1u << 31), ntp_ts(T0_UNIX, 3u << 30));
    put_le32(b, rid);
    put_bytes(b, 0x5a, 16);
    return b;
}

/* MS-SNTP 2.2.3 Client ExtendedAuthenticator NTP Request (3.1.5.1 values). */
static GByteArray *ms_sntp_ext_request(guint32 rid, bool old_key)
{
    GByteArray *b = header(0, 3, 3, 0, 10, -6, 0, 0x00010000, zero_refid, 0, 0, 0,
                           ntp_ts(T0_UNIX - 86400, 0));
    put_le32(b, rid);
    const guint8 mid[4] = { 0, old_key ? TW_MS_SNTP_USE_OLDKEY_VERSION : 0, TW_MS_SNTP_NTLM_PWD_HASH, 0 };
    g_byte_array_append(b, mid, 4);
    put_bytes(b, 0, 64);
    g_assert_cmpuint(b->len, ==, 120);
    return b;
}

/* MS-SNTP 2.2.4 Server ExtendedAuthenticator NTP Response. */
static GByteArray *ms_sntp_ext_response(guint32 rid)
{
    const guint8 locl[4] = { 'L', 'O', 'C', 'L' };
    GByteArray *b = header(0, 3, 4, 1, 10, -23, 0, 0x00100000, locl, ntp_ts(T0_UNIX - 60, 0),
                           ntp_ts(T0_UNIX - 86400, 0), ntp_ts(T0_UNIX, 0), ntp_ts(T0_UNIX, 1));
    put_le32(b, rid);
    const guint8 mid[4] = { 0, 0, TW_MS_SNTP_NTLM_PWD_HASH, TW_MS_SNTP_NTLM_PWD_HASH };
    g_byte_array_append(b, mid, 4);
    put_bytes(b, 0xaa, 64);
    return b;
}

/* RFC 5905 7.3: Key Identifier (BE) + digest of digest_len bytes. */
static GByteArray *with_mac(GByteArray *b, guint32 key, guint digest_len)
{
    put32(b, key);
    put_bytes(b, 0x11, digest_len);
    return b;
}

/* RFC 7822 7.5: one 16-byte extension field, then a SHA-1 MAC. */
static GByteArray *with_extension(void)
{
    GByteArray *b = client_request();
    put32(b, 0x01040010u); /* type 0x0104, length 16 */
    put_bytes(b, 0x33, 12);
    return with_mac(b, 7, 20);
}

/* RFC 9327 2: a mode 6 READ VARIABLES response header (12 bytes). */
static GByteArray *control_message(void)
{
    GByteArray *b = g_byte_array_new();
    const guint8 m[12] = { (2 << 3) | 6, 0x80 | 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
    g_byte_array_append(b, m, sizeof m);
    return b;
}

static GByteArray *hex(const char *h)
{
    GByteArray *b = g_byte_array_new();
    for (const char *p = h; p[0] && p[1]; p += 2) {
        guint8 v = (guint8)((g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]));
        g_byte_array_append(b, &v, 1);
    }
    return b;
}

/* phihhim-pcap_sample/kerberos.pcap frames 577 (request) and 578 (response). */
static const char *real_request =
    "db0011fa000000000001040000000000e40c943b3f7957da00000000000000000000000000000000e40c96596b3fffca"
    "4f04000000000000000000000000000000000000";
static const char *real_response =
    "1c0111e900000000000a0c564c4f434ce40c860e63bf8b9be40c96596b3fffcae40c96526f8730e1e40c96526fc7c1cb"
    "4f040000fd434e3ac082de73a35c9d116a50b946";

/* pcaps/03-clock-skew.pcap (sha256 3e4b97c6…) frames 98/99: a client whose
 * clock runs 15 minutes ahead (LI 3, VN 4, only the transmit timestamp set)
 * asks the DC (stratum 10, refid 127.127.1.1). */
static const char *skew_request =
    "e3000000000000000000000000000000000000000000000000000000000000000000000000000000eeb01952f87c3000";
static const char *skew_reply =
    "240a00e600000000000000007f7f0101eeb015cdc0bfafd0eeb01952f87c3000eeb015cef881b355eeb015cef8e78be4";

/* ---- running the parser ---- */

typedef struct {
    GPtrArray *events;
    TwPacketInfo pi;
    TwDissectCtx ctx;
    void *state;
} Run;

static void collect(TwEvent *ev, void *user)
{
    Run *r = user;
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js); /* must serialise */
    g_string_free(js, TRUE);
    g_ptr_array_add(r->events, ev);
}

static void run_init(Run *r)
{
    memset(r, 0, sizeof *r);
    r->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    r->pi.transport = "udp";
    g_strlcpy(r->pi.src, "10.0.0.5", sizeof r->pi.src);
    g_strlcpy(r->pi.dst, "10.0.0.1", sizeof r->pi.dst);
    r->pi.sport = 123;
    r->pi.dport = 123;
    r->ctx.pi = &r->pi;
    r->ctx.emit = collect;
    r->ctx.emit_user = r;
    r->state = tw_ntp_udp_parser.state_new();
}

static void run_clear(Run *r)
{
    tw_ntp_udp_parser.state_free(r->state);
    g_ptr_array_free(r->events, TRUE);
}

/* Feeds one datagram seen at ts_us; returns the NTP event it produced. */
static TwEvent *feed(Run *r, int dir, guint64 frame, gint64 ts_us, GByteArray *b)
{
    r->pi.frame = frame;
    r->pi.ts_us = ts_us;
    guint before = r->events->len;
    tw_ntp_udp_parser.feed(r->state, &r->ctx, dir, b->data, b->len, b->len);
    g_byte_array_unref(b);
    TwEvent *found = NULL;
    for (guint i = before; i < r->events->len; i++) {
        TwEvent *ev = g_ptr_array_index(r->events, i);
        if (ev->proto == g_intern_static_string("ntp"))
            found = ev;
    }
    g_assert_nonnull(found);
    return found;
}

static TwEvent *parse(GByteArray *b, gint64 ts_us)
{
    TwPacketInfo pi = { .frame = 1, .ts_us = ts_us, .transport = "udp" };
    TwDissectCtx ctx = { .pi = &pi, .want_tree = TRUE };
    TwEvent *ev = tw_ntp_parse_message(&ctx, b->data, b->len, b->len);
    g_byte_array_unref(b);
    return ev;
}

/* ---- tests ---- */

static void test_timestamp(void)
{
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us(0), ==, 0);
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us(T0_NTP << 32), ==, T0_UNIX * 1000000);
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us((T0_NTP << 32) | 0x80000000u), ==,
                    T0_UNIX * 1000000 + 500000);
    /* 0xffffffff / 2^32 s = 999999.99977 us: truncated. */
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us((T0_NTP << 32) | 0xffffffffu), ==,
                    T0_UNIX * 1000000 + 999999);
    /* Top bit clear: era 1 (RFC 4330 3), 2036-02-07 06:28:16 UTC + 1 s, as tshark. */
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us(1ull << 32), ==, (4294967296LL + 1 - 2208988800LL) * 1000000);
    /* 1968-01-20, the first second with the top bit set: era 0. */
    g_assert_cmpint(tw_ntp_timestamp_to_unix_us(0x80000000ull << 32), ==, (2147483648LL - 2208988800LL) * 1000000);
}

static void test_client_server(void)
{
    Run r;
    run_init(&r);
    gint64 cap_req = T0_UNIX * 1000000 + 500000 - 420000000; /* client 7 min ahead */
    TwEvent *req = feed(&r, TW_DIR_REQ, 10, cap_req, client_request());
    g_assert_cmpint(tw_event_get_int(req, "mode", -1), ==, 3);
    g_assert_cmpstr(tw_event_get_str(req, "mode_name"), ==, "client");
    g_assert_cmpint(tw_event_get_int(req, "version", -1), ==, 4);
    g_assert_cmpint(tw_event_get_int(req, "leap", -1), ==, 0);
    g_assert_cmpint(tw_event_get_int(req, "stratum", -1), ==, 0);
    g_assert_cmpint(tw_event_get_int(req, "poll", 0), ==, 6);
    g_assert_cmpint(tw_event_get_int(req, "precision", 0), ==, -20);
    g_assert_cmpint(tw_event_get_int(req, "root_dispersion_us", -1), ==, 1000000);
    g_assert_false(tw_event_has(req, "refid"));
    g_assert_false(tw_event_has(req, "origin_time"));
    g_assert_false(tw_event_has(req, "origin_time_us"));
    g_assert_false(tw_event_has(req, "receive_time"));
    g_assert_false(tw_event_has(req, "reference_time"));
    g_assert_cmpstr(tw_event_get_str(req, "transmit_time"), ==, "2024-01-02T03:04:05.500000Z");
    g_assert_cmpint(tw_event_get_int(req, "transmit_time_us", 0), ==, T0_UNIX * 1000000 + 500000);
    g_assert_cmpint(tw_event_get_int(req, "clock_sample_us", 0), ==, 420000000);
    g_assert_false(tw_event_has(req, "reply_to"));
    g_assert_false(tw_event_has(req, "key_id"));
    g_assert_false(tw_event_has(req, "ms_sntp"));
    g_assert_false(tw_event_has(req, "data_minimized"));
    g_assert_false(tw_event_has(req, "decode_status"));

    gint64 cap_rsp = (T0_UNIX - 420) * 1000000 + 62500 * 2 + 1000; /* 1 ms after the server sent */
    TwEvent *rsp = feed(&r, TW_DIR_RSP, 11, cap_rsp, server_reply());
    g_assert_cmpint(tw_event_get_int(rsp, "mode", -1), ==, 4);
    g_assert_cmpstr(tw_event_get_str(rsp, "mode_name"), ==, "server");
    g_assert_cmpint(tw_event_get_int(rsp, "stratum", -1), ==, 2);
    g_assert_cmpstr(tw_event_get_str(rsp, "refid"), ==, "192.0.2.1");
    g_assert_cmpint(tw_event_get_int(rsp, "root_delay_us", -1), ==, 31250);
    g_assert_cmpint(tw_event_get_int(rsp, "root_dispersion_us", -1), ==, 15625);
    g_assert_cmpstr(tw_event_get_str(rsp, "reference_time"), ==, "2024-01-02T02:04:05.000000Z");
    g_assert_cmpstr(tw_event_get_str(rsp, "origin_time"), ==, "2024-01-02T03:04:05.500000Z");
    g_assert_cmpint(tw_event_get_int(rsp, "origin_time_us", 0), ==, T0_UNIX * 1000000 + 500000);
    g_assert_cmpint(tw_event_get_int(rsp, "receive_time_us", 0), ==, (T0_UNIX - 420) * 1000000 + 62500);
    g_assert_cmpstr(tw_event_get_str(rsp, "transmit_time"), ==, "2024-01-02T02:57:05.125000Z");
    g_assert_cmpint(tw_event_get_int(rsp, "transmit_time_us", 0), ==, (T0_UNIX - 420) * 1000000 + 125000);
    g_assert_cmpint(tw_event_get_int(rsp, "clock_sample_us", 0), ==, -1000);
    g_assert_cmpint(tw_event_get_int(rsp, "reply_to", 0), ==, 10);

    /* The same reply again answers nothing: the request was consumed. */
    TwEvent *dup = feed(&r, TW_DIR_RSP, 12, cap_rsp, server_reply());
    g_assert_false(tw_event_has(dup, "reply_to"));
    /* A reply travelling the request's direction does not pair with it. */
    feed(&r, TW_DIR_REQ, 13, cap_req, client_request());
    TwEvent *same_dir = feed(&r, TW_DIR_REQ, 14, cap_rsp, server_reply());
    g_assert_false(tw_event_has(same_dir, "reply_to"));
    run_clear(&r);
}

static void test_ms_sntp(void)
{
    Run r;
    run_init(&r);
    TwEvent *req = feed(&r, TW_DIR_REQ, 1, T0_UNIX * 1000000, ms_sntp_request(1103, 1));
    g_assert_true(tw_event_get_bool(req, "ms_sntp", FALSE));
    g_assert_false(tw_event_has(req, "ms_sntp_extended"));
    g_assert_cmpint(tw_event_get_int(req, "key_id", 0), ==, 0x8000044f);
    g_assert_cmpint(tw_event_get_int(req, "rid", 0), ==, 1103);
    g_assert_cmpint(tw_event_get_int(req, "key_selector", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(req, "version", 0), ==, 3);
    g_assert_cmpint(tw_event_get_int(req, "clock_sample_us", 0), ==, 600000000);
    g_assert_false(tw_event_has(req, "mac_len"));

    TwEvent *rsp = feed(&r, TW_DIR_RSP, 2, T0_UNIX * 1000000 + 740000, ms_sntp_response(1103));
    g_assert_true(tw_event_get_bool(rsp, "ms_sntp", FALSE));
    g_assert_cmpint(tw_event_get_int(rsp, "rid", 0), ==, 1103);
    g_assert_cmpint(tw_event_get_int(rsp, "key_selector", -1), ==, 0);
    g_assert_cmpstr(tw_event_get_str(rsp, "refid"), ==, "LOCL");
    g_assert_false(tw_event_has(rsp, "kiss_code"));
    g_assert_cmpint(tw_event_get_int(rsp, "clock_sample_us", 0), ==, 10000);
    g_assert_cmpint(tw_event_get_int(rsp, "reply_to", 0), ==, 1);

    TwEvent *ereq = feed(&r, TW_DIR_REQ, 3, T0_UNIX * 1000000, ms_sntp_ext_request(0x12345, true));
    g_assert_true(tw_event_get_bool(ereq, "ms_sntp", FALSE));
    g_assert_true(tw_event_get_bool(ereq, "ms_sntp_extended", FALSE));
    g_assert_cmpint(tw_event_get_int(ereq, "key_id", 0), ==, 0x12345);
    g_assert_cmpint(tw_event_get_int(ereq, "rid", 0), ==, 0x12345);
    g_assert_cmpint(tw_event_get_int(ereq, "key_selector", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(ereq, "ms_sntp_flags", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(ereq, "client_hash_id_hints", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(ereq, "signature_hash_id", -1), ==, 0);
    g_assert_cmpint(tw_event_get_int(ereq, "clock_sample_us", 0), ==, -86400000000LL);

    TwEvent *ersp = feed(&r, TW_DIR_RSP, 4, T0_UNIX * 1000000, ms_sntp_ext_response(0x12345));
    g_assert_cmpint(tw_event_get_int(ersp, "key_selector", -1), ==, 0);
    g_assert_cmpint(tw_event_get_int(ersp, "signature_hash_id", -1), ==, 1);
    g_assert_cmpint(tw_event_get_int(ersp, "reply_to", 0), ==, 3);
    g_assert_cmpint(tw_event_get_int(ersp, "clock_sample_us", 1), ==, 0); /* 1/2^32 s → 0 us */
    run_clear(&r);
}

static void test_real_ms_sntp(void)
{
    Run r;
    run_init(&r);
    /* Capture timestamps of that file (seconds since its start). */
    TwEvent *req = feed(&r, TW_DIR_REQ, 577, 554660219, hex(real_request));
    g_assert_cmpint(tw_event_get_int(req, "leap", -1), ==, 3);
    g_assert_cmpint(tw_event_get_int(req, "mode", -1), ==, 3);
    g_assert_cmpint(tw_event_get_int(req, "rid", 0), ==, 1103);
    g_assert_cmpint(tw_event_get_int(req, "key_selector", -1), ==, 0);
    /* tshark: ntp.xmt "Mar 29, 2021 18:09:29.418945299 UTC" */
    g_assert_cmpstr(tw_event_get_str(req, "transmit_time"), ==, "2021-03-29T18:09:29.418945Z");
    TwEvent *rsp = feed(&r, TW_DIR_RSP, 578, 554663791, hex(real_response));
    g_assert_cmpint(tw_event_get_int(rsp, "stratum", -1), ==, 1);
    g_assert_cmpstr(tw_event_get_str(rsp, "refid"), ==, "LOCL");
    g_assert_cmpstr(tw_event_get_str(rsp, "transmit_time"), ==, "2021-03-29T18:09:22.436641Z");
    g_assert_cmpint(tw_event_get_int(rsp, "rid", 0), ==, 1103);
    g_assert_cmpint(tw_event_get_int(rsp, "reply_to", 0), ==, 577);
    g_assert_cmpint(tw_event_get_int(rsp, "clock_sample_us", 0), ==,
                    tw_event_get_int(rsp, "transmit_time_us", 0) - 554663791);
    run_clear(&r);
}

static void test_lab_skew(void)
{
    Run r;
    run_init(&r);
    TwEvent *req = feed(&r, TW_DIR_REQ, 98, 1795528526970713LL, hex(skew_request));
    g_assert_cmpint(tw_event_get_int(req, "leap", -1), ==, 3);
    g_assert_cmpint(tw_event_get_int(req, "mode", -1), ==, 3);
    /* tshark: ntp.xmt "Nov 24, 2026 14:10:26.970644950 UTC" */
    g_assert_cmpstr(tw_event_get_str(req, "transmit_time"), ==, "2026-11-24T14:10:26.970644Z");
    g_assert_cmpint(tw_event_get_int(req, "clock_sample_us", 0), ==, 899999931); /* +15 min */
    g_assert_false(tw_event_has(req, "data_minimized")); /* LI 3: not the minimised form */
    TwEvent *rsp = feed(&r, TW_DIR_RSP, 99, 1795528526972297LL, hex(skew_reply));
    g_assert_cmpint(tw_event_get_int(rsp, "stratum", -1), ==, 10);
    g_assert_cmpstr(tw_event_get_str(rsp, "refid"), ==, "127.127.1.1");
    g_assert_cmpstr(tw_event_get_str(rsp, "transmit_time"), ==, "2026-11-24T13:55:26.972283Z");
    g_assert_cmpint(tw_event_get_int(rsp, "clock_sample_us", 0), ==, -14);
    g_assert_cmpint(tw_event_get_int(rsp, "reply_to", 0), ==, 98);
    run_clear(&r);
}

static void test_rfc_mac_and_extensions(void)
{
    TwEvent *md5 = parse(with_mac(client_request(), 1, 16), 0);
    g_assert_false(tw_event_has(md5, "ms_sntp"));
    g_assert_cmpint(tw_event_get_int(md5, "key_id", 0), ==, 1);
    g_assert_cmpint(tw_event_get_int(md5, "mac_len", 0), ==, 16);
    g_assert_false(tw_event_has(md5, "decode_status"));
    tw_event_free(md5);

    TwEvent *sha1 = parse(with_mac(server_reply(), 42, 20), 0);
    g_assert_cmpint(tw_event_get_int(sha1, "key_id", 0), ==, 42);
    g_assert_cmpint(tw_event_get_int(sha1, "mac_len", 0), ==, 20);
    tw_event_free(sha1);

    TwEvent *nak = parse(with_mac(server_reply(), 0, 0), 0);
    g_assert_cmpint(tw_event_get_int(nak, "key_id", -1), ==, 0);
    g_assert_true(tw_event_get_bool(nak, "crypto_nak", FALSE));
    tw_event_free(nak);

    TwEvent *ext = parse(with_extension(), 0);
    const TwField *types = tw_event_get(ext, "extensions");
    g_assert_nonnull(types);
    g_assert_cmpuint(types->v.ilist->len, ==, 1);
    g_assert_cmpint(g_array_index(types->v.ilist, gint64, 0), ==, 0x0104);
    g_assert_cmpint(tw_event_get_int(ext, "key_id", 0), ==, 7);
    g_assert_false(tw_event_has(ext, "decode_status"));
    tw_event_free(ext);

    /* 10 bytes after the header: neither a MAC nor an extension field. */
    GByteArray *odd = client_request();
    put_bytes(odd, 0, 10);
    TwEvent *bad = parse(odd, 0);
    g_assert_cmpstr(tw_event_get_str(bad, "decode_status"), ==, "malformed");
    g_assert_true(tw_event_has(bad, "transmit_time")); /* the header still counts */
    tw_event_free(bad);

    /* An extension field shorter than 16 bytes (RFC 7822 7.5). */
    GByteArray *shortext = client_request();
    put32(shortext, 0x01040008u);
    put_bytes(shortext, 0, 28);
    TwEvent *bad2 = parse(shortext, 0);
    g_assert_cmpstr(tw_event_get_str(bad2, "decode_status"), ==, "malformed");
    tw_event_free(bad2);
}

static void test_control_and_version(void)
{
    TwEvent *ctl = parse(control_message(), 0);
    g_assert_cmpint(tw_event_get_int(ctl, "mode", -1), ==, 6);
    g_assert_cmpstr(tw_event_get_str(ctl, "mode_name"), ==, "control");
    g_assert_cmpint(tw_event_get_int(ctl, "version", -1), ==, 2);
    g_assert_cmpint(tw_event_get_int(ctl, "control_opcode", -1), ==, 2);
    g_assert_true(tw_event_get_bool(ctl, "response", FALSE));
    g_assert_false(tw_event_has(ctl, "stratum"));
    g_assert_false(tw_event_has(ctl, "clock_sample_us"));
    g_assert_false(tw_event_has(ctl, "decode_status"));
    tw_event_free(ctl);

    GByteArray *v0 = client_request();
    v0->data[0] = 0x03; /* VN 0 */
    TwEvent *bad = parse(v0, 0);
    g_assert_cmpstr(tw_event_get_str(bad, "decode_status"), ==, "malformed");
    g_assert_false(tw_event_has(bad, "transmit_time"));
    tw_event_free(bad);

    /* Only version, mode and transmit timestamp set: data-minimised client. */
    TwEvent *min = parse(header(0, 4, 3, 0, 0, 0, 0, 0, zero_refid, 0, 0, 0, 0x0123456789abcdefull), 0);
    g_assert_true(tw_event_get_bool(min, "data_minimized", FALSE));
    tw_event_free(min);

    /* Kiss-o'-death: stratum 0 server reply with an ASCII code. */
    const guint8 rate[4] = { 'R', 'A', 'T', 'E' };
    TwEvent *kod = parse(header(0, 4, 4, 0, 0, 0, 0, 0, rate, 0, ntp_ts(T0_UNIX, 0), 0, 0), 0);
    g_assert_cmpstr(tw_event_get_str(kod, "kiss_code"), ==, "RATE");
    g_assert_false(tw_event_has(kod, "transmit_time"));
    g_assert_false(tw_event_has(kod, "clock_sample_us"));
    tw_event_free(kod);

    /* A client's stratum-0 request with leftover non-ASCII refid bytes: dotted, no kiss code. */
    TwEvent *left = parse(header(0, 4, 3, 0, 6, -20, 0, 0, ip_refid, 0, 0, 0, ntp_ts(T0_UNIX, 0)), 0);
    g_assert_cmpstr(tw_event_get_str(left, "refid"), ==, "192.0.2.1");
    g_assert_false(tw_event_has(left, "kiss_code"));
    tw_event_free(left);
}

static void test_pending_cap(void)
{
    Run r;
    run_init(&r);
    for (guint i = 0; i < TW_NTP_MAX_PENDING + 1; i++)
        feed(&r, TW_DIR_REQ, 1 + i, 0,
             header(0, 4, 3, 0, 6, -20, 0, 0, zero_refid, 0, 0, 0, ntp_ts(T0_UNIX + i, 0)));
    guint anomalies = 0;
    for (guint i = 0; i < r.events->len; i++)
        if (((TwEvent *)g_ptr_array_index(r.events, i))->proto == g_intern_static_string("anomaly"))
            anomalies++;
    g_assert_cmpuint(anomalies, ==, 1);
    /* The first request was forgotten; the last one still pairs. */
    TwEvent *a = feed(&r, TW_DIR_RSP, 100, 0,
                      header(0, 4, 4, 2, 6, -20, 0, 0, ip_refid, 0, ntp_ts(T0_UNIX, 0), 0, ntp_ts(T0_UNIX, 0)));
    g_assert_false(tw_event_has(a, "reply_to"));
    TwEvent *b = feed(&r, TW_DIR_RSP, 101, 0,
                      header(0, 4, 4, 2, 6, -20, 0, 0, ip_refid, 0,
                             ntp_ts(T0_UNIX + TW_NTP_MAX_PENDING, 0), 0, ntp_ts(T0_UNIX, 0)));
    g_assert_cmpint(tw_event_get_int(b, "reply_to", 0), ==, 1 + TW_NTP_MAX_PENDING);
    run_clear(&r);
}

static bool field_equal(const TwField *a, const TwField *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case TW_FIELD_INT:
        return a->v.i == b->v.i;
    case TW_FIELD_STR:
        return g_strcmp0(a->v.s, b->v.s) == 0;
    case TW_FIELD_BOOL:
        return a->v.b == b->v.b;
    case TW_FIELD_INTLIST:
        return a->v.ilist->len == b->v.ilist->len &&
               memcmp(a->v.ilist->data, b->v.ilist->data, a->v.ilist->len * sizeof(gint64)) == 0;
    case TW_FIELD_STRLIST:
        return a->v.slist->len == b->v.slist->len;
    }
    return false;
}

typedef GByteArray *(*Builder)(void);
static GByteArray *b_md5(void) { return with_mac(client_request(), 1, 16); }
static GByteArray *b_sha1(void) { return with_mac(server_reply(), 42, 20); }
static GByteArray *b_ms_req(void) { return ms_sntp_request(1103, 1); }
static GByteArray *b_ms_rsp(void) { return ms_sntp_response(1103); }
static GByteArray *b_ms_ext_req(void) { return ms_sntp_ext_request(0x12345, true); }
static GByteArray *b_ms_ext_rsp(void) { return ms_sntp_ext_response(0x12345); }
static GByteArray *b_real_req(void) { return hex(real_request); }
static GByteArray *b_real_rsp(void) { return hex(real_response); }
static GByteArray *b_skew_req(void) { return hex(skew_request); }
static GByteArray *b_skew_rsp(void) { return hex(skew_reply); }

static void test_truncations(void)
{
    const Builder builders[] = { client_request, server_reply, b_md5, b_sha1, b_ms_req, b_ms_rsp,
                                 b_ms_ext_req, b_ms_ext_rsp, with_extension, control_message,
                                 b_real_req, b_real_rsp, b_skew_req, b_skew_rsp };
    for (gsize k = 0; k < G_N_ELEMENTS(builders); k++) {
        GByteArray *b = builders[k]();
        gsize n = b->len;
        guint8 *exact = g_memdup2(b->data, n);
        TwDissectCtx ctx = { 0 };
        TwPacketInfo pi = { .frame = 1, .ts_us = 5 };
        ctx.pi = &pi;
        ctx.want_tree = (k & 1) != 0;
        TwEvent *full = tw_ntp_parse_message(&ctx, exact, n, n);
        g_assert_false(tw_event_has(full, "decode_status"));
        bool control = tw_event_get_int(full, "mode", 0) >= 6;
        for (gsize cut = 0; cut < n; cut++) {
            /* Snaplen cut: a prefix of the full event, marked truncated. */
            guint8 *part = g_memdup2(exact, cut ? cut : 1);
            TwEvent *ev = tw_ntp_parse_message(&ctx, part, cut, n);
            g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "truncated");
            g_assert_true(tw_event_get_bool(ev, "truncated", FALSE));
            for (guint i = 0; i < ev->fields->len; i++) {
                const TwField *f = &g_array_index(ev->fields, TwField, i);
                if (!strcmp(f->key, "decode_status") || !strcmp(f->key, "truncated"))
                    continue;
                const TwField *g = tw_event_get(full, f->key);
                if (!g || !field_equal(f, g))
                    g_error("vector %zu cut %zu: field %s differs from the full packet", k, cut,
                            f->key);
            }
            tw_event_free(ev);
            /* A datagram that really is this short. */
            ev = tw_ntp_parse_message(&ctx, part, cut, cut);
            if (cut == 0 || (!control && cut < TW_NTP_HEADER_LEN))
                g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed");
            GString *js = g_string_new(NULL);
            tw_event_to_json(ev, js);
            g_string_free(js, TRUE);
            tw_event_free(ev);
            g_free(part);
        }
        tw_event_free(full);
        g_free(exact);
        g_byte_array_unref(b);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ntp/timestamp", test_timestamp);
    g_test_add_func("/ntp/client-server", test_client_server);
    g_test_add_func("/ntp/ms-sntp", test_ms_sntp);
    g_test_add_func("/ntp/ms-sntp-real", test_real_ms_sntp);
    g_test_add_func("/ntp/lab-skew", test_lab_skew);
    g_test_add_func("/ntp/mac-extensions", test_rfc_mac_and_extensions);
    g_test_add_func("/ntp/control-version", test_control_and_version);
    g_test_add_func("/ntp/pending-cap", test_pending_cap);
    g_test_add_func("/ntp/truncations", test_truncations);
    return g_test_run();
}
