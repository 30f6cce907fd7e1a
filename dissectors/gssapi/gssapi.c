/* gssapi.c — GSS-API token framing (RFC 2743 3.1), SPNEGO (RFC 4178, with the
 * MS-SPNG NegTokenInit2 variant) and dispatch of what they carry: Kerberos
 * (RFC 4121 4.1) and NTLMSSP (MS-NLMP). */
#include "gssapi.h"

#include "dissectors/der/der.h"
#include "dissectors/krb5/krb5.h"
#include "dissectors/ntlmssp/ntlmssp.h"

#include <stdio.h>

typedef struct {
    TwDissectCtx *ctx;
    const char *transport;
    TwGssDecorateFn decorate;
    void *user;
    guint emitted;
    TwGssSummary *sum;
    /* Teaching view (only with ctx->want_tree): the wrapper's lines so far
     * (an event used as a list of tree nodes), the depth of the line whose
     * token is being dissected. */
    TwEvent *wrap;
    guint depth;
} GssWalk;

#define WTREE(w, d, name, spec, note, ...)                                                     \
    do {                                                                                       \
        if ((w)->wrap)                                                                         \
            tw_event_tree_add_spec((w)->wrap, (d), (name), (spec), (note), __VA_ARGS__);       \
    } while (0)

/* RFC 4178 4.2.1 ContextFlags (a BIT STRING, bit 0 first). */
static const char *const context_flag_names[7] = {
    "delegFlag", "mutualFlag", "replayFlag", "sequenceFlag", "anonFlag", "confFlag", "integFlag",
};

static const struct {
    const char *oid;
    const char *name;
} mech_names[] = {
    { "1.2.840.113554.1.2.2", "kerberos" },
    { "1.2.840.48018.1.2.2", "ms-kerberos" }, /* MS-KILE 3.1.5.1: Windows 2000 bit-flip OID */
    { "1.2.840.113554.1.2.2.3", "kerberos-u2u" },
    { "1.3.6.1.4.1.311.2.2.10", "ntlmssp" },
    { "1.3.6.1.4.1.311.2.2.30", "negoex" },
    { "1.3.6.1.5.5.2", "spnego" },
};

const char *tw_gss_mech_name(const char *dotted_oid)
{
    if (!dotted_oid)
        return NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(mech_names); i++)
        if (strcmp(mech_names[i].oid, dotted_oid) == 0)
            return mech_names[i].name;
    return NULL;
}

const char *tw_spnego_neg_state_name(gint64 state)
{
    /* RFC 4178 4.2.2 */
    static const char *const names[] = { "accept-completed", "accept-incomplete", "reject",
                                         "request-mic" };
    return state >= 0 && state < 4 ? names[state] : NULL;
}

/* X.690 8.19: OBJECT IDENTIFIER content → dotted text; false if malformed. */
static bool oid_to_dotted(const guint8 *p, gsize n, char *out, gsize outlen)
{
    if (n == 0 || outlen < 2)
        return false;
    gsize w = 0;
    guint64 v = 0;
    bool first = true;
    for (gsize i = 0; i < n; i++) {
        if (v > (G_MAXUINT64 >> 7))
            return false;
        v = (v << 7) | (p[i] & 0x7f);
        if (p[i] & 0x80) {
            if (i + 1 == n)
                return false; /* last subidentifier octet must have bit 8 clear */
            continue;
        }
        int k;
        if (first) {
            guint64 a = v < 40 ? 0 : v < 80 ? 1 : 2;
            k = snprintf(out + w, outlen - w, "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT, a,
                         v - a * 40);
            first = false;
        } else {
            k = snprintf(out + w, outlen - w, ".%" G_GUINT64_FORMAT, v);
        }
        if (k < 0 || (gsize)k >= outlen - w)
            return false;
        w += (gsize)k;
        v = 0;
    }
    return true;
}

static void walk_fail(GssWalk *w, TwStatus st)
{
    if (st != TW_OK && w->sum->status == TW_OK)
        w->sum->status = st;
}

