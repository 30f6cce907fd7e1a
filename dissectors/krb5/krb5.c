/* krb5.c — Kerberos V5 message parser (RFC 4120 section 5), DER only, no
 * decryption.  One call decodes one APPLICATION-tagged message into one
 * event; everything in the clear is recorded, and with want_tree every
 * field goes into the teaching view under its RFC ASN.1 name.
 *
 * Parsing style: each SEQUENCE is walked field by field ([n] context tags),
 * accepting any order and skipping unknown tags, as MIT krb5's decoder does
 * for extensibility; the first cursor error (TRUNCATED by a snaplen cut,
 * MALFORMED, LIMIT) is latched in Krb.status and decoding stops at that
 * point, keeping what was decoded.
 */
#include "krb5-private.h"

#include "dissectors/der/der.h"

#include <string.h>

/* From MIT <krb5/krb5.h>: declared here because that header's own path
 * (krb5/krb5.h) collides with this directory's krb5.h on the include path.
 * krb5_error_code and krb5_enctype are krb5_int32, krb5_boolean is unsigned. */
extern gint32 krb5_enctype_to_name(gint32 enctype, unsigned int shortest, char *buffer,
                                   size_t buflen);

typedef struct {
    TwEvent *ev;
    bool tree;
    bool kpasswd;
    TwStatus status; /* first error met anywhere in the message */
} Krb;

#define TREE(k, td, name, note, ...)                                                           \
    do {                                                                                       \
        if ((k)->tree)                                                                         \
            tw_event_tree_add((k)->ev, (td), (name), (note), __VA_ARGS__);                     \
    } while (0)
#define HEAD(k, td, name, note)                                                                \
    do {                                                                                       \
        if ((k)->tree)                                                                         \
            tw_event_tree_add((k)->ev, (td), (name), (note), NULL);                            \
    } while (0)

static void note(Krb *k, const TwCursor *c)
{
    if (k->status == TW_OK && c->status != TW_OK)
        k->status = c->status;
}

/* ---- generic field walking ------------------------------------------------ */

/* Reads the next [n] field of a SEQUENCE and the single value inside it.
 * Returns false at the end of the sequence or on error (noted). */
static bool next_field(Krb *k, TwCursor *seq, guint32 *tag, TwDerTlv *inner, guint d)
{
    if (tw_cursor_at_end(seq)) {
        note(k, seq);
        return false;
    }
    TwDerTlv f;
    if (!tw_der_read(seq, &f, d)) {
        note(k, seq);
        return false;
    }
    if (f.cls != TW_DER_CONTEXT || !f.constructed) {
        tw_cursor_fail(seq, TW_MALFORMED);
        note(k, seq);
        return false;
    }
    if (!tw_der_read(&f.content, inner, d + 1)) {
        note(k, &f.content);
        note(k, seq);
        return false;
    }
    note(k, seq); /* a snaplen cut inside this field: still decode its prefix */
    *tag = f.tag;
    return true;
}

/* Opens a universal SEQUENCE (or, with app >= 0, [APPLICATION app] SEQUENCE). */
static bool open_seq(Krb *k, TwDerTlv *t, TwCursor *out, guint d)
{
    if (t->cls != TW_DER_UNIVERSAL || t->tag != TW_DER_TAG_SEQUENCE || !t->constructed) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        return false;
    }
    *out = t->content;
    return true;
}

static bool get_int(Krb *k, TwDerTlv *t, gint64 *v)
{
    bool ok = tw_der_integer(t, v);
    note(k, &t->content);
    return ok;
}

/* RFC 4120 5.2.4 UInt32 (nonce, kvno): Windows and Samba send values >= 2^31
 * as 4 octets with the sign bit set (not valid DER for a positive INTEGER);
 * read them as unsigned, as MIT krb5 and tshark do. */
static bool get_uint32(Krb *k, TwDerTlv *t, gint64 *v)
{
    if (!get_int(k, t, v))
        return false;
    if (*v < 0 && *v >= G_MININT32 && t->len <= 4)
        *v += G_GINT64_CONSTANT(0x100000000);
    return true;
}

static char *get_str(Krb *k, TwDerTlv *t)
{
    if (t->cls != TW_DER_UNIVERSAL) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        return NULL;
    }
    char *s = tw_der_string(t);
    note(k, &t->content);
    return s;
}

static bool get_time(Krb *k, TwDerTlv *t, gint64 *ts)
{
    bool ok = tw_der_generalized_time(t, ts);
    note(k, &t->content);
    return ok;
}

static const guint8 *get_octets(Krb *k, TwDerTlv *t, gsize *n)
{
    if (t->cls != TW_DER_UNIVERSAL || t->tag != TW_DER_TAG_OCTET_STRING || t->constructed) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        *n = 0;
        return NULL;
    }
    /* A cut octet string still yields its captured prefix. */
    TwCursor *c = &t->content;
    const guint8 *p = c->p + c->off;
    *n = c->len - c->off;
    c->off = c->len;
    if (c->len < c->reported)
        tw_cursor_fail(c, TW_TRUNCATED);
    note(k, c);
    return p;
}

static void time_str(gint64 ts, char out[32])
{
    tw_format_time(ts, out);
}

static const char *etype_name(gint64 et, char *buf, gsize n)
{
    if (et >= G_MININT32 && et <= G_MAXINT32 &&
        krb5_enctype_to_name((gint32)et, TRUE, buf, n) == 0)
        return buf;
    switch (et) {
    case -128: return "rc4-hmac-old";
    case -133: return "rc4-hmac-old-exp";
    case -135: return "rc4-hmac-exp";
    default: return "unknown";
    }
}

static const char *name_type_name(gint64 t)
{
    switch (t) {
    case 0: return "NT-UNKNOWN";
    case 1: return "NT-PRINCIPAL";
    case 2: return "NT-SRV-INST";
    case 3: return "NT-SRV-HST";
    case 4: return "NT-SRV-XHST";
    case 5: return "NT-UID";
    case 6: return "NT-X500-PRINCIPAL";
    case 7: return "NT-SMTP-NAME";
    case 10: return "NT-ENTERPRISE";
    case 11: return "NT-WELLKNOWN";
    case -128: return "NT-MS-PRINCIPAL";
    case -129: return "NT-MS-PRINCIPAL-AND-ID";
    case -130: return "NT-ENT-PRINCIPAL-AND-ID";
    default: return "unknown";
    }
}

/* ---- RFC 4120 5.2.2 PrincipalName --------------------------------------- */

