/* test-report.c — the report (text and JSON) and events read back from NDJSON. */
#include "analysis-test-util.h"

#include "output/wrap.h"

#include <json-glib/json-glib.h>

static const char *const stale[] = {
    "{\"frame\":1,\"ts\":\"2026-03-02T09:00:00Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.11\",\"sport\":5000,"
    "\"dst\":\"10.0.0.1\",\"dport\":88,\"src_mac\":\"52:54:00:00:00:11\",\"dst_mac\":\"52:54:00:00:00:01\","
    "\"msg_type\":10,\"cname\":\"WS1$\"}",
    "{\"frame\":2,\"ts\":\"2026-03-02T09:00:01Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
    "\"dst\":\"10.0.0.11\",\"dport\":5000,\"msg_type\":30,\"error_code\":24,\"error_name\":\"KDC_ERR_PREAUTH_FAILED\","
    "\"reply_to\":1}",
    "{\"frame\":3,\"ts\":\"2026-03-02T09:00:02Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.12\",\"sport\":5001,"
    "\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS2$\"}",
    "{\"frame\":4,\"ts\":\"2026-03-02T09:00:03Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\",\"sport\":88,"
    "\"dst\":\"10.0.0.12\",\"dport\":5001,\"msg_type\":11,\"cname\":\"WS2$\",\"reply_to\":3}",
    NULL,
};

static JsonObject *machine_by_account(JsonArray *machines, const char *account)
{
    for (guint i = 0; i < json_array_get_length(machines); i++) {
        JsonObject *m = json_array_get_object_element(machines, i);
        JsonNode *acc = json_object_get_member(m, "account");
        if (acc && !JSON_NODE_HOLDS_NULL(acc) && g_strcmp0(json_node_get_string(acc), account) == 0)
            return m;
    }
    return NULL;
}

static void test_json_schema(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, stale, "sensor1");
    int status = -1;
    g_autofree char *out = render(a, TW_REPORT_JSON, false, &status);
    g_assert_cmpint(status, ==, 1);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    g_assert_cmpint(json_object_get_int_member(root, "exit_status"), ==, 1);
    JsonArray *machines = json_object_get_array_member(root, "machines");
    g_assert_nonnull(machines);
    /* worst first */
    JsonObject *first = json_array_get_object_element(machines, 0);
    g_assert_cmpstr(json_object_get_string_member(first, "account"), ==, "WS1$");
    JsonObject *ws1 = machine_by_account(machines, "WS1$");
    g_assert_cmpstr(json_object_get_string_member(ws1, "verdict"), ==, "stale-password");
    g_assert_cmpstr(json_object_get_string_member(ws1, "state"), ==, "broken");
    JsonArray *addrs = json_object_get_array_member(ws1, "addresses");
    g_assert_cmpuint(json_array_get_length(addrs), ==, 1);
    g_assert_cmpstr(json_array_get_string_element(addrs, 0), ==, "10.0.0.11");
    JsonArray *macs = json_object_get_array_member(ws1, "macs");
    g_assert_cmpstr(json_array_get_string_element(macs, 0), ==, "52:54:00:00:00:11");
    g_assert_true(json_object_has_member(ws1, "clock_offset_s"));
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(ws1, "clock_offset_s")));
    JsonArray *causes = json_object_get_array_member(ws1, "causes");
    g_assert_cmpstr(json_array_get_string_element(causes, 0), ==, "stale-password");
    JsonArray *ev = json_object_get_array_member(ws1, "evidence");
    g_assert_cmpuint(json_array_get_length(ev), ==, 1);
    JsonObject *e0 = json_array_get_object_element(ev, 0);
    g_assert_cmpint(json_object_get_int_member(e0, "frame"), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(e0, "source"), ==, "sensor1");
    g_assert_cmpstr(json_object_get_string_member(e0, "error"), ==, "KDC_ERR_PREAUTH_FAILED (24)");
    g_assert_true(json_object_has_member(e0, "msg"));
    g_assert_nonnull(strstr(json_object_get_string_member(ws1, "fix"), "Test-ComputerSecureChannel"));
    JsonObject *ws2 = machine_by_account(machines, "WS2$");
    g_assert_cmpstr(json_object_get_string_member(ws2, "verdict"), ==, "healthy");
}

static void test_exit_zero_when_healthy(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    const char *const l[] = { stale[2], stale[3], NULL };
    feed_lines(a, l, NULL);
    int status = -1;
    g_autofree char *out = render(a, TW_REPORT_TEXT, false, &status);
    g_assert_cmpint(status, ==, 0);
    g_assert_nonnull(strstr(out, "No machine has lost its trust."));
    g_assert_nonnull(strstr(out, "Healthy (2): "));
}

