/* engine.c — folds typed events into per-machine facts (analysis.h).
 *
 * Replies are attributed to the request they answer: first by `reply_to`
 * (the request's frame, docs/events.md), else by the last request on the
 * same flow (4-tuple, plus call_id for DCE/RPC).  Windows KDCs leave cname
 * out of KRB-ERROR (RFC 4120 5.9.1 makes it OPTIONAL), so this is how an
 * error finds its machine.
 */
#include "analysis.h"
#include "analysis/fields.h"
#include "analysis/strhash.h"
#include "tickets.h"
#include "fleet.h"
#include "analysis/clock.h"
#include "analysis/timeline.h"
#include "analysis/previous.h"

#include "core/krb5-names.h"
#include "core/nrpc-names.h"
#include "core/ntstatus.h"

#include <stdlib.h>
#include <string.h>

/* Message types, error codes, NTSTATUS values and opnums, with their names:
 * core/krb5-names.h, core/ntstatus.h, core/nrpc-names.h (one table each). */
enum { NTLM_AUTHENTICATE = 1000 }; /* a Request that is an NTLMSSP AUTHENTICATE, not Kerberos */

/* A request is found by its frame (a reply's reply_to) or by its flow.
 * Struct keys, hashed and compared field by field: a report on a DC's
 * port remembers hundreds of thousands of requests, and formatting string
 * keys for each was the analysis's largest cost (bench/README.md). */
typedef struct {
    const char *source; /* intern_source(): one pointer per input */
    guint64 frame;
    guint64 uniq;       /* 0; a->events for a later message completed by the same frame */
} ReqKey;

/* An exchange is its 5-tuple and call: not the source, so that a request
 * seen by one sensor pairs with the reply another sensor saw (the same
 * packet seen by both is counted once before it gets here: cli/from-events.c). */
typedef struct {
    char cli[TW_ADDR_STRLEN], srv[TW_ADDR_STRLEN];
    guint cport, sport;
    const char *proto;  /* "krb", "ntlm", "nl"… */
    gint64 call_id;
} FlowKey;

typedef struct {
    ReqKey key;         /* a->requests' key */
    FlowKey flow;       /* a->flows' key while this is the flow's latest request */
    GList link;         /* in a->request_fifo, oldest first */
    guint64 frame;
    char *file;          /* with several files: the request's file and its frame there (pcap, pcap_frame) */
    guint64 file_frame;
    gint64 ts_us;
    char src[TW_ADDR_STRLEN], dst[TW_ADDR_STRLEN];
    /* Kerberos */
    gint64 msg_type;
    char *cname, *sname;
    bool kpasswd;
    gint64 till_us; /* AS-REQ: the requested end time, on the client's clock (0: none) */
    /* Its RFC 3339 text, parsed only when an error asks for it (request_till):
     * nearly every AS-REQ is answered without one. */
    bool till_pending;
    char till_text[32];
    /* NETLOGON */
    gint64 opnum;
    char *op;
    char *account;  /* canonical NAME$ the call is about */
    bool zero;      /* Zerologon pattern */
    bool sealed;
    bool answered;  /* a Kerberos reply (AP-REP/KRB-ERROR) was matched to it */
    /* Some reply was matched to it (request_for_reply, or an SMB2 result):
     * when the table is full and it is forgotten, nothing still awaited is
     * lost, so that is not a cap hit.  (On the benchmark's DC mix every one
     * of 439,000 requests was answered within milliseconds, and all but
     * the last 16,384 were counted "pending_requests" when they aged out.) */
    bool replied;
    TwKrbProof *proof; /* with keys: what its decrypted parts prove (keyproof.c), or NULL */
} Request;

static guint req_hash(gconstpointer p)
{
    const ReqKey *k = p;
    guint64 h = (k->frame ^ (guint64)(guintptr)k->source ^ (k->uniq << 32)) * 0x9E3779B97F4A7C15ull;
    return (guint)(h >> 32 ^ h);
}

static gboolean req_equal(gconstpointer x, gconstpointer y)
{
    const ReqKey *a = x, *b = y;
    return a->frame == b->frame && a->source == b->source && a->uniq == b->uniq;
}

/* A string into a running hash, eight bytes at a time (flow_equal
 * confirms: the hash only spreads the keys). */
static guint64 mix_str(guint64 h, const char *s)
{
    gsize n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    guint64 w = 0;
    memcpy(&w, s + i, n - i); /* the last 0-7 bytes, with the length below */
    h = (h ^ w ^ ((guint64)n << 56)) * 0x9E3779B97F4A7C15ull;
    return h ^ h >> 29;
}

static guint flow_hash(gconstpointer p)
{
    const FlowKey *k = p;
    guint64 h = mix_str(mix_str(mix_str(0x243F6A8885A308D3ull, k->cli), k->srv), k->proto);
    guint64 n = ((guint64)k->cport << 16 | k->sport) ^ (guint64)k->call_id * 0x9E3779B97F4A7C15ull;
    h ^= n;
    return (guint)(h >> 32 ^ h);
}

/* g_strlcpy's result (src cut to size - 1 bytes) with the C library's
 * strnlen and memcpy: GLib's byte loop was a quarter of what remembering
 * a request cost. */
static void copy_text(char *dst, gsize size, const char *src)
{
    gsize n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static gboolean flow_equal(gconstpointer x, gconstpointer y)
{
    const FlowKey *a = x, *b = y;
    return a->cport == b->cport && a->sport == b->sport && a->call_id == b->call_id && strcmp(a->cli, b->cli) == 0 &&
           strcmp(a->srv, b->srv) == 0 && strcmp(a->proto, b->proto) == 0;
}

static void flow_key(FlowKey *k, const char *cli, guint cport, const char *srv, guint sport, const char *proto,
                     gint64 call_id)
{
    copy_text(k->cli, sizeof k->cli, cli);
    copy_text(k->srv, sizeof k->srv, srv);
    k->cport = cport;
    k->sport = sport;
    k->proto = proto;
    k->call_id = call_id;
}

static void request_free(gpointer p)
{
    Request *r = p;
    g_free(r->file);
    g_free(r->cname);
    g_free(r->sname);
    g_free(r->op);
    g_free(r->account);
    tw_keyproof_free(r->proof);
    g_free(r);
}

/* "frame 18" as Wireshark shows the request: with several files, its
 * frame in its own file, and that file. */
static char *request_frame_text(const Request *r)
{
    if (r->file) {
        g_autofree char *base = g_path_get_basename(r->file);
        return g_strdup_printf("frame %" G_GUINT64_FORMAT " of %s", r->file_frame, base);
    }
    return g_strdup_printf("frame %" G_GUINT64_FORMAT, r->frame);
}

static void user_failure_free(gpointer p)
{
    TwUserFailure *u = p;
    g_free(u->user);
    g_free(u->source);
    g_free(u);
}

static void garray_free(gpointer p)
{
    g_array_unref(p);
}

TwAnalysis *tw_analysis_new(void)
{
    TwAnalysis *a = g_new0(TwAnalysis, 1);
    a->machines = g_hash_table_new_full(tw_an_str_hash, g_str_equal, NULL, tw_machine_free);
    a->machine_order = g_ptr_array_new();
    a->ip_owner = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->dc_addrs = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    a->requests = g_hash_table_new_full(req_hash, req_equal, NULL, request_free);
    a->flows = g_hash_table_new(flow_hash, flow_equal);
    a->request_fifo = g_queue_new();
    a->nl_challenges = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    a->flow_users = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->sealed_bursts = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, garray_free);
    a->changepw_client = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->users = g_ptr_array_new_with_free_func(user_failure_free);
    a->user_index = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    a->sources = g_ptr_array_new_with_free_func(g_free);
    a->announced = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
    a->touched = g_ptr_array_new();
    a->dc_cache_events = G_MAXUINT64;
    a->host_cache_events = G_MAXUINT64;
    a->tickets = tw_tickets_new();
    a->previous = g_ptr_array_new_with_free_func((GDestroyNotify)tw_prev_report_free);
    a->health = tw_health_new();
    a->vantage_n = -1;
    a->ntp_server_of = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->ws_claims = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->csum_by_src = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, g_free);
    a->ntp_off_clients = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_destroy);
    return a;
}

void tw_analysis_free(TwAnalysis *a)
{
    if (!a)
        return;
    tw_tickets_free(a->tickets);
    g_free(a->focus);
    g_ptr_array_unref(a->previous);
    g_hash_table_destroy(a->flows);
    g_hash_table_destroy(a->requests);
    g_queue_init(a->request_fifo); /* its links are inside the requests, freed above */
    g_queue_free(a->request_fifo);
    g_ptr_array_unref(a->machine_order);
    g_hash_table_destroy(a->machines);
    g_hash_table_destroy(a->ip_owner);
    g_hash_table_destroy(a->dc_addrs);
    g_hash_table_destroy(a->nl_challenges);
    g_hash_table_destroy(a->flow_users);
    g_hash_table_destroy(a->sealed_bursts);
    g_hash_table_destroy(a->changepw_client);
    g_hash_table_destroy(a->ntp_server_of);
    g_hash_table_destroy(a->ws_claims);
    g_hash_table_destroy(a->csum_by_src);
    g_hash_table_destroy(a->ntp_off_clients);
    g_hash_table_destroy(a->user_index);
    g_ptr_array_unref(a->users);
    g_ptr_array_unref(a->sources);
    g_hash_table_destroy(a->announced);
    g_ptr_array_unref(a->touched);
    g_free(a->dc_name);
    tw_fleet_cache_free(a->fleet_cache);
    tw_clock_cache_free(a->dc_clock_cache);
    g_free(a->realm);
    tw_health_free(a->health);
    g_free(a);
}

static const char *const cap_names[TW_AN_CAP_COUNT] = {
    [TW_AN_CAP_MACHINES] = "machines",
    [TW_AN_CAP_DC_ADDRS] = "dc_addresses",
    [TW_AN_CAP_ADDR_OWNERS] = "address_owners",
    [TW_AN_CAP_ADDRS] = "addresses_per_machine",
    [TW_AN_CAP_ZL_SOURCES] = "zerologon_sources",
    [TW_AN_CAP_ALIASES] = "aliases_per_machine",
    [TW_AN_CAP_CLOCK_SAMPLES] = "clock_samples_per_machine",
    [TW_AN_CAP_REQUESTS] = "pending_requests",
    [TW_AN_CAP_USERS] = "user_failures",
    [TW_AN_CAP_NL_CHALLENGES] = "netlogon_challenges",
    [TW_AN_CAP_SEALED_BURSTS] = "sealed_netlogon_flows",
    [TW_AN_CAP_CHANGEPW] = "changepw_clients",
    [TW_AN_CAP_TOUCHED] = "live_announcements",
    [TW_AN_CAP_FLOW_USERS] = "connection_users",
    [TW_AN_CAP_NTP_CLIENTS] = "ntp_clients",
    [TW_AN_CAP_PREV_HOSTS] = "previous_hosts",
};

const char *tw_analysis_cap_name(TwAnCap cap)
{
    return cap < TW_AN_CAP_COUNT ? cap_names[cap] : "?";
}

void tw_analysis_cap_hit(TwAnalysis *a, TwAnCap cap)
{
    g_return_if_fail(cap < TW_AN_CAP_COUNT);
    a->cap_counts[cap]++;
    a->caps_hit++;
}

/* ---- small helpers ---- */

/* "aa:bb:cc:dd:ee:ff", lower-case hex (what "%02x:…" prints); written by
 * hand: it runs for most events, and a printf costs more than the rest of
 * the request's bookkeeping. */
static void mac_str(const guint8 m[6], char out[18])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        out[3 * i] = hex[m[i] >> 4];
        out[3 * i + 1] = hex[m[i] & 15];
        out[3 * i + 2] = i < 5 ? ':' : '\0';
    }
}

static const char *src_mac(const TwEvent *ev, char buf[18])
{
    if (!ev->has_mac)
        return NULL;
    mac_str(ev->src_mac, buf);
    return buf;
}

static const char *dst_mac(const TwEvent *ev, char buf[18])
{
    if (!ev->has_mac)
        return NULL;
    mac_str(ev->dst_mac, buf);
    return buf;
}

