/* tickets.c — TGS-REQ failures, RC4 service tickets and DCSync callers.
 *
 * Who asked for a ticket is not in a TGS-REQ's clear text (it is in the
 * encrypted authenticator), so it is taken from what is:
 *   S4U2Self (MS-SFU 3.2.5.1.1): a service asks for a ticket to itself, so
 *     the requester is the request's sname, the user is PA-FOR-USER;
 *   S4U2Proxy (MS-SFU 3.2.5.2.1): the requester is the service whose
 *     ticket travels in additional-tickets;
 *   otherwise: the client of the last AS-REP to the same address (the TGT's
 *     holder, RFC 4120 3.1.5), or nobody when no AS exchange was captured.
 * A DRSUAPI caller is read from its connection's auth context: the NTLMSSP
 * AUTHENTICATE's user, or for Kerberos the client named in the TGS-REP that
 * gave that address a ticket for the AP-REQ's service. */
#include "tickets.h"
#include "analysis/fields.h"
#include "analysis/strhash.h"

#include "analysis.h"
#include "core/krb5-names.h"

#include <string.h>

/* A pending TGS-REQ is found by its source and frame (a reply's
 * reply_to).  The source is the engine's interned pointer (one per input),
 * with "" and NULL one source as they were in the text keys. */
typedef struct {
    const char *source;
    guint64 frame;
} TgsKey;

typedef struct {
    TgsKey key;
    char *addr;
    char *service;
    char *for_user;
    char *proxy_for; /* S4U2Proxy: the additional ticket's sname */
    bool aes_offered;
    bool replied; /* its TGS-REP or KRB-ERROR came (tgs_req_for): forgetting it loses nothing */
} TgsReq;

static void tgs_req_free(gpointer p)
{
    TgsReq *r = p;
    if (!r)
        return;
    g_free(r->addr);
    g_free(r->service);
    g_free(r->for_user);
    g_free(r->proxy_for);
    g_free(r);
}

static void tgs_failure_free(gpointer p)
{
    TwTgsFailure *f = p;
    g_free(f->requester);
    g_free(f->client_addr);
    g_free(f->service);
    g_free(f->for_user);
    g_free(f->source);
    g_free(f);
}

static void rc4_free(gpointer p)
{
    TwRc4Ticket *r = p;
    g_free(r->account);
    g_free(r->service);
    g_free(r->client);
    g_free(r->source);
    g_free(r);
}

static void drs_free(gpointer p)
{
    TwDrsCall *c = p;
    g_free(c->caller);
    g_free(c->addr);
    g_free(c->server);
    g_free(c->source);
    g_free(c);
}

static guint tgs_key_hash(gconstpointer p)
{
    const TgsKey *k = p;
    guint64 h = (k->frame ^ (guint64)(guintptr)k->source) * 0x9E3779B97F4A7C15ull;
    return (guint)(h >> 32 ^ h);
}

static gboolean tgs_key_equal(gconstpointer x, gconstpointer y)
{
    const TgsKey *a = x, *b = y;
    return a->frame == b->frame && a->source == b->source;
}

static TgsKey tgs_key(const char *source, guint64 frame)
{
    TgsKey k = { source && *source ? source : NULL, frame };
    return k;
}

/* A holder table's value (tgt_holder, svc_holder, conn_caller): its text,
 * and its place in the table's order of last write (oldest first).  A full
 * table forgets its least recently written entry: refusing every new one
 * instead left a sensor, once 16,384 connections had named their callers,
 * without a caller for any later connection, for the rest of its life. */
typedef struct {
    char *value;
    GList link; /* in the table's order; data: the key (owned by the table) */
} HolderEntry;

static void holder_entry_free(gpointer p)
{
    HolderEntry *e = p;
    g_free(e->value);
    g_free(e);
}

static const char *holder_get(GHashTable *h, const char *key)
{
    const HolderEntry *e = g_hash_table_lookup(h, key);
    return e ? e->value : NULL;
}

TwTickets *tw_tickets_new(void)
{
    TwTickets *t = g_new0(TwTickets, 1);
    t->pending = g_hash_table_new_full(tgs_key_hash, tgs_key_equal, NULL, tgs_req_free);
    t->pending_fifo = g_queue_new();
    t->tgt_holder = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, holder_entry_free);
    t->svc_holder = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, holder_entry_free);
    t->conn_caller = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, holder_entry_free);
    t->drs_servers = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    t->tgs_failures = g_ptr_array_new_with_free_func(tgs_failure_free);
    t->rc4_tickets = g_ptr_array_new_with_free_func(rc4_free);
    t->drs_calls = g_ptr_array_new_with_free_func(drs_free);
    return t;
}

