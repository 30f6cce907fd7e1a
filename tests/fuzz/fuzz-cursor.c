/* fuzz-cursor.c — drives the cursor with a program read from the input:
 * each byte picks an operation, so every read, take and align meets every
 * boundary.  The invariant checked: the offset never passes the length. */
#include "core/cursor.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t split = data[0] % size;
    TwCursor prog = tw_cursor_init(data + 1, split);
    TwCursor c = tw_cursor_init_reported(data + 1 + split, size - 1 - split, size);
    while (!tw_cursor_at_end(&prog)) {
        guint8 op = tw_cursor_u8(&prog);
        switch (op % 9) {
        case 0: tw_cursor_u8(&c); break;
        case 1: tw_cursor_be16(&c); break;
        case 2: tw_cursor_le32(&c); break;
        case 3: tw_cursor_be64(&c); break;
        case 4: tw_cursor_skip(&c, op >> 4); break;
        case 5: tw_cursor_align(&c, 1u << (op >> 6)); break;
        case 6: {
            TwCursor child = tw_cursor_take(&c, op >> 3);
            while (tw_cursor_ok(&child) && !tw_cursor_at_end(&child))
                tw_cursor_u8(&child);
            if (child.off > child.len)
                abort();
            break;
        }
        case 7: { guint8 tmp[16]; tw_cursor_copy(&c, tmp, op & 15); break; }
        default: tw_cursor_bytes(&c, op >> 2); break;
        }
        if (c.off > c.len)
            abort();
    }
    return 0;
}
