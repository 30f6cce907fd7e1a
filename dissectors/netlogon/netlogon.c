/* netlogon.c — MS-NRPC (NETLOGON, UUID 12345678-1234-abcd-ef00-01234567cffb
 * v1.0) request and response stubs, as far as they travel in the clear.
 *
 * Secure-channel setup (ReqChallenge, Authenticate*, PasswordSet*) is always
 * unsealed: the session key is what it negotiates.  Later calls on an
 * authenticated channel are usually sealed (auth level privacy); their
 * events carry the opnum and `sealed: true` and nothing guessed. */
#include "core/tw-flags.h"
#include "core/tw-limits.h"
#include "netlogon.h"

#include <stdio.h>

#include "dissectors/dcerpc/ndr.h"
#include "core/nrpc-names.h"
#include "core/ntstatus.h"
#include "nl-auth.h"
#include "nl-session.h"

#define PARSER "netlogon"

typedef enum { RET_NTSTATUS, RET_WIN32 } RetKind;

/* The method table (names, return kinds) is core/nrpc-names.c: the analysis
 * names evidence from the same table. */
const char *tw_netlogon_opnum_name(guint16 opnum)
{
    return tw_nrpc_opnum_name(opnum);
}

/* MS-NRPC 2.2.1.3.13 NETLOGON_SECURE_CHANNEL_TYPE. */
const char *tw_netlogon_channel_type_name(guint32 t)
{
    switch (t) {
    case 0: return "NullSecureChannel";
    case 1: return "MsvApSecureChannel";
    case 2: return "WorkstationSecureChannel";
    case 3: return "TrustedDnsDomainSecureChannel";
    case 4: return "TrustedDomainSecureChannel";
    case 5: return "UasServerSecureChannel";
    case 6: return "ServerSecureChannel";
    case 7: return "CdcServerSecureChannel";
    }
    return NULL;
}

/* MS-ERREF 2.2 Win32 codes NET_API_STATUS calls return around trust. */
static const char *win32_name(guint32 v)
{
    switch (v) {
    case 0: return "ERROR_SUCCESS";
    case 5: return "ERROR_ACCESS_DENIED";
    case 50: return "ERROR_NOT_SUPPORTED";
    case 87: return "ERROR_INVALID_PARAMETER";
    case 234: return "ERROR_MORE_DATA";
    case 1311: return "ERROR_NO_LOGON_SERVERS";
    case 1355: return "ERROR_NO_SUCH_DOMAIN";
    case 1722: return "RPC_S_SERVER_UNAVAILABLE";
    case 1786: return "ERROR_NO_TRUST_LSA_SECRET";
    case 1787: return "ERROR_NO_TRUST_SAM_ACCOUNT";
    case 1788: return "ERROR_TRUSTED_DOMAIN_FAILURE";
    case 1789: return "ERROR_TRUSTED_RELATIONSHIP_FAILURE";
    case 1793: return "ERROR_ACCOUNT_EXPIRED";
    case 1810: return "ERROR_DOMAIN_TRUST_INCONSISTENT";
    case 2453: return "NERR_DCNotFound";
    }
    return NULL;
}

/* MS-NRPC 2.2.1.4.16 NETLOGON_LOGON_INFO_CLASS. */
static const char *logon_level_name(guint32 l)
{
    switch (l) {
    case 1: return "NetlogonInteractiveInformation";
    case 2: return "NetlogonNetworkInformation";
    case 3: return "NetlogonServiceInformation";
    case 4: return "NetlogonGenericInformation";
    case 5: return "NetlogonInteractiveTransitiveInformation";
    case 6: return "NetlogonNetworkTransitiveInformation";
    case 7: return "NetlogonServiceTransitiveInformation";
    }
    return NULL;
}

typedef struct {
    const TwDcerpcStub *st;
    const guint8 *stub; /* st->stub, or the unsealed copy */
    gsize stub_len;
    TwNdr n;
    TwEvent *ev;
    TwEvent *carry; /* request: fields its response repeats */
} Nl;

static void set_str2(Nl *nl, const char *key, const char *v)
{
    if (!v)
        return;
    tw_event_set_str(nl->ev, key, v);
    if (nl->carry)
        tw_event_set_str(nl->carry, key, v);
}

/* [in, unique, string] wchar_t* (LOGONSRV_HANDLE and optional names). */
static void unique_str(Nl *nl, const char *key, bool carry)
{
    g_autofree char *v = tw_ndr_unique_wstring(&nl->n, NULL);
    if (carry)
        set_str2(nl, key, v);
    else if (v)
        tw_event_set_str(nl->ev, key, v);
}

/* [in, string] wchar_t* as a top-level [ref] parameter: no referent id. */
static void ref_str(Nl *nl, const char *key, bool carry)
{
    g_autofree char *v = tw_ndr_wstring_cv(&nl->n);
    if (carry)
        set_str2(nl, key, v);
    else if (v)
        tw_event_set_str(nl->ev, key, v);
}

/* MS-NRPC 2.2.1.3.4 NETLOGON_CREDENTIAL: 8 opaque bytes, no alignment. */
static void credential(Nl *nl, const char *key)
{
    guint8 b[8];
    if (tw_ndr_bytes(&nl->n, b, sizeof b))
        tw_event_set_hex(nl->ev, key, b, sizeof b);
}

/* MS-NRPC 2.2.1.1.5 NETLOGON_AUTHENTICATOR {Credential[8]; DWORD
 * Timestamp}: the timestamp is the client's clock in POSIX seconds
 * (3.1.4.5), so it is reported as a clock sample. */
static void authenticator(Nl *nl, const char *prefix)
{
    tw_ndr_align(&nl->n, 4);
    guint8 b[8];
    tw_ndr_bytes(&nl->n, b, sizeof b);
    guint32 ts = tw_ndr_u32(&nl->n);
    if (!tw_ndr_ok(&nl->n))
        return;
    char key[64];
    snprintf(key, sizeof key, "%s_credential", prefix);
    tw_event_set_hex(nl->ev, key, b, sizeof b);
    snprintf(key, sizeof key, "%s_timestamp", prefix);
    tw_event_set_int(nl->ev, key, ts);
    if (ts != 0) {
        snprintf(key, sizeof key, "%s_time", prefix);
        tw_event_set_time(nl->ev, key, (gint64)ts * G_USEC_PER_SEC);
    }
}

