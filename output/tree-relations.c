/* tree-relations.c — relations, clocks and narratives of the teaching view
 * (see tree-relations.h).  Only event fields are read: the same pass runs
 * on a capture and on saved events. */
#include "tree-relations.h"

#include "core/krb5-names.h"
#include "core/ntstatus.h"
#include "core/tw-limits.h"

#include <stdio.h>
#include <string.h>

void tw_tree_line(GString *out, guint depth, const char *name, const char *value, const char *note,
                  const char *spec)
{
    for (guint d = 0; d <= depth; d++)
        g_string_append(out, "    ");
    g_string_append(out, name);
    if (value)
        g_string_append_printf(out, ": %s", value);
    if (note)
        g_string_append_printf(out, "   -- %s", note);
    if (spec)
        g_string_append_printf(out, "   [%s]", spec);
    g_string_append_c(out, '\n');
}

/* "+3.200 ms", "-1.5 s", "+2 h 0 min 3.0 s" */
static char *fmt_delta(gint64 us)
{
    const char *sign = us < 0 ? "-" : "+";
    guint64 a = us < 0 ? (guint64)(-(us + 1)) + 1 : (guint64)us;
    if (a < 1000)
        return g_strdup_printf("%s%" G_GUINT64_FORMAT " us", sign, a);
    if (a < G_USEC_PER_SEC)
        return g_strdup_printf("%s%.3f ms", sign, a / 1000.0);
    if (a < 3600 * (guint64)G_USEC_PER_SEC)
        return g_strdup_printf("%s%.3f s", sign, a / 1e6);
    guint64 s = a / G_USEC_PER_SEC;
    return g_strdup_printf("%s%" G_GUINT64_FORMAT " h %02" G_GUINT64_FORMAT " min %02" G_GUINT64_FORMAT
                           ".%03" G_GUINT64_FORMAT " s (%.1f s)",
                           sign, s / 3600, s / 60 % 60, s % 60, a / 1000 % 1000, a / 1e6);
}

void tw_tree_rel_response_line(GString *out, guint64 frame, gint64 delta_us)
{
    char v[32];
    g_autofree char *d = fmt_delta(delta_us);
    g_snprintf(v, sizeof v, "%" G_GUINT64_FORMAT, frame);
    g_autofree char *note = g_strdup_printf("%s after this request", d);
    tw_tree_line(out, 1, "response in frame", v, note, NULL);
}

/* ---- exchanges ---------------------------------------------------------- */

typedef enum { EX_KRB_AS, EX_KRB_TGS, EX_NETLOGON, EX_NTLM } ExKind;

typedef struct {
    ExKind kind;
    char *key;
    char *who;         /* the client, as the narrative names it */
    GPtrArray *steps;  /* char*: "AS-REQ without pre-authentication (frame 1)" */
    guint dropped;     /* steps past TW_TREE_MAX_STEPS */
    GArray *frames;    /* guint64 */
    gint64 last_ts;
    char *conclusion;  /* what the exchange shows, when it ended */
    bool saw_preauth_required;
    bool sent_preauth; /* an AS-REQ with PA-ENC-TIMESTAMP was seen */
    bool zero_challenge, zero_credential; /* NETLOGON: the Zerologon pattern */
} Exchange;

typedef struct {
    guint64 frame;
    gint64 ts_us;
} Recent;

struct TwTreeRel {
    GHashTable *by_key;   /* key -> Exchange* (owned by `open`) */
    GHashTable *by_frame; /* request frame -> Exchange* (Kerberos replies find their exchange) */
    GQueue open;          /* Exchange*, oldest first */
    GHashTable *recent;   /* frame -> gint64* ts (first event of the frame) */
    GQueue recent_order;  /* guint64* frames, oldest first */
    bool (*shown)(guint64 frame, void *user);
    void *shown_user;
    /* DCE/RPC binds awaiting their ack: "client|server|call_id" -> frame */
    GHashTable *binds;
};

