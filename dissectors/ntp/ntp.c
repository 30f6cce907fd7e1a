/* ntp.c — NTP packets (RFC 5905 7.3) and MS-SNTP authenticators (MS-SNTP
 * 2.2) on UDP 123, as clock samples.
 *
 * One event per datagram.  What follows the 48-byte header is classified by
 * the datagram's reported length, because neither NTP nor MS-SNTP says which
 * trailer is present:
 *   48            no authenticator
 *   68            MS-SNTP 2.2.1/2.2.2 (key id little-endian, RID + key selector)
 *                 when the big-endian key id exceeds TW_NTP_RFC_KEYID_MAX,
 *                 otherwise an RFC 5905 MAC (key id + 16-byte MD5 digest)
 *   120           MS-SNTP 2.2.3/2.2.4 ExtendedAuthenticator
 *   other         RFC 7822 extension fields while more than a MAC remains,
 *                 then an RFC 5905 MAC: 4 (crypto-NAK), 20 or 24 bytes
 * Mode 6/7 control messages get a compact event (no timestamps).
 *
 * Pairing: per UDP flow (the 4-tuple), the transmit timestamps of modes 1-3
 * wait (at most TW_NTP_MAX_PENDING); a packet of mode 1, 2 or 4 travelling
 * the other way whose origin timestamp equals one of them answers it
 * (RFC 5905 8: the origin timestamp echoes the peer's transmit timestamp). */
#include "ntp.h"

#include <stdio.h>
#include <string.h>

#define NTP_PARSER "ntp"

/* RFC 5905 7.3 Figure 10 modes. */
static const char *const mode_names[8] = {
    "reserved", "symmetric_active", "symmetric_passive", "client",
    "server",   "broadcast",        "control",           "private",
};

gint64 tw_ntp_timestamp_to_unix_us(guint64 ntp)
{
    if (ntp == 0)
        return 0;
    /* RFC 4330 3: with the top bit of the seconds clear the time is in era 1
     * (2036-2104, counted from 2036-02-07 06:28:16 UTC), as tshark reads it.
     * 1900-1968 is never a real clock: a time before 1968 is the next era. */
    guint64 secs = ntp >> 32;
    if (!(secs & 0x80000000u))
        secs += 1ull << 32;
    gint64 sec = (gint64)secs - (gint64)TW_NTP_UNIX_EPOCH;
    guint64 frac_us = ((ntp & 0xffffffffu) * 1000000u) >> 32; /* < 10^6, exact floor */
    return sec * 1000000 + (gint64)frac_us;
}

/* NTP short format (RFC 5905 6: 16.16 seconds) → microseconds, truncated. */
static gint64 short_to_us(guint32 v)
{
    return (gint64)(((guint64)v * 1000000u) >> 16);
}

static void set_ntp_time(TwEvent *ev, const char *key, const char *key_us, guint64 ntp)
{
    if (ntp == 0)
        return; /* RFC 5905 6: zero means "unknown / not set" */
    gint64 us = tw_ntp_timestamp_to_unix_us(ntp);
    tw_event_set_time(ev, key, us);
    tw_event_set_int(ev, key_us, us);
}

/* RFC 5905 7.3 Reference ID: ASCII for stratum 0 (kiss code) and 1 (clock
 * source), an IPv4 address (or the first octets of an IPv6 hash) above.
 * Clients often send stratum 0 with leftover bytes: those are shown dotted,
 * and only a server's stratum-0 ASCII code is a kiss code (RFC 5905 7.4). */
static void set_refid(TwEvent *ev, guint mode, guint8 stratum, const guint8 refid[4])
{
    if (!refid[0] && !refid[1] && !refid[2] && !refid[3])
        return;
    bool ascii = refid[0] != 0;
    gsize n = 0;
    for (; n < 4 && refid[n]; n++)
        if (refid[n] < 0x20 || refid[n] >= 0x7f)
            ascii = false;
    for (gsize i = n; i < 4; i++)
        if (refid[i])
            ascii = false; /* a NUL inside: not a padded string */
    if (stratum <= 1 && ascii) {
        char text[5];
        memcpy(text, refid, n);
        text[n] = '\0';
        tw_event_set_str(ev, "refid", text);
        if (stratum == 0 && (mode == 2 || mode == 4))
            tw_event_set_str(ev, "kiss_code", text);
    } else {
        char dotted[16];
        g_snprintf(dotted, sizeof dotted, "%u.%u.%u.%u", refid[0], refid[1], refid[2], refid[3]);
        tw_event_set_str(ev, "refid", dotted);
    }
}