static void channel_type(Nl *nl)
{
    guint32 t = tw_ndr_enum(&nl->n);
    if (!tw_ndr_ok(&nl->n))
        return;
    tw_event_set_int(nl->ev, "channel_type", t);
    if (nl->carry)
        tw_event_set_int(nl->carry, "channel_type", t);
    set_str2(nl, "channel_type_name", tw_netlogon_channel_type_name(t));
}

static void set_status(Nl *nl, guint32 v)
{
    /* docs/events.md: an NTSTATUS and a Win32 NET_API_STATUS are different
     * code spaces, so they have different names. */
    RetKind kind = tw_nrpc_opnum_returns_win32(nl->st->opnum) ? RET_WIN32 : RET_NTSTATUS;
    tw_event_set_hex32(nl->ev, kind == RET_WIN32 ? "win32_status" : "nt_status", v);
    const char *name = kind == RET_WIN32 ? win32_name(v) : tw_ntstatus_name(v);
    if (name)
        tw_event_set_str(nl->ev, kind == RET_WIN32 ? "win32_status_name" : "nt_status_name", name);
}

/* The return value closes every response stub (C706 14: [out] parameters
 * then the function result), so it can be read without decoding the rest. */
static void status_from_tail(Nl *nl)
{
    const TwDcerpcStub *st = nl->st;
    if (nl->stub_len < 4)
        return;
    const guint8 *p = nl->stub + nl->stub_len - 4;
    guint32 v = st->little_endian ? (guint32)(p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24))
                                  : (guint32)(((guint32)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
    set_status(nl, v);
}

static void status_read(Nl *nl)
{
    guint32 v = tw_ndr_u32(&nl->n);
    if (tw_ndr_ok(&nl->n))
        set_status(nl, v);
}

/* ---- secure channel setup ---------------------------------------------- */

/* The leading [in] parameters of NetrServerAuthenticate*, NetrServerPasswordSet*,
 * NetrServerPasswordGet, NetrServerTrustPasswordsGet and NetrServerGetTrustInfo:
 * PrimaryName, AccountName, SecureChannelType, ComputerName. */
static void channel_identity(Nl *nl)
{
    unique_str(nl, "server", true);
    ref_str(nl, "account", true);
    channel_type(nl);
    ref_str(nl, "computer", true);
}

/* The leading [in] parameters of NetrLogonGetCapabilities (3.5.4.4.11) and
 * NetrLogonGetDomainInfo (3.5.4.4.10): ServerName, ComputerName, Authenticator,
 * ReturnAuthenticator, QueryLevel. The level is remembered for the response;
 * false when it could not be read.  Unlike the Authenticate and PasswordSet
 * methods' [in, unique, string] PrimaryName, both declare ServerName
 * [in, string] LOGONSRV_HANDLE: a top-level [ref] pointer, no referent id
 * (Windows and Samba send none; reading one misaligned every later field). */
static bool level_request(Nl *nl)
{
    ref_str(nl, "server", true);
    unique_str(nl, "computer", true);
    authenticator(nl, "authenticator");
    authenticator(nl, "return_authenticator");
    guint32 level = tw_ndr_u32(&nl->n);
    if (!tw_ndr_ok(&nl->n))
        return false;
    tw_event_set_int(nl->ev, "query_level", level);
    return true;
}

/* MS-NRPC 3.5.4.4.1 NetrServerReqChallenge. */
static void req_challenge(Nl *nl, bool req)
{
    if (req) {
        unique_str(nl, "server", true);
        ref_str(nl, "computer", true);
        credential(nl, "client_challenge");
    } else {
        credential(nl, "server_challenge");
        status_read(nl);
    }
}

/* MS-NRPC 3.5.4.4.2/3/4 NetrServerAuthenticate, -2, -3. */
static void authenticate(Nl *nl, bool req, int version)
{
    if (req) {
        channel_identity(nl);
        credential(nl, "client_credential");
        if (version >= 2) {
            guint32 f = tw_ndr_u32(&nl->n);
            if (tw_ndr_ok(&nl->n))
                tw_event_set_int(nl->ev, "negotiate_flags", f);
        }
    } else {
        credential(nl, "server_credential");
        if (version >= 2) {
            guint32 f = tw_ndr_u32(&nl->n);
            if (tw_ndr_ok(&nl->n))
                tw_event_set_int(nl->ev, "negotiate_flags", f);
        }
        if (version >= 3) {
            guint32 rid = tw_ndr_u32(&nl->n);
            if (tw_ndr_ok(&nl->n))
                tw_event_set_int(nl->ev, "rid", rid);
        }
        status_read(nl);
    }
}

/* MS-NRPC 3.5.4.4.5 NetrServerPasswordSet2 / 3.5.4.4.6 NetrServerPasswordSet. */
static void password_set(Nl *nl, bool req, bool v2)
{
    if (req) {
        channel_identity(nl);
        authenticator(nl, "authenticator");
        if (v2) {
            /* NL_TRUST_PASSWORD {WCHAR Buffer[256]; ULONG Length} (2.2.1.3.7),
             * encrypted with the session key: only whether it is all zero
             * (the Zerologon reset) and a short prefix are reported. */
            tw_ndr_align(&nl->n, 4);
            guint8 pw[516];
            if (tw_ndr_bytes(&nl->n, pw, sizeof pw)) {
                bool zero = true;
                for (gsize i = 0; i < sizeof pw && zero; i++)
                    zero = pw[i] == 0;
                tw_event_set_bool(nl->ev, "new_password_all_zero", zero);
                tw_event_set_hex(nl->ev, "new_password_prefix", pw, 16);
                tw_nl_session_trust_password(nl->st, nl->ev, pw);
            }
        } else {
            guint8 owf[16];
            if (tw_ndr_bytes(&nl->n, owf, sizeof owf)) {
                bool zero = true;
                for (gsize i = 0; i < sizeof owf && zero; i++)
                    zero = owf[i] == 0;
                tw_event_set_bool(nl->ev, "new_password_all_zero", zero);
            }
        }
    } else {
        authenticator(nl, "return_authenticator");
        status_read(nl);
    }
}

/* MS-NRPC 3.5.4.4.7 NetrServerPasswordGet, 3.5.4.4.8
 * NetrServerTrustPasswordsGet, 3.5.4.7.6 NetrServerGetTrustInfo: the same
 * leading parameters as NetrServerPasswordSet2; what they return is
 * encrypted with the session key, so only the return authenticator and the
 * result are reported. */
static void trust_password_get(Nl *nl, bool req)
{
    if (req) {
        channel_identity(nl);
        authenticator(nl, "authenticator");
    } else {
        authenticator(nl, "return_authenticator");
        status_from_tail(nl);
    }
}

/* MS-NRPC 3.5.4.4.11 NetrLogonGetCapabilities. */
static void get_capabilities(Nl *nl, bool req)
{
    if (req) {
        level_request(nl);
    } else {
        authenticator(nl, "return_authenticator");
        /* NETLOGON_CAPABILITIES union: discriminant, then one ULONG. */
        guint32 level = tw_ndr_u32(&nl->n);
        guint32 caps = tw_ndr_u32(&nl->n);
        if (tw_ndr_ok(&nl->n)) {
            tw_event_set_int(nl->ev, "query_level", level);
            tw_event_set_int(nl->ev, level == 2 ? "requested_flags" : "capabilities", caps);
        }
        status_read(nl);
    }
}

/* ---- NetrLogonGetDomainInfo (3.5.4.4.10) ---------------------------------- */

typedef struct {
    TwNdrUnicodeString os_version, os_name, dummy[4];
    guint64 dns_host_ref, site_ref, d1, d2, d3, d4;
    char *dns_host, *site;
} WkstaInfo;

static void wksta_dns_host(TwNdr *n, void *u)
{
    WkstaInfo *w = u;
    w->dns_host = tw_ndr_wstring_cv(n);
}

static void wksta_site(TwNdr *n, void *u)
{
    WkstaInfo *w = u;
    w->site = tw_ndr_wstring_cv(n);
}

static void skip_wstring(TwNdr *n, void *u)
{
    g_free(tw_ndr_wstring_cv(n));
}

static void lsa_policy_body(TwNdr *n, void *u)
{
    guint32 max;
    if (tw_ndr_conformant(n, &max))
        tw_ndr_skip(n, max);
}

/* NETLOGON_WORKSTATION_INFO (2.2.1.3.6): LsaPolicy {Size, unique byte*},
 * DnsHostName, SiteName, Dummy1..4 (strings), OsVersion, OsName,
 * Dummy strings 1..4 (RPC_UNICODE_STRING), WorkstationFlags,
 * KerberosSupportedEncryptionTypes, DummyLong3, DummyLong4. */
static void workstation_info(Nl *nl)
{
    TwNdr *n = &nl->n;
    WkstaInfo w = { 0 };
    tw_ndr_align_ptrstruct(n);
    guint32 lsa_size = tw_ndr_u32(n);
    guint64 lsa_ref = tw_ndr_ptr(n);
    (void)lsa_size;
    if (lsa_ref)
        tw_ndr_defer(n, lsa_policy_body, NULL);
    if ((w.dns_host_ref = tw_ndr_ptr(n)))
        tw_ndr_defer(n, wksta_dns_host, &w);
    if ((w.site_ref = tw_ndr_ptr(n)))
        tw_ndr_defer(n, wksta_site, &w);
    guint64 *d[4] = { &w.d1, &w.d2, &w.d3, &w.d4 };
    for (int i = 0; i < 4; i++)
        if ((*d[i] = tw_ndr_ptr(n)))
            tw_ndr_defer(n, skip_wstring, NULL);
    tw_ndr_unicode_string(n, &w.os_version);
    tw_ndr_unicode_string(n, &w.os_name);
    for (int i = 0; i < 4; i++)
        tw_ndr_unicode_string(n, &w.dummy[i]);
    guint32 wflags = tw_ndr_u32(n);
    guint32 etypes = tw_ndr_u32(n);
    tw_ndr_u32(n);
    tw_ndr_u32(n);
    tw_ndr_flush(n);
    if (tw_ndr_ok(n)) {
        tw_event_set_int(nl->ev, "workstation_flags", wflags);
        tw_event_set_int(nl->ev, "kerberos_etypes", etypes);
    }
    if (w.dns_host)
        tw_event_set_str(nl->ev, "dns_host_name", w.dns_host);
    if (w.site)
        tw_event_set_str(nl->ev, "site_name", w.site);
    if (w.os_name.value)
        tw_event_set_str(nl->ev, "os_name", w.os_name.value);
    g_free(w.dns_host);
    g_free(w.site);
    g_free(w.os_version.value);
    g_free(w.os_name.value);
    for (int i = 0; i < 4; i++)
        g_free(w.dummy[i].value);
}

static void get_domain_info(Nl *nl, bool req)
{
    if (req) {
        if (!level_request(nl))
            return;
        /* [in, switch_is(Level)] PNETLOGON_WORKSTATION_INFORMATION: a ref
         * pointer to a union whose arms are unique pointers. */
        guint32 disc = tw_ndr_u32(&nl->n);
        guint64 ref = tw_ndr_ptr(&nl->n);
        if (tw_ndr_ok(&nl->n) && ref && (disc == 1 || disc == 2))
            workstation_info(nl);
    } else {
        authenticator(nl, "return_authenticator");
        status_from_tail(nl);
    }
}

/* ---- DsrGetDcNameEx2 (3.5.4.3.1) ----------------------------------------- */

typedef struct {
    guint64 r_name, r_addr, r_domain, r_forest, r_dcsite, r_clsite;
    char *name, *addr, *domain, *forest, *dcsite, *clsite;
} DcInfo;

static void dc_name(TwNdr *n, void *u) { ((DcInfo *)u)->name = tw_ndr_wstring_cv(n); }
static void dc_addr(TwNdr *n, void *u) { ((DcInfo *)u)->addr = tw_ndr_wstring_cv(n); }
static void dc_domain(TwNdr *n, void *u) { ((DcInfo *)u)->domain = tw_ndr_wstring_cv(n); }
static void dc_forest(TwNdr *n, void *u) { ((DcInfo *)u)->forest = tw_ndr_wstring_cv(n); }
static void dc_dcsite(TwNdr *n, void *u) { ((DcInfo *)u)->dcsite = tw_ndr_wstring_cv(n); }
static void dc_clsite(TwNdr *n, void *u) { ((DcInfo *)u)->clsite = tw_ndr_wstring_cv(n); }

static void get_dc_name_ex2(Nl *nl, bool req)
{
    TwNdr *n = &nl->n;
    if (req) {
        unique_str(nl, "computer", true);
        unique_str(nl, "account", true);
        guint32 acb = tw_ndr_u32(n);
        if (tw_ndr_ok(n))
            tw_event_set_int(nl->ev, "allowable_account_control_bits", acb);
        unique_str(nl, "domain_name", true);
        if (tw_ndr_ptr(n)) {
            char g[37];
            tw_ndr_uuid(n, g);
            if (tw_ndr_ok(n))
                tw_event_set_str(nl->ev, "domain_guid", g);
        }
        unique_str(nl, "site_name", false);
        guint32 flags = tw_ndr_u32(n);
        if (tw_ndr_ok(n))
            tw_event_set_int(nl->ev, "request_flags", flags);
        return;
    }
    /* [out] PDOMAIN_CONTROLLER_INFOW*: a unique pointer to the structure
     * (2.2.1.2.1) whose strings are deferred after it. */
    if (tw_ndr_ptr(n)) {
        DcInfo d = { 0 };
        tw_ndr_align_ptrstruct(n);
        if ((d.r_name = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_name, &d);
        if ((d.r_addr = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_addr, &d);
        guint32 addr_type = tw_ndr_u32(n);
        char g[37];
        tw_ndr_uuid(n, g);
        if ((d.r_domain = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_domain, &d);
        if ((d.r_forest = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_forest, &d);
        guint32 dcflags = tw_ndr_u32(n);
        if ((d.r_dcsite = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_dcsite, &d);
        if ((d.r_clsite = tw_ndr_ptr(n)))
            tw_ndr_defer(n, dc_clsite, &d);
        tw_ndr_flush(n);
        if (tw_ndr_ok(n)) {
            tw_event_set_int(nl->ev, "dc_address_type", addr_type);
            tw_event_set_int(nl->ev, "dc_flags", dcflags);
            tw_event_set_str(nl->ev, "domain_guid", g);
        }
        if (d.name)
            tw_event_set_str(nl->ev, "dc_name", d.name);
        if (d.addr)
            tw_event_set_str(nl->ev, "dc_address", d.addr);
        if (d.domain)
            tw_event_set_str(nl->ev, "dns_domain", d.domain);
        if (d.forest)
            tw_event_set_str(nl->ev, "dns_forest", d.forest);
        if (d.dcsite)
            tw_event_set_str(nl->ev, "dc_site", d.dcsite);
        if (d.clsite)
            tw_event_set_str(nl->ev, "client_site", d.clsite);
        g_free(d.name);
        g_free(d.addr);
        g_free(d.domain);
        g_free(d.forest);
        g_free(d.dcsite);
        g_free(d.clsite);
    }
    status_read(nl);
}

/* ---- DsrEnumerateDomainTrusts (3.5.4.7.1) -------------------------------- */

typedef struct {
    char *nb, *dns, *sid;
    guint32 flags;
} Trust;

typedef struct {
    Trust items[NL_MAX_TRUSTS];
    guint n;
} TrustList;

static void trust_nb(TwNdr *n, void *u) { ((Trust *)u)->nb = tw_ndr_wstring_cv(n); }
static void trust_dns(TwNdr *n, void *u) { ((Trust *)u)->dns = tw_ndr_wstring_cv(n); }

/* RPC_SID (MS-DTYP 2.4.2.3): conformance = SubAuthorityCount, then
 * Revision, SubAuthorityCount, IdentifierAuthority[6] (big-endian),
 * SubAuthority[]. */
static void trust_sid(TwNdr *n, void *u)
{
    Trust *t = u;
    guint32 max;
    if (!tw_ndr_conformant(n, &max))
        return;
    guint8 rev = tw_ndr_u8(n);
    guint8 count = tw_ndr_u8(n);
    guint8 ia[6];
    tw_ndr_bytes(n, ia, 6);
    if (!tw_ndr_ok(n))
        return;
    if (count != max || count > 15) {
        tw_ndr_fail(n, TW_MALFORMED);
        return;
    }
    guint64 auth = 0;
    for (int i = 0; i < 6; i++)
        auth = (auth << 8) | ia[i];
    GString *sid = g_string_new(NULL);
    g_string_printf(sid, "S-%u-%" G_GUINT64_FORMAT, rev, auth);
    for (guint i = 0; i < count; i++)
        g_string_append_printf(sid, "-%u", tw_ndr_u32(n));
    if (tw_ndr_ok(n))
        t->sid = g_string_free(sid, FALSE);
    else
        g_string_free(sid, TRUE);
}

static void trust_array(TwNdr *n, void *u)
{
    TrustList *l = u;
    guint32 max;
    if (!tw_ndr_conformant(n, &max))
        return;
    for (guint32 i = 0; i < max && tw_ndr_ok(n); i++) {
        if (i >= NL_MAX_TRUSTS) {
            tw_ndr_fail(n, TW_LIMIT);
            return;
        }
        Trust *t = &l->items[i];
        l->n = i + 1;
        tw_ndr_align_ptrstruct(n);
        if (tw_ndr_ptr(n))
            tw_ndr_defer(n, trust_nb, t);
        if (tw_ndr_ptr(n))
            tw_ndr_defer(n, trust_dns, t);
        t->flags = tw_ndr_u32(n);
        tw_ndr_u32(n); /* ParentIndex */
        tw_ndr_u32(n); /* TrustType */
        tw_ndr_u32(n); /* TrustAttributes */
        if (tw_ndr_ptr(n))
            tw_ndr_defer(n, trust_sid, t);
        char g[37];
        tw_ndr_uuid(n, g);
    }
}

static void enumerate_trusts(Nl *nl, bool req)
{
    TwNdr *n = &nl->n;
    if (req) {
        unique_str(nl, "server", true);
        guint32 flags = tw_ndr_u32(n);
        if (tw_ndr_ok(n))
            tw_event_set_int(nl->ev, "request_flags", flags);
        return;
    }
    /* NETLOGON_TRUSTED_DOMAIN_ARRAY {DomainCount; [size_is] PDS_DOMAIN_TRUSTSW Domains} */
    TrustList *l = g_new0(TrustList, 1);
    guint32 count = tw_ndr_u32(n);
    if (tw_ndr_ptr(n))
        tw_ndr_defer(n, trust_array, l);
    tw_ndr_flush(n);
    if (tw_ndr_ok(n))
        tw_event_set_int(nl->ev, "domain_count", count);
    if (l->n) {
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        GPtrArray *sids = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < l->n; i++) {
            Trust *t = &l->items[i];
            if (t->dns || t->nb)
                g_ptr_array_add(names, g_strdup(t->dns ? t->dns : t->nb));
            if (t->sid)
                g_ptr_array_add(sids, g_strdup(t->sid));
        }
        tw_event_take_strlist(nl->ev, "trusted_domains", names);
        tw_event_take_strlist(nl->ev, "trusted_domain_sids", sids);
    }
    for (guint i = 0; i < l->n; i++) {
        g_free(l->items[i].nb);
        g_free(l->items[i].dns);
        g_free(l->items[i].sid);
    }
    g_free(l);
    status_read(nl);
}

/* ---- SamLogon family (3.5.4.5.1-3) ------------------------------------- */

typedef struct {
    TwNdrUnicodeString domain, user, workstation;
} LogonIdentity;

/* NETLOGON_LOGON_IDENTITY_INFO (2.2.1.4.15): LogonDomainName,
 * ParameterControl, Reserved (OLD_LARGE_INTEGER), UserName, Workstation. */
static void logon_identity(TwNdr *n, LogonIdentity *id)
{
    tw_ndr_unicode_string(n, &id->domain);
    tw_ndr_u32(n);
    tw_ndr_u32(n);
    tw_ndr_u32(n);
    tw_ndr_unicode_string(n, &id->user);
    tw_ndr_unicode_string(n, &id->workstation);
}

/* Rest of the logon info after the identity, by level; only the fixed part
 * is read since the strings (responses, passwords) are not reported. */
typedef struct {
    TwNdrUnicodeString a, b;
} LogonTail;

static void logon_info_body(Nl *nl, guint32 level, LogonIdentity *id, LogonTail *tail)
{
    TwNdr *n = &nl->n;
    tw_ndr_align_ptrstruct(n);
    logon_identity(n, id);
    switch (level) {
    case 1: case 3: case 5: case 7:
        /* Interactive/Service: LmOwfPassword[16], NtOwfPassword[16]. */
        tw_ndr_skip(n, 32);
        break;
    case 2: case 6:
        /* Network: LmChallenge[8], NtChallengeResponse, LmChallengeResponse (STRING). */
        tw_ndr_skip(n, 8);
        tw_ndr_unicode_string(n, &tail->a);
        tw_ndr_unicode_string(n, &tail->b);
        break;
    case 4:
        /* Generic: PackageName (RPC_UNICODE_STRING), DataLength, LogonData*. */
        tw_ndr_unicode_string(n, &tail->a);
        tw_ndr_u32(n);
        if (tw_ndr_ptr(n))
            tw_ndr_defer(n, lsa_policy_body, NULL);
        break;
    default:
        break;
    }
    tw_ndr_flush(n);
}

/* MS-NRPC 2.2.1.4.11 NETLOGON_VALIDATION_SAM_INFO (and the -2/-4 forms that
 * begin the same way): six OLD_LARGE_INTEGER times, six RPC_UNICODE_STRINGs
 * (EffectiveName first), LogonCount, BadPasswordCount, UserId,
 * PrimaryGroupId, GroupCount, GroupIds*, UserFlags.  EffectiveName's body is
 * the first deferred referent, after the whole fixed part, whose length is
 * known for SAM_INFO (196 bytes) and SAM_INFO2 (204). */
static void validation_sam_info(Nl *nl, guint32 level)
{
    TwNdr *n = &nl->n;
    tw_ndr_align(n, 4);
    gsize start = tw_ndr_offset(n);
    tw_ndr_skip(n, 6 * 8);
    TwNdrUnicodeString name = { 0 };
    tw_ndr_unicode_string_hdr(n, &name);
    for (int i = 0; i < 5; i++) {
        TwNdrUnicodeString skip = { 0 };
        tw_ndr_unicode_string_hdr(n, &skip);
    }
    guint16 logon_count = tw_ndr_u16(n);
    guint16 bad_pw = tw_ndr_u16(n);
    guint32 rid = tw_ndr_u32(n);
    guint32 group = tw_ndr_u32(n);
    guint32 groups = tw_ndr_u32(n);
    tw_ndr_ptr(n);
    guint32 user_flags = tw_ndr_u32(n);
    if (!tw_ndr_ok(n))
        return;
    tw_event_set_int(nl->ev, "logon_count", logon_count);
    tw_event_set_int(nl->ev, "bad_password_count", bad_pw);
    tw_event_set_int(nl->ev, "user_rid", rid);
    tw_event_set_int(nl->ev, "primary_group_rid", group);
    tw_event_set_int(nl->ev, "group_count", groups);
    tw_event_set_int(nl->ev, "user_flags", user_flags);
    gsize fixed = level == 2 ? 196 : level == 3 ? 204 : 0;
    if (!fixed || !name.referent || tw_ndr_offset(n) - start > fixed)
        return;
    tw_ndr_skip(n, fixed - (tw_ndr_offset(n) - start));
    tw_ndr_unicode_string_body(n, &name);
    /* an empty body where the header announced a name is not that name */
    if (tw_ndr_ok(n) && name.value && *name.value)
        tw_event_set_str(nl->ev, "effective_name", name.value);
    g_free(name.value);
}

static void sam_logon(Nl *nl, bool req, bool with_auth, bool ex)
{
    TwNdr *n = &nl->n;
    if (req) {
        unique_str(nl, "server", true);
        unique_str(nl, "computer", true);
        if (with_auth) {
            if (tw_ndr_ptr(n))
                authenticator(nl, "authenticator");
            if (tw_ndr_ptr(n))
                authenticator(nl, "return_authenticator");
        }
        guint32 level = tw_ndr_enum(n);
        if (!tw_ndr_ok(n))
            return;
        tw_event_set_int(nl->ev, "logon_level", level);
        if (logon_level_name(level))
            tw_event_set_str(nl->ev, "logon_level_name", logon_level_name(level));
        /* [switch_is(LogonLevel)] PNETLOGON_LEVEL: union discriminant then a
         * unique pointer arm whose referent follows the union. */
        guint32 disc = tw_ndr_enum(n);
        guint64 ref = tw_ndr_ptr(n);
        if (tw_ndr_ok(n) && ref && disc >= 1 && disc <= 7) {
            LogonIdentity id = { 0 };
            LogonTail tail = { 0 };
            logon_info_body(nl, disc, &id, &tail);
            if (id.domain.value)
                tw_event_set_str(nl->ev, "logon_domain", id.domain.value);
            if (id.user.value)
                set_str2(nl, "logon_user", id.user.value);
            if (id.workstation.value)
                tw_event_set_str(nl->ev, "logon_workstation", id.workstation.value);
            g_free(id.domain.value);
            g_free(id.user.value);
            g_free(id.workstation.value);
            g_free(tail.a.value);
            g_free(tail.b.value);
        }
        guint32 vlevel = tw_ndr_enum(n);
        if (tw_ndr_ok(n))
            tw_event_set_int(nl->ev, "validation_level", vlevel);
        if (ex) {
            guint32 extra = tw_ndr_u32(n);
            if (tw_ndr_ok(n))
                tw_event_set_int(nl->ev, "extra_flags", extra);
        }
        return;
    }
    if (with_auth && tw_ndr_ptr(n))
        authenticator(nl, "return_authenticator");
    guint32 vlevel = tw_ndr_enum(n);
    if (tw_ndr_ok(n))
        tw_event_set_int(nl->ev, "validation_level", vlevel);
    /* [switch_is(ValidationLevel)] NETLOGON_VALIDATION: a unique pointer
     * arm; SAM_INFO (2), SAM_INFO2 (3) and SAM_INFO4 (6) share their first
     * fields (2.2.1.4.11-13), which are the basics read here. */
    guint64 ref = tw_ndr_ptr(n);
    if (tw_ndr_ok(n) && ref && (vlevel == 2 || vlevel == 3 || vlevel == 6))
        validation_sam_info(nl, vlevel);
    /* the result closes the stub whatever the union held */
    status_from_tail(nl);
}

/* ---- teaching view (-T tree) --------------------------------------------- */

/* Event keys with their MS-NRPC parameter names (3.5.4) and where the
 * parameter's type or computation is defined. */
static const struct {
    const char *key;
    const char *name;
    const char *spec;
} tree_names[] = {
    { "server", "PrimaryName", "MS-NRPC 2.2.1.1.1 LOGONSRV_HANDLE" },
    { "account", "AccountName", NULL }, /* NULL: a parameter of the method (params_spec) */
    { "channel_type_name", "SecureChannelType", "MS-NRPC 2.2.1.3.13" },
    { "computer", "ComputerName", NULL },
    { "client_challenge", "ClientChallenge", "MS-NRPC 2.2.1.3.4 NETLOGON_CREDENTIAL; 3.1.4.1" },
    { "server_challenge", "ServerChallenge", "MS-NRPC 2.2.1.3.4 NETLOGON_CREDENTIAL; 3.1.4.1" },
    { "client_credential", "ClientCredential", "MS-NRPC 2.2.1.3.4; computed as in 3.1.4.4" },
    { "server_credential", "ServerCredential", "MS-NRPC 2.2.1.3.4; computed as in 3.1.4.4" },
    { "negotiate_flags", "NegotiateFlags", "MS-NRPC 3.1.4.2" },
    { "rid", "AccountRid", NULL },
    { "authenticator_credential", "Authenticator.Credential", "MS-NRPC 2.2.1.1.5; 3.1.4.5" },
    { "authenticator_time", "Authenticator.Timestamp", "MS-NRPC 2.2.1.1.5; 3.1.4.5" },
    { "return_authenticator_credential", "ReturnAuthenticator.Credential", "MS-NRPC 2.2.1.1.5; 3.1.4.5" },
    { "new_password_all_zero", "ClearNewPassword all zero", "MS-NRPC 2.2.1.3.7 NL_TRUST_PASSWORD" },
    { "query_level", "QueryLevel", NULL },
    { "capabilities", "ServerCapabilities", "MS-NRPC 2.2.1.3.14" },
    { "logon_level_name", "LogonLevel", NULL },
    { "logon_domain", "LogonDomainName", "MS-NRPC 2.2.1.4.15 NETLOGON_LOGON_IDENTITY_INFO" },
    { "logon_user", "UserName", "MS-NRPC 2.2.1.4.15 NETLOGON_LOGON_IDENTITY_INFO" },
    { "logon_workstation", "Workstation", "MS-NRPC 2.2.1.4.15 NETLOGON_LOGON_IDENTITY_INFO" },
    { "validation_level", "ValidationLevel", NULL },
    { "domain_name", "DomainName", "MS-NRPC 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW" },
    { "dc_name", "DomainControllerName", "MS-NRPC 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW" },
    { "dc_address", "DomainControllerAddress", "MS-NRPC 2.2.1.2.1 DOMAIN_CONTROLLER_INFOW" },
    { "nl_auth_host", "NL_AUTH_MESSAGE NetbiosComputerName", "MS-NRPC 2.2.1.3.1" },
    { "nl_auth_domain", "NL_AUTH_MESSAGE NetbiosDomainName", "MS-NRPC 2.2.1.3.1" },
    { "nt_status", "return value", "MS-ERREF 2.3 NTSTATUS" },
    { "win32_status", "return value", "MS-ERREF 2.2 Win32 error codes" },
};

/* The methods' own sections (MS-NRPC 3.5.4.4). */
static const char *method_spec(const char *op)
{
    if (!op)
        return NULL;
    if (strcmp(op, "NetrServerReqChallenge") == 0)
        return "MS-NRPC 3.5.4.4.1";
    if (strcmp(op, "NetrServerAuthenticate3") == 0)
        return "MS-NRPC 3.5.4.4.2";
    if (strcmp(op, "NetrServerAuthenticate2") == 0)
        return "MS-NRPC 3.5.4.4.4";
    if (strcmp(op, "NetrServerPasswordSet2") == 0)
        return "MS-NRPC 3.5.4.4.5";
    if (strcmp(op, "NetrServerPasswordSet") == 0)
        return "MS-NRPC 3.5.4.4.6";
    if (strcmp(op, "NetrServerPasswordGet") == 0)
        return "MS-NRPC 3.5.4.4.7";
    if (strcmp(op, "NetrLogonGetDomainInfo") == 0)
        return "MS-NRPC 3.5.4.4.10";
    if (strcmp(op, "NetrLogonGetCapabilities") == 0)
        return "MS-NRPC 3.5.4.4.11";
    return NULL;
}

/* The section of a call's parameters: its method's, else the server's
 * methods as a whole (MS-NRPC 3.5.4 lists each one). */
static const char *params_spec(const char *op)
{
    const char *m = method_spec(op);
    return m ? m : "MS-NRPC 3.5.4";
}

static bool hex_all_zero(const char *h)
{
    for (; h && *h; h++)
        if (*h != '0')
            return false;
    return true;
}

/* A short phrase for what a value usually means to someone chasing a
 * broken trust; NULL when there is nothing to add. */
static const char *tree_note(const TwEvent *ev, const char *key)
{
    if ((strcmp(key, "client_challenge") == 0 || strcmp(key, "client_credential") == 0) &&
        hex_all_zero(tw_event_get_str(ev, key)))
        return "all zero: the Zerologon (CVE-2020-1472) pattern";
    if (strcmp(key, "negotiate_flags") == 0) {
        gint64 f = tw_event_get_int(ev, key, 0);
        if (!(f & 0x40000000))
            return "secure RPC (0x40000000, sign/seal) not negotiated";
        if (f & 0x01000000)
            return "AES (0x01000000) and secure RPC";
        return "secure RPC without AES (RC4/strong keys)";
    }
    if (strcmp(key, "channel_type_name") == 0) {
        gint64 t = tw_event_get_int(ev, "channel_type", -1);
        if (t == 2)
            return "a domain member's own machine account";
        if (t == 6 || t == 7)
            return "a domain controller's account (BDC/RODC channel)";
        if (t == 3 || t == 4)
            return "a trusted domain's trust account";
        return NULL;
    }
    if (strcmp(key, "new_password_all_zero") == 0 && tw_event_get_bool(ev, key, false))
        return "an all-zero new password: the Zerologon password reset";
    if (strcmp(key, "authenticator_time") == 0)
        return "the client's clock when it made this call";
    if (strcmp(key, "nt_status") == 0) {
        const char *v = tw_event_get_str(ev, key);
        const char *op = tw_event_get_str(ev, "op");
        if (v && strcmp(v, "0xc0000022") == 0 && op && g_str_has_prefix(op, "NetrServerAuthenticate"))
            return "the DC refused the machine's credential: its password differs from the DC's copy";
        if (v && strcmp(v, "0xc000018b") == 0)
            return "the DC has no computer account for this machine (deleted or never joined)";
        if (v && strcmp(v, "0xc0000388") == 0)
            return "neither strong keys nor AES offered: the DC refuses the downgrade";
        if (v && strcmp(v, "0x00000000") != 0)
            return tw_ntstatus_hint((guint32)g_ascii_strtoull(v, NULL, 16));
        return NULL;
    }
    return NULL;
}

/* The name field beside a result code. */
static const char *status_name_key(const char *key)
{
    if (strcmp(key, "nt_status") == 0)
        return "nt_status_name";
    if (strcmp(key, "win32_status") == 0)
        return "win32_status_name";
    return NULL;
}

static void build_tree(TwEvent *ev)
{
    const char *op = tw_event_get_str(ev, "op");
    tw_event_tree_add_spec(ev, 0, op ? op : "NETLOGON call", params_spec(op), NULL, "%s",
                           tw_event_get_str(ev, "dir") ? tw_event_get_str(ev, "dir") : "");
    if (tw_event_get_bool(ev, "sealed", false) && tw_event_get_bool(ev, "unsealed", false))
        tw_event_tree_add_spec(ev, 1, "stub", "MS-NRPC 3.3.4.2", "sealed (packet privacy), unsealed with the channel's session key",
                          "decrypted");
    else if (tw_event_get_bool(ev, "sealed", false))
        tw_event_tree_add_spec(ev, 1, "stub", "MS-NRPC 3.3.4.2", "sealed (packet privacy): only the opnum is visible",
                          "encrypted");
    for (gsize i = 0; i < G_N_ELEMENTS(tree_names); i++) {
        const TwField *f = tw_event_get(ev, tree_names[i].key);
        if (!f)
            continue;
        const char *note = tree_note(ev, tree_names[i].key);
        guint line = tw_event_tree_len(ev);
        switch (f->type) {
        case TW_FIELD_STR:
            if (status_name_key(tree_names[i].key) && tw_event_get_str(ev, status_name_key(tree_names[i].key)))
                tw_event_tree_add(ev, 1, tree_names[i].name, note, "%s %s", f->v.s,
                                  tw_event_get_str(ev, status_name_key(tree_names[i].key)));
            else
                tw_event_tree_add(ev, 1, tree_names[i].name, note, "%s", f->v.s);
            break;
        case TW_FIELD_INT:
            if (strcmp(tree_names[i].key, "negotiate_flags") == 0 || strcmp(tree_names[i].key, "capabilities") == 0) {
                /* ServerCapabilities are negotiate flags too (3.5.4.4.11) */
                tw_event_tree_add(ev, 1, tree_names[i].name, note, "0x%08" G_GINT64_MODIFIER "x",
                                  f->v.i);
                tw_flags_tree(ev, 2, &tw_flags_nrpc_negotiate, (guint32)f->v.i);
            } else
                tw_event_tree_add(ev, 1, tree_names[i].name, note, "%" G_GINT64_FORMAT, f->v.i);
            break;
        case TW_FIELD_BOOL:
            tw_event_tree_add(ev, 1, tree_names[i].name, note, "%s", f->v.b ? "true" : "false");
            break;
        default:
            break;
        }
        tw_event_tree_set_spec(ev, line, tree_names[i].spec ? tree_names[i].spec : params_spec(op), false);
    }
}

/* ---- entry -------------------------------------------------------------- */

static TwEvent *nl_event(const TwDcerpcStub *st)
{
    TwEvent *ev = tw_dcerpc_stub_event(st, "netlogon");
    if (st->call->have_request) {
        tw_event_set_int(ev, "opnum", st->opnum);
        const char *op = tw_netlogon_opnum_name(st->opnum);
        if (op)
            tw_event_set_str(ev, "op", op);
    }
    tw_event_set_str(ev, "dir", st->dir == TW_DIR_REQ ? "request" : "response");
    tw_event_set_int(ev, "call_id", st->call_id);
    if (st->pipe)
        tw_event_set_str(ev, "pipe", st->pipe);
    if (st->auth_type) {
        tw_event_set_int(ev, "auth_type", st->auth_type);
        tw_event_set_int(ev, "auth_level", st->auth_level);
    }
    tw_nl_auth_stub_fields(st, ev);
    tw_event_set_bool(ev, "sealed", st->sealed);
    if (st->ndr64)
        tw_event_set_bool(ev, "ndr64", TRUE);
    if (st->dir == TW_DIR_RSP && st->call->have_request)
        tw_event_set_int(ev, "reply_to", (gint64)st->call->req_frame);
    return ev;
}

bool tw_netlogon_dissect(const TwDcerpcStub *st)
{
    Nl nl = { .st = st };
    nl.ev = nl_event(st);
    bool req = st->dir == TW_DIR_REQ;
    if (req) {
        nl.carry = tw_event_new(NULL, "carry");
    }
    tw_count(st->ctx, req ? "netlogon.requests" : "netlogon.responses", 1);
    /* With the channel's session key a sealed call is read like a clear one. */
    gsize clear_len = 0;
    g_autofree guint8 *clear = st->sealed ? tw_nl_session_unseal(st, nl.ev, &clear_len) : NULL;
    if ((!st->sealed || clear) && st->call->have_request) {
        nl.stub = clear ? clear : st->stub;
        nl.stub_len = clear ? clear_len : st->stub_len;
        tw_ndr_init(&nl.n, nl.stub, nl.stub_len, nl.stub_len, st->little_endian, st->ndr64);
        switch (st->opnum) {
        case 0x04: req_challenge(&nl, req); break;
        case 0x05: authenticate(&nl, req, 1); break;
        case 0x0f: authenticate(&nl, req, 2); break;
        case 0x1a: authenticate(&nl, req, 3); break;
        case 0x06: password_set(&nl, req, false); break;
        case 0x1e: password_set(&nl, req, true); break;
        case 0x15: get_capabilities(&nl, req); break;
        case 0x1f: trust_password_get(&nl, req); break;
        case 0x2a: trust_password_get(&nl, req); break;
        case 0x2e: trust_password_get(&nl, req); break;
        case 0x1d: get_domain_info(&nl, req); break;
        case 0x22: get_dc_name_ex2(&nl, req); break;
        case 0x28: enumerate_trusts(&nl, req); break;
        case 0x02: sam_logon(&nl, req, true, false); break;
        case 0x2d: sam_logon(&nl, req, true, true); break;
        case 0x27: sam_logon(&nl, req, false, true); break;
        default:
            if (!req)
                status_from_tail(&nl);
            break;
        }
        if (!tw_ndr_ok(&nl.n)) {
            /* docs/events.md "Anomalies": `decode_status` plus the usual boolean. */
            tw_event_set_str(nl.ev, "decode_status", tw_status_name(nl.n.c.status));
            tw_event_set_bool(nl.ev, tw_status_name(nl.n.c.status), TRUE);
            tw_anomaly(st->ctx, PARSER, "netlogon_malformed", "%s %s call_id %u: %s",
                       tw_netlogon_opnum_name(st->opnum) ? tw_netlogon_opnum_name(st->opnum)
                                                         : "opnum?",
                       req ? "request" : "response", st->call_id,
                       tw_status_name(nl.n.c.status));
        }
        /* core/utf16.h: a name read up to an embedded NUL */
        if (nl.n.utf16_notes & TW_UTF16_EMBEDDED_NUL)
            tw_count(st->ctx, "netlogon.utf16_embedded_nul", 1);
        tw_ndr_clear(&nl.n);
    }
    if (req) {
        if (st->call->carry)
            tw_event_free(st->call->carry);
        st->call->carry = nl.carry;
    } else {
        tw_dcerpc_copy_fields(nl.ev, st->call->carry);
    }
    if (st->ctx->want_tree)
        build_tree(nl.ev);
    tw_nl_session_after(st, nl.ev, req ? st->call->carry : NULL);
    tw_emit(st->ctx, nl.ev);
    return true;
}