void tw_tickets_free(TwTickets *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->pending);
    g_queue_free(t->pending_fifo); /* keys are inside the TgsReqs */
    g_hash_table_destroy(t->tgt_holder);
    g_hash_table_destroy(t->svc_holder);
    g_hash_table_destroy(t->conn_caller);
    g_hash_table_destroy(t->drs_servers);
    g_ptr_array_unref(t->tgs_failures);
    g_ptr_array_unref(t->rc4_tickets);
    g_ptr_array_unref(t->drs_calls);
    g_free(t);
}

static const char *src_or_empty(const char *source) { return source ? source : ""; }

/* Puts key → value in a capped holder table (a known key is always replaced). */
/* RFC 6113 5.4.3 / RFC 8062: a FAST-armored reply names the anonymous
 * principal outside and the real client inside the encrypted part, so that
 * name says nothing about who holds the ticket. */
static bool is_anonymous(const char *principal)
{
    return principal && g_ascii_strncasecmp(principal, "WELLKNOWN/ANONYMOUS", 19) == 0;
}

static void holder_set(TwTickets *t, GHashTable *h, GQueue *order, char *key /* full */, const char *value)
{
    if (!value || is_anonymous(value)) {
        g_free(key);
        return;
    }
    HolderEntry *e = g_hash_table_lookup(h, key);
    if (e) {
        g_free(key);
        if (strcmp(e->value, value) != 0) {
            g_free(e->value);
            e->value = g_strdup(value);
        }
        g_queue_unlink(order, &e->link);
        g_queue_push_tail_link(order, &e->link);
        return;
    }
    e = g_new0(HolderEntry, 1);
    e->value = g_strdup(value); /* before the eviction: value may be another entry's */
    if (g_hash_table_size(h) >= TW_TK_MAX_HOLDERS) {
        GList *oldest = g_queue_pop_head_link(order);
        g_hash_table_remove(h, oldest->data); /* frees its key and entry */
        t->not_kept++;                        /* a holder forgotten */
    }
    e->link.data = key;
    g_hash_table_insert(h, key, e);
    g_queue_push_tail_link(order, &e->link);
}

static bool etype_is_aes(gint64 e) { return e >= 17 && e <= 20; } /* RFC 3962, RFC 8009 */
static bool etype_is_rc4(gint64 e) { return e == 23 || e == 24; } /* RFC 4757 */

static bool offers_aes(const TwEvent *ev)
{
    const TwField *f = an_get(ev, "etypes");
    if (!f || f->type != TW_FIELD_INTLIST)
        return false;
    for (guint i = 0; i < f->v.ilist->len; i++)
        if (etype_is_aes(g_array_index(f->v.ilist, gint64, i)))
            return true;
    return false;
}

static char *conn_key(const char *source, const char *cli, guint cport, const char *srv, guint sport)
{
    return g_strdup_printf("%s|%s|%u|%s|%u", src_or_empty(source), cli, cport, srv, sport);
}

static void remember_tgs_req(TwTickets *t, const TwEvent *ev, const char *source)
{
    while (g_queue_get_length(t->pending_fifo) >= TW_TK_MAX_PENDING) {
        TgsKey *old = g_queue_pop_head(t->pending_fifo);
        const TgsReq *gone = g_hash_table_lookup(t->pending, old);
        if (gone && !gone->replied) /* its reply, if it comes, finds no request */
            t->not_kept++;
        g_hash_table_remove(t->pending, old); /* frees old with its TgsReq */
    }
    TgsReq *r = g_new0(TgsReq, 1);
    r->key = tgs_key(source, ev->frame);
    r->addr = g_strdup(ev->src);
    r->service = g_strdup(an_str(ev, "sname"));
    r->for_user = g_strdup(an_str(ev, "for_user"));
    r->proxy_for = g_strdup(an_str(ev, "additional_ticket_sname"));
    r->aes_offered = offers_aes(ev);
    TgsReq *old = g_hash_table_lookup(t->pending, &r->key);
    if (old) { /* the same frame again (a record read twice): keep one */
        g_queue_remove(t->pending_fifo, &old->key);
        g_hash_table_remove(t->pending, &old->key);
    }
    g_hash_table_insert(t->pending, &r->key, r);
    g_queue_push_tail(t->pending_fifo, &r->key);
}

