/* analysis.h — the verdict engine: typed events in, per-machine findings out.
 *
 * Events (from the dissector pipeline or from saved NDJSON) are folded into
 * one record per machine account (identity.c) holding *facts*: what the
 * capture proves happened to that machine (a key rejected, a ticket
 * accepted, a clock sample, a password change…), each with the frames that
 * prove it.  Rules (rules.c) read the facts and decide causes; report.c
 * prints them.  Analysis never sees packet bytes (docs/detections.md).
 */
#pragma once

#include "core/event.h"
#include "analysis/health.h"
#include "core/tw-limits.h"

#include <stdbool.h>
#include <stdio.h>

/* Caps (TW_AN_MAX_*, evidence HEAD/TAIL): core/tw-limits.h, section "analysis". */

/* The caps above, by what they refused or evicted (docs/report.md "limits"). */
typedef enum {
    TW_AN_CAP_MACHINES,       /* TW_AN_MAX_MACHINES: machine record refused */
    TW_AN_CAP_DC_ADDRS,       /* TW_AN_MAX_MACHINES: DC address not recorded */
    TW_AN_CAP_ADDR_OWNERS,    /* TW_AN_MAX_ADDR_OWNERS: address left unowned */
    TW_AN_CAP_ADDRS,          /* TW_AN_MAX_ADDRS: address not kept for a machine */
    TW_AN_CAP_ZL_SOURCES,     /* TW_AN_MAX_ADDRS: Zerologon source address not kept */
    TW_AN_CAP_ALIASES,        /* TW_AN_MAX_ALIASES: alias not kept */
    TW_AN_CAP_CLOCK_SAMPLES,  /* TW_AN_MAX_CLOCK_SAMPLES: a kept sample replaced or one not merged */
    TW_AN_CAP_REQUESTS,       /* TW_AN_MAX_REQUESTS: a request evicted before any reply came (one answered ages out uncounted) */
    TW_AN_CAP_USERS,          /* TW_AN_MAX_USERS: user failure not recorded */
    TW_AN_CAP_NL_CHALLENGES,  /* TW_AN_MAX_FLOWS: NetrServerReqChallenge not recorded */
    TW_AN_CAP_SEALED_BURSTS,  /* TW_AN_MAX_FLOWS: sealed-burst tracker not created */
    TW_AN_CAP_CHANGEPW,       /* TW_AN_MAX_FLOWS: kadmin/changepw client not recorded */
    TW_AN_CAP_TOUCHED,        /* TW_AN_MAX_TOUCHED: machine not queued for a live announcement */
    TW_AN_CAP_FLOW_USERS,     /* TW_AN_MAX_FLOWS: an NTLMSSP logon's connection not recorded (SAMR caller unnamed) */
    TW_AN_CAP_NTP_CLIENTS,    /* TW_AN_MAX_ADDR_OWNERS: NTP client → server pair not recorded */
    TW_AN_CAP_PREV_HOSTS,     /* TW_PREV_MAX_HOSTS/ADDRS: a host (or address) of a --previous report not compared */
    TW_AN_CAP_COUNT
} TwAnCap;

/* Stable name of a cap counter ("pending_requests"), as the report shows it.
 * Returns: (transfer none): a static string. */
const char *tw_analysis_cap_name(TwAnCap cap);

#define TW_AN_BURST_WINDOW_US   (60 * G_USEC_PER_SEC)
#define TW_AN_BURST_MIN         10    /* NETLOGON authenticate attempts in a window = a burst */
#define TW_AN_SPRAY_MIN_USERS   5     /* distinct users failing pre-auth from one IP = a spray */
#define TW_AN_SKEW_LIMIT_S      300.0 /* Kerberos default clock tolerance (RFC 4120 1.6, MS-KILE) */
#define TW_AN_TIME_SOURCE_MIN_CLIENTS 2 /* machines skewed alike behind one NTP server = a time-source cause */
#define TW_AN_TIME_SOURCE_SPREAD_S 60.0 /* "about the same amount": within this of their median */
#define TW_AN_SKEW_WARN_S       120.0 /* drifting toward the tolerance: at risk */
#define TW_AN_ROTATION_FAIL_US  (30 * 60 * G_USEC_PER_SEC) /* failure "right after" a change */

/* Machine state, by increasing severity. */
typedef enum {
    TW_STATE_UNKNOWN = 0,
    TW_STATE_HEALTHY,
    TW_STATE_RECOVERED, /* failed, then proved itself again later in the capture */
    TW_STATE_AT_RISK,
    TW_STATE_BROKEN,
} TwState;

/* "unknown" "healthy" "recovered" "at-risk" "broken" (transfer none: static). */
const char *tw_state_name(TwState s);

/* Who sent a message, as the exchange establishes it (the request it
 * answers, the event's transport): never guessed from port numbers. */
typedef enum {
    TW_PEER_UNKNOWN = 0,
    TW_PEER_KDC,    /* a Kerberos KDC or kpasswd server (RFC 4120 3.1, RFC 3244) */
    TW_PEER_CLIENT, /* the side that sent the request */
    TW_PEER_SERVER, /* an application server / NETLOGON or SMB2 server answering */
} TwPeer;

typedef enum { TW_DIR_UNKNOWN = 0, TW_DIR_REQUEST, TW_DIR_RESPONSE } TwDir;

/* One piece of evidence: a message seen in the capture.  The values rules
 * decide on are typed, as the dissectors established them (docs/events.md);
 * the report names them from the core/ tables (tw_evidence_error_text,
 * tw_evidence_status_text).  Its strings are interned GRefStrings
 * (tw_intern(); released with g_ref_string_release): the same messages,
 * addresses and details repeat across thousands of items. */
