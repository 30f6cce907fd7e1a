/* fuzz-netlogon.c — NETLOGON and EPM stub dissectors on arbitrary stubs.
 * Input: [u8 opnum][u8 flags][stub]; flags bit 0 response, bit 1
 * big-endian, bit 2 NDR64, bit 3 EPM instead of NETLOGON, bit 4 sealed. */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/dcerpc/dcerpc-call.h"
#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    TwPacketInfo pi = { .frame = 7, .transport = "tcp" };
    TwDissectCtx ctx = { .pi = &pi, .emit = fuzz_check_event };
    TwDcerpcCall call = { .call_id = 1, .have_request = true, .opnum = data[0] % 64,
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
    /* the decoders as the registry has them */
    const TwDcerpcIface *epm = tw_dcerpc_iface_lookup("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3);
    const TwDcerpcIface *nl = tw_dcerpc_iface_lookup("12345678-1234-abcd-ef00-01234567cffb", 1);
    if (flags & 8) {
        st.opnum = call.opnum = data[0] & 1 ? 3 : 2;
        st.iface = epm;
        epm->dissect(&st);
    } else {
        st.iface = nl;
        nl->dissect(&st);
        /* the response, paired with the request's carried fields */
        st.dir = TW_DIR_RSP;
        nl->dissect(&st);
    }
    if (call.carry)
        tw_event_free(call.carry);
    g_free(stub);
    return 0;
}