static const char *intern_source(TwAnalysis *a, const char *source)
{
    if (!source)
        return NULL;
    for (guint i = 0; i < a->sources->len; i++)
        if (strcmp(g_ptr_array_index(a->sources, i), source) == 0)
            return g_ptr_array_index(a->sources, i);
    g_ptr_array_add(a->sources, g_strdup(source));
    return g_ptr_array_index(a->sources, a->sources->len - 1);
}

/* Evidence of one event: its place, its display text, and the typed values
 * the dissector established (docs/events.md), never parsed back from text. */
static TwEvidence *evidence_new(const TwEvent *ev, const char *source, const char *msg, char *detail /* full */)
{
    TwEvidence *e = g_new0(TwEvidence, 1);
    e->source = tw_intern(source);
    e->frame = ev->frame;
    const char *file = an_str(ev, "pcap");
    gint64 file_frame = an_int(ev, "pcap_frame", 0);
    if (file && file_frame > 0) {
        e->file = tw_intern(file);
        e->file_frame = (guint64)file_frame;
    }
    e->ts_us = ev->ts_us;
    e->msg = tw_intern(msg ? msg : ev->proto);
    e->detail = tw_intern(detail);
    g_free(detail);
    e->src = tw_intern(ev->src);
    e->dst = tw_intern(ev->dst);
    e->krb_msg_type = -1;
    e->opnum = -1;
    return e;
}

/* The call's NTSTATUS (NETLOGON, SMB2 result; KERB-EXT-ERROR). */
static TwEvidence *with_status(TwEvidence *e, guint32 st)
{
    e->has_ntstatus = true;
    e->ntstatus = st;
    return e;
}

/* A KRB-ERROR's code (RFC 4120 7.5.9) and the NTSTATUS of its e-data, if any. */
static TwEvidence *with_krb_error(TwEvidence *e, gint64 code, bool has_nt, guint32 nt, TwPeer sender)
{
    e->sender = sender;
    e->has_krb_error = true;
    e->krb_error = code;
    if (has_nt)
        with_status(e, nt);
    e->krb_msg_type = TW_KRB5_ERROR;
    e->dir = TW_DIR_RESPONSE;
    return e;
}

static TwEvidence *with_kerberos(TwEvidence *e, gint64 msg_type, TwDir dir, TwPeer sender)
{
    e->krb_msg_type = (gint16)CLAMP(msg_type, -1, G_MAXINT16);
    e->dir = dir;
    e->sender = sender;
    return e;
}

/* Evidence of a NETLOGON call (MS-NRPC 3.5.4): its opnum, and whether the
 * client's request or the server's response. */
static TwEvidence *nl_evidence(const TwEvent *ev, const char *source, gint64 opnum, bool request, const char *msg,
                               char *detail /* full */)
{
    TwEvidence *e = evidence_new(ev, source, msg, detail);
    e->opnum = (gint16)CLAMP(opnum, -1, G_MAXINT16);
    e->dir = request ? TW_DIR_REQUEST : TW_DIR_RESPONSE;
    e->sender = request ? TW_PEER_CLIENT : TW_PEER_SERVER;
    return e;
}

/* Saved events are hostile input (docs/events.md): a time or clock offset
 * beyond year 9999 — what RFC 3339 text can say — is not a reading of any
 * clock and is rejected.  Every time the engine keeps is within this bound,
 * so their sums and differences cannot overflow 64 bits. */
#define TIME_LIMIT_US (253402300800LL * G_USEC_PER_SEC) /* 10000-01-01T00:00:00Z */

static bool time_plausible(gint64 us)
{
    return us > -TIME_LIMIT_US && us < TIME_LIMIT_US;
}

/* A time field: RFC 3339 text (tw_event_set_time) or integer Unix seconds. */
static bool get_time_k(const TwEvent *ev, const char *k, gint64 *us)
{
    const TwField *f = an_get_k(ev, k);
    if (!f)
        return false;
    gint64 v = 0;
    if (f->type == TW_FIELD_STR) {
        if (!tw_parse_time(f->v.s, &v))
            return false;
    } else if (f->type != TW_FIELD_INT || __builtin_mul_overflow(f->v.i, G_USEC_PER_SEC, &v)) {
        return false;
    }
    if (!time_plausible(v))
        return false;
    *us = v;
    return true;
}

/* get_time(ev, KEY, &us), KEY a string literal */
#define get_time(ev, lit, us) get_time_k((ev), AN_KEY(lit), (us))

/* NTSTATUS from "0xc0000022", "c0000022", or an integer field. */
static bool get_status_k(const TwEvent *ev, const char *k, guint32 *st)
{
    const TwField *f = an_get_k(ev, k);
    if (!f)
        return false;
    if (f->type == TW_FIELD_INT) {
        *st = (guint32)f->v.i;
        return true;
    }
    if (f->type != TW_FIELD_STR || !f->v.s[0])
        return false;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(f->v.s, &end, 16);
    if (end == f->v.s || v > G_MAXUINT32)
        return false;
    *st = (guint32)v;
    return true;
}

/* get_status(ev, KEY, &st), KEY a string literal */
#define get_status(ev, lit, st) get_status_k((ev), AN_KEY(lit), (st))

static bool is_trust_status(guint32 st)
{
    return st == TW_STATUS_NO_TRUST_LSA_SECRET || st == TW_STATUS_TRUSTED_DOMAIN_FAILURE ||
           st == TW_STATUS_TRUSTED_RELATIONSHIP_FAILURE;
}

static bool hex_all_zero(const char *hex)
{
    if (!hex || !*hex)
        return false;
    for (const char *p = hex; *p; p++)
        if (*p != '0')
            return false;
    return true;
}

/* MS-NRPC 3.1.4.1 step 7: a client challenge whose first 5 bytes are all the
 * same is the Zerologon tell (a random one is so with probability 2^-32). */
static bool challenge_is_weak(const char *hex)
{
    if (!hex || strlen(hex) < 10)
        return false;
    for (int i = 2; i < 10; i += 2)
        if (g_ascii_strncasecmp(hex, hex + i, 2) != 0)
            return false;
    return true;
}

/* docs/events.md `transport`: "udp"/"tcp" for a Kerberos message read
 * directly from a transport, i.e. by the KDC and kpasswd parsers (RFC 4120
 * 7.2); a carrier's name when another protocol's GSS-API exchange embeds
 * it.  DCE/RPC over TCP keeps "tcp" for the tokens in its binds, and says so
 * with `dcerpc_call_id`. */
static bool krb_read_directly(const TwEvent *ev)
{
    const char *tr = ev->transport;
    if (!tr || (strcmp(tr, "udp") != 0 && strcmp(tr, "tcp") != 0))
        return false;
    return !an_get(ev, "dcerpc_call_id");
}

/* The message type; saved events written by hand may give only its name. */
static gint64 krb_msg_type(const TwEvent *ev)
{
    gint64 t = an_int(ev, "msg_type", -1);
    return t >= 0 ? t : tw_krb5_msg_type_from_name(an_str(ev, "msg"));
}

static const char *krb_msg_label(gint64 t)
{
    const char *n = tw_krb5_msg_name(t);
    return n ? n : "Kerberos";
}

/* ---- requests, for reply attribution ---- */

/* RFC 4120 5.4.1: till is chosen by the client from its own clock;
 * 2037-09-13 (Windows) and 1970 (none) say nothing about it. */
static bool till_plausible(gint64 till, gint64 ts_us)
{
    return till > ts_us - 400LL * 86400 * G_USEC_PER_SEC && till < ts_us + 400LL * 86400 * G_USEC_PER_SEC;
}

/* An AS-REQ's till (µs, 0: none): its text read as get_time() reads a
 * text field, on the first ask. */
static gint64 request_till(Request *r)
{
    if (r->till_pending) {
        r->till_pending = false;
        gint64 v = 0;
        if (tw_parse_time(r->till_text, &v) && time_plausible(v) && till_plausible(v, r->ts_us))
            r->till_us = v;
    }
    return r->till_us;
}

static Request *request_remember(TwAnalysis *a, const TwEvent *ev, const char *source, const char *proto,
                                 gint64 call_id)
{
    while (g_hash_table_size(a->requests) >= TW_AN_MAX_REQUESTS) {
        GList *oldest = g_queue_pop_head_link(a->request_fifo);
        if (!oldest)
            break;
        Request *r = oldest->data;
        if (!r->replied) /* a late reply to it will find no request */
            tw_analysis_cap_hit(a, TW_AN_CAP_REQUESTS);
        if (g_hash_table_lookup(a->flows, &r->flow) == r)
            g_hash_table_remove(a->flows, &r->flow);
        g_hash_table_remove(a->requests, &r->key); /* frees r */
    }
    Request *r = g_new0(Request, 1);
    r->key.source = source;
    r->key.frame = ev->frame;
    flow_key(&r->flow, ev->src, ev->sport, ev->dst, ev->dport, proto, call_id);
    r->link.data = r;
    r->frame = ev->frame;
    const char *file = an_str(ev, "pcap");
    gint64 file_frame = file ? an_int(ev, "pcap_frame", 0) : 0;
    if (file && file_frame > 0) {
        r->file = g_strdup(file);
        r->file_frame = (guint64)file_frame;
    }
    r->ts_us = ev->ts_us;
    copy_text(r->src, sizeof r->src, ev->src);
    copy_text(r->dst, sizeof r->dst, ev->dst);
    r->msg_type = -1;
    r->opnum = -1;
    /* Several messages completed by one frame: the first keeps the
     * reply_to slot; later ones get a unique key and the flow slot. */
    if (g_hash_table_contains(a->requests, &r->key))
        r->key.uniq = a->events; /* unique: one request per event */
    g_hash_table_insert(a->requests, &r->key, r);
    g_queue_push_tail_link(a->request_fifo, &r->link);
    g_hash_table_replace(a->flows, &r->flow, r);
    return r;
}

/* The request a reply answers. */
static Request *request_for_reply(TwAnalysis *a, const TwEvent *ev, const char *source, const char *proto,
                                  gint64 call_id)
{
    gint64 reply_to = an_int(ev, "reply_to", -1);
    if (reply_to >= 0) {
        ReqKey k = { source, (guint64)reply_to, 0 };
        Request *r = g_hash_table_lookup(a->requests, &k);
        if (r) {
            r->replied = true;
            return r;
        }
    }
    FlowKey fk;
    flow_key(&fk, ev->dst, ev->dport, ev->src, ev->sport, proto, call_id);
    Request *r = g_hash_table_lookup(a->flows, &fk);
    if (r)
        r->replied = true;
    return r;
}

static void mark_dc_as(TwAnalysis *a, const char *addr, bool answered)
{
    if (!addr || !*addr)
        return;
    if (!g_hash_table_contains(a->dc_addrs, addr)) {
        if (g_hash_table_size(a->dc_addrs) >= TW_AN_MAX_MACHINES) {
            tw_analysis_cap_hit(a, TW_AN_CAP_DC_ADDRS);
            return;
        }
        g_hash_table_add(a->dc_addrs, g_strdup(addr));
    }
    TwMachine *m = tw_identity_by_addr(a, addr, true);
    if (m)
        m->role = TW_ROLE_DC;
    if (answered)
        tw_identity_spoke(m, TW_SPOKE_ANSWER); /* the DC itself answered */
}

/* The server of a request (Kerberos, NETLOGON): a DC, not heard yet. */
static void mark_dc(TwAnalysis *a, const char *addr)
{
    mark_dc_as(a, addr, false);
}

/* The sender of a KDC or NETLOGON reply: a DC that answered. */
static void mark_dc_answered(TwAnalysis *a, const char *addr)
{
    mark_dc_as(a, addr, true);
}

static bool is_zl_attacker(const TwMachine *m, const char *addr)
{
    for (guint i = 0; m && i < m->zl_attackers->len; i++)
        if (strcmp(g_ptr_array_index(m->zl_attackers, i), addr) == 0)
            return true;
    return false;
}