static void set_status(TwDissectCtx *ctx, TwEvent *ev, TwStatus st)
{
    if (st == TW_OK)
        return;
    tw_event_set_str(ev, "decode_status", tw_status_name(st));
    if (st == TW_TRUNCATED)
        tw_event_set_bool(ev, "truncated", TRUE);
    else if (st == TW_MALFORMED)
        tw_event_set_bool(ev, "malformed", TRUE);
    else
        tw_event_set_bool(ev, "limit", TRUE);
    if (ctx)
        tw_count(ctx, st == TW_TRUNCATED ? "ntp.truncated" : "ntp.malformed", 1);
}

/* MS-SNTP 2.2.1 / 2.2.2: Key Identifier, little-endian; low 31 bits = RID,
 * high bit = key selector; then a 16-byte checksum (not verified). */
static void parse_ms_sntp(TwEvent *ev, TwCursor *c, bool tree)
{
    guint32 key = tw_cursor_le32(c);
    tw_cursor_skip(c, 16);
    if (!tw_cursor_ok(c))
        return;
    tw_event_set_bool(ev, "ms_sntp", TRUE);
    tw_event_set_int(ev, "key_id", key);
    tw_event_set_int(ev, "rid", key & 0x7fffffffu);
    tw_event_set_int(ev, "key_selector", key >> 31);
    if (tree) {
        tw_event_tree_add_spec(ev, 0, "Authenticator", "MS-SNTP 2.2.1", "a DC-signed time reply: the key is the machine account's", NULL);
        tw_event_tree_add_spec(ev, 1, "Key Identifier", "MS-SNTP 2.2.1",
                          "low 31 bits: RID of the machine account; high bit: 1 = previous password",
                          "0x%08x (RID %u, key selector %u)", key, key & 0x7fffffffu, key >> 31);
        tw_event_tree_add_spec(ev, 1, "Crypto-Checksum", "MS-SNTP 2.2.1", "NetrLogonComputeServerDigest, not verified",
                          "16 bytes");
    }
}

/* MS-SNTP 2.2.3 / 2.2.4 ExtendedAuthenticator. */
static void parse_ms_sntp_ext(TwEvent *ev, TwCursor *c, bool tree)
{
    guint32 key = tw_cursor_le32(c);
    tw_cursor_skip(c, 1); /* Reserved */
    guint8 flags = tw_cursor_u8(c);
    guint8 hints = tw_cursor_u8(c);
    guint8 sig = tw_cursor_u8(c);
    tw_cursor_skip(c, 64);
    if (!tw_cursor_ok(c))
        return;
    tw_event_set_bool(ev, "ms_sntp", TRUE);
    tw_event_set_bool(ev, "ms_sntp_extended", TRUE);
    tw_event_set_int(ev, "key_id", key);
    /* 3.1.5.1: the extended form carries the RID whole; the key choice is a flag. */
    tw_event_set_int(ev, "rid", key);
    tw_event_set_int(ev, "key_selector", (flags & TW_MS_SNTP_USE_OLDKEY_VERSION) ? 1 : 0);
    tw_event_set_int(ev, "ms_sntp_flags", flags);
    tw_event_set_int(ev, "client_hash_id_hints", hints);
    tw_event_set_int(ev, "signature_hash_id", sig);
    if (tree) {
        tw_event_tree_add_spec(ev, 0, "ExtendedAuthenticator", "MS-SNTP 2.2.3", NULL, NULL);
        tw_event_tree_add_spec(ev, 1, "Key Identifier", "MS-SNTP 2.2.3", "RID of the machine account", "%u", key);
        tw_event_tree_add_spec(ev, 1, "Flags", "MS-SNTP 2.2.3", (flags & TW_MS_SNTP_USE_OLDKEY_VERSION)
                              ? "USE_OLDKEY_VERSION: the previous password's key"
                              : "the current password's key",
                          "0x%02x", flags);
        tw_event_tree_add_spec(ev, 1, "ClientHashIDHints", "MS-SNTP 2.2.3", (hints & TW_MS_SNTP_NTLM_PWD_HASH) ? "NTLM_PWD_HASH" : NULL, "0x%02x",
                          hints);
        tw_event_tree_add_spec(ev, 1, "SignatureHashID", "MS-SNTP 2.2.3", sig == TW_MS_SNTP_NTLM_PWD_HASH ? "NTLM_PWD_HASH" : NULL, "0x%02x", sig);
        tw_event_tree_add_spec(ev, 1, "Crypto-Checksum", "MS-SNTP 2.2.3", "not verified", "64 bytes");
    }
}

