/* event.h — the typed event stream between dissectors and analysis.
 *
 * An event is one dissected message: a fixed header (where and when) plus an
 * ordered list of typed fields named by the contract in docs/events.md.
 * Events own copies of all their strings (UTF-16 already converted to UTF-8);
 * nothing in an event points into packet bytes, so analysis never sees them.
 * The same structure is rebuilt from NDJSON by `--from-events`, so saved
 * events from many sensors feed the same analysis.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* docs/events.md "Schema version": the `schema` every event line starts
 * with.  It changes when a field is renamed or changes type (never when one
 * is added); lines without it are schema 1, read through the documented
 * mapping (tw_event_from_json). */
#define TW_EVENT_SCHEMA 2

/* A thread-local of core/ (a cache, a pool).  The libraries are linked into
 * executables only, never dlopen'd: the initial-exec model reads the
 * variable at a fixed offset from the thread pointer, where the default
 * for position-independent code (general-dynamic) is a call to
 * __tls_get_addr that the linker rewrites but the compiler has already
 * spilled registers around, even on a path without any other call. */
#define TW_THREAD_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))

typedef enum {
    TW_FIELD_INT,    /* signed 64-bit integer */
    TW_FIELD_STR,    /* UTF-8 string, owned */
    TW_FIELD_BOOL,
    TW_FIELD_INTLIST, /* GArray of gint64, owned */
    TW_FIELD_STRLIST, /* GPtrArray of char*, owned */
} TwFieldType;

typedef struct {
    const char *key; /* interned (g_intern_*), compare with == or strcmp */
    TwFieldType type;
    guint8 in_event_; /* private to core/event.c: v.s lives in the event's own string storage */
    /* Private to core/event.c: v.s is str_len_ bytes in the event's own
     * storage, then its NUL and spaces up to a multiple of 8 bytes: whole
     * words are readable (tw_event_to_json copies them so). */
    guint8 str_words_;
    guint16 str_len_;
    union {
        gint64 i;
        char *s;
        gboolean b;
        GArray *ilist;
        GPtrArray *slist;
    } v;
} TwField;

/* One line of the teaching view (-T tree): `name: value  — note  [spec]`. */
typedef struct {
    guint depth;
    char *name;
    char *value;      /* may be NULL for a heading */
    const char *note; /* static explanatory phrase, may be NULL */
    char *spec;       /* where the field is defined ("RFC 4120 5.4.1"), owned, may be NULL */
} TwTreeNode;

#define TW_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

typedef struct {
    guint64 frame;   /* 1-based frame number of the packet that completed the message */
    gint64 ts_us;    /* capture time, microseconds since the Unix epoch, UTC */
    const char *proto;     /* interned: "kerberos", "netlogon", "smb2", "anomaly"… */
    const char *transport; /* interned: "udp", "tcp", "smb2", … or NULL */
    char src[TW_ADDR_STRLEN];
    char dst[TW_ADDR_STRLEN];
    guint16 sport, dport;
    guint8 src_mac[6], dst_mac[6];
    bool has_mac;
    guint8 ip_proto; /* IANA protocol of the IP payload that carried it (6 TCP, 17 UDP), 0 unknown */
    GArray *fields;  /* TwField, in insertion order */
    GPtrArray *tree; /* TwTreeNode*, only when the teaching view was asked for */
    /* Private to core/event.c: the storage the event's short strings are
     * copied into (freed with the event, not one allocation per string). */
    char *str_next_;
    gsize str_left_;
    void *str_chunks_;
    guint fields_cap_; /* fields the array has room for (reserved by core/event.c) */
    /* Private to core/event.c: one bit (of 64, by the interned key's
     * address) set for every key in `fields`, so a setter of a new key and a
     * getter of an absent one need not look through them.  It may have more
     * bits than the keys present (a copy of the struct whose `fields` holds
     * fewer, a removal): a set bit only means "look". */
    guint64 key_mask_;
} TwEvent;

/* Where a message was seen: filled by capture/, read by dissectors to stamp events. */
typedef struct {
    guint64 frame;
    gint64 ts_us;
    const char *transport; /* "udp" | "tcp" (dissectors may override, e.g. "smb2") */
    char src[TW_ADDR_STRLEN];
    char dst[TW_ADDR_STRLEN];
    guint16 sport, dport;
    guint8 src_mac[6], dst_mac[6];
    bool has_mac;
} TwPacketInfo;

/* `pi` is copied; `proto` is interned (transfer none of both).
 * Returns: (transfer full): free with tw_event_free(), or hand over to a
 * TwEmitFn / tw_emit(). */
TwEvent *tw_event_new(const TwPacketInfo *pi, const char *proto);
void tw_event_free(TwEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwEvent, tw_event_free)

/* g_intern_string(s) through the per-thread cache the setters use (cheap
 * for a string literal).  Returns: (transfer none) (nullable). */
const char *tw_event_intern(const char *s);

/* Setters replace an existing field of the same key. Keys should be string
 * literals or interned; they are interned here. */
