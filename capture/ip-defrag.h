/* ip-defrag.h — IPv4 and IPv6 fragment reassembly.
 *
 * Datagrams are keyed by (version, src, dst, id, proto).  Fragments may come
 * in any order.  Overlaps keep the first-received bytes (first wins) and
 * count as anomaly "ip_frag_overlap" (and "ip_frag_conflict" when the
 * overlapping bytes differ).  Caps: TW_DEFRAG_MAX_DATAGRAMS concurrent
 * datagrams (the oldest is evicted), TW_DEFRAG_MAX_FRAGMENTS fragments and
 * TW_DEFRAG_MAX_BYTES bytes per datagram (the datagram is dropped), and
 * TW_DEFRAG_TIMEOUT_US of capture time since the first fragment. */
#pragma once

#include "ip.h"
#include "notify.h"

typedef struct TwDefrag TwDefrag;

typedef struct {
    guint8 *data;     /* reassembled payload (transfer full, g_free) */
    guint32 caplen;   /* bytes actually captured from the start */
    guint32 len;      /* reassembled payload length */
    guint64 *frames;  /* with tw_defrag_track_frames: the frame numbers of its fragments in
                       * the order they came (the last completed it), (transfer full, g_free);
                       * else NULL */
    guint nframes;
} TwDefragResult;

/* `notify` (transfer none) must outlive d.
 * Returns: (transfer full): free with tw_defrag_free(). */
TwDefrag *tw_defrag_new(TwCapNotify *notify);
/* Adds the fragment described by ip (is_fragment set) seen at ts_us.
 * Returns true and fills *res when the datagram is complete: res->data is
 * (transfer full), the caller frees it with g_free(). */
bool tw_defrag_add(TwDefrag *d, const TwIpPacket *ip, gint64 ts_us, TwDefragResult *res);
/* The same, remembering `frame_no` for res->frames (tw_defrag_track_frames). */
bool tw_defrag_add_frame(TwDefrag *d, const TwIpPacket *ip, gint64 ts_us, guint64 frame_no, TwDefragResult *res);
/* Remember which frames each datagram came in (-w DIR keeps them all). */
void tw_defrag_track_frames(TwDefrag *d, bool on);
/* Drops datagrams whose first fragment is older than TW_DEFRAG_TIMEOUT_US
 * (also done by every tw_defrag_add). */
void tw_defrag_expire(TwDefrag *d, gint64 now_us);
/* The capture time after which tw_defrag_expire would drop something. */
gint64 tw_defrag_next_expiry(const TwDefrag *d);
/* A shard of a --workers run holds TW_DEFRAG_MAX_DATAGRAMS / shards. */
void tw_defrag_set_max(TwDefrag *d, guint max_datagrams);
/* Drops incomplete datagrams (end of capture), counting them. */
void tw_defrag_flush(TwDefrag *d);
guint tw_defrag_pending(const TwDefrag *d);
void tw_defrag_free(TwDefrag *d); /* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwDefrag, tw_defrag_free)
