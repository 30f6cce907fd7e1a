/* html-model.c — verdicts, evidence tables and ladders for the pictures
 * (html-model.h), read from the analysis result. */
#include "output/html-model.h"
#include "output/report-health.h"
#include "core/krb5-names.h"
#include "core/nrpc-names.h"

#include <string.h>

const char *tw_machine_label(const TwMachine *m)
{
    if (m->account)
        return m->account;
    return m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key;
}

static void view_clear(gpointer p)
{
    g_ptr_array_unref(((TwMachineView *)p)->findings);
}

/* The report's order: worst first, named machines before address-only
 * ones, then by name (output/report.c). */
static int view_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwMachineView *x = pa, *y = pb;
    if (x->state != y->state)
        return x->state > y->state ? -1 : 1;
    if (!x->m->account != !y->m->account)
        return x->m->account ? -1 : 1;
    return g_ascii_strcasecmp(x->m->account ? x->m->account : x->m->key, y->m->account ? y->m->account : y->m->key);
}

const TwFinding *tw_view_main(const TwMachineView *v)
{
    return v->findings->len ? g_ptr_array_index(v->findings, 0) : NULL;
}

/* docs/report.md "Capture health": a verdict resting on evidence that may
 * be lost (nothing proved the state, or only a weak sign did). */
static bool rests_on_lost(const TwMachineView *v)
{
    if (v->state == TW_STATE_UNKNOWN)
        return true;
    const TwFinding *mf = tw_view_main(v);
    return v->state == TW_STATE_HEALTHY && (!mf || strcmp(mf->confidence, "low") == 0);
}

TwPageModel *tw_page_model_new(TwAnalysis *a)
{
    TwPageModel *pm = g_new0(TwPageModel, 1);
    pm->issues = tw_report_health_issues(a);
    pm->health = tw_health_worst(pm->issues);
    pm->views = g_array_new(FALSE, TRUE, sizeof(TwMachineView));
    g_array_set_clear_func(pm->views, view_clear);
    for (guint i = 0; i < a->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!tw_machine_is_machine(m) || !tw_analysis_shows(a, m)) /* as the report (report.c collect) */
            continue;
        TwMachineView v = { .m = m };
        v.findings = tw_rules_eval(a, m);
        v.state = tw_findings_state(v.findings);
        v.cannot_tell = pm->health >= TW_HEALTH_LOST && rests_on_lost(&v);
        g_array_append_val(pm->views, v);
    }
    g_array_sort(pm->views, view_cmp);
    for (guint i = 0; i < pm->views->len; i++) {
        const TwMachineView *v = &g_array_index(pm->views, TwMachineView, i);
        if (v->state == TW_STATE_BROKEN)
            pm->status = 1;
        if (v->cannot_tell)
            pm->cannot++;
        else
            pm->counts[v->state]++;
    }
    if (pm->status == 0 && pm->health >= TW_HEALTH_LOST)
        pm->status = 3;
    return pm;
}

void tw_page_model_free(TwPageModel *pm)
{
    if (!pm)
        return;
    g_array_unref(pm->views);
    g_ptr_array_unref(pm->issues);
    g_free(pm);
}

bool tw_view_offset(const TwAnalysis *a, const TwMachineView *v, double *out)
{
    return tw_findings_offset(a, v->m, v->findings, out);
}

bool tw_view_shows_evidence(const TwMachineView *v, const TwFinding *f)
{
    return f == tw_view_main(v) ? v->state >= TW_STATE_RECOVERED : f->state >= TW_STATE_RECOVERED;
}

GPtrArray *tw_view_evidence(const TwMachineView *v)
{
    GPtrArray *rows = g_ptr_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < v->findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(v->findings, i);
        if (!tw_view_shows_evidence(v, f))
            continue;
        for (guint j = 0; j < f->evidence->len; j++) {
            gpointer e = g_ptr_array_index(f->evidence, j);
            if (g_hash_table_add(seen, e))
                g_ptr_array_add(rows, e);
        }
    }
    g_ptr_array_sort(rows, tw_evidence_cmp);
    return rows;
}

/* ---- ladders ---- */

const char *tw_party_role_name(TwPartyRole r)
{
    static const char *const names[] = { "client", "other actor", "KDC/DC", "server" };
    return names[r];
}

