/* source.c — frames from capture files (pcap, pcapng; "-" is stdin; several
 * files in order) or from a live interface, through libpcap.
 *
 * Frame numbers are 1-based and continue across files, as tshark numbers
 * the frames of files read one after another.  Files are read by our own
 * reader (savefile.c) because libpcap 1.10 refuses pcapng files whose
 * interfaces differ in snapshot length or link type; each frame carries its
 * own interface's link type.  libpcap serves live capture and compiles BPF
 * filters (applied to file frames with pcap_offline_filter).  A file cut
 * mid-record yields every whole frame before the cut, then an error. */
#include "source.h"
#include "savefile.h"
#include "source-keep.h"
#include "decompress.h"
#include "fanout.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

struct TwSource {
    pcap_t *pcap;       /* live capture */
    TwSavefile *file;   /* capture file being read */
    bool live;
    char **paths;       /* all files, in order (owned) */
    guint next_path;
    char *current;      /* name of the file or interface, for messages */
    const char *compression; /* "gzip", "zstd" or NULL: the current file's, for messages */
    char decompress_why[TW_DECOMPRESS_WHY]; /* a compressed file's damage, for messages */
    char *filter;
    GHashTable *programs; /* file linktype -> struct bpf_program* (compiled filter) */
    int linktype;
    guint64 frame_no;
    guint64 file_frame_no; /* frames of the current file read so far */
    guint64 max_frames, frames_out; /* -c on files: frames handed out (after the filter) */
    volatile sig_atomic_t stop;
    /* live: what was asked for, for the start line */
    int snaplen, buffer_mib;
    bool promisc;
    /* live: pcap_stats is 32-bit and wraps; the last raw values and the sums */
    guint32 raw_recv, raw_drop, raw_ifdrop;
    TwCaptureStats stats;
    /* fan-out (TwLiveOptions.fanout > 1): the parent holds the members, a
     * member points at its parent; stats of members under the parent's lock */
    TwSource **members;
    guint nmembers;
    TwSource *parent;
    GMutex stats_lock;
    gint64 since_us;          /* parent: the group was complete from then on */
    _Atomic guint64 next_no;  /* parent: frame numbers of the run */
    int fanout_mode;
    /* tw_source_keep: files read to their end whose frames may still be in
     * use (TwSavefile, retired), each with its end's mark; the mark of the
     * current file's first byte */
    bool keep;
    GPtrArray *retired;
    GArray *retired_end; /* guint64 */
    guint64 mark_base;
};

GQuark tw_source_error_quark(void);
G_DEFINE_QUARK(tw-source-error-quark, tw_source_error)

static bool apply_filter(pcap_t *p, const char *filter, const char *what, GError **err)
{
    if (!filter || !*filter)
        return true;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        g_set_error(err, tw_source_error_quark(), 1, "%s: bad filter '%s': %s", what, filter,
                    pcap_geterr(p));
        return false;
    }
    int r = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (r < 0) {
        g_set_error(err, tw_source_error_quark(), 1, "%s: cannot set filter: %s", what,
                    pcap_geterr(p));
        return false;
    }
    return true;
}

static void program_free(gpointer p)
{
    pcap_freecode(p);
    g_free(p);
}

