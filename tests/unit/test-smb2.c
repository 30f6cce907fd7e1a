/* test-smb2.c — NBSS + SMB2 built byte by byte from MS-SMB2 2.2: a whole
 * conversation (NEGOTIATE with a server clock sample, SESSION_SETUP carrying
 * NTLMSSP in SPNEGO with a LOGON_FAILURE then success, TREE_CONNECT to IPC$,
 * CREATE of \netlogon, WRITE of a DCE/RPC bind, an async READ answered
 * STATUS_PENDING then finally, a related compound IOCTL+CLOSE), fed whole,
 * split at every offset, one byte at a time, cut at every length and with
 * gaps; plus NBSS session-service messages (port 139), SMB1 / encrypted /
 * compressed records, a bad NextCommand and the pending-table cap. */
#include "dissectors/smb2/smb2.h"

#include "dissectors/gssapi/gssapi.h"

#include "tw-test.h"

#define SMB2_FLAGS_SERVER_TO_REDIR 0x1u
#define SMB2_FLAGS_ASYNC_COMMAND 0x2u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x4u

#define SESSION 0x0000100000000021ull
#define TREE 5u
#define T_UNIX_US G_GINT64_CONSTANT(1704164645123456)
#define T_FILETIME ((guint64)T_UNIX_US * 10 + G_GUINT64_CONSTANT(116444736000000000))

static const guint8 file_id[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0xa5, 0, 0, 0, 0, 0, 0, 0 };

/* ---- byte builders ---- */

static void putn(GByteArray *b, const void *p, gsize n) { g_byte_array_append(b, p, (guint)n); }
static void zeros(GByteArray *b, gsize n)
{
    for (gsize i = 0; i < n; i++)
        put8(b, 0);
}
static void set32(GByteArray *b, gsize at, guint32 v)
{
    for (int i = 0; i < 4; i++)
        b->data[at + i] = (guint8)(v >> (8 * i));
}
static GByteArray *utf16(const char *s)
{
    GByteArray *b = g_byte_array_new();
    for (; *s; s++)
        put16(b, (guint8)*s);
    return b;
}

/* MS-SMB2 2.2.1.1 (async) / 2.2.1.2 (sync) header. */
static GByteArray *hdr(guint16 cmd, guint32 flags, guint32 status, guint64 mid, guint32 tree,
                       guint64 async_id)
{
    GByteArray *b = g_byte_array_new();
    putn(b, "\xfeSMB", 4);
    put16(b, 64);
    put16(b, 1);
    put32(b, status);
    put16(b, cmd);
    put16(b, 1);
    put32(b, flags);
    put32(b, 0); /* NextCommand */
    put64(b, mid);
    if (flags & SMB2_FLAGS_ASYNC_COMMAND) {
        put64(b, async_id);
    } else {
        put32(b, 0xfeff);
        put32(b, tree);
    }
    put64(b, cmd == TW_SMB2_NEGOTIATE ? 0 : SESSION);
    zeros(b, 16);
    return b;
}

static GByteArray *nbss(GByteArray *smb)
{
    GByteArray *b = g_byte_array_new();
    put8(b, 0);
    put8(b, (guint8)(smb->len >> 16));
    put8(b, (guint8)(smb->len >> 8));
    put8(b, (guint8)smb->len);
    putn(b, smb->data, smb->len);
    g_byte_array_unref(smb);
    return b;
}

/* Chains messages (3.2.4.1.4): pads each but the last to 8 and sets NextCommand. */
static GByteArray *chain(GByteArray *a, GByteArray *b2)
{
    while (a->len % 8)
        put8(a, 0);
    set32(a, 20, a->len);
    putn(a, b2->data, b2->len);
    g_byte_array_unref(b2);
    return a;
}

static GByteArray *der(guint8 tag, GByteArray *content)
{
    GByteArray *b = g_byte_array_new();
    put8(b, tag);
    if (content->len < 128) {
        put8(b, (guint8)content->len);
    } else {
        put8(b, 0x82);
        put8(b, (guint8)(content->len >> 8));
        put8(b, (guint8)content->len);
    }
    putn(b, content->data, content->len);
    g_byte_array_unref(content);
    return b;
}

/* SPNEGO NegTokenResp { responseToken [2] OCTET STRING } around an NTLMSSP
 * AUTHENTICATE (MS-NLMP 2.2.1.3) for CORP\alice from WS01. */
static GByteArray *spnego_ntlm_auth(void)
{
    GByteArray *m = g_byte_array_new();
    putn(m, "NTLMSSP", 8);
    put32(m, 3);
    g_autoptr(GByteArray) d = utf16("CORP");
    g_autoptr(GByteArray) u = utf16("alice");
    g_autoptr(GByteArray) w = utf16("WS01");
    guint32 off = 8 + 4 + 6 * 8 + 4;
    guint16 lens[6] = { 0, 0, (guint16)d->len, (guint16)u->len, (guint16)w->len, 0 };
    for (int i = 0; i < 6; i++) {
        put16(m, lens[i]);
        put16(m, lens[i]);
        put32(m, off);
        off += lens[i];
    }
    put32(m, 0x00000001); /* UNICODE */
    putn(m, d->data, d->len);
    putn(m, u->data, u->len);
    putn(m, w->data, w->len);
    GByteArray *os = der(0x04, m);
    GByteArray *a2 = der(0xa2, os);
    GByteArray *seq = der(0x30, a2);
    return der(0xa1, seq);
}

