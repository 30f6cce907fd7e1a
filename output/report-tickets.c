/* report-tickets.c — see report-tickets.h. */
#include "output/report-tickets.h"
#include "output/wrap.h"

#include "analysis/tickets.h"
#include "core/krb5-names.h"

#include <string.h>

#define SHOW_MAX 8

static bool is_machine(const char *principal)
{
    g_autofree char *acct = tw_identity_from_principal(principal);
    return acct && principal && strchr(principal, '/') == NULL; /* NAME$, not an SPN */
}

static char *machine_of(const char *principal)
{
    return tw_identity_from_principal(principal);
}

/* One finding: the pattern, its account, its evidence frames. */
typedef struct {
    const char *kind;    /* "s4u-unknown-user" "rc4-service-ticket" "dcsync-non-dc" */
    char *account;       /* nullable */
    char *text;
    GArray *frames;      /* guint64 */
    GPtrArray *names;    /* char*: users / services / DCs */
    bool by_address;     /* the account is the address's machine, not read from the auth context */
} TkFinding;

static void tk_finding_free(gpointer p)
{
    TkFinding *f = p;
    g_free(f->account);
    g_free(f->text);
    g_array_unref(f->frames);
    g_ptr_array_unref(f->names);
    g_free(f);
}

static TkFinding *finding_for(GPtrArray *list, const char *kind, const char *account)
{
    for (guint i = 0; i < list->len; i++) {
        TkFinding *f = g_ptr_array_index(list, i);
        if (strcmp(f->kind, kind) == 0 && g_strcmp0(f->account, account) == 0)
            return f;
    }
    TkFinding *f = g_new0(TkFinding, 1);
    f->kind = kind;
    f->account = g_strdup(account);
    f->frames = g_array_new(FALSE, FALSE, sizeof(guint64));
    f->names = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(list, f);
    return f;
}

static void add_name(TkFinding *f, const char *name)
{
    if (!name)
        return;
    for (guint i = 0; i < f->names->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(f->names, i), name) == 0)
            return;
    g_ptr_array_add(f->names, g_strdup(name));
}

static char *join(const GPtrArray *names, guint max)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < names->len && i < max; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(names, i));
    if (names->len > max)
        g_string_append(s, ", …");
    return g_string_free(s, FALSE);
}

static char *frames_text(const GArray *frames)
{
    GString *s = g_string_new(frames->len > 1 ? "frames " : "frame ");
    for (guint i = 0; i < frames->len && i < 6; i++)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", g_array_index(frames, guint64, i));
    if (frames->len > 6)
        g_string_append(s, ", …");
    return g_string_free(s, FALSE);
}

/* Two refusals that say the same thing: who, how, what, which error, from
 * where, in which input. */
static bool same_failure(const TwTgsFailure *x, const TwTgsFailure *y)
{
    return g_strcmp0(x->requester, y->requester) == 0 && g_strcmp0(x->requester_from, y->requester_from) == 0 &&
           g_strcmp0(x->service, y->service) == 0 && g_strcmp0(x->for_user, y->for_user) == 0 &&
           x->code == y->code && g_strcmp0(x->client_addr, y->client_addr) == 0 &&
           g_strcmp0(x->source, y->source) == 0;
}

/* --machine: a refusal is shown when the focus machine asked for it
 * (its account, or the request came from one of its addresses). */
static bool failure_shown(const TwAnalysis *a, const TwTgsFailure *f)
{
    if (!a->focus)
        return true;
    g_autofree char *acct = f->requester ? machine_of(f->requester) : NULL;
    return tw_analysis_shows_party(a, acct, f->client_addr);
}

/* The refusals the report shows, in capture order (borrowed). */
static GPtrArray *failures_shown(const TwAnalysis *a)
{
    const TwTickets *t = a->tickets;
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < t->tgs_failures->len; i++)
        if (failure_shown(a, g_ptr_array_index(t->tgs_failures, i)))
            g_ptr_array_add(out, g_ptr_array_index(t->tgs_failures, i));
    return out;
}

/* The patterns that touch machine trust, in a fixed order; with --machine,
 * those about the focus machine only. */
