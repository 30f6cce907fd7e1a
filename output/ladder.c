/* ladder.c — -T ladder: the failing exchanges of each machine (or of the
 * one --machine names) as sequence diagrams in the terminal, in Unicode box
 * drawing, or ASCII when the locale is not UTF-8 or --ascii asks
 * (docs/html.md "Ladder").  The same ladders as the HTML page's
 * (html-model.c). */
#include "output/ladder.h"
#include "output/html-model.h"
#include "output/report-health.h"

#include <string.h>

static bool ascii_only;

void tw_ladder_set_ascii(bool ascii)
{
    ascii_only = ascii;
}

/* The glyphs of one style. */
typedef struct {
    gunichar life, cross, shaft, right, left, fail, ok;
} Glyphs;

static const Glyphs unicode_glyphs = { 0x2502 /* │ */, 0x253c /* ┼ */, 0x2500 /* ─ */, 0x25b6 /* ▶ */,
                                       0x25c0 /* ◀ */, 0x2717 /* ✗ */, 0x2713 /* ✓ */ };
static const Glyphs ascii_glyphs = { '|', '+', '-', '>', '<', 'X', '+' };

#define MARGIN 14 /* "HH:MM:SS.mmm  " */
#define GAP_MIN 22
#define GAP_MAX 46

/* One line as cells (one code point each), written out right-trimmed. */
typedef struct {
    gunichar *c;
    guint n;
} Line;

static void line_init(Line *l, guint n)
{
    l->c = g_new(gunichar, n);
    l->n = n;
    for (guint i = 0; i < n; i++)
        l->c[i] = ' ';
}

/* Writes text at x (cut at `max` cells, "…"/"~" marks a cut). */
static void line_put(Line *l, guint x, const char *text, guint max, const Glyphs *g)
{
    glong n = 0;
    g_autofree gunichar *u = g_utf8_to_ucs4_fast(text, -1, &n);
    for (glong i = 0; i < n && x + (guint)i < l->n; i++) {
        if ((guint)i + 1 == max && (guint)n > max) {
            l->c[x + i] = g == &ascii_glyphs ? '~' : 0x2026;
            break;
        }
        gunichar c = u[i];
        if (g == &ascii_glyphs && c > 0x7e) /* "→" in a message */
            c = c == 0x2192 ? '>' : '?';
        l->c[x + i] = c;
    }
}

static void line_flush(Line *l, GString *out)
{
    guint end = l->n;
    while (end && l->c[end - 1] == ' ')
        end--;
    for (guint i = 0; i < end; i++)
        g_string_append_unichar(out, l->c[i]);
    g_string_append_c(out, '\n');
    g_free(l->c);
}

static void lifelines(Line *l, const guint *x, guint nparties, const Glyphs *g)
{
    for (guint i = 0; i < nparties; i++)
        l->c[x[i]] = g->life;
}

