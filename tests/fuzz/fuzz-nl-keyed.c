/* fuzz-nl-keyed.c — NETLOGON with keys: the decrypt and unseal paths on
 * garbage.  A fixed, valid channel is set up first (the lab exchange of
 * tests/unit/test-nl-session.c, made to succeed, key from --password), then
 * the input, by its first byte:
 *   0: [u8 n][n signature bytes][ciphertext] through tw_nl_sig_parse,
 *      tw_nl_sig_sequence and tw_nl_unseal directly (any lengths);
 *   1: the same as one sealed request PDU on a schannel connection of WS01
 *      (opnum = the byte after n), through DCE/RPC and the dissector;
 *   2: the rest as raw client bytes, then raw server bytes split at the
 *      next byte, on the authenticated connection (PasswordSet2, sealed
 *      calls, authenticators, anything);
 *   3: a NetrServerPasswordSet2 whose 516-byte ClearNewPassword and
 *      authenticator come from the input (zero-padded).
 * Invariant: no crash or sanitizer report, every event valid (fuzz-stream.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dcerpc/dcerpc.h"
#include "dissectors/netlogon/nl-crypto.h"
#include "dissectors/netlogon/nl-session.h"
#include "keys/keystore.h"
#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *bind_ndr20 =
    "05000b03100000004800000001000000b810b810000000000100000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b10486002000000";
static const char *wire[4] = {
    "05000003100000003a000000010000002200000000000400000000000500000000000000050000005700530030003100000078ab5aac5b5e6556",
    "050002031000000024000000010000000c0000000000000022cbbe6784fcec5e00000000",
    "05000003100000005c000000020000004400000000001a00000000000600000000000000060000005700530030003100240000000200abab0500000000000000050000005700530030003100000080055d6b266ffd62bfbfffff2f61",
    "05000203100000002c0000000200000014000000000000000000000000000000ffff2f6100000000220000c0",
};

static GByteArray *unhex(const char *h)
{
    GByteArray *b = g_byte_array_new();
    for (; h[0] && h[1]; h += 2) {
        guint8 v = (guint8)((g_ascii_xdigit_value(h[0]) << 4) | g_ascii_xdigit_value(h[1]));
        g_byte_array_append(b, &v, 1);
    }
    return b;
}

typedef struct {
    TwPacketInfo pi;
    TwDissectCtx ctx;
} Fz;

static void feed(Fz *f, TwDcerpcStream *s, int dir, const guint8 *p, gsize n)
{
    f->pi.frame++;
    g_strlcpy(f->pi.src, dir == TW_DIR_REQ ? "10.77.0.21" : "10.77.0.10", sizeof f->pi.src);
    g_strlcpy(f->pi.dst, dir == TW_DIR_REQ ? "10.77.0.10" : "10.77.0.21", sizeof f->pi.dst);
    guint8 *copy = n ? g_memdup2(p, n) : g_malloc0(1);
    tw_dcerpc_stream_feed(s, &f->ctx, dir, copy, n);
    g_free(copy);
}

static void setup(Fz *f, TwDcerpcStream *s)
{
    GByteArray *b = unhex(bind_ndr20);
    feed(f, s, TW_DIR_REQ, b->data, b->len);
    g_byte_array_free(b, TRUE);
    for (int i = 0; i < 4; i++) {
        b = unhex(wire[i]);
        if (i == 3) {
            GByteArray *cred = unhex("da8ba6fe27a20cfc");
            memcpy(b->data + 24, cred->data, 8);
            memset(b->data + b->len - 4, 0, 4);
            g_byte_array_free(cred, TRUE);
        }
        feed(f, s, i % 2 ? TW_DIR_RSP : TW_DIR_REQ, b->data, b->len);
        g_byte_array_free(b, TRUE);
    }
}

static void put16(GByteArray *b, guint16 v)
{
    guint8 x[2] = { v & 0xff, v >> 8 };
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, guint32 v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

static void put_wstr(GByteArray *b, const char *s)
{
    guint32 n = (guint32)strlen(s) + 1;
    put32(b, n);
    put32(b, 0);
    put32(b, n);
    for (guint32 i = 0; i < n; i++)
        put16(b, (guint8)s[i]);
    if (b->len % 4)
        put16(b, 0);
}

static GByteArray *request(guint32 call_id, guint16 opnum, const guint8 *stub, gsize stub_len,
                           const guint8 *sig, gsize sig_len)
{
    GByteArray *p = g_byte_array_new();
    guint8 hd[24] = { 5, 0, 0, 3, 0x10, 0, 0, 0 };
    gsize fl = 24 + stub_len + (sig ? 8 + sig_len : 0);
    hd[8] = (guint8)fl;
    hd[9] = (guint8)(fl >> 8);
    hd[10] = (guint8)(sig ? sig_len : 0);
    hd[12] = (guint8)call_id;
    hd[16] = (guint8)stub_len;
    hd[22] = (guint8)opnum;
    g_byte_array_append(p, hd, 24);
    g_byte_array_append(p, stub, (guint)stub_len);
    if (sig) {
        guint8 tr[8] = { 0x44, 6, 0, 0, 1, 0, 0, 0 };
        g_byte_array_append(p, tr, 8);
        g_byte_array_append(p, sig, (guint)sig_len);
    }
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0] % 4;
    data++, size--;
    if (mode == 0) {
        gsize n = MIN((gsize)data[0], size - 1);
        TwNlSig sig;
        guint8 sk[16] = { 1, 2, 3 }, seq[8], conf[8];
        if (tw_nl_sig_parse(data + 1, n, &sig)) {
            tw_nl_sig_sequence(&sig, sk, seq);
            tw_nl_seq_value(seq, NULL);
            gsize clen = size - 1 - n;
            guint8 *c = clen ? g_memdup2(data + 1 + n, clen) : g_malloc0(1);
            if (sig.have_confounder)
                tw_nl_unseal(&sig, sk, seq, conf, c, clen);
            g_free(c);
        }
        if (size >= 516) {
            guint8 buf[516];
            guint32 len;
            memcpy(buf, data, sizeof buf);
            tw_nl_trust_password_decrypt(data[0] & 1 ? TW_NL_ALG_AES : TW_NL_ALG_STRONG, sk, buf);
            tw_nl_trust_password_length(buf, &len);
        }
        return 0;
    }
    TwKeyStore *ks = tw_keystore_new();
    tw_keystore_add_password(ks, "WS01$:not-the-machine-password", NULL);
    Fz f = { .ctx = { .emit = fuzz_check_event, .keys = ks, .want_tree = true } };
    f.ctx.pi = &f.pi;
    f.pi.transport = "tcp";
    TwDcerpcStream *s = tw_dcerpc_stream_new("tcp", NULL);
    setup(&f, s);
    if (mode == 1 && size >= 2) {
        gsize n = MIN((gsize)data[0], size - 2);
        guint16 opnum = data[1] % 64;
        const guint8 *sig = data + 2, *ct = data + 2 + n;
        gsize ctlen = MIN(size - 2 - n, (gsize)200);
        TwDcerpcStream *sch = tw_dcerpc_stream_new("tcp", NULL);
        GByteArray *b = unhex(bind_ndr20);
        GByteArray *tok = unhex("00000000030000004c4142005753303100");
        guint8 tr[8] = { 0x44, 6, 0, 0, 1, 0, 0, 0 };
        g_byte_array_append(b, tr, 8);
        g_byte_array_append(b, tok->data, tok->len);
        b->data[8] = (guint8)b->len;
        b->data[10] = (guint8)tok->len;
        feed(&f, sch, TW_DIR_REQ, b->data, b->len);
        GByteArray *p = request(4, opnum, ct, ctlen, sig, n);
        feed(&f, sch, TW_DIR_REQ, p->data, p->len);
        feed(&f, sch, TW_DIR_RSP, p->data, p->len);
        g_byte_array_free(p, TRUE);
        g_byte_array_free(tok, TRUE);
        g_byte_array_free(b, TRUE);
        tw_dcerpc_stream_free(sch);
    } else if (mode == 2) {
        gsize split = MIN((gsize)data[0] * 4, size - 1);
        feed(&f, s, TW_DIR_REQ, data + 1, split);
        feed(&f, s, TW_DIR_RSP, data + 1 + split, size - 1 - split);
    } else if (mode == 3) {
        GByteArray *rq = g_byte_array_new();
        put32(rq, 0x20000);
        put_wstr(rq, "\\\\DC1");
        put_wstr(rq, "WS01$");
        put16(rq, 2);
        put16(rq, 0);
        put_wstr(rq, "WS01");
        guint8 tail[12 + 516] = { 0 };
        memcpy(tail, data, MIN(size, sizeof tail));
        g_byte_array_append(rq, tail, sizeof tail);
        GByteArray *p = request(3, 30, rq->data, rq->len, NULL, 0);
        p->data[16] = (guint8)rq->len;
        p->data[17] = (guint8)(rq->len >> 8);
        feed(&f, s, TW_DIR_REQ, p->data, p->len);
        g_byte_array_free(p, TRUE);
        g_byte_array_free(rq, TRUE);
    }
    tw_dcerpc_stream_free(s);
    tw_nl_sessions_reset();
    tw_keystore_free(ks);
    return 0;
}
