/* drsuapi.c — MS-DRSR drsuapi calls as events.
 *
 * Replication is sealed (auth level privacy) on every real network, so what
 * a capture shows without keys is the method (the request header's opnum),
 * the call pairing and the bind's auth context; that is enough to see a
 * DCSync: IDL_DRSGetNCChanges (MS-DRSR 4.1.10) asked by a host that is not a
 * domain controller.  When a stub is readable, the request's version
 * (dwInVersion, MS-DRSR 4.1.10.1.1) and the response's return value (the
 * last four bytes: every method returns a ULONG Win32 error) are kept. */
#include "drsuapi.h"

#define PARSER "drsuapi"

/* MS-DRSR 4.1: the opnums of the drsuapi interface. */
static const char *const drsuapi_ops[] = {
    "DRSBind", "DRSUnbind", "DRSReplicaSync", "DRSGetNCChanges", "DRSUpdateRefs",
    "DRSReplicaAdd", "DRSReplicaDel", "DRSReplicaModify", "DRSVerifyNames",
    "DRSGetMemberships", "DRSInterDomainMove", "DRSGetNT4ChangeLog", "DRSCrackNames",
    "DRSWriteSPN", "DRSRemoveDsServer", "DRSRemoveDsDomain", "DRSDomainControllerInfo",
    "DRSAddEntry", "DRSExecuteKCC", "DRSGetReplInfo", "DRSAddSidHistory",
    "DRSGetMemberships2", "DRSReplicaVerifyObjects", "DRSGetObjectExistence",
    "DRSQuerySitesByCost", "DRSInitDemotion", "DRSReplicaDemotion", "DRSFinishDemotion",
    "DRSAddCloneDC", "DRSWriteNgcKey", "DRSReadNgcKey",
};

const char *tw_drsuapi_opnum_name(guint16 opnum)
{
    return opnum < G_N_ELEMENTS(drsuapi_ops) ? drsuapi_ops[opnum] : NULL;
}

#define DRS_OP_GET_NC_CHANGES 3
#define DRS_HANDLE_LEN 20 /* MS-DRSR 5.35 DRS_HANDLE: an RPC context handle (C706 / MS-RPCE 2.2.5.2) */

bool tw_drsuapi_dissect(const TwDcerpcStub *st)
{
    bool req = st->dir == TW_DIR_REQ;
    TwEvent *ev = tw_dcerpc_stub_event(st, "drsuapi");
    if (st->call->have_request) {
        tw_event_set_int(ev, "opnum", st->opnum);
        const char *op = tw_drsuapi_opnum_name(st->opnum);
        if (op)
            tw_event_set_str(ev, "op", op);
    }
    tw_event_set_str(ev, "dir", req ? "request" : "response");
    tw_event_set_int(ev, "call_id", st->call_id);
    if (st->pipe)
        tw_event_set_str(ev, "pipe", st->pipe);
    if (st->auth_type) {
        tw_event_set_int(ev, "auth_type", st->auth_type);
        tw_event_set_int(ev, "auth_level", st->auth_level);
    }
    tw_event_set_bool(ev, "sealed", st->sealed);
    tw_event_set_int(ev, "stub_len", (gint64)st->wire_len);
    if (!req && st->call->have_request)
        tw_event_set_int(ev, "reply_to", (gint64)st->call->req_frame);
    if (!st->sealed && st->call->have_request) {
        TwCursor c = tw_cursor_init(st->stub, st->stub_len);
        if (req && st->opnum == DRS_OP_GET_NC_CHANGES) {
            /* MS-DRSR 4.1.10.1.1: [in] DRS_HANDLE hDrs, [in] DWORD dwInVersion, ... */
            tw_cursor_skip(&c, DRS_HANDLE_LEN);
            guint32 ver = st->little_endian ? tw_cursor_le32(&c) : tw_cursor_be32(&c);
            if (tw_cursor_ok(&c))
                tw_event_set_int(ev, "in_version", ver);
        } else if (!req && st->stub_len >= 4) {
            /* The return value closes every response stub (NDR: a ULONG). */
            tw_cursor_skip(&c, st->stub_len - 4);
            guint32 rv = st->little_endian ? tw_cursor_le32(&c) : tw_cursor_be32(&c);
            tw_event_set_int(ev, "return_value", rv);
        }
    }
    tw_count(st->ctx, req ? "drsuapi.requests" : "drsuapi.responses", 1);
    if (st->ctx->want_tree) {
        /* the stub: the body of a request PDU (C706 12.6.4.9) or response (12.6.4.10); a
         * method's return value: MS-DRSR 4.1 (each method's section) */
        const TwTreeRow rows[] = {
            { "stub_len", "stub", NULL, req ? "C706 12.6.4.9 stub data" : "C706 12.6.4.10 stub data" },
            { "in_version", "dwInVersion", "the request's version (DRS_MSG_GETCHGREQ)", "MS-DRSR 4.1.10.1.1" },
            { "return_value", "return value", NULL, "MS-DRSR 4.1" },
        };
        const char *op = tw_event_get_str(ev, "op");
        tw_event_tree_add_spec(ev, 0, op ? op : "DRSUAPI call", "MS-DRSR 4.1",
                               st->sealed ? "sealed: only the opnum is visible; DRSGetNCChanges is replication (DCSync from a non-DC)" : NULL,
                               "%s", req ? "request" : "response");
        tw_event_tree_fields(ev, 1, rows, G_N_ELEMENTS(rows));
    }
    tw_emit(st->ctx, ev);
    return true;
}
