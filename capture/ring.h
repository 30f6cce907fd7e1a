/* ring.h — -w DIR: a pcapng ring of the live capture (issue 12 item 2), so
 * the frames a live finding cites can be opened in Wireshark afterwards.
 *
 * Only the frames the dissectors used are written (the pipeline's frame
 * hooks, capture/pipeline.h, through a TwRingTap per pipeline): a ring
 * file's frame k is the k-th frame written to it, and the ring keeps, per
 * file, which run frame number each one is, so tw_ring_locate tells which
 * file and which in-file frame hold run frame N.  The IP fragments of a
 * used datagram are written when it completes, just before the frame that
 * completed it.  Files are DIR/trustwire_NNNNN_YYYYmmddHHMMSS.pcapng; a new
 * one starts when the current one reaches the size limit (or
 * TW_RING_FILE_FRAMES_MAX frames), and beyond `files` the oldest is deleted
 * (dumpcap's -b filesize:KB,files:N, here in MB).  Every call is
 * thread-safe (the capture workers of --workers N share one ring). */
#pragma once

#include "frame.h"
#include "pipeline.h"

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
 * (transfer full): free with g_free(). */
bool tw_ring_locate(TwRing *r, guint64 frame, char **file, guint64 *in_file);
/* Frames written, and IP fragment copies dropped before their datagram was
 * complete (TW_RING_HELD_FRAMES, TW_RING_HELD_BYTES), so far. */
void tw_ring_counts(TwRing *r, guint64 *written, guint64 *fragments_not_kept);

/* One pipeline's used frames into the ring: give tw_ring_tap_hooks() as the
 * pipeline's frame_hooks; the tap is used by that pipeline's thread only
 * (it keeps copies of the IP fragments the pipeline holds).  A write error
 * is said once on stderr: the ring stops, the capture goes on.
 * Returns: (transfer full): free with tw_ring_tap_free(), after the pipeline. */
typedef struct TwRingTap TwRingTap;
TwRingTap *tw_ring_tap_new(TwRing *r);
/* Returns: (transfer none): valid while t lives. */
const TwFrameHooks *tw_ring_tap_hooks(TwRingTap *t);
void tw_ring_tap_free(TwRingTap *t);
/* Writes out what stdio buffers, so a finding's frames are in the file
 * when it is announced. */
void tw_ring_flush(TwRing *r);
/* The first write error, or NULL (transfer none: valid while r lives). */
const char *tw_ring_error(const TwRing *r);
void tw_ring_free(TwRing *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwRing, tw_ring_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwRingTap, tw_ring_tap_free)
