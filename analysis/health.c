/* health.c — capture health (health.h): counters in, issues out. */
#include "health.h"
#include "analysis/fields.h"

#include "analysis.h"

#include <string.h>

#define TS_2000_US (946684800LL * G_USEC_PER_SEC) /* 2000-01-01T00:00:00Z: no real clock is before */
#define BACKWARDS_US G_USEC_PER_SEC              /* a step back larger than this is not jitter */
/* Capture host and DC disagree by more than the Kerberos tolerance
 * (RFC 4120 1.6): every time the report reads against the capture clock
 * is off by that much. */
#define FAR_CLOCK_S TW_AN_SKEW_LIMIT_S

struct TwHealth {
    GPtrArray *sources; /* TwHealthSource* (owned) */
    guint64 events, relevant, relevant_cut, names_cut, tcp_gaps;
    bool has_dc_offset;
    double dc_offset_s;
};

const char *tw_health_level_name(TwHealthLevel l)
{
    switch (l) {
    case TW_HEALTH_OK: return "ok";
    case TW_HEALTH_NOTE: return "note";
    case TW_HEALTH_LOST: return "lost";
    case TW_HEALTH_NOTHING: return "nothing";
    }
    return "ok";
}

static void source_free(gpointer p)
{
    TwHealthSource *s = p;
    g_free(s->name);
    g_free(s->ended_early);
    g_free(s);
}

TwHealth *tw_health_new(void)
{
    TwHealth *h = g_new0(TwHealth, 1);
    h->sources = g_ptr_array_new_with_free_func(source_free);
    return h;
}

void tw_health_free(TwHealth *h)
{
    if (!h)
        return;
    g_ptr_array_unref(h->sources);
    g_free(h);
}

TwHealthSource *tw_health_source(TwHealth *h, const char *name, const char *kind)
{
    for (guint i = 0; i < h->sources->len; i++) {
        TwHealthSource *s = g_ptr_array_index(h->sources, i);
        if (strcmp(s->name, name) == 0 && strcmp(s->kind, kind) == 0)
            return s;
    }
    TwHealthSource *s = g_new0(TwHealthSource, 1);
    s->name = g_strdup(name);
    s->kind = kind;
    g_ptr_array_add(h->sources, s);
    return s;
}

const GPtrArray *tw_health_sources(const TwHealth *h)
{
    return h->sources;
}

void tw_health_frame(TwHealth *h, TwHealthSource *s, guint64 global_no, guint64 file_no, gint64 ts_us,
                     guint32 caplen, guint32 origlen)
{
    (void)h;
    if (s->frames++ == 0) {
        s->first_frame = file_no && file_no <= global_no ? global_no - file_no + 1 : global_no;
        s->first_ts = ts_us;
    }
    if (file_no > s->span)
        s->span = file_no;
    if (caplen < origlen) {
        s->frames_cut++;
        if (caplen > s->snaplen)
            s->snaplen = caplen;
    }
    if (ts_us < TS_2000_US)
        s->frames_unset_clock++;
    else if (s->last_ts && ts_us < s->last_ts - BACKWARDS_US)
        s->frames_backwards++;
    if (ts_us > s->last_ts)
        s->last_ts = ts_us;
}

void tw_health_drops(TwHealth *h, TwHealthSource *s, guint64 received, guint64 dropped, guint64 if_dropped)
{
    (void)h;
    s->has_drops = true;
    s->received = received;
    s->dropped = dropped;
    s->if_dropped = if_dropped;
}

void tw_health_ended_early(TwHealth *h, TwHealthSource *s, const char *why)
{
    (void)h;
    g_free(s->ended_early);
    s->ended_early = g_strdup(why);
}

/* Kerberos, NETLOGON and NTLM are what machine verdicts are made of. */
static bool relevant_proto(const char *p)
{
    return p && (strcmp(p, "kerberos") == 0 || strcmp(p, "netlogon") == 0 || strcmp(p, "ntlmssp") == 0);
}

