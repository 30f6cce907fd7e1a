/* test-event.c — event fields and their JSON form (docs/events.md). */
#include "core/event.h"

#include <string.h>

static void test_json_layout(void)
{
    TwPacketInfo pi = { .frame = 7, .ts_us = G_GINT64_CONSTANT(1700000000123456), .transport = "udp",
                        .src = "10.0.0.1", .dst = "10.0.0.2", .sport = 50000, .dport = 88 };
    g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
    tw_event_set_int(ev, "msg_type", 30);
    tw_event_set_str(ev, "msg", "KRB-ERROR");
    tw_event_set_str(ev, "e_text", "a \"quoted\"\n\x01 text");
    tw_event_append_int(ev, "etypes", 18);
    tw_event_append_int(ev, "etypes", 23);
    tw_event_set_bool(ev, "sealed", FALSE);
    tw_event_set_int(ev, "msg_type", 11); /* replaces in place */
    g_autoptr(GString) s = g_string_new(NULL);
    tw_event_to_json(ev, s);
    g_assert_cmpstr(s->str, ==,
                    "{\"schema\":2,\"frame\":7,\"ts\":\"2023-11-14T22:13:20.123456Z\",\"proto\":\"kerberos\","
                    "\"src\":\"10.0.0.1\",\"sport\":50000,\"dst\":\"10.0.0.2\",\"dport\":88,"
                    "\"transport\":\"udp\",\"ip_proto\":17,\"community_id\":\"1:uVC2CjaNzNdIBapZGUE0SCqZGpE=\",\"msg_type\":11,\"msg\":\"KRB-ERROR\","
                    "\"e_text\":\"a \\\"quoted\\\"\\n\\u0001 text\",\"etypes\":[18,23],\"sealed\":false}");
}

/* Invalid UTF-8 is replaced when it enters the event (U+FFFD per bad
 * byte), so every output shows the same valid text: the field itself, its
 * JSON, string lists and the teaching view (a fuzzed DCE/RPC bind_ack
 * sec_addr carried raw bytes into the summary and tree outputs). */
static void test_invalid_utf8_is_replaced(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    tw_event_set_str(ev, "s", "a\xff" "b\xc3\xa9");
    tw_event_set_strn(ev, "n", "4\xb1" "15", 4);
    GPtrArray *l = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(l, g_strdup("\xc3"));
    tw_event_take_strlist(ev, "l", l);
    tw_event_tree_add(ev, 0, "name\xfe", NULL, "%s", "v\x80");
    /* a bad byte at every place of a longer text (read 8 bytes at a time) */
    for (int at = 0; at < 24; at++) {
        char buf[25];
        memset(buf, 'x', 24);
        buf[24] = 0;
        buf[at] = (char)0xff;
        tw_event_set_str(ev, "long", buf);
        const char *got = tw_event_get_str(ev, "long");
        g_assert_true(g_utf8_validate(got, -1, NULL));
        g_assert_cmpuint(strlen(got), ==, 26);
        tw_event_set_strn(ev, "longn", buf, 24);
        g_assert_cmpstr(tw_event_get_str(ev, "longn"), ==, got);
    }
    /* set_strn ends at a NUL within its n bytes, as g_strndup does */
    tw_event_set_strn(ev, "nul", "ab\0cd", 5);
    g_assert_cmpstr(tw_event_get_str(ev, "nul"), ==, "ab");
    g_assert_cmpstr(tw_event_get_str(ev, "s"), ==, "a\xef\xbf\xbd" "b\xc3\xa9");
    g_assert_cmpstr(tw_event_get_str(ev, "n"), ==, "4\xef\xbf\xbd" "15");
    g_assert_cmpstr(g_ptr_array_index(tw_event_get(ev, "l")->v.slist, 0), ==, "\xef\xbf\xbd");
    const TwTreeNode *n = g_ptr_array_index(ev->tree, 0);
    g_assert_cmpstr(n->name, ==, "name\xef\xbf\xbd");
    g_assert_cmpstr(n->value, ==, "v\xef\xbf\xbd");
    g_autoptr(GString) s = g_string_new(NULL);
    tw_event_to_json(ev, s);
    g_assert_true(g_utf8_validate(s->str, -1, NULL));
    g_assert_nonnull(strstr(s->str, "\"s\":\"a\xef\xbf\xbd" "b\xc3\xa9\""));
}

