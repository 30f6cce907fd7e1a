/* ldap.c — the LDAP bind as a GSS-API carrier (RFC 4511 4.2 BindRequest /
 * 4.2.2 BindResponse, RFC 4513 5.2 SASL, MS-ADTS 5.1.1.1.3 Sicily NTLM).
 *
 * Only binds are decoded; other operations are skipped by their DER length.
 * After a successful SASL bind the connection may switch to SASL-wrapped
 * frames (RFC 4752 3.3: 4-byte length + GSS wrap token), which are not
 * LDAPMessages, so the flow is given up at that point. */
#include "dissectors/gssapi/gssapi.h"

#include "dissectors/der/der.h"
#include "dissectors/framer.h"

#define LDAP_HEADER_MAX 6 /* 0x30 + 1 + up to 4 length octets (TW_DER_MAX_LEN_OCTETS) */

typedef struct LdapFlow LdapFlow;

typedef struct {
    LdapFlow *flow;
    TwFramer framer; /* LDAPMessages framed by their BER length (dissectors/framer.h) */
} LdapDir;

typedef struct {
    guint64 request_frame;
    guint64 krb_request_frame; /* frame of the AP-REQ inside the request, 0 if none */
    char *mechanism;           /* "GSS-SPNEGO", "GSSAPI", "simple", "sicily" */
    guint sicily_step;         /* MS-ADTS 5.1.1.1.3: 9 discovery, 10 negotiate, 11 response; 0 */
} LdapPending;

struct LdapFlow {
    LdapDir dir[2];
    GHashTable *pending; /* messageID (gint64 in a pointer-sized key) -> LdapPending* */
    bool done;           /* gave up (bind complete with wrapping, or not LDAP) */
};

static void pending_free(gpointer p)
{
    LdapPending *lp = p;
    g_free(lp->mechanism);
    g_free(lp);
}

static const TwFramerSpec ldap_framing;

static void *ldap_state_new(void)
{
    LdapFlow *f = g_new0(LdapFlow, 1);
    for (int i = 0; i < 2; i++) {
        f->dir[i].flow = f;
        tw_framer_init(&f->dir[i].framer, &ldap_framing, &f->dir[i]);
    }
    f->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, pending_free);
    return f;
}

static void ldap_state_free(void *state)
{
    LdapFlow *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++)
        tw_framer_clear(&f->dir[i].framer);
    g_hash_table_destroy(f->pending);
    g_free(f);
}

/* RFC 4511 4.1.9 resultCode names (the ones a bind can return). */
static const char *ldap_result_name(gint64 code)
{
    switch (code) {
    case 0: return "success";
    case 1: return "operationsError";
    case 2: return "protocolError";
    case 7: return "authMethodNotSupported";
    case 8: return "strongerAuthRequired";
    case 13: return "confidentialityRequired";
    case 14: return "saslBindInProgress";
    case 48: return "inappropriateAuthentication";
    case 49: return "invalidCredentials";
    case 50: return "insufficientAccessRights";
    case 51: return "busy";
    case 52: return "unavailable";
    case 53: return "unwillingToPerform";
    case 80: return "other";
    default: return NULL;
    }
}

typedef struct {
    LdapFlow *flow;
    LdapPending *pending;
    gint64 message_id;
    bool response;
} LdapDecorate;

static void ldap_decorate(TwEvent *ev, void *user)
{
    LdapDecorate *d = user;
    tw_event_set_int(ev, "ldap_message_id", d->message_id);
    if (ev->proto != tw_event_intern("kerberos") || !d->pending)
        return;
    gint64 mt = tw_event_get_int(ev, "msg_type", 0);
    if (!d->response && mt == 14)
        d->pending->krb_request_frame = ev->frame;
    else if (d->response && (mt == 15 || mt == 30) && d->pending->krb_request_frame)
        tw_event_set_int(ev, "reply_to", (gint64)d->pending->krb_request_frame);
}

static TwEvent *ldap_event(TwDissectCtx *ctx, const char *op, gint64 msgid)
{
    TwEvent *ev = tw_event_new(ctx->pi, "ldap");
    tw_event_set_str(ev, "op", op);
    tw_event_set_int(ev, "message_id", msgid);
    return ev;
}

