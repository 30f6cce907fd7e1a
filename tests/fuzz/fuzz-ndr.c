/* fuzz-ndr.c — the NDR reader driven by a program read from the input,
 * plus the two byte formats parsed outside NDR: EPM protocol towers and the
 * schannel NL_AUTH_MESSAGE.  Invariants: the offset never passes the
 * length, strings are valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/dcerpc/dcerpc-int.h"
#include "dissectors/dcerpc/ndr.h"
#include "dissectors/netlogon/nl-auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(char *s)
{
    if (s && !g_utf8_validate(s, -1, NULL))
        abort();
    g_free(s);
}

static void deferred_string(TwNdr *n, void *user)
{
    check_str(tw_ndr_wstring_cv(n));
    if (tw_ndr_u8(n) & 1)
        tw_ndr_defer(n, deferred_string, user);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    TwNlAuthMessage m;
    tw_nl_auth_message_parse(data, size, &m);
    check_str(g_strdup(m.nb_domain));
    check_str(g_strdup(m.dns_host));
    check_str(g_strdup(m.dns_domain));
    check_str(g_strdup(m.nb_host_utf8));
    tw_nl_auth_message_clear(&m);
    TwEpmTower t;
    tw_epm_tower_parse(data, size, &t);
    check_str(g_strdup(t.endpoint));
    tw_epm_tower_clear(&t);

    size_t split = data[0] % size;
    uint8_t mode = data[1];
    TwCursor prog = tw_cursor_init(data + 2, split > 2 ? split - 2 : 0);
    size_t body = split > 2 ? split : 2;
    TwNdr n;
    tw_ndr_init(&n, data + body, size - body, (mode & 4) ? size : size - body, mode & 1, mode & 2);
    TwNdrUnicodeString us[4] = { 0 };
    guint nus = 0;
    while (!tw_cursor_at_end(&prog) && tw_ndr_ok(&n)) {
        guint8 op = tw_cursor_u8(&prog);
        guint32 a, b, c;
        guint64 r;
        switch (op % 14) {
        case 0: tw_ndr_u8(&n); break;
        case 1: tw_ndr_u16(&n); break;
        case 2: tw_ndr_u32(&n); break;
        case 3: tw_ndr_u64(&n); break;
        case 4: tw_ndr_enum(&n); break;
        case 5: { char u[37]; tw_ndr_uuid(&n, u); break; }
        case 6: tw_ndr_ptr(&n); break;
        case 7: tw_ndr_full_ptr(&n, &r); break;
        case 8: tw_ndr_conformant_varying(&n, &a, &b, &c); break;
        case 9: check_str(tw_ndr_unique_wstring(&n, NULL)); break;
        case 10: check_str(tw_ndr_string_cv(&n)); break;
        case 11:
            if (nus < G_N_ELEMENTS(us))
                tw_ndr_unicode_string(&n, &us[nus++]);
            break;
        case 12: tw_ndr_defer(&n, deferred_string, NULL); break;
        default: tw_ndr_flush(&n); break;
        }
        if (n.c.off > n.c.len)
            abort();
    }
    tw_ndr_flush(&n);
    for (guint i = 0; i < nus; i++)
        check_str(us[i].value);
    tw_ndr_clear(&n);
    return 0;
}
