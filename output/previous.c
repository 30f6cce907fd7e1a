/* previous.c: --previous REPORT.json.  An earlier report of trustwire
 * (docs/report.md, "trustwire_report": 1) gives each domain controller's and
 * each member's clock against that capture's clock ("clock_vs_capture"; older
 * reports only a DC's median "clock_offset_vs_capture_s").  analysis/previous.c
 * compares them with this run's. */
#include "output/previous.h"
#include "output/report.h"
#include "output/wrap.h"
#include "analysis/clock.h"
#include "core/event.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define PREV_ERR g_quark_from_static_string("tw-previous")

static gint64 parse_time(JsonObject *o, const char *name, bool *ok)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return 0;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        *ok = false;
        return 0;
    }
    gint64 ts = 0;
    if (!tw_parse_time(json_node_get_string(n), &ts))
        *ok = false;
    return ts;
}

static bool get_number(JsonObject *o, const char *name, double *v, bool *present)
{
    JsonNode *n = json_object_get_member(o, name);
    *present = false;
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return true;
    if (!JSON_NODE_HOLDS_VALUE(n))
        return false;
    GType t = json_node_get_value_type(n);
    if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
        return false;
    *v = json_node_get_double(n);
    *present = true;
    return true;
}

/* One machine or DC object into a TwPrevHost; false and *why when a member
 * read has the wrong type. */
static bool read_host(JsonObject *o, bool dc, TwPrevReport *r, TwPrevHost **out, const char **why)
{
    *out = NULL;
    JsonNode *acc = json_object_get_member(o, "account");
    if (acc && !JSON_NODE_HOLDS_NULL(acc) &&
        (!JSON_NODE_HOLDS_VALUE(acc) || json_node_get_value_type(acc) != G_TYPE_STRING)) {
        *why = "account is neither a string nor null";
        return false;
    }
    JsonNode *ad = json_object_get_member(o, "addresses");
    if (!ad || !JSON_NODE_HOLDS_ARRAY(ad)) {
        *why = "addresses is not an array";
        return false;
    }
    TwPrevHost *h = g_new0(TwPrevHost, 1);
    h->dc = dc;
    h->account = acc && !JSON_NODE_HOLDS_NULL(acc) ? g_strdup(json_node_get_string(acc)) : NULL;
    h->addrs = g_ptr_array_new_with_free_func(g_free);
    JsonArray *aa = json_node_get_array(ad);
    for (guint i = 0; i < json_array_get_length(aa); i++) {
        JsonNode *x = json_array_get_element(aa, i);
        if (!JSON_NODE_HOLDS_VALUE(x) || json_node_get_value_type(x) != G_TYPE_STRING) {
            *why = "addresses holds something else than strings";
            tw_prev_host_free(h);
            return false;
        }
        if (h->addrs->len >= TW_PREV_MAX_ADDRS) {
            r->hosts_left_out++;
            continue;
        }
        g_ptr_array_add(h->addrs, g_strdup(json_node_get_string(x)));
    }
    JsonNode *cv = json_object_get_member(o, "clock_vs_capture");
    if (cv && JSON_NODE_HOLDS_OBJECT(cv)) {
        JsonObject *c = json_node_get_object(cv);
        bool pf, pl;
        if (!get_number(c, "first_s", &h->first_s, &pf) || !get_number(c, "last_s", &h->last_s, &pl) || !pf ||
            !pl) {
            *why = "clock_vs_capture lacks its numbers first_s and last_s";
            tw_prev_host_free(h);
            return false;
        }
        h->has_clock = true;
    } else if (cv && !JSON_NODE_HOLDS_NULL(cv)) {
        *why = "clock_vs_capture is neither an object nor null";
        tw_prev_host_free(h);
        return false;
    } else if (dc) {
        /* a report written before clock_vs_capture: the DC's median */
        bool p;
        if (!get_number(o, "clock_offset_vs_capture_s", &h->first_s, &p)) {
            *why = "clock_offset_vs_capture_s is not a number";
            tw_prev_host_free(h);
            return false;
        }
        h->last_s = h->first_s;
        h->has_clock = p;
    }
    *out = h;
    return true;
}

