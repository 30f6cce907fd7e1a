/* timeline.c — facts as swim-lane points, and burst histograms (timeline.h). */
#include "analysis/timeline.h"

#include <string.h>

const char *tw_lane_name(TwLane l)
{
    static const char *const names[] = { "Kerberos", "NETLOGON", "NTLM/SMB", "Password changes", "kvno" };
    return l < TW_LANE_COUNT ? names[l] : "";
}

TwLane tw_fact_lane(TwFactKind k, TwMark *mark)
{
    TwMark mk = TW_MARK_EVENT;
    TwLane l = TW_LANE_NONE;
    switch (k) {
    case TW_F_KRB_AS_OK:
    case TW_F_KRB_TGS_OK:
    case TW_F_SRV_AP_OK:
        l = TW_LANE_KERBEROS, mk = TW_MARK_OK;
        break;
    case TW_F_KRB_KEY_FAIL:
    case TW_F_KRB_SKEW:
    case TW_F_KRB_CLIENT_UNKNOWN:
    case TW_F_KRB_REVOKED:
    case TW_F_SRV_KEY_FAIL:
    case TW_F_SPN_UNKNOWN:
    case TW_F_TK_S4U_UNKNOWN:
    case TW_F_TK_TGT_REFUSED:
        l = TW_LANE_KERBEROS, mk = TW_MARK_FAIL;
        break;
    case TW_F_TK_RC4: /* ticket findings (h-verdict): a weak or foreign use, shown as an event */
    case TW_F_TK_DCSYNC:
        l = TW_LANE_KERBEROS;
        break;
    case TW_F_KRB_PREAUTH_REQ: /* the normal first round trip (RFC 4120 3.1.1) */
        l = TW_LANE_KERBEROS;
        break;
    case TW_F_KRB_PA_GENERATION: /* with keys: what a refused request proves (keyproof.c), */
    case TW_F_KRB_PA_NONE:       /* drawn where the refusal already is */
    case TW_F_KRB_OWN_CLOCK:
    case TW_F_SRV_TICKET_KEY:
        l = TW_LANE_KERBEROS;
        break;
    case TW_F_FOREIGN: /* a separate actor's use of the account: not the machine's own timeline */
        break;
    case TW_F_NL_AUTH_OK:
    case TW_F_NL_CRED_GENERATION:
        l = TW_LANE_NETLOGON, mk = TW_MARK_OK;
        break;
    case TW_F_NL_AUTH_DENIED:
    case TW_F_NL_NO_ACCOUNT:
    case TW_F_NL_DISABLED:
    case TW_F_TRUST_FAIL:
    case TW_F_ZL_ATTEMPT:
    case TW_F_ZL_BYPASS:
    case TW_F_NL_DENIED_BURST:
    case TW_F_NL_CRED_NONE:
        l = TW_LANE_NETLOGON, mk = TW_MARK_FAIL;
        break;
    case TW_F_ZL_SEALED_BURST:
        l = TW_LANE_NETLOGON;
        break;
    case TW_F_NTLM_OK:
        l = TW_LANE_NTLM_SMB, mk = TW_MARK_OK;
        break;
    case TW_F_NTLM_FAIL:
        l = TW_LANE_NTLM_SMB, mk = TW_MARK_FAIL;
        break;
    case TW_F_PWSET_REQ:
    case TW_F_PWSET_REPLY:
    case TW_F_PWRESET_SAMR:
        l = TW_LANE_PASSWORD;
        break;
    case TW_F_PWSET_OK:
        l = TW_LANE_PASSWORD, mk = TW_MARK_OK;
        break;
    case TW_F_PWSET_FAIL:
    case TW_F_ZL_PWSET:
        l = TW_LANE_PASSWORD, mk = TW_MARK_FAIL;
        break;
    case TW_F_KVNO:
    case TW_F_KVNO_MOVED:
        l = TW_LANE_KVNO;
        break;
    case TW_F_KVNO_BACKWARDS:
        l = TW_LANE_KVNO, mk = TW_MARK_FAIL;
        break;
    case TW_F_SEEN:
    case TW_F_CLOCK_NTP:
    case TW_F_NL_CHALLENGE: /* the ladder's context, not a mark of the timeline */
    case TW_F_COUNT:
        break;
    }
    if (mark)
        *mark = mk;
    return l;
}

static int point_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwTimelinePoint *x = pa, *y = pb;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    if (x->ev->frame != y->ev->frame)
        return x->ev->frame < y->ev->frame ? -1 : 1;
    return (int)x->lane - (int)y->lane;
}

GArray *tw_machine_timeline(const TwMachine *m, guint64 dropped[TW_LANE_COUNT])
{
    GArray *pts = g_array_new(FALSE, TRUE, sizeof(TwTimelinePoint));
    if (dropped)
        memset(dropped, 0, sizeof(guint64) * TW_LANE_COUNT);
    for (int k = 0; k < TW_F_COUNT; k++) {
        TwMark mark;
        TwLane lane = tw_fact_lane((TwFactKind)k, &mark);
        const TwFact *f = &m->facts[k];
        if (lane == TW_LANE_NONE || !f->ev)
            continue;
        for (guint i = 0; i < f->ev->len; i++) {
            const TwEvidence *e = g_ptr_array_index(f->ev, i);
            TwTimelinePoint p = { e->ts_us, lane, mark, (TwFactKind)k, e };
            g_array_append_val(pts, p);
        }
        if (dropped && f->count > f->ev->len)
            dropped[lane] += f->count - f->ev->len;
    }
    g_array_sort(pts, point_cmp);
    return pts;
}

void tw_burst_add(TwBurst **bp, gint64 ts_us)
{
    TwBurst *b = *bp;
    if (!b) {
        b = *bp = g_new0(TwBurst, 1);
        b->t0_us = ts_us;
        b->bin_us = TW_BURST_BIN0_US;
    }
    b->total++;
    if (ts_us < b->t0_us) {
        b->late++;
        return;
    }
    /* widen until ts fits: bin i + bin i+1 → bin i/2 */
    while ((ts_us - b->t0_us) / b->bin_us >= TW_BURST_BINS) {
        for (guint i = 0; i < TW_BURST_BINS / 2; i++)
            b->bins[i] = b->bins[2 * i] + b->bins[2 * i + 1];
        memset(b->bins + TW_BURST_BINS / 2, 0, sizeof(b->bins) / 2);
        b->bin_us *= 2;
    }
    b->bins[(ts_us - b->t0_us) / b->bin_us]++;
}

guint tw_burst_used(const TwBurst *b)
{
    guint n = 0;
    for (guint i = 0; b && i < TW_BURST_BINS; i++)
        if (b->bins[i])
            n = i + 1;
    return n;
}
