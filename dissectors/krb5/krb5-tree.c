/* krb5-tree.c — the Kerberos teaching view's additions (see krb5-tree.h). */
#include "krb5-tree.h"

#include <string.h>

/* RFC 6649 deprecates the DES etypes, RFC 8429 RC4-HMAC and 3DES. */
const char *tw_krb5_etype_weak_note(gint64 etype)
{
    switch (etype) {
    case 1:
    case 2:
    case 3:
        return "weak: single DES (56-bit key), deprecated by RFC 6649";
    case 16:
        return "weak: triple DES, deprecated by RFC 8429";
    case 23:
        return "weak: RC4-HMAC, deprecated by RFC 8429; its key is the account's NT hash (no salt)";
    case 24:
        return "weak: export RC4-HMAC (40-bit), deprecated by RFC 8429";
    case -128:
    case -133:
    case -135:
        return "weak: a pre-standard RC4 variant (Windows 2000)";
    default:
        return NULL;
    }
}

void tw_krb5_tree_flag_bits(TwEvent *ev, guint depth, const TwFlagTable *t, guint32 v)
{
    tw_flags_tree(ev, depth, t, v);
}

static gint64 be32(const guint8 *p)
{
    return ((gint64)p[0] << 24) | ((gint64)p[1] << 16) | ((gint64)p[2] << 8) | p[3];
}

void tw_krb5_tree_s2kparams(TwEvent *ev, guint depth, const char *label, const char *spec,
                            gint64 etype, const guint8 *p, gsize n)
{
    const char *rfc = NULL;
    gint64 dflt = 0;
    switch (etype) {
    case 17:
    case 18:
        rfc = "RFC 3962 4";
        dflt = 4096;
        break;
    case 19:
    case 20:
        rfc = "RFC 8009 4";
        dflt = 32768;
        break;
    case 25:
    case 26:
        rfc = "RFC 6803 3";
        dflt = 32768;
        break;
    default:
        break;
    }
    if (rfc && n == 4) {
        /* Four octets, an unsigned big-endian PBKDF2 iteration count; 0 means 2^32. */
        gint64 it = be32(p);
        if (it == 0)
            it = G_GINT64_CONSTANT(4294967296);
        const char *note = it == dflt   ? "the PBKDF2 iteration count: the default"
                           : it < dflt  ? "the PBKDF2 iteration count: below the default, cheaper to guess"
                                        : "the PBKDF2 iteration count: above the default";
        g_autofree char *sp = g_strdup_printf("%s; %s", spec, rfc);
        tw_event_tree_add_spec(ev, depth, label, sp, note, "%" G_GINT64_FORMAT " iterations (%02x%02x%02x%02x)",
                               it, p[0], p[1], p[2], p[3]);
        return;
    }
    if ((etype == 1 || etype == 3) && n == 1) {
        tw_event_tree_add_spec(ev, depth, label, "RFC 3961 6.2",
                               p[0] == 1 ? "the AFS string-to-key of RFC 3961 6.2" : "the normal DES string-to-key",
                               "%u", p[0]);
        return;
    }
    GString *hex = g_string_new(NULL);
    for (gsize i = 0; i < n && i < 16; i++)
        g_string_append_printf(hex, "%02x", p[i]);
    tw_event_tree_add_spec(ev, depth, label, spec, "string-to-key parameters this etype does not define",
                           "%" G_GSIZE_FORMAT " bytes %s", n, hex->str);
    g_string_free(hex, TRUE);
}

char *tw_krb5_field_spec(const char *type_spec, const char *field_spec)
{
    if (!field_spec || !field_spec[0])
        return g_strdup(type_spec);
    if (g_str_has_prefix(field_spec, "RFC") || g_str_has_prefix(field_spec, "MS-"))
        return g_strdup(field_spec); /* a section of another document */
    if (!type_spec)
        return g_strdup(field_spec);
    if (g_ascii_isdigit(field_spec[0])) {
        /* "5.2.4 UInt32" of RFC 4120 beside the holder's "RFC 4120 5.4.1" */
        gsize sec = strcspn(field_spec, " ");
        const char *holder = strrchr(type_spec, ' ');
        if (holder && strncmp(holder + 1, field_spec, sec) == 0 && holder[1 + sec] == '\0')
            return g_strdup_printf("%s%s", type_spec, field_spec + sec); /* same section */
    }
    return g_strdup_printf("%s (%s)", type_spec, field_spec);
}
