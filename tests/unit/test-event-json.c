/* test-event-json.c — the NDJSON reader (core/event-json.c): its caps, the
 * nesting pre-scan, the bounded line reader, and the round trip of every
 * field type. */
#include "core/event-json.h"

#include <string.h>

static TwEvent *parse(const char *line)
{
    g_autoptr(GError) err = NULL;
    TwEvent *ev = tw_event_from_json(line, -1, &err);
    g_assert_no_error(err);
    g_assert_nonnull(ev);
    return ev;
}

/* Every field type and header key writes back as the same text. */
static void test_round_trip(void)
{
    const char *line =
        "{\"schema\":2,\"frame\":42,\"ts\":\"2026-03-02T10:00:00.123456Z\",\"proto\":\"kerberos\","
        "\"src\":\"10.0.0.22\",\"sport\":50001,\"dst\":\"fe80::1\",\"dport\":88,\"transport\":\"tcp\",\"ip_proto\":6,"
        "\"src_mac\":\"52:54:00:cc:00:70\",\"dst_mac\":\"52:54:00:00:00:01\",\"msg_type\":-30,"
        "\"msg\":\"KRB-ERROR \\\"q\\\"\\n\\u0001 \xc3\xa9\",\"sealed\":true,\"x\":false,"
        "\"etypes\":[18,-23,9223372036854775807],\"names\":[\"a\",\"\xe2\x82\xac\"],\"empty\":[]}";
    g_autoptr(TwEvent) ev = parse(line);
    g_assert_cmpuint(ev->frame, ==, 42);
    g_assert_cmpint(ev->ts_us, ==, G_GINT64_CONSTANT(1772445600123456));
    g_assert_true(ev->has_mac);
    g_assert_cmpint(tw_event_get(ev, "etypes")->type, ==, TW_FIELD_INTLIST);
    g_assert_cmpint(tw_event_get(ev, "names")->type, ==, TW_FIELD_STRLIST);
    g_assert_cmpint(tw_event_get(ev, "sealed")->type, ==, TW_FIELD_BOOL);
    g_autoptr(GString) out = g_string_new(NULL);
    tw_event_to_json(ev, out);
    g_assert_cmpstr(out->str, ==, line);
}

static void test_max_fields(void)
{
    g_autoptr(GString) l = g_string_new("{\"proto\":\"x\"");
    for (int i = 0; i < TW_JSON_MAX_FIELDS + 10; i++)
        g_string_append_printf(l, ",\"f%d\":%d", i % 600, i); /* 600 names, reused by every test run */
    g_string_append_c(l, '}');
    g_autoptr(TwEvent) ev = parse(l->str);
    g_assert_cmpuint(ev->fields->len, ==, TW_JSON_MAX_FIELDS);
}

static void test_max_list(void)
{
    g_autoptr(GString) l = g_string_new("{\"proto\":\"x\",\"l\":[");
    for (int i = 0; i < TW_JSON_MAX_LIST + 100; i++)
        g_string_append_printf(l, "%s%d", i ? "," : "", i);
    g_string_append(l, "]}");
    g_autoptr(TwEvent) ev = parse(l->str);
    g_assert_cmpuint(tw_event_get(ev, "l")->v.ilist->len, ==, TW_JSON_MAX_LIST);
}

static void test_key_length(void)
{
    g_autofree char *k = g_strnfill(TW_JSON_MAX_KEY_LEN + 1, 'k');
    g_autofree char *ok = g_strnfill(TW_JSON_MAX_KEY_LEN, 'o');
    g_autofree char *l = g_strdup_printf("{\"proto\":\"x\",\"%s\":1,\"%s\":2}", k, ok);
    g_autoptr(TwEvent) ev = parse(l);
    g_assert_false(tw_event_has(ev, k));
    g_assert_cmpint(tw_event_get_int(ev, ok, 0), ==, 2);
}

/* Interned names are never freed: new ones from input are capped. */
static void test_new_keys_cap(void)
{
    guint kept = 0;
    for (guint i = 0; i < TW_JSON_MAX_NEW_KEYS + 50; i++) {
        g_autofree char *l = g_strdup_printf("{\"proto\":\"x\",\"never-seen-%u\":1}", i);
        g_autoptr(TwEvent) ev = parse(l);
        kept += ev->fields->len;
    }
    g_assert_cmpuint(kept, <=, TW_JSON_MAX_NEW_KEYS);
    g_assert_cmpuint(kept, >, TW_JSON_MAX_NEW_KEYS - 700); /* earlier tests used some */
    /* a known name still passes */
    g_autoptr(TwEvent) ev = parse("{\"proto\":\"x\",\"never-seen-1\":1}");
    g_assert_true(tw_event_has(ev, "never-seen-1"));
}