static void exchange_free(Exchange *x)
{
    g_free(x->key);
    g_free(x->who);
    g_ptr_array_unref(x->steps);
    g_array_unref(x->frames);
    g_free(x->conclusion);
    g_free(x);
}

TwTreeRel *tw_tree_rel_new(bool (*shown)(guint64 frame, void *user), void *user)
{
    TwTreeRel *r = g_new0(TwTreeRel, 1);
    r->shown = shown;
    r->shown_user = user;
    r->binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    r->by_frame = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    r->recent = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    g_queue_init(&r->open);
    g_queue_init(&r->recent_order);
    return r;
}

void tw_tree_rel_free(TwTreeRel *r)
{
    if (!r)
        return;
    g_hash_table_destroy(r->by_key);
    g_hash_table_destroy(r->by_frame);
    g_queue_clear_full(&r->open, (GDestroyNotify)exchange_free);
    g_hash_table_destroy(r->recent);
    g_queue_clear_full(&r->recent_order, g_free);
    g_hash_table_destroy(r->binds);
    g_free(r);
}

static const char *kind_title(ExKind k)
{
    switch (k) {
    case EX_KRB_AS: return "Kerberos AS exchange (RFC 4120 3.1)";
    case EX_KRB_TGS: return "Kerberos TGS exchange (RFC 4120 3.3)";
    case EX_NETLOGON: return "NETLOGON secure channel setup (MS-NRPC 3.1.4.1)";
    case EX_NTLM: return "NTLM authentication (MS-NLMP 3.1.5)";
    }
    return "exchange";
}

/* The narrative of x as tree lines, with its frames (both appended). */
static void narrate(const Exchange *x, GString *out, GArray *frames)
{
    g_autofree char *who = g_strdup_printf("%s", x->who ? x->who : "?");
    tw_tree_line(out, 0, "exchange", kind_title(x->kind), NULL, NULL);
    tw_tree_line(out, 1, "client", who, NULL, NULL);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < x->steps->len; i++)
        g_string_append_printf(s, "%s%s", i ? " -> " : "", (const char *)g_ptr_array_index(x->steps, i));
    if (x->dropped)
        g_string_append_printf(s, " -> (%u more steps)", x->dropped);
    tw_tree_line(out, 1, "steps", s->str, NULL, NULL);
    g_string_free(s, TRUE);
    tw_tree_line(out, 1, "so", x->conclusion ? x->conclusion : "the exchange did not finish in the capture", NULL,
                 NULL);
    g_array_append_vals(frames, x->frames->data, x->frames->len);
}

static void close_exchange(TwTreeRel *r, Exchange *x, GString *narr, GArray *frames)
{
    bool shown = !r->shown;
    for (guint i = 0; !shown && i < x->frames->len; i++)
        shown = r->shown(g_array_index(x->frames, guint64, i), r->shown_user);
    if (shown)
        narrate(x, narr, frames);
    g_hash_table_remove(r->by_key, x->key);
    for (guint i = 0; i < x->frames->len; i++) {
        guint64 f = g_array_index(x->frames, guint64, i);
        if (g_hash_table_lookup(r->by_frame, &f) == x)
            g_hash_table_remove(r->by_frame, &f);
    }
    g_queue_remove(&r->open, x);
    exchange_free(x);
}

static Exchange *exchange_open(TwTreeRel *r, ExKind kind, const char *key, const char *who, GString *narr,
                               GArray *frames)
{
    Exchange *old = g_hash_table_lookup(r->by_key, key);
    if (old)
        close_exchange(r, old, narr, frames); /* a new start: the old one ends unfinished */
    if (g_queue_get_length(&r->open) >= TW_TREE_MAX_EXCHANGES)
        close_exchange(r, g_queue_peek_head(&r->open), narr, frames);
    Exchange *x = g_new0(Exchange, 1);
    x->kind = kind;
    x->key = g_strdup(key);
    x->who = g_strdup(who);
    x->steps = g_ptr_array_new_with_free_func(g_free);
    x->frames = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_hash_table_insert(r->by_key, x->key, x);
    g_queue_push_tail(&r->open, x);
    return x;
}

