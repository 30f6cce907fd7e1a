/* http.c — HTTP/1.x as a GSS-API carrier (RFC 4559 Negotiate, MS-NTHT NTLM).
 *
 * Per direction, a small state machine frames messages (RFC 9112 2.1) on
 * the shared framer (dissectors/framer.h): the header block, up to its
 * empty line, is the record (copied only when it spans feeds, under
 * TW_HTTP_MAX_HEADER_BLOCK); message bodies are passed over by their length
 * (RFC 9112 6.3: Content-Length, chunked transfer coding, or until the
 * connection closes) without being looked at.  When framing is lost (a gap, a bad chunk size, bytes that are
 * not HTTP) the direction resynchronises at the next line that starts like
 * a request line or a status line.
 *
 * Authentication fields carrying a token are base64-decoded and handed to
 * tw_gssapi_dissect, which emits the Kerberos / NTLMSSP events; this file
 * adds where they were seen (method, target, status) and pairs a KRB-ERROR
 * or AP-REP in a response with the flow's last AP-REQ (`reply_to`).  One
 * compact "http" event is emitted per message that carries such a field
 * and per 401/407 response, so a refused Negotiate is visible even when the
 * server sends no token back. */
#include "http.h"

#include "dissectors/framer.h"
#include "dissectors/gssapi/gssapi.h"

#include <string.h>

typedef enum {
    HM_HEADERS,     /* collecting a header block (empty buffer: at a message start) */
    HM_BODY,        /* skipping `remaining` body bytes */
    HM_CHUNK_SIZE,  /* RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF */
    HM_CHUNK_DATA,  /* skipping `remaining` chunk bytes */
    HM_CHUNK_CRLF,  /* the CRLF after chunk data */
    HM_TRAILER,     /* RFC 9112 7.1.2 trailer section up to its empty line */
    HM_UNTIL_CLOSE, /* RFC 9112 6.3 rule 8: the body runs to the end of the connection */
    HM_TUNNEL,      /* after CONNECT 2xx or 101 Switching Protocols: not HTTP any more */
    HM_RESYNC,      /* framing lost: skip to the next line start */
} HttpMode;

typedef struct HttpFlow HttpFlow;

typedef struct {
    HttpFlow *flow;
    int dir;
    TwFramer framer;    /* holds a header block, chunk line or trailer line cut by a feed */
    HttpMode mode;
    bool start_ok;      /* HM_HEADERS: the first line looked like HTTP at an earlier feed */
    gsize block_len;    /* the header block being delivered, without its empty line */
    guint64 remaining;  /* HM_BODY / HM_CHUNK_DATA, until the framer is told to skip it */
    guint trailer_len;  /* HM_TRAILER: bytes of complete trailer lines so far */
} HttpDir;

enum { REQ_OTHER = 0, REQ_HEAD = 1, REQ_CONNECT = 2 };

typedef struct {
    guint64 frame;
    guint8 kind;
} HttpPending;

struct HttpFlow {
    HttpDir dir[2];
    HttpPending pending[TW_HTTP_MAX_PENDING]; /* ring of requests awaiting a response */
    guint pending_head, pending_len;
    bool pending_overflowed; /* the cap's anomaly is reported once per flow */
    guint64 last_ap_req_frame; /* frame of the last Kerberos AP-REQ sent by the client */
};

static const TwFramerSpec http_framing;

static void *http_state_new(void)
{
    HttpFlow *f = g_new0(HttpFlow, 1);
    for (int i = 0; i < 2; i++) {
        f->dir[i].flow = f;
        f->dir[i].dir = i;
        tw_framer_init(&f->dir[i].framer, &http_framing, &f->dir[i]);
    }
    return f;
}

static void http_state_free(void *state)
{
    HttpFlow *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++)
        tw_framer_clear(&f->dir[i].framer);
    g_free(f);
}

static void hdr_reset(HttpDir *d)
{
    d->start_ok = false;
    d->trailer_len = 0;
}

static void to_message_start(HttpDir *d)
{
    hdr_reset(d);
    d->mode = HM_HEADERS;
}

/* Skip to the next line start (bytes that never looked like a message). */
static void seek_line(HttpDir *d)
{
    hdr_reset(d);
    d->mode = HM_RESYNC;
}

/* A framed direction lost its framing. */
static void lose_framing(HttpDir *d, TwDissectCtx *ctx)
{
    seek_line(d);
    tw_count(ctx, "http.resync", 1);
}

/* ---- small text helpers over (pointer, length) ---- */

static bool ieq(const guint8 *p, gsize n, const char *lit)
{
    gsize m = strlen(lit);
    return n == m && g_ascii_strncasecmp((const char *)p, lit, m) == 0;
}

static bool is_ows(guint8 c) { return c == ' ' || c == '\t'; }

