/* html-svg.c — inline SVG pictures of the HTML page (html-svg.h).  Every
 * picture has a <title> and a text alternative in the page (the evidence
 * table holds every mark's data), and works without JavaScript. */
#include "output/html-svg.h"
#include "output/report-health.h"
#include "analysis/clock.h"

#include <math.h>
#include <string.h>

void tw_html_esc(GString *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&#39;"); break;
        default: g_string_append_c(out, *s);
        }
    }
}

/* Colours (WCAG AA against white for text and marks). */
#define C_FAIL "#b3261e"
#define C_OK "#1e6b30"
#define C_EVENT "#4a5568"
#define C_GRID "#d0d5dd"

/* A time axis over [t0, t1] mapped to [x0, x1] pixels. */
typedef struct {
    gint64 t0, t1;
    double x0, x1;
} Axis;

static Axis axis_new(gint64 t0, gint64 t1, double x0, double x1)
{
    if (t1 <= t0) {
        t0 -= G_USEC_PER_SEC / 2;
        t1 = t0 + G_USEC_PER_SEC;
    }
    /* a little room on both sides so marks at the ends are whole */
    gint64 pad = (t1 - t0) / 40;
    Axis ax = { t0 - pad, t1 + pad, x0, x1 };
    return ax;
}

static double axis_x(const Axis *ax, gint64 t)
{
    return ax->x0 + (double)(t - ax->t0) / (double)(ax->t1 - ax->t0) * (ax->x1 - ax->x0);
}

/* Tick labels: HH:MM:SS, with tenths when the span is short. */
static void axis_ticks(GString *out, const Axis *ax, double y_top, double y_axis)
{
    gint64 span = ax->t1 - ax->t0;
    for (int i = 0; i <= 4; i++) {
        gint64 t = ax->t0 + span * i / 4;
        double x = axis_x(ax, t);
        char ms[16];
        tw_short_time_ms(t, ms); /* HH:MM:SS.mmm */
        if (span >= 20 * G_USEC_PER_SEC)
            ms[8] = 0;
        else if (span >= 2 * G_USEC_PER_SEC)
            ms[10] = 0;
        g_string_append_printf(out,
                               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID "\"/>"
                               "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"tick\">%s</text>\n",
                               x, y_top, x, y_axis, x, y_axis + 14, i == 0 ? "start" : i == 4 ? "end" : "middle", ms);
    }
}

/* An evidence row link opening (returns whether one was opened). */
static bool row_link(GString *out, const TwHtmlRows *rows, const TwEvidence *e)
{
    guint r = rows ? GPOINTER_TO_UINT(g_hash_table_lookup(rows->row_of, e)) : 0;
    if (!r)
        return false;
    g_string_append_printf(out, "<a href=\"#%s-e%u\">", rows->prefix, r - 1);
    return true;
}

static void mark_title(GString *out, const TwEvidence *e, const char *what)
{
    char t[16];
    tw_short_time_ms(e->ts_us, t);
    g_string_append_printf(out, "<title>%s UTC, frame %" G_GUINT64_FORMAT ": ", t, e->frame);
    tw_html_esc(out, e->msg);
    g_autofree char *err = tw_evidence_error_text(e);
    g_autofree char *st = tw_evidence_status_text(e);
    if (err || st) {
        g_string_append_c(out, ' ');
        tw_html_esc(out, err ? err : st);
    }
    g_string_append_printf(out, " (%s)</title>", what);
}

static void draw_mark(GString *out, TwMark mk, double x, double y)
{
    switch (mk) {
    case TW_MARK_FAIL:
        g_string_append_printf(out,
                               "<path class=\"fail\" d=\"M%.1f %.1fl10 10m0 -10l-10 10\" stroke=\"" C_FAIL
                               "\" stroke-width=\"3\"/>",
                               x - 5, y - 5);
        break;
    case TW_MARK_OK:
        g_string_append_printf(out, "<circle class=\"ok\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"" C_OK "\"/>", x, y);
        break;
    case TW_MARK_EVENT:
        g_string_append_printf(out, "<rect class=\"ev\" x=\"%.1f\" y=\"%.1f\" width=\"3\" height=\"14\" fill=\"" C_EVENT
                                    "\"/>", x - 1.5, y - 7);
        break;
    }
}

