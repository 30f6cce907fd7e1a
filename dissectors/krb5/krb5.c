/* krb5.c — Kerberos V5 message parser (RFC 4120 section 5), DER only, no
 * decryption.  One call decodes one APPLICATION-tagged message into one
 * event; everything in the clear is recorded, and with want_tree every
 * field goes into the teaching view under its RFC ASN.1 name.
 *
 * Parsing style, after MIT krb5's asn1_k_encode.c: each ASN.1 SEQUENCE is a
 * table of its [n] fields (name, OPTIONAL or not, type, the event key it
 * sets, its teaching note), and one walker, walk(), decodes any SEQUENCE
 * from its table; walk_seq_of() does the same for SEQUENCE OF.  The walker
 * accepts fields in any order and skips unknown tags, as MIT's decoder does
 * for extensibility.  It does not reject a message that lacks a required
 * field: the event keeps what the message has (the OPTIONAL column is for
 * reading a table against RFC 4120).  The first cursor error (TRUNCATED by
 * a snaplen cut, MALFORMED, LIMIT) is latched in Krb.status and decoding
 * stops at that point, keeping what was decoded.
 */
#include "krb5-private.h"

#include "dissectors/der/der.h"

#include <stddef.h>
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
#define HEAD(k, td, name, note) TREE(k, td, name, note, NULL) /* a heading line: no value */

static void note(Krb *k, const TwCursor *c)
{
    if (k->status == TW_OK && c->status != TW_OK)
        k->status = c->status;
}

/* ---- DER access ------------------------------------------------------------ */

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

/* [APPLICATION app] SEQUENCE (Ticket, the AP-REQ of a PA-TGS-REQ): reads the SEQUENCE's TLV. */
static bool open_app(Krb *k, TwDerTlv *t, guint32 app, TwDerTlv *st, guint d)
{
    if (t->cls != TW_DER_APPLICATION || t->tag != app || !t->constructed) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        return false;
    }
    if (!tw_der_read(&t->content, st, d + 1)) {
        note(k, &t->content);
        return false;
    }
    return true;
}

/* Opens a universal SEQUENCE. */
static bool open_seq(Krb *k, TwDerTlv *t, TwCursor *out)
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

/* Octets copied out as text, invalid UTF-8 replaced (transfer full). */
static char *octets_text(const guint8 *p, gsize n)
{
    char *raw = g_strndup((const char *)p, n);
    char *ok = g_utf8_make_valid(raw, -1);
    g_free(raw);
    return ok;
}

/* Appends to an INTLIST key, at most TW_KRB5_MAX_LIST values. */
static void append_capped(Krb *k, const char *key, gint64 v)
{
    const TwField *f = tw_event_get(k->ev, key);
    if (!f || f->v.ilist->len < TW_KRB5_MAX_LIST)
        tw_event_append_int(k->ev, key, v);
}

/* ---- value names and notes (teaching view) ---------------------------------- */

/* (the name is copied into the tree line at once: one buffer per thread) */
static const char *etype_name(gint64 et)
{
    static _Thread_local char buf[64];
    if (et >= G_MININT32 && et <= G_MAXINT32 && krb5_enctype_to_name((gint32)et, TRUE, buf, sizeof buf) == 0)
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

/* What a PA-DATA type is for, in a few words. */
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

/* MS-KILE 2.2.1 KERB-ERROR-DATA data-type. */
static const char *kerb_error_data_type_note(gint64 t)
{
    return t == 3 ? "KERB_ERR_TYPE_EXTENDED: NTSTATUS follows"
                  : t == 2 ? "KERB_AP_ERR_TYPE_SKEW_RECOVERY" : NULL;
}

/* RFC 4120 5.2.5 address types. */
static const char *address_note(gint64 type)
{
    return type == 2 ? "IPv4" : type == 24 ? "IPv6" : type == 20 ? "NetBIOS name" : NULL;
}

#define BIT(n) (0x80000000u >> (n)) /* RFC 4120 5.2.8 KerberosFlags: bit 0 is the MSB */

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

/* RFC 4120 5.5.1 APOptions: what each set bit asks of the server (the
 * value column names every set bit; the note explains the two defined ones). */
static const char *ap_options_note(gint64 opts)
{
    bool use_session_key = (opts & BIT(1)) != 0, mutual_required = (opts & BIT(2)) != 0;
    if (use_session_key && mutual_required)
        return "use-session-key: the ticket is encrypted in the session key of the server's TGT "
               "(user-to-user); mutual-required: the client wants an AP-REP back";
    if (use_session_key)
        return "use-session-key: the ticket is encrypted in the session key of the server's TGT "
               "(user-to-user)";
    if (mutual_required)
        return "mutual-required: the client wants an AP-REP back";
    return NULL;
}

static char *flag_names(guint32 v, const char *const names[32])
{
    GString *s = g_string_new(NULL);
    for (int bit = 0; bit < 32; bit++) {
        if (!(v & BIT(bit)))
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
        return octets_text(a, m);
    }
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "type%" G_GINT64_FORMAT ":", type);
    for (gsize i = 0; i < n && i < 32; i++)
        g_string_append_printf(s, "%02x", a[i]);
    return g_string_free(s, FALSE);
}

/* ---- field tables and the walker ----------------------------------------------- */

typedef struct KrbField KrbField;
typedef struct KrbType KrbType;

/* Decodes the value v found inside one [n] field.  d is the DER depth for
 * the value's own children, td the tree depth of the field's line, rec the
 * result record of the SEQUENCE being walked (see KrbField.out).  Returns
 * false to stop walking the enclosing SEQUENCE. */
typedef bool (*KrbDecodeFn)(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec);
/* SEQUENCE OF: decodes element i; false stops the walk. */
typedef bool (*KrbElemFn)(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec);

enum {
    KF_SILENT = 1 << 0, /* no tree line */
    KF_APPEND = 1 << 1, /* INTEGER appended to the INTLIST key (at most TW_KRB5_MAX_LIST) */
    KF_UINT32 = 1 << 2, /* INTEGER is an RFC 4120 5.2.4 UInt32 */
    KF_TOP = 1 << 3,    /* Ticket: the message's own, naming its realm and service */
    KF_STOP = 1 << 4,   /* an unreadable value stops the walk of the enclosing SEQUENCE */
    KF_OCTETS = 1 << 5, /* salt: an OCTET STRING, not a KerberosString */
};

#define REQ false
#define OPT true