/* Returns the components joined by '/' (transfer full), or NULL. */
static char *parse_principal(Krb *k, TwDerTlv *t, gint64 *name_type, guint d, guint td,
                             const char *label, const char *label_note)
{
    TwCursor seq;
    *name_type = 0;
    HEAD(k, td, label, label_note);
    if (!open_seq(k, t, &seq, d))
        return NULL;
    GString *joined = NULL;
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, &seq, &tag, &v, d + 1)) {
        if (tag == 0) {
            if (get_int(k, &v, name_type))
                TREE(k, td + 1, "name-type", "how to read the name components", "%" G_GINT64_FORMAT " (%s)",
                     *name_type, name_type_name(*name_type));
        } else if (tag == 1) {
            TwCursor comps;
            if (!open_seq(k, &v, &comps, d + 2))
                break;
            HEAD(k, td + 1, "name-string", NULL);
            guint n = 0;
            while (!tw_cursor_at_end(&comps)) {
                TwDerTlv s;
                if (!tw_der_read(&comps, &s, d + 3))
                    break;
                char *str = get_str(k, &s);
                if (!str)
                    break;
                TREE(k, td + 2, "KerberosString", NULL, "%s", str);
                if (n++ < TW_KRB5_MAX_NAME_COMPONENTS) {
                    if (!joined)
                        joined = g_string_new(str);
                    else
                        g_string_append_printf(joined, "/%s", str);
                }
                g_free(str);
            }
            note(k, &comps);
        }
    }
    return joined ? g_string_free(joined, FALSE) : NULL;
}

/* A KerberosString field: tree line LABEL, then the string goes into the event as KEY. */
static void field_string(Krb *k, TwDerTlv *v, guint td, const char *label, const char *label_note,
                         const char *key)
{
    char *s = get_str(k, v);
    if (s) {
        TREE(k, td, label, label_note, "%s", s);
        tw_event_take_str(k->ev, key, s);
    }
}

/* A KerberosTime field: tree line LABEL with the time, and the time into the event as KEY. */
static void field_time(Krb *k, TwDerTlv *v, guint td, const char *label, const char *label_note,
                       const char *key)
{
    gint64 tv;
    char ts[32];
    if (get_time(k, v, &tv)) {
        time_str(tv, ts);
        TREE(k, td, label, label_note, "%s", ts);
        tw_event_set_time(k->ev, key, tv);
    }
}

/* A PrincipalName field: the joined name goes into the event as KEY and, when TYPE_KEY is
 * not NULL, its name-type as TYPE_KEY. */
static void field_principal(Krb *k, TwDerTlv *v, guint d, guint td, const char *label,
                            const char *label_note, const char *key, const char *type_key)
{
    gint64 nt;
    char *name = parse_principal(k, v, &nt, d, td, label, label_note);
    if (name) {
        tw_event_take_str(k->ev, key, name);
        if (type_key)
            tw_event_set_int(k->ev, type_key, nt);
    }
}

/* ---- RFC 4120 5.2.9 EncryptedData ---------------------------------------- */

static void parse_encrypted_data(Krb *k, TwDerTlv *t, gint64 *etype, gint64 *kvno, guint d,
                                 guint td, const char *label, const char *label_note)
{
    TwCursor seq;
    char buf[64];
    *etype = -1;
    *kvno = -1;
    HEAD(k, td, label, label_note);
    if (!open_seq(k, t, &seq, d))
        return;
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, &seq, &tag, &v, d + 1)) {
        if (tag == 0) {
            if (get_int(k, &v, etype))
                TREE(k, td + 1, "etype", "encryption type of the cipher text",
                     "%" G_GINT64_FORMAT " (%s)", *etype, etype_name(*etype, buf, sizeof buf));
        } else if (tag == 1) {
            if (get_uint32(k, &v, kvno))
                TREE(k, td + 1, "kvno", "version of the key it is encrypted with",
                     "%" G_GINT64_FORMAT, *kvno);
        } else if (tag == 2) {
            gsize n;
            get_octets(k, &v, &n);
            TREE(k, td + 1, "cipher", "encrypted: needs the key to read", "%" G_GSIZE_FORMAT " bytes", n);
        }
    }
}

/* ---- RFC 4120 5.3 Ticket ------------------------------------------------- */

typedef struct {
    char *realm;
    char *sname;
    gint64 sname_type, etype, kvno;
} TicketInfo;

static void ticket_clear(TicketInfo *ti)
{
    g_free(ti->realm);
    g_free(ti->sname);
    memset(ti, 0, sizeof *ti);
}

static void parse_ticket(Krb *k, TwDerTlv *t, TicketInfo *ti, guint d, guint td)
{
    memset(ti, 0, sizeof *ti);
    ti->etype = ti->kvno = -1;
    HEAD(k, td, "ticket", "the service ticket: readable only by the service (and the KDC)");
    if (t->cls != TW_DER_APPLICATION || t->tag != 1 || !t->constructed) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        return;
    }
    TwDerTlv st;
    if (!tw_der_read(&t->content, &st, d + 1)) {
        note(k, &t->content);
        return;
    }
    TwCursor seq;
    if (!open_seq(k, &st, &seq, d + 1))
        return;
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, &seq, &tag, &v, d + 2)) {
        switch (tag) {
        case 0: {
            gint64 vno;
            if (get_int(k, &v, &vno))
                TREE(k, td + 1, "tkt-vno", "ticket format version (5)", "%" G_GINT64_FORMAT, vno);
            break;
        }
        case 1:
            g_free(ti->realm);
            ti->realm = get_str(k, &v);
            if (ti->realm)
                TREE(k, td + 1, "realm", "realm of the service", "%s", ti->realm);
            break;
        case 2:
            g_free(ti->sname);
            ti->sname = parse_principal(k, &v, &ti->sname_type, d + 3, td + 1, "sname",
                                        "the service the ticket is for");
            break;
        case 3:
            parse_encrypted_data(k, &v, &ti->etype, &ti->kvno, d + 3, td + 1, "enc-part",
                                 "encrypted with the service's long-term key");
            break;
        default:
            break;
        }
    }
}

/* ---- RFC 4120 5.2.5 HostAddresses ---------------------------------------- */

