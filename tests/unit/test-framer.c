/* test-framer.c — the shared TCP record framer (dissectors/framer.h) at every
 * boundary, with the toy record format of framer-toy.h: a length prefix split
 * at every byte position, several records in one feed (delivered without a
 * copy), byte-by-byte feeding, gaps inside a length prefix and inside a body
 * (exact and inexact), a record over the cap, the global budget eviction,
 * and the end of the stream with a partial record. */
#include <glib.h>

#include "framer-toy.h"

typedef struct {
    Toy toy;
    TwFramerSpec spec;
    TwFramer fr;
    GHashTable *counters;
    GPtrArray *events;
    TwDissectCtx ctx;
} Fx;

static void keep_event(TwEvent *ev, void *user)
{
    g_ptr_array_add(user, ev);
}

static void fx_init(Fx *fx, guint64 max_record, bool gap_exact, bool deliver_truncated)
{
    memset(fx, 0, sizeof *fx);
    fx->toy.log = g_string_new(NULL);
    fx->spec = toy_spec(max_record, gap_exact, deliver_truncated);
    fx->counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    fx->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    fx->ctx.emit = keep_event;
    fx->ctx.emit_user = fx->events;
    fx->ctx.counters = fx->counters;
    tw_framer_init(&fx->fr, &fx->spec, &fx->toy);
}

static void fx_clear(Fx *fx)
{
    g_assert_true(toy_balanced(&fx->fr));
    tw_framer_clear(&fx->fr);
    g_string_free(fx->toy.log, TRUE);
    g_hash_table_destroy(fx->counters);
    g_ptr_array_unref(fx->events);
}

static guint64 counter(Fx *fx, const char *name)
{
    guint64 *v = g_hash_table_lookup(fx->counters, g_intern_string(name));
    return v ? *v : 0;
}

static void feed(Fx *fx, const guint8 *p, gsize n)
{
    tw_framer_feed(&fx->fr, &fx->ctx, p, n);
    g_assert_true(toy_balanced(&fx->fr));
}

/* Three records, one with an empty body. */
static GByteArray *three_records(void)
{
    GByteArray *b = g_byte_array_new();
    toy_put(b, 5, 1);
    toy_put(b, 0, 0);
    toy_put(b, 10, 0x10);
    return b;
}

static const char three_log[] = "aa00050102030405/8\n"
                                "aa0000/3\n"
                                "aa000a10111213141516171819/13\n";

static void test_one_feed(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    g_autoptr(GByteArray) b = three_records();
    feed(&fx, b->data, b->len);
    g_assert_cmpstr(fx.toy.log->str, ==, three_log);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0);
    g_assert_cmpuint(fx.fr.stats.delivered, ==, b->len);
    fx_clear(&fx);
}

/* Records lying whole in the feed are handed over in place: no copy. */
static const guint8 *feed_lo, *feed_hi;
static guint in_place;
static bool where_record(void *user, TwDissectCtx *ctx, const TwFramerRecord *rec)
{
    if (rec->p >= feed_lo && rec->p + rec->len <= feed_hi)
        in_place++;
    return toy_record(user, ctx, rec);
}

static void test_zero_copy(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    fx.spec.record = where_record;
    g_autoptr(GByteArray) b = three_records();
    in_place = 0;
    /* Cut inside the first record: it is copied, the two after it are not. */
    feed_lo = b->data + 4;
    feed_hi = b->data + b->len;
    feed(&fx, b->data, 4);
    feed(&fx, b->data + 4, b->len - 4);
    g_assert_cmpstr(fx.toy.log->str, ==, three_log);
    g_assert_cmpuint(in_place, ==, 2);
    fx_clear(&fx);
}

/* Every split position, including each byte of every length prefix. */
static void test_split_everywhere(void)
{
    g_autoptr(GByteArray) b = three_records();
    for (guint k = 0; k <= b->len; k++) {
        for (guint j = k; j <= b->len; j++) {
            Fx fx;
            fx_init(&fx, 1024, true, true);
            feed(&fx, b->data, k);
            feed(&fx, b->data + k, j - k);
            feed(&fx, b->data + j, b->len - j);
            g_assert_cmpstr(fx.toy.log->str, ==, three_log);
            fx_clear(&fx);
        }
    }
}

static void test_byte_by_byte(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    g_autoptr(GByteArray) b = three_records();
    for (guint i = 0; i < b->len; i++)
        feed(&fx, b->data + i, 1);
    g_assert_cmpstr(fx.toy.log->str, ==, three_log);
    fx_clear(&fx);
}

/* A gap after two bytes of a length prefix: the record's length is unknown,
 * so framing is lost and the next record start is hunted for. */
