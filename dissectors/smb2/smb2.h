/* smb2.h — NBSS (RFC 1002 4.3) framing and SMB2/3 (MS-SMB2 2.2) on TCP 445
 * and 139: negotiation (with the server's clock sample), session setup (the
 * GSS-API blob goes to dissectors/gssapi), tree connects, named-pipe opens,
 * and the pipe I/O (WRITE/READ/IOCTL FSCTL_PIPE_TRANSCEIVE) that carries
 * DCE/RPC, fed to one TwDcerpcStream per (session, tree, FileId). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Safety caps (core/tw-limits.h; hitting one → tw_anomaly + counter). */

/* MS-SMB2 2.2.1 commands. */
enum {
    TW_SMB2_NEGOTIATE = 0x00,
    TW_SMB2_SESSION_SETUP = 0x01,
    TW_SMB2_LOGOFF = 0x02,
    TW_SMB2_TREE_CONNECT = 0x03,
    TW_SMB2_TREE_DISCONNECT = 0x04,
    TW_SMB2_CREATE = 0x05,
    TW_SMB2_CLOSE = 0x06,
    TW_SMB2_FLUSH = 0x07,
    TW_SMB2_READ = 0x08,
    TW_SMB2_WRITE = 0x09,
    TW_SMB2_LOCK = 0x0a,
    TW_SMB2_IOCTL = 0x0b,
    TW_SMB2_CANCEL = 0x0c,
    TW_SMB2_ECHO = 0x0d,
    TW_SMB2_QUERY_DIRECTORY = 0x0e,
    TW_SMB2_CHANGE_NOTIFY = 0x0f,
    TW_SMB2_QUERY_INFO = 0x10,
    TW_SMB2_SET_INFO = 0x11,
    TW_SMB2_OPLOCK_BREAK = 0x12,
};

#define TW_SMB2_FSCTL_PIPE_TRANSCEIVE 0x0011c017u /* MS-FSCC 2.3.49 */

/* "NEGOTIATE" … "OPLOCK_BREAK", NULL when unknown (transfer none: static). */
const char *tw_smb2_command_name(guint16 cmd);
/* "SMB 2.0.2" … "SMB 3.1.1", NULL when unknown (transfer none: static). */
const char *tw_smb2_dialect_name(guint16 dialect);

extern const TwAppParser tw_smb2_tcp_parser;
