/* ip-defrag.c — fragment reassembly (RFC 791 3.2, RFC 8200 4.5).
 *
 * Each datagram keeps a byte buffer grown to the highest fragment end and
 * two bitmaps: bytes covered by some fragment, and bytes actually captured
 * (a fragment cut by snaplen covers more than it captured).  The result's
 * caplen is the captured prefix, so a cut shows up as TRUNCATED upstream. */
#include "ip-defrag.h"
#include "caps.h"

#include <string.h>

typedef struct {
    guint8 version, proto;
    guint8 src[16], dst[16];
    guint32 id;
} DefragKey;

typedef struct Datagram {
    DefragKey key;
    gint64 first_ts;
    /* Grown to the highest fragment end seen (at most TW_DEFRAG_MAX_BYTES),
     * so the usual two- or three-fragment datagram costs little. */
    guint32 cap;
    guint8 *buf;
    guint8 *covered;  /* bitmap, cap bits */
    guint8 *captured; /* bitmap, cap bits */
    guint32 total;      /* payload length once the last fragment was seen */
    bool have_last;
    guint nfrags;
    guint64 *frames;    /* frame numbers of the fragments (tw_defrag_track_frames), nfrags */
    GList link;         /* in TwDefrag.age, oldest first */
} Datagram;

struct TwDefrag {
    GHashTable *table; /* DefragKey* -> Datagram* (key inside the datagram) */
    GQueue age;        /* Datagram links, by first fragment time */
    TwCapNotify *notify;
    guint max_datagrams; /* TW_DEFRAG_MAX_DATAGRAMS, or a shard's share of it */
    bool track_frames;
};

static guint key_hash(gconstpointer k)
{
    const DefragKey *key = k;
    guint32 h = 2166136261u;
    const guint8 *b = (const guint8 *)key;
    for (gsize i = 0; i < sizeof *key; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(DefragKey)) == 0;
}

static void datagram_free(Datagram *dg)
{
    g_free(dg->buf);
    g_free(dg->covered);
    g_free(dg->captured);
    g_free(dg->frames);
    g_free(dg);
}

TwDefrag *tw_defrag_new(TwCapNotify *notify)
{
    TwDefrag *d = g_new0(TwDefrag, 1);
    d->table = g_hash_table_new(key_hash, key_equal);
    g_queue_init(&d->age);
    d->notify = notify;
    d->max_datagrams = TW_DEFRAG_MAX_DATAGRAMS;
    return d;
}

static void datagram_drop(TwDefrag *d, Datagram *dg)
{
    g_hash_table_remove(d->table, &dg->key);
    g_queue_unlink(&d->age, &dg->link);
    datagram_free(dg);
}

static void expire(TwDefrag *d, gint64 now)
{
    GList *l;
    while ((l = d->age.head) != NULL) {
        Datagram *dg = l->data;
        if (!tw_time_passed(now, dg->first_ts, TW_DEFRAG_TIMEOUT_US))
            break;
        tw_cap_count(d->notify, "ip.defrag.timeout", 1);
        datagram_drop(d, dg);
    }
}

/* Makes room for bytes [0, end). */
static void datagram_grow(Datagram *dg, guint32 end)
{
    if (end <= dg->cap)
        return;
    guint32 cap = dg->cap ? dg->cap : 2048;
    while (cap < end)
        cap *= 2;
    if (cap > TW_DEFRAG_MAX_BYTES)
        cap = TW_DEFRAG_MAX_BYTES;
    guint32 old_bm = (dg->cap + 7) / 8, new_bm = (cap + 7) / 8;
    dg->buf = g_realloc(dg->buf, cap);
    dg->covered = g_realloc(dg->covered, new_bm);
    dg->captured = g_realloc(dg->captured, new_bm);
    memset(dg->covered + old_bm, 0, new_bm - old_bm);
    memset(dg->captured + old_bm, 0, new_bm - old_bm);
    dg->cap = cap;
}

static inline bool bit_get(const guint8 *bm, guint32 i) { return (bm[i >> 3] >> (i & 7)) & 1; }
static inline void bit_set(guint8 *bm, guint32 i) { bm[i >> 3] |= (guint8)(1u << (i & 7)); }

static bool all_covered(const Datagram *dg)
{
    guint32 i = 0;
    for (; i + 8 <= dg->total; i += 8)
        if (dg->covered[i >> 3] != 0xff)
            return false;
    for (; i < dg->total; i++)
        if (!bit_get(dg->covered, i))
            return false;
    return true;
}

void tw_defrag_track_frames(TwDefrag *d, bool on)
{
    d->track_frames = on;
}

bool tw_defrag_add(TwDefrag *d, const TwIpPacket *ip, gint64 ts_us, TwDefragResult *res)
{
    return tw_defrag_add_frame(d, ip, ts_us, 0, res);
}

