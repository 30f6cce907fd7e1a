/* clock.c: clock samples turned into offsets per interval.
 *
 * A host's clock is sampled by many messages (KRB-ERROR stime, SMB2
 * SystemTime, NETLOGON authenticators, NTP transmit times, NTLMv2 client
 * times), each as "its clock minus the capture clock".  A clock that steps
 * during the capture (w32time resyncing against a hypervisor's time sync)
 * has two or more offsets: a median over all of them is none of them.  So
 * the samples, in time order, are cut into intervals wherever two
 * consecutive ones differ far beyond the samples' jitter, and a question
 * about the clock is asked at a time ("at the time of the failures").
 *
 * Samples decades away from every other clock are no clock reading at all
 * (chrony's random NTP transmit timestamp, MIT's ctime on AS errors): they
 * are dropped before they are kept, and counted.
 */
#include "analysis/clock.h"
#include "analysis/fields.h"

#include <math.h>
#include <string.h>


#define UNSET_CAPTURE_CLOCK_US (946684800LL * G_USEC_PER_SEC) /* 2000-01-01: before it, the capture clock was never set */

bool tw_clock_plausible(TwAnalysis *a, gint64 capture_us, double offset_s)
{
    /* An unset capture clock (1970) puts every real clock decades away:
     * nothing can be judged against it (capture health reports it). */
    if (capture_us < UNSET_CAPTURE_CLOCK_US)
        return true;
    if (ABS(offset_s) <= TW_AN_CLOCK_IMPLAUSIBLE_S)
        return true;
    return a->clock_ref_set && offset_s >= a->clock_ref_lo - TW_AN_CLOCK_IMPLAUSIBLE_S &&
           offset_s <= a->clock_ref_hi + TW_AN_CLOCK_IMPLAUSIBLE_S;
}

void tw_clock_kept(TwAnalysis *a, double offset_s)
{
    if (!a->clock_ref_set || offset_s < a->clock_ref_lo)
        a->clock_ref_lo = offset_s;
    if (!a->clock_ref_set || offset_s > a->clock_ref_hi)
        a->clock_ref_hi = offset_s;
    a->clock_ref_set = true;
}

static int dbl_cmp(gconstpointer x, gconstpointer y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

double tw_clock_median(GArray *v)
{
    g_array_sort(v, dbl_cmp);
    guint n = v->len;
    return n % 2 ? g_array_index(v, double, n / 2)
                 : (g_array_index(v, double, n / 2 - 1) + g_array_index(v, double, n / 2)) / 2;
}

static int sample_ts_cmp(gconstpointer x, gconstpointer y)
{
    const TwClockSample *a = *(const TwClockSample *const *)x, *b = *(const TwClockSample *const *)y;
    return a->ts_us < b->ts_us ? -1 : a->ts_us > b->ts_us;
}

/* The value a quarter of the way up v (sorted in place). */
static double lower_quartile_of(GArray *v)
{
    g_array_sort(v, dbl_cmp);
    return g_array_index(v, double, (v->len - 1) / 4);
}

double tw_clock_step_threshold(const TwMachine *m)
{
    /* Jitter: the lower quartile of the changes between consecutive
     * samples (not their median: a clock that two sources fight steps
     * between every other pair of samples, and then half the changes are
     * steps).  A step is ten times that, and never less than
     * TW_AN_CLOCK_STEP_MIN_S; with fewer than four changes there is no
     * jitter to measure and the floor alone decides. */
    if (m->clock->len < 5)
        return TW_AN_CLOCK_STEP_MIN_S;
    g_autoptr(GPtrArray) by_ts = g_ptr_array_sized_new(m->clock->len);
    for (guint i = 0; i < m->clock->len; i++)
        g_ptr_array_add(by_ts, &g_array_index(m->clock, TwClockSample, i));
    g_ptr_array_sort(by_ts, sample_ts_cmp);
    g_autoptr(GArray) d = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 1; i < by_ts->len; i++) {
        const TwClockSample *p = g_ptr_array_index(by_ts, i - 1), *s = g_ptr_array_index(by_ts, i);
        double x = ABS(s->offset_s - p->offset_s);
        g_array_append_val(d, x);
    }
    double t = 10.0 * lower_quartile_of(d);
    return t > TW_AN_CLOCK_STEP_MIN_S ? t : TW_AN_CLOCK_STEP_MIN_S;
}

