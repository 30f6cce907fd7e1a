/* fanout.c — live capture on several threads: the PACKET_FANOUT group and
 * its classic-BPF program, one pipeline per socket, the merge by capture
 * time (fanout.h). */
#include "fanout.h"
#include "notify.h"
#include "dissectors/framer.h"
#include "core/tw-limits.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

GQuark tw_fanout_error_quark(void);
G_DEFINE_QUARK(tw-fanout-error-quark, tw_fanout_error)

const char *tw_fanout_mode_name(int mode)
{
    return mode == TW_FANOUT_KERNEL_HASH ? "kernel flow hash" : "symmetric address-pair hash";
}

guint tw_fanout_default_workers(void)
{
    /* one per processor: on the 2-CPU bench machine, shared with other jobs,
     * one worker lost packets from 1.3 Gbit/s, two none up to 2.9 Gbit/s,
     * for the same CPU time (bench/README.md, "Live capture") */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > TW_WORKER_SHARDS ? TW_WORKER_SHARDS : (guint)n;
}

/* ---- the group ---- */

/* The socket of a packet, as classic BPF (the kernel takes the result
 * modulo the number of sockets).  Loads relative to the network header
 * (SKF_NET_OFF), so the link layer does not matter (a VLAN tag is in the
 * packet's metadata by the time the packet taps run).  The two addresses
 * are added, word by word: the sum is the same both ways.  Then a
 * multiplicative hash (Knuth's 2654435761) with its high half folded into
 * the low one, since the kernel keeps the low bits.  IPv4: source at 12,
 * destination at 16 (RFC 791 3.1); IPv6: source at 8, destination at 24,
 * 16 bytes each (RFC 8200 3) — in every fragment, so a datagram's
 * fragments go together.  Anything else (ARP, a second VLAN tag…): 0. */
#define NET(off) ((__u32)(SKF_NET_OFF + (off)))
static const struct sock_filter address_pair_prog[] = {
    /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 2, 0),   /* -> 4 */
    /* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 6, 0), /* -> 9 */
    /* 3 */ BPF_STMT(BPF_RET | BPF_K, 0),
    /* IPv4 */
    /* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(12)),
    /* 5 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(16)),
    /* 7 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 8 */ BPF_JUMP(BPF_JMP | BPF_JA, 22, 0, 0),                  /* -> 31 */
    /* IPv6: the eight words of both addresses */
    /* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(8)),
    /* 10 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(12)),
    /* 12 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 13 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 14 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(16)),
    /* 15 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 16 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 17 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(20)),
    /* 18 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 19 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 20 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(24)),
    /* 21 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 22 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 23 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(28)),
    /* 24 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 25 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 26 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(32)),
    /* 27 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* 28 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 29 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(36)),
    /* 30 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
    /* mix */
    /* 31 */ BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 2654435761u),
    /* 32 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 33 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
    /* 34 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
    /* 35 */ BPF_STMT(BPF_RET | BPF_A, 0),
};
#undef NET