typedef struct {
    char *source;  /* sensor/file the event came from; NULL for the live/pcap run */
    guint64 frame;
    char *file;    /* capture file holding the frame, when the event names it (pcap/pcap_frame,
                    * several -r files); NULL: the run's own input (tw_health_locate) */
    guint64 file_frame; /* the frame's number in `file` (what Wireshark shows); 0 with file NULL */
    gint64 ts_us;
    char *msg;     /* display: "AS-REQ → KRB-ERROR", "NetrServerAuthenticate3 response" */
    char *detail;  /* display: free text (who, offsets) or NULL */
    bool has_krb_error;
    bool has_ntstatus;
    bool has_kpasswd_result;
    bool has_value;
    bool value_estimated; /* inferred (e.g. from an AS-REQ's till), not read from a clock field */
    gint16 krb_msg_type;  /* RFC 4120 5.10 type of this Kerberos message, -1 for other protocols */
    gint16 opnum;         /* MS-NRPC opnum of a NETLOGON call, -1 otherwise */
    guint8 dir;           /* TwDir */
    guint8 sender;        /* TwPeer */
    gint64 krb_error;     /* RFC 4120 7.5.9 error code of a KRB-ERROR */
    gint64 kpasswd_result; /* RFC 3244 2 result code of a kpasswd reply */
    guint32 ntstatus;     /* NTSTATUS (MS-ERREF 2.3.1): a call's result, a KERB-EXT-ERROR */
    double value;  /* a measurement the rule reads (clock-skew: client minus server, s) */
    char *src;     /* never NULL ("" when unknown) */
    char *dst;
} TwEvidence;

/* "KDC_ERR_PREAUTH_FAILED (24)" / "error 99", or NULL.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_evidence_error_text(const TwEvidence *e);
/* "0xc0000022 STATUS_ACCESS_DENIED" / "kpasswd result 0 KRB5_KPASSWD_SUCCESS",
 * or NULL.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_evidence_status_text(const TwEvidence *e);

/* What the capture proved about one machine. */
typedef enum {
    TW_F_KRB_AS_OK,        /* AS-REP to NAME$: the DC accepted its key */
    TW_F_KRB_TGS_OK,       /* TGS-REP to NAME$ */
    TW_F_KRB_KEY_FAIL,     /* AS-REQ NAME$ → 24/31 */
    TW_F_KRB_SKEW,         /* NAME$ (or its host) got KRB_AP_ERR_SKEW */
    TW_F_KRB_CLIENT_UNKNOWN, /* NAME$ → KDC_ERR_C_PRINCIPAL_UNKNOWN */
    TW_F_KRB_REVOKED,      /* NAME$ → KDC_ERR_CLIENT_REVOKED / disabled NTSTATUS */
    TW_F_KRB_PREAUTH_REQ,  /* normal first round trip */
    TW_F_SRV_KEY_FAIL,     /* AP-REQ to a service of NAME → 41/44 (NAME is the server) */
    TW_F_SRV_AP_OK,        /* AP-REP from a service of NAME */
    TW_F_SPN_UNKNOWN,      /* TGS for host/NAME → KDC_ERR_S_PRINCIPAL_UNKNOWN */
    TW_F_NL_AUTH_OK,       /* NetrServerAuthenticate* → success */
    TW_F_NL_AUTH_DENIED,   /* … → STATUS_ACCESS_DENIED (not the Zerologon pattern) */
    TW_F_NL_NO_ACCOUNT,    /* STATUS_NO_TRUST_SAM_ACCOUNT */
    TW_F_NL_DISABLED,      /* STATUS_ACCOUNT_DISABLED */
    TW_F_TRUST_FAIL,       /* TRUSTED_RELATIONSHIP / NO_TRUST_LSA_SECRET / TRUSTED_DOMAIN */
    TW_F_PWSET_REQ,        /* NetrServerPasswordSet(2) / kpasswd request */
    TW_F_PWSET_OK,
    TW_F_PWSET_FAIL,
    TW_F_ZL_ATTEMPT,       /* all-zero challenge/credential Authenticate aimed at NAME$ */
    TW_F_ZL_BYPASS,        /* … which the DC accepted */
    TW_F_ZL_PWSET,         /* all-zero NetrServerPasswordSet2 aimed at NAME$ */
    TW_F_ZL_SEALED_BURST,  /* burst of sealed ReqChallenge+Authenticate to this DC */
    TW_F_NL_DENIED_BURST,  /* burst of denied Authenticate for NAME$ from one address */
    TW_F_NTLM_OK,          /* SMB2 SESSION_SETUP with NTLMSSP as NAME$ → success */
    TW_F_NTLM_FAIL,        /* … → STATUS_LOGON_FAILURE (wrong password or unknown account) */
    TW_F_SEEN,             /* any other mention (SPN target, NTLMSSP workstation…) */
    TW_F_CLOCK_NTP,        /* NTP/MS-SNTP packet sent by NAME: a measured clock sample (value = clock
                            * minus capture host, s) */
    TW_F_NL_CRED_GENERATION, /* with keys: a NetrServerAuthenticate* credential recomputed with one
                              * supplied generation (value = its index, 0 newest; detail its label) */
    TW_F_NL_CRED_NONE,     /* with keys: … with none of the supplied generations (value = how many) */
    TW_F_PWRESET_SAMR,     /* a SAMR call that set NAME$'s password succeeded (src = the caller) */
    TW_F_KVNO,             /* a clear kvno of NAME$'s key (AS-REP enc-part, a ticket for its services;
                            * value = kvno) — analysis/kvno.c */
    TW_F_KVNO_MOVED,       /* … higher than the one before (value = new kvno): its password changed */
    TW_F_KVNO_BACKWARDS,   /* … lower than the one before (value = new kvno): two keys in use at once */
    TW_F_PWSET_REPLY,      /* a kpasswd reply whose result is encrypted: the change was answered,
                            * outcome unknown (fleet.c: not an interrupted rotation) */
    /* Ticket requests and replication that touch the machine's trust (tickets.c; the rules
     * decide with what the whole capture shows, docs/detections.md "Ticket findings"): */
    TW_F_TK_S4U_UNKNOWN,   /* its S4U2Self for a user answered KDC_ERR_C_PRINCIPAL_UNKNOWN */
    TW_F_TK_RC4,           /* a ticket for one of its services issued with RC4 (value: 1 = AES offered) */
    TW_F_TK_DCSYNC,        /* DRSGetNCChanges made with its credentials (src = the caller's address) */
    TW_F_TK_TGT_REFUSED,   /* the KDC refused its TGT (KRB_AP_ERR_MODIFIED/BADKEYVER on a TGS-REQ) */
    /* With keys, Kerberos (analysis/keyproof.c, docs/events.md "Kerberos with keys"), each on
     * the KRB-ERROR that refused the request whose decrypted parts prove it: */
    TW_F_KRB_PA_GENERATION, /* the refused PA-ENC-TIMESTAMP opens with one supplied generation of
                             * the client's key (value = its index, 0 newest; detail its label) */
    TW_F_KRB_PA_NONE,      /* … with none of them (value = how many were supplied) */
    TW_F_KRB_OWN_CLOCK,    /* the refused request's decrypted client clock (PA-ENC-TIMESTAMP,
                            * authenticator): value = client minus the KDC's stime, s */
    TW_F_SRV_TICKET_KEY,   /* the ticket a service refused opens with one supplied generation of
                            * the service's key (value = its index, 0 newest) */
    TW_F_FOREIGN,          /* a use of its account from one of m->foreign (a separate actor): a success or
                            * failure there is the actor's, never the machine's own (foreign-use evidence) */
    TW_F_NL_CHALLENGE,     /* NetrServerReqChallenge answered (MS-NRPC 3.5.4.4.1): not evidence of any
                            * verdict (no rule reads it); the ladder draws it before the Authenticate
                            * it prepares (output/html-model.c) */
    TW_F_COUNT
} TwFactKind;