static void test_gap_in_prefix(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    GByteArray *b = g_byte_array_new();
    toy_put(b, 2, 1);
    guint first = b->len;
    toy_put(b, 4, 1);
    feed(&fx, b->data, first + 2);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 2);
    g_assert_cmpint(tw_framer_gap(&fx.fr, &fx.ctx, 3), ==, TW_FRAMER_GAP_RESYNC);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0);
    guint8 junk[] = { 0x01, 0x02 };
    feed(&fx, junk, sizeof junk);
    toy_put(b, 1, 7);
    feed(&fx, b->data + b->len - 4, 4);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa00020102/5\naa000107/4\n");
    g_assert_cmpuint(fx.toy.truncated, ==, 0);
    g_byte_array_unref(b);
    fx_clear(&fx);
}

/* A gap inside a body of known length: with an exact gap the record is
 * delivered TRUNCATED and the next one is found where expected. */
static void test_gap_in_body(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    GByteArray *b = g_byte_array_new();
    toy_put(b, 10, 0x20);
    toy_put(b, 1, 9);
    feed(&fx, b->data, 6); /* header + 3 body bytes */
    g_assert_cmpint(tw_framer_gap(&fx.fr, &fx.ctx, 4), ==, TW_FRAMER_GAP_RECORD_CUT);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000a202122/13T\n");
    feed(&fx, b->data + 10, b->len - 10); /* last 3 body bytes, then a record */
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000a202122/13T\naa000109/4\n");
    g_assert_cmpuint(fx.toy.truncated, ==, 1);
    fx_clear(&fx);

    /* A gap running past the record's end: delivered truncated, then hunting. */
    fx_init(&fx, 1024, true, true);
    feed(&fx, b->data, 6);
    g_assert_cmpint(tw_framer_gap(&fx.fr, &fx.ctx, 9), ==, TW_FRAMER_GAP_RESYNC);
    feed(&fx, b->data + 15, b->len - 15);
    /* the gap took the next record's mark: its last bytes are passed over */
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000a202122/13T\n");
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 2);
    fx_clear(&fx);

    /* Without gap_exact or deliver_truncated the cut record is dropped. */
    fx_init(&fx, 1024, false, false);
    feed(&fx, b->data, 6);
    g_assert_cmpint(tw_framer_gap(&fx.fr, &fx.ctx, 4), ==, TW_FRAMER_GAP_RESYNC);
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 6);
    feed(&fx, b->data + 10, b->len - 10);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000109/4\n");
    fx_clear(&fx);
    g_byte_array_unref(b);
}

static TwFrameLen keep_two(void *user, TwDissectCtx *ctx, const guint8 *p, gsize avail)
{
    TwFrameLen r = toy_length(user, ctx, p, avail);
    if (r.kind == TW_FRAME_RECORD)
        r.keep = TOY_HDR + 2;
    return r;
}

static void test_keep_and_skip(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    fx.spec.length = keep_two;
    GByteArray *b = g_byte_array_new();
    toy_put(b, 10, 0x30);
    toy_put(b, 1, 5);
    feed(&fx, b->data, 8); /* the kept prefix is delivered, not truncated */
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000a3031/13\n");
    g_assert_cmpint(tw_framer_gap(&fx.fr, &fx.ctx, 3), ==, TW_FRAMER_GAP_ABSORBED);
    feed(&fx, b->data + 11, b->len - 11);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000a3031/13\naa000105/4\n");
    g_assert_cmpuint(fx.fr.stats.skipped, ==, 5);
    g_byte_array_unref(b);
    fx_clear(&fx);
}

/* A record longer than the cap: counted, an anomaly, skipped by its length. */
static void test_over_cap(void)
{
    Fx fx;
    fx_init(&fx, 16, true, true);
    GByteArray *b = g_byte_array_new();
    toy_put(b, 100, 0x40);
    toy_put(b, 1, 6);
    feed(&fx, b->data, 10);
    g_assert_cmpuint(counter(&fx, "framer.records_over_cap"), ==, 1);
    g_assert_cmpuint(counter(&fx, "anomaly.limit"), ==, 1);
    g_assert_cmpuint(fx.events->len, ==, 1);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0); /* nothing buffered for it */
    feed(&fx, b->data + 10, b->len - 10);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000106/4\n");
    fx_clear(&fx);

    /* The same with the length prefix split across feeds, so the length is
     * read from the framer's own buffer: the cap holds there too. */
    fx_init(&fx, 16, true, true);
    feed(&fx, b->data, 1);
    feed(&fx, b->data + 1, 9);
    g_assert_cmpuint(counter(&fx, "framer.records_over_cap"), ==, 1);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0);
    feed(&fx, b->data + 10, b->len - 10);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000106/4\n");
    g_byte_array_unref(b);
    fx_clear(&fx);
}

