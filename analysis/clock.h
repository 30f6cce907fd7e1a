/* clock.h: a host's clock samples as offsets per interval (analysis/clock.c). */
#pragma once

#include "analysis/analysis.h"

/* One interval of a host's clock between two steps. */
typedef struct {
    gint64 from_ts, to_ts;  /* capture times of its first and last sample */
    guint64 first_frame;    /* frame of its first sample */
    guint n;                /* samples */
    double offset_s;        /* median offset (host clock minus capture clock) */
    bool has_ntp;
    double ntp_offset_s;    /* median of its NTP samples when has_ntp */
} TwClockInterval;

/* A sample offset worth keeping: within TW_AN_CLOCK_IMPLAUSIBLE_S of the
 * capture clock or of a sample kept before (any host); always true when the
 * capture clock itself was never set (before 2000). */
bool tw_clock_plausible(TwAnalysis *a, gint64 capture_us, double offset_s);
/* Records a kept offset as a reference for tw_clock_plausible. */
void tw_clock_kept(TwAnalysis *a, double offset_s);
/* The change of offset between consecutive samples beyond which it is a step. */
double tw_clock_step_threshold(const TwMachine *m);
/* Returns: (transfer full): TwClockInterval in time order; free with g_array_unref. */
GArray *tw_clock_intervals(const TwMachine *m);
/* Offset of the interval holding ts (else the last one begun before it, else
 * the first); NTP samples of that interval first (by_ntp says so). */
bool tw_clock_offset_at(const TwMachine *m, gint64 ts, double *offset_s, bool *by_ntp);
/* An offset known only modulo one hour (the AS-REQ till estimate, engine.c):
 * *est moved by whole hours to the value nearest m's own clock at ts (its
 * readings so far: NTP, NETLOGON authenticator, ctime) against the KDC's
 * (kdc_off_s: KDC clock minus capture clock).  False, *est untouched, when
 * m has no reading. */
bool tw_clock_resolve_hours(const TwMachine *m, gint64 ts, double kdc_off_s, double *est);
/* Median over the DCs of their offset at ts. */
bool tw_clock_dc_offset_at(const TwAnalysis *a, gint64 ts, double *offset_s);
/* Frees TwAnalysis.dc_clock_cache (NULL is a no-op). */
void tw_clock_cache_free(void *cache);
/* KRB_AP_ERR_SKEW refusals a DC sent (from one of its addresses) at or
 * after `since`, over every member's evidence. */
guint tw_clock_skew_refusals_by(const TwAnalysis *a, const TwMachine *dc, gint64 since);
/* Capture time of the DC's last clock step (the start of its last
 * interval), or 0 without steps. */
gint64 tw_clock_last_step(const TwMachine *m);
/* Steps in the host's clock during the capture. */
guint tw_clock_steps(const TwMachine *m);
/* "its clock stepped -3 h at 10:42:05 UTC (frame 12), back (+3 h) at …: two
 * time sources fight (…)", or NULL without steps.
 * Returns: (transfer full) (nullable): free with g_free. */
char *tw_clock_describe_steps(const TwMachine *m);
/* The same for the first domain controller (machine order) whose clock
 * stepped, or NULL: kept with the DCs' intervals while the input does not
 * change (every skewed member's finding asks for it).
 * Returns: (transfer none) (nullable): owned by a. */
const char *tw_clock_dc_steps(const TwAnalysis *a);

/* Fewest events for a vantage-point inference. */
#define TW_CLOCK_VANTAGE_MIN_EVENTS 4
/* Checksum offload: an address whose events (at least this many) all but
 * a tenth came from frames with a wrong TCP/UDP checksum, while no other
 * address has more than a tenth, is the capture host. */
#define TW_CLOCK_OFFLOAD_MIN_EVENTS 4

/* The median of v (sorted in place; v not empty). */
double tw_clock_median(GArray *v);

/* Per sender address (TwAnalysis.csum_by_src). */
typedef struct {
    guint64 events;
    guint64 bad;
} TwCsumTally;
/* Follows the addresses party to every event (tw_analysis_feed). */
void tw_clock_vantage_feed(TwAnalysis *a, const TwEvent *ev);
/* The capture host of a single input: its clock is the capture clock.
 * Either the one address whose own frames carry wrong TCP/UDP checksums
 * (checksum offload: "high"), or one address party to every event
 * ("medium"; never a DC, which is party to every message of a one-DC
 * network wherever it is captured).  *inference and *confidence say how;
 * NULL for a span port, two hosts talking only to each other without the
 * checksum clue, or several inputs.
 * Returns: (transfer none) (nullable). */
const char *tw_clock_capture_host(const TwAnalysis *a, const char **inference, const char **confidence);

/* A member's clock minus the DC's at its last KRB_AP_ERR_SKEW (else now). */
bool tw_clock_member_offset(const TwAnalysis *a, const TwMachine *m, double *offset_s);
/* Members that took NTP from server (client → server seen) and are skewed
 * alike (more than TW_AN_SKEW_WARN_S, within TW_AN_TIME_SOURCE_SPREAD_S of
 * their median, at least TW_AN_TIME_SOURCE_MIN_CLIENTS of them); empty
 * otherwise.  *median_s: their median offset vs the DC.
 * Returns: (transfer container): the machines borrowed. */
GPtrArray *tw_clock_time_source_followers(const TwAnalysis *a, const TwMachine *server, double *median_s);