/* The filter compiled for a file link type (LINKTYPE_* as files store it). */
static struct bpf_program *program_for(TwSource *s, int linktype, GError **err)
{
    struct bpf_program *prog = g_hash_table_lookup(s->programs, GINT_TO_POINTER(linktype));
    if (prog)
        return prog;
    /* LINKTYPE_RAW (101) is DLT_RAW for libpcap; other common values agree. */
    int dlt = linktype == 101 ? DLT_RAW : linktype;
    pcap_t *dead = pcap_open_dead(dlt, 262144);
    prog = g_new0(struct bpf_program, 1);
    if (!dead || pcap_compile(dead, prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        g_set_error(err, tw_source_error_quark(), 1, "bad filter '%s' for link type %d: %s",
                    s->filter, linktype, dead ? pcap_geterr(dead) : "no compiler");
        g_free(prog);
        if (dead)
            pcap_close(dead);
        return NULL;
    }
    pcap_close(dead);
    g_hash_table_insert(s->programs, GINT_TO_POINTER(linktype), prog);
    return prog;
}

static bool open_file(TwSource *s, const char *path, GError **err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "standard input" : path;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        int e = errno;
        g_set_error(err, tw_source_error_quark(), 1, "cannot read %s: %s", shown, g_strerror(e));
        return false;
    }
    GError *local = NULL;
    const char *kind = NULL;
    fp = tw_decompress_open(fp, shown, &kind, s->decompress_why, &local);
    if (!fp) {
        g_set_error(err, tw_source_error_quark(), 1, "%s", local->message);
        g_error_free(local);
        return false;
    }
    /* a damaged compressed file is named as such in every later message */
    g_autofree char *named = kind ? g_strdup_printf("%s (%s-compressed)", shown, kind) : g_strdup(shown);
    TwSavefile *sf = tw_savefile_open(fp, named, &local);
    if (!sf) {
        g_set_error(err, tw_source_error_quark(), 1, "%s: %s", named,
                    s->decompress_why[0] ? s->decompress_why : local->message);
        g_error_free(local);
        return false;
    }
    tw_savefile_free(s->file);
    s->file = sf;
    if (s->keep)
        tw_savefile_release_below(sf, 0); /* until tw_source_release says */
    g_free(s->current);
    s->current = g_strdup(shown);
    s->file_frame_no = 0;
    s->compression = kind;
    return true;
}

TwSource *tw_source_open_files(char **paths, const char *filter, GError **err)
{
    if (!paths || !paths[0]) {
        g_set_error(err, tw_source_error_quark(), 1, "no capture file given");
        return NULL;
    }
    TwSource *s = g_new0(TwSource, 1);
    s->paths = g_strdupv(paths);
    s->filter = filter && *filter ? g_strdup(filter) : NULL;
    s->programs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, program_free);
    if (!open_file(s, s->paths[0], err)) {
        tw_source_free(s);
        return NULL;
    }
    /* A bad filter fails now, not at the first packet. */
    int lt = tw_savefile_first_linktype(s->file);
    if (s->filter && !program_for(s, lt ? lt : 1, err)) {
        tw_source_free(s);
        return NULL;
    }
    s->next_path = 1;
    return s;
}

/* tw_savefile_next returned r <= 0 for the current file: -1 (an error,
 * in err), 0 (no more files) or 1 (the next file is open).  Out of line,
 * as filter_drops: next_file_frame's common case is a record passed on. */
static __attribute__((noinline)) int file_ended(TwSource *s, int r, GError *local, GError **err)
{
    if (r < 0) {
        /* Every whole frame before the cut was returned already. */
        g_set_error(err, tw_source_error_quark(), 1, "%s%s%s%s: %s (after frame %" G_GUINT64_FORMAT ")",
                    s->current, s->compression ? " (" : "", s->compression ? s->compression : "",
                    s->compression ? "-compressed)" : "", s->decompress_why[0] ? s->decompress_why : local->message, s->frame_no);
        g_error_free(local);
        return -1;
    }
    guint64 end = s->mark_base + tw_savefile_pos(s->file);
    if (s->keep && tw_savefile_mapped(s->file) && s->file_frame_no) {
        /* Its frames may be in a batch still: mapped until released. */
        tw_savefile_retire(s->file);
        g_ptr_array_add(s->retired, g_steal_pointer(&s->file));
        g_array_append_val(s->retired_end, end);
    } else {
        g_clear_pointer(&s->file, tw_savefile_free);
    }
    s->mark_base = end + 1; /* the next file's marks are all later */
    if (!s->paths[s->next_path])
        return 0;
    if (!open_file(s, s->paths[s->next_path++], err))
        return -1;
    return 1;
}

/* -f: 1 when the filter rejects the record, 0 when it passes, -1 on an
 * error (no program for its link type, in err). */
static __attribute__((noinline)) int filter_drops(TwSource *s, const TwSavefileRecord *rec, GError **err)
{
    struct bpf_program *prog = program_for(s, rec->linktype, err);
    if (!prog)
        return -1;
    struct pcap_pkthdr h = { .caplen = rec->caplen, .len = rec->origlen };
    return pcap_offline_filter(prog, &h, rec->data) ? 0 : 1;
}

