/* privs.h — least privilege after the capture is open (issue 12 item 3). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* -Z USER: switches to USER's uid and gid with no supplementary groups and
 * no capabilities left, and sets no_new_privs; then verifies it (the uid
 * cannot be changed back, /proc/self/status CapEff and CapPrm are 0).
 * With user == NULL and a non-root uid (CAP_NET_RAW given by file
 * capabilities or systemd's AmbientCapabilities): drops every capability
 * and sets no_new_privs.  Root without -Z keeps its privileges.
 * Returns false + GError when a step fails (the caller must not go on). */
bool tw_drop_privileges(const char *user, GError **err);

/* The effective capability mask from /proc/self/status (CapEff), or
 * G_MAXUINT64 when it cannot be read. */
guint64 tw_effective_caps(void);
