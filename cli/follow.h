/* follow.h — `--from-events nats://HOST:PORT/SUBJECT --follow`: the central
 * analysis of a fleet as a service.  The durable consumer (cli/nats-bus.h)
 * stays open; each sensor's events are merged in capture time (held
 * TW_FOLLOW_HOLD_US, all of them when the stream is idle), a packet two
 * sensors saw is counted once (tw_same_packet, cli/from-events.h), and the
 * service machinery of live mode does the rest (cli/live.h): findings as
 * they are established (--alerts, or lines on stderr), --report-every,
 * SIGUSR1, --retire-after, the final report at SIGINT/SIGTERM (written by
 * the caller's tw_stages_finish).  Sensor clocks are not corrected here
 * (they are by --from-events without --follow, which reads ahead). */
#pragma once

#include "live.h"
#include "nats-bus.h"
#include "stages.h"

#include <signal.h>

/* Runs until *stop; *events is the number analysed.  Returns 0, or 2 when
 * the broker could not be used at start (*err set). */
int tw_follow_run(const TwNatsOptions *no, TwStages *st, const TwLiveRunOptions *o, volatile sig_atomic_t *stop,
                  guint64 *events, GError **err);
