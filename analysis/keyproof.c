/* keyproof.c — what the supplied keys proved about the password a machine
 * used, said for the machines whose authentication failed: NETLOGON
 * credentials recomputed by the NETLOGON dissector (MS-NRPC 3.1.4.4, facts
 * TW_F_NL_CRED_*), and Kerberos parts the krb5 dissector decrypted (RFC
 * 4120 5.2.7.2 PA-ENC-TIMESTAMP, 5.3 tickets, 5.5.1 authenticators; facts
 * TW_F_KRB_PA_*, TW_F_KRB_OWN_CLOCK, TW_F_SRV_TICKET_KEY).  Everything here
 * reads typed event fields and facts (docs/events.md "Kerberos with keys"),
 * never bytes. */
#include "analysis.h"
#include "analysis/fields.h"

#include "core/krb5-names.h"
#include "core/ntstatus.h"

#include <string.h>

/* ---- Kerberos: what a request's decrypted parts prove ---------------------- */

typedef enum { PROOF_NONE = 0, PROOF_OPENED, PROOF_NO_KEY } ProofState;

struct TwKrbProof {
    gint64 msg_type;
    guint64 frame;
    gint64 ts_us;
    ProofState pa;         /* PA-ENC-TIMESTAMP with the client's keys */
    gint64 pa_index, pa_generations, pa_kvno;
    char *pa_label, *pa_principal;
    ProofState ticket;     /* the ticket with the service's keys */
    gint64 t_index, t_generations, t_kvno;
    char *t_label, *t_principal, *t_sname;
    bool has_clock;        /* the client's own clock, decrypted */
    gint64 clock_us;
    TwClockKind clock_kind;
    char *client;          /* the decrypted client name */
};

void tw_keyproof_free(TwKrbProof *p)
{
    if (!p)
        return;
    g_free(p->pa_label);
    g_free(p->pa_principal);
    g_free(p->t_label);
    g_free(p->t_principal);
    g_free(p->t_sname);
    g_free(p->client);
    g_free(p);
}

static bool time_of_k(const TwEvent *ev, const char *k, const char *usec_k, gint64 *us)
{
    const char *s = an_str_k(ev, k);
    if (!s || !tw_parse_time(s, us))
        return false;
    *us += CLAMP(an_int_k(ev, usec_k, 0), 0, 999999);
    return true;
}

/* time_of(ev, TIME_KEY, USEC_KEY, &us): both string literals */
#define time_of(ev, lit, usec_lit, us) time_of_k((ev), AN_KEY(lit), AN_KEY(usec_lit), (us))

TwKrbProof *tw_keyproof_request(const TwEvent *ev)
{
    gint64 t = an_int(ev, "msg_type", -1);
    if (t != TW_KRB5_AS_REQ && t != TW_KRB5_TGS_REQ && t != TW_KRB5_AP_REQ)
        return NULL;
    const TwField *pa = an_get(ev, "pa_enc_timestamp_decrypted");
    const TwField *tk = an_get(ev, "ticket_decrypted");
    const TwField *au = an_get(ev, "authenticator_decrypted");
    if (!pa && !tk && !au)
        return NULL;
    TwKrbProof *p = g_new0(TwKrbProof, 1);
    p->msg_type = t;
    p->frame = ev->frame;
    p->ts_us = ev->ts_us;
    if (pa) {
        p->pa = an_bool(ev, "pa_enc_timestamp_decrypted", false) ? PROOF_OPENED : PROOF_NO_KEY;
        p->pa_index = an_int(ev, "key_generation_index", -1);
        p->pa_generations = an_int(ev, "key_generations", 0);
        p->pa_kvno = an_int(ev, "key_kvno", 0);
        p->pa_label = g_strdup(an_str(ev, "key_label"));
        p->pa_principal = g_strdup(an_str(ev, "key_principal"));
        p->has_clock = p->pa == PROOF_OPENED && time_of(ev, "patimestamp", "pausec", &p->clock_us);
        p->clock_kind = TW_CLK_KRB_PATIMESTAMP;
    }
    if (tk) {
        p->ticket = an_bool(ev, "ticket_decrypted", false) ? PROOF_OPENED : PROOF_NO_KEY;
        p->t_index = an_int(ev, "ticket_key_generation_index", -1);
        p->t_generations = an_int(ev, "ticket_key_generations", 0);
        p->t_kvno = an_int(ev, "ticket_key_kvno", 0);
        p->t_label = g_strdup(an_str(ev, "ticket_key_label"));
        p->t_principal = g_strdup(an_str(ev, "ticket_key_principal"));
        p->t_sname = g_strdup(an_str(ev, "ticket_sname"));
    }
    if (!p->has_clock && an_bool(ev, "authenticator_decrypted", false) &&
        time_of(ev, "authenticator_ctime", "authenticator_cusec", &p->clock_us)) {
        p->has_clock = true;
        p->clock_kind = TW_CLK_KRB_AUTHENTICATOR;
    }
    const char *who = tw_event_get_whole_str(ev, "authenticator_cname");
    if (!who)
        who = tw_event_get_whole_str(ev, "ticket_cname");
    p->client = g_strdup(who);
    return p;
}

