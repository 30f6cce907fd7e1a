/* dcerpc-int.h — pieces of the DCE/RPC dissector exposed for unit tests and
 * for the interface dissectors; not part of the stable interface. */
#pragma once

#include "core/tw-limits.h"
#include "core/cursor.h"

/* MS-NRPC 2.2.1.3.1 NL_AUTH_MESSAGE (the schannel bind token). */
typedef struct {
    guint32 message_type; /* 0 negotiate request, 1 negotiate response */
    guint32 flags;        /* which of the buffers below are present */
    char *nb_domain;      /* 0x01 NetbiosOemDomainName */
    char *nb_host;        /* 0x02 NetbiosOemComputerName */
    char *dns_domain;     /* 0x04 DnsCompressedDomainName */
    char *dns_host;       /* 0x08 DnsCompressedHostName */
    char *nb_host_utf8;   /* 0x10 NetbiosCompressedComputerName */
} TwNlAuthMessage;

/* Parses what is there; returns the first error (fields read before it are kept). */
TwStatus tw_nl_auth_message_parse(const guint8 *p, gsize len, TwNlAuthMessage *m);
void tw_nl_auth_message_clear(TwNlAuthMessage *m);

const char *tw_dcerpc_fault_name(guint32 status); /* NULL if unknown */
const char *tw_dcerpc_auth_type_name(guint8 t);
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

TwStatus tw_epm_tower_parse(const guint8 *p, gsize len, TwEpmTower *t);
void tw_epm_tower_clear(TwEpmTower *t);
