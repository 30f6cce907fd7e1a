/* dns.c — DNS as a GSS-API carrier: GSS-TSIG (RFC 3645) TKEY negotiation.
 *
 * A member updating its own A record first negotiates a security context
 * with the DNS server: a TKEY query (RFC 2930, mode 3 "GSS-API negotiation")
 * whose key data is the client's GSS token (SPNEGO wrapping a Kerberos
 * AP-REQ), answered by a TKEY whose key data is the server's token (AP-REP,
 * or a KRB-ERROR when the key is stale).  The UPDATE then carries a TSIG
 * (RFC 8945) whose MAC is a GSS MIC, not a Kerberos message; its error
 * field (BADSIG, BADKEY, BADTIME) is kept.  Nothing else about DNS is read:
 * a message without TKEY or TSIG is passed over after its header and
 * records are skipped. */
#include "dns.h"

#include "dissectors/framer.h"
#include "dissectors/gssapi/gssapi.h"

#include <string.h>

#define PARSER "dns"
#define DNS_HDR_LEN 12     /* RFC 1035 4.1.1 */
#define DNS_TYPE_TKEY 249  /* RFC 2930 2 */
#define DNS_TYPE_TSIG 250  /* RFC 8945 4.2 */
#define DNS_NAME_MAX 255   /* RFC 1035 3.1: octets of a name on the wire */
#define TCP_PREFIX_LEN 2   /* RFC 1035 4.2.2 */

typedef struct {
    guint16 id;
    guint64 frame; /* the TKEY query's AP-REQ */
} DnsPending;

typedef struct DnsFlow DnsFlow;

typedef struct {
    DnsFlow *flow;
    int dir;
    TwFramer framer;
} DnsDir;

struct DnsFlow {
    DnsDir dir[2];
    DnsPending pending[TW_DNS_MAX_PENDING]; /* ring */
    guint npending, next;
};

static const TwFramerSpec dns_tcp_framing;

static void *dns_state_new(void)
{
    DnsFlow *f = g_new0(DnsFlow, 1);
    for (int i = 0; i < 2; i++) {
        f->dir[i].flow = f;
        f->dir[i].dir = i;
        tw_framer_init(&f->dir[i].framer, &dns_tcp_framing, &f->dir[i]);
    }
    return f;
}

static void dns_state_free(void *state)
{
    DnsFlow *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++)
        tw_framer_clear(&f->dir[i].framer);
    g_free(f);
}

static void pending_push(DnsFlow *f, TwDissectCtx *ctx, guint16 id, guint64 frame)
{
    if (f->npending == TW_DNS_MAX_PENDING)
        tw_count(ctx, "dns.pending_dropped", 1);
    else
        f->npending++;
    f->pending[f->next] = (DnsPending){ id, frame };
    f->next = (f->next + 1) % TW_DNS_MAX_PENDING;
}

/* The newest query with this id (a retransmission answers to the latest). */
static guint64 pending_find(const DnsFlow *f, guint16 id)
{
    for (guint i = 1; i <= f->npending; i++) {
        const DnsPending *p = &f->pending[(f->next + TW_DNS_MAX_PENDING - i) % TW_DNS_MAX_PENDING];
        if (p->id == id)
            return p->frame;
    }
    return 0;
}

/* Fails m at `pos`: past the reported length the message lies about itself. */
static void fail_at(TwCursor *m, gsize pos)
{
    tw_cursor_fail(m, pos < m->reported ? TW_TRUNCATED : TW_MALFORMED);
}

/* RFC 1035 3.1, 4.1.4: the name at m's offset (m reads the whole message,
 * so offsets are message offsets); m moves past the name as stored there.
 * Each compression pointer must point before the previous one (the first:
 * before the name's start), so a loop is impossible; at most
 * TW_DNS_MAX_POINTERS are followed.  out (>= DNS_NAME_MAX + 1 bytes, may be
 * NULL) receives the dotted name, bytes outside printable ASCII as '?'. */