typedef struct {
    guint count;
    gint64 first_ts, last_ts;
    GPtrArray *ev; /* TwEvidence*: the first TW_AN_EVIDENCE_HEAD and the last TW_AN_EVIDENCE_TAIL
                    * (fewer for routine facts); count - ev->len were dropped */
} TwFact;

typedef enum {
    TW_CLK_KRB_STIME,   /* KRB-ERROR stime vs capture time (the error's sender) */
    TW_CLK_KRB_CTIME,   /* client ctime echoed in a KRB-ERROR vs capture time */
    TW_CLK_SMB2_SYSTIME, /* SMB2 NEGOTIATE SystemTime vs capture time */
    TW_CLK_NL_AUTH,     /* NETLOGON authenticator timestamp vs capture time */
    TW_CLK_NTLM_TIME,   /* NTLMSSP CHALLENGE MsvAvTimestamp (the server's clock) vs capture time */
    TW_CLK_NTP,         /* NTP transmit timestamp (RFC 5905 7.3) vs capture time: the sender's clock */
    TW_CLK_KRB_PATIMESTAMP,   /* with keys: decrypted PA-ENC-TIMESTAMP (patimestamp + pausec) vs capture time */
    TW_CLK_KRB_AUTHENTICATOR, /* with keys: decrypted authenticator ctime + cusec vs capture time */
} TwClockKind;

typedef struct {
    double offset_s; /* machine clock minus capture-host clock */
    TwClockKind kind;
    guint64 frame;
    gint64 ts_us;
    char *source;
} TwClockSample;

typedef struct {
    char addr[TW_ADDR_STRLEN];
    char mac[18];      /* "" when unknown */
    gint64 first_ts, last_ts;
    guint n_ok;        /* successes proven from this address */
    guint n_keyfail;   /* key rejected from this address */
    guint n_pwset;     /* password changes sent from this address */
    bool own;          /* the account's own logon came from here (AS-REQ/AS-REP, NETLOGON, kpasswd, its
                        * services answering): its home, as opposed to a ticket or hash used here */
    guint8 foreign_why; /* in TwMachine.foreign: TwForeignWhy bits, why this is another actor */
} TwAddrUse;

typedef enum { TW_ROLE_UNKNOWN = 0, TW_ROLE_MEMBER, TW_ROLE_DC } TwRole;

/* Why an address that used an account is a separate actor (identity.c). */
typedef enum {
    TW_FOREIGN_ZEROLOGON = 1 << 0, /* it sent Zerologon attempts at the account */
    TW_FOREIGN_NOT_DC = 1 << 1,    /* a DC's account used from an address serving neither Kerberos nor NETLOGON */
    TW_FOREIGN_MAC = 1 << 2,       /* another MAC than every address of the machine's own logons */
    TW_FOREIGN_NTLM_NAME = 1 << 3, /* it calls itself another computer in NTLMSSP */
} TwForeignWhy;

/* How an event uses a machine's account from an address (tw_identity_bind_as). */
typedef enum {
    TW_USE_OWN = 0, /* the account's own logon (AS-REQ/REP, NETLOGON, kpasswd) or its service answering */
    TW_USE_OTHER,   /* its credentials used: a TGS-REP for its TGT, an NTLM logon as NAME$ */
    TW_USE_CLAIM,   /* only its name, claimed as an NTLMSSP workstation */
} TwUse;

