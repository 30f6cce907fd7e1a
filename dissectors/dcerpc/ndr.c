/* ndr.c — NDR20 reader (C706 14, MS-RPCE 2.2.5). */
#include "ndr.h"

#include <stdio.h>
#include <string.h>

G_STATIC_ASSERT(TW_NDR_MAX_REFERENTS > TW_NDR_FULL_FEW);

void tw_ndr_init(TwNdr *n, const guint8 *stub, gsize len, gsize reported, bool little_endian,
                 bool ndr64)
{
    memset(n, 0, sizeof *n);
    n->c = tw_cursor_init_reported(stub, len, reported);
    n->le = little_endian;
    n->ndr64 = ndr64;
}

void tw_ndr_clear(TwNdr *n)
{
    if (n->deferred)
        g_array_free(n->deferred, TRUE);
    n->deferred = NULL;
    if (n->full_seen)
        g_hash_table_destroy(n->full_seen);
    n->full_seen = NULL;
    n->n_full_few = 0;
}

/* C706 14.2.2: every primitive is aligned to its own size. */
void tw_ndr_align(TwNdr *n, gsize a)
{
    tw_cursor_align(&n->c, a);
}

guint8 tw_ndr_u8(TwNdr *n)
{
    return tw_cursor_u8(&n->c);
}

guint16 tw_ndr_u16(TwNdr *n)
{
    tw_cursor_align(&n->c, 2);
    return n->le ? tw_cursor_le16(&n->c) : tw_cursor_be16(&n->c);
}

guint32 tw_ndr_u32(TwNdr *n)
{
    tw_cursor_align(&n->c, 4);
    return n->le ? tw_cursor_le32(&n->c) : tw_cursor_be32(&n->c);
}

guint64 tw_ndr_u64(TwNdr *n)
{
    tw_cursor_align(&n->c, 8);
    return n->le ? tw_cursor_le64(&n->c) : tw_cursor_be64(&n->c);
}

bool tw_ndr_bytes(TwNdr *n, guint8 *out, gsize len)
{
    return tw_cursor_copy(&n->c, out, len);
}

void tw_ndr_skip(TwNdr *n, gsize len)
{
    tw_cursor_skip(&n->c, len);
}

/* C706 Appendix A: time_low (u32), time_mid (u16), time_hi_and_version
 * (u16) in the sender's integer byte order, then clock_seq and node bytes. */
void tw_ndr_uuid(TwNdr *n, char out[37])
{
    tw_ndr_align(n, 4);
    guint32 a = n->le ? tw_cursor_le32(&n->c) : tw_cursor_be32(&n->c);
    guint16 b = n->le ? tw_cursor_le16(&n->c) : tw_cursor_be16(&n->c);
    guint16 c = n->le ? tw_cursor_le16(&n->c) : tw_cursor_be16(&n->c);
    guint8 d[8];
    tw_cursor_copy(&n->c, d, 8);
    tw_uuid_text(out, a, b, c, d);
}

static char *hex_byte(char *o, guint8 v)
{
    memcpy(o, tw_hex_pairs + 2 * v, 2);
    return o + 2;
}

void tw_uuid_text(char out[37], guint32 a, guint16 b, guint16 c, const guint8 d[8])
{
    char *o = out;
    o = hex_byte(o, (guint8)(a >> 24));
    o = hex_byte(o, (guint8)(a >> 16));
    o = hex_byte(o, (guint8)(a >> 8));
    o = hex_byte(o, (guint8)a);
    *o++ = '-';
    o = hex_byte(o, (guint8)(b >> 8));
    o = hex_byte(o, (guint8)b);
    *o++ = '-';
    o = hex_byte(o, (guint8)(c >> 8));
    o = hex_byte(o, (guint8)c);
    *o++ = '-';
    o = hex_byte(o, d[0]);
    o = hex_byte(o, d[1]);
    *o++ = '-';
    for (int i = 2; i < 8; i++)
        o = hex_byte(o, d[i]);
    *o = 0;
}

guint32 tw_ndr_enum(TwNdr *n)
{
    return n->ndr64 ? tw_ndr_u32(n) : tw_ndr_u16(n);
}

/* C706 14.3.10: unique and full pointers are a referent id, 4 bytes in
 * NDR20 and 8 in NDR64 (MS-RPCE 2.2.5.3.3). */