static void step(TwTreeRel *r, Exchange *x, const TwEvent *ev, char *text /* transfer full */)
{
    if (x->steps->len < TW_TREE_MAX_STEPS) {
        g_ptr_array_add(x->steps, g_strdup_printf("%s (frame %" G_GUINT64_FORMAT ")", text, ev->frame));
    } else {
        x->dropped++;
    }
    g_free(text);
    if (x->frames->len < TW_TREE_MAX_STEPS * 2)
        g_array_append_val(x->frames, ev->frame);
    x->last_ts = ev->ts_us;
    /* the queue is kept in order of last activity: idle ones are at the head */
    g_queue_remove(&r->open, x);
    g_queue_push_tail(&r->open, x);
}

static void remember_request(TwTreeRel *r, Exchange *x, guint64 frame)
{
    if (g_hash_table_size(r->by_frame) >= TW_TREE_MAX_EXCHANGES * 4)
        return; /* a reply will open its own record: counted by no one, harmless */
    guint64 *k = g_new(guint64, 1);
    *k = frame;
    g_hash_table_replace(r->by_frame, k, x);
}

static bool list_has(const TwEvent *ev, const char *key, gint64 v)
{
    const TwField *f = tw_event_get(ev, key);
    if (!f || f->type != TW_FIELD_INTLIST)
        return false;
    for (guint i = 0; i < f->v.ilist->len; i++)
        if (g_array_index(f->v.ilist, gint64, i) == v)
            return true;
    return false;
}

static const char *str_or(const TwEvent *ev, const char *key, const char *dflt)
{
    const char *s = tw_event_get_str(ev, key);
    return s ? s : dflt;
}

