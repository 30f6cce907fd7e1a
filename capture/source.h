/* source.h — where frames come from: capture files (pcap, pcapng, "-" for
 * stdin, several read in order) or a live interface. */
#pragma once

#include "frame.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TwSource TwSource;

typedef struct {
    const char *iface;  /* live interface name */
    const char *filter; /* BPF filter, may be NULL */
    int snaplen;        /* 0: default 262144 */
    bool immediate;     /* immediate mode (deliver packets without buffering) */
} TwLiveOptions;

/* Opens the files in order; the first is opened now so a missing or
 * unreadable file fails early (GError, message suitable for stderr).
 * `filter` (may be NULL) applies a BPF filter to every file.  `paths` is
 * copied (transfer none).
 * Returns: (transfer full) (nullable): free with tw_source_free(); NULL and
 * *err set on failure. */
TwSource *tw_source_open_files(char **paths, const char *filter, GError **err);
/* Returns: (transfer full) (nullable): free with tw_source_free(); NULL and
 * *err set on failure. */
TwSource *tw_source_open_live(const TwLiveOptions *opt, GError **err);

/* 1: a frame was read into *out; 0: end of input; -1: error (GError set; a
 * file cut mid-packet is reported here after every whole frame before it).
 * out->data is (transfer none): owned by src, valid until the next call. */
int tw_source_next(TwSource *src, TwFrame *out, GError **err);

/* Async-signal-safe: makes tw_source_next return 0 soon (live capture). */
void tw_source_break(TwSource *src);

/* Prints "received/dropped" counters of a live capture; nothing for files. */
void tw_source_print_stats(TwSource *src, FILE *out);
bool tw_source_is_live(const TwSource *src);

void tw_source_free(TwSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSource, tw_source_free)
