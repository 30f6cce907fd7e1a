/* smb2.c — NBSS framing (RFC 1002 4.3.1) and SMB2/3 (MS-SMB2 2.2).
 *
 * One "smb2" event per response header (every command of a compound chain,
 * interim STATUS_PENDING responses included), so every NTSTATUS the server
 * returned is in the event stream; requests are remembered by MessageId and
 * their interesting parts (dialects, tree path, create name, NTLMSSP names)
 * are reported on the response event.  Named-pipe I/O is handed to the
 * DCE/RPC stream of its (session, tree, FileId).  SMB1, encrypted and
 * compressed SMB3 are counted and reported, never silently dropped. */
#include "smb2.h"

#include "dissectors/dcerpc/dcerpc.h"
#include "dissectors/dcerpc/ndr.h"
#include "dissectors/framer.h"
#include "dissectors/gssapi/gssapi.h"
#include "core/tw-flags.h"
#include "core/filetime.h"
#include "core/ntstatus.h"
#include "core/utf16.h"

#include <stdio.h>
#include <string.h>

#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u /* MS-SMB2 2.2.1.2 */
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_FLAGS_SIGNED 0x00000008u

#define SMB2_HEADER_LEN 64

#define STATUS_SUCCESS 0x00000000u
#define STATUS_PENDING 0x00000103u
#define STATUS_BUFFER_OVERFLOW 0x80000005u
#define STATUS_MORE_PROCESSING_REQUIRED 0xC0000016u

#define SHARE_TYPE_PIPE 0x02 /* MS-SMB2 2.2.10 */

/* ---- names ---------------------------------------------------------- */

const char *tw_smb2_command_name(guint16 cmd)
{
    static const char *const names[] = {
        "NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
        "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO",
        "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK",
    };
    return cmd < G_N_ELEMENTS(names) ? names[cmd] : NULL;
}

const char *tw_smb2_dialect_name(guint16 dialect)
{
    switch (dialect) { /* MS-SMB2 2.2.3 */
    case 0x0202: return "SMB 2.0.2";
    case 0x0210: return "SMB 2.1";
    case 0x0222: return "SMB 2.2.2"; /* pre-release 3.0 */
    case 0x0224: return "SMB 2.2.4";
    case 0x02ff: return "SMB 2.???";
    case 0x0300: return "SMB 3.0";
    case 0x0302: return "SMB 3.0.2";
    case 0x0310: return "SMB 3.1.0";
    case 0x0311: return "SMB 3.1.1";
    default: return NULL;
    }
}

/* ---- state ---------------------------------------------------------- */

/* (session, tree, FileId) — FileId all zero for a tree entry. */
typedef struct {
    guint64 session_id;
    guint32 tree_id;
    guint32 zero;
    guint8 file_id[16];
} SmbKey;

static guint smb_key_hash(gconstpointer k)
{
    const guint8 *p = k;
    guint32 h = 2166136261u; /* FNV-1a */
    /* Unrolled (the key has a fixed size): the same hash, so the tables
     * keep their order. */
#pragma GCC unroll 32
    for (gsize i = 0; i < sizeof(SmbKey); i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static gboolean smb_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(SmbKey)) == 0;
}

static SmbKey *smb_key_new(guint64 session, guint32 tree, const guint8 *file_id)
{
    SmbKey *k = g_new0(SmbKey, 1);
    k->session_id = session;
    k->tree_id = tree;
    if (file_id)
        memcpy(k->file_id, file_id, 16);
    return k;
}

typedef struct {
    char *path;
    guint8 share_type;
} SmbTree;

typedef struct {
    char *name; /* lowercase pipe name, e.g. "netlogon"; NULL when the open was not seen */
    TwDcerpcStream *rpc;
} SmbPipe;

typedef struct {
    gint64 message_id; /* the key of SmbFlow.pending (g_int64_hash) */
    guint16 command;
    guint64 frame;
    gint64 ts_us;
    guint64 session_id;
    guint32 tree_id;
    guint8 file_id[16];
    bool has_file_id;
    guint32 ctl_code;
    char *name;        /* tree path (TREE_CONNECT) or file name (CREATE) */
    bool name_cut;     /* name is a prefix: the capture cut it (docs/events.md) */
    bool user_cut, domain_cut, workstation_cut;
    char *dialects;    /* NEGOTIATE: "0x0202,0x0210,…" */
    char *user, *domain, *workstation, *auth_mech;
    guint64 krb_request_frame;
} SmbPending;

typedef struct SmbFlow SmbFlow;

typedef struct {
    SmbFlow *flow;
    TwFramer framer; /* NBSS messages (RFC 1002 4.3.1), see dissectors/framer.h */
    bool started;    /* first bytes judged */
} SmbDir;

struct SmbFlow {
    SmbDir dir[2];
    GHashTable *pending; /* &SmbPending.message_id -> SmbPending (replaced, never inserted over) */
    GHashTable *trees;   /* SmbKey (file_id 0) -> SmbTree */
    GHashTable *pipes;   /* SmbKey -> SmbPipe */
    bool reported_smb1, reported_encrypted, reported_compressed;
    guint64 smb1_krb_request_frame; /* last AP-REQ in an SMB1 session setup */
    gsize charged; /* bytes charged through tw_mem_charge */
    /* An answered request's memory (its strings freed), for the flow's next
     * request: an exchange is mostly one request at a time, so a request
     * allocates nothing.  One per flow, like the framer's kept buffer not
     * charged (smb2_feed_charged counts what grows with the input). */
    SmbPending *spare;
};

static void pending_strings_free(SmbPending *sp)
{
    g_free(sp->name);
    g_free(sp->dialects);
    g_free(sp->user);
    g_free(sp->domain);
    g_free(sp->workstation);
    g_free(sp->auth_mech);
}

static void pending_free(gpointer p)
{
    SmbPending *sp = p;
    pending_strings_free(sp);
    g_free(sp);
}

/* The response came: the request's entry leaves the table, its memory
 * becomes the flow's spare (or is freed if there is one). */
static void pending_done(SmbFlow *f, gint64 message_id)
{
    gpointer v;
    if (!g_hash_table_steal_extended(f->pending, &message_id, NULL, &v))
        return;
    if (f->spare) {
        pending_free(v);
        return;
    }
    pending_strings_free(v);
    f->spare = v;
}

/* A zeroed SmbPending: the spare, or a new one. */
static SmbPending *pending_new(SmbFlow *f)
{
    SmbPending *sp = f->spare;
    if (!sp)
        return g_new0(SmbPending, 1);
    f->spare = NULL;
    memset(sp, 0, sizeof *sp);
    return sp;
}

static void tree_free(gpointer p)
{
    SmbTree *t = p;
    g_free(t->path);
    g_free(t);
}

static void pipe_free(gpointer p)
{
    SmbPipe *sp = p;
    if (sp->rpc)
        tw_dcerpc_stream_free(sp->rpc);
    g_free(sp->name);
    g_free(sp);
}

static const TwFramerSpec nbss_framing;

static void *smb2_state_new(void)
{
    SmbFlow *f = g_new0(SmbFlow, 1);
    for (int i = 0; i < 2; i++) {
        f->dir[i].flow = f;
        tw_framer_init(&f->dir[i].framer, &nbss_framing, &f->dir[i]);
    }
    f->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, pending_free);
    f->trees = g_hash_table_new_full(smb_key_hash, smb_key_equal, g_free, tree_free);
    f->pipes = g_hash_table_new_full(smb_key_hash, smb_key_equal, g_free, pipe_free);
    return f;
}

