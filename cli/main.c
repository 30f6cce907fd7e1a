/* main.c — trustwire's command line: read frames, dissect, analyse, print. */
#include "analysis/analysis.h"
#include "capture/pipeline.h"
#include "capture/source.h"
#include "output/sink.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* --from-events: NDJSON lines as written by -T events (docs/events.md), from
 * one or several sensors, merged by capture time into one analysis. */
#define TW_FROM_EVENTS_MAX_LINE   (1u << 20) /* longer lines are skipped */
#define TW_FROM_EVENTS_MAX_EVENTS 5000000u   /* events kept in memory for the merge */

typedef struct {
    TwEvent *ev;
    const char *source;
    guint64 seq;
} LoadedEvent;

static int loaded_cmp(gconstpointer pa, gconstpointer pb)
{
    const LoadedEvent *x = pa, *y = pb;
    if (x->ev->ts_us != y->ev->ts_us)
        return x->ev->ts_us < y->ev->ts_us ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int run_from_events(char **paths, TwSink *sink)
{
    g_autoptr(GArray) evs = g_array_new(FALSE, FALSE, sizeof(LoadedEvent));
    int status = 0;
    guint64 seq = 0, bad = 0;
    bool capped = false;
    for (char **p = paths; *p && !capped; p++) {
        bool is_stdin = strcmp(*p, "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(*p, "r");
        if (!f) {
            fprintf(stderr, "trustwire: %s: %s\n", *p, g_strerror(errno));
            status = 2;
            continue;
        }
        const char *source = is_stdin ? "stdin" : *p;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        guint64 lineno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
            lineno++;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = 0;
            if (n == 0)
                continue;
            if ((size_t)n > TW_FROM_EVENTS_MAX_LINE) {
                bad++;
                continue;
            }
            g_autoptr(GError) err = NULL;
            TwEvent *ev = tw_event_from_json(line, n, &err);
            if (!ev) {
                if (bad++ < 5)
                    fprintf(stderr, "trustwire: %s:%" G_GUINT64_FORMAT ": %s\n", source, lineno, err->message);
                continue;
            }
            if (evs->len >= TW_FROM_EVENTS_MAX_EVENTS) {
                fprintf(stderr, "trustwire: more than %u events: the rest are not analysed\n",
                        TW_FROM_EVENTS_MAX_EVENTS);
                tw_event_free(ev);
                capped = true;
                break;
            }
            LoadedEvent le = { ev, source, seq++ };
            g_array_append_val(evs, le);
        }
        free(line);
        if (!is_stdin)
            fclose(f);
    }
    if (bad)
        fprintf(stderr, "trustwire: %" G_GUINT64_FORMAT " line(s) were not events and were skipped\n", bad);
    g_array_sort(evs, loaded_cmp);
    for (guint i = 0; i < evs->len; i++) {
        LoadedEvent *le = &g_array_index(evs, LoadedEvent, i);
        if (!stop_requested) {
            tw_sink_report_set_source(sink, le->source);
            sink->event(sink, le->ev);
        }
        tw_event_free(le->ev);
    }
    return status;
}

static void emit_to_sink(TwEvent *ev, void *user)
{
    TwSink *sink = user;
    sink->event(sink, ev);
    tw_event_free(ev);
}

int main(int argc, char **argv)
{
    g_auto(GStrv) read_files = NULL;
    g_auto(GStrv) event_files = NULL;
    g_autofree char *iface = NULL;
    g_autofree char *filter = NULL;
    g_autofree char *out_mode = NULL;
    gint snaplen = 0;
    gboolean show_stats = FALSE;
    gboolean version = FALSE;

    GOptionEntry entries[] = {
        { "read", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &read_files,
          "Read packets from FILE (pcap or pcapng; '-' for stdin); repeat for several files", "FILE" },
        { "from-events", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &event_files,
          "Analyse saved events (NDJSON from -T events; '-' for stdin); repeat to merge sensors", "FILE" },
        { "interface", 'i', 0, G_OPTION_ARG_STRING, &iface, "Capture live on IFACE", "IFACE" },
        { "filter", 'f', 0, G_OPTION_ARG_STRING, &filter, "BPF capture filter", "FILTER" },
        { "snaplen", 's', 0, G_OPTION_ARG_INT, &snaplen, "Live capture snapshot length (default 262144)",
          "BYTES" },
        { "output", 'T', 0, G_OPTION_ARG_STRING, &out_mode,
          "Output: report (default: who lost its trust, why, the fix), json (the report as JSON), "
          "summary (one line per message), events (NDJSON), tree (teaching view)", "MODE" },
        { "stats", 'S', 0, G_OPTION_ARG_NONE, &show_stats, "Print pipeline counters on stderr at the end",
          NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };

    g_autoptr(GOptionContext) octx = g_option_context_new("[FILE…]");
    g_option_context_set_summary(octx,
        "Reads network traffic and tells which Windows machine lost its domain trust, why, and how to fix it.");
    g_option_context_add_main_entries(octx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        return 2;
    }
    if (version) {
        printf("trustwire 0.1.0\n");
        return 0;
    }

    /* Files: -r FILE… and positional arguments, in the order given.  With
     * --from-events, positional arguments are more event files
     * (`trustwire --from-events a.ndjson b.ndjson`). */
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    g_autoptr(GPtrArray) ev_files = g_ptr_array_new();
    for (char **f = read_files; f && *f; f++)
        g_ptr_array_add(files, *f);
    for (char **f = event_files; f && *f; f++)
        g_ptr_array_add(ev_files, *f);
    for (int i = 1; i < argc; i++)
        g_ptr_array_add(event_files ? ev_files : files, argv[i]);
    g_ptr_array_add(files, NULL);
    g_ptr_array_add(ev_files, NULL);

    if (event_files && (iface || files->len > 1)) {
        fprintf(stderr, "trustwire: --from-events cannot be combined with -r or -i\n");
        return 2;
    }
    if (files->len == 1 && !iface && !event_files) {
        fprintf(stderr, "trustwire: nothing to read: give -r FILE or -i IFACE (see --help)\n");
        return 2;
    }
    if (files->len > 1 && iface) {
        fprintf(stderr, "trustwire: -r and -i cannot be used together\n");
        return 2;
    }

    TwSink *sink = NULL;
    bool want_tree = false;
    if (!out_mode || strcmp(out_mode, "report") == 0) {
        sink = tw_sink_report_new(stdout, false, iface != NULL, stderr);
    } else if (strcmp(out_mode, "json") == 0) {
        sink = tw_sink_report_new(stdout, true, iface != NULL, stderr);
    } else if (strcmp(out_mode, "summary") == 0) {
        sink = tw_sink_summary_new(stdout);
    } else if (strcmp(out_mode, "events") == 0) {
        sink = tw_sink_events_new(stdout);
    } else if (strcmp(out_mode, "tree") == 0) {
        sink = tw_sink_tree_new(stdout);
        want_tree = true;
    } else {
        fprintf(stderr, "trustwire: unknown output mode '%s' (report, json, summary, events, tree)\n", out_mode);
        return 2;
    }

    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (event_files) {
        int st = run_from_events((char **)ev_files->pdata, sink);
        int sink_status = sink->end(sink);
        sink->free(sink);
        return st ? st : sink_status;
    }

    g_autoptr(TwSource) src = NULL;
    if (iface) {
        TwLiveOptions lo = { .iface = iface, .filter = filter, .snaplen = snaplen, .immediate = true };
        src = tw_source_open_live(&lo, &err);
    } else {
        src = tw_source_open_files((char **)files->pdata, filter, &err);
    }
    if (!src) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        sink->free(sink);
        return 2;
    }

    TwPipelineConfig pc = { .emit = emit_to_sink, .emit_user = sink, .want_tree = want_tree };
    g_autoptr(TwPipeline) pl = tw_pipeline_new(&pc);

    running_source = src;

    int status = 0;
    TwFrame frame;
    int r;
    while ((r = tw_source_next(src, &frame, &err)) > 0)
        tw_pipeline_frame(pl, &frame);
    if (r < 0) {
        fprintf(stderr, "trustwire: %s\n", err->message);
        status = 2;
    }
    tw_pipeline_finish(pl);
    running_source = NULL;

    int sink_status = sink->end(sink);
    if (status == 0)
        status = sink_status;
    if (tw_source_is_live(src))
        tw_source_print_stats(src, stderr);
    if (show_stats)
        tw_pipeline_print_stats(pl, stderr);
    sink->free(sink);
    return status;
}
