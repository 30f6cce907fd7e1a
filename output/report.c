/* report.c — the verdict, for people (-T report) and for tools (-T json,
 * schema in docs/report.md).  Worst machine first; healthy ones summed up
 * on one line.
 */
#include "output/report.h"
#include "output/report-tickets.h"
#include "output/dc-view.h"
#include "output/report-health.h"
#include "output/wrap.h"
#include "output/previous.h"
#include "analysis/clock.h"

#include <json-glib/json-glib.h>
#include <string.h>


typedef struct {
    TwMachine *m;
    GPtrArray *findings; /* TwFinding*, worst first */
    TwState state;
    bool cannot_tell;    /* evidence was lost and nothing proves the machine's state */
} Verdict;

/* Capture health as the report sees it: issues, and whether evidence was lost. */
static GPtrArray *health_issues;
static TwHealthLevel health_level;

static void verdict_clear(gpointer p)
{
    Verdict *v = p;
    g_ptr_array_unref(v->findings);
}

static const char *sort_name(const TwMachine *m)
{
    return m->account ? m->account : m->key;
}

static int verdict_cmp(gconstpointer pa, gconstpointer pb)
{
    const Verdict *x = pa, *y = pb;
    if (x->state != y->state)
        return x->state > y->state ? -1 : 1;
    /* named machines before address-only ones, then by name */
    if (!x->m->account != !y->m->account)
        return x->m->account ? -1 : 1;
    return g_ascii_strcasecmp(sort_name(x->m), sort_name(y->m));
}

static GArray *collect(TwAnalysis *a)
{
    GArray *vs = g_array_new(FALSE, TRUE, sizeof(Verdict));
    g_array_set_clear_func(vs, verdict_clear);
    for (guint i = 0; i < a->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!tw_machine_is_machine(m) || !tw_analysis_shows(a, m))
            continue; /* a name only others used: named_only_text/json; --machine: only the one it names */
        Verdict v = { .m = m };
        v.findings = tw_rules_eval(a, m);
        v.state = tw_findings_state(v.findings);
        g_array_append_val(vs, v);
    }
    g_array_sort(vs, verdict_cmp);
    return vs;
}

/* The first thing said about a name only others used (its earliest
 * evidence, any fact), or NULL. */
static const TwEvidence *named_first(const TwMachine *m)
{
    const TwEvidence *best = NULL;
    for (int k = 0; k < TW_F_COUNT; k++) {
        const GPtrArray *ev = m->facts[k].ev;
        if (!tw_fact_names_only_note((TwFactKind)k))
            continue;
        if (ev->len && (!best || tw_evidence_cmp(&g_ptr_array_index(ev, 0), &best) < 0))
            best = g_ptr_array_index(ev, 0);
    }
    return best;
}

static const TwFinding *main_finding(const Verdict *v)
{
    return v->findings->len ? g_ptr_array_index(v->findings, 0) : NULL;
}

/* Clock offset of a machine vs the DC, in seconds, when measured. */
static bool machine_offset(const TwAnalysis *a, const Verdict *v, double *out)
{
    return tw_findings_offset(a, v->m, v->findings, out);
}

/* ---- text ---- */

enum { C_RESET, C_BOLD, C_RED, C_YELLOW, C_CYAN, C_GREEN, C_DIM };
static const char *const ansi[] = { "\033[0m", "\033[1m", "\033[1;31m", "\033[1;33m", "\033[36m", "\033[32m", "\033[2m" };

static const char *col(bool color, int c)
{
    return color ? ansi[c] : "";
}

static int state_color(TwState s)
{
    switch (s) {
    case TW_STATE_BROKEN: return C_RED;
    case TW_STATE_AT_RISK: return C_YELLOW;
    case TW_STATE_RECOVERED: return C_CYAN;
    case TW_STATE_HEALTHY: return C_GREEN;
    default: return C_DIM;
    }
}

static const char *state_label(TwState s)
{
    switch (s) {
    case TW_STATE_BROKEN: return "BROKEN";
    case TW_STATE_AT_RISK: return "AT RISK";
    case TW_STATE_RECOVERED: return "RECOVERED";
    case TW_STATE_HEALTHY: return "HEALTHY";
    default: return "UNKNOWN";
    }
}

/* Appends `text` word-wrapped to the report's width: the first line starts
 * with `indent` and `first`, the next ones with `indent` and as many spaces
 * as `first` takes (a hanging indent under the text). */
static void wrap(GString *out, const char *indent, const char *first, const char *text)
{
    g_autofree char *head = g_strconcat(indent, first, NULL);
    g_autoptr(GString) cont = g_string_new(indent);
    for (gsize i = 0, n = tw_wrap_display_width(first); i < n; i++)
        g_string_append_c(cont, ' ');
    tw_wrap(out, tw_wrap_report_width(), head, cont->str, text);
}

void tw_report_wrap(GString *out, const char *indent, const char *first, const char *text)
{
    wrap(out, indent, first, text);
}

/* A line that wraps with continuation lines indented by `cont`. */
static void line(GString *out, const char *first, const char *cont, const char *text)
{
    tw_wrap(out, tw_wrap_report_width(), first, cont, text);
}

static char *short_time(gint64 us)
{
    char t[32];
    tw_format_time(us, t);
    t[19] = 0;
    t[10] = ' ';
    return g_strdup(t);
}

static const TwAnalysis *report_an; /* for evidence locations (tw_evidence_locate) */

/* Evidence items that say the same thing: the same message, error, status
 * and peers, in the same input (docs/report.md "Width and folding"). */
