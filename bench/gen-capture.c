/* gen-capture.c — writes a large synthetic capture of mixed enterprise traffic
 * for the benchmark (bench/run.sh).  Not a test fixture: the point is volume
 * and variety at realistic proportions, so that a Kerberos-only tool has to
 * skip a lot of unrelated traffic, as it would on a span port.
 *
 * Every message is encoded here from the specifications (nothing is copied
 * out of real captures):
 *   - bulk TCP: HTTP/1.1 downloads on 80, TLS 1.2 records on 443;
 *   - DNS queries/answers over UDP 53 (RFC 1035);
 *   - Kerberos (RFC 4120): AS-REQ without and with PA-ENC-TIMESTAMP,
 *     KRB-ERROR 25/24/37, AS-REP, TGS-REQ (PA-TGS-REQ AP-REQ), TGS-REP over
 *     UDP 88 and over TCP 88 with the 4-octet record mark (RFC 4120 7.2.2);
 *   - SMB2 over NBSS on 445 (MS-SMB2): NEGOTIATE, SESSION_SETUP (NTLMSSP),
 *     TREE_CONNECT IPC$, CREATE \netlogon, WRITE/READ carrying DCE/RPC
 *     (MS-RPCE) bind/bind_ack and NETLOGON requests/responses, CLOSE;
 *   - DCE/RPC over TCP: EPM ept_map on 135 (a real protocol tower) that
 *     returns a dynamic port, then NETLOGON on that port (MS-NRPC 3.5.4.4.1
 *     NetrServerReqChallenge, 3.5.4.4.2 NetrServerAuthenticate3).
 * Thousands of client hosts (machine accounts WS0001$…) each use their own
 * ephemeral ports; every TCP connection has a fresh ISN, a full handshake,
 * strictly increasing sequence numbers and a FIN exchange, so no flow ever
 * repeats (tshark would treat a repeated sequence number as a retransmission).
 * Sessions are interleaved (a few hundred open at once).
 *
 * Usage: gen-capture [-s MiB] [-c clients] [-m mixed|dc] [-S seed] [-t truth.json] -o out.pcap
 * The truth file lists what was written (packets, flows, Kerberos messages by
 * type and error code, NETLOGON calls) so the benchmark can check that the
 * tools it compares found the same messages.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ caps */
#define N_CLIENTS_DEFAULT 4000 /* workstations WS0001 … (-c) */
#define N_CLIENTS_MAX 60000    /* 10.20.0.100 … 10.20.234.195 */
#define N_WEB 600             /* web/TLS servers */
#define N_ACTIVE 256          /* sessions open at once */
#define MSS 1460
#define MAX_FRAME 1600
#define RANDPOOL (1u << 20)   /* random bytes reused as opaque payload */

static const char REALM[] = "CORP.EXAMPLE.COM";
static const char DNSDOM[] = "corp.example.com";
static const char NBDOM[] = "CORP";

/* ------------------------------------------------------------------ PRNG */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    /* xorshift64* */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}
static uint32_t rnd_below(uint32_t n) { return (uint32_t)((rnd() >> 32) % n); }

static uint8_t *randpool;
static const uint8_t *rand_bytes(size_t n)
{
    if (n > RANDPOOL)
        n = RANDPOOL;
    return randpool + rnd_below((uint32_t)(RANDPOOL - n + 1));
}

/* ------------------------------------------------------------------ buffers */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} Buf;

static void buf_reserve(Buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) {
        perror("realloc");
        exit(1);
    }
    b->cap = cap;
}
static void put(Buf *b, const void *d, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void put1(Buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}
static void put16le(Buf *b, unsigned v) { put1(b, v); put1(b, v >> 8); }
static void put32le(Buf *b, uint32_t v) { put16le(b, v & 0xffff); put16le(b, v >> 16); }
static void put64le(Buf *b, uint64_t v) { put32le(b, (uint32_t)v); put32le(b, (uint32_t)(v >> 32)); }
static void put16be(Buf *b, unsigned v) { put1(b, v >> 8); put1(b, v); }
static void put32be(Buf *b, uint32_t v) { put16be(b, v >> 16); put16be(b, v & 0xffff); }
static void putz(Buf *b, size_t n)
{
    buf_reserve(b, n);
    memset(b->p + b->len, 0, n);
    b->len += n;
}
static void putrand(Buf *b, size_t n) { put(b, rand_bytes(n), n); }
static void set16le(Buf *b, size_t at, unsigned v) { b->p[at] = (uint8_t)v; b->p[at + 1] = (uint8_t)(v >> 8); }
static void set32le(Buf *b, size_t at, uint32_t v) { set16le(b, at, v & 0xffff); set16le(b, at + 2, v >> 16); }
static void set16be(Buf *b, size_t at, unsigned v) { b->p[at] = (uint8_t)(v >> 8); b->p[at + 1] = (uint8_t)v; }
static void set32be(Buf *b, size_t at, uint32_t v) { set16be(b, at, v >> 16); set16be(b, at + 2, v & 0xffff); }
static void pad_to(Buf *b, size_t base, size_t align)
{
    while ((b->len - base) % align)
        put1(b, 0);
}
/* UTF-16LE of an ASCII string, no terminator. */
static void pututf16(Buf *b, const char *s)
{
    for (; *s; s++)
        put16le(b, (uint8_t)*s);
}

/* ------------------------------------------------------------------ DER (X.690) */
/* Opens a TLV whose content follows; der_close() inserts the minimal length. */
static size_t der_open(Buf *b, unsigned tag)
{
    put1(b, tag);
    return b->len;
}
static void der_close(Buf *b, size_t start)
{
    size_t n = b->len - start;
    uint8_t hdr[5];
    size_t h;
    if (n < 0x80) {
        hdr[0] = (uint8_t)n;
        h = 1;
    } else if (n < 0x100) {
        hdr[0] = 0x81, hdr[1] = (uint8_t)n;
        h = 2;
    } else if (n < 0x10000) {
        hdr[0] = 0x82, hdr[1] = (uint8_t)(n >> 8), hdr[2] = (uint8_t)n;
        h = 3;
    } else {
        hdr[0] = 0x83, hdr[1] = (uint8_t)(n >> 16), hdr[2] = (uint8_t)(n >> 8), hdr[3] = (uint8_t)n;
        h = 4;
    }
    buf_reserve(b, h);
    memmove(b->p + start + h, b->p + start, n);
    memcpy(b->p + start, hdr, h);
    b->len += h;
}
#define CTX(n) (0xa0u | (n))  /* [n] EXPLICIT, constructed */
#define APP(n) (0x60u | (n))  /* [APPLICATION n], constructed */
#define SEQ 0x30u

static void der_prim(Buf *b, unsigned tag, const void *d, size_t n)
{
    size_t s = der_open(b, tag);
    put(b, d, n);
    der_close(b, s);
}
static void der_integer(Buf *b, int64_t v)
{
    uint8_t tmp[9];
    int n = 0;
    /* minimal two's complement */
    for (int i = 7; i >= 0; i--)
        tmp[n++] = (uint8_t)((uint64_t)v >> (i * 8));
    int skip = 0;
    while (skip < 7 && ((tmp[skip] == 0 && !(tmp[skip + 1] & 0x80)) ||
                        (tmp[skip] == 0xff && (tmp[skip + 1] & 0x80))))
        skip++;
    der_prim(b, 0x02, tmp + skip, (size_t)(n - skip));
}
static void der_ctx_int(Buf *b, unsigned ctx, int64_t v)
{
    size_t s = der_open(b, CTX(ctx));
    der_integer(b, v);
    der_close(b, s);
}
static void der_ctx_gstr(Buf *b, unsigned ctx, const char *str)
{
    size_t s = der_open(b, CTX(ctx));
    der_prim(b, 0x1b, str, strlen(str)); /* GeneralString */
    der_close(b, s);
}
static void krb_time_str(int64_t us, char out[16])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y%m%d%H%M%SZ", &tm);
}
static void der_ctx_time(Buf *b, unsigned ctx, int64_t us)
{
    char t[16];
    krb_time_str(us, t);
    size_t s = der_open(b, CTX(ctx));
    der_prim(b, 0x18, t, 15); /* GeneralizedTime */
    der_close(b, s);
}
static void der_ctx_octets(Buf *b, unsigned ctx, const void *d, size_t n)
{
    size_t s = der_open(b, CTX(ctx));
    der_prim(b, 0x04, d, n);
    der_close(b, s);
}
/* PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString } */
static void der_principal(Buf *b, unsigned ctx, int type, const char *c1, const char *c2)
{
    size_t s = der_open(b, CTX(ctx));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 0, type);
    size_t l = der_open(b, CTX(1));
    size_t ql = der_open(b, SEQ);
    der_prim(b, 0x1b, c1, strlen(c1));
    if (c2)
        der_prim(b, 0x1b, c2, strlen(c2));
    der_close(b, ql);
    der_close(b, l);
    der_close(b, q);
    der_close(b, s);
}
/* EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] OCTET STRING } */
static void der_encdata(Buf *b, unsigned ctx, int etype, int kvno, size_t cipher_len)
{
    size_t s = ctx == 0xffu ? der_open(b, SEQ) : der_open(b, CTX(ctx));
    size_t q = ctx == 0xffu ? s : der_open(b, SEQ);
    der_ctx_int(b, 0, etype);
    if (kvno >= 0)
        der_ctx_int(b, 1, kvno);
    der_ctx_octets(b, 2, rand_bytes(cipher_len), cipher_len);
    if (q != s)
        der_close(b, q);
    der_close(b, s);
}
/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] } */
static void der_ticket(Buf *b, unsigned ctx, const char *s1, const char *s2, size_t cipher_len)
{
    size_t s = der_open(b, CTX(ctx));
    size_t a = der_open(b, APP(1));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 0, 5);
    der_ctx_gstr(b, 1, REALM);
    der_principal(b, 2, 2 /* NT-SRV-INST */, s1, s2);
    der_encdata(b, 3, 18, 2 + (int)rnd_below(5), cipher_len);
    der_close(b, q);
    der_close(b, a);
    der_close(b, s);
}

