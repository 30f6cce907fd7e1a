/* csum.h — whether a captured TCP or UDP segment's checksum is right
 * (RFC 9293 3.1, RFC 768, RFC 8200 8.1).  A host that captures its own
 * traffic with transmit checksum offload on records its outgoing segments
 * before the NIC fills the checksum in: they carry the pseudo-header's
 * partial sum, so a wrong checksum on everything one address sends marks
 * the capture host (analysis/clock.c, the vantage point). */
#pragma once

#include "capture/ip.h"

typedef enum {
    TW_CSUM_UNCHECKED = 0, /* not TCP/UDP, not captured whole, or IPv4 UDP without a checksum (0) */
    TW_CSUM_OK,
    TW_CSUM_BAD,
} TwCsum;

/* ip->payload is the transport header; the check needs every byte of the
 * segment (payload_caplen == payload_len). */
TwCsum tw_l4_checksum(const TwIpPacket *ip);
/* The RFC 1071 one's complement sum of len bytes (an odd last byte padded
 * with a zero), folded to 16 bits, as the big-endian words' sum would be
 * (0 only if every byte is 0).  For tests of the fast summation. */
guint16 tw_csum_sum(const guint8 *p, guint32 len);
