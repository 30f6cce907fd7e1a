/* identity.c — one record per machine account, joining every name and
 * address the capture ties to it.
 *
 * A Windows machine account is the NetBIOS computer name plus '$' (MS-ADTS:
 * sAMAccountName of a computer object, at most 15 characters before the
 * '$').  Kerberos names the same machine as "NAME$" (client principal), as
 * "host/name.fqdn", "cifs/NAME", "RestrictedKrbHost/…" (service principals,
 * MS-KILE 3.1.5.11), NETLOGON as the ComputerName "NAME" and AccountName
 * "NAME$" (MS-NRPC 3.5.4.4.2), NTLMSSP as the Workstation.  All of them map to
 * the canonical upper-case "NAME$".  Machines known only by address (a
 * server answering SMB2, a DC's clock) get an "ip:ADDR" record until a name
 * claims that address, which then absorbs it.
 */
#include "analysis.h"
#include "analysis/fields.h"

#include "core/krb5-names.h"
#include "core/ntstatus.h"

#include <string.h>

#define NETBIOS_NAME_MAX 15 /* MS-ADTS: computer sAMAccountName ≤ 15 chars + '$' */

bool tw_identity_is_user(const char *name)
{
    if (!name || !*name)
        return false;
    const char *at = strchr(name, '@');
    gsize n = at ? (gsize)(at - name) : strlen(name);
    if (n == 0)
        return false;
    if (memchr(name, '/', n))
        return false;
    return name[n - 1] != '$';
}

/* host[0..n) is a dotted quad, an IPv6 literal (a colon) or empty. */
static bool looks_like_address(const char *host, gsize n)
{
    if (!n)
        return true;
    if (memchr(host, ':', n))
        return true; /* IPv6 literal */
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(host[i]) && host[i] != '.')
            return false;
    return true; /* dotted quad */
}

/* "ws1.lab.example" / "WS1" → "WS1$"; NULL when not a usable host name.
 * Reads host[0..n) (up to a NUL before n) in place: this runs for nearly
 * every Kerberos message, several times. */
static char *account_from_host(const char *host, gsize n)
{
    n = strnlen(host, n);
    const char *colon = memchr(host, ':', n); /* "sql1.lab:1433" */
    if (colon && !memchr(colon + 1, ':', n - (gsize)(colon - host) - 1))
        n = (gsize)(colon - host);
    if (looks_like_address(host, n))
        return NULL;
    const char *dot = memchr(host, '.', n);
    gsize len = dot ? (gsize)(dot - host) : n;
    if (len == 0)
        return NULL;
    if (len > NETBIOS_NAME_MAX) {
        /* Cut on a character boundary: a UTF-8 sequence split in half would
         * make the name (and the report, -T json) invalid UTF-8.  host[len] is
         * a continuation byte (10xxxxxx) when the cut falls inside one. */
        len = NETBIOS_NAME_MAX;
        while (len > 0 && ((guchar)host[len] & 0xc0) == 0x80)
            len--;
        if (len == 0)
            return NULL; /* no character starts the name: not UTF-8 */
    }
    char *out = g_malloc(len + 2);
    for (gsize i = 0; i < len; i++) {
        char c = host[i];
        if ((unsigned char)c < 0x20 || c == '\\' || c == '/' || c == '@') {
            g_free(out);
            return NULL;
        }
        out[i] = g_ascii_toupper(c);
    }
    out[len] = '$';
    out[len + 1] = 0;
    return out;
}

char *tw_identity_from_principal(const char *name)
{
    if (!name || !*name)
        return NULL;
    /* DOMAIN\NAME$ */
    const char *bs = strrchr(name, '\\');
    if (bs)
        name = bs + 1;
    const char *at = strchr(name, '@');
    gsize n = at ? (gsize)(at - name) : strlen(name);
    if (n == 0)
        return NULL;
    const char *slash = memchr(name, '/', n);
    if (slash) {
        gsize svc_len = (gsize)(slash - name);
        /* Service principals that are not a machine's own services. */
        static const char *const not_machine[] = { "krbtgt", "kadmin", "changepw", "WELLKNOWN", NULL };
        for (const char *const *s = not_machine; *s; s++)
            if (strlen(*s) == svc_len && g_ascii_strncasecmp(name, *s, svc_len) == 0)
                return NULL;
        const char *host = slash + 1;
        gsize hn = n - svc_len - 1;
        const char *slash2 = memchr(host, '/', hn); /* "ldap/dc1.lab/lab.example" */
        if (slash2)
            hn = (gsize)(slash2 - host);
        return account_from_host(host, hn);
    }
    if (name[n - 1] != '$')
        return NULL; /* a user */
    if (n - 1 == 0)
        return NULL;
    return account_from_host(name, n - 1);
}

char *tw_identity_from_computer(const char *name)
{
    if (!name)
        return NULL;
    while (*name == '\\')
        name++;
    gsize n = strlen(name);
    if (n && name[n - 1] == '$')
        n--;
    if (n == 0)
        return NULL;
    return account_from_host(name, n);
}

/* ---- records ---- */

/* g_ref_string_new_intern() takes a global lock and hashes into GLib's
 * table on every call, and every evidence interns five or six strings (the
 * same addresses, sources and messages again and again).  A small per-thread
 * cache, indexed by a hash of the text and confirmed with strcmp, holds one
 * reference to each string it remembers and hands out another: the pointer
 * is the one GLib's table has, so the result is what the call would return.
 * What the cache holds stays reachable from GLib's intern table. */
#define TW_INTERN_SLOTS 1024 /* a power of two */

typedef struct {
    char *s;    /* a GRefString the slot holds one reference to, or NULL */
    guint32 h;
} InternSlot;