/* Garbage before a record: BAD, then the probe finds the record start. */
static void test_garbage_resync(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    GByteArray *b = g_byte_array_new();
    guint8 junk[] = { 1, 2, 3 };
    g_byte_array_append(b, junk, 3);
    toy_put(b, 2, 1);
    for (guint i = 0; i < b->len; i++)
        feed(&fx, b->data + i, 1);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa00020102/5\n");
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 3);
    g_byte_array_unref(b);
    fx_clear(&fx);
}

/* Hunting across feeds with a probe that needs two bytes (0xAA 0x00): the
 * tail a start may straddle is held, searched with a window of the next
 * feed, and either the start is found inside it (the bytes before it are
 * dropped, the record is then judged from what is held) or the window is
 * judged again in place. */
static TwProbe two_byte_probe(void *user, const guint8 *p, gsize avail)
{
    (void)user;
    if (avail < 2)
        return TW_PROBE_NEED;
    return p[0] == TOY_MARK && p[1] == 0 ? TW_PROBE_YES : TW_PROBE_NO;
}

static void test_resync_held_tail(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    fx.spec.probe = two_byte_probe;
    fx.spec.probe_window = 2;
    fx.spec.resync_keep = 2;
    /* A start in the held tail, one byte in: "03 aa" held, "00 02" completes it. */
    static const guint8 a[] = { 1, 2, 3, TOY_MARK };
    static const guint8 b[] = { 0, 2, 1, 2, TOY_MARK, 0, 1, 5 };
    feed(&fx, a, sizeof a);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 2);
    feed(&fx, b, sizeof b);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa00020102/5\naa000105/4\n");
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 3);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0);
    fx_clear(&fx);

    /* No start in the held tail "03 04": the window is judged in place. */
    gsize before = tw_framer_buffered_total();
    fx_init(&fx, 1024, true, true);
    fx.spec.probe = two_byte_probe;
    fx.spec.probe_window = 2;
    fx.spec.resync_keep = 2;
    static const guint8 c[] = { 1, 2, 3, 4 };
    static const guint8 d[] = { 5, TOY_MARK, 0, 1, 7 };
    feed(&fx, c, sizeof c);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 2);
    feed(&fx, d, sizeof d);
    g_assert_cmpstr(fx.toy.log->str, ==, "aa000107/4\n");
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 5);
    g_assert_cmpuint(tw_framer_buffered(&fx.fr), ==, 0);
    g_assert_cmpuint(tw_framer_buffered_total(), ==, before);
    fx_clear(&fx);
}

/* The global budget: a new partial record that would exceed it evicts the
 * oldest partial buffer of another framer, which then resynchronises. */
static void test_budget_eviction(void)
{
    Fx a, c;
    fx_init(&a, 1024, true, true);
    fx_init(&c, 1024, true, true);
    tw_framer_set_budget_for_tests(32);
    GByteArray *b = g_byte_array_new();
    toy_put(b, 40, 0x50);
    gsize before = tw_framer_buffered_total();
    feed(&a, b->data, 20);
    g_assert_cmpuint(tw_framer_buffered_total(), ==, before + 20);
    feed(&c, b->data, 20);
    g_assert_cmpuint(counter(&c, "framer.budget_evictions"), ==, 1);
    g_assert_cmpuint(counter(&c, "anomaly.limit"), ==, 1);
    g_assert_cmpuint(tw_framer_buffered(&a.fr), ==, 0);
    g_assert_cmpuint(tw_framer_buffered(&c.fr), ==, 20);
    g_assert_cmpuint(tw_framer_buffered_total(), ==, before + 20);
    /* The evicted direction sees a gap: its record is lost, the next one found. */
    GByteArray *n = g_byte_array_new();
    g_byte_array_append(n, b->data + 20, b->len - 20);
    toy_put(n, 1, 3);
    feed(&a, n->data, n->len);
    g_assert_cmpstr(a.toy.log->str, ==, "aa000103/4\n");
    /* A partial record growing past the whole budget drops itself. */
    feed(&c, b->data + 20, b->len - 20);
    g_assert_cmpuint(counter(&c, "framer.budget_evictions"), ==, 2);
    g_assert_cmpuint(c.toy.records, ==, 0);
    g_assert_cmpuint(tw_framer_buffered(&c.fr), ==, 0);
    tw_framer_set_budget_for_tests(0);
    g_byte_array_unref(b);
    g_byte_array_unref(n);
    fx_clear(&a);
    fx_clear(&c);
    g_assert_cmpuint(tw_framer_buffered_total(), ==, before);
}

