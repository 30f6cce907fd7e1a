/* filetime.c — MS-DTYP 2.3.3 FILETIME conversion. */
#include "filetime.h"

bool tw_filetime_to_us(guint64 filetime, gint64 *ts_us)
{
    /* 11644473600 s between 1601-01-01 and 1970-01-01. */
    const guint64 epoch_delta_100ns = G_GUINT64_CONSTANT(116444736000000000);
    if (filetime == 0 || filetime < epoch_delta_100ns || filetime == G_MAXUINT64 ||
        filetime > G_GUINT64_CONSTANT(0x7fffffffffffffff))
        return false;
    *ts_us = (gint64)((filetime - epoch_delta_100ns) / 10);
    return true;
}