static _Thread_local InternSlot intern_slots[TW_INTERN_SLOTS];

/* Eight bytes at a time (a byte-at-a-time FNV over every address, message
 * and detail was most of what interning cost); the slot is confirmed with
 * strcmp, so the hash only spreads the strings over the slots. */
static guint32 intern_hash(const char *s, gsize n)
{
    guint64 h = (guint64)n * 0x9E3779B97F4A7C15ull;
    gsize i = 0;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    if (i < n) {
        guint64 w = 0;
        memcpy(&w, s + i, n - i);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    }
    h ^= h >> 32;
    return (guint32)h;
}

char *tw_intern(const char *s)
{
    if (!s)
        return NULL;
    guint32 h = intern_hash(s, strlen(s));
    InternSlot *slot = &intern_slots[(h ^ h >> 16) & (TW_INTERN_SLOTS - 1)];
    if (slot->s && slot->h == h && strcmp(slot->s, s) == 0)
        return g_ref_string_acquire(slot->s);
    char *r = g_ref_string_new_intern(s);
    if (slot->s)
        g_ref_string_release(slot->s);
    slot->s = g_ref_string_acquire(r);
    slot->h = h;
    return r;
}

static void release(char *s)
{
    if (s)
        g_ref_string_release(s);
}

void tw_evidence_free(gpointer p)
{
    TwEvidence *e = p;
    if (!e)
        return;
    release(e->source);
    release(e->file);
    release(e->msg);
    release(e->detail);
    release(e->src);
    release(e->dst);
    g_free(e);
}

char *tw_evidence_error_text(const TwEvidence *e)
{
    if (!e->has_krb_error)
        return NULL;
    const char *name = tw_krb5_error_name(e->krb_error);
    return name ? g_strdup_printf("%s (%" G_GINT64_FORMAT ")", name, e->krb_error)
                : g_strdup_printf("error %" G_GINT64_FORMAT, e->krb_error);
}

char *tw_evidence_status_text(const TwEvidence *e)
{
    if (e->has_ntstatus)
        return tw_ntstatus_text(e->ntstatus);
    if (e->has_kpasswd_result) {
        const char *name = tw_krb5_kpasswd_result_name(e->kpasswd_result);
        return g_strdup_printf("kpasswd result %" G_GINT64_FORMAT "%s%s", e->kpasswd_result, name ? " " : "",
                               name ? name : "");
    }
    return NULL;
}

char *tw_user_failure_error_text(const TwUserFailure *u)
{
    const char *name = tw_krb5_error_name(u->krb_error);
    return name ? g_strdup(name) : g_strdup_printf("error %" G_GINT64_FORMAT, u->krb_error);
}

static void clock_sample_clear(gpointer p)
{
    TwClockSample *s = p;
    g_free(s->source);
}

/* Facts without evidence share one empty array (never written to): most
 * machines have a handful of the TW_F_COUNT kinds, and a busy DC's capture
 * has tens of thousands of machines. */
static GPtrArray *empty_evidence(void)
{
    static gsize once;
    static GPtrArray *empty;
    if (g_once_init_enter(&once)) {
        empty = g_ptr_array_new();
        g_once_init_leave(&once, 1);
    }
    return empty;
}

static TwMachine *machine_new(const char *key, const char *account)
{
    TwMachine *m = g_new0(TwMachine, 1);
    m->key = g_strdup(key);
    m->account = g_strdup(account);
    m->rid = -1;
    m->aliases = g_ptr_array_new_with_free_func(g_free);
    m->addrs = g_array_new(FALSE, TRUE, sizeof(TwAddrUse));
    for (int k = 0; k < TW_F_COUNT; k++)
        m->facts[k].ev = empty_evidence();
    m->clock = g_array_new(FALSE, TRUE, sizeof(TwClockSample));
    g_array_set_clear_func(m->clock, clock_sample_clear);
    m->zl_attackers = g_ptr_array_new_with_free_func(g_free);
    m->foreign = g_array_new(FALSE, TRUE, sizeof(TwAddrUse));
    m->zl_attempt_ts = g_array_new(FALSE, FALSE, sizeof(gint64));
    return m;
}

void tw_machine_free(gpointer p)
{
    TwMachine *m = p;
    if (!m)
        return;
    g_free(m->key);
    g_free(m->account);
    g_ptr_array_unref(m->aliases);
    g_array_unref(m->addrs);
    for (int k = 0; k < TW_F_COUNT; k++)
        if (m->facts[k].ev != empty_evidence())
            g_ptr_array_unref(m->facts[k].ev);
    g_array_unref(m->clock);
    g_ptr_array_unref(m->zl_attackers);
    g_array_unref(m->foreign);
    g_array_unref(m->zl_attempt_ts);
    g_free(m->zl_burst);
    g_free(m->zl_sealed_burst);
    for (int k = 0; k < TW_OSS_COUNT; k++)
        release(m->os.seen[k].file);
    g_free(m);
}

static TwMachine *machine_insert(TwAnalysis *a, const char *key, const char *account)
{
    TwMachine *m = g_hash_table_lookup(a->machines, key);
    if (m)
        return m;
    if (g_hash_table_size(a->machines) >= TW_AN_MAX_MACHINES) {
        /* Counted and reported (report.c); the machines already known keep
         * being analysed. */
        tw_analysis_cap_hit(a, TW_AN_CAP_MACHINES);
        a->machines_refused++;
        return NULL;
    }
    m = machine_new(key, account);
    g_hash_table_insert(a->machines, m->key, m);
    g_ptr_array_add(a->machine_order, m);
    return m;
}

TwMachine *tw_identity_get(TwAnalysis *a, const char *account)
{
    if (!account)
        return NULL;
    return machine_insert(a, account, account);
}

