/* event.c — typed events and their NDJSON form (docs/events.md). */
#include "event.h"
#include "community-id.h"
#include "json-writer.h"
#include "tw-limits.h"

#include <stdio.h>
#include <string.h>

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

static inline void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* The proleptic Gregorian date of a day counted from 1970-01-01 (what
 * gmtime_r gives; the era arithmetic of H. Hinnant's days_from_civil
 * inverse: 400-year eras of 146097 days starting on March 1st, so the leap
 * day is the last day of a year).  Days before 1970 are negative. */
static void civil_from_days(gint64 z, gint64 *y, unsigned *m, unsigned *d)
{
    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    gint64 era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11], 0 = March */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (gint64)yoe + era * 400 + (*m <= 2);
}

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
        gint64 days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        unsigned sod = (unsigned)(secs - days * 86400); /* [0, 86399] */
        gint64 year;
        unsigned mon, mday;
        civil_from_days(days, &year, &mon, &mday);
        /* Four digits by the clamp above: the text always fits its 32 bytes. */
        unsigned y = (unsigned)CLAMP(year, 1, 9999);
        char *o = time_cache_prefix;
        put2(o, y / 100);
        put2(o + 2, y % 100);
        o[4] = '-';
        put2(o + 5, mon);
        o[7] = '-';
        put2(o + 8, mday);
        o[10] = 'T';
        put2(o + 11, sod / 3600);
        o[13] = ':';
        put2(o + 14, sod / 60 % 60);
        o[16] = ':';
        put2(o + 17, sod % 60);
        o[19] = 0;
        time_cache_secs = secs;
        time_cache_valid = true;
    }
    memcpy(out, time_cache_prefix, 19);
    out[19] = '.';
    unsigned u = (unsigned)us;
    put2(out + 20, u / 10000);
    put2(out + 22, u / 100 % 100);
    put2(out + 24, u % 100);
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

static void append_mac(TwJsonWriter *w, const guint8 mac[6])
{
    static const char hexd[] = "0123456789abcdef";
    tw_json_reserve(w, 19);
    char *b = w->p;
    b[0] = '"';
    for (int i = 0; i < 6; i++) {
        b[1 + 3 * i] = hexd[mac[i] >> 4];
        b[2 + 3 * i] = hexd[mac[i] & 15];
        b[3 + 3 * i] = i < 5 ? ':' : '"';
    }
    w->p += 19;
}

bool tw_event_community_id(const TwEvent *ev, char out[32])
{
    G_STATIC_ASSERT(TW_COMMUNITY_ID_LEN == 32);
    out[0] = 0;
    if (!ev->ip_proto || !ev->src[0] || !ev->dst[0])
        return false;
    return tw_community_id_v1(0, ev->src, ev->dst, ev->ip_proto, ev->sport, ev->dport, out);
}

/* ,"key": of a field, from a per-thread cache of the last keys written
 * (TW_JSON_KEY_CACHE_SLOTS, direct-mapped by the key's address).  A field's
 * key is interned (event.h), and interned strings are never freed or
 * changed, so the same address is the same text: a hit needs no compare. */
#define KEY_TEXT_MAX 48 /* ,"key": of keys up to 44 plain bytes; longer ones are not cached */

typedef struct {
    const char *key;
    guint32 len;
    char text[KEY_TEXT_MAX];
} KeySlot;

G_STATIC_ASSERT((TW_JSON_KEY_CACHE_SLOTS & (TW_JSON_KEY_CACHE_SLOTS - 1)) == 0);
static _Thread_local KeySlot key_cache[TW_JSON_KEY_CACHE_SLOTS];

