/* fleet.c — causes that no single machine's facts can show: a domain
 * controller that lags behind the others (dc-replication) and a password
 * change whose answer never came (interrupted-rotation).  docs/detections.md
 * "dc-replication", "interrupted-rotation".
 *
 * Which DC answered is read from each piece of evidence: the sender of a
 * response (its source), the receiver of a request (its destination).  A DC
 * is a record with role TW_ROLE_DC (engine.c marks it from the answers it
 * sends: AS-REP, KRB-ERROR, NETLOGON).  Only Kerberos AS exchanges and the
 * NETLOGON secure channel count as a DC accepting or refusing a machine's
 * key: an NTLM session setup goes to a member server, not to a DC.
 */
#include "fleet.h"

#include <string.h>

typedef struct {
    guint64 events;  /* a->events when built */
    GPtrArray *dcs;  /* TwDcView* (owned) */
    GHashTable *explained; /* const TwMachine* → TwDcView* */
} FleetCache;

static void view_free(gpointer p)
{
    TwDcView *v = p;
    g_ptr_array_unref(v->accepted);
    g_ptr_array_unref(v->refused);
    g_ptr_array_unref(v->lagging);
    g_ptr_array_unref(v->only_here);
    g_ptr_array_unref(v->refused_skew);
    g_free(v);
}

void tw_fleet_cache_free(void *cache)
{
    FleetCache *c = cache;
    if (!c)
        return;
    g_ptr_array_unref(c->dcs);
    g_hash_table_destroy(c->explained);
    g_free(c);
}

static bool has_addr(const TwMachine *m, const char *addr)
{
    for (guint i = 0; i < m->addrs->len; i++)
        if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, addr) == 0)
            return true;
    return false;
}

static bool is_member(const TwMachine *m)
{
    return !m->merged_away && m->role != TW_ROLE_DC;
}

/* The DC that answered (or was asked): a response's sender, a request's receiver. */
static TwDcView *view_of(FleetCache *c, const TwEvidence *e)
{
    const char *addr = e->dir == TW_DIR_REQUEST ? e->dst : e->src;
    if (!addr || !*addr)
        return NULL;
    for (guint i = 0; i < c->dcs->len; i++) {
        TwDcView *v = g_ptr_array_index(c->dcs, i);
        if (has_addr(v->dc, addr))
            return v;
    }
    return NULL;
}

/* build() visits each member once and adds only that member while it does:
 * the member is in a set already exactly when it is the set's last one. */
static void add_unique(GPtrArray *set, const TwMachine *m)
{
    if (set->len && g_ptr_array_index(set, set->len - 1) == m)
        return;
    g_ptr_array_add(set, (gpointer)m);
}

static bool contains(const GPtrArray *set, const TwMachine *m)
{
    for (guint i = 0; i < set->len; i++)
        if (g_ptr_array_index(set, i) == m)
            return true;
    return false;
}

/* The members of a view's list, for membership tests (a DC's port sees
 * tens of thousands of members: a scan per test is quadratic). */
static GHashTable *set_of(const GPtrArray *list)
{
    GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < list->len; i++)
        g_hash_table_add(h, g_ptr_array_index(list, i));
    return h;
}


/* Key refusals that belong to this machine's own password (a burst of denied
 * NETLOGON authentications is zerologon's, not a stale key). */
static void refusal_facts(const TwMachine *m, const TwFact **out /* [2] */)
{
    out[0] = &m->facts[TW_F_KRB_KEY_FAIL];
    out[1] = m->facts[TW_F_NL_DENIED_BURST].count ? NULL : &m->facts[TW_F_NL_AUTH_DENIED];
}

static void acceptance_facts(const TwMachine *m, const TwFact **out /* [2] */)
{
    out[0] = &m->facts[TW_F_KRB_AS_OK];
    out[1] = &m->facts[TW_F_NL_AUTH_OK];
}

