/* test-dns.c — the GSS-TSIG carrier: names with compression pointers (no
 * loop can hang it, forward and self pointers are malformed), the TKEY
 * probes, TKEY/TSIG fields, truncation kept apart from malformation, and
 * the TCP length prefix split across feeds. */
#include "dissectors/dns/dns.h"

#include <string.h>

typedef struct {
    GPtrArray *events;
} Sink;

static void collect(TwEvent *ev, void *user)
{
    g_ptr_array_add(((Sink *)user)->events, ev);
}

static GByteArray *msg_new(guint16 id, guint16 flags, guint16 qd, guint16 an, guint16 ns,
                           guint16 ar)
{
    GByteArray *b = g_byte_array_new();
    guint16 h[6] = { id, flags, qd, an, ns, ar };
    for (int i = 0; i < 6; i++) {
        guint8 be[2] = { (guint8)(h[i] >> 8), (guint8)h[i] };
        g_byte_array_append(b, be, 2);
    }
    return b;
}

static void put(GByteArray *b, const void *p, gsize n) { g_byte_array_append(b, p, (guint)n); }
static void put16(GByteArray *b, guint v)
{
    guint8 be[2] = { (guint8)(v >> 8), (guint8)v };
    put(b, be, 2);
}
static void put_name(GByteArray *b, const char *dotted)
{
    gchar **labels = g_strsplit(dotted, ".", -1);
    for (gchar **l = labels; *l; l++) {
        guint8 n = (guint8)strlen(*l);
        put(b, &n, 1);
        put(b, *l, n);
    }
    g_strfreev(labels);
    put(b, "", 1);
}

/* A TKEY RR (owner bytes given) with a key data of `key_len` bytes. */
static void put_tkey(GByteArray *b, const guint8 *owner, gsize owner_len, const guint8 *key,
                     guint key_len)
{
    put(b, owner, owner_len);
    put16(b, 249);
    put16(b, 255);
    put(b, "\0\0\0\0", 4);
    guint rdlen = 10 /* "gss-tsig" name */ + 4 + 4 + 2 + 2 + 2 + key_len + 2;
    put16(b, rdlen);
    put_name(b, "gss-tsig");
    put(b, "\x6b\x0c\x6e\x5b\x6b\x0d\xbf\xdb", 8);
    put16(b, 3);
    put16(b, 0);
    put16(b, key_len);
    put(b, key, key_len);
    put16(b, 0);
}

static Sink *feed_udp(const guint8 *p, gsize len, gsize reported)
{
    Sink *s = g_new0(Sink, 1);
    s->events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
    TwPacketInfo pi = { .frame = 1, .transport = "udp", .sport = 53001, .dport = 53 };
    GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    TwDissectCtx ctx = { .pi = &pi, .emit = collect, .emit_user = s, .counters = counters };
    void *st = tw_dns_udp_parser.state_new();
    tw_dns_udp_parser.feed(st, &ctx, TW_DIR_REQ, p, len, reported);
    tw_dns_udp_parser.state_free(st);
    g_hash_table_destroy(counters);
    return s;
}

static void sink_free(Sink *s)
{
    g_ptr_array_unref(s->events);
    g_free(s);
}

static const TwEvent *find(const Sink *s, const char *proto)
{
    for (guint i = 0; i < s->events->len; i++) {
        const TwEvent *ev = g_ptr_array_index(s->events, i);
        if (strcmp(ev->proto, proto) == 0)
            return ev;
    }
    return NULL;
}

