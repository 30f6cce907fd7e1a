/* dfilter.c — the -Y display filter: a recursive-descent parser into a
 * small tree, evaluated per event.  Grammar in docs/display-filter.md:
 *
 *   expr    := and { ("||" | "or") and }
 *   and     := unary { ("&&" | "and") unary }
 *   unary   := ("!" | "not") unary | primary
 *   primary := "(" expr ")" | FIELD [ OP VALUE ]
 *   OP      := "==" | "!=" | "<" | ">" | "<=" | ">=" | "~" | "matches"
 *   VALUE   := "string" | INTEGER | true | false
 *
 * Semantics (as Wireshark's): a field that is absent makes every
 * comparison on it false (use `!field` for absence); a list field matches
 * when any element does. */
#include "dfilter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum { N_OR, N_AND, N_NOT, N_HAS, N_CMP } NodeKind;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_MATCH } CmpOp;
typedef enum { V_STR, V_INT, V_BOOL } ValKind;

typedef struct Node Node;
struct Node {
    NodeKind kind;
    Node *a, *b;
    char *field; /* N_HAS, N_CMP */
    CmpOp op;
    ValKind vk;
    char *s;
    gint64 i;
    GRegex *re;
};

struct TwDfilter {
    Node *root;
};

static void node_free(Node *n)
{
    if (!n)
        return;
    node_free(n->a);
    node_free(n->b);
    g_free(n->field);
    g_free(n->s);
    if (n->re)
        g_regex_unref(n->re);
    g_free(n);
}

void tw_dfilter_free(TwDfilter *df)
{
    if (!df)
        return;
    node_free(df->root);
    g_free(df);
}

/* ---- parser ---- */

typedef struct {
    const char *src;
    size_t pos;
    int err_col;
    char *err_msg;
} Parser;

static void skip_ws(Parser *p)
{
    while (p->src[p->pos] == ' ' || p->src[p->pos] == '\t' || p->src[p->pos] == '\n' || p->src[p->pos] == '\r')
        p->pos++;
}

static void fail(Parser *p, size_t at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(Parser *p, size_t at, const char *fmt, ...)
{
    if (p->err_msg)
        return; /* the first error is the one to show */
    va_list ap;
    va_start(ap, fmt);
    p->err_msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    p->err_col = (int)at + 1;
}

static bool is_ident_start(char c)
{
    return g_ascii_isalpha(c) || c == '_' || c == '@';
}

static bool is_ident_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == '@';
}

/* A keyword (and, or, not, matches, true, false) at the cursor, as a whole word. */
static bool word_at(Parser *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p->src + p->pos, w, n) == 0 && !is_ident_char(p->src[p->pos + n]);
}