/* ------------------------------------------------------------------ pcap output */
static FILE *out;
static uint64_t bytes_out, packets_out, target_bytes;
static int64_t now_us;

/* MS-DTYP 2.3.3 FILETIME: 100 ns intervals since 1601-01-01 UTC, the
 * Unix epoch being 11,644,473,600 s later.  (An earlier constant put every
 * SMB2 and NTLM time of these captures in 2079, as tshark shows them.) */
static uint64_t filetime_at(int64_t unix_us)
{
    return 116444736000000000ull + (uint64_t)unix_us * 10;
}

/* A clock-skew host (broken == 2: KRB-ERROR 37) runs this far ahead, past
 * Kerberos' five minutes (RFC 4120 10); its NTLMv2 client time shows it. */
#define SKEWED_CLOCK_US (600LL * 1000000)

typedef struct {
    uint64_t packets, tcp_flows, udp_flows, hosts_seen;
    uint64_t krb_by_type[32];
    uint64_t krb_err[128];
    uint64_t krb_udp, krb_tcp;
    uint64_t netlogon_req[64];
    uint64_t netlogon_denied;
    uint64_t smb2_sessions, rpc_sessions, dns, http, tls;
} Truth;
static Truth truth;

static void pcap_header(void)
{
    Buf b = { 0 };
    put32le(&b, 0xa1b2c3d4);
    put16le(&b, 2);
    put16le(&b, 4);
    put32le(&b, 0);
    put32le(&b, 0);
    put32le(&b, 65535);
    put32le(&b, 1); /* LINKTYPE_ETHERNET */
    fwrite(b.p, 1, b.len, out);
    bytes_out += b.len;
    free(b.p);
}

static void tick(void)
{
    /* ~40 µs between packets on average: a busy access switch uplink */
    now_us += 1 + rnd_below(80);
}

static void pcap_frame(const uint8_t *f, size_t len)
{
    uint8_t h[16];
    tick();
    uint32_t sec = (uint32_t)(now_us / 1000000), usec = (uint32_t)(now_us % 1000000);
    uint32_t l = (uint32_t)len;
    memcpy(h, &sec, 4);
    memcpy(h + 4, &usec, 4);
    memcpy(h + 8, &l, 4);
    memcpy(h + 12, &l, 4);
    fwrite(h, 1, 16, out);
    fwrite(f, 1, len, out);
    bytes_out += 16 + len;
    packets_out++;
}

/* ------------------------------------------------------------------ hosts, IPv4, TCP, UDP */
typedef struct {
    uint32_t ip;
    uint8_t mac[6];
    uint16_t next_port;
    char name[16]; /* NetBIOS name, e.g. WS0001 */
    uint8_t broken;  /* 0 healthy, 1 wrong password (24 / ACCESS_DENIED), 2 clock skew (37) */
    bool krb_tcp;    /* prefers Kerberos over TCP */
    bool seen;
} Host;

static Host *clients, web[N_WEB], dc, fileserver;
static uint32_t n_clients = N_CLIENTS_DEFAULT;
static const uint8_t router_mac[6] = { 0x00, 0x1b, 0x17, 0x00, 0x01, 0x01 };

static void host_init(Host *h, uint32_t ip, const char *name)
{
    h->ip = ip;
    h->mac[0] = 0x00, h->mac[1] = 0x50, h->mac[2] = 0x56;
    h->mac[3] = (uint8_t)(ip >> 16), h->mac[4] = (uint8_t)(ip >> 8), h->mac[5] = (uint8_t)ip;
    h->next_port = (uint16_t)(49152 + rnd_below(16000));
    snprintf(h->name, sizeof h->name, "%s", name);
}
static uint16_t ephemeral_port(Host *h)
{
    if (!h->seen) {
        h->seen = true;
        truth.hosts_seen++;
    }
    uint16_t p = h->next_port++;
    if (h->next_port < 49152)
        h->next_port = 49152;
    return p;
}
static bool on_lan(uint32_t ip) { return (ip >> 16) == ((10u << 8) | 20u); } /* 10.20/16 */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < n)
        sum += (uint32_t)(p[i] << 8);
    return sum;
}
static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint8_t frame[MAX_FRAME + 64];
static uint16_t ip_id;

/* Ethernet + IPv4 around an L4 header+payload already at frame+34. */
static void emit_ipv4(const Host *src, const Host *dst, uint8_t proto, size_t l4len)
{
    uint8_t *f = frame;
    memcpy(f, on_lan(dst->ip) ? dst->mac : router_mac, 6);
    memcpy(f + 6, on_lan(src->ip) ? src->mac : router_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    size_t tot = 20 + l4len;
    ip[0] = 0x45, ip[1] = 0;
    ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
    ip_id++;
    ip[4] = (uint8_t)(ip_id >> 8), ip[5] = (uint8_t)ip_id;
    ip[6] = 0x40, ip[7] = 0; /* DF */
    ip[8] = on_lan(src->ip) ? 128 : 52;
    ip[9] = proto;
    ip[10] = ip[11] = 0;
    ip[12] = (uint8_t)(src->ip >> 24), ip[13] = (uint8_t)(src->ip >> 16);
    ip[14] = (uint8_t)(src->ip >> 8), ip[15] = (uint8_t)src->ip;
    ip[16] = (uint8_t)(dst->ip >> 24), ip[17] = (uint8_t)(dst->ip >> 16);
    ip[18] = (uint8_t)(dst->ip >> 8), ip[19] = (uint8_t)dst->ip;
    uint16_t c = csum_fold(csum_add(0, ip, 20));
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    /* L4 checksum over the pseudo-header */
    uint8_t *l4 = ip + 20;
    uint32_t sum = csum_add(0, ip + 12, 8) + proto + (uint32_t)l4len;
    sum = csum_add(sum, l4, l4len);
    uint16_t lc = csum_fold(sum);
    if (proto == 17 && lc == 0)
        lc = 0xffff;
    size_t at = proto == 6 ? 16 : 6;
    l4[at] = (uint8_t)(lc >> 8), l4[at + 1] = (uint8_t)lc;
    pcap_frame(f, 14 + tot);
}

static void udp_send(const Host *src, uint16_t sport, const Host *dst, uint16_t dport, const uint8_t *d,
                     size_t n)
{
    if (n > 1500 - 28) { /* no IP fragmentation: one datagram per Ethernet frame */
        fprintf(stderr, "gen-capture: UDP payload too large (%zu)\n", n);
        exit(1);
    }
    uint8_t *u = frame + 34;
    u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8), u[3] = (uint8_t)dport;
    u[4] = (uint8_t)((n + 8) >> 8), u[5] = (uint8_t)(n + 8);
    u[6] = u[7] = 0;
    memcpy(u + 8, d, n);
    emit_ipv4(src, dst, 17, 8 + n);
}

typedef struct {
    Host *cli, *srv;
    uint16_t cport, sport;
    uint32_t seq[2]; /* next sequence number to send: [0] client, [1] server */
    unsigned unacked[2];
} Tcp;

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

