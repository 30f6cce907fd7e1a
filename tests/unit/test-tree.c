/* test-tree.c — the teaching view's relations pass (output/tree-relations.c)
 * and tree sink (output/tree-sink.c) on hand-made events: the delay of a
 * reply, the KRB-ERROR and NTP clock arithmetic (RFC 4120 5.9.1, RFC 5905 8),
 * the AS-exchange and NETLOGON narratives, "response in frame" through the
 * look-ahead window and its limit, --frame. */
#include "dissectors/krb5/krb5-tree.h"
#include "output/sink.h"
#include "output/tree-relations.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define T0 G_GINT64_CONSTANT(1764000000000000) /* 2025-11-24T16:00:00Z */

static TwEvent *ev_new(guint64 frame, gint64 ts, const char *proto, const char *src, const char *dst)
{
    TwPacketInfo pi = { .frame = frame, .ts_us = ts, .transport = "udp", .sport = 50000, .dport = 88 };
    g_strlcpy(pi.src, src, sizeof pi.src);
    g_strlcpy(pi.dst, dst, sizeof pi.dst);
    TwEvent *ev = tw_event_new(&pi, g_intern_string(proto));
    return ev;
}

static TwEvent *krb(guint64 frame, gint64 ts, gint64 msg_type, bool to_kdc)
{
    TwEvent *ev = ev_new(frame, ts, "kerberos", to_kdc ? "10.0.0.5" : "10.0.0.1", to_kdc ? "10.0.0.1" : "10.0.0.5");
    tw_event_set_int(ev, "msg_type", msg_type);
    tw_event_set_str(ev, "cname", "WS05$");
    tw_event_set_str(ev, "realm", "LAB.TEST");
    return ev;
}

static TwEvent *krb_error(guint64 frame, gint64 ts, gint64 code, const char *name, guint64 reply_to)
{
    TwEvent *ev = krb(frame, ts, 30, false);
    tw_event_set_int(ev, "error_code", code);
    tw_event_set_str(ev, "error_name", name);
    tw_event_set_int(ev, "reply_to", (gint64)reply_to);
    tw_event_set_time(ev, "stime", ts / G_USEC_PER_SEC * G_USEC_PER_SEC);
    tw_event_set_int(ev, "susec", ts % G_USEC_PER_SEC);
    return ev;
}

static void feed(TwTreeRel *r, TwEvent *ev, GString *lines, TwTreeRelOut *out)
{
    g_string_truncate(lines, 0);
    tw_tree_rel_event(r, ev, lines, out);
    tw_event_free(ev);
}

static void test_reply_delay(void)
{
    TwTreeRel *r = tw_tree_rel_new(NULL, NULL);
    GString *l = g_string_new(NULL);
    TwTreeRelOut out;
    feed(r, krb(1, T0, 10, true), l, &out);
    g_assert_cmpuint(out.request_frame, ==, 0);
    g_assert_null(out.narrative);
    feed(r, krb_error(2, T0 + 3200, 25, "KDC_ERR_PREAUTH_REQUIRED", 1), l, &out);
    g_assert_cmpuint(out.request_frame, ==, 1);
    g_assert_cmpint(out.delta_us, ==, 3200);
    g_assert_nonnull(strstr(l->str, "request in frame: 1   -- this answers it, +3.200 ms later"));
    tw_tree_rel_free(r);
    g_string_free(l, TRUE);
}

/* RFC 4120 5.9.1: stime + susec of the KDC minus the capture time. */
static void test_krb_error_clock(void)
{
    TwTreeRel *r = tw_tree_rel_new(NULL, NULL);
    GString *l = g_string_new(NULL);
    TwTreeRelOut out;
    TwEvent *e = krb(7, T0, 30, false);
    tw_event_set_int(e, "error_code", 37);
    tw_event_set_time(e, "stime", T0 + 60 * G_USEC_PER_SEC);
    tw_event_set_int(e, "susec", 500000);
    feed(r, e, l, &out);
    g_assert_nonnull(strstr(l->str, "server clock minus capture clock: +60.500 s"));
    g_assert_nonnull(strstr(l->str, "within the 5-minute"));
    e = krb(8, T0, 30, false);
    tw_event_set_time(e, "stime", T0 - 400 * G_USEC_PER_SEC);
    tw_event_set_int(e, "susec", 0);
    feed(r, e, l, &out);
    g_assert_nonnull(strstr(l->str, "server clock minus capture clock: -400.000 s"));
    g_assert_nonnull(strstr(l->str, "beyond the 5-minute"));
    tw_tree_rel_free(r);
    g_string_free(l, TRUE);
}