TwPrevReport *tw_previous_load(const char *path, GError **err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        g_set_error(err, PREV_ERR, 1, "--previous %s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode) || (guint64)sb.st_size > TW_PREV_MAX_BYTES) {
        g_set_error(err, PREV_ERR, 1, "--previous %s: %s", path,
                    S_ISREG(sb.st_mode) ? "larger than 64 MiB: not a report trustwire wrote"
                                        : "not a regular file (a report written with -T json)");
        return NULL;
    }
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) perr = NULL;
    if (!json_parser_load_from_file(p, path, &perr)) {
        g_set_error(err, PREV_ERR, 1, "--previous %s: not JSON (%s); give a report written with -T json", path,
                    perr->message);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(p);
    JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonNode *ver = o ? json_object_get_member(o, "trustwire_report") : NULL;
    if (!ver || !JSON_NODE_HOLDS_VALUE(ver) || json_node_get_value_type(ver) != G_TYPE_INT64) {
        g_set_error(err, PREV_ERR, 1,
                    "--previous %s: not a trustwire report (no \"trustwire_report\" version); give a report "
                    "written with -T json",
                    path);
        return NULL;
    }
    if (json_node_get_int(ver) != 1) {
        g_set_error(err, PREV_ERR, 1, "--previous %s: report version %" G_GINT64_FORMAT ", this trustwire reads 1",
                    path, json_node_get_int(ver));
        return NULL;
    }
    JsonNode *cap = json_object_get_member(o, "capture");
    JsonNode *dcs = json_object_get_member(o, "domain_controllers");
    JsonNode *ms = json_object_get_member(o, "machines");
    if (!cap || !JSON_NODE_HOLDS_OBJECT(cap) || !dcs || !JSON_NODE_HOLDS_ARRAY(dcs) || !ms ||
        !JSON_NODE_HOLDS_ARRAY(ms)) {
        g_set_error(err, PREV_ERR, 1,
                    "--previous %s: a trustwire report needs the objects \"capture\", \"domain_controllers\" and "
                    "\"machines\"",
                    path);
        return NULL;
    }
    TwPrevReport *r = g_new0(TwPrevReport, 1);
    r->file = g_strdup(path);
    r->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)tw_prev_host_free);
    bool ok = true;
    r->first_ts = parse_time(json_node_get_object(cap), "first", &ok);
    r->last_ts = parse_time(json_node_get_object(cap), "last", &ok);
    if (!ok) {
        g_set_error(err, PREV_ERR, 1, "--previous %s: capture.first/last is not an RFC 3339 time", path);
        tw_prev_report_free(r);
        return NULL;
    }
    for (int pass = 0; pass < 2; pass++) {
        JsonArray *arr = json_node_get_array(pass ? ms : dcs);
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            JsonNode *x = json_array_get_element(arr, i);
            const char *why = "not an object";
            TwPrevHost *h = NULL;
            JsonObject *xo = JSON_NODE_HOLDS_OBJECT(x) ? json_node_get_object(x) : NULL;
            if (xo && pass) {
                /* machines[]: the DCs are read from domain_controllers */
                JsonNode *role = json_object_get_member(xo, "role");
                if (role && JSON_NODE_HOLDS_VALUE(role) && json_node_get_value_type(role) == G_TYPE_STRING &&
                    strcmp(json_node_get_string(role), "dc") == 0)
                    continue;
            }
            if (!xo || !read_host(xo, !pass, r, &h, &why)) {
                g_set_error(err, PREV_ERR, 1, "--previous %s: %s[%u]: %s", path,
                            pass ? "machines" : "domain_controllers", i, why);
                tw_prev_report_free(r);
                return NULL;
            }
            if (!pass)
                r->dcs++;
            if (pass && !h->has_clock) {
                tw_prev_host_free(h);
                continue;
            }
            if (r->hosts->len >= TW_PREV_MAX_HOSTS) {
                r->hosts_left_out++;
                tw_prev_host_free(h);
                continue;
            }
            g_ptr_array_add(r->hosts, h);
        }
    }
    return r;
}

static double round1(double x)
{
    return (double)(gint64)(x * 10 + (x >= 0 ? 0.5 : -0.5)) / 10;
}