GArray *tw_clock_intervals(const TwMachine *m)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(TwClockInterval));
    if (!m->clock->len)
        return out;
    double thr = tw_clock_step_threshold(m);
    g_autoptr(GPtrArray) by_ts = g_ptr_array_sized_new(m->clock->len);
    for (guint i = 0; i < m->clock->len; i++)
        g_ptr_array_add(by_ts, &g_array_index(m->clock, TwClockSample, i));
    g_ptr_array_sort(by_ts, sample_ts_cmp);
    g_autoptr(GArray) cur = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) cur_ntp = g_array_new(FALSE, FALSE, sizeof(double));
    TwClockInterval iv = { 0 };
    for (guint i = 0; i < by_ts->len; i++) {
        const TwClockSample *s = g_ptr_array_index(by_ts, i);
        if (i > 0) {
            const TwClockSample *p = g_ptr_array_index(by_ts, i - 1);
            if (ABS(s->offset_s - p->offset_s) > thr) {
                iv.offset_s = tw_clock_median(cur);
                iv.has_ntp = cur_ntp->len > 0;
                iv.ntp_offset_s = iv.has_ntp ? tw_clock_median(cur_ntp) : 0;
                g_array_append_val(out, iv);
                g_array_set_size(cur, 0);
                g_array_set_size(cur_ntp, 0);
                memset(&iv, 0, sizeof iv);
            }
        }
        if (!cur->len) {
            iv.from_ts = s->ts_us;
            iv.first_frame = s->frame;
        }
        iv.to_ts = s->ts_us;
        iv.n++;
        g_array_append_val(cur, s->offset_s);
        if (s->kind == TW_CLK_NTP)
            g_array_append_val(cur_ntp, s->offset_s);
    }
    iv.offset_s = tw_clock_median(cur);
    iv.has_ntp = cur_ntp->len > 0;
    iv.ntp_offset_s = iv.has_ntp ? tw_clock_median(cur_ntp) : 0;
    g_array_append_val(out, iv);
    return out;
}

/* The interval that holds ts, else the last one that began before it,
 * else the first. */
static const TwClockInterval *interval_at(GArray *ivs, gint64 ts)
{
    if (!ivs->len)
        return NULL;
    const TwClockInterval *best = &g_array_index(ivs, TwClockInterval, 0);
    for (guint i = 0; i < ivs->len; i++) {
        const TwClockInterval *iv = &g_array_index(ivs, TwClockInterval, i);
        if (iv->from_ts <= ts)
            best = iv;
    }
    return best;
}

bool tw_clock_offset_at(const TwMachine *m, gint64 ts, double *offset_s, bool *by_ntp)
{
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    const TwClockInterval *iv = interval_at(ivs, ts);
    if (!iv)
        return false;
    /* An NTP transmit time is a direct reading: it beats the others. */
    *offset_s = iv->has_ntp ? iv->ntp_offset_s : iv->offset_s;
    if (by_ntp)
        *by_ntp = iv->has_ntp;
    return true;
}

bool tw_clock_resolve_hours(const TwMachine *m, gint64 ts, double kdc_off_s, double *est)
{
    double own;
    if (!m || !tw_clock_offset_at(m, ts, &own, NULL))
        return false;
    double k = floor((own - kdc_off_s - *est) / 3600.0 + 0.5);
    *est += 3600.0 * k;
    return true;
}

/* The DCs' clock intervals, in machine order, for as long as the input
 * does not change: the rules ask for the DCs' offset once per machine, and
 * walking every machine each time was quadratic in the number of machines
 * (40 % of a report on a DC's port with 16,000 machines). */
typedef struct {
    guint64 events;   /* a->events when built */
    guint machines;   /* a->machine_order->len when built (retirement removes) */
    GPtrArray *ivs;   /* GArray* of TwClockInterval, one per DC with samples */
    bool steps_done;  /* steps computed (tw_clock_dc_steps) */
    char *steps;      /* the first DC's with steps, described; NULL: none */
} DcClockCache;

void tw_clock_cache_free(void *cache)
{
    DcClockCache *c = cache;
    if (!c)
        return;
    g_ptr_array_unref(c->ivs);
    g_free(c->steps);
    g_free(c);
}

