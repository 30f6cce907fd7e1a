/* event.c — typed events and their NDJSON form (docs/events.md). */
#include "event.h"
#include "community-id.h"
#include "json-writer.h"
#include "tw-limits.h"

#include <link.h>
#include <stdio.h>
#include <string.h>

/* g_intern_string takes a global lock on every call, and every setter and
 * getter names its key.  A small per-thread cache maps the caller's key
 * pointer (nearly always a string literal) to the interned copy.  A hit is
 * confirmed with strcmp, so a key built in a reused buffer is still right,
 * unless the key cannot have changed since it was cached: an interned string
 * (never freed, never written), or one in the program's read-only segments
 * (a string literal). */
#define TW_INTERN_CACHE_BITS 10 /* 1024 slots: the keys of all dissectors, few collisions */

typedef struct {
    const char *key;
    const char *interned;
    bool immutable; /* key cannot change: the hit needs no strcmp */
    guint8 bit;     /* key_bit_index(interned): the bit of TwEvent.key_mask_ */
} InternSlot;

/* Two-way: a key may sit in either slot of its pair (the last key cached
 * first), so two keys whose addresses share a pair do not throw each other
 * out (a Kerberos event naming "kvno" and "cname_type" alternately sent one
 * of them to g_intern_string per event). */
static TW_THREAD_LOCAL InternSlot intern_cache[1u << TW_INTERN_CACHE_BITS];

/* The main program's non-writable PT_LOAD segments (its .rodata among them). */
#define TW_RO_RANGES 8
static struct {
    guintptr lo, hi;
} ro_ranges[TW_RO_RANGES];
static guint n_ro_ranges;

static int ro_segments(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    /* The first object dl_iterate_phdr reports is the main program. */
    for (guint i = 0; i < info->dlpi_phnum && n_ro_ranges < TW_RO_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
            continue;
        ro_ranges[n_ro_ranges].lo = (guintptr)(info->dlpi_addr + ph->p_vaddr);
        ro_ranges[n_ro_ranges].hi = (guintptr)(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
        n_ro_ranges++;
    }
    return 1;
}

/* True when the whole string at s (len bytes and its NUL) lies in a
 * read-only segment of the program: it can never change. */
static bool in_ro_segment(const char *s, gsize len)
{
    static gsize init;
    if (g_once_init_enter(&init)) {
        dl_iterate_phdr(ro_segments, NULL);
        g_once_init_leave(&init, 1);
    }
    guintptr a = (guintptr)s;
    for (guint i = 0; i < n_ro_ranges; i++)
        if (a >= ro_ranges[i].lo && a < ro_ranges[i].hi && len < ro_ranges[i].hi - a)
            return true;
    return false;
}

/* The bit (0-63) of TwEvent.key_mask_ an interned key sets (event.h). */
static inline guint key_bit_index(const char *k)
{
    return (guint)((guint64)(guintptr)k * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15) >> 58);
}

/* set: the pair of the key's slots.  The first slot's key moves to the
 * second, and the key missed takes the first. */
static G_GNUC_NO_INLINE const InternSlot *intern_miss(InternSlot *set, const char *key)
{
    const char *k = g_intern_string(key);
    set[1] = set[0];
    set[0].key = key;
    set[0].interned = k;
    set[0].immutable = key == k || in_ro_segment(key, strlen(key));
    set[0].bit = (guint8)key_bit_index(k);
    return &set[0];
}

static inline bool intern_hit(const InternSlot *slot, const char *key)
{
    return slot->key == key && (slot->immutable || strcmp(key, slot->interned) == 0);
}

/* The pair of slots of key (not NULL). */
static inline InternSlot *intern_set(const char *key)
{
    guint64 h = (guint64)(guintptr)key * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15); /* Fibonacci hashing */
    return &intern_cache[(h >> (64 - TW_INTERN_CACHE_BITS)) & ~(guint64)1];
}

/* The slot of key (not NULL) when intern_slot_fast does not find it: a
 * key that can change (checked with strcmp), a miss. */
static G_GNUC_NO_INLINE const InternSlot *intern_slot_slow(const char *key)
{
    InternSlot *set = intern_set(key);
    if (intern_hit(&set[0], key))
        return &set[0];
    if (intern_hit(&set[1], key))
        return &set[1];
    return intern_miss(set, key);
}

/* The slot of key (not NULL) when it holds an immutable key (either of its
 * pair), else NULL: no call, so the setters' fast paths need no stack
 * frame. */
static inline const InternSlot *intern_slot_fast(const char *key)
{
    const InternSlot *set = intern_set(key);
    const InternSlot *slot = set[0].key == key ? &set[0] : &set[1];
    return G_LIKELY(slot->key == key && slot->immutable) ? slot : NULL;
}

static inline const char *intern_key(const char *key)
{
    if (!key)
        return NULL;
    const InternSlot *slot = intern_slot_fast(key);
    if (G_LIKELY(slot))
        return slot->interned;
    return intern_slot_slow(key)->interned;
}

const char *tw_event_intern(const char *s)
{
    return intern_key(s);
}

/* ---- event storage ----------------------------------------------------------
 *
 * An event is one block: the TwEvent and the first TW_EVENT_INLINE_STR bytes
 * of its strings; more strings go to chunks of TW_EVENT_STR_CHUNK bytes
 * chained to the event; a string longer than a quarter chunk gets its own
 * allocation as before.  Freed events go back to a small pool of the thread
 * that frees them, with their field array (capture/ workers free the events
 * they made), so a steady stream of events allocates nothing.  Sanitizer builds keep no pool,
 * so a use after free is still found. */
#define TW_EVENT_INLINE_STR 1024
#define TW_EVENT_STR_CHUNK 2048
#if defined(__SANITIZE_ADDRESS__)
#define TW_EVENT_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_EVENT_POOL 0
#endif
#endif
#ifndef TW_EVENT_POOL
#define TW_EVENT_POOL 64
#endif

#define TW_EVENT_FIELDS 32 /* fields reserved at first (a Kerberos event has ~20) */

G_STATIC_ASSERT(sizeof(TwField) == 24); /* the private marks live in what was padding */

typedef struct {
    TwEvent ev;
    guint fields_cap; /* ev.fields_cap_ while pooled */
    char str[TW_EVENT_INLINE_STR];
} EventBlock;

typedef struct StrChunk {
    struct StrChunk *next;
    char data[];
} StrChunk;

static void block_free(EventBlock *b)
{
    g_array_free(b->ev.fields, TRUE);
    g_free(b);
}

