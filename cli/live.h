/* live.h — service mode: `trustwire -i IFACE` as a long-running sensor
 * (issue 12).  Owns the capture loop of a live source: the start line,
 * periodic and SIGUSR1 reports, capture statistics per interval (into the
 * alerts and each report), retirement of machines not seen for a while,
 * -c N, and the final report at SIGINT/SIGTERM (written by the caller's
 * tw_stages_finish). */
#pragma once

#include "capture/fanout.h"
#include "capture/pipeline.h"
#include "capture/source.h"
#include "stages.h"

#include <signal.h>

typedef struct {
    gint64 report_every_us;  /* --report-every: 0 = only at the end (and SIGUSR1) */
    gint64 retire_after_us;  /* --retire-after: capture time; 0 = never */
    gint64 stats_every_us;   /* capture-statistics interval (default 60 s, or report_every) */
    guint64 max_packets;     /* -c N: stop after N packets; 0 = no limit */
    const char *user;        /* -Z USER that the process now runs as, or NULL, for the start line */
    /* --workers N > 1: the capture workers (capture/fanout.h), started here;
     * their merged events go to emit (transfer full).  NULL: `pl` dissects. */
    struct TwFanout *fanout;
    void (*emit)(TwEvent *ev, void *user);
    void *emit_user;
    /* With fanout: the lock the workers hold while they feed the capture
     * health (TwFanoutConfig.frame_lock); held here while the analysis and
     * the reports use it.  NULL without fanout. */
    GMutex *health_lock;
} TwLiveRunOptions;

/* Parses "1h", "30m", "10s", "2d", "500ms" or plain seconds into µs; false when
 * it is not a positive duration. */
bool tw_parse_duration(const char *s, gint64 *out_us);

/* Installs the SIGUSR1 handler (a report now: a flag and a wake-up of the
 * capture, nothing else in the handler). */
void tw_live_install_signals(TwSource *src);

/* The service machinery, also for --from-events nats:// --follow
 * (cli/follow.c): every verdict output writes the analysis so far and is
 * flushed; whether SIGUSR1 asked for a report (the flag is cleared); the
 * machines not seen for retire_after_us before now_us (capture time) are
 * announced and forgotten (returns how many). */
void tw_live_reports(TwStages *st);
bool tw_live_report_wanted(void);
guint tw_live_retire(TwStages *st, gint64 now_us, gint64 retire_after_us);

/* Runs the capture until SIGINT/SIGTERM (`stop` set), -c N, or a capture
 * error (-1, *err set); 0 otherwise.  The pipeline (or every worker's) is
 * finished before it returns, and the health of the capture is written ahead of the final
 * report; the caller then calls tw_stages_finish. */
int tw_live_run(TwSource *src, TwPipeline *pl, TwStages *st, const TwLiveRunOptions *o,
                volatile sig_atomic_t *stop, GError **err);