/* The setters' copy goes a word at a time (core/event.c set_text): every
 * length from 0 to 40, with a NUL (set_strn cuts there), an invalid byte
 * (replaced) or a quote (escaped in the JSON) at every place, and plain,
 * reads back as it was given, and its JSON as json-writer escapes it. */
static void test_text_every_length(void)
{
    for (gsize n = 0; n <= 40; n++) {
        for (gsize at = 0; at <= n; at++) { /* at == n: nothing special */
            for (int kind = 0; kind < 3; kind++) {
                if (at == n && kind)
                    continue;
                g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
                char *buf = g_malloc(n ? n : 1); /* exactly n bytes: ASan sees any read past them */
                for (gsize j = 0; j < n; j++)
                    buf[j] = (char)('a' + j % 26);
                if (at < n)
                    buf[at] = kind == 0 ? 0 : kind == 1 ? (char)0xff : '"';
                tw_event_set_strn(ev, "s", buf, n);
                const char *got = tw_event_get_str(ev, "s");
                g_autoptr(GString) want = g_string_new(NULL);
                for (gsize j = 0; j < n; j++) {
                    if (j == at && kind == 0)
                        break;
                    if (j == at && kind == 1)
                        g_string_append(want, "\xef\xbf\xbd");
                    else
                        g_string_append_c(want, buf[j]);
                }
                g_assert_cmpstr(got, ==, want->str);
                g_autoptr(GString) js = g_string_new(NULL);
                tw_event_to_json(ev, js);
                g_autoptr(GString) wj = g_string_new(",\"s\":\"");
                for (const char *c = want->str; *c; c++) {
                    if (*c == '"')
                        g_string_append(wj, "\\\"");
                    else
                        g_string_append_c(wj, *c);
                }
                g_string_append(wj, "\"}");
                g_assert_true(g_str_has_suffix(js->str, wj->str));
                g_free(buf);
            }
        }
    }
}

/* tw_event_to_json reserves once per field for its key and a short value:
 * into a GString with every amount of room left, the text is what it
 * writes into an empty one (ASan sees a write past the room).  Keys of 45
 * bytes and more are never cached (their ,"key": is longer than a cache
 * slot keeps): each time they take the slow path, which must leave the
 * room for the value as the fast one does. */
static void test_json_every_room(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    tw_event_set_int(ev, "a_key_of_forty_five_bytes_and_more_never_cached_int", 42);
    tw_event_set_bool(ev, "a_key_of_forty_five_bytes_and_more_never_cached_bool", false);
    tw_event_set_int(ev, "short", 7);
    tw_event_set_bool(ev, "b", true);
    tw_event_set_int(ev, "a_key_of_forty_five_bytes_and_more_never_cached_big", -1234567890123);
    g_autoptr(GString) want = g_string_new(NULL);
    tw_event_to_json(ev, want);
    g_assert_true(g_str_has_suffix(want->str, ",\"a_key_of_forty_five_bytes_and_more_never_cached_int\":42,"
                                              "\"a_key_of_forty_five_bytes_and_more_never_cached_bool\":false,"
                                              "\"short\":7,\"b\":true,"
                                              "\"a_key_of_forty_five_bytes_and_more_never_cached_big\":-1234567890123}"));
    for (gsize fill = 0; fill < 400; fill++) {
        GString *g = g_string_sized_new(1);
        while (g->allocated_len < fill + 2)
            g_string_append_c(g, 'x');
        g_string_set_size(g, g->allocated_len - 1 - (fill % 131)); /* from full to 130 bytes left */
        gsize before = g->len;
        tw_event_to_json(ev, g);
        g_assert_cmpstr(g->str + before, ==, want->str);
        g_string_free(g, TRUE);
    }
}

