/* savefile.c — classic pcap and pcapng readers.
 * pcap: draft-ietf-opsawg-pcap; pcapng: draft-ietf-opsawg-pcapng (IETF). */
#include "savefile.h"
#include "source-keep.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int linktype;
    guint32 snaplen;
    guint64 units_per_sec; /* if_tsresol */
    gint64 offset_s;       /* if_tsoffset */
} Iface;

struct TwSavefile {
    FILE *fp;
    char *name;
    bool ng;
    bool swapped;   /* file byte order differs from ours */
    /* classic pcap */
    bool nanosec;
    guint32 extra_hdr; /* modified pcap (a1b2cd34): 8 more bytes per record */
    int linktype;
    /* pcapng */
    GArray *ifaces; /* Iface */
    int first_linktype;
    guint8 *buf;       /* read path: the current block/record */
    gsize bufsize;
    const guint8 *blk; /* the current block body/record: in buf or in map */
    /* A regular file is mapped rather than read: no copy into buf, and no
     * syscall per buffer.  Pages already consumed are dropped from our
     * resident set every TW_SAVEFILE_MAP_DROP bytes, so RSS stays small
     * however big the file (the page cache keeps them, not us). */
    const guint8 *map;
    gsize map_len, pos, dropped;
    /* tw_savefile_release_below: pages at or after this offset are still
     * in use (records kept past the next read); G_MAXUINT64: none. */
    guint64 keep_from;
    guint64 records;
};

GQuark tw_savefile_error_quark(void);
G_DEFINE_QUARK(tw-savefile-error-quark, tw_savefile_error)
#define SF_ERROR tw_savefile_error_quark()

static inline guint32 rd32(const TwSavefile *sf, const guint8 *p)
{
    guint32 v;
    memcpy(&v, p, 4);
    return sf->swapped ? GUINT32_SWAP_LE_BE(v) : v;
}

static inline guint16 rd16(const TwSavefile *sf, const guint8 *p)
{
    guint16 v;
    memcpy(&v, p, 2);
    return sf->swapped ? GUINT16_SWAP_LE_BE(v) : v;
}

static bool grow(TwSavefile *sf, gsize n)
{
    if (n <= sf->bufsize)
        return true;
    gsize sz = sf->bufsize ? sf->bufsize : 65536;
    while (sz < n)
        sz *= 2;
    sf->buf = g_realloc(sf->buf, sz);
    sf->bufsize = sz;
    return true;
}

/* Reads exactly n bytes: 1 done, 0 clean end (nothing read), -1 short. */
static int read_exact(TwSavefile *sf, void *p, gsize n, gsize *got)
{
    if (sf->map) {
        gsize left = sf->map_len - sf->pos;
        *got = n < left ? n : left;
        memcpy(p, sf->map + sf->pos, *got);
        sf->pos += *got;
        return *got == n ? 1 : *got == 0 ? 0 : -1;
    }
    *got = fread(p, 1, n, sf->fp);
    sf->pos += *got;
    if (*got == n)
        return 1;
    return *got == 0 && !ferror(sf->fp) ? 0 : -1;
}

/* Like read_exact, but points sf->blk at the n bytes (n > 0) instead of
 * copying them: into the mapping, or into buf on the read path. */
static int read_body(TwSavefile *sf, gsize n, gsize *got)
{
    if (sf->map) {
        gsize left = sf->map_len - sf->pos;
        *got = n < left ? n : left;
        sf->blk = sf->map + sf->pos;
        sf->pos += *got;
        return *got == n ? 1 : *got == 0 ? 0 : -1;
    }
    grow(sf, n);
    sf->blk = sf->buf;
    return read_exact(sf, sf->buf, n, got);
}

/* Maps fp if it is a regular file; the read path stays for pipes, ttys
 * and whatever cannot be mapped (e.g. a file bigger than the address
 * space of a 32-bit build). */