static void json_member_key(TwJsonWriter *w, const char *key)
{
    guintptr h = (guintptr)key;
    KeySlot *slot = &key_cache[((h >> 3) ^ (h >> 12)) & (TW_JSON_KEY_CACHE_SLOTS - 1)];
    if (G_LIKELY(slot->key == key)) {
        tw_json_reserve(w, KEY_TEXT_MAX);
        memcpy(w->p, slot->text, KEY_TEXT_MAX); /* whole: a constant-size copy */
        w->p += slot->len;
        return;
    }
    gsize off = (gsize)(w->p - w->g->str); /* the GString may move */
    tw_json_char(w, ',');
    tw_json_str(w, key);
    tw_json_char(w, ':');
    gsize len = (gsize)(w->p - w->g->str) - off;
    if (len <= KEY_TEXT_MAX) {
        memcpy(slot->text, w->g->str + off, len);
        slot->len = (guint32)len;
        slot->key = key;
    }
}

/* JSON strings as json-writer.h escapes them (RFC 8259 7): bytes >= 0x80
 * pass through as the strings are UTF-8 by construction, except invalid
 * sequences which are replaced so the output always parses. */
void tw_event_to_json(const TwEvent *ev, GString *out)
{
    TwJsonWriter jw, *w = &jw;
    tw_json_writer_begin(w, out);
    tw_json_lit(w, "{\"schema\":" G_STRINGIFY(TW_EVENT_SCHEMA) ",\"frame\":");
    tw_json_u64(w, ev->frame);
    tw_json_reserve(w, 9 + 27 + 1);
    memcpy(w->p, ",\"ts\":\"", 7);
    tw_format_time(ev->ts_us, w->p + 7); /* 27 bytes and a NUL, overwritten next */
    w->p += 7 + 27;
    tw_json_lit(w, "\",\"proto\":");
    tw_json_str(w, ev->proto);
    if (ev->src[0]) {
        tw_json_lit(w, ",\"src\":");
        tw_json_str(w, ev->src);
        tw_json_lit(w, ",\"sport\":");
        tw_json_u64(w, ev->sport);
        tw_json_lit(w, ",\"dst\":");
        tw_json_str(w, ev->dst);
        tw_json_lit(w, ",\"dport\":");
        tw_json_u64(w, ev->dport);
    }
    if (ev->transport) {
        tw_json_lit(w, ",\"transport\":");
        tw_json_str(w, ev->transport);
    }
    if (ev->ip_proto) {
        tw_json_lit(w, ",\"ip_proto\":");
        tw_json_u64(w, ev->ip_proto);
        char cid[TW_COMMUNITY_ID_LEN];
        if (tw_event_community_id(ev, cid)) {
            tw_json_lit(w, ",\"community_id\":\"");
            tw_json_raw(w, cid, strlen(cid));
            tw_json_char(w, '"');
        }
    }
    if (ev->has_mac) {
        tw_json_lit(w, ",\"src_mac\":");
        append_mac(w, ev->src_mac);
        tw_json_lit(w, ",\"dst_mac\":");
        append_mac(w, ev->dst_mac);
    }
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        json_member_key(w, f->key);
        switch (f->type) {
        case TW_FIELD_INT:
            tw_json_i64(w, f->v.i);
            break;
        case TW_FIELD_BOOL:
            if (f->v.b)
                tw_json_lit(w, "true");
            else
                tw_json_lit(w, "false");
            break;
        case TW_FIELD_STR:
            tw_json_str(w, f->v.s);
            break;
        case TW_FIELD_INTLIST:
            tw_json_char(w, '[');
            for (guint j = 0; j < f->v.ilist->len; j++) {
                if (j)
                    tw_json_char(w, ',');
                tw_json_i64(w, g_array_index(f->v.ilist, gint64, j));
            }
            tw_json_char(w, ']');
            break;
        case TW_FIELD_STRLIST:
            tw_json_char(w, '[');
            for (guint j = 0; j < f->v.slist->len; j++) {
                if (j)
                    tw_json_char(w, ',');
                tw_json_str(w, g_ptr_array_index(f->v.slist, j));
            }
            tw_json_char(w, ']');
            break;
        }
    }
    tw_json_char(w, '}');
    tw_json_writer_end(w);
}