/* The header (frame, time, addresses, ports, transport, ip_proto,
 * community_id, MACs) is written in runs after one reserve each: into a
 * GString with every amount of room left, the text is what it writes into
 * an empty one (ASan sees a write past the room). */
static void test_json_every_room_header(void)
{
    const char *addrs[][2] = { { "10.77.0.21", "10.77.0.10" },
                               { "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.253" } };
    for (gsize a = 0; a < 2 * G_N_ELEMENTS(addrs); a++) {
        guint16 sport = a & 1 ? 7 : 65535; /* a digit, or five */
        TwPacketInfo pi = { .frame = G_MAXUINT64, .ts_us = G_GINT64_CONSTANT(1700000000123456), .transport = "tcp",
                            .sport = sport, .dport = a & 1 ? 8 : 88, .has_mac = true,
                            .src_mac = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 }, .dst_mac = { 0xff, 0xfe, 0, 1, 2, 3 } };
        g_strlcpy(pi.src, addrs[a / 2][0], sizeof pi.src);
        g_strlcpy(pi.dst, addrs[a / 2][1], sizeof pi.dst);
        g_autoptr(TwEvent) ev = tw_event_new(&pi, "a_protocol_name_long_enough_not_to_be_small");
        tw_event_set_int(ev, "msg_type", 10);
        g_autoptr(GString) want = g_string_new(NULL);
        tw_event_to_json(ev, want);
        g_assert_true(g_str_has_prefix(want->str, "{\"schema\":2,\"frame\":18446744073709551615,\"ts\":\"2023-11-14T22:13:20.123456Z\","));
        g_assert_nonnull(strstr(want->str, sport == 7 ? ",\"sport\":7," : ",\"sport\":65535,"));
        g_assert_nonnull(strstr(want->str, ",\"community_id\":\"1:"));
        g_assert_true(g_str_has_suffix(want->str, ",\"src_mac\":\"de:ad:be:ef:00:01\",\"dst_mac\":\"ff:fe:00:01:02:03\",\"msg_type\":10}"));
        for (gsize fill = 0; fill < 700; fill++) {
            GString *g = g_string_sized_new(1);
            while (g->allocated_len < fill + 2)
                g_string_append_c(g, 'x');
            g_string_set_size(g, g->allocated_len - 1 - (fill % 331)); /* from full to 330 bytes left */
            gsize before = g->len;
            tw_event_to_json(ev, g);
            g_assert_cmpstr(g->str + before, ==, want->str);
            g_string_free(g, TRUE);
        }
    }
}

/* A capture record stamped before year 1 (a fuzzed pcap) is written as the
 * earliest time RFC 3339 can say, and that text reads back as itself: the
 * NDJSON round trip is stable (it used to write year 0000, unreadable). */
static void test_time_out_of_range(void)
{
    char t[32], t2[32];
    gint64 back = 0;
    tw_format_time(G_GINT64_CONSTANT(-62135596800) * 1000000 - 1000000000000, t);
    g_assert_cmpstr(t, ==, "0001-01-01T00:00:00.000000Z");
    g_assert_true(tw_parse_time(t, &back));
    tw_format_time(back, t2);
    g_assert_cmpstr(t2, ==, t);
    tw_format_time(G_MAXINT64, t);
    g_assert_cmpstr(t, ==, "9999-12-31T23:59:59.999999Z");
    g_assert_true(tw_parse_time(t, &back));
    tw_format_time(back, t2);
    g_assert_cmpstr(t2, ==, t);
    tw_format_time(G_MININT64, t);
    g_assert_cmpstr(t, ==, "0001-01-01T00:00:00.000000Z");
}

