/* event.c — typed events and their NDJSON form (docs/events.md). */
#include "event.h"
#include "community-id.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* g_intern_string takes a global lock on every call, and every setter and
 * getter names its key.  A small per-thread cache maps the caller's key
 * pointer (nearly always a string literal) to the interned copy.  A hit is
 * confirmed with strcmp, so a key built in a reused buffer is still right. */
#define TW_INTERN_CACHE_SLOTS 256 /* a power of two */

typedef struct {
    const char *key;
    const char *interned;
} InternSlot;

static _Thread_local InternSlot intern_cache[TW_INTERN_CACHE_SLOTS];

static const char *intern_key(const char *key)
{
    if (!key)
        return NULL;
    guintptr h = (guintptr)key;
    InternSlot *slot = &intern_cache[((h >> 3) ^ (h >> 11)) & (TW_INTERN_CACHE_SLOTS - 1)];
    if (slot->key == key && strcmp(key, slot->interned) == 0)
        return slot->interned;
    const char *k = g_intern_string(key);
    slot->key = key;
    slot->interned = k;
    return k;
}

TwEvent *tw_event_new(const TwPacketInfo *pi, const char *proto)
{
    TwEvent *ev = g_new0(TwEvent, 1);
    ev->proto = intern_key(proto);
    if (pi) {
        ev->frame = pi->frame;
        ev->ts_us = pi->ts_us;
        ev->transport = pi->transport ? intern_key(pi->transport) : NULL;
        /* capture/ sets "tcp"/"udp" from the IP header; dissectors change
         * ev->transport to a carrier later, never pi's */
        if (pi->transport)
            ev->ip_proto = strcmp(pi->transport, "tcp") == 0   ? TW_IPPROTO_TCP
                           : strcmp(pi->transport, "udp") == 0 ? TW_IPPROTO_UDP
                                                               : 0;
        memcpy(ev->src, pi->src, sizeof ev->src);
        memcpy(ev->dst, pi->dst, sizeof ev->dst);
        ev->sport = pi->sport;
        ev->dport = pi->dport;
        ev->has_mac = pi->has_mac;
        memcpy(ev->src_mac, pi->src_mac, 6);
        memcpy(ev->dst_mac, pi->dst_mac, 6);
    }
    ev->fields = g_array_sized_new(FALSE, TRUE, sizeof(TwField), 16);
    return ev;
}

static void field_clear(TwField *f)
{
    switch (f->type) {
    case TW_FIELD_STR:
        g_free(f->v.s);
        break;
    case TW_FIELD_INTLIST:
        if (f->v.ilist)
            g_array_unref(f->v.ilist);
        break;
    case TW_FIELD_STRLIST:
        if (f->v.slist)
            g_ptr_array_unref(f->v.slist);
        break;
    default:
        break;
    }
    memset(&f->v, 0, sizeof f->v);
}

static void tree_node_free(gpointer p)
{
    TwTreeNode *n = p;
    g_free(n->name);
    g_free(n->value);
    g_free(n->spec);
    g_free(n);
}

void tw_event_free(TwEvent *ev)
{
    if (!ev)
        return;
    for (guint i = 0; i < ev->fields->len; i++)
        field_clear(&g_array_index(ev->fields, TwField, i));
    g_array_free(ev->fields, TRUE);
    if (ev->tree)
        g_ptr_array_free(ev->tree, TRUE);
    g_free(ev);
}

static TwField *field_slot(TwEvent *ev, const char *key)
{
    const char *k = intern_key(key);
    for (guint i = 0; i < ev->fields->len; i++) {
        TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->key == k) {
            field_clear(f);
            return f;
        }
    }
    TwField nf = { .key = k };
    g_array_append_val(ev->fields, nf);
    return &g_array_index(ev->fields, TwField, ev->fields->len - 1);
}

void tw_event_set_int(TwEvent *ev, const char *key, gint64 v)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_INT;
    f->v.i = v;
}

void tw_event_set_bool(TwEvent *ev, const char *key, gboolean v)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_BOOL;
    f->v.b = v ? TRUE : FALSE;
}

/* Events hold UTF-8 only (event.h): a string that is not valid UTF-8 (bytes
 * copied from a packet that claimed to be text) gets U+FFFD for each bad
 * byte, here, once, so every output (NDJSON, summary, tree, report) and a
 * round trip through NDJSON see the same text.  Transfer full. */
static char *valid_utf8(char *s)
{
    if (!s || g_utf8_validate(s, -1, NULL))
        return s;
    char *v = g_utf8_make_valid(s, -1);
    g_free(s);
    return v;
}

void tw_event_take_str(TwEvent *ev, const char *key, char *s)
{
    if (!s) {
        tw_event_remove(ev, key);
        return;
    }
    s = valid_utf8(s);
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STR;
    f->v.s = s;
}