static void tcp_segment(Tcp *t, int dir, uint8_t flags, const uint8_t *d, size_t n)
{
    const Host *src = dir ? t->srv : t->cli, *dst = dir ? t->cli : t->srv;
    uint8_t *h = frame + 34;
    uint16_t sp = dir ? t->sport : t->cport, dp = dir ? t->cport : t->sport;
    size_t hl = (flags & SYN) ? 24 : 20;
    h[0] = (uint8_t)(sp >> 8), h[1] = (uint8_t)sp, h[2] = (uint8_t)(dp >> 8), h[3] = (uint8_t)dp;
    uint32_t seq = t->seq[dir], ack = (flags & ACK) ? t->seq[!dir] : 0;
    h[4] = (uint8_t)(seq >> 24), h[5] = (uint8_t)(seq >> 16), h[6] = (uint8_t)(seq >> 8), h[7] = (uint8_t)seq;
    h[8] = (uint8_t)(ack >> 24), h[9] = (uint8_t)(ack >> 16), h[10] = (uint8_t)(ack >> 8), h[11] = (uint8_t)ack;
    h[12] = (uint8_t)((hl / 4) << 4);
    h[13] = flags;
    h[14] = 0xfa, h[15] = 0xf0; /* window 64240 */
    h[16] = h[17] = h[18] = h[19] = 0;
    if (flags & SYN) {
        h[20] = 2, h[21] = 4, h[22] = MSS >> 8, h[23] = MSS & 0xff; /* MSS option */
    }
    if (n)
        memcpy(h + hl, d, n);
    emit_ipv4(src, dst, 6, hl + n);
    t->seq[dir] += (uint32_t)n + ((flags & (SYN | FIN)) ? 1u : 0u);
}

static void tcp_open(Tcp *t, Host *cli, Host *srv, uint16_t sport)
{
    t->cli = cli, t->srv = srv, t->sport = sport;
    t->cport = ephemeral_port(cli);
    t->seq[0] = (uint32_t)rnd(), t->seq[1] = (uint32_t)rnd();
    t->unacked[0] = t->unacked[1] = 0;
    truth.tcp_flows++;
    tcp_segment(t, 0, SYN, NULL, 0);
    tcp_segment(t, 1, SYN | ACK, NULL, 0);
    tcp_segment(t, 0, ACK, NULL, 0);
}

/* Sends n bytes in MSS-sized segments; the peer ACKs every second segment. */
static void tcp_send(Tcp *t, int dir, const uint8_t *d, size_t n)
{
    while (n) {
        size_t k = n > MSS ? MSS : n;
        tcp_segment(t, dir, ACK | (k == n ? PSH : 0), d, k);
        d += k, n -= k;
        if (++t->unacked[dir] >= 2) {
            tcp_segment(t, !dir, ACK, NULL, 0);
            t->unacked[dir] = 0;
        }
    }
}

static void tcp_close(Tcp *t)
{
    tcp_segment(t, 0, FIN | ACK, NULL, 0);
    tcp_segment(t, 1, FIN | ACK, NULL, 0);
    tcp_segment(t, 0, ACK, NULL, 0);
}

/* ------------------------------------------------------------------ Kerberos (RFC 4120) */
static void krb_count(int msg_type, bool tcp)
{
    truth.krb_by_type[msg_type & 31]++;
    if (tcp)
        truth.krb_tcp++;
    else
        truth.krb_udp++;
}

/* KDC-REQ-BODY (RFC 4120 5.4.1) */
static void krb_req_body(Buf *b, const char *cname, const char *s1, const char *s2, bool tgs)
{
    size_t s = der_open(b, CTX(4));
    size_t q = der_open(b, SEQ);
    size_t ko = der_open(b, CTX(0));
    static const uint8_t opts[] = { 0x00, 0x40, 0x81, 0x00, 0x10 }; /* forwardable renewable canonicalize renewable-ok */
    der_prim(b, 0x03, opts, sizeof opts);
    der_close(b, ko);
    if (cname)
        der_principal(b, 1, 1 /* NT-PRINCIPAL */, cname, NULL);
    der_ctx_gstr(b, 2, REALM);
    der_principal(b, 3, 2 /* NT-SRV-INST */, s1, s2);
    size_t till = der_open(b, CTX(5));
    der_prim(b, 0x18, "20370913024805Z", 15);
    der_close(b, till);
    if (!tgs) {
        size_t rt = der_open(b, CTX(6));
        der_prim(b, 0x18, "20370913024805Z", 15);
        der_close(b, rt);
    }
    der_ctx_int(b, 7, (int64_t)(rnd() & 0x7fffffff));
    size_t et = der_open(b, CTX(8));
    size_t eq = der_open(b, SEQ);
    static const int etypes[] = { 18, 17, 23, 24, -135, 3 };
    for (size_t i = 0; i < sizeof etypes / sizeof etypes[0]; i++)
        der_integer(b, etypes[i]);
    der_close(b, eq);
    der_close(b, et);
    if (!tgs) {
        /* addresses [9] HostAddresses: NetBIOS address of the machine */
        size_t ad = der_open(b, CTX(9));
        size_t aq = der_open(b, SEQ);
        size_t a1 = der_open(b, SEQ);
        der_ctx_int(b, 0, 20); /* netbios */
        char nb[16];
        memset(nb, ' ', 16);
        memcpy(nb, cname, strlen(cname) - 1 < 15 ? strlen(cname) - 1 : 15);
        der_ctx_octets(b, 1, nb, 16);
        der_close(b, a1);
        der_close(b, aq);
        der_close(b, ad);
    }
    der_close(b, q);
    der_close(b, s);
}

/* PA-DATA ::= SEQUENCE { padata-type [1] Int32, padata-value [2] OCTET STRING } */
static size_t pa_open(Buf *b, int type)
{
    size_t s = der_open(b, SEQ);
    der_ctx_int(b, 1, type);
    return s;
}

static void krb_as_req(Buf *b, const Host *h, bool preauth)
{
    char cname[20];
    snprintf(cname, sizeof cname, "%s$", h->name);
    size_t a = der_open(b, APP(10));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 1, 5);
    der_ctx_int(b, 2, 10);
    size_t pd = der_open(b, CTX(3));
    size_t pq = der_open(b, SEQ);
    if (preauth) {
        /* PA-ENC-TIMESTAMP (2): EncryptedData of PA-ENC-TS-ENC, AES256 */
        size_t p = pa_open(b, 2);
        Buf v = { 0 };
        der_encdata(&v, 0xff, 18, -1, 56);
        der_ctx_octets(b, 2, v.p, v.len);
        free(v.p);
        der_close(b, p);
    }
    /* PA-PAC-REQUEST (128): KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN } */
    size_t p = pa_open(b, 128);
    static const uint8_t pac[] = { 0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0xff };
    der_ctx_octets(b, 2, pac, sizeof pac);
    der_close(b, p);
    der_close(b, pq);
    der_close(b, pd);
    krb_req_body(b, cname, "krbtgt", REALM, false);
    der_close(b, q);
    der_close(b, a);
}

static void krb_error(Buf *b, const Host *h, int code, bool tgs)
{
    char cname[20];
    snprintf(cname, sizeof cname, "%s$", h->name);
    size_t a = der_open(b, APP(30));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 0, 5);
    der_ctx_int(b, 1, 30);
    der_ctx_time(b, 4, now_us);
    der_ctx_int(b, 5, now_us % 1000000);
    der_ctx_int(b, 6, code);
    if (!tgs) {
        der_ctx_gstr(b, 7, REALM);
        der_principal(b, 8, 1, cname, NULL);
    }
    der_ctx_gstr(b, 9, REALM);
    der_principal(b, 10, 2, "krbtgt", REALM);
    if (code == 25) {
        /* e-data: METHOD-DATA with PA-ETYPE-INFO2 (19), PA-ENC-TIMESTAMP (2), PA-PK-AS-REQ (16) */
        Buf md = { 0 };
        size_t mq = der_open(&md, SEQ);
        size_t p = pa_open(&md, 19);
        Buf info = { 0 };
        size_t iq = der_open(&info, SEQ);
        size_t e1 = der_open(&info, SEQ);
        der_ctx_int(&info, 0, 18);
        char salt[64];
        char lower[16];
        size_t i;
        for (i = 0; h->name[i] && i < 15; i++)
            lower[i] = (char)(h->name[i] | 0x20);
        lower[i] = 0;
        snprintf(salt, sizeof salt, "%shost%s.%s", REALM, lower, DNSDOM);
        der_ctx_gstr(&info, 1, salt);
        der_close(&info, e1);
        der_close(&info, iq);
        der_ctx_octets(&md, 2, info.p, info.len);
        free(info.p);
        der_close(&md, p);
        p = pa_open(&md, 2);
        der_ctx_octets(&md, 2, "", 0);
        der_close(&md, p);
        p = pa_open(&md, 16);
        der_ctx_octets(&md, 2, "", 0);
        der_close(&md, p);
        der_close(&md, mq);
        der_ctx_octets(b, 12, md.p, md.len);
        free(md.p);
    } else {
        /* KERB-ERROR-DATA / KERB-EXT-ERROR carrying an NTSTATUS, as Windows KDCs do */
        Buf ed = { 0 };
        size_t eq = der_open(&ed, SEQ);
        der_ctx_int(&ed, 1, 3); /* KERB_ERR_TYPE_EXTENDED */
        Buf ext = { 0 };
        uint32_t st = code == 24 ? 0xc000006a : code == 37 ? 0xc0000133 : 0xc0000001;
        put32le(&ext, st);
        put32le(&ext, 0);
        put32le(&ext, 1);
        der_ctx_octets(&ed, 2, ext.p, ext.len);
        free(ext.p);
        der_close(&ed, eq);
        der_ctx_octets(b, 12, ed.p, ed.len);
        free(ed.p);
    }
    der_close(b, q);
    der_close(b, a);
    truth.krb_err[code & 127]++;
}