/* RFC 7822 7.5 extension fields, then an RFC 5905 7.3 MAC. */
static void parse_trailer(TwDissectCtx *ctx, TwEvent *ev, TwCursor *c, bool tree)
{
    guint n_ext = 0;
    GArray *types = NULL;
    /* RFC 7822 7.5: more than a MAC's worth (4 + 20 bytes) left → an extension field. */
    while (tw_cursor_ok(c) && c->reported - c->off > 24) {
        guint16 type = tw_cursor_be16(c);
        guint16 flen = tw_cursor_be16(c);
        if (!tw_cursor_ok(c))
            break;
        if (flen < 16 || flen % 4) {
            tw_cursor_fail(c, TW_MALFORMED);
            break;
        }
        if (n_ext >= TW_NTP_MAX_EXTENSIONS) {
            tw_cursor_fail(c, TW_LIMIT);
            if (ctx)
                tw_anomaly(ctx, NTP_PARSER, "limit", "more than %d NTP extension fields",
                           TW_NTP_MAX_EXTENSIONS);
            break;
        }
        if (!types)
            types = g_array_new(FALSE, FALSE, sizeof(gint64));
        gint64 t = type;
        g_array_append_val(types, t);
        n_ext++;
        if (tree)
            tw_event_tree_add_spec(ev, 0, "Extension Field", "RFC 7822 3", NULL, "type 0x%04x, %u bytes", type,
                              flen);
        tw_cursor_skip(c, (gsize)flen - 4);
    }
    if (types)
        tw_event_take_intlist(ev, "extensions", types);
    if (!tw_cursor_ok(c))
        return;
    gsize left = c->reported - c->off;
    if (left == 0)
        return;
    /* RFC 5905 7.3: Key Identifier, then an MD5 (16) or SHA-1 (20) digest;
     * a bare key id is the NTPv4 crypto-NAK. */
    if (left != 4 && left != 20 && left != 24) {
        tw_cursor_fail(c, TW_MALFORMED);
        return;
    }
    guint32 key = tw_cursor_be32(c);
    tw_cursor_skip(c, left - 4);
    if (!tw_cursor_ok(c))
        return;
    tw_event_set_int(ev, "key_id", key);
    if (left > 4)
        tw_event_set_int(ev, "mac_len", (gint64)(left - 4));
    else
        tw_event_set_bool(ev, "crypto_nak", TRUE);
    if (tree)
        tw_event_tree_add_spec(ev, 0, "Key Identifier", "RFC 5905 7.3", left > 4 ? "MAC, digest not verified"
                                                            : "crypto-NAK",
                          "%u", key);
}

