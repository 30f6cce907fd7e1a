/* test-http.c — the HTTP Negotiate carrier (RFC 4559) on hand-built HTTP/1.1
 * conversations.  The two Kerberos tokens are the real ones of the 2026-12-02
 * recording of pcaps/10-server-key-http.pcap (frame 33: SPNEGO NegTokenInit
 * with the AP-REQ for http/srv01; frame 36: negTokenResp reject carrying the
 * GSS-wrapped KRB-ERROR 44 KRB_AP_ERR_BADKEYVER; frames 35 and 38 of the
 * re-recording with keys).  Each conversation is fed whole, split at
 * every offset of every message, one byte at a time, and cut at every length
 * (the events must then be a prefix of the whole run's); plus gaps inside a
 * body and inside a header block, pick-up in the middle of a stream, bytes
 * that are not HTTP, the header-block and pending-request caps, tunnels and
 * the challenge-list syntax of RFC 9110 11.6.1. */
#include "dissectors/http/http.h"

#include "dissectors/gssapi/gssapi.h"

#include <string.h>

static const char AP_REQ_B64[] =
    "YIIFvQYGKwYBBQUCoIIFsTCCBa2gDTALBgkqhkiG9xIBAgKiggWaBIIFlmCCBZIGCSqGSIb3EgECAgEAboIFgTCC"
    "BX2gAwIBBaEDAgEOogcDBQAgAAAAo4IEjmGCBIowggSGoAMCAQWhFBsSTEFCLlRSVVNUV0lSRS5URVNUoiswKaAD"
    "AgEDoSIwIBsEaHR0cBsYc3J2MDEubGFiLnRydXN0d2lyZS50ZXN0o4IEOjCCBDagAwIBEqEDAgECooIEKASCBCRz"
    "unHRM2sm05kWIwP0z0YbGS3B8aYxKUFepFt6l7Xg81iirscylt4htPy1mfHb1veBHyGE1fDIrP0I2Yor7YgY5b1h"
    "PwrWKephUiHvQtqQghQZJXrd8XHcxIwUaj3p+0qkggkgvrVFujYw1l0cW7rwrmFweWbAgiyNzMfov0GPRwo3xM2F"
    "BnPkDW8rzf7cBSQQlNZNFaKcd3gqM8rCoCIal63EWlozaTjA8SnLvUUYe6b/c/N2Fe4VYF5zx09EoYL5l+WkZjqy"
    "zgSRBmB1Ux3O4QAotjFb+iDX0+678ZnzYQrkP1ILB1A7dd5zvlySe3Ha0I1AMgMLNyWoaeLcikltLLHyRJu9Qs8f"
    "KBmMML2mhXkfD00DUczFYbEIkgFPVl5z/r0wlX92/NQ8vKdWs2M0oVmkD2p60ufb3ZuI8wRNpjosi74X9X8pPorb"
    "9QcuXEf3NvoWpNuCaTvpqlYztkk7Az+JNwZKmpRTpiZieQa1jgegPi9s7RggBdh297vs3Fk1O0O8Nb4IbbJPR4GO"
    "FPMqRhmb4CVYBm7x+45wPD0cC1ICnDsp5nkRRZccGv5p49FTOZ4Z8HqMSw+7UFT5JWdb4bgbNqZIKivwGF5alwE3"
    "ta47xjOOk5RZSTTV1ZxV7r9BMZaDVD1wOchVbDyqGs0O+sBkEAyb+ZR9Rj/rAZ3jNtH2awZ2Hu38VteA1iUL8FLf"
    "7RcvweF815qweA82A91QO3E2qifmJzmZQm0NyZbMRKNUuFglFiQqb/uNh1M9sWqF8pENBD2PN6nfySZ717THbBZi"
    "7JKps2VfZ+fEmKvaOQLqh3y7UpKiwqpOJ71osfX/PlurOBNJ+uaR3sx7gjbofnNCF2CVvtx/3V4jJlP3gjySZOc8"
    "1NT5HlLgHbKnpPhDPYjGWvBUuZqvmAn0zW1+G6lvlXHL+fcbVEEfrkFF9csHjSOZJbUS2+Yc0UOxS1NZkUGgB+Aw"
    "6PasHyn3NnFLw2yk1kTLNdlGWOZX64iXxiv9kyWc+z1kBOrYyyTZnMjE5FvyWg2QQAAMl3p0wqiwWlSZdl0hl7N+"
    "FEc++93Iryv2dpc+P+laI6XXGDyCzR+r7PIcMTz2Jfevz1DhZLoBlK/uoXXiVtV3FobR1Y+40F+iKYtQW4r2zbQW"
    "24NV7XeuTo+iuhat3vxlphzkAnhUYIXsbDHaCfJSa9fX+ObrI6haroBT14BrUXu9b+4lJiUW5cIT7Kn32RtIJMa7"
    "QejWUrhXarI/jvTNYMWcXRKiAdWURC9SwbOX1X+Nb3TdNrSHMYKGgHHkQbzQ0Z7FszM+8VeV5+nOCmyaKpcaAey0"
    "ENjsMcrwuYRZZ13h6Z7sdBwvW3E/u9zagNhTajCe+pmYIAcmpVZMMzjkMe8SgVtLyOsjQ7fY+MCWf0Os8sAHsXbA"
    "AxgSpIHVMIHSoAMCARKigcoEgcdUCfSvAmSB3g21WBzCpsjC6kPZMEEqmwBSlxqAYf6qVS4JTGiqh8+UAwCNePt/"
    "/hoTJqfP6GXafEq5PI6P2BRXfA/tuAjVScARff81TNvr16gwLs21PNxKvX9ikDPNK6dnjX4i5Ln2Yxk88qdGa+QO"
    "dFr/8laDK/z0PgAJRIEBOY+/5r/Gjo4pnu7kibyUJbiD9/UXB5248moD5iS/Vb/wz4Pwvocyo4sx5F68hUTK69VW"
    "QqBII2HyXVmElzd3YbRBzyL47tD3";
