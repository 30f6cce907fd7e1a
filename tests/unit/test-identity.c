/* test-identity.c — machine names and the joining of names and addresses. */
#include "analysis-test-util.h"
#include "analysis/clock.h"
#include "analysis/tickets.h"

static const struct {
    const char *in;
    const char *out; /* NULL: not a machine */
} principals[] = {
    { "ws1$", "WS1$" },
    { "WS1$@LAB.EXAMPLE", "WS1$" },
    { "LAB\\ws1$", "WS1$" },
    { "host/ws1.lab.example", "WS1$" },
    { "HOST/WS1", "WS1$" },
    { "cifs/ws1.lab.example@LAB.EXAMPLE", "WS1$" },
    { "RestrictedKrbHost/ws1", "WS1$" },
    { "ldap/dc1.lab.example/lab.example", "DC1$" },
    { "MSSQLSvc/sql1.lab.example:1433", "SQL1$" },
    { "host/averyveryverylongname.lab", "AVERYVERYVERYLO$" }, /* NetBIOS: 15 characters */
    { "averyveryverylongname$", "AVERYVERYVERYLO$" },
    { "krbtgt/LAB.EXAMPLE", NULL },
    { "KRBTGT/lab.example@LAB.EXAMPLE", NULL },
    { "kadmin/changepw", NULL },
    { "alice", NULL },
    { "alice@LAB.EXAMPLE", NULL },
    { "host/10.0.0.5", NULL },
    { "cifs/fe80::1", NULL },
    { "$", NULL },
    { "", NULL },
    { "/", NULL },
    { "host/", NULL },
    { "@LAB", NULL },
};

static void test_principals(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(principals); i++) {
        g_autofree char *got = tw_identity_from_principal(principals[i].in);
        g_assert_cmpstr(got, ==, principals[i].out);
    }
    g_assert_null(tw_identity_from_principal(NULL));
}

/* Every prefix of every input: no crash, and a result that is either NULL
 * or a canonical "NAME$" (upper case, ≤ 15 + 1 characters). */
static void test_principals_truncated(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(principals); i++) {
        gsize n = strlen(principals[i].in);
        for (gsize k = 0; k <= n; k++) {
            g_autofree char *pre = g_strndup(principals[i].in, k);
            g_autofree char *got = tw_identity_from_principal(pre);
            g_autofree char *got2 = tw_identity_from_computer(pre);
            const char *results[] = { got, got2 };
            for (gsize r = 0; r < 2; r++) {
                const char *g = results[r];
                if (!g)
                    continue;
                gsize gl = strlen(g);
                g_assert_cmpuint(gl, >=, 2);
                g_assert_cmpuint(gl, <=, 16);
                g_assert_cmpint(g[gl - 1], ==, '$');
                for (gsize j = 0; j + 1 < gl; j++)
                    g_assert_false(g_ascii_islower(g[j]));
            }
        }
    }
}

static void test_computer_names(void)
{
    static const struct { const char *in, *out; } t[] = {
        { "\\\\WS1", "WS1$" }, { "ws1", "WS1$" }, { "WS1$", "WS1$" }, { "ws1.lab.example", "WS1$" },
        { "\\\\", NULL }, { "", NULL }, { "$", NULL }, { "10.0.0.1", NULL },
        /* a separator or a control character is no NetBIOS name; a port is cut, an IPv6 literal is an address */
        { "ws1/x", NULL }, { "ws\\1", NULL }, { "ws1@lab", NULL }, { "ws\x01", NULL }, { "sql1.lab:1433", "SQL1$" },
        { "fe80::1", NULL }, { "a:b:c", NULL },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
        g_autofree char *got = tw_identity_from_computer(t[i].in);
        g_assert_cmpstr(got, ==, t[i].out);
    }
}

/* The 15-byte NetBIOS cut must not split a UTF-8 sequence: the account
 * name goes into the report and -T json, which must stay valid UTF-8. */
static void test_multibyte_cut(void)
{
    /* "É" is 2 bytes: 8 of them are 16 bytes, the 8th would be cut in half */
    const char *name = "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89";
    g_autofree char *c = tw_identity_from_computer(name);
    g_assert_nonnull(c);
    g_assert_true(g_utf8_validate(c, -1, NULL));
    g_assert_cmpstr(c, ==, "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89$");
    /* a 3-byte character straddling byte 15 ("WS-" + 12 ASCII + "€") */
    g_autofree char *e = tw_identity_from_principal("host/ws-abcdefghijkl\xe2\x82\xac.lab.example");
    g_assert_true(g_utf8_validate(e, -1, NULL));
    g_assert_cmpstr(e, ==, "WS-ABCDEFGHIJKL$");
    g_autofree char *e2 = tw_identity_from_computer("ws-abcdefghij\xe2\x82\xac");
    g_assert_true(g_utf8_validate(e2, -1, NULL));
    g_assert_cmpstr(e2, ==, "WS-ABCDEFGHIJ$");
    /* ASCII names are still cut at exactly 15 */
    g_autofree char *l = tw_identity_from_computer("abcdefghijklmnopq");
    g_assert_cmpstr(l, ==, "ABCDEFGHIJKLMNO$");
}

