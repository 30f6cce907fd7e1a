/* test-rules.c — the rule table and the boundaries of each rule. */
#include "analysis-test-util.h"
#include "analysis/tickets.h"
#include "analysis/fields.h"
#include "analysis/strhash.h"
#include "analysis/clock.h"

#define KRB(frame, sec, src, sport, dst, dport, rest)                                                    \
    "{\"frame\":" #frame ",\"ts\":\"2026-03-02T09:00:" #sec "Z\",\"proto\":\"kerberos\",\"src\":\"" src \
    "\",\"sport\":" #sport ",\"dst\":\"" dst "\",\"dport\":" #dport "," rest "}"

static void test_table(void)
{
    g_assert_cmpuint(tw_rules_count, ==, 20);
    static const char *const required[] = { "stale-password", "server-key-mismatch", "clock-skew", "account-missing",
                                            "account-disabled", "trust-failure", "duplicate-identity", "rotation",
                                            "zerologon", "healthy", "unknown", "dc-replication",
                                            "interrupted-rotation", "time-source", "foreign-use",
                                            "dcsync-non-dc", "s4u-unknown-user", "spn-unknown", "tgt-refused",
                                            "rc4-service-ticket" };
    for (gsize i = 0; i < G_N_ELEMENTS(required); i++) {
        const TwRule *r = tw_rule_by_name(required[i]);
        g_assert_nonnull(r);
        g_assert_nonnull(r->eval);
        g_assert_nonnull(r->reference);
        g_assert_cmpuint(strlen(r->title), >, 0);
    }
    for (guint i = 0; i < tw_rules_count; i++)
        for (guint j = i + 1; j < tw_rules_count; j++) {
            g_assert_cmpstr(tw_rules[i].name, !=, tw_rules[j].name);
            g_assert_cmpint(tw_rules[i].priority, !=, tw_rules[j].priority);
        }
    g_assert_null(tw_rule_by_name("no-such-rule"));
}

/* PREAUTH_REQUIRED alone: healthy (low), never a failure. */
static void test_preauth_required_is_healthy(void)
{
    static const char *const l[] = {
        KRB(1, 00, "10.0.0.11", 5000, "10.0.0.1", 88, "\"msg_type\":10,\"cname\":\"WS1$\""),
        KRB(2, 00, "10.0.0.1", 88, "10.0.0.11", 5000, "\"msg_type\":30,\"error_code\":25,\"reply_to\":1"),
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, l, NULL);
    g_autoptr(GPtrArray) fs = findings_of(a, "WS1$");
    g_assert_cmpstr(verdict_of(fs), ==, "healthy");
    g_assert_cmpint(tw_findings_state(fs), ==, TW_STATE_HEALTHY);
    g_assert_cmpstr(((TwFinding *)g_ptr_array_index(fs, 0))->confidence, ==, "low");
}

/* A user's wrong password never creates or accuses a machine. */
static void test_user_failure_is_not_a_machine(void)
{
    static const char *const l[] = {
        KRB(1, 00, "10.0.0.11", 5000, "10.0.0.1", 88, "\"msg_type\":10,\"cname\":\"alice\""),
        KRB(2, 00, "10.0.0.1", 88, "10.0.0.11", 5000, "\"msg_type\":30,\"error_code\":24,\"reply_to\":1"),
        KRB(3, 01, "10.0.0.11", 5001, "10.0.0.1", 88, "\"msg_type\":10,\"cname\":\"bob\""),
        KRB(4, 01, "10.0.0.1", 88, "10.0.0.11", 5001, "\"msg_type\":30,\"error_code\":18,\"nt_status\":\"0xc0000072\""),
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, l, NULL);
    g_assert_null(g_hash_table_lookup(a->machines, "ALICE$"));
    g_assert_null(g_hash_table_lookup(a->machines, "ip:10.0.0.11"));
    g_assert_cmpuint(a->users->len, ==, 2);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, a->machines);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        g_autoptr(GPtrArray) fs = tw_rules_eval(a, v);
        g_assert_cmpint(tw_findings_state(fs), <, TW_STATE_RECOVERED);
    }
}

