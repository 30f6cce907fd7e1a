/* samr.c — MS-SAMR account calls over SMB2 \PIPE\samr or ncacn_ip_tcp
 * (samr.h).  One event per request and per response (proto "samr"); a
 * response repeats what its request named (user, rid, info class), so each
 * stands alone.
 *
 * Which account a user handle is: SamrLookupNamesInDomain (3.1.5.11.2) on a
 * domain handle maps names to RIDs; SamrOpenUser (3.1.5.1.9) on that handle
 * with one of those RIDs opens the user handle; later calls on the user
 * handle (SamrSetInformationUser2, SamrDeleteUser, …) are then named.  The
 * handles are remembered per client and server address (a context handle is
 * only valid on its server), under a cap. */
#include "samr.h"

#include <stdio.h>
#include <string.h>

#include "core/ntstatus.h"
#include "core/tw-limits.h"
#include "dissectors/dcerpc/ndr.h"

#define PARSER "samr"

const char *tw_samr_opnum_name(guint16 op)
{
    switch (op) {
    case 0: return "SamrConnect";
    case 1: return "SamrCloseHandle";
    case 5: return "SamrLookupDomainInSamServer";
    case 6: return "SamrEnumerateDomainsInSamServer";
    case 7: return "SamrOpenDomain";
    case 8: return "SamrQueryInformationDomain";
    case 12: return "SamrCreateUserInDomain";
    case 13: return "SamrEnumerateUsersInDomain";
    case 17: return "SamrLookupNamesInDomain";
    case 18: return "SamrLookupIdsInDomain";
    case 34: return "SamrOpenUser";
    case 35: return "SamrDeleteUser";
    case 36: return "SamrQueryInformationUser";
    case 37: return "SamrSetInformationUser";
    case 38: return "SamrChangePasswordUser";
    case 39: return "SamrGetGroupsForUser";
    case 44: return "SamrGetUserDomainPasswordInformation";
    case 47: return "SamrQueryInformationUser2";
    case 50: return "SamrCreateUser2InDomain";
    case 54: return "SamrOemChangePasswordUser2";
    case 55: return "SamrUnicodeChangePasswordUser2";
    case 56: return "SamrGetDomainPasswordInformation";
    case 57: return "SamrConnect2";
    case 58: return "SamrSetInformationUser2";
    case 62: return "SamrConnect4";
    case 63: return "SamrUnicodeChangePasswordUser3";
    case 64: return "SamrConnect5";
    case 65: return "SamrRidToSid";
    case 73: return "SamrUnicodeChangePasswordUser4";
    }
    return NULL;
}

const char *tw_samr_info_class_name(guint32 c)
{
    switch (c) {
    case 1: return "UserGeneralInformation";
    case 2: return "UserPreferencesInformation";
    case 3: return "UserLogonInformation";
    case 4: return "UserLogonHoursInformation";
    case 5: return "UserAccountInformation";
    case 6: return "UserNameInformation";
    case 7: return "UserAccountNameInformation";
    case 8: return "UserFullNameInformation";
    case 9: return "UserPrimaryGroupInformation";
    case 10: return "UserHomeInformation";
    case 11: return "UserScriptInformation";
    case 12: return "UserProfileInformation";
    case 13: return "UserAdminCommentInformation";
    case 14: return "UserWorkStationsInformation";
    case 16: return "UserControlInformation";
    case 17: return "UserExpiresInformation";
    case 18: return "UserInternal1Information";
    case 20: return "UserParametersInformation";
    case 21: return "UserAllInformation";
    case 23: return "UserInternal4Information";
    case 24: return "UserInternal5Information";
    case 25: return "UserInternal4InformationNew";
    case 26: return "UserInternal5InformationNew";
    case 31: return "UserInternal7Information";
    case 32: return "UserInternal8Information";
    }
    return NULL;
}

bool tw_samr_info_class_sets_password(guint32 c)
{
    /* MS-SAMR 2.2.6.28: the internal classes carry an (encrypted) password or OWFs */
    return c == 18 || c == 23 || c == 24 || c == 25 || c == 26 || c == 31 || c == 32;
}

/* ---- remembered handles --------------------------------------------------- */

static struct {
    GMutex lock;
    GHashTable *names; /* "client|server|domainhandle|rid" -> name */
    GHashTable *users; /* "client|server|userhandle" -> "rid\tname" */
} S;

