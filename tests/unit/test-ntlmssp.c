/* test-ntlmssp.c — NTLMSSP messages (MS-NLMP 2.2.1) built byte by byte from
 * the spec layout: NEGOTIATE with OEM names, CHALLENGE with an AV_PAIR list
 * and a timestamp, AUTHENTICATE with UTF-16LE names (non-ASCII and a
 * surrogate pair) and an NTLMv2 response, the OEM variant, fields pointing
 * outside the message, and every message cut at every length. */
#include "core/filetime.h"
#include "core/utf16.h"
#include "dissectors/ntlmssp/ntlmssp.h"

#include "tw-test.h"

#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u

/* 2024-01-02T03:04:05.123456Z as FILETIME: (unix_us * 10) + 116444736000000000 */
#define T_UNIX_US G_GINT64_CONSTANT(1704164645123456)
#define T_FILETIME ((guint64)T_UNIX_US * 10 + G_GUINT64_CONSTANT(116444736000000000))

static void set16(GByteArray *b, gsize at, guint16 v)
{
    b->data[at] = v & 0xff;
    b->data[at + 1] = v >> 8;
}
static void set32(GByteArray *b, gsize at, guint32 v)
{
    set16(b, at, v & 0xffff);
    set16(b, at + 2, v >> 16);
}
/* Fills the security-buffer fields at `field` to describe bytes appended now. */
static void put_field(GByteArray *b, gsize field, const guint8 *p, gsize n)
{
    set16(b, field, (guint16)n);
    set16(b, field + 2, (guint16)n);
    set32(b, field + 4, b->len);
    g_byte_array_append(b, p, (guint)n);
}
static GByteArray *utf16(const char *utf8)
{
    glong n = 0;
    gunichar2 *w = g_utf8_to_utf16(utf8, -1, NULL, &n, NULL);
    GByteArray *b = g_byte_array_new();
    for (glong i = 0; i < n; i++)
        put16(b, w[i]);
    g_free(w);
    return b;
}

static GPtrArray *events;
static void collect(TwEvent *ev, void *user)
{
    (void)user;
    g_ptr_array_add(events, ev);
}

static TwPacketInfo pi = { .frame = 7, .ts_us = 1, .transport = "tcp" };
static TwDissectCtx ctx = { .pi = &pi, .emit = collect };

static void setup(void)
{
    if (events)
        g_ptr_array_unref(events);
    events = g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free);
}

static GByteArray *header(guint32 type)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"NTLMSSP", 8);
    put32(b, type);
    return b;
}

/* MS-NLMP 2.2.1.1 */
static GByteArray *build_negotiate(void)
{
    GByteArray *b = header(1);
    put32(b, NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
                 NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED | NTLMSSP_NEGOTIATE_VERSION);
    gsize dom = b->len;
    put64(b, 0);
    gsize ws = b->len;
    put64(b, 0);
    put8(b, 10); put8(b, 0); put16(b, 19041); put8(b, 0); put8(b, 0); put8(b, 0); put8(b, 15);
    put_field(b, dom, (const guint8 *)"CORP", 4);
    put_field(b, ws, (const guint8 *)"WS01", 4);
    return b;
}