static void test_probes(void)
{
    GByteArray *q = msg_new(7, 0x0000, 1, 0, 0, 0);
    put_name(q, "k.example");
    put16(q, 249);
    put16(q, 255);
    g_assert_true(tw_dns_udp_parser.probe(q->data, q->len));
    g_assert_false(tw_dns_udp_parser.probe_reply(q->data, q->len));
    q->data[2] |= 0x80; /* QR */
    g_assert_false(tw_dns_udp_parser.probe(q->data, q->len));
    g_assert_true(tw_dns_udp_parser.probe_reply(q->data, q->len));
    q->data[2] &= 0x7f;
    q->data[q->len - 3] = 1; /* qtype A */
    g_assert_false(tw_dns_udp_parser.probe(q->data, q->len));
    q->data[q->len - 3] = 249;
    q->data[2] |= 0x28; /* opcode UPDATE */
    g_assert_false(tw_dns_udp_parser.probe(q->data, q->len));
    q->data[2] &= 0x87;
    g_assert_true(tw_dns_udp_parser.probe(q->data, q->len));
    g_assert_false(tw_dns_udp_parser.probe(q->data, q->len - 4)); /* qtype cut */
    q->data[5] = 2; /* two questions */
    g_assert_false(tw_dns_udp_parser.probe(q->data, q->len));
    g_byte_array_unref(q);
}

/* A TKEY query whose owner is a pointer `ptr` (message offset). */
static GByteArray *tkey_with_owner_pointer(guint ptr)
{
    GByteArray *m = msg_new(9, 0x0000, 1, 0, 0, 1);
    put_name(m, "key.example");
    put16(m, 249);
    put16(m, 255);
    guint8 owner[2] = { (guint8)(0xC0 | (ptr >> 8)), (guint8)ptr };
    put_tkey(m, owner, 2, (const guint8 *)"\x30\x00", 2);
    return m;
}

static void test_names(void)
{
    /* A pointer back to the question name: good. */
    GByteArray *m = tkey_with_owner_pointer(12);
    Sink *s = feed_udp(m->data, m->len, m->len);
    const TwEvent *ev = find(s, "dns");
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "tkey_name"), ==, "key.example");
    g_assert_cmpstr(tw_event_get_str(ev, "tkey_algorithm"), ==, "gss-tsig");
    g_assert_cmpint(tw_event_get_int(ev, "tkey_mode", -1), ==, 3);
    g_assert_null(tw_event_get_str(ev, "decode_status"));
    sink_free(s);
    g_byte_array_unref(m);

    /* Self pointer, forward pointer, and a loop of two pointers: malformed. */
    guint self = 12 + 13 + 4;
    guint targets[] = { self, self + 2, 40 };
    for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
        m = tkey_with_owner_pointer(targets[i]);
        s = feed_udp(m->data, m->len, m->len);
        ev = find(s, "dns");
        const TwEvent *an = find(s, "anomaly");
        g_assert_nonnull(an);
        g_assert_cmpstr(tw_event_get_str(an, "kind"), ==, "dns_bad_name");
        g_assert_nonnull(ev); /* the question said TKEY: the message is reported, */
        g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed"); /* as malformed */
        g_assert_null(tw_event_get_str(ev, "tkey_name"));
        sink_free(s);
        g_byte_array_unref(m);
    }
    /* Two names pointing at each other (12 -> 14 -> 12): the first pointer
     * of the question name already points forward. */
    m = msg_new(9, 0x0000, 1, 0, 0, 0);
    put(m, "\xC0\x0E\xC0\x0C", 4);
    put16(m, 249);
    put16(m, 255);
    s = feed_udp(m->data, m->len, m->len);
    g_assert_cmpuint(s->events->len, ==, 0);
    sink_free(s);
    g_byte_array_unref(m);
    /* A chain of backward pointers is followed: the answer's owner
     * "x" + pointer to the question name, the TKEY algorithm name pointing
     * at the owner. */
    m = msg_new(9, 0x8000, 1, 1, 0, 0);
    put_name(m, "key.example");
    put16(m, 249);
    put16(m, 255);
    put_tkey(m, (const guint8 *)"\x01x\xC0\x0C", 4, (const guint8 *)"\x30\x00", 2);
    s = feed_udp(m->data, m->len, m->len);
    ev = find(s, "dns");
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "tkey_name"), ==, "x.key.example");
    g_assert_null(tw_event_get_str(ev, "decode_status"));
    sink_free(s);
    g_byte_array_unref(m);
}

