/* krb5-names.c — Kerberos name tables: message types (RFC 4120 5.10), error
 * codes (RFC 4120 7.5.9, RFC 4556 PKINIT, RFC 6113 FAST, MS-KILE) with what
 * usually causes each one, PA-DATA types (IANA), kpasswd results (RFC 3244). */
#include "krb5-names.h"

#include <string.h>

const char *tw_krb5_msg_name(gint64 t)
{
    switch (t) {
    case TW_KRB5_AS_REQ: return "AS-REQ";
    case TW_KRB5_AS_REP: return "AS-REP";
    case TW_KRB5_TGS_REQ: return "TGS-REQ";
    case TW_KRB5_TGS_REP: return "TGS-REP";
    case TW_KRB5_AP_REQ: return "AP-REQ";
    case TW_KRB5_AP_REP: return "AP-REP";
    case TW_KRB5_SAFE: return "KRB-SAFE";
    case TW_KRB5_PRIV: return "KRB-PRIV";
    case TW_KRB5_CRED: return "KRB-CRED";
    case TW_KRB5_ERROR: return "KRB-ERROR";
    default: return NULL;
    }
}

gint64 tw_krb5_msg_type_from_name(const char *name)
{
    static const gint64 types[] = { TW_KRB5_AS_REQ, TW_KRB5_AS_REP, TW_KRB5_TGS_REQ, TW_KRB5_TGS_REP,
                                    TW_KRB5_AP_REQ, TW_KRB5_AP_REP, TW_KRB5_SAFE,   TW_KRB5_PRIV,
                                    TW_KRB5_CRED,   TW_KRB5_ERROR };
    for (gsize i = 0; name && i < G_N_ELEMENTS(types); i++)
        if (strcmp(name, tw_krb5_msg_name(types[i])) == 0)
            return types[i];
    return -1;
}

typedef struct {
    const char *name;
    const char *cause;
} ErrInfo;

