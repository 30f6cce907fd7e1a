/* ecs.c — Elastic Common Schema 9.4 documents (docs/ecs.md): one per event
 * (-T ecs, --write ecs:FILE) and one per finding (the end of -T ecs, and
 * --alerts-format ecs for --alerts and --publish).  ECS names what ECS
 * defines (who, where, outcome, error); everything protocol-specific goes
 * under `trustwire.*` with its docs/events.md name and type, so the index
 * template can map that namespace from docs/events.schema.json.  Nothing
 * here decides a verdict: the categorisation is a fixed function of the
 * event's typed fields. */
#include "sink.h"
#include "core/json-writer.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define TW_ECS_VERSION "9.4.0"

static char *observer_name;

void tw_ecs_set_observer(const char *name)
{
    g_free(observer_name);
    observer_name = g_strdup(name);
}

static const char *observer(const char *source)
{
    /* --from-events: the input is the sensor that saw the packet */
    return source ? source : observer_name ? observer_name : "trustwire";
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
    if (!v)
        return;
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

static void add_strv(JsonBuilder *b, const char *name, GPtrArray *v)
{
    if (!v || !v->len)
        return;
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint i = 0; i < v->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(v, i));
    json_builder_end_array(b);
}

static void add_time(JsonBuilder *b, const char *name, gint64 ts_us)
{
    char t[32];
    tw_format_time(ts_us, t);
    add_str(b, name, t);
}

/* A set of strings in first-seen order (related.*). */
static void add_unique(GPtrArray *set, const char *s)
{
    if (!s || !*s)
        return;
    for (guint i = 0; i < set->len; i++)
        if (strcmp(g_ptr_array_index(set, i), s) == 0)
            return;
    g_ptr_array_add(set, g_strdup(s));
}

