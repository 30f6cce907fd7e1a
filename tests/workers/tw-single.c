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

static void print_event(TwEvent *ev, void *user)
{
    GString *line = user;
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
    TwPipelineConfig pc = { .emit = print_event, .emit_user = line, .quiet = true };
    g_autoptr(TwPipeline) pl = tw_pipeline_new(&pc);
    TwFrame f;
    int r;
    while ((r = tw_source_next(src, &f, &err)) > 0)
        tw_pipeline_frame(pl, &f);
    tw_pipeline_finish(pl);
    return r < 0 ? 1 : 0;
}
