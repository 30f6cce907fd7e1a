/* registry.c — the static table of application parsers capture/ dispatches to.
 * Add a parser: declare its descriptor here and list it in tw_app_parsers. */
#include "dissect.h"

#include <string.h>

extern const TwAppParser tw_krb5_udp_parser;
extern const TwAppParser tw_krb5_tcp_parser;
extern const TwAppParser tw_ldap_tcp_parser;
extern const TwAppParser tw_smb2_tcp_parser;
extern const TwAppParser tw_dcerpc_tcp_parser;
extern const TwAppParser tw_ntp_udp_parser;
extern const TwAppParser tw_http_tcp_parser;
extern const TwAppParser tw_dns_udp_parser;
extern const TwAppParser tw_dns_tcp_parser;

const TwAppParser *const tw_app_parsers[] = {
    &tw_krb5_udp_parser,
    &tw_krb5_tcp_parser,
    &tw_ldap_tcp_parser,
    &tw_smb2_tcp_parser,
    &tw_dcerpc_tcp_parser,
    &tw_ntp_udp_parser,
    &tw_http_tcp_parser,
    &tw_dns_udp_parser,
    &tw_dns_tcp_parser,
    NULL,
};

const TwAppParser *tw_app_parser_by_name(const char *name)
{
    for (const TwAppParser *const *p = tw_app_parsers; *p; p++)
        if (strcmp((*p)->name, name) == 0)
            return *p;
    return NULL;
}