static void test_colour(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, stale, NULL);
    g_autofree char *plain = render(a, TW_REPORT_TEXT, false, NULL);
    g_autofree char *colour = render(a, TW_REPORT_TEXT, true, NULL);
    g_assert_null(strchr(plain, '\033'));
    g_assert_nonnull(strstr(colour, "\033[1;31mBROKEN"));
    g_assert_nonnull(strstr(plain, "BROKEN    WS1$ — stale-password"));
    g_assert_nonnull(strstr(plain, "frame 2"));
}

/* Spray: 4 distinct users failing pre-auth from one address are not a spray, 5 are. */
static void test_spray_threshold(void)
{
    for (int n = TW_AN_SPRAY_MIN_USERS - 1; n <= TW_AN_SPRAY_MIN_USERS; n++) {
        g_autoptr(TwAnalysis) a = tw_analysis_new();
        for (int i = 0; i < n; i++) {
            g_autofree char *req = g_strdup_printf(
                "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.0.0.99\","
                "\"sport\":%d,\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"user%d\"}",
                2 * i + 1, i, 6000 + i, i);
            g_autofree char *err = g_strdup_printf(
                "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\","
                "\"sport\":88,\"dst\":\"10.0.0.99\",\"dport\":%d,\"msg_type\":30,\"error_code\":24,"
                "\"error_name\":\"KDC_ERR_PREAUTH_FAILED\",\"reply_to\":%d}",
                2 * i + 2, i, 6000 + i, 2 * i + 1);
            const char *l[] = { req, err, NULL };
            feed_lines(a, l, NULL);
        }
        int status = -1;
        g_autofree char *out = render(a, TW_REPORT_JSON, false, &status);
        g_assert_cmpint(status, ==, 0);
        g_autoptr(JsonParser) p = json_parser_new();
        g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
        JsonObject *root = json_node_get_object(json_parser_get_root(p));
        JsonArray *sprays = json_object_get_array_member(root, "password_sprays");
        g_assert_cmpuint(json_array_get_length(sprays), ==, n >= TW_AN_SPRAY_MIN_USERS ? 1 : 0);
        g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "users")), ==, (guint)n);
    }
}

/* tw_event_to_json → tw_event_from_json → tw_event_to_json is the identity. */
static void test_event_round_trip(void)
{
    TwPacketInfo pi = { .frame = 42, .ts_us = 1772442000123456, .transport = "tcp", .sport = 88, .dport = 50001,
                        .has_mac = true, .src_mac = { 2, 0x77, 0, 0, 0, 10 }, .dst_mac = { 2, 0x77, 0, 0, 0, 21 } };
    g_strlcpy(pi.src, "10.77.0.10", sizeof pi.src);
    g_strlcpy(pi.dst, "fe80::1", sizeof pi.dst);
    g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
    tw_event_set_int(ev, "msg_type", 30);
    tw_event_set_str(ev, "msg", "KRB-ERROR");
    tw_event_set_str(ev, "e_text", "quote \" backslash \\ newline \n é");
    tw_event_set_bool(ev, "kpasswd", TRUE);
    tw_event_set_time(ev, "stime", 1772442000000000);
    tw_event_append_int(ev, "etypes", 18);
    tw_event_append_int(ev, "etypes", -1);
    GPtrArray *sl = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(sl, g_strdup("a"));
    g_ptr_array_add(sl, g_strdup("b"));
    tw_event_take_strlist(ev, "names", sl);
    g_autoptr(GString) j1 = g_string_new(NULL);
    tw_event_to_json(ev, j1);
    g_autoptr(GError) err = NULL;
    g_autoptr(TwEvent) back = tw_event_from_json(j1->str, (gssize)j1->len, &err);
    g_assert_no_error(err);
    g_autoptr(GString) j2 = g_string_new(NULL);
    tw_event_to_json(back, j2);
    g_assert_cmpstr(j1->str, ==, j2->str);

    /* Every truncation: an error or an event, never a crash. */
    for (gsize k = 0; k < j1->len; k++) {
        g_autoptr(GError) e2 = NULL;
        TwEvent *t = tw_event_from_json(j1->str, (gssize)k, &e2);
        g_assert_true((t == NULL) == (e2 != NULL));
        tw_event_free(t);
    }
}

