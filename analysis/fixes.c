/* fixes.c — what to do, for the machine the capture shows: its role (a
 * domain controller has no local administrator and must not be repaired
 * against itself) and its OS (identity.c's fingerprint: Windows commands for
 * Windows, Samba/SSSD and chrony/timesyncd for Linux, the device's own
 * settings for an embedded SMB client, and each OS's way when the capture
 * does not say).  A Samba/Linux member rejoins (`net ads changetrustpw`
 * would log on with the very secret the DC refuses).  The domain and the DC
 * are filled in from the capture; a placeholder only when it does not say.
 * docs/detections.md "Fix texts" cites the documentation of each command.
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

/* The OS the fix is written for: mixed signs are treated as unknown. */
static TwOs fix_os(const TwMachine *m)
{
    TwOs os = tw_machine_os(m);
    return os == TW_OS_MIXED ? TW_OS_UNKNOWN : os;
}

/* "Windows: …; Linux/Unix: …" for a machine whose OS the capture does not
 * show, else the one that applies.  win/nix/dev are (transfer full), any
 * may be NULL (no such text: dev falls back to nix's, then win's). */
static char *by_os(const TwMachine *m, const char *host, char *win, char *nix, char *dev)
{
    char *out;
    switch (fix_os(m)) {
    case TW_OS_WINDOWS:
        out = g_strdup(win);
        break;
    case TW_OS_UNIX:
        out = g_strdup(nix);
        break;
    case TW_OS_EMBEDDED:
        out = g_strdup(dev ? dev : nix ? nix : win);
        break;
    default:
        out = dev ? g_strdup_printf("The capture does not show what %s runs. If Windows: %s If Linux/Unix: %s If it "
                                    "is a device with its own SMB client (printer, scanner, NAS): %s",
                                    host, win, nix, dev)
                  : g_strdup_printf("The capture does not show what %s runs. If Windows: %s If Linux/Unix (Samba, "
                                    "SSSD): %s",
                                    host, win, nix);
        break;
    }
    g_free(win);
    g_free(nix);
    g_free(dev);
    return out;
}

static const char *dns_realm(const TwAnalysis *a)
{
    return a->realm ? a->realm : "<realm>";
}

char *tw_fix_stale_password(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *dc = working_dc(a, m);
    g_autofree char *admin = admin_account(a);
    const char *realm = dns_realm(a);
    if (m->role == TW_ROLE_DC) {
        char *win = g_strdup_printf(
            "%s is a domain controller: it has no local administrator and must not be repaired against itself. "
            "On %s, as a domain administrator: stop the Kerberos Key Distribution Center service "
            "(`Stop-Service kdc`), run `netdom resetpwd /server:%s /userd:%s /passwordd:*` against "
            "another DC, restart the service (`Start-Service kdc`) and let replication carry the new password.",
            host, host, dc ? dc : "<another DC>", admin);
        char *nix = g_strdup_printf(
            "%s is a Samba domain controller: it must not be repaired against itself, and it has no netdom. On a DC "
            "that works (%s), remove it (`samba-tool domain demote --remove-other-dead-server=%s`), then join %s "
            "again as a DC (`samba-tool domain join %s DC -U %s`).",
            host, dc ? dc : "<another DC>", host, host, realm, admin);
        return by_os(m, host, win, nix, NULL);
    }
    char *win = g_strdup_printf(
        "On %s, in Windows PowerShell 5.1 as a local administrator: `Test-ComputerSecureChannel -Repair "
        "-Server %s -Credential %s` (a domain account allowed to reset the machine's password). After "
        "restoring a VM snapshot, always repair the secure channel.",
        host, dc ? dc : "<a DC that works>", admin);
    char *nix = g_strdup_printf(
        "%s rejoins the domain, which sets a new machine password: with Samba/winbind `net ads join -U %s`, with "
        "SSSD `realm join %s` (after `realm leave`). Then restart winbind or sssd.",
        host, admin, realm);
    char *dev = g_strdup_printf("join %s to the domain again from the device's own administration page (or enter "
                                "the domain account and password there again), then update its firmware.",
                                host);
    return by_os(m, host, win, nix, dev);
}

char *tw_fix_repair(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *dc = working_dc(a, m);
    char *win = g_strdup_printf("on %s `Test-ComputerSecureChannel -Repair -Server %s` (Windows PowerShell 5.1).",
                                host, dc ? dc : "<a DC that works>");
    char *nix = g_strdup_printf("on %s `net ads testjoin` (Samba) or `adcli testjoin` (SSSD); when it fails, "
                                "rejoin (`net ads join -U <admin>` or `realm join %s`).",
                                host, dns_realm(a));
    return by_os(m, host, win, nix, NULL);
}

char *tw_fix_keytab(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *dc = working_dc(a, m);
    char *win = g_strdup_printf("on %s `Test-ComputerSecureChannel -Repair -Server %s` (Windows PowerShell 5.1), "
                                "or reset the password of the service account that holds the name.",
                                host, dc ? dc : "<a DC that works>");
    char *nix = g_strdup_printf("on %s refresh the keytab from the machine's current password: `net ads keytab "
                                "create` (Samba) or `adcli update` (SSSD); a service keytab copied from elsewhere "
                                "must be exported again (`ktpass` on Windows, `samba-tool domain exportkeytab`).",
                                host);
    return by_os(m, host, win, nix, NULL);
}