void tw_health_event(TwHealth *h, const TwEvent *ev)
{
    h->events++;
    bool rel = relevant_proto(ev->proto);
    if (rel) {
        h->relevant++;
        if (an_bool(ev, "truncated", false))
            h->relevant_cut++;
    }
    for (guint i = 0; i < ev->fields->len; i++) {
        const TwField *f = &g_array_index(ev->fields, TwField, i);
        if (f->type == TW_FIELD_BOOL && f->v.b && g_str_has_suffix(f->key, "_truncated") &&
            strcmp(f->key, "http_uri_truncated") != 0 && strcmp(f->key, "interfaces_truncated") != 0)
            h->names_cut++;
    }
}

void tw_health_counters(TwHealth *h, GHashTable *counters)
{
    static const char *const gap_counters[] = {
        "kerberos.tcp_gaps", "dcerpc.gaps", "smb2.gaps", "ldap.messages_lost_in_gap", NULL,
    };
    h->tcp_gaps = 0;
    for (const char *const *c = gap_counters; *c; c++) {
        const guint64 *v = counters ? g_hash_table_lookup(counters, *c) : NULL;
        if (v)
            h->tcp_gaps += *v;
    }
}

void tw_health_dc_offset(TwHealth *h, double offset_s)
{
    h->has_dc_offset = true;
    h->dc_offset_s = offset_s;
}

const char *tw_health_locate(const TwHealth *h, guint64 no, guint64 *in_file)
{
    *in_file = no;
    for (guint i = 0; i < h->sources->len; i++) {
        const TwHealthSource *s = g_ptr_array_index(h->sources, i);
        if (strcmp(s->kind, "file") != 0 || !s->frames)
            continue;
        if (no >= s->first_frame && no - s->first_frame < s->span) {
            *in_file = no - s->first_frame + 1;
            return s->name;
        }
    }
    return NULL;
}

static void add(GPtrArray *out, const char *code, TwHealthLevel level, char *text /* full */)
{
    TwHealthIssue *i = g_new0(TwHealthIssue, 1);
    i->code = code;
    i->level = level;
    i->text = text;
    g_ptr_array_add(out, i);
}

static void issue_free(gpointer p)
{
    TwHealthIssue *i = p;
    g_free(i->text);
    g_free(i);
}

static int issue_cmp(gconstpointer pa, gconstpointer pb)
{
    const TwHealthIssue *a = *(TwHealthIssue *const *)pa, *b = *(TwHealthIssue *const *)pb;
    return (int)b->level - (int)a->level;
}