TwMachine *tw_identity_lookup(const TwAnalysis *a, const char *account)
{
    return account ? g_hash_table_lookup(a->machines, account) : NULL;
}

/* "ip:ADDR", the key of an address-only record: in buf for an address of
 * the usual size (an event's, at most TW_ADDR_STRLEN), else in *heap (to
 * free).  Asked for on most events: a malloc each time cost more than the
 * lookup it serves. */
#define IP_KEY_LEN (3 + TW_ADDR_STRLEN)

static const char *ip_key(char buf[IP_KEY_LEN], const char *addr, char **heap)
{
    gsize n = strlen(addr);
    if (n + 4 > IP_KEY_LEN)
        return *heap = g_strconcat("ip:", addr, NULL);
    memcpy(buf, "ip:", 3);
    memcpy(buf + 3, addr, n + 1);
    return buf;
}

TwMachine *tw_identity_by_addr(TwAnalysis *a, const char *addr, bool create)
{
    if (!addr || !*addr)
        return NULL;
    const char *key = g_hash_table_lookup(a->ip_owner, addr);
    if (key) {
        TwMachine *m = g_hash_table_lookup(a->machines, key);
        if (m)
            return m;
    }
    char kb[IP_KEY_LEN];
    g_autofree char *heap = NULL;
    const char *ipkey = ip_key(kb, addr, &heap);
    TwMachine *m = g_hash_table_lookup(a->machines, ipkey);
    if (m || !create)
        return m;
    m = machine_insert(a, ipkey, NULL);
    if (m) {
        TwAddrUse u = { 0 };
        g_strlcpy(u.addr, addr, sizeof u.addr);
        g_array_append_val(m->addrs, u);
        if (g_hash_table_contains(a->dc_addrs, addr))
            m->role = TW_ROLE_DC;
    }
    return m;
}

bool tw_machine_only_named(const TwMachine *m)
{
    if (m->addrs->len || m->clock->len || m->role != TW_ROLE_UNKNOWN)
        return false;
    for (int k = 0; k < TW_F_COUNT; k++)
        if (m->facts[k].count)
            return false;
    return true;
}

void tw_identity_spoke(TwMachine *m, guint32 how)
{
    if (m)
        m->spoke |= how;
}

static bool zerologon_target(const TwMachine *m)
{
    return m->facts[TW_F_ZL_ATTEMPT].count || m->facts[TW_F_ZL_BYPASS].count || m->facts[TW_F_ZL_PWSET].count ||
           m->facts[TW_F_ZL_SEALED_BURST].count || m->facts[TW_F_NL_DENIED_BURST].count;
}

bool tw_machine_is_machine(const TwMachine *m)
{
    return !m->merged_away && (!m->account || m->spoke || zerologon_target(m));
}

bool tw_machine_named_only_note(const TwMachine *m)
{
    if (tw_machine_is_machine(m) || m->merged_away)
        return false;
    /* Something said about the name: a claim, a refusal, a reset.  The kvno
     * or etype of tickets issued for its services (kvno.c, tickets.c) says
     * only that it exists. */
    for (int k = 0; k < TW_F_COUNT; k++)
        if (m->facts[k].count && tw_fact_names_only_note((TwFactKind)k))
            return true;
    return false;
}

bool tw_fact_names_only_note(TwFactKind k)
{
    switch (k) {
    case TW_F_SEEN:           /* a workstation name claimed in NTLMSSP */
    case TW_F_SPN_UNKNOWN:    /* its service name refused */
    case TW_F_PWRESET_SAMR:   /* its password set over SAMR by someone */
    case TW_F_TK_S4U_UNKNOWN:
    case TW_F_TK_DCSYNC:
    case TW_F_FOREIGN:
        return true;
    default:
        return false;
    }
}

void tw_machine_zl_source(TwAnalysis *a, TwMachine *m, const char *addr)
{
    if (!m)
        return;
    for (guint i = 0; i < m->zl_attackers->len; i++)
        if (strcmp(g_ptr_array_index(m->zl_attackers, i), addr) == 0)
            return;
    if (m->zl_attackers->len >= TW_AN_MAX_ADDRS) {
        tw_analysis_cap_hit(a, TW_AN_CAP_ZL_SOURCES);
        return;
    }
    g_ptr_array_add(m->zl_attackers, g_strdup(addr));
}

void tw_analysis_touch(TwAnalysis *a, TwMachine *m)
{
    if (!a->touched || g_ptr_array_find(a->touched, m, NULL))
        return;
    if (a->touched->len >= TW_AN_MAX_TOUCHED) {
        tw_analysis_cap_hit(a, TW_AN_CAP_TOUCHED);
        return;
    }
    g_ptr_array_add(a->touched, m);
}

TwAddrUse *tw_machine_addr(TwMachine *m, const char *addr)
{
    for (guint i = 0; i < m->addrs->len; i++) {
        TwAddrUse *u = &g_array_index(m->addrs, TwAddrUse, i);
        if (strcmp(u->addr, addr) == 0)
            return u;
    }
    return NULL;
}

void tw_identity_add_alias(TwAnalysis *a, TwMachine *m, const char *alias)
{
    if (!m || !alias || !*alias || (m->account && g_ascii_strcasecmp(alias, m->account) == 0))
        return;
    /* "WS1" for "WS1$" says nothing new */
    if (m->account && strlen(alias) + 1 == strlen(m->account) &&
        g_ascii_strncasecmp(alias, m->account, strlen(alias)) == 0)
        return;
    for (guint i = 0; i < m->aliases->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(m->aliases, i), alias) == 0)
            return;
    if (m->aliases->len >= TW_AN_MAX_ALIASES) {
        tw_analysis_cap_hit(a, TW_AN_CAP_ALIASES);
        return;
    }
    g_ptr_array_add(m->aliases, g_strdup(alias));
}