/* What the capture says a machine runs (identity.c, from the typed fields of
 * the messages it sent; docs/detections.md "OS fingerprint").  Fix texts
 * follow it (fixes.c). */
typedef enum {
    TW_OS_UNKNOWN = 0, /* no sign */
    TW_OS_WINDOWS,
    TW_OS_UNIX,        /* Linux/Unix: Samba, SSSD/adcli, MIT or Heimdal Kerberos, chrony/timesyncd */
    TW_OS_EMBEDDED,    /* a device with its own SMB client (printer, scanner, NAS firmware) */
    TW_OS_MIXED,       /* signs of Windows and of Linux/Unix: said as unknown, each OS's advice given */
} TwOs;

/* One sign of an OS, from one kind of message. */
typedef enum {
    TW_OSS_NTLM_BUILD,     /* NTLMSSP VERSION with a product build (MS-NLMP 2.2.2.10): Windows */
    TW_OSS_NTLM_SAMBA,     /* NTLMSSP VERSION 6.1 build 0: Samba's fixed VERSION */
    TW_OSS_KRB_MS_ETYPE,   /* AS-REQ etypes with Microsoft's private negative etypes (-128, -133, -135) */
    TW_OSS_KRB_WIN_OPTIONS, /* AS-REQ KDCOptions 0x40810010 with PA-PAC-REQUEST, no PA-REQ-ENC-PA-REP */
    TW_OSS_KRB_MIT,        /* AS-REQ offering Camellia (RFC 6803) or PA-AS-FRESHNESS (150): MIT krb5 */
    TW_OSS_KRB_ENC_PA_REP, /* AS-REQ with PA-REQ-ENC-PA-REP (149, RFC 6806): MIT or Heimdal (Samba) */
    TW_OSS_NTP_MS_SNTP,    /* an MS-SNTP client request (w32time in a domain) */
    TW_OSS_NTP_MINIMISED,  /* a data-minimised NTP client request (chrony) */
    TW_OSS_NTP_SNTP,       /* a bare SNTP request, LI 3 and all else zero (systemd-timesyncd, sntp) */
    TW_OSS_SMB_OLD,        /* an SMB2 client offering nothing above SMB 2.0.2 (embedded SMB clients) */
    TW_OSS_COUNT
} TwOsSign;

typedef struct {
    guint64 frame;      /* first message showing the sign (the run's number) */
    char *file;         /* its capture file when the event names it (interned), else NULL */
    guint64 file_frame; /* its number there */
} TwOsSeen;

typedef struct {
    guint32 signs;              /* 1 << TwOsSign */
    TwOsSeen seen[TW_OSS_COUNT];
    guint32 ntlm_major, ntlm_minor, ntlm_build; /* the first NTLMSSP VERSION (TW_OSS_NTLM_*) */
} TwOsPrint;

/* How a machine spoke for itself (TwMachine.spoke): a record only becomes a
 * machine of the report when the machine itself was heard (issue #10 "Do not
 * invent machines"; docs/detections.md "Machine records"). */
typedef enum {
    TW_SPOKE_KERBEROS = 1 << 0, /* its own AS-REQ, or a KDC reply to its request */
    TW_SPOKE_NETLOGON = 1 << 1, /* its own NETLOGON call (challenge, authenticate, secure channel) */
    TW_SPOKE_KPASSWD = 1 << 2,  /* its own kpasswd password change */
    TW_SPOKE_ANSWER = 1 << 3,   /* a service answering from its address (AP-REP, KRB-ERROR, SMB2, NTLMSSP
                                 * CHALLENGE, a DC's reply) */
    TW_SPOKE_NTLM = 1 << 4,     /* an NTLM logon as NAME$ itself */
    TW_SPOKE_NTP = 1 << 5,      /* an NTP/MS-SNTP packet it sent */
} TwSpoke;

typedef struct {
    char *key;      /* "NAME$" or "ip:ADDR" for an address-only host */
    char *account;  /* "NAME$" or NULL */
    TwRole role;
    gint64 rid;     /* from NetrServerAuthenticate3, -1 when unknown */
    GPtrArray *aliases; /* char*: SPNs, FQDNs, NetBIOS names seen */
    GArray *addrs;      /* TwAddrUse */
    gint64 first_ts, last_ts;
    TwFact facts[TW_F_COUNT];
    GArray *clock;      /* TwClockSample */
    guint clock_total;
    GPtrArray *zl_attackers; /* char*: addresses that sent Zerologon attempts at this account */
    GArray *zl_attempt_ts;   /* gint64: recent attempt times, for burst detection */
    struct TwBurst *zl_burst; /* every attempt's time, binned (timeline.h); NULL before the first */
    struct TwBurst *zl_sealed_burst; /* a DC: the sealed Authenticate calls of each burst against it
                                      * (from the one that made it a burst, the window before it
                                      * included), binned; NULL before the first burst */
    gint64 zl_sealed_last_us;        /* the latest call binned there */
    GArray *foreign;         /* TwAddrUse: addresses that used this account but are not this
                              * machine (a Zerologon source, a non-DC using a DC's account): a
                              * separate actor, never among addrs (identity.c) */
    guint32 spoke;      /* TwSpoke bits: how the machine itself was heard; 0 = only named by others */
    TwOsPrint os;       /* what its messages say it runs (identity.c) */
    bool merged_away;   /* absorbed into another record */
} TwMachine;