struct KrbField {
    guint32 tag;                        /* context tag [n] */
    const char *name;                   /* RFC 4120 field name, also the tree label */
    bool optional;                      /* RFC 4120 OPTIONAL (documentation, see top) */
    KrbDecodeFn decode;                 /* the field's type; NULL: known but not decoded */
    const KrbType *sub;                 /* dec_sequence: the SEQUENCE's table */
    const char *key;                    /* event key the value sets */
    const char *key2;                   /* PrincipalName: its name-type; EncryptedData: its kvno;
                                         * INTEGER: the value's name */
    gsize out;                          /* 1 + offset of the value in the walk's record; 0: none */
    const char *note;                   /* teaching note */
    const char *(*note_of)(gint64 v);   /* teaching note that depends on the value */
    const char *(*name_of)(gint64 v);   /* INTEGER shown as "v (name)" */
    const char *const *bits;            /* KerberosFlags: bit names */
    KrbElemFn elem;                     /* SEQUENCE OF: the element decoder */
    const char *label;                  /* tree label when it is not the field name */
    guint flags;                        /* KF_* */
    const char *spec;                   /* where the field's type is defined */
};

struct KrbType {
    const char *name; /* ASN.1 type */
    const char *spec;
    const KrbField *fields;
    gsize n_fields;
};

#define FIELD(tag_, name_, opt_, decode_, ...)                                                    \
    { .tag = (tag_), .name = (name_), .optional = (opt_), .decode = (decode_), __VA_ARGS__ }