/* Teaching view (-T tree): the LDAPMessage and its bind operation. */
static void bind_tree(TwEvent *ev, bool response, gint64 auth_tag)
{
    tw_event_tree_add_spec(ev, 0, "LDAPMessage", "RFC 4511 4.1.1", NULL, "messageID %" G_GINT64_FORMAT,
                           tw_event_get_int(ev, "message_id", -1));
    if (!response) {
        tw_event_tree_add_spec(ev, 1, "bindRequest", "RFC 4511 4.2", "the client authenticates the connection", NULL);
        tw_event_tree_add_spec(ev, 2, "version", "RFC 4511 4.2", NULL, "%" G_GINT64_FORMAT, tw_event_get_int(ev, "version", 0));
        const char *dn = tw_event_get_str(ev, "dn");
        tw_event_tree_add_spec(ev, 2, "name", "RFC 4511 4.2", dn && *dn ? NULL : "empty: the identity comes from the SASL mechanism",
                          "%s", dn ? dn : "");
        const char *auth = tw_event_get_str(ev, "auth");
        if (auth_tag == 0)
            tw_event_tree_add_spec(ev, 2, "authentication", "RFC 4511 4.2",
                                   "simple [0]: a password in the clear (not shown)", "simple, password %s",
                                   tw_event_get_bool(ev, "password_present", false) ? "present" : "empty (anonymous)");
        else if (auth_tag == 3)
            tw_event_tree_add_spec(ev, 2, "authentication", "RFC 4511 4.2, RFC 4752",
                                   "sasl [3]: GSS-SPNEGO or GSSAPI carry Kerberos/NTLMSSP", "sasl, mechanism %s",
                                   auth ? auth : "");
        else if (auth_tag >= 9 && auth_tag <= 11)
            tw_event_tree_add_spec(ev, 2, "authentication", "MS-ADTS 5.1.1.1.3",
                                   "Sicily: NTLM without SASL (Windows' legacy bind)", "sicily [%" G_GINT64_FORMAT "]",
                                   auth_tag);
    } else {
        tw_event_tree_add_spec(ev, 1, "bindResponse", "RFC 4511 4.2.2", NULL, NULL);
        gint64 rc = tw_event_get_int(ev, "result_code", -1);
        const char *rn = tw_event_get_str(ev, "result_name");
        tw_event_tree_add_spec(ev, 2, "resultCode", "RFC 4511 4.1.9",
                               rc == 0    ? "the bind succeeded"
                               : rc == 14 ? "another round trip of the SASL exchange follows"
                               : rc == 49 ? "invalidCredentials: for Active Directory the diagnostic's data code tells why"
                                          : NULL,
                               "%" G_GINT64_FORMAT " (%s)", rc, rn ? rn : "unknown");
        const char *diag = tw_event_get_str(ev, "diagnostic");
        if (diag)
            tw_event_tree_add_spec(ev, 2, "diagnosticMessage", "RFC 4511 4.1.9", NULL, "%s", diag);
    }
}

static void add_spnego_summary(TwEvent *ev, const TwGssSummary *s)
{
    if (s->mech_name)
        tw_event_set_str(ev, "gss_mech", s->mech_name);
    if (s->neg_state >= 0 && tw_spnego_neg_state_name(s->neg_state))
        tw_event_set_str(ev, "spnego_state", tw_spnego_neg_state_name(s->neg_state));
}

/* RFC 4511 4.2 BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER,
 * name LDAPDN, authentication AuthenticationChoice }. */