static void clock_sample(TwAnalysis *a, TwMachine *m, const TwEvent *ev, const char *source,
                         TwClockKind kind, gint64 machine_us, gint64 capture_us)
{
    if (!m)
        return;
    /* The sample's sender is the machine (a KDC's stime, a server's SMB2 or
     * NTLMSSP CHALLENGE time, an NTP packet, a NETLOGON authenticator); an
     * echoed ctime and an NTLMv2 client time prove nothing more than the
     * message that carried them. */
    bool challenge = g_strcmp0(an_str(ev, "ntlmssp_type"), "CHALLENGE") == 0;
    if (kind == TW_CLK_KRB_STIME || kind == TW_CLK_SMB2_SYSTIME || (kind == TW_CLK_NTLM_TIME && challenge))
        tw_identity_spoke(m, TW_SPOKE_ANSWER);
    else if (kind == TW_CLK_NTP)
        tw_identity_spoke(m, TW_SPOKE_NTP);
    else if (kind == TW_CLK_NL_AUTH)
        tw_identity_spoke(m, TW_SPOKE_NETLOGON);
    gint64 diff_us = 0;
    if (__builtin_sub_overflow(machine_us, capture_us, &diff_us))
        return; /* callers pass plausible times (time_plausible): not reached */
    if (!tw_clock_plausible(a, capture_us, (double)diff_us / 1e6)) {
        a->clock_samples_implausible++; /* decades from every other clock: no reading */
        return;
    }
    tw_clock_kept(a, (double)diff_us / 1e6);
    m->clock_total++;
    TwClockSample s = { 0 };
    s.offset_s = (double)diff_us / 1e6;
    s.kind = kind;
    s.frame = ev->frame;
    s.ts_us = ev->ts_us;
    s.source = g_strdup(source);
    if (m->clock->len < TW_AN_MAX_CLOCK_SAMPLES) {
        g_array_append_val(m->clock, s);
    } else {
        /* A sample, not a record: keep the first half, rotate the second
         * so the median follows a clock that drifts during the capture
         * (m->clock_total says how many were seen). */
        tw_analysis_cap_hit(a, TW_AN_CAP_CLOCK_SAMPLES);
        guint half = TW_AN_MAX_CLOCK_SAMPLES / 2;
        TwClockSample *slot = &g_array_index(m->clock, TwClockSample, half + m->clock_total % half);
        g_free(slot->source);
        *slot = s;
    }
    if (!m->first_ts || ev->ts_us < m->first_ts)
        m->first_ts = ev->ts_us;
    if (ev->ts_us > m->last_ts)
        m->last_ts = ev->ts_us;
    tw_analysis_touch(a, m);
}

static void user_failure(TwAnalysis *a, const TwEvent *ev, const char *source, const char *user,
                         const char *addr, gint64 krb_error)
{
    g_autofree char *k = g_strdup_printf("%s|%s|%" G_GINT64_FORMAT, user, addr, krb_error);
    TwUserFailure *u = g_hash_table_lookup(a->user_index, k);
    if (!u) {
        if (a->users->len >= TW_AN_MAX_USERS) {
            tw_analysis_cap_hit(a, TW_AN_CAP_USERS);
            return;
        }
        u = g_new0(TwUserFailure, 1);
        u->user = g_strdup(user);
        g_strlcpy(u->addr, addr, sizeof u->addr);
        u->krb_error = krb_error;
        u->first_frame = ev->frame;
        u->source = g_strdup(source);
        u->first_ts = ev->ts_us;
        g_ptr_array_add(a->users, u);
        g_hash_table_insert(a->user_index, g_steal_pointer(&k), u);
    }
    u->count++;
    u->last_ts = ev->ts_us;
}

/* ---- Kerberos (RFC 4120, MS-KILE) ---- */

/* A service class every computer account answers for: HOST and the classes
 * Active Directory maps to it by default (MS-ADTS 3.1.1.2.3.3 sPNMappings:
 * cifs, http, rpcss, …), RestrictedKrbHost (MS-KILE 3.3.5.1), and a DC's
 * ldap/GC. */
static bool machine_service_class(const char *sname)
{
    static const char *const classes[] = { "host", "restrictedkrbhost", "cifs", "http", "www", "rpcss", "dcom",
                                           "netlogon", "time", "dns", "spooler", "ldap", "gc", NULL };
    const char *slash = sname ? strchr(sname, '/') : NULL;
    if (!slash)
        return false;
    for (const char *const *c = classes; *c; c++)
        if (strlen(*c) == (gsize)(slash - sname) && g_ascii_strncasecmp(sname, *c, strlen(*c)) == 0)
            return true;
    return false;
}
static char *conn_key(const char *source, const char *caddr, gint64 cport, const char *saddr, gint64 sport);

