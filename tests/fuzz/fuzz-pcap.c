/* fuzz-pcap.c — the whole capture path from capture-file bytes: our pcap /
 * pcapng reader, link layers, IP and defragmentation, TCP reassembly, the
 * flow table and every real application parser (tw_app_parsers), with each
 * event checked by fuzz_check_event (valid UTF-8, NDJSON round trip).  The input is a pcap or pcapng file. */
#include "capture/pipeline.h"
#include "capture/savefile.h"

#include "fuzz-stream.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


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
    TwPipelineConfig cfg = { fuzz_check_event, NULL, true, true };
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
    return 0;
}
