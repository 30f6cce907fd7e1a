/* established.c — live findings: which findings the latest events just
 * established.  Deciding that is analysis; how a finding is shown (a human
 * line, an NDJSON alert) is output/'s business (output/alerts.c). */
#include "analysis.h"

void tw_analysis_established_none(TwAnalysis *a)
{
    g_ptr_array_set_size(a->touched, 0);
}

guint tw_analysis_established(TwAnalysis *a, TwEstablishedFn fn, void *user)
{
    guint n = 0;
    for (guint i = 0; i < a->touched->len; i++) {
        TwMachine *m = g_ptr_array_index(a->touched, i);
        if (!tw_machine_is_machine(m))
            continue; /* a name only others used is announced when its machine speaks */
        g_autoptr(GPtrArray) fs = tw_rules_eval(a, m);
        for (guint j = 0; j < fs->len; j++) {
            const TwFinding *f = g_ptr_array_index(fs, j);
            if (f->state < TW_STATE_RECOVERED)
                continue;
            g_autofree char *k = g_strdup_printf("%s|%s|%d", m->key, f->rule->name, f->state);
            if (g_hash_table_contains(a->announced, k))
                continue;
            g_hash_table_add(a->announced, g_steal_pointer(&k));
            fn(a, m, f, user);
            n++;
        }
    }
    g_ptr_array_set_size(a->touched, 0);
    return n;
}
