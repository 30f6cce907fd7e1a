/* test-flags.c — every flag bit name of core/tw-flags.c against the tables
 * of the specifications, and the bit-by-bit teaching lines.
 *
 * The expected values are written here from the specifications themselves
 * (bit diagrams and value tables): MS-NRPC 3.1.4.2, MS-NLMP 2.2.2.5,
 * RFC 4120 5.3 / 5.4.1 / 5.5.1, MS-SMB2 2.2.1.2 / 2.2.3 / 2.2.6, C706
 * 12.6.3.1, MS-NRPC 2.2.1.3.1; and the NETLOGON values are checked again
 * against the Samba names of ../shared/docs/protocol-notes.md section 3.3.
 */
#include "core/tw-flags.h"

#include <stdio.h>
#include <string.h>

/* The entry of t whose name contains `needle`; fails the test if none or two. */
static const TwFlagBit *by_name(const TwFlagTable *t, const char *needle)
{
    const TwFlagBit *found = NULL;
    for (gsize i = 0; i < t->n_bits; i++) {
        if (strstr(t->bits[i].name, needle)) {
            if (found)
                g_error("%s: \"%s\" names two entries", t->spec, needle);
            found = &t->bits[i];
        }
    }
    if (!found)
        g_error("%s: no entry named \"%s\"", t->spec, needle);
    return found;
}

static void test_structure(void)
{
    for (const TwFlagTable *const *tp = tw_flag_tables; *tp; tp++) {
        const TwFlagTable *t = *tp;
        g_assert_true(t->width == 8 || t->width == 16 || t->width == 32);
        g_assert_nonnull(t->spec);
        g_assert_cmpuint(t->n_bits, >, 0);
        guint32 seen = 0;
        for (gsize i = 0; i < t->n_bits; i++) {
            const TwFlagBit *b = &t->bits[i];
            g_assert_cmpuint(b->mask, !=, 0);
            if (t->width < 32)
                g_assert_cmpuint(b->mask >> t->width, ==, 0);
            g_assert_cmpuint(seen & b->mask, ==, 0); /* entries do not overlap */
            if (i)                                   /* most significant first */
                g_assert_cmpuint(b->mask, <, t->bits[i - 1].mask);
            /* a multi-bit entry is a run of adjacent bits */
            guint32 low = b->mask & -b->mask;
            g_assert_cmpuint((b->mask + low) & b->mask, ==, 0);
            g_assert_true(b->name && b->name[0]);
            seen |= b->mask;
        }
    }
}

/* A bit diagram as the specs draw it: one character per bit, the most
 * significant first; '0' or 'r' is a bit the spec reserves. */
static void check_diagram(const TwFlagTable *t, const char *diagram)
{
    g_assert_cmpuint(strlen(diagram), ==, 32);
    for (guint i = 0; i < 32; i++) {
        guint32 mask = 0x80000000u >> i;
        const TwFlagBit *b = tw_flags_find(t, mask);
        g_assert_nonnull(b); /* every one of the 32 bits is listed */
        char letter = diagram[i];
        if (letter == '0' || letter == 'r') {
            g_assert_true(g_str_has_prefix(b->name, "reserved") || (b->name[0] == 'r' && g_ascii_isdigit(b->name[1])));
            continue;
        }
        char tag[5] = { ' ', '(', letter, ')', 0 };
        if (!strstr(b->name, tag))
            g_error("%s bit 0x%08x: \"%s\" is not letter %c", t->spec, mask, b->name, letter);
    }
}

/* MS-NRPC 3.1.4.2: the diagram ZYX0000W00VUTSRQPONMLKJIHGFEDCBA. */
static void test_nrpc(void)
{
    const TwFlagTable *t = &tw_flags_nrpc_negotiate;
    g_assert_cmpuint(t->n_bits, ==, 32);
    check_diagram(t, "ZYX0000W00VUTSRQPONMLKJIHGFEDCBA");
    g_assert_cmpuint(by_name(t, "(W)")->mask, ==, 0x01000000u);  /* AES */
    g_assert_cmpuint(by_name(t, "(Y)")->mask, ==, 0x40000000u);  /* secure RPC */
    g_assert_cmpuint(by_name(t, "(O)")->mask, ==, 0x00004000u);  /* strong keys */
    g_assert_cmpuint(by_name(t, "(U)")->mask, ==, 0x00100000u);  /* NT4 emulation */
    g_assert_true(strstr(by_name(t, "(W)")->name, "AES"));
    g_assert_true(strstr(by_name(t, "(Y)")->name, "Secure RPC"));
    g_assert_true(strstr(by_name(t, "(O)")->name, "Strong keys"));
    g_assert_true(strstr(by_name(t, "(C)")->name, "RC4"));
}

