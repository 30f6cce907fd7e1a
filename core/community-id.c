/* community-id.c — Community ID v1 (community-id.h). */
#include "community-id.h"
#include "tw-limits.h"
#include "event.h" /* TW_THREAD_LOCAL */

#include <arpa/inet.h>
#include <nettle/sha1.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Spec "ICMP": request/reply type pairs are one two-way flow whose second
 * port is the counterpart type; any other type is a one-way flow whose
 * ports are (type, code), never reordered. */
static bool icmp_counterpart(bool v6, guint16 type, guint16 *other)
{
    static const guint8 v4[][2] = {
        { 8, 0 },   { 0, 8 },   /* echo / echo reply */
        { 13, 14 }, { 14, 13 }, /* timestamp */
        { 15, 16 }, { 16, 15 }, /* information */
        { 10, 9 },  { 9, 10 },  /* router solicitation / advertisement */
        { 17, 18 }, { 18, 17 }, /* address mask */
    };
    static const guint8 v6t[][2] = {
        { 128, 129 }, { 129, 128 }, /* echo */
        { 130, 131 }, { 131, 130 }, /* MLD listener query / report */
        { 133, 134 }, { 134, 133 }, /* router solicitation / advertisement */
        { 135, 136 }, { 136, 135 }, /* neighbor solicitation / advertisement */
        { 139, 140 }, { 140, 139 }, /* node information (who-are-you) */
        { 144, 145 }, { 145, 144 }, /* home agent address discovery */
    };
    const guint8(*t)[2] = v6 ? v6t : v4;
    gsize n = v6 ? G_N_ELEMENTS(v6t) : G_N_ELEMENTS(v4);
    for (gsize i = 0; i < n; i++) {
        if (t[i][0] == type) {
            *other = t[i][1];
            return true;
        }
    }
    return false;
}

/* Dotted IPv4 as inet_pton reads it (four decimal parts 0-255, no leading
 * zeros, nothing else), without its per-character table walk.  What this
 * refuses goes to inet_pton, so the two together accept what it accepts. */
static bool parse_ipv4_plain(const char *s, guint8 out[4])
{
    for (int i = 0; i < 4; i++) {
        if (i && *s++ != '.')
            return false;
        if (*s < '0' || *s > '9')
            return false;
        guint v = (guint)(*s++ - '0');
        if (v == 0 && *s >= '0' && *s <= '9')
            return false;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (guint)(*s++ - '0');
            if (v > 255)
                return false;
        }
        out[i] = (guint8)v;
    }
    return *s == 0;
}

static gsize parse_addr(const char *s, guint8 out[16], int *family)
{
    if (!s)
        return 0;
    if (parse_ipv4_plain(s, out)) {
        *family = AF_INET;
        return 4;
    }
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 4;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return 16;
    }
    return 0;
}