bool tw_keyproof_client_clock(const TwKrbProof *p, gint64 *clock_us, TwClockKind *kind)
{
    if (!p || !p->has_clock)
        return false;
    *clock_us = p->clock_us;
    *kind = p->clock_kind;
    return true;
}

const char *tw_keyproof_client(const TwKrbProof *p)
{
    return p ? p->client : NULL;
}

static const char *clock_source(const TwKrbProof *p)
{
    return p->clock_kind == TW_CLK_KRB_PATIMESTAMP ? "decrypted PA-ENC-TIMESTAMP" : "decrypted authenticator";
}

/* The client's clock minus the KDC's: the error's stime + susec at its
 * capture time against the request's decrypted clock at the request's. */
static bool clock_vs_kdc(const TwKrbProof *p, const TwEvent *err, double *off)
{
    gint64 stime;
    if (!p->has_clock || !time_of(err, "stime", "susec", &stime))
        return false;
    *off = ((double)(p->clock_us - p->ts_us) - (double)(stime - err->ts_us)) / 1e6;
    return true;
}

static char *clock_text(gint64 us)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    if (!dt)
        return g_strdup("?");
    g_autofree char *t = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
    g_date_time_unref(dt);
    return g_strdup_printf("%s.%06d UTC", t, (int)(((us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC));
}

static TwEvidence *refusal_evidence(const TwEvent *err, const char *source, const char *msg, char *detail,
                                    gint64 code, bool service)
{
    TwEvidence *e = g_new0(TwEvidence, 1);
    e->source = tw_intern(source);
    e->frame = err->frame;
    const char *file = an_str(err, "pcap");
    gint64 file_frame = an_int(err, "pcap_frame", 0);
    if (file && file_frame > 0) {
        e->file = tw_intern(file);
        e->file_frame = (guint64)file_frame;
    }
    e->ts_us = err->ts_us;
    e->msg = tw_intern(msg);
    e->detail = tw_intern(detail);
    g_free(detail);
    e->src = tw_intern(err->src);
    e->dst = tw_intern(err->dst);
    e->opnum = -1;
    e->dir = TW_DIR_RESPONSE;
    e->sender = service ? TW_PEER_SERVER : TW_PEER_KDC;
    e->has_value = true;
    if (err->proto && strcmp(err->proto, "kerberos") == 0) {
        e->krb_msg_type = TW_KRB5_ERROR;
        e->has_krb_error = true;
        e->krb_error = code;
    } else {
        /* a carrier's refusal (SMB2 SESSION_SETUP): its NTSTATUS */
        e->krb_msg_type = -1;
        e->has_ntstatus = true;
        e->ntstatus = (guint32)code;
    }
    return e;
}

static const char *msg_label(gint64 t, const TwEvent *err)
{
    if (err->proto && strcmp(err->proto, "kerberos") != 0)
        return "AP-REQ → SMB2 SESSION_SETUP response";
    return t == TW_KRB5_AS_REQ ? "AS-REQ → KRB-ERROR" : t == TW_KRB5_TGS_REQ ? "TGS-REQ → KRB-ERROR" : "AP-REQ → KRB-ERROR";
}

void tw_keyproof_refused(TwAnalysis *a, TwMachine *m, const TwKrbProof *p, const TwEvent *err, const char *source,
                         gint64 code, bool service)
{
    if (!p || !m)
        return;
    const char *msg = msg_label(p->msg_type, err);
    if (service) {
        if (p->ticket == PROOF_NONE)
            return;
        TwEvidence *e;
        if (p->ticket == PROOF_OPENED)
            e = refusal_evidence(err, source, msg,
                                 g_strdup_printf("the ticket of frame %" G_GUINT64_FORMAT " is under %s %s, "
                                                 "generation %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                                 " supplied (newest first)",
                                                 p->frame, p->t_principal ? p->t_principal : "?",
                                                 p->t_label ? p->t_label : "?", p->t_index + 1, p->t_generations),
                                 code, true);
        else
            e = refusal_evidence(err, source, msg,
                                 g_strdup_printf("the ticket of frame %" G_GUINT64_FORMAT
                                                 " opens with none of the supplied keys", p->frame),
                                 code, true);
        e->value = p->ticket == PROOF_OPENED ? (double)p->t_index : -1.0;
        tw_machine_fact(a, m, TW_F_SRV_TICKET_KEY, e);
        return;
    }
    /* RFC 4120 7.5.9: 24 = the PA-ENC-TIMESTAMP did not decrypt with the KDC's key */
    if (p->pa != PROOF_NONE && code == TW_KRB5_ERR_PREAUTH_FAILED) {
        TwEvidence *e;
        if (p->pa == PROOF_OPENED) {
            e = refusal_evidence(err, source, msg,
                                 g_strdup_printf("the PA-ENC-TIMESTAMP of frame %" G_GUINT64_FORMAT " opens with %s, "
                                                 "generation %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                                 " supplied (newest first)",
                                                 p->frame, p->pa_label ? p->pa_label : "?", p->pa_index + 1,
                                                 p->pa_generations),
                                 code, false);
            e->value = (double)p->pa_index;
            tw_machine_fact(a, m, TW_F_KRB_PA_GENERATION, e);
        } else {
            e = refusal_evidence(err, source, msg,
                                 g_strdup_printf("the PA-ENC-TIMESTAMP of frame %" G_GUINT64_FORMAT " opens with none "
                                                 "of the %" G_GINT64_FORMAT " supplied keys",
                                                 p->frame, p->pa_generations),
                                 code, false);
            e->value = (double)p->pa_generations;
            tw_machine_fact(a, m, TW_F_KRB_PA_NONE, e);
        }
    }
    double off;
    if (clock_vs_kdc(p, err, &off)) {
        g_autofree char *t = clock_text(p->clock_us);
        TwEvidence *e = refusal_evidence(err, source, msg,
                                         g_strdup_printf("its own clock read %s (%s, frame %" G_GUINT64_FORMAT
                                                         "): %+.3f s from the KDC's",
                                                         t, clock_source(p), p->frame, ABS(off) < 0.0005 ? 0.0 : off),
                                         code, false);
        e->value = off;
        tw_machine_fact(a, m, TW_F_KRB_OWN_CLOCK, e);
    }
}

bool tw_keyproof_skew(const TwKrbProof *p, const TwEvent *err, double *offset_s, char **detail)
{
    double off;
    if (!p || !clock_vs_kdc(p, err, &off))
        return false;
    g_autofree char *t = clock_text(p->clock_us);
    *offset_s = off;
    *detail = g_strdup_printf("the machine's own clock read %s (%s, frame %" G_GUINT64_FORMAT "): %+.1f s from "
                              "the KDC's (exact, with the supplied keys)",
                              t, clock_source(p), p->frame, off);
    return true;
}

/* The last fact evidence of a failed call (NTSTATUS not success), or NULL. */
static const TwEvidence *last_failed(const TwFact *f)
{
    for (guint i = f->ev ? f->ev->len : 0; i > 0; i--) {
        const TwEvidence *e = g_ptr_array_index(f->ev, i - 1);
        if (e->has_ntstatus && e->ntstatus != 0)
            return e;
    }
    return NULL;
}

/* The last evidence of a fact, or NULL. */
static const TwEvidence *last_of(const TwFact *f)
{
    return f->ev && f->ev->len ? g_ptr_array_index(f->ev, f->ev->len - 1) : NULL;
}

/* Why a machine presents an older generation than the DC's. */
#define OLDER_WHY "the password changed after the machine last had it (a snapshot rollback, a restored image, " \
                  "or a copy of the machine that rotated it)"

/* MS-NRPC 3.5.4.4.2 / MS-ERREF 2.3: NTSTATUS values with which a DC refuses
 * the account itself (deleted, disabled, expired, locked, no trust account),
 * whatever credential came with it: the password was not what failed. */
static bool account_refusal(const TwEvidence *e)
{
    switch (e->ntstatus) {
    case TW_STATUS_NO_TRUST_SAM_ACCOUNT:
    case TW_STATUS_ACCOUNT_DISABLED:
    case TW_STATUS_ACCOUNT_EXPIRED:
    case TW_STATUS_ACCOUNT_LOCKED_OUT:
    case 0xc0000064u: /* STATUS_NO_SUCH_USER */
        return true;
    default:
        return false;
    }
}

/* "the DC refused the account itself (STATUS_NO_TRUST_SAM_ACCOUNT), not …" */
static char *account_refused_text(const TwEvidence *e, const char *what)
{
    const char *n = tw_ntstatus_name(e->ntstatus);
    return g_strdup_printf("; the DC refused the account itself (%s), not %s: this is no key mismatch",
                           n ? n : "an account error", what);
}

/* NETLOGON: the refused credential recomputed (MS-NRPC 3.1.4.4).  When the
 * DC refused the account (deleted, disabled …) the recomputed credential
 * only says which supplied password the machine still holds. */
static char *nl_proof(const TwMachine *m, const char *name, gint64 *gen, gint64 *ts)
{
    const TwEvidence *used = last_failed(&m->facts[TW_F_NL_CRED_GENERATION]);
    const TwEvidence *none = last_failed(&m->facts[TW_F_NL_CRED_NONE]);
    /* the later failure says what the machine holds now */
    if (used && none && none->ts_us >= used->ts_us)
        used = NULL;
    if (used) {
        gint64 idx = (gint64)used->value;
        *gen = idx;
        *ts = used->ts_us;
        if (account_refusal(used)) {
            g_autofree char *why = account_refused_text(used, "this password");
            return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                                   ") was computed with the %s supplied password, %s%s",
                                   name, used->frame, idx == 0 ? "newest" : "older", used->detail ? used->detail : "",
                                   why);
        }
        if (idx == 0)
            return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                                   ") was computed with the newest supplied password, %s; the DC holds another one",
                                   name, used->frame, used->detail ? used->detail : "");
        return g_strdup_printf("With the supplied keys: %s used an older password on its refused NETLOGON "
                               "authentication (frame %" G_GUINT64_FORMAT "), %s: %s",
                               name, used->frame, used->detail ? used->detail : "", OLDER_WHY);
    }
    if (none) {
        *gen = -1;
        *ts = none->ts_us;
        if (account_refusal(none)) {
            g_autofree char *why = account_refused_text(none, "its password");
            return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                                   ") matches none of the %.0f supplied passwords%s",
                                   name, none->frame, none->value, why);
        }
        return g_strdup_printf("With the supplied keys: %s's refused NETLOGON credential (frame %" G_GUINT64_FORMAT
                               ") matches none of the %.0f supplied passwords: it holds a password nobody supplied "
                               "(reset elsewhere, or a clone rotated it)",
                               name, none->frame, none->value);
    }
    return NULL;
}

