/* fuzz-der.c — walks any input as a DER tree and runs every primitive
 * decoder on every primitive value.  Invariants: no crash, offsets never
 * pass lengths, strings come back valid UTF-8. */
#include "dissectors/der/der.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(TwCursor *c, guint depth)
{
    while (!tw_cursor_at_end(c)) {
        TwDerTlv t;
        if (!tw_der_read(c, &t, depth))
            return;
        if (t.content.off > t.content.len || c->off > c->len)
            abort();
        if (t.constructed) {
            walk(&t.content, depth + 1);
            continue;
        }
        TwDerTlv a = t, b = t, d = t, e = t;
        gint64 v;
        guint32 u;
        tw_der_integer(&a, &v);
        tw_der_bit_string_u32(&b, &u);
        tw_der_generalized_time(&d, &v);
        char *s = tw_der_string(&e);
        if (s && !g_utf8_validate(s, -1, NULL))
            abort();
        g_free(s);
        gsize n;
        tw_der_octets(&t, &n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* First byte: how many bytes the "wire" had beyond the capture. */
    gsize extra = data[0];
    TwCursor c = tw_cursor_init_reported(data + 1, size - 1, size - 1 + extra);
    walk(&c, 0);
    /* Context-tag helpers on the same bytes. */
    TwCursor c2 = tw_cursor_init(data + 1, size - 1);
    for (guint32 tag = 0; tag < 4 && !tw_cursor_at_end(&c2); tag++) {
        gint64 v;
        g_free(tw_der_ctx_string(&c2, tag, 0));
        tw_der_ctx_integer(&c2, tag, &v, 0);
        tw_der_ctx_time(&c2, tag, &v, 0);
    }
    return 0;
}