static void smb2_state_free(void *state)
{
    SmbFlow *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++)
        tw_framer_clear(&f->dir[i].framer);
    g_hash_table_destroy(f->pending);
    g_hash_table_destroy(f->trees);
    g_hash_table_destroy(f->pipes);
    g_free(f->spare);
    g_free(f);
}

/* ---- helpers -------------------------------------------------------- */

/* A buffer named by (offset from the SMB2 header, length): its captured
 * bytes.  Returns false (and sets *st) when it lies outside the message. */
static bool msg_slice(const TwCursor *msg, guint32 off, guint32 len, const guint8 **p, gsize *cap,
                      gsize *rep, TwStatus *st)
{
    *p = NULL;
    *cap = *rep = 0;
    *st = TW_OK;
    if (len == 0)
        return false;
    if (off > msg->reported || len > msg->reported - off) {
        *st = TW_MALFORMED;
        return false;
    }
    *rep = len;
    if (off >= msg->len) {
        *st = TW_TRUNCATED;
        return false;
    }
    *p = msg->p + off;
    *cap = MIN((gsize)len, msg->len - off);
    if (*cap < len)
        *st = TW_TRUNCATED;
    return true;
}

/* UTF-16LE path or file name under the core/utf16.h rule. */
static char *utf16_name(TwDissectCtx *ctx, const guint8 *p, gsize n)
{
    guint notes = 0;
    char *s = tw_utf16le_to_utf8(p, MIN(n, (gsize)TW_SMB2_MAX_NAME), &notes);
    if (notes & TW_UTF16_EMBEDDED_NUL)
        tw_count(ctx, "smb2.utf16_embedded_nul", 1);
    return s;
}

static const char hexd[] = "0123456789abcdef";

/* "0x%04x" of v at o, without a NUL; returns the end. */
static char *put_hex16(char *o, guint16 v)
{
    *o++ = '0';
    *o++ = 'x';
    for (int i = 3; i >= 0; i--)
        *o++ = hexd[(v >> (4 * i)) & 15];
    return o;
}

static void set_hex64(TwEvent *ev, const char *key, guint64 v)
{
    char b[19]; /* "0x%016" G_GINT64_MODIFIER "x" */
    b[0] = '0';
    b[1] = 'x';
    for (int i = 0; i < 8; i++) /* a byte's two digits at once (ndr.h) */
        memcpy(b + 2 + 2 * i, tw_hex_pairs + 2 * (guint8)(v >> (56 - 8 * i)), 2);
    b[18] = 0;
    tw_event_set_str(ev, key, b);
}

/* "\PIPE\netlogon", "netlogon" → "netlogon" (pipe names are case-insensitive). */
static char *pipe_name_norm(const char *name)
{
    const char *s = name;
    while (*s == '\\' || *s == '/')
        s++;
    if (g_ascii_strncasecmp(s, "PIPE\\", 5) == 0)
        s += 5;
    return g_ascii_strdown(s, -1);
}

/* Pipes of the RPC services a domain member talks to (MS-RPCE 2.1.1.2 and
 * the interface specs); used only when the tree's share type is unknown. */
static bool is_well_known_pipe(const char *name)
{
    static const char *const pipes[] = { "netlogon", "lsarpc", "lsass", "samr", "srvsvc",
                                         "wkssvc", "winreg", "svcctl", "spoolss", "epmapper",
                                         "atsvc", "eventlog", "ntsvcs", "drsuapi", "protected_storage" };
    g_autofree char *n = pipe_name_norm(name);
    for (gsize i = 0; i < G_N_ELEMENTS(pipes); i++)
        if (strcmp(n, pipes[i]) == 0)
            return true;
    return false;
}

static bool path_is_ipc(const char *path)
{
    gsize n = path ? strlen(path) : 0;
    return n >= 4 && g_ascii_strcasecmp(path + n - 4, "IPC$") == 0;
}

static SmbPipe *pipe_lookup(SmbFlow *f, guint64 session, guint32 tree, const guint8 *fid)
{
    SmbKey k = { session, tree, 0, { 0 } };
    memcpy(k.file_id, fid, 16);
    return g_hash_table_lookup(f->pipes, &k);
}

static SmbPipe *pipe_add(SmbFlow *f, TwDissectCtx *ctx, guint64 session, guint32 tree,
                         const guint8 *fid, const char *name)
{
    if (g_hash_table_size(f->pipes) >= TW_SMB2_MAX_PIPES) {
        tw_anomaly(ctx, "smb2", "limit", "more than %d open pipes on one connection",
                   TW_SMB2_MAX_PIPES);
        return NULL;
    }
    SmbPipe *p = g_new0(SmbPipe, 1);
    p->name = name ? g_strdup(name) : NULL;
    p->rpc = tw_dcerpc_stream_new("smb2", p->name);
    g_hash_table_replace(f->pipes, smb_key_new(session, tree, fid), p);
    tw_count(ctx, "smb2.pipes_opened", 1);
    return p;
}

static SmbTree *tree_lookup(SmbFlow *f, guint64 session, guint32 tree)
{
    SmbKey k = { session, tree, 0, { 0 } };
    return g_hash_table_lookup(f->trees, &k);
}

/* Pipe data: known pipe, or an unknown FileId on a pipe/unknown tree whose
 * bytes look like DCE/RPC (the open happened before the capture began). */
static void pipe_feed(SmbFlow *f, TwDissectCtx *ctx, guint64 session, guint32 tree,
                      const guint8 *fid, int dir, const guint8 *p, gsize cap, gsize rep)
{
    SmbPipe *pp = pipe_lookup(f, session, tree, fid);
    if (!pp) {
        SmbTree *t = tree_lookup(f, session, tree);
        if (t && t->share_type != SHARE_TYPE_PIPE && !path_is_ipc(t->path))
            return;
        if (!p || !tw_dcerpc_probe(p, cap))
            return;
        pp = pipe_add(f, ctx, session, tree, fid, NULL);
        if (!pp)
            return;
    }
    if (p && cap)
        tw_dcerpc_stream_feed(pp->rpc, ctx, dir, p, cap);
    if (cap < rep) /* record cut by the cap or the capture */
        tw_dcerpc_stream_gap(pp->rpc, ctx, dir);
    tw_count(ctx, "smb2.pipe_bytes", cap);
}

/* ---- GSS decoration ------------------------------------------------- */

typedef struct {
    SmbPending *pending;
    guint64 session_id;
    bool response;
} SessDecorate;

static void sess_decorate(TwEvent *ev, void *user)
{
    SessDecorate *d = user;
    set_hex64(ev, "session_id", d->session_id);
    if (!d->pending)
        return;
    if (ev->proto == tw_event_intern("kerberos")) {
        gint64 mt = tw_event_get_int(ev, "msg_type", 0);
        if (!d->response && mt == 14)
            d->pending->krb_request_frame = ev->frame;
        else if (d->response && (mt == 15 || mt == 30) && d->pending->krb_request_frame)
            tw_event_set_int(ev, "reply_to", (gint64)d->pending->krb_request_frame);
    } else if (ev->proto == tw_event_intern("ntlmssp") && !d->response) {
        const char *u = tw_event_get_str(ev, "user");
        const char *dm = tw_event_get_str(ev, "domain");
        const char *ws = tw_event_get_str(ev, "workstation");
        if (u) {
            g_free(d->pending->user);
            d->pending->user = g_strdup(u);
            d->pending->user_cut = tw_event_is_truncated(ev, "user");
        }
        if (dm) {
            g_free(d->pending->domain);
            d->pending->domain = g_strdup(dm);
            d->pending->domain_cut = tw_event_is_truncated(ev, "domain");
        }
        if (ws) {
            g_free(d->pending->workstation);
            d->pending->workstation = g_strdup(ws);
            d->pending->workstation_cut = tw_event_is_truncated(ev, "workstation");
        }
    }
}