static void test_depth(void)
{
    g_assert_cmpuint(tw_json_depth("{\"a\":[[1],{\"b\":2}]}", 19, 64), ==, 3);
    g_assert_cmpuint(tw_json_depth("{\"a\":\"[[[[\\\"[[\"}", 17, 2), ==, 1); /* brackets in strings */
    g_autoptr(GString) l = g_string_new("{\"proto\":\"x\",\"f\":");
    for (int i = 0; i < TW_JSON_MAX_DEPTH; i++)
        g_string_append_c(l, '[');
    for (int i = 0; i < TW_JSON_MAX_DEPTH; i++)
        g_string_append_c(l, ']');
    g_string_append_c(l, '}');
    g_autoptr(GError) err = NULL;
    g_assert_null(tw_event_from_json(l->str, -1, &err)); /* 65 levels with the object */
    g_assert_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_TOO_DEEP);
    g_clear_error(&err);
    /* 100,000 levels: refused before json-glib recurses (used to overflow its stack) */
    gsize n = 100000;
    char *deep = g_malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = 0;
    g_assert_null(tw_event_from_json(deep, -1, &err));
    g_assert_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_TOO_DEEP);
    g_free(deep);
    g_clear_error(&err);
    g_autoptr(TwEvent) ok = parse("{\"proto\":\"x\",\"msg\":{\"a\":[1]}}"); /* a known name: the cap is spent */
    g_assert_cmpstr(tw_event_get_str(ok, "msg"), ==, "{\"a\":[1]}");
}

static void test_not_event(void)
{
    g_autoptr(GError) err = NULL;
    g_assert_null(tw_event_from_json("[1,2]", -1, &err));
    g_assert_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_NOT_EVENT);
    g_clear_error(&err);
    g_assert_null(tw_event_from_json("{\"x\":1}", -1, &err));
    g_assert_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_NOT_EVENT);
    g_clear_error(&err);
    /* an integer time out of RFC 3339's years is not kept (and cannot overflow) */
    g_autoptr(TwEvent) ev = parse("{\"proto\":\"x\",\"ts\":9223372036854775807}");
    g_assert_cmpint(ev->ts_us, ==, 0);
    /* an address that does not fit is dropped, not cut */
    g_autoptr(TwEvent) ev2 = parse("{\"proto\":\"x\",\"src\":\"0123456789012345678901234567890123456789012345\"}");
    g_assert_cmpstr(ev2->src, ==, "");
}

/* The line reader keeps at most max_line bytes: a longer line is read
 * through and dropped, counted, and the next line is intact. */
static void test_line_reader(void)
{
    g_autoptr(GString) in = g_string_new("short\r\n\n");
    for (int i = 0; i < 5000; i++)
        g_string_append_c(in, 'x');
    g_string_append(in, "\nexact-16-bytes!!\nlast-no-newline");
    FILE *f = fmemopen(in->str, in->len, "r");
    TwLineReader r;
    tw_line_reader_init(&r, f, 16);
    const char *line;
    gsize n;
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 1);
    g_assert_cmpstr(line, ==, "short");
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 1);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 1);
    g_assert_cmpstr(line, ==, "exact-16-bytes!!");
    g_assert_cmpuint(r.overlong, ==, 1);
    g_assert_cmpuint(r.cap, <=, 17);
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 1);
    g_assert_cmpstr(line, ==, "last-no-newline");
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 0);
    g_assert_cmpuint(r.lines, ==, 5);
    tw_line_reader_clear(&r);
    fclose(f);
    /* an over-long last line without a newline */
    char tail[] = "ok\n0123456789abcdefXYZ";
    f = fmemopen(tail, sizeof tail - 1, "r");
    tw_line_reader_init(&r, f, 16);
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 1);
    g_assert_cmpint(tw_line_reader_next(&r, &line, &n), ==, 0);
    g_assert_cmpuint(r.overlong, ==, 1);
    tw_line_reader_clear(&r);
    fclose(f);
}

/* docs/events.md "Schema version": a line without "schema" is schema 1 and
 * its ambiguous names are mapped by proto (and pdu / status_type); a
 * schema this build does not know is refused with a clear error. */
