/* rules.c — the table of causes.  Each rule reads one machine's facts
 * (engine.c) and says whether its cause holds, how sure it is, which frames
 * prove it and what to do.  docs/detections.md documents every rule, its
 * evidence, its false-positive traps and its references.
 */
#include "analysis.h"
#include "fleet.h"
#include "analysis/clock.h"
#include "analysis/previous.h"
#include "tickets.h"

#include "core/krb5-names.h"
#include "core/ntstatus.h"

#include <string.h>

const char *tw_state_name(TwState s)
{
    switch (s) {
    case TW_STATE_BROKEN: return "broken";
    case TW_STATE_AT_RISK: return "at-risk";
    case TW_STATE_RECOVERED: return "recovered";
    case TW_STATE_HEALTHY: return "healthy";
    default: return "unknown";
    }
}

void tw_finding_free(gpointer p)
{
    TwFinding *f = p;
    if (!f)
        return;
    g_free(f->summary);
    g_free(f->fix);
    g_ptr_array_unref(f->evidence);
    g_free(f);
}

TwFinding *tw_finding_new(const char *rule_name, TwState st, const char *conf)
{
    TwFinding *f = g_new0(TwFinding, 1);
    f->rule = tw_rule_by_name(rule_name);
    f->state = st;
    f->confidence = conf;
    f->evidence = g_ptr_array_new();
    return f;
}

int tw_evidence_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwEvidence *x = *(TwEvidence *const *)pa, *y = *(TwEvidence *const *)pb;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* Adds up to `max` pieces of evidence of fact k (first ones and the last). */
static void add_ev(TwFinding *f, const TwMachine *m, TwFactKind k, guint max)
{
    const GPtrArray *ev = m->facts[k].ev;
    guint added = 0;
    for (guint i = 0; i < ev->len; i++) {
        if (i + 1 == ev->len || i + 1 < max) {
            g_ptr_array_add(f->evidence, g_ptr_array_index(ev, i));
            added++;
        }
    }
    /* The fact counts every message, kept or not (identity.c keeps the
     * first and last few): the report says how many more there were. */
    if (m->facts[k].count > added)
        f->evidence_more += m->facts[k].count - added;
}

static void sort_ev(TwFinding *f)
{
    g_ptr_array_sort(f->evidence, tw_evidence_cmp);
}

static const TwFact *F(const TwMachine *m, TwFactKind k)
{
    return &m->facts[k];
}

static const char *name_of(const TwMachine *m)
{
    if (m->account)
        return m->account;
    return m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key;
}

/* "WS1" from "WS1$" (what a person types), or the address. */
static char *host_of(const TwMachine *m)
{
    if (m->account) {
        gsize n = strlen(m->account);
        return g_strndup(m->account, n && m->account[n - 1] == '$' ? n - 1 : n);
    }
    return g_strdup(name_of(m));
}

static char *fmt_time(gint64 us)
{
    char t[32];
    tw_format_time(us, t);
    t[19] = 0; /* to the second */
    t[10] = ' ';
    return g_strdup_printf("%s UTC", t);
}

/* Latest proof that the machine's own key works (AS-REP, secure channel). */
static gint64 last_key_success(const TwMachine *m)
{
    gint64 t = 0;
    if (F(m, TW_F_KRB_AS_OK)->count)
        t = MAX(t, F(m, TW_F_KRB_AS_OK)->last_ts);
    if (F(m, TW_F_NL_AUTH_OK)->count)
        t = MAX(t, F(m, TW_F_NL_AUTH_OK)->last_ts);
    if (F(m, TW_F_NTLM_OK)->count)
        t = MAX(t, F(m, TW_F_NTLM_OK)->last_ts);
    return t;
}

static const char *dc_or_placeholder(const TwAnalysis *a)
{
    const char *dc = tw_analysis_dc_name(a);
    return dc ? dc : "<DC>";
}

/* DC name as typed in a command: without the '$'. */
static char *dc_host(const TwAnalysis *a)
{
    const char *dc = dc_or_placeholder(a);
    gsize n = strlen(dc);
    return g_strndup(dc, n && dc[n - 1] == '$' ? n - 1 : n);
}

/* ---- zerologon: MS-NRPC 3.1.4.1, CVE-2020-1472 (protocol-notes 3.7) ---- */
static void rule_zerologon(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *att = F(m, TW_F_ZL_ATTEMPT), *byp = F(m, TW_F_ZL_BYPASS), *pw = F(m, TW_F_ZL_PWSET);
    const TwFact *sealed = F(m, TW_F_ZL_SEALED_BURST), *burst = F(m, TW_F_NL_DENIED_BURST);
    if (!att->count && !byp->count && !pw->count && !sealed->count && !burst->count)
        return;
    g_autofree char *host = host_of(m);
    g_autoptr(GString) who = g_string_new(NULL);
    for (guint i = 0; i < m->zl_attackers->len; i++)
        g_string_append_printf(who, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(m->zl_attackers, i));
    if (!who->len)
        g_string_append(who, "an unknown address");
    TwFinding *f;
    bool exploited = byp->count > 0;
    bool pw_accepted = false;
    for (guint i = 0; i < pw->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(pw->ev, i);
        /* the DC's answer to an all-zero NetrServerPasswordSet2: success */
        if (e->has_ntstatus && e->ntstatus == TW_STATUS_SUCCESS)
            pw_accepted = true;
    }
    gint64 span = att->count > 1 ? att->last_ts - att->first_ts : 0;
    if (att->count || byp->count || pw->count) {
        f = tw_finding_new("zerologon", exploited || pw_accepted ? TW_STATE_BROKEN : TW_STATE_AT_RISK, "high");
        GString *s = g_string_new(NULL);
        g_string_append_printf(s, "Zerologon attack (CVE-2020-1472) against %s from %s: %u NETLOGON authentication%s "
                                  "with an all-zero credential",
                               name_of(m), who->str, att->count, att->count == 1 ? "" : "s");
        if (att->count > 1 && span < G_USEC_PER_SEC)
            g_string_append(s, " in under a second");
        else if (att->count > 1)
            g_string_append_printf(s, " in %.0f s", (double)span / 1e6);
        if (exploited)
            g_string_append_printf(s, "; the DC ACCEPTED one (%u time%s): the attacker could authenticate as %s "
                                      "without its password — this DC is vulnerable (unpatched)",
                                   byp->count, byp->count == 1 ? "" : "s", name_of(m));
        else
            g_string_append(s, "; every attempt seen was refused");
        if (pw_accepted)
            g_string_append_printf(s, "; the DC then accepted an EMPTY password for %s (NetrServerPasswordSet2): "
                                      "the DC account was reset by the attacker",
                                   name_of(m));
        else if (pw->count)
            g_string_append_printf(s, "; %u attempt%s to set %s's password to empty", pw->count,
                                   pw->count == 1 ? "" : "s", name_of(m));
        g_string_append_c(s, '.');
        f->summary = g_string_free(s, FALSE);
        f->fix = g_strdup_printf(
            "Treat this as a security incident. Isolate %s. Make sure %s has the August 2020 (or later) updates "
            "and enforcement mode (registry FullSecureChannelProtection=1; DC events 5827-5831 log refused "
            "attempts).%s",
            who->str, host,
            pw_accepted ? " The DC's machine password in AD is now empty and no longer matches the DC's own "
                          "secret: restore it (e.g. `netdom resetpwd /server:<another DC> /userd:DOMAIN\\admin "
                          "/passwordd:*` on the DC), check for DCSync/credential theft, and reset krbtgt twice."
                        : exploited ? " Patch immediately; assume the DC may have been accessed." : "");
        add_ev(f, m, TW_F_ZL_ATTEMPT, 4);
        add_ev(f, m, TW_F_ZL_BYPASS, 4);
        add_ev(f, m, TW_F_ZL_PWSET, 4);
        sort_ev(f);
        g_ptr_array_add(out, f);
        return;
    }
    if (sealed->count) {
        /* The stubs are encrypted (NTLM packet privacy): only the rhythm of
         * ReqChallenge/Authenticate calls is visible.  Honest = suspected. */
        f = tw_finding_new("zerologon", TW_STATE_AT_RISK, sealed->count >= 100 ? "medium" : "low");
        f->summary = g_strdup_printf(
            "Suspected Zerologon (CVE-2020-1472) against %s: a burst of %u sealed NETLOGON "
            "challenge/authenticate calls from %s. The calls are encrypted, so the all-zero credential cannot be "
            "seen; normal machines set up their secure channel with a handful of calls, not bursts.",
            name_of(m), sealed->count + TW_AN_BURST_MIN - 1, who->str);
        f->fix = g_strdup_printf("Check %s's System log for NETLOGON events 5805/5827-5829 at that time, make sure it "
                                 "is patched (August 2020+) with enforcement mode, and find out what %s is.",
                                 host, who->str);
        add_ev(f, m, TW_F_ZL_SEALED_BURST, 6);
        g_ptr_array_add(out, f);
        return;
    }
    f = tw_finding_new("zerologon", TW_STATE_AT_RISK, "low");
    f->summary = g_strdup_printf(
        "A burst of %u refused NETLOGON authentications for %s from %s: Zerologon-style scanning or a badly "
        "misbehaving client.",
        F(m, TW_F_NL_AUTH_DENIED)->count, name_of(m), who->str);
    f->fix = g_strdup_printf("Find out what %s is; check that %s is patched against CVE-2020-1472.", who->str, host);
    add_ev(f, m, TW_F_NL_DENIED_BURST, 4);
    g_ptr_array_add(out, f);
    (void)a;
}