/* KRB_AP_ERR_SKEW on an AS exchange: clock, not password. */
static void test_skew_is_not_stale_password(void)
{
    static const char *const l[] = {
        KRB(1, 00, "10.0.0.31", 5000, "10.0.0.1", 88, "\"msg_type\":10,\"cname\":\"WS31$\""),
        KRB(2, 00, "10.0.0.1", 88, "10.0.0.31", 5000,
            "\"msg_type\":30,\"error_code\":37,\"stime\":\"2026-03-02T09:00:00Z\",\"ctime\":\"2026-03-02T08:50:00Z\","
            "\"reply_to\":1"),
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, l, NULL);
    g_autoptr(GPtrArray) fs = findings_of(a, "WS31$");
    g_assert_cmpstr(verdict_of(fs), ==, "clock-skew");
    g_assert_null(finding_named(fs, "stale-password"));
    const TwFinding *f = finding_named(fs, "clock-skew");
    g_assert_true(f->has_offset);
    g_assert_cmpfloat_with_epsilon(f->offset_s, -600.0, 0.01);
    g_assert_cmpint(f->state, ==, TW_STATE_BROKEN);
}

/* The at-risk threshold: 120 s is fine, 121 s is at risk (no error seen). */
static void test_skew_warning_threshold(void)
{
    for (int delta = 119; delta <= 122; delta++) {
        g_autofree char *ev = g_strdup_printf(
            "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"netlogon\",\"src\":\"10.0.0.32\",\"sport\":5000,"
            "\"dst\":\"10.0.0.1\",\"dport\":49670,\"opnum\":29,\"dir\":\"request\",\"computer\":\"WS32\","
            "\"authenticator_time\":\"2026-03-02T09:%02d:%02dZ\"}",
            delta / 60, delta % 60);
        const char *l[] = { ev, NULL };
        g_autoptr(TwAnalysis) a = tw_analysis_new();
        feed_lines(a, l, NULL);
        g_autoptr(GPtrArray) fs = findings_of(a, "WS32$");
        const TwFinding *f = finding_named(fs, "clock-skew");
        if (delta <= 120)
            g_assert_null(f);
        else {
            g_assert_nonnull(f);
            g_assert_cmpint(f->state, ==, TW_STATE_AT_RISK);
        }
    }
}

static char *nl(int frame, int ms, const char *src, const char *dst, int opnum, const char *dir, const char *rest)
{
    return g_strdup_printf("{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02d.%03dZ\",\"proto\":\"netlogon\","
                           "\"src\":\"%s\",\"sport\":%d,\"dst\":\"%s\",\"dport\":%d,\"opnum\":%d,\"dir\":\"%s\"%s%s}",
                           frame, ms / 1000, ms % 1000, src, strcmp(dir, "request") == 0 ? 40000 : 49670, dst,
                           strcmp(dir, "request") == 0 ? 49670 : 40000, opnum, dir, rest ? "," : "", rest ? rest : "");
}