/* ../shared/docs/protocol-notes.md 3.3: "| 0x00000004 | NETLOGON_NEG_ARCFOUR |" rows.
 * Each Samba name is the MS-NRPC letter below (the same bit). */
static const struct {
    const char *samba;
    char letter; /* 0: a bit MS-NRPC reserves */
} samba_letters[] = {
    { "NETLOGON_NEG_ACCOUNT_LOCKOUT", 'A' },         { "NETLOGON_NEG_PERSISTENT_SAMREPL", 'B' },
    { "NETLOGON_NEG_ARCFOUR", 'C' },                 { "NETLOGON_NEG_PROMOTION_COUNT", 'D' },
    { "NETLOGON_NEG_CHANGELOG_BDC", 'E' },           { "NETLOGON_NEG_FULL_SYNC_REPL", 'F' },
    { "NETLOGON_NEG_MULTIPLE_SIDS", 'G' },           { "NETLOGON_NEG_REDO", 'H' },
    { "NETLOGON_NEG_PASSWORD_CHANGE_REFUSAL", 'I' }, { "NETLOGON_NEG_SEND_PASSWORD_INFO_PDC", 'J' },
    { "NETLOGON_NEG_GENERIC_PASSTHROUGH", 'K' },     { "NETLOGON_NEG_CONCURRENT_RPC", 'L' },
    { "NETLOGON_NEG_AVOID_ACCOUNT_DB_REPL", 'M' },   { "NETLOGON_NEG_AVOID_SECURITYAUTH_DB_REPL", 'N' },
    { "NETLOGON_NEG_STRONG_KEYS", 'O' },             { "NETLOGON_NEG_TRANSITIVE_TRUSTS", 'P' },
    { "NETLOGON_NEG_DNS_DOMAIN_TRUSTS", 'Q' },       { "NETLOGON_NEG_PASSWORD_SET2", 'R' },
    { "NETLOGON_NEG_GETDOMAININFO", 'S' },           { "NETLOGON_NEG_CROSS_FOREST_TRUSTS", 'T' },
    { "NETLOGON_NEG_NEUTRALIZE_NT4_EMULATION", 'U' }, { "NETLOGON_NEG_RODC_PASSTHROUGH", 'V' },
    { "NETLOGON_NEG_SUPPORTS_AES_SHA2", 0 },         { "NETLOGON_NEG_SUPPORTS_AES", 'W' },
    { "NETLOGON_NEG_AUTHENTICATED_RPC_LSASS", 'X' }, { "NETLOGON_NEG_AUTHENTICATED_RPC", 'Y' },
};

static void test_nrpc_protocol_notes(void)
{
    const char *srcdir = g_getenv("G_TEST_SRCDIR");
    g_autofree char *path = srcdir ? g_build_filename(srcdir, "..", "..", "shared", "docs", "protocol-notes.md", NULL)
                                   : g_strdup("../shared/docs/protocol-notes.md");
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_test_skip("../shared/docs/protocol-notes.md absent");
        return;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint checked = 0;
    for (char **l = lines; *l; l++) {
        /* "| 0x00004000 | NETLOGON_NEG_STRONG_KEYS |" or with ** around both */
        g_autofree char *row = g_strdup(*l);
        g_strdelimit(row, "*", ' ');
        guint32 value;
        char name[64];
        if (sscanf(row, " | 0x%x | %63s |", &value, name) != 2 || !g_str_has_prefix(name, "NETLOGON_NEG_"))
            continue;
        const TwFlagBit *b = tw_flags_find(&tw_flags_nrpc_negotiate, value);
        g_assert_nonnull(b);
        bool known = false;
        for (gsize i = 0; i < G_N_ELEMENTS(samba_letters); i++) {
            if (strcmp(samba_letters[i].samba, name) != 0)
                continue;
            known = true;
            if (samba_letters[i].letter) {
                char tag[4] = { '(', samba_letters[i].letter, ')', 0 };
                if (!strstr(b->name, tag))
                    g_error("protocol-notes %s = 0x%08x: ours is \"%s\"", name, value, b->name);
            } else {
                g_assert_true(g_str_has_prefix(b->name, "reserved"));
                g_assert_nonnull(strstr(b->note, name)); /* the Samba name is said */
            }
        }
        if (!known)
            g_error("protocol-notes names %s, which this test does not map", name);
        checked++;
    }
    g_assert_cmpuint(checked, ==, G_N_ELEMENTS(samba_letters));
}

