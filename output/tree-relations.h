/* tree-relations.h — what the teaching view (-T tree) computes across
 * messages: a separate pass over the events, after the dissectors and
 * apart from the analysis (it decides nothing, it explains).
 *
 *   - relations: "request in frame N, +3.2 ms" on a reply, "response in
 *     frame M, +3.2 ms" on the request it answers (the sink holds events
 *     in a bounded look-ahead window to write the latter);
 *   - clocks: a KRB-ERROR's stime minus the capture time, an SMB2
 *     NEGOTIATE's SystemTime minus the capture time, an NTLMSSP
 *     MsvAvTimestamp minus the capture time, the NTP offset and delay of a
 *     reply from its four timestamps (RFC 5905 8, T4 = the capture time);
 *   - narratives: one paragraph per exchange (a Kerberos AS or TGS
 *     exchange, a NETLOGON secure-channel setup, an NTLM authentication),
 *     written after its last message ("AS-REQ without pre-auth -> 25 with
 *     the salt -> AS-REQ with the encrypted timestamp -> 24: the key is
 *     wrong").
 *
 * It reads typed event fields only (never display strings of analysis);
 * every table it keeps is capped (core/tw-limits.h TW_TREE_*). */
#pragma once

#include "core/event.h"

#include <glib.h>

/* One line of the teaching view, as the tree sink writes every line:
 * "    name: value   -- note   [spec]" indented by depth + 1. */
void tw_tree_line(GString *out, guint depth, const char *name, const char *value, const char *note,
                  const char *spec);

typedef struct TwTreeRel TwTreeRel;

/* `shown` (may be NULL: every frame) says whether a frame is shown (--frame):
 * a narrative is written when one of its frames is.
 * Returns: (transfer full): free with tw_tree_rel_free(). */
TwTreeRel *tw_tree_rel_new(bool (*shown)(guint64 frame, void *user), void *user);
void tw_tree_rel_free(TwTreeRel *r);

typedef struct {
    /* The event answers the request of this frame (0: none): the sink adds
     * "response in frame" to that request's lines. */
    guint64 request_frame;
    const char *request_proto; /* interned, the request's proto */
    gint64 delta_us;           /* this event's time minus the request's */
    /* Exchanges that ended with this event (or idled out before it): their
     * narrative lines (transfer full, NULL when none). */
    char *narrative;
} TwTreeRelOut;

/* Feeds one event, in output order: the lines computed for this event go
 * to `lines` (at depth 0 of the event's tree), the rest to *out. */
void tw_tree_rel_event(TwTreeRel *r, const TwEvent *ev, GString *lines, TwTreeRelOut *out);

/* End of input: the narratives of exchanges that never finished, in the
 * order they began (transfer full; NULL when none). */
char *tw_tree_rel_finish(TwTreeRel *r);

/* The response line of a request, as the sink adds it once its reply is
 * seen: "response in frame: M   -- +3.200 ms". */
void tw_tree_rel_response_line(GString *out, guint64 frame, gint64 delta_us);
