/* samr.h — MS-SAMR (UUID 12345778-1234-abcd-ef00-0123456789ac v1.0): the
 * calls that create, delete, open and set or change the password of an
 * account, with names resolved from the RIDs a SamrLookupNamesInDomain on the
 * same domain handle returned.  Registered in dissectors/dcerpc-registry/. */
#pragma once

#include "dissectors/dcerpc/dcerpc-call.h"

bool tw_samr_dissect(const TwDcerpcStub *st);
/* MS-SAMR 3.1.5 method name of an opnum, NULL if unknown. (transfer none) */
const char *tw_samr_opnum_name(guint16 opnum);
/* MS-SAMR 2.2.6.28 USER_INFORMATION_CLASS name, NULL if unknown. (transfer none) */
const char *tw_samr_info_class_name(guint32 cls);
/* The classes whose buffer carries a new password (MS-SAMR 2.2.6.x
 * SAMPR_USER_INTERNAL*_INFORMATION*; UserAllInformation only with
 * WhichFields' password bits, not counted here). */
bool tw_samr_info_class_sets_password(guint32 cls);
/* Forgets every remembered handle (unit tests). */
void tw_samr_reset(void);
