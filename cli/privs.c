/* privs.c — dropping to an unprivileged user with no capabilities (privs.h). */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

GQuark tw_privs_error_quark(void);
G_DEFINE_QUARK(tw-privs-error-quark, tw_privs_error)

static guint64 status_mask(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return G_MAXUINT64;
    char line[256];
    guint64 v = G_MAXUINT64;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = g_ascii_strtoull(line + n + 1, NULL, 16);
            break;
        }
    fclose(f);
    return v;
}

guint64 tw_effective_caps(void)
{
    return status_mask("CapEff");
}

/* capset(2) with empty sets: no effective, permitted or inheritable
 * capability (the ambient set empties with the permitted one). */
static bool clear_caps(GError **err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "cannot drop capabilities: %s", g_strerror(errno));
        return false;
    }
    return true;
}

static bool verify(uid_t want_uid, bool check_uid, GError **err)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "cannot set no_new_privs: %s", g_strerror(errno));
        return false;
    }
    guint64 eff = status_mask("CapEff"), prm = status_mask("CapPrm");
    if (eff != 0 || prm != 0) {
        g_set_error(err, tw_privs_error_quark(), 1,
                    "capabilities left after dropping privileges (CapEff %016" G_GINT64_MODIFIER "x, CapPrm %016"
                    G_GINT64_MODIFIER "x)", eff, prm);
        return false;
    }
    if (check_uid && (getuid() != want_uid || geteuid() != want_uid || setuid(0) == 0)) {
        g_set_error(err, tw_privs_error_quark(), 1, "the user id could be changed back after dropping privileges");
        return false;
    }
    return true;
}

bool tw_drop_privileges(const char *user, GError **err)
{
    if (!user) {
        if (geteuid() == 0)
            return true; /* root without -Z: told in the start line, nothing to drop to */
        return clear_caps(err) && verify(0, false, err);
    }
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        g_set_error(err, tw_privs_error_quark(), 1, "-Z %s: no such user%s%s", user, errno ? ": " : "",
                    errno ? g_strerror(errno) : "");
        return false;
    }
    if (pw->pw_uid == 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "-Z %s: that is root, not an unprivileged user", user);
        return false;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    /* Keeping capabilities across setuid would defeat the point. */
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (geteuid() == 0 && setgroups(1, &gid) != 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "-Z %s: setgroups: %s", user, g_strerror(errno));
        return false;
    }
    if (setresgid(gid, gid, gid) != 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "-Z %s: setgid: %s", user, g_strerror(errno));
        return false;
    }
    if (setresuid(uid, uid, uid) != 0) {
        g_set_error(err, tw_privs_error_quark(), 1, "-Z %s: setuid: %s", user, g_strerror(errno));
        return false;
    }
    /* A non-root start (CAP_SETUID given) may still hold other capabilities. */
    if (status_mask("CapPrm") != 0 && !clear_caps(err))
        return false;
    return verify(uid, true, err);
}
