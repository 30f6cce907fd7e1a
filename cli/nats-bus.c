/* nats-bus.c — sensors and the central analysis through NATS JetStream
 * (see nats-bus.h). */
#include "nats-bus.h"

#include "core/tw-limits.h"

#define TW_NATS_STREAM_PREFIX "TW_"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool tw_nats_url_split(const char *url, char **server, char **subject)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        return false;
    gsize slen = (gsize)(scheme_end - url);
    if (!((slen == 4 && strncmp(url, "nats", 4) == 0) || (slen == 3 && strncmp(url, "tls", 3) == 0)))
        return false;
    const char *hostport = scheme_end + 3;
    const char *slash = strchr(hostport, '/');
    if (!slash || slash == hostport || !slash[1])
        return false;
    for (const char *c = slash + 1; *c; c++)
        if (*c == ' ' || *c == '*' || *c == '>' || *c == '\t')
            return false; /* a subject to publish on, not a wildcard */
    *server = g_strndup(url, (gsize)(slash - url));
    *subject = g_strdup(slash + 1);
    return true;
}

#ifdef TW_HAVE_NATS
#include <nats/nats.h>

bool tw_nats_available(void)
{
    return true;
}

/* The stream holding SUBJECT.>: TW_ and the subject, letters and digits kept. */
static char *stream_name(const char *subject)
{
    GString *s = g_string_new(TW_NATS_STREAM_PREFIX);
    for (const char *c = subject; *c; c++)
        g_string_append_c(s, g_ascii_isalnum(*c) ? g_ascii_toupper(*c) : '_');
    return g_string_free(s, FALSE);
}

/* With a callback, a first connection that fails is retried in the
 * background (natsConnection_Connect returns NATS_NOT_YET_CONNECTED at
 * once) instead of blocking until the broker answers. */
static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc, (void)closure;
}

static natsStatus make_options(const TwNatsOptions *o, const char *server, bool publisher, natsOptions **out)
{
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, server);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, 2000);
    if (s == NATS_OK && g_str_has_prefix(server, "tls://"))
        s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK && o->creds)
        s = natsOptions_SetUserCredentialsFromFiles(opts, o->creds, NULL);
    if (s == NATS_OK && o->ca) {
        s = natsOptions_SetSecure(opts, true);
        if (s == NATS_OK)
            s = natsOptions_LoadCATrustedCertificates(opts, o->ca);
    }
    if (s == NATS_OK && o->cert)
        s = natsOptions_LoadCertificatesChain(opts, o->cert, o->key ? o->key : o->cert);
    if (s == NATS_OK && publisher) {
        /* A sensor keeps trying for ever; meanwhile it spools. */
        s = natsOptions_SetMaxReconnect(opts, -1);
        if (s == NATS_OK)
            s = natsOptions_SetReconnectWait(opts, 200);
        if (s == NATS_OK)
            s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, NULL);
    }
    if (s != NATS_OK) {
        natsOptions_Destroy(opts);
        return s;
    }
    *out = opts;
    return NATS_OK;
}

static void set_error(GError **err, const char *what, natsStatus s)
{
    const char *detail = nats_GetLastError(NULL);
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s%s%s", what, natsStatus_GetText(s),
                detail && *detail ? ": " : "", detail && *detail ? detail : "");
}

/* SUBJECT.> in a file-backed stream, created when missing. */
static natsStatus ensure_stream(jsCtx *js, const char *subject, bool create)
{
    g_autofree char *name = stream_name(subject);
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, js, name, NULL, &jerr);
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return NATS_OK;
    }
    if (s != NATS_NOT_FOUND || !create)
        return s;
    g_autofree char *all = g_strdup_printf("%s.>", subject);
    const char *subjects[] = { all };
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    s = js_AddStream(&si, js, &cfg, NULL, &jerr);
    if (s == NATS_OK)
        jsStreamInfo_Destroy(si);
    return s;
}

/* ---- publisher ---- */