/* RFC 5905 8: offset = ((T2 - T1) + (T3 - T4)) / 2, delay = (T4 - T1) - (T3 - T2). */
static void test_ntp_offset(void)
{
    TwTreeRel *r = tw_tree_rel_new(NULL, NULL);
    GString *l = g_string_new(NULL);
    TwTreeRelOut out;
    TwEvent *e = ev_new(2, T0 + 100000 /* T4 */, "ntp", "10.0.0.1", "10.0.0.5");
    tw_event_set_int(e, "mode", 4);
    tw_event_set_int(e, "origin_time_us", T0);                                /* T1 */
    tw_event_set_int(e, "receive_time_us", T0 + 2 * G_USEC_PER_SEC + 40000);  /* T2 */
    tw_event_set_int(e, "transmit_time_us", T0 + 2 * G_USEC_PER_SEC + 50000); /* T3 */
    feed(r, e, l, &out);
    /* ((2.040) + (2.050 - 0.100)) / 2 = 1.995 s; (0.100) - (0.010) = 90 ms */
    g_assert_nonnull(strstr(l->str, "offset: +1.995 s"));
    g_assert_nonnull(strstr(l->str, "delay: +90.000 ms"));
    /* a request (mode 3) has no offset */
    e = ev_new(3, T0, "ntp", "10.0.0.5", "10.0.0.1");
    tw_event_set_int(e, "mode", 3);
    tw_event_set_int(e, "transmit_time_us", T0);
    feed(r, e, l, &out);
    g_assert_null(strstr(l->str, "offset"));
    tw_tree_rel_free(r);
    g_string_free(l, TRUE);
}

static void test_as_narrative(void)
{
    TwTreeRel *r = tw_tree_rel_new(NULL, NULL);
    GString *l = g_string_new(NULL);
    TwTreeRelOut out;
    feed(r, krb(1, T0, 10, true), l, &out);
    TwEvent *e = krb_error(2, T0 + 1000, 25, "KDC_ERR_PREAUTH_REQUIRED", 1);
    tw_event_set_str(e, "salt", "LAB.TESThostws05.lab.test");
    feed(r, e, l, &out);
    g_assert_null(out.narrative); /* 25 is not the end */
    e = krb(3, T0 + 2000, 10, true);
    GArray *pa = g_array_new(FALSE, FALSE, sizeof(gint64));
    gint64 two = 2;
    g_array_append_val(pa, two);
    tw_event_take_intlist(e, "padata", pa);
    feed(r, e, l, &out);
    feed(r, krb_error(4, T0 + 3000, 24, "KDC_ERR_PREAUTH_FAILED", 3), l, &out);
    g_assert_nonnull(out.narrative);
    g_assert_nonnull(strstr(out.narrative,
                            "AS-REQ without pre-authentication (frame 1) -> 25 KDC_ERR_PREAUTH_REQUIRED with the salt "
                            "LAB.TESThostws05.lab.test (frame 2) -> AS-REQ with the encrypted timestamp "
                            "(PA-ENC-TIMESTAMP) (frame 3) -> 24 KDC_ERR_PREAUTH_FAILED (frame 4)"));
    g_assert_nonnull(strstr(out.narrative, "the key is wrong"));
    g_assert_nonnull(strstr(out.narrative, "WS05$@LAB.TEST from 10.0.0.5"));
    g_free(out.narrative);
    g_assert_null(tw_tree_rel_finish(r)); /* nothing left open */
    /* an AS-REP ends an exchange with "the password is right"; SKEW says the password was right */
    feed(r, krb(10, T0, 10, true), l, &out);
    e = krb_error(11, T0 + 10, 37, "KRB_AP_ERR_SKEW", 10);
    feed(r, e, l, &out);
    g_assert_nonnull(strstr(out.narrative, "the password was right"));
    g_free(out.narrative);
    /* a request never answered is written at the end as not finished; a
     * retransmission joins it; a new attempt after one with pre-auth (that
     * got 52 and nothing more) is another exchange */
    feed(r, krb(20, T0, 10, true), l, &out);
    feed(r, krb(21, T0 + 1000, 10, true), l, &out);
    g_assert_null(out.narrative);
    e = krb(22, T0 + 2000, 10, true);
    pa = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_array_append_val(pa, two);
    tw_event_take_intlist(e, "padata", pa);
    feed(r, e, l, &out);
    feed(r, krb_error(23, T0 + 3000, 52, "KRB_ERR_RESPONSE_TOO_BIG", 22), l, &out);
    g_assert_null(out.narrative);
    feed(r, krb(24, T0 + 4000, 10, true), l, &out);
    g_assert_nonnull(out.narrative); /* the first attempt ends, unfinished */
    g_assert_nonnull(strstr(out.narrative, "(frame 20) -> AS-REQ without pre-authentication (frame 21) -> AS-REQ with"));
    g_assert_nonnull(strstr(out.narrative, "52 KRB_ERR_RESPONSE_TOO_BIG: the client retries over TCP (frame 23)"));
    g_assert_nonnull(strstr(out.narrative, "did not finish"));
    g_assert_null(strstr(out.narrative, "frame 24"));
    g_free(out.narrative);
    g_autofree char *rest = tw_tree_rel_finish(r);
    g_assert_nonnull(rest);
    g_assert_nonnull(strstr(rest, "did not finish"));
    g_assert_nonnull(strstr(rest, "(frame 24)"));
    tw_tree_rel_free(r);
    g_string_free(l, TRUE);
}