static void parse_bind_request(LdapFlow *f, TwDissectCtx *ctx, TwCursor *op, gint64 msgid)
{
    gint64 version = 0;
    TwDerTlv t;
    if (tw_der_expect(op, TW_DER_UNIVERSAL, TW_DER_TAG_INTEGER, &t, 2))
        tw_der_integer(&t, &version);
    char *dn = NULL;
    bool dn_cut = false;
    if (tw_der_expect(op, TW_DER_UNIVERSAL, TW_DER_TAG_OCTET_STRING, &t, 2)) {
        dn_cut = t.content.len < t.content.reported || t.content.len > TW_DER_MAX_STRING;
        dn = tw_der_string(&t);
    }
    TwDerTlv auth;
    if (!tw_der_read(op, &auth, 2) || auth.cls != TW_DER_CONTEXT) {
        g_free(dn);
        tw_anomaly(ctx, "ldap", "malformed", "BindRequest %" G_GINT64_FORMAT " without authentication",
                   msgid);
        return;
    }
    g_autoptr(TwEvent) ev = ldap_event(ctx, "bindRequest", msgid);
    tw_event_set_int(ev, "version", version);
    if (dn)
        tw_event_take_str(ev, "dn", dn);
    if (dn && dn_cut)
        tw_event_mark_truncated(ev, "dn");
    LdapPending *lp = g_new0(LdapPending, 1);
    lp->request_frame = ctx->pi ? ctx->pi->frame : 0;
    const guint8 *cred = NULL;
    gsize cred_len = 0, cred_rep = 0;
    switch (auth.tag) {
    case 0: /* simple [0] OCTET STRING: never copy the password */
        lp->mechanism = g_strdup("simple");
        tw_event_set_bool(ev, "password_present", auth.len > 0);
        break;
    case 3: { /* sasl [3] SaslCredentials ::= SEQUENCE { mechanism, credentials OPTIONAL } */
        TwDerTlv m;
        if (tw_der_expect(&auth.content, TW_DER_UNIVERSAL, TW_DER_TAG_OCTET_STRING, &m, 3))
            lp->mechanism = tw_der_string(&m);
        TwDerTlv c;
        if (tw_der_expect(&auth.content, TW_DER_UNIVERSAL, TW_DER_TAG_OCTET_STRING, &c, 3)) {
            cred = c.content.p;
            cred_len = c.content.len;
            cred_rep = c.content.reported;
        }
        break;
    }
    case 9:  /* MS-ADTS 5.1.1.1.3 sicilyPackageDiscovery */
    case 10: /* sicilyNegotiate: raw NTLMSSP NEGOTIATE */
    case 11: /* sicilyResponse: raw NTLMSSP AUTHENTICATE */
        lp->mechanism = g_strdup("sicily");
        lp->sicily_step = auth.tag;
        cred = auth.content.p;
        cred_len = auth.content.len;
        cred_rep = auth.content.reported;
        break;
    default:
        lp->mechanism = g_strdup("unknown");
        break;
    }
    tw_event_set_str(ev, "auth", lp->mechanism ? lp->mechanism : "sasl");
    if (g_hash_table_size(f->pending) >= TW_LDAP_MAX_PENDING) {
        tw_anomaly(ctx, "ldap", "limit", "more than %d outstanding binds; forgetting them",
                   TW_LDAP_MAX_PENDING);
        g_hash_table_remove_all(f->pending);
    }
    gint64 *key = g_new(gint64, 1);
    *key = msgid;
    g_hash_table_replace(f->pending, key, lp);
    if (ctx->want_tree)
        bind_tree(ev, false, auth.tag);
    if (cred_len) {
        TwGssSummary sum;
        LdapDecorate d = { f, lp, msgid, false };
        tw_gssapi_dissect_host(ctx, cred, cred_len, cred_rep, "ldap", ldap_decorate, &d, &sum, ev, 3);
        add_spnego_summary(ev, &sum);
    }
    tw_count(ctx, "ldap.bind_requests", 1);
    tw_emit(ctx, g_steal_pointer(&ev));
}

/* RFC 4511 4.2.2 BindResponse ::= [APPLICATION 1] SEQUENCE { COMPONENTS OF
 * LDAPResult, serverSaslCreds [7] OCTET STRING OPTIONAL }. */
