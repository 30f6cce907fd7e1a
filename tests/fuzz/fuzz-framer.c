/* fuzz-framer.c — the shared TCP record framer (dissectors/framer.h) with the
 * toy record format of tests/unit/framer-toy.h.  Invariants checked, not
 * only "no crash":
 *   1. the records delivered when the stream is fed in one piece equal those
 *      delivered when it is fed in splits drawn from the input;
 *   2. after every feed, bytes fed == delivered + skipped + dropped + held;
 *   3. with gaps at split points, a truncated record is never reported with
 *      as many bytes as its length, and the balance still holds.
 * Input: byte 0 = seed of the splits, byte 1 = flags (bit 0 gap_exact, bit 1
 * deliver truncated, bit 2 a small per-record cap), then the stream. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/framer-toy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool truncated_ok = true;

static bool checked_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    if (rec->truncated && rec->len >= rec->reported)
        truncated_ok = false;
    if (!rec->truncated && rec->len != rec->reported)
        truncated_ok = false; /* the toy spec keeps whole records */
    return toy_record(user, ctx, rec);
}

typedef struct {
    Toy toy;
    TwFramerSpec spec;
    TwFramer fr;
} Run;

static void run_init(Run *r, guint8 flags)
{
    r->toy = (Toy){ g_string_new(NULL), 0, 0 };
    r->spec = toy_spec((flags & 4) ? 32 : 4096, flags & 1, flags & 2);
    r->spec.record = checked_record;
    tw_framer_init(&r->fr, &r->spec, &r->toy);
}

static void run_clear(Run *r)
{
    tw_framer_clear(&r->fr);
    g_string_free(r->toy.log, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    guint32 seed = data[0];
    guint8 flags = data[1];
    const guint8 *p = data + 2;
    gsize n = size - 2;
    TwDissectCtx ctx = { 0 };

    Run whole, split;
    run_init(&whole, flags);
    run_init(&split, flags);
    tw_framer_feed(&whole.fr, &ctx, p, n);
    check(toy_balanced(&whole.fr));
    GRand *rng = g_rand_new_with_seed(seed);
    for (gsize off = 0; off < n;) {
        gsize r = (gsize)g_rand_int_range(rng, 0, 12); /* once: MIN evaluates twice */
        gsize k = MIN(n - off, r);
        tw_framer_feed(&split.fr, &ctx, p + off, k);
        check(toy_balanced(&split.fr));
        off += k;
    }
    check(g_str_equal(whole.toy.log->str, split.toy.log->str));
    check(tw_framer_buffered(&whole.fr) == tw_framer_buffered(&split.fr));

    /* Gaps at split points. */
    Run gappy;
    run_init(&gappy, flags);
    for (gsize off = 0; off < n;) {
        gsize r = (gsize)g_rand_int_range(rng, 1, 16);
        gsize k = MIN(n - off, r);
        if (g_rand_int_range(rng, 0, 4) == 0) {
            tw_framer_gap(&gappy.fr, &ctx, k);
        } else {
            tw_framer_feed(&gappy.fr, &ctx, p + off, k);
            check(toy_balanced(&gappy.fr));
        }
        off += k;
    }
    tw_framer_finish(&gappy.fr, &ctx);
    check(tw_framer_buffered(&gappy.fr) == 0);
    check(toy_balanced(&gappy.fr));
    check(truncated_ok);
    g_rand_free(rng);
    run_clear(&whole);
    run_clear(&split);
    run_clear(&gappy);
    check(tw_framer_buffered_total() == 0);
    return 0;
}