static GPtrArray *dc_intervals(const TwAnalysis *a)
{
    DcClockCache *c = a->dc_clock_cache;
    if (c && c->events == a->events && c->machines == a->machine_order->len)
        return c->ivs;
    tw_clock_cache_free(c);
    c = g_new0(DcClockCache, 1);
    c->events = a->events;
    c->machines = a->machine_order->len;
    c->ivs = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->role == TW_ROLE_DC && !m->merged_away && m->clock->len)
            g_ptr_array_add(c->ivs, tw_clock_intervals(m));
    }
    /* a cache of a's own state: const for the callers */
    ((TwAnalysis *)a)->dc_clock_cache = c;
    return c->ivs;
}

const char *tw_clock_dc_steps(const TwAnalysis *a)
{
    dc_intervals(a); /* the cache, current */
    DcClockCache *c = a->dc_clock_cache;
    if (!c->steps_done) {
        for (guint i = 0; i < a->machine_order->len && !c->steps; i++) {
            const TwMachine *d = g_ptr_array_index(a->machine_order, i);
            if (d->role == TW_ROLE_DC && !d->merged_away)
                c->steps = tw_clock_describe_steps(d);
        }
        c->steps_done = true;
    }
    return c->steps;
}

bool tw_clock_dc_offset_at(const TwAnalysis *a, gint64 ts, double *offset_s)
{
    GPtrArray *dcs = dc_intervals(a);
    if (!dcs->len)
        return false;
    g_autoptr(GArray) v = g_array_sized_new(FALSE, FALSE, sizeof(double), dcs->len);
    for (guint i = 0; i < dcs->len; i++) {
        /* as tw_clock_offset_at: the interval at ts, its NTP reading first */
        const TwClockInterval *iv = interval_at(g_ptr_array_index(dcs, i), ts);
        double o = iv->has_ntp ? iv->ntp_offset_s : iv->offset_s;
        g_array_append_val(v, o);
    }
    *offset_s = tw_clock_median(v);
    return true;
}

static void append_amount(GString *s, double d)
{
    double a = ABS(d);
    const char *sign = d >= 0 ? "+" : "-";
    double hours = (double)(gint64)(a / 3600.0 + 0.5);
    if (hours >= 1.0 && ABS(a - 3600.0 * hours) < 60.0) /* whole hours: a time zone or DST mistake */
        g_string_append_printf(s, "%s%.0f h", sign, hours);
    else if (a >= 3600.0)
        g_string_append_printf(s, "%s%.1f h", sign, a / 3600.0);
    else if (a >= 120.0)
        g_string_append_printf(s, "%s%.0f min", sign, a / 60.0);
    else
        g_string_append_printf(s, "%s%.0f s", sign, a);
}

static void append_time(GString *s, gint64 ts)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(ts / G_USEC_PER_SEC);
    if (!t) {
        g_string_append(s, "?");
        return;
    }
    g_autofree char *x = g_date_time_format(t, "%H:%M:%S");
    g_string_append(s, x);
}

gint64 tw_clock_last_step(const TwMachine *m)
{
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    return ivs->len > 1 ? g_array_index(ivs, TwClockInterval, ivs->len - 1).from_ts : 0;
}

guint tw_clock_skew_refusals_by(const TwAnalysis *a, const TwMachine *dc, gint64 since)
{
    guint n = 0;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m == dc || m->merged_away)
            continue;
        const TwFact *sk = &m->facts[TW_F_KRB_SKEW];
        for (guint j = 0; sk->ev && j < sk->ev->len; j++) {
            const TwEvidence *e = g_ptr_array_index(sk->ev, j);
            if (e->ts_us < since || !e->src)
                continue;
            for (guint k = 0; k < dc->addrs->len; k++)
                if (strcmp(g_array_index(dc->addrs, TwAddrUse, k).addr, e->src) == 0) {
                    n++;
                    break;
                }
        }
    }
    return n;
}

guint tw_clock_steps(const TwMachine *m)
{
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    return ivs->len ? ivs->len - 1 : 0;
}