TwEvent *tw_ntp_parse_message(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported)
{
    TwEvent *ev = tw_event_new(ctx ? ctx->pi : NULL, "ntp");
    bool tree = ctx && ctx->want_tree;
    TwCursor c = tw_cursor_init_reported(data, len, reported);

    /* RFC 5905 7.3 Figure 8 */
    guint8 b0 = tw_cursor_u8(&c);
    if (!tw_cursor_ok(&c)) {
        set_status(ctx, ev, c.status);
        return ev;
    }
    guint leap = b0 >> 6, version = (b0 >> 3) & 7, mode = b0 & 7;
    tw_event_set_int(ev, "leap", leap);
    tw_event_set_int(ev, "version", version);
    tw_event_set_int(ev, "mode", mode);
    tw_event_set_str(ev, "mode_name", mode_names[mode]);
    if (tree) {
        tw_event_tree_add_spec(ev, 0, "NTP", "RFC 5905 7.3", NULL, "%s", mode_names[mode]);
        tw_event_tree_add_spec(ev, 1, "LI", "RFC 5905 7.3", leap == 3 ? "clock unsynchronized" : NULL, "%u", leap);
        tw_event_tree_add_spec(ev, 1, "VN", "RFC 5905 7.3", NULL, "%u", version);
        tw_event_tree_add_spec(ev, 1, "Mode", "RFC 5905 7.3", NULL, "%u (%s)", mode, mode_names[mode]);
    }
    if (version < 1 || version > 4) {
        tw_cursor_fail(&c, TW_MALFORMED);
        set_status(ctx, ev, c.status);
        return ev;
    }
    if (mode == 6 || mode == 7) {
        /* RFC 9327 2 (mode 6) / ntpd private (mode 7): only counted. */
        guint8 b1 = tw_cursor_u8(&c);
        if (tw_cursor_ok(&c)) {
            tw_event_set_bool(ev, "response", (b1 & 0x80) != 0);
            if (mode == 6)
                tw_event_set_int(ev, "control_opcode", b1 & 0x1f);
        }
        /* The rest is not decoded, but a snaplen cut inside it is reported. */
        if (tw_cursor_ok(&c))
            tw_cursor_skip(&c, c.reported - c.off);
        if (ctx)
            tw_count(ctx, "ntp.control_messages", 1);
        set_status(ctx, ev, c.status);
        return ev;
    }

    guint8 stratum = tw_cursor_u8(&c);
    gint8 poll = (gint8)tw_cursor_u8(&c);
    gint8 precision = (gint8)tw_cursor_u8(&c);
    guint32 root_delay = tw_cursor_be32(&c);
    guint32 root_disp = tw_cursor_be32(&c);
    guint8 refid[4];
    tw_cursor_copy(&c, refid, 4);
    if (tw_cursor_ok(&c)) {
        tw_event_set_int(ev, "stratum", stratum);
        tw_event_set_int(ev, "poll", poll);
        tw_event_set_int(ev, "precision", precision);
        tw_event_set_int(ev, "root_delay_us", short_to_us(root_delay));
        tw_event_set_int(ev, "root_dispersion_us", short_to_us(root_disp));
        set_refid(ev, mode, stratum, refid);
        if (tree) {
            tw_event_tree_add_spec(ev, 1, "Stratum", "RFC 5905 7.3", stratum == 0    ? "unspecified or kiss-o'-death"
                              : stratum == 1  ? "primary server (reference clock)"
                              : stratum >= 16 ? "unsynchronized"
                                              : "secondary server",
                              "%u", stratum);
            tw_event_tree_add_spec(ev, 1, "Poll", "RFC 5905 7.3", "log2 seconds", "%d", poll);
            tw_event_tree_add_spec(ev, 1, "Precision", "RFC 5905 7.3", "log2 seconds", "%d", precision);
            tw_event_tree_add_spec(ev, 1, "Root Delay", "RFC 5905 7.3", "round trip to the reference clock", "%.6f s",
                              short_to_us(root_delay) / 1e6);
            tw_event_tree_add_spec(ev, 1, "Root Dispersion", "RFC 5905 7.3", "error bound against the reference clock", "%.6f s",
                              short_to_us(root_disp) / 1e6);
            tw_event_tree_add_spec(ev, 1, "Reference ID", "RFC 5905 7.3", NULL, "%02x%02x%02x%02x", refid[0], refid[1],
                              refid[2], refid[3]);
        }
    }

    static const char *const ts_names[4][3] = {
        { "reference_time", "reference_time_us", "Reference Timestamp" },
        { "origin_time", "origin_time_us", "Origin Timestamp" },
        { "receive_time", "receive_time_us", "Receive Timestamp" },
        { "transmit_time", "transmit_time_us", "Transmit Timestamp" },
    };
    guint64 ts[4] = { 0 };
    for (int i = 0; i < 4; i++) {
        ts[i] = tw_cursor_be64(&c);
        if (!tw_cursor_ok(&c))
            break;
        set_ntp_time(ev, ts_names[i][0], ts_names[i][1], ts[i]);
        if (tree) {
            char when[32] = "0 (unset)";
            if (ts[i])
                tw_format_time(tw_ntp_timestamp_to_unix_us(ts[i]), when);
            static const char *const ts_notes[4] = {
                "when the sender's clock was last set",
                "T1: the client's transmit time, echoed (a reply pairs with its request by it)",
                "T2: the server's clock when the request arrived",
                "the sender's clock when this packet left (T3 in a reply, T1 in a request)",
            };
            tw_event_tree_add_spec(ev, 1, ts_names[i][2], "RFC 5905 7.3, 8", ts_notes[i], "%s", when);
        }
    }

    if (tw_cursor_ok(&c)) {
        /* Derived sample: the sender's clock minus the capture host's clock. */
        if (ts[3] && ctx && ctx->pi && mode >= 1 && mode <= 5)
            tw_event_set_int(ev, "clock_sample_us",
                             tw_ntp_timestamp_to_unix_us(ts[3]) - ctx->pi->ts_us);
        /* A client request with nothing but version, mode and transmit
         * timestamp: data-minimising clients (chrony) put a random value
         * there, so its clock sample may be meaningless. */
        if (mode == 3 && b0 == ((version << 3) | 3) && !stratum && !poll && !precision &&
            !root_delay && !root_disp && !refid[0] && !refid[1] && !refid[2] && !refid[3] &&
            !ts[0] && !ts[1] && !ts[2])
            tw_event_set_bool(ev, "data_minimized", TRUE);

        gsize trailer = c.reported - c.off;
        if (reported == TW_NTP_MS_SNTP_EXT_LEN) {
            parse_ms_sntp_ext(ev, &c, tree);
        } else if (reported == TW_NTP_MS_SNTP_LEN) {
            /* Both readings of the key id need its 4 bytes (maybe cut). */
            TwCursor peek = c;
            guint32 be_key = tw_cursor_be32(&peek);
            if (!tw_cursor_ok(&peek))
                tw_cursor_fail(&c, peek.status);
            else if (be_key > TW_NTP_RFC_KEYID_MAX)
                parse_ms_sntp(ev, &c, tree);
            else
                parse_trailer(ctx, ev, &c, tree);
        } else if (trailer) {
            parse_trailer(ctx, ev, &c, tree);
        }
    }
    set_status(ctx, ev, c.status);
    return ev;
}