/* A cause established for one machine (rules.c). */
typedef struct TwRule TwRule;
typedef struct {
    const TwRule *rule;
    TwState state;
    const char *confidence; /* "high" | "medium" | "low" */
    char *summary;          /* plain words, for someone who never read RFC 4120 */
    char *fix;
    GPtrArray *evidence;    /* TwEvidence* borrowed from the machine's facts */
    guint64 evidence_more;  /* messages of the same facts not shown ("and N more") */
    bool has_offset;
    double offset_s;        /* clock-skew: machine minus DC */
} TwFinding;

typedef struct TwAnalysis TwAnalysis;

struct TwRule {
    const char *name;      /* stable id: "stale-password" … (docs/detections.md) */
    const char *title;     /* short human title */
    const char *reference; /* spec sections */
    int priority;          /* lower wins when picking the verdict among equal states */
    void (*eval)(const TwAnalysis *a, const TwMachine *m, GPtrArray *out /* TwFinding* */);
};

extern const TwRule tw_rules[];
extern const guint tw_rules_count;
/* Returns: (transfer none) (nullable): an entry of the static tw_rules table. */
const TwRule *tw_rule_by_name(const char *name);
/* A finding of rule `rule_name` (rules.c; fleet.c's rules use it too), no evidence yet. */
TwFinding *tw_finding_new(const char *rule_name, TwState st, const char *conf);
/* GCompareFunc over TwEvidence* in a GPtrArray: by capture time, then frame. */
int tw_evidence_cmp(gconstpointer pa, gconstpointer pb);

/* Evaluates every rule for one machine, worst first.
 * Returns: (transfer full): TwFinding*, the array frees them (tw_finding_free);
 * free with g_ptr_array_unref().  Each finding's evidence is borrowed from m:
 * valid while m is unchanged. */
GPtrArray *tw_rules_eval(const TwAnalysis *a, const TwMachine *m);
/* Frees a TwFinding (gpointer: a GPtrArray free func); NULL is a no-op. */
void tw_finding_free(gpointer p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwFinding, tw_finding_free)
/* Worst state among findings (UNKNOWN when none). */
TwState tw_findings_state(GPtrArray *findings);
/* The clock offset of m vs the DCs every output shows (s): the first finding
 * that measured one, else none when a clock-skew finding did not (another
 * median would contradict its refusals), else m's samples minus the DCs'
 * (never for a DC).  False when there is none. */
bool tw_findings_offset(const TwAnalysis *a, const TwMachine *m, GPtrArray *findings, double *offset_s);

/* User (non-machine) failures, aggregated per (user, address, error). */
typedef struct {
    char *user;
    char addr[TW_ADDR_STRLEN];
    gint64 krb_error; /* RFC 4120 7.5.9 code */
    guint count;
    guint64 first_frame;
    char *source;
    gint64 first_ts, last_ts;
} TwUserFailure;

/* "KDC_ERR_PREAUTH_FAILED", or "error 99" for a code without a name.
 * Returns: (transfer full): free with g_free(). */
char *tw_user_failure_error_text(const TwUserFailure *u);

/* Password spray (rules.c): many distinct users failing pre-authentication
 * from one address. */
typedef struct {
    char addr[TW_ADDR_STRLEN];
    GPtrArray *users; /* char* borrowed from the TwUserFailure records */
    guint failures;
    guint64 first_frame;
    const char *source;
} TwSpray;

/* The sprays found in a's user failures, in order of their first failure.
 * Returns: (transfer full): TwSpray*, the array frees them; free with
 * g_ptr_array_unref().  Their users and source are borrowed from a. */
GPtrArray *tw_rules_sprays(const TwAnalysis *a);

