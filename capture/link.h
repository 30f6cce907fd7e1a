/* link.h — from a captured frame to the network-layer bytes it carries.
 *
 * Supported link types: Ethernet (DLT_EN10MB) with any stack of 802.1Q /
 * 802.1ad tags (TPIDs 0x8100, 0x88a8, 0x9100) up to TW_LINK_MAX_VLAN_TAGS,
 * Linux cooked v1 (DLT_LINUX_SLL 113) and v2 (DLT_LINUX_SLL2 276), raw IP
 * (DLT_RAW 12/14, LINKTYPE_RAW 101, DLT_IPV4 228, DLT_IPV6 229) and BSD
 * loopback (DLT_NULL 0 in either byte order, DLT_LOOP 108). */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum {
    TW_LINK_OK = 0,
    TW_LINK_UNSUPPORTED, /* link type not handled (see tw_link_supported) */
    TW_LINK_TRUNCATED,   /* the capture ended inside the link header */
    TW_LINK_NOT_IP,      /* a valid frame carrying something else (ARP, LLC…) */
} TwLinkStatus;

typedef struct {
    const guint8 *l3;    /* network-layer header */
    guint32 l3_caplen;   /* captured bytes at l3 */
    guint32 l3_origlen;  /* bytes at l3 on the wire (>= l3_caplen) */
    guint16 ethertype;   /* 0x0800 or 0x86dd when TW_LINK_OK */
    guint8 vlan_tags;    /* 802.1Q/802.1ad tags skipped */
    bool has_mac;        /* Ethernet: both MACs below are valid */
    guint8 src_mac[6], dst_mac[6];
} TwLinkResult;

bool tw_link_supported(int linktype);
TwLinkStatus tw_link_decode(int linktype, const guint8 *data, guint32 caplen, guint32 origlen,
                            TwLinkResult *out);