/* A service named in a TGS-REQ is not a host seen: the KDC answering on
 * 10.0.0.1 and "DC1$" (named by ldap/dc1) must not show as two machines
 * (pcaps/10-server-key-http.pcap listed "Healthy: 10.0.0.1" and "Not
 * enough evidence: DC1$"). */
static void test_tgs_name_not_a_host(void)
{
    static const char *const lines[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T11:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.40\",\"sport\":5001,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"transport\":\"tcp\",\"msg_type\":12,\"msg\":\"TGS-REQ\","
        "\"sname\":\"ldap/dc1.lab.example\"}",
        "{\"frame\":2,\"ts\":\"2026-03-02T11:00:00.001Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
        "\"dst\":\"10.0.0.40\",\"dport\":5001,\"transport\":\"tcp\",\"msg_type\":13,\"msg\":\"TGS-REP\","
        "\"cname\":\"alice\",\"sname\":\"ldap/dc1.lab.example\",\"reply_to\":1}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, lines, NULL);
    g_autofree char *text = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_null(strstr(text, "DC1$"));
    g_assert_nonnull(strstr(text, "Result: 0 broken, 0 at risk, 0 recovered, 1 healthy, 0 unknown."));
    /* the name is kept for when the machine shows up */
    TwMachine *dc1 = tw_identity_lookup(a, "DC1$");
    g_assert_nonnull(dc1);
    g_assert_true(tw_machine_only_named(dc1));
}

/* Past TW_AN_MAX_FLOWS NETLOGON challenge records a new challenge is not
 * recorded (Zerologon challenge pairing stops for that client): counted
 * under its name and shown in the report, never silent. */
static void test_flow_cap_counted(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    for (guint i = 0; i <= TW_AN_MAX_FLOWS; i++) {
        g_autofree char *line = g_strdup_printf(
            "{\"frame\":%u,\"ts\":\"2026-03-05T01:00:00Z\",\"proto\":\"netlogon\",\"src\":\"10.%u.%u.%u\","
            "\"sport\":40000,\"dst\":\"10.255.0.1\",\"dport\":49670,\"opnum\":4,\"dir\":\"request\","
            "\"call_id\":1,\"computer\":\"WS\",\"client_challenge\":\"0102030405060708\"}",
            i + 1, (i >> 16) & 255, (i >> 8) & 255, i & 255);
        const char *lines[] = { line, NULL };
        feed_lines(a, lines, NULL);
    }
    g_assert_cmpuint(a->cap_counts[TW_AN_CAP_NL_CHALLENGES], ==, 1);
    g_assert_cmpuint(a->caps_hit, >=, 1);
    g_autofree char *text = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_nonnull(strstr(text, "netlogon_challenges 1"));
    g_autofree char *json = render(a, TW_REPORT_JSON, false, NULL);
    g_assert_nonnull(strstr(json, "\"netlogon_challenges\" : 1"));
}

/* Evidence keeps what the exchange established, typed: who sent the
 * message (the KDC for an AS-REQ's error; the application server for an
 * AP-REQ's, whatever its port), the codes, the NETLOGON opnum. */
static void test_typed_evidence(void)
{
    static const char *const lines[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T11:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.50\",\"sport\":5001,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"transport\":\"udp\",\"msg_type\":10,\"cname\":\"WS1$\","
        "\"sname\":\"krbtgt/LAB\"}",
        "{\"frame\":2,\"ts\":\"2026-03-02T11:00:00.001Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
        "\"dst\":\"10.0.0.50\",\"dport\":5001,\"transport\":\"udp\",\"msg_type\":30,\"error_code\":24,"
        "\"error_name\":\"NOT_THE_TABLE_NAME\",\"reply_to\":1}",
        "{\"frame\":3,\"ts\":\"2026-03-02T11:00:01Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.60\",\"sport\":5002,"
        "\"dst\":\"10.0.0.1\",\"dport\":445,\"transport\":\"smb2\",\"msg_type\":14,\"sname\":\"cifs/dc1\"}",
        "{\"frame\":4,\"ts\":\"2026-03-02T11:00:01.001Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":445,"
        "\"dst\":\"10.0.0.60\",\"dport\":5002,\"transport\":\"smb2\",\"msg_type\":30,\"error_code\":41}",
        "{\"frame\":5,\"ts\":\"2026-03-02T11:00:02Z\",\"proto\":\"netlogon\",\"src\":\"10.0.0.70\",\"sport\":40000,"
        "\"dst\":\"10.0.0.1\",\"dport\":49670,\"opnum\":26,\"dir\":\"request\",\"call_id\":2,"
        "\"account\":\"WS7$\",\"computer\":\"WS7\",\"client_credential\":\"0102030405060708\"}",
        "{\"frame\":6,\"ts\":\"2026-03-02T11:00:02.001Z\",\"proto\":\"netlogon\",\"src\":\"10.0.0.1\",\"sport\":49670,"
        "\"dst\":\"10.0.0.70\",\"dport\":40000,\"opnum\":26,\"dir\":\"response\",\"call_id\":2,"
        "\"nt_status\":\"0xc0000022\",\"reply_to\":5}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, lines, NULL);
    const TwFact *kf = &tw_identity_lookup(a, "WS1$")->facts[TW_F_KRB_KEY_FAIL];
    g_assert_cmpuint(kf->count, ==, 1);
    const TwEvidence *e = g_ptr_array_index(kf->ev, 0);
    g_assert_true(e->has_krb_error);
    g_assert_cmpint(e->krb_error, ==, 24);
    g_assert_cmpint(e->krb_msg_type, ==, 30);
    g_assert_cmpint(e->sender, ==, TW_PEER_KDC);
    g_assert_cmpint(e->dir, ==, TW_DIR_RESPONSE);
    /* the name comes from the one table, not from the event's text */
    g_autofree char *et = tw_evidence_error_text(e);
    g_assert_cmpstr(et, ==, "KDC_ERR_PREAUTH_FAILED (24)");
    const TwFact *sf = &tw_identity_lookup(a, "DC1$")->facts[TW_F_SRV_KEY_FAIL];
    g_assert_cmpuint(sf->count, ==, 1);
    g_assert_cmpint(((const TwEvidence *)g_ptr_array_index(sf->ev, 0))->sender, ==, TW_PEER_SERVER);
    const TwFact *nf = &tw_identity_lookup(a, "WS7$")->facts[TW_F_NL_AUTH_DENIED];
    g_assert_cmpuint(nf->count, ==, 1);
    e = g_ptr_array_index(nf->ev, 0);
    g_assert_cmpint(e->opnum, ==, 26);
    g_assert_cmpint(e->sender, ==, TW_PEER_SERVER);
    g_assert_true(e->has_ntstatus);
    g_assert_cmphex(e->ntstatus, ==, 0xc0000022);
    g_autofree char *st = tw_evidence_status_text(e);
    g_assert_cmpstr(st, ==, "0xc0000022 STATUS_ACCESS_DENIED");
}

static void test_is_user(void)
{
    g_assert_true(tw_identity_is_user("alice"));
    g_assert_true(tw_identity_is_user("alice@LAB.EXAMPLE"));
    g_assert_false(tw_identity_is_user("WS1$"));
    g_assert_false(tw_identity_is_user("WS1$@LAB"));
    g_assert_false(tw_identity_is_user("host/ws1"));
    g_assert_false(tw_identity_is_user(""));
    g_assert_false(tw_identity_is_user(NULL));
}

/* A server known first only by address (its SMB2 clock) is absorbed by the
 * name that later claims the address (the sname of an AP-REQ sent to it). */
static void test_address_record_absorbed(void)
{
    static const char *const lines[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T11:00:00Z\",\"proto\":\"smb2\",\"src\":\"10.0.0.20\",\"sport\":445,"
        "\"dst\":\"10.0.0.50\",\"dport\":51000,\"command\":\"NEGOTIATE\",\"nt_status\":\"0x00000000\","
        "\"server_time\":\"2026-03-02T11:00:10Z\"}",
        "{\"frame\":2,\"ts\":\"2026-03-02T11:00:01Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.50\",\"sport\":51000,"
        "\"dst\":\"10.0.0.20\",\"dport\":445,\"transport\":\"smb2\",\"msg_type\":14,\"sname\":\"cifs/fs1.lab.example\"}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, lines, NULL);
    g_assert_null(g_hash_table_lookup(a->machines, "ip:10.0.0.20"));
    TwMachine *m = g_hash_table_lookup(a->machines, "FS1$");
    g_assert_nonnull(m);
    g_assert_cmpuint(m->clock->len, ==, 1);
    double off;
    g_assert_true(tw_machine_clock_offset(m, &off));
    g_assert_cmpfloat_with_epsilon(off, 10.0, 0.001);
    g_assert_nonnull(tw_machine_addr(m, "10.0.0.20"));
    g_assert_cmpuint(a->machine_order->len, ==, g_hash_table_size(a->machines));
}

/* Windows KDCs omit cname in KRB-ERROR: the error finds its machine through
 * reply_to, else through the request on the same 4-tuple. */
static void test_error_attribution(void)
{
    static const char *const lines[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.11\",\"sport\":50001,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS1$\"}",
        "{\"frame\":2,\"ts\":\"2026-03-02T09:00:01Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.12\",\"sport\":50002,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS2$\"}",
        /* answers frame 1 by reply_to although it arrives after frame 2 */
        "{\"frame\":3,\"ts\":\"2026-03-02T09:00:02Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
        "\"dst\":\"10.0.0.11\",\"dport\":50001,\"msg_type\":30,\"error_code\":24,\"reply_to\":1}",
        /* no reply_to: the 4-tuple of frame 2 */
        "{\"frame\":4,\"ts\":\"2026-03-02T09:00:03Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
        "\"dst\":\"10.0.0.12\",\"dport\":50002,\"msg_type\":30,\"error_code\":6}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, lines, "s1");
    TwMachine *ws1 = g_hash_table_lookup(a->machines, "WS1$");
    TwMachine *ws2 = g_hash_table_lookup(a->machines, "WS2$");
    g_assert_nonnull(ws1);
    g_assert_nonnull(ws2);
    g_assert_cmpuint(ws1->facts[TW_F_KRB_KEY_FAIL].count, ==, 1);
    g_assert_cmpuint(ws1->facts[TW_F_KRB_CLIENT_UNKNOWN].count, ==, 0);
    g_assert_cmpuint(ws2->facts[TW_F_KRB_CLIENT_UNKNOWN].count, ==, 1);
    g_assert_cmpuint(ws2->facts[TW_F_KRB_KEY_FAIL].count, ==, 0);
    TwEvidence *e = g_ptr_array_index(ws1->facts[TW_F_KRB_KEY_FAIL].ev, 0);
    g_assert_cmpuint(e->frame, ==, 3);
    g_assert_cmpstr(e->source, ==, "s1");
}

/* reply_to is per source: frame 1 of another sensor is another request. */
static void test_reply_to_per_source(void)
{
    static const char *const a_lines[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.11\",\"sport\":50001,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS1$\"}",
        NULL,
    };
    static const char *const b_lines[] = {
        "{\"frame\":2,\"ts\":\"2026-03-02T09:00:02Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.2\",\"sport\":88,"
        "\"dst\":\"10.0.0.99\",\"dport\":50009,\"msg_type\":30,\"error_code\":24,\"reply_to\":1}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, a_lines, "sensor-a");
    feed_lines(a, b_lines, "sensor-b");
    TwMachine *ws1 = g_hash_table_lookup(a->machines, "WS1$");
    g_assert_nonnull(ws1);
    g_assert_cmpuint(ws1->facts[TW_F_KRB_KEY_FAIL].count, ==, 0);
}

/* Caps: addresses per machine and evidence per fact stay bounded. */
static void test_caps(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    for (int i = 0; i < TW_AN_MAX_ADDRS + 10; i++) {
        g_autofree char *req = g_strdup_printf(
            "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.1.%d.%d\","
            "\"sport\":5000,\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS1$\"}",
            2 * i + 1, i % 60, i / 250, i % 250);
        g_autofree char *err = g_strdup_printf(
            "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\","
            "\"sport\":88,\"dst\":\"10.1.%d.%d\",\"dport\":5000,\"msg_type\":30,\"error_code\":24,\"reply_to\":%d}",
            2 * i + 2, i % 60, i / 250, i % 250, 2 * i + 1);
        const char *lines[] = { req, err, NULL };
        feed_lines(a, lines, NULL);
    }
    TwMachine *m = g_hash_table_lookup(a->machines, "WS1$");
    g_assert_nonnull(m);
    g_assert_cmpuint(m->addrs->len, ==, TW_AN_MAX_ADDRS);
    g_assert_cmpuint(a->caps_hit, >, 0);
    g_assert_cmpuint(m->facts[TW_F_KRB_KEY_FAIL].count, ==, TW_AN_MAX_ADDRS + 10);
    const GPtrArray *kf = m->facts[TW_F_KRB_KEY_FAIL].ev;
    g_assert_cmpuint(kf->len, ==, TW_AN_EVIDENCE_HEAD + TW_AN_EVIDENCE_TAIL);
    g_assert_cmpuint(a->evidence_dropped, >=, TW_AN_MAX_ADDRS + 10 - kf->len);
    /* the first HEAD items (when it started) are kept… */
    for (guint i = 0; i < TW_AN_EVIDENCE_HEAD; i++)
        g_assert_cmpuint(((TwEvidence *)g_ptr_array_index(kf, i))->frame, ==, 2 * i + 2);
    /* …and the last TAIL, in order, the newest last */
    for (guint i = 0; i < TW_AN_EVIDENCE_TAIL; i++) {
        guint n = TW_AN_MAX_ADDRS + 10 - TW_AN_EVIDENCE_TAIL + i;
        g_assert_cmpuint(((TwEvidence *)g_ptr_array_index(kf, TW_AN_EVIDENCE_HEAD + i))->frame, ==, 2 * n + 2);
    }
    /* routine facts keep fewer: every AS-REQ is a "seen" */
    const TwFact *seen = &m->facts[TW_F_SEEN];
    g_assert_cmpuint(seen->count, ==, TW_AN_MAX_ADDRS + 10);
    g_assert_cmpuint(seen->ev->len, ==, TW_AN_ROUTINE_EVIDENCE_HEAD + TW_AN_ROUTINE_EVIDENCE_TAIL);
    g_assert_cmpuint(((TwEvidence *)g_ptr_array_index(seen->ev, seen->ev->len - 1))->frame, ==,
                     2 * (TW_AN_MAX_ADDRS + 9) + 1);
    /* evidence strings are shared; the error is kept as its code */
    g_assert_true(((TwEvidence *)g_ptr_array_index(kf, 0))->msg == ((TwEvidence *)g_ptr_array_index(kf, 1))->msg);
    g_assert_true(((TwEvidence *)g_ptr_array_index(kf, 0))->has_krb_error);
    g_assert_cmpint(((TwEvidence *)g_ptr_array_index(kf, 0))->krb_error, ==, 24);
}

/* One Kerberos message as an event line (frame, msg_type, reply_to < 0: none). */
static char *krb_line(int frame, int msg_type, int reply_to, const char *extra)
{
    bool reply = msg_type == 11 || msg_type == 13 || msg_type == 30;
    g_autofree char *rt = reply_to >= 0 ? g_strdup_printf(",\"reply_to\":%d", reply_to) : g_strdup("");
    return g_strdup_printf("{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\","
                           "\"src\":\"%s\",\"sport\":%d,\"dst\":\"%s\",\"dport\":%d,\"msg_type\":%d%s%s}",
                           frame, reply ? "10.0.0.1" : "10.0.0.11", reply ? 88 : 50001,
                           reply ? "10.0.0.11" : "10.0.0.1", reply ? 50001 : 88, msg_type, rt, extra);
}

/* A full request table forgets its oldest request.  Only one that no reply
 * had answered is a cap hit (a late reply to it finds nothing): answered
 * ones aging out lose nothing (on the benchmark's healthy DC mix they were
 * counted as 423,106 "pending_requests" and 218,648 ticket records).  The
 * same for the pending TGS-REQs of tickets.c. */
static void test_answered_requests_age_out(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    int frame = 1;
    /* AS-REQ → AS-REP, AS-REQ → KRB-ERROR 25, TGS-REQ → TGS-REP: every
     * request answered, twice as many as the request table holds (a third
     * of them TGS-REQs, which the ticket checks keep too) */
    for (int i = 0; i < TW_AN_MAX_REQUESTS + TW_TK_MAX_PENDING; i++) {
        int kind = i % 3;
        int req_type = kind == 2 ? 12 : 10, rep_type = kind == 0 ? 11 : kind == 1 ? 30 : 13;
        const char *req_extra = kind == 2 ? ",\"cname\":\"WS1$\",\"sname\":\"cifs/srv1.lab.example\""
                                          : ",\"cname\":\"WS1$\",\"sname\":\"krbtgt/LAB.EXAMPLE\"";
        const char *rep_extra = kind == 1 ? ",\"error_code\":25" : ",\"cname\":\"WS1$\",\"sname\":\"cifs/srv1.lab.example\"";
        g_autofree char *req = krb_line(frame, req_type, -1, req_extra);
        g_autofree char *rep = krb_line(frame + 1, rep_type, frame, rep_extra);
        const char *lines[] = { req, rep, NULL };
        feed_lines(a, lines, NULL);
        frame += 2;
    }
    g_assert_cmpuint(a->cap_counts[TW_AN_CAP_REQUESTS], ==, 0);
    g_assert_cmpuint(a->tickets->not_kept, ==, 0);
    /* unanswered ones: the answered ones still held go first, uncounted;
     * then each unanswered one forgotten is one hit */
    for (int i = 0; i < TW_AN_MAX_REQUESTS + 50; i++) {
        g_autofree char *req = krb_line(frame++, 12, -1, ",\"cname\":\"WS1$\",\"sname\":\"cifs/srv1.lab.example\"");
        const char *lines[] = { req, NULL };
        feed_lines(a, lines, NULL);
    }
    g_assert_cmpuint(a->cap_counts[TW_AN_CAP_REQUESTS], ==, 50);
    G_STATIC_ASSERT(TW_TK_MAX_PENDING == TW_AN_MAX_REQUESTS); /* both 50 */
    g_assert_cmpuint(a->tickets->not_kept, ==, 50);
    /* a reply that still finds its request (here by its ports: no reply_to)
     * marks it: forgetting it later is no hit */
    g_autofree char *rep = krb_line(frame, 13, -1, ",\"cname\":\"WS1$\",\"sname\":\"cifs/srv1.lab.example\"");
    const char *lines[] = { rep, NULL };
    feed_lines(a, lines, NULL);
    for (int i = 0; i < TW_AN_MAX_REQUESTS; i++) {
        g_autofree char *req = krb_line(++frame, 12, -1, ",\"cname\":\"WS1$\",\"sname\":\"cifs/srv1.lab.example\"");
        const char *more[] = { req, NULL };
        feed_lines(a, more, NULL);
    }
    g_assert_cmpuint(a->cap_counts[TW_AN_CAP_REQUESTS], ==, 50 + TW_AN_MAX_REQUESTS - 1);
    /* tickets.c pairs a TGS-REP by reply_to only: that one was not marked */
    g_assert_cmpuint(a->tickets->not_kept, ==, 50 + TW_TK_MAX_PENDING);
}

/* A full holder table forgets its least recently written entry, and a new
 * holder is always kept: a sensor keeps naming the holders of tickets of
 * the machines it meets after the first TW_TK_MAX_HOLDERS (it refused every
 * new one before, for the rest of its life). */
static void test_ticket_holders_forget_oldest(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    int frame = 1;
    /* addresses 0 … MAX - 1, then 5 again (written again: now the newest), then MAX … MAX + 9 */
    for (int step = 0; step < TW_TK_MAX_HOLDERS + 11; step++) {
        int n = step < TW_TK_MAX_HOLDERS ? step : step == TW_TK_MAX_HOLDERS ? 5 : step - 1;
        g_autofree char *rep = g_strdup_printf(
            "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\","
            "\"sport\":88,\"dst\":\"10.1.%d.%d\",\"dport\":50001,\"msg_type\":11,\"cname\":\"WS%d$\"}",
            frame++, n / 250, n % 250, n);
        const char *lines[] = { rep, NULL };
        feed_lines(a, lines, NULL);
    }
    GHashTable *h = a->tickets->tgt_holder;
    g_assert_cmpuint(g_hash_table_size(h), ==, TW_TK_MAX_HOLDERS);
    g_assert_cmpuint(a->tickets->not_kept, ==, 10); /* ten forgotten for ten new */
    g_assert_cmpuint(g_queue_get_length(&a->tickets->tgt_order), ==, TW_TK_MAX_HOLDERS);
    /* the oldest ten but address 5: 0-4 and 6-10 */
    static const int gone[] = { 0, 4, 6, 10 }, kept[] = { 5, 11, TW_TK_MAX_HOLDERS - 1, TW_TK_MAX_HOLDERS + 9 };
    for (guint i = 0; i < G_N_ELEMENTS(gone); i++) {
        g_autofree char *k = g_strdup_printf("|10.1.%d.%d", gone[i] / 250, gone[i] % 250);
        g_assert_false(g_hash_table_contains(h, k));
    }
    for (guint i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_autofree char *k = g_strdup_printf("|10.1.%d.%d", kept[i] / 250, kept[i] % 250);
        g_assert_true(g_hash_table_contains(h, k));
    }
}

/* NTLMSSP: the CHALLENGE names the server (and carries its clock), the
 * AUTHENTICATE names the client's workstation. */
static void test_ntlmssp_names(void)
{
    static const char *const lines[] = {
        "{\"frame\":2,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"ntlmssp\",\"src\":\"10.0.0.1\",\"sport\":445,"
        "\"dst\":\"10.0.0.5\",\"dport\":5000,\"ntlmssp_type\":\"CHALLENGE\",\"nb_computer\":\"dc1\","
        "\"dns_computer\":\"dc1.lab.example\",\"server_time\":\"2026-03-02T09:00:03Z\"}",
        "{\"frame\":3,\"ts\":\"2026-03-02T09:00:01Z\",\"proto\":\"ntlmssp\",\"src\":\"10.0.0.5\",\"sport\":5000,"
        "\"dst\":\"10.0.0.1\",\"dport\":445,\"ntlmssp_type\":\"AUTHENTICATE\",\"workstation\":\"ws5\",\"user\":\"bob\"}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, lines, NULL);
    TwMachine *dc = g_hash_table_lookup(a->machines, "DC1$");
    TwMachine *ws = g_hash_table_lookup(a->machines, "WS5$");
    g_assert_nonnull(dc);
    g_assert_nonnull(ws);
    g_assert_nonnull(tw_machine_addr(dc, "10.0.0.1"));
    g_assert_null(tw_machine_addr(dc, "10.0.0.5"));
    g_assert_nonnull(tw_machine_addr(ws, "10.0.0.5"));
    double off;
    g_assert_true(tw_machine_clock_offset(dc, &off));
    g_assert_cmpfloat_with_epsilon(off, 3.0, 0.001);
    g_assert_null(g_hash_table_lookup(a->machines, "BOB$"));
}

/* More machines than TW_AN_MAX_MACHINES, named through every path: the cap
 * holds, nothing crashes, the report still renders. */
static void test_machine_cap(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    static const char *const tmpl[] = {
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.%d.%d.1\",\"sport\":5000,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"A%d$\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
        "\"dst\":\"10.%d.%d.1\",\"dport\":5000,\"msg_type\":30,\"error_code\":37,\"cname\":\"B%d$\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.%d.%d.2\",\"sport\":5001,"
        "\"dst\":\"10.0.0.9\",\"dport\":445,\"msg_type\":14,\"sname\":\"cifs/c%d.lab\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.%d.%d.3\",\"sport\":5002,"
        "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":12,\"sname\":\"host/d%d.lab\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"netlogon\",\"src\":\"10.%d.%d.4\",\"sport\":5003,"
        "\"dst\":\"10.0.0.1\",\"dport\":49670,\"opnum\":26,\"dir\":\"request\",\"server\":\"\\\\DC1\","
        "\"account\":\"E%d$\",\"channel_type\":6,\"client_credential\":\"0000000000000000\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"ntlmssp\",\"src\":\"10.%d.%d.5\",\"sport\":445,"
        "\"dst\":\"10.0.0.7\",\"dport\":5004,\"ntlmssp_type\":\"CHALLENGE\",\"nb_computer\":\"F%d\","
        "\"server_time\":\"2026-03-02T09:10:00Z\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"ntlmssp\",\"src\":\"10.%d.%d.6\",\"sport\":5005,"
        "\"dst\":\"10.0.0.1\",\"dport\":445,\"ntlmssp_type\":\"AUTHENTICATE\",\"user\":\"G%d$\","
        "\"workstation\":\"G%d\",\"client_time\":\"2026-03-02T09:10:00Z\"}",
        "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"smb2\",\"src\":\"10.%d.%d.7\",\"sport\":445,"
        "\"dst\":\"10.0.0.8\",\"dport\":5006,\"command\":\"NEGOTIATE\",\"nt_status\":\"0xc000018d\","
        "\"server_time\":\"2026-03-02T09:10:0%dZ\"}",
    };
    int frame = 1;
    /* Fill the table cheaply (one AS-REQ per machine), then name new
     * machines through every path once the cap is reached. */
    TwPacketInfo pi = { .transport = "udp", .sport = 5000, .dport = 88 };
    g_strlcpy(pi.dst, "10.0.0.1", sizeof pi.dst);
    for (int i = 0; i < TW_AN_MAX_MACHINES; i++) {
        /* built directly (not through JSON): cheap enough for sanitizer builds */
        pi.frame = (guint64)frame++;
        pi.ts_us = 1772442000000000;
        g_snprintf(pi.src, sizeof pi.src, "10.%d.%d.1", i / 250 + 1, i % 250);
        g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
        tw_event_set_int(ev, "msg_type", 10);
        g_autofree char *cname = g_strdup_printf("A%d$", i);
        tw_event_set_str(ev, "cname", cname);
        tw_analysis_feed(a, ev, NULL);
    }
    for (int i = TW_AN_MAX_MACHINES; i < TW_AN_MAX_MACHINES + 64; i++)
        for (gsize t = 0; t < G_N_ELEMENTS(tmpl); t++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the templates above, all "%d" */
            g_autofree char *line = g_strdup_printf(tmpl[t], frame++, i / 250 + 1, i % 250, i, i);
#pragma GCC diagnostic pop
            const char *l[] = { line, NULL };
            feed_lines(a, l, NULL);
        }
    g_assert_cmpuint(g_hash_table_size(a->machines), <=, TW_AN_MAX_MACHINES);
    g_assert_cmpuint(a->caps_hit, >, 0);
    g_assert_cmpuint(a->machines_refused, >, 0);
    /* the machines already known keep being analysed */
    TwMachine *first = g_hash_table_lookup(a->machines, "A0$");
    g_assert_nonnull(first);
    g_assert_cmpuint(first->facts[TW_F_SEEN].count, ==, 1);
    int status = -1;
    g_autofree char *out = render(a, TW_REPORT_TEXT, false, &status);
    g_assert_nonnull(strstr(out, "analysis limits were hit"));
    g_autofree char *refused = g_strdup_printf("more than %d machines", TW_AN_MAX_MACHINES);
    g_assert_nonnull(strstr(out, refused));
    g_assert_cmpint(status, ==, 0); /* every machine that made it in is only "seen" */
}

/* The capture host is cached per state of the input: an event that no
 * longer involves it must change the answer (analysis/clock.c). */
static void test_capture_host_follows_input(void)
{
    static const char *const own[] = {
        "{\"frame\":1,\"ts\":\"2026-03-02T11:00:00Z\",\"proto\":\"dns\",\"src\":\"10.0.0.40\",\"sport\":5001,"
        "\"dst\":\"10.0.0.1\",\"dport\":53,\"transport\":\"udp\"}",
        "{\"frame\":2,\"ts\":\"2026-03-02T11:00:01Z\",\"proto\":\"dns\",\"src\":\"10.0.0.1\",\"sport\":53,"
        "\"dst\":\"10.0.0.40\",\"dport\":5001,\"transport\":\"udp\"}",
        "{\"frame\":3,\"ts\":\"2026-03-02T11:00:02Z\",\"proto\":\"dns\",\"src\":\"10.0.0.40\",\"sport\":5002,"
        "\"dst\":\"10.0.0.2\",\"dport\":53,\"transport\":\"udp\"}",
        "{\"frame\":4,\"ts\":\"2026-03-02T11:00:03Z\",\"proto\":\"dns\",\"src\":\"10.0.0.2\",\"sport\":53,"
        "\"dst\":\"10.0.0.40\",\"dport\":5002,\"transport\":\"udp\"}",
        NULL,
    };
    static const char *const other[] = {
        "{\"frame\":5,\"ts\":\"2026-03-02T11:00:04Z\",\"proto\":\"dns\",\"src\":\"10.0.0.50\",\"sport\":5003,"
        "\"dst\":\"10.0.0.1\",\"dport\":53,\"transport\":\"udp\"}",
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, own, NULL);
    const char *how = NULL, *conf = NULL;
    g_assert_cmpstr(tw_clock_capture_host(a, &how, &conf), ==, "10.0.0.40");
    g_assert_cmpstr(conf, ==, "medium");
    g_assert_cmpstr(tw_clock_capture_host(a, &how, &conf), ==, "10.0.0.40"); /* asked again: the same */
    feed_lines(a, other, NULL);
    g_assert_null(tw_clock_capture_host(a, &how, &conf));
    g_assert_null(how);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/identity/principals", test_principals);
    g_test_add_func("/identity/principals-truncated", test_principals_truncated);
    g_test_add_func("/identity/computer-names", test_computer_names);
    g_test_add_func("/identity/is-user", test_is_user);
    g_test_add_func("/identity/multibyte-cut", test_multibyte_cut);
    g_test_add_func("/identity/typed-evidence", test_typed_evidence);
    g_test_add_func("/identity/flow-cap-counted", test_flow_cap_counted);
    g_test_add_func("/identity/tgs-name-not-a-host", test_tgs_name_not_a_host);
    g_test_add_func("/identity/address-record-absorbed", test_address_record_absorbed);
    g_test_add_func("/identity/error-attribution", test_error_attribution);
    g_test_add_func("/identity/reply-to-per-source", test_reply_to_per_source);
    g_test_add_func("/identity/caps", test_caps);
    g_test_add_func("/identity/answered-requests-age-out", test_answered_requests_age_out);
    g_test_add_func("/identity/ticket-holders-forget-oldest", test_ticket_holders_forget_oldest);
    g_test_add_func("/identity/ntlmssp-names", test_ntlmssp_names);
    g_test_add_func("/identity/machine-cap", test_machine_cap);
    g_test_add_func("/identity/capture-host-follows-input", test_capture_host_follows_input);
    return g_test_run();
}
