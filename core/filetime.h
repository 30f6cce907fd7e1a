/* filetime.h — Windows FILETIME (MS-DTYP 2.3.3: 100 ns intervals since
 * 1601-01-01 UTC), as NTLMSSP AV_PAIRs and SMB2 NEGOTIATE carry it. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* FILETIME → µs since the Unix epoch; false if 0, before 1970 or out of the
 * representable range (*ts_us untouched then). */
bool tw_filetime_to_us(guint64 filetime, gint64 *ts_us);