/* ECS: MAC addresses as RFC 7042 writes them, upper-case hex joined by '-'. */
static void add_mac(JsonBuilder *b, const guint8 m[6])
{
    char s[18];
    g_snprintf(s, sizeof s, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
    add_str(b, "mac", s);
}

static void finish(JsonBuilder *b, GString *out)
{
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    g_autofree char *s = json_generator_to_data(gen, NULL);
    g_string_append(out, s);
    g_string_append_c(out, '\n');
}

/* `iface`: the capture interface, observer.ingress.interface.name (or NULL). */
static void add_observer(JsonBuilder *b, const char *name, const char *iface)
{
    json_builder_set_member_name(b, "observer");
    json_builder_begin_object(b);
    add_str(b, "name", name);
    add_str(b, "product", "trustwire");
    add_str(b, "vendor", "trustwire");
    add_str(b, "type", "sensor");
    if (iface) {
        json_builder_set_member_name(b, "ingress");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "interface");
        json_builder_begin_object(b);
        add_str(b, "name", iface);
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

/* "0x%08x" → value; false when absent or not hex. */
static bool hex_field(const TwEvent *ev, const char *key, guint32 *v)
{
    const char *s = tw_event_get_str(ev, key);
    if (!s || !g_str_has_prefix(s, "0x"))
        return false;
    char *end = NULL;
    guint64 x = g_ascii_strtoull(s + 2, &end, 16);
    if (!end || *end || x > G_MAXUINT32)
        return false;
    *v = (guint32)x;
    return true;
}

/* A machine account "NAME$" → "NAME" (host.name), else NULL. */
static char *machine_host(const char *account)
{
    gsize n = account ? strlen(account) : 0;
    if (n < 2 || account[n - 1] != '$' || strchr(account, '/'))
        return NULL;
    return g_strndup(account, n - 1);
}

/* docs/events.md "Values cut by the capture": identities are read with
 * tw_event_get_whole_str, which looks up KEY_truncated for every key.  An
 * event with no *_truncated field at all (nearly every one) has no cut
 * value, and its whole strings are its strings. */
static bool any_cut(const TwEvent *ev)
{
    static const char sfx[] = "_truncated";
    for (guint i = 0; i < ev->fields->len; i++) {
        const char *k = g_array_index(ev->fields, TwField, i).key;
        gsize n = strlen(k);
        if (n >= sizeof sfx - 1 && memcmp(k + n - (sizeof sfx - 1), sfx, sizeof sfx - 1) == 0)
            return true;
    }
    return false;
}

static const char *whole_str(const TwEvent *ev, bool cut, const char *key)
{
    return cut ? tw_event_get_whole_str(ev, key) : tw_event_get_str(ev, key);
}

/* related.*: every account and host name the message names (both writers
 * of the per-event document). */
static void related_names(const TwEvent *ev, bool cut, GPtrArray *rel_user, GPtrArray *rel_host)
{
    static const char *const users[] = { "cname", "for_user", "account", "user", "logon_user", NULL };
    static const char *const hosts[] = { "computer", "workstation", "nb_computer", "dns_computer", "dns_host_name",
                                         "nl_auth_host", "nl_auth_dns_host", NULL };
    for (const char *const *k = users; *k; k++) {
        const char *u = whole_str(ev, cut, *k);
        add_unique(rel_user, u);
        g_autofree char *h = machine_host(u);
        add_unique(rel_host, h);
    }
    for (const char *const *k = hosts; *k; k++)
        add_unique(rel_host, whole_str(ev, cut, *k));
}

typedef struct {
    const char *category[2];
    const char *type[2];
    const char *outcome;    /* success / failure / unknown, or NULL */
    const char *action;
    const char *user, *domain;
    char *error_code;       /* owned */
    const char *error_msg, *error_type;
} Ecs;

/* docs/ecs.md "Categorisation": a function of proto and typed fields only. */
static void categorise(const TwEvent *ev, bool cut, Ecs *c)
{
    const char *p = ev->proto;
    guint32 st;
    c->category[0] = "network";
    c->type[0] = "protocol";
    if (is(p, "kerberos") || is(p, "ntlmssp") || is(p, "ldap")) {
        c->category[0] = "authentication";
        c->type[0] = "info";
    } else if (is(p, "http")) {
        c->category[0] = "web";
        c->category[1] = "authentication";
        c->type[0] = "info";
    } else if (is(p, "netlogon")) {
        const char *op = tw_event_get_str(ev, "op");
        if (op && strstr(op, "PasswordSet")) {
            c->category[0] = "iam";
            c->type[0] = "change";
            c->type[1] = "user";
        } else {
            c->category[0] = "authentication";
            c->type[0] = "info";
        }
    } else if (is(p, "samr")) {
        const char *op = tw_event_get_str(ev, "op");
        c->category[0] = "iam";
        c->type[0] = "info";
        if (tw_event_get_bool(ev, "sets_password", false)) {
            c->type[0] = "change";
            c->type[1] = "user";
        } else if (op && strstr(op, "CreateUser")) {
            c->type[0] = "creation";
            c->type[1] = "user";
        } else if (op && strstr(op, "DeleteUser")) {
            c->type[0] = "deletion";
            c->type[1] = "user";
        }
    } else if (is(p, "anomaly")) {
        c->type[0] = "info";
    }

    /* The action: what the message is. */
    static const char *const action_keys[] = { "msg", "op", "command", "pdu", "ntlmssp_type", "mode_name", "kind", NULL };
    for (const char *const *k = action_keys; *k && !c->action; k++)
        c->action = tw_event_get_str(ev, *k);
    if (is(p, "http") && tw_event_has(ev, "http_method"))
        c->action = tw_event_get_str(ev, "http_method");

    /* Outcome and error, from the result the message carries. */
    gint64 code = tw_event_get_int(ev, "error_code", -1);
    if (is(p, "kerberos")) {
        gint64 mt = tw_event_get_int(ev, "msg_type", 0);
        if (mt == 30) {
            /* KDC_ERR_PREAUTH_REQUIRED is the normal first round trip
             * (RFC 4120 5.2.7) and KRB_ERR_RESPONSE_TOO_BIG asks for TCP
             * (7.2.1): error messages, not failed logons */
            c->outcome = code == 25 || code == 52 ? "unknown" : "failure";
            c->error_code = g_strdup_printf("%" G_GINT64_FORMAT, code);
            c->error_msg = tw_event_get_str(ev, "error_name");
            c->error_type = "KRB-ERROR";
        } else if (mt == 11 || mt == 13 || mt == 15) {
            c->outcome = "success";
        }
    } else if (hex_field(ev, "nt_status", &st)) {
        /* MS-ERREF 2.3: severity bits 11 error, 00 success; pending and
         * more-processing are neither yet */
        if (st == 0)
            c->outcome = "success";
        else if (st == 0x00000103 || st == 0xc0000016)
            c->outcome = "unknown";
        else if ((st >> 30) == 3 || (st >> 30) == 2) {
            c->outcome = "failure";
            c->error_code = g_strdup(tw_event_get_str(ev, "nt_status"));
            c->error_msg = tw_event_get_str(ev, "nt_status_name");
            c->error_type = "NTSTATUS";
        } else {
            c->outcome = "success";
        }
    } else if (hex_field(ev, "win32_status", &st)) {
        c->outcome = st == 0 ? "success" : "failure";
        if (st) {
            c->error_code = g_strdup(tw_event_get_str(ev, "win32_status"));
            c->error_msg = tw_event_get_str(ev, "win32_status_name");
            c->error_type = "Win32";
        }
    } else if (hex_field(ev, "fault_status", &st)) {
        c->outcome = "failure";
        c->error_code = g_strdup(tw_event_get_str(ev, "fault_status"));
        c->error_msg = tw_event_get_str(ev, "fault_status_name");
        c->error_type = "DCE/RPC fault";
    } else if (is(p, "ldap") && tw_event_has(ev, "result_code")) {
        gint64 rc = tw_event_get_int(ev, "result_code", 0);
        c->outcome = rc == 0 ? "success" : rc == 14 ? "unknown" : "failure"; /* 14 saslBindInProgress */
        if (rc != 0 && rc != 14) {
            c->error_code = g_strdup_printf("%" G_GINT64_FORMAT, rc);
            c->error_msg = tw_event_get_str(ev, "result_name");
            c->error_type = "LDAP";
        }
    } else if (is(p, "http") && tw_event_has(ev, "http_status")) {
        gint64 hs = tw_event_get_int(ev, "http_status", 0);
        c->outcome = hs >= 200 && hs < 400 ? "success" : hs == 401 || hs == 407 ? "failure" : "unknown";
    }

    /* Who: the account the message is about. */
    if (is(p, "kerberos")) {
        c->user = whole_str(ev, cut, "cname");
        c->domain = whole_str(ev, cut, "crealm");
        if (c->user && !c->domain && tw_event_get_int(ev, "msg_type", 0) == 10)
            c->domain = whole_str(ev, cut, "realm"); /* AS-REQ: the client's realm */
    } else if (is(p, "ntlmssp") || is(p, "smb2") || is(p, "samr")) {
        c->user = whole_str(ev, cut, "user");
        c->domain = whole_str(ev, cut, "domain");
    } else if (is(p, "netlogon")) {
        c->user = whole_str(ev, cut, "logon_user");
        c->domain = whole_str(ev, cut, "logon_domain");
        if (!c->user)
            c->user = whole_str(ev, cut, "account");
    }
    if (c->user && !*c->user)
        c->user = NULL;
    if (c->domain && !*c->domain)
        c->domain = NULL;
}

static void add_field_value(JsonBuilder *b, const TwField *f)
{
    switch (f->type) {
    case TW_FIELD_INT:
        json_builder_add_int_value(b, f->v.i);
        break;
    case TW_FIELD_BOOL:
        json_builder_add_boolean_value(b, f->v.b);
        break;
    case TW_FIELD_STR:
        json_builder_add_string_value(b, f->v.s);
        break;
    case TW_FIELD_INTLIST:
        json_builder_begin_array(b);
        for (guint j = 0; j < f->v.ilist->len; j++)
            json_builder_add_int_value(b, g_array_index(f->v.ilist, gint64, j));
        json_builder_end_array(b);
        break;
    case TW_FIELD_STRLIST:
        json_builder_begin_array(b);
        for (guint j = 0; j < f->v.slist->len; j++)
            json_builder_add_string_value(b, g_ptr_array_index(f->v.slist, j));
        json_builder_end_array(b);
        break;
    }
}

static void add_endpoint(JsonBuilder *b, const char *name, const char *ip, guint16 port, const guint8 *mac)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    add_str(b, "ip", ip);
    add_int(b, "port", port);
    if (mac)
        add_mac(b, mac);
    json_builder_end_object(b);
}

/* The document through JsonBuilder: for an event whose own field is named
 * like a trustwire.* member written before the fields (the builder keeps
 * the first place and the last value; see tw_ecs_event_json). */
static void ecs_event_json_builder(const TwEvent *ev, const char *source, GString *out)
{
    Ecs c = { 0 };
    bool cut = any_cut(ev);
    categorise(ev, cut, &c);
    g_autoptr(GPtrArray) rel_ip = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) rel_user = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) rel_host = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *host = machine_host(c.user);
    if (!host && is(ev->proto, "netlogon"))
        host = g_strdup(whole_str(ev, cut, "computer"));
    if (host && !*host)
        g_clear_pointer(&host, g_free);

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_time(b, "@timestamp", ev->ts_us);
    json_builder_set_member_name(b, "ecs");
    json_builder_begin_object(b);
    add_str(b, "version", TW_ECS_VERSION);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "event");
    json_builder_begin_object(b);
    add_str(b, "kind", "event");
    add_str(b, "module", "trustwire");
    g_autofree char *dataset = g_strconcat("trustwire.", ev->proto, NULL);
    add_str(b, "dataset", dataset);
    json_builder_set_member_name(b, "category");
    json_builder_begin_array(b);
    for (int i = 0; i < 2 && c.category[i]; i++)
        json_builder_add_string_value(b, c.category[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "type");
    json_builder_begin_array(b);
    for (int i = 0; i < 2 && c.type[i]; i++)
        json_builder_add_string_value(b, c.type[i]);
    json_builder_end_array(b);
    add_str(b, "outcome", c.outcome);
    add_str(b, "action", c.action);
    json_builder_end_object(b);

    add_observer(b, observer(source), NULL);

    if (ev->src[0]) {
        add_endpoint(b, "source", ev->src, ev->sport, ev->has_mac ? ev->src_mac : NULL);
        add_endpoint(b, "destination", ev->dst, ev->dport, ev->has_mac ? ev->dst_mac : NULL);
        add_unique(rel_ip, ev->src);
        add_unique(rel_ip, ev->dst);
    }
    json_builder_set_member_name(b, "network");
    json_builder_begin_object(b);
    add_str(b, "protocol", ev->proto);
    if (ev->ip_proto) {
        add_str(b, "transport", ev->ip_proto == 6 ? "tcp" : ev->ip_proto == 17 ? "udp" : NULL);
        char n[4];
        g_snprintf(n, sizeof n, "%u", ev->ip_proto);
        add_str(b, "iana_number", n);
    }
    if (ev->src[0])
        add_str(b, "type", strchr(ev->src, ':') ? "ipv6" : "ipv4");
    char cid[32];
    if (tw_event_community_id(ev, cid))
        add_str(b, "community_id", cid);
    json_builder_end_object(b);

    if (c.user) {
        json_builder_set_member_name(b, "user");
        json_builder_begin_object(b);
        add_str(b, "name", c.user);
        add_str(b, "domain", c.domain);
        json_builder_end_object(b);
        add_unique(rel_user, c.user);
    }
    if (host) {
        json_builder_set_member_name(b, "host");
        json_builder_begin_object(b);
        add_str(b, "name", host);
        json_builder_end_object(b);
        add_unique(rel_host, host);
    }
    if (c.error_code) {
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        add_str(b, "code", c.error_code);
        add_str(b, "message", c.error_msg);
        add_str(b, "type", c.error_type);
        json_builder_end_object(b);
    }
    if (is(ev->proto, "http")) {
        const char *method = tw_event_get_str(ev, "http_method");
        gint64 status = tw_event_get_int(ev, "http_status", 0);
        if (method || status) {
            json_builder_set_member_name(b, "http");
            json_builder_begin_object(b);
            if (method) {
                json_builder_set_member_name(b, "request");
                json_builder_begin_object(b);
                add_str(b, "method", method);
                json_builder_end_object(b);
            }
            if (status) {
                json_builder_set_member_name(b, "response");
                json_builder_begin_object(b);
                add_int(b, "status_code", status);
                json_builder_end_object(b);
            }
            json_builder_end_object(b);
        }
        if (whole_str(ev, cut, "http_uri")) {
            json_builder_set_member_name(b, "url");
            json_builder_begin_object(b);
            add_str(b, "original", tw_event_get_str(ev, "http_uri"));
            json_builder_end_object(b);
        }
    }

    related_names(ev, cut, rel_user, rel_host);
    if (rel_ip->len || rel_user->len || rel_host->len) {
        json_builder_set_member_name(b, "related");
        json_builder_begin_object(b);
        add_strv(b, "ip", rel_ip);
        add_strv(b, "user", rel_user);
        add_strv(b, "hosts", rel_host);
        json_builder_end_object(b);
    }

    g_autoptr(GString) msg = g_string_new(NULL);
    tw_event_summary_line(ev, msg);
    add_str(b, "message", g_strchug(msg->str));

    /* trustwire.*: the event's own fields, docs/events.md names and types */
    json_builder_set_member_name(b, "trustwire");
    json_builder_begin_object(b);
    add_int(b, "frame", (gint64)ev->frame);
    add_str(b, "proto", ev->proto);
    add_str(b, "transport", ev->transport);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        json_builder_set_member_name(b, f->key);
        add_field_value(b, f);
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    finish(b, out);
    g_free(c.error_code);
}