static GPtrArray *findings(const TwAnalysis *a)
{
    const TwTickets *t = a->tickets;
    GPtrArray *out = g_ptr_array_new_with_free_func(tk_finding_free);
    /* A machine account asking S4U2Self for users the domain does not know. */
    for (guint i = 0; i < t->tgs_failures->len; i++) {
        const TwTgsFailure *f = g_ptr_array_index(t->tgs_failures, i);
        if (f->code != TW_KRB5_ERR_C_PRINCIPAL_UNKNOWN || !f->for_user || !is_machine(f->requester))
            continue;
        g_autofree char *acct = machine_of(f->requester);
        if (!tw_analysis_shows_party(a, acct, f->client_addr))
            continue;
        TkFinding *k = finding_for(out, "s4u-unknown-user", acct);
        add_name(k, f->for_user);
        g_array_append_val(k->frames, f->frame);
    }
    /* RC4 tickets for a machine's services while the domain issues AES. */
    if (t->aes_tickets)
        for (guint i = 0; i < t->rc4_tickets->len; i++) {
            const TwRc4Ticket *r = g_ptr_array_index(t->rc4_tickets, i);
            if (!tw_analysis_shows_party(a, r->account, NULL))
                continue;
            TkFinding *k = finding_for(out, "rc4-service-ticket", r->account);
            add_name(k, r->service);
            g_array_append_val(k->frames, r->frame);
        }
    /* DRSGetNCChanges from an address that is not a DC's. */
    for (guint i = 0; i < t->drs_calls->len; i++) {
        const TwDrsCall *c = g_ptr_array_index(t->drs_calls, i);
        if (!tw_tickets_drs_from_non_dc(a, c))
            continue;
        g_autofree char *caller_acct = c->caller ? machine_of(c->caller) : NULL;
        if (!tw_analysis_shows_party(a, caller_acct, c->addr))
            continue;
        TkFinding *k = finding_for(out, "dcsync-non-dc", c->caller);
        if (g_strcmp0(c->caller_from, "address") == 0)
            k->by_address = true;
        add_name(k, c->addr);
        g_array_append_val(k->frames, c->frame);
    }
    for (guint i = 0; i < out->len; i++) {
        TkFinding *k = g_ptr_array_index(out, i);
        g_autofree char *names = join(k->names, 6);
        g_autofree char *fr = frames_text(k->frames);
        if (strcmp(k->kind, "s4u-unknown-user") == 0) {
            k->text = g_strdup_printf(
                "%s asked for S4U2Self tickets for %u user%s the domain does not know (%s; "
                "KDC_ERR_C_PRINCIPAL_UNKNOWN, %s). A machine account impersonating users that do not "
                "exist is a forged or deleted user, or an attack tool holding %s's key (resource-based "
                "delegation): find out who controls %s and reset its password.",
                k->account, k->names->len, k->names->len == 1 ? "" : "s", names, fr, k->account, k->account);
        } else if (strcmp(k->kind, "rc4-service-ticket") == 0) {
            gboolean offered = FALSE;
            for (guint j = 0; j < t->rc4_tickets->len; j++) {
                const TwRc4Ticket *r = g_ptr_array_index(t->rc4_tickets, j);
                if (g_strcmp0(r->account, k->account) == 0 && r->aes_offered)
                    offered = TRUE;
            }
            k->text = g_strdup_printf(
                "tickets for %s's services (%s) were encrypted with RC4 (%s) while the domain issues AES "
                "tickets%s: %s's msDS-SupportedEncryptionTypes lacks AES (or the account has no AES "
                "keys since an old password), or a skeleton key forces RC4 on the DC. Check the "
                "account's encryption types and the DC's LSASS.",
                k->account, names, fr, offered ? " and the client offered AES" : "", k->account);
        } else {
            g_autofree char *whose = k->account ? g_strdup_printf("%s's", k->account) : g_strdup("the caller's");
            k->text = g_strdup_printf(
                "%s%s called DRSGetNCChanges (MS-DRSR 4.1.10: replicate the directory, password hashes "
                "included) from %s, which is not a domain controller in this capture (%s). That is "
                "DCSync: %s credentials are in someone else's hands; isolate %s and reset the "
                "account.",
                k->account ? k->account : "An unknown caller",
                k->by_address ? " (the machine at that address; the bind's token does not name it)" : "",
                names, fr, whose, names);
        }
    }
    return out;
}

static const char *kind_title(const char *kind)
{
    if (strcmp(kind, "s4u-unknown-user") == 0)
        return "S4U for users that do not exist: ";
    if (strcmp(kind, "rc4-service-ticket") == 0)
        return "RC4 service tickets, domain uses AES: ";
    return "DCSync from a host that is not a DC: ";
}

