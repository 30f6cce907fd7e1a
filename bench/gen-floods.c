/* gen-floods.c — hostile captures made to grow a dissector's memory with the
 * input (bench/floods.sh).  Not a test fixture: each flood targets one
 * memory budget of core/tw-limits.h and is written at a requested size.
 *
 *   tcp-ooo         600 TCP flows to port 88, every other 65000-byte segment
 *                   missing and never acknowledged: out-of-order queues
 *                   (TW_TCP_OOO_BUDGET_BYTES).
 *   dcerpc-frag     3 DCE/RPC connections (port 135), each holding the first
 *                   and middle fragments (C706 12.6.3.1, no PFC_LAST_FRAG) of
 *                   32 calls of up to 4 MiB: fragment reassembly.
 *   smb2-prefix     3,000 SMB2 connections (445) each opening an NBSS record
 *                   of 16 MiB - 1 (MS-SMB2 2.1) that never completes.
 *   dcerpc-prefix   3,000 DCE/RPC connections each opening a PDU of
 *                   frag_length 65535 that never completes.
 *   dcerpc-conns    100,000 DCE/RPC connections, round-robin, each sending
 *                   binds of 32 context items (C706 12.6.4.3) that are never
 *                   acknowledged: per-flow parser state (TW_FLOW_STATE_BUDGET_BYTES).
 *   smb2-sessions   80,000 SMB2 connections, round-robin, each sending a
 *                   NEGOTIATE and then TREE_CONNECT requests (MS-SMB2 2.2.9)
 *                   that are never answered: per-flow tables.
 *
 * Usage: gen-floods KIND SIZE_MIB OUT.pcap
 * Classic pcap, Ethernet, IPv4, TCP without handshake (mid-stream pickup) and
 * without checksums (trustwire does not verify them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OOO_FLOWS 600
#define OOO_SEG 65000
#define FRAG_CONNS 3
#define FRAG_CALLS 32
#define FRAG_STUB 65000 /* stub bytes per fragment: frag_length stays under 65535 */
#define FRAG_PER_CALL 64 /* 64 x 65000 = 3.97 MiB, under TW_DCERPC_MAX_STUB */
#define PREFIX_FLOWS 3000
#define PREFIX_SEG 8000
#define RPC_CONNS 100000
#define SMB_CONNS 80000

static FILE *out;
static uint64_t written, limit;
static uint32_t ts_sec = 1767225600, ts_usec;
static uint8_t frame[70000];

static void put16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void put64le(uint8_t *p, uint64_t v) { put32le(p, (uint32_t)v); put32le(p + 4, (uint32_t)(v >> 32)); }

static void write_header(void)
{
    uint8_t h[24] = { 0 };
    put32le(h, 0xa1b2c3d4);
    put16le(h + 4, 2);
    put16le(h + 6, 4);
    put32le(h + 16, 262144);
    put32le(h + 20, 1); /* LINKTYPE_ETHERNET */
    fwrite(h, 1, sizeof h, out);
    written += sizeof h;
}

