/* previous.c: this run's clocks against earlier reports of the same network.
 *
 * A clock offset is measured against the capture clock, and every capture has
 * its own.  Within one capture a DC whose clock steps shows it (clock.c);
 * across captures (--previous REPORT.json, loaded by output/previous.c) the
 * DC's offset alone cannot tell who moved: the DC, or the capture host.  The
 * members are the third reference: when the DC's offset changed since the
 * earlier capture and the members' did not (they agree with each other and
 * with the capture host as before), the DC's clock moved; when the members'
 * changed and the DC's did not, they moved; when both changed alike, the
 * capture host's clock (or the whole domain's time) did, and nobody is blamed
 * (docs/detections.md "The DC's clock against a previous capture").
 */
#include "analysis/previous.h"
#include "analysis/clock.h"

#include <math.h>
#include <string.h>

void tw_prev_host_free(TwPrevHost *h)
{
    if (!h)
        return;
    g_free(h->account);
    g_ptr_array_unref(h->addrs);
    g_free(h);
}

void tw_prev_report_free(TwPrevReport *r)
{
    if (!r)
        return;
    g_free(r->file);
    g_ptr_array_unref(r->hosts);
    g_free(r);
}

void tw_analysis_add_previous(TwAnalysis *a, TwPrevReport *r)
{
    for (guint64 i = 0; i < r->hosts_left_out; i++)
        tw_analysis_cap_hit(a, TW_AN_CAP_PREV_HOSTS);
    g_ptr_array_add(a->previous, r);
}

/* The same machine: the same account when both reports name it, else an
 * address in common (an address-only record). */
static bool same_host(const TwPrevHost *h, const TwMachine *m)
{
    if (h->account && m->account)
        return g_ascii_strcasecmp(h->account, m->account) == 0;
    for (guint i = 0; i < m->addrs->len; i++)
        for (guint j = 0; j < h->addrs->len; j++)
            if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, g_ptr_array_index(h->addrs, j)) == 0)
                return true;
    return false;
}

static const TwPrevHost *find_host(const TwPrevReport *r, const TwMachine *m, bool dc)
{
    for (guint i = 0; i < r->hosts->len; i++) {
        const TwPrevHost *h = g_ptr_array_index(r->hosts, i);
        if (h->dc == dc && same_host(h, m))
            return h;
    }
    return NULL;
}

/* This run's clock of m at its first interval (the nearest to an earlier
 * capture), its NTP reading first, as tw_clock_offset_at. */
static bool first_offset(const TwMachine *m, double *o)
{
    g_autoptr(GArray) ivs = tw_clock_intervals(m);
    if (!ivs->len)
        return false;
    const TwClockInterval *iv = &g_array_index(ivs, TwClockInterval, 0);
    *o = iv->has_ntp ? iv->ntp_offset_s : iv->offset_s;
    return true;
}

static bool is_member(const TwMachine *m)
{
    return m->role != TW_ROLE_DC && !m->merged_away && m->clock->len;
}

guint tw_previous_dcs_in_common(const TwAnalysis *a, const TwPrevReport *r)
{
    guint n = 0;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->role == TW_ROLE_DC && !m->merged_away && find_host(r, m, true))
            n++;
    }
    return n;
}

/* Most of v within TW_AN_SKEW_WARN_S of its median: the members agree. */
static bool agree(GArray *v, double med)
{
    guint near = 0;
    for (guint i = 0; i < v->len; i++)
        near += ABS(g_array_index(v, double, i) - med) <= TW_AN_SKEW_WARN_S;
    return near * 2 > v->len;
}

/* The members' move between r and now: the same members in both when there
 * are any, else each report's median.  False when they disagree. */
static bool members_delta(const TwAnalysis *a, const TwPrevReport *r, TwPrevClock *out)
{
    g_autoptr(GArray) d = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) now = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) then = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        double o;
        if (!is_member(m) || !first_offset(m, &o))
            continue;
        g_array_append_val(now, o);
        const TwPrevHost *h = find_host(r, m, false);
        if (h && h->has_clock) {
            double x = o - h->last_s;
            g_array_append_val(d, x);
        }
    }
    out->members = 0;
    out->members_delta_s = 0;
    out->members_common = false;
    out->has_members_now = now->len > 0;
    if (now->len) {
        g_autoptr(GArray) c = g_array_copy(now);
        out->members_now_s = tw_clock_median(c);
    }
    if (d->len) {
        out->members_delta_s = tw_clock_median(d);
        out->members = d->len;
        out->members_common = true;
        return agree(d, out->members_delta_s);
    }
    for (guint i = 0; i < r->hosts->len; i++) {
        const TwPrevHost *h = g_ptr_array_index(r->hosts, i);
        if (!h->dc && h->has_clock)
            g_array_append_val(then, h->last_s);
    }
    if (!now->len || !then->len)
        return true; /* no member in one of them: the capture host is the only reference */
    double mn = tw_clock_median(now), mt = tw_clock_median(then);
    if (!agree(now, mn) || !agree(then, mt))
        return false;
    out->members_delta_s = mn - mt;
    out->members = MIN(now->len, then->len);
    return true;
}