void tw_event_set_str(TwEvent *ev, const char *key, const char *s)
{
    tw_event_take_str(ev, key, s ? g_strdup(s) : NULL);
}

void tw_event_set_strn(TwEvent *ev, const char *key, const char *s, gsize n)
{
    tw_event_take_str(ev, key, g_strndup(s, n));
}

void tw_event_set_hex(TwEvent *ev, const char *key, const guint8 *b, gsize n)
{
    static const char hexd[] = "0123456789abcdef";
    char *s = g_malloc(n * 2 + 1);
    for (gsize i = 0; i < n; i++) {
        s[2 * i] = hexd[b[i] >> 4];
        s[2 * i + 1] = hexd[b[i] & 15];
    }
    s[2 * n] = 0;
    tw_event_take_str(ev, key, s);
}

void tw_event_set_hex32(TwEvent *ev, const char *key, guint32 v)
{
    static const char hexd[] = "0123456789abcdef";
    char *s = g_malloc(11);
    s[0] = '0';
    s[1] = 'x';
    for (int i = 0; i < 8; i++)
        s[2 + i] = hexd[(v >> (28 - 4 * i)) & 15];
    s[10] = 0;
    tw_event_take_str(ev, key, s);
}

void tw_event_set_time(TwEvent *ev, const char *key, gint64 ts_us)
{
    char buf[32];
    tw_format_time(ts_us, buf);
    tw_event_set_str(ev, key, buf);
}

void tw_event_take_intlist(TwEvent *ev, const char *key, GArray *list)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_INTLIST;
    f->v.ilist = list;
}

void tw_event_take_strlist(TwEvent *ev, const char *key, GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++)
        list->pdata[i] = valid_utf8(list->pdata[i]);
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STRLIST;
    f->v.slist = list;
}

void tw_event_append_int(TwEvent *ev, const char *key, gint64 v)
{
    const TwField *cf = tw_event_get(ev, key);
    if (cf && cf->type == TW_FIELD_INTLIST) {
        g_array_append_val(cf->v.ilist, v);
        return;
    }
    GArray *a = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_array_append_val(a, v);
    tw_event_take_intlist(ev, key, a);
}

void tw_event_remove(TwEvent *ev, const char *key)
{
    const char *k = intern_key(key);
    for (guint i = 0; i < ev->fields->len; i++) {
        TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->key == k) {
            field_clear(f);
            g_array_remove_index(ev->fields, i);
            return;
        }
    }
}

const TwField *tw_event_get(const TwEvent *ev, const char *key)
{
    const char *k = intern_key(key);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->key == k)
            return f;
    }
    return NULL;
}

bool tw_event_has(const TwEvent *ev, const char *key)
{
    return tw_event_get(ev, key) != NULL;
}

const char *tw_event_get_str(const TwEvent *ev, const char *key)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_STR ? f->v.s : NULL;
}

gint64 tw_event_get_int(const TwEvent *ev, const char *key, gint64 dflt)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_INT ? f->v.i : dflt;
}

bool tw_event_get_bool(const TwEvent *ev, const char *key, bool dflt)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_BOOL ? f->v.b : dflt;
}

/* docs/events.md "Values cut by the capture": KEY_truncated beside KEY. */
static const char *truncated_key(const char *key)
{
    char buf[96];
    g_snprintf(buf, sizeof buf, "%s_truncated", key);
    return g_intern_string(buf);
}

void tw_event_mark_truncated(TwEvent *ev, const char *key)
{
    tw_event_set_bool(ev, truncated_key(key), TRUE);
}

bool tw_event_is_truncated(const TwEvent *ev, const char *key)
{
    return tw_event_get_bool(ev, truncated_key(key), false);
}

const char *tw_event_get_whole_str(const TwEvent *ev, const char *key)
{
    return tw_event_is_truncated(ev, key) ? NULL : tw_event_get_str(ev, key);
}

static void tree_add_v(TwEvent *ev, guint depth, const char *name, const char *spec,
                       const char *note, const char *fmt, va_list ap) G_GNUC_PRINTF(6, 0);
static void tree_add_v(TwEvent *ev, guint depth, const char *name, const char *spec,
                       const char *note, const char *fmt, va_list ap)
{
    if (!ev->tree)
        ev->tree = g_ptr_array_new_with_free_func(tree_node_free);
    TwTreeNode *n = g_new0(TwTreeNode, 1);
    n->depth = depth;
    n->name = valid_utf8(g_strdup(name));
    n->note = note;
    n->spec = spec ? g_strdup(spec) : NULL;
    if (fmt)
        n->value = valid_utf8(g_strdup_vprintf(fmt, ap));
    g_ptr_array_add(ev->tree, n);
}