/* Kerberos: the refused PA-ENC-TIMESTAMP opened (RFC 4120 5.2.7.2). */
static char *krb_proof(const TwMachine *m, const char *name, gint64 *gen, gint64 *ts)
{
    const TwEvidence *used = last_of(&m->facts[TW_F_KRB_PA_GENERATION]);
    const TwEvidence *none = last_of(&m->facts[TW_F_KRB_PA_NONE]);
    if (used && none && none->ts_us >= used->ts_us)
        used = NULL;
    if (used) {
        gint64 idx = (gint64)used->value;
        *gen = idx;
        *ts = used->ts_us;
        if (idx == 0)
            return g_strdup_printf("With the supplied keys: %s's refused Kerberos pre-authentication (refused in frame %"
                                   G_GUINT64_FORMAT ") was made with the newest supplied key: %s; the DC holds another one",
                                   name, used->frame, used->detail);
        return g_strdup_printf("With the supplied keys: %s used an older password on its refused Kerberos "
                               "pre-authentication (refused in frame %" G_GUINT64_FORMAT "): %s: %s",
                               name, used->frame, used->detail, OLDER_WHY);
    }
    if (none) {
        *gen = -1;
        *ts = none->ts_us;
        return g_strdup_printf("With the supplied keys: %s's refused Kerberos pre-authentication (frame %" G_GUINT64_FORMAT
                               ") matches none of the %.0f supplied keys: it holds a password nobody supplied (reset "
                               "elsewhere, or a clone rotated it)",
                               name, none->frame, none->value);
    }
    return NULL;
}