/* C706 12.6.4.3 bind of NETLOGON (12345678-1234-abcd-ef00-01234567cffb v1) over NDR. */
static GByteArray *rpc_bind(void)
{
    static const guint8 nrpc[16] = { 0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
                                     0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0xcf, 0xfb };
    static const guint8 ndr[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };
    GByteArray *b = g_byte_array_new();
    put8(b, 5); put8(b, 0); put8(b, 11); put8(b, 3);
    put32(b, 0x10);
    put16(b, 72); put16(b, 0); put32(b, 1);
    put16(b, 4280); put16(b, 4280); put32(b, 0);
    put8(b, 1); zeros(b, 3);
    put16(b, 0); put8(b, 1); put8(b, 0);
    putn(b, nrpc, 16); put16(b, 1); put16(b, 0);
    putn(b, ndr, 16); put32(b, 2);
    g_assert_cmpuint(b->len, ==, 72);
    return b;
}

/* ---- the conversation ---- */

typedef struct {
    int dir;
    GByteArray *bytes; /* one NBSS record */
} Rec;

static GPtrArray *conversation(void)
{
    GPtrArray *recs = g_ptr_array_new();
#define ADD(d, b)                                                                                  \
    do {                                                                                           \
        Rec *r = g_new0(Rec, 1);                                                                   \
        r->dir = (d);                                                                              \
        r->bytes = nbss(b);                                                                        \
        g_ptr_array_add(recs, r);                                                                  \
    } while (0)
    /* NEGOTIATE (2.2.3 / 2.2.4) */
    GByteArray *m = hdr(TW_SMB2_NEGOTIATE, 0, 0, 0, 0, 0);
    put16(m, 36); put16(m, 2); put16(m, 1); put16(m, 0); put32(m, 0); zeros(m, 16); put64(m, 0);
    put16(m, 0x0202); put16(m, 0x0311);
    ADD(TW_DIR_REQ, m);
    m = hdr(TW_SMB2_NEGOTIATE, SMB2_FLAGS_SERVER_TO_REDIR, 0, 0, 0, 0);
    put16(m, 65); put16(m, 1); put16(m, 0x0311); put16(m, 0); zeros(m, 16); put32(m, 0);
    put32(m, 65536); put32(m, 65536); put32(m, 65536);
    put64(m, T_FILETIME); put64(m, 0);
    put16(m, 0); put16(m, 0); put32(m, 0);
    ADD(TW_DIR_RSP, m);
    /* SESSION_SETUP (2.2.5) answered LOGON_FAILURE (2.2.2 error body), then again SUCCESS */
    for (guint64 mid = 1; mid <= 2; mid++) {
        m = hdr(TW_SMB2_SESSION_SETUP, 0, 0, mid, 0, 0);
        GByteArray *blob = spnego_ntlm_auth();
        put16(m, 25); put8(m, 0); put8(m, 1); put32(m, 0); put32(m, 0);
        put16(m, 64 + 24); put16(m, (guint16)blob->len); put64(m, 0);
        putn(m, blob->data, blob->len);
        g_byte_array_unref(blob);
        ADD(TW_DIR_REQ, m);
        if (mid == 1) {
            m = hdr(TW_SMB2_SESSION_SETUP, SMB2_FLAGS_SERVER_TO_REDIR, 0xC000006D, mid, 0, 0);
            put16(m, 9); put8(m, 0); put8(m, 0); put32(m, 0); put8(m, 0);
        } else {
            m = hdr(TW_SMB2_SESSION_SETUP, SMB2_FLAGS_SERVER_TO_REDIR, 0, mid, 0, 0);
            put16(m, 9); put16(m, 0); put16(m, 0); put16(m, 0);
        }
        ADD(TW_DIR_RSP, m);
    }
    /* TREE_CONNECT \\DC1\IPC$ (2.2.9 / 2.2.10) */
    m = hdr(TW_SMB2_TREE_CONNECT, 0, 0, 3, 0, 0);
    g_autoptr(GByteArray) path = utf16("\\\\DC1\\IPC$");
    put16(m, 9); put16(m, 0); put16(m, 72); put16(m, (guint16)path->len);
    putn(m, path->data, path->len);
    ADD(TW_DIR_REQ, m);
    m = hdr(TW_SMB2_TREE_CONNECT, SMB2_FLAGS_SERVER_TO_REDIR, 0, 3, TREE, 0);
    put16(m, 16); put8(m, 2); put8(m, 0); put32(m, 0); put32(m, 0); put32(m, 0x1f01ff);
    ADD(TW_DIR_RSP, m);
    /* CREATE netlogon (2.2.13 / 2.2.14) */
    m = hdr(TW_SMB2_CREATE, 0, 0, 4, TREE, 0);
    g_autoptr(GByteArray) name = utf16("netlogon");
    put16(m, 57); put8(m, 0); put8(m, 0); put32(m, 2); put64(m, 0); put64(m, 0);
    put32(m, 0x12019f); put32(m, 0); put32(m, 7); put32(m, 1); put32(m, 0);
    put16(m, 120); put16(m, (guint16)name->len); put32(m, 0); put32(m, 0);
    putn(m, name->data, name->len);
    ADD(TW_DIR_REQ, m);
    m = hdr(TW_SMB2_CREATE, SMB2_FLAGS_SERVER_TO_REDIR, 0, 4, TREE, 0);
    put16(m, 89); put8(m, 0); put8(m, 0); put32(m, 1); zeros(m, 48); put32(m, 0x80); put32(m, 0);
    putn(m, file_id, 16); put32(m, 0); put32(m, 0);
    ADD(TW_DIR_RSP, m);
    /* WRITE a DCE/RPC bind (2.2.21 / 2.2.22) */
    m = hdr(TW_SMB2_WRITE, 0, 0, 5, TREE, 0);
    GByteArray *bind = rpc_bind();
    put16(m, 49); put16(m, 64 + 48); put32(m, bind->len); put64(m, 0); putn(m, file_id, 16);
    put32(m, 0); put32(m, 0); put16(m, 0); put16(m, 0); put32(m, 0);
    putn(m, bind->data, bind->len);
    g_byte_array_unref(bind);
    ADD(TW_DIR_REQ, m);
    m = hdr(TW_SMB2_WRITE, SMB2_FLAGS_SERVER_TO_REDIR, 0, 5, TREE, 0);
    put16(m, 17); put16(m, 0); put32(m, 72); put32(m, 0); put16(m, 0); put16(m, 0);
    ADD(TW_DIR_RSP, m);
    /* READ (2.2.19) answered async: interim STATUS_PENDING, then the final response */
    m = hdr(TW_SMB2_READ, 0, 0, 6, TREE, 0);
    put16(m, 49); put8(m, 0); put8(m, 0); put32(m, 1024); put64(m, 0); putn(m, file_id, 16);
    put32(m, 0); put32(m, 0); put32(m, 0); put16(m, 0); put16(m, 0); put8(m, 0);
    ADD(TW_DIR_REQ, m);
    m = hdr(TW_SMB2_READ, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND, 0x103, 6, 0, 0x77);
    put16(m, 9); put8(m, 0); put8(m, 0); put32(m, 0); put8(m, 0);
    ADD(TW_DIR_RSP, m);
    m = hdr(TW_SMB2_READ, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND, 0, 6, 0, 0x77);
    put16(m, 17); put8(m, 80); put8(m, 0); put32(m, 4); put32(m, 0); put32(m, 0);
    putn(m, "\x05\x00\x0c\x03", 4);
    ADD(TW_DIR_RSP, m);
    /* Related compound: IOCTL FSCTL_PIPE_TRANSCEIVE + CLOSE with FileId all-ones */
    GByteArray *io = hdr(TW_SMB2_IOCTL, 0, 0, 7, TREE, 0);
    put16(io, 57); put16(io, 0); put32(io, TW_SMB2_FSCTL_PIPE_TRANSCEIVE); putn(io, file_id, 16);
    put32(io, 120); put32(io, 4); put32(io, 0); put32(io, 0); put32(io, 0); put32(io, 1024);
    put32(io, 1); put32(io, 0);
    putn(io, "\x05\x00\x00\x03", 4);
    GByteArray *cl = hdr(TW_SMB2_CLOSE, SMB2_FLAGS_RELATED_OPERATIONS, 0, 8, TREE, 0);
    put16(cl, 24); put16(cl, 0); put32(cl, 0);
    static const guint8 all_ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    putn(cl, all_ones, 16);
    ADD(TW_DIR_REQ, chain(io, cl));
    io = hdr(TW_SMB2_IOCTL, SMB2_FLAGS_SERVER_TO_REDIR, 0x80000005, 7, TREE, 0);
    put16(io, 49); put16(io, 0); put32(io, TW_SMB2_FSCTL_PIPE_TRANSCEIVE); putn(io, file_id, 16);
    put32(io, 112); put32(io, 0); put32(io, 112); put32(io, 4); put32(io, 0); put32(io, 0);
    putn(io, "\x05\x00\x02\x03", 4);
    cl = hdr(TW_SMB2_CLOSE, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_RELATED_OPERATIONS, 0, 8,
             TREE, 0);
    put16(cl, 60); put16(cl, 0); put32(cl, 0); zeros(cl, 52);
    ADD(TW_DIR_RSP, chain(io, cl));
#undef ADD
    return recs;
}

