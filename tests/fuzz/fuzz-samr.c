/* fuzz-samr.c — the SAMR stub dissector on arbitrary stubs.
 * Input: [u8 opnum][u8 flags][stub]; flags bit 0 response, bit 1
 * big-endian, bit 2 NDR64, bit 4 sealed; the request, then the same bytes as its
 * response (paired through the carried fields and the handle tables). */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/dcerpc/dcerpc-call.h"
#include "dissectors/samr/samr.h"
#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    TwPacketInfo pi = { .frame = 7, .transport = "tcp" };
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event };
    TwDcerpcCall call = { .call_id = 1, .have_request = true, .opnum = data[0] % 80,
                          .req_frame = 3 };
    uint8_t flags = data[1];
    /* an exact-size stub so ASan catches over-reads */
    uint8_t *stub = size > 2 ? g_memdup2(data + 2, size - 2) : g_malloc0(1);
    TwDcerpcStub st = {
        .ctx = &ctx,
        .registry = &tw_dcerpc_registry,
        .transport = "tcp",
        .dir = (flags & 1) ? TW_DIR_RSP : TW_DIR_REQ,
        .call_id = 1,
        .opnum = call.opnum,
        .little_endian = !(flags & 2),
        .ndr64 = (flags & 4) != 0,
        .sealed = (flags & 16) != 0,
        .stub = stub,
        .stub_len = size - 2,
        .call = &call,
    };
    const TwDcerpcIface *samr = tw_dcerpc_iface_lookup("12345778-1234-abcd-ef00-0123456789ac", 1);
    st.iface = samr;
    st.opnum = call.opnum = data[0] % 80;
    st.dir = TW_DIR_REQ;
    samr->dissect(&st);
    st.dir = TW_DIR_RSP;
    samr->dissect(&st);
    /* and once more, so a handle the response opened names the next request */
    st.dir = TW_DIR_REQ;
    samr->dissect(&st);
    if (call.carry)
        tw_event_free(call.carry);
    g_free(stub);
    tw_samr_reset();
    return 0;
}