static void test_getters_and_hex(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "netlogon");
    const guint8 chal[] = { 0x00, 0x01, 0xab, 0xff };
    tw_event_set_hex(ev, "client_challenge", chal, sizeof chal);
    tw_event_set_hex32(ev, "status", 0xc0000022);
    g_assert_cmpstr(tw_event_get_str(ev, "client_challenge"), ==, "0001abff");
    g_assert_cmpstr(tw_event_get_str(ev, "status"), ==, "0xc0000022");
    g_assert_cmpint(tw_event_get_int(ev, "absent", -5), ==, -5);
    g_assert_false(tw_event_has(ev, "absent"));
    tw_event_remove(ev, "status");
    g_assert_null(tw_event_get_str(ev, "status"));
    tw_event_set_str(ev, "gone", NULL);
    g_assert_false(tw_event_has(ev, "gone"));
}

static void test_time_roundtrip(void)
{
    char buf[32];
    tw_format_time(0, buf);
    g_assert_cmpstr(buf, ==, "1970-01-01T00:00:00.000000Z");
    gint64 t = G_GINT64_CONSTANT(1234567890654321), back = 0;
    tw_format_time(t, buf);
    g_assert_true(tw_parse_time(buf, &back));
    g_assert_cmpint(back, ==, t);
    g_assert_false(tw_parse_time("not a time", &back));
}

/* A key in a buffer the caller rewrites is still read as what it says now
 * (the setters' intern cache confirms a hit unless the key cannot change). */
static void test_key_in_reused_buffer(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    char key[16];
    g_strlcpy(key, "first", sizeof key);
    tw_event_set_int(ev, key, 1);
    g_strlcpy(key, "second", sizeof key);
    tw_event_set_int(ev, key, 2);
    g_assert_cmpuint(ev->fields->len, ==, 2);
    g_assert_cmpint(tw_event_get_int(ev, "first", 0), ==, 1);
    g_assert_cmpint(tw_event_get_int(ev, "second", 0), ==, 2);
    g_assert_cmpint(tw_event_get_int(ev, key, 0), ==, 2);
    /* more texts in the same buffer than the cache keeps per address (two
     * ways): every one is read as what it says, in either slot */
    static const char *const names[] = { "third", "fourth", "third", "fifth", "fourth", "first" };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_strlcpy(key, names[i], sizeof key);
        tw_event_set_int(ev, key, 10 + (gint64)i);
    }
    g_assert_cmpuint(ev->fields->len, ==, 5);
    g_assert_cmpint(tw_event_get_int(ev, "first", 0), ==, 15);
    g_assert_cmpint(tw_event_get_int(ev, "second", 0), ==, 2);
    g_assert_cmpint(tw_event_get_int(ev, "third", 0), ==, 12);
    g_assert_cmpint(tw_event_get_int(ev, "fourth", 0), ==, 14);
    g_assert_cmpint(tw_event_get_int(ev, "fifth", 0), ==, 13);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_strlcpy(key, names[i], sizeof key);
        g_assert_true(tw_event_has(ev, key));
        g_assert_cmpstr(tw_event_intern(key), ==, names[i]);
    }
}

/* Many fields and strings of every size (the event's own string storage,
 * its chunks, strings too large for them), replaced and removed; a freed
 * event's storage made into a new event carries nothing over. */