/* The wrapper's lines so far go before the inner message's, which move one
 * level below the line that carried the token. */
static void tree_prepend_wrap(GssWalk *w, TwEvent *ev)
{
    if (!w->wrap || !w->wrap->tree || !w->wrap->tree->len)
        return;
    GPtrArray *inner = ev->tree;
    ev->tree = NULL;
    /* the last wrapper line is the one that carried the token */
    const TwTreeNode *carrier = g_ptr_array_index(w->wrap->tree, w->wrap->tree->len - 1);
    guint shift = carrier->depth + 1;
    for (guint i = 0; i < w->wrap->tree->len; i++) {
        const TwTreeNode *n = g_ptr_array_index(w->wrap->tree, i);
        tw_event_tree_add_spec(ev, n->depth, n->name, n->spec, n->note, n->value ? "%s" : NULL, n->value);
    }
    for (guint i = 0; inner && i < inner->len; i++) {
        TwTreeNode *n = g_ptr_array_index(inner, i);
        n->depth += shift;
        g_ptr_array_add(ev->tree, n);
    }
    if (inner) {
        g_ptr_array_set_free_func(inner, NULL);
        g_ptr_array_free(inner, TRUE);
    }
}

static void emit_inner(GssWalk *w, TwEvent *ev)
{
    tree_prepend_wrap(w, ev);
    ev->transport = tw_event_intern(w->transport);
    if (w->decorate)
        w->decorate(ev, w->user);
    tw_emit(w->ctx, ev);
    w->emitted++;
}

static void dissect_kerberos(GssWalk *w, const guint8 *p, gsize len, gsize reported)
{
    TwEvent *ev = tw_krb5_parse_message(w->ctx, p, len, reported);
    if (!ev) {
        walk_fail(w, len < reported ? TW_TRUNCATED : TW_MALFORMED);
        return;
    }
    if (!w->sum->inner)
        w->sum->inner = "kerberos";
    tw_count(w->ctx, "gssapi.kerberos", 1);
    emit_inner(w, ev);
}

static void dissect_ntlmssp(GssWalk *w, const guint8 *p, gsize len, gsize reported)
{
    TwEvent *ev = tw_ntlmssp_parse(w->ctx, p, len, reported);
    if (!ev) {
        walk_fail(w, TW_MALFORMED);
        return;
    }
    if (!w->sum->inner)
        w->sum->inner = "ntlmssp";
    tw_count(w->ctx, "gssapi.ntlmssp", 1);
    emit_inner(w, ev);
}

static void dissect_token(GssWalk *w, const guint8 *p, gsize len, gsize reported, guint nesting);

