/* krb5-tree.h — what the Kerberos teaching view adds to the walker's lines
 * (flag words bit by bit, weak encryption types, string-to-key parameters,
 * the section of each field), kept apart from krb5.c's tables so that the
 * tree and the decoder evolve separately. */
#pragma once

#include "core/event.h"
#include "core/tw-flags.h"

/* A phrase calling out a weak encryption type (DES, RC4, export RC4,
 * 3DES), with the RFC that deprecates it; NULL for a strong one.
 * Returns: (transfer none) (nullable): static. */
const char *tw_krb5_etype_weak_note(gint64 etype);

/* The KerberosFlags word v bit by bit under the field's line (RFC 4120 5.2.8). */
void tw_krb5_tree_flag_bits(TwEvent *ev, guint depth, const TwFlagTable *t, guint32 v);

/* The s2kparams of an ETYPE-INFO2 entry of type etype (RFC 4120 5.2.7.5),
 * decoded: the PBKDF2 iteration count of AES (RFC 3962 4), AES-SHA2 (RFC
 * 8009 4) and Camellia (RFC 6803 3), the DES string-to-key variant (RFC
 * 3961 6.2); a line at depth, the bytes otherwise. */
void tw_krb5_tree_s2kparams(TwEvent *ev, guint depth, const char *label, const char *spec,
                            gint64 etype, const guint8 *p, gsize n);

/* The spec of a field: the section of the type that holds it, then that of
 * the field's own type when it names another section ("RFC 4120 5.4.1
 * (5.2.4 UInt32)").  Returns: (transfer full): g_free. */
char *tw_krb5_field_spec(const char *type_spec, const char *field_spec);