static char *format_address(gint64 type, const guint8 *a, gsize n)
{
    if (type == 2 && n == 4)
        return g_strdup_printf("%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    if (type == 24 && n == 16) {
        GString *s = g_string_new(NULL);
        for (int i = 0; i < 16; i += 2)
            g_string_append_printf(s, "%s%x", i ? ":" : "", (a[i] << 8) | a[i + 1]);
        return g_string_free(s, FALSE);
    }
    if (type == 20) { /* NetBIOS name, space padded */
        gsize m = n;
        while (m > 0 && (a[m - 1] == ' ' || a[m - 1] == 0))
            m--;
        char *raw = g_strndup((const char *)a, m);
        char *ok = g_utf8_make_valid(raw, -1);
        g_free(raw);
        return ok;
    }
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "type%" G_GINT64_FORMAT ":", type);
    for (gsize i = 0; i < n && i < 32; i++)
        g_string_append_printf(s, "%02x", a[i]);
    return g_string_free(s, FALSE);
}

/* One HostAddress { addr-type [0], address [1] }; returns its text (transfer full). */
static char *parse_host_address(Krb *k, TwDerTlv *t, guint d)
{
    TwCursor as;
    if (!open_seq(k, t, &as, d))
        return NULL;
    gint64 type = -1;
    gsize n = 0;
    const guint8 *bytes = NULL;
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, &as, &tag, &v, d + 1)) {
        if (tag == 0)
            get_int(k, &v, &type);
        else if (tag == 1)
            bytes = get_octets(k, &v, &n);
    }
    return bytes ? format_address(type, bytes, n) : NULL;
}

static void parse_addresses(Krb *k, TwDerTlv *t, const char *key, guint d, guint td)
{
    TwCursor seq;
    HEAD(k, td, "addresses", "client addresses the ticket is restricted to");
    if (!open_seq(k, t, &seq, d))
        return;
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    while (!tw_cursor_at_end(&seq)) {
        TwDerTlv a;
        if (!tw_der_read(&seq, &a, d + 1))
            break;
        TwCursor as;
        if (!open_seq(k, &a, &as, d + 1))
            break;
        gint64 type = -1;
        gsize n = 0;
        const guint8 *bytes = NULL;
        guint32 tag;
        TwDerTlv v;
        while (next_field(k, &as, &tag, &v, d + 2)) {
            if (tag == 0)
                get_int(k, &v, &type);
            else if (tag == 1)
                bytes = get_octets(k, &v, &n);
        }
        if (bytes) {
            char *s = format_address(type, bytes, n);
            TREE(k, td + 1, "HostAddress", type == 2 ? "IPv4" : type == 24 ? "IPv6" : type == 20 ? "NetBIOS name" : NULL,
                 "%s", s);
            if (list->len < TW_KRB5_MAX_LIST)
                g_ptr_array_add(list, s);
            else
                g_free(s);
        }
    }
    note(k, &seq);
    if (list->len)
        tw_event_take_strlist(k->ev, key, list);
    else
        g_ptr_array_unref(list);
}

/* ---- RFC 4120 5.2.7 PA-DATA ------------------------------------------------ */

static void parse_ap_req_body(Krb *k, TwCursor *seq, guint d, guint td, bool nested);

/* RFC 4120 5.2.7.5 ETYPE-INFO2 / 5.2.7.4 ETYPE-INFO: the salts the client must use. */
static void parse_etype_info(Krb *k, const guint8 *p, gsize n, bool v2, guint d, guint td)
{
    TwCursor c = tw_cursor_init(p, n);
    TwDerTlv t;
    char buf[64];
    if (!tw_der_read(&c, &t, d)) {
        note(k, &c);
        return;
    }
    TwCursor seq;
    if (!open_seq(k, &t, &seq, d))
        return;
    while (!tw_cursor_at_end(&seq)) {
        TwDerTlv e;
        if (!tw_der_read(&seq, &e, d + 1))
            break;
        TwCursor es;
        if (!open_seq(k, &e, &es, d + 1))
            break;
        HEAD(k, td, v2 ? "ETYPE-INFO2-ENTRY" : "ETYPE-INFO-ENTRY", NULL);
        guint32 tag;
        TwDerTlv v;
        while (next_field(k, &es, &tag, &v, d + 2)) {
            if (tag == 0) {
                gint64 et;
                if (get_int(k, &v, &et)) {
                    TREE(k, td + 1, "etype", "an encryption type the account has a key for",
                         "%" G_GINT64_FORMAT " (%s)", et, etype_name(et, buf, sizeof buf));
                    const TwField *f = tw_event_get(k->ev, "salt_etypes");
                    if (!f || f->v.ilist->len < TW_KRB5_MAX_LIST)
                        tw_event_append_int(k->ev, "salt_etypes", et);
                }
            } else if (tag == 1) {
                char *salt = NULL;
                if (v2) {
                    salt = get_str(k, &v);
                } else {
                    gsize sn;
                    const guint8 *sp = get_octets(k, &v, &sn);
                    if (sp) {
                        char *raw = g_strndup((const char *)sp, sn);
                        salt = g_utf8_make_valid(raw, -1);
                        g_free(raw);
                    }
                }
                if (salt) {
                    TREE(k, td + 1, "salt", "mixed with the password to make the key (machine: REALMhostname.realm)",
                         "%s", salt);
                    /* RC4 entries carry an empty salt: keep the first real one. */
                    if (salt[0] && !tw_event_has(k->ev, "salt"))
                        tw_event_set_str(k->ev, "salt", salt);
                    g_free(salt);
                }
            } else if (tag == 2) {
                gsize sn;
                get_octets(k, &v, &sn);
                TREE(k, td + 1, "s2kparams", "string-to-key parameters (iteration count)", "%" G_GSIZE_FORMAT " bytes", sn);
            }
        }
    }
    note(k, &seq);
}

/* MS-KILE 2.2.2 KERB-EXT-ERROR: NTSTATUS, reserved, flags (little-endian). */
static void parse_ext_error(Krb *k, const guint8 *p, gsize n, guint td)
{
    if (n != 12)
        return;
    TwCursor c = tw_cursor_init(p, n);
    guint32 status = tw_cursor_le32(&c);
    guint32 reserved = tw_cursor_le32(&c);
    guint32 flags = tw_cursor_le32(&c);
    tw_event_set_hex32(k->ev, "ntstatus", status);
    tw_event_set_int(k->ev, "ext_error_flags", flags);
    TREE(k, td, "KERB-EXT-ERROR.status", "NTSTATUS: the Windows reason (e.g. 0xc0000072 account disabled)",
         "0x%08x", status);
    TREE(k, td, "KERB-EXT-ERROR.reserved", NULL, "0x%08x", reserved);
    TREE(k, td, "KERB-EXT-ERROR.flags", "1 = KDC-generated", "0x%08x", flags);
}