/* KDC-REP (RFC 4120 5.4.2): AS-REP [11] or TGS-REP [13] */
static void krb_rep(Buf *b, const Host *h, bool tgs, const char *s1, const char *s2, size_t ticket_len)
{
    char cname[20];
    snprintf(cname, sizeof cname, "%s$", h->name);
    size_t a = der_open(b, APP(tgs ? 13 : 11));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 0, 5);
    der_ctx_int(b, 1, tgs ? 13 : 11);
    if (!tgs) {
        size_t pd = der_open(b, CTX(2));
        size_t pq = der_open(b, SEQ);
        size_t p = pa_open(b, 19);
        Buf info = { 0 };
        size_t iq = der_open(&info, SEQ);
        size_t e1 = der_open(&info, SEQ);
        der_ctx_int(&info, 0, 18);
        der_close(&info, e1);
        der_close(&info, iq);
        der_ctx_octets(b, 2, info.p, info.len);
        free(info.p);
        der_close(b, p);
        der_close(b, pq);
        der_close(b, pd);
    }
    der_ctx_gstr(b, 3, REALM);
    der_principal(b, 4, 1, cname, NULL);
    der_ticket(b, 5, s1, s2, ticket_len);
    der_encdata(b, 6, 18, tgs ? -1 : 3, 200 + rnd_below(80));
    der_close(b, q);
    der_close(b, a);
}

static void krb_tgs_req(Buf *b, const Host *h, const char *s1, const char *s2, size_t ticket_len)
{
    size_t a = der_open(b, APP(12));
    size_t q = der_open(b, SEQ);
    der_ctx_int(b, 1, 5);
    der_ctx_int(b, 2, 12);
    size_t pd = der_open(b, CTX(3));
    size_t pq = der_open(b, SEQ);
    size_t p = pa_open(b, 1); /* PA-TGS-REQ: AP-REQ (RFC 4120 5.5.1) */
    Buf ap = { 0 };
    size_t aa = der_open(&ap, APP(14));
    size_t aq = der_open(&ap, SEQ);
    der_ctx_int(&ap, 0, 5);
    der_ctx_int(&ap, 1, 14);
    size_t o = der_open(&ap, CTX(2));
    static const uint8_t apopts[] = { 0x00, 0x00, 0x00, 0x00, 0x00 };
    der_prim(&ap, 0x03, apopts, sizeof apopts);
    der_close(&ap, o);
    der_ticket(&ap, 3, "krbtgt", REALM, ticket_len);
    der_encdata(&ap, 4, 18, -1, 180 + rnd_below(40));
    der_close(&ap, aq);
    der_close(&ap, aa);
    der_ctx_octets(b, 2, ap.p, ap.len);
    free(ap.p);
    der_close(b, p);
    p = pa_open(b, 167); /* PA-PAC-OPTIONS */
    static const uint8_t pacopt[] = { 0x30, 0x09, 0xa0, 0x07, 0x03, 0x05, 0x00, 0x40, 0x00, 0x00, 0x00 };
    der_ctx_octets(b, 2, pacopt, sizeof pacopt);
    der_close(b, p);
    der_close(b, pq);
    der_close(b, pd);
    krb_req_body(b, NULL, s1, s2, true);
    der_close(b, q);
    der_close(b, a);
    (void)h;
}

/* One Kerberos exchange: UDP datagrams, or a fresh TCP connection with the
 * record mark, as Windows does (one connection per request). */
static void krb_exchange(Host *h, const Buf *req, int req_type, const Buf *rsp, int rsp_type)
{
    if (h->krb_tcp) {
        Tcp t;
        tcp_open(&t, h, &dc, 88);
        Buf m = { 0 };
        put32be(&m, (uint32_t)req->len);
        put(&m, req->p, req->len);
        tcp_send(&t, 0, m.p, m.len);
        m.len = 0;
        put32be(&m, (uint32_t)rsp->len);
        put(&m, rsp->p, rsp->len);
        tcp_send(&t, 1, m.p, m.len);
        free(m.p);
        tcp_close(&t);
    } else {
        uint16_t cp = ephemeral_port(h);
        truth.udp_flows++;
        udp_send(h, cp, &dc, 88, req->p, req->len);
        udp_send(&dc, 88, h, cp, rsp->p, rsp->len);
    }
    krb_count(req_type, h->krb_tcp);
    krb_count(rsp_type, h->krb_tcp);
}

/* ------------------------------------------------------------------ DCE/RPC (MS-RPCE, C706) */
static const uint8_t UUID_NETLOGON[16] = { 0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
                                           0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0xcf, 0xfb };
static const uint8_t UUID_EPM[16] = { 0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11,
                                      0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa };
static const uint8_t UUID_NDR[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                      0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };

enum { PT_REQUEST = 0, PT_RESPONSE = 2, PT_BIND = 11, PT_BIND_ACK = 12 };

static size_t rpc_hdr(Buf *b, int ptype, uint32_t call_id)
{
    size_t s = b->len;
    put1(b, 5), put1(b, 0), put1(b, ptype), put1(b, 0x03); /* first+last frag */
    put1(b, 0x10), put1(b, 0), put1(b, 0), put1(b, 0);      /* little-endian, ASCII, IEEE */
    put16le(b, 0);                                           /* frag_length, patched */
    put16le(b, 0);                                           /* auth_length */
    put32le(b, call_id);
    return s;
}
static void rpc_end(Buf *b, size_t s) { set16le(b, s + 8, (unsigned)(b->len - s)); }

static void rpc_bind(Buf *b, uint32_t call_id, const uint8_t *iface, unsigned ver_major)
{
    size_t s = rpc_hdr(b, PT_BIND, call_id);
    put16le(b, 4280), put16le(b, 4280), put32le(b, 0);
    put1(b, 1), putz(b, 3); /* one context */
    put16le(b, 0), put1(b, 1), put1(b, 0);
    put(b, iface, 16), put16le(b, ver_major), put16le(b, 0);
    put(b, UUID_NDR, 16), put32le(b, 2);
    rpc_end(b, s);
}
static void rpc_bind_ack(Buf *b, uint32_t call_id, const char *secaddr)
{
    size_t s = rpc_hdr(b, PT_BIND_ACK, call_id);
    put16le(b, 4280), put16le(b, 4280), put32le(b, 0x12345 + rnd_below(0x10000));
    put16le(b, (unsigned)strlen(secaddr) + 1);
    put(b, secaddr, strlen(secaddr) + 1);
    pad_to(b, s, 4);
    put1(b, 1), putz(b, 3);
    put16le(b, 0), put16le(b, 0); /* acceptance */
    put(b, UUID_NDR, 16), put32le(b, 2);
    rpc_end(b, s);
}
static void rpc_request(Buf *b, uint32_t call_id, unsigned opnum, const Buf *stub)
{
    size_t s = rpc_hdr(b, PT_REQUEST, call_id);
    put32le(b, (uint32_t)stub->len), put16le(b, 0), put16le(b, opnum);
    put(b, stub->p, stub->len);
    rpc_end(b, s);
}
static void rpc_response(Buf *b, uint32_t call_id, const Buf *stub)
{
    size_t s = rpc_hdr(b, PT_RESPONSE, call_id);
    put32le(b, (uint32_t)stub->len), put16le(b, 0), put1(b, 0), put1(b, 0);
    put(b, stub->p, stub->len);
    rpc_end(b, s);
}

/* NDR conformant varying string of wchar_t, with terminator (stub-relative alignment). */
static void ndr_wstr(Buf *b, const char *s)
{
    pad_to(b, 0, 4);
    uint32_t n = (uint32_t)strlen(s) + 1;
    put32le(b, n), put32le(b, 0), put32le(b, n);
    pututf16(b, s);
    put16le(b, 0);
}

