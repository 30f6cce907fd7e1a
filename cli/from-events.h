/* from-events.h — --from-events: saved NDJSON events (docs/events.md) from
 * one or several sensors, merged into one analysis as a stream. */
#pragma once

#include "stages.h"

#include <signal.h>

/* Reads every path ("-" = stdin; `stdin_closed` when fd 0 was closed at
 * start) and sends the events through `st`: each input in its own file
 * order; across inputs the next event is the one with the smallest time
 * stamp, ties to the input given first (a k-way merge: memory is one
 * pending event and one capped line buffer per input, whatever the
 * sizes).  A single input is therefore analysed in file order, exactly as
 * `-r` analyses a capture.  Stops early when *stop is set.  Sets *events
 * to the number of events analysed; returns 0, or 2 when an input could
 * not be read.  An input without any event is named on stderr with what
 * it held instead (empty, N lines none an event). */
/* Several inputs are several sensors: an event that is a packet another
 * input already gave (every field and the 5-tuple equal, capture times at
 * most TW_FLEET_SAME_PACKET_US apart) is analysed once; and each regular
 * file is read ahead for its server clock samples, so that a sensor whose
 * own clock is off is corrected to the one closest to the DCs before the
 * merge (said on stderr).  `names` (NULL: the paths) names each input
 * in the report (--from-events nats://: the sensors). */
int tw_from_events_run(char **paths, char **names, bool stdin_closed, TwStages *st,
                       volatile sig_atomic_t *stop, guint64 *events);

/* One packet seen by several sensors (also --follow, cli/follow.c): true
 * when `ev` of input `index` is a packet another input gave already (every
 * field and the 5-tuple equal, capture times at most TW_FLEET_SAME_PACKET_US
 * apart; each copy claimed once per input); else it is remembered (at most
 * TW_FLEET_SAME_PACKET_MAX, for TW_FLEET_SAME_PACKET_US of capture time).
 * Events must come in capture-time order. */
typedef struct TwSamePacket TwSamePacket;
TwSamePacket *tw_same_packet_new(void);
bool tw_same_packet(TwSamePacket *sp, guint index, TwEvent *ev);
void tw_same_packet_free(TwSamePacket *sp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSamePacket, tw_same_packet_free)