/* ---- the per-event document, written directly ----
 * -T ecs writes one document per event: built with JsonBuilder and written
 * by JsonGenerator it cost about 300,000 instructions each.  This writes the
 * same bytes with core/json-writer.h (json-glib's escaping, its integer
 * text, members in the same order, absent values left out as add_str and
 * add_strv leave them out). */
typedef struct {
    TwJsonWriter w;
    int depth;
    bool first[8]; /* per open object/array: no member written yet */
} Doc;

static void doc_sep(Doc *d)
{
    if (!d->first[d->depth])
        tw_json_char(&d->w, ',');
    d->first[d->depth] = false;
}

static void doc_key(Doc *d, const char *name)
{
    doc_sep(d);
    tw_json_str_glib(&d->w, name);
    tw_json_char(&d->w, ':');
}

/* Opens an object or array: an array element (key NULL) or the member
 * whose name text ("name":) is key. */
static void doc_open_(Doc *d, const char *key, gsize klen, char c)
{
    doc_sep(d);
    if (key)
        tw_json_raw(&d->w, key, klen);
    tw_json_char(&d->w, c);
    g_assert(d->depth + 1 < (int)G_N_ELEMENTS(d->first));
    d->first[++d->depth] = true;
}
#define DOC_KEY(name) "\"" name "\":", sizeof("\"" name "\":") - 1
#define doc_open(d, name, c) doc_open_((d), DOC_KEY(name), (c))