static void test_many_fields_and_strings(void)
{
    TwPacketInfo pi = { .frame = 3, .transport = "tcp" };
    for (int round = 0; round < 3; round++) {
        TwEvent *ev = tw_event_new(&pi, "x");
        g_assert_cmpuint(ev->fields->len, ==, 0);
        g_assert_false(tw_event_has(ev, "k0"));
        GString *want = g_string_new(NULL);
        for (int i = 0; i < 100; i++) {
            g_autofree char *key = g_strdup_printf("k%d", i);
            gsize n = (gsize)(i * 37 % 700) + (i == 50 ? 5000 : 0);
            g_string_truncate(want, 0);
            for (gsize j = 0; j < n; j++)
                g_string_append_c(want, (char)('a' + (i + j + round) % 26));
            tw_event_set_str(ev, g_intern_string(key), want->str);
        }
        tw_event_set_str(ev, "k7", "replaced");
        tw_event_set_strn(ev, "k8", "cut here", 3);
        tw_event_remove(ev, "k9");
        g_assert_cmpuint(ev->fields->len, ==, 99);
        for (int i = 0; i < 100; i++) {
            g_autofree char *key = g_strdup_printf("k%d", i);
            const char *got = tw_event_get_str(ev, key);
            if (i == 7) {
                g_assert_cmpstr(got, ==, "replaced");
                continue;
            }
            if (i == 8) {
                g_assert_cmpstr(got, ==, "cut");
                continue;
            }
            if (i == 9) {
                g_assert_null(got);
                continue;
            }
            gsize n = (gsize)(i * 37 % 700) + (i == 50 ? 5000 : 0);
            g_assert_nonnull(got);
            g_assert_cmpuint(strlen(got), ==, n);
            for (gsize j = 0; j < n; j++)
                g_assert_cmpint(got[j], ==, (char)('a' + (i + j + round) % 26));
        }
        /* insertion order is kept */
        g_assert_cmpstr(g_array_index(ev->fields, TwField, 0).key, ==, "k0");
        g_assert_cmpstr(g_array_index(ev->fields, TwField, 98).key, ==, "k99");
        g_string_free(want, TRUE);
        tw_event_free(ev);
    }
}

/* tw_event_set_time writes what tw_format_time writes, for times repeated
 * and interleaved. */
static void test_set_time_repeats(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    for (int pass = 0; pass < 2; pass++) {
        for (gint64 i = 0; i < 64; i++) {
            gint64 ts = G_GINT64_CONSTANT(1700000000000000) + i * 1000001 * (i % 3 ? 1 : -7);
            char want[32];
            tw_format_time(ts, want);
            tw_event_set_time(ev, "t", ts);
            g_assert_cmpstr(tw_event_get_str(ev, "t"), ==, want);
        }
    }
}

/* docs/events.md "Values cut by the capture": KEY_truncated marks KEY alone,
 * whatever was asked before (the KEY -> KEY_truncated cache of event.c must
 * answer for the key asked, also for many keys and keys in a reused buffer). */
static void test_truncated_marks(void)
{
    TwPacketInfo pi = { .frame = 1 };
    g_autoptr(TwEvent) ev = tw_event_new(&pi, "kerberos");
    tw_event_set_str(ev, "cname", "WS01$");
    tw_event_set_str(ev, "sname", "krbtgt/X");
    g_assert_false(tw_event_is_truncated(ev, "cname"));
    g_assert_false(tw_event_is_truncated(ev, "sname"));
    tw_event_mark_truncated(ev, "cname");
    g_assert_true(tw_event_get_bool(ev, "cname_truncated", false));
    for (int round = 0; round < 3; round++) {
        g_assert_true(tw_event_is_truncated(ev, "cname"));
        g_assert_false(tw_event_is_truncated(ev, "sname"));
        g_assert_null(tw_event_get_whole_str(ev, "cname"));
        g_assert_cmpstr(tw_event_get_whole_str(ev, "sname"), ==, "krbtgt/X");
    }
    /* many keys, more than the cache holds, then the first ones again */
    char key[32];
    for (int i = 0; i < 300; i++) {
        g_snprintf(key, sizeof key, "k%d", i);
        tw_event_set_int(ev, key, i);
        if (i % 3 == 0)
            tw_event_mark_truncated(ev, key);
    }
    for (int i = 299; i >= 0; i--) {
        g_snprintf(key, sizeof key, "k%d", i);
        g_assert_cmpint(tw_event_is_truncated(ev, key), ==, i % 3 == 0);
    }
    g_assert_true(tw_event_is_truncated(ev, "cname"));
    g_assert_false(tw_event_is_truncated(ev, "sname"));
}

/* tw_event_rename keeps the field's place and value; to a name present
 * already it removes the old one; every get, set and remove after renames
 * and removals sees the keys present (event.c's key mask is kept exact
 * enough: a key present is always found, an absent one never). */
