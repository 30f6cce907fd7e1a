/* retire.h — a long-running sensor forgets what it has not seen for a
 * while, so its memory does not grow with uptime (issue 12, --retire-after). */
#pragma once

#include "analysis.h"

/* Called for each machine about to be retired, with its last verdict (the
 * findings of tw_rules_eval, worst first; transfer none, valid during the
 * call), so it can be announced before the record goes. */
typedef void (*TwRetireFn)(const TwAnalysis *a, const TwMachine *m, GPtrArray *findings, void *user);

/* Retires every machine record last seen (capture time) before
 * `now_us - idle_us`, and the user-failure records and per-flow trackers
 * (NETLOGON challenges, kadmin/changepw clients, sealed-NETLOGON bursts)
 * of the addresses those machines used or that are as old; forgets their
 * live announcements, so a machine that comes back is announced again.
 * Domain controllers are kept (they are what every other record is judged
 * against).  Returns the number of machines retired. */
guint tw_analysis_retire(TwAnalysis *a, gint64 now_us, gint64 idle_us, TwRetireFn fn, void *user);