void tw_short_time_ms(gint64 ts_us, char out[16])
{
    char t[32];
    tw_format_time(ts_us, t); /* 2026-11-24T13:41:45.123456Z */
    g_snprintf(out, 16, "%.12s", t + 11);
}

static void party_free(gpointer p)
{
    TwLadderParty *lp = p;
    g_free(lp->name);
    g_free(lp->addr);
    g_free(lp->mac);
    g_free(lp);
}

static void arrow_clear(gpointer p)
{
    g_free(((TwLadderArrow *)p)->label);
}

static void ladder_free(gpointer p)
{
    TwLadder *l = p;
    g_ptr_array_unref(l->parties);
    g_array_unref(l->arrows);
    g_free(l);
}

static bool addr_in(const GArray *uses, const char *addr)
{
    for (guint i = 0; i < uses->len; i++)
        if (strcmp(g_array_index(uses, TwAddrUse, i).addr, addr) == 0)
            return true;
    return false;
}

/* Who `addr` is, seen from m: typed records only (addresses, roles). */
static TwLadderParty *party_new(const TwAnalysis *a, const TwMachine *m, const char *addr)
{
    TwLadderParty *p = g_new0(TwLadderParty, 1);
    p->addr = g_strdup(addr);
    const TwMachine *owner = NULL;
    if (addr_in(m->addrs, addr)) {
        owner = m;
        p->role = m->role == TW_ROLE_DC ? TW_PARTY_DC : TW_PARTY_CLIENT;
    } else {
        bool foreign = addr_in(m->foreign, addr);
        for (guint i = 0; i < m->zl_attackers->len && !foreign; i++)
            foreign = strcmp(g_ptr_array_index(m->zl_attackers, i), addr) == 0;
        const char *key = g_hash_table_lookup(a->ip_owner, addr);
        owner = key ? tw_identity_lookup(a, key) : NULL;
        if (foreign)
            p->role = TW_PARTY_OTHER, owner = NULL;
        else if ((owner && owner->role == TW_ROLE_DC) || g_hash_table_contains(a->dc_addrs, addr))
            p->role = TW_PARTY_DC;
        else
            p->role = TW_PARTY_SERVER;
    }
    p->name = g_strdup(owner && owner->account ? owner->account : addr);
    /* two hosts under one name (a clone): their MACs tell them apart */
    if (owner == m && m->addrs->len > 1)
        for (guint i = 0; i < m->addrs->len; i++) {
            const TwAddrUse *u = &g_array_index(m->addrs, TwAddrUse, i);
            if (strcmp(u->addr, addr) == 0 && u->mac[0])
                p->mac = g_strdup(u->mac);
        }
    return p;
}

static guint party_index(const TwAnalysis *a, const TwMachine *m, GPtrArray *parties, const char *addr)
{
    for (guint i = 0; i < parties->len; i++)
        if (strcmp(((TwLadderParty *)g_ptr_array_index(parties, i))->addr, addr) == 0)
            return i;
    if (parties->len >= TW_LADDER_MAX_PARTIES)
        return parties->len - 1; /* shares the last column (core/tw-limits.h) */
    g_ptr_array_add(parties, party_new(a, m, addr));
    return parties->len - 1;
}

/* The outcome a response shows: its error name, else its status name. */
static char *outcome_text(const TwEvidence *e)
{
    g_autofree char *err = tw_evidence_error_text(e);
    if (err)
        return g_steal_pointer(&err);
    g_autofree char *st = tw_evidence_status_text(e); /* "0xc0000022 STATUS_ACCESS_DENIED" */
    if (st) {
        const char *sp = strchr(st, ' ');
        return g_strdup(sp && e->has_ntstatus ? sp + 1 : st);
    }
    return NULL;
}

/* Adds the arrows of one evidence row.  A reply ("AS-REQ WS06$ →
 * KRB-ERROR", "NetrServerAuthenticate3 response") draws its request too,
 * from the reply's receiver, named by the part of the message before "→";
 * the request half has no frame of its own (request_half). */
