#!/usr/bin/python3
"""trustwire lab helper: put a user into many groups so its PAC (and so its
tickets) grow past one TCP segment and past the KDC's UDP limit.
Runs on the DC (local sam.ldb through Samba's Python bindings).
usage: big_groups.py USER COUNT"""
import sys

from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

user, count = sys.argv[1], int(sys.argv[2])
lp = LoadParm()
lp.load_default()
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
base = db.domain_dn()
udn = "CN=%s,CN=Users,%s" % (user, base)
db.transaction_start()
try:
    for i in range(count):
        name = "twlab-grp-%03d" % i
        db.add({"dn": "CN=%s,CN=Users,%s" % (name, base), "objectClass": "group",
                "sAMAccountName": name, "member": udn})
except Exception:
    db.transaction_cancel()
    raise
db.transaction_commit()
print("added %s to %d groups" % (user, count))