struct TwNatsPublisher {
    char *url, *server, *subject, *subj_events, *subj_findings, *sensor;
    natsConnection *nc;
    jsCtx *js;
    bool stream_ready;
    char *run_id;
    guint64 seq;
    char *spool_path;
    FILE *spool;          /* append, opened on first use */
    guint64 spool_bytes;  /* bytes in the spool file */
    guint64 replay_off;   /* bytes of it already published again */
    guint64 published, spooled, replayed, dropped;
};

static bool connected(TwNatsPublisher *p)
{
    if (natsConnection_Status(p->nc) != NATS_CONN_STATUS_CONNECTED)
        return false;
    if (!p->stream_ready)
        p->stream_ready = ensure_stream(p->js, p->subject, true) == NATS_OK;
    return p->stream_ready;
}

static bool send(TwNatsPublisher *p, bool finding, const char *id, const char *data, gsize len)
{
    if (!connected(p))
        return false;
    natsMsg *m = NULL;
    natsStatus s = natsMsg_Create(&m, finding ? p->subj_findings : p->subj_events, NULL, data, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Tw-Sensor", p->sensor);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
    if (s == NATS_OK) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = TW_NATS_PUBLISH_WAIT_MS;
        jsPubAck *ack = NULL;
        jsErrCode jerr = 0;
        s = js_PublishMsg(&ack, p->js, m, &po, &jerr);
        jsPubAck_Destroy(ack);
    }
    natsMsg_Destroy(m);
    return s == NATS_OK;
}

static bool spool_open(TwNatsPublisher *p)
{
    if (p->spool)
        return true;
    g_autofree char *dir = g_path_get_dirname(p->spool_path);
    g_mkdir_with_parents(dir, 0700);
    p->spool = fopen(p->spool_path, "a");
    return p->spool != NULL;
}

/* Spool line: "E|F <message id> <json>\n". */
static void spool_add(TwNatsPublisher *p, bool finding, const char *id, const char *data, gsize len)
{
    gsize need = strlen(id) + len + 4;
    if (p->spool_bytes + need > TW_NATS_SPOOL_MAX_BYTES || !spool_open(p)) {
        if (p->dropped++ == 0)
            fprintf(stderr, "trustwire: %s unreachable and the spool %s is full (%u bytes): messages dropped\n",
                    p->url, p->spool_path, TW_NATS_SPOOL_MAX_BYTES);
        return;
    }
    if (p->spooled == 0 && p->spool_bytes == 0)
        fprintf(stderr, "trustwire: %s unreachable: spooling to %s\n", p->url, p->spool_path);
    fprintf(p->spool, "%c %s ", finding ? 'F' : 'E', id);
    fwrite(data, 1, len, p->spool);
    fputc('\n', p->spool);
    fflush(p->spool);
    p->spool_bytes += need;
    p->spooled++;
}

/* Publishes the spool again from where it stopped; empties it when done. */
static void spool_replay(TwNatsPublisher *p)
{
    if (p->spool_bytes == 0 || !connected(p))
        return;
    if (p->spool)
        fflush(p->spool);
    FILE *f = fopen(p->spool_path, "r");
    if (!f)
        return;
    if (fseeko(f, (off_t)p->replay_off, SEEK_SET) != 0) {
        fclose(f);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        char *sp1 = line[0] && line[1] == ' ' ? line + 1 : NULL;
        char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        gsize len = (gsize)n;
        if (line[len - 1] == '\n')
            len--;
        if (sp2) {
            *sp2 = '\0';
            char *data = sp2 + 1;
            if (!send(p, line[0] == 'F', sp1 + 1, data, len - (gsize)(data - line)))
                break;
            p->replayed++;
        }
        p->replay_off += (guint64)n;
    }
    free(line);
    fclose(f);
    if (p->replay_off >= p->spool_bytes) {
        if (p->spool) {
            fclose(p->spool);
            p->spool = NULL;
        }
        if (truncate(p->spool_path, 0) != 0)
            unlink(p->spool_path);
        p->spool_bytes = p->replay_off = 0;
    }
}

