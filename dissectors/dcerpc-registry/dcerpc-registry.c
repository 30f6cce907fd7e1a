/* dcerpc-registry.c — the DCE/RPC registry (dissectors/dcerpc/dcerpc-call.h):
 * every interface by abstract syntax and every security provider by
 * auth_type.  This is the only file that names the modules plugged into
 * DCE/RPC; dcerpc.c only looks entries up.
 *
 * Add an interface: one line in ifaces[] (UUID, major version, name, and its
 * stub decoder and opnum names when it has them).  UUIDs from the interface
 * definitions in MS-NRPC, MS-RPCE, MS-LSAD, MS-SAMR, MS-DRSR, MS-SRVS,
 * MS-WKST, MS-RRP, MS-SCMR, MS-RPRN, MS-PAR, MS-DSSP, MS-BRWSA, MS-TSCH,
 * MS-DCOM, MS-EFSR, MS-DFSNM, MS-EVEN, MS-EVEN6, MS-BKRP, MS-DNSP, MS-W32T,
 * MS-ICPR and C706 Appendix L/Q. */
#include "dissectors/dcerpc/dcerpc-call.h"
#include "dissectors/dcerpc/dcerpc-int.h"
#include "dissectors/drsuapi/drsuapi.h"
#include "dissectors/gssapi/gssapi.h"
#include "dissectors/netlogon/netlogon.h"
#include "dissectors/netlogon/nl-auth.h"
#include "dissectors/samr/samr.h"

static const TwDcerpcIface ifaces[] = {
    { "12345678-1234-abcd-ef00-01234567cffb", 1, "NETLOGON", tw_netlogon_dissect,
      tw_netlogon_opnum_name },
    { "e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, "EPM", tw_epm_dissect, NULL },
    { "afa8bd80-7d8a-11c9-bef4-08002b102989", 1, "MGMT", NULL, NULL },
    { "12345778-1234-abcd-ef00-0123456789ab", 0, "LSARPC", NULL, NULL },
    { "12345778-1234-abcd-ef00-0123456789ac", 1, "SAMR", tw_samr_dissect, tw_samr_opnum_name },
    { "e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4, "DRSUAPI", tw_drsuapi_dissect,
      tw_drsuapi_opnum_name },
    { "4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, "SRVSVC", NULL, NULL },
    { "6bffd098-a112-3610-9833-46c3f87e345a", 1, "WKSSVC", NULL, NULL },
    { "338cd001-2244-31f1-aaaa-900038001003", 1, "WINREG", NULL, NULL },
    { "367abb81-9844-35f1-ad32-98f038001003", 2, "SVCCTL", NULL, NULL },
    { "12345678-1234-abcd-ef00-0123456789ab", 1, "SPOOLSS", NULL, NULL },
    { "76f03f96-cdfd-44fc-a22c-64950a001209", 1, "IRemoteWinspool", NULL, NULL },
    { "3919286a-b10c-11d0-9ba8-00c04fd92ef5", 0, "DSSETUP", NULL, NULL },
    { "6bffd098-a112-3610-9833-012892020162", 0, "BROWSER", NULL, NULL },
    { "1ff70682-0a51-30e8-076d-740be8cee98b", 1, "ATSVC", NULL, NULL },
    { "86d35949-83c9-4044-b424-db363231fd0c", 1, "ITaskSchedulerService", NULL, NULL },
    { "378e52b0-c0a9-11cf-822d-00aa0051e40f", 1, "SASEC", NULL, NULL },
    { "000001a0-0000-0000-c000-000000000046", 0, "IRemoteSCMActivator", NULL, NULL },
    { "4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", 0, "IActivation", NULL, NULL },
    { "99fcfec4-5260-101b-bbcb-00aa0021347a", 0, "IObjectExporter", NULL, NULL },
    { "c681d488-d850-11d0-8c52-00c04fd90f7e", 1, "EFSRPC", NULL, NULL },
    { "df1941c5-fe89-4e79-bf10-463657acf44d", 1, "EFSR", NULL, NULL },
    { "4fc742e0-4a10-11cf-8273-00aa004ae673", 3, "NETDFS", NULL, NULL },
    { "82273fdc-e32a-18c3-3f78-827929dc23ea", 0, "EVENTLOG", NULL, NULL },
    { "f6beaff7-1e19-4fbb-9f8f-b89e2018337c", 1, "EVEN6", NULL, NULL },
    { "3dde7c30-165d-11d1-ab8f-00805f14db40", 1, "BACKUPKEY", NULL, NULL },
    { "50abc2a4-574d-40b3-9d66-ee4fd5fba076", 5, "DNSSERVER", NULL, NULL },
    { "8fb6d884-2388-11d0-8c35-00c04fda2795", 4, "W32TIME", NULL, NULL },
    { "91ae6020-9e3c-11cf-8d7c-00aa00c091be", 0, "ICertPassage", NULL, NULL },
    { "894de0c0-0d55-11d3-a322-00c04fa321a1", 1, "INITSHUTDOWN", NULL, NULL },
    { "d95afe70-a6d5-4259-822e-2c84da1ddb0d", 1, "WindowsShutdown", NULL, NULL },
    { "12b81e99-f207-4a4c-85d3-77b42f76fd14", 1, "SECLOGON", NULL, NULL },
};

/* MS-RPCE 2.2.1.1.7 auth_type values; the GSS-API ones are dissected by
 * dissectors/gssapi, Netlogon's by dissectors/netlogon/nl-auth.c. */
static const TwDcerpcAuthType auth_types[] = {
    { .auth_type = 0x00, .name = "none" },
    { .auth_type = 0x01, .name = "dce_private" },
    { .auth_type = 0x02, .name = "dce_public" },
    { .auth_type = 0x04, .name = "digest" },
    { .auth_type = 0x09, .name = "spnego", .bind_token = tw_gssapi_dcerpc_token },
    { .auth_type = 0x0a, .name = "ntlmssp", .bind_token = tw_gssapi_dcerpc_token },
    { .auth_type = 0x0e, .name = "schannel" },
    { .auth_type = 0x10, .name = "kerberos", .bind_token = tw_gssapi_dcerpc_token },
    { .auth_type = TW_NL_AUTH_TYPE,
      .name = "netlogon",
      .conn_new = tw_nl_auth_conn_new,
      .conn_free = tw_nl_auth_conn_free,
      .bind_fields = tw_nl_auth_bind_fields,
      .verifier_new = tw_nl_auth_verifier_new,
      .verifier_free = tw_nl_auth_verifier_free },
    { .auth_type = 0xff, .name = "default" },
};

const TwDcerpcRegistry tw_dcerpc_registry = {
    .ifaces = ifaces,
    .n_ifaces = G_N_ELEMENTS(ifaces),
    .auth_types = auth_types,
    .n_auth_types = G_N_ELEMENTS(auth_types),
};
