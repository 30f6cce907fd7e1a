/* fuzz-dcerpc.c — the DCE/RPC CO stream (framing, binds, reassembly,
 * sec_trailer, NL_AUTH_MESSAGE, EPM, NETLOGON) fed in random chunks.
 *
 * Input: records of [u8 ctl][u16le len][len bytes].  ctl bit 0 is the
 * direction, bit 1 announces a gap before the record, bits 2-7 pick the
 * chunk size the record is fed in (0 = whole).  A final short record takes
 * what is left. */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/dcerpc/dcerpc.h"
#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void expect_cb(TwDissectCtx *ctx, const char *addr, guint16 port, const char *parser)
{
    if (!addr || !parser)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TwPacketInfo pi = { .frame = 1, .transport = "tcp", .src = "10.0.0.1", .dst = "10.0.0.2" };
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event, .expect = expect_cb };
    TwDcerpcStream *s = tw_dcerpc_stream_new((size & 1) ? "smb2" : "tcp", (size & 1) ? "lsarpc" : NULL);
    size_t off = 0;
    while (off < size) {
        uint8_t ctl = data[off++];
        size_t len = size - off;
        if (size - off >= 2) {
            size_t want = data[off] | ((size_t)data[off + 1] << 8);
            off += 2;
            len = want < size - off ? want : size - off;
        } else {
            len = size - off;
        }
        int dir = ctl & 1;
        if (ctl & 2)
            tw_dcerpc_stream_gap(s, &ctx, dir);
        size_t chunk = ctl >> 2;
        if (chunk == 0)
            chunk = len ? len : 1;
        for (size_t p = 0; p < len; p += chunk) {
            size_t n = chunk < len - p ? chunk : len - p;
            /* an exact-size copy so ASan catches any over-read */
            uint8_t *piece = g_memdup2(data + off + p, n);
            tw_dcerpc_stream_feed(s, &ctx, dir, piece, n);
            g_free(piece);
        }
        pi.frame++;
        off += len;
    }
    tw_dcerpc_stream_free(s);
    return 0;
}