#if TW_EVENT_POOL > 0
/* Integer lists of freed events are kept too, emptied (a Kerberos event
 * has one or two: etypes, padata types), when they hold gint64 and have
 * not grown past TW_INTLIST_POOLED_LEN. */
#define TW_INTLIST_POOLED_LEN 256

typedef struct {
    guint n, nlists;
    EventBlock *free[TW_EVENT_POOL];
    GArray *lists[TW_EVENT_POOL];
} EventPool;

static void event_pool_free(gpointer p)
{
    EventPool *pool = p;
    for (guint i = 0; i < pool->n; i++)
        block_free(pool->free[i]);
    for (guint i = 0; i < pool->nlists; i++)
        g_array_unref(pool->lists[i]);
    g_free(pool);
}

/* The pool is reached through a thread-local pointer; the GPrivate only
 * frees it when its thread ends. */
static GPrivate event_pool_key = G_PRIVATE_INIT(event_pool_free);
static TW_THREAD_LOCAL EventPool *event_pool;

static EventPool *pool_get(void)
{
    if (!event_pool) {
        event_pool = g_new0(EventPool, 1);
        g_private_set(&event_pool_key, event_pool);
    }
    return event_pool;
}
#endif

/* An empty list of gint64 for an INTLIST field (transfer full). */
static GArray *intlist_new(void)
{
#if TW_EVENT_POOL > 0
    EventPool *pool = pool_get();
    if (pool->nlists)
        return pool->lists[--pool->nlists];
#endif
    return g_array_sized_new(FALSE, FALSE, sizeof(gint64), 8);
}

/* The end of an INTLIST field's list (transfer full of a). */
static void intlist_release(GArray *a)
{
#if TW_EVENT_POOL > 0
    EventPool *pool = pool_get();
    if (pool->nlists < TW_EVENT_POOL && a->len <= TW_INTLIST_POOLED_LEN &&
        g_array_get_element_size(a) == sizeof(gint64)) {
        /* as g_array_set_size(a, 0) without its call and range removal: an
         * INTLIST's array has no clear func (event.h), and a zero-terminated
         * one is terminated again by the next append */
        a->len = 0;
        pool->lists[pool->nlists++] = a;
        return;
    }
#endif
    g_array_unref(a);
}

TwEvent *tw_event_new(const TwPacketInfo *pi, const char *proto)
{
    EventBlock *b;
    GArray *fields;
#if TW_EVENT_POOL > 0
    EventPool *pool = pool_get();
    if (pool->n) {
        b = pool->free[--pool->n];
        fields = b->ev.fields;
        memset(&b->ev, 0, sizeof b->ev);
    } else
#endif
    {
        b = g_new(EventBlock, 1);
        memset(&b->ev, 0, sizeof b->ev);
        fields = g_array_sized_new(FALSE, TRUE, sizeof(TwField), TW_EVENT_FIELDS);
        b->fields_cap = TW_EVENT_FIELDS;
    }
    TwEvent *ev = &b->ev;
    ev->fields = fields;
    ev->fields_cap_ = b->fields_cap;
    ev->str_next_ = b->str;
    ev->str_left_ = sizeof b->str;
    ev->proto = intern_key(proto);
    if (pi) {
        ev->frame = pi->frame;
        ev->ts_us = pi->ts_us;
        ev->transport = pi->transport ? intern_key(pi->transport) : NULL;
        /* capture/ sets "tcp"/"udp" from the IP header; dissectors change
         * ev->transport to a carrier later, never pi's */
        if (ev->transport) /* interned: the same text is the same pointer */
            ev->ip_proto = ev->transport == intern_key("tcp")   ? TW_IPPROTO_TCP
                           : ev->transport == intern_key("udp") ? TW_IPPROTO_UDP
                                                                : 0;
        memcpy(ev->src, pi->src, sizeof ev->src);
        memcpy(ev->dst, pi->dst, sizeof ev->dst);
        ev->sport = pi->sport;
        ev->dport = pi->dport;
        ev->has_mac = pi->has_mac;
        memcpy(ev->src_mac, pi->src_mac, 6);
        memcpy(ev->dst_mac, pi->dst_mac, 6);
    }
    return ev;
}

/* n bytes of the event's string storage (transfer none: freed with ev), or
 * NULL when n is too large for it (the caller allocates). */
static char *event_str_alloc(TwEvent *ev, gsize n)
{
    if (n <= ev->str_left_) {
        char *p = ev->str_next_;
        ev->str_next_ += n;
        ev->str_left_ -= n;
        return p;
    }
    if (n > TW_EVENT_STR_CHUNK / 4)
        return NULL;
    StrChunk *c = g_malloc(sizeof(StrChunk) + TW_EVENT_STR_CHUNK);
    c->next = ev->str_chunks_;
    ev->str_chunks_ = c;
    ev->str_next_ = c->data + n;
    ev->str_left_ = TW_EVENT_STR_CHUNK - n;
    return c->data;
}

static void field_clear(TwField *f)
{
    switch (f->type) {
    case TW_FIELD_STR:
        if (!f->in_event_)
            g_free(f->v.s);
        break;
    case TW_FIELD_INTLIST:
        if (f->v.ilist)
            intlist_release(f->v.ilist);
        break;
    case TW_FIELD_STRLIST:
        if (f->v.slist)
            g_ptr_array_unref(f->v.slist);
        break;
    default:
        break;
    }
    f->in_event_ = 0;
    f->str_words_ = 0;
    f->str_len_ = 0;
    memset(&f->v, 0, sizeof f->v);
}

static void tree_node_free(gpointer p)
{
    TwTreeNode *n = p;
    g_free(n->name);
    g_free(n->value);
    g_free(n->spec);
    g_free(n);
}

void tw_event_free(TwEvent *ev)
{
    if (!ev)
        return;
    /* field_clear without the reset: the fields go with the event */
    TwField *fs = (TwField *)(void *)ev->fields->data;
    for (guint i = 0, n = ev->fields->len; i < n; i++) {
        TwField *f = &fs[i];
        if (f->type == TW_FIELD_STR) {
            if (!f->in_event_)
                g_free(f->v.s);
        } else if (f->type == TW_FIELD_INTLIST) {
            if (f->v.ilist)
                intlist_release(f->v.ilist);
        } else if (f->type == TW_FIELD_STRLIST) {
            if (f->v.slist)
                g_ptr_array_unref(f->v.slist);
        }
    }
    if (ev->tree)
        g_ptr_array_free(ev->tree, TRUE);
    for (StrChunk *c = ev->str_chunks_, *next; c; c = next) {
        next = c->next;
        g_free(c);
    }
    EventBlock *b = (EventBlock *)ev; /* tw_event_new made it */
#if TW_EVENT_POOL > 0
    EventPool *pool = pool_get();
    if (pool->n < TW_EVENT_POOL && ev->fields_cap_ <= 256) {
        ev->fields->len = 0; /* as g_array_set_size(0): no clear func, not zero-terminated */
        b->fields_cap = ev->fields_cap_;
        pool->free[pool->n++] = b;
        return;
    }
#endif
    block_free(b);
}

