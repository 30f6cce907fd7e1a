/* savefile.h — a reader for capture files: classic pcap (µs and ns,
 * either byte order) and pcapng (several sections and interfaces, each
 * interface with its own link type, snapshot length and time resolution).
 *
 * Our own reader rather than libpcap's because libpcap 1.10 refuses a
 * pcapng whose interfaces differ in link type or snapshot length, which
 * real captures do (tshark reads them). */
#pragma once

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

/* Takes ownership of fp (closed by tw_savefile_free).  `name` is used in
 * messages.  Fails with "not a pcap or pcapng capture file" for others. */
TwSavefile *tw_savefile_open(FILE *fp, const char *name, GError **err);
/* 1: a record; 0: end of file; -1: error (truncated or corrupt file). */
int tw_savefile_next(TwSavefile *sf, TwSavefileRecord *rec, GError **err);
/* Link type of the first interface (0 until one is known). */
int tw_savefile_first_linktype(const TwSavefile *sf);
void tw_savefile_free(TwSavefile *sf);

/* Largest record accepted (libpcap's own limit for huge snaplens). */
#define TW_SAVEFILE_MAX_RECORD (16u * 1024 * 1024)
/* Interfaces remembered per pcapng section. */
#define TW_SAVEFILE_MAX_INTERFACES 65536
/* A mapped capture file gives back the pages it has read every this many
 * bytes (madvise MADV_DONTNEED), so they do not add up in peak RSS. */
#define TW_SAVEFILE_MAP_DROP (2u * 1024 * 1024)