struct TwAnalysis {
    GHashTable *machines;   /* key → TwMachine* (owned) */
    GPtrArray *machine_order; /* TwMachine* in creation order (borrowed) */
    GHashTable *ip_owner;   /* addr → machine key (char*, owned) of the latest named user */
    GHashTable *dc_addrs;   /* addr → TRUE: servers of port 88 / NETLOGON */
    GHashTable *requests;   /* "source|frame" → request (owned) */
    GHashTable *flows;      /* "source|c|cp|s|sp|proto" → request (borrowed from requests) */
    GQueue *request_fifo;   /* keys in insertion order, for eviction */
    GHashTable *nl_challenges; /* "source|addr|COMPUTER" → bool all-zero challenge */
    GHashTable *flow_users;    /* "source|client:port|server:port" → "DOMAIN\\user" of an NTLMSSP
                                * AUTHENTICATE on that connection (who called SAMR on it) */
    GHashTable *sealed_bursts; /* "src|dst" → GArray* gint64 of recent sealed auth ts */
    GHashTable *changepw_client; /* "source|addr" → cname of the last AS-REQ for kadmin/changepw */
    GPtrArray *users;       /* TwUserFailure* */
    GHashTable *user_index; /* "user|addr|error" → TwUserFailure* */
    GPtrArray *sources;     /* char*: interned-like owned source names */
    guint64 events;
    gint64 first_ts, last_ts;
    guint64 caps_hit;       /* sum of cap_counts */
    guint64 cap_counts[TW_AN_CAP_COUNT];
    guint64 evidence_dropped;
    guint64 machines_refused; /* events about a new machine after TW_AN_MAX_MACHINES */
    guint64 clock_samples_implausible; /* samples dropped: decades from every other clock (clock.c) */
    guint64 clock_samples_corrected;   /* decrypted client times after a KRB_AP_ERR_SKEW that agree with the
                                        * DCs: the Kerberos library's corrected time, not the machine's clock */
    GHashTable *ntp_server_of; /* NTP client addr → the server addr it asked (char*, owned) */
    GHashTable *ws_claims;     /* addr → NAME$ of the last NTLMSSP workstation name claimed from it (owned) */
    GHashTable *ntp_off_clients; /* server addr → GHashTable set of client addrs it sent an offset
                                  * reply (|offset| > TW_AN_SKEW_WARN_S) */
    /* Vantage point: the addresses party to every event so far (at most
     * two; vantage_n -1 before the first event with both ends). */
    char vantage[2][TW_ADDR_STRLEN];
    int vantage_n;
    /* Sender address → TwCsumTally: its events, and those whose frame's
     * TCP/UDP checksum was wrong ("checksum_bad"): the capture host's own
     * frames under checksum offload (clock.c). */
    GHashTable *csum_by_src;
    /* tw_clock_capture_host's answer for a->events == host_cache_events
     * (G_MAXUINT64 = never computed); the texts are static strings. */
    guint64 host_cache_events;
    bool host_cache_set;
    char host_cache_addr[TW_ADDR_STRLEN];
    const char *host_cache_inference, *host_cache_confidence;
    bool clock_ref_set;     /* clock_ref_lo/hi: range of the clock offsets kept so far */
    double clock_ref_lo, clock_ref_hi;
    /* DC clock offset and name, computed once per state of the input
     * (rules ask for them for every machine). */
    guint64 dc_cache_events; /* a->events when computed; G_MAXUINT64 = never */
    bool dc_has_offset;
    double dc_offset;
    char *dc_name;
    /* Fleet view (fleet.c): per-DC acceptances and refusals, rebuilt when
     * events were added since. */
    void *fleet_cache;
    /* The domain controllers' clock intervals (clock.c), rebuilt when events
     * were added or machines removed since (rules ask for every machine). */
    void *dc_clock_cache;
    /* The realm of the first machine AS-REQ (the domain fixes name), or NULL. */
    char *realm;
    TwHealth *health;       /* capture health (health.h), owned */
    /* Live announcements: "key|rule|state" already printed. */
    GHashTable *announced;
    GPtrArray *touched;     /* machines touched by the current event (borrowed) */
    struct TwTickets *tickets; /* tickets.c: TGS failures, RC4 tickets, DCSync */
    char *focus;            /* --machine: the one machine the reports show, or NULL (all) */
    GPtrArray *previous;    /* TwPrevReport* (previous.h) of --previous, owned; in the order given */
};

/* Returns: (transfer full): free with tw_analysis_free(). */
TwAnalysis *tw_analysis_new(void);
/* Counts one refusal or eviction by a cap. */
void tw_analysis_cap_hit(TwAnalysis *a, TwAnCap cap);
void tw_analysis_free(TwAnalysis *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwAnalysis, tw_analysis_free)

/* Folds one event in.  `source` names the sensor/file (NULL for a capture
 * read in this run); frame numbers are only unique within a source. */
void tw_analysis_feed(TwAnalysis *a, const TwEvent *ev, const char *source);

/* Live findings (established.c): calls `fn` once for each finding (recovered
 * or worse) established since the last call, for the machines touched by
 * the events fed since; each (machine, rule, state) only once per analysis.
 * `f` is valid during the call only.  Returns how many. */
typedef void (*TwEstablishedFn)(const TwAnalysis *a, const TwMachine *m, const TwFinding *f, void *user);
guint tw_analysis_established(TwAnalysis *a, TwEstablishedFn fn, void *user);
/* The same point of a run that announces nothing (no --alerts, no live
 * findings): the machines the event touched are not queued, so a long file
 * run does not fill the announcement queue and count it as a limit hit. */
void tw_analysis_established_none(TwAnalysis *a);

/* DC clock offset vs the capture host (median of DC samples); false when none. */
bool tw_analysis_dc_offset(const TwAnalysis *a, double *offset_s);
/* Median offset of a machine's own samples vs the capture host. */
bool tw_machine_clock_offset(const TwMachine *m, double *offset_s);
/* The same, from its NTP samples only (measured, the best evidence). */
bool tw_machine_ntp_offset(const TwMachine *m, double *offset_s);
/* The name (or address) to use for the DC in fixes ("DC1" or "10.0.0.1"), or NULL.
 * Returns: (transfer none) (nullable): owned by a, valid until more events are fed. */
const char *tw_analysis_dc_name(const TwAnalysis *a);

/* fixes.c: fix texts for the machine's role, with the domain and a DC
 * that works filled in from the capture.
 * Returns: (transfer full): free with g_free(). */
char *tw_fix_stale_password(const TwAnalysis *a, const TwMachine *m);
/* The same for the OS the capture shows (tw_machine_os; each OS's way when
 * it does not show it): repair the secure channel, refresh a service key,
 * change the machine password now, rejoin, set the clock.  Each is one or
 * more sentences (a DC gets its own clock text).
 * Returns: (transfer full): free with g_free(). */
char *tw_fix_repair(const TwAnalysis *a, const TwMachine *m);
char *tw_fix_keytab(const TwAnalysis *a, const TwMachine *m);
char *tw_fix_change_password(const TwAnalysis *a, const TwMachine *m);
char *tw_fix_rejoin(const TwAnalysis *a, const TwMachine *m);
char *tw_fix_clock(const TwAnalysis *a, const TwMachine *m);
char *tw_fix_clock_dc_moved(const TwMachine *m);
/* One clause for m's OS: `windows` or `unix_` (transfer full of both), or
 * "if NAME runs Windows, …; if Linux/Unix, …" when the capture does not say. */