/* The bit of ev->key_mask_ an interned key sets (event.h). */
static inline guint64 key_bit(const char *k)
{
    return G_GUINT64_CONSTANT(1) << key_bit_index(k);
}

/* The field of interned key k, or NULL. */
static inline TwField *find_field(const TwEvent *ev, const char *k)
{
    if (!(ev->key_mask_ & key_bit(k)))
        return NULL;
    TwField *fs = (TwField *)(void *)ev->fields->data;
    for (guint i = 0, n = ev->fields->len; i < n; i++)
        if (fs[i].key == k)
            return &fs[i];
    return NULL;
}

/* The new field of interned key k, at the end (transfer none). */
static inline TwField *field_append(TwEvent *ev, const char *k, guint64 bit)
{
    GArray *a = ev->fields;
    TwField *nf = &((TwField *)(void *)a->data)[a->len];
    memset(nf, 0, sizeof *nf);
    nf->key = k;
    a->len++;
    ev->key_mask_ |= bit;
    return nf;
}

/* field_slot when the key may be present or the array is full. */
static G_GNUC_NO_INLINE TwField *field_slot_slow(TwEvent *ev, const char *k)
{
    TwField *old = find_field(ev, k);
    if (old) {
        field_clear(old);
        return old;
    }
    /* The array's room is reserved with g_array_set_size and known
     * (fields_cap_); within it the public length is raised in place, as
     * g_array_set_size would (the array has no clear func and is not
     * zero-terminated), without a call and a memcpy per field. */
    GArray *a = ev->fields;
    if (a->len >= ev->fields_cap_) {
        guint len = a->len, cap = MAX(2 * ev->fields_cap_, TW_EVENT_FIELDS);
        g_array_set_size(a, cap);
        g_array_set_size(a, len);
        ev->fields_cap_ = cap;
    }
    return field_append(ev, k, key_bit(k));
}

/* The field of key, cleared: the one present replaced in place, else a
 * new one at the end.  Inlined into each setter: a key the mask has never
 * seen, with room left, is appended without a call. */
static inline TwField *field_slot(TwEvent *ev, const char *key)
{
    const char *k = intern_key(key);
    guint64 bit = key_bit(k);
    if (G_LIKELY(!(ev->key_mask_ & bit) && ev->fields->len < ev->fields_cap_))
        return field_append(ev, k, bit);
    return field_slot_slow(ev, k);
}

/* field_slot's common case without a call: the new field of a key found
 * in either slot of its intern pair, immutable, that the mask has never
 * seen, with room left; NULL when any of these fails (the caller goes to a
 * slow path that calls field_slot, and returns from there: a tail call, so
 * the fast path needs no stack frame). */
static inline TwField *field_fast(TwEvent *ev, const char *key)
{
    if (G_UNLIKELY(!key))
        return NULL;
    const InternSlot *slot = intern_slot_fast(key);
    if (G_UNLIKELY(!slot))
        return NULL;
    guint64 bit = G_GUINT64_CONSTANT(1) << slot->bit;
    if (G_UNLIKELY((ev->key_mask_ & bit) || ev->fields->len >= ev->fields_cap_))
        return NULL;
    return field_append(ev, slot->interned, bit);
}

static G_GNUC_NO_INLINE void set_int_slow(TwEvent *ev, const char *key, gint64 v)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_INT;
    f->v.i = v;
}

void tw_event_set_int(TwEvent *ev, const char *key, gint64 v)
{
    TwField *f = field_fast(ev, key);
    if (G_UNLIKELY(!f)) {
        set_int_slow(ev, key, v);
        return;
    }
    f->type = TW_FIELD_INT;
    f->v.i = v;
}

static G_GNUC_NO_INLINE void set_bool_slow(TwEvent *ev, const char *key, gboolean v)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_BOOL;
    f->v.b = v ? TRUE : FALSE;
}

void tw_event_set_bool(TwEvent *ev, const char *key, gboolean v)
{
    TwField *f = field_fast(ev, key);
    if (G_UNLIKELY(!f)) {
        set_bool_slow(ev, key, v);
        return;
    }
    f->type = TW_FIELD_BOOL;
    f->v.b = v ? TRUE : FALSE;
}

/* True when the n bytes at s are all ASCII (then valid UTF-8 when no NUL). */
static bool ascii_n(const char *s, gsize n)
{
    guint64 acc = 0;
    gsize i = 0;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (guint8)s[i];
    return (acc & G_GUINT64_CONSTANT(0x8080808080808080)) == 0;
}

/* Events hold UTF-8 only (event.h): a string that is not valid UTF-8 (bytes
 * copied from a packet that claimed to be text) gets U+FFFD for each bad
 * byte, here, once, so every output (NDJSON, summary, tree, report) and a
 * round trip through NDJSON see the same text.  Transfer full. */
static char *valid_utf8(char *s)
{
    if (!s)
        return s;
    gsize n = strlen(s);
    if (ascii_n(s, n) || g_utf8_validate(s, (gssize)n, NULL))
        return s;
    char *v = g_utf8_make_valid(s, (gssize)n);
    g_free(s);
    return v;
}

void tw_event_take_str(TwEvent *ev, const char *key, char *s)
{
    if (!s) {
        tw_event_remove(ev, key);
        return;
    }
    s = valid_utf8(s);
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STR;
    f->v.s = s;
}

/* memcpy(d, s, n) without a call for the short texts most fields are:
 * two copies of fixed size that overlap, each within the n bytes. */
