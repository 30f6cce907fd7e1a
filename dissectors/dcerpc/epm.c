/* epm.c — the endpoint mapper (C706 Appendix O ept_* operations, Appendix L
 * protocol towers; MS-RPCE 2.2.1.2).  ept_map (opnum 3) and ept_lookup
 * (opnum 2) are decoded; a TCP port learnt from a response is announced to
 * capture/ through ctx->expect so that flow is dissected as DCE/RPC. */
#include <stdio.h>

#include "dcerpc-call.h"
#include "dcerpc-int.h"
#include "ndr.h"

#define PARSER "epm"

enum { EPM_LOOKUP = 2, EPM_MAP = 3 };

/* C706 Appendix I protocol identifiers used in tower floors. */
enum {
    FLOOR_RPC_CL = 0x0a,
    FLOOR_RPC_CO = 0x0b,
    FLOOR_UUID = 0x0d,
    FLOOR_TCP = 0x07,
    FLOOR_UDP = 0x08,
    FLOOR_IP = 0x09,
    FLOOR_NAMED_PIPE = 0x0f,
    FLOOR_LRPC = 0x10,
    FLOOR_NETBIOS = 0x11,
    FLOOR_HTTP = 0x1f,
};

void tw_epm_tower_clear(TwEpmTower *t)
{
    g_clear_pointer(&t->endpoint, g_free);
}

static char *floor_string(const guint8 *p, gsize n)
{
    gsize len = strnlen((const char *)p, n);
    return g_utf8_make_valid((const char *)p, (gssize)len);
}

/* C706 Appendix L: floor_count, then floors of (lhs_len, lhs, rhs_len,
 * rhs); all counts little-endian; port numbers and IPv4 addresses in the
 * right-hand side are big-endian (network order). */
TwStatus tw_epm_tower_parse(const guint8 *p, gsize len, TwEpmTower *t)
{
    memset(t, 0, sizeof *t);
    TwCursor c = tw_cursor_init(p, len);
    guint16 floors = tw_cursor_le16(&c);
    t->floors = floors;
    if (floors > TW_EPM_MAX_FLOORS)
        return TW_LIMIT;
    bool co = false, cl = false;
    for (guint i = 0; i < floors && tw_cursor_ok(&c); i++) {
        guint16 lhs_len = tw_cursor_le16(&c);
        TwCursor lhs = tw_cursor_take(&c, lhs_len);
        guint16 rhs_len = tw_cursor_le16(&c);
        TwCursor rhs = tw_cursor_take(&c, rhs_len);
        if (!tw_cursor_ok(&c) || lhs_len == 0)
            break;
        guint8 proto = tw_cursor_u8(&lhs);
        switch (proto) {
        case FLOOR_UUID:
            /* The first UUID floor is the interface, the second the transfer syntax. */
            if (i == 0) {
                guint32 a = tw_cursor_le32(&lhs);
                guint16 b = tw_cursor_le16(&lhs);
                guint16 d = tw_cursor_le16(&lhs);
                guint8 e[8];
                tw_cursor_copy(&lhs, e, 8);
                t->vmajor = tw_cursor_le16(&lhs);
                t->vminor = tw_cursor_le16(&rhs);
                if (tw_cursor_ok(&lhs)) {
                    tw_uuid_text(t->uuid, a, b, d, e);
                    t->has_iface = true;
                }
            }
            break;
        case FLOOR_RPC_CO: co = true; break;
        case FLOOR_RPC_CL: cl = true; break;
        case FLOOR_TCP:
        case FLOOR_UDP:
        case FLOOR_HTTP:
            t->port = tw_cursor_be16(&rhs);
            t->has_port = tw_cursor_ok(&rhs);
            t->protocol = proto == FLOOR_TCP ? (cl ? "ncadg_ip_tcp" : "ncacn_ip_tcp")
                        : proto == FLOOR_UDP ? "ncadg_ip_udp" : "ncacn_http";
            break;
        case FLOOR_IP: {
            const guint8 *a = tw_cursor_bytes(&rhs, 4);
            if (a) {
                char *o = t->ip; /* "%u.%u.%u.%u": at most 15 bytes and the NUL */
                for (int k = 0; k < 4; k++) {
                    if (k)
                        *o++ = '.';
                    o = tw_put_dec(o, a[k]);
                }
                *o = 0;
                t->has_ip = true;
            }
            break;
        }
        case FLOOR_NAMED_PIPE:
        case FLOOR_LRPC:
        case FLOOR_NETBIOS:
            if (!t->endpoint && rhs.len)
                t->endpoint = floor_string(rhs.p, rhs.len);
            if (proto != FLOOR_NETBIOS || !t->protocol)
                t->protocol = proto == FLOOR_NAMED_PIPE ? "ncacn_np"
                            : proto == FLOOR_LRPC ? "ncalrpc" : "ncacn_nb";
            break;
        default:
            break;
        }
    }
    (void)co;
    return c.status;
}

