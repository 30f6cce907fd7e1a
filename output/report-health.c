/* report-health.c — the capture-health part of the report (docs/report.md
 * "Capture health") and where each evidence line is found in Wireshark:
 * the file, the frame number in that file and a display filter that
 * selects the exchange. */
#include "output/report-health.h"
#include "output/wrap.h"
#include "analysis/previous.h"

#include <string.h>

GPtrArray *tw_report_health_issues(TwAnalysis *a)
{
    double dc;
    TwPrevClock pc;
    /* A DC whose clock moved since an earlier capture (--previous) is off
     * the capture clock by its own move, not the capture host's. */
    if (tw_analysis_dc_offset(a, &dc) && !tw_previous_dc_moved(a, &pc))
        tw_health_dc_offset(a->health, dc);
    return tw_health_assess(a->health);
}

void tw_evidence_locate(const TwAnalysis *a, const TwEvidence *e, const char **file, guint64 *frame)
{
    if (e->file) {
        *file = e->file;
        *frame = e->file_frame;
        return;
    }
    if (e->source) {
        /* Saved events: their frames are the frames of the capture they came from. */
        *file = e->source;
        *frame = e->frame;
        return;
    }
    *file = tw_health_locate(a->health, e->frame, frame);
}

/* Wireshark address field for an address string. */
static const char *addr_field(const char *addr)
{
    return strchr(addr, ':') ? "ipv6.addr" : "ip.addr";
}

char *tw_evidence_filter(const TwEvidence *e)
{
    GString *f = g_string_new(NULL);
    if (e->has_krb_error)
        g_string_append_printf(f, "kerberos.error_code == %" G_GINT64_FORMAT, e->krb_error);
    else if (e->has_kpasswd_result)
        g_string_append(f, "kpasswd");
    else if (e->krb_msg_type >= 0)
        g_string_append_printf(f, "kerberos.msg_type == %d", e->krb_msg_type);
    else if (e->opnum >= 0)
        g_string_append_printf(f, "netlogon.opnum == %d", e->opnum);
    else if (e->msg && strncmp(e->msg, "NTP", 3) == 0)
        g_string_append(f, "ntp");
    else if (e->msg && strstr(e->msg, "SMB2")) {
        /* The SMB2 message itself (a refusal carries no NTLMSSP token). */
        g_string_append(f, strstr(e->msg, "SESSION_SETUP") ? "smb2.cmd == 1" : "smb2");
        if (e->has_ntstatus)
            g_string_append_printf(f, " && smb2.nt_status == 0x%08x", e->ntstatus);
    } else if (e->msg && strstr(e->msg, "NTLMSSP"))
        g_string_append(f, "ntlmssp");
    else if (e->has_ntstatus)
        g_string_append_printf(f, "nt.status == 0x%08x", e->ntstatus);
    /* The two ends of the exchange (both, so a busy DC does not drown it). */
    const char *ends[2] = { e->src, e->dst };
    for (int i = 0; i < 2; i++) {
        if (!ends[i] || !ends[i][0] || (i == 1 && strcmp(ends[0], ends[1]) == 0))
            continue;
        g_string_append_printf(f, "%s%s == %s", f->len ? " && " : "", addr_field(ends[i]), ends[i]);
    }
    if (!f->len)
        g_string_append_printf(f, "frame.number == %" G_GUINT64_FORMAT, e->frame);
    return g_string_free(f, FALSE);
}

static const char *basename_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

guint tw_report_input_count(const TwAnalysis *a)
{
    return tw_health_sources(a->health)->len;
}