/* Normal rotation is not Zerologon; an all-zero credential is. */
static void test_rotation_vs_zerologon(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(owned, nl(1, 0, "10.0.0.81", "10.0.0.1", 4, "request", "\"computer\":\"WS81\",\"client_challenge\":\"0123456789abcdef\""));
    g_ptr_array_add(owned, nl(2, 1, "10.0.0.81", "10.0.0.1", 26, "request", "\"account\":\"WS81$\",\"computer\":\"WS81\",\"channel_type\":2,\"client_credential\":\"1122334455667788\""));
    g_ptr_array_add(owned, nl(3, 2, "10.0.0.1", "10.0.0.81", 26, "response", "\"nt_status\":\"0x00000000\",\"reply_to\":2"));
    g_ptr_array_add(owned, nl(4, 3, "10.0.0.81", "10.0.0.1", 30, "request", "\"account\":\"WS81$\",\"computer\":\"WS81\",\"new_password_all_zero\":false"));
    g_ptr_array_add(owned, nl(5, 4, "10.0.0.1", "10.0.0.81", 30, "response", "\"nt_status\":\"0x00000000\",\"reply_to\":4"));
    /* the attack: all-zero challenge and credential for the DC's account, from elsewhere */
    g_ptr_array_add(owned, nl(6, 10, "10.0.0.66", "10.0.0.1", 4, "request", "\"computer\":\"DC1\",\"client_challenge\":\"0000000000000000\""));
    g_ptr_array_add(owned, nl(7, 11, "10.0.0.66", "10.0.0.1", 26, "request", "\"account\":\"DC1$\",\"computer\":\"DC1\",\"channel_type\":6,\"client_credential\":\"0000000000000000\""));
    g_ptr_array_add(owned, nl(8, 12, "10.0.0.1", "10.0.0.66", 26, "response", "\"nt_status\":\"0xc0000022\",\"reply_to\":7"));
    g_ptr_array_add(owned, NULL);
    feed_lines(a, (const char *const *)owned->pdata, NULL);
    g_autoptr(GPtrArray) ws = findings_of(a, "WS81$");
    g_assert_cmpstr(verdict_of(ws), ==, "rotation");
    g_assert_cmpint(tw_findings_state(ws), ==, TW_STATE_HEALTHY);
    g_assert_nonnull(finding_named(ws, "healthy"));
    g_assert_null(finding_named(ws, "zerologon"));
    g_autoptr(GPtrArray) dc = findings_of(a, "DC1$");
    g_assert_cmpstr(verdict_of(dc), ==, "zerologon");
    g_assert_cmpint(tw_findings_state(dc), ==, TW_STATE_AT_RISK); /* refused: not exploited */
    g_assert_null(finding_named(dc, "stale-password"));           /* its denial is the attack's */
    TwMachine *m = g_hash_table_lookup(a->machines, "DC1$");
    g_assert_null(tw_machine_addr(m, "10.0.0.66")); /* the attacker is not the DC */
}

/* Sealed bursts: 9 sealed authenticate calls in a minute are not a burst, 10 are. */
static void test_sealed_burst_threshold(void)
{
    for (int n = TW_AN_BURST_MIN - 1; n <= TW_AN_BURST_MIN; n++) {
        g_autoptr(TwAnalysis) a = tw_analysis_new();
        for (int i = 0; i < n; i++) {
            g_autofree char *ev = nl(i + 1, i * 100, "10.0.0.67", "10.0.0.1", 15, "request", "\"sealed\":true");
            const char *l[] = { ev, NULL };
            feed_lines(a, l, NULL);
        }
        g_autoptr(GPtrArray) fs = findings_of(a, "ip:10.0.0.1");
        g_assert_nonnull(fs);
        if (n < TW_AN_BURST_MIN)
            g_assert_null(finding_named(fs, "zerologon"));
        else
            g_assert_cmpstr(finding_named(fs, "zerologon")->confidence, ==, "low");
    }
}

/* A denial followed by a success: recovered; the other order: broken. */
static void test_recovery_order(void)
{
    for (int order = 0; order < 2; order++) {
        g_autoptr(TwAnalysis) a = tw_analysis_new();
        g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
        const char *first = order == 0 ? "0xc0000022" : "0x00000000";
        const char *second = order == 0 ? "0x00000000" : "0xc0000022";
        g_autofree char *st1 = g_strdup_printf("\"nt_status\":\"%s\",\"reply_to\":1", first);
        g_autofree char *st2 = g_strdup_printf("\"nt_status\":\"%s\",\"reply_to\":3", second);
        g_ptr_array_add(owned, nl(1, 0, "10.0.0.22", "10.0.0.1", 26, "request", "\"account\":\"PC22$\",\"client_credential\":\"1122334455667788\""));
        g_ptr_array_add(owned, nl(2, 1, "10.0.0.1", "10.0.0.22", 26, "response", st1));
        g_ptr_array_add(owned, nl(3, 2, "10.0.0.22", "10.0.0.1", 26, "request", "\"account\":\"PC22$\",\"client_credential\":\"8877665544332211\""));
        g_ptr_array_add(owned, nl(4, 3, "10.0.0.1", "10.0.0.22", 26, "response", st2));
        g_ptr_array_add(owned, NULL);
        feed_lines(a, (const char *const *)owned->pdata, NULL);
        g_autoptr(GPtrArray) fs = findings_of(a, "PC22$");
        g_assert_cmpstr(verdict_of(fs), ==, "stale-password");
        g_assert_cmpint(tw_findings_state(fs), ==, order == 0 ? TW_STATE_RECOVERED : TW_STATE_BROKEN);
    }
}