/* MS-NLMP 2.2.1.2 with TargetInfo (2.2.2.1). */
static GByteArray *build_challenge(void)
{
    GByteArray *b = header(2);
    gsize target = b->len;
    put64(b, 0);
    put32(b, NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_VERSION);
    static const guint8 chal[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
    g_byte_array_append(b, chal, 8);
    put64(b, 0); /* Reserved */
    gsize info = b->len;
    put64(b, 0);
    put8(b, 10); put8(b, 0); put16(b, 17763); put8(b, 0); put8(b, 0); put8(b, 0); put8(b, 15);
    g_autoptr(GByteArray) tn = utf16("CORP");
    put_field(b, target, tn->data, tn->len);
    GByteArray *av = g_byte_array_new();
    g_autoptr(GByteArray) nbd = utf16("CORP");
    g_autoptr(GByteArray) dnsd = utf16("corp.example");
    g_autoptr(GByteArray) nbc = utf16("DC1");
    put16(av, 2); put16(av, nbd->len); g_byte_array_append(av, nbd->data, nbd->len);
    put16(av, 1); put16(av, nbc->len); g_byte_array_append(av, nbc->data, nbc->len);
    put16(av, 4); put16(av, dnsd->len); g_byte_array_append(av, dnsd->data, dnsd->len);
    put16(av, 7); put16(av, 8); put64(av, T_FILETIME);
    put16(av, 0); put16(av, 0);
    put_field(b, info, av->data, av->len);
    g_byte_array_unref(av);
    return b;
}

/* MS-NLMP 2.2.1.3 with an NTLMv2 response (2.2.2.8). */
static GByteArray *build_authenticate(bool unicode, const char *user, const char *domain,
                                      const char *ws)
{
    GByteArray *b = header(3);
    gsize f_lm = b->len; put64(b, 0);
    gsize f_nt = b->len; put64(b, 0);
    gsize f_dom = b->len; put64(b, 0);
    gsize f_user = b->len; put64(b, 0);
    gsize f_ws = b->len; put64(b, 0);
    gsize f_key = b->len; put64(b, 0);
    put32(b, (unicode ? NTLMSSP_NEGOTIATE_UNICODE : 0) | NTLMSSP_NEGOTIATE_VERSION);
    put8(b, 6); put8(b, 1); put16(b, 7601); put8(b, 0); put8(b, 0); put8(b, 0); put8(b, 15);
    guint8 mic[16] = { 0 };
    g_byte_array_append(b, mic, 16);
    if (unicode) {
        g_autoptr(GByteArray) d = utf16(domain);
        g_autoptr(GByteArray) u = utf16(user);
        g_autoptr(GByteArray) w = utf16(ws);
        put_field(b, f_dom, d->data, d->len);
        put_field(b, f_user, u->data, u->len);
        put_field(b, f_ws, w->data, w->len);
    } else {
        put_field(b, f_dom, (const guint8 *)domain, strlen(domain));
        put_field(b, f_user, (const guint8 *)user, strlen(user));
        put_field(b, f_ws, (const guint8 *)ws, strlen(ws));
    }
    guint8 lm[24] = { 0 };
    put_field(b, f_lm, lm, 24);
    GByteArray *nt = g_byte_array_new();
    for (int i = 0; i < 16; i++)
        put8(nt, (guint8)(0xa0 + i)); /* NTProofStr */
    put8(nt, 1); put8(nt, 1); put16(nt, 0); put32(nt, 0);
    put64(nt, T_FILETIME);
    for (int i = 0; i < 8; i++)
        put8(nt, (guint8)(0x10 + i)); /* ChallengeFromClient */
    put32(nt, 0);
    g_autoptr(GByteArray) nbd = utf16("CORP");
    put16(nt, 2); put16(nt, nbd->len); g_byte_array_append(nt, nbd->data, nbd->len);
    put16(nt, 0); put16(nt, 0);
    put_field(b, f_nt, nt->data, nt->len);
    g_byte_array_unref(nt);
    guint8 key[16] = { 0x55 };
    put_field(b, f_key, key, 16);
    return b;
}

static void test_negotiate(void)
{
    g_autoptr(GByteArray) m = build_negotiate();
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(ev->proto, ==, "ntlmssp");
    g_assert_cmpstr(tw_event_get_str(ev, "ntlmssp_type"), ==, "NEGOTIATE");
    g_assert_cmpstr(tw_event_get_str(ev, "domain"), ==, "CORP");
    g_assert_cmpstr(tw_event_get_str(ev, "workstation"), ==, "WS01");
    g_assert_cmpstr(tw_event_get_str(ev, "ntlmssp_flags"), ==, "0x02003001");
    g_assert_cmpstr(tw_event_get_str(ev, "os_version"), ==, "10.0.19041");
    g_assert_false(tw_event_has(ev, "decode_status"));
}

static void test_challenge(void)
{
    g_autoptr(GByteArray) m = build_challenge();
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "ntlmssp_type"), ==, "CHALLENGE");
    g_assert_cmpstr(tw_event_get_str(ev, "server_challenge"), ==, "0123456789abcdef");
    g_assert_cmpstr(tw_event_get_str(ev, "target_name"), ==, "CORP");
    g_assert_cmpstr(tw_event_get_str(ev, "nb_domain"), ==, "CORP");
    g_assert_cmpstr(tw_event_get_str(ev, "nb_computer"), ==, "DC1");
    g_assert_cmpstr(tw_event_get_str(ev, "dns_domain"), ==, "corp.example");
    g_assert_cmpint(tw_event_get_int(ev, "server_time_us", 0), ==, T_UNIX_US);
    g_assert_cmpstr(tw_event_get_str(ev, "server_time"), ==, "2024-01-02T03:04:05.123456Z");
    g_assert_cmpstr(tw_event_get_str(ev, "os_version"), ==, "10.0.17763");
}

