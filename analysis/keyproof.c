/* keyproof.c — what the supplied keys proved about the password a machine
 * used (MS-NRPC 3.1.4.4 credentials recomputed by the NETLOGON dissector,
 * facts TW_F_NL_CRED_*), said for the machines whose authentication failed. */
#include "analysis.h"

#include "core/ntstatus.h"

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
