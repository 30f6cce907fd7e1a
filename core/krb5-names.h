/* krb5-names.h — Kerberos name tables (RFC 4120, RFC 3244), shared by the
 * Kerberos dissector (event fields, teaching tree) and analysis/output
 * (evidence text): one table, so an event and a report name a code alike. */
#pragma once

#include <glib.h>

/* RFC 4120 5.10 message types. */
enum {
    TW_KRB5_AS_REQ = 10,
    TW_KRB5_AS_REP = 11,
    TW_KRB5_TGS_REQ = 12,
    TW_KRB5_TGS_REP = 13,
    TW_KRB5_AP_REQ = 14,
    TW_KRB5_AP_REP = 15,
    TW_KRB5_SAFE = 20,
    TW_KRB5_PRIV = 21,
    TW_KRB5_CRED = 22,
    TW_KRB5_ERROR = 30,
};

/* RFC 4120 7.5.9 error codes the analysis decides on (names in the table). */
enum {
    TW_KRB5_ERR_C_PRINCIPAL_UNKNOWN = 6,
    TW_KRB5_ERR_S_PRINCIPAL_UNKNOWN = 7,
    TW_KRB5_ERR_CLIENT_REVOKED = 18,
    TW_KRB5_ERR_PREAUTH_FAILED = 24,
    TW_KRB5_ERR_PREAUTH_REQUIRED = 25,
    TW_KRB5_ERR_AP_BAD_INTEGRITY = 31,
    TW_KRB5_ERR_AP_SKEW = 37,
    TW_KRB5_ERR_AP_MODIFIED = 41,
    TW_KRB5_ERR_AP_BADKEYVER = 44,
    TW_KRB5_ERR_RESPONSE_TOO_BIG = 52,
};

/* Name tables.  Each returns: (transfer none) (nullable): a static string;
 * NULL when unknown. */
const char *tw_krb5_msg_name(gint64 msg_type);           /* "AS-REQ" … "KRB-ERROR" */
gint64 tw_krb5_msg_type_from_name(const char *name);     /* the reverse; -1 when unknown */
const char *tw_krb5_error_name(gint64 code);             /* RFC 4120 7.5.9: "KRB_AP_ERR_SKEW" */
const char *tw_krb5_error_cause(gint64 code);            /* what usually causes it */
const char *tw_krb5_padata_name(gint64 type);            /* "PA-ENC-TIMESTAMP" */
const char *tw_krb5_kpasswd_result_name(gint64 code);    /* RFC 3244 2: "KRB5_KPASSWD_SUCCESS" */