char *tw_fix_os_choice(const TwMachine *m, char *windows, char *unix_);
/* A clone: give the copy its own name, repair the original. */
char *tw_fix_clone(const TwAnalysis *a, const TwMachine *m);

/* identity.c */
/* Canonical machine account for a Kerberos principal or SPN: "WS1$" for
 * "ws1$", "WS1$@REALM", "host/ws1.lab.example", "cifs/WS1"; NULL for users,
 * krbtgt, kadmin and addresses.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_identity_from_principal(const char *name);
/* Canonical account for a NetBIOS computer name ("\\\\WS1", "ws1", "WS1$").
 * Returns: (transfer full) (nullable): free with g_free(); NULL for NULL or "". */
char *tw_identity_from_computer(const char *name);
/* True when a principal names a user (no '$', no service part). */
bool tw_identity_is_user(const char *name);
/* --machine NAME: the reports show only the machine NAME names ("WS06",
 * "ws06$", "WS06.lab.example", one of its addresses); NULL shows all.  The
 * analysis itself still sees every machine (fleet rules need them). */
void tw_analysis_set_focus(TwAnalysis *a, const char *name);
/* Whether a report shows m: always without a focus; else whether the focus
 * names m (its account, an alias, an address). */
bool tw_analysis_shows(const TwAnalysis *a, const TwMachine *m);
/* Whether a report shows what is about `account` (a machine account,
 * "WS06$") or came from `addr` (either may be NULL): always without a focus;
 * else whether it is the account or one of the addresses of a machine the
 * focus names.  The sections that are not verdicts (user failures, sprays,
 * ticket findings) use it so that --machine restricts them too. */
bool tw_analysis_shows_party(const TwAnalysis *a, const char *account, const char *addr);
/* The user failures a report shows (from an address of the focus machine
 * with --machine; all without).  Returns: (transfer container): borrowed
 * TwUserFailure*, free the array with g_ptr_array_unref(). */
GPtrArray *tw_analysis_users_shown(const TwAnalysis *a);
/* Drops from `sprays` (tw_rules_sprays) those a report does not show. */
void tw_analysis_sprays_shown(const TwAnalysis *a, GPtrArray *sprays);

/* The record of `account`, created when new.
 * Returns: (transfer none) (nullable): owned by a (freed by tw_analysis_free);
 * NULL when account is NULL or TW_AN_MAX_MACHINES refused a new record. */
TwMachine *tw_identity_get(TwAnalysis *a, const char *account);
/* Returns: (transfer none) (nullable): owned by a; NULL when unknown. */
TwMachine *tw_identity_lookup(const TwAnalysis *a, const char *account);
/* The machine currently using `addr` (named if bound, else an address-only
 * record, created when `create`).
 * Returns: (transfer none) (nullable): owned by a. */
TwMachine *tw_identity_by_addr(TwAnalysis *a, const char *addr, bool create);
/* Records that `m` used `addr` (and `mac`, may be NULL/"") at ts; binds the
 * address to it and absorbs an address-only record for it. */
void tw_identity_bind(TwAnalysis *a, TwMachine *m, const char *addr, const char *mac, gint64 ts);
/* The same for a use of kind `use`; `workstation` is the NTLMSSP workstation
 * name the message claims (NULL when none).  A TW_USE_OTHER from an address
 * without the account's own logons, once the machine has a home address, is
 * another actor when that address shows another MAC or another computer's
 * NTLMSSP name; a TW_USE_CLAIM never takes an address from a machine that
 * has a home.  Returns true when the use was recorded in m->foreign (the
 * caller then records its evidence as TW_F_FOREIGN, not as m's own). */
bool tw_identity_bind_as(TwAnalysis *a, TwMachine *m, const char *addr, const char *mac, gint64 ts, TwUse use,
                         const char *workstation);
/* True when addr is among m's separate actors (m->foreign). */
bool tw_machine_is_foreign(const TwMachine *m, const char *addr);
/* Records the NTLMSSP workstation name a message from addr claims (the
 * foreign-use NTLMSSP-name test; at most TW_AN_MAX_ADDR_OWNERS addresses). */
void tw_identity_ntlm_claim(TwAnalysis *a, const char *addr, const char *workstation);
void tw_identity_add_alias(TwAnalysis *a, TwMachine *m, const char *alias);
/* Returns: (transfer none) (nullable): the entry for addr inside m->addrs,
 * valid until an address is added to m; NULL when m never used addr. */
TwAddrUse *tw_machine_addr(TwMachine *m, const char *addr);
/* True when the capture shows nothing of m but its name (a service named in
 * a TGS-REQ): no address, no fact, no clock sample, no role.  Such a record
 * holds aliases for when the machine shows up; it is not a host of its own
 * and is not reported (else one host would show as two records). */
bool tw_machine_only_named(const TwMachine *m);
/* The OS signs of one event, credited to the machine that sent it (the
 * client of an AS-REQ, NTLMSSP NEGOTIATE/AUTHENTICATE, SMB2 negotiation or
 * NTP request; the server of an NTLMSSP CHALLENGE).  Typed fields only
 * (etypes, kdc_options, padata, os_version, client_dialects, NTP mode,
 * leap, stratum, rid, data_minimized); never display strings.  Records
 * are not created. */
void tw_identity_os_feed(TwAnalysis *a, const TwEvent *ev);
/* The OS m's signs point to. */
TwOs tw_machine_os(const TwMachine *m);
/* "windows" "unix" "embedded" "mixed" "unknown" (static). */
const char *tw_os_name(TwOs os);
/* Family and stable name of a sign ("ntlmssp-version-build"…; static). */
TwOs tw_os_sign_family(TwOsSign s);
const char *tw_os_sign_name(TwOsSign s);
/* The sign in words ("NTLMSSP VERSION 10.0.19041"), for the report.
 * Returns: (transfer full): free with g_free(). */