static bool accept(Parser *p, const char *tok)
{
    skip_ws(p);
    size_t n = strlen(tok);
    if (g_ascii_isalpha(tok[0]) ? word_at(p, tok) : strncmp(p->src + p->pos, tok, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static Node *parse_or(Parser *p);

static Node *new_node(NodeKind k, Node *a, Node *b)
{
    Node *n = g_new0(Node, 1);
    n->kind = k;
    n->a = a;
    n->b = b;
    return n;
}

/* "…" with \\ and \" as escapes; any other backslash pair is kept as
 * written, so a regular expression's \$ or \d reads as the user typed it. */
static bool parse_string(Parser *p, char **out)
{
    size_t start = p->pos;
    p->pos++; /* opening quote */
    GString *s = g_string_new(NULL);
    for (;;) {
        char c = p->src[p->pos];
        if (c == '\0') {
            fail(p, start, "string not closed (missing \")");
            g_string_free(s, TRUE);
            return false;
        }
        p->pos++;
        if (c == '"')
            break;
        if (c == '\\' && (p->src[p->pos] == '\\' || p->src[p->pos] == '"')) {
            g_string_append_c(s, p->src[p->pos]);
            p->pos++;
            continue;
        }
        g_string_append_c(s, c);
    }
    *out = g_string_free(s, FALSE);
    return true;
}

static bool parse_value(Parser *p, Node *n)
{
    skip_ws(p);
    char c = p->src[p->pos];
    size_t at = p->pos;
    if (c == '"') {
        n->vk = V_STR;
        return parse_string(p, &n->s);
    }
    if (word_at(p, "true") || word_at(p, "false")) {
        n->vk = V_BOOL;
        n->i = p->src[p->pos] == 't';
        p->pos += n->i ? 4 : 5;
        return true;
    }
    if (g_ascii_isdigit(c) || ((c == '-' || c == '+') && g_ascii_isdigit(p->src[p->pos + 1]))) {
        char *end = NULL;
        errno = 0;
        gint64 v = g_ascii_strtoll(p->src + p->pos, &end, 0);
        if (errno == ERANGE) {
            fail(p, at, "number out of range");
            return false;
        }
        if (is_ident_char(*end)) {
            fail(p, at, "not a number (decimal or 0x hex)");
            return false;
        }
        p->pos = (size_t)(end - p->src);
        n->vk = V_INT;
        n->i = v;
        return true;
    }
    if (c == '\0')
        fail(p, at, "expected a value (\"string\", number, true or false) at the end");
    else
        fail(p, at, "expected a value (\"string\", number, true or false)");
    return false;
}

static Node *parse_primary(Parser *p)
{
    skip_ws(p);
    size_t at = p->pos;
    if (accept(p, "(")) {
        Node *n = parse_or(p);
        if (!n)
            return NULL;
        if (!accept(p, ")")) {
            skip_ws(p);
            fail(p, p->pos, "expected ')' to close the '(' at column %zu", at + 1);
            node_free(n);
            return NULL;
        }
        return n;
    }
    if (!is_ident_start(p->src[p->pos])) {
        if (p->src[p->pos] == '\0')
            fail(p, at, "expected a field name or '(' at the end");
        else
            fail(p, at, "expected a field name or '('");
        return NULL;
    }
    size_t start = p->pos;
    while (is_ident_char(p->src[p->pos]))
        p->pos++;
    Node *n = new_node(N_HAS, NULL, NULL);
    n->field = g_strndup(p->src + start, p->pos - start);

    static const struct { const char *tok; CmpOp op; } ops[] = {
        { "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE }, { "<", OP_LT },
        { ">", OP_GT },  { "~", OP_MATCH }, { "matches", OP_MATCH }, { "=", OP_EQ },
    };
    for (size_t k = 0; k < G_N_ELEMENTS(ops); k++) {
        if (!accept(p, ops[k].tok))
            continue;
        n->kind = N_CMP;
        n->op = ops[k].op;
        skip_ws(p);
        size_t vat = p->pos;
        if (!parse_value(p, n)) {
            node_free(n);
            return NULL;
        }
        if (n->op == OP_MATCH) {
            if (n->vk != V_STR) {
                fail(p, vat, "'~' takes a \"regular expression\" in quotes");
                node_free(n);
                return NULL;
            }
            GError *rerr = NULL;
            n->re = g_regex_new(n->s, G_REGEX_OPTIMIZE, 0, &rerr);
            if (!n->re) {
                fail(p, vat, "bad regular expression: %s", rerr->message);
                g_error_free(rerr);
                node_free(n);
                return NULL;
            }
        }
        break;
    }
    return n;
}

static Node *parse_unary(Parser *p)
{
    skip_ws(p);
    /* "!" but not "!=" (which would be a missing field name) */
    if ((p->src[p->pos] == '!' && p->src[p->pos + 1] != '=') || word_at(p, "not")) {
        p->pos += p->src[p->pos] == '!' ? 1 : 3;
        Node *a = parse_unary(p);
        return a ? new_node(N_NOT, a, NULL) : NULL;
    }
    return parse_primary(p);
}

static Node *parse_and(Parser *p)
{
    Node *n = parse_unary(p);
    while (n && (accept(p, "&&") || accept(p, "and"))) {
        Node *b = parse_unary(p);
        if (!b) {
            node_free(n);
            return NULL;
        }
        n = new_node(N_AND, n, b);
    }
    return n;
}

static Node *parse_or(Parser *p)
{
    Node *n = parse_and(p);
    while (n && (accept(p, "||") || accept(p, "or"))) {
        Node *b = parse_and(p);
        if (!b) {
            node_free(n);
            return NULL;
        }
        n = new_node(N_OR, n, b);
    }
    return n;
}

TwDfilter *tw_dfilter_compile(const char *expr, int *column, GError **err)
{
    Parser p = { .src = expr };
    Node *root = parse_or(&p);
    if (root) {
        skip_ws(&p);
        if (p.src[p.pos] != '\0') {
            if (p.src[p.pos] == ')')
                fail(&p, p.pos, "')' without a matching '('");
            else if (p.src[p.pos] == '&' || p.src[p.pos] == '|')
                fail(&p, p.pos, "expected '&&' or '||'");
            else
                fail(&p, p.pos, "expected '&&', '||' or the end of the filter");
            node_free(root);
            root = NULL;
        }
    }
    if (!root) {
        if (column)
            *column = p.err_col;
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "column %d: %s", p.err_col, p.err_msg);
        g_free(p.err_msg);
        return NULL;
    }
    TwDfilter *df = g_new0(TwDfilter, 1);
    df->root = root;
    return df;
}

/* ---- evaluation ---- */

/* One value of a field, as the comparison sees it. */
typedef struct {
    bool is_int; /* else a string */
    gint64 i;
    const char *s;
    char buf[32];
} Scalar;

static int cmp_int(gint64 a, gint64 b)
{
    return a < b ? -1 : a > b;
}

static bool apply(CmpOp op, int c)
{
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_GT: return c > 0;
    case OP_LE: return c <= 0;
    case OP_GE: return c >= 0;
    case OP_MATCH: break;
    }
    return false;
}

/* A string that is a whole integer ("24", "0x0000000c") compares as one. */
static bool str_as_int(const char *s, gint64 *v)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    *v = g_ascii_strtoll(s, &end, 0);
    return errno == 0 && end != s && *end == '\0';
}

static bool scalar_match(const Node *n, const Scalar *x)
{
    const char *text = x->s;
    char buf[32];
    if (x->is_int) {
        g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, x->i);
        text = buf;
    }
    if (n->op == OP_MATCH)
        return g_regex_match(n->re, text, 0, NULL);
    switch (n->vk) {
    case V_STR:
        return apply(n->op, strcmp(text, n->s));
    case V_INT:
    case V_BOOL: {
        gint64 v;
        if (x->is_int)
            return apply(n->op, cmp_int(x->i, n->i));
        if (n->vk == V_BOOL && (strcmp(x->s, "true") == 0 || strcmp(x->s, "false") == 0))
            return apply(n->op, cmp_int(x->s[0] == 't', n->i));
        if (str_as_int(x->s, &v))
            return apply(n->op, cmp_int(v, n->i));
        return false; /* a word is neither equal nor unequal to a number */
    }
    }
    return false;
}