char *tw_clock_describe_steps(const TwMachine *m)
{
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    if (ivs->len < 2)
        return NULL;
    GString *s = g_string_new("its clock stepped ");
    bool back = false;
    for (guint i = 1; i < ivs->len; i++) {
        const TwClockInterval *p = &g_array_index(ivs, TwClockInterval, i - 1);
        const TwClockInterval *c = &g_array_index(ivs, TwClockInterval, i);
        double d = c->offset_s - p->offset_s;
        /* Back to (near) an offset it had before: the two sources fight. */
        bool returns = false;
        for (guint j = 0; j + 1 < i; j++)
            if (ABS(g_array_index(ivs, TwClockInterval, j).offset_s - c->offset_s) <= tw_clock_step_threshold(m))
                returns = true;
        if (i > 1)
            g_string_append(s, ", ");
        if (returns) {
            g_string_append(s, "back (");
            back = true;
        }
        append_amount(s, d);
        if (returns)
            g_string_append_c(s, ')');
        g_string_append(s, " at ");
        append_time(s, c->from_ts);
        g_string_append_printf(s, " UTC (frame %" G_GUINT64_FORMAT ")", c->first_frame);
    }
    if (back)
        g_string_append(s, ": two time sources fight (on a VM, the hypervisor's time sync against w32time "
                           "or chrony)");
    return g_string_free(s, FALSE);
}

/* ---- vantage point (issue #9 item 4) ---- */

static void csum_feed(TwAnalysis *a, const TwEvent *ev)
{
    if (!ev->src[0] || g_strcmp0(ev->proto, "anomaly") == 0)
        return;
    TwCsumTally *t = g_hash_table_lookup(a->csum_by_src, ev->src);
    if (!t) {
        if (g_hash_table_size(a->csum_by_src) >= TW_AN_MAX_ADDR_OWNERS) {
            tw_analysis_cap_hit(a, TW_AN_CAP_ADDR_OWNERS);
            return;
        }
        t = g_new0(TwCsumTally, 1);
        g_hash_table_insert(a->csum_by_src, g_strdup(ev->src), t);
    }
    t->events++;
    if (an_bool(ev, "checksum_bad", false))
        t->bad++;
}

void tw_clock_vantage_feed(TwAnalysis *a, const TwEvent *ev)
{
    csum_feed(a, ev);
    if (!ev->src[0] || !ev->dst[0] || a->vantage_n == 0)
        return;
    if (a->vantage_n < 0) {
        g_strlcpy(a->vantage[0], ev->src, TW_ADDR_STRLEN);
        g_strlcpy(a->vantage[1], ev->dst, TW_ADDR_STRLEN);
        a->vantage_n = strcmp(ev->src, ev->dst) ? 2 : 1;
        return;
    }
    int kept = 0;
    for (int i = 0; i < a->vantage_n; i++)
        if (strcmp(a->vantage[i], ev->src) == 0 || strcmp(a->vantage[i], ev->dst) == 0) {
            if (kept != i)
                memcpy(a->vantage[kept], a->vantage[i], TW_ADDR_STRLEN);
            kept++;
        }
    a->vantage_n = kept;
}

static const char *capture_host_compute(const TwAnalysis *a, const char **inference, const char **confidence)
{
    /* One address in every message, with more than one other address
     * seen: the capture was taken on it (its own traffic only).  Two
     * hosts talking only to each other could be either end; several
     * inputs (sensors) have several vantage points; a span port has
     * none. */
    *inference = NULL;
    *confidence = NULL;
    if (a->sources->len > 1 || a->events < TW_CLOCK_VANTAGE_MIN_EVENTS)
        return NULL;
    /* Checksum offload: the capture host's outgoing frames are recorded
     * before its NIC computes their checksums; everyone else's arrive
     * finished.  One such address, and no other, is the capture host. */
    const char *offload = NULL;
    guint n_offload = 0, n_mixed = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, a->csum_by_src);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const TwCsumTally *t = v;
        if (!t->bad)
            continue;
        if (t->events >= TW_CLOCK_OFFLOAD_MIN_EVENTS && t->bad * 10 >= t->events * 9) {
            n_offload++;
            /* the smallest address: the same answer whatever the table's order */
            if (!offload || strcmp(k, offload) < 0)
                offload = k;
        } else if (t->bad * 10 > t->events)
            n_mixed++;
    }
    if (n_offload == 1 && !n_mixed) {
        *inference = a->vantage_n == 1 && strcmp(a->vantage[0], offload) == 0
                         ? "its own frames carry unfinished TCP/UDP checksums (checksum offload), and it is party "
                           "to every message"
                         : "its own frames carry unfinished TCP/UDP checksums (checksum offload)";
        *confidence = "high";
        return offload;
    }
    if (a->vantage_n != 1)
        return NULL;
    /* Every Kerberos and NETLOGON message of a one-DC network involves the
     * DC, wherever it was captured: a DC in every message proves nothing. */
    if (g_hash_table_contains(a->dc_addrs, a->vantage[0]))
        return NULL;
    *inference = "party to every message";
    *confidence = "medium"; /* relevant messages only: the capture may hold other hosts' unrelated traffic */
    return a->vantage[0];
}