static void recs_free(GPtrArray *recs)
{
    for (guint i = 0; i < recs->len; i++) {
        Rec *r = recs->pdata[i];
        g_byte_array_unref(r->bytes);
        g_free(r);
    }
    g_ptr_array_unref(recs);
}

/* ---- running the parser ---- */

static GPtrArray *events;
static TwPacketInfo pi = { .frame = 1, .ts_us = 1000, .transport = "tcp" };
static GHashTable *counters;
static TwDissectCtx ctx = { .pi = &pi };

static void collect(TwEvent *ev, void *user)
{
    (void)user;
    g_ptr_array_add(events, ev);
}

static void *start(void)
{
    if (events)
        g_ptr_array_unref(events);
    events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    if (counters)
        g_hash_table_destroy(counters);
    counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    ctx.emit = collect;
    ctx.counters = counters;
    pi.frame = 1;
    return tw_smb2_tcp_parser.state_new();
}

static void feed(void *st, int dir, const guint8 *p, gsize n)
{
    tw_smb2_tcp_parser.feed(st, &ctx, dir, p, n, n);
    pi.frame++;
    pi.ts_us += 10;
}

static guint64 counter(const char *name)
{
    guint64 *v = g_hash_table_lookup(counters, g_intern_string(name));
    return v ? *v : 0;
}

