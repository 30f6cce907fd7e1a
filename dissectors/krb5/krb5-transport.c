/* krb5-transport.c — Kerberos over UDP and TCP (RFC 4120 7.2.1/7.2.2) and
 * kpasswd (RFC 3244 2), with request/reply pairing per flow.
 *
 * TCP: each message is preceded by a 4-octet big-endian record mark whose
 * high bit is reserved.  The shared framer (dissectors/framer.h) buffers
 * records per direction up to TW_KRB5_TCP_MAX_RECORD; this file says how to
 * read the mark and where a record may start.  After a capture gap the
 * partial record is dropped and the framer hunts for a plausible record
 * mark followed by a Kerberos APPLICATION tag (or a kpasswd header).
 */
#include "krb5-private.h"

#include "dissectors/der/der.h"
#include "dissectors/framer.h"

#include <string.h>

#define KPASSWD_PORT 464
#define RESYNC_KEEP 8 /* bytes kept while hunting: a record mark may straddle feeds */
#define RECORD_MARK_LEN 4
/* Message bytes plausible_record looks at: identifier, length octet and up to
 * TW_DER_MAX_LEN_OCTETS more (the kpasswd header needs 4). */
#define RECORD_JUDGE_BYTES (2 + TW_DER_MAX_LEN_OCTETS)

typedef struct {
    guint64 frame;
    gint64 msg_type; /* AS-REQ, TGS-REQ, or AP-REQ for kpasswd */
} Pending;

#define KRB_PENDING_INLINE 4 /* a UDP flow is one exchange: its requests fit in the flow */

/* Request/reply pairing: the whole state of a UDP flow. */
typedef struct {
    Pending *pending;  /* unanswered requests, oldest first: inl, or g_malloc'd past it */
    guint npending, cap;
    Pending inl[KRB_PENDING_INLINE];
} KrbPairing;

typedef struct {
    KrbPairing *pairing; /* of the flow */
    TwFramer framer;
    bool kpasswd;    /* the flow uses port 464 (RFC 3244 framing inside the record) */
    guint anomalies; /* framing anomalies reported on this direction */
} TcpDir;

/* A TCP flow: the pairing and a framer per direction. */
typedef struct {
    KrbPairing pairing;
    TcpDir dir[2];
} KrbFlow;

static const char *parser_name(bool tcp)
{
    return tcp ? "kerberos-tcp" : "kerberos-udp";
}

static bool is_kpasswd(const TwDissectCtx *ctx)
{
    return ctx->pi && (ctx->pi->sport == KPASSWD_PORT || ctx->pi->dport == KPASSWD_PORT);
}

/* ---- pairing --------------------------------------------------------------- */

static bool is_request(gint64 t)
{
    return t == TW_KRB5_AS_REQ || t == TW_KRB5_TGS_REQ || t == TW_KRB5_AP_REQ;
}

static bool answers(gint64 reply, gint64 req)
{
    switch (reply) {
    case TW_KRB5_AS_REP: return req == TW_KRB5_AS_REQ;
    case TW_KRB5_TGS_REP: return req == TW_KRB5_TGS_REQ;
    case TW_KRB5_AP_REP: return req == TW_KRB5_AP_REQ;
    case TW_KRB5_ERROR: return true;
    default: return false;
    }
}

static void remember_request(KrbPairing *f, TwDissectCtx *ctx, const char *pname, gint64 t)
{
    if (f->npending == TW_KRB5_MAX_PENDING) {
        /* Oldest unanswered request is forgotten: a cap, not an error in the traffic. */
        memmove(&f->pending[0], &f->pending[1], (TW_KRB5_MAX_PENDING - 1) * sizeof(Pending));
        f->npending--;
        tw_count(ctx, "kerberos.pending_cap", 1);
    } else if (f->npending == f->cap) {
        guint cap = MIN(f->cap * 2, TW_KRB5_MAX_PENDING);
        if (f->pending == f->inl) {
            f->pending = g_new(Pending, cap);
            memcpy(f->pending, f->inl, f->npending * sizeof(Pending));
        } else {
            f->pending = g_renew(Pending, f->pending, cap);
        }
        f->cap = cap;
    }
    Pending p = { ctx->pi ? ctx->pi->frame : 0, t };
    f->pending[f->npending++] = p;
}

/* Returns the request frame a reply answers (0 if none) and forgets it. */
static guint64 match_reply(KrbPairing *f, gint64 t)
{
    for (guint i = 0; i < f->npending; i++) {
        if (answers(t, f->pending[i].msg_type)) {
            guint64 frame = f->pending[i].frame;
            memmove(&f->pending[i], &f->pending[i + 1], (f->npending - i - 1) * sizeof(Pending));
            f->npending--;
            return frame;
        }
    }
    return 0;
}