void tw_event_tree_add(TwEvent *ev, guint depth, const char *name, const char *note,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tree_add_v(ev, depth, name, NULL, note, fmt, ap);
    va_end(ap);
}

void tw_event_tree_add_spec(TwEvent *ev, guint depth, const char *name, const char *spec,
                            const char *note, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tree_add_v(ev, depth, name, spec, note, fmt, ap);
    va_end(ap);
}

void tw_event_tree_set_spec(TwEvent *ev, guint i, const char *spec, bool replace)
{
    if (!ev->tree || i >= ev->tree->len || !spec)
        return;
    TwTreeNode *n = g_ptr_array_index(ev->tree, i);
    if (n->spec && !replace)
        return;
    g_free(n->spec);
    n->spec = g_strdup(spec);
}

guint tw_event_tree_len(const TwEvent *ev)
{
    return ev->tree ? ev->tree->len : 0;
}

void tw_event_tree_fields(TwEvent *ev, guint depth, const TwTreeRow *rows, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        const TwField *f = tw_event_get(ev, rows[i].key);
        if (!f)
            continue;
        GString *v = g_string_new(NULL);
        switch (f->type) {
        case TW_FIELD_STR: g_string_append(v, f->v.s); break;
        case TW_FIELD_INT: g_string_append_printf(v, "%" G_GINT64_FORMAT, f->v.i); break;
        case TW_FIELD_BOOL: g_string_append(v, f->v.b ? "true" : "false"); break;
        case TW_FIELD_INTLIST:
            for (guint j = 0; j < f->v.ilist->len; j++)
                g_string_append_printf(v, "%s%" G_GINT64_FORMAT, j ? ", " : "", g_array_index(f->v.ilist, gint64, j));
            break;
        case TW_FIELD_STRLIST:
            for (guint j = 0; j < f->v.slist->len; j++)
                g_string_append_printf(v, "%s%s", j ? ", " : "", (const char *)g_ptr_array_index(f->v.slist, j));
            break;
        }
        tw_event_tree_add_spec(ev, depth, rows[i].name, rows[i].spec, rows[i].note, "%s", v->str);
        g_string_free(v, TRUE);
    }
}

/* Events come in time order, many within the same second: the date and
 * time of day of the last second formatted are kept per thread. */
static _Thread_local gint64 time_cache_secs;
static _Thread_local bool time_cache_valid;
static _Thread_local char time_cache_prefix[20]; /* YYYY-MM-DDTHH:MM:SS */

/* RFC 3339 writes years 0001-9999 (and GDateTime reads no others): a time
 * outside (a corrupt capture record) is written as the nearest one inside,
 * so every time written reads back as itself (tw_parse_time). */
#define TW_TIME_MIN_S G_GINT64_CONSTANT(-62135596800) /* 0001-01-01T00:00:00Z */
#define TW_TIME_MAX_S G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */

void tw_format_time(gint64 ts_us, char out[32])
{
    gint64 secs = ts_us / 1000000;
    gint64 us = ts_us % 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    if (secs < TW_TIME_MIN_S) {
        secs = TW_TIME_MIN_S;
        us = 0;
    } else if (secs > TW_TIME_MAX_S) {
        secs = TW_TIME_MAX_S;
        us = 999999;
    }
    if (!time_cache_valid || time_cache_secs != secs) {
        time_t t = (time_t)secs;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
            g_strlcpy(out, "1970-01-01T00:00:00.000000Z", 32);
            return;
        }
        /* Four digits by the clamp above: the text always fits its 32 bytes. */
        unsigned year = (unsigned)CLAMP(tm.tm_year + 1900, 1, 9999);
        snprintf(time_cache_prefix, sizeof time_cache_prefix, "%04u-%02u-%02uT%02u:%02u:%02u",
                 year, (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
                 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
                 (unsigned)tm.tm_sec % 100u);
        time_cache_secs = secs;
        time_cache_valid = true;
    }
    memcpy(out, time_cache_prefix, 19);
    out[19] = '.';
    unsigned u = (unsigned)us % 1000000u;
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + u % 10);
        u /= 10;
    }
    out[26] = 'Z';
    out[27] = 0;
}

bool tw_parse_time(const char *s, gint64 *ts_us)
{
    if (!s)
        return false;
    GDateTime *dt = g_date_time_new_from_iso8601(s, NULL);
    if (!dt)
        return false;
    *ts_us = g_date_time_to_unix(dt) * 1000000 + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return true;
}

/* JSON string escaping (RFC 8259 7); bytes >= 0x80 pass through as the
 * strings are UTF-8 by construction, except invalid sequences which are
 * replaced so the output always parses. */