/* MS-NLMP 2.2.2.5: the diagram WVUrrrTrSRrQPrONMrLKJrHrGFEDrCBA and the
 * alternate names the spec gives each letter. */
static void test_ntlmssp(void)
{
    const TwFlagTable *t = &tw_flags_ntlmssp_negotiate;
    g_assert_cmpuint(t->n_bits, ==, 32);
    check_diagram(t, "WVUrrrTrSRrQPrONMrLKJrHrGFEDrCBA");
    static const struct {
        const char *name;
        guint32 value;
    } spec[] = {
        { "NTLMSSP_NEGOTIATE_UNICODE", 0x00000001 }, { "NTLM_NEGOTIATE_OEM", 0x00000002 },
        { "NTLMSSP_REQUEST_TARGET", 0x00000004 }, { "NTLMSSP_NEGOTIATE_SIGN", 0x00000010 },
        { "NTLMSSP_NEGOTIATE_SEAL", 0x00000020 }, { "NTLMSSP_NEGOTIATE_DATAGRAM", 0x00000040 },
        { "NTLMSSP_NEGOTIATE_LM_KEY", 0x00000080 }, { "NTLMSSP_NEGOTIATE_NTLM", 0x00000200 },
        { "NTLMSSP_NEGOTIATE_ANONYMOUS", 0x00000800 },
        { "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED", 0x00001000 },
        { "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED", 0x00002000 },
        { "NTLMSSP_NEGOTIATE_ALWAYS_SIGN", 0x00008000 }, { "NTLMSSP_TARGET_TYPE_DOMAIN", 0x00010000 },
        { "NTLMSSP_TARGET_TYPE_SERVER", 0x00020000 },
        { "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY", 0x00080000 },
        { "NTLMSSP_NEGOTIATE_IDENTIFY", 0x00100000 }, { "NTLMSSP_REQUEST_NON_NT_SESSION_KEY", 0x00400000 },
        { "NTLMSSP_NEGOTIATE_TARGET_INFO", 0x00800000 }, { "NTLMSSP_NEGOTIATE_VERSION", 0x02000000 },
        { "NTLMSSP_NEGOTIATE_128", 0x20000000 }, { "NTLMSSP_NEGOTIATE_KEY_EXCH", 0x40000000 },
        { "NTLMSSP_NEGOTIATE_56", 0x80000000 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(spec); i++) {
        char needle[64];
        g_snprintf(needle, sizeof needle, "%s (", spec[i].name); /* the whole name, not a prefix */
        g_assert_cmpuint(by_name(t, needle)->mask, ==, spec[i].value);
    }
    /* r1..r10, most significant first */
    static const guint32 reserved[] = { 0x10000000, 0x08000000, 0x04000000, 0x01000000, 0x00200000,
                                        0x00040000, 0x00004000, 0x00000400, 0x00000100, 0x00000008 };
    for (gsize i = 0; i < G_N_ELEMENTS(reserved); i++) {
        char name[8];
        g_snprintf(name, sizeof name, "r%zu", i + 1);
        g_assert_cmpstr(tw_flags_find(t, reserved[i])->name, ==, name);
    }
}

/* RFC 4120 5.4.1 KDCOptions, 5.3 TicketFlags, 5.5.1 APOptions: "name(bit)". */
static void check_krb(const TwFlagTable *t, const char *const *names, gsize n)
{
    for (gsize bit = 0; bit < n; bit++) {
        if (!names[bit])
            continue;
        const TwFlagBit *b = tw_flags_find(t, 0x80000000u >> bit);
        g_assert_nonnull(b);
        g_assert_cmpstr(b->name, ==, names[bit]);
    }
}

static void test_krb5(void)
{
    static const char *const kdc[32] = {
        "reserved", "forwardable", "forwarded", "proxiable", "proxy", "allow-postdate", "postdated",
        "unused7", "renewable", "unused9", "unused10", "opt-hardware-auth", "unused12", "unused13",
        [14] = "constrained-delegation", [15] = "canonicalize", [16] = "request-anonymous",
        [26] = "disable-transited-check", [27] = "renewable-ok", [28] = "enc-tkt-in-skey",
        [30] = "renew", [31] = "validate",
    };
    check_krb(&tw_flags_krb_kdc_options, kdc, 32);
    g_assert_cmpuint(tw_flags_krb_kdc_options.n_bits, ==, 32);
    static const char *const tkt[] = {
        "reserved", "forwardable", "forwarded", "proxiable", "proxy", "may-postdate", "postdated",
        "invalid", "renewable", "initial", "pre-authent", "hw-authent", "transited-policy-checked",
        "ok-as-delegate", "anonymous", "enc-pa-rep",
    };
    check_krb(&tw_flags_krb_ticket, tkt, G_N_ELEMENTS(tkt));
    static const char *const ap[] = { "reserved", "use-session-key", "mutual-required" };
    check_krb(&tw_flags_krb_ap_options, ap, G_N_ELEMENTS(ap));
    /* docs/events.md: 0x40810010 = forwardable, renewable, canonicalize, renewable-ok */
    g_autofree char *names = tw_flags_set_names(&tw_flags_krb_kdc_options, 0x40810010u);
    g_assert_cmpstr(names, ==, "forwardable, renewable, canonicalize, renewable-ok");
}

static void test_smb2_dcerpc(void)
{
    static const struct {
        const TwFlagTable *t;
        const char *name;
        guint32 value;
    } spec[] = {
        { &tw_flags_smb2_header, "SMB2_FLAGS_SERVER_TO_REDIR", 0x00000001 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_ASYNC_COMMAND", 0x00000002 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_RELATED_OPERATIONS", 0x00000004 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_SIGNED", 0x00000008 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_PRIORITY_MASK", 0x00000070 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_DFS_OPERATIONS", 0x10000000 },
        { &tw_flags_smb2_header, "SMB2_FLAGS_REPLAY_OPERATION", 0x20000000 },
        { &tw_flags_smb2_security_mode, "SMB2_NEGOTIATE_SIGNING_ENABLED", 0x0001 },
        { &tw_flags_smb2_security_mode, "SMB2_NEGOTIATE_SIGNING_REQUIRED", 0x0002 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_DFS", 0x00000001 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_LEASING", 0x00000002 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_LARGE_MTU", 0x00000004 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_MULTI_CHANNEL", 0x00000008 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_PERSISTENT_HANDLES", 0x00000010 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_DIRECTORY_LEASING", 0x00000020 },
        { &tw_flags_smb2_capabilities, "SMB2_GLOBAL_CAP_ENCRYPTION", 0x00000040 },
        { &tw_flags_smb2_session, "SMB2_SESSION_FLAG_IS_GUEST", 0x0001 },
        { &tw_flags_smb2_session, "SMB2_SESSION_FLAG_IS_NULL", 0x0002 },
        { &tw_flags_smb2_session, "SMB2_SESSION_FLAG_ENCRYPT_DATA", 0x0004 },
        { &tw_flags_dcerpc_pfc, "PFC_FIRST_FRAG", 0x01 },
        { &tw_flags_dcerpc_pfc, "PFC_LAST_FRAG", 0x02 },
        { &tw_flags_dcerpc_pfc, "PFC_PENDING_CANCEL", 0x04 },
        { &tw_flags_dcerpc_pfc, "PFC_CONC_MPX", 0x10 },
        { &tw_flags_dcerpc_pfc, "PFC_DID_NOT_EXECUTE", 0x20 },
        { &tw_flags_dcerpc_pfc, "PFC_MAYBE", 0x40 },
        { &tw_flags_dcerpc_pfc, "PFC_OBJECT_UUID", 0x80 },
        { &tw_flags_nl_auth_message, "NetbiosOemDomainName", 0x01 },
        { &tw_flags_nl_auth_message, "NetbiosOemComputerName", 0x02 },
        { &tw_flags_nl_auth_message, "DnsCompressedDomainName", 0x04 },
        { &tw_flags_nl_auth_message, "DnsCompressedHostName", 0x08 },
        { &tw_flags_nl_auth_message, "NetbiosUtf8ComputerName", 0x10 },
        { &tw_flags_tcp, "SYN", 0x02 }, { &tw_flags_tcp, "ACK", 0x10 }, { &tw_flags_tcp, "RST", 0x04 },
        { &tw_flags_ipv4, "Don't fragment", 0x4000 }, { &tw_flags_ipv4, "More fragments", 0x2000 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(spec); i++)
        g_assert_cmpuint(by_name(spec[i].t, spec[i].name)->mask, ==, spec[i].value);
}

static void test_pattern(void)
{
    GString *s = g_string_new(NULL);
    tw_flags_pattern(8, 0x20, 0x20, s);
    g_assert_cmpstr(s->str, ==, "..1. ....");
    g_string_truncate(s, 0);
    tw_flags_pattern(32, 0x70, 0x10, s);
    g_assert_cmpstr(s->str, ==, ".... .... .... .... .... .... .001 ....");
    g_string_truncate(s, 0);
    tw_flags_pattern(16, 0x8000, 0, s);
    g_assert_cmpstr(s->str, ==, "0... .... .... ....");
    g_string_free(s, TRUE);
}

/* The lines of a word: one per entry, Set exactly where v has the bit. */
static void test_tree(void)
{
    TwPacketInfo pi = { 0 };
    g_autoptr(TwEvent) ev = tw_event_new(&pi, "test");
    guint32 v = 0x612fffffu; /* a healthy Windows client (protocol-notes 3.3) */
    tw_flags_tree(ev, 2, &tw_flags_nrpc_negotiate, v);
    g_assert_cmpuint(ev->tree->len, ==, 32);
    for (guint i = 0; i < 32; i++) {
        const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
        guint32 bit = 0x80000000u >> i;
        g_assert_cmpuint(n->depth, ==, 2);
        g_assert_cmpstr(n->value, ==, (v & bit) ? "Set" : "Not set");
        g_assert_null(n->spec); /* the word's own line has it */
        g_assert_cmpint(n->name[i + i / 4], ==, (v & bit) ? '1' : '0');
    }
    const TwTreeNode *aes = g_ptr_array_index(ev->tree, 7);
    g_assert_cmpstr(aes->name, ==, ".... ...1 .... .... .... .... .... .... = AES (W)");

    /* a set bit no entry names gets its own line */
    g_autoptr(TwEvent) e2 = tw_event_new(&pi, "test");
    tw_flags_tree(e2, 0, &tw_flags_smb2_session, 0x0009);
    g_assert_cmpuint(e2->tree->len, ==, 4);
    const TwTreeNode *extra = g_ptr_array_index(e2->tree, 3);
    g_assert_cmpstr(extra->name, ==, ".... .... .... 1... = bit 3");
    g_assert_cmpstr(extra->spec, ==, "MS-SMB2 2.2.6");
    g_autofree char *names = tw_flags_set_names(&tw_flags_smb2_session, 0x0009);
    g_assert_cmpstr(names, ==, "SMB2_SESSION_FLAG_IS_GUEST, bit 3");
    g_autofree char *none = tw_flags_set_names(&tw_flags_smb2_session, 0);
    g_assert_cmpstr(none, ==, "none");

    /* a field shows its value */
    g_autoptr(TwEvent) e3 = tw_event_new(&pi, "test");
    tw_flags_tree(e3, 0, &tw_flags_smb2_header, 0x00000031);
    const TwTreeNode *prio = g_ptr_array_index(e3->tree, 2);
    g_assert_cmpstr(prio->value, ==, "3");
    /* Kerberos bits are numbered from the most significant */
    g_autofree char *k = tw_flags_set_names(&tw_flags_krb_ap_options, 0x00000001u);
    g_assert_cmpstr(k, ==, "bit 31");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flags/structure", test_structure);
    g_test_add_func("/flags/nrpc", test_nrpc);
    g_test_add_func("/flags/nrpc-protocol-notes", test_nrpc_protocol_notes);
    g_test_add_func("/flags/ntlmssp", test_ntlmssp);
    g_test_add_func("/flags/krb5", test_krb5);
    g_test_add_func("/flags/smb2-dcerpc", test_smb2_dcerpc);
    g_test_add_func("/flags/pattern", test_pattern);
    g_test_add_func("/flags/tree", test_tree);
    return g_test_run();
}