static void test_event_from_json_rejects(void)
{
    static const char *const bad[] = { "", "[]", "42", "{}", "{\"frame\":1}", "{\"proto\":3}", "not json", NULL };
    for (const char *const *b = bad; *b; b++) {
        g_autoptr(GError) err = NULL;
        TwEvent *ev = tw_event_from_json(*b, -1, &err);
        g_assert_null(ev);
        g_assert_nonnull(err);
    }
    /* Out-of-range ports and odd types are tolerated, not trusted. */
    g_autoptr(GError) err = NULL;
    g_autoptr(TwEvent) ev = tw_event_from_json(
        "{\"proto\":\"smb2\",\"sport\":70000,\"dport\":-1,\"frame\":-5,\"x\":1.5,\"y\":null,\"z\":{\"a\":1}}", -1,
        &err);
    g_assert_no_error(err);
    g_assert_cmpuint(ev->sport, ==, 0);
    g_assert_cmpuint(ev->dport, ==, 0);
    g_assert_cmpuint(ev->frame, ==, 0);
    g_assert_cmpstr(tw_event_get_str(ev, "x"), ==, "1.5");
    g_assert_false(tw_event_has(ev, "y"));
    g_assert_cmpstr(tw_event_get_str(ev, "z"), ==, "{\"a\":1}");
}

static void finding_line(const TwAnalysis *a, const TwMachine *m, const TwFinding *f, void *user)
{
    tw_report_finding_line(m, f, false, user);
}

/* Live mode: each finding is announced once, when it is established. */
static void test_announce_once(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    g_autoptr(GString) out = g_string_new(NULL);
    guint n = 0;
    for (const char *const *l = stale; *l; l++) {
        const char *one[] = { *l, NULL };
        feed_lines(a, one, NULL);
        n += tw_analysis_established(a, finding_line, out);
    }
    g_assert_cmpuint(n, ==, 1);
    g_assert_nonnull(strstr(out->str, "BROKEN WS1$ stale-password"));
    g_assert_nonnull(strstr(out->str, "(frame 2)"));
    /* the same failure again: nothing new to say */
    feed_lines(a, stale, NULL);
    g_string_truncate(out, 0);
    g_assert_cmpuint(tw_analysis_established(a, finding_line, out), ==, 0);
}

/* 1,300 rejected AS-REQs: the engine keeps the first and last few, the
 * report shows six and says how many more there were, with thousands
 * grouped; JSON carries the same number. */
static void test_evidence_more(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    const guint n = 1300;
    TwPacketInfo pi = { .transport = "udp" };
    for (guint i = 0; i < n; i++) {
        pi.frame = 2 * i + 1;
        pi.ts_us = 1772442000000000 + (gint64)i * G_USEC_PER_SEC;
        g_strlcpy(pi.src, "10.0.0.11", sizeof pi.src);
        g_strlcpy(pi.dst, "10.0.0.1", sizeof pi.dst);
        pi.sport = 50000;
        pi.dport = 88;
        g_autoptr(TwEvent) req = tw_event_new(&pi, "kerberos");
        tw_event_set_int(req, "msg_type", 10);
        tw_event_set_str(req, "cname", "WS1$");
        tw_analysis_feed(a, req, NULL);
        pi.frame = 2 * i + 2;
        g_strlcpy(pi.src, "10.0.0.1", sizeof pi.src);
        g_strlcpy(pi.dst, "10.0.0.11", sizeof pi.dst);
        pi.sport = 88;
        pi.dport = 50000;
        g_autoptr(TwEvent) err = tw_event_new(&pi, "kerberos");
        tw_event_set_int(err, "msg_type", 30);
        tw_event_set_int(err, "error_code", 24);
        tw_event_set_int(err, "reply_to", 2 * i + 1);
        tw_analysis_feed(a, err, NULL);
    }
    TwMachine *m = g_hash_table_lookup(a->machines, "WS1$");
    g_assert_nonnull(m);
    g_assert_cmpuint(m->facts[TW_F_KRB_KEY_FAIL].count, ==, n);
    g_assert_cmpuint(m->facts[TW_F_KRB_KEY_FAIL].ev->len, ==, TW_AN_EVIDENCE_HEAD + TW_AN_EVIDENCE_TAIL);

    int status = -1;
    g_autofree char *text = render(a, TW_REPORT_TEXT, false, &status);
    g_assert_cmpint(status, ==, 1);
    g_autofree char *json = render(a, TW_REPORT_JSON, false, &status);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    JsonObject *ws1 = machine_by_account(json_object_get_array_member(root, "machines"), "WS1$");
    g_assert_nonnull(ws1);
    g_assert_cmpstr(json_object_get_string_member(ws1, "verdict"), ==, "stale-password");
    guint shown = json_array_get_length(json_object_get_array_member(ws1, "evidence"));
    gint64 more = json_object_get_int_member(ws1, "evidence_more");
    g_assert_cmpuint(shown, >, 0);
    g_assert_cmpint(more, ==, (gint64)n - (gint64)shown);
    /* the first and the last rejection are among those shown */
    JsonArray *ev = json_object_get_array_member(ws1, "evidence");
    g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(ev, 0), "frame"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(ev, shown - 1), "frame"), ==, 2 * n);
    g_autofree char *line = g_strdup_printf("… and %u,%03u more\n", (guint)more / 1000, (guint)more % 1000);
    g_assert_nonnull(strstr(text, line));
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(root, "capture"), "machines_refused"), ==, 0);
}

