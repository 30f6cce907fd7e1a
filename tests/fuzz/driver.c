/* driver.c — replays fuzz inputs without libFuzzer: every file named on the
 * command line, or every file in every directory named, is passed once to
 * LLVMFuzzerTestOneInput.  This is how corpora run in the normal test suite. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        fprintf(stderr, "fuzz driver: %s\n", err->message);
        return 1;
    }
    /* Copy into an exact-size allocation so ASan catches a one-byte over-read. */
    uint8_t *exact = g_memdup2(buf, len ? len : 1);
    LLVMFuzzerTestOneInput(exact, len);
    g_free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int failures = 0;
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
            if (!dir)
                continue;
            const char *name;
            g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
            while ((name = g_dir_read_name(dir)))
                g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
            g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
            for (guint j = 0; j < names->len; j++) {
                failures += replay_file(g_ptr_array_index(names, j));
                count++;
            }
        } else {
            failures += replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %u inputs\n", count);
    if (count == 0) {
        fprintf(stderr, "fuzz driver: no inputs found\n");
        return 1;
    }
    return failures ? 1 : 0;
}
