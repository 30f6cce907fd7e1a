/* main.c — trustwire's command line: options, sources, and the stage list
 * (stages.h) of one pass: read frames, dissect, analyse, write the outputs. */
#include "capture/pipeline.h"
#include "capture/decompress.h"
#include "capture/fanout.h"
#include "capture/source.h"
#include "capture/workers.h"
#include "core/tw-limits.h"
#include "dissectors/lower/lower-tree.h"
#include "keys/keystore.h"
#include "cli/tw-build.h"
#include "cli/tw-version.h"
#include "dfilter.h"
#include "follow.h"
#include "from-events.h"
#include "live.h"
#include "privs.h"
#include "nats-bus.h"
#include "stages.h"
#include "output/ladder.h"
#include "output/previous.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <nettle/version.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static TwSource *volatile running_source;
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (running_source)
        tw_source_break(running_source);
}

/* The files of one run and where each starts in the run's frame numbering
 * (frames run on across files, as tshark numbers them). */
typedef struct {
    guint64 first; /* global number of the file's first frame */
    char *name;    /* as given */
} FileStart;

typedef struct {
    TwStages *st;
    GArray *files; /* FileStart, in reading order */
    bool several;  /* more than one file: events name theirs (pcap, pcap_frame) */
} EmitCtx;

/* --publish: every event and finding of this run also goes to the broker. */
static TwNatsPublisher *publisher;
static GString *publish_line;

static void publish_finding(const char *line, gsize len, void *user)
{
    (void)user;
    tw_nats_publish(publisher, true, line, len);
}

/* stdout's buffer when it is a file or a pipe (main). */
static char stdout_buffer[1 << 16];

/* An event of --workers (transfer none: freed by the worker that made it). */
static void emit_borrowed(TwEvent *ev, void *user)
{
    EmitCtx *ec = user;
    if (ec->several) {
        /* docs/events.md "Several files": the file and its own frame number,
         * so evidence from saved events is found in Wireshark too. */
        for (guint i = ec->files->len; i-- > 0;) {
            const FileStart *fs = &g_array_index(ec->files, FileStart, i);
            if (ev->frame >= fs->first) {
                tw_event_set_str(ev, "pcap", fs->name);
                tw_event_set_int(ev, "pcap_frame", (gint64)(ev->frame - fs->first + 1));
                break;
            }
        }
    }
    tw_stages_event(ec->st, ev, NULL);
    if (publisher) {
        g_string_truncate(publish_line, 0);
        tw_event_to_json(ev, publish_line);
        tw_nats_publish(publisher, false, publish_line->str, publish_line->len);
    }
}

/* An event of --workers N > 1 with its -T events line, rendered by the
 * worker that made it (transfer none, both; one file: no pcap members to
 * add, so the line is the event's).  ev is NULL when the line is all the
 * outputs read (tw_stages_lines_only). */
static void emit_line_borrowed(TwEvent *ev, const char *line, gsize len, void *user)
{
    EmitCtx *ec = user;
    tw_stages_event_line(ec->st, ev, line, len);
    if (publisher)
        tw_nats_publish(publisher, false, line, len - 1); /* tw_event_to_json's, without the newline */
}

/* An event of the live pipeline (transfer full). */
/* Live with fan-out: each worker's frames feed the interface's health
 * record, under the lock cli/live.c holds while the analysis uses it. */
typedef struct {
    TwHealth *health;
    TwHealthSource *hs;
    GMutex lock;
} LiveFrameHealth;

static void live_frame_health(const TwFrame *fr, void *user)
{
    LiveFrameHealth *lh = user;
    tw_health_frame(lh->health, lh->hs, fr->no, fr->no, fr->ts_us, fr->caplen, fr->origlen);
}

static void emit_to_stages(TwEvent *ev, void *user)
{
    emit_borrowed(ev, user);
    tw_event_free(ev);
}

static bool is_nats_url(const char *s)
{
    return g_str_has_prefix(s, "nats://") || g_str_has_prefix(s, "tls://");
}

static void file_start_clear(gpointer p)
{
    g_free(((FileStart *)p)->name);
}

/* TRUSTWIRE_TEST_DROPS=RECEIVED:DROPPED stands in for pcap_stats(3PCAP) on a
 * file (tests of the drop warning without a live capture; docs/report.md). */
static void inject_drops(TwHealth *h, const char *name)
{
    const char *spec = getenv("TRUSTWIRE_TEST_DROPS");
    guint64 recv, drop;
    if (h && spec && sscanf(spec, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &recv, &drop) == 2)
        tw_health_drops(h, tw_health_source(h, name, "file"), recv, drop, 0);
}

/* Each frame read from the files: where each file starts, capture health. */
typedef struct {
    GArray *files; /* FileStart */
    TwHealth *health; /* NULL when no analysis runs */
    TwHealthSource *hs;
    guint64 frames;
} FrameCtx;

static void on_frame(const TwFrame *frame, TwSource *src, void *user)
{
    FrameCtx *fc = user;
    const char *name = tw_source_current_name(src);
    if (frame->file_no == 1 || !fc->files->len) {
        FileStart fs = { frame->no - frame->file_no + 1, g_strdup(name) };
        g_array_append_val(fc->files, fs);
    }
    if (fc->health) {
        if (!fc->hs || strcmp(fc->hs->name, name) != 0)
            fc->hs = tw_health_source(fc->health, name, "file");
        tw_health_frame(fc->health, fc->hs, frame->no, frame->file_no, frame->ts_us, frame->caplen, frame->origlen);
    }
    fc->frames++;
}

/* A closed standard descriptor would be handed to the next file opened
 * (a --write file would become stdout).  It is filled with /dev/null and
 * remembered: a closed stdout is an output error, a closed stdin an input
 * one. */
