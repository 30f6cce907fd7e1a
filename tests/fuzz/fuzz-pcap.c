/* fuzz-pcap.c — the whole capture path from capture-file bytes: our pcap /
 * pcapng reader, link layers, IP and defragmentation, TCP reassembly, the
 * flow table and every real application parser (tw_app_parsers), with each
 * event serialised as NDJSON would be.  The input is a pcap or pcapng file. */
#include "capture/pipeline.h"
#include "capture/savefile.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(TwEvent *ev, void *user)
{
    GString *json = user;
    g_string_truncate(json, 0);
    tw_event_to_json(ev, json);
    tw_event_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    TwSavefile *sf = tw_savefile_open(fp, "fuzz", NULL);
    if (!sf)
        return 0; /* fp closed by the failed open */
    GString *json = g_string_new(NULL);
    TwPipelineConfig cfg = { on_event, json, true, true };
    TwPipeline *pl = tw_pipeline_new(&cfg);
    TwSavefileRecord rec;
    guint64 no = 0;
    while (tw_savefile_next(sf, &rec, NULL) > 0) {
        TwFrame f = { ++no, rec.ts_us, rec.linktype, rec.data, rec.caplen, rec.origlen };
        tw_pipeline_frame(pl, &f);
    }
    tw_pipeline_finish(pl);
    tw_pipeline_free(pl);
    tw_savefile_free(sf);
    g_string_free(json, TRUE);
    return 0;
}