static const char KRB_ERROR_44_B64[] =
    "oYGMMIGJoAMKAQKigYEEf2B9BgkqhkiG9xIBAgIDAH5uMGygAwIBBaEDAgEepBEYDzIwMjYxMTI0MTQwMjAzWqUF"
    "AgMJLuemAwIBLKkUGxJMQUIuVFJVU1RXSVJFLlRFU1SqKzApoAMCAQOhIjAgGwRodHRwGxhzcnYwMS5sYWIudHJ1"
    "c3R3aXJlLnRlc3Q=";
/* MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE as curl sends it. */
static const char NTLM_NEGOTIATE_B64[] = "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==";

/* ---- harness ---- */

typedef struct {
    int dir;     /* TW_DIR_REQ / TW_DIR_RSP */
    char *bytes; /* NULL: a gap of gap_len bytes */
    gsize len;
    guint64 gap_len;
} Piece;

typedef struct {
    GPtrArray *pieces; /* Piece*; frame number = index + 1 */
} Conv;

static void piece_free(gpointer p)
{
    Piece *pc = p;
    g_free(pc->bytes);
    g_free(pc);
}

static Conv *conv_new(void)
{
    Conv *c = g_new0(Conv, 1);
    c->pieces = g_ptr_array_new_with_free_func(piece_free);
    return c;
}

static void conv_free(Conv *c)
{
    g_ptr_array_free(c->pieces, TRUE);
    g_free(c);
}

static void add(Conv *c, int dir, const char *text)
{
    Piece *p = g_new0(Piece, 1);
    p->dir = dir;
    p->len = strlen(text);
    p->bytes = g_memdup2(text, p->len);
    g_ptr_array_add(c->pieces, p);
}

static void add_take(Conv *c, int dir, char *text)
{
    add(c, dir, text);
    g_free(text);
}

static void add_gap(Conv *c, int dir, guint64 n)
{
    Piece *p = g_new0(Piece, 1);
    p->dir = dir;
    p->gap_len = n;
    g_ptr_array_add(c->pieces, p);
}

typedef struct {
    GPtrArray *events; /* TwEvent* */
    GPtrArray *json;   /* char* */
} Sink;

static void collect(TwEvent *ev, void *user)
{
    Sink *s = user;
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js);
    g_ptr_array_add(s->json, g_string_free(js, FALSE));
    g_ptr_array_add(s->events, ev);
}

static Sink *sink_new(void)
{
    Sink *s = g_new0(Sink, 1);
    s->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    s->json = g_ptr_array_new_with_free_func(g_free);
    return s;
}

static void sink_free(Sink *s)
{
    g_ptr_array_free(s->events, TRUE);
    g_ptr_array_free(s->json, TRUE);
    g_free(s);
}

