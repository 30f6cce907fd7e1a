/* fuzz-ntp.c — the NTP / MS-SNTP parser.  The first input byte picks the
 * path: one datagram through tw_ntp_parse_message (with and without the
 * teaching tree, optionally cut as by snaplen), or the UDP parser fed the
 * rest of the input split into datagrams of sizes taken from the input, in
 * alternating or input-chosen directions, so that pairing and the pending
 * cap run. */
#include "dissectors/ntp/ntp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    guint8 mode = data[0];
    const guint8 *p = data + 1;
    gsize n = size - 1;
    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.ts_us = (gint64)mode * 1000003;
    pi.transport = "udp";
    pi.sport = 123;
    pi.dport = 123;
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event, .want_tree = (mode & 0x20) != 0 };
    if ((mode & 1) == 0) {
        gsize cut = (mode & 0x40) ? n / 2 : n;
        fuzz_check_event(tw_ntp_parse_message(&ctx, p, cut, n), NULL);
        return 0;
    }
    /* Datagrams: each starts with a length byte (0 → 48, the header size). */
    void *st = tw_ntp_udp_parser.state_new();
    gsize off = 0;
    guint i = 0;
    while (off < n) {
        gsize len = p[off] ? p[off] : TW_NTP_HEADER_LEN;
        off++;
        if (len > n - off)
            len = n - off;
        int dir = (mode & 0x80) ? (len & 1) : (int)(i & 1);
        pi.frame++;
        tw_ntp_udp_parser.feed(st, &ctx, dir, p + off, len, len + ((mode & 0x40) ? 4 : 0));
        off += len;
        i++;
    }
    tw_ntp_udp_parser.state_free(st);
    return 0;
}
