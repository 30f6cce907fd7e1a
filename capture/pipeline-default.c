/* pipeline-default.c — the pipeline over the registry's parsers.  Kept apart
 * from pipeline.c so tests that bring their own parsers do not link the
 * registry. */
#include "pipeline.h"

TwPipeline *tw_pipeline_new(const TwPipelineConfig *cfg)
{
    return tw_pipeline_new_with_parsers(cfg, tw_app_parsers);
}