static TgsReq *tgs_req_for(TwTickets *t, const TwEvent *ev, const char *source)
{
    gint64 reply_to = an_int(ev, "reply_to", -1);
    if (reply_to < 0)
        return NULL;
    TgsKey k = tgs_key(source, (guint64)reply_to);
    TgsReq *r = g_hash_table_lookup(t->pending, &k);
    if (r)
        r->replied = true;
    return r;
}

static void machine_ticket_fact(TwAnalysis *a, const char *account, TwFactKind k, const TwEvent *ev,
                                const char *source, const char *msg, char *detail);

static void tgs_error(TwTickets *t, TwAnalysis *a, const TwEvent *ev, const char *source, TgsReq *r)
{
    gint64 code = an_int(ev, "error_code", -1);
    if (code < 0 || code == TW_KRB5_ERR_RESPONSE_TOO_BIG)
        return; /* RFC 4120 7.2.1: the client retries over TCP */
    if (t->tgs_failures->len >= TW_TK_MAX_RECORDS) {
        t->not_kept++;
        return;
    }
    TwTgsFailure *f = g_new0(TwTgsFailure, 1);
    const char *cname = an_str(ev, "cname");
    if (r->for_user && r->service) {
        f->requester = g_strdup(r->service);
        f->requester_from = "s4u2self";
    } else if (r->proxy_for) {
        f->requester = g_strdup(r->proxy_for);
        f->requester_from = "s4u2proxy";
    } else if (cname && !is_anonymous(cname)) {
        f->requester = g_strdup(cname);
    } else {
        g_autofree char *k = g_strconcat(src_or_empty(source), "|", r->addr, NULL);
        const char *holder = holder_get(t->tgt_holder, k);
        TwMachine *m = holder ? NULL : tw_identity_by_addr(a, r->addr, false);
        if (holder) {
            f->requester = g_strdup(holder);
            f->requester_from = "tgt";
        } else if (m && m->account) {
            /* No AS exchange captured (a cached TGT): the machine whose
             * address this is, as the engine knows it. */
            f->requester = g_strdup(m->account);
            f->requester_from = "address";
        }
    }
    /* A machine's principal ("ws9$", "WS9$@REALM") is shown as its account. */
    g_autofree char *acct = f->requester && !strchr(f->requester, '/')
                                ? tw_identity_from_principal(f->requester)
                                : NULL;
    if (acct) {
        g_free(f->requester);
        f->requester = g_steal_pointer(&acct);
    }
    f->client_addr = g_strdup(r->addr);
    f->service = g_strdup(r->service);
    f->for_user = g_strdup(r->for_user);
    f->code = code;
    f->frame = ev->frame;
    f->ts_us = ev->ts_us;
    f->source = g_strdup(source);
    g_ptr_array_add(t->tgs_failures, f);
    /* The patterns that touch the requester's trust (docs/detections.md "Ticket findings"). */
    g_autofree char *racct = f->requester && !strchr(f->requester, '/') ? tw_identity_from_principal(f->requester)
                                                                        : NULL;
    if (code == TW_KRB5_ERR_C_PRINCIPAL_UNKNOWN && f->for_user && racct)
        machine_ticket_fact(a, racct, TW_F_TK_S4U_UNKNOWN, ev, source, "TGS-REQ → KRB-ERROR",
                            g_strdup_printf("S4U2Self for %s, a user the domain does not know", f->for_user));
    else if ((code == TW_KRB5_ERR_AP_MODIFIED || code == TW_KRB5_ERR_AP_BADKEYVER) && racct && !f->for_user &&
             !r->proxy_for)
        machine_ticket_fact(a, racct, TW_F_TK_TGT_REFUSED, ev, source, "TGS-REQ → KRB-ERROR",
                            g_strdup_printf("the KDC could not read %s's ticket-granting ticket (asking for %s)",
                                            racct, f->service ? f->service : "a service"));
}

/* A fact for the record of `account` (never created here: a name only this
 * message uses makes no machine). */
