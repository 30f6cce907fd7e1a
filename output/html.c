/* html.c — -T html / --html FILE: the report as one self-contained page
 * (docs/html.md).  Everything is in the file: the style sheet, the
 * pictures (SVG drawn in html-svg.c from the analysis result) and a short
 * script that only adds comfort (filtering, folding all, copy buttons,
 * unfolding for print).  The page is readable without the script, prints,
 * and names nothing outside itself: no URL but its own #anchors.
 *
 * Large captures: the machines that need attention are drawn in full up to
 * TW_HTML_MAX_DETAILED (the rest are rows of the index table); healthy and
 * unknown machines are one folded table (core/tw-limits.h). */
#include "output/html.h"
#include "output/dc-view.h"
#include "output/html-model.h"
#include "output/html-svg.h"
#include "output/ladder.h"
#include "output/report-health.h"
#include "output/report-tickets.h"
#include "analysis/clock.h"
#include "analysis/fleet.h"

#include <errno.h>
#include <string.h>

static const char page_css[] =
    ":root{--fg:#1d2939;--muted:#475467;--line:#d0d5dd;--bg:#fff;--alt:#f2f4f7;--link:#1a56db;"
    "--broken:#b3261e;--at-risk:#8a4b00;--recovered:#00607a;--healthy:#1e6b30;--unknown:#595959}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:var(--fg);"
    "background:var(--bg)}\n"
    "header,main,footer{max-width:1240px;margin:0 auto;padding:0 20px}\n"
    "header{padding-top:14px;border-bottom:1px solid var(--line)}\n"
    "h1{font-size:1.6rem;margin:.3em 0}h2{font-size:1.3rem;margin:1.4em 0 .5em;border-bottom:2px solid var(--line);"
    "padding-bottom:.2em}h3{font-size:1.15rem;margin:.2em 0}h4{font-size:1rem;margin:1em 0 .3em}\n"
    "a{color:var(--link)}a:focus-visible,button:focus-visible,summary:focus-visible,input:focus-visible,"
    "select:focus-visible{outline:3px solid var(--link);outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}\n"
    ".meta{color:var(--muted);margin:.2em 0 .8em}\n"
    "ul.counts{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:.6em 0}\n"
    "ul.counts li{border:1px solid var(--line);border-left:8px solid var(--c);border-radius:6px;padding:8px 16px;"
    "min-width:150px}\n"
    "ul.counts .n{display:block;font-size:1.9rem;font-weight:700;color:var(--c)}\n"
    ".broken{--c:var(--broken)}.at-risk{--c:var(--at-risk)}.recovered{--c:var(--recovered)}"
    ".healthy{--c:var(--healthy)}.unknown,.cannot-tell{--c:var(--unknown)}\n"
    ".badge{display:inline-block;background:var(--c);color:#fff;font-weight:700;font-size:.8rem;padding:2px 8px;"
    "border-radius:4px;letter-spacing:.03em;vertical-align:middle}\n"
    "table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:.9rem}\n"
    "th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\n"
    "thead th{background:var(--alt);position:sticky;top:0}\n"
    "tbody tr:target{background:#fff4c2;outline:2px solid #b38600}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code{font:.85rem/1.3 ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;background:var(--alt);"
    "padding:1px 4px;border-radius:3px;word-break:break-word}\n"
    "button{font:inherit;font-size:.8rem;border:1px solid #98a2b3;background:#fff;border-radius:4px;padding:1px 8px;"
    "margin-left:6px;cursor:pointer}\n"
    "section.machine{border:1px solid var(--line);border-left:8px solid var(--c);border-radius:6px;padding:10px 16px;"
    "margin:14px 0;content-visibility:auto;contain-intrinsic-size:auto 600px}\n"
    "section.machine>p.cause{margin:.2em 0;color:var(--muted)}\n"
    "details>summary{cursor:pointer;color:var(--link);margin:.4em 0}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:.5em 0}\n"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0}\n"
    "figure{margin:.4em 0 1em}figcaption{color:var(--muted);font-size:.85rem}\n"
    "svg{width:100%;height:auto;display:block;font-family:system-ui,sans-serif}\n"
    "svg .tick{font-size:11px;fill:#475467}svg .lane{font-size:13px;font-weight:600;fill:#1d2939}"
    "svg .more{font-size:10px;fill:#475467}svg .party{font-size:13px;font-weight:700;fill:#1d2939}"
    "svg .role{font-size:11px;font-style:italic;fill:#475467}svg .label{font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}"
    "svg .legend{font-size:12px;font-weight:600}svg .brokelabel{font-size:12px;font-weight:700;fill:#b3261e;paint-order:stroke;stroke:#fff;stroke-width:4px}\n"
    "svg a:hover .label,svg a:focus .label{text-decoration:underline}svg a:focus{outline:2px solid var(--link)}\n"
    ".fix{background:#f6faf7;border:1px solid #b7dfc2;border-radius:6px;padding:8px 12px}\n"
    ".toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:.5em 0}\n"
    ".toolbar input{font:inherit;padding:3px 6px;min-width:260px}\n"
    "html:not(.js) .js-only{display:none}\n"
    "pre{background:var(--alt);padding:8px;overflow-x:auto;font-size:.85rem}\n"
    "footer{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);margin-top:2em;padding:10px 20px}\n"
    "@media print{.js-only,button,.skip{display:none!important}body{font-size:11pt}"
    "a{color:inherit;text-decoration:none}section.machine{break-inside:avoid-page}"
    "thead th{position:static}header,main,footer{max-width:none}"
    /* a folded machine prints unfolded without the script too (its beforeprint handler opens them) */
    "details::details-content{content-visibility:visible;display:block}}\n";

