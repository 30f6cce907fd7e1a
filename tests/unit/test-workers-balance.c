/* test-workers-balance.c — with several workers each shard is dissected by
 * one thread, and a shard moves to the thread that waits more
 * (capture/workers.c, rebalance).  A calling thread made slow (a frame
 * callback that spins, as a slow output or analysis would make it) must
 * end up owning fewer shards than the even split it starts with; a run
 * where it is not slow gives the same events, whoever dissected them. */
#include "capture/csum.h"
#include "capture/source.h"
#include "capture/workers.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>
#include <unistd.h>

/* NTP client requests (RFC 5905 7.3) from many clients to one server:
 * every shard gets frames, and every frame an event. */
#define FRAMES 60000
#define CLIENTS 4000

static void put16(guint8 *p, guint v)
{
    p[0] = (guint8)(v >> 8);
    p[1] = (guint8)v;
}

static char *write_capture(void)
{
    GError *err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("tw-balance-XXXXXX.pcap", &path, &err);
    g_assert_no_error(err);
    close(fd);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    g_assert_nonnull(d);
    for (guint i = 0; i < FRAMES; i++) {
        guint8 p[14 + 20 + 8 + 48];
        memset(p, 0, sizeof p);
        guint client = i % CLIENTS;
        p[5] = 1;
        p[11] = 2;
        put16(p + 12, 0x0800);
        guint8 *ip = p + 14;
        ip[0] = 0x45;
        put16(ip + 2, sizeof p - 14);
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10;
        ip[13] = 1;
        ip[14] = (guint8)(client >> 8);
        ip[15] = (guint8)client;
        ip[16] = 10;
        ip[17] = 0;
        ip[18] = 0;
        ip[19] = 123;
        put16(ip + 10, ~tw_csum_sum(ip, 20) & 0xffff); /* RFC 791 3.1 */
        guint8 *udp = ip + 20;
        put16(udp, 123);
        put16(udp + 2, 123);
        put16(udp + 4, sizeof p - 14 - 20); /* checksum 0: none (RFC 768) */
        guint8 *ntp = udp + 8;
        ntp[0] = 0x23; /* LI 0, version 4, mode 3 (client) */
        put16(ntp + 40, 0xe876);        /* transmit timestamp: seconds, */
        put16(ntp + 42, (guint)i);      /* a different one each */
        struct pcap_pkthdr h = { .caplen = sizeof p, .len = sizeof p };
        h.ts.tv_sec = 1700000000 + i / 1000;
        h.ts.tv_usec = (i % 1000) * 1000;
        pcap_dump((u_char *)d, &h, p);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

typedef struct {
    gint64 spin_us; /* per frame, on the calling thread */
    guint64 lines;
    guint64 hash; /* of every line, in order */
} Run;

static void on_frame(const TwFrame *frame, TwSource *src, void *user)
{
    (void)frame;
    (void)src;
    Run *r = user;
    gint64 until = g_get_monotonic_time() + r->spin_us;
    while (r->spin_us && g_get_monotonic_time() < until)
        ;
}

static void on_line(TwEvent *ev, const char *line, gsize len, void *user)
{
    (void)ev;
    Run *r = user;
    r->lines++;
    for (gsize i = 0; i < len; i++)
        r->hash = (r->hash ^ (guint8)line[i]) * 1099511628211u;
}

/* The shards the calling thread owns after a run of 2 workers. */
static guint run(const char *path, Run *r)
{
    GError *err = NULL;
    char *paths[] = { (char *)path, NULL };
    TwSource *src = tw_source_open_files(paths, NULL, &err);
    g_assert_no_error(err);
    r->hash = 1469598103934665603u;
    TwWorkersConfig cfg = {
        .workers = 2,
        .emit_line = on_line,
        .emit_user = r,
        .lines_only = true,
        .quiet = true,
        .on_frame = on_frame,
        .frame_user = r,
    };
    TwWorkers *w = tw_workers_new(&cfg);
    g_assert_cmpint(tw_workers_run(w, src, NULL, &err), ==, 0);
    g_assert_no_error(err);
    guint caller = tw_workers_shards_owned(w, 1);
    g_assert_cmpuint(caller + tw_workers_shards_owned(w, 0), ==, TW_WORKER_SHARDS);
    tw_workers_free(w);
    tw_source_free(src);
    return caller;
}

static void test_slow_caller_gives_shards(void)
{
    char *path = write_capture();
    Run slow = { .spin_us = 10 }, fast = { 0 };
    guint slow_owned = run(path, &slow);
    /* 60,000 frames are 59 batches: three looks at the loads, and the
     * calling thread, busy 10 us a frame before it dissects anything,
     * waits for none of them while the other thread waits for it. */
    g_assert_cmpuint(slow_owned, <, TW_WORKER_SHARDS / 2);
    run(path, &fast);
    g_assert_cmpuint(slow.lines, >=, FRAMES);
    g_assert_cmpuint(slow.lines, ==, fast.lines);
    g_assert_cmphex(slow.hash, ==, fast.hash);
    g_unlink(path);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/workers/slow-caller-gives-shards", test_slow_caller_gives_shards);
    return g_test_run();
}