#define KRB_TYPE(var, asn1, spec_, ...)                                                           \
    static const KrbField var##_fields[] = { __VA_ARGS__ };                                       \
    static const KrbType var = { (asn1), (spec_), var##_fields, G_N_ELEMENTS(var##_fields) }
#define OUT(type, member) .out = offsetof(type, member) + 1

static void *out_slot(void *rec, const KrbField *f)
{
    return (char *)rec + f->out - 1;
}

static const char *label_of(const KrbField *f)
{
    return (f->flags & KF_SILENT) ? NULL : f->label ? f->label : f->name;
}

/* THE walker: decodes the SEQUENCE seq from its table.  Fields come in any
 * order; a tag the table does not know is skipped (RFC 4120 5.1 leaves room
 * for extensions); a field present twice is decoded twice (the last value
 * wins in the event). */
static void walk(Krb *k, const KrbType *type, TwCursor *seq, guint d, guint td, void *rec)
{
    guint32 tag;
    TwDerTlv v;
    while (next_field(k, seq, &tag, &v, d)) {
        const KrbField *f = NULL;
        for (gsize i = 0; i < type->n_fields && !f; i++)
            if (type->fields[i].tag == tag)
                f = &type->fields[i];
        if (f && f->decode && !f->decode(k, f, &v, d + 2, td, rec))
            break;
    }
}

/* Opens t as a SEQUENCE and walks it from its table. */
static bool walk_value(Krb *k, const KrbType *type, TwDerTlv *t, guint d, guint td, void *rec)
{
    TwCursor seq;
    if (!open_seq(k, t, &seq))
        return false;
    walk(k, type, &seq, d + 1, td, rec);
    return true;
}

static void walk_seq_of(Krb *k, TwCursor *seq, guint d, guint td, KrbElemFn elem, void *rec)
{
    for (guint i = 0; !tw_cursor_at_end(seq); i++) {
        TwDerTlv e;
        if (!tw_der_read(seq, &e, d) || !elem(k, &e, d, td, i, rec))
            break;
    }
}

/* ---- generic decoders ------------------------------------------------------------ */

/* A SEQUENCE OF field: heading (after a successful open), then f->elem on
 * each element with rec (the walk's record, or the caller's). */
static bool seq_of_field(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TwCursor seq;
    if (!open_seq(k, v, &seq))
        return false;
    HEAD(k, td, label_of(f), f->note);
    walk_seq_of(k, &seq, d + 1, td + 1, f->elem, rec);
    note(k, &seq);
    return true;
}

static bool dec_seq_of(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    return seq_of_field(k, f, v, d, td, rec) || !(f->flags & KF_STOP);
}

/* An INTEGER read into x: tree line, record slot, event key(s). */
static void int_value(Krb *k, const KrbField *f, gint64 x, guint td, void *rec)
{
    const char *label = label_of(f);
    const char *nm = f->name_of && ((k->tree && label) || f->key2) ? f->name_of(x) : NULL;
    if (label && k->tree) {
        const char *nt = f->note_of ? f->note_of(x) : f->note;
        if (f->name_of)
            TREE(k, td, label, nt, "%" G_GINT64_FORMAT " (%s)", x, nm ? nm : "unknown");
        else
            TREE(k, td, label, nt, "%" G_GINT64_FORMAT, x);
    }
    if (f->out)
        *(gint64 *)out_slot(rec, f) = x;
    if (f->key && (f->flags & KF_APPEND))
        append_capped(k, f->key, x);
    else if (f->key)
        tw_event_set_int(k->ev, f->key, x);
    if (f->key2 && nm)
        tw_event_set_str(k->ev, f->key2, nm);
}

/* Reads an INTEGER (a UInt32 with KF_UINT32).  A record slot is read in
 * place: an unreadable INTEGER leaves it 0 (tw_der_integer's value). */
static bool read_int(Krb *k, const KrbField *f, TwDerTlv *v, gint64 *x, void *rec)
{
    gint64 *dst = f->out ? out_slot(rec, f) : x;
    if (!((f->flags & KF_UINT32) ? get_uint32(k, v, dst) : get_int(k, v, dst)))
        return false;
    *x = *dst;
    return true;
}

/* INTEGER (RFC 4120 5.2.4 Int32 / UInt32). */
static bool dec_int(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gint64 x;
    if (read_int(k, f, v, &x, rec))
        int_value(k, f, x, td, rec);
    return true;
}

/* The value of a field's TLV was not captured whole (snaplen, the end of
 * the frame) or is longer than a copy cap: what it yields is a prefix,
 * marked KEY_truncated in the event (docs/events.md). */
static bool tlv_cut(const TwDerTlv *v, gsize cap)
{
    return v->content.len < v->content.reported || v->content.len > cap;
}

/* RFC 4120 5.2.1 KerberosString / Realm. A record slot (char *) takes it
 * even when it cannot be read (NULL). */
static bool dec_string(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    bool cut = tlv_cut(v, TW_DER_MAX_STRING);
    char *s = get_str(k, v);
    if (s)
        TREE(k, td, label_of(f), f->note, "%s", s);
    if (f->out) {
        char **dst = out_slot(rec, f);
        g_free(*dst);
        *dst = s;
    } else if (f->key && s) {
        tw_event_take_str(k->ev, f->key, s);
        if (cut)
            tw_event_mark_truncated(k->ev, f->key);
    } else {
        g_free(s);
    }
    return true;
}

/* RFC 4120 5.2.3 KerberosTime. */
static bool dec_time(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gint64 tv;
    if (!get_time(k, v, &tv))
        return true;
    if (k->tree) {
        char ts[32];
        tw_format_time(tv, ts);
        TREE(k, td, label_of(f), f->note, "%s", ts);
    }
    if (f->key)
        tw_event_set_time(k->ev, f->key, tv);
    return true;
}

/* OCTET STRING shown by its size only (cipher text, checksums, parameters). */
static bool dec_octets_size(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gsize n;
    get_octets(k, v, &n);
    TREE(k, td, label_of(f), f->note, "%" G_GSIZE_FORMAT " bytes", n);
    return true;
}

/* RFC 4120 5.2.8 KerberosFlags (KDCOptions, APOptions). */
static bool dec_flags(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    guint32 opts;
    bool ok = tw_der_bit_string_u32(v, &opts);
    note(k, &v->content);
    if (!ok)
        return true;
    if (f->key)
        tw_event_set_hex32(k->ev, f->key, opts);
    if (k->tree) {
        g_autofree char *names = flag_names(opts, f->bits);
        TREE(k, td, label_of(f), f->note_of ? f->note_of(opts) : f->note, "0x%08x (%s)", opts, names);
    }
    return true;
}

/* A SEQUENCE-typed field decoded from its own table f->sub, under a heading
 * line (none when the field is KF_SILENT: its lines then sit at td). */
static bool dec_sequence(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    const char *label = label_of(f);
    if (label)
        HEAD(k, td, label, f->note);
    walk_value(k, f->sub, v, d, label ? td + 1 : td, NULL);
    return true;
}

/* pvno / msg-type of every message (RFC 4120 5.4.1 ...): the APPLICATION
 * tag already gave the type; a different msg-type field is kept aside. */
static bool dec_msg_type(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gint64 x;
    if (!get_int(k, v, &x))
        return true;
    int_value(k, f, x, td, rec);
    if (x != tw_event_get_int(k->ev, "msg_type", x))
        tw_event_set_int(k->ev, "msg_type_field", x);
    return true;
}

/* ---- RFC 4120 5.2.2 PrincipalName ----------------------------------------------- */

typedef struct {
    char *name; /* components joined by '/' */
    gint64 type;
    bool cut;   /* a prefix: the TLV was cut or components were dropped */
} KrbName;

static bool name_component(Krb *k, TwDerTlv *s, guint d, guint td, guint i, void *rec)
{
    KrbName *pn = rec;
    char *str = get_str(k, s);
    if (!str)
        return false;
    TREE(k, td, "KerberosString", NULL, "%s", str);
    if (i >= TW_KRB5_MAX_NAME_COMPONENTS)
        pn->cut = true;
    if (i < TW_KRB5_MAX_NAME_COMPONENTS) {
        char *joined = pn->name ? g_strconcat(pn->name, "/", str, NULL) : g_strdup(str);
        g_free(pn->name);
        pn->name = joined;
    }
    g_free(str);
    return true;
}

KRB_TYPE(principal_name_type, "PrincipalName", "RFC 4120 5.2.2",
    FIELD(0, "name-type", REQ, dec_int, OUT(KrbName, type), .name_of = name_type_name,
          .note = "how to read the name components", .spec = "5.2.2 Int32"),
    FIELD(1, "name-string", REQ, dec_seq_of, .elem = name_component, .flags = KF_STOP,
          .spec = "5.2.2 SEQUENCE OF KerberosString"));

/* A PrincipalName field: into the record (a KrbName), or the joined name
 * into the event as key and its name-type as key2. */
static bool dec_principal(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    KrbName pn = { 0 };
    HEAD(k, td, label_of(f), f->note);
    walk_value(k, &principal_name_type, v, d, td + 1, &pn);
    pn.cut |= tlv_cut(v, G_MAXSIZE);
    if (f->out) {
        KrbName *dst = out_slot(rec, f);
        g_free(dst->name);
        *dst = pn;
    } else if (f->key && pn.name) {
        tw_event_take_str(k->ev, f->key, pn.name);
        if (pn.cut)
            tw_event_mark_truncated(k->ev, f->key);
        if (f->key2)
            tw_event_set_int(k->ev, f->key2, pn.type);
    } else {
        g_free(pn.name);
    }
    return true;
}

/* ---- RFC 4120 5.2.9 EncryptedData ------------------------------------------------- */

typedef struct {
    gint64 etype, kvno; /* -1: absent */
} EncInfo;

KRB_TYPE(encrypted_data_type, "EncryptedData", "RFC 4120 5.2.9",
    FIELD(0, "etype", REQ, dec_int, OUT(EncInfo, etype), .name_of = etype_name,
          .note = "encryption type of the cipher text", .spec = "5.2.9 Int32"),
    FIELD(1, "kvno", OPT, dec_int, OUT(EncInfo, kvno), .flags = KF_UINT32,
          .note = "version of the key it is encrypted with", .spec = "5.2.4 UInt32"),
    FIELD(2, "cipher", REQ, dec_octets_size, .note = "encrypted: needs the key to read", .spec = "5.2.9 OCTET STRING"));

static EncInfo parse_encrypted_data(Krb *k, TwDerTlv *t, guint d, guint td, const char *label, const char *lnote)
{
    EncInfo e = { -1, -1 };
    HEAD(k, td, label, lnote);
    walk_value(k, &encrypted_data_type, t, d, td + 1, &e);
    return e;
}

/* An EncryptedData field: into the record (an EncInfo), or its etype into
 * the event as key and its kvno as key2. */
static bool dec_encrypted_data(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    EncInfo e = parse_encrypted_data(k, v, d, td, label_of(f), f->note);
    if (f->out)
        *(EncInfo *)out_slot(rec, f) = e;
    if (f->key && e.etype != -1)
        tw_event_set_int(k->ev, f->key, e.etype);
    if (f->key2 && e.kvno >= 0)
        tw_event_set_int(k->ev, f->key2, e.kvno);
    return true;
}

/* ---- RFC 4120 5.3 Ticket ----------------------------------------------------------- */

typedef struct {
    char *realm;
    bool realm_cut;
    KrbName sname;
    EncInfo enc;
} TicketInfo;

/* Ticket realm into the record, remembering whether it was cut. */
static bool dec_ticket_realm(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TicketInfo *ti = rec;
    ti->realm_cut = tlv_cut(v, TW_DER_MAX_STRING);
    return dec_string(k, f, v, d, td, rec);
}

#define TICKET_NOTE "the service ticket: readable only by the service (and the KDC)"

KRB_TYPE(ticket_type, "Ticket", "RFC 4120 5.3",
    FIELD(0, "tkt-vno", REQ, dec_int, .note = "ticket format version (5)", .spec = "5.3 INTEGER (5)"),
    FIELD(1, "realm", REQ, dec_ticket_realm, OUT(TicketInfo, realm), .note = "realm of the service", .spec = "5.2.2 Realm"),
    FIELD(2, "sname", REQ, dec_principal, OUT(TicketInfo, sname), .note = "the service the ticket is for",
          .spec = "5.2.2 PrincipalName"),
    FIELD(3, "enc-part", REQ, dec_encrypted_data, OUT(TicketInfo, enc),
          .note = "encrypted with the service's long-term key", .spec = "5.2.9 EncryptedData"));

static void ticket_clear(TicketInfo *ti)
{
    g_free(ti->realm);
    g_free(ti->sname.name);
    memset(ti, 0, sizeof *ti);
}

/* Ticket ::= [APPLICATION 1] SEQUENCE */
static void parse_ticket(Krb *k, TwDerTlv *t, TicketInfo *ti, guint d, guint td)
{
    memset(ti, 0, sizeof *ti);
    ti->enc.etype = ti->enc.kvno = -1;
    HEAD(k, td, "ticket", TICKET_NOTE);
    TwDerTlv st;
    if (open_app(k, t, 1, &st, d))
        walk_value(k, &ticket_type, &st, d + 1, td + 1, ti);
}

/* The ticket's fields into the event; a message's own ticket (`top`) also
 * names the message's realm and service. */
static void set_ticket_fields(Krb *k, TicketInfo *ti, bool top)
{
    if (ti->realm) {
        tw_event_set_str(k->ev, "ticket_realm", ti->realm);
        if (ti->realm_cut)
            tw_event_mark_truncated(k->ev, "ticket_realm");
    }
    if (ti->sname.name) {
        tw_event_set_str(k->ev, "ticket_sname", ti->sname.name);
        if (ti->sname.cut)
            tw_event_mark_truncated(k->ev, "ticket_sname");
    }
    if (ti->enc.etype != -1)
        tw_event_set_int(k->ev, "ticket_etype", ti->enc.etype);
    if (ti->enc.kvno >= 0) {
        tw_event_set_int(k->ev, "ticket_kvno", ti->enc.kvno);
        tw_event_set_int(k->ev, "kvno", ti->enc.kvno);
    }
    if (top) {
        if (ti->realm) {
            tw_event_set_str(k->ev, "realm", ti->realm);
            if (ti->realm_cut)
                tw_event_mark_truncated(k->ev, "realm");
        }
        if (ti->sname.name) {
            tw_event_set_str(k->ev, "sname", ti->sname.name);
            if (ti->sname.cut)
                tw_event_mark_truncated(k->ev, "sname");
            tw_event_set_int(k->ev, "sname_type", ti->sname.type);
        }
    }
}

static bool ticket_fields(Krb *k, TwDerTlv *v, guint d, guint td, bool top)
{
    TicketInfo ti;
    parse_ticket(k, v, &ti, d, td);
    set_ticket_fields(k, &ti, top);
    ticket_clear(&ti);
    return true;
}

/* A Ticket field: KDC-REP's and AP-REQ's (KF_TOP), or the TGT inside a PA-TGS-REQ. */
static bool dec_ticket(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    return ticket_fields(k, v, d, td, (f->flags & KF_TOP) != 0);
}

static bool additional_ticket(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    TicketInfo ti;
    parse_ticket(k, e, &ti, d, td);
    if (i == 0 && ti.sname.name) {
        tw_event_set_str(k->ev, "additional_ticket_sname", ti.sname.name);
        if (ti.sname.cut)
            tw_event_mark_truncated(k->ev, "additional_ticket_sname");
    }
    ticket_clear(&ti);
    return true;
}

/* The first forwarded ticket names the message's service. */
static bool cred_ticket(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    return ticket_fields(k, e, d, td, i == 0);
}

static bool enctype_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    GArray *list = rec;
    gint64 et;
    if (!get_int(k, e, &et))
        return false;
    TREE(k, td, "ENCTYPE", NULL, "%" G_GINT64_FORMAT " (%s)", et, etype_name(et));
    if (list->len < TW_KRB5_MAX_LIST)
        g_array_append_val(list, et);
    return true;
}