/* Comfort only: the page says everything without it. */
static const char page_js[] =
    "(function(){'use strict';var d=document;d.documentElement.classList.add('js');\n"
    "function copy(t,b){function done(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy';},1500);}\n"
    "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done,fallback);}else{fallback();}\n"
    "function fallback(){var a=d.createElement('textarea');a.value=t;d.body.appendChild(a);a.select();"
    "try{d.execCommand('copy');done();}catch(e){}d.body.removeChild(a);}}\n"
    "d.querySelectorAll('code.cp').forEach(function(c){var b=d.createElement('button');b.type='button';"
    "b.textContent='Copy';b.setAttribute('aria-label','Copy '+c.textContent);"
    "b.addEventListener('click',function(){copy(c.textContent,b);});c.insertAdjacentElement('afterend',b);});\n"
    "var q=d.getElementById('filter'),s=d.getElementById('fstate'),n=d.getElementById('fcount');\n"
    "function apply(){var t=q.value.trim().toLowerCase(),st=s.value,k=0;"
    "d.querySelectorAll('[data-name]').forEach(function(e){var ok=(!t||e.getAttribute('data-name').indexOf(t)>=0)&&"
    "(!st||e.getAttribute('data-state')===st);e.hidden=!ok;if(ok&&e.tagName==='SECTION')k++;});"
    "n.textContent=(t||st)?k+' machine section(s) match':'';}\n"
    "if(q){q.addEventListener('input',apply);s.addEventListener('change',apply);}\n"
    "function all(o){d.querySelectorAll('section.machine details').forEach(function(x){x.open=o;});}\n"
    "var ex=d.getElementById('expand'),co=d.getElementById('collapse');"
    "if(ex){ex.addEventListener('click',function(){all(true);});co.addEventListener('click',function(){all(false);});}\n"
    "window.addEventListener('beforeprint',function(){all(true);});\n"
    "window.addEventListener('hashchange',function(){var t=d.getElementById(location.hash.slice(1));"
    "for(var p=t;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}});\n"
    "})();\n";

#define esc tw_html_esc

static const char *state_class(TwState s)
{
    return tw_state_name(s); /* "broken" "at-risk" … are the classes */
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

static void full_time(GString *out, gint64 us)
{
    char t[32];
    tw_format_time(us, t);
    t[19] = 0;
    t[10] = ' ';
    g_string_append(out, t);
}

/* Text with `commands` in backquotes: each command a code element with a
 * copy button (added by the script). */
static void text_with_commands(GString *out, const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, "`", -1);
    for (guint i = 0; parts[i]; i++) {
        bool cmd = i % 2 == 1 && parts[i + 1]; /* an unpaired backquote stays text */
        if (cmd) {
            g_string_append(out, "<code class=\"cp\">");
            esc(out, parts[i]);
            g_string_append(out, "</code>");
        } else {
            if (i % 2 == 1)
                g_string_append_c(out, '`');
            esc(out, parts[i]);
        }
    }
}

/* An id made of the machine's name: letters, digits, '-', '_' only. */
static char *machine_id(GHashTable *used, const TwMachine *m)
{
    GString *s = g_string_new("m-");
    for (const char *p = tw_machine_label(m); *p; p++)
        if (*p != '$') /* WS06$ → m-WS06 */
            g_string_append_c(s, g_ascii_isalnum(*p) || *p == '-' || *p == '_' ? *p : *p == '.' || *p == ':' ? '_' : 'x');
    gsize base = s->len;
    for (guint n = 2; g_hash_table_contains(used, s->str); n++) {
        g_string_truncate(s, base);
        g_string_append_printf(s, "-%u", n);
    }
    g_hash_table_add(used, g_strdup(s->str));
    return g_string_free(s, FALSE);
}

static void data_name(GString *out, const TwMachine *m)
{
    g_autoptr(GString) n = g_string_new(tw_machine_label(m));
    for (guint i = 0; i < m->addrs->len; i++)
        g_string_append_printf(n, " %s", g_array_index(m->addrs, TwAddrUse, i).addr);
    for (guint i = 0; i < m->aliases->len && i < 4; i++)
        g_string_append_printf(n, " %s", (const char *)g_ptr_array_index(m->aliases, i));
    g_autofree char *low = g_utf8_strdown(n->str, -1);
    g_string_append(out, " data-name=\"");
    esc(out, low);
    g_string_append(out, "\"");
}

static void addresses(GString *out, const TwMachine *m)
{
    if (!m->addrs->len)
        g_string_append(out, "none seen");
    for (guint i = 0; i < m->addrs->len; i++) {
        const TwAddrUse *u = &g_array_index(m->addrs, TwAddrUse, i);
        g_string_append(out, i ? ", " : "");
        esc(out, u->addr);
        if (u->mac[0])
            g_string_append_printf(out, " (MAC %s)", u->mac);
    }
}

/* ---- overview ---- */