static GPtrArray *of_proto(const char *proto)
{
    GPtrArray *a = g_ptr_array_new();
    for (guint i = 0; i < events->len; i++)
        if (strcmp(((TwEvent *)events->pdata[i])->proto, proto) == 0)
            g_ptr_array_add(a, events->pdata[i]);
    return a;
}

/* "COMMAND/status" of every smb2 event, for comparing runs. */
static char *smb2_summary(void)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < events->len; i++) {
        const TwEvent *ev = events->pdata[i];
        if (strcmp(ev->proto, "smb2") == 0 || strcmp(ev->proto, "ntlmssp") == 0)
            g_string_append_printf(s, "%s:%s/%s;", ev->proto,
                                   tw_event_get_str(ev, "command") ? tw_event_get_str(ev, "command")
                                                                   : tw_event_get_str(ev, "ntlmssp_type"),
                                   tw_event_get_str(ev, "nt_status") ? tw_event_get_str(ev, "nt_status") : "");
    }
    return g_string_free(s, FALSE);
}

static void feed_all(void *st, GPtrArray *recs)
{
    for (guint i = 0; i < recs->len; i++) {
        Rec *r = recs->pdata[i];
        feed(st, r->dir, r->bytes->data, r->bytes->len);
    }
}

static void test_conversation(void)
{
    GPtrArray *recs = conversation();
    void *st = start();
    feed_all(st, recs);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 10);
    const TwEvent *neg = smb->pdata[0];
    g_assert_cmpstr(tw_event_get_str(neg, "command"), ==, "NEGOTIATE");
    g_assert_cmpstr(tw_event_get_str(neg, "dialect"), ==, "0x0311");
    g_assert_cmpstr(tw_event_get_str(neg, "dialect_name"), ==, "SMB 3.1.1");
    g_assert_cmpstr(tw_event_get_str(neg, "client_dialects"), ==, "0x0202,0x0311");
    g_assert_cmpint(tw_event_get_int(neg, "server_time_us", 0), ==, T_UNIX_US);
    g_assert_cmpstr(tw_event_get_str(neg, "server_time"), ==, "2024-01-02T03:04:05.123456Z");
    g_assert_cmpint(tw_event_get_int(neg, "request_frame", 0), ==, 1);
    g_assert_cmpint(neg->frame, ==, 2);

    const TwEvent *ss1 = smb->pdata[1];
    g_assert_cmpstr(tw_event_get_str(ss1, "command"), ==, "SESSION_SETUP");
    g_assert_cmpstr(tw_event_get_str(ss1, "nt_status"), ==, "0xc000006d");
    g_assert_cmpstr(tw_event_get_str(ss1, "nt_status_name"), ==, "STATUS_LOGON_FAILURE");
    g_assert_cmpstr(tw_event_get_str(ss1, "session_id"), ==, "0x0000100000000021");
    g_assert_cmpstr(tw_event_get_str(ss1, "user"), ==, "alice");
    g_assert_cmpstr(tw_event_get_str(ss1, "domain"), ==, "CORP");
    g_assert_cmpstr(tw_event_get_str(ss1, "workstation"), ==, "WS01");
    g_assert_cmpstr(tw_event_get_str(ss1, "auth"), ==, "ntlmssp");
    g_assert_cmpstr(tw_event_get_str(smb->pdata[2], "nt_status_name"), ==, "STATUS_SUCCESS");

    g_autoptr(GPtrArray) ntlm = of_proto("ntlmssp");
    g_assert_cmpuint(ntlm->len, ==, 2);
    g_assert_cmpstr(((TwEvent *)ntlm->pdata[0])->transport, ==, "smb2");
    g_assert_cmpstr(tw_event_get_str(ntlm->pdata[0], "session_id"), ==, "0x0000100000000021");

    const TwEvent *tc = smb->pdata[3];
    g_assert_cmpstr(tw_event_get_str(tc, "command"), ==, "TREE_CONNECT");
    g_assert_cmpstr(tw_event_get_str(tc, "path"), ==, "\\\\DC1\\IPC$");
    g_assert_cmpint(tw_event_get_int(tc, "share_type", 0), ==, 2);

    const TwEvent *cr = smb->pdata[4];
    g_assert_cmpstr(tw_event_get_str(cr, "command"), ==, "CREATE");
    g_assert_cmpstr(tw_event_get_str(cr, "name"), ==, "netlogon");
    g_assert_cmpstr(tw_event_get_str(cr, "pipe"), ==, "netlogon");

    g_assert_cmpstr(tw_event_get_str(smb->pdata[5], "command"), ==, "WRITE");
    g_assert_cmpstr(tw_event_get_str(smb->pdata[5], "pipe"), ==, "netlogon");

    const TwEvent *interim = smb->pdata[6], *final = smb->pdata[7];
    g_assert_cmpstr(tw_event_get_str(interim, "nt_status_name"), ==, "STATUS_PENDING");
    g_assert_true(tw_event_get_bool(interim, "interim", false));
    g_assert_cmpstr(tw_event_get_str(interim, "async_id"), ==, "0x0000000000000077");
    g_assert_cmpstr(tw_event_get_str(final, "nt_status_name"), ==, "STATUS_SUCCESS");
    g_assert_false(tw_event_has(final, "interim"));
    g_assert_cmpint(tw_event_get_int(final, "request_frame", 0), ==,
                    tw_event_get_int(interim, "request_frame", -1));
    g_assert_cmpint(tw_event_get_int(final, "data_length", 0), ==, 4);

    const TwEvent *io = smb->pdata[8], *cl = smb->pdata[9];
    g_assert_cmpuint(io->frame, ==, cl->frame); /* one compound frame */
    g_assert_cmpstr(tw_event_get_str(io, "command"), ==, "IOCTL");
    g_assert_cmpstr(tw_event_get_str(io, "nt_status_name"), ==, "STATUS_BUFFER_OVERFLOW");
    g_assert_cmpstr(tw_event_get_str(io, "ctl_code"), ==, "0x0011c017");
    g_assert_cmpstr(tw_event_get_str(io, "pipe"), ==, "netlogon");
    g_assert_cmpstr(tw_event_get_str(cl, "command"), ==, "CLOSE");
    g_assert_cmpstr(tw_event_get_str(cl, "pipe"), ==, "netlogon"); /* all-ones FileId resolved */

    /* The WRITE went to the DCE/RPC stream of the pipe. */
    g_assert_cmpuint(counter("smb2.pipes_opened"), ==, 1);
    g_assert_cmpuint(counter("smb2.pipe_bytes"), ==, 72 + 4 + 4 + 4);
    g_autoptr(GPtrArray) rpc = of_proto("dcerpc");
    g_assert_cmpuint(rpc->len, >=, 1);
    g_assert_cmpstr(((TwEvent *)rpc->pdata[0])->transport, ==, "smb2");
    g_assert_cmpuint(counter("smb2.requests"), ==, 9);
    g_assert_cmpuint(counter("smb2.responses"), ==, 10);
    g_assert_cmpuint(counter("anomaly.malformed"), ==, 0);

    tw_smb2_tcp_parser.state_free(st);
    recs_free(recs);
}

