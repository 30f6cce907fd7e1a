/* alerts.c — --alerts: each finding, the moment analysis establishes it, as
 * one JSON object per line (NDJSON), for a SIEM or a pager.  The decision
 * "a new finding" is analysis/established.c's; this only writes it. */
#include "sink.h"

#include <json-glib/json-glib.h>

char *tw_finding_id(const TwMachine *m, const TwFinding *f)
{
    g_autofree char *k = g_strdup_printf("%s|%s|%s", m->key, f->rule->name, tw_state_name(f->state));
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, k, -1);
    return g_strndup(sum, 16);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void add_evidence(JsonBuilder *b, const char *prefix, const TwEvidence *e)
{
    g_autofree char *frame = g_strconcat(prefix, "_frame", NULL);
    g_autofree char *ts = g_strconcat(prefix, "_ts", NULL);
    g_autofree char *source = g_strconcat(prefix, "_source", NULL);
    json_builder_set_member_name(b, frame);
    json_builder_add_int_value(b, (gint64)e->frame);
    char t[32];
    tw_format_time(e->ts_us, t);
    add_str(b, ts, t);
    add_str(b, source, e->source);
}

void tw_alert_json(const TwMachine *m, const TwFinding *f, GString *out)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    g_autofree char *id = tw_finding_id(m, f);
    add_str(b, "finding_id", id);
    add_str(b, "account", m->account);
    add_str(b, "machine", m->key);
    add_str(b, "state", tw_state_name(f->state));
    add_str(b, "rule", f->rule->name);
    add_str(b, "confidence", f->confidence);
    add_str(b, "summary", f->summary);
    /* The first evidence says since when; the last is the message that
     * established the finding (the frame the human line names). */
    if (f->evidence->len) {
        const TwEvidence *first = g_ptr_array_index(f->evidence, 0);
        for (guint i = 1; i < f->evidence->len; i++) {
            const TwEvidence *e = g_ptr_array_index(f->evidence, i);
            if (e->ts_us < first->ts_us)
                first = e;
        }
        add_evidence(b, "first", first);
        add_evidence(b, "established", g_ptr_array_index(f->evidence, f->evidence->len - 1));
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    g_autofree char *s = json_generator_to_data(gen, NULL);
    g_string_append(out, s);
    g_string_append_c(out, '\n');
}