static void add_arrows(const TwAnalysis *a, const TwMachine *m, TwLadder *l, const TwEvidence *e, guint row,
                       TwMark mark, bool context)
{
    if (!e->src[0] || !e->dst[0])
        return;
    guint s = party_index(a, m, l->parties, e->src), d = party_index(a, m, l->parties, e->dst);
    const char *msg = e->msg ? e->msg : "message";
    g_autofree char *outcome = outcome_text(e);
    const char *arrow = strstr(msg, " → ");
    g_autofree char *req = NULL, *resp = NULL;
    if (e->dir != TW_DIR_REQUEST && arrow) {
        req = g_strndup(msg, (gsize)(arrow - msg));
        resp = g_strdup(arrow + strlen(" → "));
    } else if (e->dir == TW_DIR_RESPONSE && g_str_has_suffix(msg, " response")) {
        req = g_strndup(msg, strlen(msg) - strlen(" response"));
        resp = g_strdup("");
    } else {
        resp = g_strdup(msg);
        /* a Kerberos reply answers the request of the type before it
         * (RFC 4120 5.10: AS-REP 11 ← AS-REQ 10, TGS-REP 13 ← 12, AP-REP 15 ← 14) */
        if (e->krb_msg_type == 11 || e->krb_msg_type == 13 || e->krb_msg_type == 15)
            req = g_strdup(tw_krb5_msg_name(e->krb_msg_type - 1));
    }
    if (g_str_has_suffix(resp, " response") && outcome)
        resp[strlen(resp) - strlen(" response")] = 0;
    if (req) {
        TwLadderArrow q = { d, s, e->ts_us, e, row, g_steal_pointer(&req), TW_MARK_EVENT, true, context };
        g_array_append_val(l->arrows, q);
    }
    char *label = outcome && *resp ? g_strdup_printf("%s %s", resp, outcome)
                  : outcome        ? g_strdup(outcome)
                  : *resp          ? g_strdup(resp)
                                   : g_strdup("response");
    TwLadderArrow r = { s, d, e->ts_us, e, row, label, mark, false, context };
    g_array_append_val(l->arrows, r);
    if (mark == TW_MARK_FAIL)
        l->fails++;
}

static bool nl_authenticate(gint16 opnum)
{
    /* MS-NRPC 3.5.4.4.3 NetrServerAuthenticate (5), 3.5.4.4.4 …2 (15), 3.5.4.4.2 …3 (26) */
    return opnum == TW_NRPC_AUTHENTICATE || opnum == TW_NRPC_AUTHENTICATE2 || opnum == TW_NRPC_AUTHENTICATE3;
}

/* The NetrServerReqChallenge exchange that an Authenticate row answers: the
 * latest answered challenge on the same client and DC addresses (and
 * sensor) at most TW_LADDER_GAP_US before it, not drawn yet (MS-NRPC
 * 3.1.4.1: the client asks for a challenge, then proves its password with
 * it), or NULL. */
static const TwEvidence *challenge_of(const TwMachine *m, const TwEvidence *e, GHashTable *drawn)
{
    if (!nl_authenticate(e->opnum))
        return NULL;
    const char *dc = e->dir == TW_DIR_REQUEST ? e->dst : e->src, *cl = e->dir == TW_DIR_REQUEST ? e->src : e->dst;
    const GPtrArray *ch = m->facts[TW_F_NL_CHALLENGE].ev;
    const TwEvidence *best = NULL;
    for (guint i = 0; ch && i < ch->len; i++) {
        const TwEvidence *c = g_ptr_array_index(ch, i);
        if (c->ts_us > e->ts_us || e->ts_us - c->ts_us > TW_LADDER_GAP_US || strcmp(c->src, dc) != 0 ||
            strcmp(c->dst, cl) != 0 || g_strcmp0(c->source, e->source) != 0 || g_hash_table_contains(drawn, c))
            continue;
        if (!best || tw_evidence_cmp(&c, &best) > 0)
            best = c;
    }
    return best;
}

static int rank(const TwLadderParty *p)
{
    /* the machine (or the actor using its name) left, the DCs, servers right */
    return p->role == TW_PARTY_CLIENT ? 0 : p->role == TW_PARTY_OTHER ? 1 : p->role == TW_PARTY_DC ? 2 : 3;
}

