/* kvno.c — the key-version timeline read without keys: every Kerberos
 * message shows in clear the kvno of the key its encrypted parts use
 * (RFC 4120 5.2.9 EncryptedData.kvno).  An AS-REP's enc-part is under the
 * client's own long-term key; a ticket (TGS-REP, AP-REQ, AS-REP) is under
 * its service's, so any client's ticket for host/NAME or cifs/NAME shows the
 * kvno the KDC holds for NAME$.  A kvno that rises says the password
 * changed; one that falls back says two keys of one account are in use at
 * once (a clone, a restored image still talking), which supports
 * duplicate-identity. */
#include "analysis.h"
#include "analysis/fields.h"

#include <string.h>

#include "core/krb5-names.h"

/* "%" G_GINT64_FORMAT of v into buf (at least 21 bytes): a kvno is
 * formatted for every ticket, and printf costs more than the rest. */
static const char *i64_text(gint64 v, char buf[21])
{
    char *p = buf + 20;
    *p = 0;
    guint64 u = v < 0 ? 0 - (guint64)v : (guint64)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

static void sample(TwAnalysis *a, TwMachine *m, const TwEvent *ev, const char *source, gint64 kvno,
                   const char *what)
{
    /* only machines other evidence made: a ticket for a host the capture
     * says nothing else about does not make it a machine of the report */
    if (!m || kvno <= 0 || tw_machine_only_named(m))
        return;
    const TwFact *f = &m->facts[TW_F_KVNO];
    gint64 prev = 0;
    if (f->ev && f->ev->len)
        prev = (gint64)((const TwEvidence *)g_ptr_array_index(f->ev, f->ev->len - 1))->value;
    const char *msg = an_str(ev, "msg");
    TwEvidence *e = g_new0(TwEvidence, 1);
    e->source = tw_intern(source);
    e->frame = ev->frame;
    e->ts_us = ev->ts_us;
    e->msg = tw_intern(msg ? msg : "Kerberos");
    char kb[21];
    g_autofree char *d = g_strconcat("kvno ", i64_text(kvno, kb), " (", what, ")", NULL);
    e->detail = tw_intern(d);
    e->src = tw_intern(ev->src);
    e->dst = tw_intern(ev->dst);
    e->krb_msg_type = (gint16)CLAMP(an_int(ev, "msg_type", -1), -1, G_MAXINT16);
    e->opnum = -1;
    e->has_value = true;
    e->value = (double)kvno;
    if (prev && kvno != prev) {
        TwEvidence *c = g_new0(TwEvidence, 1);
        *c = *e;
        /* the same interned strings as e's: one more reference each */
        c->source = c->source ? g_ref_string_acquire(c->source) : NULL;
        c->msg = g_ref_string_acquire(c->msg);
        char pb[21];
        g_autofree char *cd = g_strconcat("kvno ", i64_text(prev, pb), " → ", i64_text(kvno, kb), " (", what, ")", NULL);
        c->detail = tw_intern(cd);
        c->src = g_ref_string_acquire(c->src);
        c->dst = g_ref_string_acquire(c->dst);
        tw_machine_fact(a, m, kvno > prev ? TW_F_KVNO_MOVED : TW_F_KVNO_BACKWARDS, c);
    }
    tw_machine_fact(a, m, TW_F_KVNO, e);
}

void tw_kvno_feed(TwAnalysis *a, const TwEvent *ev, const char *source)
{
    gint64 t = an_int(ev, "msg_type", -1);
    if (t != TW_KRB5_AS_REP && t != TW_KRB5_TGS_REP && t != TW_KRB5_AP_REQ)
        return;
    /* the AS-REP enc-part: the client's own key */
    if (t == TW_KRB5_AS_REP && an_has(ev, "enc_kvno")) {
        g_autofree char *acct = tw_identity_from_principal(an_str(ev, "cname"));
        if (acct)
            sample(a, tw_identity_lookup(a, acct), ev, source, an_int(ev, "enc_kvno", 0),
                   "AS-REP enc-part, its own key");
    }
    /* the ticket: its service's key (krbtgt and kadmin name no machine) */
    if (an_has(ev, "ticket_kvno")) {
        const char *sname = an_str(ev, "ticket_sname");
        g_autofree char *acct = tw_identity_from_principal(sname);
        if (acct) {
            g_autofree char *what = g_strconcat("ticket for ", sname ? sname : "?", NULL);
            sample(a, tw_identity_lookup(a, acct), ev, source, an_int(ev, "ticket_kvno", 0), what);
        }
    }
}

char *tw_machine_kvno_timeline(const TwMachine *m)
{
    const TwFact *moved = &m->facts[TW_F_KVNO_MOVED], *back = &m->facts[TW_F_KVNO_BACKWARDS];
    if (!moved->count && !back->count)
        return NULL;
    const TwFact *all = &m->facts[TW_F_KVNO];
    GString *s = g_string_new("Key versions seen (clear kvno): ");
    gint64 last = 0;
    guint shown = 0;
    for (guint i = 0; all->ev && i < all->ev->len; i++) {
        const TwEvidence *e = g_ptr_array_index(all->ev, i);
        gint64 k = (gint64)e->value;
        if (k == last)
            continue;
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT " (frame %" G_GUINT64_FORMAT ", %s)", shown ? " → " : "", k,
                               e->frame, e->msg);
        last = k;
        shown++;
    }
    if (back->count) {
        const TwEvidence *b = g_ptr_array_index(back->ev, back->ev->len - 1);
        g_string_append_printf(s, "; it went back to an older key at frame %" G_GUINT64_FORMAT
                                  " (%s): two keys of this account are in use at once, as when two machines "
                                  "share it",
                               b->frame, b->detail);
    }
    return g_string_free(s, FALSE);
}