static void parse_bind_response(LdapFlow *f, TwDissectCtx *ctx, TwCursor *op, gint64 msgid)
{
    TwDerTlv t;
    gint64 result = -1;
    if (tw_der_expect(op, TW_DER_UNIVERSAL, 10 /* ENUMERATED */, &t, 2)) {
        t.tag = TW_DER_TAG_INTEGER; /* X.690 8.4: same content rules */
        if (!tw_der_integer(&t, &result))
            result = -1;
    }
    char *matched = NULL, *diag = NULL;
    TwDerTlv matched_tlv = { 0 };
    if (tw_der_expect(op, TW_DER_UNIVERSAL, TW_DER_TAG_OCTET_STRING, &t, 2)) {
        matched_tlv = t; /* Sicily: the NTLM CHALLENGE travels here */
        matched = tw_der_string(&t);
    }
    if (tw_der_expect(op, TW_DER_UNIVERSAL, TW_DER_TAG_OCTET_STRING, &t, 2))
        diag = tw_der_string(&t);
    if (tw_der_next_is(op, TW_DER_CONTEXT, 3)) /* referral */
        tw_der_read(op, &t, 2);
    g_free(matched);
    g_autoptr(TwEvent) ev = ldap_event(ctx, "bindResponse", msgid);
    tw_event_set_int(ev, "result_code", result);
    if (ldap_result_name(result))
        tw_event_set_str(ev, "result_name", ldap_result_name(result));
    if (diag && *diag)
        tw_event_take_str(ev, "diagnostic", diag);
    else
        g_free(diag);
    gint64 key = msgid;
    LdapPending *lp = g_hash_table_lookup(f->pending, &key);
    if (lp) {
        tw_event_set_int(ev, "request_frame", (gint64)lp->request_frame);
        if (lp->mechanism)
            tw_event_set_str(ev, "auth", lp->mechanism);
    }
    if (ctx->want_tree)
        bind_tree(ev, true, -1);
    if (tw_der_next_is(op, TW_DER_CONTEXT, 7) && tw_der_read(op, &t, 2)) {
        TwGssSummary sum;
        LdapDecorate d = { f, lp, msgid, true };
        if (ctx->want_tree)
            tw_event_tree_add_spec(ev, 2, "serverSaslCreds", "RFC 4511 4.2.2", NULL, NULL);
        tw_gssapi_dissect_host(ctx, t.content.p, t.content.len, t.content.reported, "ldap",
                               ldap_decorate, &d, &sum, ev, 3);
        add_spnego_summary(ev, &sum);
    }
    if (lp && lp->sicily_step == 10 && matched_tlv.content.len) {
        /* MS-ADTS 5.1.1.1.3: the sicilyNegotiate response's matchedDN is the
         * raw NTLMSSP CHALLENGE. */
        LdapDecorate d = { f, lp, msgid, true };
        tw_gssapi_dissect(ctx, matched_tlv.content.p, matched_tlv.content.len,
                          matched_tlv.content.reported, "ldap", ldap_decorate, &d);
    }
    /* The bind is complete (and a security layer may start) only after the
     * last leg: not after Sicily discovery or negotiate. */
    bool sasl = lp && lp->mechanism && strcmp(lp->mechanism, "simple") != 0 &&
                lp->sicily_step != 9 && lp->sicily_step != 10;
    if (result != 14 /* saslBindInProgress */)
        g_hash_table_remove(f->pending, &key);
    tw_count(ctx, "ldap.bind_responses", 1);
    tw_emit(ctx, g_steal_pointer(&ev));
    if (result == 0 && sasl) {
        /* RFC 4513 5.2.1.7 / RFC 4752 3.3: a security layer may now wrap every
         * PDU; nothing after this is an LDAPMessage we could read. */
        f->done = true;
        tw_count(ctx, "ldap.flows_done_after_bind", 1);
    }
}

/* RFC 4511 4.1.1 LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL } */
static void parse_message(LdapFlow *f, TwDissectCtx *ctx, const guint8 *p, gsize len)
{
    TwCursor c = tw_cursor_init(p, len);
    TwDerTlv msg, id, op;
    if (!tw_der_expect(&c, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE, &msg, 0))
        return;
    gint64 msgid = -1;
    if (!tw_der_expect(&msg.content, TW_DER_UNIVERSAL, TW_DER_TAG_INTEGER, &id, 1) ||
        !tw_der_integer(&id, &msgid) || !tw_der_read(&msg.content, &op, 1)) {
        tw_count(ctx, "ldap.malformed", 1);
        return;
    }
    if (op.cls != TW_DER_APPLICATION) {
        tw_count(ctx, "ldap.malformed", 1);
        return;
    }
    if (op.tag == 0 && op.constructed)
        parse_bind_request(f, ctx, &op.content, msgid);
    else if (op.tag == 1 && op.constructed)
        parse_bind_response(f, ctx, &op.content, msgid);
    else
        tw_count(ctx, "ldap.other_ops", 1);
}

static void give_up(LdapFlow *f, TwDissectCtx *ctx, const char *why)
{
    f->done = true;
    tw_count(ctx, "ldap.flows_given_up", 1);
    (void)why;
}