#define TL_W 960.0
#define TL_LEFT 150.0
#define TL_RIGHT 110.0
#define TL_LANE 30.0
#define TL_TOP 8.0

void tw_svg_timeline(GString *out, const TwMachineView *v, const TwHtmlRows *rows)
{
    guint64 dropped[TW_LANE_COUNT];
    g_autoptr(GArray) pts = tw_machine_timeline(v->m, dropped);
    gint64 t0 = G_MAXINT64, t1 = G_MININT64;
    for (guint i = 0; i < pts->len; i++) {
        gint64 t = g_array_index(pts, TwTimelinePoint, i).ts_us;
        t0 = MIN(t0, t);
        t1 = MAX(t1, t);
    }
    if (!pts->len)
        t0 = t1 = v->m->first_ts;
    Axis ax = axis_new(t0, t1, TL_LEFT, TL_W - TL_RIGHT);
    double h = TL_TOP + TW_LANE_COUNT * TL_LANE + 24;
    g_string_append_printf(out,
                           "<svg class=\"timeline\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"%s-tl\">"
                           "<title id=\"%s-tl\">Timeline of %s: each message on its lane, ● accepted, ✗ refused, | seen</title>\n",
                           TL_W, h, rows->prefix, rows->prefix, tw_machine_label(v->m));
    for (int l = 0; l < TW_LANE_COUNT; l++) {
        double y = TL_TOP + l * TL_LANE;
        g_string_append_printf(out,
                               "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>"
                               "<text x=\"8\" y=\"%.1f\" class=\"lane\">%s</text>",
                               TL_LEFT - 6, y, TL_W - TL_LEFT - TL_RIGHT + 12, TL_LANE, l % 2 ? "#ffffff" : "#f2f4f7",
                               y + TL_LANE / 2 + 4, tw_lane_name((TwLane)l));
        if (dropped[l])
            g_string_append_printf(out,
                                   "<text x=\"%.0f\" y=\"%.1f\" class=\"more\">+%" G_GUINT64_FORMAT
                                   " not kept</text>",
                                   TL_W - TL_RIGHT + 12, y + TL_LANE / 2 + 4, dropped[l]);
        g_string_append_c(out, '\n');
    }
    double y_axis = TL_TOP + TW_LANE_COUNT * TL_LANE;
    axis_ticks(out, &ax, TL_TOP, y_axis);
    /* where it broke: the first refusal among the evidence of the finding
     * that decides a broken (or at-risk) verdict */
    const TwFinding *mf = tw_view_main(v);
    gint64 broke = 0;
    if (mf && v->state >= TW_STATE_AT_RISK) {
        g_autoptr(GHashTable) in_main = g_hash_table_new(NULL, NULL);
        for (guint i = 0; i < mf->evidence->len; i++)
            g_hash_table_add(in_main, g_ptr_array_index(mf->evidence, i));
        for (guint i = 0; i < pts->len && !broke; i++) {
            const TwTimelinePoint *p = &g_array_index(pts, TwTimelinePoint, i);
            if (p->mark == TW_MARK_FAIL && g_hash_table_contains(in_main, p->ev))
                broke = p->ts_us;
        }
    }
    if (broke) {
        double x = axis_x(&ax, broke);
        char t[16];
        tw_short_time_ms(broke, t);
        g_string_append_printf(out,
                               "<g class=\"broke\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_FAIL
                               "\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
                               "<text x=\"%.1f\" y=\"%.1f\" class=\"brokelabel\" text-anchor=\"%s\">%s at %s</text></g>\n",
                               x, TL_TOP, x, y_axis, x + (x > TL_W - 200 ? -4 : 4), y_axis - 4,
                               x > TL_W - 200 ? "end" : "start", v->state == TW_STATE_BROKEN ? "broke" : "at risk", t);
    }
    for (guint i = 0; i < pts->len; i++) {
        const TwTimelinePoint *p = &g_array_index(pts, TwTimelinePoint, i);
        double x = axis_x(&ax, p->ts_us), y = TL_TOP + p->lane * TL_LANE + TL_LANE / 2;
        bool link = row_link(out, rows, p->ev);
        g_string_append(out, "<g>");
        mark_title(out, p->ev, p->mark == TW_MARK_FAIL ? "refused" : p->mark == TW_MARK_OK ? "accepted" : "seen");
        draw_mark(out, p->mark, x, y);
        g_string_append(out, "</g>");
        if (link)
            g_string_append(out, "</a>");
        g_string_append_c(out, '\n');
    }
    g_string_append(out, "</svg>\n");
}