/* A service that refused a ticket: the generation the KDC used (RFC 4120 5.3). */
static char *srv_proof(const TwMachine *m, const char *name)
{
    const TwEvidence *e = last_of(&m->facts[TW_F_SRV_TICKET_KEY]);
    if (!e)
        return NULL;
    if (e->value < 0)
        return g_strdup_printf("With the supplied keys: %s refused a ticket (frame %" G_GUINT64_FORMAT
                               ") that opens with none of the supplied keys of the service", name, e->frame);
    const char *holds = e->has_krb_error && e->krb_error == 44 /* KRB_AP_ERR_BADKEYVER */
                            ? "the server has no key of that version"
                            : "the server holds another key (an old keytab or secret)";
    /* KRB_AP_ERR_BADKEYVER before, a wrong key of that version now (RFC 4120
     * 7.5.9 44 then 31/41): its keytab was rewritten, from the stale secret */
    const TwEvidence *before = NULL;
    for (guint i = 0; i + 1 < m->facts[TW_F_SRV_TICKET_KEY].ev->len && !before; i++) {
        const TwEvidence *b = g_ptr_array_index(m->facts[TW_F_SRV_TICKET_KEY].ev, i);
        if (b->has_krb_error && b->krb_error == 44 && e->has_krb_error && e->krb_error != 44 && b->value == e->value)
            before = b;
    }
    g_autofree char *rewritten = before
        ? g_strdup_printf("; at frame %" G_GUINT64_FORMAT " it had no key of that version at all (KRB_AP_ERR_BADKEYVER): "
                          "its keytab was rewritten in between, with a key that is not the KDC's (from its stale secret)",
                          before->frame)
        : g_strdup("");
    if (e->value == 0)
        return g_strdup_printf("With the supplied keys: %s refused (frame %" G_GUINT64_FORMAT ") a ticket encrypted "
                               "with the newest supplied key of the service: %s. The KDC used the current password; %s%s",
                               name, e->frame, e->detail, holds, rewritten);
    return g_strdup_printf("With the supplied keys: %s refused (frame %" G_GUINT64_FORMAT ") a ticket encrypted with "
                           "an older supplied key of the service: %s. The KDC itself holds that older key; %s%s",
                           name, e->frame, e->detail, holds, rewritten);
}

