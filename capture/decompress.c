/* decompress.c — compressed capture files read as they are (decompress.h).
 * The kind is told by the first bytes, as tshark does (a .pcap.gz renamed
 * .pcap is still read; a plain file named .gz too):
 *   1f 8b        gzip (RFC 1952), several members in a row allowed (zlib)
 *   28 b5 2f fd  Zstandard frame (RFC 8878), several frames allowed (libzstd)
 * anything else is handed on unchanged.  The reader is a FILE* made with
 * fopencookie, so capture/savefile.c reads it like any other stream. */
#include "decompress.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>
#ifdef TW_HAVE_ZSTD
#include <zstd.h>
#endif

#define IN_CHUNK 65536

typedef enum { KIND_PLAIN, KIND_GZIP, KIND_ZSTD } Kind;

typedef struct {
    FILE *in;
    Kind kind;
    guint8 peek[4]; /* the bytes read to tell the kind, given back first */
    size_t peek_len, peek_off;
    guint8 *buf;    /* compressed input */
    size_t buf_len, buf_off;
    bool in_eof;
    bool out_eof;
    int fail_errno; /* damage found: every later read fails so */
    char *why; /* the caller's buffer (TW_DECOMPRESS_WHY bytes): what went wrong */
    z_stream z;
#ifdef TW_HAVE_ZSTD
    ZSTD_DStream *zs;
    bool zs_midframe; /* input ended inside a frame: a cut file */
#endif
} Cookie;

/* Compressed bytes: the peeked ones first, then the file's. */
static bool fill(Cookie *c)
{
    if (c->buf_off < c->buf_len || c->in_eof)
        return !ferror(c->in);
    size_t n = 0;
    if (c->peek_off < c->peek_len) {
        n = c->peek_len - c->peek_off;
        memcpy(c->buf, c->peek + c->peek_off, n);
        c->peek_off = c->peek_len;
    }
    n += fread(c->buf + n, 1, IN_CHUNK - n, c->in);
    c->buf_len = n;
    c->buf_off = 0;
    if (n == 0)
        c->in_eof = true;
    return !ferror(c->in);
}