/* MS-NRPC 3.5.4.4.1 NetrServerReqChallenge, opnum 4 */
static void nrpc_req_challenge(Buf *stub, const Host *h)
{
    char server[40];
    snprintf(server, sizeof server, "\\\\DC1");
    put32le(stub, 0x00020000); /* PrimaryName: unique pointer */
    ndr_wstr(stub, server);
    ndr_wstr(stub, h->name); /* ComputerName: [string] ref */
    putrand(stub, 8);        /* ClientChallenge: CHAR[8], alignment 1 */
    truth.netlogon_req[4]++;
}
static void nrpc_req_challenge_rsp(Buf *stub)
{
    putrand(stub, 8);
    put32le(stub, 0);
}
/* MS-NRPC 3.5.4.4.2 NetrServerAuthenticate3, opnum 26 */
static void nrpc_auth3(Buf *stub, const Host *h)
{
    char acct[20];
    snprintf(acct, sizeof acct, "%s$", h->name);
    put32le(stub, 0x00020000);
    ndr_wstr(stub, "\\\\DC1");
    ndr_wstr(stub, acct);
    pad_to(stub, 0, 2);
    put16le(stub, 2); /* WorkstationSecureChannel */
    ndr_wstr(stub, h->name);
    putrand(stub, 8);  /* ClientCredential */
    pad_to(stub, 0, 4);
    put32le(stub, 0x612fffff); /* NegotiateFlags */
    truth.netlogon_req[26]++;
}
static void nrpc_auth3_rsp(Buf *stub, const Host *h)
{
    bool denied = h->broken == 1;
    if (denied) {
        putz(stub, 8);
        put32le(stub, 0);
        put32le(stub, 0);
        put32le(stub, 0xc0000022);
        truth.netlogon_denied++;
    } else {
        putrand(stub, 8);
        put32le(stub, 0x612fffff);
        put32le(stub, 1000 + (uint32_t)(h - clients));
        put32le(stub, 0);
    }
}

/* EPM tower (C706 appendix L): NETLOGON v1.0 over ncacn_ip_tcp */
static void epm_tower(Buf *b, uint16_t port, uint32_t ip)
{
    put16le(b, 5);
    put16le(b, 19), put1(b, 0x0d), put(b, UUID_NETLOGON, 16), put16le(b, 1), put16le(b, 2), put16le(b, 0);
    put16le(b, 19), put1(b, 0x0d), put(b, UUID_NDR, 16), put16le(b, 2), put16le(b, 2), put16le(b, 0);
    put16le(b, 1), put1(b, 0x0b), put16le(b, 2), put16le(b, 0);
    put16le(b, 1), put1(b, 0x07), put16le(b, 2), put16be(b, port);
    put16le(b, 1), put1(b, 0x09), put16le(b, 4), put32be(b, ip);
}
static void epm_map_req(Buf *stub)
{
    put32le(stub, 1), putz(stub, 16); /* object: unique ptr to a nil UUID */
    put32le(stub, 2);                 /* map_tower: unique ptr */
    Buf t = { 0 };
    epm_tower(&t, 0, 0);
    put32le(stub, (uint32_t)t.len), put32le(stub, (uint32_t)t.len);
    put(stub, t.p, t.len);
    free(t.p);
    pad_to(stub, 0, 4);
    putz(stub, 20);    /* entry_handle */
    put32le(stub, 4);  /* max_towers */
}
static void epm_map_rsp(Buf *stub, uint16_t port)
{
    putz(stub, 20);
    put32le(stub, 1);                           /* num_towers */
    put32le(stub, 4), put32le(stub, 0), put32le(stub, 1); /* max, offset, actual */
    put32le(stub, 3);                           /* referent */
    Buf t = { 0 };
    epm_tower(&t, port, dc.ip);
    put32le(stub, (uint32_t)t.len), put32le(stub, (uint32_t)t.len);
    put(stub, t.p, t.len);
    free(t.p);
    pad_to(stub, 0, 4);
    put32le(stub, 0);
}

/* ------------------------------------------------------------------ SMB2 (MS-SMB2) over NBSS */
typedef struct {
    Tcp tcp;
    uint64_t msg_id, session_id;
    uint32_t tree_id;
    uint8_t file_id[16];
} Smb;

enum { SMB2_NEGOTIATE = 0, SMB2_SESSION_SETUP = 1, SMB2_TREE_CONNECT = 3, SMB2_CREATE = 5,
       SMB2_CLOSE = 6, SMB2_READ = 8, SMB2_WRITE = 9 };

static size_t smb2_hdr(Buf *b, const Smb *s, unsigned cmd, bool rsp, uint32_t status)
{
    size_t nb = b->len;
    put32be(b, 0); /* NBSS session message, length patched */
    size_t h = b->len;
    put(b, "\xfeSMB", 4);
    put16le(b, 64), put16le(b, 1);
    put32le(b, rsp ? status : 0);
    put16le(b, cmd), put16le(b, rsp ? 32 : 31);
    put32le(b, rsp ? 1 : 0);
    put32le(b, 0);
    put64le(b, s->msg_id);
    put32le(b, 0xfeff);
    put32le(b, cmd == SMB2_NEGOTIATE || cmd == SMB2_SESSION_SETUP || cmd == SMB2_TREE_CONNECT ? (rsp && cmd == SMB2_TREE_CONNECT ? s->tree_id : 0) : s->tree_id);
    put64le(b, cmd == SMB2_NEGOTIATE ? 0 : s->session_id);
    putz(b, 16);
    (void)h;
    return nb;
}
static void smb2_end(Buf *b, size_t nb) { set32be(b, nb, (uint32_t)(b->len - nb - 4)); }

/* NTLMSSP (MS-NLMP 2.2.1) */
static void ntlm_field(Buf *b, size_t at, uint16_t len, uint32_t off)
{
    set16le(b, at, len), set16le(b, at + 2, len), set32le(b, at + 4, off);
}
static void ntlm_negotiate(Buf *b)
{
    put(b, "NTLMSSP\0", 8), put32le(b, 1), put32le(b, 0xe2088297);
    putz(b, 16);
    put1(b, 10), put1(b, 0), put16le(b, 19041), putz(b, 3), put1(b, 15);
}
static void ntlm_challenge(Buf *b)
{
    size_t s = b->len;
    put(b, "NTLMSSP\0", 8), put32le(b, 2);
    putz(b, 8); /* TargetName */
    put32le(b, 0xe28a8215);
    putrand(b, 8);
    putz(b, 8);
    putz(b, 8); /* TargetInfo */
    put1(b, 10), put1(b, 0), put16le(b, 20348), putz(b, 3), put1(b, 15);
    size_t tn = b->len - s;
    pututf16(b, NBDOM);
    ntlm_field(b, s + 12, (uint16_t)(b->len - s - tn), (uint32_t)tn);
    size_t ti = b->len - s;
    put16le(b, 2), put16le(b, (unsigned)strlen(NBDOM) * 2), pututf16(b, NBDOM);
    put16le(b, 1), put16le(b, 6), pututf16(b, "DC1");
    put16le(b, 4), put16le(b, (unsigned)strlen(DNSDOM) * 2), pututf16(b, DNSDOM);
    put16le(b, 7), put16le(b, 8), put64le(b, filetime_at(now_us));
    put16le(b, 0), put16le(b, 0);
    ntlm_field(b, s + 40, (uint16_t)(b->len - s - ti), (uint32_t)ti);
}
static void ntlm_authenticate(Buf *b, const Host *h)
{
    char user[20];
    snprintf(user, sizeof user, "%s$", h->name);
    size_t s = b->len;
    put(b, "NTLMSSP\0", 8), put32le(b, 3);
    putz(b, 48);               /* Lm, Nt, Domain, User, Workstation, SessionKey fields */
    put32le(b, 0xe2888215);
    put1(b, 10), put1(b, 0), put16le(b, 19041), putz(b, 3), put1(b, 15);
    putz(b, 16);               /* MIC */
    size_t o = b->len - s;
    putz(b, 24);               /* LmChallengeResponse: zeros with NTLMv2 */
    ntlm_field(b, s + 12, 24, (uint32_t)o);
    o = b->len - s;
    putrand(b, 16);            /* NTProofStr */
    /* MS-NLMP 2.2.2.7: the client's own time */
    put1(b, 1), put1(b, 1), putz(b, 6), put64le(b, filetime_at(now_us + (h->broken == 2 ? SKEWED_CLOCK_US : 0)));
    putrand(b, 8), putz(b, 4);
    put16le(b, 2), put16le(b, (unsigned)strlen(NBDOM) * 2), pututf16(b, NBDOM);
    put16le(b, 1), put16le(b, 6), pututf16(b, "DC1");
    put16le(b, 0), put16le(b, 0);
    putz(b, 4);
    ntlm_field(b, s + 20, (uint16_t)(b->len - s - o), (uint32_t)o);
    o = b->len - s;
    pututf16(b, NBDOM);
    ntlm_field(b, s + 28, (uint16_t)(b->len - s - o), (uint32_t)o);
    o = b->len - s;
    pututf16(b, user);
    ntlm_field(b, s + 36, (uint16_t)(b->len - s - o), (uint32_t)o);
    o = b->len - s;
    pututf16(b, h->name);
    ntlm_field(b, s + 44, (uint16_t)(b->len - s - o), (uint32_t)o);
    o = b->len - s;
    putrand(b, 16);
    ntlm_field(b, s + 52, 16, (uint32_t)o);
}