TwNatsPublisher *tw_nats_publisher_new(const TwNatsOptions *o, GError **err)
{
    g_autofree char *server = NULL, *subject = NULL;
    if (!tw_nats_url_split(o->url, &server, &subject)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "--publish %s: expected nats://HOST:PORT/SUBJECT", o->url);
        return NULL;
    }
    natsOptions *opts = NULL;
    natsStatus s = make_options(o, server, true, &opts);
    if (s != NATS_OK) {
        set_error(err, o->url, s);
        return NULL;
    }
    TwNatsPublisher *p = g_new0(TwNatsPublisher, 1);
    p->url = g_strdup(o->url);
    p->server = g_steal_pointer(&server);
    p->subject = g_steal_pointer(&subject);
    p->subj_events = g_strdup_printf("%s.events", p->subject);
    p->subj_findings = g_strdup_printf("%s.findings", p->subject);
    p->sensor = g_strdup(o->sensor);
    p->run_id = g_strdup_printf("%" G_GINT64_FORMAT "-%d", g_get_real_time(), (int)getpid());
    if (o->spool) {
        p->spool_path = g_strdup(o->spool);
    } else {
        g_autofree char *safe = g_strdup(o->sensor);
        g_strcanon(safe, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", '_');
        p->spool_path = g_build_filename(g_get_user_cache_dir(), "trustwire", "spool", safe, NULL);
    }
    s = natsConnection_Connect(&p->nc, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        set_error(err, p->url, s);
        tw_nats_publisher_close(p);
        return NULL;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = TW_NATS_PUBLISH_WAIT_MS;
    s = natsConnection_JetStream(&p->js, p->nc, &jo);
    if (s != NATS_OK) {
        set_error(err, p->url, s);
        tw_nats_publisher_close(p);
        return NULL;
    }
    /* A spool left by an earlier run is published first. */
    GStatBuf sb;
    if (g_stat(p->spool_path, &sb) == 0 && sb.st_size > 0) {
        p->spool_bytes = (guint64)sb.st_size;
        fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " bytes spooled by an earlier run are replayed first\n",
                p->spool_path, p->spool_bytes);
    }
    return p;
}

void tw_nats_publish(TwNatsPublisher *p, bool finding, const char *line, gsize len)
{
    char id[96];
    g_snprintf(id, sizeof id, "%s-%s-%" G_GUINT64_FORMAT, p->sensor, p->run_id, ++p->seq);
    if (p->spool_bytes)
        spool_replay(p);
    if (p->spool_bytes == 0 && send(p, finding, id, line, len)) {
        p->published++;
        return;
    }
    spool_add(p, finding, id, line, len);
}

int tw_nats_publisher_close(TwNatsPublisher *p)
{
    if (!p)
        return 0;
    int status = 0;
    if (p->nc) {
        for (int waited = 0; p->spool_bytes && waited < TW_NATS_FINAL_WAIT_MS; waited += 100) {
            spool_replay(p);
            if (p->spool_bytes)
                g_usleep(100 * 1000);
        }
        if (p->published || p->spooled)
            fprintf(stderr,
                    "trustwire: %s: %" G_GUINT64_FORMAT " message(s) published at once, %" G_GUINT64_FORMAT
                    " spooled while the broker was away, %" G_GUINT64_FORMAT " of them published since, %"
                    G_GUINT64_FORMAT " dropped\n",
                    p->url, p->published, p->spooled, p->replayed, p->dropped);
        if (p->spool_bytes) {
            fprintf(stderr, "trustwire: %s: %" G_GUINT64_FORMAT " bytes are left in %s for the next run\n", p->url,
                    p->spool_bytes - p->replay_off, p->spool_path);
            status = 2;
        }
        if (p->dropped)
            status = 2;
    }
    if (p->spool)
        fclose(p->spool);
    jsCtx_Destroy(p->js);
    natsConnection_Destroy(p->nc);
    g_free(p->url);
    g_free(p->server);
    g_free(p->subject);
    g_free(p->subj_events);
    g_free(p->subj_findings);
    g_free(p->sensor);
    g_free(p->run_id);
    g_free(p->spool_path);
    g_free(p);
    return status;
}

/* ---- consumer ---- */

struct TwNatsConsumer {
    char *url;
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    bool follow;
    guint64 last_seq;  /* stream sequence of the last message handed on */
    bool away;         /* the broker was away (said once per outage) */
};