/* The first key acceptance by DC v after time t (NULL when none). */
static const TwEvidence *accepted_after(FleetCache *c, const TwMachine *m, const TwDcView *v, gint64 t)
{
    const TwFact *af[2];
    acceptance_facts(m, af);
    const TwEvidence *best = NULL;
    for (guint k = 0; k < 2; k++)
        for (guint i = 0; i < af[k]->ev->len; i++) {
            const TwEvidence *e = g_ptr_array_index(af[k]->ev, i);
            if (e->ts_us > t && view_of(c, e) == v && (!best || e->ts_us < best->ts_us))
                best = e;
        }
    return best;
}

/* The first password change a DC took, and that DC: a PasswordSet2/kpasswd
 * acceptance; else a change request that DC answered with a sealed reply
 * (RFC 3244 keeps the kpasswd result inside the encrypted KRB-PRIV) and
 * after which the same DC accepted the machine's key: it holds the new
 * password (a refused change leaves the old one, which every DC accepts). */
static const TwEvidence *accepted_change(FleetCache *c, const TwMachine *m, TwDcView **on)
{
    const TwFact *ok = &m->facts[TW_F_PWSET_OK];
    if (ok->count && ok->ev->len) {
        const TwEvidence *e = g_ptr_array_index(ok->ev, 0);
        *on = view_of(c, e);
        return *on ? e : NULL;
    }
    const TwFact *rq = &m->facts[TW_F_PWSET_REQ], *rp = &m->facts[TW_F_PWSET_REPLY];
    for (guint i = 0; i < rq->ev->len; i++) {
        const TwEvidence *req = g_ptr_array_index(rq->ev, i);
        TwDcView *v = view_of(c, req);
        if (!v)
            continue;
        const TwEvidence *reply = NULL;
        for (guint j = 0; j < rp->ev->len && !reply; j++) {
            const TwEvidence *e = g_ptr_array_index(rp->ev, j);
            if (e->ts_us >= req->ts_us && view_of(c, e) == v)
                reply = e;
        }
        if (reply && accepted_after(c, m, v, reply->ts_us)) {
            *on = v;
            return req;
        }
    }
    *on = NULL;
    return NULL;
}

/* Replication lag: the change was accepted by DC A at t, and after t only
 * another DC refuses the key (A never does): the change has not reached it.
 * A clone would be refused by A as well. */
static TwDcView *lag_dc(FleetCache *c, const TwMachine *m, TwDcView **changed_on)
{
    TwDcView *a = NULL;
    const TwEvidence *change = accepted_change(c, m, &a);
    if (!change)
        return NULL;
    const TwFact *rf[2];
    refusal_facts(m, rf);
    TwDcView *b = NULL;
    for (guint k = 0; k < 2; k++)
        for (guint i = 0; rf[k] && i < rf[k]->ev->len; i++) {
            const TwEvidence *e = g_ptr_array_index(rf[k]->ev, i);
            if (e->ts_us <= change->ts_us)
                continue;
            TwDcView *v = view_of(c, e);
            if (v == a)
                return NULL; /* the DC that took the change refuses it too: not replication */
            if (v && !b)
                b = v;
        }
    if (b)
        *changed_on = a;
    return b;
}

