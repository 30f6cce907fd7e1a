/* tw-flags.h — the flag words of the protocols, bit by bit, in one place.
 *
 * Each table is one flag word as its specification defines it: every bit
 * (or multi-bit field) with the specification's name, the bit's value as a
 * mask of the word as the dissector reads it (host order after the wire's
 * byte order; Kerberos' KerberosFlags bit 0 is the most significant bit,
 * RFC 4120 5.2.8), and a short phrase of what it means when set.  The
 * teaching view (-T tree) prints a word as Wireshark's details pane does:
 *
 *     NegotiateFlags: 0x612fffff
 *         .... .... .... .... .... .... .... ...1 = Account lockout (A): Set
 *
 * tests/unit/test-flags.c checks every table against the values of the
 * specifications (and docs/protocol-notes.md where it has them).
 */
#pragma once

#include "event.h"

#include <glib.h>

typedef struct {
    guint32 mask;     /* one bit, or a field of adjacent bits (SMB2 priority) */
    const char *name; /* the specification's name for the bit */
    const char *note; /* what a set bit means, in a few words; may be NULL */
} TwFlagBit;

typedef struct {
    const char *name;      /* the word's name in its specification ("NegotiateFlags") */
    const char *spec;      /* where the bits are defined ("MS-NRPC 3.1.4.2") */
    guint width;           /* 8, 16 or 32 */
    const TwFlagBit *bits; /* most significant first */
    gsize n_bits;
} TwFlagTable;

extern const TwFlagTable tw_flags_nrpc_negotiate;     /* MS-NRPC 3.1.4.2 */
extern const TwFlagTable tw_flags_nl_auth_message;    /* MS-NRPC 2.2.1.3.1 NL_AUTH_MESSAGE Flags */
extern const TwFlagTable tw_flags_ntlmssp_negotiate;  /* MS-NLMP 2.2.2.5 */
extern const TwFlagTable tw_flags_krb_kdc_options;    /* RFC 4120 5.4.1 KDCOptions */
extern const TwFlagTable tw_flags_krb_ap_options;     /* RFC 4120 5.5.1 APOptions */
extern const TwFlagTable tw_flags_krb_ticket;         /* RFC 4120 5.3 TicketFlags */
extern const TwFlagTable tw_flags_smb2_header;        /* MS-SMB2 2.2.1.2 Flags */
extern const TwFlagTable tw_flags_smb2_security_mode; /* MS-SMB2 2.2.3 SecurityMode */
extern const TwFlagTable tw_flags_smb2_capabilities;  /* MS-SMB2 2.2.3 Capabilities */
extern const TwFlagTable tw_flags_smb2_session;       /* MS-SMB2 2.2.6 SessionFlags */
extern const TwFlagTable tw_flags_dcerpc_pfc;         /* C706 12.6.3.1 pfc_flags, MS-RPCE 2.2.2.3 */
extern const TwFlagTable tw_flags_ipv4;               /* RFC 791 3.1 flags and fragment offset */
extern const TwFlagTable tw_flags_tcp;                /* RFC 9293 3.1 control bits, RFC 3168 6.1 */

/* Every table above, NULL-terminated (for tests and documentation). */
extern const TwFlagTable *const tw_flag_tables[];

/* Bit pattern of `mask` within a word of `width` bits, Wireshark's style:
 * groups of four, '.' outside the mask, the bits of v inside it
 * ("..1. ....").  Appended to out. */
void tw_flags_pattern(guint width, guint32 mask, guint32 v, GString *out);

/* The names of the set bits, ", "-separated ("none" when v is 0); a set bit
 * no entry names is "bit N" (N counted from the least significant bit, or
 * for Kerberos from the most significant, as its spec numbers them).
 * Returns: (transfer full): g_free. */
char *tw_flags_set_names(const TwFlagTable *t, guint32 v);

/* The entry of t whose mask is exactly `mask`, or NULL.
 * Returns: (transfer none) (nullable): static. */
const TwFlagBit *tw_flags_find(const TwFlagTable *t, guint32 mask);

/* Teaching view: one line per entry of t at `depth`, then one per set bit
 * that no entry covers ("Set"/"Not set", a field shows its value).  The
 * caller's line for the word carries the table's spec; a bit no entry
 * covers carries it too, with "not defined by the specification". */
void tw_flags_tree(TwEvent *ev, guint depth, const TwFlagTable *t, guint32 v);