void tw_event_set_int(TwEvent *ev, const char *key, gint64 v);
void tw_event_set_bool(TwEvent *ev, const char *key, gboolean v);
void tw_event_set_str(TwEvent *ev, const char *key, const char *s);
void tw_event_set_strn(TwEvent *ev, const char *key, const char *s, gsize n); /* all n bytes readable; the text ends at a NUL among them */
void tw_event_take_str(TwEvent *ev, const char *key, char *s); /* (transfer full of s): g_malloc'd, freed with ev */
void tw_event_set_hex(TwEvent *ev, const char *key, const guint8 *b, gsize n);
void tw_event_set_hex32(TwEvent *ev, const char *key, guint32 v); /* "0x%08x" */
void tw_event_set_time(TwEvent *ev, const char *key, gint64 ts_us); /* RFC 3339 */
/* (transfer full of list): unref'd with ev (or emptied, by its length, into
 * the pool tw_event_intlist_new draws from: an intlist has no clear func).
 * A strlist's items are g_malloc'd
 * strings (an invalid UTF-8 one is replaced, the old one g_free'd); the list
 * frees them: give it g_free as its free func. */
void tw_event_take_intlist(TwEvent *ev, const char *key, GArray *list);
void tw_event_take_strlist(TwEvent *ev, const char *key, GPtrArray *list);
void tw_event_append_int(TwEvent *ev, const char *key, gint64 v); /* to an INTLIST */
/* An empty list of gint64 for tw_event_take_intlist (transfer full), from
 * the thread's pool of the lists freed events had: a dissector building an
 * INTLIST allocates nothing in the steady state (g_array_sized_new and the
 * free of every list cost a malloc and two frees per list). */
GArray *tw_event_intlist_new(void);
/* Sets key to an INTLIST of the n values at v (copied, into a pooled list). */
void tw_event_set_intlist(TwEvent *ev, const char *key, const gint64 *v, gsize n);
void tw_event_remove(TwEvent *ev, const char *key);
/* The field `from` is named `to` from now on, in its place (the order of
 * fields is kept); when `to` is present already, `from` is removed instead.
 * No-op when `from` is absent. */
void tw_event_rename(TwEvent *ev, const char *from, const char *to);

/* Returns: (transfer none) (nullable): the field, owned by ev, valid until ev
 * is changed or freed. */
const TwField *tw_event_get(const TwEvent *ev, const char *key);
bool tw_event_has(const TwEvent *ev, const char *key);
/* Returns: (transfer none) (nullable): owned by ev; NULL if absent. */
const char *tw_event_get_str(const TwEvent *ev, const char *key);
gint64 tw_event_get_int(const TwEvent *ev, const char *key, gint64 dflt);
bool tw_event_get_bool(const TwEvent *ev, const char *key, bool dflt);

/* A value the capture cut (snaplen, a TCP gap, a copy cap) is never
 * presented as whole: the dissector sets KEY_truncated: true beside KEY
 * (docs/events.md "Values cut by the capture").  tw_event_get_whole_str()
 * is tw_event_get_str() that refuses a cut value: what analysis uses for
 * identities.  Returns: (transfer none) (nullable). */
void tw_event_mark_truncated(TwEvent *ev, const char *key);
bool tw_event_is_truncated(const TwEvent *ev, const char *key);
const char *tw_event_get_whole_str(const TwEvent *ev, const char *key);

/* Teaching view. */
void tw_event_tree_add(TwEvent *ev, guint depth, const char *name, const char *note,
                       const char *fmt, ...) G_GNUC_PRINTF(5, 6);
/* The same with the section of the specification that defines the field. */
void tw_event_tree_add_spec(TwEvent *ev, guint depth, const char *name, const char *spec,
                            const char *note, const char *fmt, ...) G_GNUC_PRINTF(6, 7);
/* Sets (copies) the spec of the tree node at index i (no-op when out of range
 * or when it has one already and !replace). */
void tw_event_tree_set_spec(TwEvent *ev, guint i, const char *spec, bool replace);
/* Number of tree nodes so far (0 without a tree). */
guint tw_event_tree_len(const TwEvent *ev);
/* A field of the event shown under its specification's name: one line per
 * row whose key is present (lists joined by ", "), at `depth`. */
typedef struct {
    const char *key;  /* event key */
    const char *name; /* the specification's name */
    const char *note; /* may be NULL */
    const char *spec; /* may be NULL */
} TwTreeRow;
void tw_event_tree_fields(TwEvent *ev, guint depth, const TwTreeRow *rows, gsize n);

/* The Community ID v1 (core/community-id.h, seed 0) of the event's flow, from
 * its addresses, ports and ip_proto; false (out = "") when one is unknown. */
bool tw_event_community_id(const TwEvent *ev, char out[32]);

/* Serialise as one JSON object (no newline) in the docs/events.md layout. */
void tw_event_to_json(const TwEvent *ev, GString *out);
/* event-json.c: one NDJSON line as written by -T events -> TwEvent.
 * Returns: (transfer full) (nullable): free with tw_event_free(); NULL and
 * *err set when the line is not an event. */
TwEvent *tw_event_from_json(const char *line, gssize len, GError **err);

/* RFC 3339 UTC with microseconds: 2024-01-02T03:04:05.123456Z */
void tw_format_time(gint64 ts_us, char out[32]);
/* Parses what tw_format_time writes (and Z/offset variants); false if not a time. */
bool tw_parse_time(const char *s, gint64 *ts_us);

/* Receives events: (transfer full of ev), the receiver frees it with
 * tw_event_free(). */
typedef void (*TwEmitFn)(TwEvent *ev, void *user);
