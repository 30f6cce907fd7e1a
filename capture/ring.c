/* ring.c — the pcapng ring of -w DIR (ring.h).  pcapng written by hand:
 * libpcap 1.10's pcap_dump writes classic pcap only.  Blocks as in
 * draft-ietf-opsawg-pcapng: Section Header (4.1), Interface Description
 * (4.2, if_tsresol 6 = microseconds), Enhanced Packet (4.3), all in host
 * byte order (the SHB's byte-order magic says which). */
#include "ring.h"
#include "core/tw-limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Which run frame is which in-file frame: sorted by run frame number
 * (frames are written nearly in that order: a datagram's fragments, or
 * another worker's frames, may come a little late). */
typedef struct {
    guint64 no;  /* run frame number */
    guint32 pos; /* 1-based frame number in the file */
} IndexEntry;

typedef struct {
    char *path;
    GArray *index; /* IndexEntry, by no */
} RingFile;

struct TwRing {
    GMutex lock;
    TwRingOptions o;
    char *dir, *iface;
    FILE *f;
    guint64 bytes;     /* of the current file */
    guint seq;
    GQueue files;      /* RingFile*, oldest first; the tail is being written */
    char *error;
    guint64 written, not_kept;
};

static void ring_file_free(gpointer p)
{
    RingFile *rf = p;
    g_free(rf->path);
    g_array_unref(rf->index);
    g_free(rf);
}

GQuark tw_ring_error_quark(void);
G_DEFINE_QUARK(tw-ring-error-quark, tw_ring_error)

bool tw_ring_parse_spec(const char *spec, TwRingOptions *o, GError **err)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    for (char **p = parts; *p; p++) {
        char *end = NULL;
        if (g_str_has_prefix(*p, "filesize:")) {
            guint64 mb = g_ascii_strtoull(*p + 9, &end, 10);
            if (end == *p + 9 || *end || mb == 0 || mb > 1024 * 1024)
                goto bad;
            o->file_bytes = mb * 1000 * 1000;
        } else if (g_str_has_prefix(*p, "files:")) {
            guint64 n = g_ascii_strtoull(*p + 6, &end, 10);
            if (end == *p + 6 || *end || n == 0 || n > 100000)
                goto bad;
            o->files = (guint)n;
        } else {
            goto bad;
        }
    }
    return true;
bad:
    g_set_error(err, tw_ring_error_quark(), 1, "-b %s: expected filesize:MB,files:N", spec);
    return false;
}

static void put_block(TwRing *r, guint32 type, const void *body, guint32 len)
{
    static const guint8 zero[4];
    guint32 pad = (4 - len % 4) % 4;
    guint32 total = 12 + len + pad;
    if (fwrite(&type, 4, 1, r->f) != 1 || fwrite(&total, 4, 1, r->f) != 1 || (len && fwrite(body, len, 1, r->f) != 1)
        || (pad && fwrite(zero, pad, 1, r->f) != 1) || fwrite(&total, 4, 1, r->f) != 1) {
        if (!r->error)
            r->error = g_strdup_printf("writing %s: %s", ((RingFile *)g_queue_peek_tail(&r->files))->path,
                                       g_strerror(errno));
    }
    r->bytes += total;
}

static void put_option(GByteArray *b, guint16 code, const void *v, guint16 len)
{
    static const guint8 zero[4];
    g_byte_array_append(b, (const guint8 *)&code, 2);
    g_byte_array_append(b, (const guint8 *)&len, 2);
    g_byte_array_append(b, v, len);
    g_byte_array_append(b, zero, (4 - len % 4) % 4);
}