static FleetCache *build(const TwAnalysis *a)
{
    FleetCache *c = g_new0(FleetCache, 1);
    c->events = a->events;
    c->dcs = g_ptr_array_new_with_free_func(view_free);
    c->explained = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->merged_away || m->role != TW_ROLE_DC)
            continue;
        TwDcView *v = g_new0(TwDcView, 1);
        v->dc = m;
        v->accepted = g_ptr_array_new();
        v->refused = g_ptr_array_new();
        v->lagging = g_ptr_array_new();
        v->only_here = g_ptr_array_new();
        v->refused_skew = g_ptr_array_new();
        g_ptr_array_add(c->dcs, v);
    }
    if (!c->dcs->len)
        return c;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!is_member(m))
            continue;
        const TwFact *af[2], *rf[2];
        acceptance_facts(m, af);
        refusal_facts(m, rf);
        for (guint k = 0; k < 2; k++)
            for (guint j = 0; j < af[k]->ev->len; j++) {
                TwDcView *v = view_of(c, g_ptr_array_index(af[k]->ev, j));
                if (v)
                    add_unique(v->accepted, m);
            }
        for (guint k = 0; k < 2; k++)
            for (guint j = 0; rf[k] && j < rf[k]->ev->len; j++) {
                TwDcView *v = view_of(c, g_ptr_array_index(rf[k]->ev, j));
                if (v) {
                    add_unique(v->refused, m);
                    v->refusals++;
                }
            }
        /* Clock refusals: the DC that sent the KRB_AP_ERR_SKEW. */
        const TwFact *sk = &m->facts[TW_F_KRB_SKEW];
        for (guint j = 0; sk->ev && j < sk->ev->len; j++) {
            TwDcView *v = view_of(c, g_ptr_array_index(sk->ev, j));
            if (v) {
                add_unique(v->refused_skew, m);
                v->skew_refusals++;
            }
        }
        TwDcView *from = NULL, *lag = lag_dc(c, m, &from);
        if (lag) {
            add_unique(lag->lagging, m);
            if (!lag->changed_on)
                lag->changed_on = from->dc;
            g_hash_table_insert(c->explained, (gpointer)m, lag);
        }
    }
    /* A DC that lacks recent passwords: it refuses several machines that
     * every other DC accepts, and it accepts other machines (so it is not
     * refusing everyone: it answers, with old keys). */
    g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
    g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
    for (guint i = 0; i < c->dcs->len; i++) {
        const TwDcView *v = g_ptr_array_index(c->dcs, i);
        g_ptr_array_add(accepted, set_of(v->accepted));
        g_ptr_array_add(refused, set_of(v->refused));
    }
    for (guint i = 0; i < c->dcs->len; i++) {
        TwDcView *v = g_ptr_array_index(c->dcs, i);
        g_autoptr(GPtrArray) only = g_ptr_array_new();
        for (guint j = 0; j < v->refused->len; j++) {
            const TwMachine *m = g_ptr_array_index(v->refused, j);
            if (g_hash_table_contains(c->explained, m))
                continue;
            bool elsewhere_refused = false, elsewhere_ok = false;
            for (guint k = 0; k < c->dcs->len; k++) {
                if (k == i)
                    continue;
                elsewhere_refused |= g_hash_table_contains(g_ptr_array_index(refused, k), m);
                elsewhere_ok |= g_hash_table_contains(g_ptr_array_index(accepted, k), m);
            }
            if (elsewhere_ok && !elsewhere_refused)
                g_ptr_array_add(only, (gpointer)m);
        }
        bool accepts_others = false;
        for (guint j = 0; j < v->accepted->len && !accepts_others; j++)
            accepts_others = !g_hash_table_contains(g_ptr_array_index(refused, i), g_ptr_array_index(v->accepted, j));
        if (only->len >= TW_FLEET_STALE_DC_MIN_MACHINES && accepts_others)
            for (guint j = 0; j < only->len; j++) {
                const TwMachine *m = g_ptr_array_index(only, j);
                g_ptr_array_add(v->only_here, (gpointer)m);
                g_hash_table_insert(c->explained, (gpointer)m, v);
            }
    }
    return c;
}

static FleetCache *cache(const TwAnalysis *ca)
{
    TwAnalysis *a = (TwAnalysis *)ca; /* the cache lives in the analysis, like the DC cache */
    FleetCache *c = a->fleet_cache;
    if (c && c->events == a->events)
        return c;
    tw_fleet_cache_free(c);
    a->fleet_cache = build(a);
    return a->fleet_cache;
}

const GPtrArray *tw_fleet_dcs(const TwAnalysis *a)
{
    return cache(a)->dcs;
}

