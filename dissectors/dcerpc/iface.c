/* iface.c — lookups in a DCE/RPC registry (dcerpc-call.h).  The tables
 * themselves are in dissectors/dcerpc-registry/dcerpc-registry.c, the one
 * file that names the interface and security-provider modules. */
#include "dcerpc-call.h"
#include "dcerpc-int.h"

#include <string.h>

const TwDcerpcIface *tw_dcerpc_registry_iface(const TwDcerpcRegistry *r, const char *uuid,
                                              guint16 vmajor)
{
    const TwDcerpcIface *any = NULL;
    for (gsize i = 0; i < r->n_ifaces; i++) {
        const TwDcerpcIface *e = &r->ifaces[i];
        if (strcmp(e->uuid, uuid) != 0)
            continue;
        if (e->vmajor == vmajor)
            return e;
        if (!any)
            any = e;
    }
    /* An interface known by UUID but bound with another major version is
     * still that interface (e.g. EPM v3 vs v4 numbering in some stacks). */
    return any;
}

const TwDcerpcAuthType *tw_dcerpc_registry_auth(const TwDcerpcRegistry *r, guint8 auth_type)
{
    for (gsize i = 0; i < r->n_auth_types; i++)
        if (r->auth_types[i].auth_type == auth_type)
            return &r->auth_types[i];
    return NULL;
}

const TwDcerpcIface *tw_dcerpc_iface_lookup(const char *uuid, guint16 vmajor)
{
    return tw_dcerpc_registry_iface(&tw_dcerpc_registry, uuid, vmajor);
}

/* MS-RPCE 2.2.1.1.7 names, "unknown" for a value no entry names. */
const char *tw_dcerpc_auth_type_name(guint8 t)
{
    const TwDcerpcAuthType *a = tw_dcerpc_registry_auth(&tw_dcerpc_registry, t);
    return a && a->name ? a->name : "unknown";
}