enum { WHOLE, SPLIT_AT, BYTEWISE };

/* Feeds the conversation; SPLIT_AT splits every message at `arg` (when it is
 * inside it); `budget` cuts the whole stream after that many bytes. */
static Sink *run(const Conv *c, int mode, gsize arg, gsize budget)
{
    Sink *s = sink_new();
    TwPacketInfo pi = { 0 };
    pi.transport = "tcp";
    g_strlcpy(pi.src, "10.77.0.27", sizeof pi.src);
    g_strlcpy(pi.dst, "10.77.0.40", sizeof pi.dst);
    pi.sport = 56190;
    pi.dport = 80;
    GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    TwDissectCtx ctx = { .pi = &pi, .emit = collect, .emit_user = s, .counters = counters };
    void *st = tw_http_tcp_parser.state_new();
    for (guint i = 0; i < c->pieces->len && budget > 0; i++) {
        const Piece *p = g_ptr_array_index(c->pieces, i);
        pi.frame = i + 1;
        if (!p->bytes) {
            tw_http_tcp_parser.gap(st, &ctx, p->dir, p->gap_len);
            continue;
        }
        gsize len = MIN(p->len, budget);
        budget -= len;
        const guint8 *b = (const guint8 *)p->bytes;
        if (mode == WHOLE || (mode == SPLIT_AT && (arg == 0 || arg >= len))) {
            tw_http_tcp_parser.feed(st, &ctx, p->dir, b, len, len);
        } else if (mode == SPLIT_AT) {
            tw_http_tcp_parser.feed(st, &ctx, p->dir, b, arg, arg);
            tw_http_tcp_parser.feed(st, &ctx, p->dir, b + arg, len - arg, len - arg);
        } else {
            for (gsize k = 0; k < len; k++)
                tw_http_tcp_parser.feed(st, &ctx, p->dir, b + k, 1, 1);
        }
    }
    tw_http_tcp_parser.state_free(st);
    g_hash_table_destroy(counters);
    return s;
}

static gsize conv_bytes(const Conv *c, gsize *longest)
{
    gsize total = 0;
    *longest = 0;
    for (guint i = 0; i < c->pieces->len; i++) {
        const Piece *p = g_ptr_array_index(c->pieces, i);
        total += p->len;
        *longest = MAX(*longest, p->len);
    }
    return total;
}

static void assert_same(const Sink *a, const Sink *b, const char *what, gsize arg)
{
    if (a->json->len != b->json->len)
        g_error("%s %" G_GSIZE_FORMAT ": %u events instead of %u", what, arg, b->json->len,
                a->json->len);
    for (guint i = 0; i < a->json->len; i++)
        if (strcmp(g_ptr_array_index(a->json, i), g_ptr_array_index(b->json, i)) != 0)
            g_error("%s %" G_GSIZE_FORMAT ": event %u differs:\n%s\n%s", what, arg, i,
                    (char *)g_ptr_array_index(a->json, i), (char *)g_ptr_array_index(b->json, i));
}

/* Whole == split at every offset == byte by byte; every cut is a prefix. */
static Sink *run_all_ways(const Conv *c)
{
    Sink *whole = run(c, WHOLE, 0, G_MAXSIZE);
    gsize longest;
    gsize total = conv_bytes(c, &longest);
    for (gsize k = 1; k < longest; k++) {
        Sink *s = run(c, SPLIT_AT, k, G_MAXSIZE);
        assert_same(whole, s, "split at", k);
        sink_free(s);
    }
    Sink *bw = run(c, BYTEWISE, 0, G_MAXSIZE);
    assert_same(whole, bw, "bytewise", 0);
    sink_free(bw);
    for (gsize cut = 0; cut <= total; cut++) {
        Sink *s = run(c, WHOLE, 0, cut);
        g_assert_cmpuint(s->json->len, <=, whole->json->len);
        for (guint i = 0; i < s->json->len; i++)
            g_assert_cmpstr(g_ptr_array_index(s->json, i), ==, g_ptr_array_index(whole->json, i));
        if (cut == total)
            g_assert_cmpuint(s->json->len, ==, whole->json->len);
        sink_free(s);
    }
    return whole;
}

static TwEvent *ev_at(const Sink *s, guint i)
{
    g_assert_cmpuint(i, <, s->events->len);
    return g_ptr_array_index(s->events, i);
}