static TwEvent *nl(guint64 frame, const char *op, bool req, const char *status)
{
    TwEvent *ev = ev_new(frame, T0 + (gint64)frame, "netlogon", req ? "10.0.0.5" : "10.0.0.1",
                         req ? "10.0.0.1" : "10.0.0.5");
    tw_event_set_str(ev, "op", op);
    tw_event_set_str(ev, "dir", req ? "request" : "response");
    tw_event_set_str(ev, "computer", "WS05");
    tw_event_set_str(ev, "account", "WS05$");
    if (status)
        tw_event_set_str(ev, "nt_status", status);
    return ev;
}

static void test_netlogon_narrative(void)
{
    /* zero: 0 normal, 1 all-zero challenge and credential (Zerologon), 2 a
     * zero challenge only (not the pattern: the credential is the client's) */
    for (int zero = 0; zero < 3; zero++) {
        TwTreeRel *r = tw_tree_rel_new(NULL, NULL);
        GString *l = g_string_new(NULL);
        TwTreeRelOut out;
        TwEvent *e = nl(1, "NetrServerReqChallenge", true, NULL);
        tw_event_set_str(e, "client_challenge", zero ? "0000000000000000" : "23ad1d3158c67fad");
        feed(r, e, l, &out);
        feed(r, nl(2, "NetrServerReqChallenge", false, "0x00000000"), l, &out);
        e = nl(3, "NetrServerAuthenticate3", true, NULL);
        tw_event_set_str(e, "client_credential", zero == 1 ? "0000000000000000" : "277c24c2da871cf0");
        tw_event_set_int(e, "negotiate_flags", 0x612fffff);
        feed(r, e, l, &out);
        feed(r, nl(4, "NetrServerAuthenticate3", false, "0xc0000022"), l, &out);
        g_assert_nonnull(out.narrative);
        g_assert_nonnull(strstr(out.narrative, zero == 1 ? "Zerologon" : "password differs"));
        g_assert_nonnull(strstr(out.narrative, "flags 0x612fffff (AES)"));
        g_free(out.narrative);
        tw_tree_rel_free(r);
        g_string_free(l, TRUE);
    }
}

/* The sink: "response in frame" on a held request; a reply past the
 * look-ahead window finds its request written; --frame. */
static char *run_sink(TwEvent **evs, gsize n)
{
    char path[] = "/tmp/tw-test-tree-XXXXXX";
    int fd = mkstemp(path);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_autoptr(GError) err = NULL;
    TwOut *o = tw_out_open(path, &err);
    g_assert_nonnull(o);
    TwSink *s = tw_sink_tree_new(o);
    for (gsize i = 0; i < n; i++) {
        s->event(s, evs[i]);
        tw_event_free(evs[i]);
    }
    s->end(s, NULL);
    tw_sink_free(s);
    g_assert_cmpint(tw_out_finish(o), ==, 0);
    tw_out_free(o);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    unlink(path);
    return text;
}