static inline void copy_short(char *d, const char *s, gsize n)
{
    if (n >= 8 && n <= 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n < 4) {
        for (gsize i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
}

/* What event_str_alloc gives is at most a quarter chunk: its length fits
 * TwField.str_len_. */
G_STATIC_ASSERT(TW_EVENT_STR_CHUNK / 4 <= G_MAXUINT16);

/* Sets key to the n bytes at s, which hold no NUL: copied into the event's
 * storage, invalid UTF-8 replaced as valid_utf8 does (`valid`: the caller
 * knows it is valid).  A copy in the event's storage takes whole words: the
 * text, its NUL and spaces up to the next multiple of 8, so the JSON writer
 * may read it a word at a time (a space needs no escape); the words are
 * looked at for bytes >= 0x80 on the way (only then is the text validated
 * as UTF-8). */
static G_GNUC_NO_INLINE void set_text_slow(TwEvent *ev, const char *key, const char *s, gsize n, bool valid)
{
    gsize room = (n + 8) & ~(gsize)7; /* n bytes and the NUL, in whole words */
    char *d = event_str_alloc(ev, room);
    if (G_LIKELY(d)) {
        memcpy(d + room - 8, "        ", 8);
        copy_short(d, s, n);
        guint64 high = 0;
        for (gsize i = 0; i < n; i += 8) {
            guint64 x;
            memcpy(&x, d + i, 8);
            high |= x;
        }
        d[n] = 0;
        if (!valid && (high & G_GUINT64_CONSTANT(0x8080808080808080)) && !g_utf8_validate(d, (gssize)n, NULL)) {
            tw_event_take_str(ev, key, g_utf8_make_valid(s, (gssize)n)); /* d stays unused */
            return;
        }
        TwField *f = field_slot(ev, key);
        f->type = TW_FIELD_STR;
        f->v.s = d;
        f->in_event_ = 1;
        f->str_words_ = 1;
        f->str_len_ = (guint16)n;
        return;
    }
    if (!valid && !ascii_n(s, n) && !g_utf8_validate(s, (gssize)n, NULL)) {
        tw_event_take_str(ev, key, g_utf8_make_valid(s, (gssize)n));
        return;
    }
    d = g_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STR;
    f->v.s = d;
}

/* set_text's way out of its fast path (a tail call). */
static G_GNUC_NO_INLINE void set_text_retry(TwEvent *ev, const char *key, const char *s, gsize n, bool valid, bool nul)
{
    set_text_slow(ev, key, s, nul ? strnlen(s, n) : n, valid);
}

/* set_text when the copy is made (d, n bytes in the event's storage, in
 * whole words) but the key needs field_slot (a tail call). */
static G_GNUC_NO_INLINE void set_text_field_slow(TwEvent *ev, const char *key, char *d, gsize n)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STR;
    f->v.s = d;
    f->in_event_ = 1;
    f->str_words_ = 1;
    f->str_len_ = (guint16)n;
}

/* set_text for its common case without a call: the copy fits the event's
 * storage as it is, the text is ASCII (or `valid`), its key takes the fast
 * path of field_fast; `nul`: the n bytes may hold a NUL, and the text then
 * ends at the first (as strnlen: that case goes to set_text_slow, which is
 * given the shorter length).  A key that needs field_slot (present
 * already, its mask bit set, not in the intern cache's fast path) keeps the
 * copy made (set_text_field_slow); anything else goes to set_text_slow,
 * which does it all again (nothing is kept of the attempt: the storage is
 * taken only after the checks).  The copy is a word at a time: the whole words of the
 * n bytes, then the last 8 of them (overlapping; no byte outside the n is
 * read), so no byte past s + n is ever read. */
static inline __attribute__((always_inline)) void set_text(TwEvent *ev, const char *key, const char *s, gsize n, bool valid, bool nul)
{
    const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101), highs = ones << 7;
    gsize room = (n + 8) & ~(gsize)7; /* n bytes and the NUL, in whole words */
    if (G_UNLIKELY(room > ev->str_left_))
        goto slow;
    char *d = ev->str_next_;
    guint64 x, high = 0, zero = 0;
    memcpy(d + room - 8, "        ", 8);
    if (n >= 8) {
        gsize i = 0;
        for (; i + 8 <= n; i += 8) {
            memcpy(&x, s + i, 8);
            memcpy(d + i, &x, 8);
            high |= x;
            zero |= (x - ones) & ~x; /* highs set where a byte may be 0: none when no byte is */
        }
        if (i < n) {
            memcpy(&x, s + n - 8, 8);
            memcpy(d + n - 8, &x, 8);
            high |= x;
            zero |= (x - ones) & ~x;
        }
    } else if (n) {
        copy_short(d, s, n);
        memcpy(&x, d, 8);
        guint64 text = GUINT64_FROM_LE(G_GUINT64_CONSTANT(0xffffffffffffffff) >> (64 - 8 * n));
        high = x & text;
        x |= ~text; /* the bytes past the text are not NULs of it */
        zero = (x - ones) & ~x;
    }
    d[n] = 0;
    if (G_UNLIKELY((!valid && (high & highs)) || (nul && (zero & highs))))
        goto slow;
    TwField *f = field_fast(ev, key);
    ev->str_next_ += room;
    ev->str_left_ -= room;
    if (G_UNLIKELY(!f)) { /* the copy is made: only the field is left */
        set_text_field_slow(ev, key, d, n);
        return;
    }
    f->type = TW_FIELD_STR;
    f->v.s = d;
    f->in_event_ = 1;
    f->str_words_ = 1;
    f->str_len_ = (guint16)n;
    return;
slow:
    set_text_retry(ev, key, s, n, valid, nul);
}

void tw_event_set_str(TwEvent *ev, const char *key, const char *s)
{
    if (!s) {
        tw_event_remove(ev, key);
        return;
    }
    set_text(ev, key, s, strlen(s), false, false);
}

void tw_event_set_strn(TwEvent *ev, const char *key, const char *s, gsize n)
{
    /* as g_strndup: the text ends at a NUL within the n bytes */
    set_text(ev, key, s, n, false, true);
}

void tw_event_set_hex(TwEvent *ev, const char *key, const guint8 *b, gsize n)
{
    static const char hexd[] = "0123456789abcdef";
    char stack[129];
    char *s = n <= 64 ? stack : g_malloc(n * 2 + 1);
    for (gsize i = 0; i < n; i++) {
        s[2 * i] = hexd[b[i] >> 4];
        s[2 * i + 1] = hexd[b[i] & 15];
    }
    s[2 * n] = 0;
    if (s == stack)
        set_text(ev, key, s, 2 * n, true, false);
    else
        tw_event_take_str(ev, key, s);
}

void tw_event_set_hex32(TwEvent *ev, const char *key, guint32 v)
{
    char s[11];
    s[0] = '0';
    s[1] = 'x';
    for (int i = 0; i < 4; i++) /* a byte, most significant first, as two digits */
        memcpy(s + 2 + 2 * i, tw_hex_pairs + 2 * ((v >> (24 - 8 * i)) & 0xff), 2);
    s[10] = 0;
    set_text(ev, key, s, 10, true, false);
}