/* RFC 4178 4.2.1 NegTokenInit / MS-SPNG 2.2.1 NegTokenInit2 (a SEQUENCE). */
static void dissect_neg_token_init(GssWalk *w, TwCursor *c, guint nesting)
{
    TwDerTlv seq;
    if (!tw_der_expect(c, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE, &seq, 1)) {
        tw_cursor_fail(c, TW_MALFORMED);
        return;
    }
    if (!w->sum->spnego)
        w->sum->spnego = "negTokenInit";
    guint d = w->depth;
    WTREE(w, d, "negTokenInit", "RFC 4178 4.2.1", "the client's offer: the mechanisms it can use, best first", NULL);
    TwCursor *s = &seq.content;
    TwDerTlv f;
    /* mechTypes [0] MechTypeList */
    if (tw_der_explicit(s, 0, &f, 2)) {
        guint n = 0;
        WTREE(w, d + 1, "mechTypes", "RFC 4178 4.2.1", NULL, NULL);
        while (!tw_cursor_at_end(&f.content)) {
            TwDerTlv oid;
            if (!tw_der_expect(&f.content, TW_DER_UNIVERSAL, TW_DER_TAG_OID, &oid, 3)) {
                tw_cursor_fail(&f.content, TW_MALFORMED);
                break;
            }
            gsize olen;
            const guint8 *ob = tw_der_octets(&oid, &olen);
            if (w->wrap && ob) {
                char dotted[64];
                if (oid_to_dotted(ob, olen, dotted, sizeof dotted)) {
                    const char *mn = tw_gss_mech_name(dotted);
                    WTREE(w, d + 2, "MechType", "RFC 4178 4.2.1 MechTypeList",
                          mn && strcmp(mn, "ms-kerberos") == 0 ? "MS-KILE 3.1.5.1: the Windows 2000 OID of Kerberos" : NULL,
                          "%s (%s)", dotted, mn ? mn : "unknown");
                }
            }
            if (n++ == 0 && ob && !w->sum->mech[0] &&
                oid_to_dotted(ob, olen, w->sum->mech, sizeof w->sum->mech))
                w->sum->mech_name = tw_gss_mech_name(w->sum->mech);
            if (n >= TW_GSS_MAX_MECH_TYPES) {
                if (!tw_cursor_at_end(&f.content))
                    tw_count(w->ctx, "gssapi.mech_types_dropped", 1);
                break;
            }
        }
        walk_fail(w, f.content.status);
    }
    /* reqFlags [1] ContextFlags: shown in the tree only */
    if (tw_der_next_is(s, TW_DER_CONTEXT, 1)) {
        TwDerTlv flags;
        if (tw_der_explicit(s, 1, &flags, 2) && w->wrap) {
            guint32 v;
            if (tw_der_bit_string_u32(&flags, &v)) {
                GString *names = g_string_new(NULL);
                for (guint b = 0; b < 7; b++)
                    if (v & (0x80000000u >> b))
                        g_string_append_printf(names, "%s%s", names->len ? ", " : "", context_flag_names[b]);
                WTREE(w, d + 1, "reqFlags", "RFC 4178 4.2.1", NULL, "0x%08x (%s)", v, names->len ? names->str : "none");
                g_string_free(names, TRUE);
            }
        }
    }
    /* mechToken [2] OCTET STRING */
    if (tw_der_next_is(s, TW_DER_CONTEXT, 2) && tw_der_explicit(s, 2, &f, 2)) {
        if (f.tag == TW_DER_TAG_OCTET_STRING && !f.constructed) {
            WTREE(w, d + 1, "mechToken", "RFC 4178 4.2.1", "the first token of the preferred mechanism",
                  "%" G_GSIZE_FORMAT " bytes", f.content.reported);
            w->depth = d + 2;
            dissect_token(w, f.content.p, f.content.len, f.content.reported, nesting + 1);
            w->depth = d;
        }
    }
    /* [3] negHints (NegTokenInit2, constructed SEQUENCE) or mechListMIC (RFC 4178) */
    if (tw_der_next_is(s, TW_DER_CONTEXT, 3)) {
        TwDerTlv t3;
        if (tw_der_read(s, &t3, 2) && tw_der_next_is(&t3.content, TW_DER_UNIVERSAL,
                                                     TW_DER_TAG_OCTET_STRING)) {
            w->sum->has_mic = true;
            WTREE(w, d + 1, "mechListMIC", "RFC 4178 4.2.1", "protects the mechanism list from a downgrade", NULL);
        } else {
            WTREE(w, d + 1, "negHints", "MS-SPNG 2.2.1 NegTokenInit2", "the server's hint (not a security field)", NULL);
        }
    }
    if (tw_der_next_is(s, TW_DER_CONTEXT, 4)) { /* NegTokenInit2 mechListMIC */
        TwDerTlv t4;
        tw_der_read(s, &t4, 2);
        w->sum->has_mic = true;
        WTREE(w, d + 1, "mechListMIC", "MS-SPNG 2.2.1", "protects the mechanism list from a downgrade", NULL);
    }
    tw_der_propagate(c, s);
}