/* RFC 4120 3.1: AS-REQ -> [KRB-ERROR 25 -> AS-REQ with PA-ENC-TIMESTAMP] -> AS-REP | KRB-ERROR. */
static void kerberos(TwTreeRel *r, const TwEvent *ev, GString *narr, GArray *frames)
{
    gint64 mt = tw_event_get_int(ev, "msg_type", 0);
    if (ev->transport && strcmp(ev->transport, "udp") != 0 && strcmp(ev->transport, "tcp") != 0)
        return; /* AP exchanges inside SMB2/LDAP/HTTP belong to their carrier */
    const char *cname = tw_event_get_str(ev, "cname");
    const char *realm = str_or(ev, "realm", "");
    if (mt == 10 || mt == 12) {
        bool as = mt == 10;
        const char *sname = str_or(ev, "sname", "?");
        char key[512];
        /* an AS exchange spans a port change (UDP, then TCP after 52): the client's address only */
        if (as)
            g_snprintf(key, sizeof key, "as|%s|%s@%s", ev->src, cname ? cname : "?", realm);
        else
            g_snprintf(key, sizeof key, "tgs|%s|%s|%" G_GUINT64_FORMAT, ev->src, sname, ev->frame);
        Exchange *x = as ? g_hash_table_lookup(r->by_key, key) : NULL;
        bool preauth = list_has(ev, "padata", 2);
        /* a new attempt begins without pre-authentication after one with it;
         * a repeated AS-REQ without it (a retransmission, a 25) continues */
        if (!x || (!preauth && x->sent_preauth)) {
            g_autofree char *who = g_strdup_printf("%s%s%s from %s", as ? (cname ? cname : "?") : "a TGT holder",
                                                   as && realm[0] ? "@" : "", as ? realm : "", ev->src);
            x = exchange_open(r, as ? EX_KRB_AS : EX_KRB_TGS, key, who, narr, frames);
        }
        x->sent_preauth |= preauth;
        if (as)
            step(r, x, ev,
                 preauth ? g_strdup_printf("AS-REQ with the encrypted timestamp (PA-ENC-TIMESTAMP)")
                         : g_strdup("AS-REQ without pre-authentication"));
        else
            step(r, x, ev, g_strdup_printf("TGS-REQ for %s", sname));
        remember_request(r, x, ev->frame);
        return;
    }
    if (mt != 11 && mt != 13 && mt != 30)
        return;
    gint64 req = tw_event_get_int(ev, "reply_to", 0);
    Exchange *x = req > 0 ? g_hash_table_lookup(r->by_frame, &(guint64){ (guint64)req }) : NULL;
    if (!x)
        return; /* its request was not seen (or not over UDP/TCP) */
    if (mt == 11) {
        step(r, x, ev, g_strdup_printf("AS-REP (ticket etype %" G_GINT64_FORMAT ", kvno %" G_GINT64_FORMAT ")",
                                       tw_event_get_int(ev, "ticket_etype", -1), tw_event_get_int(ev, "enc_kvno", -1)));
        x->conclusion = g_strdup("the KDC decrypted the timestamp with the account's key and issued a TGT: "
                                 "the client holds the password the KDC has");
        close_exchange(r, x, narr, frames);
        return;
    }
    if (mt == 13) {
        step(r, x, ev, g_strdup("TGS-REP"));
        x->conclusion = g_strdup("the KDC accepted the TGT and issued the service ticket");
        close_exchange(r, x, narr, frames);
        return;
    }
    gint64 code = tw_event_get_int(ev, "error_code", -1);
    const char *name = str_or(ev, "error_name", "unknown");
    switch (code) {
    case 25: {
        const char *salt = tw_event_get_str(ev, "salt");
        x->saw_preauth_required = true;
        step(r, x, ev,
             salt ? g_strdup_printf("25 %s with the salt %s", name, salt) : g_strdup_printf("25 %s", name));
        return; /* the client retries with the timestamp */
    }
    case 52:
        step(r, x, ev, g_strdup_printf("52 %s: the client retries over TCP", name));
        return;
    case 24:
        step(r, x, ev, g_strdup_printf("24 %s", name));
        x->conclusion = g_strdup("the key is wrong: the KDC could not decrypt the timestamp with the account's key "
                                 "(for a machine NAME$: its password no longer matches AD)");
        break;
    case 37:
        step(r, x, ev, g_strdup_printf("37 %s", name));
        x->conclusion = g_strdup("the clocks differ by more than the tolerance; in an AS exchange the KDC decrypted "
                                 "the timestamp first, so the password was right");
        break;
    case 6:
        step(r, x, ev, g_strdup_printf("6 %s", name));
        x->conclusion = g_strdup("the KDC has no such client: the account was deleted or never existed");
        break;
    case 18:
        step(r, x, ev, g_strdup_printf("18 %s", name));
        x->conclusion = g_strdup("the account is disabled, locked or expired (the NTSTATUS in e-data says which)");
        break;
    default: {
        step(r, x, ev, g_strdup_printf("%" G_GINT64_FORMAT " %s", code, name));
        const char *cause = tw_krb5_error_cause(code);
        x->conclusion = g_strdup(cause ? cause : "the KDC refused the request");
        break;
    }
    }
    close_exchange(r, x, narr, frames);
}

static bool hex_zero(const char *h)
{
    if (!h || !*h)
        return false;
    for (; *h; h++)
        if (*h != '0')
            return false;
    return true;
}