static bool same_saying(const TwEvidence *x, const TwEvidence *y)
{
    const char *fx = NULL, *fy = NULL;
    guint64 nx = 0, ny = 0;
    tw_evidence_locate(report_an, x, &fx, &nx);
    tw_evidence_locate(report_an, y, &fy, &ny);
    return g_strcmp0(fx, fy) == 0 && g_strcmp0(x->source, y->source) == 0 && g_strcmp0(x->msg, y->msg) == 0 &&
           g_strcmp0(x->src, y->src) == 0 && g_strcmp0(x->dst, y->dst) == 0 &&
           x->has_krb_error == y->has_krb_error && (!x->has_krb_error || x->krb_error == y->krb_error) &&
           x->has_ntstatus == y->has_ntstatus && (!x->has_ntstatus || x->ntstatus == y->ntstatus) &&
           x->has_kpasswd_result == y->has_kpasswd_result &&
           (!x->has_kpasswd_result || x->kpasswd_result == y->kpasswd_result);
}

/* Evidence items ev[from .. from+n-1] (n ≥ 1, all saying the same thing) as
 * one line: where, when, who, what; then the display filter that selects
 * them.  Folded (n > 1): "×5, frames 12–40" and the time span. */
static void text_evidence_run(GString *out, const GPtrArray *ev, guint from, guint n, bool color)
{
    const TwEvidence *e = g_ptr_array_index(ev, from), *last = g_ptr_array_index(ev, from + n - 1);
    const char *file = NULL, *lfile = NULL;
    guint64 frame = e->frame, lframe = last->frame;
    tw_evidence_locate(report_an, e, &file, &frame);
    tw_evidence_locate(report_an, last, &lfile, &lframe);
    g_autofree char *t = short_time(e->ts_us);
    g_autofree char *lt = short_time(last->ts_us);
    g_autoptr(GString) l = g_string_new(NULL);
    if (n == 1) {
        g_autofree char *no = g_strdup_printf("%" G_GUINT64_FORMAT, frame);
        g_string_append_printf(l, "%sframe %s%s", col(color, C_DIM), no, col(color, C_RESET));
        for (gsize i = strlen(no); i < 6; i++)
            g_string_append_c(l, ' ');
        g_string_append_printf(l, " %s", t + 11);
    } else {
        g_string_append_printf(l, "%s×%u, frame%s %" G_GUINT64_FORMAT, col(color, C_DIM), n, frame == lframe ? "" : "s",
                               frame);
        if (lframe != frame)
            g_string_append_printf(l, "–%" G_GUINT64_FORMAT, lframe);
        g_string_append_printf(l, "%s  %s", col(color, C_RESET), t + 11);
        if (strcmp(t, lt) != 0)
            g_string_append_printf(l, "–%s", lt + 11);
    }
    if (e->source)
        g_string_append_printf(l, " [%s]", e->source);
    else if (file && tw_report_input_count(report_an) > 1)
        g_string_append_printf(l, " [%s]", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
    if (e->src[0])
        g_string_append_printf(l, "  %s → %s", e->src, e->dst);
    g_string_append_printf(l, "  %s", e->msg);
    g_autofree char *error = tw_evidence_error_text(e);
    g_autofree char *status = tw_evidence_status_text(e);
    if (error)
        g_string_append_printf(l, "  %s", error);
    if (status)
        g_string_append_printf(l, "  %s", status);
    bool same_detail = true;
    for (guint i = from + 1; i < from + n; i++)
        same_detail &= g_strcmp0(e->detail, ((const TwEvidence *)g_ptr_array_index(ev, i))->detail) == 0;
    if (e->detail)
        g_string_append_printf(l, "  — %s%s", same_detail ? "" : "the first: ", e->detail);
    line(out, "    ", "      ", l->str);
    g_autofree char *filter = tw_evidence_filter(e);
    g_autofree char *head = g_strdup_printf("      %sfilter: ", col(color, C_DIM));
    g_autofree char *ftext = g_strconcat(filter, col(color, C_RESET), NULL);
    line(out, head, "        ", ftext);
}

/* The first `max` items of ev (all when max is 0), runs of items that say
 * the same thing folded into one line each.  Returns how many were shown. */
static guint text_evidence_list(GString *out, const GPtrArray *ev, guint max, bool color)
{
    guint n = max && max < ev->len ? max : ev->len;
    for (guint i = 0; i < n;) {
        guint run = 1;
        while (i + run < n && same_saying(g_ptr_array_index(ev, i), g_ptr_array_index(ev, i + run)))
            run++;
        text_evidence_run(out, ev, i, run, color);
        i += run;
    }
    return n;
}

/* "1,234" */
static char *grouped(guint64 n)
{
    g_autofree char *digits = g_strdup_printf("%" G_GUINT64_FORMAT, n);
    GString *s = g_string_new(NULL);
    gsize len = strlen(digits);
    for (gsize i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, digits[i]);
    }
    return g_string_free(s, FALSE);
}

/* The engine keeps the first and last messages of each fact and a count. */
static void text_more(GString *out, guint64 more, bool color)
{
    if (!more)
        return;
    g_autofree char *n = grouped(more);
    g_string_append_printf(out, "    %s… and %s more%s\n", col(color, C_DIM), n, col(color, C_RESET));
}

