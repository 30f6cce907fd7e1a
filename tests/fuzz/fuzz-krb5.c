/* fuzz-krb5.c — the Kerberos message parser and its transports.  The first
 * input byte picks the path: tw_krb5_parse_message (with and without the
 * teaching tree, with a snaplen cut), the UDP parser on port 88 or kpasswd
 * port 464, or the TCP record path fed in chunks whose sizes come from the
 * input, with a gap in the middle. */
#include "dissectors/krb5/krb5.h"

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
    pi.transport = "udp";
    pi.sport = 50000;
    pi.dport = (mode & 0x10) ? 464 : 88;
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event, .want_tree = (mode & 0x20) != 0 };
    switch (mode & 3) {
    case 0: {
        gsize cut = (mode & 0x40) ? n / 2 : n;
        TwEvent *ev = tw_krb5_parse_message(&ctx, p, cut, n);
        if (ev)
            fuzz_check_event(ev, NULL);
        break;
    }
    case 1: {
        void *st = tw_krb5_udp_parser.state_new();
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_REQ, p, n, n + ((mode & 0x40) ? 100 : 0));
        pi.frame = 2;
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_RSP, p, n, n);
        tw_krb5_udp_parser.state_free(st);
        break;
    }
    default: {
        /* TCP: chunk sizes from the low bits of successive bytes. */
        pi.transport = "tcp";
        void *st = tw_krb5_tcp_parser.state_new();
        gsize off = 0;
        guint i = 0;
        while (off < n) {
            gsize chunk = 1 + (p[(off * 7 + i) % n] % 97) * ((mode & 0x80) ? 13 : 1);
            if (chunk > n - off)
                chunk = n - off;
            pi.frame++;
            tw_krb5_tcp_parser.feed(st, &ctx, (i & 4) && (mode & 3) == 3 ? TW_DIR_RSP : TW_DIR_REQ,
                                    p + off, chunk, chunk);
            if ((mode & 0x40) && i == 3)
                tw_krb5_tcp_parser.gap(st, &ctx, TW_DIR_REQ, 10);
            off += chunk;
            i++;
        }
        tw_krb5_tcp_parser.state_free(st);
        break;
    }
    }
    return 0;
}