/* One TCP segment client (10.(n>>16).(n>>8).n) -> server 10.99.0.1:dport. */
static void tcp(uint32_t client, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                const uint8_t *payload, uint32_t len)
{
    uint8_t *f = frame;
    memset(f, 0, 54);
    f[0] = 2; f[5] = 1;          /* dst MAC 02:00:00:00:00:01 */
    f[6] = 2; f[11] = 2;         /* src MAC */
    put16be(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    put16be(ip + 2, (uint16_t)(20 + 20 + len));
    ip[8] = 64;
    ip[9] = 6;
    put32be(ip + 12, 0x0b000000u | (client & 0xffffff)); /* 11.x.y.z */
    put32be(ip + 16, 0x0a630001u);                       /* 10.99.0.1 */
    uint8_t *t = ip + 20;
    put16be(t, sport);
    put16be(t + 2, dport);
    put32be(t + 4, seq);
    t[12] = 0x50;
    t[13] = flags;
    put16be(t + 14, 65535);
    memcpy(t + 20, payload, len);
    uint32_t caplen = 54 + len;
    uint8_t rh[16];
    ts_usec += 10;
    if (ts_usec >= 1000000) {
        ts_usec -= 1000000;
        ts_sec++;
    }
    put32le(rh, ts_sec);
    put32le(rh + 4, ts_usec);
    put32le(rh + 8, caplen);
    put32le(rh + 12, caplen);
    fwrite(rh, 1, 16, out);
    fwrite(f, 1, caplen, out);
    written += 16 + caplen;
}

static int full(void) { return written >= limit; }

static uint8_t payload[70000];

/* ---- DCE/RPC PDUs (C706 12.6.3.1 common header) ---- */
static uint32_t rpc_header(uint8_t *p, uint8_t ptype, uint8_t flags, uint16_t frag_len,
                           uint32_t call_id)
{
    p[0] = 5; p[1] = 0; p[2] = ptype; p[3] = flags;
    p[4] = 0x10; p[5] = p[6] = p[7] = 0; /* little-endian, ASCII, IEEE */
    put16le(p + 8, frag_len);
    put16le(p + 10, 0);
    put32le(p + 12, call_id);
    return 16;
}

static uint32_t rpc_request(uint8_t *p, uint8_t flags, uint32_t call_id, uint32_t stub)
{
    uint32_t n = rpc_header(p, 0, flags, (uint16_t)(24 + stub), call_id);
    put32le(p + n, stub);  /* alloc_hint */
    put16le(p + n + 4, 0); /* p_cont_id */
    put16le(p + n + 6, 4); /* opnum */
    memset(p + 24, 0x41, stub);
    return 24 + stub;
}

static uint32_t rpc_bind(uint8_t *p, uint32_t call_id)
{
    uint32_t n = 16;
    put16le(p + n, 4280); put16le(p + n + 2, 4280); put32le(p + n + 4, 0);
    p[n + 8] = 32; /* n_context_elem */
    n += 12;
    for (int i = 0; i < 32; i++) {
        put16le(p + n, (uint16_t)i);
        p[n + 2] = 1; /* one transfer syntax */
        n += 4;
        for (int k = 0; k < 16; k++)
            p[n + k] = (uint8_t)(0x12 + i + k); /* an abstract syntax nobody knows */
        put16le(p + n + 16, 1);
        n += 20;
        static const uint8_t ndr[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                         0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };
        memcpy(p + n, ndr, 16);
        put32le(p + n + 16, 2);
        n += 20;
    }
    rpc_header(p, 11, 0x03, (uint16_t)n, call_id);
    return n;
}

/* ---- SMB2 (MS-SMB2 2.2.1.2 header) over direct TCP (2.1) ---- */
static uint32_t smb2(uint8_t *p, uint16_t command, uint64_t message_id, const uint8_t *body,
                     uint32_t blen)
{
    uint32_t len = 64 + blen;
    p[0] = 0;
    p[1] = (uint8_t)(len >> 16); p[2] = (uint8_t)(len >> 8); p[3] = (uint8_t)len;
    uint8_t *h = p + 4;
    memset(h, 0, 64);
    h[0] = 0xfe; h[1] = 'S'; h[2] = 'M'; h[3] = 'B';
    put16le(h + 4, 64);
    put16le(h + 12, command);
    put16le(h + 14, 1);
    put64le(h + 24, message_id);
    put64le(h + 40, 0x1000 + message_id); /* SessionId */
    memcpy(h + 64, body, blen);
    return 4 + len;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen-floods KIND SIZE_MIB OUT.pcap\n");
        return 2;
    }
    const char *kind = argv[1];
    limit = (uint64_t)strtoull(argv[2], NULL, 10) << 20;
    out = fopen(argv[3], "wb");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    write_header();

    if (strcmp(kind, "tcp-ooo") == 0) {
        memset(payload, 0, OOO_SEG);
        for (uint32_t k = 0; !full(); k += 2) /* segments 1, 3, 5 … never come */
            for (uint32_t i = 0; i < OOO_FLOWS && !full(); i++)
                tcp(i, (uint16_t)(20000 + i), 88, 1000 + k * OOO_SEG, 0x18, payload, OOO_SEG);
    } else if (strcmp(kind, "dcerpc-frag") == 0) {
        uint32_t seq[FRAG_CONNS] = { 0 };
        for (uint32_t batch = 0; !full(); batch++)
            for (uint32_t r = 0; r < FRAG_PER_CALL - 1 && !full(); r++)
                for (uint32_t c = 0; c < FRAG_CONNS && !full(); c++)
                    for (uint32_t call = 0; call < FRAG_CALLS && !full(); call++) {
                        uint32_t n = rpc_request(payload, r == 0 ? 0x01 : 0x00,
                                                 batch * FRAG_CALLS + call + 1, FRAG_STUB);
                        tcp(c, (uint16_t)(30000 + c), 135, 1 + seq[c], 0x18, payload, n);
                        seq[c] += n;
                    }
    } else if (strcmp(kind, "smb2-prefix") == 0) {
        static uint32_t seq[PREFIX_FLOWS];
        for (uint32_t i = 0; i < PREFIX_FLOWS && !full(); i++) {
            uint32_t n = smb2(payload, 0, 0, (const uint8_t *)"", 0);
            payload[1] = payload[2] = payload[3] = 0xff; /* a record of 16 MiB - 1 */
            tcp(i, (uint16_t)(40000 + i), 445, 1, 0x18, payload, n);
            seq[i] = n;
        }
        memset(payload, 0x42, PREFIX_SEG);
        while (!full()) /* the records' bodies, never complete */
            for (uint32_t i = 0; i < PREFIX_FLOWS && !full(); i++) {
                tcp(i, (uint16_t)(40000 + i), 445, 1 + seq[i], 0x18, payload, PREFIX_SEG);
                seq[i] += PREFIX_SEG;
            }
    } else if (strcmp(kind, "dcerpc-prefix") == 0) {
        /* Groups of 3,000 flows, each PDU of frag_length 65535 left 1,535
         * bytes short (8 x 8000 bytes sent); then the next group. */
        for (uint32_t g = 0; !full(); g++)
            for (uint32_t r = 0; r < 8 && !full(); r++)
                for (uint32_t i = 0; i < PREFIX_FLOWS && !full(); i++) {
                    memset(payload, 0x42, PREFIX_SEG);
                    if (r == 0)
                        rpc_header(payload, 0, 0x03, 65535, 1);
                    uint32_t c = g * PREFIX_FLOWS + i;
                    tcp(c, (uint16_t)(40000 + i), 135, 1 + r * PREFIX_SEG, 0x18, payload,
                        PREFIX_SEG);
                }
    } else if (strcmp(kind, "dcerpc-conns") == 0) {
        static uint32_t seq[RPC_CONNS];
        for (uint32_t round = 0; !full(); round++)
            for (uint32_t i = 0; i < RPC_CONNS && !full(); i++) {
                uint32_t n = rpc_bind(payload, round + 1);
                tcp(i, (uint16_t)(1024 + i % 60000), 135, 1 + seq[i], 0x18, payload, n);
                seq[i] += n;
            }
    } else if (strcmp(kind, "smb2-sessions") == 0) {
        static uint32_t seq[SMB_CONNS];
        uint8_t body[128];
        for (uint32_t round = 0; !full(); round++)
            for (uint32_t i = 0; i < SMB_CONNS && !full(); i++) {
                uint32_t n;
                if (round == 0) {
                    /* NEGOTIATE (2.2.3): one dialect, 0x0311. */
                    memset(body, 0, 38);
                    put16le(body, 36);
                    put16le(body + 2, 1);
                    put16le(body + 36, 0x0311);
                    n = smb2(payload, 0, 0, body, 38);
                } else {
                    /* TREE_CONNECT (2.2.9): \\dc\share<round> in UTF-16LE. */
                    char path[40];
                    int pl = snprintf(path, sizeof path, "\\\\dc\\share%u", round);
                    memset(body, 0, 8);
                    put16le(body, 9);
                    put16le(body + 4, 64 + 8);
                    put16le(body + 6, (uint16_t)(2 * pl));
                    for (int k = 0; k < pl; k++)
                        put16le(body + 8 + 2 * k, (uint8_t)path[k]);
                    n = smb2(payload, 3, round, body, 8 + 2 * (uint32_t)pl);
                }
                tcp(i, (uint16_t)(1024 + i % 60000), 445, 1 + seq[i], 0x18, payload, n);
                seq[i] += n;
            }
    } else {
        fprintf(stderr, "gen-floods: unknown kind %s\n", kind);
        return 2;
    }
    fclose(out);
    return 0;
}