const TwDcView *tw_fleet_explaining_dc(const TwAnalysis *a, const TwMachine *m)
{
    return g_hash_table_lookup(cache(a)->explained, m);
}

/* ---- findings ---- */

static void add_unique_ev(TwFinding *f, const TwEvidence *e)
{
    for (guint i = 0; i < f->evidence->len; i++)
        if (g_ptr_array_index(f->evidence, i) == e)
            return;
    g_ptr_array_add(f->evidence, (gpointer)e);
}

/* Up to `max` of m's messages of fact k with `dc` as the DC (any DC when NULL). */
static void add_ev_at(TwFinding *f, FleetCache *c, const TwMachine *m, TwFactKind k, const TwDcView *dc, guint max)
{
    const TwFact *fact = &m->facts[k];
    guint n = 0;
    for (guint i = 0; i < fact->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(fact->ev, i);
        if (dc && view_of(c, e) != dc)
            continue;
        if (n++ < max)
            add_unique_ev(f, e);
        else
            f->evidence_more++;
    }
}

static const char *name_of(const TwMachine *m)
{
    if (m->account)
        return m->account;
    return m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key;
}

/* "DC2" (a command's argument), or the address. */
static char *host_of(const TwMachine *m)
{
    if (m->account) {
        gsize n = strlen(m->account);
        return g_strndup(m->account, n && m->account[n - 1] == '$' ? n - 1 : n);
    }
    return g_strdup(name_of(m));
}

/* "DC2$ (10.0.0.2)" or "10.0.0.2". */
static char *dc_label(const TwMachine *dc)
{
    if (dc->account && dc->addrs->len)
        return g_strdup_printf("%s (%s)", dc->account, g_array_index(dc->addrs, TwAddrUse, 0).addr);
    return g_strdup(name_of(dc));
}

static char *fmt_time(gint64 us)
{
    char t[32];
    tw_format_time(us, t);
    t[19] = 0;
    t[10] = ' ';
    return g_strdup_printf("%s UTC", t);
}

static char *names(const GPtrArray *ms)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ms->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", name_of(g_ptr_array_index(ms, i)));
    return g_string_free(s, FALSE);
}

static gint64 last_ts_of(const TwMachine *m, const TwFact *const *fs, guint n)
{
    gint64 t = 0;
    for (guint i = 0; i < n; i++)
        if (fs[i] && fs[i]->count)
            t = MAX(t, fs[i]->last_ts);
    return t;
}

/* Broken while the machine's last word is a refusal, recovered when it
 * proved its key after the last refusal (to any DC). */
static TwState member_state(const TwMachine *m)
{
    const TwFact *rf[2], *af[2];
    refusal_facts(m, rf);
    acceptance_facts(m, af);
    return last_ts_of(m, af, 2) > last_ts_of(m, rf, 2) ? TW_STATE_RECOVERED : TW_STATE_BROKEN;
}

/* The change another DC lacks (accepted_change). */
static const TwEvidence *first_change(FleetCache *c, const TwMachine *m)
{
    TwDcView *on = NULL;
    return accepted_change(c, m, &on);
}

