/* nl-auth.h — the Netlogon secure channel as a DCE/RPC security provider
 * (auth_type 0x44, RPC_C_AUTHN_NETLOGON, MS-RPCE 2.2.1.1.7): the bind token
 * NL_AUTH_MESSAGE (MS-NRPC 2.2.1.3.1) and the per-PDU NL_AUTH_SIGNATURE /
 * NL_AUTH_SHA2_SIGNATURE (2.2.1.3.2, 2.2.1.3.3).  Registered in
 * dissectors/dcerpc-registry/dcerpc-registry.c; uses only dcerpc's call API. */
#pragma once

#include "core/tw-limits.h" /* TW_DCERPC_MAX_DNS_PTRS */
#include "dissectors/dcerpc/dcerpc-call.h"

#define TW_NL_AUTH_TYPE 0x44u /* RPC_C_AUTHN_NETLOGON */

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

/* Parses what is there into *m (which then owns its strings; clear it with
 * tw_nl_auth_message_clear); returns the first error (fields read before it
 * are kept). */
TwStatus tw_nl_auth_message_parse(const guint8 *p, gsize len, TwNlAuthMessage *m);
void tw_nl_auth_message_clear(TwNlAuthMessage *m);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwNlAuthMessage, tw_nl_auth_message_clear)

/* Who a schannel connection belongs to: the names of the client's
 * negotiate request (message_type 0), kept for the calls after it. */
typedef struct {
    char *domain, *host, *dns_domain, *dns_host; /* owned, NULL when absent */
} TwNlAuthConn;

/* MS-NRPC 2.2.1.3.2/2.2.1.3.3: the algorithm fields of a PDU's signature. */
typedef struct {
    guint16 sign_alg, seal_alg;
    /* The whole signature (at most NL_AUTH_SHA2_SIGNATURE's 56 bytes), kept
     * for unsealing with a known session key (nl-crypto.h tw_nl_sig_parse). */
    guint8 raw[56];
    gsize raw_len;
} TwNlAuthSignature;

/* TwDcerpcAuthType hooks of auth_type 0x44. */
void *tw_nl_auth_conn_new(void);               /* (transfer full) a TwNlAuthConn */
void tw_nl_auth_conn_free(void *conn);
void tw_nl_auth_bind_fields(const TwDcerpcAuthToken *tok, TwEvent *ev);
/* (transfer full) a TwNlAuthSignature, NULL when under 4 bytes */
void *tw_nl_auth_verifier_new(const TwDcerpcAuthToken *tok);
void tw_nl_auth_verifier_free(void *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwNlAuthConn, tw_nl_auth_conn_free)

/* Adds to a NETLOGON call's event what the secure channel says about it:
 * the signature algorithms of its verifier and, on a schannel connection,
 * the client's names from the bind token. */
void tw_nl_auth_stub_fields(const TwDcerpcStub *st, TwEvent *ev);
