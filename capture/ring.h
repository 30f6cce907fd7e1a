/* ring.h — -w DIR: a pcapng ring of the live capture (issue 12 item 2), so
 * the frames a live finding cites can be opened in Wireshark afterwards.
 *
 * Every frame the live source delivers (after -f) is written, in order, so
 * frame N of the run is frame N - first + 1 of the file that holds it;
 * tw_ring_locate says which file and which in-file frame.  Files are
 * DIR/trustwire_NNNNN_YYYYmmddHHMMSS.pcapng; a new one starts when the
 * current one reaches the size limit, and beyond `files` the oldest is
 * deleted (dumpcap's -b filesize:KB,files:N, here in MB). */
#pragma once

#include "frame.h"

#include <glib.h>
#include <stdbool.h>

typedef struct TwRing TwRing;

typedef struct {
    const char *dir;
    guint64 file_bytes; /* start a new file past this size; 0: 100 MB */
    guint files;        /* keep at most this many files; 0: 10 */
    int linktype;       /* LINKTYPE_* of the interface */
    int snaplen;
    const char *iface;  /* interface name, written in the IDB */
} TwRingOptions;

/* Parses "filesize:MB,files:N" (either part may be omitted) into o. */
bool tw_ring_parse_spec(const char *spec, TwRingOptions *o, GError **err);
/* Returns: (transfer full) (nullable): free with tw_ring_free(); NULL + GError
 * when DIR cannot be written. */
TwRing *tw_ring_open(const TwRingOptions *o, GError **err);
/* Writes one frame (transfer none); false after a write error (kept: the
 * ring stops, the capture goes on; tw_ring_error says why). */
bool tw_ring_write(TwRing *r, const TwFrame *f);
/* Which ring file holds run frame `frame`, and its frame number there;
 * false when it was never written or its file was deleted.  *file is
 * (transfer none), valid until the next tw_ring_write. */
bool tw_ring_locate(const TwRing *r, guint64 frame, const char **file, guint64 *in_file);
/* Writes out what stdio buffers, so a finding's frames are in the file
 * when it is announced. */
void tw_ring_flush(TwRing *r);
/* The first write error, or NULL. */
const char *tw_ring_error(const TwRing *r);
void tw_ring_free(TwRing *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwRing, tw_ring_free)
