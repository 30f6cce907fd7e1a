/* keyproof.c — what the supplied keys proved about the password a machine
 * used (MS-NRPC 3.1.4.4 credentials recomputed by the NETLOGON dissector,
 * facts TW_F_NL_CRED_*), said for the machines whose authentication failed. */
#include "analysis.h"

#include "core/ntstatus.h"

#include <string.h>

/* The last fact evidence of a failed call (NTSTATUS not success), or NULL. */
static const TwEvidence *last_failed(const TwFact *f)
{
    for (guint i = f->ev ? f->ev->len : 0; i > 0; i--) {
        const TwEvidence *e = g_ptr_array_index(f->ev, i - 1);
        if (e->has_ntstatus && e->ntstatus != 0)
            return e;
    }
    return NULL;
}

char *tw_machine_key_proof(const TwMachine *m, gint64 *generation)
{
    const TwEvidence *used = last_failed(&m->facts[TW_F_NL_CRED_GENERATION]);
    const TwEvidence *none = last_failed(&m->facts[TW_F_NL_CRED_NONE]);
    /* the later failure says what the machine holds now */
    if (used && none && none->ts_us >= used->ts_us)
        used = NULL;
    const char *name = m->account ? m->account : m->key;
    if (used) {
        gint64 idx = (gint64)used->value;
        if (generation)
            *generation = idx;
        if (idx == 0)
            return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                                   ") was computed with the newest supplied password, %s; the DC holds another one",
                                   name, used->frame, used->detail ? used->detail : "");
        return g_strdup_printf("With the supplied keys: %s used an older password on its refused NETLOGON "
                               "authentication (frame %" G_GUINT64_FORMAT "), %s: a snapshot rollback or a restored image",
                               name, used->frame, used->detail ? used->detail : "");
    }
    if (none) {
        if (generation)
            *generation = -1;
        return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                               ") matches none of the %.0f supplied passwords: it holds a password nobody supplied "
                               "(reset elsewhere, or a clone rotated it)",
                               name, none->frame, none->value);
    }
    return NULL;
}

static bool has_addr(const TwMachine *m, const char *addr)
{
    for (guint i = 0; i < m->addrs->len; i++)
        if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, addr) == 0)
            return true;
    return false;
}

char *tw_machine_reset_by_other(const TwMachine *m)
{
    const TwFact *r = &m->facts[TW_F_PWRESET_SAMR];
    if (!r->ev || !r->ev->len)
        return NULL;
    /* the latest reset by another host; the caller is the response's destination */
    const TwEvidence *reset = NULL;
    for (guint i = r->ev->len; i > 0 && !reset; i--) {
        const TwEvidence *e = g_ptr_array_index(r->ev, i - 1);
        if (!has_addr(m, e->dst))
            reset = e;
    }
    if (!reset)
        return NULL;
    /* the machine's own key failing after it: it still has the old password */
    const TwFactKind fails[] = { TW_F_NL_AUTH_DENIED, TW_F_KRB_KEY_FAIL, TW_F_NTLM_FAIL, TW_F_SRV_KEY_FAIL };
    guint64 fail_frame = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(fails); i++) {
        const TwFact *f = &m->facts[fails[i]];
        if (f->count && f->last_ts >= reset->ts_us && f->ev && f->ev->len) {
            const TwEvidence *e = g_ptr_array_index(f->ev, f->ev->len - 1);
            fail_frame = MAX(fail_frame, e->frame);
        }
    }
    if (!fail_frame)
        return NULL;
    g_autofree char *host = g_strdup(m->account ? m->account : m->key);
    if (g_str_has_suffix(host, "$"))
        host[strlen(host) - 1] = 0;
    GDateTime *dt = g_date_time_new_from_unix_utc(reset->ts_us / G_USEC_PER_SEC);
    g_autofree char *t = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
    if (dt)
        g_date_time_unref(dt);
    g_autofree char *by = reset->detail ? g_strdup_printf("user %s, ", reset->detail) : g_strdup("");
    return g_strdup_printf("The password of %s was reset at %s UTC from %s (%s%s, frame %" G_GUINT64_FORMAT
                           "); %s still has the old one (its key fails after it, frame %" G_GUINT64_FORMAT ")",
                           m->account ? m->account : m->key, t, reset->dst, by, reset->msg, reset->frame, host,
                           fail_frame);
}
