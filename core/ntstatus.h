/* ntstatus.h — NTSTATUS code names (MS-ERREF 2.3.1), shared by SMB2,
 * NETLOGON and DCE/RPC fault/return-code reporting. */
#pragma once

#include <glib.h>

/* MS-ERREF 2.3.1 values the analysis decides on (protocol-notes 3.5); their
 * names are in the table like every other code. */
#define TW_STATUS_SUCCESS                        0x00000000u
#define TW_STATUS_MORE_PROCESSING_REQUIRED       0xc0000016u
#define TW_STATUS_ACCESS_DENIED                  0xc0000022u
#define TW_STATUS_WRONG_PASSWORD                 0xc000006au
#define TW_STATUS_LOGON_FAILURE                  0xc000006du
#define TW_STATUS_ACCOUNT_DISABLED               0xc0000072u
#define TW_STATUS_NO_TRUST_LSA_SECRET            0xc000018au
#define TW_STATUS_NO_TRUST_SAM_ACCOUNT           0xc000018bu
#define TW_STATUS_TRUSTED_DOMAIN_FAILURE         0xc000018cu
#define TW_STATUS_TRUSTED_RELATIONSHIP_FAILURE   0xc000018du
#define TW_STATUS_ACCOUNT_EXPIRED                0xc0000193u
#define TW_STATUS_ACCOUNT_LOCKED_OUT             0xc0000234u

/* The symbolic name ("STATUS_ACCESS_DENIED") of an NTSTATUS value, or NULL
 * when the code is not in the table.  Returns: (transfer none) (nullable):
 * a static string. */
const char *tw_ntstatus_name(guint32 status);

/* A short phrase saying what usually causes this status in a domain-trust
 * context, or NULL.  Returns: (transfer none) (nullable): a static string. */
const char *tw_ntstatus_hint(guint32 status);

/* Severity bits (MS-ERREF 2.3): 0 success, 1 informational, 2 warning, 3 error. */
static inline guint tw_ntstatus_severity(guint32 status) { return status >> 30; }

/* "0xc0000022 STATUS_ACCESS_DENIED", or "0xc0000022" alone when the code is
 * not in the table: how reports and evidence show a status.
 * Returns: (transfer full): free with g_free(). */
char *tw_ntstatus_text(guint32 status);