/* The events of one message unit: one Kerberos message, or the 1-2
 * messages of a kpasswd frame (RFC 3244 2). */
typedef struct {
    guint len;
    TwEvent *ev[2];
    gint64 msg_type[2]; /* each event's msg_type, known without a lookup */
} KrbUnit;

/* ev: tw_krb5_parse_message_full's event of the message at msg, whose
 * msg_type is the message's APPLICATION tag (RFC 4120 5.10: the low 5 bits
 * of its first octet, tw_krb5_looks_like_message's low tag number). */
static void unit_add(KrbUnit *u, TwEvent *ev, const guint8 *msg)
{
    g_assert(u->len < G_N_ELEMENTS(u->ev));
    u->msg_type[u->len] = msg[0] & 0x1f;
    u->ev[u->len++] = ev;
}

static void unit_clear(KrbUnit *u)
{
    for (guint i = 0; i < u->len; i++)
        tw_event_free(u->ev[i]);
    u->len = 0;
}

/* Emits the events of one transport unit (a datagram or a TCP record: one
 * Kerberos message, or the 1-2 messages of a kpasswd frame), pairing them. */
static void emit_unit(KrbPairing *f, TwDissectCtx *ctx, const char *pname, KrbUnit *evs)
{
    if (evs->len == 0)
        return;
    gint64 t = evs->msg_type[0];
    guint64 reply_to = 0;
    if (is_request(t))
        remember_request(f, ctx, pname, t);
    else
        reply_to = match_reply(f, t);
    for (guint i = 0; i < evs->len; i++) {
        TwEvent *ev = evs->ev[i];
        if (reply_to)
            tw_event_set_int(ev, "reply_to", (gint64)reply_to);
        tw_emit(ctx, ev);
    }
    evs->len = 0;
}

/* ---- one message unit --------------------------------------------------------- */

/* Puts the tree of h (then freed) before the tree of ev. */
static void prepend_tree(TwEvent *ev, TwEvent *h)
{
    if (h->tree) {
        GPtrArray *own = ev->tree;
        ev->tree = g_steal_pointer(&h->tree);
        for (guint k = 0; own && k < own->len; k++)
            g_ptr_array_add(ev->tree, g_ptr_array_index(own, k));
        if (own) {
            g_ptr_array_set_free_func(own, NULL);
            g_ptr_array_free(own, TRUE);
        }
    }
    tw_event_free(h);
}

/* Teaching view: the kpasswd framing (RFC 3244 2) before the tree of each
 * Kerberos message of the frame (part `i` of `n`), as Wireshark's "MS
 * Kpasswd" layer but saying what the version and the lengths mean. */
static void kpasswd_tree(TwEvent *ev, guint16 msg_len, guint16 version, guint16 ap_len, gsize reported, bool reply,
                         guint i, guint n)
{
    TwPacketInfo none = { 0 };
    TwEvent *h = tw_event_new(&none, "kpasswd");
    const char *spec = "RFC 3244 2";
    tw_event_tree_add_spec(h, 0, "kpasswd", spec, "Kerberos change/set password: a 6-byte header, then Kerberos messages",
                           NULL);
    if (msg_len == reported)
        tw_event_tree_add_spec(h, 1, "msg-length", spec, "the whole message, this header included", "%u", msg_len);
    else
        tw_event_tree_add_spec(h, 1, "msg-length", spec, "the whole message, this header included: it does not match",
                               "%u (the message has %" G_GSIZE_FORMAT " bytes)", msg_len, reported);
    if (version == 0xff80)
        tw_event_tree_add_spec(h, 1, "version", spec,
                               "the set-password request (Microsoft): its user-data is a ChangePasswdData that can name "
                               "the target account",
                               "0xff80 (set password)");
    else if (reply)
        tw_event_tree_add_spec(h, 1, "version", spec, "every reply carries 1, to either form of request",
                               "0x0001 (reply)");
    else
        tw_event_tree_add_spec(h, 1, "version", spec,
                               "the original change-password request: its user-data is the new password alone, for "
                               "the account of the ticket",
                               "0x0001 (change password)");
    if (reply && ap_len == 0)
        tw_event_tree_add_spec(h, 1, "ap-rep-length", spec, "0: no AP-REP, a KRB-ERROR follows (the request failed)",
                               "0");
    else
        tw_event_tree_add_spec(h, 1, reply ? "ap-rep-length" : "ap-req-length", spec,
                               reply ? "the AP-REP that follows; the KRB-PRIV after it holds the result"
                                     : "the AP-REQ that follows (a ticket for kadmin/changepw); the KRB-PRIV after it "
                                       "holds the new password",
                               "%u", ap_len);
    if (n > 1)
        tw_event_tree_add_spec(h, 1, "part", spec,
                               i == 0 ? (reply ? "the AP-REP: the server proves it holds the session key"
                                               : "the AP-REQ: authenticates the client to kadmin/changepw")
                                      : (reply ? "the KRB-PRIV: result-code and result-string, under the AP "
                                                 "exchange's subkey (-K with the keys opens it)"
                                               : "the KRB-PRIV: the new password, under the AP-REQ's subkey (never "
                                                 "shown)"),
                               "%u of %u (%s)", i + 1, n, i == 0 ? (reply ? "AP-REP" : "AP-REQ") : "KRB-PRIV");
    prepend_tree(ev, h);
}

