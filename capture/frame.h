/* frame.h — one captured packet as read from a source. */
#pragma once

#include <glib.h>

typedef struct {
    guint64 no;         /* 1-based, continuous across the files of one run (tshark numbering) */
    gint64 ts_us;       /* capture time, microseconds since the Unix epoch */
    int linktype;       /* link type of the packet's interface: LINKTYPE_* as stored in
                         * the file (pcapng: per interface), DLT_* for live capture */
    const guint8 *data; /* borrowed: valid until the next tw_source_next() */
    guint32 caplen;     /* bytes captured */
    guint32 origlen;    /* bytes on the wire (>= caplen when snaplen cut it) */
    guint64 file_no;    /* 1-based number within its own file (what `tshark -r FILE` shows);
                         * = no for a live capture; 0 when the producer does not say */
} TwFrame;