/* RFC 4120 5.4.1 etype: SEQUENCE OF Int32, into an INTLIST key. */
static bool dec_etype_list(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (seq_of_field(k, f, v, d, td, list))
        tw_event_take_intlist(k->ev, f->key, list);
    else
        g_array_unref(list);
    return true;
}

/* ---- RFC 4120 5.2.5 HostAddress(es) ------------------------------------------------ */

typedef struct {
    gint64 type;
    const guint8 *bytes;
    gsize n;
} HostAddrRec;

static bool dec_address_octets(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    HostAddrRec *ha = rec;
    ha->bytes = get_octets(k, v, &ha->n);
    return true;
}

KRB_TYPE(host_address_type, "HostAddress", "RFC 4120 5.2.5",
    FIELD(0, "addr-type", REQ, dec_int, OUT(HostAddrRec, type), .flags = KF_SILENT, .spec = "5.2.5 Int32"),
    FIELD(1, "address", REQ, dec_address_octets, .spec = "5.2.5 OCTET STRING"));

/* KRB-SAFE-BODY s-address / r-address. */
static bool dec_host_address(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    HostAddrRec ha = { .type = -1 };
    if (walk_value(k, &host_address_type, v, d, td, &ha) && ha.bytes) {
        char *a = format_address(ha.type, ha.bytes, ha.n);
        TREE(k, td, label_of(f), f->note, "%s", a);
        tw_event_take_str(k->ev, f->key, a);
    }
    return true;
}

static bool host_address_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    GPtrArray *list = rec;
    HostAddrRec ha = { .type = -1 };
    if (!walk_value(k, &host_address_type, e, d, td, &ha))
        return false;
    if (ha.bytes) {
        char *s = format_address(ha.type, ha.bytes, ha.n);
        TREE(k, td, "HostAddress", address_note(ha.type), "%s", s);
        if (list->len < TW_KRB5_MAX_LIST)
            g_ptr_array_add(list, s);
        else
            g_free(s);
    }
    return true;
}

/* RFC 4120 5.4.1 addresses (heading even when unreadable), into a STRLIST key. */
static bool dec_host_addresses(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TwCursor seq;
    HEAD(k, td, label_of(f), f->note);
    if (!open_seq(k, v, &seq))
        return true;
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    walk_seq_of(k, &seq, d + 1, td + 1, host_address_elem, list);
    note(k, &seq);
    bool cut = tlv_cut(v, G_MAXSIZE);
    if (list->len) {
        tw_event_take_strlist(k->ev, f->key, list);
        if (cut) /* the last name may be a prefix, later ones missing */
            tw_event_mark_truncated(k->ev, f->key);
    }
    else
        g_ptr_array_unref(list);
    return true;
}