/* Facts that every healthy machine piles up; rules show at most the first
 * and the last of them. */
static bool fact_is_routine(TwFactKind k)
{
    switch (k) {
    case TW_F_KRB_AS_OK:
    case TW_F_KRB_TGS_OK:
    case TW_F_KRB_PREAUTH_REQ:
    case TW_F_SRV_AP_OK:
    case TW_F_NL_AUTH_OK:
    case TW_F_NTLM_OK:
    case TW_F_SEEN:
        return true;
    default:
        return false;
    }
}

static void fact_add_evidence(TwAnalysis *a, TwFactKind k, TwFact *f, TwEvidence *ev)
{
    guint head = fact_is_routine(k) ? TW_AN_ROUTINE_EVIDENCE_HEAD : TW_AN_EVIDENCE_HEAD;
    guint tail = fact_is_routine(k) ? TW_AN_ROUTINE_EVIDENCE_TAIL : TW_AN_EVIDENCE_TAIL;
    if (f->ev == empty_evidence())
        f->ev = g_ptr_array_new_full(head + tail, tw_evidence_free);
    if (f->ev->len < head + tail) {
        g_ptr_array_add(f->ev, ev);
        return;
    }
    /* Keep the first ones (when it started) and the latest (still going);
     * TwFact.count keeps the total. */
    a->evidence_dropped++;
    g_ptr_array_remove_index(f->ev, head);
    g_ptr_array_add(f->ev, ev);
}

static int evidence_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwEvidence *x = *(TwEvidence *const *)pa, *y = *(TwEvidence *const *)pb;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static void machine_absorb(TwAnalysis *a, TwMachine *dst, TwMachine *src)
{
    for (int k = 0; k < TW_F_COUNT; k++) {
        TwFact *fs = &src->facts[k], *fd = &dst->facts[k];
        if (!fs->count)
            continue;
        if (!fd->count || fs->first_ts < fd->first_ts)
            fd->first_ts = fs->first_ts;
        if (!fd->count || fs->last_ts > fd->last_ts)
            fd->last_ts = fs->last_ts;
        fd->count += fs->count;
        while (fs->ev->len) {
            TwEvidence *e = g_ptr_array_steal_index(fs->ev, 0);
            fact_add_evidence(a, (TwFactKind)k, fd, e);
        }
        if (fd->ev != empty_evidence())
            g_ptr_array_sort(fd->ev, evidence_cmp);
    }
    for (guint i = 0; i < src->clock->len; i++) {
        if (dst->clock->len >= TW_AN_MAX_CLOCK_SAMPLES) {
            tw_analysis_cap_hit(a, TW_AN_CAP_CLOCK_SAMPLES);
            continue;
        }
        TwClockSample s = g_array_index(src->clock, TwClockSample, i);
        s.source = g_strdup(s.source);
        g_array_append_val(dst->clock, s);
    }
    dst->clock_total += src->clock_total;
    for (guint i = 0; i < src->addrs->len; i++) {
        TwAddrUse *su = &g_array_index(src->addrs, TwAddrUse, i);
        TwAddrUse *du = tw_machine_addr(dst, su->addr);
        if (!du) {
            if (dst->addrs->len >= TW_AN_MAX_ADDRS) {
                tw_analysis_cap_hit(a, TW_AN_CAP_ADDRS);
                continue;
            }
            g_array_append_val(dst->addrs, *su);
            continue;
        }
        if (su->first_ts && (!du->first_ts || su->first_ts < du->first_ts))
            du->first_ts = su->first_ts;
        if (su->last_ts > du->last_ts)
            du->last_ts = su->last_ts;
        du->n_ok += su->n_ok;
        du->n_keyfail += su->n_keyfail;
        du->n_pwset += su->n_pwset;
        du->own |= su->own;
        if (!du->mac[0])
            memcpy(du->mac, su->mac, sizeof du->mac);
    }
    if (src->first_ts && (!dst->first_ts || src->first_ts < dst->first_ts))
        dst->first_ts = src->first_ts;
    if (src->last_ts > dst->last_ts)
        dst->last_ts = src->last_ts;
    if (src->role == TW_ROLE_DC)
        dst->role = TW_ROLE_DC;
    dst->spoke |= src->spoke;
    for (int k = 0; k < TW_OSS_COUNT; k++)
        if ((src->os.signs & (1u << k)) && !(dst->os.signs & (1u << k))) {
            dst->os.signs |= 1u << k;
            dst->os.seen[k] = src->os.seen[k];
            src->os.seen[k].file = NULL; /* moved */
            if (k == TW_OSS_NTLM_BUILD || k == TW_OSS_NTLM_SAMBA) {
                dst->os.ntlm_major = src->os.ntlm_major;
                dst->os.ntlm_minor = src->os.ntlm_minor;
                dst->os.ntlm_build = src->os.ntlm_build;
            }
        }
    for (guint i = 0; i < src->zl_attackers->len; i++)
        tw_machine_zl_source(a, dst, g_ptr_array_index(src->zl_attackers, i));
    src->merged_away = true;
    if (a->touched)
        g_ptr_array_remove(a->touched, src);
    g_ptr_array_remove(a->machine_order, src);
    g_hash_table_remove(a->machines, src->key); /* frees src */
}

/* An address that uses a machine account but is not that machine (issue
 * #10 "Identity"): the source of Zerologon attempts at it; for a DC's
 * account, once the DC itself has been seen at a DC address, an address that
 * serves neither Kerberos nor NETLOGON (a DC authenticates from its own
 * address); for any account with a home (an address of its own logons), a
 * use of its credentials (a ticket, an NTLM logon as NAME$) from an address
 * without its own logons that shows another MAC or calls itself another
 * computer in NTLMSSP.  Such a use is a separate actor ("WS1$ credentials
 * used from 10.0.0.104"), never one of the machine's addresses.  Returns the
 * TwForeignWhy bits, 0 when addr may be the machine's. */
