#!/usr/bin/python3
"""trustwire lab helper: record one interface of a lab node, as tcpdump
would on that host, with the time stamps of the node's own clock.

    cap_local.py IFACE OUT.pcap PIDFILE

An AF_PACKET socket (ETH_P_ALL) bound to IFACE receives every frame the
host sends and receives; each is written to a classic pcap file (link type
Ethernet, snaplen 262144) stamped with time.time() when it is read.  tcpdump
stamps frames with the kernel's clock, which all lab namespaces share; a
capture taken on a workstation whose clock is wrong carries that wrong
clock, so this helper runs under the node's libfaketime offset and stamps
with the clock the node's processes see.  Frames the host sends are read
before the (virtual) NIC finishes them: with transmit checksum offload on,
their TCP/UDP checksums are the partial pseudo-header sums, as on a real
host's own capture.

Stops on SIGINT/SIGTERM.  Lab use only (it records whatever IFACE carries).
"""
import os
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SNAPLEN = 262144


def main():
    iface, out, pidfile = sys.argv[1:4]
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    with open(out, "wb") as f:
        # pcap global header (magic, version 2.4, thiszone, sigfigs, snaplen, DLT_EN10MB)
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
        f.flush()
        with open(pidfile, "w") as p:
            p.write("%d\n" % os.getpid())
        print("listening on %s" % iface, flush=True)
        n = 0
        while not stop:
            try:
                data = s.recv(SNAPLEN)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            t = time.time()
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)
            f.flush()
            n += 1
    print("%d packets captured" % n, flush=True)


if __name__ == "__main__":
    main()