/* ---- clock ---- */

#define CK_W 960.0
#define CK_H 220.0
#define CK_LEFT 70.0
#define CK_RIGHT 150.0
#define CK_TOP 10.0
#define CK_BOTTOM 26.0

static const char *const series_colours[] = { "#1a56db", "#8a2be2", "#b35c00", "#007a7a" };

static void fmt_offset(char *buf, gsize n, double s)
{
    if (fabs(s) < 0.05)
        s = 0; /* never "-0.0 s" */
    double a = fabs(s);
    if (a >= 3600)
        g_snprintf(buf, n, "%+.1f h", s / 3600);
    else if (a >= 120)
        g_snprintf(buf, n, "%+.1f min", s / 60);
    else
        g_snprintf(buf, n, "%+.1f s", s);
}

bool tw_svg_clock(GString *out, const TwAnalysis *a, const TwMachineView *v)
{
    const TwMachine *m = v->m;
    if (!m->clock->len)
        return false;
    /* the DCs with a clock of their own; none (or m is one): the capture host */
    g_autoptr(GPtrArray) dcs = g_ptr_array_new();
    if (m->role != TW_ROLE_DC)
        for (guint i = 0; i < a->machine_order->len; i++) {
            const TwMachine *d = g_ptr_array_index(a->machine_order, i);
            if (d->role == TW_ROLE_DC && d != m && !d->merged_away && d->clock->len &&
                dcs->len < G_N_ELEMENTS(series_colours))
                g_ptr_array_add(dcs, (gpointer)d);
        }
    guint nser = dcs->len ? dcs->len : 1;
    gint64 t0 = G_MAXINT64, t1 = G_MININT64;
    double maxabs = 0;
    g_autoptr(GArray) vals = g_array_new(FALSE, FALSE, sizeof(double)); /* nser × samples, NAN when unknown */
    for (guint s = 0; s < nser; s++)
        for (guint i = 0; i < m->clock->len; i++) {
            const TwClockSample *cs = &g_array_index(m->clock, TwClockSample, i);
            double off = cs->offset_s, dco = 0;
            bool by_ntp;
            if (dcs->len && !tw_clock_offset_at(g_ptr_array_index(dcs, s), cs->ts_us, &dco, &by_ntp))
                off = NAN;
            else
                off -= dco;
            g_array_append_val(vals, off);
            if (!isnan(off)) {
                maxabs = MAX(maxabs, fabs(off));
                t0 = MIN(t0, cs->ts_us);
                t1 = MAX(t1, cs->ts_us);
            }
        }
    if (t0 > t1)
        return false;
    double range = MAX(TW_AN_SKEW_LIMIT_S * 1.3, maxabs * 1.15);
    Axis ax = axis_new(t0, t1, CK_LEFT, CK_W - CK_RIGHT);
    double ymid = CK_TOP + (CK_H - CK_TOP - CK_BOTTOM) / 2, yspan = (CK_H - CK_TOP - CK_BOTTOM) / 2;
#define YOF(o) (ymid - (o) / range * yspan)
    g_string_append_printf(out,
                           "<svg class=\"clock\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"Clock of %s minus "
                           "each domain controller's, with the Kerberos tolerance of ±5 minutes\">\n",
                           CK_W, CK_H, tw_machine_label(m));
    double yb0 = YOF(TW_AN_SKEW_LIMIT_S), yb1 = YOF(-TW_AN_SKEW_LIMIT_S);
    g_string_append_printf(out,
                           "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#e3f4e6\"/>"
                           "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"" C_FAIL "\" stroke-dasharray=\"6 3\"/>"
                           "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"" C_FAIL "\" stroke-dasharray=\"6 3\"/>"
                           "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#98a2b3\"/>"
                           "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">+5 min</text>"
                           "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">0</text>"
                           "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">−5 min</text>\n",
                           CK_LEFT, yb0, CK_W - CK_RIGHT - CK_LEFT, yb1 - yb0, CK_LEFT, yb0, CK_W - CK_RIGHT, yb0,
                           CK_LEFT, yb1, CK_W - CK_RIGHT, yb1, CK_LEFT, ymid, CK_W - CK_RIGHT, ymid, CK_LEFT - 6, yb0 + 4,
                           CK_LEFT - 6, ymid + 4, CK_LEFT - 6, yb1 + 4);
    if (range > TW_AN_SKEW_LIMIT_S * 2) {
        char top[32];
        fmt_offset(top, sizeof top, range);
        g_string_append_printf(out, "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                               CK_LEFT - 6, CK_TOP + 10, top);
    }
    axis_ticks(out, &ax, CK_TOP, CK_H - CK_BOTTOM);
    for (guint s = 0; s < nser; s++) {
        const char *colour = series_colours[s];
        const char *who = dcs->len ? tw_machine_label(g_ptr_array_index(dcs, s)) : "capture host";
        double last = NAN;
        g_string_append_printf(out, "<g class=\"series\" fill=\"%s\">", colour);
        for (guint i = 0; i < m->clock->len; i++) {
            double off = g_array_index(vals, double, s * m->clock->len + i);
            if (isnan(off))
                continue;
            const TwClockSample *cs = &g_array_index(m->clock, TwClockSample, i);
            char t[16], o[32];
            tw_short_time_ms(cs->ts_us, t);
            fmt_offset(o, sizeof o, off);
            g_string_append_printf(out,
                                   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s UTC, frame %" G_GUINT64_FORMAT
                                   ": %s vs %s</title></circle>",
                                   axis_x(&ax, cs->ts_us), YOF(off), t, cs->frame, o, who);
            last = off;
        }
        char o[32] = "";
        if (!isnan(last))
            fmt_offset(o, sizeof o, last);
        g_string_append(out, "</g>");
        g_string_append_printf(out, "<text x=\"%.0f\" y=\"%.1f\" fill=\"%s\" class=\"legend\">vs ", CK_W - CK_RIGHT + 8,
                               CK_TOP + 14 + s * 18, colour);
        tw_html_esc(out, who);
        g_string_append_printf(out, ": %s</text>\n", o);
    }
#undef YOF
    g_string_append(out, "</svg>\n");
    return true;
}

/* ---- ladder ---- */

#define LD_LEFT 96.0
#define LD_COL 220.0
#define LD_COL_MAX 400.0
#define LD_HEAD 58.0
#define LD_ROW 36.0
#define LD_RIGHT 170.0

void tw_svg_ladder(GString *out, const TwAnalysis *a, const TwLadder *ld, const TwHtmlRows *rows)
{
    guint np = ld->parties->len;
    /* columns wide enough for the longest label of a one-column arrow */
    double col = LD_COL;
    for (guint i = 0; i < ld->arrows->len; i++) {
        const TwLadderArrow *ar = &g_array_index(ld->arrows, TwLadderArrow, i);
        if (ar->from + 1 == ar->to || ar->to + 1 == ar->from)
            col = MAX(col, g_utf8_strlen(ar->label, -1) * 7.0 + 40);
    }
    col = MIN(col, LD_COL_MAX);
    double w = LD_LEFT + (np - 1) * col + LD_RIGHT, h = LD_HEAD + ld->arrows->len * LD_ROW + 16;
    g_string_append_printf(out, "<svg class=\"ladder\" viewBox=\"0 0 %.0f %.0f\" style=\"max-width:%.0fpx\" role=\"img\" "
                                "aria-label=\"Ladder diagram of %u messages between ",
                           w, h, w * 1.1, ld->arrows->len);
    for (guint i = 0; i < np; i++) {
        const TwLadderParty *p = g_ptr_array_index(ld->parties, i);
        g_string_append(out, i ? (i + 1 == np ? " and " : ", ") : "");
        tw_html_esc(out, p->name);
    }
    g_string_append(out, "\">\n");
    for (guint i = 0; i < np; i++) {
        const TwLadderParty *p = g_ptr_array_index(ld->parties, i);
        double x = LD_LEFT + i * col;
        g_string_append_printf(out, "<text x=\"%.0f\" y=\"16\" text-anchor=\"middle\" class=\"party\">", x);
        tw_html_esc(out, p->name);
        g_string_append_printf(out, "</text><text x=\"%.0f\" y=\"31\" text-anchor=\"middle\" class=\"tick\">", x);
        if (strcmp(p->name, p->addr) != 0) /* a name of its own, else the address once */
            tw_html_esc(out, p->addr);
        g_string_append_printf(out, "</text><text x=\"%.0f\" y=\"45\" text-anchor=\"middle\" class=\"role\">%s%s%s</text>"
                               "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#667085\" stroke-width=\"2\"/>\n",
                               x, tw_party_role_name(p->role), p->mac ? ", MAC " : "", p->mac ? p->mac : "", x,
                               LD_HEAD - 6, x, h - 4);
    }
    gint64 prev_ms = G_MININT64;
    for (guint i = 0; i < ld->arrows->len; i++) {
        const TwLadderArrow *ar = &g_array_index(ld->arrows, TwLadderArrow, i);
        double y = LD_HEAD + i * LD_ROW + LD_ROW - 8;
        double x0 = LD_LEFT + ar->from * col, x1 = LD_LEFT + ar->to * col;
        const char *colour = ar->mark == TW_MARK_FAIL ? C_FAIL : ar->mark == TW_MARK_OK ? C_OK : "#344054";
        if (ar->ts_us / 1000 != prev_ms) {
            char t[16];
            tw_short_time_ms(ar->ts_us, t);
            g_string_append_printf(out, "<text x=\"4\" y=\"%.1f\" class=\"tick\">%s</text>", y + 4, t);
            prev_ms = ar->ts_us / 1000;
        }
        /* a context arrow (the NetrServerReqChallenge before an Authenticate) has no evidence row */
        bool link = !ar->context && row_link(out, rows, ar->ev);
        g_string_append_printf(out, "<g class=\"msg%s%s\">", ar->mark == TW_MARK_FAIL ? " fail" : "",
                               ar->context ? " ctx" : "");
        mark_title(out, ar->ev, ar->context ? "context: prepares the Authenticate, not evidence"
                                : ar->mark == TW_MARK_FAIL ? "refused" : ar->mark == TW_MARK_OK ? "accepted" : "request");
        if (ar->from == ar->to) {
            g_string_append_printf(out, "<path d=\"M%.1f %.1fh30v10h-24\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>",
                                   x0, y - 10, colour);
            x1 = x0 + 60;
        } else {
            double dir = x1 > x0 ? 1 : -1;
            g_string_append_printf(out,
                                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>"
                                   "<path d=\"M%.1f %.1fl%.1f -5v10z\" fill=\"%s\"/>",
                                   x0, y, x1 - dir * 9, y, colour, ar->mark == TW_MARK_EVENT ? "2" : "2.5", x1, y, -dir * 10,
                                   colour);
        }
        /* the label above the arrow, cut to its span */
        double span = fabs(x1 - x0);
        glong max = (glong)(span / 6.6) - 1;
        if (max < 8)
            max = 8;
        const char *mk = ar->mark == TW_MARK_FAIL ? "✗ " : ar->mark == TW_MARK_OK ? "✓ " : "";
        g_autofree char *lab = g_strconcat(mk, ar->label, NULL);
        if (g_utf8_strlen(lab, -1) > max) {
            gchar *cut = g_utf8_offset_to_pointer(lab, max - 1);
            *cut = 0;
            char *t = g_strconcat(lab, "…", NULL);
            g_free(lab);
            lab = t;
        }
        g_string_append_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" class=\"label\">",
                               (x0 + x1) / 2, y - 7, colour);
        tw_html_esc(out, lab);
        g_string_append(out, "</text>");
        const char *file = NULL;
        guint64 frame = ar->ev->frame;
        tw_evidence_locate(a, ar->ev, &file, &frame);
        if (!ar->request_half)
            g_string_append_printf(out, "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\">frame %" G_GUINT64_FORMAT "</text>",
                                   LD_LEFT + (np - 1) * col + 24, y + 4, frame);
        g_string_append(out, "</g>");
        if (link)
            g_string_append(out, "</a>");
        g_string_append_c(out, '\n');
    }
    g_string_append(out, "</svg>\n");
}

