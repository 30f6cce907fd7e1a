/* fuzz-gssapi.c — GSS-API/SPNEGO/NTLMSSP blobs and the LDAP bind carrier.
 * The first byte picks the path: tw_gssapi_dissect_ex on the rest (bit 2:
 * cut to half with the full length reported, as a snaplen cut would),
 * tw_ntlmssp_parse, or the LDAP TCP parser fed segments in the fuzz-smb2
 * format (header byte: bit 0 direction, bit 1 gap; 16-bit length; bytes). */
#include "dissectors/gssapi/gssapi.h"
#include "dissectors/ntlmssp/ntlmssp.h"

#include <stdint.h>

#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decorate(TwEvent *ev, void *user)
{
    (void)user;
    tw_event_set_int(ev, "fuzz", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    guint8 mode = data[0];
    const guint8 *p = data + 1;
    gsize n = size - 1;
    TwPacketInfo pi = { 0 };
    pi.frame = 1;
    pi.transport = "tcp";
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event };
    switch (mode & 3) {
    case 0:
    case 1: {
        gsize cut = (mode & 4) ? n / 2 : n;
        TwGssSummary sum;
        tw_gssapi_dissect_ex(&ctx, p, cut, n, "smb2", (mode & 8) ? decorate : NULL, NULL, &sum);
        break;
    }
    case 2: {
        gsize cut = (mode & 4) ? n / 2 : n;
        TwEvent *ev = tw_ntlmssp_parse(&ctx, p, cut, n);
        if (ev)
            fuzz_check_event(ev, NULL);
        break;
    }
    default:
        fuzz_feed_segments(&tw_ldap_tcp_parser, &ctx, &pi, p, n);
        break;
    }
    return 0;
}