void tw_samr_reset(void)
{
    g_mutex_lock(&S.lock);
    g_clear_pointer(&S.names, g_hash_table_destroy);
    g_clear_pointer(&S.users, g_hash_table_destroy);
    g_mutex_unlock(&S.lock);
}

static void put_capped(const TwDcerpcStub *st, GHashTable **t, char *key, char *val)
{
    if (!*t)
        *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (g_hash_table_size(*t) >= TW_SAMR_HANDLES_MAX && !g_hash_table_contains(*t, key)) {
        /* all forgotten at once: handles of a long-gone session are the
         * likely bulk, and a partial eviction order would need more state */
        g_hash_table_remove_all(*t);
        tw_count(st->ctx, "samr.handles_forgotten", 1);
        tw_anomaly(st->ctx, PARSER, "limit", "more than %u SAMR handles or names remembered: all forgotten",
                   TW_SAMR_HANDLES_MAX);
    }
    g_hash_table_replace(*t, key, val);
}

static char *peer_key(const TwDcerpcStub *st, const char *rest)
{
    const TwPacketInfo *pi = st->ctx->pi;
    const char *client = pi ? (st->dir == TW_DIR_REQ ? pi->src : pi->dst) : "";
    const char *server = pi ? (st->dir == TW_DIR_REQ ? pi->dst : pi->src) : "";
    return g_strdup_printf("%s|%s|%s", client, server, rest);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    const TwDcerpcStub *st;
    TwNdr n;
    TwEvent *ev;
    TwEvent *carry;
} Sr;

/* MS-SAMR 2.2.7.2 SAMPR_HANDLE: a 20-byte RPC context handle. */
static bool handle(Sr *s, char hex[41])
{
    guint8 h[20];
    if (!tw_ndr_bytes(&s->n, h, sizeof h))
        return false;
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    return true;
}

static void set2_str(Sr *s, const char *k, const char *v)
{
    if (!v)
        return;
    tw_event_set_str(s->ev, k, v);
    if (s->carry)
        tw_event_set_str(s->carry, k, v);
}

static void set2_int(Sr *s, const char *k, gint64 v)
{
    tw_event_set_int(s->ev, k, v);
    if (s->carry)
        tw_event_set_int(s->carry, k, v);
}