static guint8 foreign_why(const TwAnalysis *a, const TwMachine *m, const char *addr, const char *mac, TwUse use,
                          const char *workstation)
{
    guint8 why = 0;
    for (guint i = 0; i < m->zl_attackers->len; i++)
        if (strcmp(g_ptr_array_index(m->zl_attackers, i), addr) == 0)
            why |= TW_FOREIGN_ZEROLOGON;
    if (m->role == TW_ROLE_DC && !g_hash_table_contains(a->dc_addrs, addr))
        for (guint i = 0; i < m->addrs->len; i++)
            if (g_hash_table_contains(a->dc_addrs, g_array_index(m->addrs, TwAddrUse, i).addr))
                why |= TW_FOREIGN_NOT_DC;
    if (use != TW_USE_OTHER || !m->account)
        return why;
    const TwAddrUse *here = NULL;
    bool home = false, home_mac_known = false, mac_differs_all = true;
    for (guint i = 0; i < m->addrs->len; i++) {
        const TwAddrUse *u = &g_array_index(m->addrs, TwAddrUse, i);
        if (strcmp(u->addr, addr) == 0)
            here = u;
        if (!u->own)
            continue;
        home = true;
        if (u->mac[0]) {
            home_mac_known = true;
            if (mac && strcmp(u->mac, mac) == 0)
                mac_differs_all = false;
        }
    }
    if (!home || (here && here->own))
        return why; /* its own address, or nothing to compare with */
    if (mac && *mac && home_mac_known && mac_differs_all)
        why |= TW_FOREIGN_MAC;
    const char *claimed = g_hash_table_lookup(a->ws_claims, addr);
    g_autofree char *ws = tw_identity_from_computer(workstation);
    if ((ws && strcmp(ws, m->account) != 0) || (claimed && strcmp(claimed, m->account) != 0))
        why |= TW_FOREIGN_NTLM_NAME;
    return why;
}

static void foreign_use(TwAnalysis *a, TwMachine *m, const char *addr, const char *mac, gint64 ts, guint8 why)
{
    TwAddrUse *u = NULL;
    for (guint i = 0; i < m->foreign->len && !u; i++)
        if (strcmp(g_array_index(m->foreign, TwAddrUse, i).addr, addr) == 0)
            u = &g_array_index(m->foreign, TwAddrUse, i);
    if (!u) {
        if (m->foreign->len >= TW_AN_MAX_ADDRS) {
            tw_analysis_cap_hit(a, TW_AN_CAP_ADDRS);
            return;
        }
        TwAddrUse nu = { 0 };
        g_strlcpy(nu.addr, addr, sizeof nu.addr);
        g_array_append_val(m->foreign, nu);
        u = &g_array_index(m->foreign, TwAddrUse, m->foreign->len - 1);
    }
    if (mac && *mac && !u->mac[0])
        g_strlcpy(u->mac, mac, sizeof u->mac);
    u->foreign_why |= why;
    u->n_ok++; /* uses seen */
    if (ts && (!u->first_ts || ts < u->first_ts))
        u->first_ts = ts;
    if (ts > u->last_ts)
        u->last_ts = ts;
}

bool tw_machine_is_foreign(const TwMachine *m, const char *addr)
{
    for (guint i = 0; addr && i < m->foreign->len; i++)
        if (strcmp(g_array_index(m->foreign, TwAddrUse, i).addr, addr) == 0)
            return true;
    return false;
}

void tw_identity_ntlm_claim(TwAnalysis *a, const char *addr, const char *workstation)
{
    g_autofree char *acct = tw_identity_from_computer(workstation);
    if (!acct || !addr || !*addr)
        return;
    if (g_hash_table_size(a->ws_claims) >= TW_AN_MAX_ADDR_OWNERS && !g_hash_table_contains(a->ws_claims, addr)) {
        tw_analysis_cap_hit(a, TW_AN_CAP_ADDR_OWNERS);
        return;
    }
    g_hash_table_replace(a->ws_claims, g_strdup(addr), g_steal_pointer(&acct));
}

void tw_identity_bind(TwAnalysis *a, TwMachine *m, const char *addr, const char *mac, gint64 ts)
{
    tw_identity_bind_as(a, m, addr, mac, ts, TW_USE_OWN, NULL);
}

