/* savefile.h — a reader for capture files: classic pcap (µs and ns,
 * either byte order) and pcapng (several sections and interfaces, each
 * interface with its own link type, snapshot length and time resolution).
 *
 * Our own reader rather than libpcap's because libpcap 1.10 refuses a
 * pcapng whose interfaces differ in link type or snapshot length, which
 * real captures do (tshark reads them). */
#pragma once

#include "core/tw-limits.h"
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TwSavefile TwSavefile;

typedef struct {
    gint64 ts_us;
    int linktype;        /* LINKTYPE_* of the packet's interface */
    const guint8 *data;  /* valid until the next read */
    guint32 caplen, origlen;
} TwSavefileRecord;

/* Takes ownership of fp (transfer full of fp: closed by tw_savefile_free,
 * and already closed when the open fails).  `name` (transfer none, copied)
 * is used in messages.  Fails with "not a pcap or pcapng capture file" for
 * others.
 * Returns: (transfer full) (nullable): free with tw_savefile_free(); NULL
 * and *err set on failure. */
TwSavefile *tw_savefile_open(FILE *fp, const char *name, GError **err);
/* 1: a record; 0: end of file; -1: error (truncated or corrupt file).
 * rec->data is (transfer none): owned by sf, valid until the next call. */
int tw_savefile_next(TwSavefile *sf, TwSavefileRecord *rec, GError **err);
/* Link type of the first interface (0 until one is known). */
int tw_savefile_first_linktype(const TwSavefile *sf);
void tw_savefile_free(TwSavefile *sf); /* closes the FILE; NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSavefile, tw_savefile_free)

/* Caps (largest record, interfaces per section, page drop): core/tw-limits.h. */
