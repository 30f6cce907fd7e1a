/* fuzz-smb2.c — the NBSS/SMB2 TCP parser (and through it GSS-API, NTLMSSP,
 * Kerberos and the DCE/RPC pipe streams).  Input: a sequence of segments,
 * each a header byte (bit 0: direction, bit 1: a gap instead of bytes)
 * followed by a 16-bit little-endian length and that many bytes, so one
 * input is a whole two-way conversation with arbitrary chunking and losses.
 * Seeds are the TCP payloads of SMB2 conversations in public captures. */
#include "dissectors/smb2/smb2.h"

#include <stdint.h>

#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tcp_conversation(&tw_smb2_tcp_parser, 445, data, size);
    return 0;
}