static bool read_name(TwCursor *m, char *out, bool *bad_pointer)
{
    if (!tw_cursor_ok(m))
        return false;
    gsize pos = m->off, floor = m->off, after = 0, o = 0, wire_len = 0;
    guint pointers = 0;
    for (;;) {
        if (pos >= m->len) {
            fail_at(m, pos);
            return false;
        }
        guint8 l = m->p[pos];
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= m->len) {
                fail_at(m, pos + 1);
                return false;
            }
            gsize target = ((gsize)(l & 0x3F) << 8) | m->p[pos + 1];
            if (pointers == 0)
                after = pos + 2;
            if (target >= floor || ++pointers > TW_DNS_MAX_POINTERS) {
                *bad_pointer = true;
                tw_cursor_fail(m, TW_MALFORMED);
                return false;
            }
            floor = pos = target;
            continue;
        }
        if (l & 0xC0) { /* RFC 6891 5: extended label types are not used */
            tw_cursor_fail(m, TW_MALFORMED);
            return false;
        }
        if (l == 0) {
            pos++;
            break;
        }
        wire_len += (gsize)l + 1;
        if (wire_len > DNS_NAME_MAX) {
            tw_cursor_fail(m, TW_MALFORMED);
            return false;
        }
        if (l > m->len - pos - 1) {
            fail_at(m, pos + 1 + l);
            return false;
        }
        if (out) {
            for (gsize i = 0; i < l; i++) {
                guint8 ch = m->p[pos + 1 + i];
                out[o++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
            }
            out[o++] = '.';
        }
        pos += 1 + (gsize)l;
    }
    if (out) {
        if (o == 0)
            out[o++] = '.'; /* the root */
        else if (o > 1)
            o--; /* no trailing dot, as tshark shows names */
        out[o] = 0;
    }
    m->off = pointers ? after : pos;
    return true;
}

typedef struct {
    DnsFlow *flow;
    bool response;
    guint16 id;
} DnsDecorate;

static void dns_decorate(TwEvent *ev, void *user)
{
    DnsDecorate *d = user;
    tw_event_set_int(ev, "dns_id", d->id);
    if (ev->proto != tw_event_intern("kerberos"))
        return;
    /* A query's AP-REQ is remembered by parse_tkey; answers point back to it. */
    gint64 mt = tw_event_get_int(ev, "msg_type", 0);
    if (d->response && (mt == 15 || mt == 30)) { /* KRB_AP_REP, KRB_ERROR */
        guint64 req = pending_find(d->flow, d->id);
        if (req)
            tw_event_set_int(ev, "reply_to", (gint64)req);
    }
}

/* RFC 2930 2: TKEY RDATA = Algorithm (name), Inception (u32), Expiration
 * (u32), Mode (u16), Error (u16), Key Size (u16), Key Data, Other Size,
 * Other Data.  rdata_end is the RDATA's end offset in m. */
static void parse_tkey(DnsFlow *f, TwDissectCtx *ctx, TwCursor *m, gsize rdata_end,
                       TwEvent *ev, const DnsDecorate *dec, const char *owner, bool *bad_pointer)
{
    char alg[DNS_NAME_MAX + 1];
    if (!read_name(m, alg, bad_pointer))
        return;
    guint32 inception = tw_cursor_be32(m);
    guint32 expiration = tw_cursor_be32(m);
    guint16 mode = tw_cursor_be16(m);
    guint16 error = tw_cursor_be16(m);
    guint16 key_size = tw_cursor_be16(m);
    if (!tw_cursor_ok(m))
        return;
    if (m->off > rdata_end || key_size > rdata_end - m->off) {
        tw_cursor_fail(m, TW_MALFORMED);
        return;
    }
    tw_event_set_str(ev, "tkey_name", owner);
    tw_event_set_str(ev, "tkey_algorithm", alg);
    tw_event_set_int(ev, "tkey_mode", mode);
    tw_event_set_int(ev, "tkey_error", error);
    tw_event_set_time(ev, "tkey_inception", (gint64)inception * G_USEC_PER_SEC);
    tw_event_set_time(ev, "tkey_expiration", (gint64)expiration * G_USEC_PER_SEC);
    tw_event_set_int(ev, "token_len", key_size);
    /* A key cut by the capture is handed over as the captured part of what
     * the wire carried (the GSS parser marks what it could not read). */
    TwCursor key = tw_cursor_take(m, key_size);
    if (key_size == 0 || key.status != TW_OK || key.len == 0)
        return;
    DnsDecorate d = *dec;
    TwGssSummary sum;
    guint n = tw_gssapi_dissect_ex(ctx, key.p, key.len, key.reported, "dns", dns_decorate, &d,
                                   &sum);
    tw_count(ctx, "dns.tkey_tokens", 1);
    if (sum.mech_name)
        tw_event_set_str(ev, "gss_mech", sum.mech_name);
    if (sum.neg_state >= 0 && tw_spnego_neg_state_name(sum.neg_state))
        tw_event_set_str(ev, "spnego_state", tw_spnego_neg_state_name(sum.neg_state));
    if (sum.inner)
        tw_event_set_str(ev, "gss_inner", sum.inner);
    if (!dec->response && n > 0 && sum.inner && strcmp(sum.inner, "kerberos") == 0)
        pending_push(f, ctx, dec->id, ctx->pi ? ctx->pi->frame : 0);
}