char *tw_fix_change_password(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    char *win = g_strdup_printf("on %s `nltest /sc_change_pwd:%s`, and read the refusal in the DC's System log.",
                                host, dns_realm(a));
    char *nix = g_strdup_printf("on %s `net ads changetrustpw` (Samba: its current password still works here) or "
                                "`adcli update` (SSSD), and read the refusal in the DC's log.",
                                host);
    return by_os(m, host, win, nix, NULL);
}

char *tw_fix_rejoin(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *admin = admin_account(a);
    const char *realm = dns_realm(a);
    g_autofree char *dns = g_ascii_strdown(realm, -1);
    char *win = g_strdup_printf("rejoin %s to the domain, logged on with a local administrator account "
                                "(`Add-Computer -DomainName %s -Credential %s -Force`, then restart).",
                                host, dns, admin);
    char *nix = g_strdup_printf("rejoin %s: `net ads join -U %s` (Samba/winbind) or `realm join %s` (SSSD).", host,
                                admin, realm);
    char *dev = g_strdup_printf("join %s to the domain again from the device's own administration page.", host);
    return by_os(m, host, win, nix, dev);
}

/* When the DC's own clock moved, the member is not the one to fix: resyncing
 * it to the DC would copy the DC's wrong time (issue 10 "The DC's own clock moved"). */
char *tw_fix_clock_dc_moved(const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    return g_strdup_printf("Nothing to change on %s: correct the domain controller's clock (see its clock-skew "
                           "finding); %s's logons work again once the DC's time is right. Resyncing %s to "
                           "the DC now would copy the DC's wrong time.",
                           host, host, host);
}

char *tw_fix_clock(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    const char *dcname = tw_analysis_dc_name(a);
    g_autofree char *dc = dcname && m->role != TW_ROLE_DC
                              ? g_strndup(dcname, strlen(dcname) - (g_str_has_suffix(dcname, "$") ? 1 : 0))
                              : g_strdup(m->role == TW_ROLE_DC ? "<a reliable NTP server>" : "<the DC>");
    if (m->role == TW_ROLE_DC) {
        char *win = g_strdup_printf("On %s (if it is the PDC emulator): point it at a reliable source, "
                                    "`w32tm /config /manualpeerlist:<ntp server> /syncfromflags:manual /reliable:yes "
                                    "/update`, then `w32tm /resync`.",
                                    host);
        char *nix = g_strdup_printf("On %s (Samba DC): point its NTP daemon at a reliable source (chrony: `server "
                                    "<ntp server> iburst` in chrony.conf, `ntpsigndsocket` kept for MS-SNTP), then "
                                    "`chronyc makestep`.",
                                    host);
        return by_os(m, host, win, nix, NULL);
    }
    char *win = g_strdup_printf(
        "On %s: `w32tm /resync /force`; check `w32tm /query /source` (a member follows the domain: "
        "`w32tm /config /syncfromflags:domhier /update`, then restart w32time). On a VM, hypervisor time sync can "
        "fight w32time: disable one of them.",
        host);
    char *nix = g_strdup_printf(
        "On %s: with chrony, `server %s iburst` in chrony.conf, then `chronyc makestep` and `chronyc sources`; with "
        "systemd-timesyncd, `NTP=%s` in /etc/systemd/timesyncd.conf, `systemctl restart systemd-timesyncd`, then "
        "`timedatectl timesync-status`. On a VM, hypervisor time sync can fight it: disable one of them.",
        host, dc, dc);
    char *dev = g_strdup_printf("set %s's NTP server to %s in the device's own settings (its administration page), "
                                "or its time by hand there.",
                                host, dc);
    return by_os(m, host, win, nix, dev);
}

char *tw_fix_clone(const TwAnalysis *a, const TwMachine *m)
{
    g_autofree char *host = typed_host(m);
    g_autofree char *dc = working_dc(a, m);
    g_autofree char *admin = admin_account(a);
    char *win = g_strdup_printf("Rename or sysprep (`sysprep /generalize`) the copy and join it under its own name, "
                                "then repair the original: `Test-ComputerSecureChannel -Repair -Server %s`.",
                                dc ? dc : "<a DC that works>");
    char *nix = g_strdup_printf("Give the copy its own host name and join it under that name (`net ads join -U %s` "
                                "or `realm join %s`), then rejoin the original the same way.",
                                admin, dns_realm(a));
    return by_os(m, host, win, nix, NULL);
}

char *tw_fix_os_choice(const TwMachine *m, char *windows, char *unix_)
{
    g_autofree char *host = typed_host(m);
    TwOs os = fix_os(m);
    if (os == TW_OS_WINDOWS) {
        g_free(unix_);
        return windows;
    }
    if (os == TW_OS_UNIX || os == TW_OS_EMBEDDED) {
        g_free(windows);
        return unix_;
    }
    char *out = g_strdup_printf("if %s runs Windows, %s; if Linux/Unix, %s", host, windows, unix_);
    g_free(windows);
    g_free(unix_);
    return out;
}
