/* drsuapi.h — MS-DRSR drsuapi (e3514235-4b06-11d1-ab04-00c04fc2dcd2 v4), the
 * directory replication interface: which method was called (DCSync is
 * IDL_DRSGetNCChanges, opnum 3, called by something that is not a DC), by
 * whom (the analysis reads the caller from the bind's auth context), and its
 * return value when the stub is readable.  Plugged into DCE/RPC through
 * dissectors/dcerpc-registry/. */
#pragma once

#include "dissectors/dcerpc/dcerpc-call.h"

/* Emits one "drsuapi" event per request and response. */
bool tw_drsuapi_dissect(const TwDcerpcStub *st);
/* MS-DRSR 4.1 method name without the IDL_ prefix, NULL when unknown. */
const char *tw_drsuapi_opnum_name(guint16 opnum);