/* Teaching view, TCP: the record mark before each message (RFC 4120 7.2.2). */
static void record_mark_tree(TwEvent *ev, gsize reported)
{
    TwPacketInfo none = { 0 };
    TwEvent *h = tw_event_new(&none, "kerberos-tcp");
    tw_event_tree_add_spec(h, 0, "record mark", "RFC 4120 7.2.2",
                           "over TCP each message is preceded by its length in 4 bytes, big-endian; the high bit is "
                           "reserved (0)",
                           "%" G_GSIZE_FORMAT " bytes", reported);
    prepend_tree(ev, h);
}

/* RFC 3244 2: msg-length, version, AP-REQ/AP-REP length, AP-*, KRB-PRIV (or a
 * bare KRB-ERROR).  Returns false if the bytes are not kpasswd. */
static bool parse_kpasswd(TwDissectCtx *ctx, const char *pname, const guint8 *data, gsize len,
                          gsize reported, KrbUnit *evs)
{
    if (tw_krb5_looks_like_message(data, len)) {
        TwEvent *ev = tw_krb5_parse_message_full(ctx, data, len, reported, true);
        if (!ev)
            return false;
        unit_add(evs, ev, data);
        return true;
    }
    TwCursor c = tw_cursor_init_reported(data, len, reported);
    guint16 msg_len = tw_cursor_be16(&c);
    guint16 version = tw_cursor_be16(&c);
    guint16 ap_len = tw_cursor_be16(&c);
    if (!tw_cursor_ok(&c))
        return false;
    if (version != 0x0001 && version != 0xff80)
        return false;
    TwCursor ap = tw_cursor_take(&c, ap_len);
    TwEvent *ev_ap = NULL;
    if (ap_len > 0) {
        ev_ap = tw_krb5_parse_message_full(ctx, ap.p, ap.len, ap.reported, true);
        if (!ev_ap)
            return false;
        unit_add(evs, ev_ap, ap.p);
    }
    gsize rest = tw_cursor_remaining(&c);
    if (c.status == TW_OK && rest > 0) {
        const guint8 *p = tw_cursor_ptr(&c);
        TwEvent *ev = tw_krb5_parse_message_full(ctx, p, rest, reported - c.off, true);
        if (ev)
            unit_add(evs, ev, p);
    }
    if (len < reported && evs->len > 0) {
        /* The capture stopped before the end of the frame (maybe exactly
         * between AP-REQ and KRB-PRIV): the frame, hence its last part, is cut. */
        TwEvent *last = evs->ev[evs->len - 1];
        if (!tw_event_has(last, "decode_status")) {
            tw_event_set_str(last, "decode_status", tw_status_name(TW_TRUNCATED));
            tw_event_set_bool(last, "truncated", TRUE);
        }
    }
    /* a reply: from port 464, or its first message is no request */
    gint64 first_type = evs->msg_type[0];
    bool reply = ctx->pi && ctx->pi->sport == KPASSWD_PORT && ctx->pi->dport != KPASSWD_PORT
                     ? true
                     : first_type == TW_KRB5_AP_REP || first_type == TW_KRB5_ERROR;
    for (guint i = 0; i < evs->len; i++) {
        TwEvent *ev = evs->ev[i];
        tw_event_set_int(ev, "kpasswd_version", version);
        if (msg_len != reported)
            tw_event_set_int(ev, "kpasswd_msg_length", msg_len);
        if (ctx->want_tree)
            kpasswd_tree(ev, msg_len, version, ap_len, reported, reply, i, evs->len);
    }
    if (msg_len != reported)
        tw_anomaly(ctx, pname, "kpasswd_length", "kpasswd msg-length %u but %" G_GSIZE_FORMAT " bytes",
                   msg_len, reported);
    return evs->len > 0;
}