static void feed_kerberos(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    gint64 t = krb_msg_type(ev);
    /* The dissector says whether the message came inside a kpasswd frame
     * (docs/events.md `kpasswd`); the port number is not asked again. */
    bool kpasswd = an_bool(ev, "kpasswd", false);
    const char *cname = an_str(ev, "cname");
    const char *sname = an_str(ev, "sname");
    char mb[18];

    /* An AP-REQ goes to an application service (carried by SMB2, HTTP,
     * LDAP, DCE/RPC) or to kpasswd: a KDC never receives a bare one. */
    if (t == TW_KRB5_AS_REQ || t == TW_KRB5_TGS_REQ || t == TW_KRB5_AP_REQ) {
        if (t != TW_KRB5_AP_REQ || kpasswd)
            mark_dc(a, ev->dst);
        Request *r = request_remember(a, ev, source, "krb", 0);
        r->msg_type = t;
        r->cname = g_strdup(cname);
        r->sname = g_strdup(sname);
        r->kpasswd = kpasswd;
        r->proof = tw_keyproof_request(ev);
        gint64 clk_us;
        TwClockKind clk_kind;
        if (tw_keyproof_client_clock(r->proof, &clk_us, &clk_kind)) {
            /* with keys: the client's own clock, decrypted (keyproof.c) */
            g_autofree char *who = tw_identity_from_principal(t == TW_KRB5_AS_REQ ? cname : tw_keyproof_client(r->proof));
            TwMachine *cm = who ? tw_identity_get(a, who) : tw_identity_by_addr(a, ev->src, false);
            /* After a KRB_AP_ERR_SKEW, MIT (kdc_timesync) and Windows retry with
             * their time shifted by the KDC's (RFC 4120 7.5.9 lets the client
             * learn it from the error's stime): a decrypted time that now agrees
             * with the DCs is that corrected time, not the machine's clock. */
            double dc_off = 0;
            if (cm && cm->facts[TW_F_KRB_SKEW].count && cm->role != TW_ROLE_DC) {
                if (!tw_clock_dc_offset_at(a, ev->ts_us, &dc_off))
                    dc_off = 0;
                if (ABS((double)(clk_us - ev->ts_us) / 1e6 - dc_off) < TW_AN_SKEW_LIMIT_S) {
                    a->clock_samples_corrected++;
                    cm = NULL;
                }
            }
            if (cm)
                clock_sample(a, cm, ev, source, clk_kind, clk_us, ev->ts_us);
        }
        if (t == TW_KRB5_AS_REQ) {
            const TwField *tf = an_get(ev, "till");
            gsize tn = tf && tf->type == TW_FIELD_STR ? strlen(tf->v.s) : 0;
            if (tn && tn < sizeof r->till_text) {
                memcpy(r->till_text, tf->v.s, tn + 1);
                r->till_pending = true; /* read by request_till */
            } else {
                gint64 till = 0;
                if (get_time(ev, "till", &till) && till_plausible(till, ev->ts_us))
                    r->till_us = till;
            }
        }
        g_autofree char *cacct = tw_identity_from_principal(cname);
        if (cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            if (t == TW_KRB5_AS_REQ)
                tw_identity_spoke(m, TW_SPOKE_KERBEROS); /* its own AS-REQ */
            tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
            if (m && m->role == TW_ROLE_UNKNOWN)
                m->role = TW_ROLE_MEMBER;
            const char *realm = an_str(ev, "realm");
            if (m && t == TW_KRB5_AS_REQ && !a->realm && realm && *realm && !an_bool(ev, "realm_truncated", false))
                a->realm = g_strdup(realm);
            if (m && t == TW_KRB5_AS_REQ)
                tw_machine_fact(a, m, TW_F_SEEN,
                                with_kerberos(evidence_new(ev, source, "AS-REQ",
                                                           g_strconcat(cacct, " asks the KDC for a ticket", NULL)),
                                              t, TW_DIR_REQUEST, TW_PEER_CLIENT));
        }
        const char *logon = tw_keyproof_client(r->proof);
        if (t == TW_KRB5_AP_REQ && !kpasswd && logon) {
            /* with keys: the decrypted authenticator names who logs on to this
             * connection (a SAMR caller over it, as NTLMSSP's user does) */
            const char *crealm = tw_event_get_whole_str(ev, "authenticator_crealm");
            g_autofree char *k = conn_key(source, ev->src, ev->sport, ev->dst, ev->dport);
            if (g_hash_table_size(a->flow_users) < TW_AN_MAX_FLOWS || g_hash_table_contains(a->flow_users, k))
                g_hash_table_replace(a->flow_users, g_steal_pointer(&k),
                                     crealm ? g_strdup_printf("%s@%s", logon, crealm) : g_strdup(logon));
            else
                tw_analysis_cap_hit(a, TW_AN_CAP_FLOW_USERS);
        }
        g_autofree char *sacct = tw_identity_from_principal(sname);
        if (sacct && t == TW_KRB5_AP_REQ && !kpasswd) {
            /* An AP-REQ goes to the service itself: its address is the machine's. */
            TwMachine *m = tw_identity_get(a, sacct);
            tw_identity_add_alias(a, m, sname);
            tw_identity_bind(a, m, ev->dst, dst_mac(ev, mb), ev->ts_us);
        } else if (sacct && t == TW_KRB5_TGS_REQ) {
            TwMachine *m = tw_identity_get(a, sacct);
            tw_identity_add_alias(a, m, sname);
            if (m && !m->first_ts)
                m->first_ts = m->last_ts = ev->ts_us;
        }
        /* "source|client address": formatted only for the kpasswd exchange that reads it */
        g_autofree char *cpkey = NULL;
        if (t == TW_KRB5_AS_REQ && cname && sname && g_ascii_strncasecmp(sname, "kadmin/changepw", 15) == 0) {
            cpkey = g_strconcat(source ? source : "", "|", ev->src, NULL);
            if (g_hash_table_size(a->changepw_client) < TW_AN_MAX_FLOWS || g_hash_table_contains(a->changepw_client, cpkey))
                g_hash_table_replace(a->changepw_client, g_strdup(cpkey), g_strdup(cname));
            else
                tw_analysis_cap_hit(a, TW_AN_CAP_CHANGEPW);
        }
        if (kpasswd && t == TW_KRB5_AP_REQ) {
            /* RFC 3244: whose password changes is in the encrypted part; the
             * AS-REQ for kadmin/changepw just before names the principal. */
            if (!cname)
                cpkey = g_strconcat(source ? source : "", "|", ev->src, NULL);
            const char *who = cname ? cname : g_hash_table_lookup(a->changepw_client, cpkey);
            g_autofree char *wacct = tw_identity_from_principal(who);
            r->cname = r->cname ? r->cname : g_strdup(who);
            if (!wacct)
                return; /* a user changing their own password, or nobody known */
            TwMachine *m = tw_identity_get(a, wacct);
            if (!m)
                return;
            tw_identity_spoke(m, TW_SPOKE_KPASSWD);
            TwAddrUse *u = m ? tw_machine_addr(m, ev->src) : NULL;
            if (u)
                u->n_pwset++;
            tw_machine_fact(a, m, TW_F_PWSET_REQ,
                            with_kerberos(evidence_new(ev, source, "kpasswd request",
                                                       g_strdup("password change sent with kpasswd (RFC 3244)")),
                                          t, TW_DIR_REQUEST, TW_PEER_CLIENT));
        }
        return;
    }

    if (t == TW_KRB5_AS_REP || t == TW_KRB5_TGS_REP) {
        mark_dc_answered(a, ev->src);
        Request *r = request_for_reply(a, ev, source, "krb", 0); /* also marks it replied */
        g_autofree char *acct = tw_identity_from_principal(cname);
        if (!acct && r && t == TW_KRB5_AS_REP)
            acct = tw_identity_from_principal(r->cname);
        if (!acct)
            return;
        TwMachine *m = tw_identity_get(a, acct);
        /* An AS-REP answers the account's own logon; a TGS-REP a use of its
         * TGT, which another host may hold (identity.c, foreign-use). */
        bool foreign = tw_identity_bind_as(a, m, ev->dst, dst_mac(ev, mb), ev->ts_us,
                                           t == TW_KRB5_AS_REP ? TW_USE_OWN : TW_USE_OTHER, NULL);
        g_autofree char *fd = sname ? g_strconcat("ticket for ", sname, NULL) : NULL;
        if (foreign) {
            /* the actor's success, never the machine's own (foreign-use) */
            tw_machine_fact(a, m, TW_F_FOREIGN,
                            with_kerberos(evidence_new(ev, source, krb_msg_label(t), g_steal_pointer(&fd)), t,
                                          TW_DIR_RESPONSE, TW_PEER_KDC));
            return;
        }
        tw_identity_spoke(m, TW_SPOKE_KERBEROS); /* the KDC answered its request */
        if (m && m->role == TW_ROLE_UNKNOWN)
            m->role = TW_ROLE_MEMBER;
        /* Only an AS-REP proves the key from that address; a TGS-REP
         * proves a TGT, which can be copied elsewhere. */
        TwAddrUse *u = m && t == TW_KRB5_AS_REP ? tw_machine_addr(m, ev->dst) : NULL;
        if (u)
            u->n_ok++;
        tw_machine_fact(a, m, t == TW_KRB5_AS_REP ? TW_F_KRB_AS_OK : TW_F_KRB_TGS_OK,
                        with_kerberos(evidence_new(ev, source, krb_msg_label(t), g_steal_pointer(&fd)), t,
                                      TW_DIR_RESPONSE, TW_PEER_KDC));
        return;
    }

    if (t == TW_KRB5_AP_REP) {
        Request *r = request_for_reply(a, ev, source, "krb", 0);
        if (r)
            r->answered = true;
        g_autofree char *sacct = r ? tw_identity_from_principal(r->sname) : NULL;
        TwMachine *m = sacct ? tw_identity_get(a, sacct) : NULL;
        if (!m && !kpasswd)
            m = tw_identity_by_addr(a, ev->src, false);
        if (m && !kpasswd) {
            tw_identity_spoke(m, TW_SPOKE_ANSWER); /* the service answered */
            tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
            tw_machine_fact(a, m, TW_F_SRV_AP_OK,
                            with_kerberos(evidence_new(ev, source, "AP-REP",
                                                       g_strdup("the service decrypted the client's ticket with its key")),
                                          t, TW_DIR_RESPONSE, TW_PEER_SERVER));
        }
        return;
    }

    if (t == TW_KRB5_PRIV && kpasswd) {
        /* RFC 3244: the kpasswd reply; result 0 = success. */
        gint64 rc = an_int(ev, "kpasswd_result", -1);
        Request *r = request_for_reply(a, ev, source, "krb", 0);
        if (rc < 0) {
            /* The result is sealed (no keys): the change was answered, how is unknown. */
            g_autofree char *racct = r ? tw_identity_from_principal(r->cname) : NULL;
            TwMachine *rm = racct ? tw_identity_get(a, racct) : tw_identity_by_addr(a, ev->dst, false);
            if (rm)
                tw_machine_fact(a, rm, TW_F_PWSET_REPLY,
                                with_kerberos(evidence_new(ev, source, "kpasswd reply",
                                                           g_strdup("result sealed: answered, outcome not visible")),
                                              t, TW_DIR_RESPONSE, TW_PEER_KDC));
            return;
        }
        g_autofree char *acct = r ? tw_identity_from_principal(r->cname) : NULL;
        TwMachine *m = acct ? tw_identity_get(a, acct) : tw_identity_by_addr(a, ev->dst, true);
        TwEvidence *e = with_kerberos(evidence_new(ev, source, "kpasswd reply", NULL), t, TW_DIR_RESPONSE, TW_PEER_KDC);
        e->has_kpasswd_result = true;
        e->kpasswd_result = rc;
        tw_machine_fact(a, m, rc == 0 ? TW_F_PWSET_OK : TW_F_PWSET_FAIL, e);
        return;
    }

    if (t != TW_KRB5_ERROR)
        return;

    gint64 code = an_int(ev, "error_code", -1);
    Request *r = request_for_reply(a, ev, source, "krb", 0);
    if (r)
        r->answered = true;
    /* The KDC answers AS/TGS requests (and kpasswd); any other sender of a
     * KRB-ERROR is an application server answering an AP-REQ (RFC 4120
     * 3.2.3), even when it runs on a DC's address.  The request it answers
     * says which; without one, the event's transport does (read directly
     * from UDP/TCP by the KDC/kpasswd parsers, or carried by another
     * protocol's GSS-API exchange). */
    bool direct = krb_read_directly(ev);
    bool from_kdc = r ? (r->msg_type == TW_KRB5_AS_REQ || r->msg_type == TW_KRB5_TGS_REQ || r->kpasswd)
                      : (kpasswd || direct);
    /* A KDC answering a captured AS/TGS-REQ is marked by that request
     * (mark_dc on its destination); an error alone does not make its
     * sender a DC. */
    TwPeer sender = from_kdc ? TW_PEER_KDC : TW_PEER_SERVER;
    const char *client = cname ? cname : (r ? r->cname : NULL);
    if (!client && r)
        client = tw_keyproof_client(r->proof); /* with keys: the decrypted authenticator's cname */
    const char *service = (r && r->sname) ? r->sname : sname;
    gint64 req_type = r ? r->msg_type : -1;
    g_autofree char *cacct = tw_identity_from_principal(client);
    bool user = client && tw_identity_is_user(client);
    const char *client_addr = ev->dst; /* the error goes back to the client */

    /* Every KRB-ERROR carries the sender's clock (stime, susec: RFC 4120 5.9.1). */
    gint64 stime_us = 0, ctime_us = 0;
    /* KerberosTime has whole seconds; the microseconds travel in susec/cusec. */
    bool has_stime = get_time(ev, "stime", &stime_us);
    if (has_stime)
        stime_us += CLAMP(an_int(ev, "susec", 0), 0, 999999);
    bool has_ctime = get_time(ev, "ctime", &ctime_us);
    if (has_ctime)
        ctime_us += CLAMP(an_int(ev, "cusec", 0), 0, 999999);
    if (has_stime)
        clock_sample(a, tw_identity_by_addr(a, ev->src, true), ev, source, TW_CLK_KRB_STIME, stime_us, ev->ts_us);

    g_autofree char *reqdesc = g_strconcat(r ? krb_msg_label(r->msg_type) : "request", client ? " " : "",
                                           client ? client : "", " → KRB-ERROR", NULL);
    guint32 nt = 0;
    bool has_nt = get_status(ev, "nt_status", &nt);

    switch (code) {
    case TW_KRB5_ERR_PREAUTH_REQUIRED: {
        /* Normal first round trip (RFC 4120 5.2.7): never a failure. */
        if (cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            tw_identity_spoke(m, TW_SPOKE_KERBEROS); /* the KDC answered its AS-REQ */
            tw_identity_bind(a, m, client_addr, dst_mac(ev, mb), ev->ts_us);
            tw_machine_fact(a, m, TW_F_KRB_PREAUTH_REQ, with_krb_error(evidence_new(ev, source, reqdesc, NULL), code, false, 0, sender));
        }
        return;
    }
    case TW_KRB5_ERR_PREAUTH_FAILED:
    case TW_KRB5_ERR_AP_BAD_INTEGRITY:
    case TW_KRB5_ERR_AP_MODIFIED:
    case TW_KRB5_ERR_AP_BADKEYVER: {
        bool ap_exchange = !from_kdc || req_type == TW_KRB5_AP_REQ;
        if (ap_exchange && !kpasswd) {
            /* The service could not decrypt the ticket made with its key
             * (MS-KILE 3.4.5.1): the *server* holds a stale key. */
            g_autofree char *sacct = tw_identity_from_principal(service);
            TwMachine *m = sacct ? tw_identity_get(a, sacct) : tw_identity_by_addr(a, ev->src, true);
            tw_identity_spoke(m, TW_SPOKE_ANSWER); /* the service answered, with an error */
            if (m && sacct)
                tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
            g_autofree char *d = g_strdup_printf("%s could not decrypt a ticket for %s sent by %s",
                                                 ev->src, service ? service : "its service", ev->dst);
            tw_machine_fact(a, m, TW_F_SRV_KEY_FAIL,
                            with_krb_error(evidence_new(ev, source, "AP-REQ → KRB-ERROR", g_steal_pointer(&d)), code, has_nt, nt, sender));
            tw_keyproof_refused(a, m, r ? r->proof : NULL, ev, source, code, true);
            return;
        }
        if (code == TW_KRB5_ERR_AP_MODIFIED || code == TW_KRB5_ERR_AP_BADKEYVER) {
            /* From the KDC on a TGS-REQ: the TGT itself is stale (krbtgt
             * reset, RODC) — a client problem but not its machine key. */
            return;
        }
        if (cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            tw_identity_spoke(m, TW_SPOKE_KERBEROS);
            tw_identity_bind(a, m, client_addr, dst_mac(ev, mb), ev->ts_us);
            TwAddrUse *u = m ? tw_machine_addr(m, client_addr) : NULL;
            if (u)
                u->n_keyfail++;
            tw_machine_fact(a, m, TW_F_KRB_KEY_FAIL,
                            with_krb_error(evidence_new(ev, source, reqdesc,
                                         g_strdup("the domain controller rejected this machine's password (key)")), code, has_nt, nt, sender));
            tw_keyproof_refused(a, m, r ? r->proof : NULL, ev, source, code, false);
        } else if (user) {
            user_failure(a, ev, source, client, client_addr, code);
        }
        return;
    }
    case TW_KRB5_ERR_AP_SKEW: {
        /* RFC 4120 5.2.3/7.5.9: outside the clock tolerance.  On an AS
         * exchange it also proves the key was right. */
        TwMachine *m = cacct ? tw_identity_get(a, cacct) : tw_identity_by_addr(a, client_addr, true);
        if (cacct) {
            tw_identity_spoke(m, TW_SPOKE_KERBEROS);
            tw_identity_bind(a, m, client_addr, dst_mac(ev, mb), ev->ts_us);
        }
        /* MIT KDCs fill the ctime of an AS error with a time that is not
         * the client's (seen: 1985): decades from the error's own stime, it
         * is no clock reading. */
        bool ctime_bogus = has_ctime && has_stime &&
                           ABS((double)(ctime_us - stime_us) / 1e6) > TW_AN_CLOCK_IMPLAUSIBLE_S;
        if (ctime_bogus) {
            a->clock_samples_implausible++;
            has_ctime = false;
        }
        if (has_ctime)
            clock_sample(a, m, ev, source, TW_CLK_KRB_CTIME, ctime_us, ev->ts_us);
        g_autofree char *d = NULL;
        if (ctime_bogus)
            d = g_strdup_printf("the error's ctime (%s) is decades from its stime (%s): not the client's clock, "
                                "not used", an_str(ev, "ctime"), an_str(ev, "stime"));
        else if (has_ctime && has_stime)
            d = g_strdup_printf("client clock %s, server clock %s: %+.0f s apart",
                                an_str(ev, "ctime"), an_str(ev, "stime"),
                                (double)(ctime_us - stime_us) / 1e6);
        else if (has_stime)
        {
            double o = (double)(stime_us - ev->ts_us) / 1e6;
            d = g_strdup_printf("%s's clock %+.1f s vs capture time; the client's time is not in the error",
                                ev->src, ABS(o) < 0.05 ? 0.0 : o);
        }
        TwEvidence *e = with_krb_error(evidence_new(ev, source, reqdesc, g_steal_pointer(&d)), code, has_nt, nt, sender);
        if (has_ctime && has_stime) {
            e->has_value = true;
            e->value = (double)(ctime_us - stime_us) / 1e6;
        } else if (r && r->msg_type == TW_KRB5_AS_REQ && request_till(r)) {
            /* No client time in the error: estimate it from the AS-REQ's
             * till = client now + a whole-hour lifetime (24 h for MIT, 10 h
             * for many others), good for offsets under 30 minutes.  Kept
             * only when consistent with the error (beyond ~5 minutes). */
            gint64 life_s = (r->till_us - r->ts_us) / G_USEC_PER_SEC;
            gint64 rem = ((life_s % 3600) + 3600) % 3600;
            double est = (double)(rem >= 1800 ? rem - 3600 : rem);
            double kdc_off = has_stime ? (double)(stime_us - ev->ts_us) / 1e6 : 0;
            est -= kdc_off;
            /* Whole hours are not in the estimate: the client's own readings give them. */
            bool hours = tw_clock_resolve_hours(m, ev->ts_us, kdc_off, &est);
            if (ABS(est) >= 280.0) {
                e->has_value = true;
                e->value_estimated = true;
                e->value = est;
                g_autofree char *d2 = g_strdup_printf(
                    "client clock about %+.0f s from the KDC's (estimated from the AS-REQ's requested end time%s)", est,
                    hours ? ", whole hours from the client's own clock readings"
                    : ABS(est) >= 1200.0 ? ", which gives it only modulo whole hours" : "");
                if (e->detail)
                    g_ref_string_release(e->detail);
                e->detail = tw_intern(d2);
            }
        }
        double exact;
        g_autofree char *xd = NULL;
        if (r && tw_keyproof_skew(r->proof, ev, &exact, &xd)) {
            /* with keys: the client's own clock, decrypted, against the KDC's stime */
            e->has_value = true;
            e->value_estimated = false;
            e->value = exact;
            if (e->detail)
                g_ref_string_release(e->detail);
            e->detail = tw_intern(xd);
        }
        tw_machine_fact(a, m, TW_F_KRB_SKEW, e);
        tw_keyproof_refused(a, m, r ? r->proof : NULL, ev, source, code, false);
        return;
    }
    case TW_KRB5_ERR_C_PRINCIPAL_UNKNOWN:
        if (cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            tw_identity_spoke(m, TW_SPOKE_KERBEROS);
            tw_identity_bind(a, m, client_addr, dst_mac(ev, mb), ev->ts_us);
            tw_machine_fact(a, m, TW_F_KRB_CLIENT_UNKNOWN,
                            with_krb_error(evidence_new(ev, source, reqdesc,
                                         g_strdup("the domain does not know this machine account")), code, has_nt, nt, sender));
        } else if (user) {
            user_failure(a, ev, source, client, client_addr, code);
        }
        return;
    case TW_KRB5_ERR_CLIENT_REVOKED:
        if (cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            tw_identity_spoke(m, TW_SPOKE_KERBEROS);
            tw_identity_bind(a, m, client_addr, dst_mac(ev, mb), ev->ts_us);
            tw_machine_fact(a, m, TW_F_KRB_REVOKED, with_krb_error(evidence_new(ev, source, reqdesc, NULL), code, has_nt, nt, sender));
        } else if (user) {
            user_failure(a, ev, source, client, client_addr, code);
        }
        return;
    case TW_KRB5_ERR_S_PRINCIPAL_UNKNOWN: {
        /* Only the names every machine account holds say something about the
         * account (docs/detections.md spn-unknown); another service class on
         * the host (HTTP/app, MSSQLSvc/…) is a service's registration,
         * listed with the ticket failures (tickets.c). */
        g_autofree char *sacct = machine_service_class(service) ? tw_identity_from_principal(service) : NULL;
        TwMachine *m = sacct ? tw_identity_lookup(a, sacct) : NULL;
        if (m)
            tw_machine_fact(a, m, TW_F_SPN_UNKNOWN,
                            with_krb_error(evidence_new(ev, source, "TGS-REQ → KRB-ERROR",
                                         g_strdup_printf("no account holds the name %s", service)), code, false, 0, sender));
        return;
    }
    default:
        if (has_nt && nt == TW_STATUS_ACCOUNT_DISABLED && cacct) {
            TwMachine *m = tw_identity_get(a, cacct);
            tw_identity_spoke(m, TW_SPOKE_KERBEROS);
            tw_machine_fact(a, m, TW_F_KRB_REVOKED, with_krb_error(evidence_new(ev, source, reqdesc, NULL), code, has_nt, nt, sender));
        } else if (has_nt && is_trust_status(nt) && cacct) {
            tw_identity_spoke(tw_identity_get(a, cacct), TW_SPOKE_KERBEROS);
            tw_machine_fact(a, tw_identity_get(a, cacct), TW_F_TRUST_FAIL,
                            with_krb_error(evidence_new(ev, source, reqdesc, NULL), code, has_nt, nt, sender));
        } else if (user && code > 0 && code != 52 /* KRB_ERR_RESPONSE_TOO_BIG: retry over TCP */) {
            user_failure(a, ev, source, client, client_addr, code);
        }
        return;
    }
}