/* tw_format_time is a function of its argument alone, and a Kerberos
 * message repeats the same few times (a till of 2037-09-13T02:48:05Z in every
 * request): what it wrote for the last times seen is kept per thread. */
#define TW_TIME_TEXT_CACHE 16 /* a power of two */
static TW_THREAD_LOCAL struct {
    gint64 ts_us;
    bool valid;
    guint8 len;
    char text[32];
} time_text_cache[TW_TIME_TEXT_CACHE];

void tw_event_set_time(TwEvent *ev, const char *key, gint64 ts_us)
{
    guint64 h = (guint64)ts_us * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    guint i = (guint)(h >> 60) & (TW_TIME_TEXT_CACHE - 1);
    if (!time_text_cache[i].valid || time_text_cache[i].ts_us != ts_us) {
        tw_format_time(ts_us, time_text_cache[i].text);
        time_text_cache[i].len = (guint8)strnlen(time_text_cache[i].text, 31);
        time_text_cache[i].ts_us = ts_us;
        time_text_cache[i].valid = true;
    }
    set_text(ev, key, time_text_cache[i].text, time_text_cache[i].len, true, false);
}

void tw_event_take_intlist(TwEvent *ev, const char *key, GArray *list)
{
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_INTLIST;
    f->v.ilist = list;
}

void tw_event_take_strlist(TwEvent *ev, const char *key, GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++)
        list->pdata[i] = valid_utf8(list->pdata[i]);
    TwField *f = field_slot(ev, key);
    f->type = TW_FIELD_STRLIST;
    f->v.slist = list;
}

GArray *tw_event_intlist_new(void)
{
    return intlist_new();
}

void tw_event_set_intlist(TwEvent *ev, const char *key, const gint64 *v, gsize n)
{
    GArray *a = intlist_new();
    g_array_append_vals(a, v, (guint)n);
    tw_event_take_intlist(ev, key, a);
}

void tw_event_append_int(TwEvent *ev, const char *key, gint64 v)
{
    const TwField *cf = tw_event_get(ev, key);
    if (cf && cf->type == TW_FIELD_INTLIST) {
        g_array_append_val(cf->v.ilist, v);
        return;
    }
    GArray *a = intlist_new();
    g_array_append_val(a, v);
    tw_event_take_intlist(ev, key, a);
}

/* ev->key_mask_ of the keys present now (after a removal). */
static void remask(TwEvent *ev)
{
    ev->key_mask_ = 0;
    for (guint i = 0; i < ev->fields->len; i++)
        ev->key_mask_ |= key_bit(g_array_index(ev->fields, TwField, i).key);
}

void tw_event_remove(TwEvent *ev, const char *key)
{
    TwField *f = find_field(ev, intern_key(key));
    if (!f)
        return;
    field_clear(f);
    g_array_remove_index(ev->fields, (guint)(f - (TwField *)(void *)ev->fields->data));
    remask(ev);
}

void tw_event_rename(TwEvent *ev, const char *from, const char *to)
{
    TwField *f = find_field(ev, intern_key(from));
    if (!f)
        return;
    const char *k = intern_key(to);
    if (find_field(ev, k)) {
        tw_event_remove(ev, from);
        return;
    }
    f->key = k;
    remask(ev);
}

const TwField *tw_event_get(const TwEvent *ev, const char *key)
{
    return find_field(ev, intern_key(key));
}

bool tw_event_has(const TwEvent *ev, const char *key)
{
    return tw_event_get(ev, key) != NULL;
}

const char *tw_event_get_str(const TwEvent *ev, const char *key)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_STR ? f->v.s : NULL;
}

gint64 tw_event_get_int(const TwEvent *ev, const char *key, gint64 dflt)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_INT ? f->v.i : dflt;
}

bool tw_event_get_bool(const TwEvent *ev, const char *key, bool dflt)
{
    const TwField *f = tw_event_get(ev, key);
    return f && f->type == TW_FIELD_BOOL ? f->v.b : dflt;
}

/* docs/events.md "Values cut by the capture": KEY_truncated beside KEY. */
typedef struct {
    const char *key;   /* interned */
    const char *trunc; /* interned KEY_truncated */
} TruncSlot;

static TW_THREAD_LOCAL TruncSlot trunc_cache[TW_TRUNC_KEY_CACHE_SLOTS];
G_STATIC_ASSERT((TW_TRUNC_KEY_CACHE_SLOTS & (TW_TRUNC_KEY_CACHE_SLOTS - 1)) == 0);

/* Analysis asks "is KEY cut?" of nearly every identity it reads
 * (tw_event_get_whole_str): the interned KEY_truncated is remembered per
 * interned KEY, so a hit is one pointer comparison and exact (an interned
 * string never moves), instead of a printf and a locked g_intern_string. */
static const char *truncated_key(const char *key)
{
    const char *k = intern_key(key);
    guint64 h = (guint64)(guintptr)k * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    TruncSlot *slot = &trunc_cache[h >> (64 - TW_TRUNC_KEY_CACHE_BITS)];
    if (G_LIKELY(slot->key == k))
        return slot->trunc;
    char *t = g_strconcat(k, "_truncated", NULL);
    slot->trunc = g_intern_string(t);
    slot->key = k;
    g_free(t);
    return slot->trunc;
}

void tw_event_mark_truncated(TwEvent *ev, const char *key)
{
    tw_event_set_bool(ev, truncated_key(key), TRUE);
}

bool tw_event_is_truncated(const TwEvent *ev, const char *key)
{
    return tw_event_get_bool(ev, truncated_key(key), false);
}

const char *tw_event_get_whole_str(const TwEvent *ev, const char *key)
{
    return tw_event_is_truncated(ev, key) ? NULL : tw_event_get_str(ev, key);
}

static void tree_add_v(TwEvent *ev, guint depth, const char *name, const char *spec,
                       const char *note, const char *fmt, va_list ap) G_GNUC_PRINTF(6, 0);
static void tree_add_v(TwEvent *ev, guint depth, const char *name, const char *spec,
                       const char *note, const char *fmt, va_list ap)
{
    if (!ev->tree)
        ev->tree = g_ptr_array_new_with_free_func(tree_node_free);
    TwTreeNode *n = g_new0(TwTreeNode, 1);
    n->depth = depth;
    n->name = valid_utf8(g_strdup(name));
    n->note = note;
    n->spec = spec ? g_strdup(spec) : NULL;
    if (fmt)
        n->value = valid_utf8(g_strdup_vprintf(fmt, ap));
    g_ptr_array_add(ev->tree, n);
}