static void handle_unit(KrbPairing *f, TwDissectCtx *ctx, bool tcp, const guint8 *data, gsize len,
                        gsize reported)
{
    const char *pname = parser_name(tcp);
    KrbUnit evs = { 0 };
    bool ok;
    if (is_kpasswd(ctx)) {
        ok = parse_kpasswd(ctx, pname, data, len, reported, &evs);
    } else {
        TwEvent *ev = tw_krb5_parse_message_full(ctx, data, len, reported, false);
        ok = ev != NULL;
        if (ev)
            unit_add(&evs, ev, data);
    }
    if (!ok) {
        unit_clear(&evs);
        tw_count(ctx, "kerberos.not_kerberos", 1);
        return;
    }
    if (tcp && ctx->want_tree)
        for (guint i = 0; i < evs.len; i++)
            record_mark_tree(evs.ev[i], reported);
    emit_unit(f, ctx, pname, &evs); /* hands the events over */
}

/* ---- parser state ---------------------------------------------------------------- */

static const TwFramerSpec krb_tcp_framing;

static void pairing_init(KrbPairing *f)
{
    f->pending = f->inl;
    f->npending = 0;
    f->cap = KRB_PENDING_INLINE;
}

static void pairing_clear(KrbPairing *f)
{
    if (f->pending != f->inl)
        g_free(f->pending);
}

/* A UDP flow needs the pairing only (no framers to set up and clear). */
static void *krb_udp_state_new(void)
{
    KrbPairing *f = g_new(KrbPairing, 1);
    pairing_init(f);
    return f;
}

static void krb_udp_state_free(void *state)
{
    KrbPairing *f = state;
    if (!f)
        return;
    pairing_clear(f);
    g_free(f);
}

static void *krb_state_new(void)
{
    KrbFlow *f = g_new(KrbFlow, 1);
    pairing_init(&f->pairing);
    for (int i = 0; i < 2; i++) {
        f->dir[i].pairing = &f->pairing;
        f->dir[i].kpasswd = false;
        f->dir[i].anomalies = 0;
        tw_framer_init(&f->dir[i].framer, &krb_tcp_framing, &f->dir[i]);
    }
    return f;
}

static void krb_state_free(void *state)
{
    KrbFlow *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++)
        tw_framer_clear(&f->dir[i].framer);
    pairing_clear(&f->pairing);
    g_free(f);
}

/* ---- UDP (RFC 4120 7.2.1): one message per datagram -------------------------------- */

static void udp_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                     gsize reported)
{
    handle_unit(state, ctx, false, data, len, reported);
}

/* ---- TCP (RFC 4120 7.2.2) ------------------------------------------------------------ */

/* Does a record of `rec_len` bytes starting with `p` (avail bytes known) look
 * like the start of a Kerberos (or kpasswd) message? */
static bool plausible_record(const guint8 *p, gsize avail, guint32 mark, bool kpasswd)
{
    if (mark & 0x80000000u)
        return false; /* reserved bit: no extension is defined */
    if (mark < 2 || mark > TW_KRB5_TCP_MAX_RECORD)
        return false;
    if (avail < 1)
        return true;
    if (kpasswd && (p[0] & 0xe0) != 0x60) {
        /* RFC 3244 header: msg-length (= the record length), version 0x0001
         * or 0xff80; judge only the bytes received so far. */
        if (p[0] != (guint8)(mark >> 8) || (avail >= 2 && p[1] != (guint8)mark))
            return false;
        if (avail >= 3 && p[2] != 0x00 && p[2] != 0xff)
            return false;
        if (avail >= 4 && !((p[2] == 0x00 && p[3] == 0x01) || (p[2] == 0xff && p[3] == 0x80)))
            return false;
        return true;
    }
    /* With one byte only the APPLICATION class can be judged. */
    if (avail == 1 ? (p[0] & 0xe0) != 0x60 : !tw_krb5_looks_like_message(p, avail))
        return false;
    /* The DER length of the message must fill the record exactly. */
    guint8 cls;
    bool cons;
    guint32 tag;
    gsize clen, hlen;
    TwStatus st;
    if (tw_der_peek_header(p, avail, &cls, &cons, &tag, &clen, &hlen, &st))
        return clen + hlen == mark;
    return st == TW_TRUNCATED;
}

