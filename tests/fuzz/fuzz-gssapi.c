/* fuzz-gssapi.c — GSS-API/SPNEGO/NTLMSSP blobs and the LDAP bind carrier.
 * The first byte picks the path: tw_gssapi_dissect_ex on the rest (bit 2:
 * cut to half with the full length reported, as a snaplen cut would),
 * tw_ntlmssp_parse, or the LDAP TCP parser fed segments in the fuzz-smb2
 * format (header byte: bit 0 direction, bit 1 gap; 16-bit length; bytes). */
#include "dissectors/gssapi/gssapi.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(TwEvent *ev, void *user)
{
    (void)user;
    GString *js = g_string_new(NULL);
    tw_event_to_json(ev, js);
    g_string_free(js, TRUE);
    tw_event_free(ev);
}

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
    TwDissectCtx ctx = { .pi = &pi, .emit = check_event };
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
            check_event(ev, NULL);
        break;
    }
    default: {
        void *st = tw_ldap_tcp_parser.state_new();
        gsize off = 0;
        while (n - off >= 3) {
            guint8 h = p[off];
            gsize len = p[off + 1] | (p[off + 2] << 8);
            off += 3;
            int dir = (h & 1) ? TW_DIR_RSP : TW_DIR_REQ;
            if (h & 2) {
                tw_ldap_tcp_parser.gap(st, &ctx, dir, len);
            } else {
                if (len > n - off)
                    len = n - off;
                tw_ldap_tcp_parser.feed(st, &ctx, dir, p + off, len, len);
                off += len;
            }
            pi.frame++;
        }
        tw_ldap_tcp_parser.state_free(st);
        break;
    }
    }
    return 0;
}