/* Both directions as two byte streams. */
static void streams(GPtrArray *recs, GByteArray **req, GByteArray **rsp)
{
    *req = g_byte_array_new();
    *rsp = g_byte_array_new();
    for (guint i = 0; i < recs->len; i++) {
        Rec *r = recs->pdata[i];
        putn(r->dir == TW_DIR_REQ ? *req : *rsp, r->bytes->data, r->bytes->len);
    }
}

static char *run_split(GByteArray *req, GByteArray *rsp, gsize split)
{
    void *st = start();
    gsize a = MIN(split, req->len), b = MIN(split, rsp->len);
    feed(st, TW_DIR_REQ, req->data, a);
    feed(st, TW_DIR_REQ, req->data + a, req->len - a);
    feed(st, TW_DIR_RSP, rsp->data, b);
    feed(st, TW_DIR_RSP, rsp->data + b, rsp->len - b);
    tw_smb2_tcp_parser.state_free(st);
    return smb2_summary();
}

static void test_split_everywhere(void)
{
    GPtrArray *recs = conversation();
    GByteArray *req, *rsp;
    streams(recs, &req, &rsp);
    g_autofree char *want = run_split(req, rsp, 0);
    g_assert_true(strstr(want, "smb2:CLOSE/0x00000000;") != NULL);
    gsize maxlen = MAX(req->len, rsp->len);
    for (gsize split = 1; split <= maxlen; split++) {
        g_autofree char *got = run_split(req, rsp, split);
        g_assert_cmpstr(got, ==, want);
    }
    /* One byte at a time. */
    void *st = start();
    for (gsize i = 0; i < req->len; i++)
        feed(st, TW_DIR_REQ, req->data + i, 1);
    for (gsize i = 0; i < rsp->len; i++)
        feed(st, TW_DIR_RSP, rsp->data + i, 1);
    tw_smb2_tcp_parser.state_free(st);
    g_autofree char *bytewise = smb2_summary();
    g_assert_cmpstr(bytewise, ==, want);
    g_byte_array_unref(req);
    g_byte_array_unref(rsp);
    recs_free(recs);
}

/* Every prefix of the response stream, then a gap for the rest: never a
 * crash; the count of smb2 events never decreases as the prefix grows, and
 * a response cut inside its body still yields its status (as tshark does). */
static void test_cut_everywhere(void)
{
    GPtrArray *recs = conversation();
    GByteArray *req, *rsp;
    streams(recs, &req, &rsp);
    guint last = 0;
    for (gsize n = 0; n <= rsp->len; n++) {
        void *st = start();
        feed(st, TW_DIR_REQ, req->data, req->len);
        if (n)
            feed(st, TW_DIR_RSP, rsp->data, n);
        if (n < rsp->len)
            tw_smb2_tcp_parser.gap(st, &ctx, TW_DIR_RSP, rsp->len - n);
        tw_smb2_tcp_parser.state_free(st);
        g_autoptr(GPtrArray) smb = of_proto("smb2");
        g_assert_cmpuint(smb->len, >=, last);
        last = smb->len;
    }
    g_assert_cmpuint(last, ==, 10);
    /* Cut 10 bytes into the body of the first response: the header is whole. */
    void *st = start();
    feed(st, TW_DIR_REQ, req->data, req->len);
    feed(st, TW_DIR_RSP, rsp->data, 4 + 64 + 10);
    tw_smb2_tcp_parser.gap(st, &ctx, TW_DIR_RSP, rsp->len - (4 + 64 + 10));
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 1);
    g_assert_cmpstr(tw_event_get_str(smb->pdata[0], "command"), ==, "NEGOTIATE");
    g_assert_cmpstr(tw_event_get_str(smb->pdata[0], "decode_status"), ==, "truncated");
    g_byte_array_unref(req);
    g_byte_array_unref(rsp);
    recs_free(recs);
}