static int next_file_frame(TwSource *s, TwFrame *out, GError **err)
{
    for (;;) {
        if (s->stop || !s->file || (s->max_frames && s->frames_out >= s->max_frames))
            return 0;
        TwSavefileRecord rec;
        GError *local = NULL;
        int r = tw_savefile_next(s->file, &rec, &local);
        if (r <= 0) {
            r = file_ended(s, r, local, err);
            if (r <= 0)
                return r;
            continue;
        }
        /* tshark numbers every frame, filtered or not; so do we. */
        ++s->frame_no;
        ++s->file_frame_no;
        if (s->filter) {
            int drop = filter_drops(s, &rec, err);
            if (drop < 0)
                return -1;
            if (drop)
                continue;
        }
        out->no = s->frame_no;
        out->file_no = s->file_frame_no;
        out->ts_us = rec.ts_us;
        out->linktype = rec.linktype;
        out->data = rec.data;
        out->caplen = rec.caplen;
        out->origlen = rec.origlen;
        s->frames_out++;
        return 1;
    }
}

void tw_source_keep(TwSource *s)
{
    if (s->live || s->keep)
        return;
    s->keep = true;
    s->retired = g_ptr_array_new_with_free_func((GDestroyNotify)tw_savefile_free);
    s->retired_end = g_array_new(FALSE, FALSE, sizeof(guint64));
    if (s->file)
        tw_savefile_release_below(s->file, 0);
}

bool tw_source_kept(const TwSource *s)
{
    return s->keep && s->file && tw_savefile_mapped(s->file);
}

guint64 tw_source_mark(const TwSource *s)
{
    return s->mark_base + (s->file ? tw_savefile_pos(s->file) : 0);
}

void tw_source_release(TwSource *s, guint64 mark)
{
    if (!s->keep)
        return;
    guint done = 0;
    while (done < s->retired->len && g_array_index(s->retired_end, guint64, done) <= mark)
        done++;
    if (done) {
        g_ptr_array_remove_range(s->retired, 0, done);
        g_array_remove_range(s->retired_end, 0, done);
    }
    if (s->file && mark >= s->mark_base)
        tw_savefile_release_below(s->file, mark - s->mark_base);
}

void tw_source_set_max_frames(TwSource *s, guint64 n)
{
    s->max_frames = n;
}

static TwSource *open_one(const TwLiveOptions *opt, GError **err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(opt->iface, errbuf);
    if (!p) {
        g_set_error(err, tw_source_error_quark(), 1, "cannot capture on %s: %s", opt->iface,
                    errbuf);
        return NULL;
    }
    int snaplen = opt->snaplen > 0 ? opt->snaplen : TW_LIVE_SNAPLEN_DEFAULT;
    int buffer_mib = opt->buffer_mib > 0 ? opt->buffer_mib : TW_LIVE_BUFFER_MIB_DEFAULT;
    pcap_set_snaplen(p, snaplen);
    pcap_set_promisc(p, opt->no_promisc ? 0 : 1);
    /* Immediate mode off: libpcap uses TPACKET_V3, whose ring blocks hold
     * packets packed by their captured size, so a large snaplen costs no
     * slots; a block is handed over when full or after the timeout.  With
     * immediate mode libpcap falls back to TPACKET_V2, one snaplen-sized
     * slot per packet: 262144-byte slots in a 2 MiB default ring gave 8
     * slots, and drops at 100 Mbit/s (issue 12). */
    pcap_set_timeout(p, TW_LIVE_TIMEOUT_MS);
    pcap_set_buffer_size(p, buffer_mib * 1024 * 1024);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    if (opt->immediate)
        pcap_set_immediate_mode(p, 1);
    int r = pcap_activate(p);
    if (r < 0) {
        const char *why = pcap_geterr(p);
        if (r == PCAP_ERROR_NO_SUCH_DEVICE)
            g_set_error(err, tw_source_error_quark(), 1, "cannot capture on %s: no such interface (%s)",
                        opt->iface, why);
        else if (r == PCAP_ERROR_PERM_DENIED)
            g_set_error(err, tw_source_error_quark(), 1,
                        "cannot capture on %s: permission denied (run as root or give the binary "
                        "CAP_NET_RAW) (%s)", opt->iface, why);
        else
            g_set_error(err, tw_source_error_quark(), 1, "cannot capture on %s: %s (%s)", opt->iface,
                        pcap_statustostr(r), why);
        pcap_close(p);
        return NULL;
    }
    if (r > 0)
        fprintf(stderr, "trustwire: %s: %s\n", opt->iface, pcap_geterr(p));
    if (!apply_filter(p, opt->filter, opt->iface, err)) {
        pcap_close(p);
        return NULL;
    }
    /* Non-blocking, and we poll the socket ourselves with the read timeout:
     * with TPACKET_V3 libpcap waits for a retired ring block with no
     * timeout of its own, and the kernel retires no empty block, so on a
     * quiet interface a blocking read would never return and the service
     * loop's timers (--report-every, capture records) would stop. */
    if (pcap_setnonblock(p, 1, errbuf) < 0) {
        g_set_error(err, tw_source_error_quark(), 1, "cannot capture on %s: %s", opt->iface, errbuf);
        pcap_close(p);
        return NULL;
    }
    TwSource *s = g_new0(TwSource, 1);
    s->pcap = p;
    s->live = true;
    s->linktype = pcap_datalink(p);
    s->current = g_strdup(opt->iface);
    s->filter = opt->filter && *opt->filter ? g_strdup(opt->filter) : NULL;
    s->snaplen = pcap_snapshot(p);
    s->buffer_mib = buffer_mib;
    s->promisc = !opt->no_promisc;
    return s;
}