guint64 tw_ndr_ptr(TwNdr *n)
{
    return n->ndr64 ? tw_ndr_u64(n) : tw_ndr_u32(n);
}

/* Conformance and variance counts: u32 in NDR20, u64 in NDR64. */
static guint64 ndr_count(TwNdr *n)
{
    return n->ndr64 ? tw_ndr_u64(n) : tw_ndr_u32(n);
}

/* C706 14.3.11.1: a full pointer whose referent id was already seen in this
 * stub points at the same referent and carries no second copy of it. */
bool tw_ndr_full_ptr(TwNdr *n, guint64 *referent)
{
    guint64 id = tw_ndr_ptr(n);
    if (referent)
        *referent = id;
    if (id == 0 || !tw_ndr_ok(n))
        return false;
    for (guint i = 0; i < n->n_full_few; i++)
        if (n->full_few[i] == id)
            return false;
    if (n->n_full_few < TW_NDR_FULL_FEW) {
        n->full_few[n->n_full_few++] = id; /* TW_NDR_MAX_REFERENTS > TW_NDR_FULL_FEW */
        return true;
    }
    if (!n->full_seen)
        n->full_seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    guint64 *key = &id;
    if (g_hash_table_contains(n->full_seen, key))
        return false;
    if (n->n_full_few + g_hash_table_size(n->full_seen) >= TW_NDR_MAX_REFERENTS) {
        tw_ndr_fail(n, TW_LIMIT);
        return false;
    }
    g_hash_table_add(n->full_seen, g_memdup2(&id, sizeof id));
    return true;
}

void tw_ndr_defer(TwNdr *n, TwNdrDeferFn fn, void *user)
{
    if (!tw_ndr_ok(n))
        return;
    if (!n->deferred)
        n->deferred = g_array_new(FALSE, FALSE, sizeof(TwNdrDeferred));
    if (n->deferred->len >= TW_NDR_MAX_DEFERRED) {
        tw_ndr_fail(n, TW_LIMIT);
        return;
    }
    TwNdrDeferred d = { fn, user };
    g_array_append_val(n->deferred, d);
}

/* The pending list is taken over by this call, and every reader gets a
 * fresh list for what it defers, flushed right after it: embedded
 * referents follow the referent that holds them (depth-first). */
void tw_ndr_flush(TwNdr *n)
{
    GArray *mine = n->deferred;
    n->deferred = NULL;
    if (!mine)
        return;
    if (n->depth >= TW_NDR_MAX_DEPTH) {
        tw_ndr_fail(n, TW_LIMIT);
        g_array_free(mine, TRUE);
        return;
    }
    n->depth++;
    for (guint i = 0; i < mine->len && tw_ndr_ok(n); i++) {
        TwNdrDeferred d = g_array_index(mine, TwNdrDeferred, i);
        d.fn(n, d.user);
        tw_ndr_flush(n);
    }
    n->depth--;
    g_array_free(mine, TRUE);
    if (!tw_ndr_ok(n) && n->deferred) {
        g_array_free(n->deferred, TRUE);
        n->deferred = NULL;
    }
}

bool tw_ndr_conformant(TwNdr *n, guint32 *max_count)
{
    guint64 m = ndr_count(n);
    *max_count = 0;
    if (!tw_ndr_ok(n))
        return false;
    if (m > TW_NDR_MAX_ARRAY) {
        tw_ndr_fail(n, TW_LIMIT);
        return false;
    }
    *max_count = (guint32)m;
    return true;
}

/* C706 14.3.3.2: the transmitted part [offset, offset+actual) must lie
 * within the conformant bound. */
bool tw_ndr_varying(TwNdr *n, guint32 max_count, guint32 *offset, guint32 *actual)
{
    guint64 off = ndr_count(n);
    guint64 act = ndr_count(n);
    *offset = 0;
    *actual = 0;
    if (!tw_ndr_ok(n))
        return false;
    if (act > TW_NDR_MAX_ARRAY) {
        tw_ndr_fail(n, TW_LIMIT);
        return false;
    }
    *offset = (guint32)MIN(off, G_MAXUINT32);
    *actual = (guint32)act;
    if (off > max_count || act > max_count - off) {
        tw_ndr_fail(n, TW_MALFORMED);
        return false;
    }
    return true;
}

