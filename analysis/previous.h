/* previous.h: this run's clocks against earlier reports of the same network
 * (--previous REPORT.json; analysis/previous.c, loaded by output/previous.c). */
#pragma once

#include "analysis/analysis.h"

/* One machine of an earlier report that had a clock of its own. */
typedef struct {
    char *account;          /* NAME$, or NULL for an address-only record */
    GPtrArray *addrs;       /* char*, owned (at most TW_PREV_MAX_ADDRS) */
    bool dc;
    bool has_clock;         /* members are kept only with one; DCs always (they relate reports) */
    double first_s, last_s; /* its clock minus that capture's clock: first and last interval */
} TwPrevHost;

typedef struct {
    char *file;             /* as given on the command line */
    gint64 first_ts, last_ts; /* that capture's first and last event (µs; 0 unknown) */
    GPtrArray *hosts;       /* TwPrevHost*, owned: every DC, and the members with a clock */
    guint dcs;              /* domain controllers it listed (with a clock or not) */
    guint64 hosts_left_out; /* hosts or addresses beyond TW_PREV_MAX_HOSTS / TW_PREV_MAX_ADDRS */
} TwPrevReport;

void tw_prev_report_free(TwPrevReport *r);
void tw_prev_host_free(TwPrevHost *h);

/* Takes r; counts its left-out hosts under TW_AN_CAP_PREV_HOSTS. */
void tw_analysis_add_previous(TwAnalysis *a, TwPrevReport *r);

/* This run's domain controllers that r lists too (by account, else by
 * address); 0: another network, ignored. */
guint tw_previous_dcs_in_common(const TwAnalysis *a, const TwPrevReport *r);

typedef enum {
    TW_PREV_NONE,           /* no earlier report with this DC's clock, or nothing to conclude */
    TW_PREV_SAME,           /* neither the DC nor the members moved */
    TW_PREV_DC_MOVED,       /* the DC's clock moved, the members' did not */
    TW_PREV_MEMBERS_MOVED,  /* the members' clocks moved, the DC's did not */
    TW_PREV_ALL_MOVED,      /* both alike: the capture host's clock (or the whole domain's time) moved */
    TW_PREV_DC_CORRECTED,   /* the DC's moved, the members' did not, and it now agrees with them: put right */
} TwPrevKind;

typedef struct {
    TwPrevKind kind;
    const TwPrevReport *report; /* the one compared with (borrowed) */
    double dc_delta_s;      /* the DC's clock vs the capture clock: now (first interval) minus then (last) */
    double members_delta_s; /* the members' (their median) */
    double moved_s;         /* DC_MOVED: the DC's against the members'; MEMBERS_MOVED: the members' */
    guint members;          /* members the comparison rests on (0: the capture host alone) */
    bool has_members_now;   /* members_now_s: this capture's members' median against its clock */
    double members_now_s;
    bool members_common;    /* the same members in both reports (else each report's median) */
} TwPrevClock;

/* dc's clock now against the latest earlier report that has it with a
 * clock (docs/detections.md "The DC's clock against a previous capture"). */
bool tw_previous_dc_clock(const TwAnalysis *a, const TwMachine *dc, TwPrevClock *out);
/* The first DC of this run whose clock moved since an earlier capture
 * (kind TW_PREV_DC_MOVED), or NULL. */
const TwMachine *tw_previous_dc_moved(const TwAnalysis *a, TwPrevClock *out);
/* m's own clock now minus then against the latest earlier report listing
 * it with a clock; false without one. */
bool tw_previous_member_delta(const TwAnalysis *a, const TwMachine *m, const TwPrevReport **r, double *delta_s);
/* "since the capture of 2026-03-01 (prev.json)"; transfer full. */
char *tw_previous_since(const TwPrevReport *r, const TwAnalysis *a);
/* The DC's clock-skew sentence about c: " Its clock moved by +3600 s since
 * the capture of … (prev.json), while the members' clocks did not (…): the
 * members are not the ones to fix." and the other kinds; transfer full. */
char *tw_previous_clock_note(const TwAnalysis *a, const TwPrevClock *c);
