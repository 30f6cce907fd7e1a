/* event-json.c — one NDJSON line (as `-T events` writes it, docs/events.md)
 * back into a TwEvent, so saved events from many sensors feed the same
 * analysis (`--from-events`).
 */
#include "event-json.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(tw-event-json-error-quark, tw_event_json_error)

/* Field names are interned (event.h), and GLib never frees interned
 * strings: hostile input inventing a new name per line would grow memory
 * without bound.  Names already known cost nothing; new ones are capped. */
static guint new_keys;

static bool key_acceptable(const char *key)
{
    if (strlen(key) > TW_JSON_MAX_KEY_LEN)
        return false;
    if (g_quark_try_string(key))
        return true;
    if (new_keys >= TW_JSON_MAX_NEW_KEYS)
        return false;
    new_keys++;
    return true;
}

static bool parse_mac(const char *s, guint8 out[6])
{
    unsigned v[6];
    if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        out[i] = (guint8)v[i];
    return true;
}

static guint16 port_of(JsonNode *n)
{
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return 0;
    gint64 v = json_node_get_int(n);
    return v >= 0 && v <= 65535 ? (guint16)v : 0;
}

/* Arrays: all integers → INTLIST, otherwise strings → STRLIST. */
static void set_array(TwEvent *ev, const char *key, JsonArray *arr)
{
    guint n = MIN(json_array_get_length(arr), TW_JSON_MAX_LIST);
    bool ints = true;
    for (guint i = 0; i < n; i++) {
        JsonNode *e = json_array_get_element(arr, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64)
            ints = false;
    }
    if (ints) {
        GArray *l = g_array_sized_new(FALSE, FALSE, sizeof(gint64), n);
        for (guint i = 0; i < n; i++) {
            gint64 v = json_array_get_int_element(arr, i);
            g_array_append_val(l, v);
        }
        tw_event_take_intlist(ev, key, l);
        return;
    }
    GPtrArray *l = g_ptr_array_new_full(n, g_free);
    for (guint i = 0; i < n; i++) {
        JsonNode *e = json_array_get_element(arr, i);
        if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING)
            g_ptr_array_add(l, g_strdup(json_node_get_string(e)));
        else
            g_ptr_array_add(l, json_to_string(e, FALSE));
    }
    tw_event_take_strlist(ev, key, l);
}

guint tw_json_depth(const char *s, gsize len, guint limit)
{
    guint depth = 0, deepest = 0;
    bool in_string = false;
    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > limit)
                    return limit + 1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

/* Schema 1 (lines without "schema", written before December 2026) used one
 * name for values of different meanings and types.  docs/events.md "Schema
 * version" lists this mapping; it is all the reader needs, since every
 * schema-1 field has exactly one schema-2 name given its event's proto
 * (and, for DCE/RPC and NETLOGON, its pdu / status_type). */
static void rename_field(TwEvent *ev, const char *from, const char *to)
{
    /* when both were written (NTLMSSP status + decode_status), `from` goes */
    tw_event_rename(ev, from, to);
}

static void upgrade_v1(TwEvent *ev)
{
    const char *p = ev->proto;
    if (!strcmp(p, "kerberos") || !strcmp(p, "ntp") || !strcmp(p, "dns") || !strcmp(p, "ntlmssp"))
        rename_field(ev, "status", "decode_status");
    if (!strcmp(p, "kerberos"))
        rename_field(ev, "ntstatus", "nt_status");
    if (!strcmp(p, "ntlmssp"))
        rename_field(ev, "flags", "ntlmssp_flags");
    if (!strcmp(p, "smb2") || !strcmp(p, "samr")) {
        rename_field(ev, "status", "nt_status");
        rename_field(ev, "status_name", "nt_status_name");
    }
    if (!strcmp(p, "netlogon")) {
        bool win32 = g_strcmp0(tw_event_get_str(ev, "status_type"), "win32") == 0;
        rename_field(ev, "status", win32 ? "win32_status" : "nt_status");
        rename_field(ev, "status_name", win32 ? "win32_status_name" : "nt_status_name");
        tw_event_remove(ev, "status_type");
        rename_field(ev, "flags", "negotiate_flags");
    }
    if (!strcmp(p, "netlogon") || !strcmp(p, "samr") || !strcmp(p, "dcerpc"))
        rename_field(ev, "decode_error", "decode_status");
    if (!strcmp(p, "dcerpc")) {
        bool fault = g_strcmp0(tw_event_get_str(ev, "pdu"), "fault") == 0;
        rename_field(ev, "status", fault ? "fault_status" : "epm_status");
        rename_field(ev, "status_name", "fault_status_name");
        rename_field(ev, "version", "if_version");
    }
    if (!strcmp(p, "http")) {
        rename_field(ev, "status", "http_status");
        rename_field(ev, "reason", "http_reason");
        rename_field(ev, "method", "http_method");
        rename_field(ev, "uri", "http_uri");
        rename_field(ev, "uri_truncated", "http_uri_truncated");
    }
}