/* ---- NTP / MS-SNTP (RFC 5905 7.3, MS-SNTP 2.2) ---- */

static TwMachine *machine_by_rid(TwAnalysis *a, gint64 rid)
{
    for (guint i = 0; i < a->machine_order->len; i++) {
        TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->rid == rid && m->account)
            return m;
    }
    return NULL;
}

/* The transmit timestamp is the sender's clock when the packet left
 * (docs/events.md: clock_sample_us = sender's clock minus capture time): a
 * client request measures the client, a server reply the server.  MS-SNTP
 * requests name the machine account by RID (MS-SNTP 2.2.1), which NETLOGON
 * Authenticate3 responses tie to a name. */
static void feed_ntp(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    const TwField *cs = an_get(ev, "clock_sample_us");
    gint64 sender_us = 0;
    if (!cs || cs->type != TW_FIELD_INT || !time_plausible(cs->v.i) ||
        __builtin_add_overflow(ev->ts_us, cs->v.i, &sender_us) || !time_plausible(sender_us))
        return; /* no reading, or not one of any clock (hostile saved events) */
    gint64 mode = an_int(ev, "mode", -1);
    bool client = mode == 3, server = mode == 4;
    if (!client && !server && mode != 1 && mode != 2 && mode != 5)
        return;
    /* chrony's data-minimised requests may carry a random transmit time */
    if (client && an_bool(ev, "data_minimized", false))
        return;
    /* RFC 5905 7.4: a kiss-o'-death (stratum 0 reply) is not a clock reading */
    if (server && an_int(ev, "stratum", -1) == 0)
        return;
    gint64 rid = an_int(ev, "rid", -1);
    TwMachine *m = NULL;
    char mb[18];
    if (client && rid > 0) {
        m = machine_by_rid(a, rid);
        tw_identity_spoke(m, TW_SPOKE_NTP);
        if (m)
            tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
    }
    double off = (double)cs->v.i / 1e6;
    /* Who takes its time from whom (the time-source cause, rules.c). */
    const char *cli = client ? ev->src : server ? ev->dst : NULL, *srv = client ? ev->dst : server ? ev->src : NULL;
    if (cli && cli[0] && srv && srv[0]) {
        if (g_hash_table_size(a->ntp_server_of) < TW_AN_MAX_ADDR_OWNERS || g_hash_table_contains(a->ntp_server_of, cli))
            g_hash_table_insert(a->ntp_server_of, g_strdup(cli), g_strdup(srv));
        else
            tw_analysis_cap_hit(a, TW_AN_CAP_NTP_CLIENTS);
    }
    /* A time server that is no DC gets a record once it has served a wrong
     * time to several clients: then it may be the time source of a fleet's
     * skew (an outside server serving one client stays unnamed). */
    bool wrong_source = false;
    if (server && ABS(off) > TW_AN_SKEW_WARN_S && tw_clock_plausible(a, ev->ts_us, off)) {
        GHashTable *set = g_hash_table_lookup(a->ntp_off_clients, ev->src);
        if (!set && g_hash_table_size(a->ntp_off_clients) < TW_AN_MAX_ADDR_OWNERS) {
            set = g_hash_table_new_full(tw_an_str_hash, g_str_equal, g_free, NULL);
            g_hash_table_insert(a->ntp_off_clients, g_strdup(ev->src), set);
        }
        if (set && (g_hash_table_size(set) < TW_AN_MAX_ADDRS || g_hash_table_contains(set, ev->dst)))
            g_hash_table_add(set, g_strdup(ev->dst));
        else
            tw_analysis_cap_hit(a, TW_AN_CAP_NTP_CLIENTS);
        wrong_source = set && g_hash_table_size(set) >= TW_AN_TIME_SOURCE_MIN_CLIENTS;
    }
    /* chrony puts a random transmit time in client requests even without
     * the data-minimised flag: decades from every other clock, it is no
     * reading (the client's clock comes from the exchange, not from it). */
    if (!tw_clock_plausible(a, ev->ts_us, off)) {
        a->clock_samples_implausible++;
        return;
    }
    /* A host known only by this sample gets a record when its clock is
     * worth reporting (as for NTLMv2 client times); a server only when it
     * is a DC: an outside time server is not a machine of the domain. */
    if (!m)
        m = tw_identity_by_addr(a, ev->src,
                                client ? ABS(off) > TW_AN_SKEW_WARN_S
                                       : g_hash_table_contains(a->dc_addrs, ev->src) || wrong_source);
    if (!m)
        return;
    clock_sample(a, m, ev, source, TW_CLK_NTP, sender_us, ev->ts_us);
    g_autofree char *d = g_strdup_printf("NTP %s from %s: its clock %+.1f s vs capture time (transmit timestamp %s)%s",
                                         client ? "request" : server ? "reply" : "packet", ev->src,
                                         ABS(off) < 0.05 ? 0.0 : off,
                                         an_str(ev, "transmit_time") ? an_str(ev, "transmit_time") : "?",
                                         rid > 0 && client ? (m->account ? ", MS-SNTP RID of this account" : ", MS-SNTP")
                                                           : "");
    TwEvidence *e = evidence_new(ev, source, client ? "NTP request" : server ? "NTP reply" : "NTP", g_steal_pointer(&d));
    e->has_value = true;
    e->value = off;
    tw_machine_fact(a, m, TW_F_CLOCK_NTP, e);
}

/* ---- NETLOGON (MS-NRPC) ---- */

static bool is_authenticate(gint64 opnum)
{
    return opnum == TW_NRPC_AUTHENTICATE || opnum == TW_NRPC_AUTHENTICATE2 || opnum == TW_NRPC_AUTHENTICATE3 ||
           opnum == TW_NRPC_AUTHENTICATE_KERBEROS;
}

static const char *nl_op_name(gint64 opnum, const char *op)
{
    if (op)
        return op;
    switch (opnum) {
    case TW_NRPC_REQ_CHALLENGE: return "NetrServerReqChallenge";
    case TW_NRPC_AUTHENTICATE: return "NetrServerAuthenticate";
    case TW_NRPC_PASSWORD_SET: return "NetrServerPasswordSet";
    case TW_NRPC_AUTHENTICATE2: return "NetrServerAuthenticate2";
    case TW_NRPC_AUTHENTICATE3: return "NetrServerAuthenticate3";
    case TW_NRPC_PASSWORD_SET2: return "NetrServerPasswordSet2";
    default: return "NETLOGON call";
    }
}

static void sealed_burst(TwAnalysis *a, const TwEvent *ev, const char *source, const char *op)
{
    g_autofree char *k = g_strconcat(source ? source : "", "|", ev->src, "|", ev->dst, NULL);
    GArray *ts = g_hash_table_lookup(a->sealed_bursts, k);
    if (!ts) {
        if (g_hash_table_size(a->sealed_bursts) >= TW_AN_MAX_FLOWS) {
            tw_analysis_cap_hit(a, TW_AN_CAP_SEALED_BURSTS);
            return;
        }
        ts = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_hash_table_insert(a->sealed_bursts, g_steal_pointer(&k), ts);
    }
    g_array_append_val(ts, ev->ts_us);
    while (ts->len && ev->ts_us - g_array_index(ts, gint64, 0) > TW_AN_BURST_WINDOW_US)
        g_array_remove_index(ts, 0);
    if (ts->len > 4 * TW_AN_BURST_MIN)
        g_array_remove_index(ts, 0);
    if (ts->len < TW_AN_BURST_MIN)
        return;
    TwMachine *dc = tw_identity_by_addr(a, ev->dst, true);
    if (dc) {
        dc->role = TW_ROLE_DC;
        /* the page's histogram: the calls of the window not binned yet
         * (all of it when the burst begins), then each call */
        bool fresh = !dc->zl_sealed_burst;
        for (guint i = 0; i < ts->len; i++) {
            gint64 t = g_array_index(ts, gint64, i);
            if (fresh || t > dc->zl_sealed_last_us || i + 1 == ts->len) {
                tw_burst_add(&dc->zl_sealed_burst, t);
                if (t > dc->zl_sealed_last_us)
                    dc->zl_sealed_last_us = t;
            }
        }
    }
    g_autofree char *d = g_strdup_printf("sealed %s from %s: %u within %d s (contents encrypted)", op, ev->src,
                                         ts->len, (int)(TW_AN_BURST_WINDOW_US / G_USEC_PER_SEC));
    tw_machine_fact(a, dc, TW_F_ZL_SEALED_BURST, evidence_new(ev, source, op, g_steal_pointer(&d)));
    tw_machine_zl_source(a, dc, ev->src);
}