static void parse_pa_value(Krb *k, gint64 type, const guint8 *p, gsize n, gsize reported, guint d,
                           guint td)
{
    if (n == 0 && reported == 0) {
        /* METHOD-DATA hints carry empty values ("this method is accepted"). */
        TREE(k, td, "padata-value", "empty: the type alone is the message", "%s", "(empty)");
        return;
    }
    switch (type) {
    case 1: { /* RFC 4120 5.4.1 PA-TGS-REQ: an AP-REQ carrying the TGT */
        TwCursor c = tw_cursor_init_reported(p, n, reported);
        TwDerTlv t;
        if (!tw_der_read(&c, &t, d)) {
            note(k, &c);
            return;
        }
        if (t.cls != TW_DER_APPLICATION || t.tag != TW_KRB5_AP_REQ || !t.constructed) {
            k->status = k->status ? k->status : TW_MALFORMED;
            return;
        }
        TwDerTlv st;
        if (!tw_der_read(&t.content, &st, d + 1)) {
            note(k, &t.content);
            return;
        }
        TwCursor seq;
        HEAD(k, td, "AP-REQ", "authenticates the client to the TGS with its TGT");
        if (open_seq(k, &st, &seq, d + 1))
            parse_ap_req_body(k, &seq, d + 2, td + 1, true);
        note(k, &c);
        return;
    }
    case 2: { /* RFC 4120 5.2.7.2 PA-ENC-TIMESTAMP */
        TwCursor c = tw_cursor_init_reported(p, n, reported);
        TwDerTlv t;
        if (!tw_der_read(&c, &t, d)) {
            note(k, &c);
            return;
        }
        gint64 et, kv;
        parse_encrypted_data(k, &t, &et, &kv, d + 1, td, "PA-ENC-TS-ENC",
                             "current time encrypted with the client's key: proves the password");
        if (et >= 0 || et < -1)
            tw_event_set_int(k->ev, "pa_enc_timestamp_etype", et);
        if (kv >= 0)
            tw_event_set_int(k->ev, "pa_enc_timestamp_kvno", kv);
        return;
    }
    case 3: { /* PA-PW-SALT, or MS-KILE KERB-EXT-ERROR in e-data (same tag) */
        if (n == 12) {
            parse_ext_error(k, p, n, td);
            return;
        }
        char *raw = g_strndup((const char *)p, n);
        char *salt = g_utf8_make_valid(raw, -1);
        g_free(raw);
        TREE(k, td, "salt", "mixed with the password to make the key", "%s", salt);
        if (salt[0] && !tw_event_has(k->ev, "salt"))
            tw_event_set_str(k->ev, "salt", salt);
        g_free(salt);
        return;
    }
    case 11:
    case 19:
        parse_etype_info(k, p, n, type == 19, d, td);
        return;
    case 128: { /* MS-KILE 2.2.3 KERB-PA-PAC-REQUEST */
        TwCursor c = tw_cursor_init(p, n);
        TwDerTlv t;
        if (!tw_der_read(&c, &t, d)) {
            note(k, &c);
            return;
        }
        TwCursor seq;
        if (!open_seq(k, &t, &seq, d))
            return;
        guint32 tag;
        TwDerTlv v;
        while (next_field(k, &seq, &tag, &v, d + 1)) {
            if (tag == 0 && v.tag == TW_DER_TAG_BOOLEAN && v.len == 1) {
                guint8 b = tw_cursor_u8(&v.content);
                tw_event_set_bool(k->ev, "pac_request", b != 0);
                TREE(k, td, "include-pac", "ask the KDC to put the PAC (group memberships) in the ticket", "%s",
                     b ? "true" : "false");
            }
        }
        return;
    }
    case 129: { /* MS-SFU 2.2.1 PA-FOR-USER (S4U2Self) */
        TwCursor c = tw_cursor_init(p, n);
        TwDerTlv t;
        if (!tw_der_read(&c, &t, d)) {
            note(k, &c);
            return;
        }
        TwCursor seq;
        if (!open_seq(k, &t, &seq, d))
            return;
        guint32 tag;
        TwDerTlv v;
        while (next_field(k, &seq, &tag, &v, d + 1)) {
            if (tag == 0)
                field_principal(k, &v, d + 2, td, "userName",
                                "S4U2Self: the user the service wants a ticket for", "for_user", NULL);
            else if (tag == 1)
                field_string(k, &v, td, "userRealm", NULL, "for_user_realm");
        }
        return;
    }
    case 165: { /* MS-KILE 2.2.8 PA-SUPPORTED-ENCTYPES */
        if (n == 4) {
            guint32 v = p[0] | (p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
            TREE(k, td, "supported-enctypes", "msDS-SupportedEncryptionTypes of the service", "0x%08x", v);
        }
        return;
    }
    default:
        TREE(k, td, "padata-value", tw_krb5_padata_name(type) ? NULL : "unknown type",
             "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
}

/* What a PA-DATA type is for, in a few words (teaching view). */
static const char *padata_note(gint64 t)
{
    switch (t) {
    case 1: return "TGS request: the TGT and an authenticator";
    case 2: return "timestamp encrypted with the password-derived key: proves the password";
    case 3: return "salt for the password-derived key";
    case 11:
    case 19: return "encryption types and salts the client must use for its key";
    case 16:
    case 17: return "PKINIT: certificate (smart card) logon";
    case 128: return "asks for (or refuses) the PAC with group memberships";
    case 129: return "S4U2Self: service asks a ticket on behalf of a user";
    case 133: return "FAST cookie: state kept by the client between rounds";
    case 136: return "FAST: pre-authentication inside an armored tunnel";
    case 138: return "FAST encrypted challenge (pre-authentication)";
    case 149: return "asks the KDC to protect the reply's padata";
    case 165: return "encryption types the service supports";
    case 167: return "PAC options (claims, branch aware, resource-based delegation)";
    default: return NULL;
    }
}

/* SEQUENCE OF PA-DATA; types recorded in `key` (an INTLIST). */
static void parse_padata_seq(Krb *k, TwCursor *seq, const char *key, guint d, guint td)
{
    while (!tw_cursor_at_end(seq)) {
        TwDerTlv e;
        if (!tw_der_read(seq, &e, d))
            break;
        TwCursor ps;
        if (!open_seq(k, &e, &ps, d))
            break;
        gint64 type = -1;
        guint32 tag;
        TwDerTlv v;
        while (next_field(k, &ps, &tag, &v, d + 1)) {
            if (tag == 1) {
                if (get_int(k, &v, &type)) {
                    const char *nm = tw_krb5_padata_name(type);
                    TREE(k, td, "padata-type", padata_note(type), "%" G_GINT64_FORMAT " (%s)", type,
                         nm ? nm : "unknown");
                    const TwField *f = tw_event_get(k->ev, key);
                    if (!f || f->v.ilist->len < TW_KRB5_MAX_LIST)
                        tw_event_append_int(k->ev, key, type);
                }
            } else if (tag == 2) {
                gsize n;
                gsize rep = v.content.reported;
                const guint8 *p = get_octets(k, &v, &n);
                if (p)
                    parse_pa_value(k, type, p, n, rep, d + 2, td + 1);
            }
        }
    }
    note(k, seq);
}

/* ---- RFC 4120 5.5.1 AP-REQ ------------------------------------------------ */

static const char *const ap_option_names[32] = {
    [0] = "reserved", [1] = "use-session-key", [2] = "mutual-required",
};

static const char *const kdc_option_names[32] = {
    [0] = "reserved", [1] = "forwardable", [2] = "forwarded", [3] = "proxiable", [4] = "proxy",
    [5] = "allow-postdate", [6] = "postdated", [8] = "renewable", [11] = "opt-hardware-auth",
    [14] = "constrained-delegation", [15] = "canonicalize", [16] = "request-anonymous",
    [26] = "disable-transited-check", [27] = "renewable-ok", [28] = "enc-tkt-in-skey",
    [30] = "renew", [31] = "validate",
};

static char *flag_names(guint32 v, const char *const names[32])
{
    GString *s = g_string_new(NULL);
    for (int bit = 0; bit < 32; bit++) {
        if (!(v & (0x80000000u >> bit)))
            continue;
        if (s->len)
            g_string_append_c(s, ',');
        /* (a set bit: its name, or its number when RFC 4120 leaves it unused) */
        if (names[bit])
            g_string_append(s, names[bit]);
        else
            g_string_append_printf(s, "bit%d", bit);
    }
    if (s->len == 0)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

static void set_ticket_fields(Krb *k, TicketInfo *ti, bool top)
{
    if (ti->realm)
        tw_event_set_str(k->ev, "ticket_realm", ti->realm);
    if (ti->sname)
        tw_event_set_str(k->ev, "ticket_sname", ti->sname);
    if (ti->etype != -1)
        tw_event_set_int(k->ev, "ticket_etype", ti->etype);
    if (ti->kvno >= 0) {
        tw_event_set_int(k->ev, "ticket_kvno", ti->kvno);
        tw_event_set_int(k->ev, "kvno", ti->kvno);
    }
    if (top) {
        if (ti->realm)
            tw_event_set_str(k->ev, "realm", ti->realm);
        if (ti->sname) {
            tw_event_set_str(k->ev, "sname", ti->sname);
            tw_event_set_int(k->ev, "sname_type", ti->sname_type);
        }
    }
}

static void parse_pvno_msgtype(Krb *k, guint32 tag_pvno, guint32 tag, TwDerTlv *v, guint td)
{
    gint64 x;
    if (!get_int(k, v, &x))
        return;
    if (tag == tag_pvno) {
        TREE(k, td, "pvno", "protocol version (5)", "%" G_GINT64_FORMAT, x);
    } else {
        const char *nm = tw_krb5_msg_name(x);
        TREE(k, td, "msg-type", NULL, "%" G_GINT64_FORMAT " (%s)", x, nm ? nm : "unknown");
        if (x != tw_event_get_int(k->ev, "msg_type", x))
            tw_event_set_int(k->ev, "msg_type_field", x);
    }
}

static void parse_ap_req_body(Krb *k, TwCursor *seq, guint d, guint td, bool nested)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        switch (tag) {
        case 0:
        case 1:
            if (!nested)
                parse_pvno_msgtype(k, 0, tag, &v, td);
            break;
        case 2: {
            guint32 opts;
            bool ok = tw_der_bit_string_u32(&v, &opts);
            note(k, &v.content);
            if (ok) {
                if (!nested)
                    tw_event_set_hex32(k->ev, "ap_options", opts);
                if (k->tree) {
                    g_autofree char *names = flag_names(opts, ap_option_names);
                    TREE(k, td, "ap-options", "mutual-required: the client wants an AP-REP back",
                         "0x%08x (%s)", opts, names);
                }
            }
            break;
        }
        case 3: {
            TicketInfo ti;
            parse_ticket(k, &v, &ti, d + 2, td);
            set_ticket_fields(k, &ti, !nested);
            ticket_clear(&ti);
            break;
        }
        case 4: {
            gint64 et, kv;
            parse_encrypted_data(k, &v, &et, &kv, d + 2, td, "authenticator",
                                 "client name and time, encrypted with the session key");
            if (!nested && et != -1)
                tw_event_set_int(k->ev, "enc_etype", et);
            if (nested && et != -1)
                tw_event_set_int(k->ev, "authenticator_etype", et);
            break;
        }
        default:
            break;
        }
    }
}

/* ---- RFC 4120 5.4.1 KDC-REQ ----------------------------------------------- */

static void parse_kdc_req_body(Krb *k, TwDerTlv *t, guint d, guint td)
{
    TwCursor seq;
    char buf[64];
    HEAD(k, td, "req-body", "what the client asks for (in the clear)");
    if (!open_seq(k, t, &seq, d))
        return;
    td++;
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, &seq, &tag, &v, d + 1)) {
        switch (tag) {
        case 0: {
            guint32 opts;
            bool ok = tw_der_bit_string_u32(&v, &opts);
            note(k, &v.content);
            if (ok) {
                tw_event_set_hex32(k->ev, "kdc_options", opts);
                if (k->tree) {
                    g_autofree char *names = flag_names(opts, kdc_option_names);
                    TREE(k, td, "kdc-options", "flags the client requests on the ticket", "0x%08x (%s)", opts,
                         names);
                }
            }
            break;
        }
        case 1:
            field_principal(k, &v, d + 2, td, "cname", "the client (user or machine NAME$)",
                            "cname", "cname_type");
            break;
        case 2:
            field_string(k, &v, td, "realm",
                         "the realm (AD domain, upper case) of the server and, in AS-REQ, the client", "realm");
            break;
        case 3:
            field_principal(k, &v, d + 2, td, "sname", "the service asked for (krbtgt/REALM = a TGT)",
                            "sname", "sname_type");
            break;
        case 4:
        case 5:
        case 6: {
            static const char *const keys[] = { "from", "till", "rtime" };
            static const char *const notes[] = { "requested start time (postdating)", "requested expiry time",
                                                 "requested renew-until time" };
            field_time(k, &v, td, keys[tag - 4], notes[tag - 4], keys[tag - 4]);
            break;
        }
        case 7: {
            gint64 nonce;
            if (get_uint32(k, &v, &nonce)) {
                TREE(k, td, "nonce", "random number echoed in the encrypted reply (pairs reply to request)",
                     "%" G_GINT64_FORMAT, nonce);
                tw_event_set_int(k->ev, "nonce", nonce);
            }
            break;
        }
        case 8: {
            TwCursor es;
            if (!open_seq(k, &v, &es, d + 2))
                break;
            HEAD(k, td, "etype", "encryption types the client supports, preferred first");
            GArray *list = g_array_new(FALSE, FALSE, sizeof(gint64));
            while (!tw_cursor_at_end(&es)) {
                TwDerTlv e;
                gint64 et;
                if (!tw_der_read(&es, &e, d + 3) || !get_int(k, &e, &et))
                    break;
                TREE(k, td + 1, "ENCTYPE", NULL, "%" G_GINT64_FORMAT " (%s)", et, etype_name(et, buf, sizeof buf));
                if (list->len < TW_KRB5_MAX_LIST)
                    g_array_append_val(list, et);
            }
            note(k, &es);
            tw_event_take_intlist(k->ev, "etypes", list);
            break;
        }
        case 9:
            parse_addresses(k, &v, "addresses", d + 2, td);
            break;
        case 10: {
            gint64 et, kv;
            parse_encrypted_data(k, &v, &et, &kv, d + 2, td, "enc-authorization-data",
                                 "authorization data encrypted with the session key");
            break;
        }
        case 11: {
            TwCursor ts_seq;
            if (!open_seq(k, &v, &ts_seq, d + 2))
                break;
            HEAD(k, td, "additional-tickets", "S4U2Proxy evidence ticket or user-to-user TGT");
            guint n = 0;
            while (!tw_cursor_at_end(&ts_seq)) {
                TwDerTlv tk;
                if (!tw_der_read(&ts_seq, &tk, d + 3))
                    break;
                TicketInfo ti;
                parse_ticket(k, &tk, &ti, d + 3, td + 1);
                if (n++ == 0 && ti.sname)
                    tw_event_set_str(k->ev, "additional_ticket_sname", ti.sname);
                ticket_clear(&ti);
            }
            note(k, &ts_seq);
            break;
        }
        default:
            break;
        }
    }
}