/* ---- duplicate-identity: one account, two machines ---- */
static bool same_family(const char *x, const char *y)
{
    return (strchr(x, ':') != NULL) == (strchr(y, ':') != NULL);
}

static bool is_attacker(const TwMachine *m, const char *addr)
{
    for (guint i = 0; i < m->zl_attackers->len; i++)
        if (strcmp(g_ptr_array_index(m->zl_attackers, i), addr) == 0)
            return true;
    return false;
}

static void rule_duplicate(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    if (!m->account || m->role == TW_ROLE_DC || m->addrs->len < 2)
        return;
    const TwAddrUse *best_a = NULL, *best_b = NULL;
    int best = 0; /* 3 ok+fail overlapping, 2 pwset from both, 1 overlap different MACs */
    for (guint i = 0; i < m->addrs->len; i++) {
        const TwAddrUse *x = &g_array_index(m->addrs, TwAddrUse, i);
        for (guint j = 0; j < m->addrs->len; j++) {
            const TwAddrUse *y = &g_array_index(m->addrs, TwAddrUse, j);
            if (i == j || !same_family(x->addr, y->addr) || is_attacker(m, x->addr) || is_attacker(m, y->addr))
                continue;
            if (x->mac[0] && y->mac[0] && strcmp(x->mac, y->mac) == 0)
                continue; /* same network card, new address (DHCP): not a clone */
            if (!x->first_ts || !y->first_ts)
                continue;
            bool overlap = x->first_ts <= y->last_ts && y->first_ts <= x->last_ts;
            int score = 0;
            if (overlap && x->n_ok && y->n_keyfail)
                score = 3;
            else if (x->n_pwset && y->n_pwset)
                score = 2;
            else if (overlap && i < j && x->mac[0] && y->mac[0] && x->n_ok && y->n_ok)
                score = 1;
            if (score > best) {
                best = score;
                best_a = x;
                best_b = y;
            }
        }
    }
    if (!best)
        return;
    g_autofree char *host = host_of(m);
    g_autofree char *dch = dc_host(a);
    TwFinding *f = tw_finding_new("duplicate-identity", best >= 2 ? TW_STATE_BROKEN : TW_STATE_AT_RISK,
                               best == 3 ? "high" : best == 2 ? "medium" : "low");
    g_autofree char *ma = best_a->mac[0] ? g_strdup_printf(" (MAC %s)", best_a->mac) : g_strdup("");
    g_autofree char *mb = best_b->mac[0] ? g_strdup_printf(" (MAC %s)", best_b->mac) : g_strdup("");
    if (best == 3)
        f->summary = g_strdup_printf(
            "Two machines use the account %s at the same time: %s%s succeeds while %s%s is refused with the old "
            "password. One is a copy of the other (a disk or VM cloned without sysprep, or a restored image "
            "left running): each change of password by one locks the other out.",
            m->account, best_a->addr, ma, best_b->addr, mb);
    else if (best == 2)
        f->summary = g_strdup_printf(
            "The password of %s was changed from two places, %s%s and %s%s: two machines share this account "
            "(a clone), and each change locks the other out.",
            m->account, best_a->addr, ma, best_b->addr, mb);
    else
        f->summary = g_strdup_printf(
            "%s is used at the same time from %s%s and %s%s (two network cards). Possibly a clone; it will "
            "break at the next password change.",
            m->account, best_a->addr, ma, best_b->addr, mb);
    g_autofree char *clone = tw_fix_clone(a, m);
    f->fix = g_strdup_printf("Find the second machine calling itself %s (look up both addresses/MACs in DHCP and the "
                             "switch tables). %s",
                             host, clone);
    (void)dch;
    add_ev(f, m, TW_F_KRB_AS_OK, 2);
    add_ev(f, m, TW_F_NL_AUTH_OK, 2);
    add_ev(f, m, TW_F_KRB_KEY_FAIL, 3);
    add_ev(f, m, TW_F_NL_AUTH_DENIED, 3);
    add_ev(f, m, TW_F_NTLM_FAIL, 2);
    add_ev(f, m, TW_F_PWSET_REQ, 3);
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- stale-password: RFC 4120 7.5.9 (24, 31), MS-NRPC 3.5.4.4.2 (ACCESS_DENIED) ---- */
static void rule_stale_password(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *krb = F(m, TW_F_KRB_KEY_FAIL), *nl = F(m, TW_F_NL_AUTH_DENIED), *ntlm = F(m, TW_F_NTLM_FAIL);
    guint nl_count = F(m, TW_F_NL_DENIED_BURST)->count ? 0 : nl->count; /* a burst is zerologon's */
    if (!krb->count && !nl_count && !ntlm->count)
        return;
    /* NTLM alone cannot tell a wrong password from an unknown account. */
    if (!krb->count && !nl_count && (F(m, TW_F_KRB_CLIENT_UNKNOWN)->count || F(m, TW_F_NL_NO_ACCOUNT)->count))
        return;
    /* Refused only by a DC that lacks the password another DC accepts: the
     * machine's password is right (dc-replication, fleet.c), not old. */
    if (tw_fleet_explaining_dc(a, m))
        return;
    gint64 last_fail = 0, first_fail = G_MAXINT64;
    const TwFact *all[] = { krb, nl_count ? nl : NULL, ntlm };
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        if (all[i] && all[i]->count) {
            last_fail = MAX(last_fail, all[i]->last_ts);
            first_fail = MIN(first_fail, all[i]->first_ts);
        }
    gint64 ok = last_key_success(m);
    bool recovered = ok > last_fail;
    TwFinding *f = tw_finding_new("stale-password", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN,
                               recovered || (!krb->count && !nl_count) ? "medium" : "high");
    g_autofree char *since = fmt_time(first_fail);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "The domain controller rejects %s's machine password (", name_of(m));
    if (krb->count)
        g_string_append_printf(s, "%u Kerberos pre-authentication failure%s", krb->count, krb->count == 1 ? "" : "s");
    if (krb->count && nl_count)
        g_string_append(s, ", ");
    if (nl_count)
        g_string_append_printf(s, "%u NETLOGON secure-channel refusal%s", nl_count, nl_count == 1 ? "" : "s");
    if (ntlm->count)
        g_string_append_printf(s, "%s%u NTLM logon refusal%s", krb->count || nl_count ? ", " : "", ntlm->count,
                               ntlm->count == 1 ? "" : "s");
    g_string_append_printf(s, ") since %s. The machine holds an old password: typical after a VM snapshot "
                              "rollback, a restored disk image, or a password change the DC never received.",
                           since);
    if (recovered) {
        g_autofree char *ok_at = fmt_time(ok);
        g_string_append_printf(s, " It proved itself again at %s (for example by falling back to its previous "
                                  "password), so it works for now but may fail again.",
                               ok_at);
    }
    f->summary = g_string_free(s, FALSE);
    f->fix = tw_fix_stale_password(a, m);
    add_ev(f, m, TW_F_KRB_KEY_FAIL, 6);
    if (nl_count)
        add_ev(f, m, TW_F_NL_AUTH_DENIED, 6);
    add_ev(f, m, TW_F_NTLM_FAIL, 3);
    if (recovered) {
        add_ev(f, m, TW_F_KRB_AS_OK, 1);
        add_ev(f, m, TW_F_NL_AUTH_OK, 1);
        add_ev(f, m, TW_F_NTLM_OK, 1);
    }
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- server-key-mismatch: MS-KILE 3.4.5.1, RFC 4120 3.2.3 (41, 44) ---- */
static void rule_server_key(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *bad = F(m, TW_F_SRV_KEY_FAIL);
    if (!bad->count)
        return;
    const TwFact *ok = F(m, TW_F_SRV_AP_OK);
    bool recovered = ok->count && ok->last_ts > bad->last_ts;
    /* A KRB-ERROR 41/44 says it outright; a bare STATUS_LOGON_FAILURE after
     * a Kerberos ticket (Samba) could also be the server's clock. */
    bool krb_error = false;
    for (guint i = 0; i < bad->ev->len; i++)
        krb_error |= ((const TwEvidence *)g_ptr_array_index(bad->ev, i))->has_krb_error;
    double own = 0, dc = 0;
    bool has_own = tw_machine_clock_offset(m, &own);
    bool has_dc = tw_analysis_dc_offset(a, &dc);
    if (has_own && has_dc)
        own -= dc;
    if (ABS(own) < 0.5)
        own = 0.0;
    bool clock_ok = has_own && ABS(own) < TW_AN_SKEW_LIMIT_S;
    TwFinding *f = tw_finding_new("server-key-mismatch", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN,
                               m->account && (krb_error || clock_ok) ? "high" : "medium");
    g_autofree char *host = host_of(m);
    g_autofree char *since = fmt_time(bad->first_ts);
    g_autofree char *clock_note =
        krb_error ? g_strdup("")
        : clock_ok ? g_strdup_printf(" Its clock is fine (%+.0f s from the %s), so the key is the problem.", own,
                                     has_dc ? "DC's" : "capture host's")
                   : g_strdup(" (The server only answered STATUS_LOGON_FAILURE; a server clock more than 5 minutes "
                              "off would look the same.)");
    f->summary = g_strdup_printf(
        "Clients cannot use the services of %s: %u time%s since %s it refused the Kerberos tickets the DC "
        "made for it%s. %s itself holds a stale key — its machine password (or keytab) differs from the one in "
        "Active Directory — or another account holds the same service name.%s%s",
        name_of(m), bad->count, bad->count == 1 ? "" : "s", since,
        krb_error ? " (KRB_AP_ERR_MODIFIED/BADKEYVER/BAD_INTEGRITY: it could not decrypt them)" : "", host, clock_note,
        recovered ? " Later tickets were accepted again." : "");
    g_autofree char *keytab = tw_fix_keytab(a, m);
    f->fix = g_strdup_printf(
        "Give %s the key Active Directory has: %s Then `klist purge` on the clients. Check for a duplicate "
        "service name with `setspn -X` and `setspn -Q */%s*` (from any Windows host of the domain).",
        host, keytab, host);
    add_ev(f, m, TW_F_SRV_KEY_FAIL, 6);
    if (recovered)
        add_ev(f, m, TW_F_SRV_AP_OK, 1);
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- account-missing: RFC 4120 7.5.9 (6), MS-NRPC 3.5.4.4.2 (NO_TRUST_SAM_ACCOUNT) ---- */
static void rule_account_missing(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *k = F(m, TW_F_KRB_CLIENT_UNKNOWN), *n = F(m, TW_F_NL_NO_ACCOUNT);
    if (!k->count && !n->count)
        return;
    /* KDC_ERR_CLIENT_REVOKED proves the account exists: a NETLOGON
     * NO_TRUST_SAM_ACCOUNT next to it (Samba's answer for a disabled
     * account) belongs to account-disabled. */
    if (!k->count && F(m, TW_F_KRB_REVOKED)->count)
        return;
    gint64 last = MAX(k->count ? k->last_ts : 0, n->count ? n->last_ts : 0);
    bool recovered = last_key_success(m) > last;
    TwFinding *f = tw_finding_new("account-missing", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN, "high");
    g_autofree char *host = host_of(m);
    g_autofree char *rejoin = tw_fix_rejoin(a, m);
    f->summary = g_strdup_printf(
        "The domain has no account named %s: it was deleted (or renamed) in Active Directory while %s still "
        "believes it is joined. Domain logons on %s fail.%s",
        name_of(m), host, host, recovered ? " A later logon succeeded (account restored?)." : "");
    f->fix = g_strdup_printf(
        "Check Active Directory: `Get-ADComputer %s` / AD Recycle Bin (`Get-ADObject -Filter 'samAccountName "
        "-eq \"%s$\"' -IncludeDeletedObjects`). Restore the object if it was deleted by mistake, otherwise %s",
        host, host, rejoin);
    add_ev(f, m, TW_F_KRB_CLIENT_UNKNOWN, 4);
    add_ev(f, m, TW_F_NL_NO_ACCOUNT, 4);
    add_ev(f, m, TW_F_SPN_UNKNOWN, 2);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
}

/* ---- account-disabled: RFC 4120 7.5.9 (18), MS-KILE 2.2.1 KERB-EXT-ERROR ---- */
static void rule_account_disabled(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *k = F(m, TW_F_KRB_REVOKED), *n = F(m, TW_F_NL_DISABLED);
    if (!k->count && !n->count)
        return;
    gint64 last = MAX(k->count ? k->last_ts : 0, n->count ? n->last_ts : 0);
    bool recovered = last_key_success(m) > last;
    /* KDC_ERR_CLIENT_REVOKED covers disabled, locked out and expired: the
     * KERB-EXT-ERROR NTSTATUS tells which. */
    const char *what = "disabled (or locked out / expired)";
    for (guint i = 0; i < k->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(k->ev, i);
        if (!e->has_ntstatus)
            continue;
        if (e->ntstatus == TW_STATUS_ACCOUNT_DISABLED)
            what = "disabled";
        else if (e->ntstatus == TW_STATUS_ACCOUNT_LOCKED_OUT)
            what = "locked out";
        else if (e->ntstatus == TW_STATUS_ACCOUNT_EXPIRED)
            what = "expired";
    }
    if (n->count)
        what = "disabled";
    TwFinding *f = tw_finding_new("account-disabled", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN, "high");
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf("The machine account %s is %s in Active Directory, so the DC refuses it.%s",
                                 name_of(m), what, recovered ? " A later logon succeeded (re-enabled?)." : "");
    g_autofree char *repair = tw_fix_repair(a, m);
    f->fix = g_strdup_printf(
        "If %s is still in use: `Enable-ADAccount -Identity '%s$'` (ADUC: right-click → Enable Account; "
        "locked out: `Unlock-ADAccount`), then check its secure channel: %s If it was retired on purpose, "
        "unplug it.",
        host, host, repair);
    add_ev(f, m, TW_F_KRB_REVOKED, 4);
    add_ev(f, m, TW_F_NL_DISABLED, 4);
    if (k->count && !F(m, TW_F_KRB_CLIENT_UNKNOWN)->count)
        add_ev(f, m, TW_F_NL_NO_ACCOUNT, 2);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
}

/* ---- trust-failure: MS-ERREF NTSTATUS 0xc000018a/c/d ---- */
static void rule_trust_failure(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *t = F(m, TW_F_TRUST_FAIL);
    if (!t->count)
        return;
    bool recovered = last_key_success(m) > t->last_ts;
    TwFinding *f = tw_finding_new("trust-failure", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN, "medium");
    const TwEvidence *e0 = g_ptr_array_index(t->ev, 0);
    g_autofree char *e0_status = tw_evidence_status_text(e0);
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf(
        "%s reports that its trust relationship with the domain failed (%s): it cannot validate logons "
        "against a domain controller. Users see \"The trust relationship between this workstation and the "
        "primary domain failed\".",
        name_of(m), e0_status ? e0_status : "trust failure");
    g_autofree char *repair = tw_fix_repair(a, m);
    f->fix = g_strdup_printf("Check that %s can reach a DC (DNS, ports 88/135/445/49152+), then repair its secure "
                             "channel: %s If the repair fails, rejoin.",
                             host, repair);
    add_ev(f, m, TW_F_TRUST_FAIL, 6);
    g_ptr_array_add(out, f);
}

/* --previous: a DC whose clock did not move since an earlier capture while the
 * members' did is not the one to blame. */
static bool dc_unmoved(const TwAnalysis *a, TwPrevClock *pc)
{
    for (guint i = 0; a->previous->len && i < a->machine_order->len; i++) {
        const TwMachine *d = g_ptr_array_index(a->machine_order, i);
        if (d->role == TW_ROLE_DC && !d->merged_away && tw_previous_dc_clock(a, d, pc) &&
            pc->kind == TW_PREV_MEMBERS_MOVED)
            return true;
    }
    return false;
}

/* ---- clock-skew: RFC 4120 1.6/7.5.9 (37), MS-KILE 3.1.5.2 (skew recovery) ---- */
static void rule_clock_skew(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *sk = F(m, TW_F_KRB_SKEW);
    /* The offsets at the time of the failures (the last one), not a median
     * across a step: a clock that steps has one offset per interval
     * (analysis/clock.c).  Without failures: the latest interval. */
    gint64 at = sk->count ? sk->last_ts : G_MAXINT64;
    double own = 0, dc = 0;
    bool own_ntp = false;
    bool has_own = tw_clock_offset_at(m, at, &own, &own_ntp);
    bool has_dc = tw_clock_dc_offset_at(a, at, &dc);
    g_autofree char *host = host_of(m);
    g_autofree char *steps = tw_clock_describe_steps(m);
    /* The capture taken on this machine: its clock is the capture clock
     * (offset 0), measured against the DC's samples (issue #9 item 4). */
    const char *vp_how = NULL, *vp_conf = NULL;
    const char *vp = tw_clock_capture_host(a, &vp_how, &vp_conf);
    bool on_capture_host = false;
    for (guint i = 0; vp && i < m->addrs->len; i++)
        if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, vp) == 0)
            on_capture_host = true;
    if (!has_own && on_capture_host && m->role != TW_ROLE_DC) {
        own = 0;
        has_own = true;
    }
    if (m->role == TW_ROLE_DC && !sk->count) {
        /* The DC against the capture host: the capture host is the only
         * outside reference.  More than a day apart is a replayed or
         * re-stamped capture, not a clock.  A DC whose own clock stepped
         * during the capture is the one that moved, whatever the offset. */
        bool off = has_own && ABS(own) > TW_AN_SKEW_WARN_S && ABS(own) <= 86400.0;
        /* Against an earlier capture of the same network (--previous,
         * analysis/previous.c): its clock moved while the members' did not. */
        TwPrevClock pc;
        bool prev = tw_previous_dc_clock(a, m, &pc);
        bool prev_moved = prev && pc.kind == TW_PREV_DC_MOVED;
        if (!off && !steps && !prev_moved)
            return;
        /* Its offset moved as much as the members' since the earlier
         * capture: the capture host's clock moved, not the DC's. */
        if (!steps && prev && pc.kind == TW_PREV_ALL_MOVED)
            return;
        /* The members moved, it did not: they are the ones to fix (said on
         * their records), and its old offset is no new cause. */
        if (!steps && prev && pc.kind == TW_PREV_MEMBERS_MOVED)
            return;
        /* Captured on a member: the capture clock is that member's, and the
         * offset is its own (said on its record), not the DC's. */
        if (!steps && !prev_moved && vp && !on_capture_host && !g_hash_table_contains(a->dc_addrs, vp))
            return;
        /* Logons it refused for skew after its own step (or, moved since an
         * earlier capture, in all of this one): the members' clocks did not
         * move, its did. */
        guint refused = steps      ? tw_clock_skew_refusals_by(a, m, tw_clock_last_step(m))
                        : prev_moved ? tw_clock_skew_refusals_by(a, m, G_MININT64)
                                     : 0;
        TwFinding *f = tw_finding_new("clock-skew", refused ? TW_STATE_BROKEN : TW_STATE_AT_RISK,
                                      steps || prev_moved ? "medium" : "low");
        f->has_offset = false;
        g_autofree char *since = refused ? g_strdup_printf(" %s it refused %u logon%s with KRB_AP_ERR_SKEW.",
                                                           steps ? "Since then" : "In this capture", refused,
                                                           refused == 1 ? "" : "s")
                                         : g_strdup("");
        g_autofree char *prev_note = prev ? tw_previous_clock_note(a, &pc) : g_strdup("");
        if (steps)
            f->summary = g_strdup_printf(
                "The clock of domain controller %s moved during the capture: %s; it is now %+.0f s off the "
                "capture host's clock.%s%s The DC is the host whose clock changed: fix its time source, not the "
                "members.",
                name_of(m), steps, own, since, prev_note);
        else if (prev_moved)
            f->summary = g_strdup_printf("The clock of domain controller %s is %+.0f s off the capture host's "
                                         "clock.%s%s",
                                         name_of(m), own, prev_note, since);
        else if (prev)
            f->summary = g_strdup_printf(
                "The clock of domain controller %s is %+.0f s off the capture host's clock.%s", name_of(m), own,
                prev_note);
        else
            f->summary = g_strdup_printf(
                "The clock of domain controller %s is %+.0f s off the capture host's clock. If the capture host "
                "keeps good time, every member that syncs from this DC inherits the error.",
                name_of(m), own);
        f->fix = tw_fix_clock(a, m);
        g_ptr_array_add(out, f);
        return;
    }
    if (m->role == TW_ROLE_DC)
        return;
    bool has_rel = has_own;
    double rel = has_own ? own - (has_dc ? dc : 0) : 0;
    /* A KRB-ERROR carrying both ctime and stime measures the pair directly. */
    bool estimated = false;
    for (guint i = 0; i < sk->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(sk->ev, i);
        /* exact (ctime and stime) beats estimated; the latest wins */
        if (e->has_value && (!e->value_estimated || !has_rel || estimated)) {
            rel = e->value;
            has_rel = true;
            estimated = e->value_estimated;
        }
    }
    /* An NTP packet the machine sent carries its clock in the clear
     * (RFC 5905 7.3 transmit timestamp): a measurement, better than the
     * AS-REQ-till heuristic or a ctime echoed by the KDC.  Compared with the
     * DC's own samples (its NTP replies, KRB-ERROR stime) when there are any. */
    bool by_ntp = has_own && own_ntp;
    if (by_ntp) {
        rel = own - (has_dc ? dc : 0);
        has_rel = true;
        estimated = false;
    }
    /* A verdict never contradicts its evidence: refused with
     * KRB_AP_ERR_SKEW means more than 5 minutes apart at that time, so an
     * offset inside the tolerance is not the failing exchange's clock. */
    bool contradicted = false;
    double contradicted_s = rel;
    if (sk->count && has_rel && ABS(rel) <= TW_AN_SKEW_LIMIT_S) {
        has_rel = false;
        contradicted = true;
    }
    if (!sk->count && (!has_rel || ABS(rel) <= TW_AN_SKEW_WARN_S))
        return;
    /* The KDC accepted its pre-authentication timestamp (an AS-REP) and
     * never answered KRB_AP_ERR_SKEW: its clock was within the 5-minute
     * tolerance (RFC 4120 5.2.7.2), so a sample saying otherwise is not its
     * clock (a bogus NTLMv2 client time, a FILETIME from another source).
     * Only its own NTP packets, a direct reading, outrank that. */
    if (!sk->count && !by_ntp && ABS(rel) > TW_AN_SKEW_LIMIT_S && F(m, TW_F_KRB_AS_OK)->count)
        return;
    if (!sk->count && ABS(rel) > 86400.0 && !has_dc)
        return; /* capture clock, not the machine's */
    TwState st = TW_STATE_AT_RISK;
    const char *conf = "medium";
    if (sk->count) {
        st = TW_STATE_BROKEN;
        conf = "high";
        /* Windows retries with the KDC's time (MS-KILE 3.1.5.2): a later
         * success means it copes, but its clock is still wrong. */
        if (F(m, TW_F_KRB_AS_OK)->count && F(m, TW_F_KRB_AS_OK)->last_ts > sk->last_ts)
            st = TW_STATE_AT_RISK;
    } else if (!has_dc) {
        conf = "low";
    }
    TwFinding *f = tw_finding_new("clock-skew", st, conf);
    f->has_offset = has_rel;
    f->offset_s = rel;
    GString *s = g_string_new(NULL);
    if (has_rel) {
        g_string_append_printf(s, "%s's clock is %s%.0f s %s the domain controller's%s%s", name_of(m),
                               estimated ? "about " : "", ABS(rel), rel >= 0 ? "ahead of" : "behind",
                               by_ntp ? " (measured from the time in its NTP packets)"
                               : on_capture_host && own == 0 && !estimated
                                   ? " (the capture was taken on it, so its clock is the capture clock, "
                                     "measured against the DC's)"
                                   : "",
                               estimated ? " (estimated from the end time its AS-REQ asked for)"
                               : has_dc || has_own == false ? "" : " (measured against the capture host)");
        if (ABS(rel) > TW_AN_SKEW_LIMIT_S)
            g_string_append(s, ", beyond Kerberos' 5-minute tolerance");
        else if (!sk->count)
            g_string_append(s, ", drifting toward Kerberos' 5-minute tolerance");
    } else {
        g_string_append_printf(s, "%s's clock and the domain controller's differ by more than 5 minutes", name_of(m));
        TwPrevClock upc;
        if (dc_unmoved(a, &upc)) {
            g_autofree char *since = tw_previous_since(upc.report, a);
            g_string_append_printf(s, "; the members' clocks moved by %+.0f s %s and the domain controller's did "
                                      "not, so this member's clock is the one to fix",
                                   upc.moved_s, since);
        } else if (has_dc && ABS(dc) > TW_AN_SKEW_LIMIT_S && ABS(dc) < 86400.0)
            g_string_append_printf(s, "; the DC's own clock is %+.0f s off the capture host's, so the DC may be "
                                      "the one that is wrong",
                                   dc);
        else if (has_dc && ABS(dc) < 60.0)
            g_string_append_printf(s, " (the exact offset is not on the wire). The DC's clock agrees with the "
                                      "capture host's (%+.1f s), so %s's clock is the wrong one",
                                   ABS(dc) < 0.05 ? 0.0 : dc, host);
    }
    if (contradicted)
        g_string_append_printf(s, "; the clock samples at that time (%+.0f s) are not the failing exchange's clock",
                               contradicted_s);
    if (steps)
        g_string_append_printf(s, "; %s", steps);
    bool dc_moved = false;
    if (has_dc && !steps) {
        const char *dc_steps = tw_clock_dc_steps(a);
        if (dc_steps) {
            g_string_append_printf(s, "; the domain controller's own clock moved during the capture (%s): "
                                      "fix the DC's time source, not this member",
                                   dc_steps + strlen("its clock "));
            dc_moved = true;
        }
    }
    /* Against an earlier capture (--previous): the DC's clock moved and the
     * members' did not, or this member's moved and the DC's did not. */
    TwPrevClock pc;
    const TwMachine *moved_dc = !dc_moved ? tw_previous_dc_moved(a, &pc) : NULL;
    if (moved_dc) {
        g_autofree char *since = tw_previous_since(pc.report, a);
        g_string_append_printf(s, "; the domain controller's clock moved by %+.0f s %s: the members are not the "
                                  "ones to fix; fix the DC's time source, not this member",
                               pc.moved_s, since);
        dc_moved = true;
    } else if (!dc_moved) {
        const TwPrevReport *pr = NULL;
        double md = 0;
        if (tw_previous_member_delta(a, m, &pr, &md) && ABS(md) > TW_AN_SKEW_WARN_S) {
            g_autofree char *since = tw_previous_since(pr, a);
            g_string_append_printf(s, "; its own clock moved by %+.0f s %s, the domain controller's did not", md,
                                   since);
        }
    }
    g_string_append_c(s, '.');
    if (sk->count)
        g_string_append_printf(s, " %u request%s refused with KRB_AP_ERR_SKEW: Kerberos logons and service access "
                                  "fail (the password itself is fine).",
                               sk->count, sk->count == 1 ? " was" : "s were");
    if (st == TW_STATE_AT_RISK && sk->count) {
        /* Who corrected the time is the client's Kerberos library: Windows
         * (MS-KILE 3.1.5.2), MIT and Heimdal (kdc_timesync, on by default,
         * from the KRB-ERROR's stime); name it only as the capture shows it. */
        TwOs os = tw_machine_os(m);
        g_string_append(s, os == TW_OS_WINDOWS ? " Windows retried with the DC's time"
                           : os == TW_OS_UNIX  ? " Its Kerberos library (MIT/Heimdal kdc_timesync) retried with the "
                                                 "DC's time"
                                               : " The client retried with the DC's time");
        g_string_append(s, " and succeeded, but the clock is still wrong.");
    }
    if (F(m, TW_F_KRB_KEY_FAIL)->count || F(m, TW_F_NL_AUTH_DENIED)->count)
        g_string_append(s, " Its broken secure channel also stops authenticated time sync (MS-SNTP), which "
                           "explains the drift.");
    f->summary = g_string_free(s, FALSE);
    f->fix = dc_moved ? tw_fix_clock_dc_moved(m) : tw_fix_clock(a, m);
    add_ev(f, m, TW_F_KRB_SKEW, 6);
    if (by_ntp)
        add_ev(f, m, TW_F_CLOCK_NTP, 2);
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- rotation: MS-NRPC 3.5.4.4.5 (NetrServerPasswordSet2), RFC 3244 ---- */
static void rule_rotation(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *rq = F(m, TW_F_PWSET_REQ), *ok = F(m, TW_F_PWSET_OK), *bad = F(m, TW_F_PWSET_FAIL);
    if (!rq->count && !ok->count && !bad->count)
        return;
    gint64 changed = ok->count ? ok->last_ts : rq->count ? rq->last_ts : 0;
    /* A key failure soon after the change: the new password did not reach
     * the DC that answered, or a clone still uses the old one. */
    gint64 fail_after = 0;
    const TwFact *kf[] = { F(m, TW_F_KRB_KEY_FAIL), F(m, TW_F_NL_AUTH_DENIED), F(m, TW_F_NTLM_FAIL) };
    for (gsize i = 0; i < G_N_ELEMENTS(kf); i++)
        for (guint j = 0; j < kf[i]->ev->len; j++) {
            const TwEvidence *e = g_ptr_array_index(kf[i]->ev, j);
            if (changed && e->ts_us > changed && e->ts_us - changed <= TW_AN_ROTATION_FAIL_US &&
                (!fail_after || e->ts_us < fail_after))
                fail_after = e->ts_us;
        }
    bool recovered = fail_after && last_key_success(m) > MAX(MAX(F(m, TW_F_KRB_KEY_FAIL)->last_ts,
                                                                 F(m, TW_F_NL_AUTH_DENIED)->last_ts),
                                                             F(m, TW_F_NTLM_FAIL)->last_ts);
    TwFinding *f;
    g_autofree char *when = changed ? fmt_time(changed) : g_strdup("?");
    if (fail_after) {
        f = tw_finding_new("rotation", recovered ? TW_STATE_RECOVERED : TW_STATE_BROKEN, "high");
        g_autofree char *fa = fmt_time(fail_after);
        f->summary = g_strdup_printf(
            "%s changed its machine password at %s%s, and at %s the DC rejected its password: the new password "
            "did not reach the DC that answered (AD replication), or another copy of this machine still uses "
            "the old one.",
            name_of(m), when, ok->count ? " (accepted)" : "", fa);
        g_autofree char *repair = tw_fix_repair(a, m);
        f->fix = g_strdup_printf("Check AD replication (`repadmin /showrepl`, `repadmin /replsummary`; Samba DCs: "
                                 "`samba-tool drs showrepl`); then repair the secure channel: %s If a clone exists, "
                                 "see duplicate-identity.",
                                 repair);
        add_ev(f, m, TW_F_PWSET_REQ, 2);
        add_ev(f, m, TW_F_PWSET_OK, 2);
        add_ev(f, m, TW_F_KRB_KEY_FAIL, 3);
        add_ev(f, m, TW_F_NL_AUTH_DENIED, 3);
    } else if (bad->count && (!ok->count || bad->last_ts > ok->last_ts)) {
        f = tw_finding_new("rotation", TW_STATE_AT_RISK, "high");
        const TwEvidence *e = g_ptr_array_index(bad->ev, bad->ev->len - 1);
        g_autofree char *refusal = tw_evidence_status_text(e);
        f->summary = g_strdup_printf(
            "%s tried to change its machine password and the DC refused (%s). It keeps the old password for "
            "now; if the refusal persists it will eventually fall out of the domain's password history.",
            name_of(m), refusal ? refusal : "error");
        g_autofree char *chg = tw_fix_change_password(a, m);
        f->fix = g_strdup_printf("Change the password now, %s Check the account's permissions.", chg);
        add_ev(f, m, TW_F_PWSET_REQ, 2);
        add_ev(f, m, TW_F_PWSET_FAIL, 3);
    } else {
        f = tw_finding_new("rotation", TW_STATE_HEALTHY, ok->count ? "high" : "medium");
        f->summary = g_strdup_printf("%s rotated its machine password at %s%s — normal maintenance (every 30 days "
                                     "by default).",
                                     name_of(m), when, ok->count ? " and the DC accepted it" : " (outcome not seen)");
        f->fix = g_strdup("Nothing to do.");
        add_ev(f, m, TW_F_PWSET_REQ, 2);
        add_ev(f, m, TW_F_PWSET_OK, 2);
    }
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- healthy / unknown ---- */
/* ---- foreign-use: issue #10 "Identity", an attacker's address is not the victim's ---- */
static void rule_foreign_use(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    (void)a;
    for (guint i = 0; i < m->foreign->len; i++) {
        const TwAddrUse *u = &g_array_index(m->foreign, TwAddrUse, i);
        bool zl = (u->foreign_why & TW_FOREIGN_ZEROLOGON) != 0;
        for (guint j = 0; j < m->zl_attackers->len; j++)
            zl |= strcmp(g_ptr_array_index(m->zl_attackers, j), u->addr) == 0;
        /* Zerologon or two independent signs: high; one sign: medium. */
        guint signs = !!(u->foreign_why & TW_FOREIGN_NOT_DC) + !!(u->foreign_why & TW_FOREIGN_MAC) +
                      !!(u->foreign_why & TW_FOREIGN_NTLM_NAME);
        TwFinding *f = tw_finding_new("foreign-use", TW_STATE_AT_RISK, zl || signs >= 2 ? "high" : "medium");
        g_autoptr(GString) why = g_string_new(NULL);
        if (zl)
            g_string_append(why, "the same address sent Zerologon attempts at this account");
        if (u->foreign_why & TW_FOREIGN_NOT_DC)
            g_string_append_printf(why, "%sa domain controller's account authenticates from a DC's own address, "
                                        "and this one serves neither Kerberos nor NETLOGON",
                                   why->len ? "; " : "");
        if (u->foreign_why & (TW_FOREIGN_MAC | TW_FOREIGN_NTLM_NAME))
            g_string_append_printf(why, "%sno AS-REQ or NETLOGON of %s came from there", why->len ? "; " : "",
                                   name_of(m));
        if (u->foreign_why & TW_FOREIGN_MAC) {
            const char *home_mac = NULL;
            for (guint j = 0; j < m->addrs->len && !home_mac; j++) {
                const TwAddrUse *h = &g_array_index(m->addrs, TwAddrUse, j);
                if (h->own && h->mac[0])
                    home_mac = h->mac;
            }
            g_string_append_printf(why, "; its MAC %s is not the machine's (%s)", u->mac[0] ? u->mac : "?",
                                   home_mac ? home_mac : "?");
        }
        if (u->foreign_why & TW_FOREIGN_NTLM_NAME) {
            const char *claimed = g_hash_table_lookup(a->ws_claims, u->addr);
            g_string_append_printf(why, "; it calls itself %s in NTLMSSP", claimed ? claimed : "another computer");
        }
        /* The actor's own uses: evidence here, never counted for the machine. */
        guint ok = 0, uses = 0;
        const TwFact *fx = F(m, TW_F_FOREIGN);
        for (guint j = 0; j < fx->ev->len; j++) {
            TwEvidence *e = g_ptr_array_index(fx->ev, j);
            if (strcmp(e->src, u->addr) != 0 && strcmp(e->dst, u->addr) != 0)
                continue;
            uses++;
            if ((e->krb_msg_type == 11 || e->krb_msg_type == 13) || (e->has_ntstatus && e->ntstatus == 0))
                ok++;
            if (f->evidence->len < 6)
                g_ptr_array_add(f->evidence, e);
        }
        g_autofree char *oks = ok ? g_strdup_printf("; %u of its uses succeeded, and they are not counted as %s's own",
                                                    ok, name_of(m))
                                  : g_strdup("");
        f->summary = g_strdup_printf(
            "%s credentials used from %s%s%s%s (%u message%s): not this machine's address (%s), a separate "
            "actor — someone else holds or forged its secret%s.",
            name_of(m), u->addr, u->mac[0] ? " (" : "", u->mac, u->mac[0] ? ")" : "", u->n_ok,
            u->n_ok == 1 ? "" : "s", why->len ? why->str : "an address of another actor", oks);
        f->fix = g_strdup_printf("Treat %s as compromised: isolate it, then reset %s's password twice.", u->addr,
                                 name_of(m));
        sort_ev(f);
        g_ptr_array_add(out, f);
        (void)uses;
    }
}

/* ---- time-source: issue #9 item 5, one wrong time server behind a fleet's skew ---- */

/* A follower's state: broken while it keeps failing (refused after its
 * last AS-REP), at risk when it recovered by itself or was never refused
 * (docs/detections.md, clock-skew severity). */
static TwState skew_state(const TwMachine *x)
{
    const TwFact *sk = F(x, TW_F_KRB_SKEW);
    if (!sk->count)
        return TW_STATE_AT_RISK;
    return F(x, TW_F_KRB_AS_OK)->count && F(x, TW_F_KRB_AS_OK)->last_ts > sk->last_ts ? TW_STATE_AT_RISK
                                                                                    : TW_STATE_BROKEN;
}

static const TwMachine *machine_at(const TwAnalysis *a, const char *addr)
{
    const char *key = addr ? g_hash_table_lookup(a->ip_owner, addr) : NULL;
    if (!key) {
        g_autofree char *ipkey = addr ? g_strdup_printf("ip:%s", addr) : NULL;
        return ipkey ? g_hash_table_lookup(a->machines, ipkey) : NULL;
    }
    return g_hash_table_lookup(a->machines, key);
}

static bool serves_wrong_time(const TwAnalysis *a, const TwMachine *m)
{
    for (guint i = 0; i < m->addrs->len; i++)
        if (g_hash_table_contains(a->ntp_off_clients, g_array_index(m->addrs, TwAddrUse, i).addr))
            return true;
    return false;
}

static void rule_time_source(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    if (m->role == TW_ROLE_DC)
        return;
    const TwMachine *server = NULL;
    if (serves_wrong_time(a, m)) {
        server = m;
    } else {
        for (guint i = 0; i < m->addrs->len && !server; i++) {
            const TwMachine *s = machine_at(a, g_hash_table_lookup(a->ntp_server_of, g_array_index(m->addrs, TwAddrUse, i).addr));
            if (s && s != m && serves_wrong_time(a, s))
                server = s;
        }
    }
    if (!server)
        return;
    double med = 0;
    g_autoptr(GPtrArray) fol = tw_clock_time_source_followers(a, server, &med);
    if (!fol->len)
        return;
    bool explained = server == m;
    for (guint i = 0; i < fol->len && !explained; i++)
        explained = g_ptr_array_index(fol, i) == m;
    if (!explained)
        return;
    /* The server's own clock, from its replies, against the DC's. */
    double srv_own = 0, dc = 0;
    bool has_srv = tw_clock_offset_at(server, G_MAXINT64, &srv_own, NULL);
    tw_clock_dc_offset_at(a, G_MAXINT64, &dc);
    double srv_rel = srv_own - dc;
    if (has_srv && ABS(srv_rel - med) > TW_AN_TIME_SOURCE_SPREAD_S)
        return; /* the server's time is not the followers' error: not their source */
    TwState st = TW_STATE_AT_RISK;
    g_autoptr(GString) names = g_string_new(NULL);
    for (guint i = 0; i < fol->len; i++) {
        const TwMachine *x = g_ptr_array_index(fol, i);
        if (skew_state(x) == TW_STATE_BROKEN)
            st = TW_STATE_BROKEN;
        g_string_append_printf(names, "%s%s", i ? ", " : "", name_of(x));
    }
    if (server != m)
        st = skew_state(m);
    g_autofree char *srv_addr = g_strdup(server->addrs->len ? g_array_index(server->addrs, TwAddrUse, 0).addr : name_of(server));
    TwFinding *f = tw_finding_new("time-source", st, has_srv ? "high" : "medium");
    f->has_offset = server == m && has_srv;
    f->offset_s = srv_rel;
    g_autofree char *srv_note = has_srv ? g_strdup_printf("; its own replies say %+.0f s", srv_rel) : g_strdup("");
    if (server == m)
        f->summary = g_strdup_printf(
            "Time server %s is the source of the skew: %u machines take their time from it (NTP seen) and are "
            "all about %+.0f s off the domain controller's clock (%s)%s. Fix this server's clock, not the "
            "clients.",
            srv_addr, fol->len, med, names->str, srv_note);
    else
        f->summary = g_strdup_printf("%s takes its time from %s, which serves a wrong time: %u machines that follow "
                                     "it are about %+.0f s off the domain controller's clock (%s).",
                                     name_of(m), srv_addr, fol->len, med, names->str);
    f->fix = g_strdup_printf("Correct the clock of time server %s (point it at a reliable source); its clients "
                             "follow it once it is right.",
                             srv_addr);
    add_ev(f, server, TW_F_CLOCK_NTP, 2);
    if (server != m)
        add_ev(f, m, TW_F_KRB_SKEW, 2);
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* ---- ticket findings: issue #10 "Failures that are dropped" (docs/detections.md "Ticket findings") ---- */

/* Clients ask the KDC for tickets to m's services and it knows no such name. */
static void rule_spn_unknown(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *u = F(m, TW_F_SPN_UNKNOWN);
    if (!u->count || F(m, TW_F_KRB_CLIENT_UNKNOWN)->count || F(m, TW_F_NL_NO_ACCOUNT)->count)
        return; /* account-missing says more, with these frames */
    bool recovered = F(m, TW_F_SRV_AP_OK)->count && F(m, TW_F_SRV_AP_OK)->last_ts > u->last_ts;
    TwFinding *f = tw_finding_new("spn-unknown", recovered ? TW_STATE_RECOVERED : TW_STATE_AT_RISK, "medium");
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf(
        "Clients cannot get Kerberos tickets for %s's services: %u request%s answered KDC_ERR_S_PRINCIPAL_UNKNOWN "
        "(no account holds the service name). %s's account lacks that name (renamed, rejoined under another "
        "name, the SPN removed), so clients fall back to NTLM or fail.%s",
        name_of(m), u->count, u->count == 1 ? " was" : "s were", host,
        recovered ? " Later a ticket for it was accepted." : "");
    f->fix = g_strdup_printf("List the names the account holds (`setspn -L %s`) and add the missing one "
                             "(`setspn -S <service>/<name> %s`); if the machine was renamed, rejoin it under its "
                             "new name.",
                             host, host);
    add_ev(f, m, TW_F_SPN_UNKNOWN, 4);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
}

/* The KDC could not read m's TGT: a ticket from before a krbtgt reset, from
 * another realm's or an RODC's key. */
static void rule_tgt_refused(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *r = F(m, TW_F_TK_TGT_REFUSED);
    if (!r->count)
        return;
    bool recovered = F(m, TW_F_KRB_TGS_OK)->count && F(m, TW_F_KRB_TGS_OK)->last_ts > r->last_ts;
    TwFinding *f = tw_finding_new("tgt-refused", recovered ? TW_STATE_RECOVERED : TW_STATE_AT_RISK, "low");
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf(
        "The KDC refused %s's ticket-granting ticket %u time%s (KRB_AP_ERR_MODIFIED/BADKEYVER on a TGS-REQ): "
        "the TGT was made with a krbtgt key this DC does not hold (a krbtgt reset, a TGT from an RODC or another "
        "DC that did not replicate it). Its machine password is not the problem.%s",
        name_of(m), r->count, r->count == 1 ? "" : "s",
        recovered ? " A later service ticket was issued: it got a new TGT." : "");
    g_autofree char *clear = tw_fix_os_choice(m, g_strdup_printf("on %s `klist -li 0x3e7 purge` (the machine's "
                                                                 "own tickets), then a new logon",
                                                                 host),
                                              g_strdup_printf("on %s `kdestroy` for the machine's keytab cache and "
                                                              "`kinit -k '%s'`",
                                                              host, m->account ? m->account : host));
    f->fix = g_strdup_printf("Let %s get a new TGT: %s. If it keeps happening, check replication of krbtgt "
                             "between the DCs.",
                             host, clear);
    add_ev(f, m, TW_F_TK_TGT_REFUSED, 4);
    if (recovered)
        add_ev(f, m, TW_F_KRB_TGS_OK, 1);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
}

/* m's S4U2Self for users the domain does not know: a tool holding m's key. */
static void rule_s4u_unknown(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *s4u = F(m, TW_F_TK_S4U_UNKNOWN);
    if (!s4u->count)
        return;
    TwFinding *f = tw_finding_new("s4u-unknown-user", TW_STATE_AT_RISK, "medium");
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf(
        "%s asked %u time%s for S4U2Self tickets for users the domain does not know "
        "(KDC_ERR_C_PRINCIPAL_UNKNOWN). Impersonating users that do not exist is a forged or deleted user, or an "
        "attack tool holding %s's key (resource-based constrained delegation): its secret may be in someone "
        "else's hands.",
        name_of(m), s4u->count, s4u->count == 1 ? "" : "s", name_of(m));
    f->fix = g_strdup_printf("Find out who controls %s (who created or last reset the account, its "
                             "msDS-AllowedToActOnBehalfOfOtherIdentity), then reset its password twice.",
                             name_of(m));
    add_ev(f, m, TW_F_TK_S4U_UNKNOWN, 4);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
    (void)host;
}

/* Tickets for m's services issued with RC4 while the domain issues AES. */
static void rule_rc4_ticket(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *rc4 = F(m, TW_F_TK_RC4);
    if (!rc4->count || !a->tickets || !a->tickets->aes_tickets)
        return; /* a domain without AES tickets in the capture is no downgrade */
    bool offered = false;
    for (guint i = 0; i < rc4->ev->len; i++)
        offered |= ((const TwEvidence *)g_ptr_array_index(rc4->ev, i))->has_value;
    TwFinding *f = tw_finding_new("rc4-service-ticket", TW_STATE_AT_RISK, offered ? "medium" : "low");
    g_autofree char *host = host_of(m);
    f->summary = g_strdup_printf(
        "%u ticket%s for %s's services %s issued with RC4 while the domain issues AES tickets%s: %s's "
        "msDS-SupportedEncryptionTypes lacks AES (or the account has no AES keys since an old password), or a "
        "skeleton key forces RC4 on the DC. A downgrade: RC4 tickets are the ones Kerberoasting cracks.",
        rc4->count, rc4->count == 1 ? "" : "s", name_of(m), rc4->count == 1 ? "was" : "were",
        offered ? " and the client offered AES" : "", name_of(m));
    f->fix = g_strdup_printf("Check `Get-ADComputer %s -Properties msDS-SupportedEncryptionTypes` (AES: 0x18); "
                             "reset the machine password once so it gets AES keys; if the account already has "
                             "AES, check the DC's LSASS for a skeleton key.",
                             host);
    add_ev(f, m, TW_F_TK_RC4, 4);
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* DRSGetNCChanges with m's credentials from an address that is no DC's. */
static void rule_dcsync(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    const TwFact *d = F(m, TW_F_TK_DCSYNC);
    if (!d->count || !a->tickets)
        return;
    TwFinding *f = NULL;
    g_autoptr(GString) from = g_string_new(NULL);
    for (guint i = 0; i < d->ev->len; i++) {
        TwEvidence *e = g_ptr_array_index(d->ev, i);
        /* tickets.h tw_tickets_drs_from_non_dc: no KDC, NETLOGON or DRSUAPI server there */
        if (g_hash_table_contains(a->dc_addrs, e->src) || g_hash_table_contains(a->tickets->drs_servers, e->src))
            continue;
        if (!f)
            f = tw_finding_new("dcsync-non-dc", TW_STATE_AT_RISK, "high");
        g_ptr_array_add(f->evidence, e);
        if (!strstr(from->str, e->src))
            g_string_append_printf(from, "%s%s", from->len ? ", " : "", e->src);
    }
    if (!f)
        return;
    f->summary = g_strdup_printf(
        "%s's credentials called DRSGetNCChanges (MS-DRSR 4.1.10: replicate the directory, password hashes "
        "included) from %s, which is not a domain controller in this capture. That is DCSync: %s's secret is in "
        "someone else's hands.",
        name_of(m), from->str, name_of(m));
    f->fix = g_strdup_printf("Treat it as a security incident: isolate %s, reset %s's password twice, and assume "
                             "every password of the domain was read (krbtgt twice, then the privileged accounts).",
                             from->str, name_of(m));
    sort_ev(f);
    g_ptr_array_add(out, f);
}

/* "LEAD N NOUN[s]TAIL" ("%s %u NOUN%s TAIL" with the plural 's' unless N
 * is 1), written without printf: the healthy summary of every machine is
 * made of these, and a busy DC's capture has thousands of machines. */
static void append_counted(GString *s, const char *lead, guint n, const char *noun, const char *tail)
{
    char buf[12];
    char *p = buf + sizeof buf;
    *--p = 0;
    guint v = n;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append(s, lead);
    g_string_append_c(s, ' ');
    g_string_append(s, p);
    g_string_append(s, noun);
    if (n != 1)
        g_string_append_c(s, 's');
    g_string_append(s, tail);
}

static void rule_healthy(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    guint as = F(m, TW_F_KRB_AS_OK)->count, tgs = F(m, TW_F_KRB_TGS_OK)->count,
          nl = F(m, TW_F_NL_AUTH_OK)->count + F(m, TW_F_NTLM_OK)->count, ap = F(m, TW_F_SRV_AP_OK)->count,
          pre = F(m, TW_F_KRB_PREAUTH_REQ)->count;
    if (!as && !tgs && !nl && !ap && m->role == TW_ROLE_DC && !out->len) {
        TwFinding *f = tw_finding_new("healthy", TW_STATE_HEALTHY, "low");
        f->summary = g_strdup_printf("%s answers as a domain controller.", name_of(m));
        f->fix = g_strdup("Nothing to do.");
        g_ptr_array_add(out, f);
        return;
    }
    /* A bare PREAUTH_REQUIRED proves little: not worth a line next to a failure. */
    if (!as && !tgs && !nl && !ap && (!pre || out->len))
        return;
    const char *conf = as || nl ? "high" : tgs || ap ? "medium" : "low";
    TwFinding *f = tw_finding_new("healthy", TW_STATE_HEALTHY, conf);
    GString *s = g_string_sized_new(160);
    g_string_append(s, name_of(m));
    g_string_append(s, " proved itself to the domain:");
    if (as)
        append_counted(s, "", as, " TGT", " with its password (AS-REP)");
    if (tgs)
        append_counted(s, as ? "," : "", tgs, " service ticket", " (TGS-REP)");
    guint nlc = F(m, TW_F_NL_AUTH_OK)->count, ntlmc = F(m, TW_F_NTLM_OK)->count;
    if (nlc)
        append_counted(s, as || tgs ? "," : "", nlc, " NETLOGON secure channel", "");
    if (ntlmc)
        append_counted(s, as || tgs || nlc ? "," : "", ntlmc, " NTLM logon", " as itself");
    if (ap)
        append_counted(s, as || tgs || nl ? "," : "", ap, " ticket", " accepted by its services");
    if (!as && !tgs && !nl && !ap)
        g_string_append(s, " only the normal pre-authentication request (KDC_ERR_PREAUTH_REQUIRED) was seen: "
                           "the account exists and is enabled");
    g_string_append_c(s, '.');
    f->summary = g_string_free(s, FALSE);
    f->fix = g_strdup("Nothing to do.");
    add_ev(f, m, TW_F_KRB_AS_OK, 1);
    add_ev(f, m, TW_F_NL_AUTH_OK, 1);
    add_ev(f, m, TW_F_KRB_TGS_OK, 1);
    add_ev(f, m, TW_F_SRV_AP_OK, 1);
    add_ev(f, m, TW_F_NTLM_OK, 1);
    if (!as && !tgs && !nl && !ap)
        add_ev(f, m, TW_F_KRB_PREAUTH_REQ, 1);
    sort_ev(f);
    g_ptr_array_add(out, f);
    (void)a;
}

static void rule_unknown(const TwAnalysis *a, const TwMachine *m, GPtrArray *out)
{
    if (out->len)
        return; /* runs last: only when nothing else said anything */
    TwFinding *f = tw_finding_new("unknown", TW_STATE_UNKNOWN, "low");
    f->summary = g_strdup_printf("%s appears in the capture (%s) but never proved or failed to prove itself.",
                                 name_of(m), m->role == TW_ROLE_DC ? "as a domain controller" : "by name or address");
    f->fix = g_strdup("Capture longer, or at the machine's boot or logon.");
    add_ev(f, m, TW_F_SEEN, 1);
    g_ptr_array_add(out, f);
    (void)a;
}

/* ---- password-spray: many users, one address (RFC 4120 7.5.9: 24, 31) ---- */

static void spray_free(gpointer p)
{
    TwSpray *s = p;
    g_ptr_array_unref(s->users);
    g_free(s);
}

/* Users are not machines: a spray is found over the user failures, not in a
 * machine's facts.  Pre-authentication failed (24), or the KDC could not
 * decrypt the timestamp (31), for TW_AN_SPRAY_MIN_USERS distinct users from
 * one address: someone is trying passwords, or a service runs with stale
 * credentials for many accounts. */
GPtrArray *tw_rules_sprays(const TwAnalysis *a)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(spray_free);
    for (guint i = 0; i < a->users->len; i++) {
        const TwUserFailure *u = g_ptr_array_index(a->users, i);
        if (u->krb_error != TW_KRB5_ERR_PREAUTH_FAILED && u->krb_error != TW_KRB5_ERR_AP_BAD_INTEGRITY)
            continue;
        TwSpray *s = NULL;
        for (guint j = 0; j < all->len && !s; j++)
            if (strcmp(((TwSpray *)g_ptr_array_index(all, j))->addr, u->addr) == 0)
                s = g_ptr_array_index(all, j);
        if (!s) {
            s = g_new0(TwSpray, 1);
            g_strlcpy(s->addr, u->addr, sizeof s->addr);
            s->users = g_ptr_array_new();
            s->first_frame = u->first_frame;
            s->source = u->source;
            g_ptr_array_add(all, s);
        }
        bool seen = false;
        for (guint j = 0; j < s->users->len; j++)
            seen |= g_ascii_strcasecmp(g_ptr_array_index(s->users, j), u->user) == 0;
        if (!seen)
            g_ptr_array_add(s->users, u->user);
        s->failures += u->count;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(spray_free);
    for (guint j = 0; j < all->len; j++) {
        TwSpray *s = g_ptr_array_index(all, j);
        if (s->users->len >= TW_AN_SPRAY_MIN_USERS)
            g_ptr_array_add(out, g_ptr_array_steal_index(all, j--));
    }
    return out;
}

/* The table.  Order = evaluation order; priority breaks ties between
 * findings of the same state when choosing the verdict (lower first). */
const TwRule tw_rules[] = {
    { "zerologon", "Zerologon attack (CVE-2020-1472)", "CVE-2020-1472; MS-NRPC 3.1.4.1, 3.1.4.4, 3.5.4.4.5", 0, rule_zerologon },
    { "dcsync-non-dc", "Directory replicated from a non-DC (DCSync)", "MS-DRSR 4.1.10 (IDL_DRSGetNCChanges)", 5, rule_dcsync },
    { "s4u-unknown-user", "S4U2Self for users that do not exist", "MS-SFU 3.2.5.1.1; RFC 4120 7.5.9 (6)", 6, rule_s4u_unknown },
    { "duplicate-identity", "One account, two machines (clone)", "MS-NRPC 3.5.4.4.2, 3.5.4.4.5; KB810977 (event 5722)", 10, rule_duplicate },
    { "interrupted-rotation", "Password change without an answer", "MS-NRPC 3.5.4.4.5 (NetrServerPasswordSet2); RFC 3244 (kpasswd)", 20, tw_fleet_rule_interrupted },
    { "dc-replication", "A domain controller lags (replication)", "MS-ADTS 3.1.1.1.9 (USN), MS-DRSR 4.1.10 (GetNCChanges); RFC 4120 7.5.9 (24)", 30, tw_fleet_rule_replication },
    { "rotation", "Machine password change", "MS-NRPC 3.5.4.4.5 (NetrServerPasswordSet2); RFC 3244 (kpasswd)", 40, rule_rotation },
    { "account-missing", "Machine account missing", "RFC 4120 7.5.9 (6); MS-NRPC 3.5.4.4.2 (STATUS_NO_TRUST_SAM_ACCOUNT)", 50, rule_account_missing },
    { "account-disabled", "Machine account disabled", "RFC 4120 7.5.9 (18); MS-KILE 2.2.1 (KERB-EXT-ERROR)", 60, rule_account_disabled },
    { "stale-password", "Stale machine password", "RFC 4120 7.5.9 (24, 31); MS-KILE 3.3.5.7.1; MS-NRPC 3.5.4.4.2", 70, rule_stale_password },
    { "server-key-mismatch", "Service holds a stale key", "RFC 4120 3.2.3, 7.5.9 (41, 44); MS-KILE 3.4.5.1", 80, rule_server_key },
    { "spn-unknown", "Its service names are unknown to the KDC", "RFC 4120 7.5.9 (7); MS-KILE 3.3.5.6", 85, rule_spn_unknown },
    { "trust-failure", "Trust relationship failed", "MS-ERREF 2.3.1 (0xC000018A/C/D); MS-NRPC 3.5.4", 90, rule_trust_failure },
    { "tgt-refused", "The KDC refused its TGT", "RFC 4120 3.3.3.1, 7.5.9 (41, 44)", 95, rule_tgt_refused },
    { "clock-skew", "Clock skew", "RFC 4120 1.6, 5.2.3, 7.5.9 (37); MS-KILE 3.1.5.2; MS-SMB2 2.2.4; MS-NRPC 3.1.4.5", 100, rule_clock_skew },
    { "time-source", "Wrong time source", "RFC 5905 7.3; MS-SNTP; RFC 4120 1.6", 110, rule_time_source },
    { "rc4-service-ticket", "RC4 tickets for its services (downgrade)", "RFC 4757; MS-KILE 3.3.5.7 (msDS-SupportedEncryptionTypes)", 115, rule_rc4_ticket },
    { "healthy", "Healthy", "RFC 4120 3.1.5 (AS-REP); MS-NRPC 3.1.4.2", 120, rule_healthy },
    { "foreign-use", "Account used from another address", "MS-NRPC 3.1.4.1; RFC 4120 3.1", 140, rule_foreign_use },
    { "unknown", "Not enough evidence", "-", 130, rule_unknown },
};
const guint tw_rules_count = G_N_ELEMENTS(tw_rules);

const TwRule *tw_rule_by_name(const char *name)
{
    for (guint i = 0; i < tw_rules_count; i++)
        if (strcmp(tw_rules[i].name, name) == 0)
            return &tw_rules[i];
    return NULL;
}

static int finding_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwFinding *x = *(TwFinding *const *)pa, *y = *(TwFinding *const *)pb;
    if (x->state != y->state)
        return x->state > y->state ? -1 : 1;
    /* Same state: table order (a successful rotation leads "healthy": it is
     * the more specific news about a healthy machine). */
    return x->rule->priority - y->rule->priority;
}

GPtrArray *tw_rules_eval(const TwAnalysis *a, const TwMachine *m)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(tw_finding_free);
    for (guint i = 0; i < tw_rules_count; i++)
        tw_rules[i].eval(a, m, out);
    g_ptr_array_sort(out, finding_cmp);
    return out;
}

bool tw_findings_offset(const TwAnalysis *a, const TwMachine *m, GPtrArray *findings, double *offset_s)
{
    for (guint i = 0; i < findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(findings, i);
        if (f->has_offset) {
            *offset_s = f->offset_s;
            return true;
        }
        if (f->rule && strcmp(f->rule->name, "clock-skew") == 0)
            return false;
    }
    if (m->role == TW_ROLE_DC)
        return false;
    double own, dc;
    if (!tw_machine_clock_offset(m, &own) || !tw_analysis_dc_offset(a, &dc))
        return false;
    *offset_s = own - dc;
    return true;
}

TwState tw_findings_state(GPtrArray *findings)
{
    TwState s = TW_STATE_UNKNOWN;
    for (guint i = 0; i < findings->len; i++) {
        const TwFinding *f = g_ptr_array_index(findings, i);
        if (f->state > s)
            s = f->state;
    }
    return s;
}