/* RFC 4178 4.2.2 NegTokenResp. */
static void dissect_neg_token_resp(GssWalk *w, TwCursor *c, guint nesting)
{
    TwDerTlv seq;
    if (!tw_der_expect(c, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE, &seq, 1)) {
        tw_cursor_fail(c, TW_MALFORMED);
        return;
    }
    if (!w->sum->spnego)
        w->sum->spnego = "negTokenResp";
    guint d = w->depth;
    WTREE(w, d, "negTokenResp", "RFC 4178 4.2.2", NULL, NULL);
    TwCursor *s = &seq.content;
    TwDerTlv f;
    if (tw_der_next_is(s, TW_DER_CONTEXT, 0) && tw_der_explicit(s, 0, &f, 2)) {
        /* ENUMERATED (tag 10) shares INTEGER's content rules (X.690 8.4). */
        gint64 st = -1;
        bool is_enum = f.cls == TW_DER_UNIVERSAL && f.tag == 10;
        f.tag = TW_DER_TAG_INTEGER;
        if (is_enum && tw_der_integer(&f, &st) && st >= 0 && st <= 255) {
            w->sum->neg_state = (gint)st;
            static const char *const notes[] = {
                "the authentication succeeded", "another round trip follows", "the authentication failed",
                "the acceptor asks for a mechListMIC",
            };
            WTREE(w, d + 1, "negState", "RFC 4178 4.2.2", st < 4 ? notes[st] : NULL, "%" G_GINT64_FORMAT " (%s)", st,
                  tw_spnego_neg_state_name(st) ? tw_spnego_neg_state_name(st) : "unknown");
        }
    }
    if (tw_der_next_is(s, TW_DER_CONTEXT, 1) && tw_der_explicit(s, 1, &f, 2)) {
        gsize olen;
        const guint8 *ob = tw_der_octets(&f, &olen);
        char dotted[64];
        if (w->wrap && ob && f.tag == TW_DER_TAG_OID && oid_to_dotted(ob, olen, dotted, sizeof dotted)) {
            const char *mn = tw_gss_mech_name(dotted);
            WTREE(w, d + 1, "supportedMech", "RFC 4178 4.2.2", "the mechanism the acceptor chose", "%s (%s)", dotted,
                  mn ? mn : "unknown");
        }
        if (ob && f.tag == TW_DER_TAG_OID && !w->sum->mech[0] &&
            oid_to_dotted(ob, olen, w->sum->mech, sizeof w->sum->mech))
            w->sum->mech_name = tw_gss_mech_name(w->sum->mech);
    }
    if (tw_der_next_is(s, TW_DER_CONTEXT, 2) && tw_der_explicit(s, 2, &f, 2)) {
        if (f.tag == TW_DER_TAG_OCTET_STRING && !f.constructed) {
            WTREE(w, d + 1, "responseToken", "RFC 4178 4.2.2", NULL, "%" G_GSIZE_FORMAT " bytes", f.content.reported);
            w->depth = d + 2;
            dissect_token(w, f.content.p, f.content.len, f.content.reported, nesting + 1);
            w->depth = d;
        }
    }
    if (tw_der_next_is(s, TW_DER_CONTEXT, 3)) {
        TwDerTlv mic;
        tw_der_read(s, &mic, 2);
        w->sum->has_mic = true;
        WTREE(w, d + 1, "mechListMIC", "RFC 4178 4.2.2", "protects the mechanism list from a downgrade",
              "%" G_GSIZE_FORMAT " bytes", mic.content.reported);
    }
    tw_der_propagate(c, s);
}

/* RFC 2743 3.1 InitialContextToken: [APPLICATION 0] IMPLICIT SEQUENCE
 * { thisMech MechType, innerContextToken ANY DEFINED BY thisMech }. */
