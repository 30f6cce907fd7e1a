/* utf16.c — UTF-16 (RFC 2781) to UTF-8 under the single NUL rule of
 * utf16.h. */
#include "utf16.h"

static guint16 unit_at(const guint8 *p, gsize i, bool le)
{
    return le ? (guint16)(p[2 * i] | (p[2 * i + 1] << 8))
              : (guint16)((p[2 * i] << 8) | p[2 * i + 1]);
}

char *tw_utf16_to_utf8(const guint8 *p, gsize nbytes, bool little_endian, guint *notes)
{
    guint met = 0;
    gsize units = nbytes / 2;
    if (nbytes & 1)
        met |= TW_UTF16_ODD_LENGTH;
    GString *out = g_string_sized_new(units + 1);
    for (gsize i = 0; i < units; i++) {
        guint16 u = unit_at(p, i, little_endian);
        if (u == 0) {
            /* The terminator; anything but more NULs after it is an
             * embedded NUL. */
            for (gsize j = i + 1; j < units; j++) {
                if (unit_at(p, j, little_endian) != 0) {
                    met |= TW_UTF16_EMBEDDED_NUL;
                    break;
                }
            }
            break;
        }
        /* RFC 2781 2.2: a high surrogate (D800-DBFF) and a low one
         * (DC00-DFFF) encode U+10000..U+10FFFF. */
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            guint16 lo = unit_at(p, i + 1, little_endian);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                gunichar cp = 0x10000 + (((gunichar)u - 0xD800) << 10) + (lo - 0xDC00);
                g_string_append_unichar(out, cp);
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            met |= TW_UTF16_BAD_SURROGATE;
            g_string_append_unichar(out, 0xFFFD);
            continue;
        }
        g_string_append_unichar(out, u);
    }
    if (notes)
        *notes |= met;
    return g_string_free(out, FALSE);
}