static void replication_on_dc(FleetCache *c, const TwDcView *v, GPtrArray *out)
{
    bool lag = v->lagging->len > 0;
    const GPtrArray *who = lag ? v->lagging : v->only_here;
    TwState st = TW_STATE_AT_RISK;
    for (guint i = 0; i < who->len; i++)
        if (member_state(g_ptr_array_index(who, i)) == TW_STATE_BROKEN)
            st = TW_STATE_BROKEN;
    TwFinding *f = tw_finding_new("dc-replication", st, lag ? "high" : "medium");
    g_autofree char *me = dc_label(v->dc), *host = host_of(v->dc), *list = names(who);
    if (lag) {
        g_autofree char *from = dc_label(v->changed_on), *fromh = host_of(v->changed_on);
        f->summary = g_strdup_printf(
            "%s refuses the machine password of %s after %s accepted %s password change: the change has not "
            "reached %s. Replication from %s to %s is broken or slow (inbound replication disabled, a "
            "replication error, or a long replication interval). It explains the failures of: %s.",
            me, list, from, who->len == 1 ? "its" : "their", host, fromh, host, list);
        f->fix = g_strdup_printf(
            "Repair replication into %s, not the machines: on a Windows DC `repadmin /showrepl %s`, "
            "`repadmin /options %s` (remove DISABLE_INBOUND_REPL with `repadmin /options %s "
            "-DISABLE_INBOUND_REPL`), then `repadmin /syncall %s /AdeP`; on a Samba DC `samba-tool drs "
            "showrepl`, `samba-tool drs options --dsa-option=-DISABLE_INBOUND_REPL`, then `samba-tool drs "
            "replicate %s %s <naming context>`. Once %s has the new passwords the machines work again.",
            host, host, host, host, host, host, fromh, host);
        for (guint i = 0; i < who->len; i++) {
            const TwMachine *m = g_ptr_array_index(who, i);
            const TwEvidence *ch = first_change(c, m);
            if (ch && i < 3)
                add_unique_ev(f, ch);
            add_ev_at(f, c, m, TW_F_KRB_KEY_FAIL, v, i < 3 ? 2 : 0);
            if (!m->facts[TW_F_NL_DENIED_BURST].count)
                add_ev_at(f, c, m, TW_F_NL_AUTH_DENIED, v, i < 3 ? 2 : 0);
        }
    } else {
        g_autoptr(GPtrArray) others = g_ptr_array_new();
        for (guint i = 0; i < v->accepted->len; i++)
            if (!contains(v->refused, g_ptr_array_index(v->accepted, i)))
                g_ptr_array_add(others, g_ptr_array_index(v->accepted, i));
        g_autofree char *ok = names(others);
        f->summary = g_strdup_printf(
            "%s refuses the machine passwords of %u machines (%s) that the other domain controllers accept, "
            "while it still accepts %s: it lacks recent password changes. Typical of a DC restored from an "
            "old backup or snapshot (USN rollback) or one that stopped replicating.",
            me, who->len, list, ok);
        f->fix = g_strdup_printf(
            "Examine %s, not the machines: `repadmin /showrepl %s` and `repadmin /showutdvec %s`; Directory "
            "Service event 2095 means a USN rollback, and such a DC must be demoted (forcibly if needed) and "
            "promoted again, never restored from a snapshot. On a Samba DC: `samba-tool drs showrepl` and "
            "`samba-tool dbcheck`.",
            host, host, host);
        for (guint i = 0; i < who->len; i++) {
            const TwMachine *m = g_ptr_array_index(who, i);
            add_ev_at(f, c, m, TW_F_KRB_KEY_FAIL, v, i < 3 ? 2 : 0);
            if (!m->facts[TW_F_NL_DENIED_BURST].count)
                add_ev_at(f, c, m, TW_F_NL_AUTH_DENIED, v, i < 3 ? 2 : 0);
        }
        for (guint i = 0; i < others->len && i < 2; i++) {
            add_ev_at(f, c, g_ptr_array_index(others, i), TW_F_KRB_AS_OK, v, 1);
            add_ev_at(f, c, g_ptr_array_index(others, i), TW_F_NL_AUTH_OK, v, 1);
        }
    }
    g_ptr_array_sort(f->evidence, tw_evidence_cmp);
    g_ptr_array_add(out, f);
}