/* ---- the UDP parser: pairing per flow ---- */

typedef struct {
    guint64 transmit; /* raw NTP timestamp, as echoed in the answer's origin */
    guint64 frame;
    int dir;
} NtpPending;

typedef struct {
    GArray *pending; /* NtpPending, oldest first, at most TW_NTP_MAX_PENDING */
    bool cap_reported;
} NtpFlow;

static void *ntp_state_new(void)
{
    NtpFlow *f = g_new0(NtpFlow, 1);
    f->pending = g_array_new(FALSE, FALSE, sizeof(NtpPending));
    return f;
}

static void ntp_state_free(void *state)
{
    NtpFlow *f = state;
    if (!f)
        return;
    g_array_free(f->pending, TRUE);
    g_free(f);
}

/* The raw 64-bit timestamp at byte offset off of a fully captured header. */
static guint64 raw_ts(const guint8 *data, gsize off)
{
    TwCursor c = tw_cursor_init(data + off, 8);
    return tw_cursor_be64(&c);
}

static void ntp_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                     gsize reported)
{
    NtpFlow *f = state;
    TwEvent *ev = tw_ntp_parse_message(ctx, data, len, reported);
    tw_count(ctx, "ntp.messages", 1);
    gint64 mode = tw_event_get_int(ev, "mode", -1);
    gint64 version = tw_event_get_int(ev, "version", 0);
    /* Pairing needs the whole header, read from the bytes themselves (the
     * event keeps microseconds, the echo is exact to 2^-32 s). */
    if (f && len >= TW_NTP_HEADER_LEN && version >= 1 && version <= 4 && mode >= 1 && mode <= 4) {
        guint64 origin = raw_ts(data, 24), transmit = raw_ts(data, 40);
        if (origin && (mode == 1 || mode == 2 || mode == 4)) {
            for (guint i = 0; i < f->pending->len; i++) {
                NtpPending *p = &g_array_index(f->pending, NtpPending, i);
                if (p->dir != dir && p->transmit == origin) {
                    tw_event_set_int(ev, "reply_to", (gint64)p->frame);
                    g_array_remove_index(f->pending, i);
                    break;
                }
            }
        }
        if (transmit && mode <= 3) {
            if (f->pending->len >= TW_NTP_MAX_PENDING) {
                g_array_remove_index(f->pending, 0);
                tw_count(ctx, "ntp.pending_cap", 1);
                if (!f->cap_reported) {
                    f->cap_reported = true;
                    tw_anomaly(ctx, NTP_PARSER, "limit",
                               "more than %d unanswered NTP packets in one flow; oldest forgotten",
                               TW_NTP_MAX_PENDING);
                }
            }
            NtpPending p = { transmit, ctx->pi ? ctx->pi->frame : 0, dir };
            g_array_append_val(f->pending, p);
        }
    }
    tw_emit(ctx, ev);
}

static const guint16 ntp_ports[] = { 123, 0 };

const TwAppParser tw_ntp_udp_parser = {
    .name = "ntp",
    .ipproto = 17,
    .ports = ntp_ports,
    .probe = NULL,
    .state_new = ntp_state_new,
    .state_free = ntp_state_free,
    .feed = ntp_feed,
    .gap = NULL,
};