/* The header fields of docs/events.md, then the event's own fields. */
static bool header_scalar(const TwEvent *ev, const char *name, Scalar *x)
{
    memset(x, 0, sizeof *x);
    if (strcmp(name, "proto") == 0) {
        x->s = ev->proto;
    } else if (strcmp(name, "transport") == 0) {
        x->s = ev->transport;
    } else if (strcmp(name, "src") == 0) {
        x->s = ev->src[0] ? ev->src : NULL;
    } else if (strcmp(name, "dst") == 0) {
        x->s = ev->dst[0] ? ev->dst : NULL;
    } else if (strcmp(name, "frame") == 0) {
        x->is_int = true;
        x->i = (gint64)ev->frame;
        return true;
    } else if (strcmp(name, "sport") == 0 || strcmp(name, "dport") == 0) {
        if (!ev->src[0])
            return false;
        x->is_int = true;
        x->i = name[0] == 's' ? ev->sport : ev->dport;
        return true;
    } else if (strcmp(name, "ts") == 0) {
        tw_format_time(ev->ts_us, x->buf);
        x->s = x->buf;
    } else if (strcmp(name, "schema") == 0) {
        x->is_int = true;
        x->i = TW_EVENT_SCHEMA;
        return true;
    } else if (strcmp(name, "ip_proto") == 0) {
        if (!ev->ip_proto)
            return false;
        x->is_int = true;
        x->i = ev->ip_proto;
        return true;
    } else if (strcmp(name, "community_id") == 0) {
        if (!tw_event_community_id(ev, x->buf))
            return false;
        x->s = x->buf;
    } else {
        return false;
    }
    return x->s != NULL;
}

static bool is_header(const char *name)
{
    static const char *const h[] = { "proto", "transport", "src",      "dst",      "frame",
                                     "sport", "dport",     "ts",       "schema",   "ip_proto",
                                     "community_id" };
    for (size_t k = 0; k < G_N_ELEMENTS(h); k++)
        if (strcmp(name, h[k]) == 0)
            return true;
    return false;
}

static bool field_eval(const Node *n, const TwEvent *ev)
{
    Scalar x;
    if (is_header(n->field)) {
        if (!header_scalar(ev, n->field, &x))
            return false;
        return n->kind == N_HAS || scalar_match(n, &x);
    }
    const TwField *f = tw_event_get(ev, n->field);
    if (!f)
        return false;
    if (n->kind == N_HAS)
        return true;
    memset(&x, 0, sizeof x);
    switch (f->type) {
    case TW_FIELD_INT:
        x.is_int = true;
        x.i = f->v.i;
        return scalar_match(n, &x);
    case TW_FIELD_BOOL:
        x.is_int = true;
        x.i = f->v.b ? 1 : 0;
        if (n->op == OP_MATCH || n->vk == V_STR) {
            x.is_int = false;
            x.s = f->v.b ? "true" : "false";
        }
        return scalar_match(n, &x);
    case TW_FIELD_STR:
        x.s = f->v.s;
        return scalar_match(n, &x);
    case TW_FIELD_INTLIST:
        for (guint k = 0; f->v.ilist && k < f->v.ilist->len; k++) {
            x.is_int = true;
            x.i = g_array_index(f->v.ilist, gint64, k);
            if (scalar_match(n, &x))
                return true;
        }
        return false;
    case TW_FIELD_STRLIST:
        for (guint k = 0; f->v.slist && k < f->v.slist->len; k++) {
            x.s = g_ptr_array_index(f->v.slist, k);
            if (x.s && scalar_match(n, &x))
                return true;
        }
        return false;
    }
    return false;
}

static bool eval(const Node *n, const TwEvent *ev)
{
    switch (n->kind) {
    case N_OR: return eval(n->a, ev) || eval(n->b, ev);
    case N_AND: return eval(n->a, ev) && eval(n->b, ev);
    case N_NOT: return !eval(n->a, ev);
    case N_HAS:
    case N_CMP: return field_eval(n, ev);
    }
    return false;
}

bool tw_dfilter_match(const TwDfilter *df, const TwEvent *ev)
{
    return eval(df->root, ev);
}