/* KRB_AP_ERR_MODIFIED from the service accuses the service, not the client. */
static void test_server_key_mismatch_accuses_server(void)
{
    static const char *const l[] = {
        KRB(1, 00, "10.0.0.50", 5000, "10.0.0.20", 445, "\"msg_type\":14,\"sname\":\"cifs/fs1.lab.example\""),
        KRB(2, 00, "10.0.0.20", 445, "10.0.0.50", 5000, "\"msg_type\":30,\"error_code\":41,\"reply_to\":1"),
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, l, NULL);
    g_autoptr(GPtrArray) fs = findings_of(a, "FS1$");
    g_assert_cmpstr(verdict_of(fs), ==, "server-key-mismatch");
    g_assert_null(g_hash_table_lookup(a->machines, "ip:10.0.0.50"));
}

/* Two IP addresses with the same MAC are one machine (DHCP), not a clone;
 * two MACs, one succeeding and one refused at the same time, are a clone. */
static void test_duplicate_identity(void)
{
    for (int clone = 0; clone < 2; clone++) {
        const char *mac2 = clone ? "52:54:00:00:00:bb" : "52:54:00:00:00:aa";
        g_autofree char *l1 = g_strdup_printf(
            "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.61\",\"sport\":5000,"
            "\"dst\":\"10.0.0.1\",\"dport\":88,\"src_mac\":\"52:54:00:00:00:aa\",\"dst_mac\":\"52:54:00:00:00:01\","
            "\"msg_type\":10,\"cname\":\"WS60$\"}");
        g_autofree char *l2 = g_strdup_printf(
            "{\"frame\":2,\"ts\":\"2026-03-02T09:00:01Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
            "\"dst\":\"10.0.0.61\",\"dport\":5000,\"msg_type\":11,\"cname\":\"WS60$\"}");
        g_autofree char *l3 = g_strdup_printf(
            "{\"frame\":3,\"ts\":\"2026-03-02T09:00:02Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.62\",\"sport\":5001,"
            "\"dst\":\"10.0.0.1\",\"dport\":88,\"src_mac\":\"%s\",\"dst_mac\":\"52:54:00:00:00:01\",\"msg_type\":10,"
            "\"cname\":\"WS60$\"}", mac2);
        g_autofree char *l4 = g_strdup_printf(
            "{\"frame\":4,\"ts\":\"2026-03-02T09:00:03Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
            "\"dst\":\"10.0.0.62\",\"dport\":5001,\"msg_type\":30,\"error_code\":24,\"reply_to\":3}");
        g_autofree char *l5 = g_strdup_printf(
            "{\"frame\":5,\"ts\":\"2026-03-02T09:00:04Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.61\",\"sport\":5002,"
            "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS60$\"}");
        g_autofree char *l6 = g_strdup_printf(
            "{\"frame\":6,\"ts\":\"2026-03-02T09:00:05Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
            "\"dst\":\"10.0.0.61\",\"dport\":5002,\"msg_type\":11,\"cname\":\"WS60$\"}");
        const char *l[] = { l1, l2, l3, l4, l5, l6, NULL };
        g_autoptr(TwAnalysis) a = tw_analysis_new();
        feed_lines(a, l, NULL);
        g_autoptr(GPtrArray) fs = findings_of(a, "WS60$");
        if (clone)
            g_assert_cmpstr(verdict_of(fs), ==, "duplicate-identity");
        else
            g_assert_null(finding_named(fs, "duplicate-identity"));
    }
}

