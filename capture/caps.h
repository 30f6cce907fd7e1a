/* caps.h — every cap of the capture layer, in one place.
 *
 * Each table, queue and buffer of capture/ is bounded by one of these.
 * Hitting a cap is never a crash or unbounded growth: it bumps a counter,
 * emits an anomaly event (at most TW_CAP_ANOMALY_EVENTS_MAX of them per
 * kind, counted forever) and degrades gracefully (evict, report a gap).
 * docs/capture.md explains each value. */
#pragma once

#include <glib.h>

/* Link layer: 802.1Q / 802.1ad tags stacked in one Ethernet frame. */
#define TW_LINK_MAX_VLAN_TAGS 8

/* IPv6: extension headers walked before giving up on a packet. */
#define TW_IP6_MAX_EXT_HEADERS 16

/* IP fragment reassembly (IPv4 and IPv6). */
#define TW_DEFRAG_MAX_DATAGRAMS 1024       /* datagrams under reassembly at once */
#define TW_DEFRAG_MAX_FRAGMENTS 256        /* fragments accepted for one datagram */
#define TW_DEFRAG_MAX_BYTES 65535          /* reassembled payload bytes per datagram */
#define TW_DEFRAG_TIMEOUT_US (30 * G_USEC_PER_SEC) /* capture time */

/* TCP reassembly, per direction of a flow. */
#define TW_TCP_MAX_OOO_BYTES (1024 * 1024) /* bytes buffered out of order */
#define TW_TCP_MAX_OOO_SEGMENTS 1024       /* segments queued out of order */
/* An ACK this far beyond the bytes seen is not believed (garbage or pickup). */
#define TW_TCP_MAX_ACK_GAP (64u * 1024 * 1024)

/* Flow table. */
#define TW_FLOW_MAX 65536                        /* concurrent flows */
#define TW_FLOW_TCP_IDLE_US (600 * G_USEC_PER_SEC) /* TCP idle timeout, capture time */
#define TW_FLOW_UDP_IDLE_US (120 * G_USEC_PER_SEC) /* UDP idle timeout, capture time */
/* A UDP flow whose last datagram was a reply (no request pending: one
 * Kerberos or NTP exchange done) retires sooner, so that a domain
 * controller's hundreds of thousands of one-exchange flows do not fill the
 * table.  A later request on the same ports simply starts a new flow. */
#define TW_FLOW_UDP_ANSWERED_IDLE_US (10 * G_USEC_PER_SEC)
#define TW_FLOW_EXPIRE_PER_PACKET 8              /* idle flows retired per packet (amortised) */
/* A TCP flow closed by FIN or RST lingers this long (capture time) so that
 * stray segments after the close are recognised, not taken for a new flow. */
#define TW_FLOW_CLOSED_LINGER_US (30 * G_USEC_PER_SEC)

/* Endpoints learnt through ctx->expect() (EPM dynamic ports). */
#define TW_EXPECT_MAX 4096

/* Anomaly events emitted per kind by the capture layer itself; beyond this
 * the counter keeps counting but no more events are emitted (a flood of
 * fragments must not become a flood of events). */
#define TW_CAP_ANOMALY_EVENTS_MAX 100