/* Columns sorted left to right (stable: first seen first within a role). */
static void order_parties(TwLadder *l)
{
    guint n = l->parties->len;
    g_autofree guint *perm = g_new(guint, n); /* new index → old */
    g_autofree guint *inv = g_new(guint, n);
    for (guint i = 0; i < n; i++)
        perm[i] = i;
    for (guint i = 1; i < n; i++) /* insertion sort: at most TW_LADDER_MAX_PARTIES */
        for (guint j = i; j > 0 && rank(g_ptr_array_index(l->parties, perm[j - 1])) >
                                   rank(g_ptr_array_index(l->parties, perm[j])); j--) {
            guint t = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = t;
        }
    GPtrArray *sorted = g_ptr_array_new_with_free_func(party_free);
    for (guint i = 0; i < n; i++) {
        inv[perm[i]] = i;
        g_ptr_array_add(sorted, g_ptr_array_index(l->parties, perm[i]));
    }
    g_ptr_array_set_free_func(l->parties, NULL);
    g_ptr_array_unref(l->parties);
    l->parties = sorted;
    for (guint i = 0; i < l->arrows->len; i++) {
        TwLadderArrow *ar = &g_array_index(l->arrows, TwLadderArrow, i);
        ar->from = inv[ar->from];
        ar->to = inv[ar->to];
    }
}

static TwLadder *ladder_new(void)
{
    TwLadder *l = g_new0(TwLadder, 1);
    l->parties = g_ptr_array_new_with_free_func(party_free);
    l->arrows = g_array_new(FALSE, TRUE, sizeof(TwLadderArrow));
    g_array_set_clear_func(l->arrows, arrow_clear);
    return l;
}

GPtrArray *tw_ladders_new(const TwAnalysis *a, const TwMachineView *v, const GPtrArray *evidence)
{
    const TwMachine *m = v->m;
    GPtrArray *all = g_ptr_array_new_with_free_func(ladder_free);
    /* the mark of each evidence, from the lane of the fact holding it */
    g_autoptr(GArray) pts = tw_machine_timeline(m, NULL);
    g_autoptr(GHashTable) marks = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < pts->len; i++) {
        const TwTimelinePoint *p = &g_array_index(pts, TwTimelinePoint, i);
        g_hash_table_insert(marks, (gpointer)p->ev, GINT_TO_POINTER(p->mark + 1));
    }
    g_autoptr(GHashTable) drawn_challenges = g_hash_table_new(NULL, NULL);
    TwLadder *cur = NULL;
    guint drawn = 0;
    gint64 prev_ts = 0;
    for (guint i = 0; i < evidence->len; i++) {
        const TwEvidence *e = g_ptr_array_index(evidence, i);
        if (!cur || e->ts_us - prev_ts > TW_LADDER_GAP_US) {
            cur = ladder_new();
            cur->first_ts = e->ts_us;
            g_ptr_array_add(all, cur);
            drawn = 0;
        }
        prev_ts = cur->last_ts = e->ts_us;
        if (drawn >= TW_LADDER_MAX_ARROWS) {
            cur->rows_left_out++;
            continue;
        }
        const TwEvidence *c = challenge_of(m, e, drawn_challenges);
        if (c) {
            g_hash_table_add(drawn_challenges, (gpointer)c);
            add_arrows(a, m, cur, c, 0, TW_MARK_EVENT, true);
            if (c->ts_us < cur->first_ts)
                cur->first_ts = c->ts_us;
        }
        int mk = GPOINTER_TO_INT(g_hash_table_lookup(marks, e));
        add_arrows(a, m, cur, e, i, mk ? (TwMark)(mk - 1) : TW_MARK_EVENT, false);
        drawn++;
    }
    /* the exchanges that failed, latest kept; else the last one */
    GPtrArray *out = g_ptr_array_new_with_free_func(ladder_free);
    guint failing = 0;
    for (guint i = 0; i < all->len; i++)
        failing += ((TwLadder *)g_ptr_array_index(all, i))->fails > 0;
    guint skip = failing > TW_LADDER_MAX ? failing - TW_LADDER_MAX : 0;
    for (guint i = 0; i < all->len; i++) {
        TwLadder *l = g_ptr_array_index(all, i);
        bool keep = failing ? l->fails > 0 : i + 1 == all->len;
        if (keep && l->fails && skip) {
            skip--;
            continue;
        }
        if (keep && l->arrows->len) {
            g_ptr_array_index(all, i) = NULL;
            order_parties(l);
            g_ptr_array_add(out, l);
        }
    }
    g_ptr_array_set_free_func(all, NULL);
    for (guint i = 0; i < all->len; i++)
        if (g_ptr_array_index(all, i))
            ladder_free(g_ptr_array_index(all, i));
    g_ptr_array_unref(all);
    return out;
}
