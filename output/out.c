/* out.c — checked output streams: a write that fails (a full disk, a
 * closed stdout) is remembered and turns into exit status 2 with one
 * message, instead of output lost behind a success. */
#include "sink.h"

#include <errno.h>

TwOut *tw_out_new_stdout(void)
{
    TwOut *o = g_new0(TwOut, 1);
    o->f = stdout;
    o->name = g_strdup("stdout");
    return o;
}

static TwOut *out_open_mode(const char *path, const char *mode, GError **err)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
        return NULL;
    }
    TwOut *o = g_new0(TwOut, 1);
    o->f = f;
    o->name = g_strdup(path);
    o->owned = true;
    return o;
}

TwOut *tw_out_open(const char *path, GError **err)
{
    return out_open_mode(path, "w", err);
}

TwOut *tw_out_open_append(const char *path, GError **err)
{
    return out_open_mode(path, "a", err);
}

void tw_out_write(TwOut *o, const char *buf, gsize len)
{
    if (o->err)
        return; /* already lost: the end says so once */
    if (fwrite(buf, 1, len, o->f) != len)
        o->err = errno ? errno : EIO;
}

void tw_out_flush(TwOut *o)
{
    if (o->err)
        return;
    errno = 0;
    if (fflush(o->f) != 0)
        o->err = errno ? errno : EIO;
}

void tw_out_check(TwOut *o)
{
    if (!o->err && ferror(o->f))
        o->err = errno ? errno : EIO;
}

int tw_out_finish(TwOut *o)
{
    if (!o->f)
        return o->err;
    errno = 0;
    if (fflush(o->f) != 0 && !o->err)
        o->err = errno ? errno : EIO;
    tw_out_check(o);
    if (o->owned) {
        errno = 0;
        if (fclose(o->f) != 0 && !o->err)
            o->err = errno ? errno : EIO;
        o->f = NULL;
    }
    return o->err;
}

void tw_out_free(TwOut *o)
{
    if (!o)
        return;
    if (o->owned && o->f)
        fclose(o->f);
    g_free(o->name);
    g_free(o);
}