char *tw_machine_key_proof(const TwMachine *m, gint64 *generation)
{
    const char *name = m->account ? m->account : m->key;
    gint64 nl_gen = 0, nl_ts = G_MININT64, krb_gen = 0, krb_ts = G_MININT64;
    g_autofree char *nl = nl_proof(m, name, &nl_gen, &nl_ts);
    g_autofree char *krb = krb_proof(m, name, &krb_gen, &krb_ts);
    g_autofree char *srv = srv_proof(m, name);
    const TwEvidence *clk = last_of(&m->facts[TW_F_KRB_OWN_CLOCK]);
    if (!nl && !krb && !srv && !clk)
        return NULL;
    if (generation && (nl || krb))
        *generation = (krb && krb_ts >= nl_ts) ? krb_gen : nl_gen;
    GString *s = g_string_new(NULL);
    const char *parts[] = { nl, krb, srv };
    for (gsize i = 0; i < G_N_ELEMENTS(parts); i++)
        if (parts[i])
            g_string_append_printf(s, "%s%s.", s->len ? " " : "", parts[i]);
    if (clk)
        g_string_append_printf(s, "%sOn its refused request (frame %" G_GUINT64_FORMAT ") %s.", s->len ? " " : "",
                               clk->frame, clk->detail);
    return g_string_free(s, FALSE);
}

