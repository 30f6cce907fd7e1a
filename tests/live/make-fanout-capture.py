#!/usr/bin/env python3
"""Writes a capture made to test how a PACKET_FANOUT group splits traffic
(tests/live/test-live-fanout.sh): many address pairs, both directions of
every flow, and fragmented datagrams whose first fragment carries the ports
and whose later ones do not.

  - 160 IPv4 clients 10.1.X.Y, each with 4 servers 10.0.0.1-4 in turn:
    a UDP datagram to port 88 of 3,200 bytes in 3 fragments (every 8th
    client sends its fragments last first), a 2,000-byte reply in 2
    fragments, and a TCP connection to port 445 (handshake, 3 segments each
    way, FIN each way);
  - 32 IPv6 clients fd00::1:N with fd00::10: a UDP datagram to port 88 of
    3,000 bytes in 3 fragments (Fragment header, RFC 8200 4.5).
The clients' packets are interleaved.  Headers are written by hand (RFC 791,
768, 9293, 8200); payloads are filler.

usage: make-fanout-capture.py OUT.pcap
"""
import struct
import sys

ETH_IP, ETH_IP6 = 0x0800, 0x86DD


def eth(ethertype, payload, src_mac=b"\x02\0\0\0\0\x01", dst_mac=b"\x02\0\0\0\0\x02"):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def ip4(src, dst, proto, payload, ident, mf=False, off8=0):
    flags = (0x2000 if mf else 0) | off8
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, 64, proto, 0,
                      bytes(src), bytes(dst))
    return eth(ETH_IP, hdr + payload)


def ip6(src, dst, nh, payload):
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, bytes(src), bytes(dst))
    return eth(ETH_IP6, hdr + payload)


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + data


def fragments4(src, dst, proto, l4, ident, chunk=1480):
    out = []
    for off in range(0, len(l4), chunk):
        part = l4[off:off + chunk]
        out.append(ip4(src, dst, proto, part, ident, mf=off + chunk < len(l4), off8=off // 8))
    return out


def fragments6(src, dst, nh, l4, ident, chunk=1448):
    out = []
    for off in range(0, len(l4), chunk):
        part = l4[off:off + chunk]
        more = off + chunk < len(l4)
        fh = struct.pack("!BBHI", nh, 0, (off // 8) << 3 | (1 if more else 0), ident)
        out.append(ip6(src, dst, 44, fh + part))
    return out


def client_packets(i):
    c = [10, 1, i // 250, i % 250 + 1]
    s = [10, 0, 0, i % 4 + 1]
    pk = []
    sport = 40000 + i
    req = fragments4(c, s, 17, udp(sport, 88, bytes([i % 256]) * 3192), ident=0x1000 + i)
    if i % 8 == 0:
        req.reverse()
    pk += req
    pk += fragments4(s, c, 17, udp(88, sport, b"r" * 1992), ident=0x5000 + i)
    tp = 50000 + i
    cs, ss = 1000 * i, 7000000 + i
    pk.append(ip4(c, s, 6, tcp(tp, 445, cs, 0, 0x02), 0x100 + i))
    pk.append(ip4(s, c, 6, tcp(445, tp, ss, cs + 1, 0x12), 0x200 + i))
    pk.append(ip4(c, s, 6, tcp(tp, 445, cs + 1, ss + 1, 0x10), 0x300 + i))
    a, b = cs + 1, ss + 1
    for k in range(3):
        pk.append(ip4(c, s, 6, tcp(tp, 445, a, b, 0x18, b"q" * 100), 0x400 + i))
        a += 100
        pk.append(ip4(s, c, 6, tcp(445, tp, b, a, 0x18, b"a" * 200), 0x500 + i))
        b += 200
    pk.append(ip4(c, s, 6, tcp(tp, 445, a, b, 0x11), 0x600 + i))
    pk.append(ip4(s, c, 6, tcp(445, tp, b, a + 1, 0x11), 0x700 + i))
    pk.append(ip4(c, s, 6, tcp(tp, 445, a + 1, b + 1, 0x10), 0x800 + i))
    return pk


def client6_packets(i):
    c = bytes.fromhex("fd00000000000000000000000001%04x" % i)
    s = bytes.fromhex("fd000000000000000000000000000010")
    return fragments6(c, s, 17, udp(41000 + i, 88, b"6" * 2992), ident=0x9000 + i)


def main():
    streams = [client_packets(i) for i in range(160)] + [client6_packets(i) for i in range(32)]
    frames = []
    while any(streams):
        for st in streams:
            if st:
                frames.append(st.pop(0))
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1_700_000_000
        for n, fr in enumerate(frames):
            f.write(struct.pack("<IIII", t + n // 1000, (n % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)
    print(len(frames))


main()