/* RFC 4648 section 4 base64 of the 20-byte SHA-1: 28 characters, one '='. */
G_STATIC_ASSERT(SHA1_DIGEST_SIZE == 20);
static void base64_sha1(const guint8 d[20], char out[28])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int o = 0;
    for (int i = 0; i < 18; i += 3) {
        guint32 v = (guint32)d[i] << 16 | (guint32)d[i + 1] << 8 | d[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    guint32 v = (guint32)d[18] << 16 | (guint32)d[19] << 8;
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = b64[(v >> 6) & 63];
    out[o] = '=';
}

/* SHA-1 (FIPS 180-4) of n <= 55 bytes: they and their padding (section
 * 5.1.1: 0x80, zeros, the length in bits as 64 bits big-endian) are one
 * 64-byte block, given to nettle's compression function from the initial
 * hash value (section 5.3.1); the digest is the state, big-endian.  What
 * sha1_init/update/digest do, without their buffering for a message of
 * any length. */
static void sha1_one_block(const guint8 *m, gsize n, guint8 digest[SHA1_DIGEST_SIZE])
{
    guint8 block[64] = { 0 };
    g_assert(n <= 55);
    memcpy(block, m, n);
    block[n] = 0x80;
    guint64 bits = GUINT64_TO_BE((guint64)n * 8);
    memcpy(block + 56, &bits, 8);
    guint32 state[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
    nettle_sha1_compress(state, block);
    for (int i = 0; i < 5; i++) {
        guint32 be = GUINT32_TO_BE(state[i]);
        memcpy(digest + 4 * i, &be, 4);
    }
}

static bool compute(guint16 seed, const char *saddr, const char *daddr, guint8 proto, guint16 sport,
                    guint16 dport, char out[TW_COMMUNITY_ID_LEN])
{
    out[0] = 0;
    guint8 sa[16] = { 0 }, da[16] = { 0 }; /* whole: copied as 16 bytes below */
    int sf = 0, df = 0;
    gsize sn = parse_addr(saddr, sa, &sf), dn = parse_addr(daddr, da, &df);
    if (!sn || sn != dn || sf != df)
        return false;

    bool ports = proto == TW_IPPROTO_TCP || proto == TW_IPPROTO_UDP || proto == TW_IPPROTO_SCTP ||
                 proto == TW_IPPROTO_ICMP || proto == TW_IPPROTO_ICMPV6;
    bool one_way = false;
    if (proto == TW_IPPROTO_ICMP || proto == TW_IPPROTO_ICMPV6) {
        guint16 other;
        if (icmp_counterpart(proto == TW_IPPROTO_ICMPV6, sport, &other))
            dport = other;
        else
            one_way = true; /* (type, code) as they are */
    }
    /* Spec "ordering": the smaller (address, port) endpoint first, addresses
     * compared as network-order bytes; a one-way ICMP flow keeps its order. */
    int c = memcmp(sa, da, sn);
    if (!one_way && (c > 0 || (c == 0 && ports && sport > dport))) {
        guint8 t[16];
        memcpy(t, sa, 16);
        memcpy(sa, da, 16);
        memcpy(da, t, 16);
        guint16 p = sport;
        sport = dport;
        dport = p;
    }

    /* Spec "hash input": seed (2, big-endian), source address, destination
     * address, protocol (1), padding (1, zero), then, for protocols with
     * ports, source and destination port (2 each, big-endian). */
    guint8 buf[2 + 16 + 16 + 2 + 4];
    gsize n = 0;
    buf[n++] = (guint8)(seed >> 8);
    buf[n++] = (guint8)seed;
    /* 16 bytes each (fixed-size copies; what lies past sn is overwritten
     * next, or is past n): 2 + sn + 16 <= sizeof buf */
    G_STATIC_ASSERT(sizeof buf >= 2 + 16 + 16);
    memcpy(buf + n, sa, 16);
    n += sn;
    memcpy(buf + n, da, 16);
    n += sn;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (guint8)(sport >> 8);
        buf[n++] = (guint8)sport;
        buf[n++] = (guint8)(dport >> 8);
        buf[n++] = (guint8)dport;
    }
    guint8 digest[SHA1_DIGEST_SIZE];
    sha1_one_block(buf, n, digest);
    out[0] = '1';
    out[1] = ':';
    base64_sha1(digest, out + 2);
    out[30] = 0;
    return true;
}

/* The per-thread cache (TW_COMMUNITY_ID_CACHE_SLOTS): addresses longer
 * than an IPv6 text form are never cached (nor valid).  A slot's address
 * texts are followed by zeros to the end of their array (CID_SLOT_ADDR), so
 * tw_community_id_v1_arrays compares them as whole 16-byte blocks. */
#define CID_ADDR_MAX 46 /* INET6_ADDRSTRLEN, with the NUL */
#define CID_SLOT_ADDR 48

typedef struct {
    char saddr[CID_SLOT_ADDR];
    char daddr[CID_SLOT_ADDR];
    guint16 seed, sport, dport;
    guint8 proto;
    bool used, ok;
    char out[TW_COMMUNITY_ID_LEN];
} CidSlot;

G_STATIC_ASSERT((TW_COMMUNITY_ID_CACHE_SLOTS & (TW_COMMUNITY_ID_CACHE_SLOTS - 1)) == 0 && TW_COMMUNITY_ID_CACHE_SLOTS >= 2);
static TW_THREAD_LOCAL CidSlot cid_cache[TW_COMMUNITY_ID_CACHE_SLOTS];
static TW_THREAD_LOCAL guint64 cid_misses; /* tw_community_id_cache_misses */

guint64 tw_community_id_cache_misses(void)
{
    return cid_misses;
}

/* A hash of an address text of len bytes: its first and last 8 bytes (all
 * of it when shorter) and its length.  Only spreads keys over slots: a hit
 * compares the whole text. */
static inline guint64 hash_addr(const char *s, gsize len)
{
    guint64 a = 0, b = 0;
    if (len >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + len - 8, 8);
    } else {
        for (gsize i = 0; i < len; i++)
            a = a << 8 | (guint8)s[i];
    }
    return (a * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15)) ^ (b * G_GUINT64_CONSTANT(0xC2B2AE3D27D4EB4F)) ^ len;
}