/* C706 Appendix I protocol identifiers, for the tree. */
static const char *floor_name(guint8 proto)
{
    switch (proto) {
    case FLOOR_UUID: return "UUID";
    case FLOOR_RPC_CO: return "RPC connection-oriented";
    case FLOOR_RPC_CL: return "RPC connectionless";
    case FLOOR_TCP: return "TCP";
    case FLOOR_UDP: return "UDP";
    case FLOOR_IP: return "IP";
    case FLOOR_NAMED_PIPE: return "named pipe";
    case FLOOR_LRPC: return "LRPC";
    case FLOOR_NETBIOS: return "NetBIOS";
    case FLOOR_HTTP: return "HTTP";
    default: return "unknown";
    }
}

/* Teaching view: the tower floor by floor (C706 Appendix L). */
static void tower_tree(TwEvent *ev, guint depth, const char *label, const guint8 *p, gsize len,
                       const TwDcerpcRegistry *reg)
{
    TwCursor c = tw_cursor_init(p, len);
    guint16 floors = tw_cursor_le16(&c);
    tw_event_tree_add_spec(ev, depth, label, "C706 Appendix L", "where and how the interface is reached",
                           "%u floors", floors);
    for (guint i = 0; i < floors && i < TW_EPM_MAX_FLOORS && tw_cursor_ok(&c); i++) {
        guint16 lhs_len = tw_cursor_le16(&c);
        TwCursor lhs = tw_cursor_take(&c, lhs_len);
        guint16 rhs_len = tw_cursor_le16(&c);
        TwCursor rhs = tw_cursor_take(&c, rhs_len);
        if (!tw_cursor_ok(&c) || lhs_len == 0)
            break;
        guint8 proto = tw_cursor_u8(&lhs);
        char what[96] = "";
        if (proto == FLOOR_UUID && lhs_len >= 19) {
            guint32 a = tw_cursor_le32(&lhs);
            guint16 b = tw_cursor_le16(&lhs);
            guint16 d = tw_cursor_le16(&lhs);
            guint8 e[8];
            tw_cursor_copy(&lhs, e, 8);
            guint16 vmaj = tw_cursor_le16(&lhs);
            guint16 vmin = tw_cursor_le16(&rhs);
            char u[37];
            tw_uuid_text(u, a, b, d, e);
            const TwDcerpcIface *ifc = tw_dcerpc_registry_iface(reg, u, vmaj);
            const char *nm = ifc ? ifc->name : strcmp(u, "8a885d04-1ceb-11c9-9fe8-08002b104860") == 0 ? "NDR 2.0"
                                             : strcmp(u, "71710533-beba-4937-8319-b5dbef9ccc36") == 0 ? "NDR64"
                                                                                                      : "unknown";
            snprintf(what, sizeof what, "%s v%u.%u (%s)", u, vmaj, vmin, nm);
        } else if ((proto == FLOOR_TCP || proto == FLOOR_UDP || proto == FLOOR_HTTP) && rhs_len >= 2) {
            snprintf(what, sizeof what, "port %u", tw_cursor_be16(&rhs));
        } else if (proto == FLOOR_IP && rhs_len >= 4) {
            const guint8 *ip = tw_cursor_bytes(&rhs, 4);
            if (ip)
                snprintf(what, sizeof what, "%u.%u.%u.%u%s", ip[0], ip[1], ip[2], ip[3],
                         ip[0] | ip[1] | ip[2] | ip[3] ? "" : " (the client uses the mapper's own address)");
        } else if ((proto == FLOOR_NAMED_PIPE || proto == FLOOR_LRPC || proto == FLOOR_NETBIOS) && rhs.len) {
            g_autofree char *str = floor_string(rhs.p, rhs.len);
            snprintf(what, sizeof what, "%s", str);
        } else if (proto == FLOOR_RPC_CO && rhs_len >= 2) {
            snprintf(what, sizeof what, "minor version %u", tw_cursor_le16(&rhs));
        }
        tw_event_tree_add_spec(ev, depth + 1, "floor", "C706 Appendix L", NULL, "%u: 0x%02x %s%s%s", i + 1, proto, floor_name(proto),
                          what[0] ? ", " : "", what);
    }
}

