/* tw-flags.c — flag words bit by bit (see tw-flags.h).  Entries are listed
 * from the most significant bit down, as the specifications draw them. */
#include "tw-flags.h"

#define TABLE(var, name_, spec_, width_, ...)                                                     \
    static const TwFlagBit var##_bits[] = { __VA_ARGS__ };                                       \
    const TwFlagTable var = { (name_), (spec_), (width_), var##_bits, G_N_ELEMENTS(var##_bits) }

/* MS-NRPC 3.1.4.2 Netlogon Negotiable Options: the letters of the spec's bit
 * diagram (bit 0 of the diagram, Z, is the most significant), every one of
 * the 32 bits; the bits the diagram draws as 0 are listed as reserved. */
TABLE(tw_flags_nrpc_negotiate, "NegotiateFlags", "MS-NRPC 3.1.4.2", 32,
    { 0x80000000u, "Kerberos authentication (Z)", "NetrServerAuthenticateKerberos supported" },
    { 0x40000000u, "Secure RPC (Y)", "the channel is signed and sealed (Netlogon secure channel); without it: the Zerologon pattern" },
    { 0x20000000u, "Authenticated RPC via lsass (X)", NULL },
    { 0x10000000u, "reserved", "MUST be zero" },
    { 0x08000000u, "reserved", "MUST be zero" },
    { 0x04000000u, "reserved", "MUST be zero" },
    { 0x02000000u, "reserved", "MUST be zero" },
    { 0x01000000u, "AES (W)", "session key HMAC-SHA256, credentials AES-128-CFB8 (3.1.4.3.1, 3.1.4.4.1)" },
    { 0x00800000u, "reserved", "MUST be zero" },
    { 0x00400000u, "reserved", "MUST be zero (Samba: NETLOGON_NEG_SUPPORTS_AES_SHA2)" },
    { 0x00200000u, "RODC pass-through (V)", NULL },
    { 0x00100000u, "No NT4 emulation (U)", "the client is not an NT4 machine: the server must not emulate NT4" },
    { 0x00080000u, "Cross-forest trusts (T)", NULL },
    { 0x00040000u, "NetrLogonGetDomainInfo (S)", NULL },
    { 0x00020000u, "NetrServerPasswordSet2 (R)", "the machine changes its password with PasswordSet2" },
    { 0x00010000u, "DNS domain trusts (Q)", NULL },
    { 0x00008000u, "Transitive trusts (P)", NULL },
    { 0x00004000u, "Strong keys (O)", "128-bit session key from MD5 and HMAC-MD5 (3.1.4.3.2)" },
    { 0x00002000u, "Avoid LSA database replication (N)", NULL },
    { 0x00001000u, "Avoid SAM database replication (M)", NULL },
    { 0x00000800u, "Concurrent RPC (L)", NULL },
    { 0x00000400u, "Generic pass-through (K)", NULL },
    { 0x00000200u, "Send password info to PDC (J)", NULL },
    { 0x00000100u, "Password change refusal (I)", NULL },
    { 0x00000080u, "REDO (H)", NULL },
    { 0x00000040u, "Multiple SIDs (G)", NULL },
    { 0x00000020u, "Full synchronization restart (F)", NULL },
    { 0x00000010u, "BDC change log (E)", NULL },
    { 0x00000008u, "Promotion count (D)", NULL },
    { 0x00000004u, "RC4 (C)", "RC4 encryption" },
    { 0x00000002u, "Persistent SAM replication (B)", NULL },
    { 0x00000001u, "Account lockout (A)", "not used: ignored on receipt" });

/* MS-NRPC 2.2.1.3.1 NL_AUTH_MESSAGE Flags: which names follow. */
TABLE(tw_flags_nl_auth_message, "Flags", "MS-NRPC 2.2.1.3.1", 32,
    { 0x00000010u, "NetbiosUtf8ComputerName", NULL },
    { 0x00000008u, "DnsCompressedHostName", NULL },
    { 0x00000004u, "DnsCompressedDomainName", NULL },
    { 0x00000002u, "NetbiosOemComputerName", NULL },
    { 0x00000001u, "NetbiosOemDomainName", NULL });

/* MS-NLMP 2.2.2.5 NEGOTIATE: letters and names of the spec, r1..r10 unused. */
TABLE(tw_flags_ntlmssp_negotiate, "NegotiateFlags", "MS-NLMP 2.2.2.5", 32,
    { 0x80000000u, "NTLMSSP_NEGOTIATE_56 (W)", "56-bit encryption" },
    { 0x40000000u, "NTLMSSP_NEGOTIATE_KEY_EXCH (V)", "explicit key exchange: a random session key is sent encrypted" },
    { 0x20000000u, "NTLMSSP_NEGOTIATE_128 (U)", "128-bit encryption" },
    { 0x10000000u, "r1", "unused, MUST be zero" },
    { 0x08000000u, "r2", "unused, MUST be zero" },
    { 0x04000000u, "r3", "unused, MUST be zero" },
    { 0x02000000u, "NTLMSSP_NEGOTIATE_VERSION (T)", "a Version field follows" },
    { 0x01000000u, "r4", "unused, MUST be zero" },
    { 0x00800000u, "NTLMSSP_NEGOTIATE_TARGET_INFO (S)", "TargetInfo (AV pairs) present" },
    { 0x00400000u, "NTLMSSP_REQUEST_NON_NT_SESSION_KEY (R)", NULL },
    { 0x00200000u, "r5", "unused, MUST be zero" },
    { 0x00100000u, "NTLMSSP_NEGOTIATE_IDENTIFY (Q)", NULL },
    { 0x00080000u, "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (P)", "NTLM2 session security" },
    { 0x00040000u, "r6", "unused, MUST be zero" },
    { 0x00020000u, "NTLMSSP_TARGET_TYPE_SERVER (O)", "TargetName is a server name" },
    { 0x00010000u, "NTLMSSP_TARGET_TYPE_DOMAIN (N)", "TargetName is a domain name" },
    { 0x00008000u, "NTLMSSP_NEGOTIATE_ALWAYS_SIGN (M)", NULL },
    { 0x00004000u, "r7", "unused, MUST be zero" },
    { 0x00002000u, "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED (L)", NULL },
    { 0x00001000u, "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED (K)", NULL },
    { 0x00000800u, "NTLMSSP_NEGOTIATE_ANONYMOUS (J)", "anonymous connection" },
    { 0x00000400u, "r8", "unused, MUST be zero" },
    { 0x00000200u, "NTLMSSP_NEGOTIATE_NTLM (H)", "NTLM v1 session security" },
    { 0x00000100u, "r9", "unused, MUST be zero" },
    { 0x00000080u, "NTLMSSP_NEGOTIATE_LM_KEY (G)", "LAN Manager session key: weak" },
    { 0x00000040u, "NTLMSSP_NEGOTIATE_DATAGRAM (F)", "connectionless NTLM" },
    { 0x00000020u, "NTLMSSP_NEGOTIATE_SEAL (E)", "confidentiality (sealing)" },
    { 0x00000010u, "NTLMSSP_NEGOTIATE_SIGN (D)", "integrity (signing)" },
    { 0x00000008u, "r10", "unused, MUST be zero" },
    { 0x00000004u, "NTLMSSP_REQUEST_TARGET (C)", "the server must send TargetName" },
    { 0x00000002u, "NTLM_NEGOTIATE_OEM (B)", "OEM character set" },
    { 0x00000001u, "NTLMSSP_NEGOTIATE_UNICODE (A)", "Unicode (UTF-16LE) strings" });

/* RFC 4120 5.2.8 KerberosFlags: bit 0 is the most significant bit. */
#define KBIT(n) (0x80000000u >> (n))

/* RFC 4120 5.4.1 KDCOptions (the ASN.1 comment's names), with bit 14 from
 * MS-SFU 2.2.3, 15 from RFC 6806 5 and 16 from RFC 8062 4.1. */
TABLE(tw_flags_krb_kdc_options, "kdc-options", "RFC 4120 5.4.1", 32,
    { KBIT(0), "reserved", NULL },
    { KBIT(1), "forwardable", "the ticket may be forwarded to another host (2.6)" },
    { KBIT(2), "forwarded", "this TGT request forwards a TGT" },
    { KBIT(3), "proxiable", "the ticket may be proxied (2.5)" },
    { KBIT(4), "proxy", "this request asks a proxy ticket" },
    { KBIT(5), "allow-postdate", "later requests may postdate tickets" },
    { KBIT(6), "postdated", "a postdated ticket is asked (from)" },
    { KBIT(7), "unused7", NULL },
    { KBIT(8), "renewable", "a renewable ticket is asked (rtime)" },
    { KBIT(9), "unused9", NULL },
    { KBIT(10), "unused10", NULL },
    { KBIT(11), "opt-hardware-auth", NULL },
    { KBIT(12), "unused12", NULL },
    { KBIT(13), "unused13", NULL },
    { KBIT(14), "constrained-delegation", "S4U2Proxy: cname-in-addl-tkt (MS-SFU 2.2.3)" },
    { KBIT(15), "canonicalize", "the KDC may return the canonical name (RFC 6806)" },
    { KBIT(16), "request-anonymous", "an anonymous ticket is asked (RFC 8062)" },
    { KBIT(17), "unused17", NULL },
    { KBIT(18), "unused18", NULL },
    { KBIT(19), "unused19", NULL },
    { KBIT(20), "unused20", NULL },
    { KBIT(21), "unused21", NULL },
    { KBIT(22), "unused22", NULL },
    { KBIT(23), "unused23", NULL },
    { KBIT(24), "unused24", NULL },
    { KBIT(25), "unused25", NULL },
    { KBIT(26), "disable-transited-check", NULL },
    { KBIT(27), "renewable-ok", "a renewable ticket is acceptable if till cannot be granted" },
    { KBIT(28), "enc-tkt-in-skey", "user-to-user: encrypt in the session key of the additional ticket" },
    { KBIT(29), "unused29", NULL },
    { KBIT(30), "renew", "this request renews a ticket" },
    { KBIT(31), "validate", "this request validates a postdated ticket" });

/* RFC 4120 5.5.1 APOptions. */
TABLE(tw_flags_krb_ap_options, "ap-options", "RFC 4120 5.5.1", 32,
    { KBIT(0), "reserved", NULL },
    { KBIT(1), "use-session-key", "the ticket is encrypted in the session key of the server's TGT (user-to-user)" },
    { KBIT(2), "mutual-required", "the client wants an AP-REP back (mutual authentication)" });

/* RFC 4120 5.3 TicketFlags, with bit 14 from RFC 8062 and 15 from RFC 6806. */
TABLE(tw_flags_krb_ticket, "flags", "RFC 4120 5.3", 32,
    { KBIT(0), "reserved", NULL },
    { KBIT(1), "forwardable", NULL },
    { KBIT(2), "forwarded", "issued from a forwarded TGT" },
    { KBIT(3), "proxiable", NULL },
    { KBIT(4), "proxy", NULL },
    { KBIT(5), "may-postdate", NULL },
    { KBIT(6), "postdated", NULL },
    { KBIT(7), "invalid", "must be validated before use" },
    { KBIT(8), "renewable", NULL },
    { KBIT(9), "initial", "issued by the AS exchange, not from a TGT" },
    { KBIT(10), "pre-authent", "the client was pre-authenticated" },
    { KBIT(11), "hw-authent", NULL },
    { KBIT(12), "transited-policy-checked", NULL },
    { KBIT(13), "ok-as-delegate", "the realm trusts the service with delegation" },
    { KBIT(14), "anonymous", "RFC 8062" },
    { KBIT(15), "enc-pa-rep", "RFC 6806 11 (Windows: name-canonicalize)" });

/* MS-SMB2 2.2.1.2 SMB2 Packet Header - SYNC, Flags. */
TABLE(tw_flags_smb2_header, "Flags", "MS-SMB2 2.2.1.2", 32,
    { 0x20000000u, "SMB2_FLAGS_REPLAY_OPERATION", "a replayed request (multichannel)" },
    { 0x10000000u, "SMB2_FLAGS_DFS_OPERATIONS", NULL },
    { 0x00000070u, "SMB2_FLAGS_PRIORITY_MASK", "I/O priority (3.1.1)" },
    { 0x00000008u, "SMB2_FLAGS_SIGNED", "the message is signed (Signature)" },
    { 0x00000004u, "SMB2_FLAGS_RELATED_OPERATIONS", "part of a compound chain, related to the previous" },
    { 0x00000002u, "SMB2_FLAGS_ASYNC_COMMAND", "async header: AsyncId instead of TreeId" },
    { 0x00000001u, "SMB2_FLAGS_SERVER_TO_REDIR", "a response (from the server)" });

/* MS-SMB2 2.2.3 / 2.2.4 SecurityMode (16 bits in NEGOTIATE). */
TABLE(tw_flags_smb2_security_mode, "SecurityMode", "MS-SMB2 2.2.3", 16,
    { 0x0002u, "SMB2_NEGOTIATE_SIGNING_REQUIRED", "messages must be signed" },
    { 0x0001u, "SMB2_NEGOTIATE_SIGNING_ENABLED", NULL });

/* MS-SMB2 2.2.3 / 2.2.4 Capabilities. */
TABLE(tw_flags_smb2_capabilities, "Capabilities", "MS-SMB2 2.2.3", 32,
    { 0x00000080u, "SMB2_GLOBAL_CAP_NOTIFICATIONS", NULL },
    { 0x00000040u, "SMB2_GLOBAL_CAP_ENCRYPTION", NULL },
    { 0x00000020u, "SMB2_GLOBAL_CAP_DIRECTORY_LEASING", NULL },
    { 0x00000010u, "SMB2_GLOBAL_CAP_PERSISTENT_HANDLES", NULL },
    { 0x00000008u, "SMB2_GLOBAL_CAP_MULTI_CHANNEL", NULL },
    { 0x00000004u, "SMB2_GLOBAL_CAP_LARGE_MTU", NULL },
    { 0x00000002u, "SMB2_GLOBAL_CAP_LEASING", NULL },
    { 0x00000001u, "SMB2_GLOBAL_CAP_DFS", NULL });

/* MS-SMB2 2.2.6 SESSION_SETUP Response SessionFlags. */
TABLE(tw_flags_smb2_session, "SessionFlags", "MS-SMB2 2.2.6", 16,
    { 0x0004u, "SMB2_SESSION_FLAG_ENCRYPT_DATA", "the server encrypts the session's messages" },
    { 0x0002u, "SMB2_SESSION_FLAG_IS_NULL", "an anonymous (null) session" },
    { 0x0001u, "SMB2_SESSION_FLAG_IS_GUEST", "a guest session: the account was not authenticated" });

/* C706 12.6.3.1 pfc_flags; MS-RPCE 2.2.2.3 names 0x04 PFC_SUPPORT_HEADER_SIGN
 * in bind and bind_ack (PFC_PENDING_CANCEL elsewhere). */
TABLE(tw_flags_dcerpc_pfc, "pfc_flags", "C706 12.6.3.1", 8,
    { 0x80u, "PFC_OBJECT_UUID", "an object UUID follows the header (request)" },
    { 0x40u, "PFC_MAYBE", NULL },
    { 0x20u, "PFC_DID_NOT_EXECUTE", "fault: the call was not executed" },
    { 0x10u, "PFC_CONC_MPX", "concurrent multiplexing" },
    { 0x08u, "PFC_RESERVED_1", NULL },
    { 0x04u, "PFC_PENDING_CANCEL / PFC_SUPPORT_HEADER_SIGN", "bind: header signing supported (MS-RPCE 2.2.2.3)" },
    { 0x02u, "PFC_LAST_FRAG", "last fragment of the call" },
    { 0x01u, "PFC_FIRST_FRAG", "first fragment of the call" });

/* RFC 791 3.1: the 16 bits of flags and fragment offset. */
TABLE(tw_flags_ipv4, "Flags", "RFC 791 3.1", 16,
    { 0x8000u, "Reserved bit", "must be zero" },
    { 0x4000u, "Don't fragment", NULL },
    { 0x2000u, "More fragments", "a fragment: more follow" },
    { 0x1fffu, "Fragment offset", "in units of 8 octets" });

/* RFC 9293 3.1 control bits (CWR and ECE: RFC 3168 6.1). */
TABLE(tw_flags_tcp, "Flags", "RFC 9293 3.1", 8,
    { 0x80u, "CWR", "congestion window reduced (RFC 3168)" },
    { 0x40u, "ECE", "ECN echo (RFC 3168)" },
    { 0x20u, "URG", NULL },
    { 0x10u, "ACK", NULL },
    { 0x08u, "PSH", NULL },
    { 0x04u, "RST", "the connection is reset" },
    { 0x02u, "SYN", "opens the connection" },
    { 0x01u, "FIN", "the sender has finished sending" });

const TwFlagTable *const tw_flag_tables[] = {
    &tw_flags_nrpc_negotiate, &tw_flags_nl_auth_message, &tw_flags_ntlmssp_negotiate,
    &tw_flags_krb_kdc_options, &tw_flags_krb_ap_options, &tw_flags_krb_ticket,
    &tw_flags_smb2_header, &tw_flags_smb2_security_mode, &tw_flags_smb2_capabilities,
    &tw_flags_smb2_session, &tw_flags_dcerpc_pfc, &tw_flags_ipv4, &tw_flags_tcp, NULL,
};

void tw_flags_pattern(guint width, guint32 mask, guint32 v, GString *out)
{
    for (guint i = 0; i < width; i++) {
        guint32 bit = 1u << (width - 1 - i);
        if (i && i % 4 == 0)
            g_string_append_c(out, ' ');
        g_string_append_c(out, !(mask & bit) ? '.' : (v & bit) ? '1' : '0');
    }
}

/* Kerberos numbers its bits from the most significant (RFC 4120 5.2.8). */
static bool msb_numbered(const TwFlagTable *t)
{
    return g_str_has_prefix(t->spec, "RFC 4120");
}

static guint bit_number(const TwFlagTable *t, guint32 bit)
{
    guint lsb = (guint)g_bit_nth_lsf(bit, -1);
    return msb_numbered(t) ? t->width - 1 - lsb : lsb;
}

/* The mask of all the bits the entries cover. */
static guint32 covered(const TwFlagTable *t)
{
    guint32 m = 0;
    for (gsize i = 0; i < t->n_bits; i++)
        m |= t->bits[i].mask;
    return m;
}

char *tw_flags_set_names(const TwFlagTable *t, guint32 v)
{
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < t->n_bits; i++) {
        const TwFlagBit *b = &t->bits[i];
        if (!(v & b->mask) || (b->mask & (b->mask - 1)))
            continue; /* not set, or a multi-bit field (not a flag) */
        if (s->len)
            g_string_append(s, ", ");
        g_string_append(s, b->name);
    }
    guint32 rest = v & ~covered(t);
    for (guint i = 0; i < 32 && rest; i++) {
        guint32 bit = 0x80000000u >> i;
        if (!(rest & bit))
            continue;
        rest &= ~bit;
        if (s->len)
            g_string_append(s, ", ");
        g_string_append_printf(s, "bit %u", bit_number(t, bit));
    }
    if (!s->len)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

const TwFlagBit *tw_flags_find(const TwFlagTable *t, guint32 mask)
{
    for (gsize i = 0; i < t->n_bits; i++)
        if (t->bits[i].mask == mask)
            return &t->bits[i];
    return NULL;
}

void tw_flags_tree(TwEvent *ev, guint depth, const TwFlagTable *t, guint32 v)
{
    GString *line = g_string_sized_new(80);
    for (gsize i = 0; i < t->n_bits; i++) {
        const TwFlagBit *b = &t->bits[i];
        g_string_truncate(line, 0);
        tw_flags_pattern(t->width, b->mask, v, line);
        g_string_append_printf(line, " = %s", b->name);
        if (b->mask & (b->mask - 1)) { /* a field: its value */
            guint shift = (guint)g_bit_nth_lsf(b->mask, -1);
            tw_event_tree_add(ev, depth, line->str, NULL, "%u", (v & b->mask) >> shift);
        } else {
            bool set = (v & b->mask) != 0;
            tw_event_tree_add(ev, depth, line->str, set ? b->note : NULL, "%s", set ? "Set" : "Not set");
        }
    }
    guint32 rest = v & ~covered(t);
    if (t->width < 32)
        rest &= (1u << t->width) - 1;
    for (guint i = 0; i < 32 && rest; i++) {
        guint32 bit = 0x80000000u >> i;
        if (!(rest & bit))
            continue;
        rest &= ~bit;
        g_string_truncate(line, 0);
        tw_flags_pattern(t->width, bit, v, line);
        g_string_append_printf(line, " = bit %u", bit_number(t, bit));
        tw_event_tree_add_spec(ev, depth, line->str, t->spec, "not defined by the specification", "Set");
    }
    g_string_free(line, TRUE);
}