static void json_str(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    const char *end = s + strlen(s);
    const char *p = s;
    while (p < end) {
        /* Runs of printable ASCII other than '"' and '\\' go out as they are. */
        const char *run = p;
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
               *p != '\\')
            p++;
        if (p > run)
            g_string_append_len(out, run, p - run);
        if (p == end)
            break;
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x80) {
            gunichar u = g_utf8_get_char_validated(p, (gssize)(end - p));
            if (u == (gunichar)-1 || u == (gunichar)-2) {
                g_string_append(out, "\\ufffd");
                p++;
            } else {
                const char *nx = g_utf8_next_char(p);
                g_string_append_len(out, p, nx - p);
                p = nx;
            }
            continue;
        }
        switch (ch) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (ch < 0x20)
                g_string_append_printf(out, "\\u%04x", ch);
            else
                g_string_append_c(out, (char)ch);
        }
        p++;
    }
    g_string_append_c(out, '"');
}

/* Decimal integers without printf (one event has a dozen of them). */
static void append_u64(GString *out, guint64 v)
{
    char b[20];
    int i = (int)sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_len(out, b + i, (gssize)sizeof b - i);
}

static void append_i64(GString *out, gint64 v)
{
    if (v < 0) {
        g_string_append_c(out, '-');
        append_u64(out, -(guint64)v); /* also right for G_MININT64 */
    } else {
        append_u64(out, (guint64)v);
    }
}

static void append_mac(GString *out, const guint8 mac[6])
{
    static const char hexd[] = "0123456789abcdef";
    char b[19];
    b[0] = '"';
    for (int i = 0; i < 6; i++) {
        b[1 + 3 * i] = hexd[mac[i] >> 4];
        b[2 + 3 * i] = hexd[mac[i] & 15];
        b[3 + 3 * i] = i < 5 ? ':' : '"';
    }
    g_string_append_len(out, b, sizeof b);
}

bool tw_event_community_id(const TwEvent *ev, char out[32])
{
    G_STATIC_ASSERT(TW_COMMUNITY_ID_LEN == 32);
    out[0] = 0;
    if (!ev->ip_proto || !ev->src[0] || !ev->dst[0])
        return false;
    return tw_community_id_v1(0, ev->src, ev->dst, ev->ip_proto, ev->sport, ev->dport, out);
}

void tw_event_to_json(const TwEvent *ev, GString *out)
{
    char ts[32];
    tw_format_time(ev->ts_us, ts);
    g_string_append(out, "{\"schema\":" G_STRINGIFY(TW_EVENT_SCHEMA) ",\"frame\":");
    append_u64(out, ev->frame);
    g_string_append(out, ",\"ts\":\"");
    g_string_append(out, ts);
    g_string_append(out, "\",\"proto\":");
    json_str(out, ev->proto);
    if (ev->src[0]) {
        g_string_append(out, ",\"src\":");
        json_str(out, ev->src);
        g_string_append(out, ",\"sport\":");
        append_u64(out, ev->sport);
        g_string_append(out, ",\"dst\":");
        json_str(out, ev->dst);
        g_string_append(out, ",\"dport\":");
        append_u64(out, ev->dport);
    }
    if (ev->transport) {
        g_string_append(out, ",\"transport\":");
        json_str(out, ev->transport);
    }
    if (ev->ip_proto) {
        g_string_append(out, ",\"ip_proto\":");
        append_u64(out, ev->ip_proto);
        char cid[TW_COMMUNITY_ID_LEN];
        if (tw_event_community_id(ev, cid)) {
            g_string_append(out, ",\"community_id\":\"");
            g_string_append(out, cid);
            g_string_append_c(out, '"');
        }
    }
    if (ev->has_mac) {
        g_string_append(out, ",\"src_mac\":");
        append_mac(out, ev->src_mac);
        g_string_append(out, ",\"dst_mac\":");
        append_mac(out, ev->dst_mac);
    }
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        g_string_append_c(out, ',');
        json_str(out, f->key);
        g_string_append_c(out, ':');
        switch (f->type) {
        case TW_FIELD_INT:
            append_i64(out, f->v.i);
            break;
        case TW_FIELD_BOOL:
            g_string_append(out, f->v.b ? "true" : "false");
            break;
        case TW_FIELD_STR:
            json_str(out, f->v.s);
            break;
        case TW_FIELD_INTLIST:
            g_string_append_c(out, '[');
            for (guint j = 0; j < f->v.ilist->len; j++) {
                if (j)
                    g_string_append_c(out, ',');
                append_i64(out, g_array_index(f->v.ilist, gint64, j));
            }
            g_string_append_c(out, ']');
            break;
        case TW_FIELD_STRLIST:
            g_string_append_c(out, '[');
            for (guint j = 0; j < f->v.slist->len; j++) {
                if (j)
                    g_string_append_c(out, ',');
                json_str(out, g_ptr_array_index(f->v.slist, j));
            }
            g_string_append_c(out, ']');
            break;
        }
    }
    g_string_append_c(out, '}');
}