/* ---- bursts ---- */

#define BU_W 960.0
#define BU_H 170.0
#define BU_LEFT 50.0
#define BU_BOTTOM 30.0

static void fmt_duration(char *buf, gsize n, gint64 us)
{
    if (us >= 60 * G_USEC_PER_SEC)
        g_snprintf(buf, n, "%.1f min", us / 60e6);
    else if (us >= G_USEC_PER_SEC)
        g_snprintf(buf, n, "%.2f s", us / 1e6);
    else
        g_snprintf(buf, n, "%.0f ms", us / 1e3);
}

void tw_svg_burst(GString *out, const TwBurst *b, const char *what)
{
    guint used = MAX(tw_burst_used(b), 1);
    guint32 peak = 1;
    for (guint i = 0; i < used; i++)
        peak = MAX(peak, b->bins[i]);
    char bw[32], total[32];
    fmt_duration(bw, sizeof bw, b->bin_us);
    fmt_duration(total, sizeof total, b->bin_us * used);
    g_string_append_printf(out, "<svg class=\"burst\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", BU_W, BU_H);
    tw_html_esc(out, what);
    g_string_append_printf(out, ": %" G_GUINT64_FORMAT " in %s, at most %u per %s\">\n", b->total, total, peak, bw);
    double plot_w = BU_W - BU_LEFT - 20, plot_h = BU_H - BU_BOTTOM - 14;
    double bar = plot_w / used;
    g_string_append_printf(out,
                           "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#98a2b3\"/>"
                           "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">%u</text>"
                           "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">0</text>\n",
                           BU_LEFT, BU_H - BU_BOTTOM, BU_W - 20, BU_H - BU_BOTTOM, BU_LEFT - 6, 14 + 4.0, peak,
                           BU_LEFT - 6, BU_H - BU_BOTTOM + 4);
    for (guint i = 0; i < used; i++) {
        if (!b->bins[i])
            continue;
        double bh = plot_h * b->bins[i] / peak;
        char from[32];
        fmt_duration(from, sizeof from, b->bin_us * i);
        g_string_append_printf(out,
                               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_FAIL "\">"
                               "<title>+%s: %u</title></rect>",
                               BU_LEFT + i * bar + 0.5, BU_H - BU_BOTTOM - bh, MAX(bar - 1, 1.0), bh, from, b->bins[i]);
    }
    char t0[16];
    tw_short_time_ms(b->t0_us, t0);
    g_string_append_printf(out,
                           "\n<text x=\"%.0f\" y=\"%.0f\" class=\"tick\">%s UTC</text>"
                           "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">+%s (bars of %s)</text>\n</svg>\n",
                           BU_LEFT, BU_H - 10, t0, BU_W - 20, BU_H - 10, total, bw);
}