static void dissect_initial_context_token(GssWalk *w, TwCursor *c, guint nesting)
{
    TwDerTlv app;
    if (!tw_der_read(c, &app, 0))
        return;
    TwCursor *a = &app.content;
    TwDerTlv oid;
    if (!tw_der_expect(a, TW_DER_UNIVERSAL, TW_DER_TAG_OID, &oid, 1)) {
        tw_cursor_fail(a, TW_MALFORMED);
        tw_der_propagate(c, a);
        return;
    }
    gsize olen;
    const guint8 *ob = tw_der_octets(&oid, &olen);
    char dotted[64] = "";
    if (!ob || !oid_to_dotted(ob, olen, dotted, sizeof dotted)) {
        tw_cursor_fail(a, oid.content.status ? oid.content.status : TW_MALFORMED);
        tw_der_propagate(c, a);
        return;
    }
    const char *mech = tw_gss_mech_name(dotted);
    guint d = w->depth;
    WTREE(w, d, "InitialContextToken", "RFC 2743 3.1", NULL, NULL);
    WTREE(w, d + 1, "thisMech", "RFC 2743 3.1", NULL, "%s (%s)", dotted, mech ? mech : "unknown");
    w->depth = d + 1;
    if (mech && strcmp(mech, "spnego") == 0) {
        /* RFC 4178 4.2: NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] } */
        TwDerTlv choice;
        if (tw_der_read(a, &choice, 1)) {
            if (choice.cls == TW_DER_CONTEXT && choice.tag == 0)
                dissect_neg_token_init(w, &choice.content, nesting);
            else if (choice.cls == TW_DER_CONTEXT && choice.tag == 1)
                dissect_neg_token_resp(w, &choice.content, nesting);
            else
                tw_cursor_fail(a, TW_MALFORMED);
            tw_der_propagate(a, &choice.content);
        }
    } else if (mech && (strcmp(mech, "kerberos") == 0 || strcmp(mech, "ms-kerberos") == 0 ||
                        strcmp(mech, "kerberos-u2u") == 0)) {
        if (!w->sum->mech[0]) {
            g_strlcpy(w->sum->mech, dotted, sizeof w->sum->mech);
            w->sum->mech_name = mech;
        }
        /* RFC 4121 4.1: TOK_ID 01 00 AP-REQ, 02 00 AP-REP, 03 00 KRB-ERROR, then the message. */
        guint16 tok_id = tw_cursor_be16(a);
        if (tw_cursor_ok(a))
            WTREE(w, d + 1, "TOK_ID", "RFC 4121 4.1", NULL, "0x%04x (%s)", tok_id,
                  tok_id == 0x0100 ? "KRB_AP_REQ" : tok_id == 0x0200 ? "KRB_AP_REP" : tok_id == 0x0300 ? "KRB_ERROR"
                  : tok_id == 0x0400 ? "TGT-REQ (user-to-user)" : "unknown");
        if (tw_cursor_ok(a)) {
            if (tok_id == 0x0100 || tok_id == 0x0200 || tok_id == 0x0300)
                dissect_kerberos(w, tw_cursor_ptr(a), a->len - a->off, a->reported - a->off);
            else
                tw_count(w->ctx, "gssapi.krb5_other_token", 1); /* e.g. 04 00 TGT-REQ (u2u) */
        }
    } else if (mech && strcmp(mech, "ntlmssp") == 0) {
        if (!w->sum->mech[0]) {
            g_strlcpy(w->sum->mech, dotted, sizeof w->sum->mech);
            w->sum->mech_name = mech;
        }
        dissect_ntlmssp(w, tw_cursor_ptr(a), a->len - a->off, a->reported - a->off);
    } else {
        tw_count(w->ctx, "gssapi.unknown_mech", 1);
    }
    w->depth = d;
    tw_der_propagate(c, a);
    (void)nesting;
}