static void text_addresses(GString *out, const TwMachine *m)
{
    g_autoptr(GString) l = g_string_new(NULL);
    if (!m->addrs->len)
        g_string_append(l, "none seen");
    for (guint i = 0; i < m->addrs->len; i++) {
        const TwAddrUse *u = &g_array_index(m->addrs, TwAddrUse, i);
        g_string_append_printf(l, "%s%s", i ? ", " : "", u->addr);
        if (u->mac[0])
            g_string_append_printf(l, " (%s)", u->mac);
    }
    line(out, "  Addresses: ", "    ", l->str);
}

/* Where a sign of the OS was seen: its frame in its file. */
static guint64 os_seen_frame(const TwAnalysis *a, const TwOsSeen *seen, const char **file)
{
    guint64 fr = seen->frame;
    *file = seen->file;
    if (seen->file)
        return seen->file_frame;
    *file = tw_health_locate(a->health, seen->frame, &fr);
    return fr;
}

/* "Windows: NTLMSSP VERSION 10.0.19041 (frame 12), …", or NULL without signs. */
static char *os_text(const TwAnalysis *a, const TwMachine *m)
{
    if (!m->os.signs)
        return NULL;
    TwOs os = tw_machine_os(m);
    GString *s = g_string_new(os == TW_OS_WINDOWS ? "Windows"
                              : os == TW_OS_UNIX  ? "Linux/Unix"
                              : os == TW_OS_EMBEDDED ? "an embedded SMB client (printer, scanner, NAS)"
                                                     : "unknown (signs of Windows and of Linux/Unix)");
    const char *sep = ": ";
    for (int k = 0; k < TW_OSS_COUNT; k++) {
        if (!(m->os.signs & (1u << k)))
            continue;
        const char *file = NULL;
        guint64 fr = os_seen_frame(a, &m->os.seen[k], &file);
        g_autofree char *t = tw_os_sign_text(m, (TwOsSign)k);
        g_string_append_printf(s, "%s%s (frame %" G_GUINT64_FORMAT ")", sep, t, fr);
        sep = ", ";
    }
    return g_string_free(s, FALSE);
}

static void text_machine(GString *out, const TwAnalysis *a, const Verdict *v, bool color)
{
    const TwMachine *m = v->m;
    const TwFinding *mf = main_finding(v);
    g_autoptr(GString) h = g_string_new(NULL);
    const char *label = state_label(v->state);
    g_string_append_printf(h, "%s%s%s", col(color, state_color(v->state)), label, col(color, C_RESET));
    for (gsize i = strlen(label); i < 9; i++)
        g_string_append_c(h, ' ');
    g_string_append_printf(h, " %s%s%s", col(color, C_BOLD),
                           m->account ? m->account : m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key,
                           col(color, C_RESET));
    if (m->role == TW_ROLE_DC)
        g_string_append(h, " (domain controller)");
    if (mf)
        g_string_append_printf(h, " — %s: %s (%s confidence)", mf->rule->name, mf->rule->title, mf->confidence);
    line(out, "", "          ", h->str);
    if (mf)
        wrap(out, "  ", "", mf->summary);
    text_addresses(out, m);
    if (m->aliases->len) {
        g_autoptr(GString) l = g_string_new(NULL);
        for (guint i = 0; i < m->aliases->len; i++)
            g_string_append_printf(l, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(m->aliases, i));
        line(out, "  Also known as: ", "    ", l->str);
    }
    if (m->first_ts) {
        g_autofree char *f = short_time(m->first_ts);
        g_autofree char *l = short_time(m->last_ts);
        g_string_append_printf(out, "  Seen: %s → %s UTC\n", f, l);
    }
    double off;
    if (machine_offset(a, v, &off))
        g_string_append_printf(out, "  Clock: %+.1f s vs the domain controller\n", ABS(off) < 0.05 ? 0.0 : off);
    g_autofree char *os = os_text(a, m);
    if (os)
        line(out, "  OS: ", "    ", os);
    g_autofree char *keys = tw_machine_key_proof(m, NULL);
    if (keys)
        wrap(out, "  ", "", keys);
    g_autofree char *reset = tw_machine_reset_by_other(m);
    if (reset)
        wrap(out, "  ", "", reset);
    g_autofree char *kvnos = tw_machine_kvno_timeline(m);
    if (kvnos)
        wrap(out, "  ", "", kvnos);
    if (mf && mf->evidence->len) {
        g_string_append(out, "  Evidence:\n");
        text_evidence_list(out, mf->evidence, 0, color);
        text_more(out, mf->evidence_more, color);
    }
    if (mf && mf->fix)
        wrap(out, "  ", "Fix: ", mf->fix);
    for (guint i = 1; i < v->findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(v->findings, i);
        g_autofree char *head = g_strdup_printf("  Also %s (%s): ", f->rule->name, tw_state_name(f->state));
        line(out, head, "    ", f->summary);
        if (f->state >= TW_STATE_AT_RISK) {
            guint shown = text_evidence_list(out, f->evidence, 3, color);
            text_more(out, f->evidence_more + (f->evidence->len - shown), color);
            if (f->fix)
                wrap(out, "    ", "Fix: ", f->fix);
        }
    }
    g_string_append_c(out, '\n');
}