static bool fd_closed(int fd)
{
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
        return false;
    int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
    }
    return true;
}

/* -r FILE: what cannot be a capture is said plainly before reading. */
static bool check_capture_path(const char *path, bool stdin_closed)
{
    if (strcmp(path, "-") == 0) {
        if (stdin_closed) {
            fprintf(stderr, "trustwire: -r -: stdin is closed\n");
            return false;
        }
        return true;
    }
    struct stat sb;
    if (stat(path, &sb) != 0)
        return true; /* the source says why it cannot open it */
    if (S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "trustwire: %s: is a directory\n", path);
        return false;
    }
    if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
        fprintf(stderr, "trustwire: %s: is empty\n", path);
        return false;
    }
    return true;
}

/* -v: the build's git version and the libraries it runs with (run-time
 * versions where the library tells them, else the build's). */
static void print_version(void)
{
    printf("trustwire %s (git %s)\n", TW_PROJECT_VERSION, TW_VCS_VERSION);
    printf("  %s\n", pcap_lib_version());
    printf("  MIT krb5 %s (built with)\n", TW_BUILD_KRB5_VERSION);
    printf("  GLib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
    printf("  json-glib %s (built with)\n", JSON_VERSION_S);
    printf("  nettle %d.%d\n", nettle_version_major(), nettle_version_minor());
    printf("  %s (compressed captures)\n", tw_decompress_versions());
}

/* A trailing expression (`trustwire -r f.pcap port 88`, as tcpdump) is a
 * BPF filter when it compiles; checked without a capture handle. */
static bool bpf_compiles(const char *expr, char **why)
{
    pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
    if (!p) {
        *why = g_strdup("cannot check a filter");
        return false;
    }
    struct bpf_program prog;
    bool ok = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok)
        pcap_freecode(&prog);
    else
        *why = g_strdup(pcap_geterr(p));
    pcap_close(p);
    return ok;
}

static bool parse_time_format(const char *s, TwTextTime *t)
{
    if (strcmp(s, "utc") == 0 || strcmp(s, "u") == 0 || strcmp(s, "ud") == 0)
        *t = TW_TEXT_TIME_UTC;
    else if (strcmp(s, "local") == 0 || strcmp(s, "ad") == 0 || strcmp(s, "a") == 0)
        *t = TW_TEXT_TIME_LOCAL;
    else if (strcmp(s, "e") == 0 || strcmp(s, "epoch") == 0)
        *t = TW_TEXT_TIME_EPOCH;
    else
        return false;
    return true;
}

/* The process is about to end: the analysis (on a DC's port hundreds of
 * thousands of allocations: machines, evidence, requests) is not freed one
 * by one — that took 14 % of a report's time on the DC mix
 * (bench/README.md).  It stays reachable from here, so leak checkers do
 * not count it; sanitizer builds free it, so they check its teardown. */
static TwAnalysis *analysis_at_exit;

static void leave_analysis(TwStages *st)
{
#if !defined(__SANITIZE_ADDRESS__)
    analysis_at_exit = g_steal_pointer(&st->analysis);
#else
    (void)st;
    (void)analysis_at_exit;
#endif
}

/* --write MODE:FILE → an output on its own stream. */
static bool add_write(TwStages *st, const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "trustwire: --write %s: expected MODE:FILE (MODE one of " TW_SINK_MODES ")\n", spec);
        return false;
    }
    g_autofree char *mode = g_strndup(spec, (gsize)(colon - spec));
    if (!tw_sink_mode_known(mode)) {
        fprintf(stderr, "trustwire: --write %s: unknown output mode '%s' (" TW_SINK_MODES ")\n", spec, mode);
        return false;
    }
    TwOut *o = tw_stages_out(st, colon + 1);
    return o && tw_stages_add_output(st, mode, o);
}

/* --machine NAME named no machine of the input: said before the (empty)
 * reports, exit status 2. */