static void replication_on_member(FleetCache *c, const TwMachine *m, const TwDcView *v, GPtrArray *out)
{
    bool lag = contains(v->lagging, m);
    TwFinding *f = tw_finding_new("dc-replication", member_state(m), lag ? "high" : "medium");
    g_autofree char *dc = dc_label(v->dc), *dch = host_of(v->dc);
    if (lag) {
        g_autofree char *from = dc_label(v->changed_on);
        TwDcView *on = NULL;
        const TwEvidence *ch = accepted_change(c, m, &on);
        g_autofree char *when = ch ? fmt_time(ch->ts_us) : g_strdup("?");
        /* A sealed kpasswd result: the acceptance is the new key's first logon there. */
        const TwEvidence *proof = ch && !m->facts[TW_F_PWSET_OK].count ? accepted_after(c, m, on, ch->ts_us) : NULL;
        if (proof) {
            g_autofree char *at = fmt_time(proof->ts_us);
            f->summary = g_strdup_printf(
                "%s changed its machine password at %s (the answer's result is encrypted) and %s accepted its "
                "new password at %s, but %s still refuses it: %s lags behind (replication; see dc-replication "
                "on %s). The machine's own password is right.",
                name_of(m), when, from, at, dc, dch, dch);
            add_unique_ev(f, proof);
        } else
            f->summary = g_strdup_printf(
                "%s changed its machine password at %s and %s accepted it, but %s still refuses it: %s lags "
                "behind (replication; see dc-replication on %s). The machine's own password is right.",
                name_of(m), when, from, dc, dch, dch);
        if (ch)
            add_unique_ev(f, ch);
    } else {
        f->summary = g_strdup_printf(
            "Only %s refuses %s's machine password; the other domain controllers accept it: %s lacks recent "
            "passwords (see dc-replication on %s). The machine's own password is right.",
            dc, name_of(m), dch, dch);
        add_ev_at(f, c, m, TW_F_KRB_AS_OK, NULL, 1);
        add_ev_at(f, c, m, TW_F_NL_AUTH_OK, NULL, 1);
    }
    f->fix = g_strdup_printf("Nothing to repair on %s itself: fix %s (see its dc-replication finding). Resetting "
                             "the machine's password now would only add a change %s does not have.",
                             name_of(m), dch, dch);
    add_ev_at(f, c, m, TW_F_KRB_KEY_FAIL, v, 3);
    if (!m->facts[TW_F_NL_DENIED_BURST].count)
        add_ev_at(f, c, m, TW_F_NL_AUTH_DENIED, v, 3);
    g_ptr_array_sort(f->evidence, tw_evidence_cmp);
    g_ptr_array_add(out, f);
}

/* ---- dc-replication ---- */
void tw_fleet_rule_replication(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    FleetCache *c = cache(a);
    if (m->role == TW_ROLE_DC) {
        for (guint i = 0; i < c->dcs->len; i++) {
            const TwDcView *v = g_ptr_array_index(c->dcs, i);
            if (v->dc == m && (v->lagging->len || v->only_here->len))
                replication_on_dc(c, v, out);
        }
        return;
    }
    const TwDcView *v = g_hash_table_lookup(c->explained, m);
    if (v)
        replication_on_member(c, m, v, out);
}

/* ---- interrupted-rotation: MS-NRPC 3.5.4.4.5, RFC 3244 ----
 * The machine's last password change got no answer (PasswordSet2 response,
 * kpasswd reply) and its key was refused afterwards: the DC may hold the new
 * password while the machine kept the old one, or the other way round. */