bool tw_identity_bind_as(TwAnalysis *a, TwMachine *m, const char *addr, const char *mac, gint64 ts, TwUse use,
                         const char *workstation)
{
    if (!m || !addr || !*addr)
        return false;
    if (m->account) {
        guint8 why = foreign_why(a, m, addr, mac, use, workstation);
        if (why || tw_machine_is_foreign(m, addr)) {
            foreign_use(a, m, addr, mac, ts, why);
            return true;
        }
    }
    if (use == TW_USE_CLAIM && m->account) {
        /* A name claimed in NTLMSSP does not move a machine that has a home. */
        bool home = false;
        for (guint i = 0; i < m->addrs->len; i++)
            home |= g_array_index(m->addrs, TwAddrUse, i).own;
        if (home && !tw_machine_addr(m, addr))
            return false;
    }
    if (m->account) {
        char kb[IP_KEY_LEN];
        g_autofree char *heap = NULL;
        TwMachine *anon = g_hash_table_lookup(a->machines, ip_key(kb, addr, &heap));
        const char *owner = g_hash_table_lookup(a->ip_owner, addr);
        /* An address-only record is absorbed by the first name to claim the
         * address; later names sharing it (NAT, DHCP reuse) do not steal it. */
        if (anon && anon != m && !owner)
            machine_absorb(a, m, anon);
        /* A name nobody heard for itself (an NTLMSSP workstation claim, a
         * service named in a request) does not take the address from a
         * machine that spoke from it. */
        const TwMachine *om = owner ? g_hash_table_lookup(a->machines, owner) : NULL;
        if (owner && strcmp(owner, m->key) != 0 && (m->spoke || !om || !om->spoke))
            g_hash_table_replace(a->ip_owner, g_strdup(addr), g_strdup(m->key));
        else if (!owner && g_hash_table_size(a->ip_owner) < TW_AN_MAX_ADDR_OWNERS)
            g_hash_table_replace(a->ip_owner, g_strdup(addr), g_strdup(m->key));
        else if (!owner)
            tw_analysis_cap_hit(a, TW_AN_CAP_ADDR_OWNERS); /* the address stays unowned: its messages go to an address record */
    }
    TwAddrUse *u = tw_machine_addr(m, addr);
    if (!u) {
        if (m->addrs->len >= TW_AN_MAX_ADDRS) {
            tw_analysis_cap_hit(a, TW_AN_CAP_ADDRS);
            return false;
        }
        TwAddrUse nu = { 0 };
        g_strlcpy(nu.addr, addr, sizeof nu.addr);
        g_array_append_val(m->addrs, nu);
        u = &g_array_index(m->addrs, TwAddrUse, m->addrs->len - 1);
    }
    if (use == TW_USE_OWN)
        u->own = true;
    if (mac && *mac && !u->mac[0])
        g_strlcpy(u->mac, mac, sizeof u->mac);
    if (ts) {
        if (!u->first_ts || ts < u->first_ts)
            u->first_ts = ts;
        if (ts > u->last_ts)
            u->last_ts = ts;
    }
    if (g_hash_table_contains(a->dc_addrs, addr))
        m->role = TW_ROLE_DC;
    return false;
}

void tw_machine_fact(TwAnalysis *a, TwMachine *m, TwFactKind k, TwEvidence *ev)
{
    if (!m) {
        tw_evidence_free(ev);
        return;
    }
    TwFact *f = &m->facts[k];
    if (!f->count || ev->ts_us < f->first_ts)
        f->first_ts = ev->ts_us;
    if (!f->count || ev->ts_us > f->last_ts)
        f->last_ts = ev->ts_us;
    f->count++;
    if (!m->first_ts || ev->ts_us < m->first_ts)
        m->first_ts = ev->ts_us;
    if (ev->ts_us > m->last_ts)
        m->last_ts = ev->ts_us;
    fact_add_evidence(a, k, f, ev);
    tw_analysis_touch(a, m);
}

/* ---- --machine ---- */

void tw_analysis_set_focus(TwAnalysis *a, const char *name)
{
    g_free(a->focus);
    a->focus = name && *name ? g_strdup(name) : NULL;
}

bool tw_analysis_shows(const TwAnalysis *a, const TwMachine *m)
{
    if (!a->focus)
        return true;
    for (guint i = 0; i < m->addrs->len; i++)
        if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, a->focus) == 0)
            return true;
    if (g_hostname_is_ip_address(a->focus))
        return false;
    g_autofree char *acct = tw_identity_from_computer(a->focus);
    if (acct && m->account && strcmp(acct, m->account) == 0)
        return true;
    for (guint i = 0; i < m->aliases->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(m->aliases, i), a->focus) == 0)
            return true;
    return false;
}
bool tw_analysis_shows_party(const TwAnalysis *a, const char *account, const char *addr)
{
    if (!a->focus)
        return true;
    if (addr && strcmp(addr, a->focus) == 0)
        return true;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!tw_machine_is_machine(m) || !tw_analysis_shows(a, m))
            continue;
        if (account && m->account && g_ascii_strcasecmp(account, m->account) == 0)
            return true;
        for (guint j = 0; addr && j < m->addrs->len; j++)
            if (strcmp(g_array_index(m->addrs, TwAddrUse, j).addr, addr) == 0)
                return true;
    }
    return false;
}
GPtrArray *tw_analysis_users_shown(const TwAnalysis *a)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < a->users->len; i++) {
        const TwUserFailure *u = g_ptr_array_index(a->users, i);
        if (tw_analysis_shows_party(a, NULL, u->addr))
            g_ptr_array_add(out, (gpointer)u);
    }
    return out;
}

void tw_analysis_sprays_shown(const TwAnalysis *a, GPtrArray *sprays)
{
    for (guint i = 0; a->focus && i < sprays->len; i++)
        if (!tw_analysis_shows_party(a, NULL, ((const TwSpray *)g_ptr_array_index(sprays, i))->addr))
            g_ptr_array_remove_index(sprays, i--);
}

/* ---- OS fingerprint (docs/detections.md "OS fingerprint") ---- */

static const struct {
    const char *name;
    TwOs family;
} os_signs[TW_OSS_COUNT] = {
    [TW_OSS_NTLM_BUILD] = { "ntlmssp-version-build", TW_OS_WINDOWS },
    [TW_OSS_NTLM_SAMBA] = { "ntlmssp-version-samba", TW_OS_UNIX },
    [TW_OSS_KRB_MS_ETYPE] = { "kerberos-microsoft-etypes", TW_OS_WINDOWS },
    [TW_OSS_KRB_WIN_OPTIONS] = { "kerberos-windows-options", TW_OS_WINDOWS },
    [TW_OSS_KRB_MIT] = { "kerberos-mit", TW_OS_UNIX },
    [TW_OSS_KRB_ENC_PA_REP] = { "kerberos-req-enc-pa-rep", TW_OS_UNIX },
    [TW_OSS_NTP_MS_SNTP] = { "ntp-ms-sntp", TW_OS_WINDOWS },
    [TW_OSS_NTP_MINIMISED] = { "ntp-data-minimised", TW_OS_UNIX },
    [TW_OSS_NTP_SNTP] = { "ntp-bare-sntp", TW_OS_UNIX },
    [TW_OSS_SMB_OLD] = { "smb2-old-dialects-only", TW_OS_EMBEDDED },
};