static void dissect_token(GssWalk *w, const guint8 *p, gsize len, gsize reported, guint nesting)
{
    if (nesting > TW_GSS_MAX_NESTING) {
        walk_fail(w, TW_LIMIT);
        return;
    }
    if (len == 0) {
        if (reported > 0)
            walk_fail(w, TW_TRUNCATED);
        return;
    }
    TwCursor c = tw_cursor_init_reported(p, len, reported);
    if (len >= 8 && memcmp(p, "NEGOEXTS", 8) == 0) {
        /* MS-NEGOEX 2.2.6.1 MESSAGE_HEADER: an extended negotiation, not
         * Kerberos or NTLMSSP itself; counted, not decoded. */
        tw_count(w->ctx, "gssapi.negoex", 1);
        return;
    }
    if (tw_ntlmssp_looks_like(p, len)) {
        dissect_ntlmssp(w, p, len, reported);
        return;
    }
    switch (p[0]) {
    case 0x60: /* [APPLICATION 0] constructed: RFC 2743 3.1 */
        dissect_initial_context_token(w, &c, nesting);
        break;
    case 0xa0: /* bare NegTokenInit */
    case 0xa1: /* bare NegTokenResp (every SPNEGO token after the first) */ {
        TwDerTlv choice;
        if (tw_der_read(&c, &choice, 0)) {
            if (choice.tag == 0)
                dissect_neg_token_init(w, &choice.content, nesting);
            else
                dissect_neg_token_resp(w, &choice.content, nesting);
            tw_der_propagate(&c, &choice.content);
        }
        break;
    }
    default:
        /* Raw Kerberos (DCE/RPC auth type 0x10 may carry it unwrapped). */
        if (tw_krb5_looks_like_message(p, len))
            dissect_kerberos(w, p, len, reported);
        else
            tw_cursor_fail(&c, TW_MALFORMED);
        break;
    }
    walk_fail(w, c.status);
}

guint tw_gssapi_dissect_ex(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                           const char *transport, TwGssDecorateFn decorate, void *user,
                           TwGssSummary *summary)
{
    return tw_gssapi_dissect_host(ctx, data, len, reported, transport, decorate, user, summary, NULL, 0);
}

guint tw_gssapi_dissect_host(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                             const char *transport, TwGssDecorateFn decorate, void *user,
                             TwGssSummary *summary, TwEvent *host, guint host_depth)
{
    TwGssSummary local;
    TwGssSummary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    sum->neg_state = -1;
    if (reported < len)
        reported = len;
    GssWalk w = { ctx, transport ? transport : "tcp", decorate, user, 0, sum, NULL, 0 };
    if (ctx->want_tree) {
        TwPacketInfo none = { 0 };
        w.wrap = tw_event_new(&none, "gssapi");
    }
    tw_count(ctx, "gssapi.tokens", 1);
    dissect_token(&w, data, len, reported, 0);
    if (w.wrap) {
        /* The carrier's event shows the wrapper too, or alone when the blob
         * carried no Kerberos/NTLMSSP message (a final negTokenResp). */
        if (host && w.wrap->tree) {
            tw_event_tree_add_spec(host, host_depth, "security blob", "RFC 2743 3.1",
                                   w.emitted ? "its Kerberos/NTLMSSP message is shown as its own event" : NULL,
                                   "%" G_GSIZE_FORMAT " bytes", reported);
            for (guint i = 0; i < w.wrap->tree->len; i++) {
                const TwTreeNode *n = g_ptr_array_index(w.wrap->tree, i);
                tw_event_tree_add_spec(host, host_depth + 1 + n->depth, n->name, n->spec, n->note,
                                       n->value ? "%s" : NULL, n->value);
            }
        }
        tw_event_free(w.wrap);
    }
    if (sum->status == TW_MALFORMED || sum->status == TW_LIMIT)
        tw_anomaly(ctx, "gssapi", tw_status_name(sum->status),
                   "security blob of %" G_GSIZE_FORMAT " bytes on %s not decodable", reported,
                   w.transport);
    else if (sum->status == TW_TRUNCATED)
        tw_count(ctx, "gssapi.truncated", 1);
    return w.emitted;
}

guint tw_gssapi_dissect(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported,
                        const char *transport, TwGssDecorateFn decorate, void *user)
{
    return tw_gssapi_dissect_ex(ctx, data, len, reported, transport, decorate, user, NULL);
}