/* ---- one SMB2 message ----------------------------------------------- */

typedef struct {
    guint64 session_id;
    guint32 tree_id;
    guint8 file_id[16];
    bool has_file_id;
    /* The current message's header fields only the teaching view shows. */
    guint16 credit_charge;
    guint32 next_command;
    guint8 signature[16];
    /* NEGOTIATE response body fields of the tree (MS-SMB2 2.2.4). */
    guint16 security_mode;
    guint32 capabilities;
    TwEvent *blob_tree; /* the security blob's wrapper lines (tree only) */
} ChainState;

static const guint8 fid_related[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A FileId in a related compound request may be all-ones: "the FileId of
 * the previous operation" (MS-SMB2 3.2.4.1.4). */
static void resolve_fid(ChainState *ch, guint8 *fid)
{
    if (memcmp(fid, fid_related, 16) == 0 && ch->has_file_id)
        memcpy(fid, ch->file_id, 16);
    else {
        memcpy(ch->file_id, fid, 16);
        ch->has_file_id = true;
    }
}

static void request(SmbFlow *f, TwDissectCtx *ctx, TwCursor *msg, TwCursor *c, guint16 cmd,
                    guint64 mid, guint64 session, guint32 tree, ChainState *ch)
{
    if (cmd == TW_SMB2_CANCEL)
        return; /* reuses the MessageId of the request it cancels; no response */
    if (g_hash_table_size(f->pending) >= TW_SMB2_MAX_PENDING) {
        tw_anomaly(ctx, "smb2", "limit", "more than %d unanswered requests; forgetting them",
                   TW_SMB2_MAX_PENDING);
        g_hash_table_remove_all(f->pending);
    }
    SmbPending *sp = pending_new(f);
    sp->message_id = (gint64)mid;
    sp->command = cmd;
    sp->frame = ctx->pi ? ctx->pi->frame : 0;
    sp->ts_us = ctx->pi ? ctx->pi->ts_us : 0;
    sp->session_id = session;
    sp->tree_id = tree;
    /* replace, not insert: the key lives in the value, so an entry for a
     * reused MessageId must take the new value's key */
    g_hash_table_replace(f->pending, &sp->message_id, sp);

    const guint8 *p;
    gsize cap, rep;
    TwStatus st;
    switch (cmd) {
    case TW_SMB2_NEGOTIATE: { /* 2.2.3 */
        tw_cursor_skip(c, 2); /* StructureSize 36 */
        guint16 count = tw_cursor_le16(c);
        tw_cursor_skip(c, 2 + 2 + 4 + 16 + 8);
        char ds[16 * 7]; /* up to 16 "0x%04x" joined by ',' and the NUL */
        char *o = ds;
        for (guint i = 0; i < count && i < 16 && tw_cursor_ok(c); i++) {
            guint16 d = tw_cursor_le16(c);
            if (!tw_cursor_ok(c))
                break;
            if (o > ds)
                *o++ = ',';
            o = put_hex16(o, d);
        }
        *o = 0;
        sp->dialects = g_strdup(ds);
        break;
    }
    case TW_SMB2_SESSION_SETUP: { /* 2.2.5 */
        tw_cursor_skip(c, 2 + 1 + 1 + 4 + 4);
        guint16 boff = tw_cursor_le16(c);
        guint16 blen = tw_cursor_le16(c);
        if (tw_cursor_ok(c) && msg_slice(msg, boff, blen, &p, &cap, &rep, &st)) {
            SessDecorate d = { sp, session, false };
            TwGssSummary sum;
            tw_gssapi_dissect_ex(ctx, p, cap, rep, "smb2", sess_decorate, &d, &sum);
            if (sum.inner)
                sp->auth_mech = g_strdup(sum.inner);
            else if (sum.mech_name)
                sp->auth_mech = g_strdup(sum.mech_name);
        }
        break;
    }
    case TW_SMB2_TREE_CONNECT: { /* 2.2.9 */
        tw_cursor_skip(c, 2 + 2);
        guint16 poff = tw_cursor_le16(c);
        guint16 plen = tw_cursor_le16(c);
        if (tw_cursor_ok(c) && msg_slice(msg, poff, plen, &p, &cap, &rep, &st)) {
            sp->name = utf16_name(ctx, p, cap);
            sp->name_cut = cap < rep || cap > TW_SMB2_MAX_NAME;
        }
        break;
    }
    case TW_SMB2_CREATE: { /* 2.2.13 */
        tw_cursor_skip(c, 2 + 1 + 1 + 4 + 8 + 8 + 4 + 4 + 4 + 4 + 4);
        guint16 noff = tw_cursor_le16(c);
        guint16 nlen = tw_cursor_le16(c);
        if (tw_cursor_ok(c)) {
            if (nlen == 0)
                sp->name = g_strdup("");
            else if (msg_slice(msg, noff, nlen, &p, &cap, &rep, &st)) {
                sp->name = utf16_name(ctx, p, cap);
                sp->name_cut = cap < rep || cap > TW_SMB2_MAX_NAME;
            }
        }
        break;
    }
    case TW_SMB2_CLOSE: /* 2.2.15 */
        tw_cursor_skip(c, 2 + 2 + 4);
        if (tw_cursor_copy(c, sp->file_id, 16)) {
            resolve_fid(ch, sp->file_id);
            sp->has_file_id = true;
        }
        break;
    case TW_SMB2_READ: /* 2.2.19 */
        tw_cursor_skip(c, 2 + 1 + 1 + 4 + 8);
        if (tw_cursor_copy(c, sp->file_id, 16)) {
            resolve_fid(ch, sp->file_id);
            sp->has_file_id = true;
        }
        break;
    case TW_SMB2_WRITE: { /* 2.2.21 */
        tw_cursor_skip(c, 2);
        guint16 doff = tw_cursor_le16(c);
        guint32 dlen = tw_cursor_le32(c);
        tw_cursor_skip(c, 8);
        if (!tw_cursor_copy(c, sp->file_id, 16))
            break;
        resolve_fid(ch, sp->file_id);
        sp->has_file_id = true;
        if (dlen && (msg_slice(msg, doff, dlen, &p, &cap, &rep, &st) || st == TW_TRUNCATED))
            pipe_feed(f, ctx, session, tree, sp->file_id, TW_DIR_REQ, p, cap, rep);
        break;
    }
    case TW_SMB2_IOCTL: { /* 2.2.31 */
        tw_cursor_skip(c, 2 + 2);
        sp->ctl_code = tw_cursor_le32(c);
        if (!tw_cursor_copy(c, sp->file_id, 16))
            break;
        resolve_fid(ch, sp->file_id);
        sp->has_file_id = true;
        guint32 ioff = tw_cursor_le32(c);
        guint32 ilen = tw_cursor_le32(c);
        if (tw_cursor_ok(c) && sp->ctl_code == TW_SMB2_FSCTL_PIPE_TRANSCEIVE && ilen &&
            (msg_slice(msg, ioff, ilen, &p, &cap, &rep, &st) || st == TW_TRUNCATED))
            pipe_feed(f, ctx, session, tree, sp->file_id, TW_DIR_REQ, p, cap, rep);
        break;
    }
    default:
        break;
    }
    if (c->status == TW_MALFORMED)
        tw_anomaly(ctx, "smb2", "malformed", "%s request (MessageId %" G_GUINT64_FORMAT ") malformed",
                   tw_smb2_command_name(cmd) ? tw_smb2_command_name(cmd) : "unknown", mid);
}

/* Does this response carry its command's normal body?  Non-success
 * responses normally carry the 9-byte ERROR body (2.2.2), except the
 * documented "warning" cases. */
static bool has_normal_body(guint16 cmd, guint32 status, guint16 structure_size)
{
    if (status == STATUS_SUCCESS)
        return true;
    if (cmd == TW_SMB2_SESSION_SETUP && status == STATUS_MORE_PROCESSING_REQUIRED)
        return true;
    if (status == STATUS_BUFFER_OVERFLOW &&
        (cmd == TW_SMB2_READ || cmd == TW_SMB2_IOCTL || cmd == TW_SMB2_QUERY_INFO))
        return structure_size != 9;
    if (cmd == TW_SMB2_IOCTL && structure_size == 49)
        return true; /* some FSCTL failures return the IOCTL body (3.3.4.4) */
    return false;
}

/* Teaching view (-T tree): the response header (MS-SMB2 2.2.1.2) field by
 * field, what the body said, and what the request said. */
static void response_tree(TwEvent *ev, guint32 status, guint32 flags, guint16 credits, guint64 mid,
                          const ChainState *ch)
{
    bool async = flags & SMB2_FLAGS_ASYNC_COMMAND;
    const char *hs = async ? "MS-SMB2 2.2.1.1" : "MS-SMB2 2.2.1.2"; /* each header field's section */
    tw_event_tree_add_spec(ev, 0, "SMB2 Header", async ? "MS-SMB2 2.2.1.1 ASYNC" : "MS-SMB2 2.2.1.2 SYNC",
                           "a response (SMB2_FLAGS_SERVER_TO_REDIR)", "%s", tw_event_get_str(ev, "command"));
    tw_event_tree_add_spec(ev, 1, "ProtocolId", hs, NULL, "0xfe534d42 (\\xfeSMB)");
    tw_event_tree_add_spec(ev, 1, "StructureSize", hs, NULL, "64");
    tw_event_tree_add_spec(ev, 1, "CreditCharge", hs, "credits this request consumed (multi-credit, 3.1.5.2)", "%u",
                      ch->credit_charge);
    const char *sname = tw_ntstatus_name(status);
    tw_event_tree_add_spec(ev, 1, "Status", "MS-ERREF 2.3", tw_ntstatus_hint(status), "0x%08x %s", status,
                           sname ? sname : "");
    tw_event_tree_add_spec(ev, 1, "Command", hs, NULL, "%s", tw_event_get_str(ev, "command"));
    tw_event_tree_add_spec(ev, 1, "CreditResponse", hs, "credits the server grants", "%u", credits);
    tw_event_tree_add_spec(ev, 1, "Flags", tw_flags_smb2_header.spec, NULL, "0x%08x", flags);
    tw_flags_tree(ev, 2, &tw_flags_smb2_header, flags);
    tw_event_tree_add_spec(ev, 1, "NextCommand", hs, ch->next_command ? "offset of the next message of the compound chain" : NULL,
                      "%u", ch->next_command);
    if (mid == G_MAXUINT64)
        tw_event_tree_add_spec(ev, 1, "MessageId", hs, "an unsolicited oplock/lease break (2.2.23.1)", "0xffffffffffffffff");
    else
        tw_event_tree_add_spec(ev, 1, "MessageId", hs, "pairs the response with its request", "%" G_GUINT64_FORMAT, mid);
    if (async)
        tw_event_tree_add_spec(ev, 1, "AsyncId", hs, "an operation the server finishes later", "%s",
                          tw_event_get_str(ev, "async_id"));
    else
        tw_event_tree_add_spec(ev, 1, "TreeId", hs, "the share (TREE_CONNECT)", "%" G_GINT64_FORMAT,
                          tw_event_get_int(ev, "tree_id", 0));
    tw_event_tree_add_spec(ev, 1, "SessionId", hs, "the authenticated session (SESSION_SETUP)", "%s",
                      tw_event_get_str(ev, "session_id"));
    bool zero = true;
    GString *sig = g_string_new(NULL);
    for (int i = 0; i < 16; i++) {
        zero &= ch->signature[i] == 0;
        g_string_append_printf(sig, "%02x", ch->signature[i]);
    }
    tw_event_tree_add_spec(ev, 1, "Signature", "MS-SMB2 3.1.4.1",
                           (flags & SMB2_FLAGS_SIGNED) ? "signed with the session's signing key"
                           : zero                     ? "not signed"
                                                      : NULL,
                           "%s", sig->str);
    g_string_free(sig, TRUE);

    const char *cmd = tw_event_get_str(ev, "command");
    if (cmd && strcmp(cmd, "NEGOTIATE") == 0 && tw_event_has(ev, "dialect")) {
        tw_event_tree_add_spec(ev, 0, "NEGOTIATE Response", "MS-SMB2 2.2.4", NULL, NULL);
        tw_event_tree_add_spec(ev, 1, "SecurityMode", tw_flags_smb2_security_mode.spec, NULL, "0x%04x",
                               ch->security_mode);
        tw_flags_tree(ev, 2, &tw_flags_smb2_security_mode, ch->security_mode);
        tw_event_tree_add_spec(ev, 1, "DialectRevision", "MS-SMB2 2.2.4", "the SMB version both sides agreed on", "%s (%s)",
                          tw_event_get_str(ev, "dialect"),
                          tw_event_get_str(ev, "dialect_name") ? tw_event_get_str(ev, "dialect_name") : "unknown");
        tw_event_tree_add_spec(ev, 1, "Capabilities", tw_flags_smb2_capabilities.spec, NULL, "0x%08x",
                               ch->capabilities);
        tw_flags_tree(ev, 2, &tw_flags_smb2_capabilities, ch->capabilities);
        if (tw_event_has(ev, "server_time"))
            tw_event_tree_add_spec(ev, 1, "SystemTime", "MS-SMB2 2.2.4", "the server's clock (FILETIME): compare with the capture time",
                              "%s", tw_event_get_str(ev, "server_time"));
        if (tw_event_has(ev, "client_dialects"))
            tw_event_tree_add_spec(ev, 1, "request Dialects", "MS-SMB2 2.2.3", "what the client offered (2.2.3)", "%s",
                              tw_event_get_str(ev, "client_dialects"));
    } else if (cmd && strcmp(cmd, "SESSION_SETUP") == 0 && tw_event_has(ev, "session_flags")) {
        tw_event_tree_add_spec(ev, 0, "SESSION_SETUP Response", "MS-SMB2 2.2.6", NULL, NULL);
        guint32 sf = (guint32)tw_event_get_int(ev, "session_flags", 0);
        tw_event_tree_add_spec(ev, 1, "SessionFlags", tw_flags_smb2_session.spec, NULL, "0x%04x", sf);
        tw_flags_tree(ev, 2, &tw_flags_smb2_session, sf);
    }
    if (ch->blob_tree && ch->blob_tree->tree) {
        for (guint i = 0; i < ch->blob_tree->tree->len; i++) {
            const TwTreeNode *n = g_ptr_array_index(ch->blob_tree->tree, i);
            tw_event_tree_add_spec(ev, n->depth + 1, n->name, n->spec, n->note, n->value ? "%s" : NULL, n->value);
        }
    }
    /* what the request (or this response's body) said, each under the
     * section that defines it */
    bool write = cmd && strcmp(cmd, "WRITE") == 0;
    static const struct {
        const char *key, *name, *note, *spec;
    } rows[] = {
        { "user", "user", "from the NTLMSSP AUTHENTICATE of the request", "MS-NLMP 2.2.1.3 UserName" },
        { "domain", "domain", NULL, "MS-NLMP 2.2.1.3 DomainName" },
        { "workstation", "workstation", "the client's own name", "MS-NLMP 2.2.1.3 Workstation" },
        { "auth", "authentication", "what the request's security blob carried", "MS-SMB2 2.2.5 SecurityBuffer" },
        { "spnego_state", "SPNEGO negState", NULL, "RFC 4178 4.2.2" },
        { "share_type", "ShareType", "1 disk, 2 named pipes (IPC$), 3 printer (2.2.10)", "MS-SMB2 2.2.10" },
        { "path", "Path", "the share asked for; IPC$ carries named pipes", "MS-SMB2 2.2.9" },
        { "name", "Name", "the file or pipe opened", "MS-SMB2 2.2.13" },
        { "file_id", "FileId", NULL, "MS-SMB2 2.2.14" },
        { "pipe", "pipe", "named pipe: its bytes are DCE/RPC", "MS-SMB2 2.2.13 Name (on IPC$)" },
        { "ctl_code", "CtlCode", "0x0011c017 = FSCTL_PIPE_TRANSCEIVE (a DCE/RPC call)", "MS-SMB2 2.2.32" },
        { "data_length", "DataLength", NULL, "MS-SMB2 2.2.20" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        const TwField *fl = tw_event_get(ev, rows[i].key);
        if (!fl)
            continue;
        /* a WRITE response says its Count (2.2.22), a READ response its DataLength (2.2.20) */
        bool count = write && strcmp(rows[i].key, "data_length") == 0;
        const char *name = count ? "Count" : rows[i].name, *spec = count ? "MS-SMB2 2.2.22" : rows[i].spec;
        if (fl->type == TW_FIELD_STR)
            tw_event_tree_add_spec(ev, 1, name, spec, rows[i].note, "%s", fl->v.s);
        else if (fl->type == TW_FIELD_INT)
            tw_event_tree_add_spec(ev, 1, name, spec, rows[i].note, "%" G_GINT64_FORMAT, fl->v.i);
    }
}

/* sp: the pending request of MessageId `mid`, or NULL. */
static void response(SmbFlow *f, TwDissectCtx *ctx, TwCursor *msg, TwCursor *c, guint16 cmd,
                     guint32 status, guint64 mid, guint64 session, guint32 tree, guint32 flags,
                     guint64 async_id, guint16 credits, ChainState *ch, SmbPending *sp)
{
    gint64 key = (gint64)mid;
    if (sp && sp->command != cmd)
        sp = NULL; /* MessageId reused for another command: do not pair */
    bool interim = (flags & SMB2_FLAGS_ASYNC_COMMAND) && status == STATUS_PENDING;

    g_autoptr(TwEvent) blob_tree = NULL;
    if (ctx->want_tree) {
        TwPacketInfo none = { 0 };
        blob_tree = tw_event_new(&none, "smb2");
    }
    ch->blob_tree = blob_tree;
    g_autoptr(TwEvent) ev = tw_event_new(ctx->pi, "smb2");
    const char *cname = tw_smb2_command_name(cmd);
    if (cname)
        tw_event_set_str(ev, "command", cname);
    else
        tw_event_take_str(ev, "command", g_strdup_printf("0x%04x", cmd));
    tw_event_set_hex32(ev, "nt_status", status);
    const char *sname = tw_ntstatus_name(status);
    if (sname)
        tw_event_set_str(ev, "nt_status_name", sname);
    if (mid == G_MAXUINT64) /* 2.2.23.1: an unsolicited oplock/lease break */
        tw_event_set_bool(ev, "unsolicited", TRUE);
    else
        tw_event_set_int(ev, "message_id", (gint64)mid);
    set_hex64(ev, "session_id", session);
    if (flags & SMB2_FLAGS_ASYNC_COMMAND)
        set_hex64(ev, "async_id", async_id);
    else
        tw_event_set_int(ev, "tree_id", tree);
    if (interim)
        tw_event_set_bool(ev, "interim", TRUE);
    tw_event_set_int(ev, "credits", credits);
    if (sp) {
        tw_event_set_int(ev, "request_frame", (gint64)sp->frame);
        if (ctx->pi && ctx->pi->ts_us >= sp->ts_us)
            tw_event_set_int(ev, "response_time_us", ctx->pi->ts_us - sp->ts_us);
    }

    if (sp && sp->has_file_id) {
        /* Before the body: a successful CLOSE forgets the pipe below. */
        SmbPipe *pp = pipe_lookup(f, session, tree, sp->file_id);
        if (pp && pp->name)
            tw_event_set_str(ev, "pipe", pp->name);
    }
    guint16 ss = tw_cursor_le16(c);
    const guint8 *p;
    gsize cap, rep;
    TwStatus st;
    if (tw_cursor_ok(c) && has_normal_body(cmd, status, ss) && !interim) {
        switch (cmd) {
        case TW_SMB2_NEGOTIATE: { /* 2.2.4 */
            ch->security_mode = tw_cursor_le16(c);
            guint16 dialect = tw_cursor_le16(c);
            tw_cursor_skip(c, 2 + 16);
            ch->capabilities = tw_cursor_le32(c);
            tw_cursor_skip(c, 4 + 4 + 4);
            guint64 systime = tw_cursor_le64(c);
            tw_cursor_skip(c, 8);
            guint16 boff = tw_cursor_le16(c);
            guint16 blen = tw_cursor_le16(c);
            if (!tw_cursor_ok(c))
                break;
            char d[8];
            *put_hex16(d, dialect) = 0;
            tw_event_set_str(ev, "dialect", d);
            if (tw_smb2_dialect_name(dialect))
                tw_event_set_str(ev, "dialect_name", tw_smb2_dialect_name(dialect));
            gint64 us;
            /* The server's clock sample: SystemTime (FILETIME) vs the capture time. */
            if (tw_filetime_to_us(systime, &us)) {
                tw_event_set_time(ev, "server_time", us);
                tw_event_set_int(ev, "server_time_us", us);
                if (ctx->pi)
                    tw_event_set_int(ev, "capture_time_us", ctx->pi->ts_us);
            }
            if (sp && sp->dialects)
                tw_event_set_str(ev, "client_dialects", sp->dialects);
            if (msg_slice(msg, boff, blen, &p, &cap, &rep, &st)) {
                TwGssSummary sum;
                tw_gssapi_dissect_host(ctx, p, cap, rep, "smb2", NULL, NULL, &sum, ch->blob_tree, 0);
                if (sum.mech_name)
                    tw_event_set_str(ev, "gss_mech", sum.mech_name);
            }
            break;
        }
        case TW_SMB2_SESSION_SETUP: { /* 2.2.6 */
            guint16 sflags = tw_cursor_le16(c);
            guint16 boff = tw_cursor_le16(c);
            guint16 blen = tw_cursor_le16(c);
            if (!tw_cursor_ok(c))
                break;
            tw_event_set_int(ev, "session_flags", sflags);
            if (sflags & 0x0001)
                tw_event_set_bool(ev, "guest", TRUE);
            if (sflags & 0x0002)
                tw_event_set_bool(ev, "anonymous", TRUE);
            if (msg_slice(msg, boff, blen, &p, &cap, &rep, &st)) {
                SessDecorate d = { sp, session, true };
                TwGssSummary sum;
                tw_gssapi_dissect_host(ctx, p, cap, rep, "smb2", sess_decorate, &d, &sum, ch->blob_tree, 0);
                if (sum.neg_state >= 0 && tw_spnego_neg_state_name(sum.neg_state))
                    tw_event_set_str(ev, "spnego_state", tw_spnego_neg_state_name(sum.neg_state));
                if (sum.mech_name)
                    tw_event_set_str(ev, "gss_mech", sum.mech_name);
            }
            break;
        }
        case TW_SMB2_TREE_CONNECT: { /* 2.2.10 */
            guint8 stype = tw_cursor_u8(c);
            if (!tw_cursor_ok(c))
                break;
            tw_event_set_int(ev, "share_type", stype);
            if (g_hash_table_size(f->trees) >= TW_SMB2_MAX_TREES) {
                tw_anomaly(ctx, "smb2", "limit", "more than %d trees; forgetting them",
                           TW_SMB2_MAX_TREES);
                g_hash_table_remove_all(f->trees);
            }
            SmbTree *t = g_new0(SmbTree, 1);
            t->share_type = stype;
            t->path = sp && sp->name ? g_strdup(sp->name) : NULL;
            g_hash_table_replace(f->trees, smb_key_new(session, tree, NULL), t);
            break;
        }
        case TW_SMB2_CREATE: { /* 2.2.14 */
            tw_cursor_skip(c, 1 + 1 + 4 + 8 * 6 + 4 + 4);
            guint8 fid[16];
            if (!tw_cursor_copy(c, fid, 16))
                break;
            memcpy(ch->file_id, fid, 16);
            ch->has_file_id = true;
            tw_event_set_hex(ev, "file_id", fid, 16);
            SmbTree *t = tree_lookup(f, session, tree);
            bool ipc = t && (t->share_type == SHARE_TYPE_PIPE || path_is_ipc(t->path));
            if (!t && sp && sp->name)
                ipc = is_well_known_pipe(sp->name); /* TREE_CONNECT before the capture */
            if (sp && sp->name && ipc) {
                char *pn = pipe_name_norm(sp->name);
                tw_event_set_str(ev, "pipe", pn);
                pipe_add(f, ctx, session, tree, fid, pn);
                g_free(pn);
            }
            break;
        }
        case TW_SMB2_CLOSE: /* 2.2.16 */
            if (sp && sp->has_file_id) {
                SmbKey k = { session, tree, 0, { 0 } };
                memcpy(k.file_id, sp->file_id, 16);
                g_hash_table_remove(f->pipes, &k);
            }
            break;
        case TW_SMB2_READ: { /* 2.2.20 */
            guint8 doff = tw_cursor_u8(c);
            tw_cursor_skip(c, 1);
            guint32 dlen = tw_cursor_le32(c);
            if (!tw_cursor_ok(c))
                break;
            tw_event_set_int(ev, "data_length", dlen);
            if (sp && sp->has_file_id && dlen &&
                (msg_slice(msg, doff, dlen, &p, &cap, &rep, &st) || st == TW_TRUNCATED))
                pipe_feed(f, ctx, session, tree, sp->file_id, TW_DIR_RSP, p, cap, rep);
            break;
        }
        case TW_SMB2_WRITE: /* 2.2.22 */
            tw_cursor_skip(c, 2);
            if (tw_cursor_ok(c))
                tw_event_set_int(ev, "data_length", tw_cursor_le32(c));
            break;
        case TW_SMB2_IOCTL: { /* 2.2.32 */
            tw_cursor_skip(c, 2);
            guint32 ctl = tw_cursor_le32(c);
            guint8 fid[16];
            tw_cursor_copy(c, fid, 16);
            tw_cursor_skip(c, 8); /* InputOffset, InputCount */
            guint32 ooff = tw_cursor_le32(c);
            guint32 olen = tw_cursor_le32(c);
            if (!tw_cursor_ok(c))
                break;
            tw_event_set_hex32(ev, "ctl_code", ctl);
            if (ctl == TW_SMB2_FSCTL_PIPE_TRANSCEIVE && olen &&
                (msg_slice(msg, ooff, olen, &p, &cap, &rep, &st) || st == TW_TRUNCATED)) {
                const guint8 *use = sp && sp->has_file_id ? sp->file_id : fid;
                pipe_feed(f, ctx, session, tree, use, TW_DIR_RSP, p, cap, rep);
            }
            break;
        }
        default:
            break;
        }
    }
    if (sp) {
        /* Names learned from the request (tree path, file/pipe name, NTLMSSP identity). */
        if (sp->name && cmd == TW_SMB2_TREE_CONNECT) {
            tw_event_set_str(ev, "path", sp->name);
            if (sp->name_cut)
                tw_event_mark_truncated(ev, "path");
        }
        if (sp->name && cmd == TW_SMB2_CREATE) {
            tw_event_set_str(ev, "name", sp->name);
            if (sp->name_cut)
                tw_event_mark_truncated(ev, "name");
        }
        if (cmd == TW_SMB2_SESSION_SETUP) {
            if (sp->auth_mech)
                tw_event_set_str(ev, "auth", sp->auth_mech);
            if (sp->user)
                tw_event_set_str(ev, "user", sp->user);
            if (sp->user && sp->user_cut)
                tw_event_mark_truncated(ev, "user");
            if (sp->domain)
                tw_event_set_str(ev, "domain", sp->domain);
            if (sp->domain && sp->domain_cut)
                tw_event_mark_truncated(ev, "domain");
            if (sp->workstation)
                tw_event_set_str(ev, "workstation", sp->workstation);
            if (sp->workstation && sp->workstation_cut)
                tw_event_mark_truncated(ev, "workstation");
        }
        if (cmd == TW_SMB2_IOCTL && !tw_event_has(ev, "ctl_code"))
            tw_event_set_hex32(ev, "ctl_code", sp->ctl_code);
    }
    /* "nt_status" is the NTSTATUS, the decoding state is "decode_status"
     * (plus the common boolean, docs/events.md "Anomalies"). */
    if (c->status != TW_OK) {
        tw_event_set_str(ev, "decode_status", tw_status_name(c->status));
        tw_event_set_bool(ev, tw_status_name(c->status), TRUE);
    }
    if (ctx->want_tree)
        response_tree(ev, status, flags, credits, mid, ch);
    if (!interim)
        pending_done(f, key);
    tw_count(ctx, "smb2.responses", 1);
    if (status != STATUS_SUCCESS && !interim)
        tw_count(ctx, "smb2.error_responses", 1);
    ch->blob_tree = NULL;
    tw_emit(ctx, g_steal_pointer(&ev));
}

/* MS-SMB2 2.2.1.1/2.2.1.2 header; returns NextCommand (0 ends the chain). */
static guint32 dissect_smb2_message(SmbFlow *f, TwDissectCtx *ctx, TwCursor *msg, ChainState *ch)
{
    TwCursor c = *msg;
    tw_cursor_skip(&c, 4); /* ProtocolId 0xFE 'SMB' */
    guint16 hsize = tw_cursor_le16(&c);
    ch->credit_charge = tw_cursor_le16(&c);
    guint32 status = tw_cursor_le32(&c);
    guint16 cmd = tw_cursor_le16(&c);
    guint16 credits = tw_cursor_le16(&c);
    guint32 flags = tw_cursor_le32(&c);
    guint32 next = tw_cursor_le32(&c);
    guint64 mid = tw_cursor_le64(&c);
    guint64 async_id = 0;
    guint32 tree = 0;
    if (flags & SMB2_FLAGS_ASYNC_COMMAND) {
        async_id = tw_cursor_le64(&c);
    } else {
        tw_cursor_skip(&c, 4); /* Reserved (ProcessId) */
        tree = tw_cursor_le32(&c);
    }
    guint64 session = tw_cursor_le64(&c);
    ch->next_command = next;
    if (ctx->want_tree)
        tw_cursor_copy(&c, ch->signature, 16);
    else
        tw_cursor_skip(&c, 16); /* Signature */
    if (!tw_cursor_ok(&c) || hsize != SMB2_HEADER_LEN) {
        if (c.status == TW_TRUNCATED)
            tw_count(ctx, "smb2.truncated", 1);
        else
            tw_anomaly(ctx, "smb2", "malformed", "SMB2 header: StructureSize %u", hsize);
        return 0;
    }
    /* MS-SMB2 3.2.4.1.4: related operations inherit SessionId/TreeId. */
    if (flags & SMB2_FLAGS_RELATED_OPERATIONS) {
        if (session == G_MAXUINT64)
            session = ch->session_id;
        if (tree == G_MAXUINT32 && !(flags & SMB2_FLAGS_ASYNC_COMMAND))
            tree = ch->tree_id;
    } else {
        ch->has_file_id = false;
    }
    ch->session_id = session;
    if (!(flags & SMB2_FLAGS_ASYNC_COMMAND))
        ch->tree_id = tree;
    else if (!(flags & SMB2_FLAGS_SERVER_TO_REDIR))
        tree = ch->tree_id;

    if (flags & SMB2_FLAGS_SERVER_TO_REDIR) {
        /* Async responses carry no TreeId: take it from the request. */
        gint64 key = (gint64)mid;
        SmbPending *sp = g_hash_table_lookup(f->pending, &key);
        if ((flags & SMB2_FLAGS_ASYNC_COMMAND) && sp)
            tree = sp->tree_id;
        response(f, ctx, msg, &c, cmd, status, mid, session, tree, flags, async_id, credits, ch, sp);
    } else {
        tw_count(ctx, "smb2.requests", 1);
        request(f, ctx, msg, &c, cmd, mid, session, tree, ch);
    }
    return next;
}

/* SMB1 SESSION_SETUP_ANDX with extended security (MS-SMB 2.2.4.6): only its
 * security blob is read, so Kerberos/NTLMSSP of legacy clients is not lost.
 * Header (MS-CIFS 2.2.3.1) is 32 bytes; Command at 4, Flags at 9 (0x80 =
 * reply), UID at 28; then WordCount, Words, ByteCount, Bytes. */
static void dissect_smb1_session_setup(SmbFlow *f, TwDissectCtx *ctx, const guint8 *p, gsize len,
                                       gsize reported)
{
    TwCursor c = tw_cursor_init_reported(p, len, reported);
    tw_cursor_skip(&c, 4);
    guint8 cmd = tw_cursor_u8(&c);
    tw_cursor_skip(&c, 4);
    guint8 flags = tw_cursor_u8(&c);
    tw_cursor_skip(&c, 2 + 2 + 8 + 2 + 2 + 2);
    guint16 uid = tw_cursor_le16(&c);
    tw_cursor_skip(&c, 2);
    guint8 wct = tw_cursor_u8(&c);
    if (!tw_cursor_ok(&c) || cmd != 0x73)
        return;
    bool reply = flags & 0x80;
    guint16 blob_len;
    if (!reply && wct == 12) { /* MS-SMB 2.2.4.6.1 */
        tw_cursor_skip(&c, 4 + 2 + 2 + 2 + 4);
        blob_len = tw_cursor_le16(&c);
        tw_cursor_skip(&c, 4 + 4);
    } else if (reply && wct == 4) { /* MS-SMB 2.2.4.6.2 */
        tw_cursor_skip(&c, 4 + 2);
        blob_len = tw_cursor_le16(&c);
    } else {
        return; /* not extended security: no GSS blob */
    }
    tw_cursor_skip(&c, 2); /* ByteCount */
    if (!tw_cursor_ok(&c) || blob_len == 0)
        return;
    gsize cap = MIN((gsize)blob_len, c.len - c.off);
    SmbPending pend = { 0 };
    pend.krb_request_frame = f->smb1_krb_request_frame;
    SessDecorate d = { &pend, uid, reply };
    tw_gssapi_dissect(ctx, tw_cursor_ptr(&c), cap, blob_len, "smb", sess_decorate, &d);
    if (!reply && pend.krb_request_frame)
        f->smb1_krb_request_frame = pend.krb_request_frame;
    g_free(pend.user);
    g_free(pend.domain);
    g_free(pend.workstation);
}

/* One NBSS session message (RFC 1002 4.3.6): `len` captured of `reported`. */
static void dissect_record(SmbFlow *f, TwDissectCtx *ctx, const guint8 *p, gsize len, gsize reported)
{
    if (len < 4) {
        tw_count(ctx, "smb2.truncated", 1);
        return;
    }
    if (p[1] != 'S' || p[2] != 'M' || p[3] != 'B') {
        tw_anomaly(ctx, "smb2", "malformed", "NBSS message is not SMB (%02x %02x %02x %02x)", p[0],
                   p[1], p[2], p[3]);
        return;
    }
    switch (p[0]) {
    case 0xfe: { /* MS-SMB2 2.2.1: possibly a compound chain (3.2.4.1.4) */
        ChainState ch = { 0 };
        gsize off = 0;
        for (guint i = 0;; i++) {
            if (i == TW_SMB2_MAX_CHAIN) {
                tw_anomaly(ctx, "smb2", "limit", "compound chain longer than %d", TW_SMB2_MAX_CHAIN);
                break;
            }
            TwCursor probe = tw_cursor_init_reported(p + off, len - off, reported - off);
            guint32 next = tw_cursor_need(&probe, 24) ? (guint32)(p[off + 20] | (p[off + 21] << 8) |
                                                                  (p[off + 22] << 16) |
                                                                  ((guint32)p[off + 23] << 24))
                                                      : 0;
            gsize mlen = len - off, mrep = reported - off;
            if (next) {
                if (next < SMB2_HEADER_LEN || next % 8 || next > mrep) {
                    tw_anomaly(ctx, "smb2", "malformed", "NextCommand %u out of range", next);
                    next = 0;
                } else {
                    mrep = next;
                    mlen = MIN(mlen, (gsize)next);
                }
            }
            TwCursor msg = tw_cursor_init_reported(p + off, mlen, mrep);
            if (i > 0)
                tw_count(ctx, "smb2.compound_followers", 1);
            dissect_smb2_message(f, ctx, &msg, &ch);
            if (!next)
                break;
            off += next;
            if (off >= len) {
                tw_count(ctx, "smb2.truncated", 1); /* chain continues past what we hold */
                break;
            }
        }
        break;
    }
    case 0xff: /* SMB1 (MS-CIFS 2.2.3.1), e.g. the multi-protocol NEGOTIATE */
        tw_count(ctx, "smb.smb1_messages", 1);
        dissect_smb1_session_setup(f, ctx, p, len, reported);
        if (!f->reported_smb1) {
            f->reported_smb1 = true;
            TwEvent *ev = tw_event_new(ctx->pi, "smb");
            tw_event_set_bool(ev, "smb1", TRUE);
            if (len > 4)
                tw_event_set_int(ev, "smb1_command", p[4]);
            tw_emit(ctx, ev);
        }
        break;
    case 0xfd: { /* MS-SMB2 2.2.41 TRANSFORM_HEADER: encrypted */
        tw_count(ctx, "smb2.encrypted_messages", 1);
        if (!f->reported_encrypted) {
            f->reported_encrypted = true;
            TwEvent *ev = tw_event_new(ctx->pi, "smb2");
            tw_event_set_bool(ev, "encrypted", TRUE);
            TwCursor c = tw_cursor_init_reported(p, len, reported);
            tw_cursor_skip(&c, 4 + 16 + 16 + 4 + 2 + 2);
            guint64 sid = tw_cursor_le64(&c);
            if (tw_cursor_ok(&c))
                set_hex64(ev, "session_id", sid);
            tw_emit(ctx, ev);
        }
        break;
    }
    case 0xfc: /* MS-SMB2 2.2.42 COMPRESSION_TRANSFORM_HEADER */
        tw_count(ctx, "smb2.compressed_messages", 1);
        if (!f->reported_compressed) {
            f->reported_compressed = true;
            TwEvent *ev = tw_event_new(ctx->pi, "smb2");
            tw_event_set_bool(ev, "compressed", TRUE);
            tw_emit(ctx, ev);
        }
        break;
    default:
        tw_anomaly(ctx, "smb2", "malformed", "unknown SMB protocol id 0x%02x", p[0]);
        break;
    }
}

/* ---- NBSS stream ---------------------------------------------------- */

static bool nbss_type_known(guint8 t)
{
    /* RFC 1002 4.3.1: session message, request, positive/negative response,
     * retarget, keepalive. */
    return t == 0x00 || t == 0x81 || t == 0x82 || t == 0x83 || t == 0x84 || t == 0x85;
}

/* A plausible NBSS session message carrying SMB at p (8 bytes available). */
static bool looks_like_record_start(const guint8 *p)
{
    return p[0] == 0x00 && (p[4] == 0xfe || p[4] == 0xff || p[4] == 0xfd || p[4] == 0xfc) &&
           p[5] == 'S' && p[6] == 'M' && p[7] == 'B';
}

#define NBSS_HEADER_LEN 4
#define NBSS_PROBE_LEN 8 /* header + SMB protocol id */

/* The capture began mid-stream: what came first is not a record start. */
static TwFrameLen midstream(SmbDir *d, TwDissectCtx *ctx)
{
    d->started = true;
    tw_count(ctx, "smb2.midstream_start", 1);
    return (TwFrameLen){ TW_FRAME_BAD, 1, 0 };
}

/* RFC 1002 4.3.1: type, flags (E bit: 17th length bit), 16-bit length; the
 * direct TCP transport (MS-SMB2 2.1) uses the 24 bits as the length. */
static TwFrameLen nbss_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    SmbDir *d = user;
    if (!d->started) {
        /* The capture may begin mid-stream: trust the first bytes only if
         * they open a plausible NBSS message. */
        if (!nbss_type_known(p[0]))
            return midstream(d, ctx);
        if (p[0] == 0x00) { /* else session request / response / keepalive (port 139) */
            if (avail < NBSS_PROBE_LEN)
                return (TwFrameLen){ TW_FRAME_NEED, NBSS_PROBE_LEN, 0 };
            if (!looks_like_record_start(p))
                return midstream(d, ctx);
        }
        d->started = true;
    }
    if (avail < NBSS_HEADER_LEN)
        return (TwFrameLen){ TW_FRAME_NEED, NBSS_HEADER_LEN, 0 };
    guint8 type = p[0];
    if (!nbss_type_known(type)) {
        tw_anomaly(ctx, "smb2", "malformed", "NBSS type 0x%02x", type);
        return (TwFrameLen){ TW_FRAME_BAD, NBSS_HEADER_LEN, 0 };
    }
    if (type != 0x00) {
        tw_count(ctx, "nbss.session_service_messages", 1);
        guint32 l17 = ((guint32)(p[1] & 1) << 16) | (p[2] << 8) | p[3];
        return (TwFrameLen){ TW_FRAME_SKIP, NBSS_HEADER_LEN + (guint64)l17, 0 };
    }
    gsize rlen = ((gsize)p[1] << 16) | (p[2] << 8) | p[3];
    if (rlen == 0)
        return (TwFrameLen){ TW_FRAME_SKIP, NBSS_HEADER_LEN, 0 };
    if (rlen > TW_SMB2_MAX_RECORD) {
        tw_anomaly(ctx, "smb2", "limit", "NBSS record of %" G_GSIZE_FORMAT " bytes", rlen);
        return (TwFrameLen){ TW_FRAME_BAD, NBSS_HEADER_LEN, 0 };
    }
    /* Only the first TW_SMB2_MAX_BUFFERED bytes are kept; the rest is skipped. */
    return (TwFrameLen){ TW_FRAME_RECORD, NBSS_HEADER_LEN + (guint64)rlen,
                         NBSS_HEADER_LEN + (guint64)MIN(rlen, (gsize)TW_SMB2_MAX_BUFFERED) };
}

static TwProbe nbss_probe(void *user, const guint8 *p, gsize avail)
{
    if (avail < NBSS_PROBE_LEN)
        return TW_PROBE_NEED;
    return looks_like_record_start(p) ? TW_PROBE_YES : TW_PROBE_NO;
}

static bool nbss_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    SmbDir *d = user;
    if (!rec->truncated && rec->len < rec->reported)
        tw_count(ctx, "smb2.records_over_buffer_cap", 1);
    /* A record cut by a gap is dissected as truncated (as tshark does). */
    gsize hdr = MIN(rec->len, (gsize)NBSS_HEADER_LEN);
    dissect_record(d->flow, ctx, rec->p + hdr, rec->len - hdr, rec->reported - NBSS_HEADER_LEN);
    return true;
}