static void test_truncated_vs_malformed(void)
{
    static const guint8 key[64] = { 0x60, 0x3e };
    GByteArray *m = msg_new(9, 0x0000, 1, 0, 0, 1);
    put_name(m, "key.example");
    put16(m, 249);
    put16(m, 255);
    put_tkey(m, (const guint8 *)"\xC0\x0C", 2, key, sizeof key);
    /* Cut by the capture inside the key data: truncated. */
    Sink *s = feed_udp(m->data, m->len - 20, m->len);
    const TwEvent *ev = find(s, "dns");
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "truncated");
    g_assert_cmpint(tw_event_get_int(ev, "token_len", -1), ==, sizeof key);
    sink_free(s);
    /* The same bytes as a whole message that ends there: the RDLENGTH lies. */
    s = feed_udp(m->data, m->len - 20, m->len - 20);
    ev = find(s, "dns");
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed");
    sink_free(s);
    g_byte_array_unref(m);
}

/* A name cut by the capture is truncated; the same bytes as the whole
 * message are malformed.  The bytes are copied to an exact-size buffer so a
 * read past them is caught (ASan). */
static void test_name_cut(void)
{
    GByteArray *m = msg_new(9, 0x8000, 1, 1, 0, 0);
    put_name(m, "key.example");
    put16(m, 249);
    put16(m, 255);
    put_tkey(m, (const guint8 *)"\xC0\x0C", 2, (const guint8 *)"\x30\x00", 2);
    /* The TKEY RDATA starts 12 + 13 + 4 + 2 + 10 bytes in: its algorithm
     * name "gss-tsig" is one 8-byte label; cut 1, 2 and 3 bytes into it. */
    gsize alg = 12 + 13 + 4 + 2 + 10;
    for (gsize miss = 1; miss <= 3; miss++) {
        gsize cut = alg + 1 + 8 - miss;
        for (int whole = 0; whole < 2; whole++) {
            guint8 *copy = g_memdup2(m->data, cut);
            Sink *s = feed_udp(copy, cut, whole ? cut : m->len);
            const TwEvent *ev = find(s, "dns");
            g_assert_nonnull(ev);
            g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, whole ? "malformed" : "truncated");
            g_assert_null(tw_event_get_str(ev, "tkey_algorithm"));
            sink_free(s);
            g_free(copy);
        }
    }
    g_byte_array_unref(m);
}

static void test_tcp_split(void)
{
    GByteArray *m = msg_new(5, 0x8000, 1, 1, 0, 0);
    put_name(m, "key.example");
    put16(m, 249);
    put16(m, 255);
    put_tkey(m, (const guint8 *)"\xC0\x0C", 2, (const guint8 *)"\x30\x00", 2);
    GByteArray *rec = g_byte_array_new();
    put16(rec, m->len);
    put(rec, m->data, m->len);
    for (gsize cut = 1; cut < rec->len; cut += 7) {
        Sink s = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
        TwPacketInfo pi = { .frame = 1, .transport = "tcp", .sport = 53, .dport = 40001 };
        GHashTable *counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect, .emit_user = &s, .counters = counters };
        void *st = tw_dns_tcp_parser.state_new();
        tw_dns_tcp_parser.feed(st, &ctx, TW_DIR_RSP, rec->data, cut, cut);
        tw_dns_tcp_parser.feed(st, &ctx, TW_DIR_RSP, rec->data + cut, rec->len - cut,
                               rec->len - cut);
        tw_dns_tcp_parser.state_free(st);
        const TwEvent *ev = find(&s, "dns");
        g_assert_nonnull(ev);
        g_assert_cmpstr(tw_event_get_str(ev, "msg"), ==, "response");
        g_assert_cmpstr(tw_event_get_str(ev, "tkey_name"), ==, "key.example");
        g_ptr_array_unref(s.events);
        g_hash_table_destroy(counters);
    }
    g_byte_array_unref(rec);
    g_byte_array_unref(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dns/probes", test_probes);
    g_test_add_func("/dns/names", test_names);
    g_test_add_func("/dns/truncated-vs-malformed", test_truncated_vs_malformed);
    g_test_add_func("/dns/name-cut", test_name_cut);
    g_test_add_func("/dns/tcp-split", test_tcp_split);
    return g_test_run();
}