static void try_map(TwSavefile *sf)
{
    int fd = fileno(sf->fp);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
        return;
    off_t start = ftello(sf->fp); /* stdin may be a file opened mid-way */
    if (start < 0 || start >= st.st_size || (guint64)st.st_size > G_MAXSIZE)
        return;
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return;
    (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    sf->map = m;
    sf->map_len = (gsize)st.st_size;
    sf->pos = (gsize)start;
}

/* The previous record is no longer needed: give back whole pages behind
 * the read position once there are enough of them. */
static __attribute__((noinline)) void drop_consumed(TwSavefile *sf)
{
    gsize limit = sf->keep_from < sf->pos ? (gsize)sf->keep_from : sf->pos;
    if (limit < sf->dropped || limit - sf->dropped < TW_SAVEFILE_MAP_DROP)
        return;
    gsize page = (gsize)sysconf(_SC_PAGESIZE);
    gsize upto = limit / page * page;
    if (upto > sf->dropped &&
        madvise((void *)(sf->map + sf->dropped), upto - sf->dropped, MADV_DONTNEED) == 0)
        sf->dropped = upto;
}

static void truncated(TwSavefile *sf, GError **err, const char *what, gsize want, gsize got)
{
    g_set_error(err, SF_ERROR, 1,
                "truncated capture file: tried to read %zu %s bytes, only got %zu", want, what, got);
}

/* ---- classic pcap ---- */

static bool open_pcap(TwSavefile *sf, const guint8 *magic, GError **err)
{
    guint8 hdr[24];
    memcpy(hdr, magic, 4);
    gsize got;
    if (read_exact(sf, hdr + 4, 20, &got) != 1) {
        g_set_error(err, SF_ERROR, 1, "not a pcap or pcapng capture file (file header cut short)");
        return false;
    }
    guint32 linktype = rd32(sf, hdr + 20);
    /* Bits 26-31 may carry FCS information; the link type is the low 16. */
    sf->linktype = (int)(linktype & 0xffff);
    sf->first_linktype = sf->linktype;
    return true;
}

static void prefetch_next(const TwSavefile *sf)
{
    if (sf->pos + 64 <= sf->map_len) {
        /* The next record header, while this record is dissected: on a
         * mapped file its first touch is otherwise a cache (and TLB) miss. */
        __builtin_prefetch(sf->map + sf->pos);
        __builtin_prefetch(sf->map + sf->pos + 63);
    }
}

/* Both lengths in one store: the caller copies them on in one load
 * (tw_source_next, by gcc), and a load over two smaller stores waits until
 * they have reached the cache (capture/ip.c). */
G_STATIC_ASSERT(G_STRUCT_OFFSET(TwSavefileRecord, origlen) == G_STRUCT_OFFSET(TwSavefileRecord, caplen) + 4);
static inline void set_lengths(TwSavefileRecord *rec, guint32 caplen, guint32 origlen)
{
    guint32 both[2] = { caplen, origlen };
    memcpy(&rec->caplen, both, sizeof both);
}

/* A whole record in the mapping (the common case): read in place.
 * Anything else (the end, a cut or corrupt record) is left to the read
 * path of next_pcap, which says what is wrong. */
static inline bool next_pcap_mapped(TwSavefile *sf, TwSavefileRecord *rec)
{
    gsize hlen = 16 + sf->extra_hdr, left = sf->map_len - sf->pos;
    if (left < hlen)
        return false;
    const guint8 *h = sf->map + sf->pos;
    guint32 caplen = rd32(sf, h + 8);
    if (caplen > TW_SAVEFILE_MAX_RECORD || caplen > left - hlen)
        return false;
    guint32 sec = rd32(sf, h), frac = rd32(sf, h + 4), len = rd32(sf, h + 12);
    rec->ts_us = (gint64)sec * G_USEC_PER_SEC + (sf->nanosec ? frac / 1000 : frac);
    rec->linktype = sf->linktype;
    rec->data = h + hlen;
    set_lengths(rec, caplen, len < caplen ? caplen : len);
    sf->pos += hlen + caplen;
    prefetch_next(sf);
    return true;
}

static int next_pcap(TwSavefile *sf, TwSavefileRecord *rec, GError **err)
{
    if (sf->map && next_pcap_mapped(sf, rec))
        return 1;
    guint8 h[24];
    gsize hlen = 16 + sf->extra_hdr, got;
    int r = read_exact(sf, h, hlen, &got);
    if (r == 0)
        return 0;
    if (r < 0) {
        truncated(sf, err, "record header", hlen, got);
        return -1;
    }
    guint32 sec = rd32(sf, h), frac = rd32(sf, h + 4), caplen = rd32(sf, h + 8),
            len = rd32(sf, h + 12);
    if (caplen > TW_SAVEFILE_MAX_RECORD) {
        g_set_error(err, SF_ERROR, 1, "corrupt capture file: a record of %u bytes", caplen);
        return -1;
    }
    static const guint8 no_bytes[1];
    sf->blk = no_bytes; /* an empty record: a valid pointer, never read */
    if (caplen && read_body(sf, caplen, &got) != 1) {
        truncated(sf, err, "captured", caplen, got);
        return -1;
    }
    rec->ts_us = (gint64)sec * G_USEC_PER_SEC + (sf->nanosec ? frac / 1000 : frac);
    rec->linktype = sf->linktype;
    if (sf->map)
        prefetch_next(sf);
    rec->data = sf->blk;
    rec->caplen = caplen;
    rec->origlen = len < caplen ? caplen : len;
    return 1;
}

/* ---- pcapng ---- */

/* Reads the rest of a block whose type (already read) and length follow. */
static int read_block(TwSavefile *sf, guint32 type, guint32 *body_len, GError **err)
{
    guint8 lb[4];
    gsize got;
    if (read_exact(sf, lb, 4, &got) != 1) {
        truncated(sf, err, "block header", 8, 4 + got);
        return -1;
    }
    guint32 total = rd32(sf, lb);
    if (total < 12 || total % 4 || total > TW_SAVEFILE_MAX_RECORD + 64) {
        g_set_error(err, SF_ERROR, 1,
                    "corrupt pcapng file: block of type 0x%08x with length %u", type, total);
        return -1;
    }
    guint32 n = total - 8; /* body + trailing length */
    if (read_body(sf, n, &got) != 1) {
        truncated(sf, err, "block", n, got);
        return -1;
    }
    if (rd32(sf, sf->blk + n - 4) != total) {
        g_set_error(err, SF_ERROR, 1, "corrupt pcapng file: block lengths disagree");
        return -1;
    }
    *body_len = n - 4;
    return 1;
}

static bool read_shb_rest(TwSavefile *sf, GError **err)
{
    /* Section header: the byte-order magic decides the byte order. */
    guint8 lb[8];
    gsize got;
    if (read_exact(sf, lb, 8, &got) != 1) {
        g_set_error(err, SF_ERROR, 1, "not a pcap or pcapng capture file (section header cut short)");
        return false;
    }
    guint32 bom;
    memcpy(&bom, lb + 4, 4);
    if (bom == 0x1a2b3c4d)
        sf->swapped = false;
    else if (bom == 0x4d3c2b1a)
        sf->swapped = true;
    else {
        g_set_error(err, SF_ERROR, 1, "not a pcap or pcapng capture file (bad byte-order magic)");
        return false;
    }
    guint32 total = rd32(sf, lb);
    if (total < 28 || total % 4 || total > TW_SAVEFILE_MAX_RECORD) {
        g_set_error(err, SF_ERROR, 1, "corrupt pcapng file: section header length %u", total);
        return false;
    }
    guint32 rest = total - 12;
    if (read_body(sf, rest, &got) != 1) {
        truncated(sf, err, "section header", rest, got);
        return false;
    }
    if (rd16(sf, sf->blk) != 1) {
        g_set_error(err, SF_ERROR, 1, "pcapng section version %u is not supported",
                    rd16(sf, sf->blk));
        return false;
    }
    g_array_set_size(sf->ifaces, 0); /* interfaces are per section */
    return true;
}

static void parse_idb(TwSavefile *sf, guint32 blen)
{
    Iface ifc = { 0, 0, 1000000, 0 };
    if (blen >= 8) {
        ifc.linktype = rd16(sf, sf->blk);
        ifc.snaplen = rd32(sf, sf->blk + 4);
        /* Options: code(2) length(2) value padded to 4. */
        guint32 off = 8;
        while (off + 4 <= blen) {
            guint16 code = rd16(sf, sf->blk + off), olen = rd16(sf, sf->blk + off + 2);
            off += 4;
            if (code == 0 || olen > blen - off)
                break;
            const guint8 *v = sf->blk + off;
            if (code == 9 && olen >= 1) { /* if_tsresol */
                guint8 r = v[0];
                guint64 units = 1;
                if (r & 0x80) {
                    if ((r & 0x7f) < 63)
                        units = (guint64)1 << (r & 0x7f);
                } else {
                    for (int i = 0; i < r && i < 19; i++)
                        units *= 10;
                }
                ifc.units_per_sec = units ? units : 1;
            } else if (code == 14 && olen >= 8) { /* if_tsoffset */
                guint32 a = rd32(sf, v), b = rd32(sf, v + 4);
                ifc.offset_s = (gint64)(sf->swapped ? ((guint64)a << 32 | b) : ((guint64)b << 32 | a));
            }
            off += (olen + 3u) & ~3u;
        }
    }
    if (sf->ifaces->len < TW_SAVEFILE_MAX_INTERFACES)
        g_array_append_val(sf->ifaces, ifc);
    if (!sf->first_linktype && sf->ifaces->len == 1)
        sf->first_linktype = ifc.linktype;
}

static gint64 to_us(const Iface *ifc, guint64 ts)
{
    guint64 sec = ts / ifc->units_per_sec, frac = ts % ifc->units_per_sec;
    /* frac < units_per_sec, which may be up to 2^62: multiply in 128 bits.
     * Rounded down, as tshark prints microseconds. */
    guint64 us = (guint64)(((unsigned __int128)frac * 1000000u) / ifc->units_per_sec);
    /* Hostile files can name any time: keep it within what gint64
     * microseconds hold (±292 000 years) rather than overflow. */
    __int128 t = ((__int128)sec + ifc->offset_s) * 1000000 + us;
    if (t > G_MAXINT64 / 2)
        t = G_MAXINT64 / 2;
    if (t < G_MININT64 / 2)
        t = G_MININT64 / 2;
    return (gint64)t;
}

static int next_pcapng(TwSavefile *sf, TwSavefileRecord *rec, GError **err)
{
    for (;;) {
        guint8 tb[4];
        gsize got;
        int r = read_exact(sf, tb, 4, &got);
        if (r == 0)
            return 0;
        if (r < 0) {
            truncated(sf, err, "block header", 8, got);
            return -1;
        }
        guint32 raw;
        memcpy(&raw, tb, 4);
        if (raw == 0x0a0d0d0a) { /* a new section (palindromic type) */
            if (!read_shb_rest(sf, err))
                return -1;
            continue;
        }
        guint32 type = rd32(sf, tb), blen;
        if (read_block(sf, type, &blen, err) < 0)
            return -1;
        const guint8 *b = sf->blk;
        guint32 ifid, caplen, len;
        guint64 ts;
        const guint8 *data;
        if (type == 1) { /* interface description */
            parse_idb(sf, blen);
            continue;
        } else if (type == 6 && blen >= 20) { /* enhanced packet */
            ifid = rd32(sf, b);
            ts = (guint64)rd32(sf, b + 4) << 32 | rd32(sf, b + 8);
            caplen = rd32(sf, b + 12);
            len = rd32(sf, b + 16);
            data = b + 20;
            if (caplen > blen - 20)
                goto corrupt;
        } else if (type == 3 && blen >= 4) { /* simple packet: interface 0, no time */
            ifid = 0;
            ts = 0;
            len = rd32(sf, b);
            caplen = blen - 4 < len ? blen - 4 : len;
            if (sf->ifaces->len && g_array_index(sf->ifaces, Iface, 0).snaplen &&
                caplen > g_array_index(sf->ifaces, Iface, 0).snaplen)
                caplen = g_array_index(sf->ifaces, Iface, 0).snaplen;
            data = b + 4;
        } else if (type == 2 && blen >= 20) { /* obsolete packet block */
            ifid = rd16(sf, b);
            ts = (guint64)rd32(sf, b + 4) << 32 | rd32(sf, b + 8);
            caplen = rd32(sf, b + 12);
            len = rd32(sf, b + 16);
            data = b + 20;
            if (caplen > blen - 20)
                goto corrupt;
        } else {
            continue; /* statistics, name resolution, custom…: not packets */
        }
        if (ifid >= sf->ifaces->len) {
            g_set_error(err, SF_ERROR, 1,
                        "corrupt pcapng file: a packet names interface %u of %u", ifid, sf->ifaces->len);
            return -1;
        }
        const Iface *ifc = &g_array_index(sf->ifaces, Iface, ifid);
        rec->ts_us = to_us(ifc, ts);
        rec->linktype = ifc->linktype;
        rec->data = data;
        rec->caplen = caplen;
        rec->origlen = len < caplen ? caplen : len;
        return 1;
    corrupt:
        g_set_error(err, SF_ERROR, 1,
                    "corrupt pcapng file: packet longer than its block");
        return -1;
    }
}

/* ---- common ---- */

TwSavefile *tw_savefile_open(FILE *fp, const char *name, GError **err)
{
    /* Freed (and fp closed) on every failure below. */
    g_autoptr(TwSavefile) sf = g_new0(TwSavefile, 1);
    sf->fp = fp;
    sf->name = g_strdup(name);
    sf->ifaces = g_array_new(FALSE, TRUE, sizeof(Iface));
    sf->keep_from = G_MAXUINT64;
    try_map(sf);
    if (!sf->map)
        setvbuf(fp, NULL, _IOFBF, 1 << 20);
    guint8 m[4];
    gsize got;
    if (read_exact(sf, m, 4, &got) != 1) {
        g_set_error(err, SF_ERROR, 1, "not a pcap or pcapng capture file (%s)",
                    got ? "too short" : "empty");
        return NULL;
    }
    guint32 magic;
    memcpy(&magic, m, 4);
    bool ok;
    switch (magic) {
    case 0xa1b2c3d4: ok = open_pcap(sf, m, err); break;
    case 0xa1b23c4d: sf->nanosec = true; ok = open_pcap(sf, m, err); break;
    case 0xa1b2cd34: sf->extra_hdr = 8; ok = open_pcap(sf, m, err); break;
    case 0xd4c3b2a1: sf->swapped = true; ok = open_pcap(sf, m, err); break;
    case 0x4d3cb2a1: sf->swapped = sf->nanosec = true; ok = open_pcap(sf, m, err); break;
    case 0x34cdb2a1: sf->swapped = true; sf->extra_hdr = 8; ok = open_pcap(sf, m, err); break;
    case 0x0a0d0d0a:
        sf->ng = true;
        ok = read_shb_rest(sf, err);
        break;
    default:
        g_set_error(err, SF_ERROR, 1, "not a pcap or pcapng capture file (magic %02x%02x%02x%02x)",
                    m[0], m[1], m[2], m[3]);
        ok = false;
    }
    if (!ok)
        return NULL;
    return g_steal_pointer(&sf);
}

/* Everything but a whole record of a mapped classic pcap file: out of
 * line, so that the common case saves and restores few registers. */
static __attribute__((noinline)) int next_other(TwSavefile *sf, TwSavefileRecord *rec, GError **err)
{
    int r = sf->ng ? next_pcapng(sf, rec, err) : next_pcap(sf, rec, err);
    if (r > 0)
        sf->records++;
    return r;
}

int tw_savefile_next(TwSavefile *sf, TwSavefileRecord *rec, GError **err)
{
    if (sf->map) {
        /* drop_consumed gives nothing back before the read position is
         * TW_SAVEFILE_MAP_DROP past what it dropped (keep_from only lowers
         * its limit): not called per record. */
        if (sf->pos - sf->dropped >= TW_SAVEFILE_MAP_DROP)
            drop_consumed(sf);
        if (!sf->ng && next_pcap_mapped(sf, rec)) {
            sf->records++;
            return 1;
        }
    }
    return next_other(sf, rec, err);
}

bool tw_savefile_mapped(const TwSavefile *sf)
{
    return sf->map != NULL;
}

guint64 tw_savefile_pos(const TwSavefile *sf)
{
    return sf->pos;
}

void tw_savefile_release_below(TwSavefile *sf, guint64 below)
{
    sf->keep_from = below;
}

void tw_savefile_retire(TwSavefile *sf)
{
    if (sf->fp && sf->fp != stdin)
        fclose(sf->fp);
    sf->fp = NULL;
}

int tw_savefile_first_linktype(const TwSavefile *sf)
{
    return sf->first_linktype;
}

void tw_savefile_free(TwSavefile *sf)
{
    if (!sf)
        return;
    if (sf->map)
        munmap((void *)sf->map, sf->map_len);
    if (sf->fp && sf->fp != stdin)
        fclose(sf->fp);
    g_free(sf->name);
    g_array_unref(sf->ifaces);
    g_free(sf->buf);
    g_free(sf);
}