/* Index = error code.  NULL name = unassigned. */
static const ErrInfo krb5_errors[] = {
    [0] = { "KDC_ERR_NONE", "no error" },
    [1] = { "KDC_ERR_NAME_EXP", "the client's account has expired (accountExpires in AD)" },
    [2] = { "KDC_ERR_SERVICE_EXP", "the service account has expired" },
    [3] = { "KDC_ERR_BAD_PVNO", "the client speaks a Kerberos protocol version the KDC does not" },
    [4] = { "KDC_ERR_C_OLD_MAST_KVNO", "the client's key is encrypted in an old KDC master key" },
    [5] = { "KDC_ERR_S_OLD_MAST_KVNO", "the server's key is encrypted in an old KDC master key" },
    [6] = { "KDC_ERR_C_PRINCIPAL_UNKNOWN",
            "the client name is not in the KDC database: for a machine (NAME$) the computer account was deleted or renamed, or the wrong realm was asked" },
    [7] = { "KDC_ERR_S_PRINCIPAL_UNKNOWN",
            "no account holds this SPN: host renamed, SPN missing, or a name/alias (CNAME, IP) that is not registered" },
    [8] = { "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "several accounts hold the same name or SPN (duplicate SPN)" },
    [9] = { "KDC_ERR_NULL_KEY", "the account has no key for the requested encryption type" },
    [10] = { "KDC_ERR_CANNOT_POSTDATE", "the ticket asked for cannot be postdated" },
    [11] = { "KDC_ERR_NEVER_VALID", "the requested start time is after the end time (often clock trouble)" },
    [12] = { "KDC_ERR_POLICY", "KDC policy refused: logon hours, workstation restrictions, protected users, smart card required" },
    [13] = { "KDC_ERR_BADOPTION", "the KDC cannot grant a requested option (e.g. delegation not allowed for this account)" },
    [14] = { "KDC_ERR_ETYPE_NOSUPP",
             "no common encryption type: the account has no key of the offered types (e.g. DES/RC4 disabled, AES keys never generated)" },
    [15] = { "KDC_ERR_SUMTYPE_NOSUPP", "the KDC does not support the checksum type" },
    [16] = { "KDC_ERR_PADATA_TYPE_NOSUPP", "the KDC does not support this pre-authentication type (e.g. PKINIT without a certificate)" },
    [17] = { "KDC_ERR_TRTYPE_NOSUPP", "the KDC does not support the transited encoding" },
    [18] = { "KDC_ERR_CLIENT_REVOKED",
             "account disabled, locked out or expired: the NTSTATUS in e-data tells which" },
    [19] = { "KDC_ERR_SERVICE_REVOKED", "the service account is disabled or locked" },
    [20] = { "KDC_ERR_TGT_REVOKED", "the TGT was revoked (account disabled or password reset since it was issued)" },
    [21] = { "KDC_ERR_CLIENT_NOTYET", "the client account is not yet valid" },
    [22] = { "KDC_ERR_SERVICE_NOTYET", "the service account is not yet valid" },
    [23] = { "KDC_ERR_KEY_EXPIRED", "the password has expired and must be changed" },
    [24] = { "KDC_ERR_PREAUTH_FAILED",
             "wrong password/key: for a machine account (NAME$) the machine's password no longer matches AD" },
    [25] = { "KDC_ERR_PREAUTH_REQUIRED",
             "normal first round trip: the KDC asks for pre-authentication and lists the salts (not a failure)" },
    [26] = { "KDC_ERR_SERVER_NOMATCH", "the ticket is not for the requested server" },
    [27] = { "KDC_ERR_MUST_USE_USER2USER", "the server accepts only user-to-user authentication" },
    [28] = { "KDC_ERR_PATH_NOT_ACCEPTED", "the KDC policy rejects the transited realm path" },
    [29] = { "KDC_ERR_SVC_UNAVAILABLE", "the KDC is unavailable (starting, overloaded, or cannot reach its database)" },
    [31] = { "KRB_AP_ERR_BAD_INTEGRITY",
             "integrity check failed on decryption: wrong key (stale machine password, or a TGT from an old krbtgt key)" },
    [32] = { "KRB_AP_ERR_TKT_EXPIRED", "the ticket has expired: the client should get a new one (normal on long sessions)" },
    [33] = { "KRB_AP_ERR_TKT_NYV", "the ticket is not yet valid: clocks disagree" },
    [34] = { "KRB_AP_ERR_REPEAT", "replay detected: the same authenticator was seen twice" },
    [35] = { "KRB_AP_ERR_NOT_US", "the ticket is for another server (wrong host behind this name)" },
    [36] = { "KRB_AP_ERR_BADMATCH", "the ticket and authenticator do not belong together" },
    [37] = { "KRB_AP_ERR_SKEW",
             "clock skew too great (default 5 minutes): fix time sync (w32time/NTP); in an AS exchange the password was right" },
    [38] = { "KRB_AP_ERR_BADADDR", "the request came from an address not in the ticket (NAT or multihoming)" },
    [39] = { "KRB_AP_ERR_BADVERSION", "protocol version mismatch" },
    [40] = { "KRB_AP_ERR_MSG_TYPE", "wrong message type for this exchange" },
    [41] = { "KRB_AP_ERR_MODIFIED",
             "the service cannot decrypt the ticket: its key differs from the KDC's (stale machine password, duplicate SPN, or wrong account behind the name)" },
    [42] = { "KRB_AP_ERR_BADORDER", "message out of order" },
    [43] = { "KRB_AP_ERR_ILL_CR_TKT", "illegal cross-realm ticket" },
    [44] = { "KRB_AP_ERR_BADKEYVER",
             "the service does not have the key version (kvno) the ticket was encrypted with: password changed and not yet replicated, or keytab stale" },
    [45] = { "KRB_AP_ERR_NOKEY", "the service has no key to decrypt the ticket (keytab missing the entry)" },
    [46] = { "KRB_AP_ERR_MUT_FAIL", "mutual authentication failed" },
    [47] = { "KRB_AP_ERR_BADDIRECTION", "message direction is wrong" },
    [48] = { "KRB_AP_ERR_METHOD", "an alternative authentication method is required" },
    [49] = { "KRB_AP_ERR_BADSEQ", "wrong sequence number in the message" },
    [50] = { "KRB_AP_ERR_INAPP_CKSUM", "inappropriate checksum type in the message" },
    [51] = { "KRB_AP_PATH_NOT_ACCEPTED", "the desired transited path is not accepted" },
    [52] = { "KRB_ERR_RESPONSE_TOO_BIG",
             "the reply does not fit in UDP: the client retries over TCP (normal with large PACs)" },
    [60] = { "KRB_ERR_GENERIC", "generic error: the e-text or e-data (NTSTATUS) says more" },
    [61] = { "KRB_ERR_FIELD_TOOLONG", "a field is too long for this implementation" },
    [62] = { "KDC_ERROR_CLIENT_NOT_TRUSTED", "PKINIT: the client certificate is not trusted" },
    [63] = { "KDC_ERROR_KDC_NOT_TRUSTED", "PKINIT: the KDC certificate is not trusted" },
    [64] = { "KDC_ERROR_INVALID_SIG", "PKINIT: invalid signature" },
    [65] = { "KDC_ERR_KEY_TOO_WEAK", "PKINIT: key too weak / DH parameters not accepted" },
    [66] = { "KDC_ERR_CERTIFICATE_MISMATCH", "PKINIT: the certificate does not match the principal" },
    [67] = { "KRB_AP_ERR_NO_TGT", "no TGT available for user-to-user authentication" },
    [68] = { "KDC_ERR_WRONG_REALM", "wrong realm: the client should ask the KDC of another realm (referral)" },
    [69] = { "KRB_AP_ERR_USER_TO_USER_REQUIRED", "the service requires user-to-user authentication" },
    [70] = { "KDC_ERR_CANT_VERIFY_CERTIFICATE", "PKINIT: the certificate cannot be verified (chain or CRL unreachable)" },
    [71] = { "KDC_ERR_INVALID_CERTIFICATE", "PKINIT: invalid certificate" },
    [72] = { "KDC_ERR_REVOKED_CERTIFICATE", "PKINIT: the certificate is revoked" },
    [73] = { "KDC_ERR_REVOCATION_STATUS_UNKNOWN", "PKINIT: revocation status unknown" },
    [74] = { "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", "PKINIT: revocation status unavailable (CRL/OCSP unreachable)" },
    [75] = { "KDC_ERR_CLIENT_NAME_MISMATCH", "PKINIT: the client name does not match the certificate" },
    [76] = { "KDC_ERR_KDC_NAME_MISMATCH", "PKINIT: the KDC name does not match the certificate" },
    [77] = { "KDC_ERR_INCONSISTENT_KEY_PURPOSE", "PKINIT: the certificate's key purpose is not for Kerberos" },
    [78] = { "KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED", "PKINIT: certificate digest algorithm not accepted" },
    [79] = { "KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED", "PKINIT: the paChecksum must be included" },
    [80] = { "KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED", "PKINIT: signed-data digest algorithm not accepted" },
    [81] = { "KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED", "PKINIT: public-key encryption not supported" },
    [85] = { "KRB_AP_ERR_IAKERB_KDC_NOT_FOUND", "IAKERB: the proxy could not find a KDC" },
    [86] = { "KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE", "IAKERB: the KDC did not answer the proxy" },
    [90] = { "KDC_ERR_PREAUTH_EXPIRED", "FAST: the pre-authentication data has expired" },
    [91] = { "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED", "FAST: more pre-authentication round trips are needed" },
    [92] = { "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET", "FAST: bad authentication set" },
    [93] = { "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS", "FAST: the KDC does not know a critical FAST option" },
};

const char *tw_krb5_error_name(gint64 code)
{
    if (code < 0 || code >= (gint64)G_N_ELEMENTS(krb5_errors))
        return NULL;
    return krb5_errors[code].name;
}

const char *tw_krb5_error_cause(gint64 code)
{
    if (code < 0 || code >= (gint64)G_N_ELEMENTS(krb5_errors))
        return NULL;
    return krb5_errors[code].cause;
}

const char *tw_krb5_padata_name(gint64 t)
{
    switch (t) {
    case 1: return "PA-TGS-REQ";
    case 2: return "PA-ENC-TIMESTAMP";
    case 3: return "PA-PW-SALT";
    case 11: return "PA-ETYPE-INFO";
    case 14: return "PA-PK-AS-REQ-OLD";
    case 15: return "PA-PK-AS-REP-OLD";
    case 16: return "PA-PK-AS-REQ";
    case 17: return "PA-PK-AS-REP";
    case 19: return "PA-ETYPE-INFO2";
    case 20: return "PA-SVR-REFERRAL-INFO";
    case 128: return "PA-PAC-REQUEST";
    case 129: return "PA-FOR-USER";
    case 130: return "PA-FOR-X509-USER";
    case 133: return "PA-FX-COOKIE";
    case 136: return "PA-FX-FAST";
    case 137: return "PA-FX-ERROR";
    case 138: return "PA-ENCRYPTED-CHALLENGE";
    case 147: return "PA-PKINIT-KX";
    case 149: return "PA-REQ-ENC-PA-REP";
    case 150: return "PA-AS-FRESHNESS";
    case 151: return "PA-SPAKE";
    case 165: return "PA-SUPPORTED-ETYPES";
    case 166: return "PA-EXTENDED-ERROR";
    case 167: return "PA-PAC-OPTIONS";
    default: return NULL;
    }
}

const char *tw_krb5_kpasswd_result_name(gint64 code)
{
    switch (code) {
    case 0: return "KRB5_KPASSWD_SUCCESS";
    case 1: return "KRB5_KPASSWD_MALFORMED";
    case 2: return "KRB5_KPASSWD_HARDERROR";
    case 3: return "KRB5_KPASSWD_AUTHERROR";
    case 4: return "KRB5_KPASSWD_SOFTERROR";
    case 5: return "KRB5_KPASSWD_ACCESSDENIED";
    case 6: return "KRB5_KPASSWD_BAD_VERSION";
    case 7: return "KRB5_KPASSWD_INITIAL_FLAG_NEEDED";
    default: return NULL;
    }
}
