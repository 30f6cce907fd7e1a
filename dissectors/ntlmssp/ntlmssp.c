/* ntlmssp.c — NTLM authentication messages, MS-NLMP 2.2.1 (NEGOTIATE,
 * CHALLENGE, AUTHENTICATE) with the AV_PAIR list of 2.2.2.1 and the NTLMv2
 * response of 2.2.2.8.  One "ntlmssp" event per message. */
#include "ntlmssp.h"

#include "core/filetime.h"
#include "core/tw-flags.h"
#include "core/tw-limits.h"
#include "core/utf16.h"

#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u /* MS-NLMP 2.2.2.5 flag A */
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u

static const guint8 ntlmssp_signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

bool tw_ntlmssp_looks_like(const guint8 *data, gsize len)
{
    return len >= 8 && memcmp(data, ntlmssp_signature, 8) == 0;
}

/* MS-NLMP 2.2.1.1 "fields": Len u16, MaxLen u16, BufferOffset u32 (from the
 * start of the message). */
typedef struct {
    guint16 len;
    guint32 offset;
} SecBuf;

static SecBuf read_secbuf(TwCursor *c)
{
    SecBuf b;
    b.len = tw_cursor_le16(c);
    (void)tw_cursor_le16(c);
    b.offset = tw_cursor_le32(c);
    return b;
}

/* The captured bytes of a field, or NULL.  A field past the captured data but
 * inside the reported message is TRUNCATED; past the message is MALFORMED. */
static const guint8 *secbuf_bytes(TwCursor *msg, SecBuf b, TwStatus *st)
{
    *st = TW_OK;
    if (b.len == 0)
        return NULL;
    if (b.offset > msg->reported || b.len > msg->reported - b.offset) {
        *st = TW_MALFORMED;
        return NULL;
    }
    if (b.offset > msg->len || b.len > msg->len - b.offset) {
        *st = TW_TRUNCATED;
        return NULL;
    }
    return msg->p + b.offset;
}