void tw_event_tree_add(TwEvent *ev, guint depth, const char *name, const char *note,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tree_add_v(ev, depth, name, NULL, note, fmt, ap);
    va_end(ap);
}

void tw_event_tree_add_spec(TwEvent *ev, guint depth, const char *name, const char *spec,
                            const char *note, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tree_add_v(ev, depth, name, spec, note, fmt, ap);
    va_end(ap);
}

void tw_event_tree_set_spec(TwEvent *ev, guint i, const char *spec, bool replace)
{
    if (!ev->tree || i >= ev->tree->len || !spec)
        return;
    TwTreeNode *n = g_ptr_array_index(ev->tree, i);
    if (n->spec && !replace)
        return;
    g_free(n->spec);
    n->spec = g_strdup(spec);
}

guint tw_event_tree_len(const TwEvent *ev)
{
    return ev->tree ? ev->tree->len : 0;
}

void tw_event_tree_fields(TwEvent *ev, guint depth, const TwTreeRow *rows, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        const TwField *f = tw_event_get(ev, rows[i].key);
        if (!f)
            continue;
        GString *v = g_string_new(NULL);
        switch (f->type) {
        case TW_FIELD_STR: g_string_append(v, f->v.s); break;
        case TW_FIELD_INT: g_string_append_printf(v, "%" G_GINT64_FORMAT, f->v.i); break;
        case TW_FIELD_BOOL: g_string_append(v, f->v.b ? "true" : "false"); break;
        case TW_FIELD_INTLIST:
            for (guint j = 0; j < f->v.ilist->len; j++)
                g_string_append_printf(v, "%s%" G_GINT64_FORMAT, j ? ", " : "", g_array_index(f->v.ilist, gint64, j));
            break;
        case TW_FIELD_STRLIST:
            for (guint j = 0; j < f->v.slist->len; j++)
                g_string_append_printf(v, "%s%s", j ? ", " : "", (const char *)g_ptr_array_index(f->v.slist, j));
            break;
        }
        tw_event_tree_add_spec(ev, depth, rows[i].name, rows[i].spec, rows[i].note, "%s", v->str);
        g_string_free(v, TRUE);
    }
}

/* Events come in time order, many within the same second: the date and
 * time of day of the last second formatted are kept per thread. */
static TW_THREAD_LOCAL gint64 time_cache_secs;
static TW_THREAD_LOCAL bool time_cache_valid;
static TW_THREAD_LOCAL char time_cache_prefix[20]; /* YYYY-MM-DDTHH:MM:SS */

/* RFC 3339 writes years 0001-9999 (and GDateTime reads no others): a time
 * outside (a corrupt capture record) is written as the nearest one inside,
 * so every time written reads back as itself (tw_parse_time). */
#define TW_TIME_MIN_S G_GINT64_CONSTANT(-62135596800) /* 0001-01-01T00:00:00Z */
#define TW_TIME_MAX_S G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */

static inline void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* The proleptic Gregorian date of a day counted from 1970-01-01 (what
 * gmtime_r gives; the era arithmetic of H. Hinnant's days_from_civil
 * inverse: 400-year eras of 146097 days starting on March 1st, so the leap
 * day is the last day of a year).  Days before 1970 are negative. */
static void civil_from_days(gint64 z, gint64 *y, unsigned *m, unsigned *d)
{
    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    gint64 era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11], 0 = March */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (gint64)yoe + era * 400 + (*m <= 2);
}

void tw_format_time(gint64 ts_us, char out[32])
{
    gint64 secs = ts_us / 1000000;
    gint64 us = ts_us % 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    if (secs < TW_TIME_MIN_S) {
        secs = TW_TIME_MIN_S;
        us = 0;
    } else if (secs > TW_TIME_MAX_S) {
        secs = TW_TIME_MAX_S;
        us = 999999;
    }
    if (!time_cache_valid || time_cache_secs != secs) {
        gint64 days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        unsigned sod = (unsigned)(secs - days * 86400); /* [0, 86399] */
        gint64 year;
        unsigned mon, mday;
        civil_from_days(days, &year, &mon, &mday);
        /* Four digits by the clamp above: the text always fits its 32 bytes. */
        unsigned y = (unsigned)CLAMP(year, 1, 9999);
        char *o = time_cache_prefix;
        put2(o, y / 100);
        put2(o + 2, y % 100);
        o[4] = '-';
        put2(o + 5, mon);
        o[7] = '-';
        put2(o + 8, mday);
        o[10] = 'T';
        put2(o + 11, sod / 3600);
        o[13] = ':';
        put2(o + 14, sod / 60 % 60);
        o[16] = ':';
        put2(o + 17, sod % 60);
        o[19] = 0;
        time_cache_secs = secs;
        time_cache_valid = true;
    }
    memcpy(out, time_cache_prefix, 19);
    out[19] = '.';
    unsigned u = (unsigned)us; /* [0, 999999]: three digit pairs */
    unsigned hi = u / 10000, lo = u % 10000;
    memcpy(out + 20, tw_json_digit_pairs + 2 * hi, 2);
    memcpy(out + 22, tw_json_digit_pairs + 2 * (lo / 100), 2);
    memcpy(out + 24, tw_json_digit_pairs + 2 * (lo % 100), 2);
    out[26] = 'Z';
    out[27] = 0;
}

bool tw_parse_time(const char *s, gint64 *ts_us)
{
    if (!s)
        return false;
    GDateTime *dt = g_date_time_new_from_iso8601(s, NULL);
    if (!dt)
        return false;
    *ts_us = g_date_time_to_unix(dt) * 1000000 + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return true;
}

/* A MAC address as a JSON string, when 19 bytes are reserved at w->p. */
static void append_mac(TwJsonWriter *w, const guint8 mac[6])
{
    char *b = w->p;
    memcpy(b, "\"00:00:00:00:00:00\"", 19);
    memcpy(b + 1, tw_hex_pairs + 2 * mac[0], 2);
    memcpy(b + 4, tw_hex_pairs + 2 * mac[1], 2);
    memcpy(b + 7, tw_hex_pairs + 2 * mac[2], 2);
    memcpy(b + 10, tw_hex_pairs + 2 * mac[3], 2);
    memcpy(b + 13, tw_hex_pairs + 2 * mac[4], 2);
    memcpy(b + 16, tw_hex_pairs + 2 * mac[5], 2);
    w->p += 19;
}