/* ---- RFC 4120 5.2.7 PA-DATA ------------------------------------------------------- */

/* RFC 4120 5.2.7.5 ETYPE-INFO2 / 5.2.7.4 ETYPE-INFO: the salts the client must use.
 * ETYPE-INFO2's salt is a KerberosString, ETYPE-INFO's (KF_OCTETS) an OCTET STRING.
 * The first non-empty one goes into the event (RC4 entries carry an empty salt). */
static bool dec_salt(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    char *salt = NULL;
    gsize n;
    const guint8 *p;
    bool cut = tlv_cut(v, TW_DER_MAX_STRING);
    if (!(f->flags & KF_OCTETS))
        salt = get_str(k, v);
    else if ((p = get_octets(k, v, &n)))
        salt = octets_text(p, n);
    if (!salt)
        return true;
    TREE(k, td, label_of(f), f->note, "%s", salt);
    if (salt[0] && !tw_event_has(k->ev, f->key)) {
        tw_event_set_str(k->ev, f->key, salt);
        if (cut)
            tw_event_mark_truncated(k->ev, f->key);
    }
    g_free(salt);
    return true;
}

#define ETYPE_INFO_ETYPE                                                                           \
    FIELD(0, "etype", REQ, dec_int, .key = "salt_etypes", .flags = KF_APPEND, .name_of = etype_name,  \
          .note = "an encryption type the account has a key for", .spec = "5.2.9 Int32")
#define ETYPE_INFO_SALT_NOTE "mixed with the password to make the key (machine: REALMhostname.realm)"
#define ETYPE_INFO_S2KPARAMS                                                                       \
    FIELD(2, "s2kparams", OPT, dec_octets_size, .note = "string-to-key parameters (iteration count)", \
          .spec = "5.2.7.5 OCTET STRING")

KRB_TYPE(etype_info_entry_type, "ETYPE-INFO-ENTRY", "RFC 4120 5.2.7.4",
    ETYPE_INFO_ETYPE,
    FIELD(1, "salt", OPT, dec_salt, .key = "salt", .flags = KF_OCTETS, .note = ETYPE_INFO_SALT_NOTE,
          .spec = "5.2.7.4 OCTET STRING"),
    ETYPE_INFO_S2KPARAMS); /* not in ETYPE-INFO-ENTRY: read as in ETYPE-INFO2-ENTRY */

KRB_TYPE(etype_info2_entry_type, "ETYPE-INFO2-ENTRY", "RFC 4120 5.2.7.5",
    ETYPE_INFO_ETYPE,
    FIELD(1, "salt", OPT, dec_salt, .key = "salt", .note = ETYPE_INFO_SALT_NOTE, .spec = "5.2.1 KerberosString"),
    ETYPE_INFO_S2KPARAMS);

static bool etype_info_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    const KrbType *entry = rec;
    TwCursor es;
    if (!open_seq(k, e, &es))
        return false;
    HEAD(k, td, entry->name, NULL);
    walk(k, entry, &es, d + 1, td + 1, NULL);
    return true;
}

static void parse_etype_info(Krb *k, const guint8 *p, gsize n, const KrbType *entry, guint d, guint td)
{
    TwCursor c = tw_cursor_init(p, n);
    TwDerTlv t;
    TwCursor seq;
    if (!tw_der_read(&c, &t, d)) {
        note(k, &c);
        return;
    }
    if (!open_seq(k, &t, &seq))
        return;
    walk_seq_of(k, &seq, d + 1, td, etype_info_elem, (void *)entry);
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
    tw_event_set_hex32(k->ev, "nt_status", status);
    tw_event_set_int(k->ev, "ext_error_flags", flags);
    TREE(k, td, "KERB-EXT-ERROR.status", "NTSTATUS: the Windows reason (e.g. 0xc0000072 account disabled)",
         "0x%08x", status);
    TREE(k, td, "KERB-EXT-ERROR.reserved", NULL, "0x%08x", reserved);
    TREE(k, td, "KERB-EXT-ERROR.flags", "1 = KDC-generated", "0x%08x", flags);
}

static bool dec_include_pac(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    if (v->tag != TW_DER_TAG_BOOLEAN || v->len != 1)
        return true;
    guint8 b = tw_cursor_u8(&v->content);
    tw_event_set_bool(k->ev, f->key, b != 0);
    TREE(k, td, label_of(f), f->note, "%s", b ? "true" : "false");
    return true;
}

KRB_TYPE(pa_pac_request_type, "KERB-PA-PAC-REQUEST", "MS-KILE 2.2.3",
    FIELD(0, "include-pac", REQ, dec_include_pac, .key = "pac_request",
          .note = "ask the KDC to put the PAC (group memberships) in the ticket", .spec = "BOOLEAN"));

KRB_TYPE(pa_for_user_type, "PA-FOR-USER", "MS-SFU 2.2.1",
    FIELD(0, "userName", REQ, dec_principal, .key = "for_user",
          .note = "S4U2Self: the user the service wants a ticket for", .spec = "RFC 4120 5.2.2 PrincipalName"),
    FIELD(1, "userRealm", REQ, dec_string, .key = "for_user_realm", .spec = "RFC 4120 5.2.2 Realm"),
    FIELD(2, "cksum", REQ, NULL, .spec = "RFC 4120 5.2.9 Checksum"),
    FIELD(3, "auth-package", REQ, NULL, .spec = "KerberosString"));

/* RFC 4120 5.5.1 AP-REQ, as the PA-TGS-REQ padata-value carries it: the
 * outer message's pvno and msg-type are the ones shown. */
KRB_TYPE(pa_tgs_ap_req_type, "AP-REQ", "RFC 4120 5.5.1 (in PA-TGS-REQ, 5.4.1)",
    FIELD(0, "pvno", REQ, NULL),
    FIELD(1, "msg-type", REQ, NULL),
    FIELD(2, "ap-options", REQ, dec_flags, .bits = ap_option_names, .note_of = ap_options_note,
          .spec = "5.5.1 APOptions"),
    FIELD(3, "ticket", REQ, dec_ticket, .spec = "5.3 Ticket"),
    FIELD(4, "authenticator", REQ, dec_encrypted_data, .key = "authenticator_etype",
          .note = "client name and time, encrypted with the session key", .spec = "5.2.9 EncryptedData"));