/* A gap covering whole records: framing continues after it (exact length)
 * and a gap mid-header forces a resync on the next record start. */
static void test_gaps(void)
{
    GPtrArray *recs = conversation();
    GByteArray *req, *rsp;
    streams(recs, &req, &rsp);
    /* Response records: NEGOTIATE, SS fail, SS ok, TC, CREATE, … */
    gsize r0 = ((Rec *)recs->pdata[1])->bytes->len, r1 = ((Rec *)recs->pdata[3])->bytes->len;
    void *st = start();
    feed(st, TW_DIR_REQ, req->data, req->len);
    feed(st, TW_DIR_RSP, rsp->data, r0);
    tw_smb2_tcp_parser.gap(st, &ctx, TW_DIR_RSP, r1); /* the LOGON_FAILURE is lost */
    feed(st, TW_DIR_RSP, rsp->data + r0 + r1, rsp->len - r0 - r1);
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 9);
    g_assert_cmpstr(tw_event_get_str(smb->pdata[1], "nt_status_name"), ==, "STATUS_SUCCESS");
    /* Gap of 2 bytes inside the 4-byte NBSS header of the second record:
     * that record is lost, the third one (found by its header) is not. */
    st = start();
    feed(st, TW_DIR_REQ, req->data, req->len);
    feed(st, TW_DIR_RSP, rsp->data, r0 + 2);
    tw_smb2_tcp_parser.gap(st, &ctx, TW_DIR_RSP, 2);
    feed(st, TW_DIR_RSP, rsp->data + r0 + 4, r1 - 4);
    feed(st, TW_DIR_RSP, rsp->data + r0 + r1, rsp->len - r0 - r1);
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb2 = of_proto("smb2");
    g_assert_cmpuint(smb2->len, ==, 9);
    g_byte_array_unref(req);
    g_byte_array_unref(rsp);
    recs_free(recs);
}

/* Capture starting mid-stream: a TCP keep-alive probe byte (0x00) then a
 * whole record; and garbage whose last bytes begin a record that continues
 * in the next chunk.  Both records must be found. */
static void test_midstream_start(void)
{
    GPtrArray *recs = conversation();
    Rec *neg_rsp = recs->pdata[1];
    void *st = start();
    static const guint8 probe_byte[1] = { 0x00 };
    feed(st, TW_DIR_RSP, probe_byte, 1);
    feed(st, TW_DIR_RSP, neg_rsp->bytes->data, neg_rsp->bytes->len);
    g_autoptr(GPtrArray) a = of_proto("smb2");
    g_assert_cmpuint(a->len, ==, 1);
    g_assert_cmpstr(tw_event_get_str(a->pdata[0], "command"), ==, "NEGOTIATE");
    tw_smb2_tcp_parser.state_free(st);

    st = start();
    GByteArray *junk = g_byte_array_new();
    putn(junk, "garbage-garbage-", 16);
    putn(junk, neg_rsp->bytes->data, 5); /* the record starts 5 bytes before the chunk ends */
    feed(st, TW_DIR_RSP, junk->data, junk->len);
    feed(st, TW_DIR_RSP, neg_rsp->bytes->data + 5, neg_rsp->bytes->len - 5);
    g_autoptr(GPtrArray) b = of_proto("smb2");
    g_assert_cmpuint(b->len, ==, 1);
    g_assert_cmpuint(counter("smb2.midstream_start"), ==, 1);
    tw_smb2_tcp_parser.state_free(st);
    g_byte_array_unref(junk);

    /* TREE_CONNECT not captured: the CREATE of a well-known pipe name still
     * registers the pipe. */
    st = start();
    for (guint i = 0; i < recs->len; i++)
        if (i != 6 && i != 7) {
            Rec *r = recs->pdata[i];
            feed(st, r->dir, r->bytes->data, r->bytes->len);
        }
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) c = of_proto("smb2");
    g_assert_cmpuint(c->len, ==, 9);
    g_assert_cmpstr(tw_event_get_str(c->pdata[3], "command"), ==, "CREATE");
    g_assert_cmpstr(tw_event_get_str(c->pdata[3], "pipe"), ==, "netlogon");
    g_assert_cmpuint(counter("smb2.pipes_opened"), ==, 1);
    recs_free(recs);
}