bool tw_event_community_id(const TwEvent *ev, char out[32])
{
    G_STATIC_ASSERT(TW_COMMUNITY_ID_LEN == 32);
    out[0] = 0;
    if (!ev->ip_proto || !ev->src[0] || !ev->dst[0])
        return false;
    G_STATIC_ASSERT(TW_ADDR_STRLEN == TW_COMMUNITY_ID_ADDR_ARRAY);
    return tw_community_id_v1_arrays(0, ev->src, ev->dst, ev->ip_proto, ev->sport, ev->dport, out);
}

/* ,"key": of a field, from a per-thread cache of the last keys written
 * (TW_JSON_KEY_CACHE_SLOTS, in pairs chosen by the key's address).  A field's
 * key is interned (event.h), and interned strings are never freed or
 * changed, so the same address is the same text: a hit needs no compare. */
#define KEY_TEXT_MAX 48 /* ,"key": of keys up to 44 plain bytes; longer ones are not cached */

typedef struct {
    const char *key;
    guint32 len;
    char text[KEY_TEXT_MAX];
} KeySlot;

G_STATIC_ASSERT((TW_JSON_KEY_CACHE_SLOTS & (TW_JSON_KEY_CACHE_SLOTS - 1)) == 0);
static TW_THREAD_LOCAL KeySlot key_cache[TW_JSON_KEY_CACHE_SLOTS];

/* Two-way, as the intern cache: a key may sit in either slot of its pair
 * (the last one written first), so two keys of one event whose addresses
 * share a pair do not throw each other out (one in seven fields was a
 * miss, direct-mapped, on dc20). */
/* Room for a value written after a key (tw_event_to_json). */
#define JSON_FIELD_ROOM 24
/* "false" after a key: tw_event_to_json copies it without a reserve of its own.
 * (At file scope: a declaration right after a case label is not C11, and
 * clang refuses it.) */
G_STATIC_ASSERT(JSON_FIELD_ROOM >= 5);

static G_GNUC_NO_INLINE void json_member_key_slow(TwJsonWriter *w, const char *key, KeySlot *set)
{
    gsize off = (gsize)(w->p - w->g->str); /* the GString may move */
    tw_json_char(w, ',');
    tw_json_str(w, key);
    tw_json_char(w, ':');
    gsize len = (gsize)(w->p - w->g->str) - off;
    if (len <= KEY_TEXT_MAX) {
        set[1] = set[0];
        memcpy(set[0].text, w->g->str + off, len);
        set[0].len = (guint32)len;
        set[0].key = key;
    }
    tw_json_reserve(w, JSON_FIELD_ROOM); /* what the caller's reserve gave */
}

/* ,"key": when KEY_TEXT_MAX + JSON_FIELD_ROOM bytes are reserved at w->p:
 * JSON_FIELD_ROOM of them are left after it (for the value, see
 * tw_event_to_json). */
static inline void json_member_key(TwJsonWriter *w, const char *key)
{
    guint64 h = (guint64)(guintptr)key * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    KeySlot *set = &key_cache[(h >> 40) & (TW_JSON_KEY_CACHE_SLOTS - 2)];
    KeySlot *slot = set[0].key == key ? &set[0] : set[1].key == key ? &set[1] : NULL;
    if (G_LIKELY(slot)) {
        memcpy(w->p, slot->text, KEY_TEXT_MAX); /* whole: a constant-size copy */
        w->p += slot->len;
        return;
    }
    json_member_key_slow(w, key, set);
}

/* The JSON text of an interned string (the event's proto and transport,
 * event.h), from a small per-thread cache by its address as the keys' (an
 * interned string never changes, so a hit needs no compare). */
#define INTERNED_TEXT_SLOTS 64 /* a power of two: the few protocols and carriers */

/* Two-way, as the key cache: 16 direct-mapped slots missed one proto or
 * transport in seven on dc20 (two of the few texts an event names sharing
 * a slot, each throwing the other out). */
static TW_THREAD_LOCAL KeySlot interned_cache[INTERNED_TEXT_SLOTS];

static void json_interned_str(TwJsonWriter *w, const char *s)
{
    guint64 h = (guint64)(guintptr)s * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    KeySlot *set = &interned_cache[h >> 58 & (INTERNED_TEXT_SLOTS - 2)];
    KeySlot *slot = set[0].key == s ? &set[0] : set[1].key == s ? &set[1] : NULL;
    if (G_LIKELY(slot)) {
        tw_json_reserve(w, KEY_TEXT_MAX);
        memcpy(w->p, slot->text, KEY_TEXT_MAX);
        w->p += slot->len;
        return;
    }
    gsize off = (gsize)(w->p - w->g->str);
    tw_json_str(w, s);
    gsize len = (gsize)(w->p - w->g->str) - off;
    if (len <= KEY_TEXT_MAX) {
        set[1] = set[0];
        memcpy(set[0].text, w->g->str + off, len);
        set[0].len = (guint32)len;
        set[0].key = s;
    }
}

/* An address of the event (src, dst: TW_ADDR_STRLEN bytes): one that ends
 * within 40 bytes is read in whole words (tw_json_strn_words; all of them
 * lie in the array). */
static inline void json_addr(TwJsonWriter *w, const char a[TW_ADDR_STRLEN])
{
#if defined(__SSE2__)
    /* the NUL among the first 32 bytes (of the 46) without a call */
    G_STATIC_ASSERT(TW_ADDR_STRLEN >= 32);
    __m128i zero = _mm_setzero_si128();
    unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)a), zero)) |
                 (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(a + 16)), zero)) << 16;
    gsize n = z ? (gsize)__builtin_ctz(z) : strnlen(a, TW_ADDR_STRLEN);
#else
    gsize n = strnlen(a, TW_ADDR_STRLEN);
#endif
    G_STATIC_ASSERT(TW_ADDR_STRLEN >= 40);
    if (n <= 40)
        tw_json_strn_words(w, a, n);
    else
        tw_json_str(w, a); /* as before, also without a NUL in the array */
}

/* The header of tw_event_to_json is written in runs of bounded length,
 * each after one reserve of its bound (HEAD_*): a literal or a number in a
 * run is copied without a check of its own.  What may be longer (an
 * interned text, an address) reserves for itself, between runs. */