bool tw_defrag_add_frame(TwDefrag *d, const TwIpPacket *ip, gint64 ts_us, guint64 frame_no, TwDefragResult *res)
{
    tw_cap_count(d->notify, "ip.fragments", 1);
    expire(d, ts_us);

    DefragKey key;
    memset(&key, 0, sizeof key);
    key.version = ip->version;
    key.proto = ip->proto;
    memcpy(key.src, ip->src, 16);
    memcpy(key.dst, ip->dst, 16);
    key.id = ip->frag_id;

    guint32 off = ip->frag_offset, len = ip->payload_len, cap = ip->payload_caplen;
    Datagram *dg = g_hash_table_lookup(d->table, &key);
    if (off > TW_DEFRAG_MAX_BYTES || len > TW_DEFRAG_MAX_BYTES - off) {
        tw_cap_anomaly(d->notify, "ip_frag_oversize",
                       "fragment at offset %u length %u passes %u bytes", off, len,
                       TW_DEFRAG_MAX_BYTES);
        if (dg)
            datagram_drop(d, dg);
        return false;
    }
    if (!dg) {
        if (g_hash_table_size(d->table) >= d->max_datagrams) {
            Datagram *old = d->age.head->data;
            tw_cap_count(d->notify, "ip.defrag.evicted", 1);
            tw_cap_anomaly(d->notify, "ip_defrag_cap",
                           "%u datagrams under reassembly: oldest evicted", d->max_datagrams);
            datagram_drop(d, old);
        }
        dg = g_new0(Datagram, 1);
        dg->key = key;
        dg->first_ts = ts_us;
        dg->link.data = dg;
        g_hash_table_insert(d->table, &dg->key, dg);
        g_queue_push_tail_link(&d->age, &dg->link);
    }
    if (++dg->nfrags > TW_DEFRAG_MAX_FRAGMENTS) {
        tw_cap_count(d->notify, "ip.defrag.evicted", 1);
        tw_cap_anomaly(d->notify, "ip_frag_count", "more than %u fragments for one datagram",
                       TW_DEFRAG_MAX_FRAGMENTS);
        datagram_drop(d, dg);
        return false;
    }
    if (d->track_frames) {
        /* nfrags <= TW_DEFRAG_MAX_FRAGMENTS: grown by doubling up to it */
        if ((dg->nfrags & (dg->nfrags - 1)) == 0)
            dg->frames = g_renew(guint64, dg->frames, dg->nfrags * 2);
        dg->frames[dg->nfrags - 1] = frame_no;
    }
    if (!ip->more_fragments) {
        if (dg->have_last && dg->total != off + len) {
            tw_cap_anomaly(d->notify, "ip_frag_conflict",
                           "two last fragments disagree on the length (%u vs %u)", dg->total,
                           off + len);
        } else {
            dg->total = off + len;
            dg->have_last = true;
        }
    }
    datagram_grow(dg, off + len);
    bool overlap = false, conflict = false;
    for (guint32 i = 0; i < len; i++) {
        guint32 at = off + i;
        if (bit_get(dg->covered, at)) {
            overlap = true;
            if (i < cap && bit_get(dg->captured, at) && dg->buf[at] != ip->payload[i])
                conflict = true;
            continue; /* first wins */
        }
        bit_set(dg->covered, at);
        if (i < cap) {
            bit_set(dg->captured, at);
            dg->buf[at] = ip->payload[i];
        }
    }
    if (overlap)
        tw_cap_anomaly(d->notify, "ip_frag_overlap",
                       "fragment at offset %u length %u overlaps earlier fragments%s", off, len,
                       conflict ? " with different bytes (first kept)" : "");
    if (!dg->have_last || !all_covered(dg))
        return false;
    guint32 captured = 0;
    while (captured < dg->total && bit_get(dg->captured, captured))
        captured++;
    res->len = dg->total;
    res->caplen = captured;
    res->data = dg->total ? g_steal_pointer(&dg->buf) : g_malloc(1);
    res->frames = g_steal_pointer(&dg->frames);
    res->nframes = res->frames ? dg->nfrags : 0;
    tw_cap_count(d->notify, "ip.defrag.reassembled", 1);
    datagram_drop(d, dg);
    return true;
}

void tw_defrag_expire(TwDefrag *d, gint64 now_us)
{
    expire(d, now_us);
}

gint64 tw_defrag_next_expiry(const TwDefrag *d)
{
    if (!d->age.head)
        return G_MAXINT64;
    gint64 first = ((const Datagram *)d->age.head->data)->first_ts;
    return first > G_MAXINT64 - TW_DEFRAG_TIMEOUT_US ? G_MAXINT64 : first + TW_DEFRAG_TIMEOUT_US;
}

void tw_defrag_set_max(TwDefrag *d, guint max_datagrams)
{
    d->max_datagrams = max_datagrams ? max_datagrams : 1;
}

void tw_defrag_flush(TwDefrag *d)
{
    GList *l;
    while ((l = d->age.head) != NULL) {
        tw_cap_count(d->notify, "ip.defrag.incomplete", 1);
        datagram_drop(d, l->data);
    }
}

guint tw_defrag_pending(const TwDefrag *d)
{
    return g_hash_table_size(d->table);
}

void tw_defrag_free(TwDefrag *d)
{
    if (!d)
        return;
    GList *l;
    while ((l = d->age.head) != NULL)
        datagram_drop(d, l->data);
    g_hash_table_unref(d->table);
    g_free(d);
}