static bool has_addr(const TwMachine *m, const char *addr)
{
    for (guint i = 0; i < m->addrs->len; i++)
        if (strcmp(g_array_index(m->addrs, TwAddrUse, i).addr, addr) == 0)
            return true;
    return false;
}

char *tw_machine_reset_by_other(const TwMachine *m)
{
    const TwFact *r = &m->facts[TW_F_PWRESET_SAMR];
    if (!r->ev || !r->ev->len)
        return NULL;
    /* the latest reset by another host; the caller is the response's destination */
    const TwEvidence *reset = NULL;
    for (guint i = r->ev->len; i > 0 && !reset; i--) {
        const TwEvidence *e = g_ptr_array_index(r->ev, i - 1);
        if (!has_addr(m, e->dst))
            reset = e;
    }
    if (!reset)
        return NULL;
    /* the machine's own key failing after it: it still has the old password */
    const TwFactKind fails[] = { TW_F_NL_AUTH_DENIED, TW_F_KRB_KEY_FAIL, TW_F_NTLM_FAIL, TW_F_SRV_KEY_FAIL };
    guint64 fail_frame = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(fails); i++) {
        const TwFact *f = &m->facts[fails[i]];
        if (f->count && f->last_ts >= reset->ts_us && f->ev && f->ev->len) {
            const TwEvidence *e = g_ptr_array_index(f->ev, f->ev->len - 1);
            fail_frame = MAX(fail_frame, e->frame);
        }
    }
    if (!fail_frame)
        return NULL;
    g_autofree char *host = g_strdup(m->account ? m->account : m->key);
    if (g_str_has_suffix(host, "$"))
        host[strlen(host) - 1] = 0;
    GDateTime *dt = g_date_time_new_from_unix_utc(reset->ts_us / G_USEC_PER_SEC);
    g_autofree char *t = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
    if (dt)
        g_date_time_unref(dt);
    g_autofree char *by = reset->detail ? g_strdup_printf("user %s, ", reset->detail) : g_strdup("");
    return g_strdup_printf("The password of %s was reset at %s UTC from %s (%s%s, frame %" G_GUINT64_FORMAT
                           "); %s still has the old one (its key fails after it, frame %" G_GUINT64_FORMAT ")",
                           m->account ? m->account : m->key, t, reset->dst, by, reset->msg, reset->frame, host,
                           fail_frame);
}
