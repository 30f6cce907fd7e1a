/* tw-single.c — the reference for tests/workers: the events of capture
 * files (NDJSON, as -T events) through ONE pipeline with the program's
 * whole caps, the way trustwire read files before --workers.  The sharded
 * run must give the same events in the same order whenever no shard meets
 * a cap that the whole would not have met.
 *
 * usage: tw-single FILE… */
#include "capture/pipeline.h"
#include "capture/source.h"

#include <stdio.h>

/* Several files: events name theirs (pcap, pcap_frame) as trustwire's do
 * (docs/events.md "Several files"): where each file starts, in global frames. */
typedef struct {
    guint64 first[256];
    const char *name[256];
    guint n;
    bool several;
    GString *line;
} Ctx;

static void print_event(TwEvent *ev, void *user)
{
    Ctx *c = user;
    GString *line = c->line;
    if (c->several)
        for (guint i = c->n; i-- > 0;)
            if (ev->frame >= c->first[i]) {
                tw_event_set_str(ev, "pcap", c->name[i]);
                tw_event_set_int(ev, "pcap_frame", (gint64)(ev->frame - c->first[i] + 1));
                break;
            }
    g_string_truncate(line, 0);
    tw_event_to_json(ev, line);
    g_string_append_c(line, '\n');
    fwrite(line->str, 1, line->len, stdout);
    tw_event_free(ev);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tw-single FILE…\n");
        return 2;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(argv + 1, NULL, &err);
    if (!src) {
        fprintf(stderr, "tw-single: %s\n", err->message);
        return 2;
    }
    g_autoptr(GString) line = g_string_new(NULL);
    Ctx c = { .several = argc > 2, .line = line };
    TwPipelineConfig pc = { .emit = print_event, .emit_user = &c, .quiet = true };
    g_autoptr(TwPipeline) pl = tw_pipeline_new(&pc);
    TwFrame f;
    int r;
    while ((r = tw_source_next(src, &f, &err)) > 0) {
        if ((f.file_no == 1 || !c.n) && c.n < G_N_ELEMENTS(c.first)) {
            c.first[c.n] = f.no - f.file_no + 1;
            c.name[c.n++] = tw_source_current_name(src);
        }
        tw_pipeline_frame(pl, &f);
    }
    tw_pipeline_finish(pl);
    return r < 0 ? 1 : 0;
}
