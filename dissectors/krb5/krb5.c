/* krb5.c — Kerberos V5 message parser (RFC 4120 section 5), DER only.  One
 * call decodes one APPLICATION-tagged message into one event; everything in
 * the clear is recorded, and with want_tree every field goes into the
 * teaching view under its RFC ASN.1 name.  With keys (TwDissectCtx.keys) the
 * encrypted parts are opened once the message is read and their plain text
 * is walked from the same kind of tables (section "with keys" below; which
 * key opens what: krb5-keys.c).
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
#include "krb5-keys.h"
#include "krb5-tree.h"

#include "dissectors/der/der.h"
#include "core/filetime.h"
#include "core/utf16.h"

#include <stddef.h>
#include <string.h>

/* From MIT <krb5/krb5.h>: declared here because that header's own path
 * (krb5/krb5.h) collides with this directory's krb5.h on the include path.
 * krb5_error_code and krb5_enctype are krb5_int32, krb5_boolean is unsigned. */
extern gint32 krb5_enctype_to_name(gint32 enctype, unsigned int shortest, char *buffer,
                                   size_t buflen);

/* RFC 4120 5.2.9 EncryptedData, as read: the cipher text stays in the
 * message's bytes (borrowed while the message is parsed). */
typedef struct {
    gint64 etype, kvno; /* -1: absent */
    const guint8 *cipher;
    gsize cipher_len;
    bool cipher_cut;    /* the capture cut it: it cannot be decrypted */
} EncInfo;

/* With keys: the encrypted parts of the message, decrypted once the whole
 * message is read (the client name comes after the padata). */
typedef struct {
    EncInfo pa_ts;    /* AS-REQ PA-ENC-TIMESTAMP */
    EncInfo enc;      /* KDC-REP / AP-REP / KRB-PRIV / KRB-CRED enc-part, AP-REQ authenticator */
    EncInfo tgs_auth; /* TGS-REQ: the PA-TGS-REQ authenticator */
    EncInfo ticket;   /* the message's ticket (KDC-REP, AP-REQ; TGS-REQ: the TGT) */
    char *ticket_sname, *ticket_realm;
    bool have_ticket;
    const guint8 *fast; /* the padata-value of PA-FX-FAST (RFC 6113 5.4.2), borrowed */
    gsize fast_len;
} KrbDec;

typedef struct {
    TwEvent *ev;
    gint64 msg_type; /* the APPLICATION tag: the event's msg_type */
    bool tree;
    bool kpasswd;
    TwStatus status; /* first error met anywhere in the message */
    TwDissectCtx *ctx;
    bool show_keys;
    KrbDec dec;
    /* append_capped's last list: the INTLIST of key `lkey` in `lev`.  Kept
     * only while a SEQUENCE OF is walked (list_scope_*), where nothing else
     * sets or removes that key, so the array stays the field's. */
    TwEvent *lev;
    const char *lkey;
    GArray *list;
} Krb;

#define TREE(k, td, name, note, ...)                                                           \
    do {                                                                                       \
        if ((k)->tree)                                                                         \
            tw_event_tree_add((k)->ev, (td), (name), (note), __VA_ARGS__);                     \
    } while (0)
#define HEAD(k, td, name, note) TREE(k, td, name, note, NULL) /* a heading line: no value */
/* As TREE, with the spec section of the field (shown as [spec]). */
#define TREE_SPEC(k, td, name, spec, note, ...)                                                \
    do {                                                                                       \
        if ((k)->tree)                                                                         \
            tw_event_tree_add_spec((k)->ev, (td), (name), (spec), (note), __VA_ARGS__);        \
    } while (0)

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
    /* The common case first: a constructed [n] and the value inside it,
     * both plain headers (tw_der_plain_header) within the depth cap, where
     * the reads below meet no error and note nothing. */
    if (seq->status == TW_OK && d + 1 <= TW_DER_MAX_DEPTH) {
        gsize flen, fhdr, vlen, vhdr;
        const guint8 *p = seq->p + seq->off;
        if (tw_der_plain_header(p, seq->len - seq->off, &flen, &fhdr) &&
            (p[0] & 0xe0) == 0xa0 /* X.690 8.1.2: context class, constructed */ &&
            tw_der_plain_header(p + fhdr, flen, &vlen, &vhdr)) {
            tw_der_plain_tlv(p + fhdr, vlen, vhdr, inner);
            seq->off += fhdr + flen;
            *tag = p[0] & 0x1f;
            return true;
        }
    }
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

/* The two's complement value of the n (1..8) octets at b (X.690 8.3.3). */
static gint64 int_octets(const guint8 *b, gsize n)
{
    if (n == 1) /* the common one-octet INTEGER (etypes, name types, small tags) */
        return (gint8)b[0];
    guint64 x = (b[0] & 0x80) ? G_MAXUINT64 : 0;
    for (gsize i = 0; i < n; i++)
        x = (x << 8) | b[i];
    return (gint64)x;
}