/* twr_t (C706 Appendix O): a conformant structure, so the conformance
 * (max_count) comes first, then tower_length and the octets.  With `tree`,
 * the tower is shown there under `label`. */
static bool read_twr_tree(TwNdr *n, TwEpmTower *t, TwEvent *tree, guint depth, const char *label,
                          const TwDcerpcRegistry *reg)
{
    guint32 max;
    if (!tw_ndr_conformant(n, &max))
        return false;
    guint32 tl = tw_ndr_u32(n);
    if (!tw_ndr_ok(n))
        return false;
    if (tl > max) {
        tw_ndr_fail(n, TW_MALFORMED);
        return false;
    }
    const guint8 *p = tw_cursor_bytes(&n->c, tl);
    if (!p)
        return false;
    if (tree)
        tower_tree(tree, depth, label, p, tl, reg);
    TwStatus st = tw_epm_tower_parse(p, tl, t);
    return st == TW_OK || t->has_iface;
}

static void tower_fields(const TwDcerpcRegistry *reg, TwEvent *ev, const TwEpmTower *t)
{
    if (t->has_iface) {
        char ver[12];
        tw_version_text(ver, t->vmajor, t->vminor);
        tw_event_set_str(ev, "uuid", t->uuid);
        tw_event_set_str(ev, "if_version", ver);
        const TwDcerpcIface *ifc = tw_dcerpc_registry_iface(reg, t->uuid, t->vmajor);
        if (ifc)
            tw_event_set_str(ev, "interface", ifc->name);
    }
    if (t->protocol)
        tw_event_set_str(ev, "protocol", t->protocol);
    if (t->has_port)
        tw_event_set_int(ev, "port", t->port);
    if (t->has_ip)
        tw_event_set_str(ev, "ip", t->ip);
    if (t->endpoint)
        tw_event_set_str(ev, "endpoint", t->endpoint);
}

/* Announces a TCP endpoint: the tower's address, or the mapper's own when
 * the tower says 0.0.0.0 (the server leaves the address to the client). */
static void learn_port(const TwDcerpcStub *st, const TwEpmTower *t)
{
    if (!t->has_port || !t->protocol || strcmp(t->protocol, "ncacn_ip_tcp") != 0 || t->port == 0)
        return;
    tw_count(st->ctx, "epm.ports_learnt", 1);
    if (!st->ctx->expect)
        return;
    const char *addr = NULL;
    if (t->has_ip && strcmp(t->ip, "0.0.0.0") != 0)
        addr = t->ip;
    else if (st->ctx->pi)
        addr = st->dir == TW_DIR_RSP ? st->ctx->pi->src : st->ctx->pi->dst;
    if (addr && addr[0])
        st->ctx->expect(st->ctx, addr, t->port, "dcerpc");
}