static guint count_proto(const Sink *s, const char *proto)
{
    guint n = 0;
    for (guint i = 0; i < s->events->len; i++)
        if (strcmp(ev_at(s, i)->proto, proto) == 0)
            n++;
    return n;
}

static char *negotiate_request(const char *method, const char *uri, const char *field,
                               const char *scheme, const char *b64)
{
    return g_strdup_printf("%s %s HTTP/1.1\r\nHost: srv01.lab.trustwire.test\r\n%s: %s %s\r\n"
                           "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
                           method, uri, field, scheme, b64);
}

/* ---- tests ---- */

/* One keep-alive connection: Negotiate AP-REQ → 401 with KRB-ERROR 44 and a
 * body holding a fake status line; a chunked POST whose chunks hold a fake
 * Authorization field; 100 Continue then a chunked 200; HEAD with NTLM
 * through a proxy → 407 whose Content-Length must not be skipped; a plain
 * GET → 401 read until the connection closes. */
static void test_conversation(void)
{
    Conv *c = conv_new();
    add_take(c, TW_DIR_REQ, negotiate_request("GET", "/", "Authorization", "Negotiate", AP_REQ_B64));
    const char *body = "HTTP/1.1 401 Fake\r\nWWW-Authenticate: NTLM TlRMTVNTUAACAAAA\r\n\r\n";
    add_take(c, TW_DIR_RSP,
             g_strdup_printf("HTTP/1.1 401 Unauthorized\r\nDate: Tue, 24 Nov 2026 14:02:03 GMT\r\n"
                             "WWW-Authenticate: Negotiate %s\r\nContent-Length: %zu\r\n"
                             "Content-Type: text/html\r\n\r\n%s",
                             KRB_ERROR_44_B64, strlen(body), body));
    const char *fake = "\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\r\n\r\n";
    add_take(c, TW_DIR_REQ,
             g_strdup_printf("POST /upload HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                             "5;name=value\r\nhello\r\n%zx\r\n%s\r\n0\r\nX-Checksum: 1\r\n\r\n",
                             strlen(fake), fake));
    const char *chunk = "HTTP/1.1 401 No\r\n\r\nxxxxxx";
    add_take(c, TW_DIR_RSP,
             g_strdup_printf("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                             "transfer-encoding: chunked\r\n\r\n%zX\r\n%s\r\n0\r\n\r\n",
                             strlen(chunk), chunk));
    add_take(c, TW_DIR_REQ,
             g_strdup_printf("HEAD /x HTTP/1.1\r\nproxy-authorization: ntlm %s\r\n\r\n",
                             NTLM_NEGOTIATE_B64));
    add(c, TW_DIR_RSP,
        "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 1000\r\n"
        "Proxy-Authenticate: Basic realm=\"a, Negotiate b\", NTLM\r\n\r\n");
    add(c, TW_DIR_REQ, "\r\nGET /after-head HTTP/1.1\r\nHost: x\r\n\r\n");
    add(c, TW_DIR_RSP,
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n\r\n"
        "HTTP/1.1 401 Again\r\nWWW-Authenticate: Negotiate TlRMTVNTUAACAAAA\r\n\r\n");

    Sink *s = run_all_ways(c);
    g_assert_cmpuint(s->events->len, ==, 8);

    TwEvent *ev = ev_at(s, 0); /* frame 33's AP-REQ */
    g_assert_cmpstr(ev->proto, ==, "kerberos");
    g_assert_cmpstr(ev->transport, ==, "http");
    g_assert_cmpuint(ev->frame, ==, 1);
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 14);
    g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, "http/srv01.lab.trustwire.test");
    g_assert_cmpstr(tw_event_get_str(ev, "http_method"), ==, "GET");
    g_assert_cmpstr(tw_event_get_str(ev, "http_uri"), ==, "/");
    g_assert_false(tw_event_has(ev, "http_status"));

    ev = ev_at(s, 1);
    g_assert_cmpstr(ev->proto, ==, "http");
    g_assert_cmpstr(tw_event_get_str(ev, "msg"), ==, "request");
    g_assert_cmpstr(tw_event_get_str(ev, "http_method"), ==, "GET");
    g_assert_cmpstr(tw_event_get_str(ev, "auth_field"), ==, "authorization");
    g_assert_cmpstr(tw_event_get_str(ev, "auth_scheme"), ==, "Negotiate");
    g_assert_cmpstr(tw_event_get_str(ev, "gss_inner"), ==, "kerberos");
    g_assert_cmpint(tw_event_get_int(ev, "token_len", 0), ==, 1473);

    ev = ev_at(s, 2); /* frame 36's KRB-ERROR */
    g_assert_cmpstr(ev->proto, ==, "kerberos");
    g_assert_cmpuint(ev->frame, ==, 2);
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 30);
    g_assert_cmpint(tw_event_get_int(ev, "error_code", 0), ==, 44);
    g_assert_cmpint(tw_event_get_int(ev, "http_status", 0), ==, 401);
    g_assert_cmpint(tw_event_get_int(ev, "reply_to", 0), ==, 1);
    g_assert_false(tw_event_has(ev, "http_method"));

    ev = ev_at(s, 3);
    g_assert_cmpstr(ev->proto, ==, "http");
    g_assert_cmpint(tw_event_get_int(ev, "http_status", 0), ==, 401);
    g_assert_cmpstr(tw_event_get_str(ev, "http_reason"), ==, "Unauthorized");
    g_assert_cmpint(tw_event_get_int(ev, "request_frame", 0), ==, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "spnego_state"), ==, "reject");

    ev = ev_at(s, 4); /* the NTLM NEGOTIATE of the HEAD (frame 5) */
    g_assert_cmpstr(ev->proto, ==, "ntlmssp");
    g_assert_cmpuint(ev->frame, ==, 5);
    g_assert_cmpstr(tw_event_get_str(ev, "http_method"), ==, "HEAD");
    g_assert_cmpstr(tw_event_get_str(ev, "http_uri"), ==, "/x");

    ev = ev_at(s, 5);
    g_assert_cmpstr(ev->proto, ==, "http");
    g_assert_cmpstr(tw_event_get_str(ev, "auth_field"), ==, "proxy-authorization");
    g_assert_cmpstr(tw_event_get_str(ev, "auth_scheme"), ==, "NTLM");
    g_assert_cmpstr(tw_event_get_str(ev, "gss_inner"), ==, "ntlmssp");

    ev = ev_at(s, 6); /* 407: Basic's quoted comma is not a challenge; NTLM without token */
    g_assert_cmpstr(ev->proto, ==, "http");
    g_assert_cmpint(tw_event_get_int(ev, "http_status", 0), ==, 407);
    g_assert_cmpint(tw_event_get_int(ev, "request_frame", 0), ==, 5);
    g_assert_cmpstr(tw_event_get_str(ev, "auth_field"), ==, "proxy-authenticate");
    g_assert_cmpstr(tw_event_get_str(ev, "auth_scheme"), ==, "NTLM");
    g_assert_false(tw_event_has(ev, "token_len"));

    ev = ev_at(s, 7); /* the 401 after HEAD: the 407's Content-Length was not a body */
    g_assert_cmpstr(ev->proto, ==, "http");
    g_assert_cmpuint(ev->frame, ==, 8);
    g_assert_cmpint(tw_event_get_int(ev, "http_status", 0), ==, 401);
    g_assert_cmpint(tw_event_get_int(ev, "request_frame", 0), ==, 7);
    g_assert_cmpstr(tw_event_get_str(ev, "auth_scheme"), ==, "Negotiate");
    g_assert_false(tw_event_has(ev, "token_len"));
    sink_free(s);
    conv_free(c);
}