static void test_sink(void)
{
    TwEvent *a[] = { krb(1, T0, 10, true), krb_error(2, T0 + 4401, 24, "KDC_ERR_PREAUTH_FAILED", 1) };
    g_autofree char *t = run_sink(a, 2);
    const char *req = strstr(t, "     1 ");
    const char *resp = strstr(t, "     2 ");
    g_assert_nonnull(req);
    g_assert_nonnull(resp);
    const char *line = strstr(t, "response in frame: 2   -- +4.401 ms after this request");
    g_assert_nonnull(line);
    g_assert_true(line < resp); /* on the request's lines */

    /* the reply 10 s later: the request is written before it is seen */
    TwEvent *b[] = { krb(1, T0, 10, true), krb_error(2, T0 + 10 * G_USEC_PER_SEC, 24, "KDC_ERR_PREAUTH_FAILED", 1) };
    g_autofree char *t2 = run_sink(b, 2);
    g_assert_null(strstr(t2, "response in frame"));
    g_assert_nonnull(strstr(t2, "request in frame: 1   -- this answers it, +10.000 s later"));

    /* --frame 2: only frame 2, and the narrative that includes it */
    guint64 only = 2;
    tw_tree_frames_set(&only, 1);
    TwEvent *c[] = { krb(1, T0, 10, true), krb_error(2, T0 + 100, 24, "KDC_ERR_PREAUTH_FAILED", 1),
                     krb(3, T0 + 200, 10, true), krb_error(4, T0 + 300, 6, "KDC_ERR_C_PRINCIPAL_UNKNOWN", 3) };
    g_autofree char *t3 = run_sink(c, 4);
    tw_tree_frames_set(NULL, 0);
    g_assert_null(strstr(t3, "     1 "));
    g_assert_nonnull(strstr(t3, "     2 "));
    g_assert_null(strstr(t3, "     3 "));
    g_assert_null(strstr(t3, "     4 "));
    g_assert_nonnull(strstr(t3, "the key is wrong"));
    g_assert_null(strstr(t3, "no such client")); /* the exchange of frames 3-4 is not shown */
}

/* RFC 3962 4 / RFC 8009 4 / RFC 3961 6.2: s2kparams by etype. */
static void test_s2kparams(void)
{
    static const struct {
        gint64 etype;
        guint8 b[4];
        gsize n;
        const char *value, *note;
    } cases[] = {
        { 18, { 0, 0, 0x10, 0 }, 4, "4096 iterations (00001000)", "the default" },
        { 17, { 0, 0, 0, 0 }, 4, "4294967296 iterations (00000000)", "above the default" },
        { 20, { 0, 0, 0x80, 0 }, 4, "32768 iterations (00008000)", "the default" },
        { 18, { 0, 0, 0x04, 0 }, 4, "1024 iterations (00000400)", "below the default" },
        { 3, { 1 }, 1, "1", "AFS" },
        { 23, { 0xab, 0xcd }, 2, "2 bytes abcd", "does not define" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        TwPacketInfo pi = { 0 };
        g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
        tw_krb5_tree_s2kparams(ev, 3, "s2kparams", "RFC 4120 5.2.7.5", cases[i].etype, cases[i].b, cases[i].n);
        const TwTreeNode *n = g_ptr_array_index(ev->tree, 0);
        g_assert_cmpstr(n->value, ==, cases[i].value);
        g_assert_nonnull(strstr(n->note, cases[i].note));
        g_assert_cmpuint(n->depth, ==, 3);
    }
    g_assert_nonnull(tw_krb5_etype_weak_note(23));
    g_assert_nonnull(tw_krb5_etype_weak_note(3));
    g_assert_nonnull(tw_krb5_etype_weak_note(16));
    g_assert_null(tw_krb5_etype_weak_note(18));
    g_assert_null(tw_krb5_etype_weak_note(20));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tree/reply-delay", test_reply_delay);
    g_test_add_func("/tree/krb-error-clock", test_krb_error_clock);
    g_test_add_func("/tree/ntp-offset", test_ntp_offset);
    g_test_add_func("/tree/as-narrative", test_as_narrative);
    g_test_add_func("/tree/netlogon-narrative", test_netlogon_narrative);
    g_test_add_func("/tree/sink", test_sink);
    g_test_add_func("/tree/s2kparams", test_s2kparams);
    return g_test_run();
}