bool tw_fanout_join(const int *fds, guint n, int mode, const char *iface, GError **err)
{
    int type = mode == TW_FANOUT_KERNEL_HASH ? PACKET_FANOUT_HASH : PACKET_FANOUT_CBPF;
    /* The first socket asks the kernel for a group id nobody uses
     * (PACKET_FANOUT_FLAG_UNIQUEID), the others join it. */
    int arg = (type | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
    if (setsockopt(fds[0], SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
        g_set_error(err, tw_fanout_error_quark(), 1, "%s: cannot make a PACKET_FANOUT group: %s", iface,
                    g_strerror(errno));
        return false;
    }
    socklen_t alen = sizeof arg;
    if (getsockopt(fds[0], SOL_PACKET, PACKET_FANOUT, &arg, &alen) < 0) {
        g_set_error(err, tw_fanout_error_quark(), 1, "%s: cannot read the PACKET_FANOUT group: %s", iface,
                    g_strerror(errno));
        return false;
    }
    int id = arg & 0xffff;
    if (type == PACKET_FANOUT_CBPF) {
        /* the group's program, before a second socket receives anything */
        struct sock_fprog prog = { .len = G_N_ELEMENTS(address_pair_prog),
                                   .filter = (struct sock_filter *)address_pair_prog };
        if (setsockopt(fds[0], SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof prog) < 0) {
            g_set_error(err, tw_fanout_error_quark(), 1, "%s: the kernel refused the fan-out program: %s", iface,
                        g_strerror(errno));
            return false;
        }
    }
    for (guint i = 1; i < n; i++) {
        int join = id | (type << 16);
        if (setsockopt(fds[i], SOL_PACKET, PACKET_FANOUT, &join, sizeof join) < 0) {
            g_set_error(err, tw_fanout_error_quark(), 1, "%s: socket %u cannot join fan-out group %d: %s", iface,
                        i + 1, id, g_strerror(errno));
            return false;
        }
    }
    return true;
}

/* ---- workers and the merge ---- */

typedef struct {
    TwFanout *f;
    guint index;
    TwSource *src;      /* a member (transfer none) */
    TwPipeline *pl;
    TwFramerPool pool;
    TwRingTap *tap;
    GThread *thread;
    GPtrArray *pending; /* TwEvent*, made since the last hand-off (worker only) */
    gint64 last_ts;     /* worker only */
    gint64 stats_at;    /* worker only: monotonic µs of the last stats read */
    /* under f->lock */
    GQueue queue;       /* TwEvent*, handed off, not merged yet */
    gint64 watermark;   /* every frame up to this capture time is processed */
    bool done;
    char *error;
} Worker;

struct TwFanout {
    TwFanoutConfig cfg;
    TwSource *src;
    guint n;
    Worker *w;
    bool started;
    GMutex lock;
    GCond more;         /* a worker handed off (the merge waits on it) */
    GCond room;         /* the merge took events (a worker with a full queue waits) */
    bool merge_waiting;
    guint room_waiters;
    gint64 last_out;    /* capture time of the last event handed on */
    guint64 late, queue_waits;
    bool error_said;
};

static void worker_emit(TwEvent *ev, void *user)
{
    Worker *w = user;
    g_ptr_array_add(w->pending, ev);
}

/* The worker's events and how far it got, to the merge. */
static void hand_off(Worker *w, bool idle, bool done)
{
    TwFanout *f = w->f;
    gint64 mark = w->last_ts;
    if (idle) {
        /* An idle socket may still hold packets in a ring block not yet
         * retired (TW_LIVE_TIMEOUT_MS): nothing older than two timeouts ago. */
        gint64 now = g_get_real_time() - 2 * TW_LIVE_TIMEOUT_MS * 1000;
        mark = MAX(mark, now);
    }
    g_mutex_lock(&f->lock);
    while (w->queue.length >= TW_FANOUT_QUEUE_MAX && !done) {
        f->room_waiters++;
        f->queue_waits++;
        g_cond_wait(&f->room, &f->lock);
        f->room_waiters--;
    }
    for (guint i = 0; i < w->pending->len; i++)
        g_queue_push_tail(&w->queue, g_ptr_array_index(w->pending, i));
    if (mark > w->watermark)
        w->watermark = mark;
    if (done)
        w->done = true;
    if (f->merge_waiting)
        g_cond_signal(&f->more);
    g_mutex_unlock(&f->lock);
    g_ptr_array_set_size(w->pending, 0);
}

#define HANDOFF_FRAMES 64
#define HANDOFF_EVENTS 64
#define STATS_EVERY_US (50 * 1000)

static gpointer worker_main(gpointer data)
{
    Worker *w = data;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the merging thread's */
    tw_framer_pool_use(&w->pool);
    guint frames = 0;
    TwFrame fr;
    TwCaptureStats cs;
    for (;;) {
        GError *err = NULL;
        int r = tw_source_next_live(w->src, &fr, &err);
        if (r < 0) {
            g_mutex_lock(&w->f->lock);
            w->error = g_strdup(err->message);
            g_mutex_unlock(&w->f->lock);
            g_error_free(err);
            break;
        }
        if (r == 0)
            break;
        if (r == 1) {
            if (w->f->cfg.on_frame) {
                g_mutex_lock(w->f->cfg.frame_lock);
                w->f->cfg.on_frame(&fr, w->f->cfg.on_frame_user);
                g_mutex_unlock(w->f->cfg.frame_lock);
            }
            tw_pipeline_frame(w->pl, &fr);
            w->last_ts = fr.ts_us;
            if (++frames < HANDOFF_FRAMES && w->pending->len < HANDOFF_EVENTS)
                continue;
        }
        frames = 0;
        gint64 now = g_get_monotonic_time();
        if (now - w->stats_at >= STATS_EVERY_US) {
            tw_source_live_stats(w->src, &cs);
            w->stats_at = now;
        }
        hand_off(w, r == 2, false);
    }
    tw_pipeline_finish(w->pl);
    tw_source_live_stats(w->src, &cs);
    hand_off(w, false, true);
    tw_framer_pool_use(NULL);
    return NULL;
}

TwFanout *tw_fanout_new(TwSource *src, const TwFanoutConfig *cfg)
{
    TwFanout *f = g_new0(TwFanout, 1);
    f->cfg = *cfg;
    f->src = src;
    f->n = tw_source_members(src);
    g_assert(f->n > 0);
    f->w = g_new0(Worker, f->n);
    g_mutex_init(&f->lock);
    g_cond_init(&f->more);
    g_cond_init(&f->room);
    f->last_out = G_MININT64;
    for (guint i = 0; i < f->n; i++) {
        Worker *w = &f->w[i];
        w->f = f;
        w->index = i;
        w->src = tw_source_member(src, i);
        w->pending = g_ptr_array_new();
        g_queue_init(&w->queue);
        w->watermark = G_MININT64;
        tw_framer_pool_init(&w->pool, TW_FRAMER_MAX_BUFFERED_TOTAL / f->n);
        w->tap = cfg->ring ? tw_ring_tap_new(cfg->ring) : NULL;
        TwPipelineConfig pc = {
            .emit = worker_emit,
            .emit_user = w,
            .want_tree = cfg->want_tree,
            .quiet = cfg->quiet,
            .shares = f->n,
            .keys = cfg->keys,
            .show_keys = cfg->show_keys,
            .frame_hooks = w->tap ? tw_ring_tap_hooks(w->tap) : NULL,
        };
        tw_framer_pool_use(&w->pool);
        w->pl = tw_pipeline_new(&pc);
    }
    tw_framer_pool_use(NULL);
    return f;
}

void tw_fanout_start(TwFanout *f)
{
    if (f->started)
        return;
    f->started = true;
    for (guint i = 0; i < f->n; i++) {
        g_autofree char *name = g_strdup_printf("tw-capture-%u", i);
        f->w[i].thread = g_thread_new(name, worker_main, &f->w[i]);
    }
}

/* Under f->lock: the worker whose queued head goes next, or -1; *all_done
 * when nothing more will come. */
static int pick(TwFanout *f, bool *all_done)
{
    int best = -1;
    gint64 best_ts = 0;
    bool done = true;
    for (guint i = 0; i < f->n; i++) {
        Worker *w = &f->w[i];
        if (!w->done || w->queue.length)
            done = false;
        if (!w->queue.length)
            continue;
        gint64 ts = ((TwEvent *)g_queue_peek_head(&w->queue))->ts_us;
        if (best < 0 || ts < best_ts) {
            best = (int)i;
            best_ts = ts;
        }
    }
    *all_done = done;
    if (best < 0)
        return -1;
    /* A worker with nothing queued could still make an earlier event. */
    for (guint i = 0; i < f->n; i++) {
        Worker *w = &f->w[i];
        if (!w->queue.length && !w->done && w->watermark < best_ts)
            return -1;
    }
    return best;
}

int tw_fanout_next(TwFanout *f, TwEvent **ev, gint64 wait_us, GError **err)
{
    gint64 until = g_get_monotonic_time() + wait_us;
    g_mutex_lock(&f->lock);
    for (;;) {
        if (!f->error_said) {
            for (guint i = 0; i < f->n; i++) {
                if (f->w[i].error) {
                    f->error_said = true;
                    g_set_error(err, tw_fanout_error_quark(), 1, "%s", f->w[i].error);
                    g_mutex_unlock(&f->lock);
                    return -1;
                }
            }
        }
        bool all_done;
        int i = pick(f, &all_done);
        if (i >= 0) {
            Worker *w = &f->w[i];
            *ev = g_queue_pop_head(&w->queue);
            if ((*ev)->ts_us < f->last_out)
                f->late++;
            else
                f->last_out = (*ev)->ts_us;
            if (f->room_waiters && w->queue.length < TW_FANOUT_QUEUE_MAX)
                g_cond_broadcast(&f->room);
            g_mutex_unlock(&f->lock);
            return 1;
        }
        if (all_done) {
            g_mutex_unlock(&f->lock);
            return 0;
        }
        f->merge_waiting = true;
        bool signalled = g_cond_wait_until(&f->more, &f->lock, until);
        f->merge_waiting = false;
        if (!signalled) {
            g_mutex_unlock(&f->lock);
            return 2;
        }
    }
}

GHashTable *tw_fanout_counters(TwFanout *f)
{
    GHashTable *sum = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < f->n; i++) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, tw_pipeline_counters(f->w[i].pl));
        while (g_hash_table_iter_next(&it, &k, &v)) {
            guint64 *c = g_hash_table_lookup(sum, k);
            if (!c) {
                c = g_new0(guint64, 1);
                g_hash_table_insert(sum, g_strdup(k), c);
            }
            *c += *(guint64 *)v;
        }
        guint64 *frames = tw_pipeline_counters(f->w[i].pl) ? g_hash_table_lookup(tw_pipeline_counters(f->w[i].pl), "frames") : NULL;
        char name[48];
        g_snprintf(name, sizeof name, "fanout.worker%u.frames", i);
        g_hash_table_insert(sum, g_strdup(name), g_memdup2(&(guint64){ frames ? *frames : 0 }, sizeof(guint64)));
    }
    g_mutex_lock(&f->lock);
    g_hash_table_insert(sum, g_strdup("fanout.late_events"), g_memdup2(&f->late, sizeof f->late));
    g_hash_table_insert(sum, g_strdup("fanout.queue_full_waits"), g_memdup2(&f->queue_waits, sizeof f->queue_waits));
    g_mutex_unlock(&f->lock);
    return sum;
}

