/* wrap.c — see wrap.h. */
#include "output/wrap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

guint tw_wrap_width_for(FILE *f)
{
    long w = 0;
    int fd = f ? fileno(f) : -1;
    struct winsize ws;
    if (fd >= 0 && isatty(fd) == 1 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    if (w <= 0) {
        const char *c = getenv("COLUMNS");
        char *end = NULL;
        long v = c && *c ? strtol(c, &end, 10) : 0;
        if (end && *end == 0 && v > 0)
            w = v;
    }
    if (w <= 0)
        w = TW_WRAP_DEFAULT;
    return (guint)CLAMP(w, TW_WRAP_MIN, TW_WRAP_MAX);
}

gsize tw_wrap_display_width(const char *s)
{
    gsize n = 0;
    for (const char *p = s; *p;) {
        if (*p == '\033' && p[1] == '[') {
            p += 2;
            while (*p && *p != 'm')
                p++;
            if (*p)
                p++;
            continue;
        }
        if (((guchar)*p & 0xc0) != 0x80)
            n++;
        p++;
    }
    return n;
}

/* tw_wrap_display_width of s[0..n) (no NUL in it). */
static gsize slice_width(const char *s, gsize n)
{
    gsize w = 0;
    const char *end = s + n;
    for (const char *p = s; p < end;) {
        if (*p == '\033' && p + 1 < end && p[1] == '[') {
            p += 2;
            while (p < end && *p != 'm')
                p++;
            if (p < end)
                p++;
            continue;
        }
        if (((guchar)*p & 0xc0) != 0x80)
            w++;
        p++;
    }
    return w;
}

/* A word of the paragraph: text[start..end), no space in it. */
typedef struct {
    const char *s;
    gsize n;
} Word;

static bool word_is(Word w, const char *lit)
{
    gsize n = strlen(lit);
    return w.n == n && memcmp(w.s, lit, n) == 0;
}

/* A count ("105", "1,234", "3)") stays with the word it counts. */
static bool is_count(Word w)
{
    const char *p = w.s, *end = w.s + w.n;
    if (p == end || !g_ascii_isdigit(*p))
        return false;
    while (p < end && (g_ascii_isdigit(*p) || (*p == ',' && p + 1 < end && g_ascii_isdigit(p[1]))))
        p++;
    return p == end || (p + 1 == end && strchr(",.;:)", *p));
}

static bool no_break_before(Word w)
{
    return word_is(w, "→") || word_is(w, "==") || word_is(w, "!=") || is_count(w);
}

static bool no_break_after(Word w)
{
    return word_is(w, "→") || word_is(w, "==") || word_is(w, "!=") || word_is(w, "&&") || word_is(w, "—");
}

/* Words glued together are one unit: the paragraph's own bytes from its
 * first word to its last (the spaces between them are the text's), so no
 * word is copied (a report lists thousands of names in one paragraph). */
typedef struct {
    gsize sep;        /* spaces before the unit */
    gsize start, end; /* text[start..end) */
    guint group;      /* units of one `command` share a group number (0: none) */
} Unit;

static gsize unit_width(const char *text, const Unit *u)
{
    return slice_width(text + u->start, u->end - u->start);
}

/* The display width of units[from..to) laid out on one line. */
static gsize span_width(const char *text, const GArray *units, guint from, guint to)
{
    gsize w = 0;
    for (guint k = from; k < to; k++) {
        const Unit *u = &g_array_index(units, Unit, k);
        w += (k > from ? u->sep : 0) + unit_width(text, u);
    }
    return w;
}

/* One paragraph (no newline in it). */
static void wrap_par(GString *out, guint width, const char *first, const char *cont, const char *text, gsize len)
{
    g_autoptr(GArray) units = g_array_new(FALSE, FALSE, sizeof(Unit));
    Word prev = { NULL, 0 };
    guint groups = 0;
    bool in_code = false; /* inside a `command` */
    gsize i = 0;
    while (i < len) {
        gsize sep = 0;
        while (i < len && text[i] == ' ') {
            sep++;
            i++;
        }
        if (i >= len)
            break;
        gsize start = i;
        while (i < len && text[i] != ' ')
            i++;
        Word word = { text + start, i - start };
        /* A `command` in backticks is kept on one line when it fits in one:
         * its words share a group. */
        guint ticks = 0;
        for (gsize c = 0; c < word.n; c++)
            ticks += word.s[c] == '`';
        bool opens = !in_code && ticks % 2 == 1, closes = in_code && ticks % 2 == 1;
        guint group = opens ? ++groups : in_code ? groups : 0;
        if (units->len && (no_break_after(prev) || no_break_before(word))) {
            Unit *u = &g_array_index(units, Unit, units->len - 1);
            u->end = i; /* its spaces and the word */
        } else {
            Unit u = { sep, start, i, group };
            g_array_append_val(units, u);
        }
        if (opens)
            in_code = true;
        if (closes)
            in_code = false;
        prev = word;
    }
    g_string_append(out, first);
    gsize col = tw_wrap_display_width(first);
    gsize cont_w = tw_wrap_display_width(cont);
    bool line_empty = true;
    guint group_end = 0; /* units before this index are placed as one line-group */
    for (guint k = 0; k < units->len; k++) {
        const Unit *u = &g_array_index(units, Unit, k);
        if (u->group && (k == 0 || g_array_index(units, Unit, k - 1).group != u->group)) {
            guint e = k;
            while (e < units->len && g_array_index(units, Unit, e).group == u->group)
                e++;
            gsize gw = span_width(text, units, k, e);
            /* the whole command on this line, or on the next one when it fits
             * there; wider than a line: word by word */
            if (!line_empty && col + u->sep + gw > width && cont_w + gw <= width) {
                g_string_append_c(out, '\n');
                g_string_append(out, cont);
                col = cont_w;
                line_empty = true;
            }
            if (col + (line_empty ? 0 : u->sep) + gw <= width)
                group_end = e;
        }
        gsize w = unit_width(text, u);
        if (!line_empty && k >= group_end && col + u->sep + w > width) {
            g_string_append_c(out, '\n');
            g_string_append(out, cont);
            col = cont_w;
            line_empty = true;
        }
        if (!line_empty) {
            for (gsize s = 0; s < u->sep; s++)
                g_string_append_c(out, ' ');
            col += u->sep;
        }
        g_string_append_len(out, text + u->start, (gssize)(u->end - u->start));
        col += w;
        line_empty = false;
    }
    g_string_append_c(out, '\n');
}

void tw_wrap(GString *out, guint width, const char *first, const char *cont, const char *text)
{
    const char *p = text ? text : "";
    const char *head = first;
    for (;;) {
        const char *nl = strchr(p, '\n');
        gsize len = nl ? (gsize)(nl - p) : strlen(p);
        wrap_par(out, width, head, cont, p, len);
        if (!nl)
            break;
        p = nl + 1;
        head = cont;
    }
}

static guint report_width = TW_WRAP_DEFAULT;

void tw_wrap_set_report_width(guint width)
{
    report_width = CLAMP(width, TW_WRAP_MIN, TW_WRAP_MAX);
}

guint tw_wrap_report_width(void)
{
    return report_width;
}