static guint32 record_mark(const guint8 *p)
{
    return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* RFC 4120 7.2.2: the record mark gives the message length. */
static TwFrameLen tcp_record_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    TcpDir *d = user;
    if (avail < RECORD_MARK_LEN)
        return (TwFrameLen){ TW_FRAME_NEED, RECORD_MARK_LEN, 0 };
    guint32 mark = record_mark(p);
    const guint8 *msg = p + RECORD_MARK_LEN;
    gsize have = avail - RECORD_MARK_LEN;
    if (!plausible_record(msg, have, mark, d->kpasswd)) {
        /* Report the first few per direction; a hostile stream could
         * otherwise turn every byte into an event. */
        if (d->anomalies++ >= TW_KRB5_MAX_ANOMALIES_PER_DIR)
            tw_count(ctx, "kerberos.tcp_anomalies_suppressed", 1);
        else if (!(mark & 0x80000000u) && mark > TW_KRB5_TCP_MAX_RECORD &&
                 tw_krb5_looks_like_message(msg, have))
            tw_anomaly(ctx, "kerberos-tcp", "record_too_big",
                       "record of %u bytes exceeds the %u-byte cap", mark, TW_KRB5_TCP_MAX_RECORD);
        else
            tw_anomaly(ctx, "kerberos-tcp", "bad_record_mark", "record mark 0x%08x", mark);
        return (TwFrameLen){ TW_FRAME_BAD, 1, 0 };
    }
    /* Judged on fewer bytes than it looks at: ask again with more. */
    gsize judged = MIN((gsize)mark, (gsize)RECORD_JUDGE_BYTES);
    if (have < judged)
        return (TwFrameLen){ TW_FRAME_NEED, RECORD_MARK_LEN + judged, 0 };
    return (TwFrameLen){ TW_FRAME_RECORD, (guint64)RECORD_MARK_LEN + mark, 0 };
}

/* While hunting: a record mark and at least the first message byte. */
static TwProbe tcp_record_probe(void *user, const guint8 *p, gsize avail)
{
    TcpDir *d = user;
    if (avail <= RECORD_MARK_LEN)
        return TW_PROBE_NEED;
    return plausible_record(p + RECORD_MARK_LEN, avail - RECORD_MARK_LEN, record_mark(p),
                            d->kpasswd)
               ? TW_PROBE_YES
               : TW_PROBE_NO;
}

static bool tcp_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    TcpDir *d = user;
    handle_unit(d->pairing, ctx, true, rec->p + RECORD_MARK_LEN, rec->len - RECORD_MARK_LEN,
                rec->reported - RECORD_MARK_LEN);
    return true;
}

static void tcp_resynced(void *user, TwDissectCtx *ctx)
{
    tw_count(ctx, "kerberos.tcp_resync", 1);
}

static const TwFramerSpec krb_tcp_framing = {
    .name = "kerberos-tcp",
    .length = tcp_record_length,
    .record = tcp_record,
    .probe = tcp_record_probe,
    .probe_window = RECORD_MARK_LEN + RECORD_JUDGE_BYTES,
    .resync_keep = RESYNC_KEEP,
    .resynced = tcp_resynced,
    .max_record = RECORD_MARK_LEN + TW_KRB5_TCP_MAX_RECORD,
    .gap_exact = false, /* the partial record is dropped whatever the gap's length */
};

static void tcp_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                     gsize reported)
{
    KrbFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    TcpDir *d = &f->dir[dir];
    d->kpasswd = is_kpasswd(ctx);
    tw_framer_feed(&d->framer, ctx, data, len);
}

static void tcp_gap(void *state, TwDissectCtx *ctx, int dir, guint64 len)
{
    KrbFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    TcpDir *d = &f->dir[dir];
    tw_count(ctx, "kerberos.tcp_gaps", 1); /* whole messages may be in it (capture health) */
    if (tw_framer_buffered(&d->framer) > 0)
        tw_count(ctx, "kerberos.tcp_partial_dropped", 1);
    tw_framer_gap(&d->framer, ctx, len);
}

static const guint16 krb5_ports[] = { 88, KPASSWD_PORT, 0 };

const TwAppParser tw_krb5_udp_parser = {
    .name = "kerberos-udp",
    .ipproto = 17,
    .ports = krb5_ports,
    .probe = NULL,
    .state_new = krb_udp_state_new,
    .state_free = krb_udp_state_free,
    .feed = udp_feed,
    .gap = NULL,
};

const TwAppParser tw_krb5_tcp_parser = {
    .name = "kerberos-tcp",
    .ipproto = 6,
    .ports = krb5_ports,
    .probe = NULL,
    .state_new = krb_state_new,
    .state_free = krb_state_free,
    .feed = tcp_feed,
    .gap = tcp_gap,
};
