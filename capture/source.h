/* source.h — where frames come from: capture files (pcap, pcapng, "-" for
 * stdin, several read in order) or a live interface. */
#pragma once

#include "frame.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TwSource TwSource;

/* Live capture defaults (docs/capture.md "Live capture sizing"). */
#define TW_LIVE_SNAPLEN_DEFAULT 262144        /* never cut: every TCP byte feeds reassembly */
#define TW_LIVE_BUFFER_MIB_DEFAULT 64         /* kernel ring (-B): 1 Gbit/s for ~0.5 s */
#define TW_LIVE_TIMEOUT_MS 100                /* TPACKET_V3 block retire timeout */

typedef struct {
    const char *iface;  /* live interface name */
    const char *filter; /* BPF filter, may be NULL */
    int snaplen;        /* 0: TW_LIVE_SNAPLEN_DEFAULT */
    int buffer_mib;     /* kernel ring in MiB; 0: TW_LIVE_BUFFER_MIB_DEFAULT */
    bool no_promisc;    /* -p: do not put the interface in promiscuous mode */
    bool immediate;     /* immediate mode: libpcap then uses TPACKET_V2 with one
                         * snaplen-sized slot per packet (few slots: drops) */
    /* > 1: that many sockets in one PACKET_FANOUT group (capture/fanout.h),
     * each with buffer_mib / fanout of the ring, read by one worker each
     * through tw_source_member(); 0 or 1: one socket. */
    guint fanout;
    int fanout_mode;    /* TwFanoutMode (capture/fanout.h); 0: the symmetric classic-BPF hash */
} TwLiveOptions;

/* Capture statistics of a live source since it was opened (pcap_stats,
 * widened to 64 bits across the 32-bit wrap of libpcap's counters). */
typedef struct {
    guint64 received;     /* packets the kernel filter accepted (ps_recv) */
    guint64 kernel_drops; /* dropped because the ring was full (ps_drop) */
    guint64 if_drops;     /* dropped by the interface or its driver (ps_ifdrop) */
} TwCaptureStats;

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

/* Live: as tw_source_next, but returns 2 when the read timeout passed with
 * no packet or tw_source_wake was called, so a service loop can act on its
 * timers and signals between packets. */
int tw_source_next_live(TwSource *src, TwFrame *out, GError **err);
/* A fan-out source (TwLiveOptions.fanout > 1): its sockets.  Each member
 * is read by one thread (tw_source_next_live); frame numbers are taken
 * from one counter for the run, in the order the members read them; frames
 * captured before the group was complete are not handed out (they may have
 * reached two sockets).  tw_source_live_stats of the fan-out source adds
 * up the members' (the counts each member took at its last read of them):
 * received and kernel drops over the sockets, interface drops once (every
 * socket reads the same interface counter).  tw_source_break, _wake and
 * set_max_frames of the fan-out source apply to every member.
 * Returns: 0 for another source; (transfer none) member i. */
guint tw_source_members(const TwSource *src);
TwSource *tw_source_member(TwSource *src, guint i);

/* Async-signal-safe: makes a waiting tw_source_next_live return 2 soon. */
void tw_source_wake(TwSource *src);

/* Async-signal-safe: makes tw_source_next return 0 soon (live capture). */
void tw_source_break(TwSource *src);

/* The counters of a live capture so far; false for files, or when libpcap
 * cannot say (then the last good values stay in *out). */
bool tw_source_live_stats(TwSource *src, TwCaptureStats *out);
/* What the live source captures, for the start line: "eth0 (Ethernet),
 * snaplen 262144, buffer 64 MiB, promiscuous, filter 'port 88'".
 * Returns: (transfer full): free with g_free(); NULL for files. */
char *tw_source_describe(const TwSource *src);
/* The pcap selectable fd of a live source (-1 for files). */
int tw_source_fd(const TwSource *src);
/* -D: prints the capture interfaces, one per line (number, name, description,
 * flags) on out; false + GError when libpcap cannot list them. */
bool tw_source_list_interfaces(FILE *out, GError **err);
/* Link type of the live source (DLT_*), 0 for files. */
int tw_source_linktype(const TwSource *src);

/* Prints "received/dropped" counters of a live capture; nothing for files. */
void tw_source_print_stats(TwSource *src, FILE *out);
bool tw_source_is_live(const TwSource *src);
/* The file being read (as given; "standard input" for "-") or the
 * interface.  Returns: (transfer none): owned by src, valid until the next
 * tw_source_next(). */
const char *tw_source_current_name(const TwSource *src);

/* End after n frames that pass the filter (-c; 0 = no limit): files, and
 * fan-out sources (the members stop once n frames were handed out). */
void tw_source_set_max_frames(TwSource *src, guint64 n);
void tw_source_free(TwSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSource, tw_source_free)