static void test_authenticate_unicode(void)
{
    /* "Jürgen" (Latin-1 range) and U+1D11E (a surrogate pair in UTF-16). */
    g_autoptr(GByteArray) m = build_authenticate(true, "J\xc3\xbcrgen\xf0\x9d\x84\x9e", "CORP",
                                                 "WS01$");
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "ntlmssp_type"), ==, "AUTHENTICATE");
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "J\xc3\xbcrgen\xf0\x9d\x84\x9e");
    g_assert_cmpstr(tw_event_get_str(ev, "domain"), ==, "CORP");
    g_assert_cmpstr(tw_event_get_str(ev, "workstation"), ==, "WS01$");
    g_assert_cmpstr(tw_event_get_str(ev, "ntlm_version"), ==, "v2");
    g_assert_cmpstr(tw_event_get_str(ev, "ntproofstr"), ==, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    g_assert_cmpstr(tw_event_get_str(ev, "client_challenge"), ==, "1011121314151617");
    g_assert_cmpint(tw_event_get_int(ev, "client_time_us", 0), ==, T_UNIX_US);
    g_assert_cmpint(tw_event_get_int(ev, "nt_response_len", 0), ==, 16 + 28 + 8 + 4 + 4);
    g_assert_cmpint(tw_event_get_int(ev, "lm_response_len", 0), ==, 24);
    g_assert_true(tw_event_get_bool(ev, "session_key", false));
    g_assert_false(tw_event_get_bool(ev, "anonymous", true));
    g_assert_cmpstr(tw_event_get_str(ev, "os_version"), ==, "6.1.7601");
    g_assert_false(tw_event_has(ev, "decode_status"));
}

static void test_authenticate_oem(void)
{
    g_autoptr(GByteArray) m = build_authenticate(false, "bob", "LEGACY", "OLDPC");
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "bob");
    g_assert_cmpstr(tw_event_get_str(ev, "domain"), ==, "LEGACY");
    g_assert_cmpstr(tw_event_get_str(ev, "workstation"), ==, "OLDPC");
}

static void test_field_outside_message(void)
{
    g_autoptr(GByteArray) m = build_authenticate(true, "alice", "CORP", "WS");
    /* UserNameFields (at 36) offset beyond the end of the message. */
    set32(m, 36 + 4, m->len + 100);
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "");
    g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed");
    g_assert_cmpstr(tw_event_get_str(ev, "domain"), ==, "CORP");
}

static void test_not_ntlmssp(void)
{
    static const guint8 junk[] = "NTLMSSQ\0\x03\0\0\0";
    g_assert_null(tw_ntlmssp_parse(&ctx, junk, sizeof junk, sizeof junk));
    static const guint8 badtype[] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 9, 0, 0, 0 };
    g_assert_null(tw_ntlmssp_parse(&ctx, badtype, sizeof badtype, sizeof badtype));
    g_assert_false(tw_ntlmssp_looks_like(junk, 7));
}

/* Every prefix, reported as the full message (a snaplen cut): an event or
 * NULL, never a crash; a cut inside the names is reported as truncated. */