/* The padata [SEQUENCE OF PA-DATA] field of KDC-REQ and KDC-REP (RFC 4120 5.4.1, 5.4.2). */
static void field_padata(Krb *k, TwDerTlv *v, guint d, guint td, const char *label_note)
{
    TwCursor ps;
    HEAD(k, td, "padata", label_note);
    if (open_seq(k, v, &ps, d))
        parse_padata_seq(k, &ps, "padata", d + 1, td + 1);
}

static void parse_kdc_req(Krb *k, TwCursor *seq, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        switch (tag) {
        case 1:
        case 2:
            parse_pvno_msgtype(k, 1, tag, &v, td);
            break;
        case 3:
            field_padata(k, &v, d + 2, td, "pre-authentication data");
            break;
        case 4:
            parse_kdc_req_body(k, &v, d + 2, td);
            break;
        default:
            break;
        }
    }
}

/* ---- RFC 4120 5.4.2 KDC-REP ----------------------------------------------- */

static void parse_kdc_rep(Krb *k, TwCursor *seq, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        switch (tag) {
        case 0:
        case 1:
            parse_pvno_msgtype(k, 0, tag, &v, td);
            break;
        case 2:
            field_padata(k, &v, d + 2, td, "pre-authentication data (salt for the reply key)");
            break;
        case 3:
            field_string(k, &v, td, "crealm", "the client's realm", "crealm");
            break;
        case 4:
            field_principal(k, &v, d + 2, td, "cname", "the client the ticket was issued to",
                            "cname", "cname_type");
            break;
        case 5: {
            TicketInfo ti;
            parse_ticket(k, &v, &ti, d + 2, td);
            set_ticket_fields(k, &ti, true);
            ticket_clear(&ti);
            break;
        }
        case 6: {
            gint64 et, kv;
            parse_encrypted_data(k, &v, &et, &kv, d + 2, td, "enc-part",
                                 "session key etc., encrypted with the client's key (AS) or TGT session key (TGS)");
            if (et != -1)
                tw_event_set_int(k->ev, "enc_etype", et);
            if (kv >= 0)
                tw_event_set_int(k->ev, "enc_kvno", kv);
            break;
        }
        default:
            break;
        }
    }
}