TwSource *tw_source_open_live(const TwLiveOptions *opt, GError **err)
{
    if (opt->fanout <= 1)
        return open_one(opt, err);
    int buffer_mib = opt->buffer_mib > 0 ? opt->buffer_mib : TW_LIVE_BUFFER_MIB_DEFAULT;
    TwSource *s = g_new0(TwSource, 1);
    s->live = true;
    g_mutex_init(&s->stats_lock);
    s->members = g_new0(TwSource *, opt->fanout);
    g_autofree int *fds = g_new0(int, opt->fanout);
    /* -B is the whole: each socket's ring holds its share of the packets */
    TwLiveOptions one = *opt;
    one.fanout = 0;
    one.buffer_mib = MAX(buffer_mib / (int)opt->fanout, 2);
    for (guint i = 0; i < opt->fanout; i++) {
        TwSource *m = open_one(&one, err);
        if (!m) {
            tw_source_free(s);
            return NULL;
        }
        m->parent = s;
        s->members[s->nmembers++] = m;
        fds[i] = pcap_get_selectable_fd(m->pcap);
    }
    if (!tw_fanout_join(fds, s->nmembers, opt->fanout_mode, opt->iface, err)) {
        tw_source_free(s);
        return NULL;
    }
    /* What reached a socket before the group was complete may have reached
     * another one as well: not handed out, not counted. */
    s->since_us = g_get_real_time();
    for (guint i = 0; i < s->nmembers; i++) {
        TwSource *m = s->members[i];
        TwCaptureStats ignored;
        tw_source_live_stats(m, &ignored);
        memset(&m->stats, 0, sizeof m->stats);
    }
    TwSource *m0 = s->members[0];
    s->linktype = m0->linktype;
    s->current = g_strdup(opt->iface);
    s->filter = m0->filter ? g_strdup(m0->filter) : NULL;
    s->snaplen = m0->snaplen;
    s->buffer_mib = m0->buffer_mib * (int)s->nmembers;
    s->promisc = m0->promisc;
    s->fanout_mode = opt->fanout_mode;
    return s;
}

guint tw_source_members(const TwSource *s)
{
    return s->nmembers;
}

TwSource *tw_source_member(TwSource *s, guint i)
{
    return i < s->nmembers ? s->members[i] : NULL;
}