/* MS-NRPC 3.1.4.1: ReqChallenge -> Authenticate{2,3} -> the status. */
static void netlogon(TwTreeRel *r, const TwEvent *ev, GString *narr, GArray *frames)
{
    const char *op = tw_event_get_str(ev, "op");
    const char *dir = tw_event_get_str(ev, "dir");
    const char *computer = tw_event_get_str(ev, "computer");
    if (!op || !dir || !computer)
        return;
    bool req = strcmp(dir, "request") == 0;
    const char *client = req ? ev->src : ev->dst;
    char key[512];
    g_snprintf(key, sizeof key, "nl|%s|%s", client, computer);
    Exchange *x = g_hash_table_lookup(r->by_key, key);
    if (strcmp(op, "NetrServerReqChallenge") == 0) {
        if (req) {
            g_autofree char *who = g_strdup_printf("%s from %s", computer, client);
            x = exchange_open(r, EX_NETLOGON, key, who, narr, frames);
            bool zero = hex_zero(tw_event_get_str(ev, "client_challenge"));
            x->zero_challenge = zero;
            step(r, x, ev, g_strdup(zero ? "ReqChallenge with an all-zero client challenge (the Zerologon pattern)"
                                         : "ReqChallenge with the client challenge"));
        } else if (x) {
            step(r, x, ev, g_strdup_printf("the server challenge (%s)", str_or(ev, "nt_status_name", "?")));
        }
        return;
    }
    if (!g_str_has_prefix(op, "NetrServerAuthenticate") || !x)
        return;
    if (req) {
        gint64 fl = tw_event_get_int(ev, "negotiate_flags", 0);
        bool zero = hex_zero(tw_event_get_str(ev, "client_credential"));
        x->zero_credential = zero;
        step(r, x, ev, g_strdup_printf("%s as %s with %s credential, flags 0x%08" G_GINT64_MODIFIER "x%s", op,
                                       str_or(ev, "account", "?"), zero ? "an all-zero" : "the client", fl,
                                       (fl & 0x01000000) ? " (AES)" : (fl & 0x4000) ? " (strong keys)" : ""));
        return;
    }
    const char *st = str_or(ev, "nt_status", ""); /* Authenticate{2,3} return an NTSTATUS */
    step(r, x, ev, g_strdup_printf("%s", str_or(ev, "nt_status_name", st)));
    bool zerologon = x->zero_challenge && x->zero_credential;
    if (zerologon && strcmp(st, "0x00000000") == 0)
        x->conclusion = g_strdup("an all-zero challenge and credential were ACCEPTED: a successful Zerologon "
                                 "(CVE-2020-1472) attempt; the DC is vulnerable");
    else if (zerologon)
        x->conclusion = g_strdup("an all-zero challenge and credential: a Zerologon (CVE-2020-1472) attempt, refused");
    else if (strcmp(st, "0x00000000") == 0)
        x->conclusion = g_strdup("the DC computed the same credential from the two challenges: both sides hold "
                                 "the same machine password and the secure channel is up");
    else if (strcmp(st, "0xc0000022") == 0)
        x->conclusion = g_strdup("the credential does not match: the machine's password differs from the DC's copy");
    else {
        const char *hint = tw_ntstatus_hint((guint32)g_ascii_strtoull(st, NULL, 16));
        x->conclusion = g_strdup(hint ? hint : "the DC refused the secure channel");
    }
    close_exchange(r, x, narr, frames);
}

/* MS-NLMP 3.1.5: NEGOTIATE -> CHALLENGE -> AUTHENTICATE, then the carrier's verdict. */
static void ntlm_key(char *key, gsize n, const char *c, guint16 cp, const char *s, guint16 sp)
{
    g_snprintf(key, n, "ntlm|%s:%u|%s:%u", c, cp, s, sp);
}

static void ntlm(TwTreeRel *r, const TwEvent *ev, GString *narr, GArray *frames)
{
    const char *t = tw_event_get_str(ev, "ntlmssp_type");
    if (!t)
        return;
    char key[512];
    bool from_client = strcmp(t, "CHALLENGE") != 0;
    if (from_client)
        ntlm_key(key, sizeof key, ev->src, ev->sport, ev->dst, ev->dport);
    else
        ntlm_key(key, sizeof key, ev->dst, ev->dport, ev->src, ev->sport);
    Exchange *x = g_hash_table_lookup(r->by_key, key);
    if (strcmp(t, "NEGOTIATE") == 0 || (!x && strcmp(t, "AUTHENTICATE") == 0)) {
        g_autofree char *who = g_strdup_printf("%s:%u", ev->src, ev->sport);
        x = exchange_open(r, EX_NTLM, key, who, narr, frames);
    }
    if (!x)
        return;
    if (strcmp(t, "NEGOTIATE") == 0)
        step(r, x, ev, g_strdup("NEGOTIATE"));
    else if (strcmp(t, "CHALLENGE") == 0)
        step(r, x, ev, g_strdup_printf("CHALLENGE from %s", str_or(ev, "target_name", "the server")));
    else {
        const char *user = str_or(ev, "user", ""), *dom = str_or(ev, "domain", "");
        g_free(x->who);
        x->who = g_strdup_printf("%s%s%s from %s (%s)", dom, dom[0] ? "\\" : "", user[0] ? user : "(anonymous)",
                                 ev->src, str_or(ev, "workstation", "?"));
        step(r, x, ev, g_strdup_printf("AUTHENTICATE (NTLM%s)", str_or(ev, "ntlm_version", "")));
    }
}

