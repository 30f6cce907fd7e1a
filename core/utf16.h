/* utf16.h — the one UTF-16 → UTF-8 decoder every dissector uses (NDR
 * [string] wchar_t and RPC_UNICODE_STRING, NTLMSSP names and AV_PAIRs, SMB2
 * paths and file names), so one wire name always becomes one identity.
 *
 * The rule (the same for every caller):
 *   - Input is a byte count; an odd trailing byte is ignored (flagged).
 *   - Code units are little- or big-endian as the caller says (NDR follows
 *     the PDU's packed_drep; NTLMSSP and SMB2 are always little-endian).
 *   - The first NUL unit ends the string and is not part of it.  NUL units
 *     after it that are all NUL (a terminator, padding) are dropped silently;
 *     a non-NUL unit after the first NUL makes it an embedded NUL: the string
 *     still ends at the NUL, and TW_UTF16_EMBEDDED_NUL is set so the caller
 *     can count it.  (Windows APIs read the same string up to the first NUL.)
 *   - A high surrogate followed by a low surrogate is one code point; any
 *     other surrogate unit becomes U+FFFD (TW_UTF16_BAD_SURROGATE).
 * The result is always valid UTF-8 and never contains NUL. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* What the decoder met, OR-ed into *notes. */
enum {
    TW_UTF16_EMBEDDED_NUL = 1u << 0,  /* a NUL followed by non-NUL units */
    TW_UTF16_BAD_SURROGATE = 1u << 1, /* an unpaired surrogate became U+FFFD */
    TW_UTF16_ODD_LENGTH = 1u << 2,    /* nbytes was odd: the last byte was ignored */
};

/* Decodes nbytes of UTF-16 at p under the rule above.  notes may be NULL;
 * otherwise the TW_UTF16_* bits met are OR-ed into it.
 * Returns (transfer full) a NUL-terminated UTF-8 string, "" when empty. */
char *tw_utf16_to_utf8(const guint8 *p, gsize nbytes, bool little_endian, guint *notes);

/* tw_utf16_to_utf8 for little-endian input (NTLMSSP, SMB2). (transfer full) */
static inline char *tw_utf16le_to_utf8(const guint8 *p, gsize nbytes, guint *notes)
{
    return tw_utf16_to_utf8(p, nbytes, true, notes);
}