static TwEvent *epm_event(const TwDcerpcStub *st, const char *op)
{
    TwEvent *ev = tw_dcerpc_stub_event(st, "dcerpc");
    tw_event_set_str(ev, "pdu", st->dir == TW_DIR_REQ ? "request" : "response");
    tw_event_set_int(ev, "call_id", st->call_id);
    tw_event_set_str(ev, "service", "EPM");
    tw_event_set_int(ev, "opnum", st->opnum);
    tw_event_set_str(ev, "epm_op", op);
    if (st->dir == TW_DIR_RSP)
        tw_event_set_int(ev, "reply_to", (gint64)st->call->req_frame);
    if (st->ctx->want_tree)
        tw_event_tree_add_spec(ev, 0, strcmp(op, "map") == 0 ? "ept_map" : "ept_lookup",
                               strcmp(op, "map") == 0 ? "C706 O.2.6" : "C706 O.2.5",
                               strcmp(op, "map") == 0 ? "asks the endpoint mapper where an interface listens"
                                                      : "lists the endpoints the mapper knows",
                               "%s", st->dir == TW_DIR_REQ ? "request" : "response");
    return ev;
}

/* The stub event's tree, or NULL without the teaching view. */
static TwEvent *tree_of(const TwDcerpcStub *st, TwEvent *ev)
{
    return st->ctx->want_tree ? ev : NULL;
}

static void finish(const TwDcerpcStub *st, TwEvent *ev, TwNdr *n)
{
    if (!tw_ndr_ok(n)) {
        tw_event_set_str(ev, "decode_status", tw_status_name(n->c.status));
        tw_event_set_bool(ev, tw_status_name(n->c.status), TRUE);
        tw_anomaly(st->ctx, PARSER, "epm_malformed", "call_id %u opnum %u: %s", st->call_id,
                   st->opnum, tw_status_name(n->c.status));
    }
    tw_emit(st->ctx, ev);
}

/* C706 O.2.6 ept_map request: object, map_tower, entry_handle, max_towers. */
static void map_request(const TwDcerpcStub *st, TwNdr *n)
{
    TwEvent *ev = epm_event(st, "map");
    guint64 ref;
    if (tw_ndr_full_ptr(n, &ref)) {
        char obj[37];
        tw_ndr_uuid(n, obj);
    }
    TwEpmTower t = { 0 };
    if (tw_ndr_full_ptr(n, &ref) && read_twr_tree(n, &t, tree_of(st, ev), 1, "map_tower", st->registry)) {
        tower_fields(st->registry, ev, &t);
        TwEvent *carry = tw_event_new(NULL, "carry");
        tower_fields(st->registry, carry, &t);
        tw_event_remove(carry, "port");
        tw_event_remove(carry, "ip");
        if (st->call->carry)
            tw_event_free(st->call->carry);
        st->call->carry = carry;
    }
    tw_epm_tower_clear(&t);
    tw_ndr_align(n, 4);
    tw_ndr_skip(n, 20); /* entry_handle */
    guint32 max_towers = tw_ndr_u32(n);
    tw_event_set_int(ev, "max_towers", max_towers);
    if (tree_of(st, ev) && tw_ndr_ok(n))
        tw_event_tree_add_spec(ev, 1, "max_towers", "C706 O.2.6 ept_map", NULL, "%u", max_towers);
    finish(st, ev, n);
}

typedef struct {
    GArray *refs; /* guint64 referent ids of the towers, in order */
} TowerList;

/* ept_map response: entry_handle, num_towers, towers (conformant varying
 * array of full pointers to twr_t, referents after the array), status. */
