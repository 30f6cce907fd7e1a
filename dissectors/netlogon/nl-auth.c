/* nl-auth.c — Netlogon secure channel tokens (MS-NRPC 2.2.1.3) carried in
 * DCE/RPC auth verifiers of auth_type 0x44: NL_AUTH_MESSAGE in binds and
 * their acks, NL_AUTH_SIGNATURE on requests and responses. */
#include "core/tw-flags.h"
#include "nl-auth.h"

/* Anomalies keep the DCE/RPC parser name: the verifier is a DCE/RPC field. */
#define PARSER "dcerpc"

/* ---- NL_AUTH_MESSAGE (MS-NRPC 2.2.1.3.1) ------------------------------ */

/* OEM string, NUL-terminated.  The OEM code page is not on the wire: ASCII
 * is kept and other bytes become U+FFFD rather than guessed at. */
static char *read_oem_string(TwCursor *c)
{
    GString *s = g_string_new(NULL);
    for (;;) {
        guint8 b = tw_cursor_u8(c);
        if (!tw_cursor_ok(c)) {
            g_string_free(s, TRUE);
            return NULL;
        }
        if (b == 0)
            break;
        if (s->len >= 256) {
            tw_cursor_fail(c, TW_LIMIT);
            g_string_free(s, TRUE);
            return NULL;
        }
        if (b < 0x80)
            g_string_append_c(s, (char)b);
        else
            g_string_append_unichar(s, 0xFFFD);
    }
    return g_string_free(s, FALSE);
}

/* RFC 1035 4.1.4 compressed name; pointers are offsets from the start of
 * the NL_AUTH_MESSAGE.  A pointer must point before the label that holds
 * it and at most TW_DCERPC_MAX_DNS_PTRS are followed, so no loop survives. */
static char *read_dns_name(TwCursor *c)
{
    GString *s = g_string_new(NULL);
    gsize pos = c->off;
    bool jumped = false;
    guint jumps = 0;
    for (;;) {
        if (pos >= c->len) {
            tw_cursor_fail(c, pos >= c->reported ? TW_MALFORMED : TW_TRUNCATED);
            goto fail;
        }
        guint8 l = c->p[pos];
        if (l == 0) {
            pos++;
            break;
        }
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= c->len) {
                tw_cursor_fail(c, TW_TRUNCATED);
                goto fail;
            }
            gsize target = ((gsize)(l & 0x3F) << 8) | c->p[pos + 1];
            if (target >= pos || ++jumps > TW_DCERPC_MAX_DNS_PTRS) {
                tw_cursor_fail(c, TW_MALFORMED);
                goto fail;
            }
            if (!jumped)
                c->off = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if (l & 0xC0) { /* 0x40/0x80: reserved label types */
            tw_cursor_fail(c, TW_MALFORMED);
            goto fail;
        }
        if (l > c->len - pos - 1) {
            tw_cursor_fail(c, TW_TRUNCATED);
            goto fail;
        }
        if (s->len + l + 1 > 255) {
            tw_cursor_fail(c, TW_MALFORMED);
            goto fail;
        }
        if (s->len)
            g_string_append_c(s, '.');
        g_string_append_len(s, (const char *)c->p + pos + 1, l);
        pos += 1 + (gsize)l;
    }
    if (!jumped)
        c->off = pos;
    char *valid = g_utf8_make_valid(s->str, (gssize)s->len);
    g_string_free(s, TRUE);
    return valid;
fail:
    g_string_free(s, TRUE);
    return NULL;
}

void tw_nl_auth_message_clear(TwNlAuthMessage *m)
{
    g_clear_pointer(&m->nb_domain, g_free);
    g_clear_pointer(&m->nb_host, g_free);
    g_clear_pointer(&m->dns_domain, g_free);
    g_clear_pointer(&m->dns_host, g_free);
    g_clear_pointer(&m->nb_host_utf8, g_free);
}

TwStatus tw_nl_auth_message_parse(const guint8 *p, gsize len, TwNlAuthMessage *m)
{
    memset(m, 0, sizeof *m);
    TwCursor c = tw_cursor_init(p, len);
    m->message_type = tw_cursor_le32(&c);
    m->flags = tw_cursor_le32(&c);
    if (m->flags & 0x01)
        m->nb_domain = read_oem_string(&c);
    if (m->flags & 0x02)
        m->nb_host = read_oem_string(&c);
    if (m->flags & 0x04)
        m->dns_domain = read_dns_name(&c);
    if (m->flags & 0x08)
        m->dns_host = read_dns_name(&c);
    if (m->flags & 0x10)
        m->nb_host_utf8 = read_dns_name(&c);
    return c.status;
}

/* ---- per-connection state ---------------------------------------------- */

void *tw_nl_auth_conn_new(void)
{
    return g_new0(TwNlAuthConn, 1);
}

void tw_nl_auth_conn_free(void *p)
{
    TwNlAuthConn *conn = p;
    if (!conn)
        return;
    g_free(conn->domain);
    g_free(conn->host);
    g_free(conn->dns_domain);
    g_free(conn->dns_host);
    g_free(conn);
}

static void keep_name(char **slot, const char *v)
{
    if (!v)
        return;
    g_free(*slot);
    *slot = g_strdup(v);
}

/* bind / alter_context and their acks (MS-NRPC 3.3.4.1.1: the client's
 * negotiate request names it, the server answers with message_type 1). */