static char *oem_dup(const guint8 *p, gsize n)
{
    /* OEM code page is unknown from the wire: treat it as Latin-1, which is
     * lossless for ASCII names and never fails. */
    char *s = g_convert((const char *)p, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
    if (!s)
        s = g_strdup("");
    for (char *q = s; *q; q++)
        if (*q == '\0')
            *q = '?';
    return s;
}

/* UTF-16LE name under the core/utf16.h rule; an embedded NUL is counted. */
static char *utf16_name(TwDissectCtx *ctx, const guint8 *p, gsize n)
{
    guint notes = 0;
    char *s = tw_utf16le_to_utf8(p, n, &notes);
    if (notes & TW_UTF16_EMBEDDED_NUL)
        tw_count(ctx, "ntlmssp.utf16_embedded_nul", 1);
    return s;
}

static void set_name(TwDissectCtx *ctx, TwEvent *ev, const char *key, TwCursor *msg, SecBuf b,
                     bool unicode, TwStatus *worst)
{
    TwStatus st;
    const guint8 *p = secbuf_bytes(msg, b, &st);
    if (st != TW_OK && *worst == TW_OK)
        *worst = st;
    if (!p && st == TW_TRUNCATED) {
        /* The capture cut the name: not "empty", an unknown name (docs/events.md). */
        tw_event_set_str(ev, key, "");
        tw_event_mark_truncated(ev, key);
    }
    if (!p)
        return;
    gsize n = MIN((gsize)b.len, (gsize)TW_NTLMSSP_MAX_NAME);
    char *s = unicode ? utf16_name(ctx, p, n) : oem_dup(p, n);
    tw_event_take_str(ev, key, s);
    if (n < b.len) /* a name cut by secbuf_bytes is dropped whole; this is the copy cap */
        tw_event_mark_truncated(ev, key);
}

/* MS-NLMP 2.2.2.10 VERSION: major, minor, build (LE16), reserved[3], revision. */
static void set_version(TwEvent *ev, TwCursor *c)
{
    guint8 major = tw_cursor_u8(c);
    guint8 minor = tw_cursor_u8(c);
    guint16 build = tw_cursor_le16(c);
    tw_cursor_skip(c, 3);
    guint8 rev = tw_cursor_u8(c);
    if (!tw_cursor_ok(c))
        return;
    /* "%u.%u.%u" */
    char v[3 + 1 + 3 + 1 + 5 + 1], *o = v;
    const guint parts[3] = { major, minor, build };
    for (int i = 0; i < 3; i++) {
        if (i)
            *o++ = '.';
        char d[5];
        int n = 0;
        guint x = parts[i];
        do {
            d[n++] = (char)('0' + x % 10);
            x /= 10;
        } while (x);
        while (n)
            *o++ = d[--n];
    }
    *o = 0;
    tw_event_set_str(ev, "os_version", v);
    tw_event_set_int(ev, "ntlm_revision", rev);
}

/* MS-NLMP 2.2.2.1 AV_PAIR list: AvId u16, AvLen u16, Value; MsvAvEOL ends it. */
static void parse_av_pairs(TwDissectCtx *ctx, TwEvent *ev, const guint8 *p, gsize len,
                           const char *time_key, const char *time_us_key)
{
    TwCursor c = tw_cursor_init(p, len);
    for (guint i = 0; i < TW_NTLMSSP_MAX_AV_PAIRS; i++) {
        guint16 id = tw_cursor_le16(&c);
        guint16 alen = tw_cursor_le16(&c);
        TwCursor v = tw_cursor_take(&c, alen);
        if (!tw_cursor_ok(&c) || id == 0 /* MsvAvEOL */)
            return;
        const char *key = NULL;
        switch (id) {
        case 1: key = "nb_computer"; break;
        case 2: key = "nb_domain"; break;
        case 3: key = "dns_computer"; break;
        case 4: key = "dns_domain"; break;
        case 5: key = "dns_tree"; break;
        case 9: key = "target_spn"; break; /* MsvAvTargetName */
        case 7: { /* MsvAvTimestamp: FILETIME */
            guint64 ft = tw_cursor_le64(&v);
            gint64 us;
            if (time_key && tw_cursor_ok(&v) && tw_filetime_to_us(ft, &us)) {
                tw_event_set_time(ev, time_key, us);
                tw_event_set_int(ev, time_us_key, us);
            }
            break;
        }
        case 6: /* MsvAvFlags */
            tw_event_set_hex32(ev, "av_flags", tw_cursor_le32(&v));
            break;
        default:
            break;
        }
        if (key && !tw_event_has(ev, key)) {
            tw_event_take_str(ev, key, utf16_name(ctx, v.p, MIN(v.len, (gsize)TW_NTLMSSP_MAX_NAME)));
            if (v.len > TW_NTLMSSP_MAX_NAME)
                tw_event_mark_truncated(ev, key);
        }
    }
}

/* ---- teaching view (-T tree) --------------------------------------------- */

/* MS-NLMP 2.2.1.1-2.2.1.3: where each message is defined. */
static const char *message_spec(guint32 type)
{
    return type == 1 ? "MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE"
           : type == 2 ? "MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE"
                       : "MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE";
}

static const char *type_name(guint32 t);

/* Event keys with their MS-NLMP field names and sections. */
static void build_tree(TwEvent *ev, guint32 type)
{
    tw_event_tree_add_spec(ev, 0, "NTLMSSP", message_spec(type), NULL, "%s", type_name(type));
    static const struct {
        const char *key, *name, *note, *spec;
    } rows[] = {
        { "ntlmssp_flags", "NegotiateFlags", NULL, "MS-NLMP 2.2.2.5" },
        { "domain", "DomainName", "the account's domain", NULL },
        { "user", "UserName", "the account authenticating (NAME$ = a computer)", NULL },
        { "workstation", "Workstation", "the client's own name", NULL },
        { "target_name", "TargetName", "the server's domain or name", NULL },
        { "server_challenge", "ServerChallenge", "the nonce the client's response proves knowledge of the password against", "MS-NLMP 2.2.1.2" },
        { "ntlm_version", "NT response", "v1 is weak; v2 carries a timestamp and the target info", "MS-NLMP 2.2.2.6 / 2.2.2.8" },
        { "ntproofstr", "NTProofStr", "HMAC over the challenge: what a DC checks", "MS-NLMP 2.2.2.8, 3.3.2" },
        { "server_time", "MsvAvTimestamp", "the server's clock", "MS-NLMP 2.2.2.1" },
        { "client_time", "client TimeStamp", "time in the NTLMv2 blob", "MS-NLMP 2.2.2.7" },
        { "dns_domain", "MsvAvDnsDomainName", NULL, "MS-NLMP 2.2.2.1" },
        { "nb_computer", "MsvAvNbComputerName", NULL, "MS-NLMP 2.2.2.1" },
        { "os_version", "Version", "Windows version of the sender", "MS-NLMP 2.2.2.10" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        const char *v = tw_event_get_str(ev, rows[i].key);
        if (!v)
            continue;
        /* NULL: a field of the message itself (its section) */
        tw_event_tree_add_spec(ev, 1, rows[i].name, rows[i].spec ? rows[i].spec : message_spec(type), rows[i].note, "%s",
                               v);
        if (strcmp(rows[i].key, "ntlmssp_flags") == 0)
            tw_flags_tree(ev, 2, &tw_flags_ntlmssp_negotiate, (guint32)g_ascii_strtoull(v, NULL, 16));
    }
}

static const char *type_name(guint32 t)
{
    switch (t) {
    case 1: return "NEGOTIATE";
    case 2: return "CHALLENGE";
    case 3: return "AUTHENTICATE";
    default: return NULL;
    }
}

TwEvent *tw_ntlmssp_parse(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported)
{
    if (!tw_ntlmssp_looks_like(data, len))
        return NULL;
    TwCursor msg = tw_cursor_init_reported(data, len, reported);
    TwCursor c = msg;
    tw_cursor_skip(&c, 8);
    guint32 type = tw_cursor_le32(&c);
    if (!tw_cursor_ok(&c) || !type_name(type))
        return NULL;
    TwEvent *ev = tw_event_new(ctx->pi, "ntlmssp");
    tw_event_set_str(ev, "ntlmssp_type", type_name(type));
    TwStatus worst = TW_OK;
    guint32 flags = 0;

    switch (type) {
    case 1: { /* MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE */
        flags = tw_cursor_le32(&c);
        SecBuf dom = read_secbuf(&c);
        SecBuf ws = read_secbuf(&c);
        tw_event_set_hex32(ev, "ntlmssp_flags", flags);
        /* Names in NEGOTIATE are always OEM (2.2.1.1). */
        if (tw_cursor_ok(&c)) {
            if (flags & NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED)
                set_name(ctx, ev, "domain", &msg, dom, false, &worst);
            if (flags & NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED)
                set_name(ctx, ev, "workstation", &msg, ws, false, &worst);
            if ((flags & NTLMSSP_NEGOTIATE_VERSION) && tw_cursor_remaining(&c) >= 8)
                set_version(ev, &c);
        }
        break;
    }
    case 2: { /* MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE */
        SecBuf target = read_secbuf(&c);
        flags = tw_cursor_le32(&c);
        const guint8 *chal = tw_cursor_bytes(&c, 8);
        tw_cursor_skip(&c, 8); /* Reserved */
        if (!tw_cursor_ok(&c))
            break;
        tw_event_set_hex32(ev, "ntlmssp_flags", flags);
        tw_event_set_hex(ev, "server_challenge", chal, 8);
        set_name(ctx, ev, "target_name", &msg, target, flags & NTLMSSP_NEGOTIATE_UNICODE, &worst);
        /* TargetInfoFields and Version are absent in very old servers'
         * 32-byte form: read them only if the message is long enough. */
        if (tw_cursor_remaining(&c) >= 8) {
            SecBuf info = read_secbuf(&c);
            TwStatus st;
            const guint8 *ip = secbuf_bytes(&msg, info, &st);
            if (st != TW_OK && worst == TW_OK)
                worst = st;
            if (ip)
                parse_av_pairs(ctx, ev, ip, info.len, "server_time", "server_time_us");
            if ((flags & NTLMSSP_NEGOTIATE_VERSION) && tw_cursor_remaining(&c) >= 8)
                set_version(ev, &c);
        }
        break;
    }
    case 3: { /* MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE */
        SecBuf lm = read_secbuf(&c);
        SecBuf nt = read_secbuf(&c);
        SecBuf dom = read_secbuf(&c);
        SecBuf user = read_secbuf(&c);
        SecBuf ws = read_secbuf(&c);
        SecBuf key = read_secbuf(&c);
        flags = tw_cursor_le32(&c);
        if (!tw_cursor_ok(&c))
            break;
        bool unicode = flags & NTLMSSP_NEGOTIATE_UNICODE;
        tw_event_set_hex32(ev, "ntlmssp_flags", flags);
        set_name(ctx, ev, "user", &msg, user, unicode, &worst);
        set_name(ctx, ev, "domain", &msg, dom, unicode, &worst);
        set_name(ctx, ev, "workstation", &msg, ws, unicode, &worst);
        if (!tw_event_has(ev, "user"))
            tw_event_set_str(ev, "user", "");
        if (!tw_event_has(ev, "domain"))
            tw_event_set_str(ev, "domain", "");
        tw_event_set_int(ev, "lm_response_len", lm.len);
        tw_event_set_int(ev, "nt_response_len", nt.len);
        tw_event_set_bool(ev, "session_key", key.len > 0);
        /* MS-NLMP 3.3: an anonymous AUTHENTICATE has an empty user and NT response. */
        tw_event_set_bool(ev, "anonymous", user.len == 0 && nt.len == 0);
        if (nt.len == 24)
            tw_event_set_str(ev, "ntlm_version", "v1");
        else if (nt.len > 24) {
            tw_event_set_str(ev, "ntlm_version", "v2");
            TwStatus st;
            const guint8 *np = secbuf_bytes(&msg, nt, &st);
            if (st != TW_OK && worst == TW_OK)
                worst = st;
            if (np) {
                /* 2.2.2.8 NTLMv2_RESPONSE: NTProofStr[16] then NTLMv2_CLIENT_CHALLENGE
                 * (2.2.2.7): RespType, HiRespType, Reserved1(2), Reserved2(4),
                 * TimeStamp(8), ChallengeFromClient(8), Reserved3(4), AvPairs. */
                tw_event_set_hex(ev, "ntproofstr", np, 16);
                TwCursor b = tw_cursor_init(np + 16, nt.len - 16u);
                tw_cursor_skip(&b, 8);
                guint64 ft = tw_cursor_le64(&b);
                const guint8 *cc = tw_cursor_bytes(&b, 8);
                tw_cursor_skip(&b, 4);
                gint64 us;
                if (tw_cursor_ok(&b)) {
                    if (tw_filetime_to_us(ft, &us)) {
                        tw_event_set_time(ev, "client_time", us);
                        tw_event_set_int(ev, "client_time_us", us);
                    }
                    tw_event_set_hex(ev, "client_challenge", cc, 8);
                    parse_av_pairs(ctx, ev, tw_cursor_ptr(&b), tw_cursor_remaining(&b), NULL, NULL);
                }
            }
        }
        if ((flags & NTLMSSP_NEGOTIATE_VERSION) && tw_cursor_remaining(&c) >= 8)
            set_version(ev, &c);
        break;
    }
    default:
        break;
    }
    if (!tw_cursor_ok(&c) && worst == TW_OK)
        worst = c.status;
    if (worst != TW_OK) {
        tw_event_set_str(ev, "decode_status", tw_status_name(worst)); /* docs/events.md "Anomalies" */
        tw_event_set_bool(ev, tw_status_name(worst), TRUE);
        tw_count(ctx, worst == TW_TRUNCATED ? "ntlmssp.truncated" : "ntlmssp.malformed", 1);
    }
    if (ctx->want_tree)
        build_tree(ev, type);
    tw_count(ctx, "ntlmssp.messages", 1);
    return ev;
}