/* RFC 8945 4.2: TSIG RDATA = Algorithm Name, Time Signed (u48), Fudge
 * (u16), MAC Size (u16), MAC, Original ID (u16), Error (u16), Other Len,
 * Other Data.  The MAC of gss-tsig is a GSS MIC token: only its size is kept. */
static void parse_tsig(TwCursor *m, gsize rdata_end, TwEvent *ev, const char *owner,
                       bool *bad_pointer)
{
    char alg[DNS_NAME_MAX + 1];
    if (!read_name(m, alg, bad_pointer))
        return;
    tw_cursor_skip(m, 6 + 2); /* time signed, fudge */
    guint16 mac_size = tw_cursor_be16(m);
    if (!tw_cursor_ok(m))
        return;
    if (m->off > rdata_end || mac_size > rdata_end - m->off) {
        tw_cursor_fail(m, TW_MALFORMED);
        return;
    }
    tw_cursor_skip(m, mac_size);
    tw_cursor_skip(m, 2); /* original id */
    guint16 error = tw_cursor_be16(m);
    if (!tw_cursor_ok(m))
        return;
    tw_event_set_str(ev, "tsig_name", owner);
    tw_event_set_str(ev, "tsig_algorithm", alg);
    tw_event_set_int(ev, "tsig_mac_len", mac_size);
    tw_event_set_int(ev, "tsig_error", error);
}