/* A DER value carried in an OCTET STRING, walked from its table. */
static void walk_octets(Krb *k, const KrbType *type, const guint8 *p, gsize n, guint d, guint td)
{
    TwCursor c = tw_cursor_init(p, n);
    TwDerTlv t;
    if (!tw_der_read(&c, &t, d)) {
        note(k, &c);
        return;
    }
    walk_value(k, type, &t, d, td, NULL);
}

/* padata-value, by padata-type. */
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
        TwDerTlv t, st;
        if (!tw_der_read(&c, &t, d) || !open_app(k, &t, TW_KRB5_AP_REQ, &st, d)) {
            note(k, &c);
            return;
        }
        HEAD(k, td, "AP-REQ", "authenticates the client to the TGS with its TGT");
        walk_value(k, &pa_tgs_ap_req_type, &st, d + 1, td + 1, NULL);
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
        EncInfo e = parse_encrypted_data(k, &t, d + 1, td, "PA-ENC-TS-ENC",
                                         "current time encrypted with the client's key: proves the password");
        if (e.etype != -1)
            tw_event_set_int(k->ev, "pa_enc_timestamp_etype", e.etype);
        if (e.kvno >= 0)
            tw_event_set_int(k->ev, "pa_enc_timestamp_kvno", e.kvno);
        return;
    }
    case 3: { /* PA-PW-SALT, or MS-KILE KERB-EXT-ERROR in e-data (same tag) */
        if (n == 12) {
            parse_ext_error(k, p, n, td);
            return;
        }
        char *salt = octets_text(p, n);
        TREE(k, td, "salt", "mixed with the password to make the key", "%s", salt);
        if (salt[0] && !tw_event_has(k->ev, "salt"))
            tw_event_set_str(k->ev, "salt", salt);
        g_free(salt);
        return;
    }
    case 11:
        parse_etype_info(k, p, n, &etype_info_entry_type, d, td);
        return;
    case 19:
        parse_etype_info(k, p, n, &etype_info2_entry_type, d, td);
        return;
    case 128: /* MS-KILE 2.2.3 KERB-PA-PAC-REQUEST */
        walk_octets(k, &pa_pac_request_type, p, n, d, td);
        return;
    case 129: /* MS-SFU 2.2.1 PA-FOR-USER (S4U2Self) */
        walk_octets(k, &pa_for_user_type, p, n, d, td);
        return;
    case 165: /* MS-KILE 2.2.8 PA-SUPPORTED-ENCTYPES */
        if (n == 4) {
            guint32 v = p[0] | (p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
            TREE(k, td, "supported-enctypes", "msDS-SupportedEncryptionTypes of the service", "0x%08x", v);
        }
        return;
    default:
        TREE(k, td, "padata-value", tw_krb5_padata_name(type) ? NULL : "unknown type",
             "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
}

/* The record of a type-then-value SEQUENCE: PA-DATA, KERB-ERROR-DATA, TYPED-DATA. */
typedef struct {
    gint64 type;          /* -1 until the type is read */
    const char *list_key; /* PA-DATA: the INTLIST the types go to */
} TypedRec;

static bool dec_padata_type(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TypedRec *pa = rec;
    gint64 x;
    if (read_int(k, f, v, &x, rec)) {
        int_value(k, f, x, td, rec);
        append_capped(k, pa->list_key, x);
    }
    return true;
}

static bool dec_padata_value(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TypedRec *pa = rec;
    gsize n, rep = v->content.reported;
    const guint8 *p = get_octets(k, v, &n);
    if (p)
        parse_pa_value(k, pa->type, p, n, rep, d, td + 1);
    return true;
}

KRB_TYPE(pa_data_type, "PA-DATA", "RFC 4120 5.2.7",
    FIELD(1, "padata-type", REQ, dec_padata_type, OUT(TypedRec, type), .name_of = tw_krb5_padata_name,
          .note_of = padata_note, .spec = "5.2.7 Int32"),
    FIELD(2, "padata-value", REQ, dec_padata_value, .spec = "5.2.7 OCTET STRING, by padata-type"));

static bool pa_data_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    TypedRec pa = { .type = -1, .list_key = rec };
    return walk_value(k, &pa_data_type, e, d, td, &pa);
}

/* SEQUENCE OF PA-DATA; types recorded in `key` (an INTLIST). */
static void parse_padata_seq(Krb *k, TwCursor *seq, const char *key, guint d, guint td)
{
    walk_seq_of(k, seq, d, td, pa_data_elem, (void *)key);
    note(k, seq);
}

/* The padata field of KDC-REQ and KDC-REP (RFC 4120 5.4.1, 5.4.2). */
static bool dec_padata(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TwCursor ps;
    HEAD(k, td, label_of(f), f->note);
    if (open_seq(k, v, &ps))
        parse_padata_seq(k, &ps, f->key, d + 1, td + 1);
    return true;
}

/* ---- messages: RFC 4120 5.4.1 KDC-REQ, 5.4.2 KDC-REP, 5.5.1 AP-REQ --------------- */

#define PVNO(tag) FIELD(tag, "pvno", REQ, dec_int, .note = "protocol version (5)", .spec = "INTEGER (5)")
#define MSG_TYPE(tag) FIELD(tag, "msg-type", REQ, dec_msg_type, .name_of = tw_krb5_msg_name, .spec = "5.10")

KRB_TYPE(kdc_req_body_type, "KDC-REQ-BODY", "RFC 4120 5.4.1",
    FIELD(0, "kdc-options", REQ, dec_flags, .key = "kdc_options", .bits = kdc_option_names,
          .note = "flags the client requests on the ticket", .spec = "5.4.1 KDCOptions"),
    FIELD(1, "cname", OPT, dec_principal, .key = "cname", .key2 = "cname_type",
          .note = "the client (user or machine NAME$)", .spec = "5.2.2 PrincipalName"),
    FIELD(2, "realm", REQ, dec_string, .key = "realm",
          .note = "the realm (AD domain, upper case) of the server and, in AS-REQ, the client", .spec = "5.2.2 Realm"),
    FIELD(3, "sname", OPT, dec_principal, .key = "sname", .key2 = "sname_type",
          .note = "the service asked for (krbtgt/REALM = a TGT)", .spec = "5.2.2 PrincipalName"),
    FIELD(4, "from", OPT, dec_time, .key = "from", .note = "requested start time (postdating)",
          .spec = "5.2.3 KerberosTime"),
    FIELD(5, "till", REQ, dec_time, .key = "till", .note = "requested expiry time", .spec = "5.2.3 KerberosTime"),
    FIELD(6, "rtime", OPT, dec_time, .key = "rtime", .note = "requested renew-until time",
          .spec = "5.2.3 KerberosTime"),
    FIELD(7, "nonce", REQ, dec_int, .key = "nonce", .flags = KF_UINT32,
          .note = "random number echoed in the encrypted reply (pairs reply to request)", .spec = "5.2.4 UInt32"),
    FIELD(8, "etype", REQ, dec_etype_list, .key = "etypes", .elem = enctype_elem,
          .note = "encryption types the client supports, preferred first", .spec = "SEQUENCE OF Int32"),
    FIELD(9, "addresses", OPT, dec_host_addresses, .key = "addresses",
          .note = "client addresses the ticket is restricted to", .spec = "5.2.5 HostAddresses"),
    FIELD(10, "enc-authorization-data", OPT, dec_encrypted_data,
          .note = "authorization data encrypted with the session key", .spec = "5.2.9 EncryptedData"),
    FIELD(11, "additional-tickets", OPT, dec_seq_of, .elem = additional_ticket,
          .note = "S4U2Proxy evidence ticket or user-to-user TGT", .spec = "SEQUENCE OF Ticket (5.3)"));