static void map_response(const TwDcerpcStub *st, TwNdr *n)
{
    TwEvent *ev = epm_event(st, "map");
    tw_ndr_align(n, 4);
    tw_ndr_skip(n, 20);
    guint32 num = tw_ndr_u32(n);
    guint32 max, off, act;
    g_autoptr(GArray) ports = g_array_new(FALSE, FALSE, sizeof(gint64));
    bool first = true;
    if (tw_ndr_conformant_varying(n, &max, &off, &act)) {
        if (act > TW_EPM_MAX_ENTRIES) {
            tw_ndr_fail(n, TW_LIMIT);
        } else {
            g_autoptr(GArray) refs = g_array_new(FALSE, FALSE, sizeof(guint64));
            for (guint i = 0; i < act && tw_ndr_ok(n); i++) {
                guint64 r = tw_ndr_ptr(n);
                g_array_append_val(refs, r);
            }
            for (guint i = 0; i < refs->len && tw_ndr_ok(n); i++) {
                if (g_array_index(refs, guint64, i) == 0)
                    continue;
                TwEpmTower t = { 0 };
                if (read_twr_tree(n, &t, tree_of(st, ev), 1, "tower", st->registry)) {
                    if (first) {
                        tower_fields(st->registry, ev, &t);
                        first = false;
                    }
                    if (t.has_port) {
                        gint64 p = t.port;
                        g_array_append_val(ports, p);
                    }
                    learn_port(st, &t);
                }
                tw_epm_tower_clear(&t);
            }
        }
    }
    guint32 status = tw_ndr_u32(n);
    tw_event_set_int(ev, "num_towers", num);
    if (tree_of(st, ev) && tw_ndr_ok(n)) {
        tw_event_tree_add_spec(ev, 1, "num_towers", "C706 O.2.6 ept_map", NULL, "%u", num);
        tw_event_tree_add_spec(ev, 1, "status", "C706 O.2.6 ept_map", status ? "the mapper does not know the interface (0x16c9a0d6 = EPT_S_NOT_REGISTERED)" : NULL,
                          "0x%08x", status);
    }
    if (ports->len > 1)
        tw_event_take_intlist(ev, "ports", g_steal_pointer(&ports));
    if (tw_ndr_ok(n))
        tw_event_set_hex32(ev, "epm_status", status);
    tw_dcerpc_copy_fields(ev, st->call->carry);
    finish(st, ev, n);
}

/* C706 O.2.5 ept_lookup request: inquiry_type, object, interface_id,
 * vers_option, entry_handle, max_ents. */
static void lookup_request(const TwDcerpcStub *st, TwNdr *n)
{
    TwEvent *ev = epm_event(st, "lookup");
    guint32 inquiry = tw_ndr_u32(n);
    tw_event_set_int(ev, "inquiry_type", inquiry);
    guint64 ref;
    char u[37];
    if (tw_ndr_full_ptr(n, &ref))
        tw_ndr_uuid(n, u);
    if (tw_ndr_full_ptr(n, &ref)) {
        tw_ndr_uuid(n, u);
        guint16 vmaj = tw_ndr_u16(n);
        tw_ndr_u16(n);
        if (tw_ndr_ok(n)) {
            tw_event_set_str(ev, "uuid", u);
            const TwDcerpcIface *ifc = tw_dcerpc_registry_iface(st->registry, u, vmaj);
            if (ifc)
                tw_event_set_str(ev, "interface", ifc->name);
        }
    }
    tw_ndr_u32(n); /* vers_option */
    tw_ndr_skip(n, 20);
    tw_event_set_int(ev, "max_ents", tw_ndr_u32(n));
    finish(st, ev, n);
}

/* ept_lookup response: entry_handle, num_ents, entries[] of ept_entry_t
 * {object, tower (full ptr, deferred), annotation (varying char[64])}, status. */