static bool start_file(TwRing *r)
{
    if (r->f && fclose(r->f) != 0 && !r->error)
        r->error = g_strdup_printf("closing a ring file: %s", g_strerror(errno));
    r->f = NULL;
    GDateTime *now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d%H%M%S");
    g_date_time_unref(now);
    RingFile *rf = g_new0(RingFile, 1);
    rf->path = g_strdup_printf("%s/trustwire_%05u_%s.pcapng", r->dir, ++r->seq, stamp);
    rf->index = g_array_new(FALSE, FALSE, sizeof(IndexEntry));
    r->f = fopen(rf->path, "wb");
    if (!r->f) {
        if (!r->error)
            r->error = g_strdup_printf("cannot write %s: %s", rf->path, g_strerror(errno));
        ring_file_free(rf);
        return false;
    }
    g_queue_push_tail(&r->files, rf);
    while (g_queue_get_length(&r->files) > r->o.files) {
        RingFile *old = g_queue_pop_head(&r->files);
        unlink(old->path);
        ring_file_free(old);
    }
    r->bytes = 0;
    /* SHB: byte-order magic, version 1.0, section length unknown (-1) */
    GByteArray *b = g_byte_array_new();
    guint32 magic = 0x1A2B3C4D;
    guint16 ver[2] = { 1, 0 };
    gint64 seclen = -1;
    g_byte_array_append(b, (guint8 *)&magic, 4);
    g_byte_array_append(b, (guint8 *)ver, 4);
    g_byte_array_append(b, (guint8 *)&seclen, 8);
    const char *app = "trustwire 0.1.0";
    put_option(b, 4 /* shb_userappl */, app, (guint16)strlen(app));
    put_option(b, 0, NULL, 0);
    put_block(r, 0x0A0D0D0A, b->data, b->len);
    g_byte_array_set_size(b, 0);
    /* IDB: link type, reserved, snaplen; if_name, if_tsresol = 6 (µs) */
    guint16 lt[2] = { (guint16)r->o.linktype, 0 };
    guint32 snap = (guint32)r->o.snaplen;
    g_byte_array_append(b, (guint8 *)lt, 4);
    g_byte_array_append(b, (guint8 *)&snap, 4);
    if (r->iface)
        put_option(b, 2 /* if_name */, r->iface, (guint16)strlen(r->iface));
    guint8 tsresol = 6;
    put_option(b, 9 /* if_tsresol */, &tsresol, 1);
    put_option(b, 0, NULL, 0);
    put_block(r, 0x00000001, b->data, b->len);
    g_byte_array_free(b, TRUE);
    return !r->error;
}

TwRing *tw_ring_open(const TwRingOptions *o, GError **err)
{
    if (g_mkdir_with_parents(o->dir, 0750) != 0 || access(o->dir, W_OK) != 0) {
        g_set_error(err, tw_ring_error_quark(), 1, "-w %s: cannot write there: %s", o->dir, g_strerror(errno));
        return NULL;
    }
    TwRing *r = g_new0(TwRing, 1);
    g_mutex_init(&r->lock);
    r->o = *o;
    if (!r->o.file_bytes)
        r->o.file_bytes = 100 * 1000 * 1000;
    if (!r->o.files)
        r->o.files = 10;
    r->dir = g_strdup(o->dir);
    r->iface = o->iface ? g_strdup(o->iface) : NULL;
    g_queue_init(&r->files);
    if (!start_file(r)) {
        g_set_error(err, tw_ring_error_quark(), 1, "-w %s: %s", o->dir, r->error);
        tw_ring_free(r);
        return NULL;
    }
    return r;
}

/* The in-file position of run frame `no` in rf's index, or where it goes. */
static guint index_find(const GArray *index, guint64 no)
{
    guint lo = 0, hi = index->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(index, IndexEntry, mid).no < no)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool write_locked(TwRing *r, const TwFrame *f)
{
    if (r->error)
        return false;
    RingFile *rf = g_queue_peek_tail(&r->files);
    if ((r->bytes >= r->o.file_bytes || rf->index->len >= TW_RING_FILE_FRAMES_MAX) && !start_file(r))
        return false;
    rf = g_queue_peek_tail(&r->files);
    /* EPB header: interface 0, timestamp high/low (µs), captured and
     * original lengths, then the data (padded by put_block). */
    guint32 hdr[5] = { 0, (guint32)((guint64)f->ts_us >> 32), (guint32)f->ts_us, f->caplen, f->origlen };
    static const guint8 zero[4];
    guint32 pad = (4 - f->caplen % 4) % 4;
    guint32 total = 12 + 20 + f->caplen + pad;
    guint32 type = 6;
    if (fwrite(&type, 4, 1, r->f) != 1 || fwrite(&total, 4, 1, r->f) != 1 || fwrite(hdr, 20, 1, r->f) != 1
        || (f->caplen && fwrite(f->data, f->caplen, 1, r->f) != 1) || (pad && fwrite(zero, pad, 1, r->f) != 1)
        || fwrite(&total, 4, 1, r->f) != 1) {
        r->error = g_strdup_printf("writing %s: %s", rf->path, g_strerror(errno));
        return false;
    }
    r->bytes += total;
    IndexEntry e = { f->no, rf->index->len + 1 };
    guint at = rf->index->len;
    if (at && g_array_index(rf->index, IndexEntry, at - 1).no > f->no)
        at = index_find(rf->index, f->no);
    g_array_insert_val(rf->index, at, e);
    r->written++;
    return true;
}

