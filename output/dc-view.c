/* dc-view.c — who each domain controller accepted and refused, as
 * analysis/fleet.c counted it (docs/report.md "domain_controllers"). */
#include "output/dc-view.h"
#include "output/wrap.h"

#include <string.h>

static const char *name_of(const TwMachine *m)
{
    if (m->account)
        return m->account;
    return m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key;
}

static int name_cmp(gconstpointer pa, gconstpointer pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* The names of ms, sorted (borrowed strings). */
static GPtrArray *sorted_names(const GPtrArray *ms)
{
    GPtrArray *n = g_ptr_array_new();
    for (guint i = 0; i < ms->len; i++)
        g_ptr_array_add(n, (gpointer)name_of(g_ptr_array_index(ms, i)));
    g_ptr_array_sort(n, name_cmp);
    return n;
}

static const TwDcView *view_for(const TwAnalysis *a, const TwMachine *dc)
{
    const GPtrArray *dcs = tw_fleet_dcs(a);
    for (guint i = 0; i < dcs->len; i++)
        if (((const TwDcView *)g_ptr_array_index(dcs, i))->dc == dc)
            return g_ptr_array_index(dcs, i);
    return NULL;
}

static void text_list(GString *out, const char *what, const GPtrArray *ms)
{
    g_autoptr(GPtrArray) n = sorted_names(ms);
    g_string_append_printf(out, "%s %u", what, n->len);
    for (guint i = 0; i < n->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : " (", (const char *)g_ptr_array_index(n, i));
    if (n->len)
        g_string_append_c(out, ')');
}

static void text_names(GString *out, const GPtrArray *ms)
{
    g_autoptr(GPtrArray) n = sorted_names(ms);
    for (guint i = 0; i < n->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(n, i));
    g_string_append_c(out, ')');
}

void tw_dc_view_text(GString *out, const TwAnalysis *a)
{
    const GPtrArray *dcs = tw_fleet_dcs(a);
    guint judged = 0;
    for (guint i = 0; i < dcs->len; i++) {
        const TwDcView *v = g_ptr_array_index(dcs, i);
        judged += v->accepted->len + v->refused->len + v->refused_skew->len;
    }
    if (dcs->len < 2 || !judged)
        return;
    g_string_append(out, "Per domain controller:\n");
    for (guint i = 0; i < dcs->len; i++) {
        const TwDcView *v = g_ptr_array_index(dcs, i);
        g_autoptr(GString) l = g_string_new(name_of(v->dc));
        if (v->dc->account && v->dc->addrs->len)
            g_string_append_printf(l, " %s", g_array_index(v->dc->addrs, TwAddrUse, 0).addr);
        g_string_append(l, ": ");
        text_list(l, "accepted", v->accepted);
        g_string_append(l, "; ");
        text_list(l, "refused", v->refused);
        if (v->refused_skew->len) {
            g_string_append_printf(l, "; refused for clock skew %" G_GUINT64_FORMAT " time%s (",
                                   v->skew_refusals, v->skew_refusals == 1 ? "" : "s");
            text_names(l, v->refused_skew);
        }
        double o;
        if (tw_machine_clock_offset(v->dc, &o))
            g_string_append_printf(l, "; clock %+.1f s vs capture host", ABS(o) < 0.05 ? 0.0 : o);
        if (v->lagging->len || v->only_here->len)
            g_string_append(l, "; lags (dc-replication)");
        tw_wrap(out, tw_wrap_report_width(), "  ", "    ", l->str);
    }
}

static void json_names(JsonBuilder *b, const char *member, const GPtrArray *ms)
{
    g_autoptr(GPtrArray) n = sorted_names(ms);
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint i = 0; i < n->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(n, i));
    json_builder_end_array(b);
}

void tw_dc_view_json(JsonBuilder *b, const TwAnalysis *a, const TwMachine *dc)
{
    const TwDcView *v = view_for(a, dc);
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    json_names(b, "accepted", v ? v->accepted : none);
    json_names(b, "refused", v ? v->refused : none);
    json_builder_set_member_name(b, "refusals");
    json_builder_add_int_value(b, v ? (gint64)v->refusals : 0);
    json_names(b, "refused_skew", v ? v->refused_skew : none);
    json_builder_set_member_name(b, "skew_refusals");
    json_builder_add_int_value(b, v ? (gint64)v->skew_refusals : 0);
}