bool tw_source_live_stats(TwSource *s, TwCaptureStats *out)
{
    if (s->nmembers) {
        /* received and kernel drops per socket; the interface's drops are
         * the one counter every socket reads */
        TwCaptureStats sum = { 0 };
        g_mutex_lock(&s->stats_lock);
        for (guint i = 0; i < s->nmembers; i++) {
            const TwCaptureStats *m = &s->members[i]->stats;
            sum.received += m->received;
            sum.kernel_drops += m->kernel_drops;
            sum.if_drops = MAX(sum.if_drops, m->if_drops);
        }
        g_mutex_unlock(&s->stats_lock);
        *out = s->stats = sum;
        return true;
    }
    if (!s->live || !s->pcap)
        return false;
    struct pcap_stat st;
    if (pcap_stats(s->pcap, &st) < 0) {
        *out = s->stats;
        return false;
    }
    GMutex *lock = s->parent ? &s->parent->stats_lock : NULL;
    if (lock)
        g_mutex_lock(lock);
    /* Unsigned differences are right across one wrap of a 32-bit counter;
     * we read them far more often than every 2^32 packets. */
    s->stats.received += (guint32)(st.ps_recv - s->raw_recv);
    s->stats.kernel_drops += (guint32)(st.ps_drop - s->raw_drop);
    /* The interface's counter (/proc/net/dev through libpcap) is not the
     * socket's: it can step back (a driver reset, a counter rewritten), and a
     * step back is not four billion drops. */
    gint32 if_step = (gint32)(guint32)(st.ps_ifdrop - s->raw_ifdrop);
    if (if_step > 0)
        s->stats.if_drops += (guint32)if_step;
    s->raw_recv = st.ps_recv;
    s->raw_drop = st.ps_drop;
    s->raw_ifdrop = st.ps_ifdrop;
    *out = s->stats;
    if (lock)
        g_mutex_unlock(lock);
    return true;
}

char *tw_source_describe(const TwSource *s)
{
    if (!s->live)
        return NULL;
    const char *dlt = pcap_datalink_val_to_description(s->linktype);
    GString *g = g_string_new(NULL);
    g_string_append_printf(g, "%s (%s), snaplen %d, buffer %d MiB", s->current,
                           dlt ? dlt : "unknown link type", s->snaplen, s->buffer_mib);
    if (s->nmembers)
        g_string_append_printf(g, " in %u fan-out sockets (%s)", s->nmembers, tw_fanout_mode_name(s->fanout_mode));
    g_string_append_printf(g, ", %s", s->promisc ? "promiscuous" : "not promiscuous");
    if (s->filter)
        g_string_append_printf(g, ", filter '%s'", s->filter);
    else
        g_string_append(g, ", no filter");
    return g_string_free(g, FALSE);
}

int tw_source_fd(const TwSource *s)
{
    return s->live && s->pcap ? pcap_get_selectable_fd(s->pcap) : -1;
}

int tw_source_linktype(const TwSource *s)
{
    return s->live ? s->linktype : 0;
}

bool tw_source_list_interfaces(FILE *out, GError **err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, errbuf) < 0) {
        g_set_error(err, tw_source_error_quark(), 1, "cannot list interfaces: %s", errbuf);
        return false;
    }
    int n = 0;
    for (pcap_if_t *d = all; d; d = d->next) {
        fprintf(out, "%d. %s", ++n, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        const char *state = NULL;
        switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED: state = "Connected"; break;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED: state = "Disconnected"; break;
        default: break;
        }
        fprintf(out, " [%s%s%s%s%s]\n", (d->flags & PCAP_IF_UP) ? "Up" : "Down",
                (d->flags & PCAP_IF_RUNNING) ? ", Running" : "",
                (d->flags & PCAP_IF_LOOPBACK) ? ", Loopback" : "", state ? ", " : "", state ? state : "");
    }
    pcap_freealldevs(all);
    if (n == 0)
        fprintf(out, "no capture interfaces found (or none this user may open)\n");
    return true;
}