bool tw_previous_dc_clock(const TwAnalysis *a, const TwMachine *dc, TwPrevClock *out)
{
    memset(out, 0, sizeof *out);
    if (!a->previous || dc->role != TW_ROLE_DC)
        return false;
    double now;
    if (!first_offset(dc, &now))
        return false;
    const TwPrevReport *best = NULL;
    const TwPrevHost *bh = NULL;
    for (guint i = 0; i < a->previous->len; i++) {
        const TwPrevReport *r = g_ptr_array_index(a->previous, i);
        const TwPrevHost *h = find_host(r, dc, true);
        if (!h || !h->has_clock)
            continue;
        /* the latest earlier capture; the later given on a tie */
        if (!best || r->last_ts >= best->last_ts) {
            best = r;
            bh = h;
        }
    }
    if (!best)
        return false;
    out->report = best;
    out->dc_delta_s = now - bh->last_s;
    if (!members_delta(a, best, out))
        return true; /* the members disagree: nothing to conclude (TW_PREV_NONE) */
    const double t = TW_AN_SKEW_WARN_S;
    double dd = out->dc_delta_s, md = out->members_delta_s;
    if (ABS(dd) <= t && ABS(md) <= t)
        out->kind = TW_PREV_SAME;
    else if (!out->members)
        ; /* no member's clock in both: a DC's move and the capture host's look alike (TW_PREV_NONE) */
    else if (ABS(dd - md) <= t)
        out->kind = TW_PREV_ALL_MOVED;
    else if (ABS(md) <= t) {
        /* moved back into agreement with this capture's members: put right, not wrong */
        out->kind = out->has_members_now && ABS(now - out->members_now_s) <= t ? TW_PREV_DC_CORRECTED
                                                                                 : TW_PREV_DC_MOVED;
        out->moved_s = dd - md;
    } else if (ABS(dd) <= t) {
        out->kind = TW_PREV_MEMBERS_MOVED;
        out->moved_s = md;
    }
    return true;
}

const TwMachine *tw_previous_dc_moved(const TwAnalysis *a, TwPrevClock *out)
{
    for (guint i = 0; a->previous && a->previous->len && i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (m->role == TW_ROLE_DC && !m->merged_away && tw_previous_dc_clock(a, m, out) &&
            out->kind == TW_PREV_DC_MOVED)
            return m;
    }
    return NULL;
}

bool tw_previous_member_delta(const TwAnalysis *a, const TwMachine *m, const TwPrevReport **r, double *delta_s)
{
    double now;
    if (!a->previous || !is_member(m) || !first_offset(m, &now))
        return false;
    const TwPrevReport *best = NULL;
    const TwPrevHost *bh = NULL;
    for (guint i = 0; i < a->previous->len; i++) {
        const TwPrevReport *x = g_ptr_array_index(a->previous, i);
        const TwPrevHost *h = find_host(x, m, false);
        if (h && h->has_clock && tw_previous_dcs_in_common(a, x) && (!best || x->last_ts >= best->last_ts)) {
            best = x;
            bh = h;
        }
    }
    if (!best)
        return false;
    *r = best;
    *delta_s = now - bh->last_s;
    return true;
}

char *tw_previous_since(const TwPrevReport *r, const TwAnalysis *a)
{
    const char *how = r->last_ts && a->first_ts && r->last_ts > a->first_ts ? "compared with" : "since";
    g_autoptr(GDateTime) t = r->first_ts ? g_date_time_new_from_unix_utc(r->first_ts / G_USEC_PER_SEC) : NULL;
    g_autofree char *when = t ? g_date_time_format(t, "%Y-%m-%d %H:%M UTC") : NULL;
    if (!when)
        return g_strdup_printf("%s an earlier capture (%s)", how, r->file);
    return g_strdup_printf("%s the capture of %s (%s)", how, when, r->file);
}

char *tw_previous_clock_note(const TwAnalysis *a, const TwPrevClock *c)
{
    g_autofree char *since = tw_previous_since(c->report, a);
    g_autofree char *ref =
        c->members == 0 ? g_strdup("no member's clock in both captures")
        : c->members_common ? g_strdup_printf("%u member%s compared, the same in both captures", c->members,
                                              c->members == 1 ? "" : "s")
                            : g_strdup_printf("the members' median in each capture, %u or more of them", c->members);
    switch (c->kind) {
    case TW_PREV_DC_MOVED:
        return g_strdup_printf(" The DC's clock moved by %+.0f s %s, while the members' clocks agree with each other "
                               "and did not move (%s): the members are not the ones to fix.",
                               c->moved_s, since, ref);
    case TW_PREV_MEMBERS_MOVED:
        return g_strdup_printf(" Its clock did not move %s (%+.0f s); the members' moved by %+.0f s (%s): the DC "
                               "is not the one to blame for their change.",
                               since, c->dc_delta_s, c->moved_s, ref);
    case TW_PREV_ALL_MOVED:
        return g_strdup_printf(" The DC's and the members' clocks moved alike, by about %+.0f s, %s (%s): the "
                               "capture host's clock (or the whole domain's time) moved, not this DC alone.",
                               c->dc_delta_s, since, ref);
    case TW_PREV_DC_CORRECTED:
        return g_strdup_printf(" Its clock moved by %+.0f s %s and now agrees with the members' (%s): put right.",
                               c->moved_s, since, ref);
    case TW_PREV_SAME:
        return g_strdup_printf(" Its clock has not moved %s (%+.0f s): an old offset, not a new one.", since,
                               c->dc_delta_s);
    default:
        return g_strdup_printf(" %c%s its offset changed by %+.0f s, but %s: nothing to conclude about who moved "
                               "(the DC or the capture host).",
                               g_ascii_toupper(since[0]), since + 1, c->dc_delta_s,
                               c->members ? "the members' clocks disagree with each other"
                                          : "no member's clock is in both captures");
    }
}