/* The pair of slots of an ordered key (see tw_community_id_v1). */
static inline CidSlot *cid_set(guint16 seed, const char *saddr, gsize sl, const char *daddr, gsize dl, guint8 proto,
                               guint16 sport, guint16 dport)
{
    guint64 h64 = hash_addr(saddr, sl) ^ (hash_addr(daddr, dl) * 31u);
    h64 ^= ((guint64)seed << 40 | (guint64)proto << 32 | (guint64)sport << 16 | dport) * G_GUINT64_CONSTANT(0xFF51AFD7ED558CCD);
    guint32 h = (guint32)(h64 >> 32) ^ (guint32)h64;
    h ^= h >> 15;
    return &cid_cache[h & (TW_COMMUNITY_ID_CACHE_SLOTS - 2)];
}

/* A miss of an ordered key (texts shorter than CID_ADDR_MAX): computed, and
 * put in the first slot of its pair (the first moves to the second, whose
 * key is lost). */
static G_GNUC_NO_INLINE bool cid_miss(CidSlot *set, guint16 seed, const char *saddr, gsize sl, const char *daddr,
                                      gsize dl, guint8 proto, guint16 sport, guint16 dport,
                                      char out[TW_COMMUNITY_ID_LEN])
{
    cid_misses++;
    bool ok = compute(seed, saddr, daddr, proto, sport, dport, out);
    set[1] = set[0];
    CidSlot *c = &set[0];
    memset(c->saddr, 0, sizeof c->saddr);
    memset(c->daddr, 0, sizeof c->daddr);
    memcpy(c->saddr, saddr, sl);
    memcpy(c->daddr, daddr, dl);
    c->seed = seed;
    c->sport = sport;
    c->dport = dport;
    c->proto = proto;
    c->used = true;
    c->ok = ok;
    memcpy(c->out, out, TW_COMMUNITY_ID_LEN);
    return ok;
}

bool tw_community_id_v1(guint16 seed, const char *saddr, const char *daddr, guint8 proto, guint16 sport,
                        guint16 dport, char out[TW_COMMUNITY_ID_LEN])
{
    gsize sl, dl;
    if (!saddr || !daddr)
        return compute(seed, saddr, daddr, proto, sport, dport, out);
    /* Both directions of a flow have one ID (the spec orders the endpoints
     * before hashing), so both share one slot: the key is the flow with the
     * smaller (address text, port) first.  A one-way ICMP flow keeps its
     * order, and so does every ICMP key. */
    if (proto != TW_IPPROTO_ICMP && proto != TW_IPPROTO_ICMPV6) {
        int c = strcmp(saddr, daddr);
        if (c > 0 || (c == 0 && sport > dport)) {
            const char *t = saddr;
            saddr = daddr;
            daddr = t;
            guint16 p = sport;
            sport = dport;
            dport = p;
        }
    }
    sl = strnlen(saddr, CID_ADDR_MAX);
    dl = strnlen(daddr, CID_ADDR_MAX);
    if (sl >= CID_ADDR_MAX || dl >= CID_ADDR_MAX)
        return compute(seed, saddr, daddr, proto, sport, dport, out);
    /* Two-way: the key may sit in either slot of its pair. */
    CidSlot *set = cid_set(seed, saddr, sl, daddr, dl, proto, sport, dport);
    for (int way = 0; way < 2; way++) {
        const CidSlot *c = &set[way];
        if (c->used && c->sport == sport && c->dport == dport && c->proto == proto && c->seed == seed &&
            memcmp(c->saddr, saddr, sl + 1) == 0 && memcmp(c->daddr, daddr, dl + 1) == 0) {
            memcpy(out, c->out, TW_COMMUNITY_ID_LEN);
            return c->ok;
        }
    }
    return cid_miss(set, seed, saddr, sl, daddr, dl, proto, sport, dport, out);
}

