/* source.c — frames from capture files (pcap, pcapng; "-" is stdin; several
 * files in order) or from a live interface, through libpcap.
 *
 * Frame numbers are 1-based and continue across files, as tshark numbers
 * the frames of files read one after another.  libpcap 1.10 gives one link
 * type per pcapng file (that of the first interface description block);
 * frames of later interfaces with another link type would be misread, so
 * docs/capture.md asks to split such files.  A file cut mid-record yields
 * every whole frame before the cut, then an error. */
#include "source.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <string.h>

struct TwSource {
    pcap_t *pcap;
    bool live;
    char **paths; /* files still to open after the current one (owned) */
    guint next_path;
    char *current; /* name of the file being read, for messages */
    char *filter;
    int linktype;
    guint64 frame_no;
    volatile sig_atomic_t stop;
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

/* libpcap's message for a file that is not a capture is terse; say what it means. */
static void set_open_error(const char *path, const char *errbuf, GError **err)
{
    const char *shown = strcmp(path, "-") == 0 ? "standard input" : path;
    if (strstr(errbuf, "unknown file format") || strstr(errbuf, "bad dump file format") ||
        strstr(errbuf, "truncated dump file") || strstr(errbuf, "isn't a"))
        g_set_error(err, tw_source_error_quark(), 1,
                    "%s: not a pcap or pcapng capture file (%s)", shown, errbuf);
    else
        g_set_error(err, tw_source_error_quark(), 1, "cannot read %s: %s", shown, errbuf);
}

static bool open_file(TwSource *s, const char *path, GError **err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        set_open_error(path, errbuf, err);
        return false;
    }
    if (!apply_filter(p, s->filter, path, err)) {
        pcap_close(p);
        return false;
    }
    if (s->pcap)
        pcap_close(s->pcap);
    s->pcap = p;
    s->linktype = pcap_datalink(p);
    g_free(s->current);
    s->current = g_strdup(strcmp(path, "-") == 0 ? "standard input" : path);
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
    s->filter = g_strdup(filter);
    if (!open_file(s, s->paths[0], err)) {
        tw_source_free(s);
        return NULL;
    }
    s->next_path = 1;
    return s;
}

TwSource *tw_source_open_live(const TwLiveOptions *opt, GError **err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(opt->iface, errbuf);
    if (!p) {
        g_set_error(err, tw_source_error_quark(), 1, "cannot capture on %s: %s", opt->iface,
                    errbuf);
        return NULL;
    }
    pcap_set_snaplen(p, opt->snaplen > 0 ? opt->snaplen : 262144);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, 250);
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
                        "CAP_NET_RAW,CAP_NET_ADMIN) (%s)", opt->iface, why);
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
    TwSource *s = g_new0(TwSource, 1);
    s->pcap = p;
    s->live = true;
    s->linktype = pcap_datalink(p);
    s->current = g_strdup(opt->iface);
    return s;
}

int tw_source_next(TwSource *s, TwFrame *out, GError **err)
{
    for (;;) {
        if (s->stop || !s->pcap)
            return 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(s->pcap, &h, &data);
        if (r == 1) {
            out->no = ++s->frame_no;
            out->ts_us = (gint64)h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
            out->linktype = s->linktype;
            out->data = data;
            out->caplen = h->caplen;
            out->origlen = h->len < h->caplen ? h->caplen : h->len;
            return 1;
        }
        if (r == 0)
            continue; /* live: timeout with no packet; check stop and go on */
        if (r == PCAP_ERROR_BREAK) {
            if (s->live)
                return 0;
            /* End of this file: on to the next. */
            if (!s->paths || !s->paths[s->next_path]) {
                pcap_close(s->pcap);
                s->pcap = NULL;
                return 0;
            }
            if (!open_file(s, s->paths[s->next_path++], err))
                return -1;
            continue;
        }
        /* PCAP_ERROR: e.g. "truncated dump file; tried to read 1500 captured
         * bytes, only got 700" — every whole frame before it was returned. */
        g_set_error(err, tw_source_error_quark(), 1, "%s: %s (after frame %" G_GUINT64_FORMAT ")",
                    s->current ? s->current : "capture", pcap_geterr(s->pcap), s->frame_no);
        return -1;
    }
}

void tw_source_break(TwSource *s)
{
    /* Async-signal-safe: a flag, and pcap_breakloop (a flag plus, on Linux,
     * a write to an eventfd that wakes a blocked poll). */
    s->stop = 1;
    if (s->pcap)
        pcap_breakloop(s->pcap);
}

void tw_source_print_stats(TwSource *s, FILE *out)
{
    if (!s->live || !s->pcap)
        return;
    struct pcap_stat st;
    if (pcap_stats(s->pcap, &st) < 0) {
        fprintf(out, "trustwire: %s: no capture statistics: %s\n", s->current, pcap_geterr(s->pcap));
        return;
    }
    fprintf(out, "trustwire: %s: %u packets received, %u dropped by the kernel, %u dropped by the "
                 "interface\n",
            s->current, st.ps_recv, st.ps_drop, st.ps_ifdrop);
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
    g_strfreev(s->paths);
    g_free(s->current);
    g_free(s->filter);
    g_free(s);
}