/* RFC 3339 can write years 0001-9999 (tw_format_time clamps to them):
 * integer times outside are not kept, so every time read writes back as
 * the same text. */
#define TW_JSON_MIN_TS_S G_GINT64_CONSTANT(-62135596800) /* 0001-01-01T00:00:00Z */
#define TW_JSON_MAX_TS_S G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */

TwEvent *tw_event_from_json(const char *line, gssize len, GError **err)
{
    gsize n = len < 0 ? strlen(line) : (gsize)len;
    if (tw_json_depth(line, n, TW_JSON_MAX_DEPTH) > TW_JSON_MAX_DEPTH) {
        g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_TOO_DEEP,
                    "JSON nested deeper than %u levels", TW_JSON_MAX_DEPTH);
        return NULL;
    }
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, line, (gssize)n, err))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_NOT_EVENT, "not a JSON object");
        return NULL;
    }
    JsonObject *o = json_node_get_object(root);
    const char *proto = json_object_get_string_member_with_default(o, "proto", NULL);
    if (!proto) {
        g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_NOT_EVENT, "event without \"proto\"");
        return NULL;
    }
    if (!key_acceptable(proto)) {
        g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_NOT_EVENT, "too many distinct protocol names");
        return NULL;
    }
    /* docs/events.md "Schema version": absent = 1 (mapped), else 1 or 2. */
    gint64 schema = 1;
    JsonNode *sn = json_object_get_member(o, "schema");
    if (sn) {
        if (!JSON_NODE_HOLDS_VALUE(sn) || json_node_get_value_type(sn) != G_TYPE_INT64) {
            g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_SCHEMA, "\"schema\" is not an integer");
            return NULL;
        }
        schema = json_node_get_int(sn);
        if (schema < 1 || schema > TW_EVENT_SCHEMA) {
            g_set_error(err, TW_EVENT_JSON_ERROR, TW_EVENT_JSON_ERROR_SCHEMA,
                        "event schema %" G_GINT64_FORMAT " is not one this trustwire reads (1 to %d): "
                        "a newer trustwire wrote it",
                        schema, TW_EVENT_SCHEMA);
            return NULL;
        }
    }
    TwEvent *ev = tw_event_new(NULL, proto);
    guint8 smac[6], dmac[6];
    bool has_smac = false, has_dmac = false;

    JsonObjectIter it; /* ordered: fields keep the order of the line */
    const char *key;
    JsonNode *node;
    json_object_iter_init_ordered(&it, o);
    while (json_object_iter_next_ordered(&it, &key, &node)) {
        if (strcmp(key, "proto") == 0 || strcmp(key, "schema") == 0)
            continue;
        bool is_str = JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
        bool is_int = JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64;
        if (strcmp(key, "frame") == 0) {
            if (is_int && json_node_get_int(node) >= 0)
                ev->frame = (guint64)json_node_get_int(node);
            continue;
        }
        if (strcmp(key, "ts") == 0) {
            if (is_str)
                tw_parse_time(json_node_get_string(node), &ev->ts_us);
            else if (is_int && json_node_get_int(node) >= TW_JSON_MIN_TS_S &&
                     json_node_get_int(node) <= TW_JSON_MAX_TS_S)
                ev->ts_us = json_node_get_int(node) * G_USEC_PER_SEC;
            continue;
        }
        if (strcmp(key, "src") == 0 || strcmp(key, "dst") == 0) {
            /* An address that does not fit is dropped, not cut: a cut could
             * split a UTF-8 character and change on every round trip. */
            if (is_str && strlen(json_node_get_string(node)) < TW_ADDR_STRLEN)
                g_strlcpy(key[0] == 's' ? ev->src : ev->dst, json_node_get_string(node), TW_ADDR_STRLEN);
            continue;
        }
        if (strcmp(key, "sport") == 0) {
            ev->sport = port_of(node);
            continue;
        }
        if (strcmp(key, "dport") == 0) {
            ev->dport = port_of(node);
            continue;
        }
        if (strcmp(key, "transport") == 0) {
            if (is_str && key_acceptable(json_node_get_string(node)))
                ev->transport = g_intern_string(json_node_get_string(node));
            continue;
        }
        if (strcmp(key, "ip_proto") == 0) {
            if (is_int && json_node_get_int(node) > 0 && json_node_get_int(node) <= 255)
                ev->ip_proto = (guint8)json_node_get_int(node);
            continue;
        }
        if (strcmp(key, "community_id") == 0)
            continue; /* recomputed from the header when written again */
        if (strcmp(key, "src_mac") == 0) {
            has_smac = is_str && parse_mac(json_node_get_string(node), smac);
            continue;
        }
        if (strcmp(key, "dst_mac") == 0) {
            has_dmac = is_str && parse_mac(json_node_get_string(node), dmac);
            continue;
        }
        if (JSON_NODE_HOLDS_NULL(node) || ev->fields->len >= TW_JSON_MAX_FIELDS || !key_acceptable(key))
            continue;
        if (JSON_NODE_HOLDS_ARRAY(node)) {
            set_array(ev, key, json_node_get_array(node));
            continue;
        }
        if (JSON_NODE_HOLDS_OBJECT(node)) {
            tw_event_take_str(ev, key, json_to_string(node, FALSE));
            continue;
        }
        GType t = json_node_get_value_type(node);
        if (t == G_TYPE_INT64)
            tw_event_set_int(ev, key, json_node_get_int(node));
        else if (t == G_TYPE_BOOLEAN)
            tw_event_set_bool(ev, key, json_node_get_boolean(node));
        else if (t == G_TYPE_STRING)
            tw_event_set_str(ev, key, json_node_get_string(node));
        else if (t == G_TYPE_DOUBLE) {
            double d = json_node_get_double(node);
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            tw_event_set_str(ev, key, g_ascii_dtostr(buf, sizeof buf, d));
        }
    }
    if (has_smac && has_dmac) {
        ev->has_mac = true;
        memcpy(ev->src_mac, smac, 6);
        memcpy(ev->dst_mac, dmac, 6);
    }
    /* hand-written and schema-1 lines: a direct transport names the protocol */
    if (!ev->ip_proto && ev->transport)
        ev->ip_proto = strcmp(ev->transport, "tcp") == 0 ? 6 : strcmp(ev->transport, "udp") == 0 ? 17 : 0;
    if (schema == 1)
        upgrade_v1(ev);
    return ev;
}