static void smb_exchange(Smb *s, Buf *req, Buf *rsp)
{
    tcp_send(&s->tcp, 0, req->p, req->len);
    tcp_send(&s->tcp, 1, rsp->p, rsp->len);
    req->len = rsp->len = 0;
    s->msg_id++;
}

/* A WRITE of `pdu` to the pipe then a READ returning `answer` (MS-SMB2 2.2.21, 2.2.19). */
static void smb_pipe_call(Smb *s, const Buf *pdu, const Buf *answer)
{
    Buf q = { 0 }, r = { 0 };
    size_t nb = smb2_hdr(&q, s, SMB2_WRITE, false, 0);
    put16le(&q, 49), put16le(&q, 64 + 48), put32le(&q, (uint32_t)pdu->len), put64le(&q, 0);
    put(&q, s->file_id, 16);
    put32le(&q, 0), put32le(&q, 0), put16le(&q, 0), put16le(&q, 0), put32le(&q, 0);
    put(&q, pdu->p, pdu->len);
    smb2_end(&q, nb);
    nb = smb2_hdr(&r, s, SMB2_WRITE, true, 0);
    put16le(&r, 17), put16le(&r, 0), put32le(&r, (uint32_t)pdu->len), put32le(&r, 0), put32le(&r, 0);
    smb2_end(&r, nb);
    smb_exchange(s, &q, &r);

    nb = smb2_hdr(&q, s, SMB2_READ, false, 0);
    put16le(&q, 49), put1(&q, 0), put1(&q, 0), put32le(&q, 4280), put64le(&q, 0);
    put(&q, s->file_id, 16);
    put32le(&q, 0), put32le(&q, 0), put32le(&q, 0), put16le(&q, 0), put16le(&q, 0), put1(&q, 0);
    smb2_end(&q, nb);
    nb = smb2_hdr(&r, s, SMB2_READ, true, 0);
    put16le(&r, 17), put1(&r, 80), put1(&r, 0), put32le(&r, (uint32_t)answer->len), put32le(&r, 0),
        put32le(&r, 0);
    put(&r, answer->p, answer->len);
    smb2_end(&r, nb);
    smb_exchange(s, &q, &r);
    free(q.p);
    free(r.p);
}

/* ------------------------------------------------------------------ sessions */
enum { S_HTTP, S_TLS, S_DNS, S_KRB, S_SMB, S_RPC, S_NTYPES };
/* Relative weights of new sessions (by count), per mix (-m):
 *   mixed: an office uplink, where Kerberos is a small share of the bytes;
 *   dc:    a span of a domain controller's port, nearly all of it
 *          authentication (stresses the dissectors and the verdict engine). */
static const unsigned WEIGHTS_MIXED[S_NTYPES] = { 18, 24, 34, 16, 4, 4 };
static const unsigned WEIGHTS_DC[S_NTYPES] = { 0, 0, 10, 74, 8, 8 };
static const unsigned *WEIGHTS = WEIGHTS_MIXED;

typedef struct {
    int type, step;
    Host *h;
    Tcp tcp;
    Smb smb;
    uint64_t remaining; /* bulk bytes left */
    uint32_t call_id;
    uint16_t dyn_port;
    int queries;
} Session;

static Host *pick_client(void) { return &clients[rnd_below(n_clients)]; }

static uint64_t bulk_size(void)
{
    /* heavy-tailed: mostly small objects, some large downloads */
    uint32_t r = rnd_below(100);
    if (r < 55)
        return 2000 + rnd_below(30000);
    if (r < 85)
        return 30000 + rnd_below(200000);
    if (r < 97)
        return 200000 + rnd_below(1500000);
    return 2000000 + rnd_below(8000000);
}

static void session_new(Session *s)
{
    uint32_t tot = 0, r;
    for (int i = 0; i < S_NTYPES; i++)
        tot += WEIGHTS[i];
    r = rnd_below(tot);
    int t = 0;
    while (r >= WEIGHTS[t])
        r -= WEIGHTS[t++];
    memset(s, 0, sizeof *s);
    s->type = t;
    s->h = pick_client();
    s->remaining = bulk_size();
    s->queries = 1 + (int)rnd_below(3);
    s->call_id = 1;
}