#define put_lit(w, lit) (memcpy((w)->p, "" lit, sizeof(lit) - 1), (w)->p += sizeof(lit) - 1)
/* tw_json_u64 when 20 bytes are reserved at w->p (tw_json_u64_long reserves
 * 20 too, which then never grows the GString: the run's room is left). */
static inline void put_u64(TwJsonWriter *w, guint64 v)
{
    if (v >= 100) {
        if (v < 100000) { /* 3 to 5 digits (ports, frame numbers), as tw_json_u64_long writes them, without the call */
            guint32 u = (guint32)v, lo = u % 100;
            char *o = w->p;
            if (u < 1000) {
                o[0] = (char)('0' + u / 100);
                memcpy(o + 1, tw_json_digit_pairs + 2 * lo, 2);
                w->p += 3;
            } else if (u < 10000) {
                memcpy(o, tw_json_digit_pairs + 2 * (u / 100), 2);
                memcpy(o + 2, tw_json_digit_pairs + 2 * lo, 2);
                w->p += 4;
            } else {
                o[0] = (char)('0' + u / 10000);
                memcpy(o + 1, tw_json_digit_pairs + 2 * (u / 100 % 100), 2);
                memcpy(o + 3, tw_json_digit_pairs + 2 * lo, 2);
                w->p += 5;
            }
            return;
        }
        tw_json_u64_long(w, v);
    } else if (v < 10) {
        *w->p++ = (char)('0' + v);
    } else {
        memcpy(w->p, tw_json_digit_pairs + 2 * v, 2);
        w->p += 2;
    }
}
#define HEAD_START (sizeof "{\"schema\":2,\"frame\":" + 20 + sizeof ",\"ts\":\"" + 27 + sizeof "\",\"proto\":")
#define HEAD_SPORT (sizeof ",\"sport\":" + 20 + sizeof ",\"dst\":")
#define HEAD_DPORT (sizeof ",\"dport\":" + 20 + sizeof ",\"transport\":")
#define HEAD_REST                                                                                           \
    (sizeof ",\"ip_proto\":" + 20 + sizeof ",\"community_id\":\"" + 30 + 1 + sizeof ",\"src_mac\":" + 19 + \
     sizeof ",\"dst_mac\":" + 19)

/* JSON strings as json-writer.h escapes them (RFC 8259 7): bytes >= 0x80
 * pass through as the strings are UTF-8 by construction, except invalid
 * sequences which are replaced so the output always parses. */
void tw_event_to_json(const TwEvent *ev, GString *out)
{
    TwJsonWriter jw, *w = &jw;
    tw_json_writer_begin(w, out);
    tw_json_reserve(w, HEAD_START);
    put_lit(w, "{\"schema\":" G_STRINGIFY(TW_EVENT_SCHEMA) ",\"frame\":");
    G_STATIC_ASSERT(TW_EVENT_SCHEMA < 10); /* one digit in HEAD_START */
    put_u64(w, ev->frame); /* tw_json_u64_long's reserve finds the room of HEAD_START: no growth */
    put_lit(w, ",\"ts\":\"");
    tw_format_time(ev->ts_us, w->p); /* 27 bytes and a NUL, overwritten next */
    w->p += 27;
    put_lit(w, "\",\"proto\":");
    json_interned_str(w, ev->proto);
    if (ev->src[0]) {
        tw_json_lit(w, ",\"src\":");
        json_addr(w, ev->src);
        tw_json_reserve(w, HEAD_SPORT);
        put_lit(w, ",\"sport\":");
        put_u64(w, ev->sport);
        put_lit(w, ",\"dst\":");
        json_addr(w, ev->dst);
        tw_json_reserve(w, HEAD_DPORT);
        put_lit(w, ",\"dport\":");
        put_u64(w, ev->dport);
    }
    if (ev->transport) {
        tw_json_lit(w, ",\"transport\":");
        json_interned_str(w, ev->transport);
    }
    tw_json_reserve(w, HEAD_REST);
    if (ev->ip_proto) {
        put_lit(w, ",\"ip_proto\":");
        put_u64(w, ev->ip_proto);
        char cid[TW_COMMUNITY_ID_LEN];
        if (tw_event_community_id(ev, cid)) {
            put_lit(w, ",\"community_id\":\"");
            G_STATIC_ASSERT(TW_COMMUNITY_ID_LEN == 32); /* "1:", 28 base64 characters, the NUL at 30 */
            memcpy(w->p, cid, 30);
            w->p += 30;
            *w->p++ = '"';
        }
    }
    if (ev->has_mac) {
        put_lit(w, ",\"src_mac\":");
        append_mac(w, ev->src_mac);
        put_lit(w, ",\"dst_mac\":");
        append_mac(w, ev->dst_mac);
    }
    const TwField *fs = (const TwField *)(const void *)ev->fields->data;
    for (guint i = 0, nf = ev->fields->len; i < nf; i++) {
        const TwField *f = &fs[i];
        /* one reserve for the key and a number or boolean after it */
        tw_json_reserve(w, KEY_TEXT_MAX + JSON_FIELD_ROOM);
        json_member_key(w, f->key);
        switch (f->type) {
        case TW_FIELD_INT:
            if ((guint64)f->v.i < 10) {
                *w->p++ = (char)('0' + f->v.i);
            } else if ((guint64)f->v.i < 100) {
                memcpy(w->p, tw_json_digit_pairs + 2 * f->v.i, 2);
                w->p += 2;
            } else {
                tw_json_i64(w, f->v.i);
            }
            break;
        case TW_FIELD_BOOL:
            if (f->v.b) {
                memcpy(w->p, "true", 4);
                w->p += 4;
            } else {
                memcpy(w->p, "false", 5);
                w->p += 5;
            }
            break;
        case TW_FIELD_STR:
            if (f->str_words_)
                tw_json_strn_words(w, f->v.s, f->str_len_);
            else
                tw_json_str(w, f->v.s);
            break;
        case TW_FIELD_INTLIST:
            tw_json_char(w, '[');
            for (guint j = 0; j < f->v.ilist->len; j++) {
                if (j)
                    tw_json_char(w, ',');
                tw_json_i64(w, g_array_index(f->v.ilist, gint64, j));
            }
            tw_json_char(w, ']');
            break;
        case TW_FIELD_STRLIST:
            tw_json_char(w, '[');
            for (guint j = 0; j < f->v.slist->len; j++) {
                if (j)
                    tw_json_char(w, ',');
                tw_json_str(w, g_ptr_array_index(f->v.slist, j));
            }
            tw_json_char(w, ']');
            break;
        }
    }
    tw_json_char(w, '}');
    tw_json_writer_end(w);
}