/* ---- width and folding (docs/report.md "Width and folding") ---- */

static gsize widest_line(const char *text)
{
    gsize w = 0;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        w = MAX(w, tw_wrap_display_width(*l));
    return w;
}

static void test_wrap_rules(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    /* colour sequences take no column; UTF-8 characters one */
    g_assert_cmpuint(tw_wrap_display_width("\033[1;31mBROKEN\033[0m →"), ==, 8);
    tw_wrap(out, 40, "  ", "    ",
            "alpha beta 10.0.0.1 → 10.0.0.2 gamma kerberos.error_code == 24 && ip.addr == 10.77.0.22 "
            "&& ip.addr == 10.77.0.10 frame 105, `nltest /sc_verify:LAB` done");
    g_assert_cmpuint(widest_line(out->str), <=, 40);
    /* never split next to an arrow or inside a filter clause, nor before a count */
    g_assert_nonnull(strstr(out->str, "10.0.0.1 → 10.0.0.2"));
    g_assert_nonnull(strstr(out->str, "ip.addr == 10.77.0.22"));
    g_assert_nonnull(strstr(out->str, "kerberos.error_code == 24"));
    g_assert_nonnull(strstr(out->str, "frame 105,"));
    /* a command that fits on a line stays on one; a filter breaks before && */
    g_assert_nonnull(strstr(out->str, "\n    `nltest /sc_verify:LAB` done"));
    g_assert_nonnull(strstr(out->str, "\n    && ip.addr"));
    g_assert_true(g_str_has_suffix(out->str, "\n"));
    g_assert_null(strstr(out->str, " \n")); /* no trailing spaces */
    /* a command wider than a line goes word by word, within the width */
    g_string_truncate(out, 0);
    tw_wrap(out, 40, "", "  ", "run `a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6` now");
    g_assert_cmpuint(widest_line(out->str), <=, 40);
    /* a word wider than the line is put on a line of its own */
    g_string_truncate(out, 0);
    tw_wrap(out, 40, "", "  ", "x abcdefghijabcdefghijabcdefghijabcdefghijabcdef y");
    g_assert_cmpstr(out->str, ==, "x\n  abcdefghijabcdefghijabcdefghijabcdefghijabcdef\n  y\n");
    /* where the line breaks: colour takes no column; a count with its
     * punctuation goes with the word it counts */
    g_string_truncate(out, 0);
    tw_wrap(out, 20, "", "", "\033[1;31mBROKEN\033[0m aaaa bbbb cccc dddd");
    g_assert_cmpstr(out->str, ==, "\033[1;31mBROKEN\033[0m aaaa bbbb\ncccc dddd\n");
    g_string_truncate(out, 0);
    tw_wrap(out, 12, "", "", "aaaa frame 105, x");
    g_assert_cmpstr(out->str, ==, "aaaa\nframe 105, x\n");
    g_string_truncate(out, 0);
    tw_wrap(out, 12, "", "", "aaaa frames 3) x");
    g_assert_cmpstr(out->str, ==, "aaaa\nframes 3) x\n");
    g_string_truncate(out, 0);
    tw_wrap(out, 13, "", "", "aaaa frame 1,234 x");
    g_assert_cmpstr(out->str, ==, "aaaa\nframe 1,234 x\n");
}