/* docs/events.md "With keys": the dissector recomputed this Authenticate's
 * client credential with each supplied generation of the account's secret. */
static void nl_credential_fact(TwAnalysis *a, TwMachine *m, const TwEvent *ev, const char *source, gint64 opnum,
                               const char *msg, guint32 st)
{
    const char *chk = an_str(ev, "credential_check");
    gint64 tried = an_int(ev, "credential_generations_tried", 0);
    if (!chk || tried <= 0)
        return;
    TwEvidence *e;
    if (strcmp(chk, "match") == 0) {
        gint64 idx = an_int(ev, "credential_generation_index", -1);
        if (idx < 0 || idx >= tried)
            return;
        const char *label = an_str(ev, "credential_generation");
        e = nl_evidence(ev, source, opnum, false, msg,
                        g_strdup_printf("generation %s (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                        " supplied, newest first)",
                                        label ? label : "?", idx + 1, tried));
        e->has_value = true;
        e->value = (double)idx;
        tw_machine_fact(a, m, TW_F_NL_CRED_GENERATION, with_status(e, st));
    } else if (strcmp(chk, "none") == 0) {
        e = nl_evidence(ev, source, opnum, false, msg,
                        g_strdup_printf("the client's credential matches none of the %" G_GINT64_FORMAT " supplied passwords",
                                        tried));
        e->has_value = true;
        e->value = (double)tried;
        tw_machine_fact(a, m, TW_F_NL_CRED_NONE, with_status(e, st));
    }
}

static char *conn_key(const char *source, const char *caddr, gint64 cport, const char *saddr, gint64 sport);

/* docs/events.md SAMR: a successful set-password of a machine account
 * (sets_password on the response, which repeats its request's user). */
static void feed_samr(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    const char *user = an_str(ev, "user");
    guint32 st = 0;
    if (g_strcmp0(an_str(ev, "dir"), "response") != 0 || !an_bool(ev, "sets_password", false) ||
        !user || !g_str_has_suffix(user, "$") || !get_status(ev, "nt_status", &st) || st != TW_STATUS_SUCCESS)
        return;
    /* no mark_dc: any Windows host serves SAMR for its local accounts */
    g_autofree char *acct = tw_identity_from_computer(user);
    TwMachine *m = acct ? tw_identity_get(a, acct) : NULL;
    const char *op = an_str(ev, "op");
    /* the caller: the NTLMSSP user of this connection, or with keys the
     * client of its decrypted Kerberos authenticator (without keys a
     * Kerberos session's user is not on the wire) */
    g_autofree char *k = conn_key(source, ev->dst, ev->dport, ev->src, ev->sport);
    const char *caller = g_hash_table_lookup(a->flow_users, k);
    TwEvidence *e = evidence_new(ev, source, op ? op : "SAMR set password", g_strdup(caller));
    e->dir = TW_DIR_RESPONSE;
    e->sender = TW_PEER_SERVER;
    tw_machine_fact(a, m, TW_F_PWRESET_SAMR, with_status(e, st));
}

