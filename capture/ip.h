/* ip.h — IPv4 and IPv6 headers down to the transport payload. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum {
    TW_IP_OK = 0,
    TW_IP_TRUNCATED,   /* the capture ended inside the IP headers */
    TW_IP_MALFORMED,   /* lengths or version contradict each other */
    TW_IP_UNSUPPORTED, /* too many extension headers… */
} TwIpStatus;

typedef struct {
    guint8 version;       /* 4 or 6 */
    guint8 proto;         /* transport protocol (after IPv6 extension headers) */
    guint8 src[16], dst[16]; /* IPv4 uses the first 4 bytes; the rest are 0 */
    const guint8 *payload;   /* transport header (or fragment data) */
    guint32 payload_caplen;  /* captured payload bytes */
    guint32 payload_len;     /* payload bytes per the IP header (>= caplen) */
    bool length_from_frame;  /* the header said 0 (TSO, jumbogram): the frame's length was used */
    /* Fragments (IPv4 MF/offset, IPv6 fragment header). */
    bool is_fragment;
    bool more_fragments;
    guint32 frag_offset; /* bytes */
    guint32 frag_id;
} TwIpPacket;

/* Decodes an IPv4 or IPv6 packet.  `caplen` is what was captured from p,
 * `origlen` what the wire carried from p (frames are padded on Ethernet, so
 * the IP length, not the frame length, bounds the payload). */
TwIpStatus tw_ip_decode(const guint8 *p, guint32 caplen, guint32 origlen, TwIpPacket *out);

/* Walks IPv6 extension headers starting at `nh` over `p` (used on a
 * reassembled payload, which may begin with destination options).  Updates
 * *nh and returns the offset of the transport header, or -1. */
gint64 tw_ip6_skip_ext(guint8 *nh, const guint8 *p, guint32 caplen);

/* Formats an address of the given version (4 or 6) into out[46]. */
void tw_ip_format(guint8 version, const guint8 *addr, char *out);