TwOs tw_os_sign_family(TwOsSign s)
{
    return s < TW_OSS_COUNT ? os_signs[s].family : TW_OS_UNKNOWN;
}

const char *tw_os_sign_name(TwOsSign s)
{
    return s < TW_OSS_COUNT ? os_signs[s].name : "?";
}

const char *tw_os_name(TwOs os)
{
    switch (os) {
    case TW_OS_WINDOWS: return "windows";
    case TW_OS_UNIX: return "unix";
    case TW_OS_EMBEDDED: return "embedded";
    case TW_OS_MIXED: return "mixed";
    default: return "unknown";
    }
}

TwOs tw_machine_os(const TwMachine *m)
{
    bool win = false, unix_ = false, emb = false;
    for (int s = 0; s < TW_OSS_COUNT; s++) {
        if (!(m->os.signs & (1u << s)))
            continue;
        win |= os_signs[s].family == TW_OS_WINDOWS;
        unix_ |= os_signs[s].family == TW_OS_UNIX;
        emb |= os_signs[s].family == TW_OS_EMBEDDED;
    }
    if (win && unix_)
        return TW_OS_MIXED;
    if (win)
        return TW_OS_WINDOWS; /* an old Windows offers old dialects too */
    if (unix_)
        return TW_OS_UNIX;
    return emb ? TW_OS_EMBEDDED : TW_OS_UNKNOWN;
}

char *tw_os_sign_text(const TwMachine *m, TwOsSign s)
{
    switch (s) {
    case TW_OSS_NTLM_BUILD:
        return g_strdup_printf("NTLMSSP VERSION %u.%u.%u", m->os.ntlm_major, m->os.ntlm_minor, m->os.ntlm_build);
    case TW_OSS_NTLM_SAMBA:
        return g_strdup_printf("Samba's NTLMSSP VERSION %u.%u.%u", m->os.ntlm_major, m->os.ntlm_minor,
                               m->os.ntlm_build);
    case TW_OSS_KRB_MS_ETYPE: return g_strdup("Microsoft's private Kerberos etypes");
    case TW_OSS_KRB_WIN_OPTIONS: return g_strdup("Windows' AS-REQ options with PA-PAC-REQUEST");
    case TW_OSS_KRB_MIT: return g_strdup("MIT Kerberos, by Camellia or PA-AS-FRESHNESS");
    case TW_OSS_KRB_ENC_PA_REP: return g_strdup("MIT/Heimdal Kerberos, by PA-REQ-ENC-PA-REP");
    case TW_OSS_NTP_MS_SNTP: return g_strdup("w32time's MS-SNTP requests");
    case TW_OSS_NTP_MINIMISED: return g_strdup("chrony's data-minimised NTP requests");
    case TW_OSS_NTP_SNTP: return g_strdup("bare SNTP requests, as systemd-timesyncd and sntp send");
    case TW_OSS_SMB_OLD: return g_strdup("an SMB client offering nothing above SMB 2.0.2");
    default: return g_strdup("?");
    }
}

static void os_sign(TwMachine *m, TwOsSign s, const TwEvent *ev)
{
    if (!m || (m->os.signs & (1u << s)))
        return;
    m->os.signs |= 1u << s;
    TwOsSeen *seen = &m->os.seen[s];
    seen->frame = ev->frame;
    const char *file = an_str(ev, "pcap");
    gint64 ff = an_int(ev, "pcap_frame", 0);
    if (file && ff > 0) {
        seen->file = tw_intern(file);
        seen->file_frame = (guint64)ff;
    }
}

static bool list_has(const TwField *f, gint64 v)
{
    if (!f || f->type != TW_FIELD_INTLIST)
        return false;
    for (guint i = 0; i < f->v.ilist->len; i++)
        if (g_array_index(f->v.ilist, gint64, i) == v)
            return true;
    return false;
}

static bool list_has_negative(const TwField *f)
{
    if (!f || f->type != TW_FIELD_INTLIST)
        return false;
    for (guint i = 0; i < f->v.ilist->len; i++)
        if (g_array_index(f->v.ilist, gint64, i) < 0)
            return true;
    return false;
}

/* docs/events.md `kdc_options`: "0x%08x" of the first 32 bits. */
static bool kdc_options(const TwEvent *ev, guint32 *out)
{
    const char *s = an_str(ev, "kdc_options");
    if (!s || strncmp(s, "0x", 2) != 0)
        return false;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(s + 2, &end, 16);
    if (end == s + 2 || *end || v > G_MAXUINT32)
        return false;
    *out = (guint32)v;
    return true;
}

#define PA_PAC_REQUEST 128     /* MS-KILE 2.2.3 */
#define PA_REQ_ENC_PA_REP 149  /* RFC 6806 11 */
#define PA_AS_FRESHNESS 150    /* RFC 8070 */
#define KDC_OPT_WINDOWS 0x40810010u /* forwardable, renewable, canonicalize, renewable-ok (RFC 4120 5.4.1) */

static TwMachine *machine_of_rid(const TwAnalysis *a, gint64 rid)
{
    for (guint i = 0; i < a->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->rid == rid && m->account)
            return m;
    }
    return NULL;
}

/* The record of a sender: its account when the message names it as a
 * machine, else whoever the engine binds to the address. */
