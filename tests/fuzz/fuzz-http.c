/* fuzz-http.c — the HTTP Negotiate carrier (and through it GSS-API, NTLMSSP
 * and Kerberos).  Input: a sequence of segments, each a header byte (bit 0:
 * direction, bit 1: a gap instead of bytes) followed by a 16-bit
 * little-endian length and that many bytes, so one input is a whole two-way
 * conversation with arbitrary chunking and losses.  Seeds: the two HTTP
 * connections of pcaps/10-server-key-http.pcap and hand-written framing
 * cases (chunked with trailers, HEAD, 100/101, CONNECT, gaps, NTLM). */
#include "dissectors/http/http.h"

#include <stdint.h>

#include "fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tcp_conversation(&tw_http_tcp_parser, 80, data, size);
    return 0;
}