void tw_nats_consumer_close(TwNatsConsumer *c)
{
    if (!c)
        return;
    /* Not unsubscribed: that would delete the durable consumer (and its
     * position) on the server. */
    natsSubscription_Destroy(c->sub);
    jsCtx_Destroy(c->js);
    natsConnection_Destroy(c->nc);
    natsOptions_Destroy(c->opts);
    g_free(c->url);
    g_free(c);
}

TwNatsConsumer *tw_nats_consumer_open(const TwNatsOptions *o, bool follow, GError **err)
{
    g_autofree char *server = NULL, *subject = NULL;
    if (!tw_nats_url_split(o->url, &server, &subject)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "--from-events %s: expected nats://HOST:PORT/SUBJECT", o->url);
        return NULL;
    }
    TwNatsConsumer *c = g_new0(TwNatsConsumer, 1);
    c->url = g_strdup(o->url);
    c->follow = follow;
    g_autofree char *events_subject = g_strdup_printf("%s.events", subject);
    g_autofree char *stream = stream_name(subject);
    /* --follow: a service; it waits for the broker as long as it takes */
    natsStatus s = make_options(o, server, follow, &c->opts);
    if (s == NATS_OK)
        s = natsConnection_Connect(&c->nc, c->opts);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&c->js, c->nc, NULL);
    /* following, the stream may come with the first sensor: made now */
    if (s == NATS_OK)
        s = ensure_stream(c->js, subject, follow);
    if (s != NATS_OK) {
        set_error(err, o->url, s);
        tw_nats_consumer_close(c);
        return NULL;
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.AckPolicy = js_AckAll;
    so.Config.FilterSubject = events_subject;
    jsErrCode jerr = 0;
    s = js_PullSubscribe(&c->sub, c->js, events_subject, o->durable, NULL, &so, &jerr);
    if (s != NATS_OK) {
        set_error(err, o->url, s);
        tw_nats_consumer_close(c);
        return NULL;
    }
    return c;
}

int tw_nats_consumer_fetch(TwNatsConsumer *c, int wait_ms, TwNatsMessageFn fn, void *user, GError **err)
{
    natsMsgList list = { 0 };
    jsFetchRequest fr;
    jsFetchRequest_Init(&fr);
    fr.Batch = TW_NATS_FETCH_BATCH;
    fr.Expires = (int64_t)wait_ms * 1000000;
    /* Not following: NoWait, the server answers at once when it holds
     * nothing more for this consumer — the stream is drained. */
    fr.NoWait = !c->follow;
    natsStatus s = natsSubscription_FetchRequest(&list, c->sub, &fr);
    if (s == NATS_TIMEOUT || s == NATS_NOT_FOUND || (s == NATS_OK && list.Count == 0)) {
        natsMsgList_Destroy(&list);
        if (c->follow && natsConnection_Status(c->nc) != NATS_CONN_STATUS_CONNECTED)
            goto away;
        return 0;
    }
    if (s != NATS_OK) {
        natsMsgList_Destroy(&list);
        if (c->follow)
            goto away;
        set_error(err, c->url, s);
        return -1;
    }
    if (c->away) {
        fprintf(stderr, "trustwire: %s: the broker is back\n", c->url);
        c->away = false;
    }
    int handed = 0;
    for (int i = 0; i < list.Count; i++) {
        natsMsg *m = list.Msgs[i];
        jsMsgMetaData *meta = NULL;
        if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
            guint64 seq = meta->Sequence.Stream;
            jsMsgMetaData_Destroy(meta);
            /* delivered again (its ack was lost with a broker restart):
             * already handed on */
            if (seq <= c->last_seq)
                continue;
            c->last_seq = seq;
        }
        const char *sensor = NULL;
        if (natsMsgHeader_Get(m, "Tw-Sensor", &sensor) != NATS_OK || !sensor || !*sensor)
            sensor = "nats";
        if (!fn(sensor, natsMsg_GetData(m), (gsize)natsMsg_GetDataLength(m), user)) {
            natsMsgList_Destroy(&list);
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: a message could not be kept", c->url);
            return -1;
        }
        handed++;
    }
    if (list.Count > 0) {
        /* AckAll: everything up to it; waited for, so that the next run
         * of this durable consumer starts after it.  Following, a lost ack
         * is only a redelivery, skipped above. */
        jsErrCode jerr = 0;
        s = natsMsg_AckSync(list.Msgs[list.Count - 1], NULL, &jerr);
        if (s != NATS_OK && !c->follow) {
            natsMsgList_Destroy(&list);
            set_error(err, c->url, s);
            return -1;
        }
    }
    natsMsgList_Destroy(&list);
    return handed;
