/* ntstatus.c — NTSTATUS names, MS-ERREF 2.3.1.  The table is sorted by value
 * and searched by bisection; keep it sorted (the unit test checks). */
#include "ntstatus.h"

#include <stdlib.h>

typedef struct {
    guint32 code;
    const char *name;
} TwNtStatusName;

static const TwNtStatusName ntstatus_names[] = {
    { 0x00000000, "STATUS_SUCCESS" },
    { 0x00000103, "STATUS_PENDING" },
    { 0x00000104, "STATUS_REPARSE" },
    { 0x00000105, "STATUS_MORE_ENTRIES" },
    { 0x00000107, "STATUS_SOME_NOT_MAPPED" },
    { 0x0000010B, "STATUS_NOTIFY_CLEANUP" },
    { 0x0000010C, "STATUS_NOTIFY_ENUM_DIR" },
    { 0x00000367, "STATUS_WAIT_FOR_OPLOCK" },
    { 0x40000000, "STATUS_OBJECT_NAME_EXISTS" },
    { 0x80000005, "STATUS_BUFFER_OVERFLOW" },
    { 0x80000006, "STATUS_NO_MORE_FILES" },
    { 0x8000001A, "STATUS_NO_MORE_ENTRIES" },
    { 0x8000002D, "STATUS_STOPPED_ON_SYMLINK" },
    { 0xC0000001, "STATUS_UNSUCCESSFUL" },
    { 0xC0000002, "STATUS_NOT_IMPLEMENTED" },
    { 0xC0000003, "STATUS_INVALID_INFO_CLASS" },
    { 0xC0000004, "STATUS_INFO_LENGTH_MISMATCH" },
    { 0xC0000005, "STATUS_ACCESS_VIOLATION" },
    { 0xC0000008, "STATUS_INVALID_HANDLE" },
    { 0xC000000D, "STATUS_INVALID_PARAMETER" },
    { 0xC000000E, "STATUS_NO_SUCH_DEVICE" },
    { 0xC000000F, "STATUS_NO_SUCH_FILE" },
    { 0xC0000010, "STATUS_INVALID_DEVICE_REQUEST" },
    { 0xC0000011, "STATUS_END_OF_FILE" },
    { 0xC0000015, "STATUS_NONEXISTENT_SECTOR" },
    { 0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED" },
    { 0xC0000017, "STATUS_NO_MEMORY" },
    { 0xC000001E, "STATUS_INVALID_LOCK_SEQUENCE" },
    { 0xC0000022, "STATUS_ACCESS_DENIED" },
    { 0xC0000023, "STATUS_BUFFER_TOO_SMALL" },
    { 0xC0000024, "STATUS_OBJECT_TYPE_MISMATCH" },
    { 0xC0000033, "STATUS_OBJECT_NAME_INVALID" },
    { 0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND" },
    { 0xC0000035, "STATUS_OBJECT_NAME_COLLISION" },
    { 0xC0000039, "STATUS_OBJECT_PATH_INVALID" },
    { 0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND" },
    { 0xC000003B, "STATUS_OBJECT_PATH_SYNTAX_BAD" },
    { 0xC0000043, "STATUS_SHARING_VIOLATION" },
    { 0xC0000054, "STATUS_FILE_LOCK_CONFLICT" },
    { 0xC0000055, "STATUS_LOCK_NOT_GRANTED" },
    { 0xC0000056, "STATUS_DELETE_PENDING" },
    { 0xC000005E, "STATUS_NO_LOGON_SERVERS" },
    { 0xC000005F, "STATUS_NO_SUCH_LOGON_SESSION" },
    { 0xC0000060, "STATUS_NO_SUCH_PRIVILEGE" },
    { 0xC0000061, "STATUS_PRIVILEGE_NOT_HELD" },
    { 0xC0000062, "STATUS_INVALID_ACCOUNT_NAME" },
    { 0xC0000063, "STATUS_USER_EXISTS" },
    { 0xC0000064, "STATUS_NO_SUCH_USER" },
    { 0xC000006A, "STATUS_WRONG_PASSWORD" },
    { 0xC000006C, "STATUS_PASSWORD_RESTRICTION" },
    { 0xC000006D, "STATUS_LOGON_FAILURE" },
    { 0xC000006E, "STATUS_ACCOUNT_RESTRICTION" },
    { 0xC000006F, "STATUS_INVALID_LOGON_HOURS" },
    { 0xC0000070, "STATUS_INVALID_WORKSTATION" },
    { 0xC0000071, "STATUS_PASSWORD_EXPIRED" },
    { 0xC0000072, "STATUS_ACCOUNT_DISABLED" },
    { 0xC0000073, "STATUS_NONE_MAPPED" },
    { 0xC0000078, "STATUS_INVALID_SID" },
    { 0xC000007E, "STATUS_RANGE_NOT_LOCKED" },
    { 0xC000007F, "STATUS_DISK_FULL" },
    { 0xC000008A, "STATUS_RESOURCE_TYPE_NOT_FOUND" },
    { 0xC000009A, "STATUS_INSUFFICIENT_RESOURCES" },
    { 0xC000009C, "STATUS_DEVICE_DATA_ERROR" },
    { 0xC00000A2, "STATUS_MEDIA_WRITE_PROTECTED" },
    { 0xC00000AB, "STATUS_INSTANCE_NOT_AVAILABLE" },
    { 0xC00000AC, "STATUS_PIPE_NOT_AVAILABLE" },
    { 0xC00000AD, "STATUS_INVALID_PIPE_STATE" },
    { 0xC00000AE, "STATUS_PIPE_BUSY" },
    { 0xC00000AF, "STATUS_ILLEGAL_FUNCTION" },
    { 0xC00000B0, "STATUS_PIPE_DISCONNECTED" },
    { 0xC00000B1, "STATUS_PIPE_CLOSING" },
    { 0xC00000B2, "STATUS_PIPE_CONNECTED" },
    { 0xC00000B3, "STATUS_PIPE_LISTENING" },
    { 0xC00000B4, "STATUS_INVALID_READ_MODE" },
    { 0xC00000B5, "STATUS_IO_TIMEOUT" },
    { 0xC00000BA, "STATUS_FILE_IS_A_DIRECTORY" },
    { 0xC00000BB, "STATUS_NOT_SUPPORTED" },
    { 0xC00000BD, "STATUS_DUPLICATE_NAME" },
    { 0xC00000BE, "STATUS_BAD_NETWORK_PATH" },
    { 0xC00000C3, "STATUS_INVALID_NETWORK_RESPONSE" },
    { 0xC00000C9, "STATUS_NETWORK_NAME_DELETED" },
    { 0xC00000CA, "STATUS_NETWORK_ACCESS_DENIED" },
    { 0xC00000CC, "STATUS_BAD_NETWORK_NAME" },
    { 0xC00000D0, "STATUS_REQUEST_NOT_ACCEPTED" },
    { 0xC00000D4, "STATUS_NOT_SAME_DEVICE" },
    { 0xC00000D9, "STATUS_PIPE_EMPTY" },
    { 0xC00000DC, "STATUS_INVALID_SERVER_STATE" },
    { 0xC00000DD, "STATUS_INVALID_DOMAIN_STATE" },
    { 0xC00000DE, "STATUS_INVALID_DOMAIN_ROLE" },
    { 0xC00000DF, "STATUS_NO_SUCH_DOMAIN" },
    { 0xC00000E5, "STATUS_INTERNAL_ERROR" },
    { 0xC00000FB, "STATUS_REDIRECTOR_NOT_STARTED" },
    { 0xC0000101, "STATUS_DIRECTORY_NOT_EMPTY" },
    { 0xC0000103, "STATUS_NOT_A_DIRECTORY" },
    { 0xC0000120, "STATUS_CANCELLED" },
    { 0xC0000122, "STATUS_INVALID_COMPUTER_NAME" },
    { 0xC0000128, "STATUS_FILE_CLOSED" },
    { 0xC0000133, "STATUS_TIME_DIFFERENCE_AT_DC" },
    { 0xC000014B, "STATUS_PIPE_BROKEN" },
    { 0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED" },
    { 0xC0000184, "STATUS_INVALID_DEVICE_STATE" },
    { 0xC000018A, "STATUS_NO_TRUST_LSA_SECRET" },
    { 0xC000018B, "STATUS_NO_TRUST_SAM_ACCOUNT" },
    { 0xC000018C, "STATUS_TRUSTED_DOMAIN_FAILURE" },
    { 0xC000018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE" },
    { 0xC0000190, "STATUS_TRUST_FAILURE" },
    { 0xC0000192, "STATUS_NETLOGON_NOT_STARTED" },
    { 0xC0000193, "STATUS_ACCOUNT_EXPIRED" },
    { 0xC0000198, "STATUS_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT" },
    { 0xC0000199, "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT" },
    { 0xC000019A, "STATUS_NOLOGON_SERVER_TRUST_ACCOUNT" },
    { 0xC000019C, "STATUS_FS_DRIVER_REQUIRED" },
    { 0xC0000203, "STATUS_USER_SESSION_DELETED" },
    { 0xC0000205, "STATUS_INSUFF_SERVER_RESOURCES" },
    { 0xC000020D, "STATUS_CONNECTION_RESET" },
    { 0xC0000224, "STATUS_PASSWORD_MUST_CHANGE" },
    { 0xC0000225, "STATUS_NOT_FOUND" },
    { 0xC0000233, "STATUS_DOMAIN_CONTROLLER_NOT_FOUND" },
    { 0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT" },
    { 0xC0000236, "STATUS_CONNECTION_REFUSED" },
    { 0xC000023C, "STATUS_NETWORK_UNREACHABLE" },
    { 0xC0000257, "STATUS_PATH_NOT_COVERED" },
    { 0xC000026E, "STATUS_VOLUME_DISMOUNTED" },
    { 0xC0000275, "STATUS_NOT_A_REPARSE_POINT" },
    { 0xC0000350, "STATUS_HOST_DOWN" },
    { 0xC000035C, "STATUS_NETWORK_SESSION_EXPIRED" },
    { 0xC0000380, "STATUS_SMARTCARD_WRONG_PIN" },
    { 0xC0000388, "STATUS_DOWNGRADE_DETECTED" },
    { 0xC0000413, "STATUS_AUTHENTICATION_FIREWALL_FAILED" },
    { 0xC0000466, "STATUS_SERVER_UNAVAILABLE" },
    { 0xC000A000, "STATUS_INVALID_SIGNATURE" },
    { 0xC000A100, "STATUS_HASH_NOT_SUPPORTED" },
    { 0xC000A2A1, "STATUS_OFFLOAD_READ_FLT_NOT_SUPPORTED" },
};

static int cmp_code(const void *key, const void *elem)
{
    guint32 k = *(const guint32 *)key;
    guint32 c = ((const TwNtStatusName *)elem)->code;
    return k < c ? -1 : k > c ? 1 : 0;
}

const char *tw_ntstatus_name(guint32 status)
{
    const TwNtStatusName *hit = bsearch(&status, ntstatus_names, G_N_ELEMENTS(ntstatus_names),
                                        sizeof ntstatus_names[0], cmp_code);
    return hit ? hit->name : NULL;
}

const char *tw_ntstatus_hint(guint32 status)
{
    switch (status) {
    case 0x00000000: return "success";
    case 0x00000103: return "the server will answer later (async)";
    case 0xC0000016: return "authentication needs another round-trip (normal in SPNEGO/NTLM)";
    case 0xC0000022: return "access denied: for NetrServerAuthenticate*, the machine password does not match the DC's";
    case 0xC000005E: return "no domain controller could be reached to validate the logon";
    case 0xC0000064: return "the account name does not exist in the domain";
    case 0xC000006A: return "wrong password for an existing account";
    case 0xC000006D: return "logon failed: unknown account or wrong password (stale machine secret, deleted account)";
    case 0xC0000071: return "the password has expired";
    case 0xC0000072: return "the account is disabled";
    case 0xC0000122: return "the computer name is not valid";
    case 0xC0000133: return "the clocks of the client and the DC differ too much";
    case 0xC000015B: return "the account may not log on this way (user rights)";
    case 0xC000018A: return "the workstation has no trust secret (not joined, or LSA secret lost)";
    case 0xC000018B: return "the DC has no computer account for this workstation (deleted or renamed)";
    case 0xC000018C: return "the trust with the domain failed";
    case 0xC000018D: return "the trust relationship between this workstation and the domain failed";
    case 0xC0000193: return "the account has expired";
    case 0xC0000198: return "interdomain trust account used for a normal logon";
    case 0xC0000199: return "workstation trust account used for a normal logon";
    case 0xC000019A: return "server trust account used for a normal logon";
    case 0xC0000203: return "the SMB session was deleted (logoff, timeout or re-authentication needed)";
    case 0xC0000224: return "the password must be changed before first logon";
    case 0xC0000234: return "the account is locked out";
    case 0xC0000388: return "the DC refused a downgrade (no strong keys / AES offered)";
    case 0xC00000CC: return "the share name does not exist on the server";
    case 0xC0000034: return "no such file or pipe (e.g. the pipe's service is not running)";
    case 0xC00000BB: return "the server does not support this request";
    case 0xC000019C: return "FSCTL not supported by this file system (normal for DFS referrals on non-DFS servers)";
    default: return NULL;
    }
}

char *tw_ntstatus_text(guint32 status)
{
    const char *name = tw_ntstatus_name(status);
    return name ? g_strdup_printf("0x%08x %s", status, name) : g_strdup_printf("0x%08x", status);
}