/* The carrier's answer to an AUTHENTICATE: SMB2 SESSION_SETUP, LDAP bind, HTTP. */
static void ntlm_outcome(TwTreeRel *r, const TwEvent *ev, GString *narr, GArray *frames)
{
    char key[512];
    ntlm_key(key, sizeof key, ev->dst, ev->dport, ev->src, ev->sport);
    Exchange *x = g_hash_table_lookup(r->by_key, key);
    if (!x || !x->steps->len || !strstr(g_ptr_array_index(x->steps, x->steps->len - 1), "AUTHENTICATE"))
        return;
    bool ok;
    if (strcmp(ev->proto, "smb2") == 0) {
        if (g_strcmp0(tw_event_get_str(ev, "command"), "SESSION_SETUP") != 0)
            return;
        ok = g_strcmp0(tw_event_get_str(ev, "nt_status"), "0x00000000") == 0;
        step(r, x, ev, g_strdup_printf("SESSION_SETUP %s", str_or(ev, "nt_status_name", str_or(ev, "nt_status", "?"))));
    } else if (strcmp(ev->proto, "ldap") == 0) {
        if (g_strcmp0(tw_event_get_str(ev, "op"), "bindResponse") != 0)
            return;
        ok = tw_event_get_int(ev, "result_code", -1) == 0;
        step(r, x, ev, g_strdup_printf("bindResponse %s", str_or(ev, "result_name", "?")));
    } else {
        if (g_strcmp0(tw_event_get_str(ev, "msg"), "response") != 0)
            return;
        gint64 s = tw_event_get_int(ev, "http_status", 0);
        ok = s >= 200 && s < 400;
        step(r, x, ev, g_strdup_printf("HTTP %" G_GINT64_FORMAT, s));
    }
    x->conclusion = g_strdup(ok ? "the server (or the DC it asked) accepted the NT response: the password is right"
                                : "the authentication was refused");
    close_exchange(r, x, narr, frames);
}

/* ---- relations and clocks --------------------------------------------------- */

static void remember(TwTreeRel *r, const TwEvent *ev)
{
    if (g_hash_table_contains(r->recent, &ev->frame))
        return;
    if (g_hash_table_size(r->recent) >= TW_TREE_MAX_RECENT) {
        guint64 *old = g_queue_pop_head(&r->recent_order);
        g_hash_table_remove(r->recent, old);
        g_free(old);
    }
    guint64 *k = g_new(guint64, 1), *q = g_new(guint64, 1);
    gint64 *ts = g_new(gint64, 1);
    *k = *q = ev->frame;
    *ts = ev->ts_us;
    g_hash_table_insert(r->recent, k, ts);
    g_queue_push_tail(&r->recent_order, q);
}

static void clock_line(GString *lines, const char *what, gint64 delta_us, const char *how, const char *spec)
{
    g_autofree char *d = fmt_delta(delta_us);
    gint64 a = delta_us < 0 ? -delta_us : delta_us;
    g_autofree char *note = g_strdup_printf("%s; %s", how,
                                            a > 300 * (gint64)G_USEC_PER_SEC
                                                ? "beyond the 5-minute default Kerberos tolerance"
                                                : "within the 5-minute default Kerberos tolerance");
    tw_tree_line(lines, 1, what, d, note, spec);
}

