/* tw-streams.c — prints every reassembled TCP stream direction of a capture
 * as "SRC:PORT>DST:PORT GAP_BYTES HEX", through the real capture pipeline
 * with one catch-all parser (its probe accepts every TCP payload).  Used by
 * diff-streams.py to compare our reassembly with tshark's "follow tcp". */
#include "capture/pipeline.h"
#include "capture/source.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    GString *bytes[2];
    char endpoints[2][2 * TW_ADDR_STRLEN + 16];
    guint64 gap_bytes;
} Stream;

static void *stream_new(void)
{
    Stream *s = g_new0(Stream, 1);
    s->bytes[0] = g_string_new(NULL);
    s->bytes[1] = g_string_new(NULL);
    return s;
}

static void stream_free(void *p)
{
    Stream *s = p;
    for (int d = 0; d < 2; d++) {
        if (s->bytes[d]->len) {
            printf("%s %" G_GUINT64_FORMAT " ", s->endpoints[d], s->gap_bytes);
            for (gsize i = 0; i < s->bytes[d]->len; i++)
                printf("%02x", (guint8)s->bytes[d]->str[i]);
            printf("\n");
        }
        g_string_free(s->bytes[d], TRUE);
    }
    g_free(s);
}

static void stream_feed(void *p, TwDissectCtx *ctx, int dir, const guint8 *data, gsize len,
                        gsize reported)
{
    Stream *s = p;
    if (!s->endpoints[dir][0]) {
        const TwPacketInfo *pi = ctx->pi;
        bool v6 = strchr(pi->src, ':') != NULL;
        g_snprintf(s->endpoints[dir], sizeof s->endpoints[dir], v6 ? "[%s]:%u>[%s]:%u" : "%s:%u>%s:%u",
                   pi->src, pi->sport, pi->dst, pi->dport);
    }
    g_string_append_len(s->bytes[dir], (const char *)data, (gssize)len);
}

static void stream_gap(void *p, TwDissectCtx *ctx, int dir, guint64 len)
{
    ((Stream *)p)->gap_bytes += len;
}

static bool accept_all(const guint8 *data, gsize len)
{
    return true;
}

static const TwAppParser catch_all = { "streams", 6, NULL, accept_all, stream_new, stream_free,
                                       stream_feed, stream_gap };
static const TwAppParser *const parsers[] = { &catch_all, NULL };

static void drop_event(TwEvent *ev, void *user)
{
    tw_event_free(ev);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tw-streams CAPTURE...\n");
        return 2;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(TwSource) src = tw_source_open_files(argv + 1, NULL, &err);
    if (!src) {
        fprintf(stderr, "tw-streams: %s\n", err->message);
        return 2;
    }
    TwPipelineConfig cfg = { drop_event, NULL, false, true };
    g_autoptr(TwPipeline) pl = tw_pipeline_new_with_parsers(&cfg, parsers);
    TwFrame f;
    int r;
    while ((r = tw_source_next(src, &f, &err)) > 0)
        tw_pipeline_frame(pl, &f);
    tw_pipeline_finish(pl);
    if (r < 0) {
        fprintf(stderr, "tw-streams: %s\n", err->message);
        return 2;
    }
    return 0;
}