static void every_truncation(GByteArray *m)
{
    for (gsize n = 0; n < m->len; n++) {
        guint8 *copy = g_memdup2(m->data, n ? n : 1);
        TwEvent *ev = tw_ntlmssp_parse(&ctx, copy, n, m->len);
        if (n < 12)
            g_assert_null(ev);
        if (ev) {
            const char *st = tw_event_get_str(ev, "decode_status");
            /* Complete messages have no status; a cut one must not claim success
             * unless every field it reads lies in the captured prefix. */
            if (st)
                g_assert_true(strcmp(st, "truncated") == 0 || strcmp(st, "malformed") == 0);
            tw_event_free(ev);
        }
        g_free(copy);
    }
    TwEvent *ev = tw_ntlmssp_parse(&ctx, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_false(tw_event_has(ev, "decode_status"));
    tw_event_free(ev);
}

static void test_every_truncation(void)
{
    g_autoptr(GByteArray) a = build_negotiate();
    g_autoptr(GByteArray) b = build_challenge();
    g_autoptr(GByteArray) c = build_authenticate(true, "user", "DOM", "WS");
    every_truncation(a);
    every_truncation(b);
    every_truncation(c);
    /* A cut inside the user name of an AUTHENTICATE is "truncated". */
    gsize user_off = c->data[36 + 4] | (c->data[36 + 5] << 8);
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&ctx, c->data, user_off + 2, c->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "truncated");
}

/* A user name with an embedded NUL reads as NDR and SMB2 would read it (the
 * core/utf16.h rule): up to the NUL, and the NUL is counted. */
static void test_embedded_nul(void)
{
    g_autoptr(GByteArray) m = build_authenticate(true, "alXice", "CORP", "WS01$");
    gsize x = 0;
    for (gsize i = 0; i + 1 < m->len; i++)
        if (m->data[i] == 'X' && m->data[i + 1] == 0)
            x = i;
    g_assert_cmpuint(x, >, 0);
    m->data[x] = 0;
    TwPacketInfo p = { .frame = 7, .ts_us = 1, .transport = "tcp" };
    TwDissectCtx c = { .pi = &p, .emit = collect };
    c.counters = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_autoptr(TwEvent) ev = tw_ntlmssp_parse(&c, m->data, m->len, m->len);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "user"), ==, "al");
    g_assert_cmpstr(tw_event_get_str(ev, "domain"), ==, "CORP");
    guint64 *n = g_hash_table_lookup(c.counters, g_intern_string("ntlmssp.utf16_embedded_nul"));
    g_assert_nonnull(n);
    g_assert_cmpuint(*n, ==, 1);
    g_hash_table_destroy(c.counters);
}

static void test_utf16_and_filetime(void)
{
    static const guint8 lone_hi[] = { 0x41, 0x00, 0x00, 0xd8, 0x42, 0x00 }; /* A, D800, B */
    g_autofree char *s = tw_utf16le_to_utf8(lone_hi, sizeof lone_hi, NULL);
    g_assert_cmpstr(s, ==, "A\xef\xbf\xbd" "B");
    static const guint8 odd[] = { 0x41, 0x00, 0x42 };
    g_autofree char *s2 = tw_utf16le_to_utf8(odd, sizeof odd, NULL);
    g_assert_cmpstr(s2, ==, "A");
    gint64 us = 0;
    g_assert_true(tw_filetime_to_us(T_FILETIME, &us));
    g_assert_cmpint(us, ==, T_UNIX_US);
    g_assert_false(tw_filetime_to_us(0, &us));
    g_assert_false(tw_filetime_to_us(G_MAXUINT64, &us));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup();
    g_test_add_func("/ntlmssp/negotiate", test_negotiate);
    g_test_add_func("/ntlmssp/challenge", test_challenge);
    g_test_add_func("/ntlmssp/authenticate-unicode", test_authenticate_unicode);
    g_test_add_func("/ntlmssp/authenticate-oem", test_authenticate_oem);
    g_test_add_func("/ntlmssp/field-outside-message", test_field_outside_message);
    g_test_add_func("/ntlmssp/not-ntlmssp", test_not_ntlmssp);
    g_test_add_func("/ntlmssp/every-truncation", test_every_truncation);
    g_test_add_func("/ntlmssp/utf16-filetime", test_utf16_and_filetime);
    g_test_add_func("/ntlmssp/embedded-nul", test_embedded_nul);
    int rc = g_test_run();
    g_ptr_array_unref(events);
    return rc;
}