/* A KRB-ERROR finds the TGS-REQ it answers by its source and reply_to, not
 * by arrival order: requests answered out of order, and two sources with
 * the same frame numbers, each get their own request's S4U2Self user. */
static void test_tgs_errors_find_their_request(void)
{
#define S4U(frame, port, user)                                                                                  \
    KRB(frame, 00, "10.0.0.50", port, "10.0.0.1", 88,                                                          \
        "\"msg_type\":12,\"cname\":\"WS9$\",\"sname\":\"WS9$\",\"for_user\":\"" user "\"")
#define ERR(frame, port, req)                                                                                   \
    KRB(frame, 01, "10.0.0.1", 88, "10.0.0.50", port, "\"msg_type\":30,\"error_code\":6,\"reply_to\":" #req)
    static const char *const a_req[] = { S4U(1, 5001, "u1"), S4U(2, 5002, "u2"), NULL };
    static const char *const b_req[] = { S4U(1, 5003, "u3"), NULL };
    static const char *const b_err[] = { ERR(3, 5003, 1), NULL };
    static const char *const a_err[] = { ERR(3, 5002, 2), ERR(4, 5001, 1), NULL };
#undef S4U
#undef ERR
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, a_req, "sensor-a");
    feed_lines(a, b_req, "sensor-b");
    feed_lines(a, b_err, "sensor-b");
    feed_lines(a, a_err, "sensor-a");
    const GPtrArray *f = a->tickets->tgs_failures;
    g_assert_cmpuint(f->len, ==, 3);
    static const char *const users[] = { "u3", "u2", "u1" };
    for (guint i = 0; i < 3; i++)
        g_assert_cmpstr(((const TwTgsFailure *)g_ptr_array_index(f, i))->for_user, ==, users[i]);
}

/* The clear kvno's evidence says the number and where it was read (kvno.c
 * writes the number without printf: 0, one digit and several digits). */
static void test_kvno_evidence_text(void)
{
    static const char *const l[] = {
        KRB(1, 00, "10.0.0.11", 5000, "10.0.0.1", 88, "\"msg_type\":10,\"cname\":\"WS1$\""),
        KRB(2, 00, "10.0.0.1", 88, "10.0.0.11", 5000, "\"msg_type\":11,\"cname\":\"WS1$\",\"enc_kvno\":7"),
        KRB(3, 01, "10.0.0.1", 88, "10.0.0.12", 5001,
            "\"msg_type\":13,\"msg\":\"TGS-REP\",\"cname\":\"WS2$\",\"ticket_sname\":\"host/ws1.lab.example\",\"ticket_kvno\":1234567890"),
        KRB(4, 02, "10.0.0.1", 88, "10.0.0.11", 5002, "\"msg_type\":11,\"cname\":\"WS1$\",\"enc_kvno\":10"),
        NULL,
    };
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, l, NULL);
    TwMachine *m = g_hash_table_lookup(a->machines, "WS1$");
    g_assert_nonnull(m);
    const GPtrArray *ev = m->facts[TW_F_KVNO].ev;
    g_assert_cmpuint(ev->len, ==, 3);
    g_assert_cmpstr(((const TwEvidence *)g_ptr_array_index(ev, 0))->detail, ==, "kvno 7 (AS-REP enc-part, its own key)");
    g_assert_cmpstr(((const TwEvidence *)g_ptr_array_index(ev, 1))->detail, ==,
                    "kvno 1234567890 (ticket for host/ws1.lab.example)");
    g_assert_cmpstr(((const TwEvidence *)g_ptr_array_index(ev, 2))->detail, ==, "kvno 10 (AS-REP enc-part, its own key)");
    g_assert_cmpuint(m->facts[TW_F_KVNO_MOVED].count, ==, 1);
    g_assert_cmpuint(m->facts[TW_F_KVNO_BACKWARDS].count, ==, 1);
    /* the change's evidence: both numbers, in order, and the message's own place */
    const TwEvidence *moved = g_ptr_array_index(m->facts[TW_F_KVNO_MOVED].ev, 0);
    g_assert_cmpstr(moved->detail, ==, "kvno 7 → 1234567890 (ticket for host/ws1.lab.example)");
    g_assert_cmpuint(moved->frame, ==, 3);
    g_assert_cmpstr(moved->src, ==, "10.0.0.1");
    g_assert_cmpstr(moved->dst, ==, "10.0.0.12");
    g_assert_cmpstr(moved->msg, ==, "TGS-REP");
    const TwEvidence *back = g_ptr_array_index(m->facts[TW_F_KVNO_BACKWARDS].ev, 0);
    g_assert_cmpstr(back->detail, ==, "kvno 1234567890 → 10 (AS-REP enc-part, its own key)");
    g_assert_cmpstr(back->src, ==, "10.0.0.1");
    g_assert_cmpstr(back->dst, ==, "10.0.0.11");
    g_assert_true(back->value == 10.0);
}

