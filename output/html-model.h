/* html-model.h — what the pictures show, read from the analysis result:
 * the verdict of each machine (as the report decides it: tw_rules_eval),
 * the evidence table of a failing machine, and its failing exchanges as
 * ladders (client ↔ KDC/DC ↔ server), shared by -T html (SVG) and -T
 * ladder (the terminal).  Nothing here recomputes a verdict. */
#pragma once

#include "analysis/analysis.h"
#include "analysis/timeline.h"

/* One machine as the report shows it. */
typedef struct {
    TwMachine *m;
    GPtrArray *findings; /* TwFinding*, worst first (tw_rules_eval) */
    TwState state;
    bool cannot_tell;    /* evidence was lost and nothing proves its state (docs/report.md) */
} TwMachineView;

typedef struct {
    GArray *views;       /* TwMachineView, worst first, named before address-only, then by name */
    GPtrArray *issues;   /* TwHealthIssue* (tw_report_health_issues) */
    TwHealthLevel health;
    int status;          /* the report's exit status: 0, 1 (a machine broken), 3 (cannot judge) */
    guint counts[TW_STATE_BROKEN + 1];
    guint cannot;        /* machines whose verdict the lost evidence leaves open */
} TwPageModel;

/* The verdicts of every machine the reports show (tw_analysis_shows).
 * Returns: (transfer full): free with tw_page_model_free(). */
TwPageModel *tw_page_model_new(TwAnalysis *a);
void tw_page_model_free(TwPageModel *pm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwPageModel, tw_page_model_free)

/* "WS06$", else its first address, else its key (transfer none). */
const char *tw_machine_label(const TwMachine *m);
/* The finding that decides the verdict, or NULL. */
const TwFinding *tw_view_main(const TwMachineView *v);
/* The machine's clock minus the DC's, as the report shows it ("Clock:"). */
bool tw_view_offset(const TwAnalysis *a, const TwMachineView *v, double *offset_s);
/* Whether finding f is shown with its evidence (its state is recovered or
 * worse, or it decides the verdict). */
bool tw_view_shows_evidence(const TwMachineView *v, const TwFinding *f);
/* The evidence table: every evidence of the findings shown with evidence,
 * each once, by time then frame.
 * Returns: (transfer container): const TwEvidence* borrowed from v->m. */
GPtrArray *tw_view_evidence(const TwMachineView *v);

/* ---- ladders ---- */

typedef enum {
    TW_PARTY_CLIENT = 0, /* the machine itself */
    TW_PARTY_OTHER,      /* another actor using its account (a clone, a Zerologon source) */
    TW_PARTY_DC,         /* a KDC / domain controller */
    TW_PARTY_SERVER,     /* any other server */
} TwPartyRole;

typedef struct {
    char *name;          /* "WS06$", "DC1$", or the address */
    char *addr;
    char *mac;           /* when the machine shows under several addresses (a clone), else NULL */
    TwPartyRole role;
} TwLadderParty;

typedef struct {
    guint from, to;        /* party indexes */
    gint64 ts_us;
    const TwEvidence *ev;  /* the evidence row it draws (borrowed) */
    guint row;             /* index of ev in tw_view_evidence() */
    char *label;
    TwMark mark;           /* a request half is TW_MARK_EVENT; its answer carries the outcome */
    bool request_half;     /* the request a reply answers: not in ev's frame (the reply is) */
    bool context;          /* not an evidence row: the NetrServerReqChallenge an Authenticate answers
                            * (TW_F_NL_CHALLENGE), drawn so the exchange reads whole; row is unused */
} TwLadderArrow;

typedef struct {
    GPtrArray *parties;    /* TwLadderParty*, left to right */
    GArray *arrows;        /* TwLadderArrow, in time order */
    gint64 first_ts, last_ts;
    guint fails;           /* arrows marked TW_MARK_FAIL */
    guint64 rows_left_out; /* evidence of the exchange beyond TW_LADDER_MAX_ARROWS */
} TwLadder;

/* The failing exchanges of a machine: its evidence table cut where
 * TW_LADDER_GAP_US passes without a message, the clusters with a failure
 * (else the last one), at most TW_LADDER_MAX per machine, latest kept.
 * `evidence` is tw_view_evidence(v).
 * Returns: (transfer full): TwLadder*, the array frees them. */
GPtrArray *tw_ladders_new(const TwAnalysis *a, const TwMachineView *v, const GPtrArray *evidence);
/* "client" "other actor" "KDC/DC" "server" (transfer none: static). */
const char *tw_party_role_name(TwPartyRole r);
/* "HH:MM:SS.mmm" of a UTC time (out NUL-terminated). */
void tw_short_time_ms(gint64 ts_us, char out[16]);
