/* event-json.c — one NDJSON line (as `-T events` writes it, docs/events.md)
 * back into a TwEvent, so saved events from many sensors feed the same
 * analysis (`--from-events`).
 */
#include "event.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define TW_JSON_MAX_LIST 4096     /* elements kept from one array field */
#define TW_JSON_MAX_FIELDS 512    /* fields kept from one event */
#define TW_JSON_MAX_KEY_LEN 128   /* longer field names are dropped */
#define TW_JSON_MAX_NEW_KEYS 1024 /* distinct field names ever interned from input */

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

TwEvent *tw_event_from_json(const char *line, gssize len, GError **err)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, line, len, err))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
        return NULL;
    }
    JsonObject *o = json_node_get_object(root);
    const char *proto = json_object_get_string_member_with_default(o, "proto", NULL);
    if (!proto) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event without \"proto\"");
        return NULL;
    }
    if (!key_acceptable(proto)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "too many distinct protocol names");
        return NULL;
    }
    TwEvent *ev = tw_event_new(NULL, proto);
    guint8 smac[6], dmac[6];
    bool has_smac = false, has_dmac = false;

    JsonObjectIter it; /* ordered: fields keep the order of the line */
    const char *key;
    JsonNode *node;
    json_object_iter_init_ordered(&it, o);
    while (json_object_iter_next_ordered(&it, &key, &node)) {
        if (strcmp(key, "proto") == 0)
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
            else if (is_int)
                ev->ts_us = json_node_get_int(node) * G_USEC_PER_SEC;
            continue;
        }
        if (strcmp(key, "src") == 0 || strcmp(key, "dst") == 0) {
            if (is_str)
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
    return ev;
}