/* A gap inside a body of known length keeps the framing; one inside a header
 * block resynchronises at the next request line. */
static void test_gaps(void)
{
    Conv *c = conv_new();
    add_take(c, TW_DIR_REQ, negotiate_request("GET", "/", "Authorization", "Negotiate", AP_REQ_B64));
    add(c, TW_DIR_RSP, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
    add_gap(c, TW_DIR_RSP, 980);
    add(c, TW_DIR_RSP, "0123456789");
    add(c, TW_DIR_REQ, "GET /2 HTTP/1.1\r\nHost: x\r\n");
    add_gap(c, TW_DIR_REQ, 77);
    add_take(c, TW_DIR_REQ,
             g_strdup_printf("ue\r\nAccept: */*\r\n\r\nGET /3 HTTP/1.1\r\nAuthorization: NTLM %s\r\n\r\n",
                             NTLM_NEGOTIATE_B64));
    add_take(c, TW_DIR_RSP,
             g_strdup_printf("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate %s\r\n"
                             "Content-Length: 0\r\n\r\n",
                             KRB_ERROR_44_B64));
    Sink *s = run_all_ways(c);
    g_assert_cmpuint(s->events->len, ==, 6);
    g_assert_cmpint(tw_event_get_int(ev_at(s, 0), "msg_type", 0), ==, 14);
    g_assert_cmpstr(ev_at(s, 2)->proto, ==, "ntlmssp");
    g_assert_cmpstr(tw_event_get_str(ev_at(s, 2), "http_uri"), ==, "/3");
    TwEvent *err = ev_at(s, 4);
    g_assert_cmpint(tw_event_get_int(err, "error_code", 0), ==, 44);
    g_assert_cmpint(tw_event_get_int(err, "reply_to", 0), ==, 1);
    g_assert_cmpint(tw_event_get_int(ev_at(s, 5), "request_frame", 0), ==, 7);
    sink_free(s);
    conv_free(c);
}

/* Picked up in the middle of a body; bytes that never look like HTTP. */
static void test_midstream_and_not_http(void)
{
    Conv *c = conv_new();
    add(c, TW_DIR_RSP, "ody of an earlier response\x01\x02\x03\r\nmore\nHTTP/1.1 401 Unauthorized\r\n"
                       "WWW-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n");
    Sink *s = run_all_ways(c);
    g_assert_cmpuint(s->events->len, ==, 1);
    g_assert_cmpint(tw_event_get_int(ev_at(s, 0), "http_status", 0), ==, 401);
    sink_free(s);
    conv_free(c);

    /* Pseudo-random bytes, including LFs and upper-case runs: nothing at all. */
    c = conv_new();
    GRand *r = g_rand_new_with_seed(4559);
    for (int m = 0; m < 8; m++) {
        char buf[700];
        for (gsize i = 0; i < sizeof buf - 1; i++) {
            guint32 x = g_rand_int_range(r, 0, 40);
            buf[i] = x < 26 ? (char)('A' + x) : x < 30 ? '\n' : x < 34 ? ' ' : (char)(x + 60);
        }
        buf[sizeof buf - 1] = 0;
        add(c, m & 1, buf);
    }
    g_rand_free(r);
    s = run(c, WHOLE, 0, G_MAXSIZE);
    g_assert_cmpuint(s->events->len, ==, 0);
    sink_free(s);
    conv_free(c);
}

/* The header-block cap is an anomaly, then the next message is found. */
static void test_header_cap(void)
{
    Conv *c = conv_new();
    GString *big = g_string_new("GET / HTTP/1.1\r\nX-Big: ");
    for (int i = 0; i < TW_HTTP_MAX_HEADER_BLOCK; i++)
        g_string_append_c(big, 'a');
    g_string_append(big, "\r\n\r\n");
    add(c, TW_DIR_REQ, big->str);
    g_string_free(big, TRUE);
    add_take(c, TW_DIR_REQ, negotiate_request("GET", "/", "Authorization", "Negotiate", AP_REQ_B64));
    Sink *s = run(c, WHOLE, 0, G_MAXSIZE);
    g_assert_cmpuint(s->events->len, ==, 3);
    g_assert_cmpstr(ev_at(s, 0)->proto, ==, "anomaly");
    g_assert_cmpstr(tw_event_get_str(ev_at(s, 0), "kind"), ==, "limit");
    g_assert_cmpstr(ev_at(s, 1)->proto, ==, "kerberos");
    g_assert_cmpuint(ev_at(s, 1)->frame, ==, 2);
    sink_free(s);
    Sink *bw = run(c, BYTEWISE, 0, G_MAXSIZE);
    g_assert_cmpuint(bw->events->len, ==, 3);
    sink_free(bw);
    conv_free(c);
}

/* More pipelined requests than the cap: one anomaly, responses still paired
 * with the most recent ones. */
static void test_pending_cap(void)
{
    Conv *c = conv_new();
    for (int i = 0; i < TW_HTTP_MAX_PENDING + 6; i++)
        add(c, TW_DIR_REQ, "GET / HTTP/1.1\r\n\r\n");
    add(c, TW_DIR_RSP, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    Sink *s = run(c, WHOLE, 0, G_MAXSIZE);
    g_assert_cmpuint(count_proto(s, "anomaly"), ==, 1);
    g_assert_cmpuint(count_proto(s, "http"), ==, 1);
    TwEvent *rsp = ev_at(s, s->events->len - 1);
    g_assert_cmpint(tw_event_get_int(rsp, "request_frame", 0), ==, 7); /* the 6 oldest were dropped */
    sink_free(s);
    conv_free(c);
}

/* After CONNECT 2xx or 101 the connection is not HTTP: nothing is read. */
static void test_tunnels(void)
{
    const char *after = "GET / HTTP/1.1\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\r\n\r\n";
    for (int k = 0; k < 2; k++) {
        Conv *c = conv_new();
        add(c, TW_DIR_REQ, k == 0 ? "CONNECT srv01:443 HTTP/1.1\r\n\r\n"
                                  : "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        add(c, TW_DIR_RSP, k == 0 ? "HTTP/1.1 200 Connection established\r\n\r\n"
                                  : "HTTP/1.1 101 Switching Protocols\r\n\r\n");
        add(c, TW_DIR_REQ, after);
        add(c, TW_DIR_RSP, "HTTP/1.1 401 Unauthorized\r\n\r\n");
        Sink *s = run_all_ways(c);
        g_assert_cmpuint(s->events->len, ==, 0);
        sink_free(s);
        conv_free(c);
    }
}

/* Field syntax: case, OWS, challenge lists, auth-params that look like
 * tokens, schemes that are not ours, a token that is not base64. */
static void test_field_syntax(void)
{
    Conv *c = conv_new();
    add(c, TW_DIR_REQ, "GET /a HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n");
    add(c, TW_DIR_RSP, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    add(c, TW_DIR_REQ, "GET /b HTTP/1.1\r\nAuthorization: Negotiate realm=\"x\"\r\n\r\n");
    add_take(c, TW_DIR_RSP,
             g_strdup_printf("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                             "wWw-AuThEnTiCaTe:Digest realm=\"Negotiate x, y\", nonce=\"1\",  "
                             "NEGOTIATE   %s  \r\n\r\n",
                             KRB_ERROR_44_B64));
    Sink *s = run_all_ways(c);
    /* /a: Basic is not ours (no event).  /b: scheme seen, no token (http only). */
    g_assert_cmpuint(s->events->len, ==, 3);
    g_assert_cmpstr(ev_at(s, 0)->proto, ==, "http");
    g_assert_cmpstr(tw_event_get_str(ev_at(s, 0), "http_uri"), ==, "/b");
    g_assert_false(tw_event_has(ev_at(s, 0), "token_len"));
    g_assert_cmpint(tw_event_get_int(ev_at(s, 1), "error_code", 0), ==, 44);
    g_assert_cmpint(tw_event_get_int(ev_at(s, 2), "request_frame", 0), ==, 3);
    g_assert_cmpstr(tw_event_get_str(ev_at(s, 2), "auth_field"), ==, "www-authenticate");
    sink_free(s);
    conv_free(c);
}

/* Bad framing fields lose the framing rather than guess. */
static void test_bad_framing(void)
{
    Conv *c = conv_new();
    /* Conflicting Content-Length: the body is not skipped by either value;
     * the next request is found by resynchronising. */
    add(c, TW_DIR_REQ, "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                       "abcde\r\nGET /next HTTP/1.1\r\nAuthorization: Negotiate\r\n\r\n");
    /* A bad chunk size, then a response. */
    add(c, TW_DIR_RSP, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                       "HTTP/1.1 401 Unauthorized\r\n\r\n");
    Sink *s = run_all_ways(c);
    g_assert_cmpuint(s->events->len, ==, 2);
    g_assert_cmpstr(tw_event_get_str(ev_at(s, 0), "http_uri"), ==, "/next");
    g_assert_cmpint(tw_event_get_int(ev_at(s, 1), "http_status", 0), ==, 401);
    sink_free(s);
    conv_free(c);
}

/* The probes that find HTTP on any port: WinRM, IIS, proxies accepted; the
 * first bytes of other protocols (and of DCE/RPC, LDAP, Kerberos records,
 * which have their own parsers) refused. */
static gboolean probe_req(const char *s)
{
    return tw_http_tcp_parser.probe((const guint8 *)s, strlen(s));
}

static gboolean probe_rsp(const char *s)
{
    return tw_http_tcp_parser.probe_reply((const guint8 *)s, strlen(s));
}

static void test_probes(void)
{
    g_assert_true(probe_req("POST /wsman HTTP/1.1\r\nHost: srv:5985\r\n"));
    g_assert_true(probe_req("GET / HTTP/1.1\r\n"));
    g_assert_true(probe_req("GET / HTTP/1.0\n"));
    g_assert_true(probe_req("CONNECT www.example.test:443 HTTP/1.1\r\n"));
    g_assert_true(probe_req("GET http://proxy.example.test/ HTTP/1.1\r\n"));
    g_assert_true(probe_req("OPTIONS * HTTP/1.1\r\n\r\n"));
    g_assert_true(probe_req("RPC_IN_DATA /rpc/rpcproxy.dll?x:6004 HTTP/1.1\r\n"));
    g_assert_true(probe_req("PROPFIND /dav/ HTTP/1.1\r\n"));
    /* Other text protocols: token + SP, but no HTTP method or version. */
    g_assert_false(probe_req("EHLO mail.example.test\r\n"));
    g_assert_false(probe_req("USER anonymous and more\r\n"));
    g_assert_false(probe_req("a001 LOGIN user password\r\n"));
    g_assert_false(probe_req("OPTIONS rtsp://cam/ RTSP/1.0\r\n"));
    g_assert_false(probe_req("INVITE sip:bob@example.test SIP/2.0\r\n"));
    g_assert_false(probe_req("GET / HTTP/2.0\r\n\r\n"));
    g_assert_false(probe_req("GETX / HTTP/1.1\r\n"));
    g_assert_false(probe_req("get / HTTP/1.1\r\n"));
    g_assert_false(probe_req("GET  / HTTP/1.1\r\n"));
    g_assert_false(probe_req("GET /a-long-line-cut-by-the-segment"));
    g_assert_false(probe_req("GET / HTTP/1.1"));
    g_assert_false(probe_req("GET /x"));
    g_assert_false(probe_req("GET /xHTTP/1.1\r\n")); /* no SP before the version */
    g_assert_false(probe_req("GET / XHTTP/1.1\r\n"));
    static const guint8 dcerpc[] = { 5, 0, 11, 3, 0x10, 0, 0, 0, 0x48, 0, 0, 0, 1, 0, 0, 0, 'G' };
    static const guint8 ldap[] = { 0x30, 0x84, 0, 0, 0, 0x10, 2, 1, 1, 0x60, 'G', 'E', 'T', ' ', '/', ' ' };
    static const guint8 krb[] = { 0, 0, 5, 0xdc, 0x6a, 0x82, 5, 0xd8, 'H', 'T', 'T', 'P', '/', '1', '.', '1' };
    g_assert_false(tw_http_tcp_parser.probe(dcerpc, sizeof dcerpc));
    g_assert_false(tw_http_tcp_parser.probe(ldap, sizeof ldap));
    g_assert_false(tw_http_tcp_parser.probe(krb, sizeof krb));
    g_assert_false(tw_http_tcp_parser.probe_reply(krb, sizeof krb));

    g_assert_true(probe_rsp("HTTP/1.1 401 Unauthorized\r\n"));
    g_assert_true(probe_rsp("HTTP/1.0 200 OK\r\n"));
    g_assert_true(probe_rsp("HTTP/1.1 200\r\n"));
    g_assert_false(probe_rsp("HTTP/1.1 20 OK\r\n"));
    g_assert_false(probe_rsp("HTTP/2.0 200 OK\r\n"));
    g_assert_false(probe_rsp("RTSP/1.0 200 OK\r\n"));
    g_assert_false(probe_rsp("SIP/2.0 200 OK\r\n"));
    g_assert_false(probe_rsp("HTTP/1.1 200"));
    g_assert_false(probe_rsp("HTTP/1.1 2x0 OK\r\n"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http/conversation", test_conversation);
    g_test_add_func("/http/gaps", test_gaps);
    g_test_add_func("/http/midstream-not-http", test_midstream_and_not_http);
    g_test_add_func("/http/header-cap", test_header_cap);
    g_test_add_func("/http/pending-cap", test_pending_cap);
    g_test_add_func("/http/tunnels", test_tunnels);
    g_test_add_func("/http/field-syntax", test_field_syntax);
    g_test_add_func("/http/bad-framing", test_bad_framing);
    g_test_add_func("/http/probes", test_probes);
    return g_test_run();
}