static int next_live_frame(TwSource *s, TwFrame *out, GError **err, bool return_idle)
{
    TwSource *parent = s->parent;
    if (s->nmembers) {
        g_set_error(err, tw_source_error_quark(), 1, "%s: a fan-out source is read through its members", s->current);
        return -1;
    }
    for (;;) {
        if (s->stop || !s->pcap || (parent && parent->stop))
            return 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(s->pcap, &h, &data);
        if (r == 1) {
            gint64 ts = (gint64)h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
            if (parent) {
                if (ts < parent->since_us)
                    continue; /* before the group was complete */
                guint64 no = atomic_fetch_add_explicit(&parent->next_no, 1, memory_order_relaxed) + 1;
                if (parent->max_frames && no > parent->max_frames) {
                    tw_source_break(parent); /* -c N: N frames were handed out */
                    return 0;
                }
                out->no = out->file_no = no;
            } else {
                out->no = out->file_no = ++s->frame_no;
            }
            out->ts_us = ts;
            out->linktype = s->linktype;
            out->data = data;
            out->caplen = h->caplen;
            out->origlen = h->len < h->caplen ? h->caplen : h->len;
            return 1;
        }
        if (r == 0) {
            /* Nothing in the ring: wait for a block (or the timeout, or a
             * signal: poll is never restarted after a handler). */
            struct pollfd pfd = { .fd = pcap_get_selectable_fd(s->pcap), .events = POLLIN };
            int pr = poll(&pfd, 1, TW_LIVE_TIMEOUT_MS);
            if (pr > 0)
                continue;
            if (return_idle)
                return 2;
            continue; /* timeout with no packet: check stop and go on */
        }
        if (r == PCAP_ERROR_BREAK) {
            /* tw_source_break (stop set) or tw_source_wake */
            if (s->stop || !return_idle)
                return 0;
            return 2;
        }
        g_set_error(err, tw_source_error_quark(), 1, "%s: %s (after frame %" G_GUINT64_FORMAT ")",
                    s->current, pcap_geterr(s->pcap), s->frame_no);
        return -1;
    }
}

int tw_source_next(TwSource *s, TwFrame *out, GError **err)
{
    if (!s->live)
        return next_file_frame(s, out, err);
    return next_live_frame(s, out, err, false);
}

int tw_source_next_live(TwSource *s, TwFrame *out, GError **err)
{
    if (!s->live)
        return next_file_frame(s, out, err);
    return next_live_frame(s, out, err, true);
}

void tw_source_wake(TwSource *s)
{
    /* pcap_breakloop: a flag plus an eventfd write, async-signal-safe. */
    if (s->pcap)
        pcap_breakloop(s->pcap);
    for (guint i = 0; i < s->nmembers; i++)
        tw_source_wake(s->members[i]);
}

void tw_source_break(TwSource *s)
{
    /* Async-signal-safe: a flag, and pcap_breakloop (a flag plus, on Linux,
     * a write to an eventfd that wakes a blocked poll). */
    s->stop = 1;
    if (s->pcap)
        pcap_breakloop(s->pcap);
    for (guint i = 0; i < s->nmembers; i++)
        tw_source_break(s->members[i]);
}

void tw_source_print_stats(TwSource *s, FILE *out)
{
    if (!s->live || (!s->pcap && !s->nmembers))
        return;
    TwCaptureStats st;
    if (!tw_source_live_stats(s, &st)) {
        fprintf(out, "trustwire: %s: no capture statistics: %s\n", s->current, pcap_geterr(s->pcap));
        return;
    }
    fprintf(out, "trustwire: %s: %" G_GUINT64_FORMAT " packets received, %" G_GUINT64_FORMAT
                 " dropped by the kernel, %" G_GUINT64_FORMAT " dropped by the interface\n",
            s->current, st.received, st.kernel_drops, st.if_drops);
}

const char *tw_source_current_name(const TwSource *s)
{
    return s->current;
}

bool tw_source_is_live(const TwSource *s)
{
    return s->live;
}

void tw_source_free(TwSource *s)
{
    if (!s)
        return;
    if (s->pcap)
        pcap_close(s->pcap);
    for (guint i = 0; i < s->nmembers; i++)
        tw_source_free(s->members[i]);
    g_free(s->members);
    if (s->nmembers || s->members)
        g_mutex_clear(&s->stats_lock);
    tw_savefile_free(s->file);
    if (s->retired)
        g_ptr_array_unref(s->retired);
    if (s->retired_end)
        g_array_unref(s->retired_end);
    if (s->programs)
        g_hash_table_unref(s->programs);
    g_strfreev(s->paths);
    g_free(s->current);
    g_free(s->filter);
    g_free(s);
}