static void text_report(TwAnalysis *a, GArray *vs, GString *out, bool color)
{
    g_autofree char *f = a->first_ts ? short_time(a->first_ts) : g_strdup("-");
    g_autofree char *l = a->last_ts ? short_time(a->last_ts) : g_strdup("-");
    g_string_append_printf(out, "%strustwire — domain trust report%s\n", col(color, C_BOLD), col(color, C_RESET));
    {
        g_autoptr(GString) t = g_string_new(NULL);
        g_string_append_printf(t, "%s → %s UTC", f, l);
        if (a->sources->len) {
            g_string_append(t, " from ");
            for (guint i = 0; i < a->sources->len; i++)
                g_string_append_printf(t, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(a->sources, i));
        }
        line(out, "Traffic: ", "  ", t->str);
    }
    const char *vp_how = NULL, *vp_conf = NULL;
    const char *vp = tw_clock_capture_host(a, &vp_how, &vp_conf);
    if (vp) {
        g_autofree char *t = g_strdup_printf("%s (%s, %s confidence): its clock is the capture clock", vp, vp_how,
                                             vp_conf);
        line(out, "Capture host: ", "  ", t);
    }
    /* Domain controllers */
    g_autoptr(GString) dcs = g_string_new(NULL);
    for (guint i = 0; i < vs->len; i++) {
        const TwMachine *m = g_array_index(vs, Verdict, i).m;
        if (m->role != TW_ROLE_DC)
            continue;
        if (dcs->len)
            g_string_append(dcs, ", ");
        g_string_append(dcs, m->account ? m->account : "");
        for (guint j = 0; j < m->addrs->len; j++)
            g_string_append_printf(dcs, "%s%s", j ? " " : m->account ? " " : "", g_array_index(m->addrs, TwAddrUse, j).addr);
        double o;
        if (tw_machine_clock_offset(m, &o))
            g_string_append_printf(dcs, " (clock %+.1f s vs capture host)", ABS(o) < 0.05 ? 0.0 : o);
    }
    if (dcs->len)
        line(out, "Domain controllers: ", "  ", dcs->str);
    tw_dc_view_text(out, a);
    g_string_append_c(out, '\n');
    tw_report_health_text(a, health_issues, out);

    guint counts[TW_STATE_BROKEN + 1] = { 0 };
    guint cannot = 0;
    for (guint i = 0; i < vs->len; i++) {
        const Verdict *v = &g_array_index(vs, Verdict, i);
        if (v->cannot_tell)
            cannot++;
        else
            counts[v->state]++;
    }
    for (guint i = 0; i < vs->len; i++) {
        const Verdict *v = &g_array_index(vs, Verdict, i);
        if (v->state >= TW_STATE_RECOVERED)
            text_machine(out, a, v, color);
    }
    const char *why = tw_report_health_why(health_issues);
    if (!counts[TW_STATE_BROKEN] && !counts[TW_STATE_AT_RISK] && !counts[TW_STATE_RECOVERED]) {
        if (why) {
            g_autofree char *t = g_strdup_printf("%sCannot tell whether a machine has lost its trust: %s (see Capture "
                                                 "health).%s",
                                                 col(color, C_YELLOW),
                                                 health_level >= TW_HEALTH_NOTHING ? "nothing relevant was captured"
                                                                                   : "evidence was lost",
                                                 col(color, C_RESET));
            line(out, "", "  ", t);
            g_string_append_c(out, '\n');
        } else {
            g_string_append_printf(out, "%sNo machine has lost its trust.%s\n\n", col(color, C_GREEN),
                                   col(color, C_RESET));
        }
    }

    /* Users are not machines: shown apart, never as a machine problem. */
    g_autoptr(GPtrArray) users = tw_analysis_users_shown(a); /* --machine: from its addresses */
    if (users->len) {
        guint total = 0;
        for (guint i = 0; i < users->len; i++)
            total += ((TwUserFailure *)g_ptr_array_index(users, i))->count;
        g_autofree char *t = g_strdup_printf("User logons that failed (%u, not machine problems):", total);
        line(out, "", "  ", t);
        for (guint i = 0; i < users->len && i < 8; i++) {
            const TwUserFailure *u = g_ptr_array_index(users, i);
            g_autofree char *error = tw_user_failure_error_text(u);
            g_autofree char *ul = g_strdup_printf("%s ×%u %s from %s (frame %" G_GUINT64_FORMAT "%s%s)", u->user,
                                                  u->count, error, u->addr, u->first_frame, u->source ? " in " : "",
                                                  u->source ? u->source : "");
            line(out, "  ", "    ", ul);
        }
        if (users->len > 8)
            g_string_append_printf(out, "  … and %u more (see -T json)\n", users->len - 8);
    }
    g_autoptr(GPtrArray) sprays = tw_rules_sprays(a);
    tw_analysis_sprays_shown(a, sprays);
    for (guint i = 0; i < sprays->len; i++) {
        const TwSpray *s = g_ptr_array_index(sprays, i);
        g_autoptr(GString) ul = g_string_new(NULL);
        for (guint j = 0; j < s->users->len && j < 10; j++)
            g_string_append_printf(ul, "%s%s", j ? ", " : "", (char *)g_ptr_array_index(s->users, j));
        if (s->users->len > 10)
            g_string_append(ul, ", …");
        g_autofree char *text = g_strdup_printf(
            "%s failed pre-authentication for %u different users (%s), %u failures from frame %" G_GUINT64_FORMAT
            ". Find out what runs on %s; check the DC's event 4771 and lockouts.",
            s->addr, s->users->len, ul->str, s->failures, s->first_frame, s->addr);
        g_autofree char *head = g_strdup_printf("%sPassword spray suspected:%s ", col(color, C_YELLOW), col(color, C_RESET));
        line(out, head, "  ", text);
    }
    if (users->len || sprays->len)
        g_string_append_c(out, '\n');
    tw_report_tickets_text(out, a);

    /* Names only others used: not machines (docs/detections.md "Machine records"). */
    g_autoptr(GString) nonly = g_string_new(NULL);
    guint nnamed = 0;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!tw_machine_named_only_note(m) || !tw_analysis_shows(a, m))
            continue;
        if (nnamed++ == 30) {
            g_string_append(nonly, "; …");
            break;
        }
        const TwEvidence *e = named_first(m);
        g_string_append_printf(nonly, "%s%s", nonly->len ? "; " : "", m->account);
        if (e) {
            const char *file = NULL;
            guint64 fr = e->frame;
            tw_evidence_locate(a, e, &file, &fr);
            g_string_append_printf(nonly, " (by %s, frame %" G_GUINT64_FORMAT ": %s)", e->src[0] ? e->src : "?", fr,
                                   e->detail ? e->detail : e->msg);
        }
    }
    if (nnamed) {
        g_autofree char *head = g_strdup_printf("Named by others only, not machines (%u): ", nnamed);
        line(out, head, "  ", nonly->str);
        g_string_append_c(out, '\n');
    }

    tw_previous_text(out, a); /* --previous: which earlier captures were compared */

    /* Healthy, unknown and cannot tell: one line each (st -1: cannot tell). */
    for (int st = TW_STATE_HEALTHY; st >= -1; st--) {
        if (st >= 0 ? !counts[st] : !cannot)
            continue;
        g_autoptr(GString) names = g_string_new(NULL);
        guint shown = 0;
        for (guint i = 0; i < vs->len; i++) {
            const Verdict *v = &g_array_index(vs, Verdict, i);
            if (st >= 0 ? v->cannot_tell || (int)v->state != st : !v->cannot_tell)
                continue;
            if (shown++ == 30) {
                g_string_append(names, ", …");
                break;
            }
            g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                                   v->m->account ? v->m->account : v->m->addrs->len ? g_array_index(v->m->addrs, TwAddrUse, 0).addr : v->m->key);
            for (guint j = 0; j < v->findings->len; j++)
                if (strcmp(((const TwFinding *)g_ptr_array_index(v->findings, j))->rule->name, "rotation") == 0)
                    g_string_append(names, " (rotated its password)");
        }
        g_autofree char *head = g_strdup_printf("%s%s%s (%u): ", col(color, st >= 0 ? state_color(st) : C_YELLOW),
                                                st == TW_STATE_HEALTHY ? "Healthy"
                                                : st == TW_STATE_UNKNOWN ? "Not enough evidence"
                                                                         : "Cannot tell (evidence lost)",
                                                col(color, C_RESET), st >= 0 ? counts[st] : cannot);
        line(out, head, "  ", names->str);
    }
    g_autofree char *result = g_strdup_printf("Result: %u broken, %u at risk, %u recovered, %u healthy, %u unknown.",
                                              counts[TW_STATE_BROKEN], counts[TW_STATE_AT_RISK],
                                              counts[TW_STATE_RECOVERED], counts[TW_STATE_HEALTHY],
                                              counts[TW_STATE_UNKNOWN]);
    g_string_append_c(out, '\n');
    line(out, "", "  ", result);
    if (why) {
        g_autofree char *t = g_strdup_printf("Cannot tell%s%.0u%s, because of %s (capture health; exit status 3 unless "
                                             "a machine is broken).",
                                             cannot ? ": " : "", cannot,
                                             cannot ? (cannot == 1 ? " machine" : " machines") : "", why);
        line(out, "", "  ", t);
    }
    if (a->caps_hit) {
        g_autofree char *t = g_strdup_printf("Note: %" G_GUINT64_FORMAT " analysis limits were hit; some records were "
                                             "not kept.", a->caps_hit);
        line(out, "", "  ", t);
        g_autoptr(GString) caps = g_string_new(NULL);
        for (int c = 0; c < TW_AN_CAP_COUNT; c++)
            if (a->cap_counts[c])
                g_string_append_printf(caps, "%s%s %" G_GUINT64_FORMAT, caps->len ? ", " : "",
                                       tw_analysis_cap_name(c), a->cap_counts[c]);
        wrap(out, "", "Limits hit: ", caps->str);
    }
    if (a->clock_samples_implausible) {
        g_autofree char *t = g_strdup_printf(
            "Note: %" G_GUINT64_FORMAT " clock sample%s dropped as implausible (decades from every other clock in "
            "the capture: a random NTP transmit time, a KDC's filler ctime).",
            a->clock_samples_implausible, a->clock_samples_implausible == 1 ? "" : "s");
        line(out, "", "  ", t);
    }
    if (a->clock_samples_corrected) {
        g_autofree char *t = g_strdup_printf(
            "Note: %" G_GUINT64_FORMAT " decrypted client time%s after a KRB_AP_ERR_SKEW agree%s with the domain "
            "controllers: the Kerberos library's time corrected by the KDC's, not the machine's clock (not used "
            "as clock samples).",
            a->clock_samples_corrected, a->clock_samples_corrected == 1 ? "" : "s",
            a->clock_samples_corrected == 1 ? "s" : "");
        line(out, "", "  ", t);
    }
    if (a->machines_refused) {
        g_autofree char *t = g_strdup_printf("Note: more than %d machines: %" G_GUINT64_FORMAT " messages about further "
                                             "machines were not analysed (split the capture by subnet or time).",
                                             TW_AN_MAX_MACHINES, a->machines_refused);
        line(out, "", "  ", t);
    }
}