static void machine_ticket_fact(TwAnalysis *a, const char *account, TwFactKind k, const TwEvent *ev,
                                const char *source, const char *msg, char *detail /* full */)
{
    TwMachine *m = account ? tw_identity_lookup(a, account) : NULL;
    if (!m) {
        g_free(detail);
        return;
    }
    TwEvidence *e = g_new0(TwEvidence, 1);
    e->source = tw_intern(source);
    e->frame = ev->frame;
    const char *file = an_str(ev, "pcap");
    gint64 ff = an_int(ev, "pcap_frame", 0);
    if (file && ff > 0) {
        e->file = tw_intern(file);
        e->file_frame = (guint64)ff;
    }
    e->ts_us = ev->ts_us;
    e->msg = tw_intern(msg);
    e->detail = tw_intern(detail);
    g_free(detail);
    e->src = tw_intern(ev->src);
    e->dst = tw_intern(ev->dst);
    e->opnum = -1;
    e->krb_msg_type = (gint16)CLAMP(an_int(ev, "msg_type", -1), -1, G_MAXINT16);
    gint64 code = an_int(ev, "error_code", -1);
    if (e->krb_msg_type == TW_KRB5_ERROR && code >= 0) {
        e->has_krb_error = true;
        e->krb_error = code;
    }
    e->dir = TW_DIR_RESPONSE;
    e->sender = TW_PEER_KDC;
    tw_machine_fact(a, m, k, e);
}

static void tgs_rep(TwTickets *t, TwAnalysis *a, const TwEvent *ev, const char *source, TgsReq *r)
{
    const char *cname = an_str(ev, "cname");
    const char *tsname = an_str(ev, "ticket_sname");
    gint64 etype = an_int(ev, "ticket_etype", -1);
    if (tsname) {
        g_autofree char *lower = g_ascii_strdown(tsname, -1);
        const char *holder = cname;
        if (!cname || is_anonymous(cname)) {
            /* A FAST-armored reply's outer cname is WELLKNOWN/ANONYMOUS (RFC
             * 6113 5.4.2): the client is the holder of the TGT that address
             * got, as for a refused request (tgs_error). */
            g_autofree char *k = g_strconcat(src_or_empty(source), "|", ev->dst, NULL);
            holder = holder_get(t->tgt_holder, k);
        }
        holder_set(t, t->svc_holder, &t->svc_order,
                   g_strconcat(src_or_empty(source), "|", ev->dst, "|", lower, NULL), holder);
    }
    if (etype_is_aes(etype))
        t->aes_tickets++;
    if (!etype_is_rc4(etype) || !tsname)
        return;
    g_autofree char *acct = tw_identity_from_principal(tsname);
    if (!acct)
        return; /* krbtgt or a user's service: not a machine's */
    if (t->rc4_tickets->len >= TW_TK_MAX_RECORDS) {
        t->not_kept++;
        return;
    }
    TwRc4Ticket *k = g_new0(TwRc4Ticket, 1);
    k->account = g_steal_pointer(&acct);
    k->service = g_strdup(tsname);
    k->client = g_strdup(cname);
    k->etype = etype;
    k->aes_offered = r ? r->aes_offered : false;
    k->frame = ev->frame;
    k->ts_us = ev->ts_us;
    k->source = g_strdup(source);
    g_ptr_array_add(t->rc4_tickets, k);
    machine_ticket_fact(a, k->account, TW_F_TK_RC4, ev, source, "TGS-REP",
                        g_strdup_printf("ticket for %s issued with RC4 (etype %" G_GINT64_FORMAT ")%s", tsname, etype,
                                        k->aes_offered ? " although the client offered AES" : ""));
    if (k->aes_offered) {
        TwMachine *m = tw_identity_lookup(a, k->account);
        TwFact *f = m ? &m->facts[TW_F_TK_RC4] : NULL;
        if (f && f->ev->len) {
            TwEvidence *last = g_ptr_array_index(f->ev, f->ev->len - 1);
            last->has_value = true;
            last->value = 1;
        }
    }
}

static void feed_kerberos(TwTickets *t, TwAnalysis *a, const TwEvent *ev, const char *source)
{
    gint64 mt = an_int(ev, "msg_type", -1);
    switch (mt) {
    case TW_KRB5_TGS_REQ:
        remember_tgs_req(t, ev, source);
        return;
    case TW_KRB5_AS_REP: {
        holder_set(t, t->tgt_holder, &t->tgt_order, g_strconcat(src_or_empty(source), "|", ev->dst, NULL),
                   an_str(ev, "cname"));
        if (etype_is_aes(an_int(ev, "ticket_etype", -1)))
            t->aes_tickets++;
        return;
    }
    case TW_KRB5_TGS_REP:
        tgs_rep(t, a, ev, source, tgs_req_for(t, ev, source));
        return;
    case TW_KRB5_ERROR: {
        TgsReq *r = tgs_req_for(t, ev, source);
        if (r)
            tgs_error(t, a, ev, source, r);
        return;
    }
    case TW_KRB5_AP_REQ: {
        /* In a DCE/RPC bind (dcerpc_call_id): the connection's Kerberos caller. */
        if (!an_has(ev, "dcerpc_call_id"))
            return;
        const char *tsname = an_str(ev, "ticket_sname");
        if (!tsname)
            return;
        g_autofree char *lower = g_ascii_strdown(tsname, -1);
        g_autofree char *k = g_strconcat(src_or_empty(source), "|", ev->src, "|", lower, NULL);
        const char *holder = holder_get(t->svc_holder, k);
        if (holder)
            holder_set(t, t->conn_caller, &t->conn_order,
                       conn_key(source, ev->src, ev->sport, ev->dst, ev->dport), holder);
        return;
    }
    default:
        return;
    }
}