static void test_rename_and_remove(void)
{
    g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
    tw_event_set_int(ev, "a", 1);
    tw_event_set_str(ev, "b", "bee");
    tw_event_set_int(ev, "c", 3);
    tw_event_rename(ev, "b", "renamed");
    g_assert_cmpuint(ev->fields->len, ==, 3);
    g_assert_cmpstr(g_array_index(ev->fields, TwField, 1).key, ==, "renamed");
    g_assert_cmpstr(tw_event_get_str(ev, "renamed"), ==, "bee");
    g_assert_false(tw_event_has(ev, "b"));
    tw_event_rename(ev, "a", "c"); /* c present: a goes, c stays */
    g_assert_cmpuint(ev->fields->len, ==, 2);
    g_assert_false(tw_event_has(ev, "a"));
    g_assert_cmpint(tw_event_get_int(ev, "c", 0), ==, 3);
    tw_event_rename(ev, "absent", "other");
    g_assert_false(tw_event_has(ev, "other"));
    g_assert_cmpuint(ev->fields->len, ==, 2);
    tw_event_set_int(ev, "b", 2); /* the old name is new again: appended */
    g_assert_cmpuint(ev->fields->len, ==, 3);
    g_assert_cmpstr(g_array_index(ev->fields, TwField, 2).key, ==, "b");

    /* more keys than the mask has bits, half removed, renamed, set again */
    char key[16], to[16];
    for (int i = 0; i < 200; i++) {
        g_snprintf(key, sizeof key, "m%d", i);
        tw_event_set_int(ev, key, i);
    }
    for (int i = 0; i < 200; i += 2) {
        g_snprintf(key, sizeof key, "m%d", i);
        tw_event_remove(ev, key);
    }
    for (int i = 1; i < 200; i += 4) {
        g_snprintf(key, sizeof key, "m%d", i);
        g_snprintf(to, sizeof to, "r%d", i);
        tw_event_rename(ev, key, to);
    }
    for (int i = 0; i < 200; i++) {
        g_snprintf(key, sizeof key, "m%d", i);
        g_snprintf(to, sizeof to, "r%d", i);
        bool renamed = i % 4 == 1, kept = i % 2 == 1 && !renamed;
        g_assert_cmpint(tw_event_has(ev, key), ==, kept);
        g_assert_cmpint(tw_event_has(ev, to), ==, renamed);
        if (kept || renamed)
            g_assert_cmpint(tw_event_get_int(ev, kept ? key : to, -1), ==, i);
    }
    g_assert_cmpuint(ev->fields->len, ==, 3 + 100);
    for (int i = 0; i < 200; i++) { /* replaced in place or appended, never twice */
        g_snprintf(key, sizeof key, "m%d", i);
        tw_event_set_int(ev, key, -i);
    }
    g_assert_cmpuint(ev->fields->len, ==, 3 + 100 + 150); /* the 50 kept are replaced */
    guint n = ev->fields->len;
    for (guint i = 0; i < n; i++)
        for (guint j = i + 1; j < n; j++)
            g_assert_true(g_array_index(ev->fields, TwField, i).key != g_array_index(ev->fields, TwField, j).key);
}

/* Integer lists of freed and replaced fields are used again (event.c keeps
 * them per thread): a list in a new event holds what was appended to it
 * there, never what an earlier event's list held. */
/* tw_event_set_intlist and tw_event_intlist_new: lists from the pool come
 * empty, whatever the freed ones held, and hold what was set. */
static void test_set_intlist(void)
{
    for (int round = 0; round < 300; round++) {
        g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
        gint64 v[12];
        gsize n = (gsize)(round % 12);
        for (gsize i = 0; i < n; i++)
            v[i] = round * 100 - (gint64)i;
        tw_event_set_intlist(ev, "etypes", v, n);
        GArray *mine = tw_event_intlist_new();
        g_assert_cmpuint(mine->len, ==, 0);
        g_assert_cmpuint(g_array_get_element_size(mine), ==, sizeof(gint64));
        gint64 one = round;
        g_array_append_val(mine, one);
        tw_event_take_intlist(ev, "padata", mine);
        const TwField *f = tw_event_get(ev, "etypes");
        g_assert_cmpint(f->type, ==, TW_FIELD_INTLIST);
        g_assert_cmpuint(f->v.ilist->len, ==, n);
        for (gsize i = 0; i < n; i++)
            g_assert_cmpint(g_array_index(f->v.ilist, gint64, i), ==, v[i]);
        g_assert_cmpuint(tw_event_get(ev, "padata")->v.ilist->len, ==, 1);
        g_assert_cmpint(g_array_index(tw_event_get(ev, "padata")->v.ilist, gint64, 0), ==, round);
    }
}