static void doc_close(Doc *d, char c)
{
    tw_json_char(&d->w, c);
    d->depth--;
}

/* A member name that is a plain literal: written as it is. */
#define doc_key_lit(d, name) (doc_sep(d), tw_json_lit(&(d)->w, "\"" name "\":"))
#define doc_str(d, name, v) doc_str_((d), DOC_KEY(name), (v))

static void doc_str_(Doc *d, const char *key, gsize klen, const char *v)
{
    if (!v)
        return;
    doc_sep(d);
    tw_json_raw(&d->w, key, klen);
    tw_json_str_glib(&d->w, v);
}

static void doc_elem_str(Doc *d, const char *v)
{
    doc_sep(d);
    tw_json_str_glib(&d->w, v);
}

static void doc_int_(Doc *d, const char *key, gsize klen, gint64 v)
{
    doc_sep(d);
    tw_json_raw(&d->w, key, klen);
    tw_json_i64(&d->w, v);
}
#define doc_int(d, name, v) doc_int_((d), DOC_KEY(name), (v))

static void doc_strv_(Doc *d, const char *key, gsize klen, GPtrArray *v)
{
    if (!v || !v->len)
        return;
    doc_open_(d, key, klen, '[');
    for (guint i = 0; i < v->len; i++)
        doc_elem_str(d, g_ptr_array_index(v, i));
    doc_close(d, ']');
}
#define doc_strv(d, name, v) doc_strv_((d), DOC_KEY(name), (v))