GPtrArray *tw_health_assess(const TwHealth *h)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(issue_free);
    guint64 frames_cut = 0, unset = 0, back = 0, dropped = 0, received = 0, refused = 0, frames = 0;
    guint32 snaplen = 0;
    bool any_drops = false, any_frames_input = false;
    for (guint i = 0; i < h->sources->len; i++) {
        const TwHealthSource *s = g_ptr_array_index(h->sources, i);
        frames_cut += s->frames_cut;
        unset += s->frames_unset_clock;
        back += s->frames_backwards;
        refused += s->refused;
        frames += s->frames;
        if (strcmp(s->kind, "file") == 0 || strcmp(s->kind, "live") == 0) /* frames, not events */
            any_frames_input = true;
        if (s->frames_cut && (!snaplen || (s->snaplen && s->snaplen < snaplen)))
            snaplen = s->snaplen;
        if (s->has_drops) {
            any_drops = true;
            dropped += s->dropped + s->if_dropped;
            received += s->received;
        }
        if (s->ended_early)
            add(out, "ended-early", TW_HEALTH_LOST,
                g_strdup_printf("%s ended early (%s): what came after was not read.", s->name, s->ended_early));
    }
    if (frames_cut) {
        /* The snaplen matters when it cut what the verdicts read. */
        bool lost = h->relevant_cut || h->names_cut;
        g_autofree char *sl = snaplen ? g_strdup_printf(" (to %u bytes at most)", snaplen) : g_strdup("");
        add(out, "snaplen", lost ? TW_HEALTH_LOST : TW_HEALTH_NOTE,
            g_strdup_printf("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames were cut by the snapshot length%s; "
                            "%" G_GUINT64_FORMAT " Kerberos/NETLOGON/NTLM messages were cut, %" G_GUINT64_FORMAT
                            " names in them are incomplete and were not used as identities.",
                            frames_cut, frames, sl, h->relevant_cut, h->names_cut));
    } else if (h->relevant_cut || h->names_cut) {
        /* Saved events (or frames short for another reason). */
        add(out, "names-cut", TW_HEALTH_LOST,
            g_strdup_printf("%" G_GUINT64_FORMAT " Kerberos/NETLOGON/NTLM messages were cut short in the capture; "
                            "%" G_GUINT64_FORMAT " names in them are incomplete and were not used as identities.",
                            h->relevant_cut, h->names_cut));
    }
    if (any_drops && dropped)
        add(out, "drops", TW_HEALTH_LOST,
            g_strdup_printf("%" G_GUINT64_FORMAT " packets were dropped by the kernel or interface "
                            "(%" G_GUINT64_FORMAT " received): messages that decide a verdict may be missing.",
                            dropped, received));
    if (h->tcp_gaps)
        add(out, "tcp-gaps", TW_HEALTH_LOST,
            g_strdup_printf("%" G_GUINT64_FORMAT " gaps in TCP flows carrying Kerberos, NETLOGON or SMB2: "
                            "the capture missed bytes of them.", h->tcp_gaps));
    if (refused)
        add(out, "events-refused", TW_HEALTH_LOST,
            g_strdup_printf("%" G_GUINT64_FORMAT " input lines were not events and were refused.", refused));
    if (h->relevant == 0)
        add(out, "no-relevant", TW_HEALTH_NOTHING,
            g_strdup(any_frames_input && frames == 0
                         ? "The input holds no frames (a capture filter that matched nothing?): nothing can be said."
                         : "This capture holds no Kerberos, NETLOGON or NTLM: nothing can be said."));
    if (unset)
        add(out, "clock-unset", TW_HEALTH_NOTE,
            g_strdup_printf("%" G_GUINT64_FORMAT " frames carry a time before 2000 (the capture host's clock was not "
                            "set): times against them mean nothing.", unset));
    if (back)
        add(out, "time-backwards", TW_HEALTH_NOTE,
            g_strdup_printf("%" G_GUINT64_FORMAT " frames are time-stamped more than 1 s before an earlier frame "
                            "(outside the capture's time span, or files out of order).", back));
    if (h->has_dc_offset && (h->dc_offset_s > FAR_CLOCK_S || h->dc_offset_s < -FAR_CLOCK_S))
        add(out, "capture-clock-far", TW_HEALTH_NOTE,
            g_strdup_printf("The capture host's clock runs %.0f s %s the domain controllers': capture times are off "
                            "by that much.", h->dc_offset_s < 0 ? -h->dc_offset_s : h->dc_offset_s,
                            h->dc_offset_s > 0 ? "behind" : "ahead of"));
    g_ptr_array_sort(out, issue_cmp);
    return out;
}

TwHealthLevel tw_health_worst(const GPtrArray *issues)
{
    TwHealthLevel w = TW_HEALTH_OK;
    for (guint i = 0; i < issues->len; i++) {
        const TwHealthIssue *is = g_ptr_array_index(issues, i);
        if (is->level > w)
            w = is->level;
    }
    return w;
}

TwHealthTotals tw_health_totals(const TwHealth *h)
{
    TwHealthTotals t = { h->events, h->relevant, h->relevant_cut, h->names_cut, h->tcp_gaps,
                         h->has_dc_offset, h->dc_offset_s };
    return t;
}