void tw_fanout_print_stats(TwFanout *f, FILE *out)
{
    g_autoptr(GHashTable) sum = tw_fanout_counters(f);
    tw_counters_print(sum, out);
}

void tw_fanout_free(TwFanout *f)
{
    if (!f)
        return;
    if (f->started) {
        tw_source_break(f->src);
        /* a worker waiting for room in its queue */
        g_mutex_lock(&f->lock);
        for (guint i = 0; i < f->n; i++)
            while (f->w[i].queue.length)
                tw_event_free(g_queue_pop_head(&f->w[i].queue));
        g_cond_broadcast(&f->room);
        g_mutex_unlock(&f->lock);
        for (guint i = 0; i < f->n; i++)
            g_thread_join(f->w[i].thread);
    }
    for (guint i = 0; i < f->n; i++) {
        Worker *w = &f->w[i];
        tw_framer_pool_use(&w->pool);
        tw_pipeline_free(w->pl);
        tw_ring_tap_free(w->tap);
        for (guint j = 0; j < w->pending->len; j++)
            tw_event_free(g_ptr_array_index(w->pending, j));
        g_ptr_array_unref(w->pending);
        TwEvent *ev;
        while ((ev = g_queue_pop_head(&w->queue)) != NULL)
            tw_event_free(ev);
        g_free(w->error);
    }
    tw_framer_pool_use(NULL);
    g_free(f->w);
    g_mutex_clear(&f->lock);
    g_cond_clear(&f->more);
    g_cond_clear(&f->room);
    g_free(f);
}
