/* test-dfilter.c — the -Y grammar (cli/dfilter.c, docs/display-filter.md):
 * operators, precedence, strings and regular expressions, list fields,
 * absent fields, and the column of each syntax error. */
#include "cli/dfilter.h"

#include <string.h>

static TwEvent *krb_error(const char *cname, gint64 code)
{
    TwPacketInfo pi = { .frame = 7, .ts_us = 1700000000000000, .transport = "udp",
                        .src = "10.0.0.1", .dst = "10.0.0.2", .sport = 88, .dport = 50000 };
    TwEvent *ev = tw_event_new(&pi, g_intern_static_string("kerberos"));
    tw_event_set_str(ev, "msg", "KRB-ERROR");
    if (cname)
        tw_event_set_str(ev, "cname", cname);
    tw_event_set_int(ev, "error_code", code);
    tw_event_set_hex32(ev, "flags", 0x0000000c);
    tw_event_set_bool(ev, "malformed", FALSE);
    GArray *et = g_array_new(FALSE, FALSE, sizeof(gint64));
    gint64 v[] = { 18, 17, 23 };
    g_array_append_vals(et, v, 3);
    tw_event_take_intlist(ev, "etypes", et);
    GPtrArray *sl = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(sl, g_strdup("PA-ENC-TIMESTAMP"));
    g_ptr_array_add(sl, g_strdup("PA-PAC-REQUEST"));
    tw_event_take_strlist(ev, "padata", sl);
    return ev;
}

static bool m(const char *expr, const TwEvent *ev)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TwDfilter) df = tw_dfilter_compile(expr, NULL, &err);
    if (!df)
        g_error("'%s' should compile: %s", expr, err->message);
    return tw_dfilter_match(df, ev);
}

static void test_compare(void)
{
    g_autoptr(TwEvent) ev = krb_error("WS02$", 24);
    g_assert_true(m("proto == \"kerberos\" && error_code == 24", ev));
    g_assert_false(m("proto == \"kerberos\" && error_code == 25", ev));
    g_assert_true(m("error_code != 25", ev));
    g_assert_false(m("error_code != 24", ev));
    g_assert_true(m("error_code < 25", ev));
    g_assert_false(m("error_code < 24", ev));
    g_assert_true(m("error_code <= 24", ev));
    g_assert_false(m("error_code <= 23", ev));
    g_assert_true(m("error_code > 23", ev));
    g_assert_false(m("error_code > 24", ev));
    g_assert_true(m("error_code >= 24", ev));
    g_assert_false(m("error_code >= 25", ev));
    g_assert_true(m("error_code == 0x18", ev));
    g_assert_true(m("error_code > -1", ev));
    /* header fields */
    g_assert_true(m("frame == 7 && sport == 88 && dport == 50000", ev));
    g_assert_true(m("src == \"10.0.0.1\" and dst == \"10.0.0.2\" and transport == \"udp\"", ev));
    g_assert_false(m("frame > 7", ev));
    /* a hex-string field compares as a number too */
    g_assert_true(m("flags == 12", ev));
    g_assert_true(m("flags == \"0x0000000c\"", ev));
    /* bool */
    g_assert_true(m("malformed == false", ev));
    g_assert_false(m("malformed == true", ev));
    /* strings compare as bytes */
    g_assert_true(m("msg == \"KRB-ERROR\"", ev));
    g_assert_false(m("msg == \"krb-error\"", ev));
    g_assert_true(m("msg > \"AS-REQ\"", ev));
    /* a word against a number: neither equal nor unequal */
    g_assert_false(m("msg == 3", ev));
    g_assert_false(m("msg != 3", ev));
}

static void test_logic(void)
{
    g_autoptr(TwEvent) ev = krb_error("WS02$", 24);
    g_assert_true(m("error_code == 1 || error_code == 24", ev));
    g_assert_false(m("error_code == 1 || error_code == 2", ev));
    g_assert_true(m("!(error_code == 1)", ev));
    g_assert_false(m("not error_code == 24", ev));
    g_assert_false(m("!!(error_code == 1)", ev));
    /* && binds tighter than || */
    g_assert_true(m("error_code == 24 || error_code == 1 && proto == \"ntp\"", ev));
    g_assert_false(m("(error_code == 24 || error_code == 1) && proto == \"ntp\"", ev));
    g_assert_true(m("  ( ( cname ) )  ", ev));
}

static void test_presence(void)
{
    g_autoptr(TwEvent) with = krb_error("WS02$", 24);
    g_autoptr(TwEvent) without = krb_error(NULL, 6);
    g_assert_true(m("cname", with));
    g_assert_false(m("cname", without));
    g_assert_true(m("!cname", without));
    /* an absent field: every comparison is false, != too */
    g_assert_false(m("cname == \"x\"", without));
    g_assert_false(m("cname != \"x\"", without));
    g_assert_false(m("nosuch > 0", with));
}

static void test_regex_lists(void)
{
    g_autoptr(TwEvent) machine = krb_error("WS02$", 24);
    g_autoptr(TwEvent) user = krb_error("alice", 24);
    /* in the shell: -Y 'cname ~ "\\$$"' */
    g_assert_true(m("cname ~ \"\\\\$$\"", machine));
    g_assert_false(m("cname ~ \"\\\\$$\"", user));
    g_assert_true(m("cname ~ \"\\$$\"", machine)); /* \$ kept as written */
    g_assert_true(m("cname matches \"^WS\"", machine));
    g_assert_true(m("error_code ~ \"^2\"", machine));
    g_assert_true(m("msg == \"KRB\\\"\" || msg ~ \"ERR\"", machine));
    /* lists: any element */
    g_assert_true(m("etypes == 23", machine));
    g_assert_false(m("etypes == 3", machine));
    g_assert_true(m("etypes < 18", machine));
    g_assert_true(m("padata == \"PA-PAC-REQUEST\"", machine));
    g_assert_false(m("padata == \"PA-FX-COOKIE\"", machine));
}

static void expect_error(const char *expr, int column, const char *words)
{
    g_autoptr(GError) err = NULL;
    int col = -1;
    g_autoptr(TwDfilter) df = tw_dfilter_compile(expr, &col, &err);
    g_assert_null(df);
    g_assert_nonnull(err);
    if (col != column || !strstr(err->message, words))
        g_error("'%s': got column %d '%s', want column %d with '%s'", expr, col, err->message, column, words);
    g_autofree char *prefix = g_strdup_printf("column %d:", column);
    g_assert_true(g_str_has_prefix(err->message, prefix));
}

static void test_errors(void)
{
    expect_error("", 1, "field name");
    expect_error("proto ==", 9, "value");
    expect_error("proto == \"kerberos", 10, "not closed");
    expect_error("(proto == \"x\"", 14, "')'");
    expect_error("proto == \"x\")", 13, "matching '('");
    expect_error("proto == \"x\" & error_code == 1", 14, "'&&'");
    expect_error("proto == \"x\" error_code", 14, "end of the filter");
    expect_error("error_code == 24x", 15, "number");
    expect_error("cname ~ \"(\"", 9, "regular expression");
    expect_error("cname ~ 3", 9, "quotes");
    expect_error("== 3", 1, "field name");
    expect_error("a && || b", 6, "field name");
    expect_error("error_code == 99999999999999999999", 15, "range");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dfilter/compare", test_compare);
    g_test_add_func("/dfilter/logic", test_logic);
    g_test_add_func("/dfilter/presence", test_presence);
    g_test_add_func("/dfilter/regex-lists", test_regex_lists);
    g_test_add_func("/dfilter/errors", test_errors);
    return g_test_run();
}
