/* test-timeline.c — analysis/timeline.c: the lane and mark of each fact kind,
 * and the burst histogram (exact counts whatever the span, bounded bins). */
#include "analysis/timeline.h"

#include <glib.h>

static void test_lanes(void)
{
    static const struct {
        TwFactKind k;
        TwLane lane;
        TwMark mark;
    } want[] = {
        { TW_F_KRB_AS_OK, TW_LANE_KERBEROS, TW_MARK_OK },
        { TW_F_KRB_KEY_FAIL, TW_LANE_KERBEROS, TW_MARK_FAIL },
        { TW_F_KRB_SKEW, TW_LANE_KERBEROS, TW_MARK_FAIL },
        { TW_F_KRB_PREAUTH_REQ, TW_LANE_KERBEROS, TW_MARK_EVENT },
        { TW_F_NL_AUTH_OK, TW_LANE_NETLOGON, TW_MARK_OK },
        { TW_F_NL_AUTH_DENIED, TW_LANE_NETLOGON, TW_MARK_FAIL },
        { TW_F_ZL_ATTEMPT, TW_LANE_NETLOGON, TW_MARK_FAIL },
        { TW_F_NTLM_OK, TW_LANE_NTLM_SMB, TW_MARK_OK },
        { TW_F_NTLM_FAIL, TW_LANE_NTLM_SMB, TW_MARK_FAIL },
        { TW_F_PWSET_REQ, TW_LANE_PASSWORD, TW_MARK_EVENT },
        { TW_F_PWSET_OK, TW_LANE_PASSWORD, TW_MARK_OK },
        { TW_F_ZL_PWSET, TW_LANE_PASSWORD, TW_MARK_FAIL },
        { TW_F_KVNO, TW_LANE_KVNO, TW_MARK_EVENT },
        { TW_F_KVNO_BACKWARDS, TW_LANE_KVNO, TW_MARK_FAIL },
        { TW_F_SEEN, TW_LANE_NONE, TW_MARK_EVENT },
        { TW_F_CLOCK_NTP, TW_LANE_NONE, TW_MARK_EVENT },
    };
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        TwMark mk = 99;
        g_assert_cmpint(tw_fact_lane(want[i].k, &mk), ==, want[i].lane);
        g_assert_cmpint(mk, ==, want[i].mark);
    }
    /* every fact kind has an answer, and every lane a name */
    for (int k = 0; k < TW_F_COUNT; k++) {
        TwLane l = tw_fact_lane((TwFactKind)k, NULL);
        g_assert_cmpint(l, <=, TW_LANE_NONE);
        if (l < TW_LANE_COUNT)
            g_assert_cmpstr(tw_lane_name(l), !=, "");
    }
    g_assert_cmpstr(tw_lane_name(TW_LANE_NTLM_SMB), ==, "NTLM/SMB");
}

static guint64 bins_total(const TwBurst *b)
{
    guint64 n = 0;
    for (guint i = 0; i < TW_BURST_BINS; i++)
        n += b->bins[i];
    return n;
}

static void test_burst(void)
{
    TwBurst *b = NULL;
    g_assert_cmpuint(tw_burst_used(b), ==, 0);
    gint64 t0 = (gint64)1700000000 * G_USEC_PER_SEC;
    /* 286 attempts in 2 s (one every 7 ms) */
    for (int i = 0; i < 286; i++)
        tw_burst_add(&b, t0 + i * 7000);
    g_assert_nonnull(b);
    g_assert_cmpint(b->t0_us, ==, t0);
    g_assert_cmpuint(b->total, ==, 286);
    g_assert_cmpuint(bins_total(b), ==, 286);
    /* 2 s in 64 bins: 10 ms doubled until 64 bins hold 1.995 s: 40 ms */
    g_assert_cmpint(b->bin_us, ==, 40000);
    g_assert_cmpuint(tw_burst_used(b), ==, (guint)((285 * 7000) / 40000) + 1);
    g_assert_cmpuint(b->bins[0], ==, 6); /* 0, 7, 14, 21, 28, 35 ms */
    /* the last moment of the last bin stays in it; one more microsecond widens */
    tw_burst_add(&b, t0 + 64 * 40000 - 1);
    g_assert_cmpint(b->bin_us, ==, 40000);
    g_assert_cmpuint(b->bins[TW_BURST_BINS - 1], ==, 1);
    tw_burst_add(&b, t0 + 64 * 40000);
    g_assert_cmpint(b->bin_us, ==, 80000);
    g_assert_cmpuint(b->bins[TW_BURST_BINS / 2], ==, 1);
    g_assert_cmpuint(b->bins[TW_BURST_BINS / 2 - 1], ==, 1);
    /* a day later: still exact, still at most 64 bins (80 ms × 2^15 = 2621.44 s each: bin 32) */
    tw_burst_add(&b, t0 + (gint64)86400 * G_USEC_PER_SEC);
    g_assert_cmpuint(b->total, ==, 289);
    g_assert_cmpuint(bins_total(b), ==, 289);
    g_assert_cmpint(b->bin_us, ==, (gint64)80000 << 15);
    g_assert_cmpuint(tw_burst_used(b), ==, 33);
    g_assert_cmpuint(b->bins[0], ==, 289 - 1);
    /* out of order before the first: counted, not binned */
    tw_burst_add(&b, t0 - 1);
    g_assert_cmpuint(b->total, ==, 290);
    g_assert_cmpuint(b->late, ==, 1);
    g_assert_cmpuint(bins_total(b), ==, 289);
    g_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timeline/lanes", test_lanes);
    g_test_add_func("/timeline/burst", test_burst);
    return g_test_run();
}
