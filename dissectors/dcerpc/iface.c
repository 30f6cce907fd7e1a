/* iface.c — well-known DCE/RPC interfaces by abstract syntax (UUID + major
 * version).  UUIDs from the interface definitions in MS-NRPC, MS-RPCE,
 * MS-LSAD, MS-SAMR, MS-DRSR, MS-SRVS, MS-WKST, MS-RRP, MS-SCMR, MS-RPRN,
 * MS-PAR, MS-DSSP, MS-BRWSA, MS-TSCH, MS-DCOM, MS-EFSR, MS-DFSNM, MS-EVEN,
 * MS-EVEN6, MS-BKRP, MS-DNSP, MS-W32T, MS-ICPR and C706 Appendix L/Q. */
#include "dcerpc-call.h"

#include <string.h>

static const TwDcerpcIface ifaces[] = {
    { "12345678-1234-abcd-ef00-01234567cffb", 1, "NETLOGON", TW_IFACE_NETLOGON },
    { "e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, "EPM", TW_IFACE_EPM },
    { "afa8bd80-7d8a-11c9-bef4-08002b102989", 1, "MGMT", TW_IFACE_OTHER },
    { "12345778-1234-abcd-ef00-0123456789ab", 0, "LSARPC", TW_IFACE_OTHER },
    { "12345778-1234-abcd-ef00-0123456789ac", 1, "SAMR", TW_IFACE_OTHER },
    { "e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4, "DRSUAPI", TW_IFACE_OTHER },
    { "4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, "SRVSVC", TW_IFACE_OTHER },
    { "6bffd098-a112-3610-9833-46c3f87e345a", 1, "WKSSVC", TW_IFACE_OTHER },
    { "338cd001-2244-31f1-aaaa-900038001003", 1, "WINREG", TW_IFACE_OTHER },
    { "367abb81-9844-35f1-ad32-98f038001003", 2, "SVCCTL", TW_IFACE_OTHER },
    { "12345678-1234-abcd-ef00-0123456789ab", 1, "SPOOLSS", TW_IFACE_OTHER },
    { "76f03f96-cdfd-44fc-a22c-64950a001209", 1, "IRemoteWinspool", TW_IFACE_OTHER },
    { "3919286a-b10c-11d0-9ba8-00c04fd92ef5", 0, "DSSETUP", TW_IFACE_OTHER },
    { "6bffd098-a112-3610-9833-012892020162", 0, "BROWSER", TW_IFACE_OTHER },
    { "1ff70682-0a51-30e8-076d-740be8cee98b", 1, "ATSVC", TW_IFACE_OTHER },
    { "86d35949-83c9-4044-b424-db363231fd0c", 1, "ITaskSchedulerService", TW_IFACE_OTHER },
    { "378e52b0-c0a9-11cf-822d-00aa0051e40f", 1, "SASEC", TW_IFACE_OTHER },
    { "000001a0-0000-0000-c000-000000000046", 0, "IRemoteSCMActivator", TW_IFACE_OTHER },
    { "4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", 0, "IActivation", TW_IFACE_OTHER },
    { "99fcfec4-5260-101b-bbcb-00aa0021347a", 0, "IObjectExporter", TW_IFACE_OTHER },
    { "c681d488-d850-11d0-8c52-00c04fd90f7e", 1, "EFSRPC", TW_IFACE_OTHER },
    { "df1941c5-fe89-4e79-bf10-463657acf44d", 1, "EFSR", TW_IFACE_OTHER },
    { "4fc742e0-4a10-11cf-8273-00aa004ae673", 3, "NETDFS", TW_IFACE_OTHER },
    { "82273fdc-e32a-18c3-3f78-827929dc23ea", 0, "EVENTLOG", TW_IFACE_OTHER },
    { "f6beaff7-1e19-4fbb-9f8f-b89e2018337c", 1, "EVEN6", TW_IFACE_OTHER },
    { "3dde7c30-165d-11d1-ab8f-00805f14db40", 1, "BACKUPKEY", TW_IFACE_OTHER },
    { "50abc2a4-574d-40b3-9d66-ee4fd5fba076", 5, "DNSSERVER", TW_IFACE_OTHER },
    { "8fb6d884-2388-11d0-8c35-00c04fda2795", 4, "W32TIME", TW_IFACE_OTHER },
    { "91ae6020-9e3c-11cf-8d7c-00aa00c091be", 0, "ICertPassage", TW_IFACE_OTHER },
    { "894de0c0-0d55-11d3-a322-00c04fa321a1", 1, "INITSHUTDOWN", TW_IFACE_OTHER },
    { "d95afe70-a6d5-4259-822e-2c84da1ddb0d", 1, "WindowsShutdown", TW_IFACE_OTHER },
    { "12b81e99-f207-4a4c-85d3-77b42f76fd14", 1, "SECLOGON", TW_IFACE_OTHER },
};

const TwDcerpcIface *tw_dcerpc_iface_lookup(const char *uuid, guint16 vmajor)
{
    const TwDcerpcIface *any = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(ifaces); i++) {
        if (strcmp(ifaces[i].uuid, uuid) != 0)
            continue;
        if (ifaces[i].vmajor == vmajor)
            return &ifaces[i];
        if (!any)
            any = &ifaces[i];
    }
    /* An interface known by UUID but bound with another major version is
     * still that interface (e.g. EPM v3 vs v4 numbering in some stacks). */
    return any;
}