bool tw_ndr_conformant_varying(TwNdr *n, guint32 *max_count, guint32 *offset, guint32 *actual)
{
    if (!tw_ndr_conformant(n, max_count))
        return false;
    return tw_ndr_varying(n, *max_count, offset, actual);
}

/* C706 14.3.4: wchar_t units in the packed_drep byte order, decoded under
 * the core/utf16.h rule (what it met is kept in n->utf16_notes). */
static char *utf16_to_utf8(TwNdr *n, const guint8 *p, gsize units)
{
    return tw_utf16_to_utf8(p, units * 2, n->le, &n->utf16_notes);
}

/* C706 14.3.4 + MS-RPCE 2.2.5: [string] wchar_t is a conformant varying
 * array of 16-bit units whose actual_count includes the terminating NUL. */
char *tw_ndr_wstring_cv(TwNdr *n)
{
    guint32 max, off, act;
    if (!tw_ndr_conformant_varying(n, &max, &off, &act))
        return NULL;
    if (act > TW_NDR_MAX_STRING) {
        tw_ndr_fail(n, TW_LIMIT);
        return NULL;
    }
    const guint8 *p = tw_cursor_bytes(&n->c, (gsize)act * 2);
    if (!p)
        return NULL;
    return utf16_to_utf8(n, p, act);
}

char *tw_ndr_unique_wstring(TwNdr *n, bool *present)
{
    guint64 ref = tw_ndr_ptr(n);
    if (present)
        *present = ref != 0 && tw_ndr_ok(n);
    if (ref == 0)
        return NULL;
    return tw_ndr_wstring_cv(n);
}

char *tw_ndr_string_cv(TwNdr *n)
{
    guint32 max, off, act;
    if (!tw_ndr_conformant_varying(n, &max, &off, &act))
        return NULL;
    if (act > TW_NDR_MAX_STRING) {
        tw_ndr_fail(n, TW_LIMIT);
        return NULL;
    }
    const guint8 *p = tw_cursor_bytes(&n->c, act);
    if (!p)
        return NULL;
    gsize len = 0;
    while (len < act && p[len])
        len++;
    /* OEM code page unknown: keep ASCII, replace the rest. */
    GString *s = g_string_sized_new(len + 1);
    for (gsize i = 0; i < len; i++) {
        if (p[i] < 0x80)
            g_string_append_c(s, (char)p[i]);
        else
            g_string_append_unichar(s, 0xFFFD);
    }
    return g_string_free(s, FALSE);
}

/* MS-DTYP 2.3.10 RPC_UNICODE_STRING. */
void tw_ndr_unicode_string_hdr(TwNdr *n, TwNdrUnicodeString *us)
{
    tw_ndr_align_ptrstruct(n);
    us->length = tw_ndr_u16(n);
    us->max_length = tw_ndr_u16(n);
    us->referent = tw_ndr_ptr(n);
    /* Length and MaximumLength count bytes of whole UTF-16 units. */
    if (tw_ndr_ok(n) && (us->length > us->max_length || (us->length & 1)))
        tw_ndr_fail(n, TW_MALFORMED);
}

void tw_ndr_unicode_string_body(TwNdr *n, TwNdrUnicodeString *us)
{
    if (us->referent == 0)
        return;
    guint32 max, off, act;
    if (!tw_ndr_conformant_varying(n, &max, &off, &act))
        return;
    /* The buffer's counts are the header's byte lengths in units; more
     * units than Length announced is a contradiction. */
    if ((guint64)act * 2u > us->length) {
        tw_ndr_fail(n, TW_MALFORMED);
        return;
    }
    if (act > TW_NDR_MAX_STRING) {
        tw_ndr_fail(n, TW_LIMIT);
        return;
    }
    const guint8 *p = tw_cursor_bytes(&n->c, (gsize)act * 2);
    if (!p)
        return;
    g_free(us->value);
    us->value = utf16_to_utf8(n, p, act);
}

static void unicode_string_deferred(TwNdr *n, void *user)
{
    tw_ndr_unicode_string_body(n, user);
}

void tw_ndr_unicode_string(TwNdr *n, TwNdrUnicodeString *us)
{
    tw_ndr_unicode_string_hdr(n, us);
    if (us->referent)
        tw_ndr_defer(n, unicode_string_deferred, us);
}