away:
    if (!c->away) {
        fprintf(stderr, "trustwire: %s: the broker is away; waiting for it (the consumer's position is kept "
                        "by the broker)\n", c->url);
        c->away = true;
    }
    g_usleep((gulong)MIN(wait_ms, 200) * 1000);
    return 0;
}

typedef struct {
    const char *dir;
    GPtrArray *paths, *names;
    GHashTable *files; /* sensor -> FILE* */
    guint64 *messages;
    GError **err;
} ToFiles;

static bool to_files(const char *sensor, const char *data, gsize len, void *user)
{
    ToFiles *t = user;
    FILE *f = g_hash_table_lookup(t->files, sensor);
    if (!f) {
        char *path = g_strdup_printf("%s/sensor-%u.ndjson", t->dir, t->paths->len);
        f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "trustwire: %s: %s\n", path, g_strerror(errno));
            g_free(path);
            return false;
        }
        g_ptr_array_add(t->paths, path);
        g_ptr_array_add(t->names, g_strdup(sensor));
        g_hash_table_insert(t->files, g_strdup(sensor), f);
    }
    fwrite(data, 1, len, f);
    fputc('\n', f);
    (*t->messages)++;
    return true;
}

bool tw_nats_consume(const TwNatsOptions *o, const char *dir, GPtrArray *paths, GPtrArray *names,
                     guint64 *messages, GError **err)
{
    TwNatsConsumer *c = tw_nats_consumer_open(o, false, err);
    if (!c)
        return false;
    g_autoptr(GHashTable) files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ToFiles t = { dir, paths, names, files, messages, err };
    int r;
    while ((r = tw_nats_consumer_fetch(c, TW_NATS_FETCH_WAIT_MS, to_files, &t, err)) > 0)
        ;
    bool ok = r == 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, files);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (fclose(v) != 0 && ok) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "writing the spool of %s failed", (char *)k);
            ok = false;
        }
    }
    tw_nats_consumer_close(c);
    return ok;
}

#else /* !TW_HAVE_NATS */

bool tw_nats_available(void)
{
    return false;
}

TwNatsPublisher *tw_nats_publisher_new(const TwNatsOptions *o, GError **err)
{
    (void)o;
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "this trustwire was built without libnats (-Dnats=disabled)");
    return NULL;
}

void tw_nats_publish(TwNatsPublisher *p, bool finding, const char *line, gsize len)
{
    (void)p, (void)finding, (void)line, (void)len;
}

int tw_nats_publisher_close(TwNatsPublisher *p)
{
    (void)p;
    return 0;
}

TwNatsConsumer *tw_nats_consumer_open(const TwNatsOptions *o, bool follow, GError **err)
{
    (void)o, (void)follow;
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "this trustwire was built without libnats (-Dnats=disabled)");
    return NULL;
}

int tw_nats_consumer_fetch(TwNatsConsumer *c, int wait_ms, TwNatsMessageFn fn, void *user, GError **err)
{
    (void)c, (void)wait_ms, (void)fn, (void)user, (void)err;
    return -1;
}

void tw_nats_consumer_close(TwNatsConsumer *c)
{
    (void)c;
}

bool tw_nats_consume(const TwNatsOptions *o, const char *dir, GPtrArray *paths, GPtrArray *names,
                     guint64 *messages, GError **err)
{
    (void)o, (void)dir, (void)paths, (void)names, (void)messages;
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "this trustwire was built without libnats (-Dnats=disabled)");
    return false;
}

#endif
