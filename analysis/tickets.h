/* tickets.h — ticket requests and replication: what the KDC refused when
 * asked for a service ticket (TGS-REQ errors, S4U2Self/S4U2Proxy among
 * them), service tickets issued with RC4 while the domain issues AES, and
 * directory replication (DRSUAPI) calls.  Fed with the same events as the
 * engine (engine.c calls tw_tickets_feed); read by the report
 * (output/report-tickets.c).  Like all of analysis/, it never reads bytes or
 * display strings: typed event fields only. */
#pragma once

#include "core/event.h"
#include "core/tw-limits.h"

#include <stdbool.h>

typedef struct TwAnalysis TwAnalysis;

/* One KRB-ERROR answering a TGS-REQ. */
typedef struct {
    char *requester;   /* the principal that asked (nullable: not in the capture) */
    const char *requester_from; /* how: "s4u2self" "s4u2proxy" "tgt" "address", NULL (cname) */
    char *client_addr;
    char *service;     /* the sname asked for (nullable) */
    char *for_user;    /* S4U2Self: the user to impersonate (nullable) */
    gint64 code;       /* RFC 4120 7.5.9 error code */
    guint64 frame;     /* the KRB-ERROR */
    gint64 ts_us;
    char *source;
} TwTgsFailure;

/* A service ticket (TGS-REP) for a machine's service encrypted with RC4. */
typedef struct {
    char *account;     /* the machine account that owns the service ("SRV01$") */
    char *service;     /* ticket sname */
    char *client;      /* TGS-REP cname (nullable) */
    gint64 etype;      /* 23 or 24 */
    bool aes_offered;  /* the TGS-REQ listed an AES etype (17/18/19/20) */
    guint64 frame;
    gint64 ts_us;
    char *source;
} TwRc4Ticket;

/* A DRSUAPI request (MS-DRSR). */
typedef struct {
    char *caller;      /* principal of the bind's auth context (nullable) */
    const char *caller_from; /* "auth" (the bind's token), "address" (the address's machine), NULL */
    char *addr;        /* the caller's address */
    char *server;      /* the DC's address */
    gint64 opnum;
    guint64 frame;
    gint64 ts_us;
    char *source;
} TwDrsCall;

typedef struct TwTickets TwTickets;
struct TwTickets {
    GHashTable *pending;      /* (source, frame) → TgsReq (owned) */
    GQueue *pending_fifo;     /* their keys, oldest first */
    GHashTable *tgt_holder;   /* "source|addr" → cname of its last AS-REP */
    GHashTable *svc_holder;   /* "source|addr|sname" (sname lower case) → cname of its last TGS-REP */
    GHashTable *conn_caller;  /* "source|cli|cport|srv|sport" → principal from the auth context */
    /* The three tables above hold HolderEntry values (tickets.c); each one's
     * keys in order of last write, oldest first: a full table (TW_TK_MAX_HOLDERS)
     * forgets its oldest. */
    GQueue tgt_order, svc_order, conn_order;
    GHashTable *drs_servers;  /* addr → TRUE: answered DRSUAPI */
    GPtrArray *tgs_failures;  /* TwTgsFailure* */
    GPtrArray *rc4_tickets;   /* TwRc4Ticket* */
    GPtrArray *drs_calls;     /* TwDrsCall*: DRSGetNCChanges requests */
    guint64 aes_tickets;      /* tickets (AS-REP, TGS-REP) encrypted with AES */
    guint64 not_kept;         /* entries refused by a TW_TK_MAX_* cap, and TGS-REQs forgotten before their reply */
};

/* Returns: (transfer full): free with tw_tickets_free(). */
TwTickets *tw_tickets_new(void);
void tw_tickets_free(TwTickets *t);
/* Folds one event in (a->tickets); called by tw_analysis_feed before the
 * engine sees the event. */
void tw_tickets_feed(TwAnalysis *a, const TwEvent *ev, const char *source);

/* MS-DRSR 4.1.10 IDL_DRSGetNCChanges */
#define TW_DRS_GET_NC_CHANGES 3

/* True when the call's address is not a domain controller's: not a server
 * of Kerberos or NETLOGON in the capture and not answering DRSUAPI. */
bool tw_tickets_drs_from_non_dc(const TwAnalysis *a, const TwDrsCall *c);