void tw_previous_json_clock(JsonBuilder *b, const TwMachine *m)
{
    json_builder_set_member_name(b, "clock_vs_capture");
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    if (!ivs->len) {
        json_builder_add_null_value(b);
        return;
    }
    const TwClockInterval *f = &g_array_index(ivs, TwClockInterval, 0);
    const TwClockInterval *l = &g_array_index(ivs, TwClockInterval, ivs->len - 1);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "first_s");
    json_builder_add_double_value(b, round1(f->has_ntp ? f->ntp_offset_s : f->offset_s));
    json_builder_set_member_name(b, "last_s");
    json_builder_add_double_value(b, round1(l->has_ntp ? l->ntp_offset_s : l->offset_s));
    json_builder_set_member_name(b, "steps");
    json_builder_add_int_value(b, ivs->len - 1);
    json_builder_end_object(b);
}

static const char *kind_name(TwPrevKind k)
{
    switch (k) {
    case TW_PREV_SAME: return "same";
    case TW_PREV_DC_MOVED: return "dc-moved";
    case TW_PREV_MEMBERS_MOVED: return "members-moved";
    case TW_PREV_ALL_MOVED: return "all-moved";
    case TW_PREV_DC_CORRECTED: return "dc-corrected";
    default: return "inconclusive";
    }
}

void tw_previous_json_dc(JsonBuilder *b, const TwAnalysis *a, const TwMachine *dc)
{
    TwPrevClock c;
    if (!tw_previous_dc_clock(a, dc, &c))
        return;
    json_builder_set_member_name(b, "previous_clock");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "file");
    json_builder_add_string_value(b, c.report->file);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, kind_name(c.kind));
    json_builder_set_member_name(b, "dc_delta_s");
    json_builder_add_double_value(b, round1(c.dc_delta_s));
    json_builder_set_member_name(b, "members_delta_s");
    json_builder_add_double_value(b, round1(c.members_delta_s));
    json_builder_set_member_name(b, "members");
    json_builder_add_int_value(b, c.members);
    json_builder_set_member_name(b, "members_common");
    json_builder_add_boolean_value(b, c.members_common);
    json_builder_end_object(b);
}

void tw_previous_json(JsonBuilder *b, const TwAnalysis *a)
{
    json_builder_set_member_name(b, "previous");
    json_builder_begin_array(b);
    for (guint i = 0; a->previous && i < a->previous->len; i++) {
        const TwPrevReport *r = g_ptr_array_index(a->previous, i);
        guint common = tw_previous_dcs_in_common(a, r);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "file");
        json_builder_add_string_value(b, r->file);
        tw_report_json_time(b, "first", r->first_ts);
        tw_report_json_time(b, "last", r->last_ts);
        json_builder_set_member_name(b, "domain_controllers_in_common");
        json_builder_add_int_value(b, common);
        json_builder_set_member_name(b, "related");
        json_builder_add_boolean_value(b, common > 0);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

void tw_previous_text(GString *out, const TwAnalysis *a)
{
    if (!a->previous || !a->previous->len)
        return;
    for (guint i = 0; i < a->previous->len; i++) {
        const TwPrevReport *r = g_ptr_array_index(a->previous, i);
        guint common = tw_previous_dcs_in_common(a, r);
        g_autofree char *when = NULL;
        if (r->first_ts) {
            char t[32];
            tw_format_time(r->first_ts, t);
            when = g_strndup(t, 16); /* 2026-03-01T09:00 */
            when[10] = ' ';
        }
        g_autofree char *t =
            common ? g_strdup_printf("Previous report %s (capture of %s UTC): %u domain controller%s in common; "
                                     "their clocks are compared with this capture's.",
                                     r->file, when ? when : "unknown time", common, common == 1 ? "" : "s")
                   : g_strdup_printf("Previous report %s (capture of %s UTC): no domain controller in common with "
                                     "this capture (%u listed there): another network, ignored.",
                                     r->file, when ? when : "unknown time", r->dcs);
        tw_wrap(out, tw_wrap_report_width(), "", "  ", t);
    }
    g_string_append_c(out, '\n');
}