static void test_width_columns(void)
{
    g_autofree char *old = g_strdup(g_getenv("COLUMNS"));
    FILE *f = tmpfile();
    g_assert_nonnull(f);
    g_unsetenv("COLUMNS");
    g_assert_cmpuint(tw_wrap_width_for(f), ==, TW_WRAP_DEFAULT); /* not a terminal */
    g_setenv("COLUMNS", "132", TRUE);
    g_assert_cmpuint(tw_wrap_width_for(f), ==, 132);
    g_setenv("COLUMNS", "12", TRUE);
    g_assert_cmpuint(tw_wrap_width_for(f), ==, TW_WRAP_MIN);
    g_setenv("COLUMNS", "80x", TRUE);
    g_assert_cmpuint(tw_wrap_width_for(f), ==, TW_WRAP_DEFAULT);
    g_setenv("COLUMNS", "-5", TRUE);
    g_assert_cmpuint(tw_wrap_width_for(f), ==, TW_WRAP_DEFAULT);
    fclose(f);
    /* the whole report at 60 columns */
    g_setenv("COLUMNS", "60", TRUE);
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    feed_lines(a, stale, NULL);
    g_autofree char *text = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_cmpuint(widest_line(text), <=, 60);
    g_assert_nonnull(strstr(text, "BROKEN    WS1$"));
    if (old)
        g_setenv("COLUMNS", old, TRUE);
    else
        g_unsetenv("COLUMNS");
}

/* Five refusals of one machine's key by one DC: one folded evidence line in
 * the text, five evidence objects in the JSON. */
static void test_fold_repeated_evidence(void)
{
    g_autoptr(TwAnalysis) a = tw_analysis_new();
    for (int i = 0; i < 5; i++) {
        g_autofree char *req = g_strdup_printf(
            "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.0.0.11\","
            "\"sport\":%d,\"dst\":\"10.0.0.1\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS1$\"}",
            10 * i + 12, 2 * i, 5000 + i);
        g_autofree char *err = g_strdup_printf(
            "{\"frame\":%d,\"ts\":\"2026-03-02T09:00:%02dZ\",\"proto\":\"kerberos\",\"src\":\"10.0.0.1\","
            "\"sport\":88,\"dst\":\"10.0.0.11\",\"dport\":%d,\"msg_type\":30,\"error_code\":24,\"reply_to\":%d}",
            10 * i + 13, 2 * i + 1, 5000 + i, 10 * i + 12);
        const char *lines[] = { req, err, NULL };
        feed_lines(a, lines, NULL);
    }
    g_autofree char *text = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_nonnull(strstr(text, "×5, frames 13–53  09:00:01–09:00:09  10.0.0.1 → 10.0.0.11"));
    g_assert_null(strstr(text, "frame 23 ")); /* the middle ones are folded, not listed */
    /* one filter line for the run */
    const char *f1 = strstr(text, "filter: kerberos.error_code == 24");
    g_assert_nonnull(f1);
    g_assert_null(strstr(f1 + 1, "filter: kerberos.error_code == 24"));
    g_autofree char *json = render(a, TW_REPORT_JSON, false, NULL);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    JsonObject *m = machine_by_account(json_object_get_array_member(root, "machines"), "WS1$");
    g_assert_nonnull(m);
    JsonArray *ev = json_object_get_array_member(m, "evidence");
    g_assert_cmpuint(json_array_get_length(ev), ==, 5);
    for (guint i = 0; i < 5; i++)
        g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(ev, i), "frame"), ==, 10 * i + 13);
    /* a different error in the run breaks it */
    const char *other[] = {
        "{\"frame\":60,\"ts\":\"2026-03-02T09:00:20Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.11\",\"sport\":6000,"
        "\"dst\":\"10.0.0.2\",\"dport\":88,\"msg_type\":10,\"cname\":\"WS1$\"}",
        "{\"frame\":61,\"ts\":\"2026-03-02T09:00:21Z\",\"proto\":\"kerberos\",\"src\":\"10.0.0.2\",\"sport\":88,"
        "\"dst\":\"10.0.0.11\",\"dport\":6000,\"msg_type\":30,\"error_code\":24,\"reply_to\":60}",
        NULL,
    };
    feed_lines(a, other, NULL);
    g_autofree char *text2 = render(a, TW_REPORT_TEXT, false, NULL);
    g_assert_nonnull(strstr(text2, "frame 61 "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/report/json-schema", test_json_schema);
    g_test_add_func("/report/exit-zero-when-healthy", test_exit_zero_when_healthy);
    g_test_add_func("/report/colour", test_colour);
    g_test_add_func("/report/spray-threshold", test_spray_threshold);
    g_test_add_func("/report/event-round-trip", test_event_round_trip);
    g_test_add_func("/report/event-from-json-rejects", test_event_from_json_rejects);
    g_test_add_func("/report/announce-once", test_announce_once);
    g_test_add_func("/report/evidence-more", test_evidence_more);
    g_test_add_func("/report/wrap-rules", test_wrap_rules);
    g_test_add_func("/report/width-columns", test_width_columns);
    g_test_add_func("/report/fold-repeated-evidence", test_fold_repeated_evidence);
    return g_test_run();
}
