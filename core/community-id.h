/* community-id.h — Community ID flow hashing, version 1 (corelight/community-id-spec).
 *
 * One string names a flow the same way in trustwire, Zeek, Suricata, Arkime and
 * Elasticsearch (ECS network.community_id): "1:" + base64(SHA-1(seed, addresses,
 * protocol, padding, ports)), endpoints ordered so both directions hash alike.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#define TW_COMMUNITY_ID_LEN 32 /* "1:" + 28 base64 characters + NUL, rounded up */

/* IANA protocol numbers whose flows have ports (or, for ICMP, port equivalents). */
enum { TW_IPPROTO_ICMP = 1, TW_IPPROTO_TCP = 6, TW_IPPROTO_UDP = 17, TW_IPPROTO_ICMPV6 = 58, TW_IPPROTO_SCTP = 132 };

/* The Community ID v1 of one flow.  `saddr`/`daddr` are IPv4 dotted or IPv6
 * text, both of one family.  For TCP, UDP and SCTP `sport`/`dport` are the
 * ports; for ICMP and ICMPv6 they are the message's type and code (the spec's
 * port equivalents are derived here); other protocols hash no ports and
 * ignore them.  Returns false (and leaves `out` empty) when an address does
 * not parse or the families differ. */
bool tw_community_id_v1(guint16 seed, const char *saddr, const char *daddr, guint8 proto, guint16 sport,
                        guint16 dport, char out[TW_COMMUNITY_ID_LEN]);

/* The same, for addresses in arrays of TW_COMMUNITY_ID_ADDR_ARRAY bytes, all
 * readable (an event's src and dst, event.h), each text ending at a NUL
 * among them: the cache is looked up by whole blocks of the arrays, without
 * a call.  The same IDs, from the same per-thread cache. */
#define TW_COMMUNITY_ID_ADDR_ARRAY 46
bool tw_community_id_v1_arrays(guint16 seed, const char saddr[TW_COMMUNITY_ID_ADDR_ARRAY],
                               const char daddr[TW_COMMUNITY_ID_ADDR_ARRAY], guint8 proto, guint16 sport,
                               guint16 dport, char out[TW_COMMUNITY_ID_LEN]);
/* Keys the calling thread's cache missed so far (IDs computed, and put in
 * it): both entries share the cache, so a flow's key misses once while it
 * stays there, whichever entry and direction asks. */
guint64 tw_community_id_cache_misses(void);
