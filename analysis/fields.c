/* fields.c — the key cache of fields.h. */
#include "fields.h"

#include <string.h>

/* Indexed by the key's address (nearly always a string literal of
 * analysis/), confirmed with strcmp so that a key in a reused buffer is
 * still right.  A few hundred distinct keys: 1024 slots keep them apart. */
#define TW_AN_KEY_SLOTS 1024 /* a power of two */

typedef struct {
    const char *key;
    const char *interned;
} KeySlot;

static _Thread_local KeySlot key_slots[TW_AN_KEY_SLOTS];

const char *tw_an_key(const char *key)
{
    if (!key)
        return NULL;
    guint64 h = (guint64)(guintptr)key * 0x9E3779B97F4A7C15ull;
    KeySlot *slot = &key_slots[(h >> 40) & (TW_AN_KEY_SLOTS - 1)];
    if (slot->key == key && strcmp(key, slot->interned) == 0)
        return slot->interned;
    const char *k = g_intern_string(key);
    slot->key = key;
    slot->interned = k;
    return k;
}
