/* fields.h — the typed fields of an event as analysis reads them.
 *
 * The same as tw_event_get() and its typed forms (core/event.h): keys are
 * compared as interned pointers, as tw_event_get() does, so the field found
 * is the same one.  Analysis asks each event for dozens of fields by name
 * (about 18 per event on a DC's capture), so the interned pointer of a key
 * is not looked up for each read:
 *
 *  - an_get/an_str/an_int/an_bool/an_has take a string literal (the
 *    compiler refuses anything else) whose interned pointer is looked up
 *    once per call site and kept there (AN_KEY);
 *  - the _dyn forms take any string (a key in a reused buffer, a key
 *    passed down by a caller) and find its interned pointer in analysis's
 *    own per-thread cache (tw_an_key), confirmed with strcmp.
 */
#pragma once

#include "core/event.h"

/* The interned copy of key (g_intern_string). */
const char *tw_an_key(const char *key);

/* The interned copy of the string literal `lit`, looked up on the first
 * read at this call site and kept in a static of the site (GLib's interned
 * strings live as long as the program; every thread gets the same pointer,
 * so a relaxed atomic is enough). */
#define AN_KEY(lit)                                                                                  \
    (__extension__({                                                                                 \
        static const char *an_key_site_;                                                            \
        const char *an_key_ = __atomic_load_n(&an_key_site_, __ATOMIC_RELAXED);                      \
        if (__builtin_expect(!an_key_, 0)) {                                                         \
            an_key_ = g_intern_string("" lit "");                                                    \
            __atomic_store_n(&an_key_site_, an_key_, __ATOMIC_RELAXED);                              \
        }                                                                                            \
        an_key_;                                                                                     \
    }))

/* The field of interned key k, or NULL. */
static inline const TwField *an_get_k(const TwEvent *ev, const char *k)
{
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->key == k)
            return f;
    }
    return NULL;
}

static inline const char *an_str_k(const TwEvent *ev, const char *k)
{
    const TwField *f = an_get_k(ev, k);
    return f && f->type == TW_FIELD_STR ? f->v.s : NULL;
}

static inline gint64 an_int_k(const TwEvent *ev, const char *k, gint64 dflt)
{
    const TwField *f = an_get_k(ev, k);
    return f && f->type == TW_FIELD_INT ? f->v.i : dflt;
}

static inline bool an_bool_k(const TwEvent *ev, const char *k, bool dflt)
{
    const TwField *f = an_get_k(ev, k);
    return f && f->type == TW_FIELD_BOOL ? f->v.b : dflt;
}

/* Any key (not only a literal). */
static inline const TwField *an_get_dyn(const TwEvent *ev, const char *key)
{
    return an_get_k(ev, tw_an_key(key));
}

static inline const char *an_str_dyn(const TwEvent *ev, const char *key)
{
    return an_str_k(ev, tw_an_key(key));
}

static inline gint64 an_int_dyn(const TwEvent *ev, const char *key, gint64 dflt)
{
    return an_int_k(ev, tw_an_key(key), dflt);
}

static inline bool an_bool_dyn(const TwEvent *ev, const char *key, bool dflt)
{
    return an_bool_k(ev, tw_an_key(key), dflt);
}

/* A string literal key. */
#define an_get(ev, lit) an_get_k((ev), AN_KEY(lit))
#define an_has(ev, lit) (an_get_k((ev), AN_KEY(lit)) != NULL)
#define an_str(ev, lit) an_str_k((ev), AN_KEY(lit))
#define an_int(ev, lit, dflt) an_int_k((ev), AN_KEY(lit), (dflt))
#define an_bool(ev, lit, dflt) an_bool_k((ev), AN_KEY(lit), (dflt))