static void clocks(const TwEvent *ev, GString *lines)
{
    if (strcmp(ev->proto, "kerberos") == 0 && tw_event_get_int(ev, "msg_type", 0) == 30) {
        gint64 st;
        const char *s = tw_event_get_str(ev, "stime");
        if (s && tw_parse_time(s, &st))
            clock_line(lines, "server clock minus capture clock",
                       st + tw_event_get_int(ev, "susec", 0) - ev->ts_us,
                       "stime + susec of this KRB-ERROR minus the time the capture saw it", "RFC 4120 5.9.1");
    } else if (strcmp(ev->proto, "smb2") == 0 && tw_event_has(ev, "server_time_us") &&
               tw_event_has(ev, "capture_time_us")) {
        clock_line(lines, "server clock minus capture clock",
                   tw_event_get_int(ev, "server_time_us", 0) - tw_event_get_int(ev, "capture_time_us", 0),
                   "SystemTime of this NEGOTIATE response minus the capture time", "MS-SMB2 2.2.4");
    } else if (strcmp(ev->proto, "ntlmssp") == 0 && tw_event_has(ev, "server_time_us")) {
        clock_line(lines, "server clock minus capture clock", tw_event_get_int(ev, "server_time_us", 0) - ev->ts_us,
                   "MsvAvTimestamp of this CHALLENGE minus the capture time", "MS-NLMP 2.2.2.1");
    } else if (strcmp(ev->proto, "ntlmssp") == 0 && tw_event_has(ev, "client_time_us")) {
        clock_line(lines, "client clock minus capture clock", tw_event_get_int(ev, "client_time_us", 0) - ev->ts_us,
                   "TimeStamp of the NTLMv2 response minus the capture time", "MS-NLMP 2.2.2.7");
    } else if (strcmp(ev->proto, "ntp") == 0) {
        gint64 mode = tw_event_get_int(ev, "mode", -1);
        if ((mode == 4 || mode == 2) && tw_event_get_int(ev, "origin_time_us", 0) &&
            tw_event_has(ev, "receive_time_us") && tw_event_has(ev, "transmit_time_us")) {
            /* RFC 5905 8: T1 origin, T2 receive, T3 transmit, T4 the
             * destination time: here the capture time of the reply. */
            gint64 t1 = tw_event_get_int(ev, "origin_time_us", 0), t2 = tw_event_get_int(ev, "receive_time_us", 0),
                   t3 = tw_event_get_int(ev, "transmit_time_us", 0), t4 = ev->ts_us;
            gint64 offset = ((t2 - t1) + (t3 - t4)) / 2, delay = (t4 - t1) - (t3 - t2);
            g_autofree char *o = fmt_delta(offset);
            g_autofree char *d = fmt_delta(delay);
            tw_tree_line(lines, 1, "offset", o,
                         "((T2 - T1) + (T3 - T4)) / 2 with T4 = the capture time: the server's clock minus the "
                         "client's (exact when the capture runs on the client)",
                         "RFC 5905 8");
            tw_tree_line(lines, 1, "delay", d, "(T4 - T1) - (T3 - T2): the round trip without the server's time",
                         "RFC 5905 8");
        }
    }
}