void tw_nl_auth_bind_fields(const TwDcerpcAuthToken *tok, TwEvent *ev)
{
    g_auto(TwNlAuthMessage) m;
    TwStatus st = tw_nl_auth_message_parse(tok->value, tok->value_len, &m);
    tw_event_set_int(ev, "nl_auth_message_type", m.message_type);
    tw_event_set_int(ev, "nl_auth_flags", m.flags);
    if (m.nb_domain)
        tw_event_set_str(ev, "nl_auth_domain", m.nb_domain);
    if (m.nb_host)
        tw_event_set_str(ev, "nl_auth_host", m.nb_host);
    else if (m.nb_host_utf8)
        tw_event_set_str(ev, "nl_auth_host", m.nb_host_utf8);
    if (m.dns_domain)
        tw_event_set_str(ev, "nl_auth_dns_domain", m.dns_domain);
    if (m.dns_host)
        tw_event_set_str(ev, "nl_auth_dns_host", m.dns_host);
    if (tok->ctx && tok->ctx->want_tree) {
        /* the token, under the bind's sec_trailer lines (MS-NRPC 2.2.1.3.1) */
        tw_event_tree_add_spec(ev, 1, "NL_AUTH_MESSAGE", "MS-NRPC 2.2.1.3.1",
                               m.message_type == 0 ? "the Netlogon secure channel names the client in clear text" : NULL,
                               "MessageType %u (%s)",
                               m.message_type, m.message_type == 0 ? "negotiate request" : m.message_type == 1
                                                                    ? "negotiate response" : "unknown");
        tw_event_tree_add_spec(ev, 2, "Flags", tw_flags_nl_auth_message.spec, NULL, "0x%08x", m.flags);
        tw_flags_tree(ev, 3, &tw_flags_nl_auth_message, m.flags);
        static const TwTreeRow rows[] = {
            { "nl_auth_domain", "NetbiosDomainName", NULL, "MS-NRPC 2.2.1.3.1" },
            { "nl_auth_host", "NetbiosComputerName", "the machine whose channel this is", "MS-NRPC 2.2.1.3.1" },
            { "nl_auth_dns_domain", "DnsDomainName", NULL, "MS-NRPC 2.2.1.3.1" },
            { "nl_auth_dns_host", "DnsHostName", NULL, "MS-NRPC 2.2.1.3.1" },
        };
        tw_event_tree_fields(ev, 2, rows, G_N_ELEMENTS(rows));
    }
    TwNlAuthConn *conn = tok->conn;
    if (m.message_type == 0 && conn) {
        keep_name(&conn->domain, m.nb_domain);
        keep_name(&conn->host, m.nb_host ? m.nb_host : m.nb_host_utf8);
        keep_name(&conn->dns_domain, m.dns_domain);
        keep_name(&conn->dns_host, m.dns_host);
    }
    if (st != TW_OK)
        tw_anomaly(tok->ctx, PARSER, "nl_auth_message_malformed", "NL_AUTH_MESSAGE: %s",
                   tw_status_name(st));
}

/* ---- NL_AUTH_SIGNATURE (MS-NRPC 2.2.1.3.2, 2.2.1.3.3) ----------------- */

/* SignatureAlgorithm then SealAlgorithm open both signature forms; they are
 * little-endian constants whatever the PDU byte order. */
void *tw_nl_auth_verifier_new(const TwDcerpcAuthToken *tok)
{
    if (tok->value_len < 4)
        return NULL;
    TwNlAuthSignature *sig = g_new0(TwNlAuthSignature, 1);
    sig->sign_alg = (guint16)(tok->value[0] | (tok->value[1] << 8));
    sig->seal_alg = (guint16)(tok->value[2] | (tok->value[3] << 8));
    sig->raw_len = MIN(tok->value_len, sizeof sig->raw);
    memcpy(sig->raw, tok->value, sig->raw_len);
    return sig;
}

void tw_nl_auth_verifier_free(void *sig)
{
    g_free(sig);
}

void tw_nl_auth_stub_fields(const TwDcerpcStub *st, TwEvent *ev)
{
    /* Only state this provider made is read: another registry may bind
     * other providers to these auth types. */
    if (st->verifier && st->verifier_type &&
        st->verifier_type->verifier_new == tw_nl_auth_verifier_new) {
        const TwNlAuthSignature *sig = st->verifier;
        tw_event_set_int(ev, "nl_sign_alg", sig->sign_alg);
        tw_event_set_int(ev, "nl_seal_alg", sig->seal_alg);
    }
    /* On a schannel connection the bind token named the client in clear
     * text: repeat it so sealed calls still say whose channel they are on. */
    const TwNlAuthConn *conn = st->auth_conn;
    if (!conn)
        return;
    const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(st->registry, st->auth_type);
    if (!a || a->conn_new != tw_nl_auth_conn_new)
        return;
    if (conn->domain)
        tw_event_set_str(ev, "nl_auth_domain", conn->domain);
    if (conn->host)
        tw_event_set_str(ev, "nl_auth_host", conn->host);
    if (conn->dns_domain)
        tw_event_set_str(ev, "nl_auth_dns_domain", conn->dns_domain);
    if (conn->dns_host)
        tw_event_set_str(ev, "nl_auth_dns_host", conn->dns_host);
}