static void test_nbss_session_service(void)
{
    /* RFC 1002 4.3.2 session request (0x81, 68 bytes of names), 4.3.3
     * positive response (0x82), 4.3.7 keepalive (0x85), then SMB2. */
    GPtrArray *recs = conversation();
    void *st = start();
    GByteArray *pre = g_byte_array_new();
    put8(pre, 0x81); put8(pre, 0); put16(pre, 0x4400); zeros(pre, 68);
    put8(pre, 0x85); put8(pre, 0); put16(pre, 0);
    feed(st, TW_DIR_REQ, pre->data, pre->len);
    static const guint8 pos[4] = { 0x82, 0, 0, 0 };
    feed(st, TW_DIR_RSP, pos, 4);
    feed_all(st, recs);
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 10);
    g_assert_cmpuint(counter("nbss.session_service_messages"), ==, 3);
    g_byte_array_unref(pre);
    recs_free(recs);
}

static void test_other_smb(void)
{
    void *st = start();
    /* SMB1 NEGOTIATE (MS-CIFS 2.2.4.52), twice: one event, two counts. */
    GByteArray *s1 = g_byte_array_new();
    putn(s1, "\xffSMB\x72", 5);
    zeros(s1, 30);
    GByteArray *r = nbss(s1);
    feed(st, TW_DIR_REQ, r->data, r->len);
    feed(st, TW_DIR_REQ, r->data, r->len);
    g_byte_array_unref(r);
    /* SMB1 SESSION_SETUP_ANDX with extended security (MS-SMB 2.2.4.6.1)
     * carrying a raw NTLMSSP NEGOTIATE: an ntlmssp event, transport "smb". */
    GByteArray *ss = g_byte_array_new();
    putn(ss, "\xffSMB\x73", 5);
    put32(ss, 0); put8(ss, 0x18); put16(ss, 0xc807); put16(ss, 0); zeros(ss, 8); put16(ss, 0);
    put16(ss, 0); put16(ss, 0xfeff); put16(ss, 0x0800); put16(ss, 1);
    static const guint8 ntlm_neg[16] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0,
                                         0x01, 0x00, 0x00, 0x00 };
    put8(ss, 12);
    put8(ss, 0xff); put8(ss, 0); put16(ss, 0); put16(ss, 4356); put16(ss, 50); put16(ss, 0);
    put32(ss, 0); put16(ss, sizeof ntlm_neg); put32(ss, 0); put32(ss, 0x80000000);
    put16(ss, sizeof ntlm_neg);
    putn(ss, ntlm_neg, sizeof ntlm_neg);
    r = nbss(ss);
    feed(st, TW_DIR_REQ, r->data, r->len);
    g_byte_array_unref(r);
    g_autoptr(GPtrArray) ntlm = of_proto("ntlmssp");
    g_assert_cmpuint(ntlm->len, ==, 1);
    g_assert_cmpstr(((TwEvent *)ntlm->pdata[0])->transport, ==, "smb");
    g_assert_cmpstr(tw_event_get_str(ntlm->pdata[0], "session_id"), ==, "0x0000000000000800");
    /* SMB3 TRANSFORM_HEADER (2.2.41) with SessionId at offset 44. */
    GByteArray *tf = g_byte_array_new();
    putn(tf, "\xfdSMB", 4);
    zeros(tf, 16 + 16);
    put32(tf, 100); put16(tf, 0); put16(tf, 1); put64(tf, SESSION);
    zeros(tf, 100);
    r = nbss(tf);
    feed(st, TW_DIR_RSP, r->data, r->len);
    g_byte_array_unref(r);
    GByteArray *cz = g_byte_array_new();
    putn(cz, "\xfcSMB", 4);
    zeros(cz, 12);
    r = nbss(cz);
    feed(st, TW_DIR_RSP, r->data, r->len);
    g_byte_array_unref(r);
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb1 = of_proto("smb");
    g_assert_cmpuint(smb1->len, ==, 1);
    g_assert_true(tw_event_get_bool(smb1->pdata[0], "smb1", false));
    g_assert_cmpint(tw_event_get_int(smb1->pdata[0], "smb1_command", 0), ==, 0x72);
    g_assert_cmpuint(counter("smb.smb1_messages"), ==, 3);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 2);
    g_assert_true(tw_event_get_bool(smb->pdata[0], "encrypted", false));
    g_assert_cmpstr(tw_event_get_str(smb->pdata[0], "session_id"), ==, "0x0000100000000021");
    g_assert_true(tw_event_get_bool(smb->pdata[1], "compressed", false));
}

static void test_bad_chain_and_caps(void)
{
    void *st = start();
    GByteArray *m = hdr(TW_SMB2_ECHO, SMB2_FLAGS_SERVER_TO_REDIR, 0, 1, 0, 0);
    put16(m, 4); put16(m, 0);
    set32(m, 20, 12); /* NextCommand 12: below the header size, not 8-aligned */
    GByteArray *r = nbss(m);
    feed(st, TW_DIR_RSP, r->data, r->len);
    g_byte_array_unref(r);
    g_assert_cmpuint(counter("anomaly.malformed"), ==, 1);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 1); /* the first message is still reported */
    /* Unanswered requests beyond the cap: one limit anomaly, bounded memory. */
    for (guint64 mid = 0; mid < TW_SMB2_MAX_PENDING + 10; mid++) {
        GByteArray *e = hdr(TW_SMB2_ECHO, 0, 0, 100 + mid, 0, 0);
        put16(e, 4); put16(e, 0);
        GByteArray *rr = nbss(e);
        feed(st, TW_DIR_REQ, rr->data, rr->len);
        g_byte_array_unref(rr);
    }
    g_assert_cmpuint(counter("anomaly.limit"), ==, 1);
    /* A 16 MiB record: only TW_SMB2_MAX_BUFFERED bytes are held, the rest
     * is passed over (it carries a header we do not understand). */
    GByteArray *big = g_byte_array_new();
    putn(big, "\x00\xff\xff\xff\xfeSMB", 8);
    zeros(big, 1 << 20);
    guint before = events->len;
    feed(st, TW_DIR_RSP, big->data, big->len);
    g_assert_cmpuint(counter("smb2.records_over_buffer_cap"), ==, 1);
    g_assert_cmpuint(events->len, ==, before + 1); /* one "StructureSize 0" anomaly */
    g_byte_array_unref(big);
    tw_smb2_tcp_parser.state_free(st);
}