static void test_intlists_reused(void)
{
    for (int round = 0; round < 200; round++) {
        g_autoptr(TwEvent) ev = tw_event_new(NULL, "x");
        for (int i = 0; i <= round % 7; i++)
            tw_event_append_int(ev, "etypes", round * 10 + i);
        GArray *big = g_array_new(FALSE, FALSE, sizeof(gint64));
        for (gint64 i = 0; i < 300 + round; i++)
            g_array_append_val(big, i);
        tw_event_take_intlist(ev, "big", big);
        tw_event_append_int(ev, "gone", 5);
        tw_event_append_int(ev, "gone", 6);
        tw_event_remove(ev, "gone");
        tw_event_append_int(ev, "replaced", 7);
        tw_event_set_int(ev, "replaced", 8); /* the list goes, an int comes */
        tw_event_append_int(ev, "again", 9);
        GArray *mine = g_array_new(FALSE, FALSE, sizeof(gint64));
        gint64 v = -round;
        g_array_append_val(mine, v);
        tw_event_take_intlist(ev, "again", mine); /* replaces the list */
        const TwField *f = tw_event_get(ev, "etypes");
        g_assert_nonnull(f);
        g_assert_cmpint(f->type, ==, TW_FIELD_INTLIST);
        g_assert_cmpuint(f->v.ilist->len, ==, (guint)(round % 7 + 1));
        for (guint i = 0; i < f->v.ilist->len; i++)
            g_assert_cmpint(g_array_index(f->v.ilist, gint64, i), ==, round * 10 + (gint64)i);
        g_assert_cmpuint(tw_event_get(ev, "big")->v.ilist->len, ==, (guint)(300 + round));
        g_assert_false(tw_event_has(ev, "gone"));
        g_assert_cmpint(tw_event_get_int(ev, "replaced", 0), ==, 8);
        const TwField *a = tw_event_get(ev, "again");
        g_assert_cmpuint(a->v.ilist->len, ==, 1);
        g_assert_cmpint(g_array_index(a->v.ilist, gint64, 0), ==, -round);
        g_autoptr(GString) js = g_string_new(NULL);
        tw_event_to_json(ev, js);
        g_autofree char *et = g_strdup_printf("\"etypes\":[%d", round * 10);
        g_assert_nonnull(strstr(js->str, et));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/event/json-layout", test_json_layout);
    g_test_add_func("/event/invalid-utf8", test_invalid_utf8_is_replaced);
    g_test_add_func("/event/text-every-length", test_text_every_length);
    g_test_add_func("/event/json-every-room", test_json_every_room);
    g_test_add_func("/event/json-every-room-header", test_json_every_room_header);
    g_test_add_func("/event/getters-hex", test_getters_and_hex);
    g_test_add_func("/event/time-roundtrip", test_time_roundtrip);
    g_test_add_func("/event/time-out-of-range", test_time_out_of_range);
    g_test_add_func("/event/key-in-reused-buffer", test_key_in_reused_buffer);
    g_test_add_func("/event/many-fields-and-strings", test_many_fields_and_strings);
    g_test_add_func("/event/set-time-repeats", test_set_time_repeats);
    g_test_add_func("/event/truncated-marks", test_truncated_marks);
    g_test_add_func("/event/rename-and-remove", test_rename_and_remove);
    g_test_add_func("/event/intlists-reused", test_intlists_reused);
    g_test_add_func("/event/set-intlist", test_set_intlist);
    return g_test_run();
}
