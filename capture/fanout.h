/* fanout.h — live capture on several threads (`-i IFACE --workers N`).
 *
 * N AF_PACKET sockets on the interface join one PACKET_FANOUT group
 * (tw_source_open_live with TwLiveOptions.fanout = N, capture/source.h); the
 * kernel hands each packet to one of them.  Which one is decided by our own
 * classic-BPF program (PACKET_FANOUT_CBPF): a hash of the *unordered* IP
 * address pair, so both directions of every flow, every fragment of a
 * datagram, and the endpoint-mapper exchange with the connection it
 * announces meet on one socket, as the file workers' shards do
 * (capture/workers.h).  The kernel's own PACKET_FANOUT_HASH is not enough:
 * its flow hash is symmetric but takes the ports of whole packets and not
 * of fragments (and, depending on the kernel, of a first fragment), so an
 * address pair's connections, its fragmented datagrams and an endpoint-
 * mapper answer with the connection it announces may part (measured by
 * tests/live/test-live-fanout.sh: 75 of 192 address pairs split on Linux
 * 6.18, none with our program).  Non-IP frames go to the first socket.
 *
 * Each socket is read by one worker thread that runs a whole pipeline
 * (link → IP → flows → dissectors, with 1/N of every shared cap), and, with
 * -w, writes the frames it used to the one ring.  The events of all workers
 * are merged on the calling thread in capture-time order: an event is handed
 * on once every other worker has either an event queued or has processed
 * its socket up to a later time (its watermark: the time of its last frame,
 * or, while its socket is idle, the wall clock less two ring-block
 * timeouts).  An event that still arrives later than one handed on already
 * is handed on at once and counted (fanout.late_events). */
#pragma once

#include "pipeline.h"
#include "ring.h"
#include "source.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum {
    TW_FANOUT_ADDRESS_PAIR = 0, /* PACKET_FANOUT_CBPF with the program above */
    TW_FANOUT_KERNEL_HASH = 1,  /* PACKET_FANOUT_HASH (tests: what it splits) */
} TwFanoutMode;

/* "symmetric address-pair hash" or "kernel flow hash". */
const char *tw_fanout_mode_name(int mode);

/* Joins the n bound AF_PACKET sockets fds (libpcap's, activated) into one
 * new fan-out group of `mode` (a unique group id from the kernel).  False
 * with *err when the kernel refuses. */
bool tw_fanout_join(const int *fds, guint n, int mode, const char *iface, GError **err);

/* The default --workers of -i: one per processor (at most
 * TW_WORKER_SHARDS), measured in bench/README.md ("Live capture"). */
guint tw_fanout_default_workers(void);

typedef struct TwFanout TwFanout;

typedef struct {
    bool want_tree;
    bool quiet;
    struct TwKeyStore *keys; /* shared by every worker (read-only), or NULL */
    bool show_keys;
    TwRing *ring;            /* -w DIR (transfer none), or NULL */
    /* Each frame a worker reads, before it is dissected (the capture health
     * a small -s or a clock hurts), called under frame_lock: the thread that
     * reads what on_frame writes takes the same lock.  NULL: none. */
    void (*on_frame)(const TwFrame *fr, void *user);
    void *on_frame_user;
    GMutex *frame_lock;
} TwFanoutConfig;

/* One pipeline per member of the fan-out source `src` (transfer none: must
 * outlive the TwFanout).  No thread runs yet.
 * Returns: (transfer full): free with tw_fanout_free(). */
TwFanout *tw_fanout_new(TwSource *src, const TwFanoutConfig *cfg);
/* Starts the workers (after privileges are dropped: capabilities are per
 * thread).  Worker threads block every signal; the calling thread gets them. */
void tw_fanout_start(TwFanout *f);
/* The next event in time order (transfer full: free with tw_event_free()),
 * waiting at most wait_us: 1 an event, 2 none yet, 0 every worker has
 * ended (tw_source_break, -c, or an error) and every event was handed on;
 * -1 once when a worker's socket failed (*err set; the others go on). */
int tw_fanout_next(TwFanout *f, TwEvent **ev, gint64 wait_us, GError **err);
/* The workers' pipeline counters added up, plus fanout.* (events handed
 * late, per-worker frames).  Returns: (transfer full): g_hash_table_unref(). */
GHashTable *tw_fanout_counters(TwFanout *f);
void tw_fanout_print_stats(TwFanout *f, FILE *out);
/* Stops and joins the workers (if running), frees their pipelines and any
 * event not handed on. */
void tw_fanout_free(TwFanout *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwFanout, tw_fanout_free)
