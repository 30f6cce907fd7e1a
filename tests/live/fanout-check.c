/* fanout-check.c — which socket of a PACKET_FANOUT group each packet
 * reached (tests/live/test-live-fanout.sh).
 *
 * Usage: fanout-check IFACE SOCKETS MODE FRAMES
 *   MODE 0: our symmetric classic-BPF program, 1: the kernel's flow hash.
 * Opens the fan-out source as trustwire -i --workers SOCKETS does
 * (capture/source.c, capture/fanout.c), reads each socket on its own thread
 * until FRAMES frames were handed out (or SIGINT), and prints one line per
 * IP frame:
 *   SOCKET VERSION SRC DST PROTO FRAG_ID FRAGMENT SPORT DPORT
 * FRAGMENT is 1 for an IP fragment (its FRAG_ID and addresses name its
 * datagram; SPORT/DPORT are 0 in non-first fragments), 0 otherwise. */
#include "capture/fanout.h"
#include "capture/ip.h"
#include "capture/link.h"
#include "capture/source.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static TwSource *volatile running;

static void on_int(int sig)
{
    (void)sig;
    if (running)
        tw_source_break(running);
}

typedef struct {
    TwSource *m;
    guint index;
    GString *out;
} Reader;

static gpointer reader_main(gpointer p)
{
    Reader *r = p;
    TwFrame f;
    GError *err = NULL;
    int rc;
    while ((rc = tw_source_next_live(r->m, &f, &err)) > 0) {
        if (rc != 1)
            continue;
        TwLinkResult lr;
        TwIpPacket ip;
        if (tw_link_decode(f.linktype, f.data, f.caplen, f.origlen, &lr) != TW_LINK_OK ||
            tw_ip_decode(lr.l3, lr.l3_caplen, lr.l3_origlen, &ip) != TW_IP_OK)
            continue;
        char src[TW_ADDR_STRLEN], dst[TW_ADDR_STRLEN];
        tw_ip_format(ip.version, ip.src, src);
        tw_ip_format(ip.version, ip.dst, dst);
        guint sport = 0, dport = 0;
        bool first = !ip.is_fragment || ip.frag_offset == 0;
        if (first && (ip.proto == 6 || ip.proto == 17) && ip.payload_caplen >= 4) {
            sport = (guint)(ip.payload[0] << 8 | ip.payload[1]);
            dport = (guint)(ip.payload[2] << 8 | ip.payload[3]);
        }
        g_string_append_printf(r->out, "%u %u %s %s %u %u %d %u %u\n", r->index, ip.version, src, dst, ip.proto,
                               ip.frag_id, ip.is_fragment ? 1 : 0, sport, dport);
    }
    if (rc < 0) {
        fprintf(stderr, "fanout-check: socket %u: %s\n", r->index, err->message);
        g_error_free(err);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fanout-check IFACE SOCKETS MODE FRAMES\n");
        return 2;
    }
    TwLiveOptions lo = { .iface = argv[1], .fanout = (guint)atoi(argv[2]), .fanout_mode = atoi(argv[3]) };
    GError *err = NULL;
    TwSource *src = tw_source_open_live(&lo, &err);
    if (!src) {
        fprintf(stderr, "fanout-check: %s\n", err->message);
        return 2;
    }
    tw_source_set_max_frames(src, g_ascii_strtoull(argv[4], NULL, 10));
    running = src;
    signal(SIGINT, on_int);
    signal(SIGTERM, on_int);
    guint n = tw_source_members(src);
    Reader *r = g_new0(Reader, n);
    GThread **t = g_new0(GThread *, n);
    g_autofree char *desc = tw_source_describe(src);
    fprintf(stderr, "fanout-check: capturing on %s\n", desc);
    for (guint i = 0; i < n; i++) {
        r[i] = (Reader){ tw_source_member(src, i), i, g_string_new(NULL) };
        t[i] = g_thread_new("reader", reader_main, &r[i]);
    }
    for (guint i = 0; i < n; i++) {
        g_thread_join(t[i]);
        fwrite(r[i].out->str, 1, r[i].out->len, stdout);
        g_string_free(r[i].out, TRUE);
    }
    running = NULL;
    tw_source_free(src);
    g_free(r);
    g_free(t);
    return 0;
}
