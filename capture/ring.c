/* ring.c — the pcapng ring of -w DIR (ring.h).  pcapng written by hand:
 * libpcap 1.10's pcap_dump writes classic pcap only.  Blocks as in
 * draft-ietf-opsawg-pcapng: Section Header (4.1), Interface Description
 * (4.2, if_tsresol 6 = microseconds), Enhanced Packet (4.3), all in host
 * byte order (the SHB's byte-order magic says which). */
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *path;
    guint64 first, last; /* run frame numbers held; last < first while empty */
} RingFile;

struct TwRing {
    TwRingOptions o;
    char *dir, *iface;
    FILE *f;
    guint64 bytes;     /* of the current file */
    guint seq;
    GQueue files;      /* RingFile*, oldest first; the tail is being written */
    char *error;
};

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
    rf->first = 1;
    rf->last = 0;
    r->f = fopen(rf->path, "wb");
    if (!r->f) {
        if (!r->error)
            r->error = g_strdup_printf("cannot write %s: %s", rf->path, g_strerror(errno));
        g_free(rf->path);
        g_free(rf);
        return false;
    }
    g_queue_push_tail(&r->files, rf);
    while (g_queue_get_length(&r->files) > r->o.files) {
        RingFile *old = g_queue_pop_head(&r->files);
        unlink(old->path);
        g_free(old->path);
        g_free(old);
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

bool tw_ring_write(TwRing *r, const TwFrame *f)
{
    if (r->error)
        return false;
    if (r->bytes >= r->o.file_bytes && !start_file(r))
        return false;
    RingFile *rf = g_queue_peek_tail(&r->files);
    if (rf->last < rf->first)
        rf->first = f->no;
    rf->last = f->no;
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
    return true;
}

bool tw_ring_locate(const TwRing *r, guint64 frame, const char **file, guint64 *in_file)
{
    for (GList *l = r->files.head; l; l = l->next) {
        const RingFile *rf = l->data;
        if (rf->last >= rf->first && frame >= rf->first && frame <= rf->last) {
            *file = rf->path;
            *in_file = frame - rf->first + 1;
            return true;
        }
    }
    return false;
}

void tw_ring_flush(TwRing *r)
{
    if (r->f && fflush(r->f) != 0 && !r->error)
        r->error = g_strdup_printf("writing a ring file: %s", g_strerror(errno));
}

const char *tw_ring_error(const TwRing *r)
{
    return r->error;
}

static void ring_file_free(gpointer p)
{
    RingFile *rf = p;
    g_free(rf->path);
    g_free(rf);
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
    g_free(r);
}