KRB_TYPE(kdc_req_type, "KDC-REQ", "RFC 4120 5.4.1",
    PVNO(1),
    MSG_TYPE(2),
    FIELD(3, "padata", OPT, dec_padata, .key = "padata", .note = "pre-authentication data",
          .spec = "5.2.7 SEQUENCE OF PA-DATA"),
    FIELD(4, "req-body", REQ, dec_sequence, .sub = &kdc_req_body_type,
          .note = "what the client asks for (in the clear)", .spec = "5.4.1 KDC-REQ-BODY"));

KRB_TYPE(kdc_rep_type, "KDC-REP", "RFC 4120 5.4.2",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "padata", OPT, dec_padata, .key = "padata", .note = "pre-authentication data (salt for the reply key)",
          .spec = "5.2.7 SEQUENCE OF PA-DATA"),
    FIELD(3, "crealm", REQ, dec_string, .key = "crealm", .note = "the client's realm", .spec = "5.2.2 Realm"),
    FIELD(4, "cname", REQ, dec_principal, .key = "cname", .key2 = "cname_type",
          .note = "the client the ticket was issued to", .spec = "5.2.2 PrincipalName"),
    FIELD(5, "ticket", REQ, dec_ticket, .flags = KF_TOP, .spec = "5.3 Ticket"),
    FIELD(6, "enc-part", REQ, dec_encrypted_data, .key = "enc_etype", .key2 = "enc_kvno",
          .note = "session key etc., encrypted with the client's key (AS) or TGT session key (TGS)",
          .spec = "5.2.9 EncryptedData"));

KRB_TYPE(ap_req_type, "AP-REQ", "RFC 4120 5.5.1",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "ap-options", REQ, dec_flags, .key = "ap_options", .bits = ap_option_names, .note_of = ap_options_note,
          .spec = "5.5.1 APOptions"),
    FIELD(3, "ticket", REQ, dec_ticket, .flags = KF_TOP, .spec = "5.3 Ticket"),
    FIELD(4, "authenticator", REQ, dec_encrypted_data, .key = "enc_etype",
          .note = "client name and time, encrypted with the session key", .spec = "5.2.9 EncryptedData"));

/* ---- RFC 4120 5.5.2 AP-REP, 5.6 KRB-SAFE, 5.7 KRB-PRIV, 5.8 KRB-CRED ------------- */

#define SESSION_ENC_PART(tag)                                                                      \
    FIELD(tag, "enc-part", REQ, dec_encrypted_data, .key = "enc_etype", .key2 = "enc_kvno",         \
          .note = "encrypted with the session (or sub-session) key", .spec = "5.2.9 EncryptedData")

KRB_TYPE(ap_rep_type, "AP-REP", "RFC 4120 5.5.2", PVNO(0), MSG_TYPE(1), SESSION_ENC_PART(2));

KRB_TYPE(krb_priv_type, "KRB-PRIV", "RFC 4120 5.7.1", PVNO(0), MSG_TYPE(1), SESSION_ENC_PART(3));

KRB_TYPE(krb_safe_body_type, "KRB-SAFE-BODY", "RFC 4120 5.6.1",
    FIELD(0, "user-data", REQ, dec_octets_size, .spec = "OCTET STRING"),
    FIELD(1, "timestamp", OPT, dec_time, .spec = "5.2.3 KerberosTime"),
    FIELD(2, "usec", OPT, dec_int, .spec = "5.2.4 Microseconds"),
    FIELD(3, "seq-number", OPT, dec_int, .flags = KF_UINT32, .spec = "5.2.4 UInt32"),
    FIELD(4, "s-address", REQ, dec_host_address, .key = "s_address", .note = "sender's address",
          .spec = "5.2.5 HostAddress"),
    FIELD(5, "r-address", OPT, dec_host_address, .key = "r_address", .note = "recipient's address",
          .spec = "5.2.5 HostAddress"));

KRB_TYPE(checksum_type, "Checksum", "RFC 4120 5.2.9",
    FIELD(0, "cksumtype", REQ, dec_int, .label = "cksum.cksumtype", .spec = "5.2.9 Int32"),
    FIELD(1, "checksum", REQ, NULL, .spec = "OCTET STRING"));

KRB_TYPE(krb_safe_type, "KRB-SAFE", "RFC 4120 5.6.1",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "safe-body", REQ, dec_sequence, .sub = &krb_safe_body_type,
          .note = "user data protected by a checksum (not encrypted)", .spec = "5.6.1 KRB-SAFE-BODY"),
    FIELD(3, "cksum", REQ, dec_sequence, .sub = &checksum_type, .flags = KF_SILENT, .spec = "5.2.9 Checksum"));

KRB_TYPE(krb_cred_type, "KRB-CRED", "RFC 4120 5.8.1",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "tickets", REQ, dec_seq_of, .elem = cred_ticket, .note = "forwarded tickets",
          .spec = "SEQUENCE OF Ticket (5.3)"),
    FIELD(3, "enc-part", REQ, dec_encrypted_data, .key = "enc_etype", .note = "credential info (session keys)",
          .spec = "5.2.9 EncryptedData"));

/* ---- RFC 4120 5.9.1 KRB-ERROR ------------------------------------------------------ */

static bool dec_kerb_error_value(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TypedRec *ed = rec;
    gsize vn;
    const guint8 *vp = get_octets(k, v, &vn);
    if (vp && ed->type == 3 && vn == 12)
        parse_ext_error(k, vp, vn, td);
    else if (vp)
        TREE(k, td, label_of(f), f->note, "%" G_GSIZE_FORMAT " bytes", vn);
    return true;
}