/* Runs one step of a session; returns false when it is finished. */
static bool session_step(Session *s)
{
    Buf q = { 0 }, r = { 0 };
    bool more = true;
    Host *h = s->h;
    switch (s->type) {
    case S_HTTP:
    case S_TLS: {
        bool tls = s->type == S_TLS;
        if (s->step == 0) {
            tcp_open(&s->tcp, h, &web[rnd_below(N_WEB)], tls ? 443 : 80);
            if (tls) {
                truth.tls++;
                /* ClientHello (RFC 5246 7.4.1.2), opaque body */
                put1(&q, 0x16), put16be(&q, 0x0301), put16be(&q, 4 + 2 + 32 + 1 + 32 + 2 + 8 + 2);
                put1(&q, 1), put1(&q, 0), put16be(&q, 2 + 32 + 1 + 32 + 2 + 8 + 2);
                put16be(&q, 0x0303), putrand(&q, 32), put1(&q, 32), putrand(&q, 32);
                put16be(&q, 8), put16be(&q, 0xc02f), put16be(&q, 0xc030), put16be(&q, 0xc02b),
                    put16be(&q, 0x009c);
                put1(&q, 1), put1(&q, 0);
                tcp_send(&s->tcp, 0, q.p, q.len);
                q.len = 0;
                put1(&r, 0x16), put16be(&r, 0x0303), put16be(&r, 4 + 2 + 32 + 1 + 32 + 2 + 1);
                put1(&r, 2), put1(&r, 0), put16be(&r, 2 + 32 + 1 + 32 + 2 + 1);
                put16be(&r, 0x0303), putrand(&r, 32), put1(&r, 32), putrand(&r, 32);
                put16be(&r, 0xc02f), put1(&r, 0);
                put1(&r, 0x14), put16be(&r, 0x0303), put16be(&r, 1), put1(&r, 1);
                tcp_send(&s->tcp, 1, r.p, r.len);
            } else {
                truth.http++;
                char req[256];
                int n = snprintf(req, sizeof req,
                                 "GET /static/%08x/asset-%u.bin HTTP/1.1\r\nHost: cdn%u.example.net\r\n"
                                 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
                                 "Accept: */*\r\nConnection: close\r\n\r\n",
                                 (unsigned)rnd(), rnd_below(100000), rnd_below(64));
                tcp_send(&s->tcp, 0, (const uint8_t *)req, (size_t)n);
                n = snprintf(req, sizeof req,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             "Content-Length: %" PRIu64 "\r\nConnection: close\r\n\r\n",
                             s->remaining);
                tcp_send(&s->tcp, 1, (const uint8_t *)req, (size_t)n);
            }
        } else if (s->remaining) {
            /* one 16 KiB chunk (a TLS record, or HTTP body bytes) per step */
            size_t k = s->remaining > 16384 ? 16384 : (size_t)s->remaining;
            if (tls) {
                put1(&r, 0x17), put16be(&r, 0x0303), put16be(&r, (unsigned)k);
            }
            putrand(&r, k);
            tcp_send(&s->tcp, 1, r.p, r.len);
            s->remaining -= k;
        } else {
            tcp_close(&s->tcp);
            more = false;
        }
        break;
    }
    case S_DNS: {
        /* RFC 1035 4.1: query and answer for an internal A record */
        Host *srv = &dc;
        uint16_t cp = ephemeral_port(h);
        truth.udp_flows++;
        truth.dns++;
        uint16_t id = (uint16_t)rnd();
        char name[80];
        snprintf(name, sizeof name, "host%u.%s", rnd_below(20000), DNSDOM);
        Buf qn = { 0 };
        for (char *p = name; *p;) {
            char *dot = strchr(p, '.');
            size_t l = dot ? (size_t)(dot - p) : strlen(p);
            put1(&qn, (unsigned)l), put(&qn, p, l);
            p += l + (dot ? 1 : 0);
        }
        put1(&qn, 0);
        put16be(&q, id), put16be(&q, 0x0100), put16be(&q, 1), putz(&q, 6);
        put(&q, qn.p, qn.len), put16be(&q, 1), put16be(&q, 1);
        put16be(&r, id), put16be(&r, 0x8580), put16be(&r, 1), put16be(&r, 1), putz(&r, 4);
        put(&r, qn.p, qn.len), put16be(&r, 1), put16be(&r, 1);
        put16be(&r, 0xc00c), put16be(&r, 1), put16be(&r, 1), put32be(&r, 1200), put16be(&r, 4);
        put32be(&r, (10u << 24) | (20u << 16) | rnd_below(65536));
        free(qn.p);
        udp_send(h, cp, srv, 53, q.p, q.len);
        udp_send(srv, 53, h, cp, r.p, r.len);
        more = --s->queries > 0;
        break;
    }
    case S_KRB: {
        /* A machine logon (MS-KILE 3.1.5, RFC 4120 3.1): AS-REQ without
         * pre-authentication → KRB-ERROR 25, AS-REQ with PA-ENC-TIMESTAMP →
         * AS-REP (or 24 / 37 for a broken machine), then service tickets. */
        switch (s->step) {
        case 0:
            krb_as_req(&q, h, false);
            krb_error(&r, h, 25, false);
            krb_exchange(h, &q, 10, &r, 30);
            break;
        case 1:
            krb_as_req(&q, h, true);
            if (h->broken) {
                krb_error(&r, h, h->broken == 1 ? 24 : 37, false);
                krb_exchange(h, &q, 10, &r, 30);
                more = false;
            } else {
                krb_rep(&r, h, false, "krbtgt", REALM, h->krb_tcp ? 1100 + rnd_below(600) : 650 + rnd_below(150));
                krb_exchange(h, &q, 10, &r, 11);
            }
            break;
        default: {
            static const char *const svc[][2] = { { "cifs", "dc1.corp.example.com" },
                                                  { "ldap", "dc1.corp.example.com" },
                                                  { "host", "fs1.corp.example.com" } };
            const char *const *sv = svc[s->step - 2];
            size_t tl = h->krb_tcp ? 1100 + rnd_below(600) : 650 + rnd_below(150);
            krb_tgs_req(&q, h, sv[0], sv[1], tl);
            krb_rep(&r, h, true, sv[0], sv[1], h->krb_tcp ? 1100 + rnd_below(600) : 650 + rnd_below(150));
            krb_exchange(h, &q, 12, &r, 13);
            more = s->step < 4;
        }
        }
        break;
    }
    case S_SMB: {
        Smb *m = &s->smb;
        size_t nb;
        switch (s->step) {
        case 0: {
            truth.smb2_sessions++;
            tcp_open(&m->tcp, h, &dc, 445);
            m->msg_id = 0;
            nb = smb2_hdr(&q, m, SMB2_NEGOTIATE, false, 0);
            put16le(&q, 36), put16le(&q, 4), put16le(&q, 1), put16le(&q, 0), put32le(&q, 0x7f);
            putrand(&q, 16), put64le(&q, 0);
            put16le(&q, 0x0202), put16le(&q, 0x0210), put16le(&q, 0x0300), put16le(&q, 0x0302);
            smb2_end(&q, nb);
            nb = smb2_hdr(&r, m, SMB2_NEGOTIATE, true, 0);
            /* SPNEGO NegTokenInit advertising NTLMSSP (RFC 4178) */
            Buf sp = { 0 };
            size_t g = der_open(&sp, 0x60);
            static const uint8_t spnego_oid[] = { 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
            put(&sp, spnego_oid, sizeof spnego_oid);
            size_t a0 = der_open(&sp, 0xa0);
            size_t sq = der_open(&sp, SEQ);
            size_t m0 = der_open(&sp, 0xa0);
            size_t mq = der_open(&sp, SEQ);
            static const uint8_t ntlm_oid[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
                                                0x82, 0x37, 0x02, 0x02, 0x0a };
            put(&sp, ntlm_oid, sizeof ntlm_oid);
            der_close(&sp, mq);
            der_close(&sp, m0);
            der_close(&sp, sq);
            der_close(&sp, a0);
            der_close(&sp, g);
            put16le(&r, 65), put16le(&r, 1), put16le(&r, 0x0302), put16le(&r, 0);
            putrand(&r, 16), put32le(&r, 0x2f), put32le(&r, 8388608), put32le(&r, 8388608),
                put32le(&r, 8388608);
            put64le(&r, filetime_at(now_us)), put64le(&r, 0);
            put16le(&r, 128), put16le(&r, (unsigned)sp.len), put32le(&r, 0);
            put(&r, sp.p, sp.len);
            free(sp.p);
            smb2_end(&r, nb);
            smb_exchange(m, &q, &r);
            break;
        }
        case 1:
        case 2: {
            bool first = s->step == 1;
            nb = smb2_hdr(&q, m, SMB2_SESSION_SETUP, false, 0);
            put16le(&q, 25), put1(&q, 0), put1(&q, 1), put32le(&q, 1), put32le(&q, 0);
            size_t so = q.len;
            put16le(&q, 64 + 24), put16le(&q, 0), put64le(&q, 0);
            size_t bs = q.len;
            if (first)
                ntlm_negotiate(&q);
            else
                ntlm_authenticate(&q, h);
            set16le(&q, so + 2, (unsigned)(q.len - bs));
            smb2_end(&q, nb);
            if (first)
                m->session_id = 0x0000100000000000ull | rnd_below(1u << 30);
            nb = smb2_hdr(&r, m, SMB2_SESSION_SETUP, true, first ? 0xc0000016 : 0);
            put16le(&r, 9), put16le(&r, 0), put16le(&r, 64 + 8), put16le(&r, 0);
            bs = r.len;
            if (first)
                ntlm_challenge(&r);
            set16le(&r, bs - 2, (unsigned)(r.len - bs));
            smb2_end(&r, nb);
            smb_exchange(m, &q, &r);
            break;
        }
        case 3: {
            nb = smb2_hdr(&q, m, SMB2_TREE_CONNECT, false, 0);
            const char *path = "\\\\dc1.corp.example.com\\IPC$";
            put16le(&q, 9), put16le(&q, 0), put16le(&q, 64 + 8), put16le(&q, (unsigned)strlen(path) * 2);
            pututf16(&q, path);
            smb2_end(&q, nb);
            m->tree_id = 1 + rnd_below(100);
            nb = smb2_hdr(&r, m, SMB2_TREE_CONNECT, true, 0);
            put16le(&r, 16), put1(&r, 2), put1(&r, 0), put32le(&r, 0x30), put32le(&r, 0), put32le(&r, 0x1f01ff);
            smb2_end(&r, nb);
            smb_exchange(m, &q, &r);
            break;
        }
        case 4: {
            nb = smb2_hdr(&q, m, SMB2_CREATE, false, 0);
            put16le(&q, 57), put1(&q, 0), put1(&q, 0), put32le(&q, 2), put64le(&q, 0), put64le(&q, 0);
            put32le(&q, 0x0012019f), put32le(&q, 0), put32le(&q, 7), put32le(&q, 1), put32le(&q, 0x400040);
            put16le(&q, 64 + 56), put16le(&q, 16), put32le(&q, 0), put32le(&q, 0);
            pututf16(&q, "netlogon");
            smb2_end(&q, nb);
            memcpy(m->file_id, rand_bytes(16), 16);
            nb = smb2_hdr(&r, m, SMB2_CREATE, true, 0);
            put16le(&r, 89), put1(&r, 0), put1(&r, 0), put32le(&r, 1);
            putz(&r, 32), put64le(&r, 4096), put64le(&r, 0), put32le(&r, 0x80), put32le(&r, 0);
            put(&r, m->file_id, 16), put32le(&r, 0), put32le(&r, 0);
            smb2_end(&r, nb);
            smb_exchange(m, &q, &r);
            break;
        }
        case 5: {
            Buf p = { 0 }, a = { 0 };
            rpc_bind(&p, s->call_id, UUID_NETLOGON, 1);
            rpc_bind_ack(&a, s->call_id++, "\\PIPE\\netlogon");
            smb_pipe_call(m, &p, &a);
            free(p.p);
            free(a.p);
            break;
        }
        case 6:
        case 7: {
            Buf st = { 0 }, p = { 0 }, a = { 0 };
            bool chal = s->step == 6;
            if (chal)
                nrpc_req_challenge(&st, h);
            else
                nrpc_auth3(&st, h);
            rpc_request(&p, s->call_id, chal ? 4 : 26, &st);
            st.len = 0;
            if (chal)
                nrpc_req_challenge_rsp(&st);
            else
                nrpc_auth3_rsp(&st, h);
            rpc_response(&a, s->call_id++, &st);
            smb_pipe_call(m, &p, &a);
            free(st.p);
            free(p.p);
            free(a.p);
            break;
        }
        default: {
            nb = smb2_hdr(&q, m, SMB2_CLOSE, false, 0);
            put16le(&q, 24), put16le(&q, 0), put32le(&q, 0), put(&q, m->file_id, 16);
            smb2_end(&q, nb);
            nb = smb2_hdr(&r, m, SMB2_CLOSE, true, 0);
            put16le(&r, 60), put16le(&r, 0), putz(&r, 4 + 32 + 16 + 4);
            smb2_end(&r, nb);
            smb_exchange(m, &q, &r);
            tcp_close(&m->tcp);
            more = false;
        }
        }
        break;
    }
    case S_RPC: {
        /* EPM on 135 maps NETLOGON to a dynamic port; then NETLOGON over TCP on it. */
        Buf st = { 0 };
        switch (s->step) {
        case 0:
            truth.rpc_sessions++;
            tcp_open(&s->tcp, h, &dc, 135);
            rpc_bind(&q, 1, UUID_EPM, 3);
            rpc_bind_ack(&r, 1, "135");
            tcp_send(&s->tcp, 0, q.p, q.len);
            tcp_send(&s->tcp, 1, r.p, r.len);
            break;
        case 1:
            s->dyn_port = (uint16_t)(49664 + rnd_below(8));
            epm_map_req(&st);
            rpc_request(&q, 2, 3, &st);
            st.len = 0;
            epm_map_rsp(&st, s->dyn_port);
            rpc_response(&r, 2, &st);
            tcp_send(&s->tcp, 0, q.p, q.len);
            tcp_send(&s->tcp, 1, r.p, r.len);
            tcp_close(&s->tcp);
            break;
        case 2: {
            char port[8];
            snprintf(port, sizeof port, "%u", s->dyn_port);
            tcp_open(&s->tcp, h, &dc, s->dyn_port);
            rpc_bind(&q, 1, UUID_NETLOGON, 1);
            rpc_bind_ack(&r, 1, port);
            tcp_send(&s->tcp, 0, q.p, q.len);
            tcp_send(&s->tcp, 1, r.p, r.len);
            break;
        }
        case 3:
            nrpc_req_challenge(&st, h);
            rpc_request(&q, 2, 4, &st);
            st.len = 0;
            nrpc_req_challenge_rsp(&st);
            rpc_response(&r, 2, &st);
            tcp_send(&s->tcp, 0, q.p, q.len);
            tcp_send(&s->tcp, 1, r.p, r.len);
            break;
        default:
            nrpc_auth3(&st, h);
            rpc_request(&q, 3, 26, &st);
            st.len = 0;
            nrpc_auth3_rsp(&st, h);
            rpc_response(&r, 3, &st);
            tcp_send(&s->tcp, 0, q.p, q.len);
            tcp_send(&s->tcp, 1, r.p, r.len);
            tcp_close(&s->tcp);
            more = false;
        }
        free(st.p);
        break;
    }
    }
    free(q.p);
    free(r.p);
    s->step++;
    return more;
}

/* ------------------------------------------------------------------ main */
static void write_truth(const char *path)
{
    FILE *f = path ? fopen(path, "w") : stderr;
    if (!f) {
        perror(path);
        exit(1);
    }
    uint64_t krb = 0;
    for (int i = 0; i < 32; i++)
        krb += truth.krb_by_type[i];
    fprintf(f, "{\"bytes\": %" PRIu64 ", \"packets\": %" PRIu64 ", \"tcp_flows\": %" PRIu64
               ", \"udp_flows\": %" PRIu64 ", \"client_hosts\": %" PRIu64 ",\n",
            bytes_out, packets_out, truth.tcp_flows, truth.udp_flows, truth.hosts_seen);
    fprintf(f, " \"kerberos_messages\": %" PRIu64 ", \"kerberos_udp\": %" PRIu64 ", \"kerberos_tcp\": %" PRIu64
               ",\n \"kerberos_by_msg_type\": {",
            krb, truth.krb_udp, truth.krb_tcp);
    const char *sep = "";
    for (int i = 0; i < 32; i++)
        if (truth.krb_by_type[i]) {
            fprintf(f, "%s\"%d\": %" PRIu64, sep, i, truth.krb_by_type[i]);
            sep = ", ";
        }
    fprintf(f, "},\n \"kerberos_error_codes\": {");
    sep = "";
    for (int i = 0; i < 128; i++)
        if (truth.krb_err[i]) {
            fprintf(f, "%s\"%d\": %" PRIu64, sep, i, truth.krb_err[i]);
            sep = ", ";
        }
    fprintf(f, "},\n \"netlogon_requests\": {\"4\": %" PRIu64 ", \"26\": %" PRIu64 "}, \"netlogon_access_denied\": %"
               PRIu64 ",\n \"smb2_sessions\": %" PRIu64 ", \"rpc_tcp_sessions\": %" PRIu64 ", \"dns\": %" PRIu64
               ", \"http\": %" PRIu64 ", \"tls\": %" PRIu64 "}\n",
            truth.netlogon_req[4], truth.netlogon_req[26], truth.netlogon_denied, truth.smb2_sessions,
            truth.rpc_sessions, truth.dns, truth.http, truth.tls);
    if (path)
        fclose(f);
}

static void usage(void)
{
    fprintf(stderr, "usage: gen-capture [-s MiB (default 1024)] [-c clients (default 4000, max 60000)]\n"
                    "                   [-m mixed|dc (default mixed)] [-S seed] [-t truth.json] -o out.pcap\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *truth_path = NULL;
    uint64_t mib = 1024, seed = 1;
    int c;
    while ((c = getopt(argc, argv, "c:m:o:s:S:t:h")) != -1) {
        switch (c) {
        case 'c': n_clients = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'm':
            if (strcmp(optarg, "mixed") == 0)
                WEIGHTS = WEIGHTS_MIXED;
            else if (strcmp(optarg, "dc") == 0)
                WEIGHTS = WEIGHTS_DC;
            else
                usage();
            break;
        case 'o': path = optarg; break;
        case 's': mib = strtoull(optarg, NULL, 10); break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        case 't': truth_path = optarg; break;
        default: usage();
        }
    }
    if (!path || !mib || n_clients < 1 || n_clients > N_CLIENTS_MAX)
        usage();
    target_bytes = mib << 20;
    rng_state ^= seed * 0x9e3779b97f4a7c15ull;
    if (!rng_state)
        rng_state = 1;

    randpool = malloc(RANDPOOL);
    if (!randpool)
        return 1;
    for (size_t i = 0; i < RANDPOOL; i += 8) {
        uint64_t v = rnd();
        memcpy(randpool + i, &v, 8);
    }

    host_init(&dc, (10u << 24) | (20u << 16) | 10, "DC1");
    host_init(&fileserver, (10u << 24) | (20u << 16) | 11, "FS1");
    clients = calloc(n_clients, sizeof *clients);
    if (!clients)
        return 1;
    for (int i = 0; i < (int)n_clients; i++) {
        char name[16];
        snprintf(name, sizeof name, n_clients > 9999 ? "WS%05d" : "WS%04d", i + 1);
        uint32_t n = 100 + (uint32_t)i; /* 10.20.0.100 … */
        host_init(&clients[i], (10u << 24) | (20u << 16) | n, name);
        uint32_t r = rnd_below(1000);
        clients[i].broken = r < 15 ? 1 : r < 25 ? 2 : 0; /* 1.5% wrong password, 1% clock skew */
        clients[i].krb_tcp = rnd_below(100) < 35;
    }
    for (int i = 0; i < N_WEB; i++) {
        char name[16];
        snprintf(name, sizeof name, "WEB%03d", i);
        host_init(&web[i], (93u << 24) | (184u << 16) | (uint32_t)(i * 7 + 1), name);
    }

    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    static char obuf[1 << 22];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    now_us = 1793952000ll * 1000000; /* 2026-11-06T08:00:00Z */
    pcap_header();

    static Session active[N_ACTIVE];
    for (int i = 0; i < N_ACTIVE; i++)
        session_new(&active[i]);
    /* Interleave: each round runs one step of a random open session; a
     * finished session is replaced while the target size is not reached. */
    int open = N_ACTIVE;
    while (open > 0) {
        uint32_t i = rnd_below(N_ACTIVE);
        Session *s = &active[i];
        if (s->type < 0)
            continue;
        /* Past the target size, downloads end early so the tail of the
         * capture keeps the same mix instead of only long transfers. */
        if (bytes_out >= target_bytes && (s->type == S_HTTP || s->type == S_TLS) && s->step > 0)
            s->remaining = 0;
        if (!session_step(s)) {
            if (bytes_out < target_bytes) {
                session_new(s);
            } else {
                s->type = -1;
                open--;
            }
        }
    }
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    write_truth(truth_path);
    free(randpool);
    free(clients);
    return 0;
}