static void status_tail(Sr *s)
{
    const TwDcerpcStub *st = s->st;
    if (st->stub_len < 4)
        return;
    const guint8 *p = st->stub + st->stub_len - 4;
    guint32 v = st->little_endian ? (guint32)(p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24))
                                  : (guint32)(((guint32)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
    tw_event_set_hex32(s->ev, "nt_status", v);
    const char *name = tw_ntstatus_name(v);
    if (name)
        tw_event_set_str(s->ev, "nt_status_name", name);
}

/* The account a user handle was opened for, when known. */
static void user_of_handle(Sr *s, const char *h)
{
    g_autofree char *key = peer_key(s->st, h);
    g_mutex_lock(&S.lock);
    const char *v = S.users ? g_hash_table_lookup(S.users, key) : NULL;
    g_autofree char *copy = g_strdup(v);
    g_mutex_unlock(&S.lock);
    if (!copy)
        return;
    char *tab = strchr(copy, '\t');
    if (tab) {
        *tab = 0;
        set2_int(s, "rid", g_ascii_strtoll(copy, NULL, 10));
        if (tab[1])
            set2_str(s, "user", tab + 1);
    }
}

static void remember_user(const TwDcerpcStub *st, const char *h, gint64 rid, const char *name)
{
    g_mutex_lock(&S.lock);
    put_capped(st, &S.users, peer_key(st, h), g_strdup_printf("%" G_GINT64_FORMAT "\t%s", rid, name ? name : ""));
    g_mutex_unlock(&S.lock);
}

/* ---- methods --------------------------------------------------------------- */

typedef struct {
    guint32 n;
    TwNdrUnicodeString *names;
} Names;

/* MS-SAMR 3.1.5.11.2 SamrLookupNamesInDomain. */
static void lookup_names(Sr *s, bool req)
{
    TwNdr *n = &s->n;
    char h[41];
    if (req) {
        if (!handle(s, h))
            return;
        set2_str(s, "handle", h);
        guint32 count = tw_ndr_u32(n);
        guint32 max = 0, off = 0, actual = 0;
        if (!tw_ndr_conformant_varying(n, &max, &off, &actual))
            return;
        if (actual > TW_SAMR_NAMES_MAX) {
            tw_count(s->st->ctx, "samr.names_cut", actual - TW_SAMR_NAMES_MAX);
            tw_ndr_fail(n, TW_LIMIT);
            return;
        }
        (void)count;
        Names nm = { .n = actual, .names = g_new0(TwNdrUnicodeString, actual ? actual : 1) };
        for (guint32 i = 0; i < actual; i++)
            tw_ndr_unicode_string(n, &nm.names[i]);
        tw_ndr_flush(n);
        if (!tw_ndr_ok(n)) {
            /* a cut name list would map RIDs to the wrong names */
            for (guint32 i = 0; i < actual; i++)
                g_free(nm.names[i].value);
            g_free(nm.names);
            return;
        }
        GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
        GPtrArray *carry = g_ptr_array_new_with_free_func(g_free);
        for (guint32 i = 0; i < actual; i++) {
            g_ptr_array_add(list, g_strdup(nm.names[i].value ? nm.names[i].value : ""));
            g_ptr_array_add(carry, g_strdup(nm.names[i].value ? nm.names[i].value : ""));
            g_free(nm.names[i].value);
        }
        g_free(nm.names);
        tw_event_take_strlist(s->ev, "names", list);
        if (s->carry)
            tw_event_take_strlist(s->carry, "names", carry);
        else
            g_ptr_array_free(carry, TRUE);
        return;
    }
    /* SAMPR_ULONG_ARRAY RelativeIds {Count; [size_is(Count)] unsigned long *Element} */
    guint32 count = tw_ndr_u32(n);
    guint64 ref = tw_ndr_ptr(n);
    GArray *rids = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (tw_ndr_ok(n) && ref) {
        guint32 max = 0;
        if (tw_ndr_conformant(n, &max) && max == count && max <= TW_SAMR_NAMES_MAX) {
            for (guint32 i = 0; i < max && tw_ndr_ok(n); i++) {
                gint64 r = tw_ndr_u32(n);
                g_array_append_val(rids, r);
            }
        } else if (tw_ndr_ok(n)) {
            tw_ndr_fail(n, max > TW_SAMR_NAMES_MAX ? TW_LIMIT : TW_MALFORMED);
        }
    }
    status_tail(s);
    /* name -> RID under this domain handle, for SamrOpenUser */
    const TwField *names = s->st->call->carry ? tw_event_get(s->st->call->carry, "names") : NULL;
    const char *dh = s->st->call->carry ? tw_event_get_str(s->st->call->carry, "handle") : NULL;
    if (tw_ndr_ok(n) && names && names->type == TW_FIELD_STRLIST && dh) {
        g_mutex_lock(&S.lock);
        for (guint i = 0; i < rids->len && i < names->v.slist->len; i++) {
            gint64 r = g_array_index(rids, gint64, i);
            if (r == 0)
                continue; /* an unmapped name (STATUS_SOME_NOT_MAPPED) */
            g_autofree char *rest = g_strdup_printf("%s|%" G_GINT64_FORMAT, dh, r);
            put_capped(s->st, &S.names, peer_key(s->st, rest), g_strdup(g_ptr_array_index(names->v.slist, i)));
        }
        g_mutex_unlock(&S.lock);
    }
    tw_event_take_intlist(s->ev, "rids", rids);
}

/* MS-SAMR 3.1.5.1.9 SamrOpenUser. */
static void open_user(Sr *s, bool req)
{
    char h[41];
    if (req) {
        if (!handle(s, h))
            return;
        guint32 access = tw_ndr_u32(&s->n);
        guint32 rid = tw_ndr_u32(&s->n);
        if (!tw_ndr_ok(&s->n))
            return;
        tw_event_set_int(s->ev, "desired_access", access);
        set2_int(s, "rid", rid);
        g_autofree char *rest = g_strdup_printf("%s|%u", h, rid);
        g_autofree char *key = peer_key(s->st, rest);
        g_mutex_lock(&S.lock);
        g_autofree char *name = g_strdup(S.names ? g_hash_table_lookup(S.names, key) : NULL);
        g_mutex_unlock(&S.lock);
        set2_str(s, "user", name);
        return;
    }
    if (!handle(s, h))
        return;
    status_tail(s);
    tw_event_set_str(s->ev, "user_handle", h);
    if (g_strcmp0(tw_event_get_str(s->ev, "nt_status"), "0x00000000") == 0 && s->st->call->carry &&
        tw_event_has(s->st->call->carry, "rid"))
        remember_user(s->st, h, tw_event_get_int(s->st->call->carry, "rid", 0),
                      tw_event_get_str(s->st->call->carry, "user"));
}

/* Calls whose first parameter is a user handle: SamrDeleteUser (3.1.5.7.3),
 * SamrChangePasswordUser (3.1.5.10.1), SamrQueryInformationUser(2). */
static void on_user_handle(Sr *s, bool req)
{
    char h[41];
    if (req) {
        if (handle(s, h))
            user_of_handle(s, h);
        return;
    }
    status_tail(s);
}

/* MS-SAMR 3.1.5.6.4 SamrSetInformationUser2 / 3.1.5.6.5 SamrSetInformationUser:
 * UserHandle, UserInformationClass, [switch_is] Buffer. */
static void set_information_user(Sr *s, bool req)
{
    char h[41];
    if (!req) {
        status_tail(s);
        return;
    }
    if (!handle(s, h))
        return;
    user_of_handle(s, h);
    guint32 cls = tw_ndr_enum(&s->n);
    if (!tw_ndr_ok(&s->n))
        return;
    set2_int(s, "info_class", cls);
    set2_str(s, "info_class_name", tw_samr_info_class_name(cls));
    if (tw_samr_info_class_sets_password(cls)) {
        tw_event_set_bool(s->ev, "sets_password", TRUE);
        if (s->carry)
            tw_event_set_bool(s->carry, "sets_password", TRUE);
    }
}

/* MS-SAMR 3.1.5.4.4 SamrCreateUser2InDomain: DomainHandle, [ref] Name,
 * AccountType, DesiredAccess; out UserHandle, GrantedAccess, RelativeId. */
static void create_user2(Sr *s, bool req)
{
    TwNdr *n = &s->n;
    char h[41];
    if (req) {
        if (!handle(s, h))
            return;
        TwNdrUnicodeString name = { 0 };
        tw_ndr_unicode_string(n, &name);
        tw_ndr_flush(n);
        guint32 type = tw_ndr_u32(n);
        guint32 access = tw_ndr_u32(n);
        set2_str(s, "user", name.value);
        g_free(name.value);
        if (tw_ndr_ok(n)) {
            set2_int(s, "account_type", type);
            tw_event_set_int(s->ev, "desired_access", access);
        }
        return;
    }
    if (!handle(s, h))
        return;
    guint32 granted = tw_ndr_u32(n);
    guint32 rid = tw_ndr_u32(n);
    status_tail(s);
    if (!tw_ndr_ok(n))
        return;
    tw_event_set_int(s->ev, "granted_access", granted);
    tw_event_set_int(s->ev, "rid", rid);
    tw_event_set_str(s->ev, "user_handle", h);
    if (g_strcmp0(tw_event_get_str(s->ev, "nt_status"), "0x00000000") == 0)
        remember_user(s->st, h, rid, s->st->call->carry ? tw_event_get_str(s->st->call->carry, "user") : NULL);
}

/* MS-SAMR 3.1.5.10.2/3/4 SamrUnicodeChangePasswordUser2/3/4: ServerName
 * ([unique] in 2 and 3, [in] in 4), UserName, then encrypted buffers. */
static void change_password_by_name(Sr *s, bool req, bool server_unique)
{
    TwNdr *n = &s->n;
    if (!req) {
        status_tail(s);
        return;
    }
    TwNdrUnicodeString server = { 0 }, user = { 0 };
    if (!server_unique || tw_ndr_ptr(n)) {
        tw_ndr_unicode_string(n, &server);
        tw_ndr_flush(n);
    }
    tw_ndr_unicode_string(n, &user);
    tw_ndr_flush(n);
    set2_str(s, "server_name", server.value);
    set2_str(s, "user", user.value);
    tw_event_set_bool(s->ev, "sets_password", TRUE);
    if (s->carry)
        tw_event_set_bool(s->carry, "sets_password", TRUE);
    g_free(server.value);
    g_free(user.value);
}

bool tw_samr_dissect(const TwDcerpcStub *st)
{
    bool req = st->dir == TW_DIR_REQ;
    Sr s = { .st = st };
    s.ev = tw_dcerpc_stub_event(st, "samr");
    if (st->call->have_request) {
        tw_event_set_int(s.ev, "opnum", st->opnum);
        const char *op = tw_samr_opnum_name(st->opnum);
        if (op)
            tw_event_set_str(s.ev, "op", op);
    }
    tw_event_set_str(s.ev, "dir", req ? "request" : "response");
    tw_event_set_int(s.ev, "call_id", st->call_id);
    if (st->pipe)
        tw_event_set_str(s.ev, "pipe", st->pipe);
    if (st->auth_type) {
        tw_event_set_int(s.ev, "auth_type", st->auth_type);
        tw_event_set_int(s.ev, "auth_level", st->auth_level);
    }
    tw_event_set_bool(s.ev, "sealed", st->sealed);
    if (!req && st->call->have_request)
        tw_event_set_int(s.ev, "reply_to", (gint64)st->call->req_frame);
    if (req)
        s.carry = tw_event_new(NULL, "carry");
    tw_count(st->ctx, req ? "samr.requests" : "samr.responses", 1);
    if (!st->sealed && st->call->have_request) {
        tw_ndr_init(&s.n, st->stub, st->stub_len, st->stub_len, st->little_endian, st->ndr64);
        switch (st->opnum) {
        case 17: lookup_names(&s, req); break;
        case 34: open_user(&s, req); break;
        case 35: case 36: case 38: case 47: on_user_handle(&s, req); break;
        case 37: case 58: set_information_user(&s, req); break;
        case 50: create_user2(&s, req); break;
        case 55: change_password_by_name(&s, req, true); break;
        case 63: change_password_by_name(&s, req, true); break;
        case 73: change_password_by_name(&s, req, false); break;
        default:
            if (!req)
                status_tail(&s);
            break;
        }
        if (!tw_ndr_ok(&s.n)) {
            tw_event_set_str(s.ev, "decode_status", tw_status_name(s.n.c.status));
            tw_event_set_bool(s.ev, tw_status_name(s.n.c.status), TRUE);
            tw_anomaly(st->ctx, PARSER, "samr_malformed", "opnum %u %s call_id %u: %s", st->opnum,
                       req ? "request" : "response", st->call_id, tw_status_name(s.n.c.status));
        }
        tw_ndr_clear(&s.n);
    }
    if (req) {
        if (st->call->carry)
            tw_event_free(st->call->carry);
        st->call->carry = s.carry;
    } else {
        tw_dcerpc_copy_fields(s.ev, st->call->carry);
    }
    if (st->ctx->want_tree) {
        /* MS-SAMR 3.1.5: the method's parameters under their names */
        static const TwTreeRow rows[] = {
            { "names", "Names", "the accounts looked up", NULL },
            { "rids", "RelativeIds", "their RIDs", NULL },
            { "rid", "UserId", "the account's RID", NULL },
            { "desired_access", "DesiredAccess", NULL, NULL },
            { "user", "account", NULL, NULL },
            { "handle", "handle", "an RPC context handle (MS-RPCE 2.2.5.2)", NULL },
            { "user_handle", "UserHandle", NULL, NULL },
            { "info_class_name", "UserInformationClass", NULL, NULL },
            { "sets_password", "sets the password", "this call resets the account's password", NULL },
            { "nt_status", "return value", NULL, "MS-ERREF 2.3 NTSTATUS" },
        };
        const char *op = tw_event_get_str(s.ev, "op");
        tw_event_tree_add_spec(s.ev, 0, op ? op : "SAMR call", "MS-SAMR 3.1.5", st->sealed ? "sealed: only the opnum is visible" : NULL,
                               "%s", req ? "request" : "response");
        guint first = tw_event_tree_len(s.ev);
        tw_event_tree_fields(s.ev, 1, rows, G_N_ELEMENTS(rows));
        /* a row without its own section is a parameter of the method, defined with it in 3.1.5 */
        g_autofree char *ms = g_strdup_printf("MS-SAMR 3.1.5 %s", op ? op : "");
        g_strchomp(ms);
        for (guint i = first; i < tw_event_tree_len(s.ev); i++)
            tw_event_tree_set_spec(s.ev, i, ms, false);
    }
    tw_emit(st->ctx, s.ev);
    return true;
}
