/* nats-bus.h — a fleet of sensors through NATS JetStream (libnats).
 *
 * `--publish nats://HOST:PORT/SUBJECT`: every event of this run is one
 * message on SUBJECT.events, every finding (the --alerts JSON) one on
 * SUBJECT.findings, each with the headers Tw-Sensor (--sensor-name) and
 * Nats-Msg-Id (sensor + run + sequence, so that a message published again
 * after a reconnection is stored once: JetStream's duplicate window).  The
 * stream (TW_NATS_STREAM, subjects SUBJECT.>) is created if missing.  A
 * message the broker did not acknowledge goes to the spool file (on disk,
 * at most TW_NATS_SPOOL_MAX_BYTES); the spool is replayed, in order,
 * before the next message once the broker answers again, and at the end;
 * what could not be kept is counted and said on stderr.
 *
 * `--from-events nats://HOST:PORT/SUBJECT`: a durable pull consumer on
 * SUBJECT.events (--durable, default "trustwire-central") reads what the
 * stream holds, one spool file per sensor, until the stream has nothing
 * more for it; the files are then merged by time like --from-events FILE…
 * (cli/from-events.c), each input named by its sensor.
 *
 * `--from-events nats://… --follow` (cli/follow.c): the same durable
 * consumer, kept open: tw_nats_consumer_fetch waits for new messages, and
 * while the broker is away it says so once and keeps waiting (libnats
 * reconnects; the consumer's position is the broker's).  A message
 * delivered again after a restart (its ack was lost) is recognised by its
 * stream sequence and not handed on twice. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
    const char *url;       /* nats://HOST:PORT/SUBJECT or tls://HOST:PORT/SUBJECT */
    const char *creds;     /* --nats-creds FILE (JWT + NKey seed), or NULL */
    const char *ca;        /* --nats-ca FILE: trusted CAs, TLS on; or NULL */
    const char *cert, *key; /* --nats-cert/--nats-key: client certificate, or NULL */
    const char *sensor;    /* --sensor-name, default the host name */
    const char *spool;     /* publisher: spool file; NULL = default */
    const char *durable;   /* consumer name */
} TwNatsOptions;

bool tw_nats_available(void);
/* Splits nats://HOST:PORT/SUBJECT; false if it is not one. */
bool tw_nats_url_split(const char *url, char **server, char **subject);

typedef struct TwNatsPublisher TwNatsPublisher;
/* Returns: (transfer full) (nullable): NULL and *err when the broker cannot
 * be reached at start and no spool can be written either. */
TwNatsPublisher *tw_nats_publisher_new(const TwNatsOptions *o, GError **err);
/* One NDJSON line (no newline) on SUBJECT.events or SUBJECT.findings. */
void tw_nats_publish(TwNatsPublisher *p, bool finding, const char *line, gsize len);
/* Replays the spool (waiting up to TW_NATS_FINAL_WAIT_MS for the broker),
 * prints what was published, spooled and dropped; frees p.  Returns 0, or
 * 2 when messages were dropped or are left in the spool. */
int tw_nats_publisher_close(TwNatsPublisher *p);

typedef struct TwNatsConsumer TwNatsConsumer;
/* One event message (sensor: the Tw-Sensor header, or "nats"; data is
 * transfer none); false stops the fetch with an error. */
typedef bool (*TwNatsMessageFn)(const char *sensor, const char *data, gsize len, void *user);
/* The durable pull consumer on SUBJECT.events (o->durable).  follow: the
 * stream is created if missing, and the broker is waited for.
 * Returns: (transfer full) (nullable): free with tw_nats_consumer_close(). */
TwNatsConsumer *tw_nats_consumer_open(const TwNatsOptions *o, bool follow, GError **err);
/* Hands on the next messages (at most TW_NATS_FETCH_BATCH) in stream
 * order and acknowledges them; waits at most wait_ms when there are none
 * (not following: asks the server whether any are left).  Returns how many
 * were handed on (0: none now, or the broker is away), -1 with *err. */
int tw_nats_consumer_fetch(TwNatsConsumer *c, int wait_ms, TwNatsMessageFn fn, void *user, GError **err);
void tw_nats_consumer_close(TwNatsConsumer *c);

/* Reads every event message for the durable consumer into one NDJSON file
 * per sensor under `dir`; paths (char*, owned) and names (char*, owned)
 * are appended in the order sensors were first met.  Returns false with
 * *err when the broker cannot be used. */
bool tw_nats_consume(const TwNatsOptions *o, const char *dir, GPtrArray *paths, GPtrArray *names,
                     guint64 *messages, GError **err);