static void doc_field_value(Doc *d, const TwField *f)
{
    switch (f->type) {
    case TW_FIELD_INT:
        tw_json_i64(&d->w, f->v.i);
        break;
    case TW_FIELD_BOOL:
        if (f->v.b)
            tw_json_lit(&d->w, "true");
        else
            tw_json_lit(&d->w, "false");
        break;
    case TW_FIELD_STR:
        tw_json_str_glib(&d->w, f->v.s);
        break;
    case TW_FIELD_INTLIST:
        tw_json_char(&d->w, '[');
        for (guint j = 0; j < f->v.ilist->len; j++) {
            if (j)
                tw_json_char(&d->w, ',');
            tw_json_i64(&d->w, g_array_index(f->v.ilist, gint64, j));
        }
        tw_json_char(&d->w, ']');
        break;
    case TW_FIELD_STRLIST:
        tw_json_char(&d->w, '[');
        for (guint j = 0; j < f->v.slist->len; j++) {
            if (j)
                tw_json_char(&d->w, ',');
            tw_json_str_glib(&d->w, g_ptr_array_index(f->v.slist, j));
        }
        tw_json_char(&d->w, ']');
        break;
    }
}

static void doc_endpoint(Doc *d, const char *key, gsize klen, const char *ip, guint16 port, const guint8 *m)
{
    doc_open_(d, key, klen, '{');
    doc_str(d, "ip", ip);
    doc_int(d, "port", port);
    if (m) {
        /* add_mac: RFC 7042 upper-case hex joined by '-' */
        static const char hexd[] = "0123456789ABCDEF";
        char s[17];
        for (int i = 0; i < 6; i++) {
            s[3 * i] = hexd[m[i] >> 4];
            s[3 * i + 1] = hexd[m[i] & 15];
            if (i < 5)
                s[3 * i + 2] = '-';
        }
        doc_key_lit(d, "mac");
        tw_json_char(&d->w, '"');
        tw_json_raw(&d->w, s, sizeof s);
        tw_json_char(&d->w, '"');
    }
    doc_close(d, '}');
}

/* A field the builder would have merged into a member written before the
 * fields (trustwire.frame, .proto, .transport). */
static bool fields_collide(const TwEvent *ev)
{
    for (guint i = 0; i < ev->fields->len; i++) {
        const char *k = g_array_index(ev->fields, TwField, i).key;
        if (strcmp(k, "frame") == 0 || strcmp(k, "proto") == 0 || strcmp(k, "transport") == 0)
            return true;
    }
    return false;
}

