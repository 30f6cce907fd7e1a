/* fields.h — the typed fields of an event as analysis reads them.
 *
 * The same as tw_event_get() and its typed forms (core/event.h), with the
 * key's interned pointer found in analysis's own per-thread cache: analysis
 * asks each event for dozens of fields by name, and core's small cache,
 * shared with every other key the thread uses, sends its collisions to
 * GLib's locked intern table.  Keys are compared as interned pointers, as
 * tw_event_get() does, so the field found is the same one.
 */
#pragma once

#include "core/event.h"

/* The interned copy of key (g_intern_string). */
const char *tw_an_key(const char *key);

static inline const TwField *an_get(const TwEvent *ev, const char *key)
{
    const char *k = tw_an_key(key);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->key == k)
            return f;
    }
    return NULL;
}

static inline bool an_has(const TwEvent *ev, const char *key)
{
    return an_get(ev, key) != NULL;
}

static inline const char *an_str(const TwEvent *ev, const char *key)
{
    const TwField *f = an_get(ev, key);
    return f && f->type == TW_FIELD_STR ? f->v.s : NULL;
}

static inline gint64 an_int(const TwEvent *ev, const char *key, gint64 dflt)
{
    const TwField *f = an_get(ev, key);
    return f && f->type == TW_FIELD_INT ? f->v.i : dflt;
}

static inline bool an_bool(const TwEvent *ev, const char *key, bool dflt)
{
    const TwField *f = an_get(ev, key);
    return f && f->type == TW_FIELD_BOOL ? f->v.b : dflt;
}
