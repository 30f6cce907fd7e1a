/* dcerpc-int.h — pieces of the DCE/RPC dissector exposed for unit tests and
 * for the interface dissectors; not part of the stable interface. */
#pragma once

#include "core/tw-limits.h"
#include "core/cursor.h"
#include "dcerpc-call.h"

/* A stream that looks interfaces and auth types up in `reg` instead of the
 * built-in registry (reg must outlive the stream). (transfer full) */
typedef struct TwDcerpcStream TwDcerpcStream;
TwDcerpcStream *tw_dcerpc_stream_new_with_registry(const char *transport, const char *pipe_name,
                                                   const TwDcerpcRegistry *reg);

/* Names: (transfer none), static strings (or the registry's, which outlives
 * every stream). */
const char *tw_dcerpc_fault_name(guint32 status); /* NULL if unknown */
const char *tw_dcerpc_auth_type_name(guint8 t);  /* built-in registry; "unknown" */
const char *tw_dcerpc_auth_level_name(guint8 l);

/* C706 Appendix L protocol tower, as EPM carries it in twr_t. */
typedef struct {
    bool has_iface;
    char uuid[37];
    guint16 vmajor, vminor;
    const char *protocol; /* "ncacn_ip_tcp", "ncadg_ip_udp", "ncacn_np", "ncalrpc", "ncacn_http", … or NULL */
    bool has_port;
    guint16 port;
    bool has_ip;
    char ip[16];
    char *endpoint; /* named pipe / LRPC endpoint / NetBIOS name (owned) */
    guint16 floors;
} TwEpmTower;

/* Parses one tower into *t (which then owns t->endpoint; clear it with
 * tw_epm_tower_clear). */
TwStatus tw_epm_tower_parse(const guint8 *p, gsize len, TwEpmTower *t);
void tw_epm_tower_clear(TwEpmTower *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwEpmTower, tw_epm_tower_clear)

/* The EPM interface's stub decoder (registry entry of e1af8308-… v3):
 * ept_map and ept_lookup; false for other opnums and sealed stubs. */
bool tw_epm_dissect(const TwDcerpcStub *st);