static void nbss_dropped(void *user, TwDissectCtx *ctx, guint64 n, TwFramerDrop why)
{
    if (why == TW_FRAMER_DROP_SCAN)
        tw_count(ctx, "smb2.resync_bytes", n);
}

static const TwFramerSpec nbss_framing = {
    .name = "smb2",
    .length = nbss_length,
    .record = nbss_record,
    .probe = nbss_probe,
    .probe_window = NBSS_PROBE_LEN,
    .resync_keep = NBSS_PROBE_LEN - 1, /* a record start may straddle feeds */
    .dropped = nbss_dropped,
    .max_record = NBSS_HEADER_LEN + TW_SMB2_MAX_BUFFERED,
    .gap_exact = true,
    .deliver_truncated = true,
};

static void smb2_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                      gsize reported)
{
    SmbFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    tw_framer_feed(&f->dir[dir].framer, ctx, data, len);
}

static void smb2_gap(void *state, TwDissectCtx *ctx, int dir, guint64 len)
{
    SmbFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    SmbDir *d = &f->dir[dir];
    tw_count(ctx, "smb2.gaps", 1);
    if (!d->started) {
        /* Still judging the first bytes: start again after the gap. */
        tw_framer_reset(&d->framer, ctx);
    } else if (tw_framer_gap(&d->framer, ctx, len) == TW_FRAMER_GAP_ABSORBED) {
        return; /* the lost bytes were ones we would have skipped anyway */
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, f->pipes);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        SmbPipe *pp = v;
        tw_dcerpc_stream_gap(pp->rpc, ctx, dir);
    }
}