static ssize_t read_plain(Cookie *c, char *out, size_t size)
{
    size_t n = 0;
    if (c->peek_off < c->peek_len) {
        n = MIN(size, c->peek_len - c->peek_off);
        memcpy(out, c->peek + c->peek_off, n);
        c->peek_off += n;
    }
    if (n < size)
        n += fread(out + n, 1, size - n, c->in);
    if (n == 0 && ferror(c->in)) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

/* The bytes decompressed before damage are returned first; the error
 * comes with the next read, so every whole frame before it is seen. */
static ssize_t failed(Cookie *c, size_t produced, int e)
{
    c->fail_errno = e;
    if (produced > 0)
        return (ssize_t)produced;
    errno = e;
    return -1;
}

static ssize_t read_gzip(Cookie *c, char *out, size_t size)
{
    if (c->fail_errno) {
        errno = c->fail_errno;
        return -1;
    }
    c->z.next_out = (Bytef *)out;
    c->z.avail_out = (uInt)MIN(size, (size_t)G_MAXUINT32);
    while (c->z.avail_out > 0 && !c->out_eof) {
        if (!fill(c)) {
            errno = EIO;
            return -1;
        }
        if (c->buf_off == c->buf_len) {
            /* input ended: inside a member is a cut file, else the end */
            if (c->z.total_in != 0) {
                g_strlcpy(c->why, "gzip stream cut short", TW_DECOMPRESS_WHY);
                return failed(c, (size_t)((char *)c->z.next_out - out), EPIPE);
            }
            c->out_eof = true;
            break;
        }
        c->z.next_in = c->buf + c->buf_off;
        c->z.avail_in = (uInt)(c->buf_len - c->buf_off);
        int r = inflate(&c->z, Z_NO_FLUSH);
        c->buf_off = c->buf_len - c->z.avail_in;
        if (r == Z_STREAM_END) {
            /* RFC 1952 2.2: a gzip file is a series of members */
            inflateReset(&c->z);
            c->z.total_in = 0;
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            g_snprintf(c->why, TW_DECOMPRESS_WHY, "corrupt gzip stream (%s)", c->z.msg ? c->z.msg : zError(r));
            return failed(c, (size_t)((char *)c->z.next_out - out), EILSEQ);
        }
    }
    return (char *)c->z.next_out - out;
}

#ifdef TW_HAVE_ZSTD
static ssize_t read_zstd(Cookie *c, char *out, size_t size)
{
    if (c->fail_errno) {
        errno = c->fail_errno;
        return -1;
    }
    ZSTD_outBuffer ob = { out, size, 0 };
    while (ob.pos < ob.size && !c->out_eof) {
        if (!fill(c)) {
            errno = EIO;
            return -1;
        }
        if (c->buf_off == c->buf_len) {
            if (c->zs_midframe) {
                g_strlcpy(c->why, "zstd stream cut short", TW_DECOMPRESS_WHY);
                return failed(c, ob.pos, EPIPE);
            }
            c->out_eof = true;
            break;
        }
        ZSTD_inBuffer ib = { c->buf, c->buf_len, c->buf_off };
        size_t r = ZSTD_decompressStream(c->zs, &ob, &ib);
        c->buf_off = ib.pos;
        if (ZSTD_isError(r)) {
            g_snprintf(c->why, TW_DECOMPRESS_WHY, "corrupt zstd stream (%s)", ZSTD_getErrorName(r));
            return failed(c, ob.pos, EILSEQ);
        }
        c->zs_midframe = r != 0; /* 0: a frame is complete */
    }
    return (ssize_t)ob.pos;
}
#endif

static ssize_t cookie_read(void *p, char *out, size_t size)
{
    Cookie *c = p;
    switch (c->kind) {
    case KIND_GZIP:
        return read_gzip(c, out, size);
    case KIND_ZSTD:
#ifdef TW_HAVE_ZSTD
        return read_zstd(c, out, size);
#else
        break;
#endif
    case KIND_PLAIN:
        break;
    }
    return read_plain(c, out, size);
}

static int cookie_close(void *p)
{
    Cookie *c = p;
    int r = fclose(c->in);
    if (c->kind == KIND_GZIP)
        inflateEnd(&c->z);
#ifdef TW_HAVE_ZSTD
    if (c->zs)
        ZSTD_freeDStream(c->zs);
#endif
    g_free(c->buf);
    g_free(c);
    return r;
}

FILE *tw_decompress_open(FILE *in, const char *name, const char **kind, char *why, GError **err)
{
    Cookie *c = g_new0(Cookie, 1);
    c->in = in;
    c->why = why;
    why[0] = '\0';
    off_t start = ftello(in); /* stdin may be a file opened mid-way; -1 for a pipe */
    c->peek_len = fread(c->peek, 1, sizeof c->peek, in);
    *kind = NULL;
    if (c->peek_len >= 2 && c->peek[0] == 0x1f && c->peek[1] == 0x8b) {
        c->kind = KIND_GZIP;
        *kind = "gzip";
    } else if (c->peek_len == 4 && c->peek[0] == 0x28 && c->peek[1] == 0xb5 && c->peek[2] == 0x2f &&
               c->peek[3] == 0xfd) {
#ifdef TW_HAVE_ZSTD
        c->kind = KIND_ZSTD;
        *kind = "zstd";
#else
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s is compressed with zstd, and this trustwire was built without libzstd", name);
        fclose(in);
        g_free(c);
        return NULL;
#endif
    }
    if (c->kind == KIND_GZIP) {
        /* 16 + MAX_WBITS: a gzip wrapper, its CRC-32 and length checked */
        if (inflateInit2(&c->z, 16 + MAX_WBITS) != Z_OK) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s: cannot start zlib", name);
            fclose(in);
            g_free(c);
            return NULL;
        }
    }
#ifdef TW_HAVE_ZSTD
    if (c->kind == KIND_ZSTD)
        c->zs = ZSTD_createDStream();
#endif
    if (c->kind == KIND_PLAIN && start >= 0 && fseeko(in, start, SEEK_SET) == 0) {
        g_free(c); /* a plain file that can be rewound is read directly */
        return in;
    }
    if (c->kind != KIND_PLAIN)
        c->buf = g_malloc(IN_CHUNK);
    cookie_io_functions_t io = { .read = cookie_read, .close = cookie_close };
    FILE *f = fopencookie(c, "rb", io);
    if (!f) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", name, g_strerror(e));
        cookie_close(c);
        return NULL;
    }
    return f;
}

const char *tw_decompress_versions(void)
{
    static char v[96];
    if (!v[0]) {
#ifdef TW_HAVE_ZSTD
        g_snprintf(v, sizeof v, "zlib %s, zstd %s", zlibVersion(), ZSTD_versionString());
#else
        g_snprintf(v, sizeof v, "zlib %s (no zstd)", zlibVersion());
#endif
    }
    return v;
}