void tw_ecs_event_json(const TwEvent *ev, const char *source, GString *out)
{
    if (fields_collide(ev)) {
        ecs_event_json_builder(ev, source, out);
        return;
    }
    Ecs c = { 0 };
    bool cut = any_cut(ev);
    categorise(ev, cut, &c);
    g_autoptr(GPtrArray) rel_ip = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) rel_user = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) rel_host = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *host = machine_host(c.user);
    if (!host && is(ev->proto, "netlogon"))
        host = g_strdup(whole_str(ev, cut, "computer"));
    if (host && !*host)
        g_clear_pointer(&host, g_free);

    Doc doc = { .first = { true } }, *d = &doc;
    tw_json_writer_begin(&d->w, out);
    tw_json_char(&d->w, '{');
    char t[32];
    tw_format_time(ev->ts_us, t);
    doc_str(d, "@timestamp", t);
    doc_open(d, "ecs", '{');
    doc_str(d, "version", TW_ECS_VERSION);
    doc_close(d, '}');

    doc_open(d, "event", '{');
    doc_str(d, "kind", "event");
    doc_str(d, "module", "trustwire");
    doc_key_lit(d, "dataset");
    {
        g_autofree char *dataset = g_strconcat("trustwire.", ev->proto, NULL);
        tw_json_str_glib(&d->w, dataset);
    }
    doc_open(d, "category", '[');
    for (int i = 0; i < 2 && c.category[i]; i++)
        doc_elem_str(d, c.category[i]);
    doc_close(d, ']');
    doc_open(d, "type", '[');
    for (int i = 0; i < 2 && c.type[i]; i++)
        doc_elem_str(d, c.type[i]);
    doc_close(d, ']');
    doc_str(d, "outcome", c.outcome);
    doc_str(d, "action", c.action);
    doc_close(d, '}');

    /* add_observer(b, observer(source), NULL) */
    doc_open(d, "observer", '{');
    doc_str(d, "name", observer(source));
    doc_str(d, "product", "trustwire");
    doc_str(d, "vendor", "trustwire");
    doc_str(d, "type", "sensor");
    doc_close(d, '}');

    if (ev->src[0]) {
        doc_endpoint(d, DOC_KEY("source"), ev->src, ev->sport, ev->has_mac ? ev->src_mac : NULL);
        doc_endpoint(d, DOC_KEY("destination"), ev->dst, ev->dport, ev->has_mac ? ev->dst_mac : NULL);
        add_unique(rel_ip, ev->src);
        add_unique(rel_ip, ev->dst);
    }
    doc_open(d, "network", '{');
    doc_str(d, "protocol", ev->proto);
    if (ev->ip_proto) {
        doc_str(d, "transport", ev->ip_proto == 6 ? "tcp" : ev->ip_proto == 17 ? "udp" : NULL);
        char n[4];
        char *ns = tw_json_format_u64(ev->ip_proto, n + sizeof n - 1);
        n[sizeof n - 1] = 0;
        doc_str(d, "iana_number", ns);
    }
    if (ev->src[0])
        doc_str(d, "type", strchr(ev->src, ':') ? "ipv6" : "ipv4");
    char cid[32];
    if (tw_event_community_id(ev, cid))
        doc_str(d, "community_id", cid);
    doc_close(d, '}');

    if (c.user) {
        doc_open(d, "user", '{');
        doc_str(d, "name", c.user);
        doc_str(d, "domain", c.domain);
        doc_close(d, '}');
        add_unique(rel_user, c.user);
    }
    if (host) {
        doc_open(d, "host", '{');
        doc_str(d, "name", host);
        doc_close(d, '}');
        add_unique(rel_host, host);
    }
    if (c.error_code) {
        doc_open(d, "error", '{');
        doc_str(d, "code", c.error_code);
        doc_str(d, "message", c.error_msg);
        doc_str(d, "type", c.error_type);
        doc_close(d, '}');
    }
    if (is(ev->proto, "http")) {
        const char *method = tw_event_get_str(ev, "http_method");
        gint64 status = tw_event_get_int(ev, "http_status", 0);
        if (method || status) {
            doc_open(d, "http", '{');
            if (method) {
                doc_open(d, "request", '{');
                doc_str(d, "method", method);
                doc_close(d, '}');
            }
            if (status) {
                doc_open(d, "response", '{');
                doc_int(d, "status_code", status);
                doc_close(d, '}');
            }
            doc_close(d, '}');
        }
        if (whole_str(ev, cut, "http_uri")) {
            doc_open(d, "url", '{');
            doc_str(d, "original", tw_event_get_str(ev, "http_uri"));
            doc_close(d, '}');
        }
    }

    related_names(ev, cut, rel_user, rel_host);
    if (rel_ip->len || rel_user->len || rel_host->len) {
        doc_open(d, "related", '{');
        doc_strv(d, "ip", rel_ip);
        doc_strv(d, "user", rel_user);
        doc_strv(d, "hosts", rel_host);
        doc_close(d, '}');
    }

    g_autoptr(GString) msg = g_string_new(NULL);
    tw_event_summary_line(ev, msg);
    doc_str(d, "message", g_strchug(msg->str));

    /* trustwire.*: the event's own fields, docs/events.md names and types */
    doc_open(d, "trustwire", '{');
    doc_int(d, "frame", (gint64)ev->frame);
    doc_str(d, "proto", ev->proto);
    doc_str(d, "transport", ev->transport);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        doc_key(d, f->key);
        doc_field_value(d, f);
    }
    doc_close(d, '}');
    g_assert(d->depth == 0);
    tw_json_char(&d->w, '}'); /* the document, opened at depth 0 */
    tw_json_char(&d->w, '\n');
    tw_json_writer_end(&d->w);
    g_free(c.error_code);
}

/* docs/ecs.md "Findings": severity by state (Elastic's low 21, medium 47,
 * high 73 bands). */
static gint64 severity(TwState s)
{
    switch (s) {
    case TW_STATE_BROKEN: return 73;
    case TW_STATE_AT_RISK: return 47;
    case TW_STATE_RECOVERED: return 21;
    default: return 0;
    }
}

