/* decompress.h — capture files compressed with gzip or zstd read directly,
 * told by their first bytes (magic), not by their name, as tshark does.
 * Many public captures are only published gzipped. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

/* Takes `in` (transfer full: closed with the result, or on failure) and
 * returns a stream of the decompressed bytes: `in` itself (rewound) when
 * it is not compressed and can be rewound, else a stream that gives back
 * the bytes read to tell the kind.  *kind is "gzip", "zstd" or NULL (not
 * compressed).  A stream cut short or corrupt inside the compression is a
 * read error (ferror) on the result, and `why` (TW_DECOMPRESS_WHY bytes,
 * owned by the caller, outliving the stream) then says what it was; it is
 * "" until then.  NULL + *err when the file is zstd
 * and this build has no libzstd, or a stream cannot be made.
 * Returns: (transfer full) (nullable): close with fclose(). */
#define TW_DECOMPRESS_WHY 160
FILE *tw_decompress_open(FILE *in, const char *name, const char **kind, char *why, GError **err);
/* "zlib 1.2.13, zstd 1.5.4" (run-time versions), for --version. */
const char *tw_decompress_versions(void);