/* RFC 1035 4.1: one whole DNS message (len captured of reported). */
static void dissect_message(DnsFlow *f, TwDissectCtx *ctx, const guint8 *p, gsize len,
                            gsize reported)
{
    TwCursor m = tw_cursor_init_reported(p, len, reported);
    guint16 id = tw_cursor_be16(&m);
    guint16 flags = tw_cursor_be16(&m);
    guint16 qdcount = tw_cursor_be16(&m);
    guint16 ancount = tw_cursor_be16(&m);
    guint16 nscount = tw_cursor_be16(&m);
    guint16 arcount = tw_cursor_be16(&m);
    if (!tw_cursor_ok(&m)) {
        tw_count(ctx, "dns.short_header", 1);
        return;
    }
    bool response = flags & 0x8000;
    DnsDecorate dec = { f, response, id };
    g_autoptr(TwEvent) ev = tw_event_new(ctx->pi, "dns");
    tw_event_set_str(ev, "msg", response ? "response" : "query");
    tw_event_set_int(ev, "dns_id", id);
    tw_event_set_int(ev, "opcode", (flags >> 11) & 0xF);
    if (response)
        tw_event_set_int(ev, "rcode", flags & 0xF);

    bool bad_pointer = false, interesting = false;
    char name[DNS_NAME_MAX + 1];
    guint rrs = 0;
    /* RFC 1035 4.1.2 question section */
    for (guint i = 0; i < qdcount && tw_cursor_ok(&m); i++) {
        if (rrs++ == TW_DNS_MAX_RRS)
            break;
        if (!read_name(&m, name, &bad_pointer))
            break;
        guint16 qtype = tw_cursor_be16(&m);
        tw_cursor_skip(&m, 2); /* qclass */
        if (tw_cursor_ok(&m) && qtype == DNS_TYPE_TKEY && !interesting) {
            tw_event_set_str(ev, "qname", name);
            tw_event_set_int(ev, "qtype", qtype);
            interesting = true;
        }
    }
    /* RFC 1035 4.1.3 answer, authority and additional records */
    guint total = (guint)ancount + nscount + arcount;
    for (guint i = 0; i < total && tw_cursor_ok(&m); i++) {
        if (rrs++ == TW_DNS_MAX_RRS) {
            tw_count(ctx, "dns.rrs_not_read", total - i);
            tw_anomaly(ctx, PARSER, "limit", "more than %d records in one message",
                       TW_DNS_MAX_RRS);
            break;
        }
        if (!read_name(&m, name, &bad_pointer))
            break;
        guint16 type = tw_cursor_be16(&m);
        tw_cursor_skip(&m, 2 + 4); /* class, ttl */
        guint16 rdlength = tw_cursor_be16(&m);
        if (!tw_cursor_ok(&m))
            break;
        gsize rdata = m.off;
        if (type == DNS_TYPE_TKEY || type == DNS_TYPE_TSIG) {
            if (rdlength > m.reported - rdata) {
                tw_cursor_fail(&m, TW_MALFORMED);
                break;
            }
            TwCursor r = m; /* reads names by message offset; bounded by rdata_end */
            if (type == DNS_TYPE_TKEY)
                parse_tkey(f, ctx, &r, rdata + rdlength, ev, &dec, name, &bad_pointer);
            else
                parse_tsig(&r, rdata + rdlength, ev, name, &bad_pointer);
            interesting = true;
            if (!tw_cursor_ok(&r)) {
                tw_cursor_fail(&m, r.status);
                break;
            }
        }
        tw_cursor_skip(&m, rdlength);
    }
    if (!interesting) {
        tw_count(ctx, "dns.other_messages", 1);
        return;
    }
    if (!tw_cursor_ok(&m)) {
        tw_event_set_str(ev, "decode_status", tw_status_name(m.status));
        if (m.status == TW_MALFORMED)
            tw_anomaly(ctx, PARSER, bad_pointer ? "dns_bad_name" : "dns_malformed",
                       bad_pointer ? "compression pointer not pointing backwards"
                                   : "DNS message with TKEY/TSIG does not parse");
    }
    if (response) {
        guint64 req = pending_find(f, id);
        if (req)
            tw_event_set_int(ev, "request_frame", (gint64)req);
    }
    tw_count(ctx, "dns.gss_tsig_messages", 1);
    if (ctx->want_tree) {
        static const TwTreeRow rows[] = {
            { "dns_id", "ID", "pairs the response with its query", "RFC 1035 4.1.1" },
            { "opcode", "OPCODE", "0 QUERY (a TKEY negotiation), 5 UPDATE (RFC 2136)", "RFC 1035 4.1.1" },
            { "rcode", "RCODE", NULL, "RFC 1035 4.1.1" },
            { "qname", "QNAME", NULL, "RFC 1035 4.1.2" },
            { "qtype", "QTYPE", "249 = TKEY", "RFC 2930 2" },
            { "tkey_name", "TKEY name", "the security context's name", "RFC 2930 2" },
            { "tkey_algorithm", "TKEY Algorithm", "gss-tsig: keys from a GSS-API (Kerberos) exchange", "RFC 3645" },
            { "tkey_mode", "TKEY Mode", "3 = GSS-API negotiation", "RFC 2930 2.5" },
            { "tkey_inception", "TKEY Inception", NULL, "RFC 2930 2.3" },
            { "tkey_expiration", "TKEY Expiration", NULL, "RFC 2930 2.3" },
            { "tkey_error", "TKEY Error", NULL, "RFC 2930 2.6" },
            { "token_len", "TKEY Key Data", "the GSS-API token (its Kerberos message is its own event)", "RFC 3645" },
            { "tsig_name", "TSIG name", NULL, "RFC 8945 4.2" },
            { "tsig_algorithm", "TSIG Algorithm", NULL, "RFC 8945 4.2" },
            { "tsig_mac_len", "TSIG MAC size", "a GSS-API MIC over the message (RFC 3645)", "RFC 8945 4.2" },
            { "tsig_error", "TSIG Error", NULL, "RFC 8945 4.2" },
        };
        tw_event_tree_add_spec(ev, 0, "DNS", "RFC 1035 4.1", "secure dynamic update (GSS-TSIG, RFC 3645)", "%s",
                               response ? "response" : "query");
        tw_event_tree_fields(ev, 1, rows, G_N_ELEMENTS(rows));
    }
    tw_emit(ctx, g_steal_pointer(&ev));
}