/* analysis/fields.h reads a field only with the type asked for, as
 * tw_event_get_*() do: a hand-written saved event's "msg_type":"AS-REQ" is
 * no number, and a key in a reused buffer finds its own field (the _dyn
 * forms; the literal forms keep each call site's key). */
static void test_fields_typed(void)
{
    g_autoptr(GError) err = NULL;
    TwEvent *ev = tw_event_from_json("{\"frame\":1,\"proto\":\"kerberos\",\"msg_type\":\"AS-REQ\",\"error_code\":25,"
                                     "\"kpasswd\":true,\"cname\":\"WS1$\"}",
                                     -1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(an_int(ev, "msg_type", -7), ==, -7);
    g_assert_cmpstr(an_str(ev, "msg_type"), ==, "AS-REQ");
    g_assert_cmpint(an_int(ev, "error_code", -1), ==, 25);
    g_assert_null(an_str(ev, "error_code"));
    g_assert_false(an_bool(ev, "error_code", false));
    g_assert_true(an_bool(ev, "kpasswd", false));
    g_assert_cmpint(an_int(ev, "kpasswd", 3), ==, 3);
    g_assert_true(an_has(ev, "cname"));
    g_assert_false(an_has(ev, "sname"));
    char buf[16];
    g_strlcpy(buf, "cname", sizeof buf);
    g_assert_cmpstr(an_str_dyn(ev, buf), ==, "WS1$");
    g_assert_true(an_get_dyn(ev, buf) == an_get(ev, "cname"));
    g_strlcpy(buf, "error_code", sizeof buf);
    g_assert_cmpint(an_int_dyn(ev, buf, -1), ==, 25);
    g_assert_null(an_str_dyn(ev, buf));
    g_strlcpy(buf, "kpasswd", sizeof buf);
    g_assert_true(an_bool_dyn(ev, buf, false));
    /* one call site, read for two events: the key it keeps is the same key */
    TwEvent *ev2 = tw_event_from_json("{\"frame\":2,\"proto\":\"kerberos\",\"cname\":\"WS2$\"}", -1, &err);
    g_assert_no_error(err);
    const TwEvent *both[] = { ev, ev2 };
    const char *want[] = { "WS1$", "WS2$" };
    for (int i = 0; i < 2; i++)
        g_assert_cmpstr(an_str(both[i], "cname"), ==, want[i]);
    tw_event_free(ev2);
    tw_event_free(ev);
}

/* analysis/strhash.h: equal strings hash alike wherever they are; every
 * byte counts, the last 0-7 past a multiple of eight too, and the length
 * (addresses that differ in one digit spread over the table). */
static void test_str_hash(void)
{
    char buf[32];
    g_strlcpy(buf, "10.0.0.1", sizeof buf);
    g_assert_cmpuint(tw_an_str_hash(buf), ==, tw_an_str_hash("10.0.0.1"));
    g_assert_cmpuint(tw_an_str_hash("abcdefgh1"), !=, tw_an_str_hash("abcdefgh2"));
    g_assert_cmpuint(tw_an_str_hash("abcdefgh"), !=, tw_an_str_hash("abcdefgi"));
    g_assert_cmpuint(tw_an_str_hash("a"), !=, tw_an_str_hash("b"));
    g_assert_cmpuint(tw_an_str_hash(""), !=, tw_an_str_hash("a"));
    g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (int i = 0; i < 1000; i++) {
        g_snprintf(buf, sizeof buf, "10.0.%d.%d", i / 250, i % 250);
        g_hash_table_add(seen, GUINT_TO_POINTER(tw_an_str_hash(buf)));
    }
    g_assert_cmpuint(g_hash_table_size(seen), >=, 995);
}

static void add_clock(TwMachine *m, gint64 ts_s, double offset_s, guint64 frame)
{
    TwClockSample s = { 0 };
    s.offset_s = offset_s;
    s.kind = TW_CLK_KRB_STIME;
    s.frame = frame;
    s.ts_us = (1700000000 + ts_s) * G_USEC_PER_SEC;
    g_array_append_val(m->clock, s);
}

/* tw_clock_dc_steps: the first DC in machine order whose clock stepped (a
 * member's steps are not a DC's), kept while the input does not change and
 * asked again after more events. */
static void test_dc_steps(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    TwMachine *ws = tw_identity_get(a, "WS1$"), *dc1 = tw_identity_get(a, "DC1$"), *dc2 = tw_identity_get(a, "DC2$");
    ws->role = TW_ROLE_MEMBER;
    dc1->role = dc2->role = TW_ROLE_DC;
    add_clock(ws, 0, 0, 1);
    add_clock(ws, 60, 3600, 2);
    add_clock(dc1, 0, 1, 3);
    add_clock(dc1, 60, 1, 4);
    add_clock(dc2, 0, 0, 5);
    add_clock(dc2, 60, -7200, 6);
    a->events = 10;
    g_autofree char *want2 = tw_clock_describe_steps(dc2);
    g_assert_nonnull(want2);
    g_assert_cmpstr(tw_clock_dc_steps(a), ==, want2);
    g_assert_true(tw_clock_dc_steps(a) == tw_clock_dc_steps(a)); /* kept */
    add_clock(dc1, 120, 1000, 7);
    a->events = 11; /* more input: asked again */
    g_autofree char *want1 = tw_clock_describe_steps(dc1);
    g_assert_nonnull(want1);
    g_assert_cmpstr(tw_clock_dc_steps(a), ==, want1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rules/table", test_table);
    g_test_add_func("/rules/preauth-required-is-healthy", test_preauth_required_is_healthy);
    g_test_add_func("/rules/user-failure-is-not-a-machine", test_user_failure_is_not_a_machine);
    g_test_add_func("/rules/skew-is-not-stale-password", test_skew_is_not_stale_password);
    g_test_add_func("/rules/skew-warning-threshold", test_skew_warning_threshold);
    g_test_add_func("/rules/rotation-vs-zerologon", test_rotation_vs_zerologon);
    g_test_add_func("/rules/sealed-burst-threshold", test_sealed_burst_threshold);
    g_test_add_func("/rules/recovery-order", test_recovery_order);
    g_test_add_func("/rules/server-key-mismatch-accuses-server", test_server_key_mismatch_accuses_server);
    g_test_add_func("/rules/duplicate-identity", test_duplicate_identity);
    g_test_add_func("/rules/tgs-errors-find-their-request", test_tgs_errors_find_their_request);
    g_test_add_func("/rules/kvno-evidence-text", test_kvno_evidence_text);
    g_test_add_func("/rules/fields-typed", test_fields_typed);
    g_test_add_func("/rules/str-hash", test_str_hash);
    g_test_add_func("/rules/dc-steps", test_dc_steps);
    return g_test_run();
}
