/* fuzz-http.c — the HTTP Negotiate carrier (and through it GSS-API, NTLMSSP
 * and Kerberos).  Input: a sequence of segments, each a header byte (bit 0:
 * direction, bit 1: a gap instead of bytes) followed by a 16-bit
 * little-endian length and that many bytes, so one input is a whole two-way
 * conversation with arbitrary chunking and losses.  Seeds: the two HTTP
 * connections of pcaps/10-server-key-http.pcap and hand-written framing
 * cases (chunked with trailers, HEAD, 100/101, CONNECT, gaps, NTLM). */
#include "dissectors/http/http.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(TwEvent *ev, void *user)
{
    (void)user;
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js); /* every string must serialise */
    g_string_free(js, TRUE);
    tw_event_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.transport = "tcp";
    pi.sport = 49152;
    pi.dport = 80;
    GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    TwDissectCtx ctx = { .pi = &pi, .emit = check_event, .counters = counters };
    void *st = tw_http_tcp_parser.state_new();
    size_t off = 0;
    while (size - off >= 3) {
        guint8 h = data[off];
        gsize n = data[off + 1] | (data[off + 2] << 8);
        off += 3;
        int dir = (h & 1) ? TW_DIR_RSP : TW_DIR_REQ;
        if (h & 2) {
            tw_http_tcp_parser.gap(st, &ctx, dir, n);
        } else {
            if (n > size - off)
                n = size - off;
            tw_http_tcp_parser.feed(st, &ctx, dir, data + off, n, n);
            off += n;
        }
        pi.frame++;
    }
    tw_http_tcp_parser.state_free(st);
    g_hash_table_destroy(counters);
    return 0;
}