void tw_ladder_text(const TwAnalysis *a, const TwLadder *ld, GString *out)
{
    const Glyphs *g = ascii_only ? &ascii_glyphs : &unicode_glyphs;
    guint np = ld->parties->len;
    /* One gap between neighbouring columns, wide enough for the longest
     * label of a one-column arrow (longer ones are cut). */
    guint gap = GAP_MIN;
    for (guint i = 0; i < ld->arrows->len; i++) {
        const TwLadderArrow *ar = &g_array_index(ld->arrows, TwLadderArrow, i);
        guint span = ar->from > ar->to ? ar->from - ar->to : ar->to - ar->from;
        guint len = (guint)g_utf8_strlen(ar->label, -1) + 5;
        if (span <= 1 && len > gap)
            gap = MIN(len, GAP_MAX);
    }
    for (guint i = 0; i < np; i++) {
        const TwLadderParty *p = g_ptr_array_index(ld->parties, i);
        guint len = (guint)MAX(MAX(strlen(p->name), strlen(p->addr)), strlen(tw_party_role_name(p->role)) + (p->mac ? 18 : 0)) + 2;
        if (len > gap)
            gap = MIN(len, GAP_MAX);
    }
    g_autofree guint *x = g_new(guint, np);
    for (guint i = 0; i < np; i++)
        x[i] = MARGIN + i * gap;
    guint width = x[np - 1] + 2;
    guint frame_col = width + 1;
    guint total = frame_col + 24;

    /* header: name, address, role, each starting at its lifeline */
    for (int row = 0; row < 3; row++) {
        Line l;
        line_init(&l, total);
        for (guint i = 0; i < np; i++) {
            const TwLadderParty *p = g_ptr_array_index(ld->parties, i);
            g_autofree char *role = p->mac ? g_strdup_printf("%s %s", tw_party_role_name(p->role), p->mac)
                                           : g_strdup(tw_party_role_name(p->role));
            const char *t = row == 0 ? p->name : row == 1 ? (strcmp(p->name, p->addr) ? p->addr : "") : role;
            line_put(&l, x[i], t, i + 1 < np ? gap - 1 : 40, g);
        }
        line_flush(&l, out);
    }
    Line l;
    line_init(&l, total);
    lifelines(&l, x, np, g);
    line_flush(&l, out);

    gint64 prev_ms = G_MININT64;
    for (guint i = 0; i < ld->arrows->len; i++) {
        const TwLadderArrow *ar = &g_array_index(ld->arrows, TwLadderArrow, i);
        guint lo = MIN(ar->from, ar->to), hi = MAX(ar->from, ar->to);
        /* the label line, with the time when it moved on */
        line_init(&l, total);
        lifelines(&l, x, np, g);
        if (ar->ts_us / 1000 != prev_ms) {
            char t[16];
            tw_short_time_ms(ar->ts_us, t);
            line_put(&l, 0, t, MARGIN, g);
            prev_ms = ar->ts_us / 1000;
        }
        g_autofree char *label = NULL;
        if (ar->mark == TW_MARK_EVENT || ar->from == ar->to)
            label = g_strdup(ar->label);
        else {
            char mk[8] = { 0 };
            g_unichar_to_utf8(ar->mark == TW_MARK_FAIL ? g->fail : g->ok, mk);
            label = g_strdup_printf("%s %s", mk, ar->label);
        }
        guint room = hi > lo ? x[hi] - x[lo] - 2 : gap - 2;
        line_put(&l, x[lo] + 2, label, room, g);
        line_flush(&l, out);
        /* the arrow line */
        line_init(&l, total);
        lifelines(&l, x, np, g);
        if (hi > lo) {
            for (guint c = x[lo] + 1; c < x[hi]; c++)
                l.c[c] = g->shaft;
            for (guint k = lo + 1; k < hi; k++)
                l.c[x[k]] = g->cross;
            if (ar->to > ar->from)
                l.c[x[hi] - 1] = g->right;
            else
                l.c[x[lo] + 1] = g->left;
        } else {
            l.c[x[lo] + 1] = g->shaft; /* to itself: a stub */
            l.c[x[lo] + 2] = g->left;
        }
        const char *file = NULL;
        guint64 frame = ar->ev->frame;
        tw_evidence_locate(a, ar->ev, &file, &frame);
        g_autofree char *fr = NULL;
        if (ar->request_half)
            fr = g_strdup("");
        else if (file && tw_report_input_count(a) > 1) {
            const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
            fr = g_strdup_printf("frame %" G_GUINT64_FORMAT " %s", frame, base);
        } else
            fr = g_strdup_printf("frame %" G_GUINT64_FORMAT, frame);
        line_put(&l, frame_col, fr, 60, g);
        line_flush(&l, out);
    }
    line_init(&l, total);
    lifelines(&l, x, np, g);
    line_flush(&l, out);
    if (ld->rows_left_out)
        g_string_append_printf(out, "%*s%s and %" G_GUINT64_FORMAT " more messages of this exchange (-T report)\n",
                               MARGIN, "", ascii_only ? "..." : "…", ld->rows_left_out);
}