/* A MessageId sent again before its response (a hostile or broken client):
 * the later request replaces the earlier, the response pairs with it, and
 * the MessageId is free again after it. */
static void test_message_id_reused(void)
{
    void *st = start();
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 2; k++) {
            GByteArray *e = hdr(TW_SMB2_ECHO, 0, 0, 7, 0, 0);
            put16(e, 4); put16(e, 0);
            GByteArray *r = nbss(e);
            feed(st, TW_DIR_REQ, r->data, r->len); /* frames 1, 2 (round 0); 4, 5 */
            g_byte_array_unref(r);
        }
        GByteArray *e = hdr(TW_SMB2_ECHO, SMB2_FLAGS_SERVER_TO_REDIR, 0, 7, 0, 0);
        put16(e, 4); put16(e, 0);
        GByteArray *r = nbss(e);
        feed(st, TW_DIR_RSP, r->data, r->len);
        g_byte_array_unref(r);
        g_autoptr(GPtrArray) smb = of_proto("smb2");
        g_assert_cmpuint(smb->len, ==, (guint)round + 1);
        const TwEvent *ev = smb->pdata[round];
        g_assert_cmpint(tw_event_get_int(ev, "request_frame", 0), ==, 2 + 3 * round);
    }
    /* No request left: a further response is unpaired. */
    GByteArray *e = hdr(TW_SMB2_ECHO, SMB2_FLAGS_SERVER_TO_REDIR, 0, 7, 0, 0);
    put16(e, 4); put16(e, 0);
    GByteArray *r = nbss(e);
    feed(st, TW_DIR_RSP, r->data, r->len);
    g_byte_array_unref(r);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    g_assert_cmpuint(smb->len, ==, 3);
    g_assert_false(tw_event_has(smb->pdata[2], "request_frame"));
    tw_smb2_tcp_parser.state_free(st);
}

static void test_teaching_tree(void)
{
    GPtrArray *recs = conversation();
    void *st = start();
    ctx.want_tree = true;
    feed_all(st, recs);
    ctx.want_tree = false;
    tw_smb2_tcp_parser.state_free(st);
    g_autoptr(GPtrArray) smb = of_proto("smb2");
    const TwEvent *ss1 = smb->pdata[1];
    g_assert_nonnull(ss1->tree);
    bool found = false;
    for (guint i = 0; i < ss1->tree->len; i++) {
        const TwTreeNode *n = ss1->tree->pdata[i];
        if (strcmp(n->name, "Status") == 0) {
            g_assert_cmpstr(n->value, ==, "0xc000006d STATUS_LOGON_FAILURE");
            g_assert_nonnull(n->note);
            g_assert_nonnull(strstr(n->note, "wrong password"));
            found = true;
        }
    }
    g_assert_true(found);
    g_autoptr(GPtrArray) ntlm = of_proto("ntlmssp");
    g_assert_nonnull(((TwEvent *)ntlm->pdata[0])->tree);
    recs_free(recs);
}

static void test_names(void)
{
    g_assert_cmpstr(tw_smb2_command_name(TW_SMB2_OPLOCK_BREAK), ==, "OPLOCK_BREAK");
    g_assert_null(tw_smb2_command_name(0x13));
    g_assert_cmpstr(tw_smb2_dialect_name(0x0210), ==, "SMB 2.1");
    g_assert_null(tw_smb2_dialect_name(0x0400));
    g_assert_true(tw_smb2_tcp_parser.probe((const guint8 *)"\0\0\0\x40\xfeSMB", 8));
    g_assert_false(tw_smb2_tcp_parser.probe((const guint8 *)"\0\0\0\x40\xfeSMC", 8));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smb2/conversation", test_conversation);
    g_test_add_func("/smb2/split-everywhere", test_split_everywhere);
    g_test_add_func("/smb2/cut-everywhere", test_cut_everywhere);
    g_test_add_func("/smb2/gaps", test_gaps);
    g_test_add_func("/smb2/midstream-start", test_midstream_start);
    g_test_add_func("/smb2/nbss-session-service", test_nbss_session_service);
    g_test_add_func("/smb2/other-smb", test_other_smb);
    g_test_add_func("/smb2/bad-chain-and-caps", test_bad_chain_and_caps);
    g_test_add_func("/smb2/message-id-reused", test_message_id_reused);
    g_test_add_func("/smb2/teaching-tree", test_teaching_tree);
    g_test_add_func("/smb2/names", test_names);
    int rc = g_test_run();
    if (events)
        g_ptr_array_unref(events);
    if (counters)
        g_hash_table_destroy(counters);
    return rc;
}
