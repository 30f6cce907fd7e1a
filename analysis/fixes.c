/* fixes.c — what to do, for the machine the capture shows: a domain
 * controller has no local administrator and must not be repaired against
 * itself; a Windows member repairs its secure channel against a DC that
 * works; a Samba/Linux member rejoins (`net ads changetrustpw` would log on
 * with the very secret the DC refuses).  The domain and the DC are filled
 * in from the capture; a placeholder only when the capture does not say.
 * docs/detections.md "Fix texts" cites Microsoft's documentation.
 */
#include "analysis.h"
#include "fleet.h"

#include <string.h>

/* "DC1" from "DC1$" (what a person types), or the address. */
static char *typed_host(const TwMachine *m)
{
    if (m->account) {
        gsize n = strlen(m->account);
        return g_strndup(m->account, n && m->account[n - 1] == '$' ? n - 1 : n);
    }
    return g_strdup(m->addrs->len ? g_array_index(m->addrs, TwAddrUse, 0).addr : m->key);
}

static bool in(const GPtrArray *set, const TwMachine *m)
{
    for (guint i = 0; i < set->len; i++)
        if (g_ptr_array_index(set, i) == m)
            return true;
    return false;
}

/* A DC to repair against: one that accepted m's key, else one that accepts
 * other machines and never refused m, else any DC other than m (the DC
 * itself when m is a DC is never an answer).  NULL when none is known. */
static char *working_dc(const TwAnalysis *a, const TwMachine *m)
{
    const GPtrArray *dcs = tw_fleet_dcs(a);
    const TwDcView *best = NULL;
    int best_rank = 0;
    for (guint i = 0; i < dcs->len; i++) {
        const TwDcView *v = g_ptr_array_index(dcs, i);
        if (v->dc == m)
            continue;
        int rank = in(v->accepted, m) ? 3 : in(v->refused, m) ? 1 : v->accepted->len && !v->lagging->len ? 2 : 1;
        if (v->lagging->len || v->only_here->len)
            rank = 0; /* a lagging DC is the wrong place to reset a password */
        if (rank > best_rank || !best) {
            best = v;
            best_rank = rank;
        }
    }
    if (best && best_rank > 0)
        return typed_host(best->dc);
    if (m->role != TW_ROLE_DC) {
        const char *dc = tw_analysis_dc_name(a);
        if (dc) {
            gsize n = strlen(dc);
            return g_strndup(dc, n && dc[n - 1] == '$' ? n - 1 : n);
        }
    }
    return NULL;
}

/* The account an administrator types, in the user-principal form
 * "<admin>@dns.domain": the capture gives the DNS domain (the realm of the
 * machines' AS-REQs), not the NetBIOS name, which provisioning may set to
 * anything (the lab's realm LAB.TRUSTWIRE.TEST has NetBIOS domain TWLAB), so
 * a "FIRSTLABEL\\admin" guess would be wrong; Windows logons, Get-Credential
 * and netdom all take a UPN. A placeholder when no realm was seen. */
static char *admin_account(const TwAnalysis *a)
{
    if (!a->realm || !*a->realm)
        return g_strdup("<DOMAIN>\\<admin>");
    g_autofree char *dns = g_ascii_strdown(a->realm, -1);
    return g_strdup_printf("<admin>@%s", dns);
}

char *tw_fix_stale_password(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *dc = working_dc(a, m);
    g_autofree char *admin = admin_account(a);
    const char *realm = a->realm ? a->realm : "<realm>";
    if (m->role == TW_ROLE_DC)
        return g_strdup_printf(
            "%s is a domain controller: it has no local administrator and must not be repaired against itself. "
            "On %s, as a domain administrator: stop the Kerberos Key Distribution Center service "
            "(`Stop-Service kdc`), run `netdom resetpwd /server:%s /userd:%s /passwordd:*` against "
            "another DC, restart the service (`Start-Service kdc`) and let replication carry the new password.",
            host, host, dc ? dc : "<another DC>", admin);
    return g_strdup_printf(
        "On %s, in Windows PowerShell 5.1 as a local administrator: `Test-ComputerSecureChannel -Repair "
        "-Server %s -Credential %s` (a domain account allowed to reset the machine's password). "
        "A Samba/Linux member instead rejoins: `net ads join -U <admin>` or `realm join %s`. After "
        "restoring a VM snapshot, always repair the secure channel.",
        host, dc ? dc : "<a DC that works>", admin, realm);
}