static bool is_b64(guint8 c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* RFC 9112 3 / 4: does the first line look like a request line (method
 * token in upper case, then SP) or a status line ("HTTP/")?  1 yes, 0 no,
 * -1 not enough bytes yet. */
static int start_line_plausible(const guint8 *p, gsize n)
{
    static const char http_slash[] = "HTTP/";
    gsize m = MIN(n, (gsize)5);
    if (memcmp(p, http_slash, m) == 0)
        return n >= 5 ? 1 : -1;
    for (gsize i = 0; i < n; i++) {
        guint8 c = p[i];
        if (c == ' ')
            return i > 0 ? 1 : 0;
        if (i >= TW_HTTP_MAX_METHOD || !((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
            return 0;
    }
    return -1;
}

/* ---- messages ---- */

typedef struct {
    const guint8 *name, *value;
    gsize name_len, value_len;
} HttpField;

typedef struct {
    bool response;
    /* request */
    const guint8 *method, *uri;
    gsize method_len, uri_len;
    /* response */
    gint status;
    const guint8 *reason;
    gsize reason_len;
    /* framing (RFC 9112 6.1, 6.2) */
    bool chunked, other_coding, has_length, bad_length;
    guint64 content_length;
    HttpField auth[TW_HTTP_MAX_AUTH_FIELDS];
    guint nauth;
    bool auth_overflow;
} HttpMsg;

typedef struct {
    HttpFlow *flow;
    const HttpMsg *msg;
    char *uri; /* printable copy, shared by the events of one message */
} HttpDecorate;

/* Bytes outside printable ASCII become '?', at most TW_HTTP_MAX_URI kept. */
static char *printable_dup(const guint8 *p, gsize n)
{
    n = MIN(n, (gsize)TW_HTTP_MAX_URI);
    char *s = g_malloc(n + 1);
    for (gsize i = 0; i < n; i++)
        s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    s[n] = 0;
    return s;
}

static void http_decorate(TwEvent *ev, void *user)
{
    HttpDecorate *d = user;
    if (d->msg->response) {
        tw_event_set_int(ev, "http_status", d->msg->status);
    } else {
        char *m = printable_dup(d->msg->method, d->msg->method_len);
        tw_event_take_str(ev, "http_method", m);
        tw_event_set_str(ev, "http_uri", d->uri);
    }
    if (ev->proto != tw_event_intern("kerberos"))
        return;
    gint64 mt = tw_event_get_int(ev, "msg_type", 0);
    if (!d->msg->response && mt == 14) /* KRB_AP_REQ */
        d->flow->last_ap_req_frame = ev->frame;
    else if (d->msg->response && (mt == 15 || mt == 30) && d->flow->last_ap_req_frame)
        tw_event_set_int(ev, "reply_to", (gint64)d->flow->last_ap_req_frame);
}

static const char *auth_field_name(const HttpField *fld)
{
    if (ieq(fld->name, fld->name_len, "authorization"))
        return "authorization";
    if (ieq(fld->name, fld->name_len, "www-authenticate"))
        return "www-authenticate";
    if (ieq(fld->name, fld->name_len, "proxy-authorization"))
        return "proxy-authorization";
    if (ieq(fld->name, fld->name_len, "proxy-authenticate"))
        return "proxy-authenticate";
    return NULL;
}

/* The field's name as RFC 9110 11.6 spells it (teaching view). */
static const char *auth_field_label(const HttpField *fld)
{
    const char *n = auth_field_name(fld);
    return !n                                        ? "?"
           : strcmp(n, "authorization") == 0         ? "Authorization"
           : strcmp(n, "www-authenticate") == 0      ? "WWW-Authenticate"
           : strcmp(n, "proxy-authorization") == 0   ? "Proxy-Authorization"
                                                     : "Proxy-Authenticate";
}

/* RFC 9110 11.3 / 11.6.1: a field value is a comma list of challenges (or
 * one credentials), each `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
 * For the schemes that carry GSS-API / NTLMSSP bytes (RFC 4559 4.1
 * "Negotiate", "Kerberos", MS-NTHT 2.2.2 "NTLM") the token68 is decoded and
 * dissected.  Returns the number of tokens dissected. */
static guint dissect_auth_field(TwDissectCtx *ctx, const HttpField *fld, HttpDecorate *dec,
                                TwEvent *hev, bool *scheme_seen)
{
    const guint8 *p = fld->value, *end = fld->value + fld->value_len;
    guint tokens = 0;
    while (p < end) {
        while (p < end && (is_ows(*p) || *p == ','))
            p++;
        const guint8 *scheme = p;
        while (p < end && !is_ows(*p) && *p != ',' && *p != '=')
            p++;
        gsize scheme_len = (gsize)(p - scheme);
        const char *canon = NULL;
        if (ieq(scheme, scheme_len, "negotiate"))
            canon = "Negotiate";
        else if (ieq(scheme, scheme_len, "kerberos"))
            canon = "Kerberos";
        else if (ieq(scheme, scheme_len, "ntlm"))
            canon = "NTLM";
        if (canon && (p == end || *p != '=')) {
            while (p < end && is_ows(*p))
                p++;
            const guint8 *b64 = p;
            while (p < end && is_b64(*p))
                p++;
            gsize b64_len = (gsize)(p - b64);
            /* token68 ends the element; an '=' after a token is an auth-param. */
            bool token68 = b64_len > 0 && (p == end || is_ows(*p) || *p == ',');
            if (!*scheme_seen) {
                tw_event_set_str(hev, "auth_field", auth_field_name(fld));
                tw_event_set_str(hev, "auth_scheme", canon);
                *scheme_seen = true;
            }
            if (token68 && b64_len / 4 * 3 > TW_HTTP_MAX_TOKEN) {
                tw_anomaly(ctx, "http", "limit", "%s token of %" G_GSIZE_FORMAT
                           " base64 characters over the %d-byte cap", canon, b64_len,
                           TW_HTTP_MAX_TOKEN);
            } else if (token68) {
                guint8 *blob = g_malloc(b64_len / 4 * 3 + 3);
                gint state = 0;
                guint save = 0;
                gsize n = g_base64_decode_step((const gchar *)b64, b64_len, blob, &state, &save);
                if (n > 0) {
                    TwGssSummary sum;
                    if (ctx->want_tree)
                        tw_event_tree_add_spec(hev, 1, auth_field_label(fld),
                                               canon[0] == 'N' && canon[1] == 'T' ? "MS-NTHT 2.2.2" : "RFC 4559 4",
                                               canon[0] == 'N' && canon[1] == 'T'
                                                   ? "NTLM: the NTLMSSP message, base64"
                                                   : "Negotiate: a GSS-API/SPNEGO token, base64",
                                               "%s, token of %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT " in base64)",
                                               canon, n, b64_len);
                    tw_gssapi_dissect_host(ctx, blob, n, n, "http", http_decorate, dec, &sum,
                                           ctx->want_tree ? hev : NULL, 2);
                    if (tokens == 0) {
                        tw_event_set_str(hev, "auth_field", auth_field_name(fld));
                        tw_event_set_str(hev, "auth_scheme", canon);
                        tw_event_set_int(hev, "token_len", (gint64)n);
                        if (sum.mech_name)
                            tw_event_set_str(hev, "gss_mech", sum.mech_name);
                        if (sum.neg_state >= 0 && tw_spnego_neg_state_name(sum.neg_state))
                            tw_event_set_str(hev, "spnego_state",
                                             tw_spnego_neg_state_name(sum.neg_state));
                        if (sum.inner)
                            tw_event_set_str(hev, "gss_inner", sum.inner);
                    }
                    tokens++;
                }
                g_free(blob);
            }
        }
        /* On to the next element: past any auth-params (quoted strings may hold commas). */
        bool quoted = false;
        while (p < end && (quoted || *p != ',')) {
            if (*p == '"')
                quoted = !quoted;
            else if (quoted && *p == '\\' && p + 1 < end)
                p++;
            p++;
        }
    }
    return tokens;
}

static void pending_push(HttpFlow *f, TwDissectCtx *ctx, guint64 frame, guint8 kind)
{
    if (f->pending_len == TW_HTTP_MAX_PENDING) {
        /* Responses not seen (one-sided capture?): forget the oldest. */
        if (!f->pending_overflowed)
            tw_anomaly(ctx, "http", "limit", "more than %d requests without a response",
                       TW_HTTP_MAX_PENDING);
        f->pending_overflowed = true;
        tw_count(ctx, "http.pending_dropped", 1);
        f->pending_head = (f->pending_head + 1) % TW_HTTP_MAX_PENDING;
        f->pending_len--;
    }
    guint at = (f->pending_head + f->pending_len) % TW_HTTP_MAX_PENDING;
    f->pending[at].frame = frame;
    f->pending[at].kind = kind;
    f->pending_len++;
}

static bool pending_pop(HttpFlow *f, HttpPending *out)
{
    if (!f->pending_len)
        return false;
    *out = f->pending[f->pending_head];
    f->pending_head = (f->pending_head + 1) % TW_HTTP_MAX_PENDING;
    f->pending_len--;
    return true;
}

/* RFC 9112 6.1 / 6.2: the framing fields. */
static void framing_field(HttpMsg *msg, const HttpField *fld)
{
    if (ieq(fld->name, fld->name_len, "content-length")) {
        guint64 v = 0;
        gsize i = 0;
        for (; i < fld->value_len && g_ascii_isdigit(fld->value[i]); i++) {
            if (v > (G_MAXUINT64 - 9) / 10) {
                msg->bad_length = true;
                return;
            }
            v = v * 10 + (guint64)(fld->value[i] - '0');
        }
        /* RFC 9110 8.6: a list of identical values is tolerated; anything else is not. */
        if (i == 0 || (i < fld->value_len && fld->value[i] != ',') ||
            (msg->has_length && msg->content_length != v))
            msg->bad_length = true;
        msg->has_length = true;
        msg->content_length = v;
    } else if (ieq(fld->name, fld->name_len, "transfer-encoding")) {
        /* RFC 9112 6.1: chunked must be the final coding. */
        gsize n = fld->value_len;
        while (n > 0 && (is_ows(fld->value[n - 1]) || fld->value[n - 1] == ','))
            n--;
        gsize s = n;
        while (s > 0 && !is_ows(fld->value[s - 1]) && fld->value[s - 1] != ',')
            s--;
        if (ieq(fld->value + s, n - s, "chunked")) {
            msg->chunked = true;
            msg->other_coding = false;
        } else {
            msg->chunked = false;
            msg->other_coding = true;
        }
    }
}

/* RFC 9112 3 request-line = method SP request-target SP HTTP-version;
 * 4 status-line = HTTP-version SP status-code SP [ reason-phrase ]. */
static bool parse_start_line(HttpMsg *msg, const guint8 *p, gsize n)
{
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        msg->response = true;
        const guint8 *sp = memchr(p, ' ', n);
        if (!sp)
            return false;
        gsize off = (gsize)(sp - p) + 1;
        if (n - off < 3 || !g_ascii_isdigit(p[off]) || !g_ascii_isdigit(p[off + 1]) ||
            !g_ascii_isdigit(p[off + 2]) || (n - off > 3 && p[off + 3] != ' '))
            return false;
        msg->status = (p[off] - '0') * 100 + (p[off + 1] - '0') * 10 + (p[off + 2] - '0');
        off += 3;
        if (off < n)
            off++;
        msg->reason = p + off;
        msg->reason_len = n - off;
        return true;
    }
    const guint8 *sp1 = memchr(p, ' ', n);
    if (!sp1 || sp1 == p)
        return false;
    msg->method = p;
    msg->method_len = (gsize)(sp1 - p);
    const guint8 *uri = sp1 + 1;
    gsize rest = n - msg->method_len - 1;
    const guint8 *sp2 = memchr(uri, ' ', rest);
    if (!sp2)
        return false; /* HTTP/0.9 simple requests are not followed */
    msg->uri = uri;
    msg->uri_len = (gsize)(sp2 - uri);
    gsize vlen = rest - msg->uri_len - 1;
    return vlen >= 5 && memcmp(sp2 + 1, "HTTP/", 5) == 0;
}

/* One complete header block (without its final empty line). */
static void parse_block(HttpFlow *f, HttpDir *d, TwDissectCtx *ctx, int dir, const guint8 *p,
                        gsize n)
{
    HttpMsg msg = { 0 };
    const guint8 *end = p + n;
    const guint8 *lf = memchr(p, '\n', n);
    const guint8 *line_end = lf ? lf : end;
    gsize first_len = (gsize)(line_end - p);
    if (first_len && p[first_len - 1] == '\r')
        first_len--;
    if (!parse_start_line(&msg, p, first_len) || msg.response != (dir == TW_DIR_RSP)) {
        /* Plausible start, but not HTTP after all (or a message the wrong way). */
        lose_framing(d, ctx);
        return;
    }
    /* RFC 9112 5: field-line = field-name ":" OWS field-value OWS.  Obsolete
     * line folding (5.2) continues the previous line and is ignored here. */
    const guint8 *q = lf ? lf + 1 : end;
    while (q < end) {
        const guint8 *e = memchr(q, '\n', (gsize)(end - q));
        const guint8 *next = e ? e + 1 : end;
        if (!e)
            e = end;
        if (e > q && e[-1] == '\r')
            e--;
        const guint8 *colon = is_ows(*q) ? NULL : memchr(q, ':', (gsize)(e - q));
        if (colon) {
            HttpField fld = { q, colon + 1, (gsize)(colon - q), 0 };
            while (fld.value < e && is_ows(*fld.value))
                fld.value++;
            const guint8 *ve = e;
            while (ve > fld.value && is_ows(ve[-1]))
                ve--;
            fld.value_len = (gsize)(ve - fld.value);
            /* Cheap first-letter filter before the case-insensitive compares. */
            guint8 c0 = g_ascii_tolower(*q);
            if (c0 == 'c' || c0 == 't')
                framing_field(&msg, &fld);
            else if ((c0 == 'a' || c0 == 'w' || c0 == 'p') && auth_field_name(&fld)) {
                if (msg.nauth < TW_HTTP_MAX_AUTH_FIELDS)
                    msg.auth[msg.nauth++] = fld;
                else
                    msg.auth_overflow = true;
            }
        }
        q = next;
    }

    guint64 frame = ctx->pi ? ctx->pi->frame : 0;
    HttpPending req = { 0, REQ_OTHER };
    bool have_req = false;
    /* RFC 9112 6.3: how long is the body? */
    if (!msg.response) {
        guint8 kind = ieq(msg.method, msg.method_len, "HEAD")      ? REQ_HEAD
                      : ieq(msg.method, msg.method_len, "CONNECT") ? REQ_CONNECT
                                                                   : REQ_OTHER;
        pending_push(f, ctx, frame, kind);
        if (msg.other_coding || msg.bad_length) {
            lose_framing(d, ctx); /* 6.3 rules 4, 5: the server would answer 400 */
        } else if (msg.chunked) {
            to_message_start(d);
            d->mode = HM_CHUNK_SIZE;
        } else if (msg.has_length && msg.content_length) {
            to_message_start(d);
            d->mode = HM_BODY;
            d->remaining = msg.content_length;
        } else {
            to_message_start(d);
        }
    } else {
        bool interim = msg.status >= 100 && msg.status < 200 && msg.status != 101;
        if (!interim)
            have_req = pending_pop(f, &req);
        if (msg.status == 101 || (have_req && req.kind == REQ_CONNECT && msg.status / 100 == 2)) {
            /* 6.3 rule 2 / RFC 9110 15.2.2: the connection now carries something else. */
            for (int i = 0; i < 2; i++) {
                hdr_reset(&f->dir[i]);
                f->dir[i].mode = HM_TUNNEL;
            }
            tw_count(ctx, "http.tunnels", 1);
        } else if (interim || msg.status == 204 || msg.status == 304 ||
                   (have_req && req.kind == REQ_HEAD)) {
            to_message_start(d); /* 6.3 rule 1 */
        } else if (msg.chunked) {
            to_message_start(d);
            d->mode = HM_CHUNK_SIZE;
        } else if (msg.other_coding) {
            to_message_start(d);
            d->mode = HM_UNTIL_CLOSE;
        } else if (msg.bad_length) {
            lose_framing(d, ctx);
        } else if (msg.has_length) {
            to_message_start(d);
            if (msg.content_length) {
                d->mode = HM_BODY;
                d->remaining = msg.content_length;
            }
        } else {
            to_message_start(d);
            d->mode = HM_UNTIL_CLOSE; /* rule 8 */
        }
    }
    if (msg.response && msg.status >= 200 && d->mode != HM_TUNNEL) {
        /* RFC 9112 9.6: a final response with the "close" connection option
         * is the last one on its connection, so nothing after this header
         * block can carry authentication: capture/ may stop reassembling the
         * rest (the body of a download).  Tokens in this block are still
         * dissected below; the flow is dropped only after this feed. */
        for (const guint8 *cl = lf ? lf + 1 : end; cl < end;) {
            const guint8 *cle = memchr(cl, '\n', (gsize)(end - cl));
            cle = cle ? cle : end;
            if ((gsize)(cle - cl) > 11 && g_ascii_strncasecmp((const char *)cl, "connection:", 11) == 0) {
                for (const guint8 *tok = cl + 11; tok < cle;) {
                    while (tok < cle && (is_ows(*tok) || *tok == ','))
                        tok++;
                    const guint8 *toke = tok;
                    while (toke < cle && !is_ows(*toke) && *toke != ',' && *toke != '\r')
                        toke++;
                    if (ieq(tok, (gsize)(toke - tok), "close"))
                        tw_flow_ignore(ctx);
                    tok = toke == tok ? toke + 1 : toke;
                }
            }
            cl = cle < end ? cle + 1 : end;
        }
    }
    bool challenge = msg.response && (msg.status == 401 || msg.status == 407);
    if (!msg.nauth && !challenge)
        return;
    g_autoptr(TwEvent) hev = tw_event_new(ctx->pi, "http");
    HttpDecorate dec = { f, &msg, NULL };
    if (msg.response) {
        tw_event_set_str(hev, "msg", "response");
        tw_event_set_int(hev, "http_status", msg.status);
        tw_event_take_str(hev, "http_reason", printable_dup(msg.reason, msg.reason_len));
        if (have_req)
            tw_event_set_int(hev, "request_frame", (gint64)req.frame);
    } else {
        tw_event_set_str(hev, "msg", "request");
        tw_event_take_str(hev, "http_method", printable_dup(msg.method, msg.method_len));
        dec.uri = printable_dup(msg.uri, msg.uri_len);
        tw_event_set_str(hev, "http_uri", dec.uri);
        if (msg.uri_len > TW_HTTP_MAX_URI)
            tw_event_set_bool(hev, "http_uri_truncated", TRUE);
    }
    if (ctx->want_tree) {
        if (msg.response)
            tw_event_tree_add_spec(hev, 0, "HTTP response", "RFC 9112 4",
                                   msg.status == 401   ? "the server asks for authentication: a challenge follows"
                                   : msg.status == 407 ? "the proxy asks for authentication"
                                                       : NULL,
                                   "%d %s", msg.status, tw_event_get_str(hev, "http_reason"));
        else
            tw_event_tree_add_spec(hev, 0, "HTTP request", "RFC 9112 3", NULL, "%s %s",
                                   tw_event_get_str(hev, "http_method"), tw_event_get_str(hev, "http_uri"));
    }
    if (msg.auth_overflow)
        tw_anomaly(ctx, "http", "limit", "more than %d authentication fields in one message",
                   TW_HTTP_MAX_AUTH_FIELDS);
    bool scheme_seen = false;
    guint tokens = 0;
    for (guint i = 0; i < msg.nauth; i++)
        tokens += dissect_auth_field(ctx, &msg.auth[i], &dec, hev, &scheme_seen);
    g_free(dec.uri);
    if (!scheme_seen && !challenge)
        return; /* Basic, Digest, Bearer…: not ours */
    tw_count(ctx, tokens ? "http.auth_tokens" : "http.auth_without_token", 1);
    tw_emit(ctx, g_steal_pointer(&hev));
}

/* ---- the byte pump: length callbacks of the framer, one per mode ---- */

#define TW_FRAME(k, n) ((TwFrameLen){ (k), (n), 0 })

/* HM_RESYNC: skip to the next line start. */
static TwFrameLen resync_length(HttpDir *d, const guint8 *p, gsize avail)
{
    const guint8 *lf = memchr(p, '\n', avail);
    if (!lf)
        return TW_FRAME(TW_FRAME_SKIP, avail);
    to_message_start(d);
    return TW_FRAME(TW_FRAME_SKIP, (gsize)(lf - p) + 1);
}

/* The header block ran past TW_HTTP_MAX_HEADER_BLOCK with the line whose LF
 * is at `le` (or, le == avail, with no LF yet): skip to the next line. */
static TwFrameLen block_over_cap(HttpDir *d, TwDissectCtx *ctx, gsize le, gsize avail)
{
    if (d->start_ok)
        tw_anomaly(ctx, "http", "limit", "header block over %d bytes; skipped",
                   TW_HTTP_MAX_HEADER_BLOCK);
    lose_framing(d, ctx);
    if (le == avail)
        return TW_FRAME(TW_FRAME_SKIP, avail);
    to_message_start(d);
    return TW_FRAME(TW_FRAME_SKIP, le + 1);
}

/* HM_HEADERS (RFC 9112 2.1, 2.2, 5): start line and field lines up to the
 * empty line.  Judged again on every feed with the whole block so far. */
static TwFrameLen headers_length(HttpDir *d, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    const TwFrameLen more = TW_FRAME(TW_FRAME_NEED, (guint64)TW_HTTP_MAX_HEADER_BLOCK + 1);
    const guint8 *lf = memchr(p, '\n', avail);
    gsize n1 = lf ? (gsize)(lf - p) + 1 : avail;
    if (n1 > TW_HTTP_MAX_HEADER_BLOCK)
        return block_over_cap(d, ctx, lf ? n1 - 1 : avail, avail);
    /* RFC 9112 2.2: empty lines before a message are ignored. */
    if (p[0] == '\n')
        return TW_FRAME(TW_FRAME_SKIP, 1);
    if (p[0] == '\r') {
        if (avail < 2)
            return TW_FRAME(TW_FRAME_NEED, 2);
        if (p[1] == '\n')
            return TW_FRAME(TW_FRAME_SKIP, 2);
    }
    int ok = start_line_plausible(p, n1);
    if (ok == 0) {
        /* Not a message start.  If the line ended, the next line may be
         * one; otherwise skip to it. */
        hdr_reset(d);
        if (lf)
            return TW_FRAME(TW_FRAME_SKIP, n1);
        seek_line(d);
        return TW_FRAME(TW_FRAME_SKIP, avail);
    }
    if (ok < 0 || !lf) {
        d->start_ok = ok > 0;
        return more;
    }
    for (gsize ls = n1;;) {
        const guint8 *e = memchr(p + ls, '\n', avail - ls);
        if (!e) {
            d->start_ok = true;
            if (avail > TW_HTTP_MAX_HEADER_BLOCK)
                return block_over_cap(d, ctx, avail, avail);
            return more;
        }
        gsize le = (gsize)(e - p);
        if (le + 1 > TW_HTTP_MAX_HEADER_BLOCK) {
            d->start_ok = true;
            return block_over_cap(d, ctx, le, avail);
        }
        gsize line_len = le + 1 - ls;
        if (line_len == 1 || (line_len == 2 && p[ls] == '\r')) {
            /* The empty line: the block is complete. */
            d->block_len = ls;
            return TW_FRAME(TW_FRAME_RECORD, le + 1);
        }
        ls = le + 1;
    }
}

/* HM_CHUNK_SIZE: RFC 9112 7.1 chunk-size = 1*HEXDIG, then chunk-ext, CRLF. */
static TwFrameLen chunk_size_length(HttpDir *d, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    guint64 size = 0;
    guint digits = 0;
    bool ext = false;
    for (gsize i = 0; i < avail; i++) {
        guint8 c = p[i];
        if (i + 1 > TW_HTTP_MAX_CHUNK_LINE) {
            lose_framing(d, ctx);
            return TW_FRAME(TW_FRAME_SKIP, i + 1);
        }
        if (c == '\n') {
            if (digits == 0) {
                lose_framing(d, ctx);
            } else if (size == 0) {
                d->mode = HM_TRAILER;
                d->trailer_len = 0;
            } else {
                d->mode = HM_CHUNK_DATA;
                d->remaining = size;
            }
            return TW_FRAME(TW_FRAME_SKIP, i + 1);
        }
        if (ext)
            continue;
        if (g_ascii_isxdigit(c)) {
            if (digits >= 15) { /* over 2^60: not a real chunk */
                lose_framing(d, ctx);
                return TW_FRAME(TW_FRAME_SKIP, i + 1);
            }
            size = size * 16 + (guint64)g_ascii_xdigit_value((gchar)c);
            digits++;
        } else if (c == ';' || c == '\r' || is_ows(c)) {
            ext = true;
        } else {
            lose_framing(d, ctx);
            return TW_FRAME(TW_FRAME_SKIP, i + 1);
        }
    }
    return TW_FRAME(TW_FRAME_NEED, TW_HTTP_MAX_CHUNK_LINE + 1);
}

/* HM_CHUNK_CRLF: the CRLF after chunk data. */
static TwFrameLen chunk_crlf_length(HttpDir *d, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    if (p[0] == '\n') {
        d->mode = HM_CHUNK_SIZE;
        return TW_FRAME(TW_FRAME_SKIP, 1);
    }
    if (p[0] == '\r') {
        if (avail < 2)
            return TW_FRAME(TW_FRAME_NEED, 2);
        if (p[1] == '\n') {
            d->mode = HM_CHUNK_SIZE;
            return TW_FRAME(TW_FRAME_SKIP, 2);
        }
        lose_framing(d, ctx);
        return TW_FRAME(TW_FRAME_SKIP, 1);
    }
    lose_framing(d, ctx);
    return resync_length(d, p, avail);
}

/* HM_TRAILER: RFC 9112 7.1.2 field lines up to the empty line, not looked at. */
static TwFrameLen trailer_length(HttpDir *d, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    gsize room = TW_HTTP_MAX_TRAILER - d->trailer_len;
    const guint8 *lf = memchr(p, '\n', avail);
    gsize n = lf ? (gsize)(lf - p) + 1 : avail;
    if (n > room) {
        lose_framing(d, ctx);
        return TW_FRAME(TW_FRAME_SKIP, n);
    }
    if (!lf)
        return TW_FRAME(TW_FRAME_NEED, room + 1);
    d->trailer_len += (guint)n;
    if (n == 1 || (n == 2 && p[0] == '\r'))
        to_message_start(d);
    return TW_FRAME(TW_FRAME_SKIP, n);
}

static TwFrameLen http_length(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    HttpDir *d = user;
    switch (d->mode) {
    case HM_HEADERS:
        return headers_length(d, ctx, p, avail);
    case HM_BODY:
    case HM_CHUNK_DATA: {
        /* Hand the body to the framer to skip; what follows it comes next. */
        guint64 n = d->remaining;
        d->remaining = 0;
        if (d->mode == HM_BODY)
            to_message_start(d);
        else
            d->mode = HM_CHUNK_CRLF;
        return TW_FRAME(TW_FRAME_SKIP, n);
    }
    case HM_CHUNK_CRLF:
        return chunk_crlf_length(d, ctx, p, avail);
    case HM_CHUNK_SIZE:
        return chunk_size_length(d, ctx, p, avail);
    case HM_TRAILER:
        return trailer_length(d, ctx, p, avail);
    case HM_UNTIL_CLOSE:
    case HM_TUNNEL:
        return TW_FRAME(TW_FRAME_STOP, 0);
    case HM_RESYNC:
        return resync_length(d, p, avail);
    }
    return TW_FRAME(TW_FRAME_STOP, 0);
}

static bool http_block(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    HttpDir *d = user;
    hdr_reset(d);
    parse_block(d->flow, d, ctx, d->dir, rec->p, d->block_len);
    return true;
}

static const TwFramerSpec http_framing = {
    .name = "http",
    .length = http_length,
    .record = http_block,
    .probe = NULL, /* HM_RESYNC is a mode of the length callback */
    .max_record = (guint64)TW_HTTP_MAX_HEADER_BLOCK + 1,
    .gap_exact = true,
    .deliver_truncated = false,
};

static void http_feed(void *state, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                      gsize reported)
{
    HttpFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    tw_framer_feed(&f->dir[dir].framer, ctx, data, len);
}

static void http_gap(void *state, TwDissectCtx *ctx, int dir, guint64 len)
{
    HttpFlow *f = state;
    if (dir != TW_DIR_REQ && dir != TW_DIR_RSP)
        return;
    HttpDir *d = &f->dir[dir];
    TwFramer *fr = &d->framer;
    tw_count(ctx, "http.gaps", 1);
    if (d->mode == HM_UNTIL_CLOSE || d->mode == HM_TUNNEL)
        return;
    if ((d->mode == HM_BODY || d->mode == HM_CHUNK_DATA) && tw_framer_skipping(fr) == 0 &&
        tw_framer_buffered(fr) == 0) {
        /* A body the framer has not started to skip.  The gap length is
         * exact: inside a body of known length the next message still
         * starts where expected. */
        if (len <= d->remaining) {
            d->remaining -= len;
            if (d->remaining == 0) {
                if (d->mode == HM_BODY)
                    to_message_start(d);
                else
                    d->mode = HM_CHUNK_CRLF;
            }
            return;
        }
    } else if (tw_framer_gap(fr, ctx, len) == TW_FRAMER_GAP_ABSORBED) {
        return; /* inside a body being skipped */
    }
    tw_framer_reset(fr, ctx);
    if (dir == TW_DIR_REQ) {
        /* Requests were lost: responses can no longer be matched to them. */
        f->pending_head = f->pending_len = 0;
    }
    lose_framing(d, ctx);
}

/* ---- probes: HTTP on any port (WinRM 5985, IIS on custom ports, proxies) ----
 *
 * Called by capture/ on the first payload of a TCP flow no port or learned
 * endpoint claims.  They must be cheap (most such payloads are TLS or other
 * binary protocols: one byte decides) and must not claim streams of other
 * protocols: a request is recognised only by a registered method (RFC 9110
 * 9.1, RFC 5789, RFC 4918 9, MS-RPCH 2.1.2.1) followed by SP, a request-target
 * and " HTTP/1.<digit>" ending the first line; a bare token + SP would also
 * take SMTP ("EHLO "), FTP ("USER "), POP3 or IMAP commands.  A response is
 * recognised by a whole status line prefix (RFC 9112 4): "HTTP/1.<digit> "
 * and a three-digit status code. */

static const char *const http_methods[] = {
    "GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "CONNECT", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
    "RPC_IN_DATA", "RPC_OUT_DATA", NULL,
};

static bool http_version_at(const guint8 *p, gsize n)
{
    /* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.x here. */
    return n >= 8 && memcmp(p, "HTTP/1.", 7) == 0 && g_ascii_isdigit(p[7]);
}

static bool http_probe_request(const guint8 *data, gsize len)
{
    if (len < 15 || data[0] < 'C' || data[0] > 'U')
        return false; /* "GET / HTTP/1.1\n" is the shortest request line */
    gsize mlen = 0;
    for (const char *const *m = http_methods; *m; m++) {
        gsize n = strlen(*m);
        if (n < len && data[n] == ' ' && memcmp(data, *m, n) == 0) {
            mlen = n;
            break;
        }
    }
    if (mlen == 0)
        return false;
    /* RFC 9112 3.2: origin-form '/', asterisk-form '*', absolute-form or
     * authority-form (proxies, CONNECT) start with a letter or digit. */
    guint8 t = data[mlen + 1];
    if (t != '/' && t != '*' && !g_ascii_isalnum(t))
        return false;
    const guint8 *lf = memchr(data + mlen + 1, '\n', len - (mlen + 1));
    if (!lf)
        return false; /* the request line must be whole in the first segment */
    gsize line_end = (gsize)(lf - data);
    if (line_end > 0 && data[line_end - 1] == '\r')
        line_end--;
    /* ... request-target SP HTTP-version */
    return line_end >= mlen + 11 && data[line_end - 9] == ' ' &&
           http_version_at(data + line_end - 8, 8);
}

static bool http_probe_response(const guint8 *data, gsize len)
{
    /* RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ] */
    return len >= 13 && data[0] == 'H' && http_version_at(data, len) && data[8] == ' ' &&
           g_ascii_isdigit(data[9]) && g_ascii_isdigit(data[10]) && g_ascii_isdigit(data[11]) &&
           (data[12] == ' ' || data[12] == '\r');
}

static const guint16 http_ports[] = { 80, 8080, 0 };

const TwAppParser tw_http_tcp_parser = {
    .name = "http",
    .ipproto = 6,
    .ports = http_ports,
    .probe = http_probe_request,
    .probe_reply = http_probe_response,
    .state_new = http_state_new,
    .state_free = http_state_free,
    .feed = http_feed,
    .gap = http_gap,
};
