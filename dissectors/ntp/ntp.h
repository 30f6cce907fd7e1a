/* ntp.h — NTP (RFC 5905 7.3) and the Microsoft authentication extensions
 * (MS-SNTP 2.2) on UDP 123, decoded as a source of clock samples: a client's
 * transmit timestamp is the client's clock, a server's transmit timestamp is
 * the server's clock.  Events are `proto: "ntp"` (docs/events.md, NTP). */
#pragma once

#include "core/tw-limits.h"
#include "dissectors/dissect.h"

/* Safety caps (core/tw-limits.h; hitting one → tw_anomaly once per flow + counter). */

/* Sizes on the wire. */
#define TW_NTP_HEADER_LEN 48          /* RFC 5905 7.3, up to and including the transmit timestamp */
#define TW_NTP_MS_SNTP_LEN 68         /* MS-SNTP 2.2.1/2.2.2: header + key id + 16-byte checksum */
#define TW_NTP_MS_SNTP_EXT_LEN 120    /* MS-SNTP 2.2.3/2.2.4: header + ExtendedAuthenticator */
#define TW_NTP_UNIX_EPOCH 2208988800u /* seconds from 1900-01-01 (NTP era 0) to 1970-01-01 */
/* A 68-byte packet is MS-SNTP when its key identifier read big-endian (the
 * RFC 5905 reading) exceeds this: ntpd keys are 1..65535, while an MS-SNTP
 * RID written little-endian puts its low byte first (RID 1103 → 0x4f040000). */
#define TW_NTP_RFC_KEYID_MAX 0xffffu

/* MS-SNTP 2.2.3 Flags, ClientHashIDHints, SignatureHashID. */
#define TW_MS_SNTP_USE_OLDKEY_VERSION 0x01
#define TW_MS_SNTP_NTLM_PWD_HASH 0x01

/* NTP 64-bit timestamp (RFC 5905 6) → microseconds since the Unix epoch,
 * era 0 (1900–2036), fraction truncated.  0 means "unset" and maps to 0. */
gint64 tw_ntp_timestamp_to_unix_us(guint64 ntp);

/* Decodes one NTP datagram (len captured of reported bytes) into an event
 * (never NULL), without pairing.  ctx may be NULL (no counters, no tree).
 * Returns: (transfer full): the un-emitted event; free with tw_event_free()
 * or hand to tw_emit(). */
TwEvent *tw_ntp_parse_message(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported);

extern const TwAppParser tw_ntp_udp_parser;