/* RFC 4511 4.1.1 / X.690 8.1.3: an LDAPMessage is a SEQUENCE; its header
 * (tag, length) gives the whole message's size. */
static TwFrameLen ldap_message_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    LdapDir *d = user;
    if (p[0] != 0x30) {
        give_up(d->flow, ctx, "not an LDAPMessage (SASL-wrapped or another protocol)");
        return (TwFrameLen){ TW_FRAME_STOP, 0, 0 };
    }
    guint8 cls;
    bool cons;
    guint32 tag;
    gsize clen, hlen;
    TwStatus st;
    gsize hdr = MIN(avail, (gsize)LDAP_HEADER_MAX);
    if (!tw_der_peek_header(p, hdr, &cls, &cons, &tag, &clen, &hlen, &st)) {
        /* Header byte by byte, so a tiny message never swallows the next one. */
        if (st == TW_TRUNCATED && hdr < LDAP_HEADER_MAX)
            return (TwFrameLen){ TW_FRAME_NEED, hdr + 1, 0 };
        tw_anomaly(ctx, "ldap", "malformed", "bad LDAPMessage header");
        give_up(d->flow, ctx, "bad header");
        return (TwFrameLen){ TW_FRAME_STOP, 0, 0 };
    }
    if (clen > TW_LDAP_MAX_RECORD - hlen) {
        /* Too big to be a bind: pass over it without buffering. */
        tw_count(ctx, "ldap.large_skipped", 1);
        return (TwFrameLen){ TW_FRAME_SKIP, (guint64)hlen + clen, 0 };
    }
    return (TwFrameLen){ TW_FRAME_RECORD, (guint64)hlen + clen, 0 };
}

static bool ldap_message(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    LdapDir *d = user;
    parse_message(d->flow, ctx, rec->p, rec->len);
    return !d->flow->done;
}

static const TwFramerSpec ldap_framing = {
    .name = "ldap",
    .length = ldap_message_length,
    .record = ldap_message,
    .probe = NULL, /* no reliable way to find the next message after a lost boundary */
    .max_record = TW_LDAP_MAX_RECORD,
    .gap_exact = true,
    .deliver_truncated = false,
};

static void ldap_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                      gsize reported)
{
    LdapFlow *f = state;
    if (f->done || (dir != TW_DIR_REQ && dir != TW_DIR_RSP))
        return;
    tw_framer_feed(&f->dir[dir].framer, ctx, data, len);
}

static void ldap_gap(void *state, TwDissectCtx *ctx, int dir, guint64 len)
{
    LdapFlow *f = state;
    if (f->done || (dir != TW_DIR_REQ && dir != TW_DIR_RSP))
        return;
    /* The gap length is exact: inside a message we know the length of, the
     * message is lost but the next one starts where we expect it.  A gap
     * across a message boundary leaves no reliable way to find the next one. */
    switch (tw_framer_gap(&f->dir[dir].framer, ctx, len)) {
    case TW_FRAMER_GAP_ABSORBED:
        break;
    case TW_FRAMER_GAP_RECORD_CUT:
        tw_count(ctx, "ldap.messages_lost_in_gap", 1);
        break;
    case TW_FRAMER_GAP_RESYNC:
    case TW_FRAMER_GAP_LOST:
        give_up(f, ctx, "gap");
        break;
    }
}

static bool ldap_probe(const guint8 *data, gsize len)
{
    /* SEQUENCE, INTEGER messageID, then [APPLICATION 0] BindRequest. */
    if (len < 7 || data[0] != 0x30)
        return false;
    gsize off = 1;
    if (data[off] & 0x80) {
        guint n = data[off] & 0x7f;
        if (n == 0 || n > 4)
            return false;
        off += n;
    }
    off++;
    if (off + 3 > len || data[off] != 0x02 || data[off + 1] == 0 || data[off + 1] > 4)
        return false;
    off += 2 + data[off + 1];
    return off < len && data[off] == 0x60;
}

static const guint16 ldap_ports[] = { 389, 3268, 0 };

const TwAppParser tw_ldap_tcp_parser = {
    .name = "ldap",
    .ipproto = 6,
    .ports = ldap_ports,
    .probe = ldap_probe,
    .state_new = ldap_state_new,
    .state_free = ldap_state_free,
    .feed = ldap_feed,
    .gap = ldap_gap,
};