void tw_tree_rel_event(TwTreeRel *r, const TwEvent *ev, GString *lines, TwTreeRelOut *out)
{
    memset(out, 0, sizeof *out);
    GString *narr = g_string_new(NULL);
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(guint64));
    /* exchanges idle too long end as they stand */
    while (!g_queue_is_empty(&r->open)) {
        Exchange *x = g_queue_peek_head(&r->open);
        if (x->last_ts + TW_TREE_EXCHANGE_IDLE_US >= ev->ts_us)
            break;
        close_exchange(r, x, narr, frames);
    }

    gint64 req = tw_event_get_int(ev, "reply_to", 0);
    if (req <= 0)
        req = tw_event_get_int(ev, "request_frame", 0);
    if (req <= 0 && strcmp(ev->proto, "dcerpc") == 0 && tw_event_has(ev, "call_id")) {
        /* C706 12.6.4.4: a bind_ack (alter_context_resp, bind_nak) answers the
         * bind of the same call_id on the same connection */
        const char *pdu = str_or(ev, "pdu", "");
        bool bind = strcmp(pdu, "bind") == 0 || strcmp(pdu, "alter_context") == 0;
        bool ack = strcmp(pdu, "bind_ack") == 0 || strcmp(pdu, "alter_context_resp") == 0 ||
                   strcmp(pdu, "bind_nak") == 0;
        char key[256];
        if (bind || ack) {
            g_snprintf(key, sizeof key, "%s|%u|%s|%u|%" G_GINT64_FORMAT, bind ? ev->src : ev->dst,
                       bind ? ev->sport : ev->dport, bind ? ev->dst : ev->src, bind ? ev->dport : ev->sport,
                       tw_event_get_int(ev, "call_id", 0));
        }
        if (bind && g_hash_table_size(r->binds) < TW_TREE_MAX_RECENT) {
            guint64 *f = g_new(guint64, 1);
            *f = ev->frame;
            g_hash_table_replace(r->binds, g_strdup(key), f);
        } else if (ack) {
            const guint64 *f = g_hash_table_lookup(r->binds, key);
            if (f) {
                req = (gint64)*f;
                g_hash_table_remove(r->binds, key);
            }
        }
    }
    if (req > 0 && (guint64)req != ev->frame) {
        guint64 rf = (guint64)req;
        const gint64 *rts = g_hash_table_lookup(r->recent, &rf);
        char v[32];
        g_snprintf(v, sizeof v, "%" G_GUINT64_FORMAT, rf);
        if (rts) {
            g_autofree char *d = fmt_delta(ev->ts_us - *rts);
            g_autofree char *note = g_strdup_printf("this answers it, %s later", d);
            tw_tree_line(lines, 1, "request in frame", v, note, NULL);
            out->delta_us = ev->ts_us - *rts;
        } else if (tw_event_has(ev, "response_time_us")) { /* SMB2: the request made no event */
            gint64 rt = tw_event_get_int(ev, "response_time_us", 0);
            g_autofree char *d = fmt_delta(rt);
            g_autofree char *note = g_strdup_printf("this answers it, %s later", d);
            tw_tree_line(lines, 1, "request in frame", v, note, NULL);
            out->delta_us = rt;
        } else {
            tw_tree_line(lines, 1, "request in frame", v, "this answers it", NULL);
        }
        out->request_frame = rf;
        out->request_proto = ev->proto;
    }
    clocks(ev, lines);
    remember(r, ev);

    if (strcmp(ev->proto, "kerberos") == 0)
        kerberos(r, ev, narr, frames);
    else if (strcmp(ev->proto, "netlogon") == 0)
        netlogon(r, ev, narr, frames);
    else if (strcmp(ev->proto, "ntlmssp") == 0)
        ntlm(r, ev, narr, frames);
    else if (strcmp(ev->proto, "smb2") == 0 || strcmp(ev->proto, "ldap") == 0 || strcmp(ev->proto, "http") == 0)
        ntlm_outcome(r, ev, narr, frames);

    g_array_unref(frames);
    if (narr->len)
        out->narrative = g_string_free(narr, FALSE);
    else
        g_string_free(narr, TRUE);
}

char *tw_tree_rel_finish(TwTreeRel *r)
{
    GString *narr = g_string_new(NULL);
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(guint64));
    while (!g_queue_is_empty(&r->open))
        close_exchange(r, g_queue_peek_head(&r->open), narr, frames);
    g_array_unref(frames);
    if (!narr->len) {
        g_string_free(narr, TRUE);
        return NULL;
    }
    return g_string_free(narr, FALSE);
}