static bool smb2_probe(const guint8 *data, gsize len)
{
    return len >= 8 && looks_like_record_start(data);
}

static const guint16 smb2_ports[] = { 445, 139, 0 };

/* What the flow's tables hold (pending requests, trees, pipes and their
 * DCE/RPC streams), charged after each feed (tw_mem_charge).  The record
 * buffers are the framer's budget. */
static void smb2_feed_charged(void *state, TwDissectCtx *ctx, int dir, const guint8 *data,
                              gsize len, gsize reported)
{
    smb2_feed(state, ctx, dir, data, len, reported);
    SmbFlow *f = state;
    gsize held = sizeof *f +
                 g_hash_table_size(f->pending) * (sizeof(SmbPending) /* its key inside */ + 64) +
                 g_hash_table_size(f->trees) * (sizeof(SmbTree) + sizeof(SmbKey) + 64);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, f->pipes);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const SmbPipe *sp = v;
        held += sizeof *sp + sizeof(SmbKey) + 64 + (sp->rpc ? tw_dcerpc_stream_held(sp->rpc) : 0);
    }
    tw_mem_charge(ctx, (gint64)held - (gint64)f->charged);
    f->charged = held;
}

const TwAppParser tw_smb2_tcp_parser = {
    .name = "smb2",
    .ipproto = 6,
    .ports = smb2_ports,
    .probe = smb2_probe,
    .state_new = smb2_state_new,
    .state_free = smb2_state_free,
    .feed = smb2_feed_charged,
    .gap = smb2_gap,
};