#if defined(__SSE2__)
/* The text of an address array whose NUL lies among its first 32 bytes, as
 * two blocks with zeros from the NUL on; false when it does not (the 32
 * bytes read lie in the TW_COMMUNITY_ID_ADDR_ARRAY readable). */
G_STATIC_ASSERT(TW_COMMUNITY_ID_ADDR_ARRAY >= 32);
static inline bool addr_blocks(const char *a, __m128i *lo, __m128i *hi, gsize *len)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i l = _mm_loadu_si128((const __m128i *)(const void *)a);
    __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(a + 16));
    unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(l, zero)) |
                 (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(h, zero)) << 16;
    if (G_UNLIKELY(!z))
        return false;
    unsigned n = (unsigned)__builtin_ctz(z); /* 0-31 */
    const __m128i idx = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i nv = _mm_set1_epi8((char)n);
    *lo = _mm_and_si128(l, _mm_cmplt_epi8(idx, nv));
    *hi = _mm_and_si128(h, _mm_cmplt_epi8(_mm_add_epi8(idx, _mm_set1_epi8(16)), nv));
    *len = n;
    return true;
}

/* Bit i set where byte i of the two 32-byte texts differs. */
static inline unsigned blocks_differ(__m128i alo, __m128i ahi, __m128i blo, __m128i bhi)
{
    unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(alo, blo)) |
                  (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(ahi, bhi)) << 16;
    return ~eq;
}
#endif

bool tw_community_id_v1_arrays(guint16 seed, const char saddr[TW_COMMUNITY_ID_ADDR_ARRAY],
                               const char daddr[TW_COMMUNITY_ID_ADDR_ARRAY], guint8 proto, guint16 sport,
                               guint16 dport, char out[TW_COMMUNITY_ID_LEN])
{
#if defined(__SSE2__)
    __m128i slo, shi, dlo, dhi;
    gsize sl, dl;
    if (G_UNLIKELY(!addr_blocks(saddr, &slo, &shi, &sl) || !addr_blocks(daddr, &dlo, &dhi, &dl)))
        return tw_community_id_v1(seed, saddr, daddr, proto, sport, dport, out);
    /* tw_community_id_v1's key order: strcmp's, from the first byte that
     * differs (at most at the shorter text's NUL: the bytes up to it are the
     * arrays' own) */
    if (proto != TW_IPPROTO_ICMP && proto != TW_IPPROTO_ICMPV6) {
        unsigned diff = blocks_differ(slo, shi, dlo, dhi);
        int c = 0;
        if (diff) {
            unsigned i = (unsigned)__builtin_ctz(diff);
            c = (int)(guint8)saddr[i] - (int)(guint8)daddr[i];
        }
        if (c > 0 || (c == 0 && sport > dport)) {
            const char *t = saddr;
            saddr = daddr;
            daddr = t;
            __m128i v = slo;
            slo = dlo;
            dlo = v;
            v = shi;
            shi = dhi;
            dhi = v;
            gsize n = sl;
            sl = dl;
            dl = n;
            guint16 p = sport;
            sport = dport;
            dport = p;
        }
    }
    CidSlot *set = cid_set(seed, saddr, sl, daddr, dl, proto, sport, dport);
    for (int way = 0; way < 2; way++) {
        const CidSlot *c = &set[way];
        if (c->used && c->sport == sport && c->dport == dport && c->proto == proto && c->seed == seed) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)c->saddr);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(c->saddr + 16));
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)c->daddr);
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(c->daddr + 16));
            /* equal 32 bytes, zeros from the NUL on: the same text (a longer
             * one has no zero at the NUL's place) */
            if (!(blocks_differ(a, b, slo, shi) | blocks_differ(x, y, dlo, dhi))) {
                memcpy(out, c->out, TW_COMMUNITY_ID_LEN);
                return c->ok;
            }
        }
    }
    return cid_miss(set, seed, saddr, sl, daddr, dl, proto, sport, dport, out);
#else
    return tw_community_id_v1(seed, saddr, daddr, proto, sport, dport, out);
#endif
}