char *tw_os_sign_text(const TwMachine *m, TwOsSign s);

/* Records that m spoke for itself (TwSpoke bits); m may be NULL. */
void tw_identity_spoke(TwMachine *m, guint32 how);
/* True when m is a machine of the report: an address-only record (its
 * address spoke), a named record whose machine spoke for itself, or one
 * that Zerologon traffic targets (a finding about the domain's account).
 * A name only others used — a service principal in someone's request, the
 * workstation name a client claimed in NTLMSSP with nothing else from that
 * host — is not: it is listed as a name, not a machine (report "named_only"). */
bool tw_machine_is_machine(const TwMachine *m);
/* True when m is a name only others used and something was said about it
 * (a refusal of its service name, a claimed workstation name, a SAMR reset):
 * the report's "named only" note.  A bare alias (a service asked for and
 * answered) says nothing and is not listed. */
bool tw_machine_named_only_note(const TwMachine *m);
/* The facts that put a name only others used in that note. */
bool tw_fact_names_only_note(TwFactKind k);
/* Records `addr` as a source of Zerologon traffic at m (at most TW_AN_MAX_ADDRS). */
void tw_machine_zl_source(TwAnalysis *a, TwMachine *m, const char *addr);
/* Queues m for the next live announcement (at most TW_AN_MAX_TOUCHED per event). */
void tw_analysis_touch(TwAnalysis *a, TwMachine *m);
/* Frees a TwMachine (gpointer: the machines table's free func); NULL is a no-op. */
void tw_machine_free(gpointer p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwMachine, tw_machine_free)

/* Adds a fact with its evidence (transfer full of ev) to m; m may be NULL
 * (a refused record): ev is freed then. */
void tw_machine_fact(TwAnalysis *a, TwMachine *m, TwFactKind k, TwEvidence *ev);

/* analysis/keyproof.c: what keys proved about the password a machine used on
 * its refused authentications (NETLOGON TW_F_NL_CRED_*, Kerberos
 * TW_F_KRB_PA_*), about the key of a ticket it refused as a service
 * (TW_F_SRV_TICKET_KEY) and its own clock on a refused request
 * (TW_F_KRB_OWN_CLOCK), in sentences, or NULL when keys proved nothing for
 * it.  *generation gets the index of the client generation its latest
 * refused authentication used (-1: none of the supplied ones) and is left
 * alone when no client generation was proved.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_machine_key_proof(const TwMachine *m, gint64 *generation);
/* analysis/keyproof.c, Kerberos with keys: what a request's decrypted parts
 * prove (docs/events.md "Kerberos with keys"), kept with the request until
 * its reply.  Returns: (transfer full) (nullable): NULL when the event has
 * no decrypted proof; free with tw_keyproof_free(). */
typedef struct TwKrbProof TwKrbProof;
TwKrbProof *tw_keyproof_request(const TwEvent *ev);
void tw_keyproof_free(TwKrbProof *p);
/* The client's own clock the request's decrypted parts read (µs since the
 * epoch) and which kind of sample it is; false when none. */
bool tw_keyproof_client_clock(const TwKrbProof *p, gint64 *clock_us, TwClockKind *kind);
/* The name the decrypted parts give the client (authenticator or ticket
 * cname), or NULL.  Returns: (transfer none). */
const char *tw_keyproof_client(const TwKrbProof *p);
/* A KRB-ERROR `err` (code `code`) refused the request of proof p: the
 * generation facts into m (the client: TW_F_KRB_PA_*, TW_F_KRB_OWN_CLOCK)
 * or, for a service's refusal, into m as the service (TW_F_SRV_TICKET_KEY). */
void tw_keyproof_refused(TwAnalysis *a, TwMachine *m, const TwKrbProof *p, const TwEvent *err, const char *source,
                         gint64 code, bool service);
/* KRB_AP_ERR_SKEW answering the request of proof p: the exact offset of the
 * client's decrypted clock from the error's stime (client minus KDC, s) and
 * a sentence for the evidence (transfer full).  False without a clock. */
bool tw_keyproof_skew(const TwKrbProof *p, const TwEvent *err, double *offset_s, char **detail);

/* analysis/keyproof.c: "the password of WS01$ was reset at T from ADDR
 * (SamrSetInformationUser2, frame N); WS01 still has the old one" when a SAMR
 * set-password for NAME$ came from an address that is not NAME's and NAME's
 * key then failed; NULL otherwise.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_machine_reset_by_other(const TwMachine *m);

/* analysis/kvno.c: the clear key-version numbers of every Kerberos message
 * (docs/events.md enc_kvno, ticket_kvno) folded into TW_F_KVNO* facts. */
void tw_kvno_feed(TwAnalysis *a, const TwEvent *ev, const char *source);
/* "Key versions seen: kvno 1 (frame 103, AS-REP) → 2 (frame 185, AS-REP)",
 * with a warning when one went backwards; NULL when the kvno never moved.
 * Returns: (transfer full) (nullable): free with g_free(). */
char *tw_machine_kvno_timeline(const TwMachine *m);
/* Frees a TwEvidence (gpointer: a GPtrArray free func); NULL is a no-op. */
void tw_evidence_free(gpointer p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwEvidence, tw_evidence_free)
/* Interned copy of s (a GRefString shared by every equal string; NULL for
 * NULL).
 * Returns: (transfer full) (nullable): release with g_ref_string_release(). */
char *tw_intern(const char *s);
