/* ndr.h — Network Data Representation, transfer syntax NDR20 (C706 14,
 * MS-RPCE 2.2.5) read over a TwCursor.
 *
 * A TwNdr reads one stub (the reassembled body of a request or response).
 * Alignment is relative to the stub start, which is why the cursor must be
 * the stub's own cursor.  Integers follow the byte order of the PDU's
 * packed_drep.  Errors latch in the cursor as everywhere else: after the
 * first error every read returns zero, every string NULL.
 *
 * Pointers (C706 14.3.10-12): a unique or full pointer is a 4-byte referent
 * id (0 = NULL); a ref pointer has no wire representation.  The referent of
 * a top-level pointer follows it at once; referents of pointers embedded in
 * a structure, array or union are deferred until that whole construct has
 * been read.  The deferral queue here reproduces that order: call
 * tw_ndr_defer() while reading the construct, then tw_ndr_flush() after it.
 * Deferred readers that themselves defer are run depth-first, right after
 * the referent that contains them (C706 14.3.12.3). */
#pragma once

#include "core/tw-limits.h"
#include "core/cursor.h"
#include "core/utf16.h"
#include "core/json-writer.h" /* tw_hex_pairs */

/* Caps (core/tw-limits.h): hitting one latches TW_LIMIT in the cursor. */

typedef struct TwNdr TwNdr;
typedef void (*TwNdrDeferFn)(TwNdr *n, void *user);

typedef struct {
    TwNdrDeferFn fn;
    void *user;
} TwNdrDeferred;

struct TwNdr {
    TwCursor c;       /* over the stub; offsets are stub-relative */
    bool le;          /* packed_drep integer representation: little-endian */
    bool ndr64;       /* transfer syntax NDR64 (MS-RPCE 2.2.5.3): 8-byte pointers and counts */
    GArray *deferred; /* TwNdrDeferred, pending, FIFO */
    guint depth;
    /* full pointers: referent ids already read, the first TW_NDR_FULL_FEW
     * here (a stub rarely has more), the others in full_seen */
#define TW_NDR_FULL_FEW 8
    guint64 full_few[TW_NDR_FULL_FEW];
    guint n_full_few;
    GHashTable *full_seen;
    guint utf16_notes;     /* TW_UTF16_* bits met by the strings read (core/utf16.h) */
};

void tw_ndr_init(TwNdr *n, const guint8 *stub, gsize len, gsize reported, bool little_endian,
                 bool ndr64);
void tw_ndr_clear(TwNdr *n);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwNdr, tw_ndr_clear)

static inline bool tw_ndr_ok(const TwNdr *n) { return tw_cursor_ok(&n->c); }
static inline void tw_ndr_fail(TwNdr *n, TwStatus st) { tw_cursor_fail(&n->c, st); }
static inline gsize tw_ndr_offset(const TwNdr *n) { return n->c.off; }
static inline gsize tw_ndr_remaining(const TwNdr *n) { return tw_cursor_remaining(&n->c); }

/* Primitive types, aligned to their size (C706 14.2.2). */
guint8 tw_ndr_u8(TwNdr *n);
guint16 tw_ndr_u16(TwNdr *n);
guint32 tw_ndr_u32(TwNdr *n);
guint64 tw_ndr_u64(TwNdr *n); /* hyper: 8-byte aligned */
void tw_ndr_align(TwNdr *n, gsize a);
/* NDR20 marshals an enum as a 16-bit short (C706 14.2.14); NDR64 as a
 * 32-bit long (MS-RPCE 2.2.5.3.4.1). */
guint32 tw_ndr_enum(TwNdr *n);
/* Alignment of a structure that holds pointers: 4 in NDR20, 8 in NDR64. */
static inline void tw_ndr_align_ptrstruct(TwNdr *n) { tw_ndr_align(n, n->ndr64 ? 8 : 4); }
/* Fixed byte array (no alignment); copies n bytes, zero-filled on error. */
bool tw_ndr_bytes(TwNdr *n, guint8 *out, gsize len);
void tw_ndr_skip(TwNdr *n, gsize len);
/* DCE UUID: time_low/mid/hi in the stub's byte order, then 8 bytes (C706 A.2).
 * Writes the canonical lower-case text form (37 bytes with NUL). */
void tw_ndr_uuid(TwNdr *n, char out[37]);
/* The text of a UUID from its fields (C706 Appendix A), as
 * "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x" writes it. */
void tw_uuid_text(char out[37], guint32 a, guint16 b, guint16 c, const guint8 d[8]);
/* The decimal text of v at o, as "%u" writes it, without a NUL; returns the
 * end (at most 10 bytes).  For version and address texts on every bind. */
static inline char *tw_put_dec(char *o, guint32 v)
{
    char d[10];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = d[--n];
    return o;
}
/* "major.minor" (an interface version, C706 12.6.3.1) into out. */
static inline void tw_version_text(char out[12], guint16 major, guint16 minor)
{
    char *o = tw_put_dec(out, major);
    *o++ = '.';
    *tw_put_dec(o, minor) = 0;
}

/* Pointers (4 bytes NDR20, 8 NDR64).  Returns the referent id (0 = NULL). */
guint64 tw_ndr_ptr(TwNdr *n);
/* Full pointer: returns true when the referent must be read now (non-NULL
 * and not seen before in this stub). */
bool tw_ndr_full_ptr(TwNdr *n, guint64 *referent);
void tw_ndr_defer(TwNdr *n, TwNdrDeferFn fn, void *user);
/* Runs pending deferred readers in order (depth-first for nested ones). */
void tw_ndr_flush(TwNdr *n);

/* Array headers.  conformant: max_count.  varying: offset, actual_count.
 * Checks offset + actual <= max (when max is known) and the array caps;
 * returns false (and latches MALFORMED/LIMIT) when inconsistent. */
bool tw_ndr_conformant(TwNdr *n, guint32 *max_count);
bool tw_ndr_varying(TwNdr *n, guint32 max_count, guint32 *offset, guint32 *actual);
bool tw_ndr_conformant_varying(TwNdr *n, guint32 *max_count, guint32 *offset, guint32 *actual);

/* [string] wchar_t* referent: conformant varying UTF-16 array, converted to
 * UTF-8 under the core/utf16.h rule (the string ends at its first NUL; an
 * embedded one is noted in n->utf16_notes).  Returns NULL on error.
 * (transfer full) */
char *tw_ndr_wstring_cv(TwNdr *n);
/* A [unique, string] wchar_t* as a top-level parameter: pointer then, if not
 * NULL, the string at once.  *present tells NULL from error. (transfer full) */
char *tw_ndr_unique_wstring(TwNdr *n, bool *present);
/* [string] char* (OEM/ASCII) conformant varying, as in EPM annotations.
 * (transfer full) */
char *tw_ndr_string_cv(TwNdr *n);

/* RPC_UNICODE_STRING (MS-DTYP 2.3.10): Length and MaximumLength in bytes,
 * then a unique pointer to a conformant varying WCHAR buffer that is
 * deferred when the string is embedded. */
typedef struct {
    guint16 length, max_length;
    guint64 referent;
    char *value; /* filled by the deferred body reader (transfer: caller frees) */
} TwNdrUnicodeString;

void tw_ndr_unicode_string_hdr(TwNdr *n, TwNdrUnicodeString *us);
/* Reads the deferred buffer now (use as a deferral target or top level). */
void tw_ndr_unicode_string_body(TwNdr *n, TwNdrUnicodeString *us);
/* Header, then queue the body on the deferral list. */
void tw_ndr_unicode_string(TwNdr *n, TwNdrUnicodeString *us);