/* End of the stream with a partial record: reported TRUNCATED, never whole. */
static void test_finish_partial(void)
{
    Fx fx;
    fx_init(&fx, 1024, true, true);
    GByteArray *b = g_byte_array_new();
    toy_put(b, 4, 1);
    feed(&fx, b->data, 5);
    g_assert_true(tw_framer_finish(&fx.fr, &fx.ctx));
    g_assert_cmpstr(fx.toy.log->str, ==, "aa00040102/7T\n");
    g_assert_cmpuint(fx.toy.truncated, ==, 1);
    g_assert_false(tw_framer_finish(&fx.fr, &fx.ctx));
    fx_clear(&fx);

    /* A parser that drops cut records: nothing delivered. */
    fx_init(&fx, 1024, true, false);
    feed(&fx, b->data, 5);
    g_assert_true(tw_framer_finish(&fx.fr, &fx.ctx));
    g_assert_cmpuint(fx.toy.records, ==, 0);
    g_assert_cmpuint(fx.fr.stats.dropped, ==, 5);
    g_byte_array_unref(b);
    fx_clear(&fx);
}

/* A cleared framer's buffer is kept for the thread's next framer that must
 * hold bytes (framer.c, spares): the same memory, its capacity honoured
 * when the next record outgrows it.  Run in a thread of its own, so the
 * spares start empty (and go with the thread). */
static gpointer spares_thread(gpointer unused)
{
    Fx a, b;
    fx_init(&a, 1 << 16, true, true);
    g_autoptr(GByteArray) big = g_byte_array_new();
    toy_put(big, 100, 1);
    feed(&a, big->data, 23); /* a partial record: a buffer is allocated */
    g_assert_cmpuint(tw_framer_buffered(&a.fr), ==, 23);
    const guint8 *first = a.fr.buf;
    gsize first_cap = a.fr.buf_cap;
    g_assert_nonnull(first);
    g_assert_true(tw_framer_finish(&a.fr, &a.ctx));
    fx_clear(&a);
    /* Were the buffer freed, this allocation of its size would likely get
     * its memory, and the framer below another. */
    g_autofree guint8 *decoy = g_malloc(first_cap);

    fx_init(&b, 1 << 16, true, true);
    g_autoptr(GByteArray) recs = g_byte_array_new();
    toy_put(recs, 10, 0x20);
    toy_put(recs, 3000, 0x30);
    feed(&b, recs->data, 5);
    g_assert_true(b.fr.buf == first); /* the spare, not a new allocation */
    feed(&b, recs->data + 5, 20);      /* the first record, then 12 bytes of the second */
    g_assert_cmpuint(tw_framer_buffered(&b.fr), ==, 12);
    feed(&b, recs->data + 25, recs->len - 25); /* grows past the spare's capacity */
    g_assert_cmpuint(b.toy.records, ==, 2);
    g_assert_cmpuint(b.toy.truncated, ==, 0);
    g_autoptr(GString) want = g_string_new(NULL);
    for (guint i = 0; i < recs->len; i++) {
        if (i == 13)
            g_string_append(want, "/13\n");
        g_string_append_printf(want, "%02x", recs->data[i]);
    }
    g_string_append(want, "/3003\n");
    g_assert_cmpstr(b.toy.log->str, ==, want->str);
    g_assert_cmpuint(tw_framer_buffered_total(), ==, 0);
    fx_clear(&b);
    return unused;
}

static void test_spare_buffers(void)
{
    g_thread_join(g_thread_new("spares", spares_thread, NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/framer/one-feed", test_one_feed);
    g_test_add_func("/framer/zero-copy", test_zero_copy);
    g_test_add_func("/framer/split-everywhere", test_split_everywhere);
    g_test_add_func("/framer/byte-by-byte", test_byte_by_byte);
    g_test_add_func("/framer/gap-in-prefix", test_gap_in_prefix);
    g_test_add_func("/framer/gap-in-body", test_gap_in_body);
    g_test_add_func("/framer/keep-and-skip", test_keep_and_skip);
    g_test_add_func("/framer/over-cap", test_over_cap);
    g_test_add_func("/framer/garbage-resync", test_garbage_resync);
    g_test_add_func("/framer/resync-held-tail", test_resync_held_tail);
    g_test_add_func("/framer/budget-eviction", test_budget_eviction);
    g_test_add_func("/framer/finish-partial", test_finish_partial);
    g_test_add_func("/framer/spare-buffers", test_spare_buffers);
    return g_test_run();
}
