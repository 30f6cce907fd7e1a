/* ntstatus.h — NTSTATUS code names (MS-ERREF 2.3.1), shared by SMB2,
 * NETLOGON and DCE/RPC fault/return-code reporting. */
#pragma once

#include <glib.h>

/* The symbolic name ("STATUS_ACCESS_DENIED") of an NTSTATUS value, or NULL
 * when the code is not in the table. */
const char *tw_ntstatus_name(guint32 status);

/* A short phrase saying what usually causes this status in a domain-trust
 * context (static string), or NULL. */
const char *tw_ntstatus_hint(guint32 status);

/* Severity bits (MS-ERREF 2.3): 0 success, 1 informational, 2 warning, 3 error. */
static inline guint tw_ntstatus_severity(guint32 status) { return status >> 30; }

/* "0xc0000022 STATUS_ACCESS_DENIED", or "0xc0000022" alone when the code is
 * not in the table: how reports and evidence show a status (transfer full). */
char *tw_ntstatus_text(guint32 status);