static void add_evidence(JsonBuilder *b, const char *prefix, const TwEvidence *e)
{
    g_autofree char *frame = g_strconcat(prefix, "_frame", NULL);
    g_autofree char *ts = g_strconcat(prefix, "_ts", NULL);
    g_autofree char *source = g_strconcat(prefix, "_source", NULL);
    add_int(b, frame, (gint64)e->frame);
    add_time(b, ts, e->ts_us);
    add_str(b, source, e->source);
}

void tw_ecs_alert_json(const TwMachine *m, const TwFinding *f, const TwEcsAlertExtra *x, GString *out)
{
    const TwEvidence *first = NULL, *last = NULL;
    if (f->evidence->len) {
        first = g_ptr_array_index(f->evidence, 0);
        for (guint i = 1; i < f->evidence->len; i++) {
            const TwEvidence *e = g_ptr_array_index(f->evidence, i);
            if (e->ts_us < first->ts_us)
                first = e;
        }
        last = g_ptr_array_index(f->evidence, f->evidence->len - 1);
    }
    bool alert = f->state >= TW_STATE_RECOVERED;
    g_autofree char *id = tw_finding_id(m, f);
    g_autofree char *host = machine_host(m->account);
    const char *addr_only = g_str_has_prefix(m->key, "ip:") ? m->key + 3 : NULL;

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_time(b, "@timestamp", last ? last->ts_us : m->last_ts);
    json_builder_set_member_name(b, "ecs");
    json_builder_begin_object(b);
    add_str(b, "version", TW_ECS_VERSION);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "event");
    json_builder_begin_object(b);
    add_str(b, "kind", alert ? "alert" : "state");
    add_str(b, "module", "trustwire");
    add_str(b, "dataset", "trustwire.finding");
    add_str(b, "id", id);
    json_builder_set_member_name(b, "category");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "authentication");
    if (strcmp(f->rule->name, "zerologon") == 0 || strcmp(f->rule->name, "foreign-use") == 0)
        json_builder_add_string_value(b, "intrusion_detection");
    json_builder_end_array(b);
    json_builder_set_member_name(b, "type");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "info");
    json_builder_end_array(b);
    add_int(b, "severity", severity(f->state));
    add_str(b, "action", f->rule->name);
    if (first)
        add_time(b, "start", first->ts_us);
    if (last)
        add_time(b, "end", last->ts_us);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "rule");
    json_builder_begin_object(b);
    add_str(b, "id", f->rule->name);
    add_str(b, "name", f->rule->name);
    add_str(b, "description", f->rule->title);
    add_str(b, "reference", f->rule->reference);
    add_str(b, "ruleset", "trustwire");
    json_builder_end_object(b);

    add_observer(b, x && x->observer ? x->observer : observer(NULL), NULL);

    g_autoptr(GPtrArray) ips = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; m->addrs && i < m->addrs->len; i++)
        add_unique(ips, g_array_index(m->addrs, TwAddrUse, i).addr);
    if (addr_only)
        add_unique(ips, addr_only);
    if (host || ips->len) {
        json_builder_set_member_name(b, "host");
        json_builder_begin_object(b);
        add_str(b, "name", host);
        add_strv(b, "ip", ips);
        json_builder_end_object(b);
    }
    if (m->account) {
        json_builder_set_member_name(b, "user");
        json_builder_begin_object(b);
        add_str(b, "name", m->account);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "related");
    json_builder_begin_object(b);
    add_strv(b, "ip", ips);
    if (m->account) {
        g_autoptr(GPtrArray) u = g_ptr_array_new_with_free_func(g_free);
        add_unique(u, m->account);
        add_strv(b, "user", u);
    }
    if (host) {
        g_autoptr(GPtrArray) h = g_ptr_array_new_with_free_func(g_free);
        add_unique(h, host);
        add_strv(b, "hosts", h);
    }
    json_builder_end_object(b);
    add_str(b, "message", f->summary);

    json_builder_set_member_name(b, "trustwire");
    json_builder_begin_object(b);
    add_str(b, "finding_id", id);
    add_str(b, "machine", m->key);
    add_str(b, "account", m->account);
    add_str(b, "state", tw_state_name(f->state));
    add_str(b, "rule", f->rule->name);
    add_str(b, "confidence", f->confidence);
    add_str(b, "fix", f->fix);
    if (first)
        add_evidence(b, "first", first);
    if (last)
        add_evidence(b, "established", last);
    if (f->has_offset) {
        json_builder_set_member_name(b, "clock_offset_s");
        json_builder_add_double_value(b, f->offset_s);
    }
    if (x && x->live) {
        add_int(b, "capture_drops_before", (gint64)x->drops);
        json_builder_set_member_name(b, "may_have_missed_packets");
        json_builder_add_boolean_value(b, x->drops > 0);
    }
    for (int i = 0; x && i < 2; i++) {
        if (!x->ring_file[i])
            continue;
        static const char *const n[2] = { "first_file", "established_file" };
        add_str(b, n[i], x->ring_file[i]);
        g_autofree char *k = g_strconcat(n[i], "_frame", NULL);
        add_int(b, k, (gint64)x->ring_frame[i]);
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    finish(b, out);
}