guint tw_report_tickets_text(GString *out, const TwAnalysis *a)
{
    const TwTickets *t = a->tickets;
    g_autoptr(GPtrArray) shown = failures_shown(a);
    if (shown->len) {
        g_string_append_printf(out, "Ticket requests the KDC refused (%u):\n", shown->len);
        guint i = 0, lines = 0;
        while (i < shown->len && lines < SHOW_MAX) {
            const TwTgsFailure *f = g_ptr_array_index(shown, i);
            /* The same refusal again and again: one line (docs/report.md "Width and folding"). */
            guint run = 1;
            while (i + run < shown->len && same_failure(f, g_ptr_array_index(shown, i + run)))
                run++;
            const TwTgsFailure *last = g_ptr_array_index(shown, i + run - 1);
            const char *en = tw_krb5_error_name(f->code);
            g_autofree char *how = f->for_user ? g_strdup_printf(" (S4U2Self for %s)", f->for_user)
                                 : g_strcmp0(f->requester_from, "s4u2proxy") == 0
                                     ? g_strdup(" (S4U2Proxy)")
                                     : g_strdup("");
            g_autofree char *where = run == 1 ? g_strdup_printf("frame %" G_GUINT64_FORMAT, f->frame)
                                     : g_strdup_printf("×%u, frames %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT, run,
                                                       f->frame, last->frame);
            g_autofree char *l = g_strdup_printf("%s%s → %s: %s (%" G_GINT64_FORMAT ") from %s, %s%s%s",
                                                 f->requester ? f->requester : "unknown client", how,
                                                 f->service ? f->service : "?", en ? en : "error", f->code,
                                                 f->client_addr, where, f->source ? " in " : "",
                                                 f->source ? f->source : "");
            tw_wrap(out, tw_wrap_report_width(), "  ", "    ", l);
            i += run;
            lines++;
        }
        if (i < shown->len)
            g_string_append_printf(out, "  … and %u more (see -T json)\n", shown->len - i);
        g_string_append_c(out, '\n');
    }
    g_autoptr(GPtrArray) fs = findings(a);
    for (guint i = 0; i < fs->len; i++) {
        const TkFinding *k = g_ptr_array_index(fs, i);
        tw_wrap(out, tw_wrap_report_width(), kind_title(k->kind), "  ", k->text);
    }
    if (fs->len)
        g_string_append_c(out, '\n');
    if (t->not_kept)
        g_string_append_printf(out, "Note: %" G_GUINT64_FORMAT " ticket records were not kept (limits).\n\n",
                               t->not_kept);
    return fs->len;
}

void tw_report_tickets_json(JsonBuilder *b, const TwAnalysis *a)
{
    g_autoptr(GPtrArray) shown = failures_shown(a);
    json_builder_set_member_name(b, "ticket_failures");
    json_builder_begin_array(b);
    for (guint i = 0; i < shown->len; i++) {
        const TwTgsFailure *f = g_ptr_array_index(shown, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "requester");
        if (f->requester)
            json_builder_add_string_value(b, f->requester);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "requester_from");
        if (f->requester_from)
            json_builder_add_string_value(b, f->requester_from);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, f->client_addr);
        json_builder_set_member_name(b, "service");
        if (f->service)
            json_builder_add_string_value(b, f->service);
        else
            json_builder_add_null_value(b);
        if (f->for_user) {
            json_builder_set_member_name(b, "for_user");
            json_builder_add_string_value(b, f->for_user);
        }
        json_builder_set_member_name(b, "error_code");
        json_builder_add_int_value(b, f->code);
        json_builder_set_member_name(b, "frame");
        json_builder_add_int_value(b, (gint64)f->frame);
        if (f->source) {
            json_builder_set_member_name(b, "source");
            json_builder_add_string_value(b, f->source);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "ticket_findings");
    json_builder_begin_array(b);
    g_autoptr(GPtrArray) fs = findings(a);
    for (guint i = 0; i < fs->len; i++) {
        const TkFinding *k = g_ptr_array_index(fs, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "kind");
        json_builder_add_string_value(b, k->kind);
        json_builder_set_member_name(b, "account");
        if (k->account)
            json_builder_add_string_value(b, k->account);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "names");
        json_builder_begin_array(b);
        for (guint j = 0; j < k->names->len; j++)
            json_builder_add_string_value(b, g_ptr_array_index(k->names, j));
        json_builder_end_array(b);
        json_builder_set_member_name(b, "frames");
        json_builder_begin_array(b);
        for (guint j = 0; j < k->frames->len; j++)
            json_builder_add_int_value(b, (gint64)g_array_index(k->frames, guint64, j));
        json_builder_end_array(b);
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, k->text);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}