void tw_line_reader_init(TwLineReader *r, FILE *f, gsize max_line)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->max_line = max_line;
    r->cap = MIN(max_line, 4096) + 1;
    r->buf = g_malloc(r->cap);
}

int tw_line_reader_next(TwLineReader *r, const char **line, gsize *len)
{
    for (;;) {
        gsize n = 0;
        bool overlong = false;
        int c;
        while ((c = getc_unlocked(r->f)) != EOF && c != '\n') {
            if (overlong)
                continue; /* the rest of an over-long line: read, not kept */
            if (n == r->max_line) {
                overlong = true;
                continue;
            }
            if (n + 1 >= r->cap) {
                r->cap = MIN(r->cap * 2, r->max_line + 1);
                r->buf = g_realloc(r->buf, r->cap);
            }
            r->buf[n++] = (char)c;
        }
        if (c == EOF && ferror(r->f)) {
            r->read_errno = errno ? errno : EIO;
            return -1;
        }
        if (c == EOF && n == 0 && !overlong)
            return 0;
        r->lines++;
        if (overlong) {
            r->overlong++;
            if (c == EOF)
                return 0;
            continue;
        }
        if (n > 0 && r->buf[n - 1] == '\r')
            n--;
        r->buf[n] = 0;
        *line = r->buf;
        *len = n;
        return 1;
    }
}

void tw_line_reader_clear(TwLineReader *r)
{
    g_free(r->buf);
    r->buf = NULL;
}
