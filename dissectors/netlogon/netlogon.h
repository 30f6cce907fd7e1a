/* netlogon.h — MS-NRPC (NETLOGON) stub dissector, the registry entry
 * (dissectors/dcerpc-registry/dcerpc-registry.c) of
 * 12345678-1234-abcd-ef00-01234567cffb v1: dcerpc calls it for requests and responses on a presentation context
 * bound to that interface.  Depends on dcerpc's call API and ndr.h only. */
#pragma once

#include "dissectors/dcerpc/dcerpc-call.h"

/* Decodes one NETLOGON request or response stub and emits its "netlogon"
 * event (always: returns true). */
bool tw_netlogon_dissect(const TwDcerpcStub *st);
/* MS-NRPC 3.5.4 method name of an opnum 0..0x3b, NULL beyond.
 * Returns: (transfer none) (nullable): a static string. */
const char *tw_netlogon_opnum_name(guint16 opnum);
/* MS-NRPC 2.2.1.3.13 NETLOGON_SECURE_CHANNEL_TYPE name, NULL if unknown.
 * Returns: (transfer none) (nullable): a static string. */
const char *tw_netlogon_channel_type_name(guint32 t);