static void feed_netlogon(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    gint64 opnum = an_int(ev, "opnum", -1);
    const char *op = nl_op_name(opnum, an_str(ev, "op"));
    const char *dir = an_str(ev, "dir");
    gint64 call_id = an_int(ev, "call_id", 0);
    /* a sealed call unsealed with keys (docs/events.md `unsealed`) is read like a clear one */
    bool sealed = an_bool(ev, "sealed", false) && !an_bool(ev, "unsealed", false);
    /* docs/events.md `dir`; a hand-written event without it is a response
     * when it answers something (reply_to) or carries the call's result. */
    bool request = dir ? strcmp(dir, "request") == 0 : !an_get(ev, "reply_to") && !an_get(ev, "nt_status") &&
                                                 !an_get(ev, "win32_status");
    char mb[18];

    if (request) {
        mark_dc(a, ev->dst);
        const char *server = an_str(ev, "server");
        g_autofree char *dcacct = tw_identity_from_computer(server);
        if (dcacct && !sealed) {
            TwMachine *dc = tw_identity_get(a, dcacct);
            if (dc)
                dc->role = TW_ROLE_DC;
            tw_identity_bind(a, dc, ev->dst, dst_mac(ev, mb), ev->ts_us);
        }
        Request *r = request_remember(a, ev, source, "nl", call_id);
        r->opnum = opnum;
        r->op = g_strdup(op);
        r->sealed = sealed;
        if (sealed) {
            if (opnum == TW_NRPC_REQ_CHALLENGE || is_authenticate(opnum))
                sealed_burst(a, ev, source, op);
            /* The opnum is in the clear, and the connection's schannel bind
             * (NL_AUTH_MESSAGE, MS-NRPC 2.2.1.3.1) named the computer whose
             * session key seals it: a password change of that machine,
             * whose contents only keys show. */
            g_autofree char *bound = tw_identity_from_computer(an_str(ev, "nl_auth_host"));
            if (bound && (opnum == TW_NRPC_PASSWORD_SET2 || opnum == TW_NRPC_PASSWORD_SET)) {
                TwMachine *m = tw_identity_get(a, bound);
                r->account = g_strdup(bound);
                tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
                tw_machine_fact(a, m, TW_F_PWSET_REQ,
                                nl_evidence(ev, source, opnum, request, op,
                                            g_strdup_printf("sealed on %s's schannel connection: the machine sends its "
                                                            "new password to the DC (contents encrypted)", bound)));
            }
            return;
        }
        const char *computer = an_str(ev, "computer");
        const char *account = an_str(ev, "account");
        g_autofree char *acct = account ? tw_identity_from_computer(account) : tw_identity_from_computer(computer);
        r->account = g_strdup(acct);
        g_autofree char *chkey = g_strconcat(source ? source : "", "|", ev->src, "|", acct ? acct : "", NULL);

        if (opnum == TW_NRPC_REQ_CHALLENGE) {
            bool weak = challenge_is_weak(an_str(ev, "client_challenge")) ||
                        hex_all_zero(an_str(ev, "client_challenge"));
            r->zero = weak;
            if (g_hash_table_size(a->nl_challenges) < TW_AN_MAX_FLOWS || g_hash_table_contains(a->nl_challenges, chkey))
                g_hash_table_replace(a->nl_challenges, g_steal_pointer(&chkey), GINT_TO_POINTER(weak ? 2 : 1));
            else
                tw_analysis_cap_hit(a, TW_AN_CAP_NL_CHALLENGES);
            if (!weak && acct) {
                TwMachine *m = tw_identity_get(a, acct);
                tw_identity_spoke(m, TW_SPOKE_NETLOGON);
                tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
            }
            return;
        }
        if (is_authenticate(opnum)) {
            int ch = GPOINTER_TO_INT(g_hash_table_lookup(a->nl_challenges, chkey));
            bool zero_cred = hex_all_zero(an_str(ev, "client_credential"));
            r->zero = zero_cred || ch == 2;
            TwMachine *m = acct ? tw_identity_get(a, acct) : NULL;
            if (r->zero) {
                /* CVE-2020-1472: AES-CFB8 of an all-zero block under a random
                 * key is all zero 1 time in 256; the attacker repeats. */
                tw_machine_zl_source(a, m, ev->src);
                gint64 ct = an_int(ev, "channel_type", -1);
                if (m && (ct == 6 || ct == 7)) {
                    /* A DC's own channel, claimed at that DC: the target is
                     * the server being attacked (the attacker is not bound). */
                    m->role = TW_ROLE_DC;
                    if (!tw_identity_by_addr(a, ev->dst, false) || !tw_identity_by_addr(a, ev->dst, false)->account)
                        tw_identity_bind(a, m, ev->dst, dst_mac(ev, mb), ev->ts_us);
                }
                g_autofree char *d = g_strdup_printf(
                    "%s from %s claims to be %s with an all-zero %s%s", op, ev->src, acct ? acct : "?",
                    zero_cred ? "client credential" : "client challenge",
                    an_int(ev, "channel_type", -1) == 6 ? " (ServerSecureChannel: a DC's channel)" : "");
                tw_machine_fact(a, m, TW_F_ZL_ATTEMPT, nl_evidence(ev, source, opnum, request, op, g_steal_pointer(&d)));
                if (m) {
                    g_array_append_val(m->zl_attempt_ts, ev->ts_us);
                    if (m->zl_attempt_ts->len > 4 * TW_AN_BURST_MIN)
                        g_array_remove_index(m->zl_attempt_ts, 0);
                    tw_burst_add(&m->zl_burst, ev->ts_us);
                }
                return;
            }
            if (m) {
                tw_identity_spoke(m, TW_SPOKE_NETLOGON);
                tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
                gint64 ct = an_int(ev, "channel_type", -1);
                if ((ct == 6 || ct == 7) && m->role != TW_ROLE_DC)
                    m->role = TW_ROLE_DC; /* a DC's own secure channel (MS-NRPC 2.2.1.3.13) */
                else if (m->role == TW_ROLE_UNKNOWN)
                    m->role = TW_ROLE_MEMBER;
                tw_identity_add_alias(a, m, computer);
            }
            return;
        }
        if (opnum == TW_NRPC_PASSWORD_SET2 || opnum == TW_NRPC_PASSWORD_SET) {
            TwMachine *m = acct ? tw_identity_get(a, acct) : tw_identity_by_addr(a, ev->src, true);
            bool zero_pw = an_bool(ev, "new_password_all_zero", false);
            gint64 at_us = 0;
            bool zero_ts = an_int(ev, "authenticator_timestamp", -1) == 0 ||
                           (get_time(ev, "authenticator_time", &at_us) && at_us == 0);
            bool zero_auth = zero_ts && hex_all_zero(an_str(ev, "authenticator_credential"));
            r->zero = zero_pw || zero_auth;
            if (r->zero) {
                tw_machine_zl_source(a, m, ev->src);
                g_autofree char *d = g_strdup_printf("%s from %s sets %s's password to %s", op, ev->src,
                                                     acct ? acct : "?", zero_pw ? "all zeros (empty)" : "a value with a zero authenticator");
                tw_machine_fact(a, m, TW_F_ZL_PWSET, nl_evidence(ev, source, opnum, request, op, g_steal_pointer(&d)));
                return;
            }
            if (acct)
                tw_identity_spoke(m, TW_SPOKE_NETLOGON);
            tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
            TwAddrUse *u = m ? tw_machine_addr(m, ev->src) : NULL;
            if (u)
                u->n_pwset++;
            /* With the keys exported after the change (docs/events.md new_password_generation):
             * the decrypted password is proved to be the one the DC now holds. */
            const char *gen = g_strcmp0(an_str(ev, "new_password_check"), "match") == 0
                                  ? an_str(ev, "new_password_generation")
                                  : NULL;
            tw_machine_fact(a, m, TW_F_PWSET_REQ,
                            nl_evidence(ev, source, opnum, request, op,
                                        gen ? g_strdup_printf("the machine sends its new password to the DC (decrypted: "
                                                              "it is %s of the supplied keys)", gen)
                                            : g_strdup("the machine sends its new password to the DC")));
        }
        TwMachine *m = acct ? tw_identity_get(a, acct) : NULL;
        if (m && !is_zl_attacker(m, ev->src)) {
            tw_identity_spoke(m, TW_SPOKE_NETLOGON); /* a NETLOGON call naming itself */
            tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
        }
        /* The authenticator carries the client's clock in the clear (MS-NRPC 3.1.4.5). */
        gint64 at_us = 0;
        if (get_time(ev, "authenticator_time", &at_us) && at_us != 0) {
            if (!m)
                m = tw_identity_by_addr(a, ev->src, true);
            clock_sample(a, m, ev, source, TW_CLK_NL_AUTH, at_us, ev->ts_us);
        }
        return;
    }

    /* Response. */
    mark_dc_answered(a, ev->src);
    Request *r = request_for_reply(a, ev, source, "nl", call_id);
    if (r && opnum < 0)
        opnum = r->opnum;
    op = nl_op_name(opnum, r ? r->op : an_str(ev, "op"));
    guint32 st = 0;
    bool has_st = get_status(ev, "nt_status", &st) || get_status(ev, "win32_status", &st);
    /* MS-NRPC 3.3.4.2: a call over the secure channel (NL_AUTH, auth type
     * 68) carries a signature made with the session key, which only the
     * machine's current password yields; the DC answers it (rather than
     * faulting or dropping the connection) only when it verifies.  So an
     * answered NetrLogonSamLogonEx/WithFlags (pass-through logon) or
     * NetrLogonGetDomainInfo proves the machine's channel works, even
     * without its Authenticate in the capture. */
    if (an_int(ev, "auth_type", -1) == 68 && (opnum == 39 || opnum == 45 || opnum == 29) && r) {
        g_autofree char *ch = tw_identity_from_computer(an_str(ev, "nl_auth_host"));
        TwMachine *cm = ch ? tw_identity_get(a, ch) : NULL;
        if (cm) {
            char cmb[18];
            tw_identity_spoke(cm, TW_SPOKE_NETLOGON); /* its secure channel answered */
            tw_identity_bind(a, cm, ev->dst, dst_mac(ev, cmb), ev->ts_us);
            g_autofree char *d = g_strdup_printf("the DC answered %s over %s's secure channel (%s): the channel and "
                                                 "its machine password work",
                                                 op, ch, sealed ? "sealed" : "signed");
            tw_machine_fact(a, cm, TW_F_NL_AUTH_OK, evidence_new(ev, source, op, g_steal_pointer(&d)));
        }
    }
    if (!has_st || sealed || (r && r->sealed))
        return; /* sealed: nothing to read */
    g_autofree char *acct = r && r->account ? g_strdup(r->account) : NULL;
    if (!acct) {
        const char *account = an_str(ev, "account");
        acct = account ? tw_identity_from_computer(account) : tw_identity_from_computer(an_str(ev, "computer"));
    }
    const char *client_addr = r ? r->src : ev->dst;
    TwMachine *m = acct ? tw_identity_get(a, acct) : tw_identity_by_addr(a, client_addr, true);
    g_autofree char *msg = g_strconcat(op, " response", NULL);
    bool zero = r && r->zero;

    if (!zero && m && tw_machine_is_foreign(m, client_addr)) {
        /* a separate actor's call with this account: its outcome is not the machine's */
        tw_machine_fact(a, m, TW_F_FOREIGN, with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
        return;
    }
    if (!zero && acct)
        tw_identity_spoke(m, TW_SPOKE_NETLOGON); /* the DC answered its call */
    if (opnum == TW_NRPC_REQ_CHALLENGE && st == TW_STATUS_SUCCESS)
        /* the server challenge the next Authenticate answers (MS-NRPC 3.1.4.1): the ladder's context,
         * an all-zero client challenge (a Zerologon attempt) included */
        tw_machine_fact(a, m, TW_F_NL_CHALLENGE, with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
    if (is_authenticate(opnum)) {
        if (zero) {
            if (st == TW_STATUS_SUCCESS) {
                g_autofree char *d = g_strdup_printf("the DC accepted an all-zero credential from %s: authentication bypassed",
                                                     client_addr);
                tw_machine_fact(a, m, TW_F_ZL_BYPASS, with_status(nl_evidence(ev, source, opnum, request, msg, g_steal_pointer(&d)), st));
            }
            return; /* the denials are the expected answers to each attempt */
        }
        TwAddrUse *u = m ? tw_machine_addr(m, client_addr) : NULL;
        nl_credential_fact(a, m, ev, source, opnum, msg, st);
        if (st == TW_STATUS_SUCCESS) {
            gint64 rid = an_int(ev, "rid", -1);
            if (m && rid >= 0)
                m->rid = rid;
            if (u)
                u->n_ok++;
            tw_machine_fact(a, m, TW_F_NL_AUTH_OK,
                            with_status(nl_evidence(ev, source, opnum, request, msg, g_strdup("secure channel established")), st));
        } else if (st == TW_STATUS_ACCESS_DENIED) {
            if (u)
                u->n_keyfail++;
            tw_machine_fact(a, m, TW_F_NL_AUTH_DENIED,
                            with_status(nl_evidence(ev, source, opnum, request, msg,
                                         g_strdup("the DC rejected this machine's password for the secure channel")), st));
            /* Many denials in a short time from one address: scanning. */
            TwFact *f = m ? &m->facts[TW_F_NL_AUTH_DENIED] : NULL;
            if (f && f->count >= TW_AN_BURST_MIN && ev->ts_us - f->first_ts <= TW_AN_BURST_WINDOW_US * 5) {
                tw_machine_zl_source(a, m, client_addr);
                tw_machine_fact(a, m, TW_F_NL_DENIED_BURST,
                                with_status(nl_evidence(ev, source, opnum, request, msg,
                                             g_strdup_printf("%u denied authentications in %.0f s", f->count,
                                                             (double)(ev->ts_us - f->first_ts) / 1e6)), st));
            }
        } else if (st == TW_STATUS_NO_TRUST_SAM_ACCOUNT) {
            tw_machine_fact(a, m, TW_F_NL_NO_ACCOUNT, with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
        } else if (st == TW_STATUS_ACCOUNT_DISABLED) {
            tw_machine_fact(a, m, TW_F_NL_DISABLED, with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
        } else if (is_trust_status(st)) {
            tw_machine_fact(a, m, TW_F_TRUST_FAIL, with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
        }
        return;
    }
    if (opnum == TW_NRPC_PASSWORD_SET2 || opnum == TW_NRPC_PASSWORD_SET) {
        if (zero) {
            if (st == TW_STATUS_SUCCESS)
                tw_machine_fact(a, m, TW_F_ZL_PWSET,
                                with_status(nl_evidence(ev, source, opnum, request, msg,
                                             g_strdup("the DC accepted the empty password: its account is now reset")), st));
            return;
        }
        tw_machine_fact(a, m, st == TW_STATUS_SUCCESS ? TW_F_PWSET_OK : TW_F_PWSET_FAIL,
                        with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
        return;
    }
    if (is_trust_status(st) || st == TW_STATUS_NO_TRUST_SAM_ACCOUNT)
        tw_machine_fact(a, m, st == TW_STATUS_NO_TRUST_SAM_ACCOUNT ? TW_F_NL_NO_ACCOUNT : TW_F_TRUST_FAIL,
                        with_status(nl_evidence(ev, source, opnum, request, msg, NULL), st));
}

/* ---- SMB2 (MS-SMB2), NTLMSSP, DCE/RPC binds ---- */

/* MS-SMB2 3.3.5.5.3: the SESSION_SETUP answer to a Kerberos AP-REQ.  Samba
 * answers a ticket it cannot decrypt with STATUS_LOGON_FAILURE and no
 * KRB-ERROR; Windows adds TW_KRB5_ERR_AP_MODIFIED in the SPNEGO token (then the
 * KRB-ERROR path already counted it). */
static void smb2_session_result(TwAnalysis *a, const TwEvent *ev, const char *source, guint32 st)
{
    const char *cmd = an_str(ev, "command");
    gint64 req_frame = an_int(ev, "request_frame", -1);
    if (!cmd || strcmp(cmd, "SESSION_SETUP") != 0 || req_frame < 0 || st == TW_STATUS_MORE_PROCESSING_REQUIRED)
        return;
    ReqKey k = { source, (guint64)req_frame, 0 };
    Request *r = g_hash_table_lookup(a->requests, &k);
    if (!r) {
        /* The AUTHENTICATE seen by another sensor (its own frame numbers). */
        FlowKey fk;
        flow_key(&fk, ev->dst, ev->dport, ev->src, ev->sport, "ntlm", 0);
        r = g_hash_table_lookup(a->flows, &fk);
    }
    if (r)
        r->replied = true;
    if (r && r->msg_type == NTLM_AUTHENTICATE && !r->answered && strcmp(r->dst, ev->src) == 0) {
        /* MS-NLMP 3.2.5.1.2 / MS-SMB2 3.3.5.5.3: a machine account logging on with NTLM. */
        r->answered = true;
        g_autofree char *acct = tw_identity_from_principal(r->cname);
        TwMachine *m = acct ? tw_identity_get(a, acct) : NULL;
        if (!m)
            return;
        if (tw_machine_is_foreign(m, r->src)) {
            /* the NTLM logon of a separate actor with this account (foreign-use) */
            tw_machine_fact(a, m, TW_F_FOREIGN,
                            with_status(evidence_new(ev, source, "NTLMSSP → SMB2 SESSION_SETUP response",
                                                     g_strdup_printf("%s's account used from %s", acct, r->src)),
                                        st));
            return;
        }
        tw_identity_spoke(m, TW_SPOKE_NTLM);
        TwAddrUse *u = tw_machine_addr(m, r->src);
        if (st == TW_STATUS_SUCCESS) {
            if (u)
                u->n_ok++;
            tw_machine_fact(a, m, TW_F_NTLM_OK,
                            with_status(evidence_new(ev, source, "NTLMSSP → SMB2 SESSION_SETUP response",
                                         g_strdup_printf("%s logged on with NTLM (its password works)", acct)), st));
        } else if (st == TW_STATUS_LOGON_FAILURE || st == TW_STATUS_WRONG_PASSWORD) {
            if (u)
                u->n_keyfail++;
            g_autofree char *rf = request_frame_text(r);
            tw_machine_fact(a, m, TW_F_NTLM_FAIL,
                            with_status(evidence_new(ev, source, "NTLMSSP → SMB2 SESSION_SETUP response",
                                         g_strdup_printf("the server refused %s's NTLM logon (%s)", acct, rf)), st));
        }
        return;
    }
    if (!r || r->msg_type != TW_KRB5_AP_REQ || r->answered || strcmp(r->dst, ev->src) != 0)
        return;
    g_autofree char *sacct = tw_identity_from_principal(r->sname);
    if (!sacct)
        return;
    r->answered = true;
    char mb[18];
    TwMachine *m = tw_identity_get(a, sacct);
    tw_identity_spoke(m, TW_SPOKE_ANSWER); /* the SMB2 server answered the ticket */
    tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
    if (st == TW_STATUS_SUCCESS) {
        tw_machine_fact(a, m, TW_F_SRV_AP_OK,
                        with_status(evidence_new(ev, source, "SMB2 SESSION_SETUP response",
                                     g_strdup_printf("the server accepted a Kerberos ticket for %s", r->sname)), st));
    } else if (st == TW_STATUS_LOGON_FAILURE) {
        g_autofree char *rf = request_frame_text(r);
        tw_machine_fact(a, m, TW_F_SRV_KEY_FAIL,
                        with_status(evidence_new(ev, source, "AP-REQ → SMB2 SESSION_SETUP response",
                                     g_strdup_printf("the server refused a valid Kerberos ticket for %s (%s)", r->sname, rf)),
                                     st));
        tw_keyproof_refused(a, m, r->proof, ev, source, st, true);
    }
}

static void feed_smb2(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    gint64 us = 0;
    if (get_time(ev, "server_time", &us) && us > 0) {
        /* MS-SMB2 2.2.4: NEGOTIATE response SystemTime = the server's clock. */
        clock_sample(a, tw_identity_by_addr(a, ev->src, true), ev, source, TW_CLK_SMB2_SYSTIME, us, ev->ts_us);
    }
    guint32 st = 0;
    if (get_status(ev, "nt_status", &st))
        smb2_session_result(a, ev, source, st);
    if (get_status(ev, "nt_status", &st) && is_trust_status(st)) {
        /* A member server answers TRUSTED_RELATIONSHIP_FAILURE when its *own*
         * secure channel is broken (it cannot validate the user). */
        TwMachine *m = tw_identity_by_addr(a, ev->src, true);
        tw_identity_spoke(m, TW_SPOKE_ANSWER);
        const char *cmd = an_str(ev, "command");
        g_autofree char *msg = g_strdup_printf("SMB2 %s response", cmd ? cmd : "");
        tw_machine_fact(a, m, TW_F_TRUST_FAIL,
                        with_status(evidence_new(ev, source, msg,
                                     g_strdup_printf("server %s cannot reach its domain to check %s's logon", ev->src, ev->dst)), st));
    }
}

/* A computer name a message names as its sender's.  `how`: how that proves
 * the machine spoke (NL_AUTH on a NETLOGON bind is its secure channel), 0
 * when it does not (an NTLMSSP workstation name is any string a client
 * claims: a scanner's NMAP, MIMIKATZ). */
static void feed_named(TwAnalysis *a, const TwEvent *ev, const char *source, const char *name_key, guint32 how)
{
    const char *name = an_str_dyn(ev, name_key);
    g_autofree char *acct = tw_identity_from_computer(name);
    if (!acct)
        return;
    char mb[18];
    TwMachine *m = tw_identity_get(a, acct);
    tw_identity_spoke(m, how);
    tw_identity_bind_as(a, m, ev->src, src_mac(ev, mb), ev->ts_us, how ? TW_USE_OWN : TW_USE_CLAIM, NULL);
    if (m && m->role == TW_ROLE_UNKNOWN)
        m->role = TW_ROLE_MEMBER;
    g_autofree char *d = g_strconcat(name_key, " names ", name, NULL);
    tw_machine_fact(a, m, TW_F_SEEN, evidence_new(ev, source, ev->proto, g_steal_pointer(&d)));
}

/* MS-NLMP 2.2.1.2/2.2.2.1: the CHALLENGE comes from the server and names it
 * (MsvAvNbComputerName) and carries its clock (MsvAvTimestamp); the
 * AUTHENTICATE names the client's workstation. */
static char *conn_key(const char *source, const char *caddr, gint64 cport, const char *saddr, gint64 sport)
{
    return g_strdup_printf("%s|%s:%" G_GINT64_FORMAT "|%s:%" G_GINT64_FORMAT, source ? source : "", caddr, cport, saddr,
                           sport);
}

static void feed_ntlmssp(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    const char *type = an_str(ev, "ntlmssp_type");
    /* who is logged on to this connection: named on SAMR calls made over it */
    if (type && strcmp(type, "AUTHENTICATE") == 0 && an_str(ev, "user") &&
        !an_bool(ev, "anonymous", false)) {
        g_autofree char *k = conn_key(source, ev->src, ev->sport, ev->dst, ev->dport);
        const char *dom = an_str(ev, "domain");
        if (g_hash_table_size(a->flow_users) < TW_AN_MAX_FLOWS || g_hash_table_contains(a->flow_users, k))
            g_hash_table_replace(a->flow_users, g_steal_pointer(&k),
                                 dom && *dom ? g_strdup_printf("%s\\%s", dom, an_str(ev, "user"))
                                             : g_strdup(an_str(ev, "user")));
        else
            tw_analysis_cap_hit(a, TW_AN_CAP_FLOW_USERS);
    }
    if (!type || strcmp(type, "CHALLENGE") != 0) {
        tw_identity_ntlm_claim(a, ev->src, an_str(ev, "workstation"));
        feed_named(a, ev, source, "workstation", 0);
        const char *user = an_str(ev, "user");
        g_autofree char *acct = tw_identity_from_principal(user);
        char mb[18];
        TwMachine *m = NULL;
        if (acct && !an_bool(ev, "anonymous", false)) {
            /* The machine itself logs on: remember it for the SMB2 answer. */
            Request *r = request_remember(a, ev, source, "ntlm", 0);
            r->msg_type = NTLM_AUTHENTICATE;
            r->cname = g_strdup(user);
            m = tw_identity_get(a, acct);
            /* its NTLM logon as NAME$: its hash used, possibly by another host */
            if (!tw_identity_bind_as(a, m, ev->src, src_mac(ev, mb), ev->ts_us, TW_USE_OTHER,
                                     an_str(ev, "workstation")))
                tw_identity_spoke(m, TW_SPOKE_NTLM);
        }
        /* NTLMv2 blob timestamp: the client's clock (MS-NLMP 2.2.2.7). */
        gint64 us = 0;
        if (get_time(ev, "client_time", &us) && us > 0) {
            if (!m) {
                g_autofree char *wacct = tw_identity_from_computer(an_str(ev, "workstation"));
                m = wacct ? tw_identity_lookup(a, wacct) : NULL;
            }
            /* Every user's NTLM logon carries one: a host known only by this
             * sample gets a record only when its clock is worth a warning. */
            bool notable = ABS((double)(us - ev->ts_us) / 1e6) > TW_AN_SKEW_WARN_S;
            if (!m)
                m = tw_identity_by_addr(a, ev->src, notable);
            if (m)
                clock_sample(a, m, ev, source, TW_CLK_NTLM_TIME, us, ev->ts_us);
        }
        return;
    }
    g_autofree char *acct = tw_identity_from_computer(an_str(ev, "nb_computer"));
    char mb[18];
    TwMachine *m = acct ? tw_identity_get(a, acct) : tw_identity_by_addr(a, ev->src, true);
    tw_identity_spoke(m, TW_SPOKE_ANSWER); /* the server's CHALLENGE names it */
    if (acct) {
        tw_identity_bind(a, m, ev->src, src_mac(ev, mb), ev->ts_us);
        tw_identity_add_alias(a, m, an_str(ev, "dns_computer"));
    }
    gint64 us = 0;
    if (get_time(ev, "server_time", &us) && us > 0)
        clock_sample(a, m, ev, source, TW_CLK_NTLM_TIME, us, ev->ts_us);
}

/* A value the capture cut is never an identity (docs/events.md "Values cut
 * by the capture"): analysis reads the event without its cut strings, as
 * if the wire had not carried them.  Returns ev itself when nothing was
 * cut; else `view`, whose fields array (*fields, to unref) borrows ev's. */
static const TwEvent *whole_view(const TwEvent *ev, TwEvent *view, GArray **fields)
{
    *fields = NULL;
    bool any = false;
    for (guint i = 0; i < ev->fields->len && !any; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        any = f->type == TW_FIELD_BOOL && f->v.b && g_str_has_suffix(f->key, "_truncated");
    }
    if (!any)
        return ev;
    *view = *ev;
    view->tree = NULL;
    *fields = g_array_sized_new(FALSE, FALSE, sizeof(TwField), ev->fields->len);
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        if ((f->type == TW_FIELD_STR || f->type == TW_FIELD_STRLIST) && tw_event_is_truncated(ev, f->key))
            continue;
        g_array_append_vals(*fields, f, 1);
    }
    view->fields = *fields;
    return view;
}

static void feed_whole(TwAnalysis *a, const TwEvent *ev, const char *source);

void tw_analysis_feed(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    tw_health_event(a->health, ev);
    TwEvent view;
    g_autoptr(GArray) fields = NULL;
    feed_whole(a, whole_view(ev, &view, &fields), source);
}

static void feed_whole(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    TwEvent untimed;
    if (!time_plausible(ev->ts_us)) {
        /* A capture time no clock can have: analysed as "time unknown" (0),
         * so no time arithmetic runs on it. */
        untimed = *ev;
        untimed.ts_us = 0;
        ev = &untimed;
    }
    source = intern_source(a, source);
    a->events++;
    tw_clock_vantage_feed(a, ev);
    if (ev->ts_us) {
        if (!a->first_ts || ev->ts_us < a->first_ts)
            a->first_ts = ev->ts_us;
        if (ev->ts_us > a->last_ts)
            a->last_ts = ev->ts_us;
    }
    const char *p = ev->proto;
    if (!p)
        return;
    tw_tickets_feed(a, ev, source);
    if (strcmp(p, "kerberos") == 0) {
        feed_kerberos(a, ev, source);
        tw_kvno_feed(a, ev, source);
    }
    else if (strcmp(p, "netlogon") == 0)
        feed_netlogon(a, ev, source);
    else if (strcmp(p, "samr") == 0)
        feed_samr(a, ev, source);
    else if (strcmp(p, "smb2") == 0)
        feed_smb2(a, ev, source);
    else if (strcmp(p, "ntlmssp") == 0)
        feed_ntlmssp(a, ev, source);
    else if (strcmp(p, "dcerpc") == 0)
        feed_named(a, ev, source, "nl_auth_host", TW_SPOKE_NETLOGON);
    else if (strcmp(p, "ntp") == 0)
        feed_ntp(a, ev, source);
    tw_identity_os_feed(a, ev); /* after the record of its sender exists */
}

/* ---- clock ---- */

static int dbl_cmp(gconstpointer x, gconstpointer y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static bool median_offset(const TwMachine *m, double *out)
{
    if (!m->clock->len)
        return false;
    g_autoptr(GArray) v = g_array_sized_new(FALSE, FALSE, sizeof(double), m->clock->len);
    for (guint i = 0; i < m->clock->len; i++)
        g_array_append_val(v, g_array_index(m->clock, TwClockSample, i).offset_s);
    g_array_sort(v, dbl_cmp);
    guint n = v->len;
    *out = n % 2 ? g_array_index(v, double, n / 2)
                 : (g_array_index(v, double, n / 2 - 1) + g_array_index(v, double, n / 2)) / 2;
    return true;
}

bool tw_machine_clock_offset(const TwMachine *m, double *offset_s)
{
    return median_offset(m, offset_s);
}

bool tw_machine_ntp_offset(const TwMachine *m, double *offset_s)
{
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < m->clock->len; i++) {
        const TwClockSample *s = &g_array_index(m->clock, TwClockSample, i);
        if (s->kind == TW_CLK_NTP)
            g_array_append_val(v, s->offset_s);
    }
    if (!v->len)
        return false;
    g_array_sort(v, dbl_cmp);
    guint n = v->len;
    *offset_s = n % 2 ? g_array_index(v, double, n / 2)
                      : (g_array_index(v, double, n / 2 - 1) + g_array_index(v, double, n / 2)) / 2;
    return true;
}

/* The cache is refreshed whenever events were added since it was computed;
 * it lives in the analysis object, so the const getters update it. */
static void dc_cache_refresh(const TwAnalysis *ca)
{
    TwAnalysis *a = (TwAnalysis *)ca;
    if (a->dc_cache_events == a->events)
        return;
    a->dc_cache_events = a->events;
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    const char *name = NULL, *addr = NULL;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->role != TW_ROLE_DC)
            continue;
        double o;
        if (median_offset(m, &o))
            g_array_append_val(v, o);
        if (!name && m->account)
            name = m->account;
        if (!addr && m->addrs->len)
            addr = g_array_index(m->addrs, TwAddrUse, 0).addr;
    }
    a->dc_has_offset = v->len > 0;
    if (v->len) {
        g_array_sort(v, dbl_cmp);
        a->dc_offset = g_array_index(v, double, v->len / 2);
        /* DCs that disagree beyond the Kerberos tolerance (one DC's clock
         * moved): the capture clock breaks the tie, so a DC that agrees
         * with it is the DCs' clock, not the median of two. */
        if (g_array_index(v, double, v->len - 1) - g_array_index(v, double, 0) > TW_AN_SKEW_LIMIT_S)
            for (guint i = 0; i < v->len; i++)
                if (ABS(g_array_index(v, double, i)) < ABS(a->dc_offset))
                    a->dc_offset = g_array_index(v, double, i);
    }
    g_free(a->dc_name);
    a->dc_name = g_strdup(name ? name : addr);
}

bool tw_analysis_dc_offset(const TwAnalysis *a, double *offset_s)
{
    dc_cache_refresh(a);
    if (a->dc_has_offset)
        *offset_s = a->dc_offset;
    return a->dc_has_offset;
}

const char *tw_analysis_dc_name(const TwAnalysis *a)
{
    dc_cache_refresh(a);
    return a->dc_name;
}