static void test_schema(void)
{
    static const struct {
        const char *line, *keys; /* keys: the fields read, in order, "k1 k2 …" */
    } cases[] = {
        { "{\"proto\":\"netlogon\",\"opnum\":26,\"status\":\"0xc0000022\",\"status_name\":\"STATUS_ACCESS_DENIED\","
          "\"flags\":1611661311,\"decode_error\":\"truncated\"}",
          "opnum nt_status nt_status_name negotiate_flags decode_status" },
        { "{\"proto\":\"netlogon\",\"opnum\":34,\"status\":\"0x00000000\",\"status_name\":\"ERROR_SUCCESS\","
          "\"status_type\":\"win32\"}",
          "opnum win32_status win32_status_name" },
        { "{\"proto\":\"dcerpc\",\"pdu\":\"fault\",\"status\":\"0x1c010002\",\"status_name\":\"nca_s_op_rng_error\","
          "\"version\":\"1.0\"}",
          "pdu fault_status fault_status_name if_version" },
        { "{\"proto\":\"dcerpc\",\"pdu\":\"response\",\"status\":\"0x16c9a0d6\",\"decode_error\":\"malformed\"}",
          "pdu epm_status decode_status" },
        { "{\"proto\":\"kerberos\",\"msg_type\":30,\"ntstatus\":\"0xc0000072\",\"status\":\"truncated\"}",
          "msg_type nt_status decode_status" },
        { "{\"proto\":\"ntlmssp\",\"flags\":\"0x62088215\",\"status\":\"malformed\",\"decode_status\":\"malformed\"}",
          "ntlmssp_flags decode_status" },
        { "{\"proto\":\"smb2\",\"status\":\"0xc000006d\",\"status_name\":\"STATUS_LOGON_FAILURE\"}",
          "nt_status nt_status_name" },
        { "{\"proto\":\"http\",\"status\":401,\"reason\":\"Unauthorized\",\"method\":\"GET\",\"uri\":\"/\","
          "\"uri_truncated\":true}",
          "http_status http_reason http_method http_uri http_uri_truncated" },
        { "{\"proto\":\"ntp\",\"version\":4,\"status\":\"malformed\"}", "version decode_status" },
        /* schema 2: names are taken as written, never mapped */
        { "{\"schema\":2,\"proto\":\"smb2\",\"status\":\"x\",\"nt_status\":\"0x00000000\"}", "status nt_status" },
        { "{\"schema\":1,\"proto\":\"samr\",\"status\":\"0x00000000\"}", "nt_status" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(TwEvent) ev = parse(cases[i].line);
        g_autoptr(GString) keys = g_string_new(NULL);
        for (guint j = 0; j < ev->fields->len; j++)
            g_string_append_printf(keys, "%s%s", j ? " " : "", g_array_index(ev->fields, TwField, j).key);
        g_assert_cmpstr(keys->str, ==, cases[i].keys);
    }
    /* the value travels with its new name */
    g_autoptr(TwEvent) nl = parse(cases[0].line);
    g_assert_cmpstr(tw_event_get_str(nl, "nt_status"), ==, "0xc0000022");
    g_assert_cmpint(tw_event_get_int(nl, "negotiate_flags", 0), ==, 1611661311);

    static const char *const refused[] = {
        "{\"schema\":3,\"proto\":\"kerberos\"}",
        "{\"schema\":0,\"proto\":\"kerberos\"}",
        "{\"schema\":\"2\",\"proto\":\"kerberos\"}",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_null(tw_event_from_json(refused[i], -1, &err));
        g_assert_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_SCHEMA);
    }
    g_autoptr(GError) err = NULL;
    g_assert_null(tw_event_from_json("{\"schema\":3,\"proto\":\"kerberos\"}", -1, &err));
    g_assert_nonnull(strstr(err->message, "schema 3"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/event-json/round-trip", test_round_trip);
    g_test_add_func("/event-json/schema", test_schema); /* before new-keys-cap uses up the cap */
    g_test_add_func("/event-json/max-fields", test_max_fields);
    g_test_add_func("/event-json/max-list", test_max_list);
    g_test_add_func("/event-json/key-length", test_key_length);
    g_test_add_func("/event-json/new-keys-cap", test_new_keys_cap);
    g_test_add_func("/event-json/depth", test_depth);
    g_test_add_func("/event-json/not-event", test_not_event);
    g_test_add_func("/event-json/line-reader", test_line_reader);
    return g_test_run();
}