static bool focus_found(const TwStages *st)
{
    const TwAnalysis *a = st->analysis;
    if (!a || !a->focus)
        return true;
    for (guint i = 0; i < a->machine_order->len; i++) {
        const TwMachine *m = g_ptr_array_index(a->machine_order, i);
        if (!m->merged_away && !tw_machine_only_named(m) && tw_analysis_shows(a, m))
            return true;
    }
    fprintf(stderr, "trustwire: --machine %s: no such machine in the input\n", a->focus);
    return false;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Events and flows are freed and made again all the time: with glibc's
     * default 128 KiB trim threshold the top of the heap goes back to the
     * kernel and is faulted in again moments later (a tenth of the page
     * faults of a DC capture).  Keep up to TW_MALLOC_TRIM_BYTES; memory is
     * still bounded by the caps, not by this. */
    mallopt(M_TRIM_THRESHOLD, TW_MALLOC_TRIM_BYTES);
#endif
    g_auto(GStrv) read_files = NULL;
    g_auto(GStrv) event_files = NULL;
    g_auto(GStrv) writes = NULL;
    g_autofree char *iface = NULL;
    g_autofree char *filter = NULL;
    g_autofree char *out_mode = NULL;
    g_autofree char *alerts = NULL;
    gint snaplen = 0;
    gint workers = -1;
    g_autofree char *publish = NULL;
    g_autofree char *sensor_name = NULL;
    g_autofree char *alerts_format = NULL;
    g_autofree char *nats_creds = NULL, *nats_ca = NULL, *nats_cert = NULL, *nats_key = NULL;
    g_autofree char *publish_spool = NULL, *durable = NULL;
    gboolean follow = FALSE;
    gboolean show_stats = FALSE;
    g_auto(GStrv) keytabs = NULL;
    g_auto(GStrv) passwords = NULL;
    g_auto(GStrv) nthashes = NULL;
    gboolean show_keys = FALSE;
    gboolean version = FALSE;
    /* tshark's reflexes */
    gboolean tree_view = FALSE, quiet = FALSE, line_buffered = FALSE, no_resolve = FALSE;
    g_autofree char *display_filter = NULL, *time_format = NULL;
    g_autofree char *tree_layers_opt = NULL;
    g_auto(GStrv) tree_frames = NULL;
    /* service mode (cli/live.c) */
    gint buffer_mib = 0;
    gint64 max_packets = 0;
    gboolean no_promisc = FALSE, list_ifaces = FALSE;
    g_autofree char *run_as = NULL, *report_every = NULL, *retire_after = NULL;
    g_autofree char *ring_dir = NULL, *ring_spec = NULL;
    /* pictures (docs/html.md) */
    g_autofree char *html_file = NULL, *machine = NULL;
    gboolean ascii = FALSE;
    g_auto(GStrv) previous = NULL;

    GOptionEntry entries[] = {
        { "read", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &read_files,
          "Read packets from FILE (pcap or pcapng; '-' for stdin); repeat for several files", "FILE" },
        { "from-events", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &event_files,
          "Analyse saved events (NDJSON from -T events; '-' for stdin); repeat to merge sensors "
          "(each file in its own order, merged by time stamp)", "FILE" },
        { "interface", 'i', 0, G_OPTION_ARG_STRING, &iface, "Capture live on IFACE", "IFACE" },
        { "filter", 'f', 0, G_OPTION_ARG_STRING, &filter, "BPF capture filter", "FILTER" },
        { "snaplen", 's', 0, G_OPTION_ARG_INT, &snaplen, "Live capture snapshot length (default 262144)",
          "BYTES" },
        { "output", 'T', 0, G_OPTION_ARG_STRING, &out_mode,
          "Output on stdout: report (default: who lost its trust, why, the fix), json (the report as JSON), "
          "summary (one line per message), events (NDJSON), tree (teaching view), html (the report as one "
          "self-contained page with timelines and ladders), ladder (the failing exchanges as sequence diagrams), "
          "ecs (Elastic Common Schema NDJSON: each event, then each finding)",
          "MODE" },
        { "html", 0, 0, G_OPTION_ARG_FILENAME, &html_file,
          "Also write the report as one self-contained HTML page to FILE (as --write html:FILE)", "FILE" },
        { "previous", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &previous,
          "Compare the clocks with an earlier report of the same network (written with -T json): a domain "
          "controller whose clock moved since while the members' did not is said to be the one to fix; "
          "repeatable (at most 16)", "REPORT.json" },
        { "machine", 0, 0, G_OPTION_ARG_STRING, &machine,
          "Reports (report, json, html, ladder) show only machine NAME (WS06, WS06$, its FQDN or an address); "
          "the analysis still sees every machine", "NAME" },
        { "ascii", 0, 0, G_OPTION_ARG_NONE, &ascii,
          "-T ladder in ASCII instead of Unicode box drawing (the default outside a UTF-8 locale)", NULL },
        { "write", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &writes,
          "Also write output MODE (as -T) to FILE, in the same pass; repeatable "
          "(-T events --write report:r.txt)", "MODE:FILE" },
        { "alerts", 0, 0, G_OPTION_ARG_FILENAME, &alerts,
          "Write each finding as it is established to FILE ('-' for stdout), one JSON object per line "
          "(finding_id, account, state, rule, confidence, summary, first and establishing evidence)", "FILE" },
        { "alerts-format", 0, 0, G_OPTION_ARG_STRING, &alerts_format,
          "Findings of --alerts and --publish as native (default) or ecs (Elastic Common Schema alert "
          "documents)", "native|ecs" },
        { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &buffer_mib,
          "Live: kernel capture ring in MiB (default 64)", "MiB" },
        { "no-promiscuous-mode", 'p', 0, G_OPTION_ARG_NONE, &no_promisc,
          "Live: do not put the interface in promiscuous mode", NULL },
        { "list-interfaces", 'D', 0, G_OPTION_ARG_NONE, &list_ifaces, "List the capture interfaces and exit", NULL },
        { "count", 'c', 0, G_OPTION_ARG_INT64, &max_packets, "Stop after N packets (live or files)", "N" },
        { "user", 'Z', 0, G_OPTION_ARG_STRING, &run_as,
          "Live: once the interface is open, run as USER with no capabilities left", "USER" },
        { "ring-dir", 'w', 0, G_OPTION_ARG_FILENAME, &ring_dir,
          "Live: keep the captured frames in a pcapng ring in DIR (findings name file and frame)", "DIR" },
        { "ring-buffer", 'b', 0, G_OPTION_ARG_STRING, &ring_spec,
          "Live, with -w: ring files of MB megabytes, at most N of them (default filesize:100,files:10)",
          "filesize:MB,files:N" },
        { "report-every", 0, 0, G_OPTION_ARG_STRING, &report_every,
          "Live: write the report every DURATION (1h, 30m, 10s); also on SIGUSR1", "DURATION" },
        { "retire-after", 0, 0, G_OPTION_ARG_STRING, &retire_after,
          "Live: forget a machine not seen for DURATION of capture time (its last verdict is announced "
          "first); default 7d, 0 = never", "DURATION" },
        { "workers", 0, 0, G_OPTION_ARG_INT, &workers,
          "Dissect on N threads (default one per processor, at most 16): capture files (the output "
          "is the same for every N), or -i with N sockets in a PACKET_FANOUT group (events merged by time)", "N" },
        { "publish", 0, 0, G_OPTION_ARG_STRING, &publish,
          "Also publish every event and finding to NATS JetStream (SUBJECT.events, SUBJECT.findings); "
          "spooled on disk while the broker is away", "nats://HOST:PORT/SUBJECT" },
        { "sensor-name", 0, 0, G_OPTION_ARG_STRING, &sensor_name,
          "This sensor's name in published messages (default: the host name)", "NAME" },
        { "nats-creds", 0, 0, G_OPTION_ARG_FILENAME, &nats_creds, "NATS credentials file (JWT and NKey seed)",
          "FILE" },
        { "nats-ca", 0, 0, G_OPTION_ARG_FILENAME, &nats_ca, "TLS to the broker, trusting the CAs in FILE", "FILE" },
        { "nats-cert", 0, 0, G_OPTION_ARG_FILENAME, &nats_cert, "TLS client certificate chain (PEM)", "FILE" },
        { "nats-key", 0, 0, G_OPTION_ARG_FILENAME, &nats_key, "TLS client private key (PEM)", "FILE" },
        { "publish-spool", 0, 0, G_OPTION_ARG_FILENAME, &publish_spool,
          "Where --publish keeps messages while the broker is away (default ~/.cache/trustwire/spool/NAME)",
          "FILE" },
        { "durable", 0, 0, G_OPTION_ARG_STRING, &durable,
          "--from-events nats://: the durable consumer's name (default trustwire-central)", "NAME" },
        { "follow", 0, 0, G_OPTION_ARG_NONE, &follow,
          "--from-events nats://: keep consuming as a service (findings as they are established, "
          "--report-every, SIGUSR1, the final report at SIGINT/SIGTERM)", NULL },
        { "keytab", 'K', 0, G_OPTION_ARG_FILENAME_ARRAY, &keytabs,
          "Decrypt with the keys of keytab FILE (MIT/Heimdal, all principals, enctypes and kvnos; "
          "LABEL= tags its keys, e.g. previous=old.keytab); repeatable", "[LABEL=]FILE" },
        { "password", 0, 0, G_OPTION_ARG_STRING_ARRAY, &passwords,
          "Decrypt with keys derived from PASSWORD (salt from PA-ETYPE-INFO2, else the default); "
          "repeatable", "[LABEL=]PRINCIPAL:PASSWORD" },
        { "nthash", 0, 0, G_OPTION_ARG_STRING_ARRAY, &nthashes,
          "The NT hash of ACCOUNT (RC4-HMAC key, NETLOGON secret), 32 hex digits; repeatable",
          "[LABEL=]ACCOUNT:HEX" },
        { "show-keys", 0, 0, G_OPTION_ARG_NONE, &show_keys,
          "Let the teaching view (-T tree) print key bytes (labs only; keys never appear otherwise)", NULL },
        { "stats", 'S', 0, G_OPTION_ARG_NONE, &show_stats, "Print pipeline counters on stderr at the end",
          NULL },
        { "tree", 'V', 0, G_OPTION_ARG_NONE, &tree_view, "The teaching view on stdout (as -T tree; tshark's -V)", NULL },
        { "tree-layers", 'O', 0, G_OPTION_ARG_STRING, &tree_layers_opt,
          "The teaching view also shows these lower layers of each message's frame: frame, eth, ip, tcp, udp "
          "(comma-separated; lower = all)", "LIST" },
        { "frame", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tree_frames,
          "The teaching view shows only frame N (repeat for more); relations and narratives still use every frame. "
          "-T ladder draws only the exchanges holding one of these frames",
          "N" },
        { "display-filter", 'Y', 0, G_OPTION_ARG_STRING, &display_filter,
          "Only events matching EXPR reach the per-event outputs (events, summary, tree); the analysis "
          "sees every event (proto == \"kerberos\" && error_code == 24; docs/display-filter.md)", "EXPR" },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
          "No per-event output on stdout: the report only (or -T json)", NULL },
        { "line-buffered", 'l', 0, G_OPTION_ARG_NONE, &line_buffered, "Flush stdout after each line", NULL },
        { "no-resolve", 'n', 0, G_OPTION_ARG_NONE, &no_resolve,
          "Accepted for tshark's sake: trustwire never resolves names", NULL },
        { "time-format", 't', 0, G_OPTION_ARG_STRING, &time_format,
          "Time stamps of -T summary: utc (default), local, e (epoch seconds)", "utc|local|e" },
        { "version", 'v', 0, G_OPTION_ARG_NONE, &version,
          "Print the version (git) and the library versions and exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };

    setlocale(LC_ALL, "");
    bool stdin_closed = fd_closed(STDIN_FILENO);
    bool stdout_closed = fd_closed(STDOUT_FILENO);
    fd_closed(STDERR_FILENO);

    g_autoptr(GOptionContext) octx = g_option_context_new("[FILE…]");
    g_option_context_set_summary(octx,
        "Reads network traffic and tells which Windows machine lost its domain trust, why, and how to fix it.");
    g_option_context_set_description(octx,
        "Exit status: 0 no machine is broken, 1 a machine is broken (even when the input ended early),\n"
        "2 usage error, unreadable input with nothing analysed, or a failed write,\n"
        "3 no machine is broken but the evidence was too degraded to judge (see \"Capture health\"\n"
        "in the report: snaplen cuts, drops, TCP gaps, a cut file, no Kerberos/NETLOGON/NTLM).\n");
    g_option_context_add_main_entries(octx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        return 2;
    }
    if (version) {
        print_version();
        return 0;
    }
    (void)no_resolve;
    if (time_format) {
        TwTextTime tt;
        if (!parse_time_format(time_format, &tt)) {
            fprintf(stderr, "trustwire: -t %s: expected utc, local or e\n", time_format);
            return 2;
        }
        tw_text_time_set(tt);
    }
    g_autoptr(TwDfilter) dfilter = NULL;
    if (display_filter) {
        int col = 0;
        dfilter = tw_dfilter_compile(display_filter, &col, &err);
        if (!dfilter) {
            fprintf(stderr, "trustwire: -Y: %s\n  %s\n  %*s^\n", err->message, display_filter, col - 1, "");
            return 2;
        }
    }
    guint tree_layers = 0;
    if (tree_layers_opt) {
        char *bad = NULL;
        if (!tw_tree_layers_parse(tree_layers_opt, &tree_layers, &bad)) {
            fprintf(stderr, "trustwire: -O %s: expected frame, eth, ip, tcp, udp or lower (at \"%s\")\n",
                    tree_layers_opt, bad ? bad : tree_layers_opt);
            return 2;
        }
    }
    if (tree_frames) {
        g_autoptr(GArray) fr = g_array_new(FALSE, FALSE, sizeof(guint64));
        for (char **f = tree_frames; *f; f++) {
            guint64 n;
            if (!g_ascii_string_to_unsigned(*f, 10, 1, G_MAXUINT64, &n, NULL)) {
                fprintf(stderr, "trustwire: --frame %s: expected a frame number (1, 2, ...)\n", *f);
                return 2;
            }
            if (fr->len >= TW_TREE_MAX_FRAMES) {
                fprintf(stderr, "trustwire: --frame: at most %d frames\n", TW_TREE_MAX_FRAMES);
                return 2;
            }
            g_array_append_val(fr, n);
        }
        tw_tree_frames_set((const guint64 *)fr->data, fr->len);
    }
    if (line_buffered)
        setvbuf(stdout, NULL, _IOLBF, 0);
    else if (!iface && !follow && !isatty(STDOUT_FILENO))
        /* Captures read into a file or a pipe: stdio's 4 KiB made -T events
         * of the 1 GiB DC mix 161,000 write(2) calls (660 MB) on the thread
         * that merges; 64 KiB (still in the core's cache: 1 MiB cost more
         * system time than 4 KiB) halved the system time.  A terminal, live
         * capture and --follow keep theirs.  (glibc takes the size only
         * with a buffer: a NULL one is 4 KiB.) */
        setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    if (list_ifaces) {
        if (!tw_source_list_interfaces(stdout, &err)) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        return 0;
    }
    TwLiveRunOptions lro = { .retire_after_us = (gint64)7 * 86400 * G_USEC_PER_SEC };
    if (report_every && !tw_parse_duration(report_every, &lro.report_every_us)) {
        fprintf(stderr, "trustwire: --report-every %s: expected a duration (1h, 30m, 10s)\n", report_every);
        return 2;
    }
    if (retire_after && strcmp(retire_after, "0") == 0)
        lro.retire_after_us = 0;
    else if (retire_after && !tw_parse_duration(retire_after, &lro.retire_after_us)) {
        fprintf(stderr, "trustwire: --retire-after %s: expected a duration (7d, 12h, 30m) or 0\n", retire_after);
        return 2;
    }
    if (max_packets < 0 || buffer_mib < 0 || buffer_mib > 2047) {
        fprintf(stderr, "trustwire: -c takes a count >= 0, -B a size from 1 to 2047 MiB\n");
        return 2;
    }
    lro.max_packets = (guint64)max_packets;
    lro.stats_every_us = lro.report_every_us;

    /* Files: -r FILE… and positional arguments, in the order given.  With
     * --from-events, positional arguments are more event files
     * (`trustwire --from-events a.ndjson b.ndjson`). */
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    g_autoptr(GPtrArray) ev_files = g_ptr_array_new();
    for (char **f = read_files; f && *f; f++)
        g_ptr_array_add(files, *f);
    for (char **f = event_files; f && *f; f++)
        g_ptr_array_add(ev_files, *f);
    /* Positional arguments: the leading ones that name existing files (or
     * '-') are files; what follows, when -r or -i gave a source, is a BPF
     * filter if it compiles (`trustwire -r f.pcap port 88`, as tcpdump). */
    int first_expr = argc;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        bool is_file = strcmp(argv[i], "-") == 0 || stat(argv[i], &sb) == 0;
        if (!is_file && !event_files && (read_files || iface)) {
            first_expr = i;
            break;
        }
        g_ptr_array_add(event_files ? ev_files : files, argv[i]);
    }
    g_autofree char *trailing_filter = NULL;
    if (first_expr < argc) {
        trailing_filter = g_strjoinv(" ", argv + first_expr);
        g_autofree char *why = NULL;
        if (!bpf_compiles(trailing_filter, &why)) {
            fprintf(stderr, "trustwire: '%s' is neither an existing file nor a valid capture filter (%s)\n",
                    trailing_filter, why);
            return 2;
        }
        if (filter) {
            fprintf(stderr, "trustwire: a filter both with -f and after the files: give one\n");
            return 2;
        }
        filter = g_steal_pointer(&trailing_filter);
    }
    g_ptr_array_add(files, NULL);
    g_ptr_array_add(ev_files, NULL);

    if (follow && (!event_files || ev_files->len != 2 || !is_nats_url(g_ptr_array_index(ev_files, 0)))) {
        fprintf(stderr, "trustwire: --follow goes with one --from-events nats://HOST:PORT/SUBJECT\n");
        return 2;
    }
    if (event_files && (iface || files->len > 1)) {
        fprintf(stderr, "trustwire: --from-events cannot be combined with -r or -i\n");
        return 2;
    }
    if (files->len == 1 && !iface && !event_files) {
        fprintf(stderr, "trustwire: nothing to read: give -r FILE or -i IFACE (see --help)\n");
        return 2;
    }
    if (workers == 0)
        workers = (gint)tw_workers_processors();
    if (workers < -1 || workers > TW_WORKER_SHARDS) {
        fprintf(stderr, "trustwire: --workers %d: expected 0 (one per processor) to %d\n", workers,
                TW_WORKER_SHARDS);
        return 2;
    }
    if (files->len > 1 && iface) {
        fprintf(stderr, "trustwire: -r and -i cannot be used together\n");
        return 2;
    }
    for (guint i = 0; i + 1 < files->len; i++)
        if (!check_capture_path(g_ptr_array_index(files, i), stdin_closed))
            return 2;

    /* -K, --password, --nthash: one key store for every decrypting dissector. */
    g_autoptr(TwKeyStore) keys = NULL;
    if (keytabs || passwords || nthashes) {
        keys = tw_keystore_new();
        for (char **k = keytabs; k && *k; k++)
            if (tw_keystore_add_keytab(keys, *k, stderr, &err) < 0) {
                fprintf(stderr, "trustwire: -K: %s\n", err->message);
                return 2;
            }
        for (char **k = passwords; k && *k; k++)
            if (!tw_keystore_add_password(keys, *k, &err)) {
                fprintf(stderr, "trustwire: %s\n", err->message);
                return 2;
            }
        for (char **k = nthashes; k && *k; k++)
            if (!tw_keystore_add_nthash(keys, *k, &err)) {
                fprintf(stderr, "trustwire: %s\n", err->message);
                return 2;
            }
        /* Session keys learned in one address pair's shard open messages of
         * another (a TGS-REP to the client, the AP-REQ it sends a server):
         * decrypting follows the capture's order on one worker. */
        if (workers > 1)
            fprintf(stderr, "trustwire: note: with keys, --workers %d runs as 1 (session keys cross address pairs)\n",
                    workers);
        workers = 1; /* also when the default would be one per processor */
    }

    /* --previous: earlier reports, read before anything else runs (a bad one is a usage error). */
    g_autoptr(GPtrArray) prev_reports = g_ptr_array_new_with_free_func((GDestroyNotify)tw_prev_report_free);
    if (previous && g_strv_length(previous) > TW_PREV_MAX_REPORTS) {
        fprintf(stderr, "trustwire: --previous: at most %d reports\n", TW_PREV_MAX_REPORTS);
        return 2;
    }
    for (char **p = previous; p && *p; p++) {
        TwPrevReport *r = tw_previous_load(*p, &err);
        if (!r) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        g_ptr_array_add(prev_reports, r);
    }

    /* The stage list: -T on stdout, each --write on its file, --alerts. */
    g_auto(TwStages) st;
    tw_stages_init(&st);
    if (alerts_format && strcmp(alerts_format, "ecs") != 0 && strcmp(alerts_format, "native") != 0) {
        fprintf(stderr, "trustwire: --alerts-format %s: expected native or ecs\n", alerts_format);
        return 2;
    }
    st.alerts_ecs = alerts_format && strcmp(alerts_format, "ecs") == 0;
    if (st.alerts_ecs && !alerts && !publish)
        fprintf(stderr, "trustwire: warning: --alerts-format has no effect without --alerts or --publish\n");
    /* ECS observer.name: this sensor (docs/ecs.md) */
    tw_ecs_set_observer(sensor_name ? sensor_name : g_get_host_name());
    if (tree_view && out_mode && strcmp(out_mode, "tree") != 0) {
        fprintf(stderr, "trustwire: -V is -T tree; it cannot go with -T %s\n", out_mode);
        return 2;
    }
    const char *mode = out_mode ? out_mode : tree_view ? "tree" : "report";
    /* -q: nothing per event on stdout; the verdicts only. */
    if (quiet && strcmp(mode, "report") != 0 && strcmp(mode, "json") != 0 && strcmp(mode, "html") != 0 &&
        strcmp(mode, "ladder") != 0)
        mode = "report";
    if (!iface && !event_files) {
        /* Options for a live capture say they do nothing on files. */
        static const char *const live_only = "has no effect when reading files";
        if (snaplen)
            fprintf(stderr, "trustwire: warning: -s %s (the file's snapshot length is used)\n", live_only);
        if (buffer_mib)
            fprintf(stderr, "trustwire: warning: -B %s\n", live_only);
        if (no_promisc)
            fprintf(stderr, "trustwire: warning: -p %s\n", live_only);
        if (run_as)
            fprintf(stderr, "trustwire: warning: -Z %s\n", live_only);
        if (report_every)
            fprintf(stderr, "trustwire: warning: --report-every %s\n", live_only);
        if (retire_after)
            fprintf(stderr, "trustwire: warning: --retire-after %s\n", live_only);
    }
    if (event_files && (filter || max_packets))
        fprintf(stderr, "trustwire: warning: -f, a capture filter and -c have no effect with --from-events\n");
    TwOut *std_out = tw_stages_out(&st, "-");
    if (stdout_closed)
        std_out->err = EBADF; /* said once at the end: writing stdout: Bad file descriptor */
    if (!tw_sink_mode_known(mode)) {
        fprintf(stderr, "trustwire: unknown output mode '%s' (" TW_SINK_MODES ")\n", mode);
        return 2;
    }
    tw_stages_add_output(&st, mode, std_out);
    for (char **w = writes; w && *w; w++)
        if (!add_write(&st, *w))
            return 2;
    if (html_file) {
        TwOut *o = tw_stages_out(&st, html_file);
        if (!o || !tw_stages_add_output(&st, "html", o))
            return 2;
    }
    tw_ladder_set_ascii(ascii || !g_get_charset(NULL));
    if (alerts) {
        /* live: a sensor's alerts survive its restarts (appended) */
        st.alerts = iface || follow ? tw_stages_out_append(&st, alerts) : tw_stages_out(&st, alerts);
        if (!st.alerts)
            return 2;
    }
    /* Live, without --alerts: each finding on stderr as a human line, as
     * long as some output shows verdicts (the analysis runs anyway). */
    if ((iface || follow) && !alerts) {
        for (guint i = 0; i < st.sinks->len; i++)
            if (((TwSink *)g_ptr_array_index(st.sinks, i))->needs_analysis)
                st.announce = stderr;
    }
    st.display_filter = dfilter;
    tw_stages_plan(&st);
    if (prev_reports->len && !st.analysis)
        fprintf(stderr, "trustwire: warning: --previous only changes the verdicts (-T report, json, html, ladder, "
                        "--alerts)\n");
    while (st.analysis && prev_reports->len)
        tw_analysis_add_previous(st.analysis, g_ptr_array_steal_index(prev_reports, 0));
    if (machine) {
        if (st.analysis)
            tw_analysis_set_focus(st.analysis, machine);
        else
            fprintf(stderr, "trustwire: warning: --machine only selects what reports show (-T report, json, html, "
                            "ladder)\n");
    }

    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    g_autofree char *host = g_strdup(g_get_host_name());
    TwNatsOptions no = { .creds = nats_creds, .ca = nats_ca, .cert = nats_cert, .key = nats_key,
                         .sensor = sensor_name ? sensor_name : host, .spool = publish_spool,
                         .durable = durable ? durable : "trustwire-central" };

    if (follow) {
        no.url = g_ptr_array_index(ev_files, 0);
        guint64 events = 0;
        int status = tw_follow_run(&no, &st, &lro, &stop_requested, &events, &err);
        if (status) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return status;
        }
        int out_status = tw_stages_finish(&st, events > 0);
        return events == 0 ? 2 : out_status;
    }
    if (event_files) {
        guint64 events = 0;
        /* nats:// inputs: the durable consumer's messages, one file per
         * sensor, then merged with the other inputs. */
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *tmp = NULL;
        for (guint i = 0; i + 1 < ev_files->len; i++) {
            const char *p = g_ptr_array_index(ev_files, i);
            if (!is_nats_url(p)) {
                g_ptr_array_add(paths, g_strdup(p));
                g_ptr_array_add(names, g_strdup(strcmp(p, "-") == 0 ? "stdin" : p));
                continue;
            }
            if (!tmp && !(tmp = g_dir_make_tmp("trustwire-nats-XXXXXX", &err))) {
                fprintf(stderr, "trustwire: %s\n", err->message);
                return 2;
            }
            no.url = p;
            guint64 msgs = 0;
            if (!tw_nats_consume(&no, tmp, paths, names, &msgs, &err)) {
                fprintf(stderr, "trustwire: %s\n", err->message);
                return 2;
            }
            fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " event message(s) read\n", p, msgs);
        }
        g_ptr_array_add(paths, NULL);
        g_ptr_array_add(names, NULL);
        int status = tw_from_events_run((char **)paths->pdata, (char **)names->pdata, stdin_closed, &st,
                                        &stop_requested, &events);
        if (tmp) {
            for (guint i = 0; i + 1 < paths->len; i++)
                if (g_str_has_prefix(g_ptr_array_index(paths, i), tmp))
                    unlink(g_ptr_array_index(paths, i));
            rmdir(tmp);
        }
        if (events == 0)
            status = 2; /* nothing at all was analysed: no report that would read as "all is well" */
        if (!focus_found(&st))
            status = 2;
        int out_status = tw_stages_finish(&st, events > 0);
        leave_analysis(&st);
        return status ? status : out_status;
    }

    if (publish) {
        if (!tw_nats_available()) {
            fprintf(stderr, "trustwire: --publish: this trustwire was built without libnats (-Dnats=disabled)\n");
            return 2;
        }
        no.url = publish;
        publisher = tw_nats_publisher_new(&no, &err);
        if (!publisher) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        publish_line = g_string_new(NULL);
        st.finding_out = publish_finding;
        if (!st.analysis)
            tw_stages_plan(&st); /* findings are published: the analysis runs */
    }

    g_autoptr(TwSource) src = NULL;
    if (iface) {
        /* --workers N > 1: N sockets in one fan-out group, a worker each */
        guint live_workers = workers > 0 ? (guint)workers : tw_fanout_default_workers();
        TwLiveOptions lo = { .iface = iface, .filter = filter, .snaplen = snaplen, .buffer_mib = buffer_mib,
                             .no_promisc = no_promisc, .immediate = false,
                             .fanout = live_workers > 1 ? live_workers : 0 };
        src = tw_source_open_live(&lo, &err);
    } else {
        src = tw_source_open_files((char **)files->pdata, filter, &err);
    }
    if (!src) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        return 2;
    }

    g_autoptr(GArray) file_starts = g_array_new(FALSE, TRUE, sizeof(FileStart));
    g_array_set_clear_func(file_starts, file_start_clear);
    EmitCtx ec = { &st, file_starts, !iface && files->len > 2 };
    g_autoptr(TwRing) ring = NULL;
    if (ring_dir || ring_spec) {
        TwRingOptions ro = { .dir = ring_dir, .linktype = tw_source_linktype(src), .snaplen = 262144, .iface = iface };
        if (!iface || !ring_dir) {
            fprintf(stderr, "trustwire: -w DIR and -b go with -i IFACE\n");
            return 2;
        }
        if (ring_spec && !tw_ring_parse_spec(ring_spec, &ro, &err)) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        /* DLT_* of the live source; the pcapng IDB wants LINKTYPE_*, equal
         * for the link types Linux offers except DLT_RAW (12 -> 101). */
        if (ro.linktype == 12)
            ro.linktype = 101;
        ring = tw_ring_open(&ro, &err);
        if (!ring) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        st.ring = ring;
        /* -Z: the next ring files are created by USER. */
        struct passwd *pw = run_as && geteuid() == 0 ? getpwnam(run_as) : NULL;
        if (pw && chown(ring_dir, pw->pw_uid, pw->pw_gid) != 0) {
            fprintf(stderr, "trustwire: -w %s: cannot hand it to %s: %s\n", ring_dir, run_as, g_strerror(errno));
            return 2;
        }
    }

    /* Capture health (analysis/health.h): every input, frame by frame. */
    TwHealth *health = st.analysis ? st.analysis->health : NULL;
    if (health && !iface)
        for (guint i = 0; i + 1 < files->len; i++) {
            const char *path = g_ptr_array_index(files, i);
            tw_health_source(health, strcmp(path, "-") == 0 ? "standard input" : path, "file");
        }

    running_source = src;
    int status = 0;
    int r = 0;
    g_autoptr(TwPipeline) pl = NULL;
    g_autoptr(TwWorkers) wk = NULL;
    FrameCtx fctx = { file_starts, health, NULL, 0 };
    g_autoptr(TwRingTap) tap = NULL;
    LiveFrameHealth live_health = { 0 };
    g_mutex_init(&live_health.lock);
    g_autoptr(TwFanout) fo = NULL;
    if (iface && tw_source_members(src)) {
        /* --workers N: a pipeline per fan-out socket, events merged by time */
        TwFanoutConfig fc = { .want_tree = tw_stages_want_tree(&st), .keys = keys, .show_keys = show_keys,
                              .ring = ring };
        if (health) {
            live_health.health = health;
            live_health.hs = tw_health_source(health, iface, "live");
            fc.on_frame = live_frame_health;
            fc.on_frame_user = &live_health;
            fc.frame_lock = &live_health.lock;
            lro.health_lock = &live_health.lock;
        }
        fo = tw_fanout_new(src, &fc);
        lro.fanout = fo;
        lro.emit = emit_to_stages;
        lro.emit_user = &ec;
    } else if (iface) {
        /* -w DIR: the frames the dissectors use go to the ring */
        tap = ring ? tw_ring_tap_new(ring) : NULL;
        TwPipelineConfig pc = { .emit = emit_to_stages, .emit_user = &ec, .want_tree = tw_stages_want_tree(&st),
                                .tree_layers = tree_layers,
                                .keys = keys, .show_keys = show_keys,
                                .frame_hooks = tap ? tw_ring_tap_hooks(tap) : NULL };
        pl = tw_pipeline_new(&pc);
    }
    if (iface) {
        /* The interface and every output are open: nothing more needs privileges. */
        if (!tw_drop_privileges(run_as, &err)) {
            fprintf(stderr, "trustwire: %s\n", err->message);
            return 2;
        }
        lro.user = run_as;
        tw_live_install_signals(src);
        r = tw_live_run(src, pl, &st, &lro, &stop_requested, &err);
    } else {
        tw_source_set_max_frames(src, (guint64)max_packets);
        /* Files: the sharded pipeline, the same output for every --workers. */
        /* -Y asked by the workers, on the lines they render (not with
         * --publish, which sends every event's line whatever -Y shows). */
        st.filter_in_workers = st.display_filter && !ec.several && !publisher &&
                               (workers > 0 ? (guint)workers : tw_workers_default()) > 1 &&
                               tw_stages_has_events(&st);
        TwWorkersConfig wc = { .workers = workers > 0 ? (guint)workers : tw_workers_default(),
                               .emit = emit_borrowed, .emit_user = &ec,
                               .emit_line = !ec.several && (tw_stages_has_events(&st) || publisher)
                                                ? emit_line_borrowed
                                                : NULL,
                               .lines_only = tw_stages_lines_only(&st),
                               .line_wanted = st.filter_in_workers ? tw_stages_line_wanted : NULL,
                               .line_wanted_user = &st,
                               .on_frame = on_frame, .frame_user = &fctx,
                               .want_tree = tw_stages_want_tree(&st),
                               .tree_layers = tree_layers,
                               .keys = keys, .show_keys = show_keys };
        wk = tw_workers_new(&wc);
        r = tw_workers_run(wk, src, &stop_requested, &err);
    }
    if (r < 0) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        /* Input that ended early is a health issue of the report (exit 1 when
         * a machine is broken, else 3); with nothing read, or no report, 2. */
        if (health && fctx.frames) {
            const char *name = tw_source_current_name(src);
            tw_health_ended_early(health, tw_health_source(health, name ? name : "?", iface ? "live" : "file"),
                                  err->message);
        } else {
            status = 2;
        }
    }
    running_source = NULL;
    if (health) {
        TwCaptureStats cs;
        if (iface && tw_source_live_stats(src, &cs))
            tw_health_drops(health, tw_health_source(health, iface, "live"), cs.received, cs.kernel_drops,
                            cs.if_drops);
        if (!iface && files->len > 1)
            inject_drops(health, g_ptr_array_index(files, 0));
        if (pl) {
            tw_health_counters(health, tw_pipeline_counters(pl));
        } else if (wk) {
            g_autoptr(GHashTable) sums = tw_workers_counters(wk);
            tw_health_counters(health, sums);
        } else if (fo) {
            g_autoptr(GHashTable) sums = tw_fanout_counters(fo);
            tw_health_counters(health, sums);
        }
    }

    if (!focus_found(&st))
        status = 2;
    int out_status = tw_stages_finish(&st, true);
    if (status == 0)
        status = out_status;
    if (publisher) {
        int ps = tw_nats_publisher_close(publisher);
        publisher = NULL;
        g_string_free(publish_line, TRUE);
        if (ps && status == 0)
            status = ps;
    }
    if (tw_source_is_live(src))
        tw_source_print_stats(src, stderr);
    if (show_stats) {
        if (wk)
            tw_workers_print_stats(wk, stderr);
        else if (fo)
            tw_fanout_print_stats(fo, stderr);
        else
            tw_pipeline_print_stats(pl, stderr);
    }
    leave_analysis(&st);
    return status;
}