static inline __attribute__((always_inline)) bool get_int(Krb *k, TwDerTlv *t, gint64 *v)
{
    /* tw_der_integer's plain case first: a primitive universal INTEGER of
     * 1 to 8 octets (X.690 8.3), unread and captured whole. */
    TwCursor *c = &t->content;
    if (c->status == TW_OK && c->off == 0 && t->cls == TW_DER_UNIVERSAL && t->tag == TW_DER_TAG_INTEGER &&
        !t->constructed && t->len - 1 < 8 && t->len <= c->len) {
        *v = int_octets(c->p, t->len);
        c->off = t->len;
        return true;
    }
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

/* get_str without a copy when the octets are the text (tw_der_string_view):
 * *n bytes, no NUL among them; *owned to g_free. */
static const char *get_str_view(Krb *k, TwDerTlv *t, gsize *n, char **owned)
{
    if (t->cls != TW_DER_UNIVERSAL) {
        tw_cursor_fail(&t->content, TW_MALFORMED);
        note(k, &t->content);
        *n = 0;
        *owned = NULL;
        return NULL;
    }
    const char *s = tw_der_string_view(t, n, owned);
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

/* Appends to an INTLIST key, at most TW_KRB5_MAX_LIST values.  Within a
 * list scope the list found (or made) is remembered for the next value. */
static void append_capped(Krb *k, const char *key, gint64 v)
{
    if (k->lkey == key && k->lev == k->ev && k->list) {
        if (k->list->len < TW_KRB5_MAX_LIST)
            g_array_append_val(k->list, v);
        return;
    }
    const TwField *f = tw_event_get(k->ev, key);
    GArray *a;
    if (f && f->type == TW_FIELD_INTLIST) {
        a = f->v.ilist; /* the list is the event's: one lookup */
        if (a->len < TW_KRB5_MAX_LIST)
            g_array_append_val(a, v);
    } else {
        /* tw_event_append_int's new list (from the thread's pool of emptied
         * lists, core/event.c) made here: no INTLIST is there, so no second
         * lookup inside it, and the array is in hand (no lookup after) */
        a = tw_event_intlist_new();
        g_array_append_val(a, v);
        tw_event_take_intlist(k->ev, key, a);
    }
    if (k->lev == k->ev) {
        k->lkey = key;
        k->list = a;
    }
}

/* A list scope: the walk of one SEQUENCE OF whose elements append to lists
 * no other code sets.  Scopes nest; the inner one's end forgets the list. */
static void list_scope_begin(Krb *k)
{
    k->lev = k->ev;
    k->lkey = NULL;
    k->list = NULL;
}

static void list_scope_end(Krb *k)
{
    k->lev = NULL;
    k->lkey = NULL;
    k->list = NULL;
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

/* An etype field's note: the weakness of a weak etype, else the field's meaning. */
static const char *cipher_etype_note(gint64 et)
{
    const char *weak = tw_krb5_etype_weak_note(et);
    return weak ? weak : "encryption type of the cipher text";
}

static const char *salt_etype_note(gint64 et)
{
    const char *weak = tw_krb5_etype_weak_note(et);
    return weak ? weak : "an encryption type the account has a key for";
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

/* The decimal digits of b (0..255) at t; returns the end. */
static char *put_octet_dec(char *t, guint b)
{
    if (b >= 100)
        *t++ = (char)('0' + b / 100);
    if (b >= 10)
        *t++ = (char)('0' + b / 10 % 10);
    *t++ = (char)('0' + b % 10);
    return t;
}

static char *format_address(gint64 type, const guint8 *a, gsize n)
{
    if (type == 2 && n == 4) { /* "%u.%u.%u.%u" */
        char buf[16], *t = buf;
        for (int i = 0; i < 4; i++) {
            if (i)
                *t++ = '.';
            t = put_octet_dec(t, a[i]);
        }
        return g_strndup(buf, (gsize)(t - buf));
    }
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
        if (tw_der_ascii_text(a, m)) /* octets_text's copy, with nothing to replace */
            return g_strndup((const char *)a, m);
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
    KF_ENC_PART = 1 << 6, /* EncryptedData: the message's own enc-part / AP-REQ authenticator (with keys) */
    KF_TGS_AUTH = 1 << 7, /* EncryptedData: the PA-TGS-REQ authenticator (with keys) */
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
    const TwFlagTable *bits;            /* KerberosFlags: the word bit by bit (core/tw-flags.h) */
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
        /* The tables list their tags in order, each once, most from 0 or 1:
         * look where the tag would sit before searching. */
        const KrbField *f = NULL;
        if (tag < type->n_fields && type->fields[tag].tag == tag)
            f = &type->fields[tag];
        else if (tag >= 1 && tag - 1 < type->n_fields && type->fields[tag - 1].tag == tag)
            f = &type->fields[tag - 1];
        for (gsize i = 0; i < type->n_fields && !f; i++)
            if (type->fields[i].tag == tag)
                f = &type->fields[i];
        guint first = k->tree ? tw_event_tree_len(k->ev) : 0;
        bool go = !(f && f->decode) || f->decode(k, f, &v, d + 2, td, rec);
        if (k->tree && f && tw_event_tree_len(k->ev) > first) {
            g_autofree char *spec = tw_krb5_field_spec(type->spec, f->spec);
            tw_event_tree_set_spec(k->ev, first, spec, false);
        }
        if (!go)
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
    if (!k->tree && !f->key2) { /* no tree line, no name: the slot and the key only */
        if (f->out)
            *(gint64 *)out_slot(rec, f) = x;
        if (f->key && (f->flags & KF_APPEND))
            append_capped(k, f->key, x);
        else if (f->key)
            tw_event_set_int(k->ev, f->key, x);
        return;
    }
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
    TwCursor *c = &v->content;
    if (!k->tree && !f->key2 && c->status == TW_OK && c->off == 0 && v->cls == TW_DER_UNIVERSAL &&
        v->tag == TW_DER_TAG_INTEGER && !v->constructed && v->len - 1 < 8 && v->len <= c->len) {
        /* get_int's plain case (X.690 8.3: 1..8 octets, captured), then
         * get_uint32, read_int and int_value without a tree or a name */
        gint64 x = int_octets(c->p, v->len);
        c->off = v->len;
        if ((f->flags & KF_UINT32) && x < 0 && x >= G_MININT32 && v->len <= 4)
            x += G_GINT64_CONSTANT(0x100000000);
        if (f->out)
            *(gint64 *)out_slot(rec, f) = x;
        if (f->key && (f->flags & KF_APPEND))
            append_capped(k, f->key, x);
        else if (f->key)
            tw_event_set_int(k->ev, f->key, x);
        return true;
    }
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
    TwCursor *c = &v->content;
    if (!k->tree && !f->out && v->cls == TW_DER_UNIVERSAL && !v->constructed && c->status == TW_OK && c->off == 0 &&
        c->len == c->reported && c->len <= TW_DER_MAX_STRING && tw_der_ascii_text(c->p, c->len)) {
        /* get_str_view's plain case (tw_der_string_view): the octets are
         * the text, captured whole within the cap (not cut) */
        c->off = c->len;
        if (f->key)
            tw_event_set_strn(k->ev, f->key, (const char *)c->p, c->len);
        return true;
    }
    bool cut = tlv_cut(v, TW_DER_MAX_STRING);
    if (!f->out) {
        /* into the event: copied once, from the packet when it can be */
        char *owned;
        gsize n;
        const char *t = get_str_view(k, v, &n, &owned);
        if (t)
            TREE(k, td, label_of(f), f->note, "%.*s", (int)n, t);
        if (f->key && t) {
            tw_event_set_strn(k->ev, f->key, t, n);
            if (cut)
                tw_event_mark_truncated(k->ev, f->key);
        }
        g_free(owned);
        return true;
    }
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
    TwCursor *c = &v->content;
    if (!k->tree && c->status == TW_OK && c->off == 0 && c->len == c->reported && v->cls == TW_DER_UNIVERSAL &&
        v->tag == TW_DER_TAG_BIT_STRING && !v->constructed && v->len >= 1 && c->p[0] <= 7) {
        /* tw_der_bit_string_u32's plain case (X.690 8.6: the unused-bits
         * octet 0..7, captured): the first 32 bits, missing octets 0 */
        guint32 x = 0;
        if (v->len >= 5) /* the usual 32 bits and more: one big-endian word */
            x = (guint32)c->p[1] << 24 | (guint32)c->p[2] << 16 | (guint32)c->p[3] << 8 | c->p[4];
        else
            for (gsize i = 1; i <= 4; i++)
                x = (x << 8) | (i < v->len ? c->p[i] : 0);
        c->off = c->len;
        if (f->key)
            tw_event_set_hex32(k->ev, f->key, x);
        return true;
    }
    guint32 opts;
    bool ok = tw_der_bit_string_u32(v, &opts);
    note(k, &v->content);
    if (!ok)
        return true;
    if (f->key)
        tw_event_set_hex32(k->ev, f->key, opts);
    if (k->tree) {
        g_autofree char *names = tw_flags_set_names(f->bits, opts);
        TREE(k, td, label_of(f), f->note_of ? f->note_of(opts) : f->note, "0x%08x (%s)", opts, names);
        tw_krb5_tree_flag_bits(k->ev, td + 1, f->bits, opts);
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
    if (k->tree) /* no key, no slot: only the tree line */
        int_value(k, f, x, td, rec);
    if (x != k->msg_type)
        tw_event_set_int(k->ev, "msg_type_field", x);
    return true;
}

/* ---- RFC 4120 5.2.2 PrincipalName ----------------------------------------------- */

typedef struct {
    char *name; /* NULL, or the components joined by '/' (len bytes, NUL-terminated): buf or g_malloc'd */
    gsize len;
    gint64 type;
    bool cut;   /* a prefix: the TLV was cut or components were dropped */
    char buf[96];
} KrbName;

/* Copies the n bytes at s (no NUL among them) into the record's name. */
static void name_keep(KrbName *dst, const char *s, gsize n)
{
    if (dst->name != dst->buf)
        g_free(dst->name);
    dst->name = n < sizeof dst->buf ? dst->buf : g_malloc(n + 1);
    memcpy(dst->name, s, n);
    dst->name[n] = 0;
    dst->len = n;
}

static void name_clear(KrbName *n)
{
    if (n->name != n->buf)
        g_free(n->name);
    n->name = NULL;
    n->len = 0;
}

/* A PrincipalName being read: its components joined in buf (or on the heap
 * when longer), the record (pn) first so that principal_name_type's OUT()
 * offsets land in it. */
typedef struct {
    KrbName pn;
    bool any;    /* a component was joined (the name may be "") */
    char *text;  /* buf or g_malloc'd */
    gsize len, cap;
    char buf[192];
} NameBuild;

static void name_append(NameBuild *nb, const char *s, gsize n)
{
    if (n > nb->cap - nb->len) {
        gsize cap = MAX(nb->cap * 2, nb->len + n + 1);
        if (nb->text == nb->buf) {
            nb->text = g_malloc(cap);
            memcpy(nb->text, nb->buf, nb->len);
        } else {
            nb->text = g_realloc(nb->text, cap);
        }
        nb->cap = cap;
    }
    memcpy(nb->text + nb->len, s, n);
    nb->len += n;
}

static bool name_component(Krb *k, TwDerTlv *s, guint d, guint td, guint i, void *rec)
{
    NameBuild *nb = rec;
    char *owned;
    gsize n;
    const char *str = get_str_view(k, s, &n, &owned);
    if (!str)
        return false;
    TREE_SPEC(k, td, "KerberosString", "RFC 4120 5.2.1", NULL, "%.*s", (int)n, str);
    if (i >= TW_KRB5_MAX_NAME_COMPONENTS)
        nb->pn.cut = true;
    if (i < TW_KRB5_MAX_NAME_COMPONENTS) {
        if (nb->any)
            name_append(nb, "/", 1);
        name_append(nb, str, n);
        nb->any = true;
    }
    g_free(owned);
    return true;
}

KRB_TYPE(principal_name_type, "PrincipalName", "RFC 4120 5.2.2",
    FIELD(0, "name-type", REQ, dec_int, OUT(KrbName, type), .name_of = name_type_name,
          .note = "how to read the name components", .spec = "5.2.2 Int32"),
    FIELD(1, "name-string", REQ, dec_seq_of, .elem = name_component, .flags = KF_STOP,
          .spec = "5.2.2 SEQUENCE OF KerberosString"));

/* The TLV at p (n bytes there) has a plain header (tw_der_plain_header)
 * with identifier octet id and fills the n bytes exactly: *c, *cn its content. */
static inline __attribute__((always_inline)) bool plain_exact(const guint8 *p, gsize n, guint8 id,
                                                             const guint8 **c, gsize *cn)
{
    gsize len, hdr;
    if (!tw_der_plain_header(p, n, &len, &hdr) || p[0] != id || hdr + len != n)
        return false;
    *c = p + hdr;
    *cn = len;
    return true;
}

/* The SEQUENCE { [t] INTEGER, [t+1] OCTET STRING } of RFC 4120 5.2.7
 * PA-DATA (t = 1) and 5.2.5 HostAddress (t = 0) exactly as the RFC writes
 * it: every header plain, the INTEGER 1..8 octets, all captured, what the
 * walk of the pair's table reads without an error.  Its integer and its
 * octets (*val_n bytes at *val), and true; false for anything else.  d is
 * the walk's depth (walk_value's): its reads must be within
 * TW_DER_MAX_DEPTH. */
static inline __attribute__((always_inline)) bool int_octets_pair_plain(const TwDerTlv *e, guint d, guint8 t,
                                                                      gint64 *x, const guint8 **val,
                                                                      gsize *val_n)
{
    const TwCursor *c = &e->content;
    if (e->cls != TW_DER_UNIVERSAL || e->tag != TW_DER_TAG_SEQUENCE || !e->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 2 > TW_DER_MAX_DEPTH)
        return false;
    const guint8 *p = c->p, *ty, *q;
    gsize n = c->len, len, hdr, ty_n, qn;
    if (!tw_der_plain_header(p, n, &len, &hdr) || p[0] != (0xa0 | t) ||
        !plain_exact(p + hdr, len, 0x02, &ty, &ty_n) || ty_n - 1 >= 8)
        return false;
    p += hdr + len;
    n -= hdr + len;
    if (!plain_exact(p, n, 0xa0 | (t + 1), &q, &qn) || !plain_exact(q, qn, 0x04, val, val_n))
        return false;
    *x = int_octets(ty, ty_n);
    return true;
}

/* dec_principal's common case without a tree: the PrincipalName exactly as
 * RFC 4120 5.2.2 writes it, SEQUENCE { [0] INTEGER, [1] SEQUENCE OF
 * KerberosString }, every header plain, the INTEGER 1..8 octets, each
 * string universal, primitive and plain ASCII: what the walk would read
 * without meeting an error or making a tree line.  Into nb as the walk
 * does; false (nb and v untouched) for anything else, which the walk reads.
 * d is the walk's depth: its reads must be within TW_DER_MAX_DEPTH. */
static bool principal_plain_at(const guint8 *p, gsize n, NameBuild *nb);

static bool principal_plain(const TwDerTlv *v, guint d, NameBuild *nb)
{
    const TwCursor *c = &v->content;
    if (v->cls != TW_DER_UNIVERSAL || v->tag != TW_DER_TAG_SEQUENCE || !v->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 4 > TW_DER_MAX_DEPTH)
        return false;
    return principal_plain_at(c->p, c->len, nb);
}

/* principal_plain on the n content octets at p of the PrincipalName's
 * SEQUENCE (captured whole, the depth checked by the caller). */
static bool principal_plain_at(const guint8 *p, gsize n, NameBuild *nb)
{
    const guint8 *q, *seq;
    gsize len0, hdr0, qn, seq_n;
    /* [0] name-type: the first TLV, an INTEGER filling it */
    if (!tw_der_plain_header(p, n, &len0, &hdr0) || p[0] != 0xa0 ||
        !plain_exact(p + hdr0, len0, 0x02, &q, &qn) || qn - 1 >= 8)
        return false;
    gint64 type = int_octets(q, qn);
    /* [1] name-string: the rest, a SEQUENCE filling it */
    p += hdr0 + len0;
    n -= hdr0 + len0;
    if (!plain_exact(p, n, 0xa1, &q, &qn) || !plain_exact(q, qn, 0x30, &seq, &seq_n))
        return false;
    /* each KerberosString joined as name_component does, in the one pass
     * that checks it; a shape the walk must read undoes the joining */
    gsize len_at = nb->len;
    bool any_at = nb->any, cut_at = nb->pn.cut;
    guint i = 0;
    for (gsize off = 0, len, hdr; off < seq_n; off += hdr + len, i++) {
        if (!tw_der_plain_header(seq + off, seq_n - off, &len, &hdr) || (seq[off] & 0xe0) != 0 ||
            !tw_der_ascii_text(seq + off + hdr, len)) {
            nb->len = len_at;
            nb->any = any_at;
            nb->pn.cut = cut_at;
            return false;
        }
        if (i >= TW_KRB5_MAX_NAME_COMPONENTS) { /* as name_component */
            nb->pn.cut = true;
            continue;
        }
        if (nb->any && len + 1 <= nb->cap - nb->len) {
            nb->text[nb->len++] = '/';
        } else if (nb->any) {
            name_append(nb, "/", 1);
        }
        if (len <= nb->cap - nb->len) {
            memcpy(nb->text + nb->len, seq + off + hdr, len);
            nb->len += len;
        } else {
            name_append(nb, (const char *)seq + off + hdr, len);
        }
        nb->any = true;
    }
    nb->pn.type = type;
    return true;
}

/* A PrincipalName field: into the record (a KrbName), or the joined name
 * into the event as key and its name-type as key2. */
static bool dec_principal(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    NameBuild nb; /* the buffers need no clearing */
    nb.pn.name = NULL;
    nb.pn.type = 0;
    nb.pn.cut = false;
    nb.any = false;
    nb.text = nb.buf;
    nb.len = 0;
    nb.cap = sizeof nb.buf;
    if (k->tree || !principal_plain(v, d, &nb)) {
        HEAD(k, td, label_of(f), f->note);
        walk_value(k, &principal_name_type, v, d, td + 1, &nb);
    }
    nb.pn.cut |= tlv_cut(v, G_MAXSIZE);
    if (f->out) {
        KrbName *dst = out_slot(rec, f);
        dst->type = nb.pn.type;
        dst->cut = nb.pn.cut;
        if (nb.any)
            name_keep(dst, nb.text, nb.len);
        else
            name_clear(dst);
    } else if (f->key && nb.any) {
        tw_event_set_strn(k->ev, f->key, nb.text, nb.len);
        if (nb.pn.cut)
            tw_event_mark_truncated(k->ev, f->key);
        if (f->key2)
            tw_event_set_int(k->ev, f->key2, nb.pn.type);
    }
    if (nb.text != nb.buf)
        g_free(nb.text);
    return true;
}

/* ---- RFC 4120 5.2.9 EncryptedData ------------------------------------------------- */

/* The cipher text of an EncryptedData (rec: its EncInfo), shown by its size. */
static bool dec_cipher(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    EncInfo *e = rec;
    gsize n;
    bool cut = v->content.len < v->content.reported;
    const guint8 *p = get_octets(k, v, &n);
    TREE(k, td, label_of(f), f->note, "%" G_GSIZE_FORMAT " bytes", n);
    if (e && p) {
        e->cipher = p;
        e->cipher_len = n;
        e->cipher_cut = cut;
    }
    return true;
}

KRB_TYPE(encrypted_data_type, "EncryptedData", "RFC 4120 5.2.9",
    FIELD(0, "etype", REQ, dec_int, OUT(EncInfo, etype), .name_of = etype_name,
          .note_of = cipher_etype_note, .spec = "5.2.9 Int32"),
    FIELD(1, "kvno", OPT, dec_int, OUT(EncInfo, kvno), .flags = KF_UINT32,
          .note = "version of the key it is encrypted with", .spec = "5.2.4 UInt32"),
    FIELD(2, "cipher", REQ, dec_cipher, .note = "encrypted: needs the key to read", .spec = "5.2.9 OCTET STRING"));

/* parse_encrypted_data's common case without a tree: the EncryptedData
 * exactly as RFC 4120 5.2.9 writes it, SEQUENCE { [0] INTEGER, [1] INTEGER
 * (or none), [2] OCTET STRING }, every header plain, each INTEGER 1..8
 * octets, all captured: what the walk would read without an error.  Into
 * e as the walk does (kvno a UInt32, get_uint32); false (e untouched) for
 * anything else.  d is the walk's depth. */
static bool encrypted_data_plain_at(const guint8 *p, gsize n, EncInfo *e);

static bool encrypted_data_plain(const TwDerTlv *t, guint d, EncInfo *e)
{
    const TwCursor *c = &t->content;
    if (t->cls != TW_DER_UNIVERSAL || t->tag != TW_DER_TAG_SEQUENCE || !t->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 2 > TW_DER_MAX_DEPTH)
        return false;
    return encrypted_data_plain_at(c->p, c->len, e);
}

/* encrypted_data_plain on the n content octets at p of the EncryptedData's
 * SEQUENCE (captured whole, the depth checked by the caller). */
static bool encrypted_data_plain_at(const guint8 *p, gsize n, EncInfo *e)
{
    const guint8 *q, *cipher;
    gsize len, hdr, qn, cipher_n;
    if (!tw_der_plain_header(p, n, &len, &hdr) || p[0] != 0xa0 || !plain_exact(p + hdr, len, 0x02, &q, &qn) ||
        qn - 1 >= 8)
        return false;
    gint64 etype = int_octets(q, qn), kvno = -1;
    p += hdr + len;
    n -= hdr + len;
    if (n >= 1 && p[0] == 0xa1) {
        if (!tw_der_plain_header(p, n, &len, &hdr) || !plain_exact(p + hdr, len, 0x02, &q, &qn) || qn - 1 >= 8)
            return false;
        kvno = int_octets(q, qn);
        if (kvno < 0 && kvno >= G_MININT32 && qn <= 4) /* as get_uint32 */
            kvno += G_GINT64_CONSTANT(0x100000000);
        p += hdr + len;
        n -= hdr + len;
    }
    if (!plain_exact(p, n, 0xa2, &q, &qn) || !plain_exact(q, qn, 0x04, &cipher, &cipher_n))
        return false;
    e->etype = etype;
    e->kvno = kvno;
    e->cipher = cipher;
    e->cipher_len = cipher_n;
    e->cipher_cut = false;
    return true;
}

static EncInfo parse_encrypted_data(Krb *k, TwDerTlv *t, guint d, guint td, const char *label, const char *lnote)
{
    EncInfo e = { .etype = -1, .kvno = -1 };
    if (k->tree || !encrypted_data_plain(t, d, &e)) {
        HEAD(k, td, label, lnote);
        walk_value(k, &encrypted_data_type, t, d, td + 1, &e);
    }
    return e;
}

/* An EncryptedData field: into the record (an EncInfo), or its etype into
 * the event as key and its kvno as key2. */
static bool dec_encrypted_data(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    EncInfo e = parse_encrypted_data(k, v, d, td, label_of(f), f->note);
    if (f->out)
        *(EncInfo *)out_slot(rec, f) = e;
    if (f->flags & KF_ENC_PART)
        k->dec.enc = e;
    else if (f->flags & KF_TGS_AUTH)
        k->dec.tgs_auth = e;
    if (f->key && e.etype != -1)
        tw_event_set_int(k->ev, f->key, e.etype);
    if (f->key2 && e.kvno >= 0)
        tw_event_set_int(k->ev, f->key2, e.kvno);
    return true;
}

/* ---- RFC 4120 5.3 Ticket ----------------------------------------------------------- */

typedef struct {
    char *realm; /* NULL, or realm_len bytes, NUL-terminated: realm_buf or g_malloc'd */
    gsize realm_len;
    bool realm_cut;
    KrbName sname;
    EncInfo enc;
    char realm_buf[64];
} TicketInfo;

static void ticket_realm_clear(TicketInfo *ti)
{
    if (ti->realm != ti->realm_buf)
        g_free(ti->realm);
    ti->realm = NULL;
    ti->realm_len = 0;
}

/* Ticket realm (RFC 4120 5.2.2 Realm) into the record, remembering whether
 * it was cut: dec_string's record slot, copied once from the packet. */
static bool dec_ticket_realm(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TicketInfo *ti = rec;
    ti->realm_cut = tlv_cut(v, TW_DER_MAX_STRING);
    char *owned;
    gsize n;
    const char *t = get_str_view(k, v, &n, &owned);
    ticket_realm_clear(ti);
    if (t) {
        TREE(k, td, label_of(f), f->note, "%.*s", (int)n, t);
        ti->realm = n < sizeof ti->realm_buf ? ti->realm_buf : g_malloc(n + 1);
        memcpy(ti->realm, t, n);
        ti->realm[n] = 0;
        ti->realm_len = n;
    }
    g_free(owned);
    return true;
}

#define TICKET_NOTE "the service ticket: readable only by the service (and the KDC)"

KRB_TYPE(ticket_type, "Ticket", "RFC 4120 5.3",
    FIELD(0, "tkt-vno", REQ, dec_int, .note = "ticket format version (5)", .spec = "5.3 INTEGER (5)"),
    FIELD(1, "realm", REQ, dec_ticket_realm, .note = "realm of the service", .spec = "5.2.2 Realm"),
    FIELD(2, "sname", REQ, dec_principal, OUT(TicketInfo, sname), .note = "the service the ticket is for",
          .spec = "5.2.2 PrincipalName"),
    FIELD(3, "enc-part", REQ, dec_encrypted_data, OUT(TicketInfo, enc),
          .note = "encrypted with the service's long-term key", .spec = "5.2.9 EncryptedData"));

static void ticket_clear(TicketInfo *ti)
{
    ticket_realm_clear(ti);
    ti->realm_cut = false;
    name_clear(&ti->sname);
    ti->sname.type = 0;
    ti->sname.cut = false;
    memset(&ti->enc, 0, sizeof ti->enc);
}

/* parse_ticket's common case without a tree: the Ticket's SEQUENCE exactly
 * as RFC 4120 5.3 writes it, { [0] INTEGER, [1] Realm, [2] PrincipalName,
 * [3] EncryptedData }, every header plain, the realm universal, primitive,
 * plain ASCII, the name and the EncryptedData plain (principal_plain,
 * encrypted_data_plain): what the walk would read without an error.  Into
 * ti as the walk does; false (ti untouched) for anything else.  d is the
 * walk's depth. */
static bool ticket_plain(const TwDerTlv *v, guint d, TicketInfo *ti)
{
    const TwCursor *c = &v->content;
    if (v->cls != TW_DER_UNIVERSAL || v->tag != TW_DER_TAG_SEQUENCE || !v->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 7 > TW_DER_MAX_DEPTH)
        return false;
    const guint8 *p = c->p;
    gsize n = c->len, len, hdr;
    const guint8 *val[4]; /* the TLV inside each [i]: its identifier octet at val[i], */
    gsize vhdr[4], vlen[4]; /* its header and content sizes */
    /* [0] tkt-vno .. [3] enc-part, in order, filling the SEQUENCE; each
     * holds one plain TLV filling it */
    for (guint i = 0; i < 4; i++) {
        if (!tw_der_plain_header(p, n, &len, &hdr) || p[0] != (0xa0 | i) ||
            !tw_der_plain_header(p + hdr, len, &vlen[i], &vhdr[i]) || vhdr[i] + vlen[i] != len)
            return false;
        val[i] = p + hdr;
        p += hdr + len;
        n -= hdr + len;
    }
    if (n != 0)
        return false;
    /* tkt-vno: a universal primitive INTEGER of 1..8 octets */
    if (val[0][0] != 0x02 || vlen[0] - 1 >= 8)
        return false;
    /* realm: universal, primitive, plain ASCII */
    const guint8 *realm = val[1] + vhdr[1];
    gsize realm_n = vlen[1];
    if ((val[1][0] & 0xe0) != 0 || !tw_der_ascii_text(realm, realm_n))
        return false;
    /* sname, enc-part: universal constructed SEQUENCEs, plain inside */
    if (val[2][0] != 0x30 || val[3][0] != 0x30)
        return false;
    NameBuild nb;
    nb.pn.name = NULL;
    nb.pn.type = 0;
    nb.pn.cut = false;
    nb.any = false;
    nb.text = nb.buf;
    nb.len = 0;
    nb.cap = sizeof nb.buf;
    EncInfo e = { .etype = -1, .kvno = -1 };
    if (!principal_plain_at(val[2] + vhdr[2], vlen[2], &nb) ||
        !encrypted_data_plain_at(val[3] + vhdr[3], vlen[3], &e)) {
        if (nb.text != nb.buf)
            g_free(nb.text);
        return false;
    }
    /* as dec_ticket_realm, dec_principal and dec_encrypted_data with their record slots */
    ti->realm = realm_n < sizeof ti->realm_buf ? ti->realm_buf : g_malloc(realm_n + 1);
    memcpy(ti->realm, realm, realm_n);
    ti->realm[realm_n] = 0;
    ti->realm_len = realm_n;
    ti->realm_cut = false;
    ti->sname.type = nb.pn.type;
    ti->sname.cut = nb.pn.cut;
    if (nb.any)
        name_keep(&ti->sname, nb.text, nb.len);
    if (nb.text != nb.buf)
        g_free(nb.text);
    ti->enc = e;
    return true;
}

/* Ticket ::= [APPLICATION 1] SEQUENCE */
static void parse_ticket(Krb *k, TwDerTlv *t, TicketInfo *ti, guint d, guint td)
{
    ti->realm = NULL;
    ti->realm_len = 0;
    ti->realm_cut = false;
    ti->sname.name = NULL;
    ti->sname.len = 0;
    ti->sname.type = 0;
    ti->sname.cut = false;
    memset(&ti->enc, 0, sizeof ti->enc);
    ti->enc.etype = ti->enc.kvno = -1;
    HEAD(k, td, "ticket", TICKET_NOTE);
    TwDerTlv st;
    if (open_app(k, t, 1, &st, d) && (k->tree || !ticket_plain(&st, d + 1, ti)))
        walk_value(k, &ticket_type, &st, d + 1, td + 1, ti);
}

/* The ticket's fields into the event; a message's own ticket (`top`) also
 * names the message's realm and service. */
static void set_ticket_fields(Krb *k, TicketInfo *ti, bool top)
{
    if (ti->realm) {
        tw_event_set_strn(k->ev, "ticket_realm", ti->realm, ti->realm_len);
        if (ti->realm_cut)
            tw_event_mark_truncated(k->ev, "ticket_realm");
    }
    if (ti->sname.name) {
        tw_event_set_strn(k->ev, "ticket_sname", ti->sname.name, ti->sname.len);
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
            tw_event_set_strn(k->ev, "realm", ti->realm, ti->realm_len);
            if (ti->realm_cut)
                tw_event_mark_truncated(k->ev, "realm");
        }
        if (ti->sname.name) {
            tw_event_set_strn(k->ev, "sname", ti->sname.name, ti->sname.len);
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

static void keep_ticket(Krb *k, const TicketInfo *ti);

/* A Ticket field: KDC-REP's and AP-REQ's (KF_TOP), or the TGT inside a PA-TGS-REQ. */
static bool dec_ticket(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TicketInfo ti;
    parse_ticket(k, v, &ti, d, td);
    set_ticket_fields(k, &ti, (f->flags & KF_TOP) != 0);
    keep_ticket(k, &ti);
    ticket_clear(&ti);
    return true;
}

static bool additional_ticket(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    TicketInfo ti;
    guint line = k->tree ? tw_event_tree_len(k->ev) : 0;
    parse_ticket(k, e, &ti, d, td);
    if (k->tree) /* an element of the SEQUENCE OF Ticket: the Ticket's own section */
        tw_event_tree_set_spec(k->ev, line, "RFC 4120 5.3", false);
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

/* The etypes read so far, at most TW_KRB5_MAX_LIST. */
typedef struct {
    guint n;
    gint64 v[TW_KRB5_MAX_LIST];
} EtypeList;

static bool enctype_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    EtypeList *list = rec;
    gint64 et;
    if (!get_int(k, e, &et))
        return false;
    TREE_SPEC(k, td, "ENCTYPE", "RFC 3961 8", tw_krb5_etype_weak_note(et), "%" G_GINT64_FORMAT " (%s)", et, etype_name(et));
    if (list->n < TW_KRB5_MAX_LIST)
        list->v[list->n++] = et;
    return true;
}

/* dec_etype_list's common case without a tree: a SEQUENCE of plain
 * INTEGERs of 1..8 octets, captured whole: the values as enctype_elem
 * keeps them, and true; false (list empty) for anything else.  d is the
 * walk's depth. */
static bool etype_list_plain(const TwDerTlv *v, guint d, EtypeList *list)
{
    const TwCursor *c = &v->content;
    if (v->cls != TW_DER_UNIVERSAL || v->tag != TW_DER_TAG_SEQUENCE || !v->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 1 > TW_DER_MAX_DEPTH)
        return false;
    for (gsize off = 0, len, hdr; off < c->len; off += hdr + len) {
        if (!tw_der_plain_header(c->p + off, c->len - off, &len, &hdr) || c->p[off] != 0x02 || len - 1 >= 8) {
            list->n = 0;
            return false;
        }
        if (list->n < TW_KRB5_MAX_LIST)
            list->v[list->n++] = int_octets(c->p + off + hdr, len);
    }
    return true;
}

/* RFC 4120 5.4.1 etype: SEQUENCE OF Int32, into an INTLIST key. */
static bool dec_etype_list(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    EtypeList list;
    list.n = 0;
    if ((!k->tree && etype_list_plain(v, d, &list)) || seq_of_field(k, f, v, d, td, &list)) {
        /* one list from the thread's pool of emptied ones, all values in
         * one copy; an earlier etype field's list is replaced in its place */
        tw_event_set_intlist(k->ev, f->key, list.v, list.n);
    }
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
    /* RFC 4120 5.2.5 HostAddress in its plain shape (int_octets_pair_plain)
     * read in one step when no tree is asked; else the table walk */
    if ((k->tree || !int_octets_pair_plain(e, d, 0, &ha.type, &ha.bytes, &ha.n)) &&
        !walk_value(k, &host_address_type, e, d, td, &ha))
        return false;
    if (ha.bytes) {
        char *s = format_address(ha.type, ha.bytes, ha.n);
        TREE_SPEC(k, td, "HostAddress", "RFC 4120 5.2.5", address_note(ha.type), "%s", s);
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

/* An ETYPE-INFO(2)-ENTRY walked: its etype, for its s2kparams. */
typedef struct {
    gint64 etype;
} EtypeInfoRec;

/* RFC 4120 5.2.7.5 s2kparams, decoded by the entry's etype in the tree. */
static bool dec_s2kparams(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gsize n;
    const guint8 *p = get_octets(k, v, &n);
    if (k->tree && p)
        tw_krb5_tree_s2kparams(k->ev, td, label_of(f), "RFC 4120 5.2.7.5", rec ? ((EtypeInfoRec *)rec)->etype : -1,
                               p, n);
    return true;
}

#define ETYPE_INFO_ETYPE                                                                           \
    FIELD(0, "etype", REQ, dec_int, OUT(EtypeInfoRec, etype), .key = "salt_etypes", .flags = KF_APPEND, \
          .name_of = etype_name, .note_of = salt_etype_note, .spec = "5.2.9 Int32")
#define ETYPE_INFO_SALT_NOTE "mixed with the password to make the key (machine: REALMhostname.realm)"
#define ETYPE_INFO_S2KPARAMS                                                                       \
    FIELD(2, "s2kparams", OPT, dec_s2kparams, .spec = "5.2.7.5 OCTET STRING")

KRB_TYPE(etype_info_entry_type, "ETYPE-INFO-ENTRY", "RFC 4120 5.2.7.4",
    ETYPE_INFO_ETYPE,
    FIELD(1, "salt", OPT, dec_salt, .key = "salt", .flags = KF_OCTETS, .note = ETYPE_INFO_SALT_NOTE,
          .spec = "5.2.7.4 OCTET STRING"),
    ETYPE_INFO_S2KPARAMS); /* not in ETYPE-INFO-ENTRY: read as in ETYPE-INFO2-ENTRY */

KRB_TYPE(etype_info2_entry_type, "ETYPE-INFO2-ENTRY", "RFC 4120 5.2.7.5",
    ETYPE_INFO_ETYPE,
    FIELD(1, "salt", OPT, dec_salt, .key = "salt", .note = ETYPE_INFO_SALT_NOTE, .spec = "5.2.1 KerberosString"),
    ETYPE_INFO_S2KPARAMS);

/* The walk of an ETYPE-INFO2-ENTRY (RFC 4120 5.2.7.5) or ETYPE-INFO-ENTRY
 * (5.2.7.4) without a tree, for its plain shape: SEQUENCE { [0] INTEGER,
 * [1] salt OPTIONAL, [2] OCTET STRING OPTIONAL } in order, every header
 * plain, each [n] holding one plain TLV that fills it, the INTEGER 1..8
 * octets, the salt universal, primitive and plain ASCII (ETYPE-INFO's an
 * OCTET STRING), all captured: what the walk reads without an error.  The
 * etype and the salt into the event as ETYPE_INFO_ETYPE and dec_salt put
 * them, and true; false (nothing done) for anything else.  d: the entry's
 * depth (etype_info_elem's). */
static bool etype_info_entry_plain(Krb *k, const TwDerTlv *e, guint d, const KrbType *entry)
{
    const TwCursor *c = &e->content;
    if (e->cls != TW_DER_UNIVERSAL || e->tag != TW_DER_TAG_SEQUENCE || !e->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 2 > TW_DER_MAX_DEPTH)
        return false;
    const guint8 *p = c->p, *val[3] = { NULL, NULL, NULL };
    gsize n = c->len, len, hdr, vlen[3] = { 0, 0, 0 }, vhdr[3] = { 0, 0, 0 };
    guint next = 0; /* the lowest tag still allowed */
    while (n > 0) {
        guint t;
        if (!tw_der_plain_header(p, n, &len, &hdr) || (p[0] & 0xe0) != 0xa0 || (t = p[0] & 0x1f) < next || t > 2)
            return false;
        if (!tw_der_plain_header(p + hdr, len, &vlen[t], &vhdr[t]) || vhdr[t] + vlen[t] != len)
            return false;
        val[t] = p + hdr;
        next = t + 1;
        p += hdr + len;
        n -= hdr + len;
    }
    bool octets = (entry->fields[1].flags & KF_OCTETS) != 0;
    if (!val[0] || val[0][0] != 0x02 || vlen[0] - 1 >= 8)
        return false;
    if (val[1] && (octets ? val[1][0] != 0x04 : (val[1][0] & 0xe0) != 0))
        return false;
    if (val[1] && (vlen[1] > TW_DER_MAX_STRING || !tw_der_ascii_text(val[1] + vhdr[1], vlen[1])))
        return false;
    if (val[2] && val[2][0] != 0x04)
        return false;
    /* ETYPE_INFO_ETYPE: int_value appends it (no tree, no name) */
    append_capped(k, entry->fields[0].key, int_octets(val[0] + vhdr[0], vlen[0]));
    /* dec_salt: the first non-empty salt (nothing cut) */
    const char *salt_key = entry->fields[1].key;
    if (val[1] && vlen[1] && !tw_event_has(k->ev, salt_key))
        tw_event_set_strn(k->ev, salt_key, (const char *)val[1] + vhdr[1], vlen[1]);
    return true;
}

static bool etype_info_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    const KrbType *entry = rec;
    if (!k->tree && etype_info_entry_plain(k, e, d, entry))
        return true;
    TwCursor es;
    if (!open_seq(k, e, &es))
        return false;
    HEAD(k, td, entry->name, NULL);
    if (k->tree)
        tw_event_tree_set_spec(k->ev, tw_event_tree_len(k->ev) - 1, entry->spec, false);
    EtypeInfoRec er = { .etype = -1 };
    walk(k, entry, &es, d + 1, td + 1, &er);
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
    list_scope_begin(k);
    walk_seq_of(k, &seq, d + 1, td, etype_info_elem, (void *)entry);
    list_scope_end(k);
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
    TREE_SPEC(k, td, "KERB-EXT-ERROR.status", "MS-KILE 2.2.2", "NTSTATUS: the Windows reason (e.g. 0xc0000072 account disabled)",
         "0x%08x", status);
    TREE_SPEC(k, td, "KERB-EXT-ERROR.reserved", "MS-KILE 2.2.2", NULL, "0x%08x", reserved);
    TREE_SPEC(k, td, "KERB-EXT-ERROR.flags", "MS-KILE 2.2.2", "1 = KDC-generated", "0x%08x", flags);
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

/* The walk of a KERB-PA-PAC-REQUEST (MS-KILE 2.2.3) without a tree, for
 * its plain shape: SEQUENCE { [0] BOOLEAN } exactly, every header plain,
 * each TLV filling the one around it, the BOOLEAN universal, primitive and
 * one octet: what walk_octets reads without an error (dec_include_pac's
 * value into its key); false (nothing done) for anything else.  d:
 * walk_octets' depth (its reads must be within TW_DER_MAX_DEPTH). */
static bool pa_pac_request_plain(Krb *k, const guint8 *p, gsize n, guint d)
{
    const guint8 *q, *b;
    gsize qn, bn;
    if (d + 2 > TW_DER_MAX_DEPTH || !plain_exact(p, n, 0x30, &q, &qn) || !plain_exact(q, qn, 0xa0, &q, &qn) ||
        !plain_exact(q, qn, 0x01, &b, &bn) || bn != 1)
        return false;
    tw_event_set_bool(k->ev, pa_pac_request_type.fields[0].key, b[0] != 0);
    return true;
}

/* RFC 4120 5.5.1 AP-REQ, as the PA-TGS-REQ padata-value carries it: the
 * outer message's pvno and msg-type are the ones shown. */
KRB_TYPE(pa_tgs_ap_req_type, "AP-REQ", "RFC 4120 5.5.1 (in PA-TGS-REQ, 5.4.1)",
    FIELD(0, "pvno", REQ, NULL),
    FIELD(1, "msg-type", REQ, NULL),
    FIELD(2, "ap-options", REQ, dec_flags, .bits = &tw_flags_krb_ap_options, .note_of = ap_options_note,
          .spec = "5.5.1 APOptions"),
    FIELD(3, "ticket", REQ, dec_ticket, .spec = "5.3 Ticket"),
    FIELD(4, "authenticator", REQ, dec_encrypted_data, .key = "authenticator_etype", .flags = KF_TGS_AUTH,
          .note = "client name and time, encrypted with the session key", .spec = "5.2.9 EncryptedData"));

/* The walk of pa_tgs_ap_req_type without a tree, for the AP-REQ in its
 * plain RFC 4120 5.5.1 shape: SEQUENCE { [0] pvno, [1] msg-type, [2]
 * ap-options, [3] ticket, [4] authenticator } in order, every header plain,
 * each [n] holding one plain TLV that fills it, the ap-options a primitive
 * universal BIT STRING with an unused-bits octet of 0..7 (X.690 8.6.2.2):
 * what the walk reads without an error (pvno and msg-type are not decoded,
 * the ap-options have no key).  The ticket and the authenticator then go
 * to their decoders as the walk hands them over; false (nothing done) for
 * anything else.  d, td: walk_value's. */
static bool pa_tgs_ap_req_plain(Krb *k, TwDerTlv *st, guint d, guint td)
{
    const TwCursor *c = &st->content;
    if (st->cls != TW_DER_UNIVERSAL || st->tag != TW_DER_TAG_SEQUENCE || !st->constructed || c->status != TW_OK ||
        c->off != 0 || c->len != c->reported || d + 2 > TW_DER_MAX_DEPTH)
        return false;
    const guint8 *p = c->p;
    gsize n = c->len, len, hdr, vlen, vhdr;
    TwDerTlv v[5];
    for (guint i = 0; i < 5; i++) {
        if (!tw_der_plain_header(p, n, &len, &hdr) || p[0] != (0xa0 | i) ||
            !tw_der_plain_header(p + hdr, len, &vlen, &vhdr) || vhdr + vlen != len)
            return false;
        tw_der_plain_tlv(p + hdr, vlen, vhdr, &v[i]);
        p += hdr + len;
        n -= hdr + len;
    }
    if (n != 0 || v[2].cls != TW_DER_UNIVERSAL || v[2].tag != TW_DER_TAG_BIT_STRING || v[2].constructed || v[2].len < 1 || v[2].content.p[0] > 7)
        return false;
    const KrbField *f = pa_tgs_ap_req_type.fields;
    dec_ticket(k, &f[3], &v[3], d + 3, td, NULL);
    dec_encrypted_data(k, &f[4], &v[4], d + 3, td, NULL);
    return true;
}

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
        if (k->tree || !pa_tgs_ap_req_plain(k, &st, d + 1, td + 1))
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
        k->dec.pa_ts = e;
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
        if (k->tree || !pa_pac_request_plain(k, p, n, d))
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

/* The padata-value's n octets at p (of rep on the wire), by the type read before it. */
static void padata_value(Krb *k, const TypedRec *pa, const guint8 *p, gsize n, gsize rep, guint d, guint td)
{
    if (n && n == rep && pa->type == 136 && pa->list_key && strcmp(pa->list_key, "padata") == 0) {
        k->dec.fast = p; /* with keys: opened once the message is read */
        k->dec.fast_len = n;
    }
    parse_pa_value(k, pa->type, p, n, rep, d, td + 1);
}

static bool dec_padata_value(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    gsize n, rep = v->content.reported;
    const guint8 *p = get_octets(k, v, &n);
    if (p)
        padata_value(k, rec, p, n, rep, d, td);
    return true;
}

KRB_TYPE(pa_data_type, "PA-DATA", "RFC 4120 5.2.7",
    FIELD(1, "padata-type", REQ, dec_padata_type, OUT(TypedRec, type), .name_of = tw_krb5_padata_name,
          .note_of = padata_note, .spec = "5.2.7 Int32"),
    FIELD(2, "padata-value", REQ, dec_padata_value, .spec = "5.2.7 OCTET STRING, by padata-type"));

/* pa_data_elem's common case without a tree: the PA-DATA exactly as RFC
 * 4120 5.2.7 writes it, SEQUENCE { [1] INTEGER, [2] OCTET STRING }, every
 * header plain, the INTEGER 1..8 octets, all captured: the type and the
 * value as the walk reads them (dec_padata_type, dec_padata_value), and
 * true; false (nothing done) for anything else.  d is the walk's depth. */
static bool pa_data_plain(Krb *k, const TwDerTlv *e, guint d, guint td, TypedRec *pa)
{
    const guint8 *val;
    gsize val_n;
    gint64 type;
    if (!int_octets_pair_plain(e, d, 1, &type, &val, &val_n))
        return false;
    pa->type = type;
    append_capped(k, pa->list_key, pa->type);
    padata_value(k, pa, val, val_n, val_n, d + 3, td);
    return true;
}

static bool pa_data_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    TypedRec pa = { .type = -1, .list_key = rec };
    if (!k->tree && pa_data_plain(k, e, d, td, &pa))
        return true;
    return walk_value(k, &pa_data_type, e, d, td, &pa);
}

/* SEQUENCE OF PA-DATA; types recorded in `key` (an INTLIST). */
static void parse_padata_seq(Krb *k, TwCursor *seq, const char *key, guint d, guint td)
{
    list_scope_begin(k);
    walk_seq_of(k, seq, d, td, pa_data_elem, (void *)key);
    list_scope_end(k);
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
    FIELD(0, "kdc-options", REQ, dec_flags, .key = "kdc_options", .bits = &tw_flags_krb_kdc_options,
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
    FIELD(6, "enc-part", REQ, dec_encrypted_data, .key = "enc_etype", .key2 = "enc_kvno", .flags = KF_ENC_PART,
          .note = "session key etc., encrypted with the client's key (AS) or TGT session key (TGS)",
          .spec = "5.2.9 EncryptedData"));

KRB_TYPE(ap_req_type, "AP-REQ", "RFC 4120 5.5.1",
    PVNO(0),
    MSG_TYPE(1),
    FIELD(2, "ap-options", REQ, dec_flags, .key = "ap_options", .bits = &tw_flags_krb_ap_options, .note_of = ap_options_note,
          .spec = "5.5.1 APOptions"),
    FIELD(3, "ticket", REQ, dec_ticket, .flags = KF_TOP, .spec = "5.3 Ticket"),
    FIELD(4, "authenticator", REQ, dec_encrypted_data, .key = "enc_etype", .flags = KF_ENC_PART,
          .note = "client name and time, encrypted with the session key", .spec = "5.2.9 EncryptedData"));

/* ---- RFC 4120 5.5.2 AP-REP, 5.6 KRB-SAFE, 5.7 KRB-PRIV, 5.8 KRB-CRED ------------- */

#define SESSION_ENC_PART(tag)                                                                      \
    FIELD(tag, "enc-part", REQ, dec_encrypted_data, .key = "enc_etype", .key2 = "enc_kvno",         \
          .flags = KF_ENC_PART, .note = "encrypted with the session (or sub-session) key",            \
          .spec = "5.2.9 EncryptedData")

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
        TREE_SPEC(k, td, "result-code", "RFC 3244 2", "kpasswd result: the password was not changed",
                  "%" G_GINT64_FORMAT " (%s)", rc, nm ? nm : "unknown");
        if (n > 2) {
            char *s = octets_text(p + 2, n - 2);
            TREE_SPEC(k, td, "result-string", "RFC 3244 2", "the server's words for it", "%s", s);
            tw_event_take_str(k->ev, "kpasswd_result_string", s);
        }
        return;
    }
    TwCursor c = tw_cursor_init_reported(p, n, reported);
    TwDerTlv t;
    if (!tw_der_read(&c, &t, d) || t.cls != TW_DER_UNIVERSAL || t.tag != TW_DER_TAG_SEQUENCE ||
        !t.constructed) {
        /* Not DER: keep it opaque (not an error in the message itself). */
        TREE_SPEC(k, td, "e-data", "RFC 4120 5.9.1", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    TwCursor seq = t.content;
    if (tw_der_next_is(&seq, TW_DER_CONTEXT, 1)) {
        TypedRec ed = { -1, NULL };
        TREE_SPEC(k, td, "KERB-ERROR-DATA", "MS-KILE 2.2.1", "Microsoft extended error", NULL);
        walk(k, &kerb_error_data_type, &seq, d + 1, td + 1, &ed);
        return;
    }
    if (tw_der_next_is(&seq, TW_DER_UNIVERSAL, TW_DER_TAG_SEQUENCE)) {
        /* Peek the first element's first tag: [1] = PA-DATA, [0] = TYPED-DATA. */
        TwCursor peek = seq;
        TwDerTlv first;
        if (tw_der_read(&peek, &first, d + 1) && tw_der_next_is(&first.content, TW_DER_CONTEXT, 0)) {
            TREE_SPEC(k, td, "TYPED-DATA", "RFC 4120 5.9.1", NULL, NULL);
            walk_seq_of(k, &seq, d + 1, td + 1, typed_data_elem, NULL);
            return;
        }
        TREE_SPEC(k, td, "METHOD-DATA", "RFC 4120 5.9.1", "pre-authentication methods the KDC accepts", NULL);
        parse_padata_seq(k, &seq, "e_data_padata", d + 1, td + 1);
        return;
    }
    TREE_SPEC(k, td, "e-data", "RFC 4120 5.9.1", "opaque", "%" G_GSIZE_FORMAT " bytes", n);
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

/* ---- with keys: the decrypted parts (RFC 4120 5.2.7.2, 5.3, 5.4.2, 5.5.1, 5.5.2, 5.7.1) ----
 *
 * Once the whole message is read, krb_decrypt() opens what the key store
 * (or the session keys learned before, krb5-keys.h) can open, with the key
 * usage of RFC 4120 7.5.1, and walks the plain text from the tables below
 * into the event (docs/events.md "Kerberos with keys").  Nothing of a key
 * goes into the event; the teaching view shows key bytes only with
 * --show-keys.  A decrypted part that is not valid DER is counted
 * (kerberos.decrypted_malformed) and does not mark the message itself. */


/* What a decrypted part hands on: its key (session key, subkey) and user data. */
typedef struct {
    gint64 key_type;          /* -1: no key */
    const guint8 *key;        /* borrowed from the plain text */
    gsize key_len;
    const guint8 *user_data;  /* KRB-PRIV user-data */
    gsize user_len;
    const guint8 *deleg;      /* an authenticator's delegated KRB-CRED (RFC 4121 4.1.1) */
    gsize deleg_len;
} DecRec;

/* RFC 4120 5.2.9 EncryptionKey. */
typedef struct {
    gint64 type;
    const guint8 *p;
    gsize n;
} KeyRec;

static bool dec_keyvalue(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    KeyRec *kr = rec;
    gsize n;
    const guint8 *p = get_octets(k, v, &n);
    if (!p)
        return true;
    kr->p = p;
    kr->n = n;
    if (k->tree && k->show_keys) {
        GString *hex = g_string_sized_new(2 * n);
        for (gsize i = 0; i < n; i++)
            g_string_append_printf(hex, "%02x", p[i]);
        TREE(k, td, label_of(f), f->note, "%s", hex->str);
        g_string_free(hex, TRUE);
    } else {
        TREE(k, td, label_of(f), f->note, "%" G_GSIZE_FORMAT " bytes (hidden: --show-keys prints it)", n);
    }
    return true;
}

KRB_TYPE(encryption_key_type, "EncryptionKey", "RFC 4120 5.2.9",
    FIELD(0, "keytype", REQ, dec_int, OUT(KeyRec, type), .name_of = etype_name,
          .note = "encryption type of the key", .spec = "5.2.9 Int32"),
    FIELD(1, "keyvalue", REQ, dec_keyvalue, .note = "the key itself", .spec = "5.2.9 OCTET STRING"));

/* An EncryptionKey field: into the DecRec, its keytype into the event as key. */
static bool dec_enc_key(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    DecRec *dr = rec;
    KeyRec kr = { .type = -1 };
    HEAD(k, td, label_of(f), f->note);
    walk_value(k, &encryption_key_type, v, d, td + 1, &kr);
    if (kr.type == -1)
        return true;
    if (f->key)
        tw_event_set_int(k->ev, f->key, kr.type);
    if (dr && kr.p && kr.type >= G_MININT32 && kr.type <= G_MAXINT32) {
        dr->key_type = kr.type;
        dr->key = kr.p;
        dr->key_len = kr.n;
    }
    return true;
}

/* ---- MS-PAC (in the ticket's authorization data) ---- */

static const char *pac_buffer_note(guint32 type)
{
    switch (type) {
    case 1: return "KERB_VALIDATION_INFO (2.5): the logon: user, groups";
    case 2: return "PAC_CREDENTIAL_INFO (2.6)";
    case 6: return "server checksum (2.8)";
    case 7: return "KDC checksum (2.8)";
    case 10: return "PAC_CLIENT_INFO (2.7): client name and ticket time";
    case 11: return "S4U_DELEGATION_INFO (2.9)";
    case 12: return "UPN_DNS_INFO (2.10)";
    case 13: return "client claims (2.11)";
    case 14: return "device info (2.12)";
    case 15: return "device claims (2.13)";
    case 16: return "ticket checksum (2.8.3)";
    case 17: return "PAC_ATTRIBUTES_INFO (2.14)";
    case 18: return "PAC_REQUESTOR (2.15)";
    case 19: return "full PAC checksum (2.8.4)";
    default: return NULL;
    }
}

/* MS-RPCE 2.2.6 / 14.3.4 RPC_UNICODE_STRING header {Length, MaximumLength, Buffer}. */
typedef struct {
    guint16 len;
    guint32 ptr;
} NdrUstr;

static NdrUstr ndr_ustr(TwCursor *c)
{
    NdrUstr u;
    u.len = tw_cursor_le16(c);
    tw_cursor_le16(c); /* MaximumLength */
    u.ptr = tw_cursor_le32(c);
    return u;
}

/* The deferred conformant varying array of a non-null RPC_UNICODE_STRING
 * (MaximumCount, Offset, ActualCount, the characters, aligned to 4):
 * decoded when `out`, else skipped. */
static void ndr_ustr_body(TwCursor *c, const NdrUstr *u, char **out)
{
    if (!u->ptr)
        return;
    tw_cursor_align(c, 4);
    tw_cursor_le32(c); /* MaximumCount */
    tw_cursor_le32(c); /* Offset */
    guint32 actual = tw_cursor_le32(c);
    if (actual > tw_cursor_remaining(c) / 2) {
        tw_cursor_fail(c, TW_MALFORMED);
        return;
    }
    const guint8 *p = tw_cursor_bytes(c, (gsize)actual * 2);
    if (p && out) {
        g_free(*out);
        *out = tw_utf16le_to_utf8(p, (gsize)actual * 2, NULL);
    }
}

/* MS-PAC 2.5 KERB_VALIDATION_INFO, in MS-RPCE 2.2.6 type serialization
 * version 1: the logon name, its domain, the user's RID and how many groups. */
static void parse_logon_info(Krb *k, const guint8 *b, gsize n, guint td)
{
    TwCursor c = tw_cursor_init(b, n);
    /* MS-RPCE 2.2.6.1 common header, 2.2.6.2 private header */
    guint8 version = tw_cursor_u8(&c), endian = tw_cursor_u8(&c);
    guint16 hlen = tw_cursor_le16(&c);
    tw_cursor_skip(&c, 4 + 8);
    if (!tw_cursor_ok(&c) || version != 1 || endian != 0x10 || hlen != 8) {
        TREE_SPEC(k, td, "KERB_VALIDATION_INFO", "MS-PAC 2.5", "not NDR type serialization version 1, little-endian: not read",
             "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    TwCursor nd = tw_cursor_init(tw_cursor_ptr(&c), tw_cursor_remaining(&c));
    tw_cursor_le32(&nd);          /* referent of the top-level pointer */
    tw_cursor_skip(&nd, 6 * 8);   /* LogonTime … PasswordMustChange (FILETIME) */
    NdrUstr s[6];                 /* EffectiveName, FullName, LogonScript, ProfilePath, HomeDirectory, HomeDirectoryDrive */
    for (int i = 0; i < 6; i++)
        s[i] = ndr_ustr(&nd);
    guint16 logon_count = tw_cursor_le16(&nd);
    tw_cursor_le16(&nd);          /* BadPasswordCount */
    guint32 user_id = tw_cursor_le32(&nd), primary_group = tw_cursor_le32(&nd);
    guint32 group_count = tw_cursor_le32(&nd), group_ptr = tw_cursor_le32(&nd);
    tw_cursor_le32(&nd);          /* UserFlags */
    tw_cursor_skip(&nd, 16);      /* UserSessionKey */
    NdrUstr server = ndr_ustr(&nd), domain = ndr_ustr(&nd);
    tw_cursor_skip(&nd, 4 + 8 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 4 + 4 + 4 + 4); /* LogonDomainId … ResourceGroupIds */
    if (!tw_cursor_ok(&nd)) {
        TREE_SPEC(k, td, "KERB_VALIDATION_INFO", "MS-PAC 2.5", "cut short: not read", "%" G_GSIZE_FORMAT " bytes", n);
        return;
    }
    /* deferred pointers, in the order of the structure (NDR 14.3.12.3) */
    char *name = NULL, *dom = NULL;
    ndr_ustr_body(&nd, &s[0], &name);
    for (int i = 1; i < 6; i++)
        ndr_ustr_body(&nd, &s[i], NULL);
    if (group_ptr) {
        tw_cursor_align(&nd, 4);
        guint32 max = tw_cursor_le32(&nd);
        if (max > tw_cursor_remaining(&nd) / 8)
            tw_cursor_fail(&nd, TW_MALFORMED);
        else
            tw_cursor_skip(&nd, (gsize)max * 8);
    }
    ndr_ustr_body(&nd, &server, NULL);
    ndr_ustr_body(&nd, &domain, &dom);
    TREE_SPEC(k, td, "KERB_VALIDATION_INFO", "MS-PAC 2.5", "the logon the KDC vouches for", NULL);
    if (name) {
        TREE_SPEC(k, td + 1, "EffectiveName", "MS-PAC 2.5", "the account's logon name", "%s", name);
        tw_event_take_str(k->ev, "pac_logon_name", name);
    }
    TREE_SPEC(k, td + 1, "LogonCount", "MS-PAC 2.5", NULL, "%u", logon_count);
    TREE_SPEC(k, td + 1, "UserId", "MS-PAC 2.5", "the account's RID", "%u", user_id);
    TREE_SPEC(k, td + 1, "PrimaryGroupId", "MS-PAC 2.5", "515 = Domain Computers, 513 = Domain Users", "%u", primary_group);
    TREE_SPEC(k, td + 1, "GroupCount", "MS-PAC 2.5", "groups listed in GroupIds", "%u", group_count);
    tw_event_set_int(k->ev, "pac_user_rid", user_id);
    tw_event_set_int(k->ev, "pac_group_count", group_count);
    if (dom) {
        TREE_SPEC(k, td + 1, "LogonDomainName", "MS-PAC 2.5", "the NetBIOS domain", "%s", dom);
        tw_event_take_str(k->ev, "pac_logon_domain", dom);
    }
}

/* MS-PAC 2.7 PAC_CLIENT_INFO: ClientId (FILETIME), NameLength, Name. */
static void parse_client_info(Krb *k, const guint8 *b, gsize n, guint td)
{
    TwCursor c = tw_cursor_init(b, n);
    guint64 client_id = tw_cursor_le64(&c);
    guint16 nlen = tw_cursor_le16(&c);
    const guint8 *p = tw_cursor_bytes(&c, nlen);
    if (!p)
        return;
    char *name = tw_utf16le_to_utf8(p, nlen, NULL);
    gint64 ts;
    if (k->tree && tw_filetime_to_us(client_id, &ts)) {
        char t[32];
        tw_format_time(ts, t);
        TREE_SPEC(k, td, "ClientId", "MS-PAC 2.7", "the ticket's authtime", "%s", t);
    }
    TREE_SPEC(k, td, "Name", "MS-PAC 2.7", "the client's name", "%s", name);
    tw_event_take_str(k->ev, "pac_client_name", name);
}

/* MS-PAC 2.3 PACTYPE: cBuffers, Version, PAC_INFO_BUFFERs (2.4). */
static void parse_pac(Krb *k, const guint8 *p, gsize n, guint td)
{
    TwCursor c = tw_cursor_init(p, n);
    guint32 count = tw_cursor_le32(&c), version = tw_cursor_le32(&c);
    if (!tw_cursor_ok(&c))
        return;
    TREE_SPEC(k, td, "PACTYPE", "MS-PAC 2.3", "the Privilege Attribute Certificate (who the client is, its groups)", NULL);
    TREE_SPEC(k, td + 1, "cBuffers", "MS-PAC 2.3", NULL, "%u", count);
    TREE_SPEC(k, td + 1, "Version", "MS-PAC 2.3", NULL, "%u", version);
    tw_event_set_int(k->ev, "pac_buffers", count);
    if (count > TW_KRB5_MAX_PAC_BUFFERS && k->ctx)
        tw_count(k->ctx, "kerberos.pac_buffers_capped", 1);
    for (guint32 i = 0; i < count && i < TW_KRB5_MAX_PAC_BUFFERS; i++) {
        guint32 type = tw_cursor_le32(&c), size = tw_cursor_le32(&c);
        guint64 off = tw_cursor_le64(&c);
        if (!tw_cursor_ok(&c))
            break;
        TREE_SPEC(k, td + 1, "PAC_INFO_BUFFER", "MS-PAC 2.4", pac_buffer_note(type), "ulType %u, %u bytes at offset %" G_GUINT64_FORMAT,
             type, size, off);
        if (off > n || size > n - off)
            continue;
        if (type == 1)
            parse_logon_info(k, p + off, size, td + 2);
        else if (type == 10)
            parse_client_info(k, p + off, size, td + 2);
    }
}

/* ---- RFC 4120 5.2.6 AuthorizationData ---- */

static const char *ad_type_name(gint64 t)
{
    switch (t) {
    case 1: return "AD-IF-RELEVANT";
    case 4: return "AD-KDCIssued";
    case 5: return "AD-AND-OR";
    case 8: return "AD-MANDATORY-FOR-KDC";
    case 128: return "AD-WIN2K-PAC";
    case 129: return "AD-ETYPE-NEGOTIATION";
    case 141: return "KERB-AUTH-DATA-TOKEN-RESTRICTIONS";
    case 142: return "KERB-LOCAL";
    case 143: return "AD-AUTH-DATA-AP-OPTIONS";
    case 144: return "AD-TARGET-PRINCIPAL";
    default: return "unknown";
    }
}

typedef struct {
    gint64 type;
} AdRec;

static void parse_authz(Krb *k, const guint8 *p, gsize n, guint d, guint td);

static bool dec_ad_data(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    AdRec *ad = rec;
    gsize n;
    const guint8 *p = get_octets(k, v, &n);
    if (!p)
        return true;
    if (ad->type == 1) /* RFC 4120 5.2.6.1: AuthorizationData inside */
        parse_authz(k, p, n, d, td);
    else if (ad->type == 128) /* MS-PAC 2.3 */
        parse_pac(k, p, n, td);
    else
        TREE(k, td, label_of(f), NULL, "%" G_GSIZE_FORMAT " bytes", n);
    return true;
}

KRB_TYPE(ad_entry_type, "AuthorizationData entry", "RFC 4120 5.2.6",
    FIELD(0, "ad-type", REQ, dec_int, OUT(AdRec, type), .name_of = ad_type_name, .spec = "5.2.6 Int32"),
    FIELD(1, "ad-data", REQ, dec_ad_data, .spec = "5.2.6 OCTET STRING"));

static bool ad_entry(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    AdRec ad = { -1 };
    return walk_value(k, &ad_entry_type, e, d, td, &ad);
}

static void parse_authz(Krb *k, const guint8 *p, gsize n, guint d, guint td)
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
    walk_seq_of(k, &seq, d + 1, td, ad_entry, NULL);
    note(k, &seq);
}

static bool dec_authz(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    TwCursor seq;
    if (!open_seq(k, v, &seq))
        return true;
    HEAD(k, td, label_of(f), f->note);
    walk_seq_of(k, &seq, d + 1, td + 1, ad_entry, NULL);
    note(k, &seq);
    return true;
}

/* ---- the decrypted types ---- */

KRB_TYPE(pa_enc_ts_enc_type, "PA-ENC-TS-ENC", "RFC 4120 5.2.7.2",
    FIELD(0, "patimestamp", REQ, dec_time, .key = "patimestamp",
          .note = "the client's own clock when it sent the request", .spec = "5.2.3 KerberosTime"),
    FIELD(1, "pausec", OPT, dec_int, .key = "pausec", .note = "microseconds", .spec = "5.2.4 Microseconds"));

KRB_TYPE(enc_ticket_part_type, "EncTicketPart", "RFC 4120 5.3",
    FIELD(0, "flags", REQ, dec_flags, .key = "ticket_flags", .bits = &tw_flags_krb_ticket,
          .note = "what the KDC allowed (forwardable, renewable, pre-authent…)", .spec = "5.3 TicketFlags"),
    FIELD(1, "key", REQ, dec_enc_key, .key = "ticket_session_etype",
          .note = "the session key the client and the service share", .spec = "5.2.9 EncryptionKey"),
    FIELD(2, "crealm", REQ, dec_string, .key = "ticket_crealm", .note = "the client's realm", .spec = "5.2.2 Realm"),
    FIELD(3, "cname", REQ, dec_principal, .key = "ticket_cname", .note = "the client the ticket was issued to",
          .spec = "5.2.2 PrincipalName"),
    FIELD(4, "transited", REQ, NULL, .spec = "5.3 TransitedEncoding"),
    FIELD(5, "authtime", REQ, dec_time, .key = "ticket_authtime",
          .note = "when the client authenticated (its AS exchange)", .spec = "5.2.3 KerberosTime"),
    FIELD(6, "starttime", OPT, dec_time, .key = "ticket_starttime", .spec = "5.2.3 KerberosTime"),
    FIELD(7, "endtime", REQ, dec_time, .key = "ticket_endtime", .note = "the ticket expires then",
          .spec = "5.2.3 KerberosTime"),
    FIELD(8, "renew-till", OPT, dec_time, .key = "ticket_renew_till", .spec = "5.2.3 KerberosTime"),
    FIELD(9, "caddr", OPT, dec_host_addresses, .key = "ticket_caddr", .note = "addresses the ticket is bound to",
          .spec = "5.2.5 HostAddresses"),
    FIELD(10, "authorization-data", OPT, dec_authz, .note = "the PAC (MS-PAC) rides here",
          .spec = "5.2.6 AuthorizationData"));

KRB_TYPE(enc_kdc_rep_part_type, "EncKDCRepPart", "RFC 4120 5.4.2",
    FIELD(0, "key", REQ, dec_enc_key, .key = "enc_key_etype",
          .note = "the session key of the ticket in this reply", .spec = "5.2.9 EncryptionKey"),
    FIELD(1, "last-req", REQ, NULL, .spec = "5.4.2 LastReq"),
    FIELD(2, "nonce", REQ, dec_int, .key = "enc_nonce", .flags = KF_UINT32,
          .note = "the request's nonce, echoed: the reply is fresh", .spec = "5.2.4 UInt32"),
    FIELD(3, "key-expiration", OPT, dec_time, .key = "enc_key_expiration",
          .note = "when the client's password expires", .spec = "5.2.3 KerberosTime"),
    FIELD(4, "flags", REQ, dec_flags, .key = "enc_flags", .bits = &tw_flags_krb_ticket, .spec = "5.3 TicketFlags"),
    FIELD(5, "authtime", REQ, dec_time, .key = "enc_authtime", .spec = "5.2.3 KerberosTime"),
    FIELD(6, "starttime", OPT, dec_time, .key = "enc_starttime", .spec = "5.2.3 KerberosTime"),
    FIELD(7, "endtime", REQ, dec_time, .key = "enc_endtime", .spec = "5.2.3 KerberosTime"),
    FIELD(8, "renew-till", OPT, dec_time, .key = "enc_renew_till", .spec = "5.2.3 KerberosTime"),
    FIELD(9, "srealm", REQ, dec_string, .key = "enc_srealm", .spec = "5.2.2 Realm"),
    FIELD(10, "sname", REQ, dec_principal, .key = "enc_sname", .note = "the service the ticket is for",
          .spec = "5.2.2 PrincipalName"),
    FIELD(11, "caddr", OPT, dec_host_addresses, .key = "enc_caddr", .spec = "5.2.5 HostAddresses"),
    FIELD(12, "encrypted-pa-data", OPT, NULL, .spec = "SEQUENCE OF PA-DATA (RFC 6806)"));

/* RFC 4120 5.2.9 Checksum, as an authenticator carries it. */
typedef struct {
    gint64 type;
    const guint8 *p;
    gsize n;
} CksumRec;

static bool dec_cksum_value(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    CksumRec *cr = rec;
    cr->p = get_octets(k, v, &cr->n);
    if (cr->p)
        TREE(k, td, label_of(f), NULL, "%" G_GSIZE_FORMAT " bytes", cr->n);
    return true;
}

static const char *cksum_type_name(gint64 t)
{
    return t == 32771 ? "GSS-API (RFC 4121 4.1.1)" : t == 16 ? "hmac-sha1-96-aes256" : t == 15 ? "hmac-sha1-96-aes128"
         : t == -138 ? "hmac-md5" : "other";
}

KRB_TYPE(auth_cksum_type, "Checksum", "RFC 4120 5.2.9",
    FIELD(0, "cksumtype", REQ, dec_int, OUT(CksumRec, type), .name_of = cksum_type_name, .spec = "5.2.9 Int32"),
    FIELD(1, "checksum", REQ, dec_cksum_value, .spec = "5.2.9 OCTET STRING"));

/* RFC 4121 4.1.1: a GSS-API initiator's authenticator checksum (type
 * 0x8003) is Lgth (16), Bnd, Flags and, with GSS_C_DELEG_FLAG, DlgOpt,
 * Dlgth and a KRB-CRED: the client's TGT, delegated to the service. */
static bool dec_auth_cksum(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    DecRec *dr = rec;
    CksumRec cr = { .type = -1 };
    HEAD(k, td, label_of(f), f->note);
    walk_value(k, &auth_cksum_type, v, d, td + 1, &cr);
    if (cr.type != 32771 || !cr.p)
        return true;
    TwCursor c = tw_cursor_init(cr.p, cr.n);
    guint32 lgth = tw_cursor_le32(&c);
    tw_cursor_skip(&c, 16); /* Bnd: the channel bindings' MD5 */
    guint32 flags = tw_cursor_le32(&c);
    if (!tw_cursor_ok(&c) || lgth != 16)
        return true;
    tw_event_set_int(k->ev, "authenticator_gss_flags", flags);
    TREE(k, td + 1, "Flags", "GSS-API context flags (1 = the TGT is delegated, 2 = mutual authentication)", "0x%08x",
         flags);
    if (!(flags & 1))
        return true;
    guint16 dlgopt = tw_cursor_le16(&c), dlgth = tw_cursor_le16(&c);
    const guint8 *deleg = tw_cursor_bytes(&c, dlgth);
    if (dlgopt == 1 && deleg && dr) {
        TREE(k, td + 1, "Deleg", "a KRB-CRED: the client hands its TGT to the service", "%u bytes", dlgth);
        dr->deleg = deleg;
        dr->deleg_len = dlgth;
    }
    return true;
}

KRB_TYPE(authenticator_type, "Authenticator", "RFC 4120 5.5.1",
    FIELD(0, "authenticator-vno", REQ, dec_int, .note = "authenticator format version (5)", .spec = "INTEGER (5)"),
    FIELD(1, "crealm", REQ, dec_string, .key = "authenticator_crealm", .spec = "5.2.2 Realm"),
    FIELD(2, "cname", REQ, dec_principal, .key = "authenticator_cname", .note = "the client that sends it",
          .spec = "5.2.2 PrincipalName"),
    FIELD(3, "cksum", OPT, dec_auth_cksum, .note = "a checksum; from GSS-API, its flags and a delegated TGT",
          .spec = "5.2.9 Checksum"),
    FIELD(4, "cusec", REQ, dec_int, .key = "authenticator_cusec", .note = "microseconds",
          .spec = "5.2.4 Microseconds"),
    FIELD(5, "ctime", REQ, dec_time, .key = "authenticator_ctime",
          .note = "the client's own clock: the server refuses it beyond the skew tolerance (5 min)",
          .spec = "5.2.3 KerberosTime"),
    FIELD(6, "subkey", OPT, dec_enc_key, .key = "authenticator_subkey_etype",
          .note = "a key the client proposes for this session", .spec = "5.2.9 EncryptionKey"),
    FIELD(7, "seq-number", OPT, dec_int, .key = "authenticator_seq_number", .flags = KF_UINT32,
          .spec = "5.2.4 UInt32"),
    FIELD(8, "authorization-data", OPT, NULL, .spec = "5.2.6 AuthorizationData"));

KRB_TYPE(enc_ap_rep_part_type, "EncAPRepPart", "RFC 4120 5.5.2",
    FIELD(0, "ctime", REQ, dec_time, .key = "ap_rep_ctime",
          .note = "the authenticator's ctime, echoed: the server read it (mutual authentication)",
          .spec = "5.2.3 KerberosTime"),
    FIELD(1, "cusec", REQ, dec_int, .key = "ap_rep_cusec", .note = "microseconds", .spec = "5.2.4 Microseconds"),
    FIELD(2, "subkey", OPT, dec_enc_key, .key = "ap_rep_subkey_etype", .spec = "5.2.9 EncryptionKey"),
    FIELD(3, "seq-number", OPT, dec_int, .key = "ap_rep_seq_number", .flags = KF_UINT32, .spec = "5.2.4 UInt32"));

static bool dec_user_data(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    DecRec *dr = rec;
    gsize n;
    const guint8 *p = get_octets(k, v, &n);
    if (p && dr) {
        dr->user_data = p;
        dr->user_len = n;
    }
    return true;
}

KRB_TYPE(enc_krb_priv_part_type, "EncKrbPrivPart", "RFC 4120 5.7.1",
    FIELD(0, "user-data", REQ, dec_user_data, .spec = "OCTET STRING"),
    FIELD(1, "timestamp", OPT, dec_time, .key = "priv_timestamp", .note = "the sender's clock",
          .spec = "5.2.3 KerberosTime"),
    FIELD(2, "usec", OPT, dec_int, .key = "priv_usec", .spec = "5.2.4 Microseconds"),
    FIELD(3, "seq-number", OPT, dec_int, .key = "priv_seq_number", .flags = KF_UINT32, .spec = "5.2.4 UInt32"),
    FIELD(4, "s-address", REQ, dec_host_address, .key = "priv_s_address", .spec = "5.2.5 HostAddress"),
    FIELD(5, "r-address", OPT, dec_host_address, .key = "priv_r_address", .spec = "5.2.5 HostAddress"));

/* RFC 3244 2 ChangePasswdData (the Microsoft set-password request). */
KRB_TYPE(change_passwd_data_type, "ChangePasswdData", "RFC 3244 2",
    FIELD(0, "newpasswd", REQ, NULL, .spec = "OCTET STRING (never shown)"),
    FIELD(1, "targname", OPT, dec_principal, .key = "kpasswd_target",
          .note = "the account whose password is set", .spec = "RFC 4120 5.2.2 PrincipalName"),
    FIELD(2, "targrealm", OPT, dec_string, .key = "kpasswd_target_realm", .spec = "RFC 4120 5.2.2 Realm"));

/* The lines of what the keys showed (from `first` on: each encrypted part's
 * block, the keys tried, their result, the decrypted structure): a line
 * without a section of its own is part of the block above it (the key trials
 * of a ticket are RFC 4120 5.3's decryption of it, the client clock the
 * PA-ENC-TIMESTAMP's 5.2.7.2), so it carries the section of its nearest
 * enclosing line that has one; a block heading without one (its section was
 * written in its note) gets its own below. */
static void keyed_specs(Krb *k, guint first)
{
    guint n = tw_event_tree_len(k->ev);
    g_autofree const char **at_depth = g_new0(const char *, 64);
    for (guint i = first; i < n; i++) {
        const TwTreeNode *nd = g_ptr_array_index(k->ev->tree, i);
        guint d = MIN(nd->depth, 63);
        /* a bit line of a flag word (core/tw-flags.c: "0... .... = name") decodes the word above it,
         * which carries the section: as everywhere else, it carries none of its own */
        bool bit = nd->name && (nd->name[0] == '0' || nd->name[0] == '1' || nd->name[0] == '.') &&
                   strstr(nd->name, " = ") != NULL;
        if (!nd->spec && !bit)
            for (guint up = d; up-- > 0;)
                if (at_depth[up]) {
                    tw_event_tree_set_spec(k->ev, i, at_depth[up], false);
                    break;
                }
        at_depth[d] = nd->spec;
        for (guint j = d + 1; j < 64; j++)
            at_depth[j] = NULL;
    }
}

/* Walks the plain text of a decrypted part: an [APPLICATION app] SEQUENCE
 * (app 0: a bare SEQUENCE).  EncASRepPart and EncTGSRepPart are read alike
 * (RFC 4120 5.4.2 asks to accept either tag).  Errors in it are the part's,
 * not the message's: counted, the message's status is kept. */
static bool walk_plain(Krb *k, const KrbType *type, GBytes *plain, guint app, guint app2, guint td, void *rec)
{
    gsize n;
    const guint8 *p = g_bytes_get_data(plain, &n);
    TwStatus saved = k->status;
    k->status = TW_OK;
    TwCursor c = tw_cursor_init(p, n);
    TwDerTlv t, st;
    bool ok = tw_der_read(&c, &t, 2);
    if (ok && app) {
        if (app2 && t.cls == TW_DER_APPLICATION && t.tag == app2)
            app = app2;
        ok = open_app(k, &t, app, &st, 2);
        if (ok)
            t = st;
    }
    if (ok) {
        TREE_SPEC(k, td, type->name, type->spec, "decrypted", NULL);
        ok = walk_value(k, type, &t, 3, td + 1, rec);
    }
    note(k, &c);
    ok = ok && k->status == TW_OK;
    if (!ok && k->ctx)
        tw_count(k->ctx, "kerberos.decrypted_malformed", 1);
    k->status = saved;
    return ok;
}

/* The end of the message's KrbDec: its copied names freed (nothing reads
 * it afterwards: the Krb goes with the call). */
static void dec_clear(KrbDec *dd)
{
    if (dd->ticket_sname) /* only with keys: no call for the NULLs */
        g_free(dd->ticket_sname);
    if (dd->ticket_realm)
        g_free(dd->ticket_realm);
    dd->ticket_sname = dd->ticket_realm = NULL;
}

static void keep_ticket(Krb *k, const TicketInfo *ti)
{
    if (k->dec.have_ticket || !k->ctx || !k->ctx->keys)
        return;
    k->dec.have_ticket = true;
    k->dec.ticket = ti->enc;
    k->dec.ticket_sname = ti->sname.cut ? NULL : g_strdup(ti->sname.name);
    k->dec.ticket_realm = ti->realm_cut ? NULL : g_strdup(ti->realm);
}

static bool can_open(const EncInfo *e)
{
    return e->cipher && e->cipher_len && !e->cipher_cut && e->etype >= G_MININT32 && e->etype <= G_MAXINT32;
}

/* A short hex view of cipher text for the teaching view (values shortened). */
static char *short_hex(const guint8 *p, gsize n)
{
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n && i < 8; i++)
        g_string_append_printf(s, "%02x", p[i]);
    if (n > 8)
        g_string_append(s, "…");
    return g_string_free(s, FALSE);
}

static void mark_decrypted(Krb *k)
{
    tw_event_set_bool(k->ev, "decrypted", TRUE);
}

/* Event keys of one long-term key's proof (docs/events.md "Kerberos with keys"). */
typedef struct {
    const char *generations, *label, *index, *kvno, *principal;
} KeyNames;

static const KeyNames client_key_names = { "key_generations", "key_label", "key_generation_index", "key_kvno",
                                           "key_principal" };
static const KeyNames ticket_key_names = { "ticket_key_generations", "ticket_key_label",
                                           "ticket_key_generation_index", "ticket_key_kvno", "ticket_key_principal" };

/* The long-term key that opened a part (or how many generations did not). */
static void set_key_fields(Krb *k, const KeyNames *kn, const TwKrbOpen *o)
{
    if (o->generations)
        tw_event_set_int(k->ev, kn->generations, o->generations);
    if (!o->plain)
        return;
    tw_event_set_str(k->ev, kn->label, o->label);
    if (o->index >= 0)
        tw_event_set_int(k->ev, kn->index, o->index);
    if (tw_key_kvno(o->key))
        tw_event_set_int(k->ev, kn->kvno, tw_key_kvno(o->key));
    tw_event_set_str(k->ev, kn->principal, tw_key_principal(o->key));
}

/* What one decryption attempt came to, into the event (FLAG, and the key's
 * proof under NAMES when given) and the tree.  FALSE, with the reason said
 * and O cleared, when no key was tried or none opened it; TRUE, the message
 * marked decrypted, when O holds the plaintext.  UNTRIED_VALUE and
 * FAILED_VALUE default to "not tried" and "no key opens it (N tried)". */
static bool opened(Krb *k, TwKrbOpen *o, guint td, const char *flag, const KeyNames *names, const char *why_untried,
                   const char *untried_value, const char *why_failed, const char *failed_value)
{
    if (!o->tried) {
        TREE(k, td, "result", why_untried, "%s", untried_value ? untried_value : "not tried");
        tw_krb5_open_clear(o);
        return false;
    }
    tw_event_set_bool(k->ev, flag, o->plain != NULL);
    if (names)
        set_key_fields(k, names, o);
    if (!o->plain) {
        if (failed_value)
            TREE(k, td, "result", why_failed, "%s", failed_value);
        else
            TREE(k, td, "result", why_failed, "no key opens it (%u tried)", o->tried);
        tw_krb5_open_clear(o);
        return false;
    }
    mark_decrypted(k);
    return true;
}

/* ---- RFC 4120 5.8 KRB-CRED delegated in an authenticator (RFC 4121 4.1.1) ---- */

typedef struct {
    TicketInfo ti;
    bool have;
    EncInfo enc;
} CredRec;

static bool deleg_ticket_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    CredRec *cr = rec;
    TicketInfo ti; /* only the first ticket is followed: read into cr, the others here */
    TicketInfo *into = cr->have ? &ti : &cr->ti;
    guint line = k->tree ? tw_event_tree_len(k->ev) : 0;
    parse_ticket(k, e, into, d, td);
    if (k->tree)
        tw_event_tree_set_spec(k->ev, line, "RFC 4120 5.3", false);
    if (into == &ti) {
        ticket_clear(&ti);
        return true;
    }
    cr->have = true;
    return true;
}

static bool dec_deleg_enc(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    ((CredRec *)rec)->enc = parse_encrypted_data(k, v, d, td, label_of(f), f->note);
    return true;
}

KRB_TYPE(deleg_cred_type, "KRB-CRED", "RFC 4120 5.8.1 (delegated, RFC 4121 4.1.1)",
    FIELD(0, "pvno", REQ, NULL),
    FIELD(1, "msg-type", REQ, NULL),
    FIELD(2, "tickets", REQ, dec_seq_of, .elem = deleg_ticket_elem, .flags = KF_STOP, .note = "the delegated TGT",
          .spec = "SEQUENCE OF Ticket (5.3)"),
    FIELD(3, "enc-part", REQ, dec_deleg_enc, .note = "its session key (etype 0: in the clear, inside the authenticator)",
          .spec = "5.2.9 EncryptedData -- EncKrbCredPart"));

KRB_TYPE(krb_cred_info_type, "KrbCredInfo", "RFC 4120 5.8.1",
    FIELD(0, "key", REQ, dec_enc_key, .key = "cred_key_etype", .note = "the delegated ticket's session key",
          .spec = "5.2.9 EncryptionKey"),
    FIELD(1, "prealm", OPT, dec_string, .key = "cred_prealm", .spec = "5.2.2 Realm"),
    FIELD(2, "pname", OPT, dec_principal, .key = "cred_pname", .note = "whose ticket it is", .spec = "5.2.2 PrincipalName"),
    FIELD(3, "flags", OPT, dec_flags, .key = "cred_flags", .bits = &tw_flags_krb_ticket, .spec = "5.3 TicketFlags"),
    FIELD(4, "authtime", OPT, dec_time, .key = "cred_authtime", .spec = "5.2.3 KerberosTime"),
    FIELD(5, "starttime", OPT, dec_time, .key = "cred_starttime", .spec = "5.2.3 KerberosTime"),
    FIELD(6, "endtime", OPT, dec_time, .key = "cred_endtime", .spec = "5.2.3 KerberosTime"),
    FIELD(7, "renew-till", OPT, dec_time, .key = "cred_renew_till", .spec = "5.2.3 KerberosTime"),
    FIELD(8, "srealm", OPT, dec_string, .key = "cred_srealm", .spec = "5.2.2 Realm"),
    FIELD(9, "sname", OPT, dec_principal, .key = "cred_sname", .spec = "5.2.2 PrincipalName"),
    FIELD(10, "caddr", OPT, dec_host_addresses, .key = "cred_caddr", .spec = "5.2.5 HostAddresses"));

static bool cred_info_elem(Krb *k, TwDerTlv *e, guint d, guint td, guint i, void *rec)
{
    if (i > 0)
        return true; /* the first, as the first ticket */
    return walk_value(k, &krb_cred_info_type, e, d, td, rec);
}

KRB_TYPE(enc_krb_cred_part_type, "EncKrbCredPart", "RFC 4120 5.8.1",
    FIELD(0, "ticket-info", REQ, dec_seq_of, .elem = cred_info_elem, .spec = "SEQUENCE OF KrbCredInfo"),
    FIELD(1, "nonce", OPT, dec_int, .key = "cred_nonce", .flags = KF_UINT32, .spec = "5.2.4 UInt32"),
    FIELD(2, "timestamp", OPT, dec_time, .key = "cred_timestamp", .note = "the sender's clock", .spec = "5.2.3 KerberosTime"),
    FIELD(3, "usec", OPT, dec_int, .key = "cred_usec", .spec = "5.2.4 Microseconds"),
    FIELD(4, "s-address", OPT, dec_host_address, .key = "cred_s_address", .spec = "5.2.5 HostAddress"),
    FIELD(5, "r-address", OPT, dec_host_address, .key = "cred_r_address", .spec = "5.2.5 HostAddress"));

/* ---- RFC 6113 FAST (the TGS exchange armored with the TGT) ---- */

typedef struct {
    EncInfo enc;
    bool armor; /* an explicit KrbFastArmor (AS-REQ); a TGS-REQ has none: the TGT is the armor */
} FastRec;

static bool dec_fast_armor(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    ((FastRec *)rec)->armor = true;
    TREE(k, td, label_of(f), f->note, "%s", "present");
    return true;
}

static bool dec_fast_enc(Krb *k, const KrbField *f, TwDerTlv *v, guint d, guint td, void *rec)
{
    ((FastRec *)rec)->enc = parse_encrypted_data(k, v, d, td, label_of(f), f->note);
    return true;
}

KRB_TYPE(fast_armored_req_type, "KrbFastArmoredReq", "RFC 6113 5.4.2",
    FIELD(0, "armor", OPT, dec_fast_armor, .note = "an armor ticket (AS-REQ)", .spec = "KrbFastArmor"),
    FIELD(1, "req-checksum", REQ, NULL, .spec = "Checksum"),
    FIELD(2, "enc-fast-req", REQ, dec_fast_enc, .note = "the real request, under the armor key (key usage 51)",
          .spec = "EncryptedData -- KrbFastReq"));

KRB_TYPE(fast_armored_rep_type, "KrbFastArmoredRep", "RFC 6113 5.4.3",
    FIELD(0, "enc-fast-rep", REQ, dec_fast_enc, .note = "under the armor key (key usage 52)",
          .spec = "EncryptedData -- KrbFastResponse"));

KRB_TYPE(fast_finished_type, "KrbFastFinished", "RFC 6113 5.4.3",
    FIELD(0, "timestamp", REQ, dec_time, .key = "fast_timestamp", .note = "the KDC's own clock",
          .spec = "KerberosTime"),
    FIELD(1, "usec", REQ, dec_int, .key = "fast_usec", .note = "microseconds", .spec = "Microseconds"),
    FIELD(2, "crealm", REQ, dec_string, .key = "fast_crealm", .spec = "Realm"),
    FIELD(3, "cname", REQ, dec_principal, .key = "fast_cname",
          .note = "the real client (the outer cname may be anonymous)", .spec = "PrincipalName"),
    FIELD(4, "ticket-checksum", REQ, NULL, .spec = "Checksum"));

KRB_TYPE(fast_response_type, "KrbFastResponse", "RFC 6113 5.4.3",
    FIELD(0, "padata", REQ, NULL, .spec = "SEQUENCE OF PA-DATA"),
    FIELD(1, "strengthen-key", OPT, dec_enc_key, .key = "fast_strengthen_key_etype",
          .note = "mixed into the reply key (KRB-FX-CF2)", .spec = "EncryptionKey"),
    FIELD(2, "finished", OPT, dec_sequence, .sub = &fast_finished_type, .spec = "KrbFastFinished"),
    FIELD(3, "nonce", REQ, dec_int, .key = "fast_nonce", .flags = KF_UINT32, .spec = "UInt32"));

/* The real request inside the armor (RFC 6113 5.4.2 KrbFastReq.req-body):
 * what tshark decodes of it, into fast_req_*. */
KRB_TYPE(fast_req_body_type, "KDC-REQ-BODY", "RFC 4120 5.4.1 (inside KrbFastReq)",
    FIELD(0, "kdc-options", REQ, dec_flags, .bits = &tw_flags_krb_kdc_options, .spec = "5.4.1 KDCOptions"),
    FIELD(1, "cname", OPT, dec_principal, .key = "fast_req_cname", .spec = "5.2.2 PrincipalName"),
    FIELD(2, "realm", REQ, dec_string, .key = "fast_req_realm", .spec = "5.2.2 Realm"),
    FIELD(3, "sname", OPT, dec_principal, .key = "fast_req_sname", .spec = "5.2.2 PrincipalName"),
    FIELD(5, "till", REQ, dec_time, .key = "fast_req_till", .spec = "5.2.3 KerberosTime"),
    FIELD(7, "nonce", REQ, dec_int, .key = "fast_req_nonce", .flags = KF_UINT32, .spec = "5.2.4 UInt32"));

KRB_TYPE(fast_req_type, "KrbFastReq", "RFC 6113 5.4.2",
    FIELD(0, "fast-options", REQ, NULL, .spec = "FastOptions"),
    FIELD(1, "padata", REQ, NULL, .spec = "SEQUENCE OF PA-DATA"),
    FIELD(2, "req-body", REQ, dec_sequence, .sub = &fast_req_body_type, .note = "the request the KDC answers",
          .spec = "KDC-REQ-BODY"));

/* PA-FX-FAST-REQUEST / -REPLY ::= CHOICE { armored-data [0] ... }. */
static bool read_fast(Krb *k, const KrbType *type, FastRec *fr, guint td)
{
    if (!k->dec.fast)
        return false;
    TwStatus saved = k->status;
    TwCursor c = tw_cursor_init(k->dec.fast, k->dec.fast_len);
    TwDerTlv t, inner;
    bool ok = tw_der_read(&c, &t, 2) && t.cls == TW_DER_CONTEXT && t.tag == 0 && t.constructed &&
              tw_der_read(&t.content, &inner, 3);
    if (ok) {
        HEAD(k, td, type->name, NULL);
        ok = walk_value(k, type, &inner, 4, td + 1, fr);
    }
    k->status = saved;
    return ok && can_open(&fr->enc);
}

static TwKrbTree tree_at(Krb *k, guint td)
{
    TwKrbTree t = { k->ev, k->tree, k->show_keys, td };
    return t;
}

/* "2026-12-02T20:51:12.803702Z (+0.000120 s)": a client clock read from
 * TIME_KEY + USEC_KEY of the event, against the capture clock. */
static void tree_clock(Krb *k, guint td, const char *time_key, const char *usec_key, const char *note_text)
{
    gint64 ts;
    const char *s = tw_event_get_str(k->ev, time_key);
    if (!k->tree || !s || !tw_parse_time(s, &ts))
        return;
    ts += CLAMP(tw_event_get_int(k->ev, usec_key, 0), 0, 999999);
    char tb[32];
    tw_format_time(ts, tb);
    TREE(k, td, "client clock", note_text, "%s (%+.6f s from the capture clock)", tb,
         (double)(ts - k->ev->ts_us) / 1e6);
}

/* RFC 4120 5.2.7.2: an AS-REQ's PA-ENC-TIMESTAMP with the client's
 * long-term keys, every supplied generation newest first (key usage 1).
 * Which one opens it says which password the machine used; its plain text
 * is the machine's own clock. */
static void open_pa_enc_timestamp(Krb *k)
{
    EncInfo *e = &k->dec.pa_ts;
    const char *cname = tw_event_get_whole_str(k->ev, "cname");
    const char *realm = tw_event_get_whole_str(k->ev, "realm");
    if (!e->cipher || !cname)
        return;
    TREE_SPEC(k, 1, "PA-ENC-TIMESTAMP arithmetic", "RFC 4120 5.2.7.2",
              "the client proves it holds its key by encrypting its own clock with it", NULL);
    TREE(k, 2, "client", "cname and realm of this AS-REQ: whose keys are tried", "%s@%s", cname, realm ? realm : "?");
    if (!can_open(e)) {
        TREE(k, 2, "cipher text", "cut by the capture: it cannot be decrypted", "%" G_GSIZE_FORMAT " bytes",
             e->cipher_len);
        return;
    }
    if (k->tree) {
        g_autofree char *hx = short_hex(e->cipher, e->cipher_len);
        TREE(k, 2, "cipher text", "PA-ENC-TIMESTAMP.cipher of this frame", "%s, %" G_GSIZE_FORMAT " bytes %s",
             etype_name(e->etype), e->cipher_len, hx);
        guint64 sf = 0;
        g_autofree char *salt = tw_krb5_salt_of(cname, realm, &sf);
        if (salt)
            TREE(k, 2, "salt", "announced by the KDC (PA-ETYPE-INFO2): a password's key is made with it",
                 "%s (frame %" G_GUINT64_FORMAT ")", salt, sf);
        else
            TREE(k, 2, "salt", "none announced before: a password's key uses the default salt (realm + name, RFC 4120 4)",
                 "%s", "(default)");
        TREE(k, 2, "key usage", "RFC 4120 7.5.1: PA-ENC-TIMESTAMP, under the client's long-term key", "%d", 1);
    }
    TwKrbTree t = tree_at(k, 2);
    TwKrbOpen o;
    tw_krb5_open_longterm(k->ctx, &t, cname, realm, (gint32)e->etype, e->kvno, false, 1, e->cipher, e->cipher_len, &o);
    g_autofree char *failed = g_strdup_printf("no supplied key opens it (%u tried)", o.tried);
    if (!opened(k, &o, 2, "pa_enc_timestamp_decrypted", &client_key_names,
                "the key store holds no key of this client for this encryption type", NULL,
                "the client's key is none of the supplied generations: a password nobody supplied (reset elsewhere, a clone that rotated)",
                failed))
        return;
    walk_plain(k, &pa_enc_ts_enc_type, o.plain, 0, 0, 2, NULL);
    tree_clock(k, 2, "patimestamp", "pausec", "patimestamp + pausec: the machine's own clock when it sent this request");
    TREE(k, 2, "result", "which password the machine used", "%s opens it: generation %d of %u supplied (newest first)",
         o.label, o.index + 1, o.generations);
    tw_krb5_open_clear(&o);
}

/* A ticket (RFC 4120 5.3, key usage 2) with its service's long-term key:
 * its fields into ticket_*, its session key learned for it.
 * Returns: (transfer full) (nullable): the session key. */
static TwKey *decrypt_ticket(Krb *k, const EncInfo *enc, const char *sname, const char *realm, guint td)
{
    TREE_SPEC(k, td, "ticket", "RFC 4120 5.3", "EncTicketPart: under the service's long-term key (key usage 2)", NULL);
    TwKrbTree t = tree_at(k, td + 1);
    TwKrbOpen o;
    tw_krb5_open_longterm(k->ctx, &t, sname, realm, (gint32)enc->etype, enc->kvno, true, 2, enc->cipher, enc->cipher_len,
                          &o);
    if (!opened(k, &o, td + 1, "ticket_decrypted", &ticket_key_names, "the key store holds no key of this encryption type",
                NULL, "none of the supplied keys is the service's", NULL))
        return NULL;
    TREE(k, td + 1, "result", "the generation of the service's key the KDC encrypted the ticket with", "%s of %s",
         o.label, tw_key_principal(o.key));
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &enc_ticket_part_type, o.plain, 3, 0, td + 1, &dr);
    TwKey *sk = NULL;
    if (dr.key) {
        sk = tw_key_new_session((gint32)dr.key_type, dr.key, dr.key_len);
        g_autofree char *what = g_strdup_printf("session key of the ticket for %s", sname);
        tw_krb5_learn_from(k->ctx, sk, enc->cipher, enc->cipher_len, NULL, 0, what);
    }
    tw_krb5_open_clear(&o);
    return sk;
}

/* The message's ticket (KDC-REP, AP-REQ; TGS-REQ: its TGT). */
static TwKey *open_ticket(Krb *k)
{
    KrbDec *dd = &k->dec;
    if (!dd->have_ticket || !can_open(&dd->ticket) || !dd->ticket_sname)
        return NULL;
    return decrypt_ticket(k, &dd->ticket, dd->ticket_sname, dd->ticket_realm, 1);
}

/* The fields of `from` whose key starts with OLD, into `to` renamed NEW… */
static void copy_renamed(const TwEvent *from, TwEvent *to, const char *old, const char *new_prefix)
{
    gsize n = strlen(old);
    for (guint i = 0; from->fields && i < from->fields->len; i++) {
        const TwField *f = &g_array_index(from->fields, TwField, i);
        if (strncmp(f->key, old, n) != 0)
            continue;
        g_autofree char *key = g_strconcat(new_prefix, f->key + n, NULL);
        switch (f->type) {
        case TW_FIELD_INT:
            tw_event_set_int(to, key, f->v.i);
            break;
        case TW_FIELD_BOOL:
            tw_event_set_bool(to, key, f->v.b);
            break;
        case TW_FIELD_STR:
            tw_event_set_str(to, key, f->v.s);
            break;
        case TW_FIELD_INTLIST:
            tw_event_take_intlist(to, key, g_array_copy(f->v.ilist));
            break;
        case TW_FIELD_STRLIST: {
            GPtrArray *l = g_ptr_array_new_with_free_func(g_free);
            for (guint j = 0; j < f->v.slist->len; j++)
                g_ptr_array_add(l, g_strdup(g_ptr_array_index(f->v.slist, j)));
            tw_event_take_strlist(to, key, l);
            break;
        }
        }
    }
}

/* RFC 4121 4.1.1: the KRB-CRED an authenticator delegates — the client's
 * TGT (decrypted with krbtgt's key, into delegated_ticket_*, delegated_pac_*)
 * and its EncKrbCredPart (etype 0 in the clear, else under the subkey or the
 * session key, key usage 14; into cred_*).  Its session key is learned for
 * the TGT: the service's later TGS-REQs with it decrypt too. */
static void open_delegation(Krb *k, const guint8 *p, gsize n, const TwKey *session, const TwKey *sub)
{
    TwStatus saved = k->status;
    TwCursor c = tw_cursor_init(p, n);
    TwDerTlv t, st;
    CredRec cr = { .enc = { .etype = -1, .kvno = -1 } };
    TREE_SPEC(k, 1, "delegated credentials", "RFC 4121 4.1.1", "the client forwards its TGT to the service", NULL);
    if (!tw_der_read(&c, &t, 2) || !open_app(k, &t, TW_KRB5_CRED, &st, 2) ||
        !walk_value(k, &deleg_cred_type, &st, 3, 2, &cr)) {
        k->status = saved;
        if (cr.have)
            ticket_clear(&cr.ti);
        return;
    }
    k->status = saved;
    if (cr.have && cr.ti.sname.name && !cr.ti.sname.cut) {
        tw_event_set_str(k->ev, "delegated_ticket_sname", cr.ti.sname.name);
        if (cr.ti.realm && !cr.ti.realm_cut)
            tw_event_set_str(k->ev, "delegated_ticket_realm", cr.ti.realm);
        if (can_open(&cr.ti.enc)) {
            /* the delegated ticket's fields go to a scratch event, then into this one renamed */
            TwEvent *main_ev = k->ev, *scratch = tw_event_new(k->ctx->pi, "kerberos");
            k->ev = scratch;
            TwKey *dk = decrypt_ticket(k, &cr.ti.enc, cr.ti.sname.name, cr.ti.realm_cut ? NULL : cr.ti.realm, 2);
            tw_key_free(dk);
            k->ev = main_ev;
            copy_renamed(scratch, main_ev, "ticket_", "delegated_ticket_");
            copy_renamed(scratch, main_ev, "pac_", "delegated_pac_");
            if (tw_event_get_bool(scratch, "decrypted", false))
                mark_decrypted(k);
            for (guint i = 0; scratch->tree && i < scratch->tree->len; i++) {
                const TwTreeNode *nd = g_ptr_array_index(scratch->tree, i);
                if (nd->value)
                    tw_event_tree_add_spec(main_ev, nd->depth, nd->name, nd->spec, nd->note, "%s", nd->value);
                else
                    tw_event_tree_add_spec(main_ev, nd->depth, nd->name, nd->spec, nd->note, NULL);
            }
            tw_event_free(scratch);
        }
    }
    if (can_open(&cr.enc) || (cr.enc.etype == 0 && cr.enc.cipher && !cr.enc.cipher_cut)) {
        GBytes *plain = NULL;
        TwKrbOpen o = { .index = -1 };
        if (cr.enc.etype == 0) {
            plain = g_bytes_new(cr.enc.cipher, cr.enc.cipher_len); /* RFC 4121 4.1.1: etype 0, no encryption */
            TREE(k, 2, "enc-part", "etype 0: the authenticator's encryption protects it", "%s", "in the clear");
        } else {
            TwKrbTree tt = tree_at(k, 2);
            if (tw_krb5_open_with(k->ctx, &tt, sub, "the authenticator's subkey", 14, cr.enc.cipher, cr.enc.cipher_len, &o) ||
                (tw_krb5_open_clear(&o),
                 tw_krb5_open_with(k->ctx, &tt, session, "the ticket's session key", 14, cr.enc.cipher,
                                   cr.enc.cipher_len, &o))) {
                plain = o.plain;
                o.plain = NULL;
            }
        }
        tw_event_set_bool(k->ev, "cred_decrypted", plain != NULL);
        if (plain) {
            DecRec dr = { .key_type = -1 };
            walk_plain(k, &enc_krb_cred_part_type, plain, 29, 0, 2, &dr);
            if (dr.key && cr.have && can_open(&cr.ti.enc))
                tw_krb5_learn_key(k->ctx, (gint32)dr.key_type, dr.key, dr.key_len, cr.ti.enc.cipher,
                                  cr.ti.enc.cipher_len, NULL, 0, "session key of the delegated TGT");
            g_bytes_unref(plain);
            mark_decrypted(k);
        }
        tw_krb5_open_clear(&o);
    }
    if (cr.have)
        ticket_clear(&cr.ti);
}

/* An authenticator (RFC 4120 5.5.1; key usage 7 in a PA-TGS-REQ, 11 in an
 * AP-REQ) with the ticket's session key: SK from the decrypted ticket, else
 * the one learned for that ticket.  *session gets the key that opened it
 * (transfer full).  Returns: (transfer full) (nullable): its subkey. */
static TwKey *open_authenticator(Krb *k, const EncInfo *e, gint32 usage, const TwKey *sk, TwKey **session)
{
    *session = NULL;
    if (!can_open(e) || !k->dec.have_ticket)
        return NULL;
    TREE_SPEC(k, 1, "authenticator", "RFC 4120 5.5.1",
              usage == 7 ? "in PA-TGS-REQ: under the TGT's session key, key usage 7"
                         : "under the ticket's session key, key usage 11",
              NULL);
    TwKrbTree t = tree_at(k, 2);
    TwKrbOpen o;
    if (sk)
        tw_krb5_open_with(k->ctx, &t, sk, "the session key in the ticket above", usage, e->cipher, e->cipher_len, &o);
    else if (can_open(&k->dec.ticket))
        tw_krb5_open_by_ticket(k->ctx, &t, k->dec.ticket.cipher, k->dec.ticket.cipher_len, usage, e->cipher,
                               e->cipher_len, &o);
    else
        memset(&o, 0, sizeof o);
    if (!opened(k, &o, 2, "authenticator_decrypted", NULL,
                "neither the ticket (the service's key) nor the reply that issued it (the client's key) was decrypted",
                "session key unknown", "the ticket's session key does not open it", "not decrypted"))
        return NULL;
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &authenticator_type, o.plain, 2, 0, 2, &dr);
    tree_clock(k, 2, "authenticator_ctime", "authenticator_cusec", "ctime + cusec: the client's own clock");
    gsize n;
    const guint8 *b = tw_key_material(o.key, &n);
    *session = tw_key_new_session(tw_key_enctype(o.key), b, n);
    TwKey *sub = dr.key ? tw_key_new_session((gint32)dr.key_type, dr.key, dr.key_len) : NULL;
    if (dr.deleg)
        open_delegation(k, dr.deleg, dr.deleg_len, *session, sub);
    tw_krb5_open_clear(&o);
    return sub;
}

/* The enc-part of an AS-REP (RFC 4120 5.4.2, key usage 3) with the client's
 * long-term keys: its session key is the TGT's. */
static void open_as_rep_part(Krb *k, const char *cname, const char *crealm)
{
    EncInfo *e = &k->dec.enc;
    if (!can_open(e) || !cname)
        return;
    TREE_SPEC(k, 1, "enc-part", "RFC 4120 5.4.2", "EncASRepPart: under the client's long-term key (key usage 3)", NULL);
    TwKrbTree t = tree_at(k, 2);
    TwKrbOpen o;
    tw_krb5_open_longterm(k->ctx, &t, cname, crealm, (gint32)e->etype, e->kvno, false, 3, e->cipher, e->cipher_len, &o);
    if (!opened(k, &o, 2, "enc_part_decrypted", &client_key_names,
                "the key store holds no key of this client for this encryption type", NULL,
                "none of the supplied generations is the client's", NULL))
        return;
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &enc_kdc_rep_part_type, o.plain, 25, 26, 2, &dr);
    if (dr.key && can_open(&k->dec.ticket))
        tw_krb5_learn_key(k->ctx, (gint32)dr.key_type, dr.key, dr.key_len, k->dec.ticket.cipher,
                          k->dec.ticket.cipher_len, NULL, 0, "session key of the TGT (AS-REP)");
    tw_krb5_open_clear(&o);
}

/* A reply's enc-part under a key the client's request handed on: tries
 * USAGES in turn (newest key first for each), each strengthened first when
 * STRENGTHEN (FAST). */
static bool open_for_client(Krb *k, const char *client, const gint32 *usages, guint nu, const TwKey *strengthen,
                            TwKrbOpen *o)
{
    TwKrbTree t = tree_at(k, 2);
    guint tried = 0;
    for (guint i = 0; i < nu; i++) {
        bool ok = strengthen ? tw_krb5_open_for_client_strengthened(k->ctx, &t, client, usages[i], strengthen,
                                                                    k->dec.enc.cipher, k->dec.enc.cipher_len, o)
                             : tw_krb5_open_for_client(k->ctx, &t, client, usages[i], k->dec.enc.cipher,
                                                       k->dec.enc.cipher_len, o);
        if (ok) {
            o->tried += tried;
            return true;
        }
        tried += o->tried;
        tw_krb5_open_clear(o);
    }
    o->tried = tried;
    return false;
}

/* RFC 6113 5.4.1.1: a TGS-REQ with PA-FX-FAST and no explicit armor is
 * armored with its TGT: armor key = KRB-FX-CF2(authenticator subkey, TGT
 * session key, "subkeyarmor", "ticketarmor"), learned for the reply. */
static void fast_armor(Krb *k, const TwKey *sub, const TwKey *session)
{
    FastRec fr = { .enc = { .etype = -1, .kvno = -1 } };
    if (!sub || !session || !k->dec.fast)
        return;
    TREE_SPEC(k, 1, "FAST armor", "RFC 6113 5.4.1.1", "the TGS exchange is armored with the TGT", NULL);
    if (!read_fast(k, &fast_armored_req_type, &fr, 2) || fr.armor)
        return;
    TwKey *armor = tw_key_cf2(k->ctx->keys, sub, "subkeyarmor", session, "ticketarmor");
    if (!armor)
        return;
    if (k->tree) {
        g_autofree char *shown = tw_krb5_key_shown(armor, k->show_keys);
        TREE(k, 2, "armor key", "KRB-FX-CF2(authenticator subkey, TGT session key, \"subkeyarmor\", \"ticketarmor\")",
             "%s", shown);
    }
    tw_krb5_learn_from(k->ctx, armor, NULL, 0, k->ev->src, 52, "FAST armor key of the TGS-REQ");
    TwKrbTree t = tree_at(k, 2);
    TwKrbOpen o;
    if (tw_krb5_open_with(k->ctx, &t, armor, "the armor key", 51, fr.enc.cipher, fr.enc.cipher_len, &o)) {
        mark_decrypted(k);
        tw_event_set_bool(k->ev, "fast_decrypted", TRUE);
        walk_plain(k, &fast_req_type, o.plain, 0, 0, 2, NULL);
    } else {
        tw_event_set_bool(k->ev, "fast_decrypted", FALSE);
    }
    tw_krb5_open_clear(&o);
    tw_key_free(armor);
}

/* RFC 6113 5.4.3: the KrbFastResponse of a TGS-REP under the armor key
 * (key usage 52).  Returns: (transfer full) (nullable): its strengthen-key. */
static TwKey *fast_response(Krb *k)
{
    FastRec fr = { .enc = { .etype = -1, .kvno = -1 } };
    if (!k->dec.fast)
        return NULL;
    TREE_SPEC(k, 1, "FAST", "RFC 6113 5.4.3", "the armored reply", NULL);
    if (!read_fast(k, &fast_armored_rep_type, &fr, 2))
        return NULL;
    TwKrbTree t = tree_at(k, 2);
    TwKrbOpen o;
    if (!tw_krb5_open_for_client(k->ctx, &t, k->ev->dst, 52, fr.enc.cipher, fr.enc.cipher_len, &o)) {
        if (o.tried)
            TREE(k, 2, "result", "the armor keys of this client's requests do not open it", "no key opens it (%u tried)",
                 o.tried);
        tw_krb5_open_clear(&o);
        return NULL;
    }
    mark_decrypted(k);
    tw_event_set_bool(k->ev, "fast_decrypted", TRUE);
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &fast_response_type, o.plain, 0, 0, 2, &dr);
    TwKey *sk = dr.key ? tw_key_new_session((gint32)dr.key_type, dr.key, dr.key_len) : NULL;
    tw_krb5_open_clear(&o);
    return sk;
}

/* The enc-part of a TGS-REP (RFC 4120 5.4.2): key usage 9 under the
 * request's authenticator subkey, 8 under the TGT's session key; with FAST
 * each strengthened with the reply's strengthen-key (RFC 6113 5.4.3). */
static void open_tgs_rep_part(Krb *k, const TwKey *strengthen)
{
    EncInfo *e = &k->dec.enc;
    if (!can_open(e))
        return;
    TREE_SPEC(k, 1, "enc-part", "RFC 4120 5.4.2", "EncTGSRepPart: under the request's subkey (key usage 9) or TGT session key (8)", NULL);
    static const gint32 usages[] = { 9, 8 };
    TwKrbOpen o;
    open_for_client(k, k->ev->dst, usages, G_N_ELEMENTS(usages), strengthen, &o);
    if (!opened(k, &o, 2, "enc_part_decrypted", NULL, "no TGS-REQ of this client was decrypted: its keys are unknown", NULL,
                "none of the keys this client's requests handed on opens it (FAST strengthens the reply key)", NULL))
        return;
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &enc_kdc_rep_part_type, o.plain, 26, 25, 2, &dr);
    if (dr.key && can_open(&k->dec.ticket)) {
        g_autofree char *what = g_strdup_printf("session key of the ticket for %s",
                                                k->dec.ticket_sname ? k->dec.ticket_sname : "?");
        tw_krb5_learn_key(k->ctx, (gint32)dr.key_type, dr.key, dr.key_len, k->dec.ticket.cipher,
                          k->dec.ticket.cipher_len, NULL, 0, what);
    }
    tw_krb5_open_clear(&o);
}

/* AP-REP (RFC 4120 5.5.2, key usage 12) under the session key of the
 * client's AP-REQ; its subkey protects what follows (kpasswd's KRB-PRIV).
 * In DCE-style Kerberos (MS-KILE 3.4.5.1, RFC 4121 4.1.1 GSS_C_DCE_STYLE,
 * a DCE/RPC bind's third leg: auth3 or alter_context) the client answers
 * the server's AP-REP with an AP-REP of its own under the same key: the
 * keys learned for the client are then those of its source address. */
static void open_ap_rep_part(Krb *k)
{
    if (!can_open(&k->dec.enc))
        return;
    TREE_SPEC(k, 1, "enc-part", "RFC 4120 5.5.2", "EncAPRepPart: under the session key of the client's AP-REQ (key usage 12)", NULL);
    static const gint32 usages[] = { 12 };
    TwKrbOpen o;
    open_for_client(k, k->ev->dst, usages, 1, NULL, &o);
    if (!o.plain) {
        guint before = o.tried;
        tw_krb5_open_clear(&o);
        open_for_client(k, k->ev->src, usages, 1, NULL, &o);
        o.tried += before;
    }
    if (!opened(k, &o, 2, "enc_part_decrypted", NULL, "no AP-REQ of this client was decrypted: its session key is unknown",
                NULL, "none of the client's session keys opens it", NULL))
        return;
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &enc_ap_rep_part_type, o.plain, 27, 0, 2, &dr);
    if (dr.key)
        tw_krb5_learn_key(k->ctx, (gint32)dr.key_type, dr.key, dr.key_len, NULL, 0, k->ev->dst, 13, "AP-REP subkey");
    tw_krb5_open_clear(&o);
}

/* RFC 3244 2: the user-data of a kpasswd KRB-PRIV.  The request's new
 * password is never read out; the set-password form names its target. */
static void kpasswd_user_data(Krb *k, const DecRec *dr, bool request)
{
    if (!dr->user_data)
        return;
    if (request) {
        TwCursor c = tw_cursor_init(dr->user_data, dr->user_len);
        TwDerTlv t;
        TwStatus saved = k->status;
        if (dr->user_len && dr->user_data[0] == 0x30 && tw_der_read(&c, &t, 3) && t.cls == TW_DER_UNIVERSAL &&
            t.tag == TW_DER_TAG_SEQUENCE && tw_der_next_is(&t.content, TW_DER_CONTEXT, 0)) {
            TREE_SPEC(k, 2, "ChangePasswdData", "RFC 3244 2", "the Microsoft set-password form: the new password is not shown",
                      NULL);
            walk_value(k, &change_passwd_data_type, &t, 4, 3, NULL);
        } else {
            TREE_SPEC(k, 2, "user-data", "RFC 3244 2", "the new password, in the clear inside (never shown)",
                      "%" G_GSIZE_FORMAT " bytes", dr->user_len);
        }
        k->status = saved;
        return;
    }
    if (dr->user_len < 2)
        return;
    gint64 rc = (dr->user_data[0] << 8) | dr->user_data[1];
    const char *nm = tw_krb5_kpasswd_result_name(rc);
    tw_event_set_int(k->ev, "kpasswd_result", rc);
    if (nm)
        tw_event_set_str(k->ev, "kpasswd_result_name", nm);
    TREE_SPEC(k, 2, "result-code", "RFC 3244 2", rc ? "the password was not changed" : "the password was changed",
              "%" G_GINT64_FORMAT " (%s)", rc, nm ? nm : "unknown");
    if (dr->user_len > 2) {
        char *s = octets_text(dr->user_data + 2, dr->user_len - 2);
        TREE_SPEC(k, 2, "result-string", "RFC 3244 2", "the server's words for it", "%s", s);
        tw_event_take_str(k->ev, "kpasswd_result_string", s);
    }
}

/* KRB-PRIV (RFC 4120 5.7.1, key usage 13) under a key of the AP exchange
 * before it: the request's under the AP-REQ's subkey (or session key), the
 * reply's under the AP-REP's (RFC 3244 2). */
static void open_priv_part(Krb *k)
{
    if (!can_open(&k->dec.enc))
        return;
    TREE_SPEC(k, 1, "enc-part", "RFC 4120 5.7.1", "EncKrbPrivPart: under the subkey or session key of the AP exchange (key usage 13)", NULL);
    static const gint32 usages[] = { 13 };
    TwKrbOpen o;
    bool request = open_for_client(k, k->ev->src, usages, 1, NULL, &o);
    guint tried = o.tried;
    if (!request) {
        open_for_client(k, k->ev->dst, usages, 1, NULL, &o);
        o.tried += tried;
    }
    if (!opened(k, &o, 2, "enc_part_decrypted", NULL, "no AP exchange of this client was decrypted: its keys are unknown",
                NULL, "none of the learned keys opens it", NULL))
        return;
    DecRec dr = { .key_type = -1 };
    walk_plain(k, &enc_krb_priv_part_type, o.plain, 28, 0, 2, &dr);
    if (k->kpasswd)
        kpasswd_user_data(k, &dr, request);
    tw_krb5_open_clear(&o);
}

/* Everything the keys open in this message, once it is read. */
static void krb_decrypt(Krb *k, gint64 t)
{
    TwEvent *ev = k->ev;
    const char *cname = tw_event_get_whole_str(ev, "cname");
    const char *crealm = tw_event_get_whole_str(ev, "crealm");
    const char *realm = tw_event_get_whole_str(ev, "realm");
    const char *salt = tw_event_get_whole_str(ev, "salt");
    /* RFC 4120 5.2.7.5: the KDC announces the salt of a password's key */
    if ((t == TW_KRB5_ERROR || t == TW_KRB5_AS_REP) && cname && salt)
        tw_krb5_note_salt(k->ctx, cname, crealm ? crealm : realm, salt);
    TwKey *sk = NULL, *session = NULL, *sub = NULL;
    switch (t) {
    case TW_KRB5_AS_REQ:
        open_pa_enc_timestamp(k);
        break;
    case TW_KRB5_AS_REP:
        sk = open_ticket(k);
        open_as_rep_part(k, cname, crealm ? crealm : realm);
        break;
    case TW_KRB5_TGS_REQ:
        /* the TGT, then the authenticator under its session key; the reply
         * will be under the subkey (9) or that session key (8) */
        sk = open_ticket(k);
        sub = open_authenticator(k, &k->dec.tgs_auth, 7, sk, &session);
        tw_krb5_learn_from(k->ctx, session, NULL, 0, ev->src, 8, "session key of the TGT");
        tw_krb5_learn_from(k->ctx, sub, NULL, 0, ev->src, 9, "TGS-REQ authenticator subkey");
        fast_armor(k, sub, session);
        break;
    case TW_KRB5_TGS_REP:
        sk = open_ticket(k);
        sub = fast_response(k); /* the strengthen-key */
        open_tgs_rep_part(k, sub);
        break;
    case TW_KRB5_AP_REQ:
        /* the ticket, the authenticator; the AP-REP will be under the
         * session key (12), a KRB-PRIV under the subkey or the session key (13) */
        sk = open_ticket(k);
        sub = open_authenticator(k, &k->dec.enc, 11, sk, &session);
        tw_krb5_learn_from(k->ctx, session, NULL, 0, ev->src, 12, "session key of the AP-REQ's ticket");
        tw_krb5_learn_from(k->ctx, session, NULL, 0, ev->src, 13, "session key of the AP-REQ's ticket");
        tw_krb5_learn_from(k->ctx, sub, NULL, 0, ev->src, 13, "AP-REQ authenticator subkey");
        break;
    case TW_KRB5_AP_REP:
        open_ap_rep_part(k);
        break;
    case TW_KRB5_PRIV:
        open_priv_part(k);
        break;
    default:
        break;
    }
    tw_key_free(sk);
    tw_key_free(session);
    tw_key_free(sub);
}

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
    k.msg_type = msg_type;
    k.tree = ctx && ctx->want_tree;
    k.kpasswd = kpasswd;
    k.ctx = ctx;
    k.show_keys = ctx && ctx->show_keys;
    k.dec.pa_ts.etype = k.dec.enc.etype = k.dec.tgs_auth.etype = k.dec.ticket.etype = -1;
    note(&k, &c);
    tw_event_set_int(k.ev, "msg_type", msg_type);
    tw_event_set_str(k.ev, "msg", tw_krb5_msg_name(msg_type));
    if (kpasswd)
        tw_event_set_bool(k.ev, "kpasswd", TRUE);
    HEAD(&k, 0, tw_krb5_msg_name(msg_type), NULL);

    TwDerTlv st;
    if (app.content.status == TW_OK && tw_der_read(&app.content, &st, 1)) {
        const KrbType *table = msg_type <= TW_KRB5_ERROR ? message_tables[msg_type] : NULL;
        if (k.tree && table)
            tw_event_tree_set_spec(k.ev, 0, table->spec, false);
        TwCursor seq;
        if (open_seq(&k, &st, &seq) && table)
            walk(&k, table, &seq, 2, 1, NULL);
    } else {
        note(&k, &app.content);
    }
    note(&k, &c);
    if (ctx && ctx->keys) {
        guint first = k.tree ? tw_event_tree_len(k.ev) : 0;
        krb_decrypt(&k, msg_type);
        if (k.tree)
            keyed_specs(&k, first);
    }
    dec_clear(&k.dec);
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