/* ---- RFC 4120 5.9.1 KRB-ERROR ---------------------------------------------- */

/* e-data: MS-KILE 2.2.1 KERB-ERROR-DATA, RFC 4120 5.9.1 TYPED-DATA, or
 * METHOD-DATA (SEQUENCE OF PA-DATA); kpasswd puts a result code there. */
static void parse_e_data(Krb *k, const guint8 *p, gsize n, gsize reported, guint d, guint td)
{
    if (k->kpasswd && n >= 2 && p[0] != 0x30) {
        /* RFC 3244 2: result code (2 octets) + result string. */
        gint64 rc = (p[0] << 8) | p[1];
        const char *nm = tw_krb5_kpasswd_result_name(rc);
        tw_event_set_int(k->ev, "kpasswd_result", rc);
        if (nm)
            tw_event_set_str(k->ev, "kpasswd_result_name", nm);
        TREE(k, td, "result-code", "kpasswd result", "%" G_GINT64_FORMAT " (%s)", rc, nm ? nm : "unknown");
        if (n > 2) {
            char *raw = g_strndup((const char *)p + 2, n - 2);
            char *s = g_utf8_make_valid(raw, -1);
            g_free(raw);
            TREE(k, td, "result-string", NULL, "%s", s);
            tw_event_take_str(k->ev, "kpasswd_result_string", s);
        }
        return;
    }
    TwCursor c = tw_cursor_init_reported(p, n, reported);
    TwDerTlv t;
    if (!tw_der_read(&c, &t, d)) {
        /* Not DER: keep it opaque (not an error in the message itself). */
        TREE(k, td, "e-data", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    TwCursor seq;
    if (t.cls != TW_DER_UNIVERSAL || t.tag != TW_DER_TAG_SEQUENCE || !t.constructed) {
        TREE(k, td, "e-data", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    seq = t.content;
    if (tw_der_next_is(&seq, TW_DER_CONTEXT, 1)) {
        /* MS-KILE KERB-ERROR-DATA { data-type [1], data-value [2] } (= one PA-DATA shape). */
        gint64 type = -1;
        guint32 tag;
        TwDerTlv v;
        HEAD(k, td, "KERB-ERROR-DATA", "Microsoft extended error");
        while (next_field(k, &seq, &tag, &v, d + 1)) {
            if (tag == 1) {
                if (get_int(k, &v, &type)) {
                    TREE(k, td + 1, "data-type", type == 3 ? "KERB_ERR_TYPE_EXTENDED: NTSTATUS follows"
                                                 : type == 2 ? "KERB_AP_ERR_TYPE_SKEW_RECOVERY" : NULL,
                         "%" G_GINT64_FORMAT, type);
                    tw_event_set_int(k->ev, "e_data_type", type);
                }
            } else if (tag == 2) {
                gsize vn;
                const guint8 *vp = get_octets(k, &v, &vn);
                if (vp && type == 3 && vn == 12)
                    parse_ext_error(k, vp, vn, td + 1);
                else if (vp)
                    TREE(k, td + 1, "data-value", NULL, "%" G_GSIZE_FORMAT " bytes", vn);
            }
        }
        return;
    }
    if (tw_der_next_is(&seq, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE)) {
        /* Peek the first element's first tag: [1] = PA-DATA, [0] = TYPED-DATA. */
        TwCursor peek = seq;
        TwDerTlv first;
        if (tw_der_read(&peek, &first, d + 1) && tw_der_next_is(&first.content, TW_DER_CONTEXT, 0)) {
            HEAD(k, td, "TYPED-DATA", NULL);
            while (!tw_cursor_at_end(&seq)) {
                TwDerTlv e;
                if (!tw_der_read(&seq, &e, d + 1))
                    break;
                TwCursor es;
                if (!open_seq(k, &e, &es, d + 1))
                    break;
                guint32 tag;
                TwDerTlv v;
                gint64 type = -1;
                while (next_field(k, &es, &tag, &v, d + 2)) {
                    if (tag == 0 && get_int(k, &v, &type)) {
                        TREE(k, td + 1, "data-type", NULL, "%" G_GINT64_FORMAT, type);
                        const TwField *f = tw_event_get(k->ev, "e_data_typed");
                        if (!f || f->v.ilist->len < TW_KRB5_MAX_LIST)
                            tw_event_append_int(k->ev, "e_data_typed", type);
                    } else if (tag == 1) {
                        gsize vn;
                        const guint8 *vp = get_octets(k, &v, &vn);
                        if (vp && type == 3 && vn == 12)
                            parse_ext_error(k, vp, vn, td + 2);
                    }
                }
            }
            return;
        }
        HEAD(k, td, "METHOD-DATA", "pre-authentication methods the KDC accepts");
        parse_padata_seq(k, &seq, "e_data_padata", d + 1, td + 1);
        return;
    }
    TREE(k, td, "e-data", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
}

static void parse_krb_error(Krb *k, TwCursor *seq, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        switch (tag) {
        case 0:
        case 1:
            parse_pvno_msgtype(k, 0, tag, &v, td);
            break;
        case 2:
        case 4:
            field_time(k, &v, td, tag == 2 ? "ctime" : "stime",
                       tag == 2 ? "the client's time, echoed" : "the server's clock: compare with the client's to see skew",
                       tag == 2 ? "ctime" : "stime");
            break;
        case 3:
        case 5: {
            gint64 us;
            if (get_int(k, &v, &us)) {
                TREE(k, td, tag == 3 ? "cusec" : "susec", "microseconds", "%" G_GINT64_FORMAT, us);
                tw_event_set_int(k->ev, tag == 3 ? "cusec" : "susec", us);
            }
            break;
        }
        case 6: {
            gint64 code;
            if (get_int(k, &v, &code)) {
                const char *nm = tw_krb5_error_name(code);
                TREE(k, td, "error-code", tw_krb5_error_cause(code), "%" G_GINT64_FORMAT " (%s)", code,
                     nm ? nm : "unknown");
                tw_event_set_int(k->ev, "error_code", code);
                if (nm)
                    tw_event_set_str(k->ev, "error_name", nm);
            }
            break;
        }
        case 7:
            field_string(k, &v, td, "crealm", "the client's realm", "crealm");
            break;
        case 8:
            field_principal(k, &v, d + 2, td, "cname", "the client the error is about",
                            "cname", "cname_type");
            break;
        case 9:
            field_string(k, &v, td, "realm", "the realm of the server that answers", "realm");
            break;
        case 10:
            field_principal(k, &v, d + 2, td, "sname", "the service that was asked for",
                            "sname", "sname_type");
            break;
        case 11:
            field_string(k, &v, td, "e-text", "free text from the server", "e_text");
            break;
        case 12: {
            gsize n;
            gsize rep = v.content.reported;
            const guint8 *p = get_octets(k, &v, &n);
            if (p) {
                HEAD(k, td, "e-data", "extra error data");
                parse_e_data(k, p, n, rep, d + 2, td + 1);
            }
            break;
        }
        default:
            break;
        }
    }
}

/* ---- RFC 4120 5.5.2 AP-REP, 5.6 KRB-SAFE, 5.7 KRB-PRIV, 5.8 KRB-CRED ----- */

static void parse_ap_rep_priv(Krb *k, TwCursor *seq, guint32 enc_tag, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        if (tag == 0 || tag == 1) {
            parse_pvno_msgtype(k, 0, tag, &v, td);
        } else if (tag == enc_tag) {
            gint64 et, kv;
            parse_encrypted_data(k, &v, &et, &kv, d + 2, td, "enc-part",
                                 "encrypted with the session (or sub-session) key");
            if (et != -1)
                tw_event_set_int(k->ev, "enc_etype", et);
            if (kv >= 0)
                tw_event_set_int(k->ev, "enc_kvno", kv);
        }
    }
}

static void parse_krb_safe(Krb *k, TwCursor *seq, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        if (tag == 0 || tag == 1) {
            parse_pvno_msgtype(k, 0, tag, &v, td);
        } else if (tag == 2) {
            TwCursor bs;
            HEAD(k, td, "safe-body", "user data protected by a checksum (not encrypted)");
            if (!open_seq(k, &v, &bs, d + 2))
                continue;
            guint32 bt;
            TwDerTlv bv;
            while (next_field(k, &bs, &bt, &bv, d + 3)) {
                if (bt == 0) {
                    gsize n;
                    get_octets(k, &bv, &n);
                    TREE(k, td + 1, "user-data", NULL, "%" G_GSIZE_FORMAT " bytes", n);
                } else if (bt == 1) {
                    gint64 tv;
                    char ts[32];
                    if (get_time(k, &bv, &tv)) {
                        time_str(tv, ts);
                        TREE(k, td + 1, "timestamp", NULL, "%s", ts);
                    }
                } else if (bt == 2 || bt == 3) {
                    gint64 x;
                    if (bt == 2 ? get_int(k, &bv, &x) : get_uint32(k, &bv, &x))
                        TREE(k, td + 1, bt == 2 ? "usec" : "seq-number", NULL, "%" G_GINT64_FORMAT, x);
                } else if (bt == 4 || bt == 5) {
                    char *a = parse_host_address(k, &bv, d + 4);
                    if (a) {
                        TREE(k, td + 1, bt == 4 ? "s-address" : "r-address",
                             bt == 4 ? "sender's address" : "recipient's address", "%s", a);
                        tw_event_take_str(k->ev, bt == 4 ? "s_address" : "r_address", a);
                    }
                }
            }
        } else if (tag == 3) {
            TwCursor cs;
            if (!open_seq(k, &v, &cs, d + 2))
                continue;
            guint32 ct;
            TwDerTlv cv;
            while (next_field(k, &cs, &ct, &cv, d + 3)) {
                gint64 x;
                if (ct == 0 && get_int(k, &cv, &x))
                    TREE(k, td, "cksum.cksumtype", NULL, "%" G_GINT64_FORMAT, x);
            }
        }
    }
}

static void parse_krb_cred(Krb *k, TwCursor *seq, guint d, guint td)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        if (tag == 0 || tag == 1) {
            parse_pvno_msgtype(k, 0, tag, &v, td);
        } else if (tag == 2) {
            TwCursor ts_seq;
            if (!open_seq(k, &v, &ts_seq, d + 2))
                continue;
            HEAD(k, td, "tickets", "forwarded tickets");
            bool first = true;
            while (!tw_cursor_at_end(&ts_seq)) {
                TwDerTlv tk;
                if (!tw_der_read(&ts_seq, &tk, d + 3))
                    break;
                TicketInfo ti;
                parse_ticket(k, &tk, &ti, d + 3, td + 1);
                set_ticket_fields(k, &ti, first);
                first = false;
                ticket_clear(&ti);
            }
            note(k, &ts_seq);
        } else if (tag == 3) {
            gint64 et, kv;
            parse_encrypted_data(k, &v, &et, &kv, d + 2, td, "enc-part", "credential info (session keys)");
            if (et != -1)
                tw_event_set_int(k->ev, "enc_etype", et);
        }
    }
}