void tw_report_health_text(TwAnalysis *a, const GPtrArray *issues, GString *out)
{
    const GPtrArray *srcs = tw_health_sources(a->health);
    if (srcs->len > 1) {
        g_string_append(out, "Inputs:\n");
        for (guint i = 0; i < srcs->len; i++) {
            const TwHealthSource *s = g_ptr_array_index(srcs, i);
            g_autofree char *l = NULL;
            if (strcmp(s->kind, "events") == 0)
                l = g_strdup_printf("%s: %" G_GUINT64_FORMAT " events", s->name, s->events);
            else
                l = g_strdup_printf("%s: frames %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT
                                    " of the run are its frames 1–%" G_GUINT64_FORMAT,
                                    basename_of(s->name), s->frames ? s->first_frame : 0,
                                    s->frames ? s->first_frame + s->span - 1 : 0, s->span);
            tw_wrap(out, tw_wrap_report_width(), "  ", "    ", l);
        }
        g_string_append_c(out, '\n');
    }
    if (!issues->len)
        return;
    g_string_append_printf(out, "Capture health: %s\n",
                           tw_health_worst(issues) >= TW_HEALTH_NOTHING ? "NOTHING RELEVANT WAS CAPTURED"
                           : tw_health_worst(issues) >= TW_HEALTH_LOST  ? "EVIDENCE WAS LOST"
                                                                        : "notes");
    for (guint i = 0; i < issues->len; i++) {
        const TwHealthIssue *is = g_ptr_array_index(issues, i);
        g_autofree char *head = g_strdup_printf("- %s: ", is->code);
        tw_report_wrap(out, "  ", head, is->text);
    }
    g_string_append_c(out, '\n');
}

const char *tw_report_health_why(const GPtrArray *issues)
{
    for (guint i = 0; i < issues->len; i++) {
        const TwHealthIssue *is = g_ptr_array_index(issues, i);
        if (is->level >= TW_HEALTH_LOST)
            return is->code;
    }
    return NULL;
}

void tw_report_health_json(JsonBuilder *b, TwAnalysis *a, const GPtrArray *issues)
{
    TwHealthLevel worst = tw_health_worst(issues);
    TwHealthTotals t = tw_health_totals(a->health);
    json_builder_set_member_name(b, "health");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "level");
    json_builder_add_string_value(b, tw_health_level_name(worst));
    json_builder_set_member_name(b, "can_judge");
    json_builder_add_boolean_value(b, worst < TW_HEALTH_LOST);
    json_builder_set_member_name(b, "relevant_messages");
    json_builder_add_int_value(b, (gint64)t.relevant);
    json_builder_set_member_name(b, "relevant_messages_cut");
    json_builder_add_int_value(b, (gint64)t.relevant_cut);
    json_builder_set_member_name(b, "names_cut");
    json_builder_add_int_value(b, (gint64)t.names_cut);
    json_builder_set_member_name(b, "tcp_gaps");
    json_builder_add_int_value(b, (gint64)t.tcp_gaps);
    json_builder_set_member_name(b, "issues");
    json_builder_begin_array(b);
    for (guint i = 0; i < issues->len; i++) {
        const TwHealthIssue *is = g_ptr_array_index(issues, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_string_value(b, is->code);
        json_builder_set_member_name(b, "level");
        json_builder_add_string_value(b, tw_health_level_name(is->level));
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, is->text);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    /* The inputs, each with its own health. */
    json_builder_set_member_name(b, "sources");
    json_builder_begin_array(b);
    const GPtrArray *srcs = tw_health_sources(a->health);
    for (guint i = 0; i < srcs->len; i++) {
        const TwHealthSource *s = g_ptr_array_index(srcs, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, s->name);
        json_builder_set_member_name(b, "kind");
        json_builder_add_string_value(b, s->kind);
        if (strcmp(s->kind, "events") == 0) {
            json_builder_set_member_name(b, "events");
            json_builder_add_int_value(b, (gint64)s->events);
            json_builder_set_member_name(b, "refused");
            json_builder_add_int_value(b, (gint64)s->refused);
        } else {
            json_builder_set_member_name(b, "frames");
            json_builder_add_int_value(b, (gint64)s->frames);
            json_builder_set_member_name(b, "first_frame");
            json_builder_add_int_value(b, (gint64)(s->frames ? s->first_frame : 0));
            json_builder_set_member_name(b, "snaplen");
            json_builder_add_int_value(b, s->snaplen);
            json_builder_set_member_name(b, "frames_cut");
            json_builder_add_int_value(b, (gint64)s->frames_cut);
            json_builder_set_member_name(b, "frames_unset_clock");
            json_builder_add_int_value(b, (gint64)s->frames_unset_clock);
            json_builder_set_member_name(b, "frames_backwards");
            json_builder_add_int_value(b, (gint64)s->frames_backwards);
            json_builder_set_member_name(b, "dropped");
            if (s->has_drops)
                json_builder_add_int_value(b, (gint64)(s->dropped + s->if_dropped));
            else
                json_builder_add_null_value(b);
        }
        json_builder_set_member_name(b, "ended_early");
        if (s->ended_early)
            json_builder_add_string_value(b, s->ended_early);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}