/* MS-KILE KERB-ERROR-DATA { data-type [1], data-value [2] } (= one PA-DATA shape). */
KRB_TYPE(kerb_error_data_type, "KERB-ERROR-DATA", "MS-KILE 2.2.1",
    FIELD(1, "data-type", REQ, dec_int, OUT(TypedRec, type), .key = "e_data_type",
          .note_of = kerb_error_data_type_note, .spec = "Int32"),
    FIELD(2, "data-value", OPT, dec_kerb_error_value, .spec = "OCTET STRING (KERB-EXT-ERROR, MS-KILE 2.2.2)"));

static bool dec_typed_data_value(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TypedRec *ed = rec;
    gsize vn;
    const guint8 *vp = get_octets(k, v, &vn);
    if (vp && ed->type == 3 && vn == 12)
        parse_ext_error(k, vp, vn, td + 1);
    return true;
}

KRB_TYPE(typed_data_type, "TYPED-DATA", "RFC 4120 5.9.1",
    FIELD(0, "data-type", REQ, dec_int, OUT(TypedRec, type), .key = "e_data_typed", .flags = KF_APPEND,
          .spec = "Int32"),
    FIELD(1, "data-value", OPT, dec_typed_data_value, .spec = "OCTET STRING"));

static bool typed_data_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    TypedRec ed = { -1, NULL };
    return walk_value(k, &typed_data_type, e, d, td, &ed);
}

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
            char *s = octets_text(p + 2, n - 2);
            TREE(k, td, "result-string", NULL, "%s", s);
            tw_event_take_str(k->ev, "kpasswd_result_string", s);
        }
        return;
    }
    TwCursor c = tw_cursor_init_reported(p, n, reported);
    TwDerTlv t;
    if (!tw_der_read(&c, &t, d) || t.cls != TW_DER_UNIVERSAL || t.tag != TW_DER_TAG_SEQUENCE ||
        !t.constructed) {
        /* Not DER: keep it opaque (not an error in the message itself). */
        TREE(k, td, "e-data", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    TwCursor seq = t.content;
    if (tw_der_next_is(&seq, TW_DER_CONTEXT, 1)) {
        TypedRec ed = { -1, NULL };
        HEAD(k, td, "KERB-ERROR-DATA", "Microsoft extended error");
        walk(k, &kerb_error_data_type, &seq, d + 1, td + 1, &ed);
        return;
    }
    if (tw_der_next_is(&seq, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE)) {
        /* Peek the first element's first tag: [1] = PA-DATA, [0] = TYPED-DATA. */
        TwCursor peek = seq;
        TwDerTlv first;
        if (tw_der_read(&peek, &first, d + 1) && tw_der_next_is(&first.content, TW_DER_CONTEXT, 0)) {
            HEAD(k, td, "TYPED-DATA", NULL);
            walk_seq_of(k, &seq, d + 1, td + 1, typed_data_elem, NULL);
            return;
        }
        HEAD(k, td, "METHOD-DATA", "pre-authentication methods the KDC accepts");
        parse_padata_seq(k, &seq, "e_data_padata", d + 1, td + 1);
        return;
    }
    TREE(k, td, "e-data", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
}

static bool dec_e_data(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gsize n, rep = v->content.reported;
    const guint8 *p = get_octets(k, v, &n);
    if (p) {
        HEAD(k, td, label_of(f), f->note);
        parse_e_data(k, p, n, rep, d, td + 1);
    }
    return true;
}

KRB_TYPE(krb_error_type, "KRB-ERROR", "RFC 4120 5.9.1",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "ctime", OPT, dec_time, .key = "ctime", .note = "the client's time, echoed", .spec = "5.2.3 KerberosTime"),
    FIELD(3, "cusec", OPT, dec_int, .key = "cusec", .note = "microseconds", .spec = "5.2.4 Microseconds"),
    FIELD(4, "stime", REQ, dec_time, .key = "stime",
          .note = "the server's clock: compare with the client's to see skew", .spec = "5.2.3 KerberosTime"),
    FIELD(5, "susec", REQ, dec_int, .key = "susec", .note = "microseconds", .spec = "5.2.4 Microseconds"),
    FIELD(6, "error-code", REQ, dec_int, .key = "error_code", .key2 = "error_name", .name_of = tw_krb5_error_name,
          .note_of = tw_krb5_error_cause, .spec = "5.2.4 Int32, 7.5.9"),
    FIELD(7, "crealm", OPT, dec_string, .key = "crealm", .note = "the client's realm", .spec = "5.2.2 Realm"),
    FIELD(8, "cname", OPT, dec_principal, .key = "cname", .key2 = "cname_type",
          .note = "the client the error is about", .spec = "5.2.2 PrincipalName"),
    FIELD(9, "realm", REQ, dec_string, .key = "realm", .note = "the realm of the server that answers",
          .spec = "5.2.2 Realm"),
    FIELD(10, "sname", REQ, dec_principal, .key = "sname", .key2 = "sname_type",
          .note = "the service that was asked for", .spec = "5.2.2 PrincipalName"),
    FIELD(11, "e-text", OPT, dec_string, .key = "e_text", .note = "free text from the server",
          .spec = "5.2.1 KerberosString"),
    FIELD(12, "e-data", OPT, dec_e_data, .note = "extra error data", .spec = "OCTET STRING"));

/* The table of each message, by RFC 4120 5.10 msg-type. */
static const KrbType *const message_tables[TW_KRB5_ERROR + 1] = {
    [TW_KRB5_AS_REQ] = &kdc_req_type, [TW_KRB5_TGS_REQ] = &kdc_req_type,
    [TW_KRB5_AS_REP] = &kdc_rep_type, [TW_KRB5_TGS_REP] = &kdc_rep_type,
    [TW_KRB5_AP_REQ] = &ap_req_type,  [TW_KRB5_AP_REP] = &ap_rep_type,
    [TW_KRB5_SAFE] = &krb_safe_type,  [TW_KRB5_PRIV] = &krb_priv_type,
    [TW_KRB5_CRED] = &krb_cred_type,  [TW_KRB5_ERROR] = &krb_error_type,
};

/* ---- entry points ------------------------------------------------------------------ */

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
        const KrbType *table = msg_type <= TW_KRB5_ERROR ? message_tables[msg_type] : NULL;
        TwCursor seq;
        if (open_seq(&k, &st, &seq) && table)
            walk(&k, table, &seq, 2, 1, NULL);
    } else {
        note(&k, &app.content);
    }
    note(&k, &c);
    if (k.status != TW_OK) {
        tw_event_set_str(k.ev, "decode_status", tw_status_name(k.status));
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