static void add_head(JsonBuilder *b, gint64 ts_us, const char *kind, const char *dataset, const char *category,
                     const char *action, const char *iface)
{
    add_time(b, "@timestamp", ts_us);
    json_builder_set_member_name(b, "ecs");
    json_builder_begin_object(b);
    add_str(b, "version", TW_ECS_VERSION);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_begin_object(b);
    add_str(b, "kind", kind);
    add_str(b, "module", "trustwire");
    add_str(b, "dataset", dataset);
    json_builder_set_member_name(b, "category");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, category);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "type");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "info");
    json_builder_end_array(b);
    add_str(b, "action", action);
    json_builder_end_object(b);
    add_observer(b, observer(NULL), iface);
}

void tw_ecs_capture_json(const TwEcsCapture *c, GString *out)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_head(b, c->time_us, "metric", "trustwire.capture", "network", c->why, c->iface);
    json_builder_set_member_name(b, "trustwire");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "capture");
    json_builder_begin_object(b);
    add_str(b, "why", c->why);
    json_builder_set_member_name(b, "interval_s");
    json_builder_add_double_value(b, c->interval_s);
    add_int(b, "received", (gint64)c->received);
    add_int(b, "kernel_drops", (gint64)c->kernel_drops);
    add_int(b, "if_drops", (gint64)c->if_drops);
    add_int(b, "interval_received", (gint64)c->interval_received);
    add_int(b, "interval_kernel_drops", (gint64)c->interval_kernel_drops);
    add_int(b, "interval_if_drops", (gint64)c->interval_if_drops);
    json_builder_set_member_name(b, "lossless");
    json_builder_add_boolean_value(b, c->kernel_drops + c->if_drops == 0);
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    finish(b, out);
}

void tw_ecs_retired_json(const TwMachine *m, TwState state, const TwFinding *f, GString *out)
{
    g_autofree char *host = machine_host(m->account);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_head(b, g_get_real_time(), "state", "trustwire.retirement", "host", "retired", NULL);
    if (host) {
        json_builder_set_member_name(b, "host");
        json_builder_begin_object(b);
        add_str(b, "name", host);
        json_builder_end_object(b);
    }
    if (m->account) {
        json_builder_set_member_name(b, "user");
        json_builder_begin_object(b);
        add_str(b, "name", m->account);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "trustwire");
    json_builder_begin_object(b);
    add_str(b, "machine", m->key);
    add_str(b, "account", m->account);
    add_time(b, "last_seen", m->last_ts);
    add_str(b, "state", tw_state_name(state));
    add_str(b, "rule", f ? f->rule->name : NULL);
    json_builder_end_object(b);
    json_builder_end_object(b);
    finish(b, out);
}

/* ---- -T ecs ---- */

typedef struct {
    TwSink base;
    GString *buf;
} EcsSink;

static void ecs_event(TwSink *sink, const TwEvent *ev)
{
    EcsSink *s = (EcsSink *)sink;
    if (sink->out->err)
        return;
    g_string_truncate(s->buf, 0);
    tw_ecs_event_json(ev, sink->source, s->buf);
    tw_out_write(sink->out, s->buf->str, s->buf->len);
}

/* Every machine's findings, in the report's machine order: an alert for
 * each problem, a state document for each healthy / unknown verdict. */
static int ecs_end(TwSink *sink, TwAnalysis *an)
{
    EcsSink *s = (EcsSink *)sink;
    if (sink->out->err || !an)
        return 0;
    for (guint i = 0; i < an->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(an->machine_order, i);
        if (m->merged_away || tw_machine_only_named(m))
            continue;
        g_autoptr(GPtrArray) fs = tw_rules_eval(an, m);
        for (guint j = 0; j < fs->len; j++) {
            g_string_truncate(s->buf, 0);
            tw_ecs_alert_json(m, g_ptr_array_index(fs, j), NULL, s->buf);
            tw_out_write(sink->out, s->buf->str, s->buf->len);
        }
    }
    return 0;
}

static void ecs_free(TwSink *sink)
{
    EcsSink *s = (EcsSink *)sink;
    g_string_free(s->buf, TRUE);
    g_free(s);
}

TwSink *tw_sink_ecs_new(TwOut *out)
{
    EcsSink *s = g_new0(EcsSink, 1);
    s->base.mode = "ecs";
    s->base.needs_analysis = true;
    s->base.event = ecs_event;
    s->base.end = ecs_end;
    s->base.free = ecs_free;
    s->base.out = out;
    s->buf = g_string_sized_new(2048);
    return &s->base;
}
