/* strhash.h — the string hash of analysis's tables.
 *
 * g_str_hash reads a byte at a time; analysis looks up addresses, machine
 * keys and "source|addr" keys several times per event, and hashing them was
 * a large part of what a lookup cost.  This one reads eight bytes at a time
 * (GHashTable compares the keys with g_str_equal: the hash only spreads
 * them).  No output depends on a table's order: analysis keeps its own
 * orders (machine_order, users), and the few loops over a table give the
 * same answer in any order (clock.c's capture host, retire.c's removals).
 */
#pragma once

#include <glib.h>
#include <string.h>

static inline guint tw_an_str_hash(gconstpointer p)
{
    const char *s = p;
    gsize n = strlen(s), i = 0;
    guint64 h = 0x243F6A8885A308D3ull ^ (guint64)n;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    guint64 w = 0;
    memcpy(&w, s + i, n - i); /* the last 0-7 bytes */
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    return (guint)h;
}