bool tw_ring_write(TwRing *r, const TwFrame *f)
{
    g_mutex_lock(&r->lock);
    bool ok = write_locked(r, f);
    g_mutex_unlock(&r->lock);
    return ok;
}

bool tw_ring_locate(TwRing *r, guint64 frame, char **file, guint64 *in_file)
{
    bool found = false;
    g_mutex_lock(&r->lock);
    for (GList *l = r->files.tail; l && !found; l = l->prev) {
        const RingFile *rf = l->data;
        guint i = index_find(rf->index, frame);
        if (i < rf->index->len && g_array_index(rf->index, IndexEntry, i).no == frame) {
            *file = g_strdup(rf->path);
            *in_file = g_array_index(rf->index, IndexEntry, i).pos;
            found = true;
        }
    }
    g_mutex_unlock(&r->lock);
    return found;
}

void tw_ring_counts(TwRing *r, guint64 *written, guint64 *fragments_not_kept)
{
    g_mutex_lock(&r->lock);
    *written = r->written;
    *fragments_not_kept = r->not_kept;
    g_mutex_unlock(&r->lock);
}

void tw_ring_flush(TwRing *r)
{
    g_mutex_lock(&r->lock);
    if (r->f && fflush(r->f) != 0 && !r->error)
        r->error = g_strdup_printf("writing a ring file: %s", g_strerror(errno));
    g_mutex_unlock(&r->lock);
}

const char *tw_ring_error(const TwRing *r)
{
    return r->error;
}

void tw_ring_free(TwRing *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    g_queue_clear_full(&r->files, ring_file_free);
    g_free(r->dir);
    g_free(r->iface);
    g_free(r->error);
    g_mutex_clear(&r->lock);
    g_free(r);
}

/* ---- a pipeline's tap ---- */

typedef struct {
    TwFrame f; /* data: a copy (owned) */
} Held;

struct TwRingTap {
    TwRing *ring;
    TwFrameHooks hooks;
    GQueue held;     /* Held*, oldest first: IP fragments the pipeline holds */
    guint64 held_bytes;
    bool failed;     /* the write error was said */
};

static void held_free(Held *h)
{
    g_free((guint8 *)h->f.data);
    g_free(h);
}

static void tap_write(TwRingTap *t, const TwFrame *f)
{
    if (!tw_ring_write(t->ring, f) && !t->failed) {
        t->failed = true;
        fprintf(stderr, "trustwire: -w: %s; the ring stops, the capture goes on\n", tw_ring_error(t->ring));
    }
}

static void tap_held(void *user, const TwFrame *f)
{
    TwRingTap *t = user;
    while (t->held.length && (t->held.length >= TW_RING_HELD_FRAMES ||
                              t->held_bytes + f->caplen > TW_RING_HELD_BYTES)) {
        Held *old = g_queue_pop_head(&t->held);
        t->held_bytes -= old->f.caplen;
        held_free(old);
        g_mutex_lock(&t->ring->lock);
        t->ring->not_kept++;
        g_mutex_unlock(&t->ring->lock);
    }
    if (f->caplen > TW_RING_HELD_BYTES)
        return;
    Held *h = g_new(Held, 1);
    h->f = *f;
    h->f.data = g_memdup2(f->data, f->caplen ? f->caplen : 1);
    g_queue_push_tail(&t->held, h);
    t->held_bytes += f->caplen;
}

static void tap_used(void *user, const TwFrame *f, guint64 no)
{
    TwRingTap *t = user;
    if (no == f->no) {
        tap_write(t, f);
        return;
    }
    for (GList *l = t->held.head; l; l = l->next) {
        Held *h = l->data;
        if (h->f.no == no) {
            tap_write(t, &h->f);
            g_queue_delete_link(&t->held, l);
            t->held_bytes -= h->f.caplen;
            held_free(h);
            return;
        }
    }
}

TwRingTap *tw_ring_tap_new(TwRing *r)
{
    TwRingTap *t = g_new0(TwRingTap, 1);
    t->ring = r;
    t->hooks.held = tap_held;
    t->hooks.used = tap_used;
    t->hooks.user = t;
    g_queue_init(&t->held);
    return t;
}

const TwFrameHooks *tw_ring_tap_hooks(TwRingTap *t)
{
    return &t->hooks;
}

void tw_ring_tap_free(TwRingTap *t)
{
    if (!t)
        return;
    Held *h;
    while ((h = g_queue_pop_head(&t->held)) != NULL)
        held_free(h);
    g_free(t);
}