/* ---- entry points ------------------------------------------------------------ */

bool tw_krb5_looks_like_message(const guint8 *data, gsize len)
{
    if (len < 2)
        return false;
    guint8 id = data[0];
    if ((id & 0xe0) != 0x60) /* APPLICATION, constructed */
        return false;
    return tw_krb5_msg_name(id & 0x1f) != NULL;
}

TwEvent *tw_krb5_parse_message_full(TwDissectCtx *ctx, const guint8 *data, gsize len,
                                    gsize reported, bool kpasswd)
{
    if (!data || !tw_krb5_looks_like_message(data, len))
        return NULL;
    TwCursor c = tw_cursor_init_reported(data, len, reported);
    TwDerTlv app;
    if (!tw_der_read(&c, &app, 0) && c.status != TW_TRUNCATED)
        return NULL; /* the outer header itself is not DER: not ours */
    if (app.content.status != TW_OK && c.status != TW_TRUNCATED)
        return NULL;
    gint64 msg_type = data[0] & 0x1f; /* APPLICATION tag = RFC 4120 msg-type */

    Krb k = { 0 };
    k.ev = tw_event_new(ctx ? ctx->pi : NULL, "kerberos");
    k.tree = ctx && ctx->want_tree;
    k.kpasswd = kpasswd;
    note(&k, &c);
    tw_event_set_int(k.ev, "msg_type", msg_type);
    tw_event_set_str(k.ev, "msg", tw_krb5_msg_name(msg_type));
    if (kpasswd)
        tw_event_set_bool(k.ev, "kpasswd", TRUE);
    HEAD(&k, 0, tw_krb5_msg_name(msg_type), NULL);

    TwDerTlv st;
    if (app.content.status == TW_OK && tw_der_read(&app.content, &st, 1)) {
        TwCursor seq;
        if (open_seq(&k, &st, &seq, 1)) {
            switch (msg_type) {
            case TW_KRB5_AS_REQ:
            case TW_KRB5_TGS_REQ:
                parse_kdc_req(&k, &seq, 2, 1);
                break;
            case TW_KRB5_AS_REP:
            case TW_KRB5_TGS_REP:
                parse_kdc_rep(&k, &seq, 2, 1);
                break;
            case TW_KRB5_AP_REQ:
                parse_ap_req_body(&k, &seq, 2, 1, false);
                break;
            case TW_KRB5_AP_REP:
                parse_ap_rep_priv(&k, &seq, 2, 2, 1);
                break;
            case TW_KRB5_PRIV:
                parse_ap_rep_priv(&k, &seq, 3, 2, 1);
                break;
            case TW_KRB5_SAFE:
                parse_krb_safe(&k, &seq, 2, 1);
                break;
            case TW_KRB5_CRED:
                parse_krb_cred(&k, &seq, 2, 1);
                break;
            case TW_KRB5_ERROR:
                parse_krb_error(&k, &seq, 2, 1);
                break;
            default:
                break;
            }
        }
    } else {
        note(&k, &app.content);
    }
    note(&k, &c);
    if (k.status != TW_OK) {
        tw_event_set_str(k.ev, "status", tw_status_name(k.status));
        if (k.status == TW_TRUNCATED)
            tw_event_set_bool(k.ev, "truncated", TRUE);
        else if (k.status == TW_MALFORMED)
            tw_event_set_bool(k.ev, "malformed", TRUE);
        else
            tw_event_set_bool(k.ev, "limit", TRUE);
        if (ctx)
            tw_count(ctx, k.status == TW_TRUNCATED ? "kerberos.truncated" : "kerberos.malformed", 1);
    }
    if (ctx)
        tw_count(ctx, "kerberos.messages", 1);
    return k.ev;
}

TwEvent *tw_krb5_parse_message(TwDissectCtx *ctx, const guint8 *data, gsize len, gsize reported)
{
    return tw_krb5_parse_message_full(ctx, data, len, reported, false);
}