static void lookup_response(const TwDcerpcStub *st, TwNdr *n)
{
    TwEvent *ev = epm_event(st, "lookup");
    tw_ndr_align(n, 4);
    tw_ndr_skip(n, 20);
    guint32 num = tw_ndr_u32(n);
    guint32 max, off, act;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) ports = g_array_new(FALSE, FALSE, sizeof(gint64));
    bool listed_all = true;
    if (tw_ndr_conformant_varying(n, &max, &off, &act)) {
        if (act > TW_EPM_MAX_ENTRIES) {
            tw_ndr_fail(n, TW_LIMIT);
        } else {
            g_autoptr(GArray) refs = g_array_new(FALSE, FALSE, sizeof(guint64));
            for (guint i = 0; i < act && tw_ndr_ok(n); i++) {
                char obj[37];
                tw_ndr_uuid(n, obj);
                guint64 r = tw_ndr_ptr(n);
                g_array_append_val(refs, r);
                guint32 aoff, aact;
                if (tw_ndr_varying(n, 64, &aoff, &aact))
                    tw_ndr_skip(n, aact);
                tw_ndr_align(n, 4);
            }
            for (guint i = 0; i < refs->len && tw_ndr_ok(n); i++) {
                if (g_array_index(refs, guint64, i) == 0)
                    continue;
                TwEpmTower t = { 0 };
                if (read_twr_tree(n, &t, tree_of(st, ev), 1, "tower", st->registry)) {
                    if (t.has_iface) {
                        const TwDcerpcIface *ifc =
                            tw_dcerpc_registry_iface(st->registry, t.uuid, t.vmajor);
                        const char *nm = ifc ? ifc->name : t.uuid;
                        bool dup = false;
                        for (guint j = 0; j < names->len && !dup; j++)
                            dup = strcmp(g_ptr_array_index(names, j), nm) == 0;
                        if (!dup && names->len < TW_EPM_MAX_LISTED)
                            g_ptr_array_add(names, g_strdup(nm));
                        else if (!dup)
                            listed_all = false;
                    }
                    if (t.has_port && t.protocol && strcmp(t.protocol, "ncacn_ip_tcp") == 0) {
                        bool dup = false;
                        for (guint j = 0; j < ports->len && !dup; j++)
                            dup = g_array_index(ports, gint64, j) == t.port;
                        if (!dup && ports->len < TW_EPM_MAX_LISTED) {
                            gint64 p = t.port;
                            g_array_append_val(ports, p);
                        }
                    }
                    learn_port(st, &t);
                }
                tw_epm_tower_clear(&t);
                tw_ndr_align(n, 4);
            }
        }
    }
    guint32 status = tw_ndr_u32(n);
    tw_event_set_int(ev, "entries", num);
    /* absent rather than empty (docs/events.md common rules) */
    if (names->len)
        tw_event_take_strlist(ev, "interfaces", g_steal_pointer(&names));
    if (!listed_all)
        tw_event_set_bool(ev, "interfaces_truncated", TRUE);
    if (ports->len)
        tw_event_take_intlist(ev, "ports", g_steal_pointer(&ports));
    if (tw_ndr_ok(n))
        tw_event_set_hex32(ev, "epm_status", status);
    finish(st, ev, n);
}

bool tw_epm_dissect(const TwDcerpcStub *st)
{
    if (st->sealed || !st->call->have_request)
        return false;
    if (st->opnum != EPM_MAP && st->opnum != EPM_LOOKUP)
        return false;
    TwNdr n;
    tw_ndr_init(&n, st->stub, st->stub_len, st->stub_len, st->little_endian, st->ndr64);
    if (st->opnum == EPM_MAP) {
        if (st->dir == TW_DIR_REQ)
            map_request(st, &n);
        else
            map_response(st, &n);
    } else {
        if (st->dir == TW_DIR_REQ)
            lookup_request(st, &n);
        else
            lookup_response(st, &n);
    }
    tw_ndr_clear(&n);
    return true;
}
