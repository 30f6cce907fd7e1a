/* nrpc-names.c — MS-NRPC 3.5.4 method table: names and return-value kinds. */
#include "nrpc-names.h"

typedef struct {
    const char *name;
    bool win32; /* returns NET_API_STATUS (Win32), else NTSTATUS */
} NrpcOp;

enum { RET_NTSTATUS = false, RET_WIN32 = true };

/* MS-NRPC 3.5.4 method table.  0x31 is NetrChainSetClientAttributes in
 * MS-NRPC (and Zeek/Suricata); Wireshark decodes it at 0x36 ("documented
 * as 49 but it's 54").  Both are named so either capture reads well. */
static const NrpcOp ops[] = {
    [0x00] = { "NetrLogonUasLogon", RET_WIN32 },
    [0x01] = { "NetrLogonUasLogoff", RET_WIN32 },
    [0x02] = { "NetrLogonSamLogon", RET_NTSTATUS },
    [0x03] = { "NetrLogonSamLogoff", RET_NTSTATUS },
    [0x04] = { "NetrServerReqChallenge", RET_NTSTATUS },
    [0x05] = { "NetrServerAuthenticate", RET_NTSTATUS },
    [0x06] = { "NetrServerPasswordSet", RET_NTSTATUS },
    [0x07] = { "NetrDatabaseDeltas", RET_NTSTATUS },
    [0x08] = { "NetrDatabaseSync", RET_NTSTATUS },
    [0x09] = { "NetrAccountDeltas", RET_NTSTATUS },
    [0x0a] = { "NetrAccountSync", RET_NTSTATUS },
    [0x0b] = { "NetrGetDCName", RET_WIN32 },
    [0x0c] = { "NetrLogonControl", RET_WIN32 },
    [0x0d] = { "NetrGetAnyDCName", RET_WIN32 },
    [0x0e] = { "NetrLogonControl2", RET_WIN32 },
    [0x0f] = { "NetrServerAuthenticate2", RET_NTSTATUS },
    [0x10] = { "NetrDatabaseSync2", RET_NTSTATUS },
    [0x11] = { "NetrDatabaseRedo", RET_NTSTATUS },
    [0x12] = { "NetrLogonControl2Ex", RET_WIN32 },
    [0x13] = { "NetrEnumerateTrustedDomains", RET_NTSTATUS },
    [0x14] = { "DsrGetDcName", RET_WIN32 },
    [0x15] = { "NetrLogonGetCapabilities", RET_NTSTATUS },
    [0x16] = { "NetrLogonSetServiceBits", RET_NTSTATUS },
    [0x17] = { "NetrLogonGetTrustRid", RET_WIN32 },
    [0x18] = { "NetrLogonComputeServerDigest", RET_WIN32 },
    [0x19] = { "NetrLogonComputeClientDigest", RET_WIN32 },
    [0x1a] = { "NetrServerAuthenticate3", RET_NTSTATUS },
    [0x1b] = { "DsrGetDcNameEx", RET_WIN32 },
    [0x1c] = { "DsrGetSiteName", RET_WIN32 },
    [0x1d] = { "NetrLogonGetDomainInfo", RET_NTSTATUS },
    [0x1e] = { "NetrServerPasswordSet2", RET_NTSTATUS },
    [0x1f] = { "NetrServerPasswordGet", RET_NTSTATUS },
    [0x20] = { "NetrLogonSendToSam", RET_NTSTATUS },
    [0x21] = { "DsrAddressToSiteNamesW", RET_WIN32 },
    [0x22] = { "DsrGetDcNameEx2", RET_WIN32 },
    [0x23] = { "NetrLogonGetTimeServiceParentDomain", RET_WIN32 },
    [0x24] = { "NetrEnumerateTrustedDomainsEx", RET_WIN32 },
    [0x25] = { "DsrAddressToSiteNamesExW", RET_WIN32 },
    [0x26] = { "DsrGetDcSiteCoverageW", RET_WIN32 },
    [0x27] = { "NetrLogonSamLogonEx", RET_NTSTATUS },
    [0x28] = { "DsrEnumerateDomainTrusts", RET_WIN32 },
    [0x29] = { "DsrDeregisterDnsHostRecords", RET_WIN32 },
    [0x2a] = { "NetrServerTrustPasswordsGet", RET_NTSTATUS },
    [0x2b] = { "DsrGetForestTrustInformation", RET_WIN32 },
    [0x2c] = { "NetrGetForestTrustInformation", RET_NTSTATUS },
    [0x2d] = { "NetrLogonSamLogonWithFlags", RET_NTSTATUS },
    [0x2e] = { "NetrServerGetTrustInfo", RET_NTSTATUS },
    [0x2f] = { "Opnum47NotUsedOnWire", RET_NTSTATUS },
    [0x30] = { "DsrUpdateReadOnlyServerDnsRecords", RET_NTSTATUS },
    [0x31] = { "NetrChainSetClientAttributes", RET_NTSTATUS },
    [0x32] = { "Opnum50NotUsedOnWire", RET_NTSTATUS },
    [0x33] = { "Opnum51NotUsedOnWire", RET_NTSTATUS },
    [0x34] = { "Opnum52NotUsedOnWire", RET_NTSTATUS },
    [0x35] = { "Opnum53NotUsedOnWire", RET_NTSTATUS },
    [0x36] = { "NetrChainSetClientAttributes", RET_NTSTATUS },
    [0x37] = { "Opnum55NotUsedOnWire", RET_NTSTATUS },
    [0x38] = { "Opnum56NotUsedOnWire", RET_NTSTATUS },
    [0x39] = { "Opnum57NotUsedOnWire", RET_NTSTATUS },
    [0x3a] = { "Opnum58NotUsedOnWire", RET_NTSTATUS },
    [0x3b] = { "NetrServerAuthenticateKerberos", RET_NTSTATUS },
};

const char *tw_nrpc_opnum_name(gint64 opnum)
{
    return opnum >= 0 && opnum < (gint64)G_N_ELEMENTS(ops) ? ops[opnum].name : NULL;
}

bool tw_nrpc_opnum_returns_win32(gint64 opnum)
{
    return opnum >= 0 && opnum < (gint64)G_N_ELEMENTS(ops) && ops[opnum].win32;
}