/* --frame N: whether the ladder draws a message of a selected frame (its
 * number in the run, or in its file as the ladder writes it). */
static bool ladder_selected(const TwLadder *ld)
{
    for (guint i = 0; i < ld->arrows->len; i++) {
        const TwEvidence *e = g_array_index(ld->arrows, TwLadderArrow, i).ev;
        if (e && (tw_frame_selected(e->frame) || (e->file && tw_frame_selected(e->file_frame))))
            return true;
    }
    return false;
}

/* Appends the ladders of v; with --frame only those holding a selected
 * frame (nothing, not even the heading, when none does).  Returns whether
 * it appended anything. */
static bool machine_ladders(const TwAnalysis *a, const TwMachineView *v, GString *out)
{
    const TwFinding *mf = tw_view_main(v);
    g_autoptr(GPtrArray) rows = tw_view_evidence(v);
    if (!rows->len && mf) {
        /* a machine that is fine (shown for --machine): its latest exchange
         * that proved it, a teaching ladder */
        for (guint i = 0; i < mf->evidence->len; i++)
            g_ptr_array_add(rows, g_ptr_array_index(mf->evidence, i));
        g_ptr_array_sort(rows, tw_evidence_cmp);
    }
    g_autoptr(GPtrArray) lds = tw_ladders_new(a, v, rows);
    guint selected = 0; /* --frame: the exchanges drawn keep their numbers ("Exchange 2 of 4") */
    for (guint i = 0; tw_frames_selected() && i < lds->len; i++)
        selected += ladder_selected(g_ptr_array_index(lds, i));
    if (tw_frames_selected() && !selected)
        return false;
    const char *dash = ascii_only ? "-" : "—", *to = ascii_only ? "->" : "→";
    g_string_append_printf(out, "%s %s %s", tw_machine_label(v->m), dash, tw_state_name(v->state));
    if (mf && v->state >= TW_STATE_RECOVERED)
        g_string_append_printf(out, ": %s (%s)", mf->rule->name, mf->rule->title);
    g_string_append_c(out, '\n');
    if (!lds->len) {
        g_string_append(out, "  no failing exchange in the capture\n\n");
        return true;
    }
    for (guint i = 0; i < lds->len; i++) {
        const TwLadder *ld = g_ptr_array_index(lds, i);
        if (tw_frames_selected() && !ladder_selected(ld))
            continue;
        char t0[32], t1[16];
        tw_format_time(ld->first_ts, t0);
        t0[10] = ' ';
        t0[23] = 0;
        tw_short_time_ms(ld->last_ts, t1);
        if (ld->fails || v->state >= TW_STATE_RECOVERED)
            g_string_append_printf(out, "\nExchange %u of %u: %s %s %s UTC, %u failed\n\n", i + 1, lds->len, t0, to,
                                   t1, ld->fails);
        else
            g_string_append_printf(out, "\nNo failing exchange; the latest that proved it: %s %s %s UTC\n\n", t0, to,
                                   t1);
        tw_ladder_text(a, ld, out);
    }
    g_string_append_c(out, '\n');
    return true;
}

int tw_ladder_write(TwAnalysis *an, GString *s)
{
    g_autoptr(TwPageModel) pm = tw_page_model_new(an);
    guint shown = 0;
    for (guint i = 0; i < pm->views->len; i++) {
        const TwMachineView *v = &g_array_index(pm->views, TwMachineView, i);
        /* every failing machine; with --machine, that one whatever its state;
         * with --frame, the exchanges holding those frames, whatever the state */
        if (v->state < TW_STATE_RECOVERED && !an->focus && !tw_frames_selected())
            continue;
        if (machine_ladders(an, v, s))
            shown++;
    }
    if (!shown)
        g_string_append(s, tw_frames_selected() ? "No exchange drawn holds the frames given with --frame.\n"
                           : an->focus          ? "No machine of that name in the capture.\n"
                                                : "No failing exchange: no machine has lost its trust.\n");
    return pm->status;
}