static void feed_ntlmssp(TwTickets *t, const TwEvent *ev, const char *source)
{
    const char *type = an_str(ev, "ntlmssp_type");
    const char *user = an_str(ev, "user");
    if (!type || strcmp(type, "AUTHENTICATE") != 0 || !user || !*user)
        return;
    const char *domain = an_str(ev, "domain");
    g_autofree char *who = domain && *domain ? g_strdup_printf("%s\\%s", domain, user) : g_strdup(user);
    holder_set(t, t->conn_caller, &t->conn_order, conn_key(source, ev->src, ev->sport, ev->dst, ev->dport),
               who);
}

static void feed_drsuapi(TwTickets *t, TwAnalysis *a, const TwEvent *ev, const char *source)
{
    const char *dir = an_str(ev, "dir");
    if (!dir)
        return;
    if (strcmp(dir, "response") == 0) {
        if (g_hash_table_size(t->drs_servers) < TW_TK_MAX_HOLDERS)
            g_hash_table_add(t->drs_servers, g_strdup(ev->src));
        return;
    }
    if (an_int(ev, "opnum", -1) != TW_DRS_GET_NC_CHANGES)
        return;
    if (t->drs_calls->len >= TW_TK_MAX_RECORDS) {
        t->not_kept++;
        return;
    }
    g_autofree char *k = conn_key(source, ev->src, ev->sport, ev->dst, ev->dport);
    TwDrsCall *c = g_new0(TwDrsCall, 1);
    c->caller = g_strdup(holder_get(t->conn_caller, k));
    if (c->caller) {
        c->caller_from = "auth";
    } else {
        /* The auth context named nobody (FAST hides the client): the
         * machine the engine binds to the caller's address. */
        TwMachine *m = tw_identity_by_addr(a, ev->src, false);
        if (m && m->account) {
            c->caller = g_strdup(m->account);
            c->caller_from = "address";
        }
    }
    c->addr = g_strdup(ev->src);
    c->server = g_strdup(ev->dst);
    c->opnum = TW_DRS_GET_NC_CHANGES;
    c->frame = ev->frame;
    c->ts_us = ev->ts_us;
    c->source = g_strdup(source);
    g_ptr_array_add(t->drs_calls, c);
    /* Whether the caller's address is a DC is decided with the whole capture (rules.c). */
    g_autofree char *cacct = tw_identity_from_principal(c->caller); /* "NAME$", "DOMAIN\\NAME$"; NULL for a user */
    if (cacct)
        machine_ticket_fact(a, cacct, TW_F_TK_DCSYNC, ev, source, "DRSGetNCChanges",
                            g_strdup_printf("%s's credentials replicate the directory from %s (%s)", cacct, c->addr,
                                            g_strcmp0(c->caller_from, "address") == 0
                                                ? "the machine at that address; the bind's token does not name it"
                                                : "named by the bind's authentication"));
}

void tw_tickets_feed(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    TwTickets *t = a->tickets;
    if (!t || !ev->proto)
        return;
    if (strcmp(ev->proto, "kerberos") == 0)
        feed_kerberos(t, a, ev, source);
    else if (strcmp(ev->proto, "ntlmssp") == 0)
        feed_ntlmssp(t, ev, source);
    else if (strcmp(ev->proto, "drsuapi") == 0)
        feed_drsuapi(t, a, ev, source);
}

bool tw_tickets_drs_from_non_dc(const TwAnalysis *a, const TwDrsCall *c)
{
    return c->opnum == TW_DRS_GET_NC_CHANGES && !g_hash_table_contains(a->dc_addrs, c->addr) &&
           !g_hash_table_contains(a->tickets->drs_servers, c->addr);
}