static int label_cmp(gconstpointer pa, gconstpointer pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* A count and the first names, sorted (as the text report's per-DC view). */
static void names_cell(GString *out, const GPtrArray *ms)
{
    g_autoptr(GPtrArray) names = g_ptr_array_sized_new(ms->len);
    for (guint i = 0; i < ms->len; i++)
        g_ptr_array_add(names, (gpointer)tw_machine_label(g_ptr_array_index(ms, i)));
    g_ptr_array_sort(names, label_cmp);
    g_string_append_printf(out, "<td class=\"num\">%u</td><td>", ms->len);
    for (guint i = 0; i < names->len && i < 30; i++) {
        g_string_append(out, i ? ", " : "");
        esc(out, g_ptr_array_index(names, i));
    }
    if (ms->len > 30)
        g_string_append_printf(out, " … and %u more", ms->len - 30);
    g_string_append(out, "</td>");
}

static void overview(GString *out, TwAnalysis *a, const TwPageModel *pm)
{
    g_string_append(out, "<section id=\"overview\" aria-labelledby=\"h-overview\"><h2 id=\"h-overview\">Overview</h2>\n"
                         "<ul class=\"counts\" aria-label=\"Machines by verdict\">");
    static const TwState order[] = { TW_STATE_BROKEN, TW_STATE_AT_RISK, TW_STATE_RECOVERED, TW_STATE_HEALTHY,
                                     TW_STATE_UNKNOWN };
    static const char *const words[] = { "broken", "at risk", "recovered", "healthy", "unknown" };
    for (guint i = 0; i < G_N_ELEMENTS(order); i++)
        g_string_append_printf(out, "<li class=\"%s\" id=\"count-%s\"><span class=\"n\">%u</span> %s</li>",
                               state_class(order[i]), state_class(order[i]), pm->counts[order[i]], words[i]);
    if (pm->cannot)
        g_string_append_printf(out, "<li class=\"cannot-tell\" id=\"count-cannot-tell\"><span class=\"n\">%u</span> "
                                    "cannot tell</li>",
                               pm->cannot);
    g_string_append(out, "</ul>\n<p id=\"result\">");
    if (!pm->counts[TW_STATE_BROKEN] && !pm->counts[TW_STATE_AT_RISK] && !pm->counts[TW_STATE_RECOVERED])
        g_string_append(out, tw_report_health_why(pm->issues)
                                 ? "Cannot tell whether a machine has lost its trust: evidence was lost (see Capture health)."
                                 : "No machine has lost its trust.");
    else
        g_string_append_printf(out, "%u broken, %u at risk, %u recovered, %u healthy, %u unknown.",
                               pm->counts[TW_STATE_BROKEN], pm->counts[TW_STATE_AT_RISK],
                               pm->counts[TW_STATE_RECOVERED], pm->counts[TW_STATE_HEALTHY],
                               pm->counts[TW_STATE_UNKNOWN]);
    g_string_append(out, "</p>\n");

    /* Domain controllers and the per-DC view (analysis/fleet.c) */
    const GPtrArray *dcs = tw_fleet_dcs(a);
    if (dcs->len) {
        g_string_append(out, "<h3 id=\"dcs\">Domain controllers</h3>\n<table class=\"dcs\"><thead><tr>"
                             "<th scope=\"col\">Domain controller</th><th scope=\"col\">Addresses</th>"
                             "<th scope=\"col\" class=\"num\">Clock vs capture host</th>"
                             "<th scope=\"col\" class=\"num\">Accepted</th><th scope=\"col\">Machines it accepted</th>"
                             "<th scope=\"col\" class=\"num\">Refused</th><th scope=\"col\">Machines it refused</th>"
                             "<th scope=\"col\">Note</th></tr></thead><tbody>\n");
        for (guint i = 0; i < dcs->len; i++) {
            const TwDcView *v = g_ptr_array_index(dcs, i);
            g_string_append(out, "<tr><th scope=\"row\">");
            esc(out, tw_machine_label(v->dc));
            g_string_append(out, "</th><td>");
            addresses(out, v->dc);
            double o;
            if (tw_machine_clock_offset(v->dc, &o))
                g_string_append_printf(out, "</td><td class=\"num\">%+.1f s", ABS(o) < 0.05 ? 0.0 : o);
            else
                g_string_append(out, "</td><td class=\"num\">—");
            g_string_append(out, "</td>");
            names_cell(out, v->accepted);
            names_cell(out, v->refused);
            g_string_append(out, "<td>");
            if (v->lagging->len || v->only_here->len)
                g_string_append(out, "lags behind the other DCs (dc-replication)");
            if (v->refused_skew->len) {
                g_autoptr(GPtrArray) sk = g_ptr_array_sized_new(v->refused_skew->len);
                for (guint j = 0; j < v->refused_skew->len; j++)
                    g_ptr_array_add(sk, (gpointer)tw_machine_label(g_ptr_array_index(v->refused_skew, j)));
                g_ptr_array_sort(sk, label_cmp);
                g_string_append_printf(out, "%srefused %" G_GUINT64_FORMAT " logon%s for clock skew (",
                                       v->lagging->len || v->only_here->len ? "; " : "", v->skew_refusals,
                                       v->skew_refusals == 1 ? "" : "s");
                for (guint j = 0; j < sk->len && j < 30; j++) {
                    g_string_append(out, j ? ", " : "");
                    esc(out, g_ptr_array_index(sk, j));
                }
                if (sk->len > 30)
                    g_string_append_printf(out, " … and %u more", sk->len - 30);
                g_string_append(out, ")");
            }
            g_string_append(out, "</td></tr>\n");
        }
        g_string_append(out, "</tbody></table>\n");
    }

    /* Capture health */
    g_string_append(out, "<h3 id=\"health\">Capture health</h3>\n");
    if (!pm->issues->len)
        g_string_append(out, "<p>No issue: nothing the verdicts rest on was lost.</p>\n");
    else {
        TwHealthLevel w = tw_health_worst(pm->issues);
        g_string_append_printf(out, "<p><strong>%s</strong></p><ul class=\"health\">",
                               w >= TW_HEALTH_NOTHING ? "Nothing relevant was captured."
                               : w >= TW_HEALTH_LOST  ? "Evidence was lost: some verdicts cannot be trusted."
                                                      : "Notes (the verdicts stand):");
        for (guint i = 0; i < pm->issues->len; i++) {
            const TwHealthIssue *is = g_ptr_array_index(pm->issues, i);
            g_string_append_printf(out, "<li><code>%s</code> (%s): ", is->code, tw_health_level_name(is->level));
            esc(out, is->text);
            g_string_append(out, "</li>");
        }
        g_string_append(out, "</ul>\n");
    }
    const GPtrArray *srcs = tw_health_sources(a->health);
    if (srcs->len) {
        g_string_append(out, "<table class=\"inputs\"><caption class=\"meta\">Inputs</caption><thead><tr>"
                             "<th scope=\"col\">Input</th><th scope=\"col\">Kind</th><th scope=\"col\" class=\"num\">"
                             "Frames / events</th><th scope=\"col\" class=\"num\">Run frames</th>"
                             "<th scope=\"col\" class=\"num\">Cut by snaplen</th><th scope=\"col\" class=\"num\">"
                             "Dropped</th></tr></thead><tbody>");
        for (guint i = 0; i < srcs->len; i++) {
            const TwHealthSource *s = g_ptr_array_index(srcs, i);
            g_string_append(out, "<tr><th scope=\"row\">");
            esc(out, s->name);
            bool ev = strcmp(s->kind, "events") == 0;
            g_string_append_printf(out, "</th><td>%s</td><td class=\"num\">%" G_GUINT64_FORMAT "</td>", s->kind,
                                   ev ? s->events : s->frames);
            if (ev || !s->frames)
                g_string_append(out, "<td class=\"num\">—</td>");
            else
                g_string_append_printf(out, "<td class=\"num\">%" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT "</td>",
                                       s->first_frame, s->first_frame + s->span - 1);
            g_string_append_printf(out, "<td class=\"num\">%" G_GUINT64_FORMAT "</td>", s->frames_cut);
            if (s->has_drops)
                g_string_append_printf(out, "<td class=\"num\">%" G_GUINT64_FORMAT "</td></tr>", s->dropped + s->if_dropped);
            else
                g_string_append(out, "<td class=\"num\">unknown</td></tr>");
        }
        g_string_append(out, "</tbody></table>\n");
    }
    if (a->caps_hit) {
        g_string_append_printf(out, "<p>%" G_GUINT64_FORMAT " analysis limits were hit; some records were not kept:",
                               a->caps_hit);
        for (int c = 0; c < TW_AN_CAP_COUNT; c++)
            if (a->cap_counts[c])
                g_string_append_printf(out, " <code>%s</code> %" G_GUINT64_FORMAT, tw_analysis_cap_name(c),
                                       a->cap_counts[c]);
        g_string_append(out, ".</p>\n");
    }
    g_string_append(out, "</section>\n");
}

/* ---- one machine ---- */

static void evidence_table(GString *out, const TwAnalysis *a, const TwMachineView *v, const GPtrArray *rows,
                           const char *id)
{
    bool several = tw_report_input_count(a) > 1;
    g_string_append_printf(out, "<table class=\"evidence\" id=\"%s-evidence\"><caption class=\"meta\">"
                                "%u messages; each links from its mark in the pictures</caption><thead><tr>"
                                "<th scope=\"col\" class=\"num\">#</th><th scope=\"col\">File</th>"
                                "<th scope=\"col\" class=\"num\">Frame</th><th scope=\"col\">Time (UTC)</th>"
                                "<th scope=\"col\">From → to</th><th scope=\"col\">Message</th>"
                                "<th scope=\"col\">Error / status</th><th scope=\"col\">Wireshark filter</th>"
                                "</tr></thead><tbody>\n",
                           id, rows->len);
    for (guint i = 0; i < rows->len; i++) {
        const TwEvidence *e = g_ptr_array_index(rows, i);
        const char *file = NULL;
        guint64 frame = e->frame;
        tw_evidence_locate(a, e, &file, &frame);
        const char *base = file ? (strrchr(file, '/') ? strrchr(file, '/') + 1 : file) : "";
        g_string_append_printf(out, "<tr id=\"%s-e%u\"><td class=\"num\">%u</td><td>", id, i, i + 1);
        esc(out, several || file ? base : "");
        g_string_append_printf(out, "</td><td class=\"num\">%" G_GUINT64_FORMAT "</td><td>", frame);
        char t[32];
        tw_format_time(e->ts_us, t);
        t[26] = 0; /* …:45.123456 */
        esc(out, t + 11);
        g_string_append(out, "</td><td>");
        if (e->src[0]) {
            esc(out, e->src);
            g_string_append(out, " → ");
            esc(out, e->dst);
        }
        g_string_append(out, "</td><td>");
        esc(out, e->msg);
        if (e->detail) {
            g_string_append(out, "<br><small>");
            esc(out, e->detail);
            g_string_append(out, "</small>");
        }
        g_autofree char *err = tw_evidence_error_text(e);
        g_autofree char *st = tw_evidence_status_text(e);
        g_string_append(out, "</td><td>");
        esc(out, err);
        if (err && st)
            g_string_append(out, "<br>");
        esc(out, st);
        g_autofree char *filter = tw_evidence_filter(e);
        g_string_append(out, "</td><td><code class=\"cp\">");
        esc(out, filter);
        g_string_append(out, "</code></td></tr>\n");
    }
    g_string_append(out, "</tbody></table>\n");
    guint64 more = 0;
    for (guint i = 0; i < v->findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(v->findings, i);
        if (tw_view_shows_evidence(v, f))
            more = MAX(more, f->evidence_more);
    }
    if (more)
        g_string_append_printf(out, "<p class=\"meta\">… and %" G_GUINT64_FORMAT " more messages of the same kinds "
                                    "(analysis keeps the first and the last of each).</p>\n",
                               more);
}

static bool is_rule(const TwFinding *f, const char *name)
{
    return f->rule && strcmp(f->rule->name, name) == 0;
}

static void machine_section(GString *out, TwAnalysis *a, const TwMachineView *v, const char *id, bool open)
{
    const TwMachine *m = v->m;
    const TwFinding *mf = tw_view_main(v);
    const char *cls = v->cannot_tell ? "cannot-tell" : state_class(v->state);
    g_string_append_printf(out, "<section class=\"machine %s\" id=\"%s\" data-state=\"%s\" aria-labelledby=\"%s-h\"",
                           cls, id, state_class(v->state), id);
    data_name(out, m);
    g_string_append_printf(out, ">\n<h3 id=\"%s-h\"><span class=\"badge\">%s</span> ", id, state_label(v->state));
    esc(out, tw_machine_label(m));
    if (m->role == TW_ROLE_DC)
        g_string_append(out, " <small>(domain controller)</small>");
    g_string_append(out, "</h3>\n");
    if (mf) {
        g_string_append(out, "<p class=\"cause\"><strong class=\"verdict\">");
        esc(out, mf->rule->name);
        g_string_append(out, "</strong>: ");
        esc(out, mf->rule->title);
        g_string_append_printf(out, " — %s confidence</p>\n<p class=\"summary\">", mf->confidence);
        esc(out, mf->summary);
        g_string_append(out, "</p>\n");
    }
    g_string_append_printf(out, "<details%s><summary>Timeline, clock, exchanges, evidence and fix</summary>\n",
                           open ? " open" : "");
    g_string_append(out, "<dl class=\"facts\"><dt>Addresses</dt><dd>");
    addresses(out, m);
    g_string_append(out, "</dd>");
    if (m->aliases->len) {
        g_string_append(out, "<dt>Also known as</dt><dd>");
        for (guint i = 0; i < m->aliases->len; i++) {
            g_string_append(out, i ? ", " : "");
            esc(out, g_ptr_array_index(m->aliases, i));
        }
        g_string_append(out, "</dd>");
    }
    if (m->first_ts) {
        g_string_append(out, "<dt>Seen</dt><dd>");
        full_time(out, m->first_ts);
        g_string_append(out, " → ");
        full_time(out, m->last_ts);
        g_string_append(out, " UTC</dd>");
    }
    double off;
    if (tw_view_offset(a, v, &off))
        g_string_append_printf(out, "<dt>Clock</dt><dd>%+.1f s vs the domain controller</dd>", ABS(off) < 0.05 ? 0.0 : off);
    g_autofree char *keys = tw_machine_key_proof(m, NULL);
    g_autofree char *reset = tw_machine_reset_by_other(m);
    g_autofree char *kvnos = tw_machine_kvno_timeline(m);
    const char *lbl[] = { "Keys", "Reset", "Key versions" };
    const char *val[] = { keys, reset, kvnos };
    for (int i = 0; i < 3; i++)
        if (val[i]) {
            g_string_append_printf(out, "<dt>%s</dt><dd>", lbl[i]);
            esc(out, val[i]);
            g_string_append(out, "</dd>");
        }
    g_string_append(out, "</dl>\n");

    g_autoptr(GPtrArray) rows = tw_view_evidence(v);
    g_autoptr(GHashTable) row_of = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < rows->len; i++)
        g_hash_table_insert(row_of, g_ptr_array_index(rows, i), GUINT_TO_POINTER(i + 1));
    TwHtmlRows anchors = { id, row_of };

    g_string_append_printf(out, "<h4 id=\"%s-timeline\">Timeline</h4>\n<figure>", id);
    tw_svg_timeline(out, v, &anchors);
    g_string_append(out, "<figcaption>Lanes: Kerberos, NETLOGON, NTLM/SMB, password changes, key versions (kvno). "
                         "● accepted, ✗ refused or attacked, | seen. Marks link to their evidence row.</figcaption>"
                         "</figure>\n");

    g_string_append_printf(out, "<h4 id=\"%s-clock\">Clock offset</h4>\n", id);
    g_autoptr(GString) clock = g_string_new(NULL);
    if (tw_svg_clock(clock, a, v)) {
        g_string_append(out, "<figure>");
        g_string_append_len(out, clock->str, clock->len);
        g_string_append(out, "<figcaption>This machine's clock minus each domain controller's at the time of each "
                             "sample; the green band is Kerberos' tolerance of ±5 minutes (RFC 4120 1.6).</figcaption>"
                             "</figure>\n");
    } else
        g_string_append(out, "<p>No clock sample of this machine in the capture.</p>\n");

    g_autoptr(GPtrArray) lds = tw_ladders_new(a, v, rows);
    if (lds->len) {
        g_string_append_printf(out, "<h4 id=\"%s-ladders\">Failing exchanges</h4>\n", id);
        for (guint i = 0; i < lds->len; i++) {
            const TwLadder *ld = g_ptr_array_index(lds, i);
            g_string_append(out, "<figure class=\"ladderfig\">");
            tw_svg_ladder(out, a, ld, &anchors);
            g_string_append_printf(out, "<figcaption>Exchange %u of %u: ", i + 1, lds->len);
            full_time(out, ld->first_ts);
            guint ctx = 0;
            for (guint j = 0; j < ld->arrows->len; j++)
                ctx += g_array_index(ld->arrows, TwLadderArrow, j).context;
            g_string_append_printf(out, " UTC, %u messages, %u refused. Each arrow links to its evidence row",
                                   ld->arrows->len, ld->fails);
            g_string_append(out, ctx ? ", but the NetrServerReqChallenge that each Authenticate answers (context, "
                                       "not evidence)."
                                     : ".");
            if (ld->rows_left_out)
                g_string_append_printf(out, " %" G_GUINT64_FORMAT " further rows of this exchange are not drawn.",
                                       ld->rows_left_out);
            g_string_append(out, "</figcaption></figure>\n");
        }
    }
    bool zl = false;
    for (guint i = 0; i < v->findings->len; i++)
        zl |= is_rule(g_ptr_array_index(v->findings, i), "zerologon");
    if (zl && m->zl_burst) {
        g_string_append_printf(out, "<h4 id=\"%s-burst\">Zerologon attempts over time</h4>\n<figure>", id);
        tw_svg_burst(out, m->zl_burst, "NETLOGON authentications with an all-zero credential");
        g_string_append_printf(out, "<figcaption>%" G_GUINT64_FORMAT " attempts (CVE-2020-1472: each has a 1 in 256 "
                                    "chance), counted per bar.</figcaption></figure>\n",
                               m->zl_burst->total);
    } else if (zl && m->zl_sealed_burst) {
        /* sealed calls: the all-zero credential cannot be seen, the burst can */
        g_string_append_printf(out, "<h4 id=\"%s-burst\">Suspected Zerologon attempts over time</h4>\n<figure>", id);
        tw_svg_burst(out, m->zl_sealed_burst, "sealed NETLOGON challenge and authenticate calls in bursts");
        g_string_append_printf(out, "<figcaption>%" G_GUINT64_FORMAT " sealed NETLOGON challenge and authenticate "
                                    "calls of the bursts (contents encrypted: the all-zero credential cannot be "
                                    "seen), counted per bar.</figcaption></figure>\n",
                               m->zl_sealed_burst->total);
    }

    g_string_append_printf(out, "<h4 id=\"%s-ev\">Evidence</h4>\n", id);
    if (rows->len)
        evidence_table(out, a, v, rows, id);
    else
        g_string_append(out, "<p>No message to show.</p>\n");
    if (mf && mf->fix) {
        g_string_append_printf(out, "<h4 id=\"%s-fix\">Fix</h4>\n<p class=\"fix\">", id);
        text_with_commands(out, mf->fix);
        g_string_append(out, "</p>\n");
    }
    if (v->findings->len > 1) {
        g_string_append(out, "<h4>Also</h4>\n<ul class=\"also\">");
        for (guint i = 1; i < v->findings->len; i++) {
            const TwFinding *f = g_ptr_array_index(v->findings, i);
            g_string_append_printf(out, "<li><strong>%s</strong> (%s): ", f->rule->name, tw_state_name(f->state));
            esc(out, f->summary);
            if (f->fix && f->state >= TW_STATE_AT_RISK) {
                g_string_append(out, "<br>Fix: ");
                text_with_commands(out, f->fix);
            }
            g_string_append(out, "</li>");
        }
        g_string_append(out, "</ul>\n");
    }
    g_string_append(out, "</details>\n</section>\n");
}

/* ---- the rest ---- */

static void index_row(GString *out, const TwMachineView *v, const char *id, bool detailed)
{
    const TwFinding *mf = tw_view_main(v);
    g_string_append_printf(out, "<tr class=\"%s\" data-state=\"%s\"", state_class(v->state), state_class(v->state));
    data_name(out, v->m);
    g_string_append_printf(out, "><td><span class=\"badge\">%s</span></td><th scope=\"row\">", state_label(v->state));
    if (detailed)
        g_string_append_printf(out, "<a href=\"#%s\">", id);
    esc(out, tw_machine_label(v->m));
    g_string_append(out, detailed ? "</a></th><td>" : "</th><td>");
    if (mf) {
        esc(out, mf->rule->name);
        g_string_append(out, "</td><td>");
        const TwEvidence *e = mf->evidence->len ? g_ptr_array_index(mf->evidence, 0) : NULL;
        if (e)
            full_time(out, e->ts_us);
        g_string_append(out, "</td><td>");
        esc(out, mf->summary);
    } else
        g_string_append(out, "</td><td></td><td>");
    g_string_append(out, "</td></tr>\n");
}

static void users_section(GString *out, const TwAnalysis *a)
{
    g_autoptr(GPtrArray) sprays = tw_rules_sprays(a);
    tw_analysis_sprays_shown(a, sprays);
    g_autoptr(GPtrArray) users = tw_analysis_users_shown(a); /* --machine: from its addresses */
    if (!users->len && !sprays->len)
        return;
    g_string_append(out, "<section id=\"users\" aria-labelledby=\"h-users\"><h2 id=\"h-users\">User logons that "
                         "failed</h2>\n<p>Users are not machines: these are not machine-trust problems.</p>\n");
    for (guint i = 0; i < sprays->len; i++) {
        const TwSpray *s = g_ptr_array_index(sprays, i);
        g_string_append_printf(out, "<h3 id=\"spray-%u\">Password spray suspected from ", i);
        esc(out, s->addr);
        g_string_append_printf(out, "</h3>\n<p>%u different users failed pre-authentication, %u failures from frame "
                                    "%" G_GUINT64_FORMAT ". Find out what runs on ",
                               s->users->len, s->failures, s->first_frame);
        esc(out, s->addr);
        g_string_append(out, "; check the DC's event 4771 and lockouts.</p>\n");
        /* first failure of each (user, error) from that address */
        TwBurst *b = NULL;
        for (guint j = 0; j < users->len; j++) {
            const TwUserFailure *u = g_ptr_array_index(users, j);
            if (strcmp(u->addr, s->addr) == 0 && u->first_ts)
                tw_burst_add(&b, u->first_ts);
        }
        if (b) {
            g_string_append(out, "<figure>");
            tw_svg_burst(out, b, "first failure of each user");
            g_string_append(out, "<figcaption>When each user's first failure from this address came.</figcaption>"
                                 "</figure>\n");
            g_free(b);
        }
    }
    if (users->len) {
        g_string_append(out, "<table class=\"users\"><thead><tr><th scope=\"col\">User</th><th scope=\"col\" "
                             "class=\"num\">Failures</th><th scope=\"col\">Error</th><th scope=\"col\">From</th>"
                             "<th scope=\"col\" class=\"num\">First frame</th></tr></thead><tbody>\n");
        for (guint i = 0; i < users->len && i < TW_HTML_MAX_USERS; i++) {
            const TwUserFailure *u = g_ptr_array_index(users, i);
            g_autofree char *err = tw_user_failure_error_text(u);
            g_string_append(out, "<tr><th scope=\"row\">");
            esc(out, u->user);
            g_string_append_printf(out, "</th><td class=\"num\">%u</td><td>", u->count);
            esc(out, err);
            g_string_append(out, "</td><td>");
            esc(out, u->addr);
            g_string_append_printf(out, "</td><td class=\"num\">%" G_GUINT64_FORMAT "</td></tr>\n", u->first_frame);
        }
        g_string_append(out, "</tbody></table>\n");
        if (users->len > TW_HTML_MAX_USERS)
            g_string_append_printf(out, "<p class=\"meta\">… and %u more (-T json lists them all).</p>\n",
                                   users->len - TW_HTML_MAX_USERS);
    }
    g_string_append(out, "</section>\n");
}

int tw_html_write(TwAnalysis *a, GString *out)
{
    g_autoptr(TwPageModel) pm = tw_page_model_new(a);
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta name=\"generator\" content=\"trustwire\">\n<title>trustwire — ");
    g_string_append_printf(out, "%u broken, %u at risk", pm->counts[TW_STATE_BROKEN], pm->counts[TW_STATE_AT_RISK]);
    if (a->focus) {
        g_string_append(out, " — ");
        esc(out, a->focus);
    }
    g_string_append(out, "</title>\n<style>\n");
    g_string_append(out, page_css);
    g_string_append(out, "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#machines\">Skip to the machines</a>\n"
                         "<header>\n<h1>trustwire — domain trust report</h1>\n<p class=\"meta\">Traffic: ");
    if (a->first_ts) {
        full_time(out, a->first_ts);
        g_string_append(out, " → ");
        full_time(out, a->last_ts);
        g_string_append(out, " UTC");
    } else
        g_string_append(out, "none");
    g_string_append_printf(out, " · %" G_GUINT64_FORMAT " messages", a->events);
    const char *vp_how = NULL, *vp_conf = NULL;
    const char *vp = tw_clock_capture_host(a, &vp_how, &vp_conf);
    if (vp) {
        g_string_append(out, " · capture host ");
        esc(out, vp);
        g_string_append_printf(out, " (%s, %s confidence)", vp_how, vp_conf);
    }
    if (a->focus) {
        g_string_append(out, " · only the machine <strong>");
        esc(out, a->focus);
        g_string_append(out, "</strong> (--machine)");
    }
    g_string_append(out, "</p>\n</header>\n<main>\n");
    overview(out, a, pm);

    /* Machines that need attention: an index, then each drawn in full */
    guint attention = 0;
    for (guint i = 0; i < pm->views->len; i++)
        attention += g_array_index(pm->views, TwMachineView, i).state >= TW_STATE_RECOVERED;
    g_string_append_printf(out, "<section id=\"machines\" aria-labelledby=\"h-machines\"><h2 id=\"h-machines\">"
                                "Machines that need attention (%u)</h2>\n",
                           attention);
    g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < pm->views->len; i++)
        g_ptr_array_add(ids, machine_id(used, g_array_index(pm->views, TwMachineView, i).m));
    if (attention) {
        g_string_append(out, "<div class=\"toolbar js-only\" role=\"search\"><label for=\"filter\">Filter machines "
                             "</label><input id=\"filter\" type=\"search\" placeholder=\"name or address\">"
                             "<label for=\"fstate\">State</label><select id=\"fstate\"><option value=\"\">any</option>"
                             "<option value=\"broken\">broken</option><option value=\"at-risk\">at risk</option>"
                             "<option value=\"recovered\">recovered</option><option value=\"healthy\">healthy</option>"
                             "<option value=\"unknown\">unknown</option></select>"
                             "<button type=\"button\" id=\"expand\">Unfold all</button>"
                             "<button type=\"button\" id=\"collapse\">Fold all</button>"
                             "<span id=\"fcount\" aria-live=\"polite\"></span></div>\n"
                             "<table class=\"index\"><thead><tr><th scope=\"col\">State</th><th scope=\"col\">Machine"
                             "</th><th scope=\"col\">Cause</th><th scope=\"col\">Since (UTC)</th>"
                             "<th scope=\"col\">Summary</th></tr></thead><tbody>\n");
        for (guint i = 0; i < pm->views->len; i++) {
            const TwMachineView *v = &g_array_index(pm->views, TwMachineView, i);
            if (v->state >= TW_STATE_RECOVERED)
                index_row(out, v, g_ptr_array_index(ids, i), i < TW_HTML_MAX_DETAILED);
        }
        g_string_append(out, "</tbody></table>\n");
        if (attention > TW_HTML_MAX_DETAILED)
            g_string_append_printf(out, "<p class=\"meta\">The first %u are drawn below; for another, run "
                                        "<code class=\"cp\">trustwire --machine NAME -T html</code>.</p>\n",
                                   TW_HTML_MAX_DETAILED);
        for (guint i = 0; i < pm->views->len && i < TW_HTML_MAX_DETAILED; i++) {
            const TwMachineView *v = &g_array_index(pm->views, TwMachineView, i);
            if (v->state >= TW_STATE_RECOVERED)
                machine_section(out, a, v, g_ptr_array_index(ids, i), i < TW_HTML_OPEN_DETAILED);
        }
    } else
        g_string_append(out, "<p>None.</p>\n");
    g_string_append(out, "</section>\n");

    /* Healthy and unknown machines: one folded table, or past
     * TW_HTML_HEALTHY_TABLE one folded text list (one DOM node: a page of
     * 16,000 machines stays quick to open) */
    guint rest = pm->views->len - attention;
    if (rest) {
        bool table = rest <= TW_HTML_HEALTHY_TABLE;
        g_string_append_printf(out, "<section id=\"healthy\" aria-labelledby=\"h-healthy\"><h2 id=\"h-healthy\">"
                                    "Healthy and unknown machines (%u)</h2>\n<details%s><summary>Show the %u "
                                    "machines</summary>\n",
                               rest, rest <= 20 ? " open" : "", rest);
        if (table)
            g_string_append(out, "<table class=\"healthy-list\"><thead><tr><th scope=\"col\">State</th>"
                                 "<th scope=\"col\">Machine</th><th scope=\"col\">Addresses</th>"
                                 "<th scope=\"col\">Why</th></tr></thead><tbody>\n");
        else
            g_string_append(out, "<pre class=\"healthy-list\">");
        guint listed = 0;
        for (guint i = 0; i < pm->views->len && listed < TW_HTML_MAX_HEALTHY; i++) {
            const TwMachineView *v = &g_array_index(pm->views, TwMachineView, i);
            if (v->state >= TW_STATE_RECOVERED)
                continue;
            listed++;
            const TwFinding *mf = tw_view_main(v);
            const char *st = v->cannot_tell ? "cannot tell" : tw_state_name(v->state);
            if (table) {
                g_string_append_printf(out, "<tr data-state=\"%s\"", state_class(v->state));
                data_name(out, v->m);
                g_string_append_printf(out, "><td>%s</td><th scope=\"row\">", st);
                esc(out, tw_machine_label(v->m));
                g_string_append(out, "</th><td>");
                addresses(out, v->m);
                g_string_append(out, "</td><td>");
                if (mf)
                    esc(out, mf->summary);
                g_string_append(out, "</td></tr>\n");
            } else {
                g_autoptr(GString) line = g_string_new(NULL);
                g_string_append_printf(line, "%-8s %-17s", st, tw_machine_label(v->m));
                for (guint j = 0; j < v->m->addrs->len && j < 3; j++)
                    g_string_append_printf(line, " %s", g_array_index(v->m->addrs, TwAddrUse, j).addr);
                if (mf) {
                    /* "WS00001$ proved itself …": the line already starts with the name */
                    const char *sum = mf->summary, *lbl = tw_machine_label(v->m);
                    if (g_str_has_prefix(sum, lbl) && sum[strlen(lbl)] == ' ')
                        sum += strlen(lbl) + 1;
                    g_string_append_printf(line, "  %s", sum);
                }
                g_string_append_c(line, '\n');
                esc(out, line->str);
            }
        }
        g_string_append(out, table ? "</tbody></table>\n" : "</pre>\n");
        if (rest > listed)
            g_string_append_printf(out, "<p class=\"meta\">… and %u more (-T json lists them all).</p>\n",
                                   rest - listed);
        g_string_append(out, "</details>\n</section>\n");
    }
    users_section(out, a);
    g_autoptr(GString) tickets = g_string_new(NULL);
    if (tw_report_tickets_text(tickets, a) || tickets->len) {
        g_string_append(out, "<section id=\"tickets\" aria-labelledby=\"h-tickets\"><h2 id=\"h-tickets\">Ticket "
                             "requests and replication</h2>\n<pre>");
        esc(out, tickets->str);
        g_string_append(out, "</pre>\n</section>\n");
    }
    g_string_append(out, "</main>\n<footer>Made by trustwire from the capture alone. This page is one file: it "
                         "loads nothing from the network. Exit status of the run: ");
    g_string_append_printf(out, "%d.</footer>\n<script>\n%s</script>\n</body>\n</html>\n", pm->status, page_js);
    return pm->status;
}

/* ---- the sinks: -T html and -T ladder write a page of the verdicts at the end ---- */

typedef struct {
    TwSink base;
    int (*write)(TwAnalysis *a, GString *out);
} PageSink;

static int page_end(TwSink *sink, TwAnalysis *an)
{
    if (sink->out->err)
        return 0;
    g_autoptr(GString) s = g_string_sized_new(1 << 16);
    int status = ((PageSink *)sink)->write(an, s);
    tw_out_write(sink->out, s->str, s->len);
    return status;
}

static void page_free(TwSink *sink)
{
    g_free(sink);
}

static TwSink *page_sink_new(TwOut *out, const char *mode, int (*write)(TwAnalysis *, GString *))
{
    PageSink *s = g_new0(PageSink, 1);
    s->base.mode = mode;
    s->base.needs_analysis = true;
    s->base.end = page_end;
    s->base.free = page_free;
    s->base.out = out;
    s->write = write;
    return &s->base;
}

TwSink *tw_sink_html_new(TwOut *out)
{
    return page_sink_new(out, "html", tw_html_write);
}

TwSink *tw_sink_ladder_new(TwOut *out)
{
    return page_sink_new(out, "ladder", tw_ladder_write);
}