/* ---- JSON (docs/report.md) ---- */

/* One decimal, without libm. */
static double round1(double x)
{
    return (double)(gint64)(x * 10 + (x >= 0 ? 0.5 : -0.5)) / 10;
}

void tw_report_json_time(JsonBuilder *b, const char *name, gint64 us)
{
    json_builder_set_member_name(b, name);
    if (!us) {
        json_builder_add_null_value(b);
        return;
    }
    char t[32];
    tw_format_time(us, t);
    json_builder_add_string_value(b, t);
}

static void json_str_or_null(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void json_evidence(JsonBuilder *b, const GPtrArray *ev)
{
    json_builder_begin_array(b);
    for (guint i = 0; i < ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(ev, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "frame");
        json_builder_add_int_value(b, (gint64)e->frame);
        if (e->source) {
            json_builder_set_member_name(b, "source");
            json_builder_add_string_value(b, e->source);
        }
        /* Where Wireshark finds it: the file, the frame there, a filter. */
        const char *file = NULL;
        guint64 file_frame = e->frame;
        tw_evidence_locate(report_an, e, &file, &file_frame);
        json_str_or_null(b, "file", file);
        json_builder_set_member_name(b, "file_frame");
        json_builder_add_int_value(b, (gint64)file_frame);
        g_autofree char *filter = tw_evidence_filter(e);
        json_str_or_null(b, "filter", filter);
        tw_report_json_time(b, "ts", e->ts_us);
        json_str_or_null(b, "src", e->src[0] ? e->src : NULL);
        json_str_or_null(b, "dst", e->dst[0] ? e->dst : NULL);
        json_str_or_null(b, "msg", e->msg);
        g_autofree char *error = tw_evidence_error_text(e);
        g_autofree char *status = tw_evidence_status_text(e);
        json_str_or_null(b, "error", error);
        json_str_or_null(b, "status", status);
        json_str_or_null(b, "detail", e->detail);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static const char *role_name(TwRole r)
{
    return r == TW_ROLE_DC ? "dc" : r == TW_ROLE_MEMBER ? "member" : "unknown";
}

/* A member holding an array of strings (transfer none of strs). */
static void json_str_array(JsonBuilder *b, const char *name, const GPtrArray *strs)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint i = 0; i < strs->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(strs, i));
    json_builder_end_array(b);
}

/* "account" and "addresses" of a machine, as both the machine list and the
 * domain-controller list show them. */
static void json_identity(JsonBuilder *b, const TwMachine *m)
{
    json_str_or_null(b, "account", m->account);
    json_builder_set_member_name(b, "addresses");
    json_builder_begin_array(b);
    for (guint i = 0; i < m->addrs->len; i++)
        json_builder_add_string_value(b, g_array_index(m->addrs, TwAddrUse, i).addr);
    json_builder_end_array(b);
}

static void json_machine(JsonBuilder *b, const TwAnalysis *a, const Verdict *v)
{
    const TwMachine *m = v->m;
    const TwFinding *mf = main_finding(v);
    json_builder_begin_object(b);
    json_identity(b, m);
    json_builder_set_member_name(b, "macs");
    json_builder_begin_array(b);
    for (guint i = 0; i < m->addrs->len; i++) {
        const char *mac = g_array_index(m->addrs, TwAddrUse, i).mac;
        bool dup = false;
        for (guint j = 0; j < i; j++)
            dup |= strcmp(g_array_index(m->addrs, TwAddrUse, j).mac, mac) == 0;
        if (mac[0] && !dup)
            json_builder_add_string_value(b, mac);
    }
    json_builder_end_array(b);
    json_str_array(b, "aliases", m->aliases);
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, role_name(m->role));
    json_builder_set_member_name(b, "rid");
    if (m->rid >= 0)
        json_builder_add_int_value(b, m->rid);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, tw_state_name(v->state));
    if (v->cannot_tell) {
        json_builder_set_member_name(b, "cannot_tell");
        json_builder_add_boolean_value(b, TRUE);
    }
    json_str_or_null(b, "verdict", mf ? mf->rule->name : "unknown");
    json_str_or_null(b, "confidence", mf ? mf->confidence : NULL);
    json_str_or_null(b, "summary", mf ? mf->summary : NULL);
    json_builder_set_member_name(b, "causes");
    json_builder_begin_array(b);
    for (guint i = 0; i < v->findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(v->findings, i);
        bool dup = false;
        for (guint j = 0; j < i; j++)
            dup |= ((const TwFinding *)g_ptr_array_index(v->findings, j))->rule == f->rule;
        if (!dup)
            json_builder_add_string_value(b, f->rule->name);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "clock_offset_s");
    double off;
    if (machine_offset(a, v, &off))
        json_builder_add_double_value(b, round1(off));
    else
        json_builder_add_null_value(b);
    tw_previous_json_clock(b, m); /* docs/report.md: what --previous reads back */
    tw_report_json_time(b, "first_seen", m->first_ts);
    tw_report_json_time(b, "last_seen", m->last_ts);
    gint64 gen = G_MININT64;
    g_autofree char *keys = tw_machine_key_proof(m, &gen);
    if (keys) {
        /* docs/report.md: index of the supplied generation used, -1 none of them */
        if (gen != G_MININT64) {
            json_builder_set_member_name(b, "key_generation_used");
            json_builder_add_int_value(b, gen);
        }
        json_str_or_null(b, "key_proof", keys);
    }
    g_autofree char *reset = tw_machine_reset_by_other(m);
    if (reset)
        json_str_or_null(b, "reset_by_other", reset);
    g_autofree char *kvnos = tw_machine_kvno_timeline(m);
    if (kvnos)
        json_str_or_null(b, "kvno_timeline", kvnos);
    /* docs/report.md "os": what its messages say it runs. */
    json_builder_set_member_name(b, "os");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "family");
    json_builder_add_string_value(b, tw_os_name(tw_machine_os(m)));
    json_builder_set_member_name(b, "signs");
    json_builder_begin_array(b);
    for (int k = 0; k < TW_OSS_COUNT; k++) {
        if (!(m->os.signs & (1u << k)))
            continue;
        const char *file = NULL;
        guint64 fr = os_seen_frame(a, &m->os.seen[k], &file);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "sign");
        json_builder_add_string_value(b, tw_os_sign_name((TwOsSign)k));
        json_builder_set_member_name(b, "family");
        json_builder_add_string_value(b, tw_os_name(tw_os_sign_family((TwOsSign)k)));
        json_builder_set_member_name(b, "frame");
        json_builder_add_int_value(b, (gint64)m->os.seen[k].frame);
        json_str_or_null(b, "file", file);
        json_builder_set_member_name(b, "file_frame");
        json_builder_add_int_value(b, (gint64)fr);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "evidence");
    if (mf)
        json_evidence(b, mf->evidence);
    else {
        json_builder_begin_array(b);
        json_builder_end_array(b);
    }
    json_builder_set_member_name(b, "evidence_more");
    json_builder_add_int_value(b, mf ? (gint64)mf->evidence_more : 0);
    json_str_or_null(b, "fix", mf ? mf->fix : NULL);
    json_builder_set_member_name(b, "findings");
    json_builder_begin_array(b);
    for (guint i = 0; i < v->findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(v->findings, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "rule");
        json_builder_add_string_value(b, f->rule->name);
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, tw_state_name(f->state));
        json_builder_set_member_name(b, "confidence");
        json_builder_add_string_value(b, f->confidence);
        json_str_or_null(b, "summary", f->summary);
        json_builder_set_member_name(b, "reference");
        json_builder_add_string_value(b, f->rule->reference);
        json_builder_set_member_name(b, "evidence");
        json_evidence(b, f->evidence);
        json_builder_set_member_name(b, "evidence_more");
        json_builder_add_int_value(b, (gint64)f->evidence_more);
        json_str_or_null(b, "fix", f->fix);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static char *json_report(TwAnalysis *a, GArray *vs, int exit_status)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "trustwire_report");
    json_builder_add_int_value(b, 1);
    tw_report_health_json(b, a, health_issues);

    json_builder_set_member_name(b, "capture");
    json_builder_begin_object(b);
    tw_report_json_time(b, "first", a->first_ts);
    tw_report_json_time(b, "last", a->last_ts);
    json_builder_set_member_name(b, "events");
    json_builder_add_int_value(b, (gint64)a->events);
    json_str_array(b, "sources", a->sources);
    json_builder_set_member_name(b, "limits_hit");
    json_builder_add_int_value(b, (gint64)a->caps_hit);
    if (a->caps_hit) {
        /* Which caps, by name (docs/report.md); absent when none was hit. */
        json_builder_set_member_name(b, "limits");
        json_builder_begin_object(b);
        for (int c = 0; c < TW_AN_CAP_COUNT; c++)
            if (a->cap_counts[c]) {
                json_builder_set_member_name(b, tw_analysis_cap_name(c));
                json_builder_add_int_value(b, (gint64)a->cap_counts[c]);
            }
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "machines_refused");
    json_builder_add_int_value(b, (gint64)a->machines_refused);
    json_builder_set_member_name(b, "clock_samples_implausible");
    json_builder_add_int_value(b, (gint64)a->clock_samples_implausible);
    json_builder_set_member_name(b, "clock_samples_corrected");
    json_builder_add_int_value(b, (gint64)a->clock_samples_corrected);
    {
        const char *vp_how = NULL, *vp_conf = NULL;
        const char *vp = tw_clock_capture_host(a, &vp_how, &vp_conf);
        json_builder_set_member_name(b, "capture_host");
        if (vp) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "address");
            json_builder_add_string_value(b, vp);
            json_builder_set_member_name(b, "inference");
            json_builder_add_string_value(b, vp_how);
            json_builder_set_member_name(b, "confidence");
            json_builder_add_string_value(b, vp_conf);
            json_builder_end_object(b);
        } else {
            json_builder_add_null_value(b);
        }
    }
    json_builder_end_object(b);

    json_builder_set_member_name(b, "domain_controllers");
    json_builder_begin_array(b);
    for (guint i = 0; i < vs->len; i++) {
        const TwMachine *m = g_array_index(vs, Verdict, i).m;
        if (m->role != TW_ROLE_DC)
            continue;
        json_builder_begin_object(b);
        json_identity(b, m);
        json_builder_set_member_name(b, "clock_offset_vs_capture_s");
        double o;
        if (tw_machine_clock_offset(m, &o))
            json_builder_add_double_value(b, round1(o));
        else
            json_builder_add_null_value(b);
        tw_previous_json_clock(b, m);
        tw_previous_json_dc(b, a, m);
        tw_dc_view_json(b, a, m);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    tw_previous_json(b, a);

    guint counts[TW_STATE_BROKEN + 1] = { 0 };
    guint cannot = 0;
    for (guint i = 0; i < vs->len; i++) {
        const Verdict *v = &g_array_index(vs, Verdict, i);
        counts[v->state]++;
        cannot += v->cannot_tell;
    }
    json_builder_set_member_name(b, "summary");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "machines");
    json_builder_add_int_value(b, vs->len);
    for (int st = TW_STATE_BROKEN; st >= TW_STATE_UNKNOWN; st--) {
        g_autofree char *k = g_strdelimit(g_strdup(tw_state_name(st)), "-", '_');
        json_builder_set_member_name(b, k);
        json_builder_add_int_value(b, counts[st]);
    }
    json_builder_set_member_name(b, "cannot_tell");
    json_builder_add_int_value(b, cannot);
    json_str_or_null(b, "cannot_tell_because", tw_report_health_why(health_issues));
    json_builder_end_object(b);

    json_builder_set_member_name(b, "machines");
    json_builder_begin_array(b);
    for (guint i = 0; i < vs->len; i++)
        json_machine(b, a, &g_array_index(vs, Verdict, i));
    json_builder_end_array(b);

    g_autoptr(GPtrArray) users = tw_analysis_users_shown(a); /* --machine: from its addresses */
    json_builder_set_member_name(b, "users");
    json_builder_begin_array(b);
    for (guint i = 0; i < users->len; i++) {
        const TwUserFailure *u = g_ptr_array_index(users, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "user");
        json_builder_add_string_value(b, u->user);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, u->addr);
        g_autofree char *error = tw_user_failure_error_text(u);
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error);
        json_builder_set_member_name(b, "count");
        json_builder_add_int_value(b, u->count);
        json_builder_set_member_name(b, "first_frame");
        json_builder_add_int_value(b, (gint64)u->first_frame);
        if (u->source) {
            json_builder_set_member_name(b, "source");
            json_builder_add_string_value(b, u->source);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "password_sprays");
    json_builder_begin_array(b);
    g_autoptr(GPtrArray) sprays = tw_rules_sprays(a);
    tw_analysis_sprays_shown(a, sprays);
    for (guint i = 0; i < sprays->len; i++) {
        const TwSpray *s = g_ptr_array_index(sprays, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, s->addr);
        json_str_array(b, "users", s->users);
        json_builder_set_member_name(b, "failures");
        json_builder_add_int_value(b, s->failures);
        json_builder_set_member_name(b, "first_frame");
        json_builder_add_int_value(b, (gint64)s->first_frame);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    tw_report_tickets_json(b, a);

    /* docs/report.md "named_only": names only others used, not machines. */
    json_builder_set_member_name(b, "named_only");
    json_builder_begin_array(b);
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!tw_machine_named_only_note(m) || !tw_analysis_shows(a, m))
            continue;
        json_builder_begin_object(b);
        json_identity(b, m);
        json_str_array(b, "aliases", m->aliases);
        const TwEvidence *e = named_first(m);
        json_str_or_null(b, "how", e ? (e->detail ? e->detail : e->msg) : NULL);
        json_builder_set_member_name(b, "evidence");
        g_autoptr(GPtrArray) one = g_ptr_array_new();
        if (e)
            g_ptr_array_add(one, (gpointer)e);
        json_evidence(b, one);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "exit_status");
    json_builder_add_int_value(b, exit_status);
    json_builder_end_object(b);

    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/* A verdict that rests on evidence the capture may have lost: nothing
 * proved the machine's state (unknown), or only a weak sign did (a healthy
 * verdict of low confidence). */
