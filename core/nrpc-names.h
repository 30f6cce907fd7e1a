/* nrpc-names.h — MS-NRPC (NETLOGON) method names (MS-NRPC 3.5.4), shared by
 * the NETLOGON dissector (event `op`) and the analysis (evidence text). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* MS-NRPC 3.5.4 opnums the analysis decides on (protocol-notes 3.1). */
enum {
    TW_NRPC_REQ_CHALLENGE = 4,
    TW_NRPC_AUTHENTICATE = 5,
    TW_NRPC_PASSWORD_SET = 6,
    TW_NRPC_AUTHENTICATE2 = 15,
    TW_NRPC_AUTHENTICATE3 = 26,
    TW_NRPC_PASSWORD_SET2 = 30,
    TW_NRPC_AUTHENTICATE_KERBEROS = 59,
};

/* MS-NRPC 3.5.4 method name of an opnum 0..0x3b, NULL beyond.
 * Returns: (transfer none) (nullable): a static string. */
const char *tw_nrpc_opnum_name(gint64 opnum);
/* True when the method returns a Win32 NET_API_STATUS rather than an NTSTATUS. */
bool tw_nrpc_opnum_returns_win32(gint64 opnum);