/* ---- UDP: probes for a TKEY query or response ---- */

/* RFC 1035 4.1.1-4.1.2 and RFC 2930 4: one question of type TKEY, opcode
 * QUERY, QR as given.  The first name of a message cannot be compressed. */
static bool tkey_question(const guint8 *d, gsize len, bool response)
{
    if (len < DNS_HDR_LEN + 1 + 4)
        return false;
    if (((d[2] & 0x80) != 0) != response || (d[2] & 0x78) != 0 || d[4] != 0 || d[5] != 1)
        return false;
    gsize pos = DNS_HDR_LEN;
    while (pos < len && d[pos] != 0) {
        if ((d[pos] & 0xC0) || pos - DNS_HDR_LEN > DNS_NAME_MAX)
            return false;
        pos += 1 + (gsize)d[pos];
    }
    return pos < len && len - pos > 4 && d[pos + 1] == 0 && d[pos + 2] == DNS_TYPE_TKEY;
}

static bool dns_probe_query(const guint8 *d, gsize len) { return tkey_question(d, len, false); }
static bool dns_probe_response(const guint8 *d, gsize len) { return tkey_question(d, len, true); }

static void dns_udp_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                         gsize reported)
{
    dissect_message(state, ctx, data, len, reported);
}

/* ---- TCP 53: RFC 1035 4.2.2 two-byte length prefix ---- */

static TwFrameLen dns_tcp_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    if (avail < TCP_PREFIX_LEN)
        return (TwFrameLen){ TW_FRAME_NEED, TCP_PREFIX_LEN, 0 };
    guint n = ((guint)p[0] << 8) | p[1];
    if (n < DNS_HDR_LEN) {
        tw_count(ctx, "dns.tcp_bad_length", 1);
        return (TwFrameLen){ TW_FRAME_STOP, 0, 0 }; /* no way to find the next message */
    }
    return (TwFrameLen){ TW_FRAME_RECORD, (guint64)TCP_PREFIX_LEN + n, 0 };
}

static bool dns_tcp_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    DnsDir *d = user;
    dissect_message(d->flow, ctx, rec->p + TCP_PREFIX_LEN, rec->len - TCP_PREFIX_LEN,
                    rec->reported - TCP_PREFIX_LEN);
    return true;
}

static const TwFramerSpec dns_tcp_framing = {
    .name = "dns",
    .length = dns_tcp_length,
    .record = dns_tcp_record,
    .probe = NULL, /* a gap gives the direction up: a length prefix cannot be found again */
    .max_record = TCP_PREFIX_LEN + TW_DNS_MAX_MESSAGE,
    .gap_exact = true,
    .deliver_truncated = true,
};

static void dns_tcp_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                         gsize reported)
{
    DnsFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    tw_framer_feed(&f->dir[dir].framer, ctx, data, len);
}

static void dns_tcp_gap(void *state, TwDissectCtx *ctx, int dir, guint64 len)
{
    DnsFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    tw_count(ctx, "dns.gaps", 1);
    tw_framer_gap(&f->dir[dir].framer, ctx, len);
}

const TwAppParser tw_dns_udp_parser = {
    .name = "dns-udp",
    .ipproto = 17,
    .ports = NULL,
    .probe = dns_probe_query,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .feed = dns_udp_feed,
    .gap = NULL,
    .probe_reply = dns_probe_response,
};

static const guint16 dns_tcp_ports[] = { 53, 0 };

const TwAppParser tw_dns_tcp_parser = {
    .name = "dns-tcp",
    .ipproto = 6,
    .ports = dns_tcp_ports,
    .probe = NULL,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .feed = dns_tcp_feed,
    .gap = dns_tcp_gap,
};
