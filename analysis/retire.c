/* retire.c — forgetting machines not seen for a while (retire.h). */
#include "retire.h"
#include "analysis/strhash.h"

#include <string.h>

/* Whether a '|'-separated key names one of the addresses in `addrs`. */
static gboolean key_names_addr(gpointer key, gpointer value, gpointer addrs)
{
    (void)value;
    g_auto(GStrv) parts = g_strsplit(key, "|", -1);
    for (char **p = parts; *p; p++)
        if (g_hash_table_contains(addrs, *p))
            return TRUE;
    return FALSE;
}

static gboolean owner_retired(gpointer key, gpointer value, gpointer keys)
{
    (void)key;
    return g_hash_table_contains(keys, value);
}

static gboolean announced_retired(gpointer key, gpointer value, gpointer keys)
{
    (void)value;
    /* "MACHINEKEY|rule|state" (established.c) */
    const char *bar = strchr(key, '|');
    if (!bar)
        return FALSE;
    g_autofree char *mk = g_strndup(key, (gsize)(bar - (const char *)key));
    return g_hash_table_contains(keys, mk);
}

guint tw_analysis_retire(TwAnalysis *a, gint64 now_us, gint64 idle_us, TwRetireFn fn, void *user)
{
    if (idle_us <= 0)
        return 0;
    /* No subtraction that could overflow on a capture clock far in the past. */
    if (now_us < G_MININT64 + idle_us)
        return 0;
    gint64 cutoff = now_us - idle_us;
    g_autoptr(GHashTable) keys = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) addrs = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    for (guint i = 0; i < a->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->role == TW_ROLE_DC || m->last_ts >= cutoff)
            continue;
        g_ptr_array_add(gone, m);
    }
    for (guint i = 0; i < gone->len; i++) {
        TwMachine *m = g_ptr_array_index(gone, i);
        if (fn) {
            g_autoptr(GPtrArray) fs = tw_rules_eval(a, m);
            fn(a, m, fs, user);
        }
        g_hash_table_add(keys, g_strdup(m->key));
        for (guint j = 0; j < m->addrs->len; j++)
            g_hash_table_add(addrs, g_strdup(g_array_index(m->addrs, TwAddrUse, j).addr));
        g_ptr_array_remove(a->touched, m);
        g_ptr_array_remove(a->machine_order, m);
    }
    if (gone->len) {
        g_hash_table_foreach_remove(a->ip_owner, owner_retired, keys);
        g_hash_table_foreach_remove(a->announced, announced_retired, keys);
        g_hash_table_foreach_remove(a->nl_challenges, key_names_addr, addrs);
        g_hash_table_foreach_remove(a->changepw_client, key_names_addr, addrs);
        g_hash_table_foreach_remove(a->sealed_bursts, key_names_addr, addrs);
    }
    /* User failures as old as the cutoff go too (the index first: it
     * borrows the records). */
    g_autoptr(GHashTable) old_users = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < a->users->len; i++) {
        TwUserFailure *u = g_ptr_array_index(a->users, i);
        if (u->last_ts < cutoff)
            g_hash_table_add(old_users, u);
    }
    if (g_hash_table_size(old_users)) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, a->user_index);
        while (g_hash_table_iter_next(&it, &k, &v))
            if (g_hash_table_contains(old_users, v))
                g_hash_table_iter_remove(&it);
        for (guint i = a->users->len; i-- > 0;)
            if (g_hash_table_contains(old_users, g_ptr_array_index(a->users, i)))
                g_ptr_array_remove_index(a->users, i); /* frees it */
    }
    for (guint i = 0; i < gone->len; i++) {
        TwMachine *m = g_ptr_array_index(gone, i);
        g_hash_table_remove(a->machines, m->key); /* frees m */
    }
    a->dc_cache_events = G_MAXUINT64; /* the DC view is recomputed without them */
    a->host_cache_events = G_MAXUINT64; /* and the capture host */
    return gone->len;
}