static bool rests_on_lost(const Verdict *v)
{
    if (v->state == TW_STATE_UNKNOWN)
        return true;
    const TwFinding *mf = main_finding(v);
    return v->state == TW_STATE_HEALTHY && (!mf || strcmp(mf->confidence, "low") == 0);
}

int tw_report_write(TwAnalysis *a, TwReportFormat fmt, bool color, FILE *out)
{
    report_an = a;
    health_issues = tw_report_health_issues(a);
    health_level = tw_health_worst(health_issues);
    GArray *vs = collect(a);
    int status = 0;
    for (guint i = 0; i < vs->len; i++) {
        Verdict *v = &g_array_index(vs, Verdict, i);
        if (v->state == TW_STATE_BROKEN)
            status = 1;
        v->cannot_tell = health_level >= TW_HEALTH_LOST && rests_on_lost(v);
    }
    /* docs/report.md "Exit status": 3 = the evidence was too degraded to judge. */
    if (status == 0 && health_level >= TW_HEALTH_LOST)
        status = 3;
    if (fmt == TW_REPORT_JSON) {
        g_autofree char *s = json_report(a, vs, status);
        fputs(s, out);
        fputc('\n', out);
    } else {
        /* docs/report.md "Width and folding": the terminal's width, COLUMNS, or 80. */
        tw_wrap_set_report_width(tw_wrap_width_for(out));
        g_autoptr(GString) s = g_string_new(NULL);
        text_report(a, vs, s, color);
        fwrite(s->str, 1, s->len, out);
    }
    fflush(out);
    g_array_unref(vs);
    g_ptr_array_unref(health_issues);
    health_issues = NULL;
    report_an = NULL;
    return status;
}

/* ---- live findings ---- */

void tw_report_finding_line(const TwMachine *m, const TwFinding *f, bool color, GString *out)
{
    const TwEvidence *e = f->evidence->len ? g_ptr_array_index(f->evidence, f->evidence->len - 1) : NULL;
    g_autofree char *t = short_time(e ? e->ts_us : m->last_ts);
    g_string_append_printf(out, "%s %s%s%s %s %s: %s", t, col(color, state_color(f->state)),
                           state_label(f->state), col(color, C_RESET),
                           m->account ? m->account : m->key, f->rule->name, f->summary);
    if (e)
        g_string_append_printf(out, " (frame %" G_GUINT64_FORMAT ")", e->frame);
    g_string_append_c(out, '\n');
}
