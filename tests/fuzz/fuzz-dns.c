/* fuzz-dns.c — the DNS GSS-TSIG carrier (and through it GSS-API, Kerberos,
 * NTLMSSP).  Input byte 0: bit 0 selects UDP (the rest, split at bytes 1-2
 * little-endian into datagrams: each [u16 reported extra][u16 len][bytes],
 * so a datagram can be cut by "snaplen") or TCP (the rest is a two-way
 * conversation in the fuzz-stream.h segment format).  Both probes run on
 * every datagram too.  Seeds: the TKEY/UPDATE exchanges of
 * pcaps/11-gss-tsig.pcap and of tests/diff/make-gss-tsig.py. */
#include "dissectors/dns/dns.h"

#include <stdint.h>

#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        fuzz_tcp_conversation(&tw_dns_tcp_parser, 53, data + 1, size - 1);
        return 0;
    }
    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.transport = "udp";
    pi.sport = 53001;
    pi.dport = 53;
    GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event, .counters = counters };
    void *st = tw_dns_udp_parser.state_new();
    size_t off = 1;
    while (size - off >= 4) {
        gsize extra = data[off] | (data[off + 1] << 8);
        gsize n = data[off + 2] | (data[off + 3] << 8);
        off += 4;
        if (n > size - off)
            n = size - off;
        /* exact-size copy: a read past the datagram is caught by ASan */
        guint8 *dg = g_memdup2(data + off, n);
        (void)tw_dns_udp_parser.probe(dg, n);
        (void)tw_dns_udp_parser.probe_reply(dg, n);
        tw_dns_udp_parser.feed(st, &ctx, (pi.frame & 1) ? TW_DIR_REQ : TW_DIR_RSP, dg, n, n + extra);
        g_free(dg);
        off += n;
        pi.frame++;
    }
    tw_dns_udp_parser.state_free(st);
    g_hash_table_destroy(counters);
    return 0;
}