static TwMachine *sender_record(TwAnalysis *a, const char *principal, const char *addr)
{
    g_autofree char *acct = tw_identity_from_principal(principal);
    TwMachine *m = acct ? tw_identity_lookup(a, acct) : NULL;
    return m ? m : tw_identity_by_addr(a, addr, false);
}

static void os_kerberos(TwAnalysis *a, const TwEvent *ev)
{
    if (an_int(ev, "msg_type", -1) != 10 /* AS-REQ, RFC 4120 5.10 */)
        return;
    TwMachine *m = sender_record(a, an_str(ev, "cname"), ev->src);
    if (!m)
        return;
    const TwField *et = an_get(ev, "etypes"), *pa = an_get(ev, "padata");
    guint32 opt = 0;
    bool has_opt = kdc_options(ev, &opt);
    /* RFC 4120 7.5.9 leaves negative etypes to local use: Windows lists -128
     * (RC4_HMAC_OLD), -133 (RC4_HMAC_OLD_EXP), -135 (RC4_HMAC_EXP) */
    if (list_has_negative(et))
        os_sign(m, TW_OSS_KRB_MS_ETYPE, ev);
    /* Camellia (RFC 6803: 25, 26) is MIT's alone among AD clients; PA-AS-FRESHNESS MIT 1.17+ */
    if (list_has(et, 25) || list_has(et, 26) || list_has(pa, PA_AS_FRESHNESS))
        os_sign(m, TW_OSS_KRB_MIT, ev);
    if (list_has(pa, PA_REQ_ENC_PA_REP))
        os_sign(m, TW_OSS_KRB_ENC_PA_REP, ev);
    else if (has_opt && opt == KDC_OPT_WINDOWS && list_has(pa, PA_PAC_REQUEST))
        os_sign(m, TW_OSS_KRB_WIN_OPTIONS, ev);
}

static void os_ntlmssp(TwAnalysis *a, const TwEvent *ev)
{
    const char *v = an_str(ev, "os_version");
    guint maj = 0, min = 0, build = 0;
    if (!v || sscanf(v, "%u.%u.%u", &maj, &min, &build) != 3)
        return;
    const char *type = an_str(ev, "ntlmssp_type");
    TwMachine *m;
    if (g_strcmp0(type, "CHALLENGE") == 0) {
        g_autofree char *acct = tw_identity_from_computer(an_str(ev, "nb_computer"));
        m = acct ? tw_identity_lookup(a, acct) : NULL;
        if (!m)
            m = tw_identity_by_addr(a, ev->src, false);
    } else {
        m = sender_record(a, an_str(ev, "user"), ev->src);
    }
    if (!m || (m->os.signs & (1u << TW_OSS_NTLM_BUILD | 1u << TW_OSS_NTLM_SAMBA)))
        return;
    /* MS-NLMP 2.2.2.10: ProductMajor/MinorVersion and ProductBuild of the
     * Windows that sends it; Samba sends 6.1 with build 0. */
    TwOsSign s = build > 0 ? TW_OSS_NTLM_BUILD : maj == 6 && min == 1 ? TW_OSS_NTLM_SAMBA : TW_OSS_COUNT;
    if (s == TW_OSS_COUNT)
        return;
    m->os.ntlm_major = maj;
    m->os.ntlm_minor = min;
    m->os.ntlm_build = build;
    os_sign(m, s, ev);
}

static void os_smb2(TwAnalysis *a, const TwEvent *ev)
{
    const char *d = an_str(ev, "client_dialects");
    if (!d || !*d)
        return;
    /* "0x0202,0x0210,…" (the client's NEGOTIATE request, on the response event) */
    guint max = 0;
    g_auto(GStrv) parts = g_strsplit(d, ",", -1);
    for (char **p = parts; *p; p++) {
        guint64 v = g_ascii_strtoull(*p, NULL, 16);
        if (v != 0x02ff && v > max)
            max = (guint)v;
    }
    if (max && max <= 0x0202)
        os_sign(tw_identity_by_addr(a, ev->dst, false), TW_OSS_SMB_OLD, ev);
}

static void os_ntp(TwAnalysis *a, const TwEvent *ev)
{
    if (an_int(ev, "mode", -1) != 3)
        return; /* a client request: the sender's own NTP client */
    gint64 rid = an_int(ev, "rid", -1);
    TwMachine *m = rid > 0 ? machine_of_rid(a, rid) : NULL;
    if (!m)
        m = tw_identity_by_addr(a, ev->src, false);
    if (!m)
        return;
    if (an_bool(ev, "ms_sntp", false) || rid > 0)
        os_sign(m, TW_OSS_NTP_MS_SNTP, ev); /* MS-SNTP 3.2.5.1: w32time's NtpClient in a domain */
    else if (an_bool(ev, "data_minimized", false))
        os_sign(m, TW_OSS_NTP_MINIMISED, ev);
    else if (an_int(ev, "leap", -1) == 3 && an_int(ev, "stratum", -1) == 0 &&
             an_int(ev, "poll", -1) == 0 && an_int(ev, "precision", -1) == 0)
        os_sign(m, TW_OSS_NTP_SNTP, ev); /* RFC 4330 SNTP client request, as systemd-timesyncd sends it */
}

void tw_identity_os_feed(TwAnalysis *a, const TwEvent *ev)
{
    if (!ev->proto)
        return;
    if (strcmp(ev->proto, "kerberos") == 0)
        os_kerberos(a, ev);
    else if (strcmp(ev->proto, "ntlmssp") == 0)
        os_ntlmssp(a, ev);
    else if (strcmp(ev->proto, "smb2") == 0)
        os_smb2(a, ev);
    else if (strcmp(ev->proto, "ntp") == 0)
        os_ntp(a, ev);
}