/* The rules ask for every machine, and the answer reads every sender's
 * tally: it is computed once per state of the input (as the DC cache in
 * engine.c), and forgotten when events are added or machines retired. */
const char *tw_clock_capture_host(const TwAnalysis *ca, const char **inference, const char **confidence)
{
    TwAnalysis *a = (TwAnalysis *)ca;
    if (a->host_cache_events != a->events) {
        const char *host = capture_host_compute(a, &a->host_cache_inference, &a->host_cache_confidence);
        a->host_cache_set = host != NULL;
        if (host)
            g_strlcpy(a->host_cache_addr, host, TW_ADDR_STRLEN);
        a->host_cache_events = a->events;
    }
    *inference = a->host_cache_inference;
    *confidence = a->host_cache_confidence;
    return a->host_cache_set ? a->host_cache_addr : NULL;
}

/* ---- time-source (issue #9 item 5) ---- */

bool tw_clock_member_offset(const TwAnalysis *a, const TwMachine *m, double *offset_s)
{
    /* As rule_clock_skew measures it: at the last refusal, a KRB-ERROR's
     * ctime-stime pair first, else the host's interval minus the DCs'. */
    const TwFact *sk = &m->facts[TW_F_KRB_SKEW];
    gint64 at = sk->count ? sk->last_ts : G_MAXINT64;
    for (guint i = sk->ev ? sk->ev->len : 0; i-- > 0;) {
        const TwEvidence *e = g_ptr_array_index(sk->ev, i);
        if (e->has_value && !e->value_estimated) {
            *offset_s = e->value;
            return true;
        }
    }
    double own, dc = 0;
    if (!tw_clock_offset_at(m, at, &own, NULL))
        return false;
    tw_clock_dc_offset_at(a, at, &dc);
    *offset_s = own - dc;
    return true;
}

GPtrArray *tw_clock_time_source_followers(const TwAnalysis *a, const TwMachine *server, double *median_s)
{
    GPtrArray *out = g_ptr_array_new();
    if (server->role == TW_ROLE_DC)
        return out; /* a DC's own clock moving is said by clock-skew on the DC */
    g_autoptr(GArray) offs = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GPtrArray) cand = g_ptr_array_new();
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *x = g_ptr_array_index(a->machine_order, i);
        if (x == server || x->merged_away || x->role == TW_ROLE_DC)
            continue;
        bool follows = false;
        for (guint j = 0; j < x->addrs->len && !follows; j++) {
            const char *srv = g_hash_table_lookup(a->ntp_server_of, g_array_index(x->addrs, TwAddrUse, j).addr);
            for (guint k = 0; srv && k < server->addrs->len && !follows; k++)
                follows = strcmp(srv, g_array_index(server->addrs, TwAddrUse, k).addr) == 0;
        }
        double o;
        if (!follows || !tw_clock_member_offset(a, x, &o) || ABS(o) <= TW_AN_SKEW_WARN_S)
            continue;
        g_ptr_array_add(cand, (gpointer)x);
        g_array_append_val(offs, o);
    }
    if (cand->len < TW_AN_TIME_SOURCE_MIN_CLIENTS)
        return out;
    g_autoptr(GArray) sorted = g_array_copy(offs);
    double med = tw_clock_median(sorted);
    for (guint i = 0; i < cand->len; i++)
        if (ABS(g_array_index(offs, double, i) - med) <= TW_AN_TIME_SOURCE_SPREAD_S)
            g_ptr_array_add(out, g_ptr_array_index(cand, i));
    if (out->len < TW_AN_TIME_SOURCE_MIN_CLIENTS)
        g_ptr_array_set_size(out, 0);
    *median_s = med;
    return out;
}
