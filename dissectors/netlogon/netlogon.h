/* netlogon.h — MS-NRPC (NETLOGON) stub dissector, driven by dissectors/dcerpc
 * (tw_netlogon_dissect in dcerpc-call.h) for requests and responses on a
 * presentation context bound to 12345678-1234-abcd-ef00-01234567cffb v1.0. */
#pragma once

#include <glib.h>

/* MS-NRPC 3.5.4 method name of an opnum 0..0x3b, NULL beyond. */
const char *tw_netlogon_opnum_name(guint16 opnum);
/* MS-NRPC 2.2.1.3.13 NETLOGON_SECURE_CHANNEL_TYPE name, NULL if unknown. */
const char *tw_netlogon_channel_type_name(guint32 t);
