/* source-keep.h — frames of mapped capture files kept readable past the
 * next read, for a reader that holds batches of them (capture/workers.c).
 *
 * tw_source_next's frame is valid until the next call; a reader that holds
 * a batch of frames copies them.  A regular file is mapped (savefile.c),
 * so its frames can stay where they are: with tw_source_keep, a frame for
 * which tw_source_kept is true stays readable until tw_source_release is
 * given a mark taken after it — its file stays mapped (a file read to its
 * end is kept, its descriptor closed, until then), and the pages behind
 * the oldest mark not yet released are not given back.  Frames of pipes,
 * compressed files and live interfaces are never kept. */
#pragma once

#include "savefile.h"
#include "source.h"

/* ---- capture/savefile.c ---- */

/* Whether the records are read in place in the file's mapping: each stays
 * readable until tw_savefile_free (and tw_savefile_retire keeps it so). */
bool tw_savefile_mapped(const TwSavefile *sf);
/* Bytes of the file consumed so far (the end of the last record). */
guint64 tw_savefile_pos(const TwSavefile *sf);
/* Pages are given back only below `below` (and below the read position),
 * from now on; G_MAXUINT64, the default, is "below the read position". */
void tw_savefile_release_below(TwSavefile *sf, guint64 below);
/* The file was read to its end but its records are still in use: closes
 * the FILE (not stdin) now, keeps the mapping until tw_savefile_free. */
void tw_savefile_retire(TwSavefile *sf);

/* ---- capture/source.c ---- */

/* From now on, frames of mapped files are kept until released. */
void tw_source_keep(TwSource *src);
/* Whether the frame tw_source_next last returned is kept (else it is valid
 * only until the next call, as always). */
bool tw_source_kept(const TwSource *src);
/* A mark after the frame last returned: increases with every frame read,
 * across files. */
guint64 tw_source_mark(const TwSource *src);
/* The kept frames read before `mark` are no longer needed (marks given in
 * increasing order). */
void tw_source_release(TwSource *src, guint64 mark);
