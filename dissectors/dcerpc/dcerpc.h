/* dcerpc.h — connection-oriented DCE/RPC (C706 12, MS-RPCE 2.2) as a byte
 * stream consumer.  The same stream object serves plain TCP (the
 * "dcerpc-tcp" TwAppParser: EPM on 135, EPM-learned dynamic ports, any port
 * recognised by its header) and SMB2 named pipes (WRITE/READ/IOCTL data fed by
 * the SMB2 dissector, one stream per SMB2 session+tree+FileId). */
#pragma once

#include "dissectors/dissect.h"

typedef struct TwDcerpcStream TwDcerpcStream;

/* `transport` ("tcp" | "smb2") is stamped on every event the stream emits.
 * `pipe_name` (may be NULL) is the SMB2 pipe, e.g. "netlogon".  Interfaces
 * and auth types are looked up in the built-in registry.  (transfer full) */
TwDcerpcStream *tw_dcerpc_stream_new(const char *transport, const char *pipe_name);
void tw_dcerpc_stream_free(TwDcerpcStream *s);
/* Bytes of parser state the stream holds that grow with the input (for
 * tw_mem_charge by whoever owns the stream). */
gsize tw_dcerpc_stream_held(const TwDcerpcStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwDcerpcStream, tw_dcerpc_stream_free)

/* Next in-order bytes of one direction (TW_DIR_REQ client→server).  PDUs may
 * span calls and several PDUs may arrive in one call. */
void tw_dcerpc_stream_feed(TwDcerpcStream *s, TwDissectCtx *ctx, int dir, const guint8 *data,
                           gsize len);
/* Bytes of direction `dir` were lost: drop partial PDUs and resynchronise. */
void tw_dcerpc_stream_gap(TwDcerpcStream *s, TwDissectCtx *ctx, int dir);

/* True if data starts like a DCE/RPC CO PDU header (rpc_vers 5, minor 0/1,
 * known ptype, sane frag_length). Cheap: used as a TwAppParser probe. */
bool tw_dcerpc_probe(const guint8 *data, gsize len);