void tw_fleet_rule_interrupted(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *rq = &m->facts[TW_F_PWSET_REQ], *ok = &m->facts[TW_F_PWSET_OK], *bad = &m->facts[TW_F_PWSET_FAIL];
    if (m->role == TW_ROLE_DC || !rq->count || !rq->ev->len)
        return;
    const TwFact *sealed = &m->facts[TW_F_PWSET_REPLY];
    gint64 answered = MAX(ok->count ? ok->last_ts : 0, bad->count ? bad->last_ts : 0);
    answered = MAX(answered, sealed->count ? sealed->last_ts : 0);
    if (answered >= rq->last_ts)
        return;
    const TwFact *rf[2];
    refusal_facts(m, rf);
    const TwEvidence *req = g_ptr_array_index(rq->ev, rq->ev->len - 1);
    /* The attempts since the last answer (a client resends an unanswered
     * kpasswd request, RFC 3244 with RFC 4120 7.2.1 retransmission): the
     * change was sent at the first of them. */
    const TwEvidence *first_req = req;
    guint attempts = 0;
    for (guint i = 0; i < rq->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(rq->ev, i);
        if (e->ts_us > answered && strcmp(e->src, req->src) == 0) {
            if (!attempts)
                first_req = e;
            attempts++;
        }
    }
    if (rq->count > rq->ev->len)
        attempts = 0; /* evidence kept is capped: the count since the answer is not known */
    const TwEvidence *first_fail = NULL;
    for (guint k = 0; k < 2; k++)
        for (guint i = 0; rf[k] && i < rf[k]->ev->len; i++) {
            const TwEvidence *e = g_ptr_array_index(rf[k]->ev, i);
            /* Only refusals sent to the address that made the change: a copy of
             * the machine elsewhere is duplicate-identity's. */
            if (e->ts_us > req->ts_us && strcmp(e->dst, req->src) == 0 &&
                (!first_fail || e->ts_us < first_fail->ts_us))
                first_fail = e;
        }
    if (!first_fail)
        return;
    FleetCache *c = cache(a);
    const TwDcView *asked = view_of(c, req);
    g_autofree char *dc = asked ? dc_label(asked->dc) : g_strdup(req->dst);
    g_autofree char *when = fmt_time(first_req->ts_us), *fail = fmt_time(first_fail->ts_us);
    g_autofree char *last = fmt_time(req->ts_us);
    g_autofree char *tries = attempts > 1 ? g_strdup_printf(" (sent %u times, the last at %s)", attempts, last)
                                          : g_strdup("");
    TwFinding *f = tw_finding_new("interrupted-rotation", member_state(m), "high");
    f->summary = g_strdup_printf(
        "%s sent a password change (%s) to %s at %s%s and no answer came back (the connection was reset, timed "
        "out or cut: a power or network loss, Modern Standby). From %s its password is refused: the domain "
        "controller and the machine disagree about which password is current.",
        name_of(m), req->krb_msg_type >= 0 ? "kpasswd" : "NetrServerPasswordSet2", dc, when, tries, fail);
    g_autofree char *host = host_of(m), *dch = asked ? host_of(asked->dc) : g_strdup(req->dst);
    /* The administrator as a UPN of the capture's realm (fixes.c says why not DOMAIN\admin). */
    g_autofree char *dns = a->realm && *a->realm ? g_ascii_strdown(a->realm, -1) : NULL;
    g_autofree char *admin = dns ? g_strdup_printf("<admin>@%s", dns) : g_strdup("<DOMAIN>\\<admin>");
    f->fix = g_strdup_printf("Reset the machine password of %s against %s, the DC that received the change, so "
                             "both hold the same one: on Windows (PowerShell 5.1, with a domain administrator's "
                             "credential) `Test-ComputerSecureChannel -Repair -Server %s -Credential %s`; on "
                             "Samba/Linux rejoin (`net ads join -U <admin>` or `realm join%s%s`).",
                             host, dch, dch, admin, a->realm ? " " : "", a->realm ? a->realm : "");
    add_unique_ev(f, first_req);
    add_unique_ev(f, req);
    add_unique_ev(f, first_fail);
    for (guint k = 0; k < 2; k++)
        for (guint i = 0; rf[k] && i < rf[k]->ev->len && f->evidence->len < 5; i++) {
            const TwEvidence *e = g_ptr_array_index(rf[k]->ev, i);
            if (e->ts_us > req->ts_us && strcmp(e->dst, req->src) == 0)
                add_unique_ev(f, e);
        }
    g_ptr_array_sort(f->evidence, tw_evidence_cmp);
    g_ptr_array_add(out, f);
}
