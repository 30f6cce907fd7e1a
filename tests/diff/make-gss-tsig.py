#!/usr/bin/env python3
"""make-gss-tsig.py — a GSS-TSIG (RFC 3645) TKEY exchange over UDP and TCP 53.

Usage: make-gss-tsig.py SOURCE.pcap OUT.pcap

The GSS tokens are real ones, taken with tshark from the lab's HTTP
Negotiate capture (pcaps/10-server-key-http.pcap, frames 35 and 38: the
client's SPNEGO AP-REQ and the server's SPNEGO KRB-ERROR).  They are put in
the key data of an RFC 2930 TKEY query (additional section, mode 3) and of
its answer (answer section), once over UDP on a random client port and once
over TCP 53 with the RFC 1035 4.2.2 length prefix.  The answer's question
name is compressed (a pointer to the query name), as servers do, and the
answer carries a TSIG with error BADKEY (17).  tshark decodes the tokens as
Kerberos, so the kerberos-anywhere oracle has a DNS carrier to compare."""
import base64
import struct
import subprocess
import sys


def tokens(src):
    out = subprocess.run(["tshark", "-r", src, "-Y", "frame.number==35 || frame.number==38",
                          "-T", "fields", "-e", "http.authorization", "-e", "http.www_authenticate"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    req = base64.b64decode(out[0].split("\t")[0].split()[1])
    rsp = base64.b64decode(out[1].split("\t")[1].split()[1])
    return req, rsp


def name(n):
    b = b""
    for label in n.split("."):
        b += bytes([len(label)]) + label.encode()
    return b + b"\0"


KEY = "1234-5678.sig-dc1.lab.trustwire.test"
ALG = "gss-tsig"


def tkey_rr(owner, token):
    rdata = name(ALG) + struct.pack(">IIHHH", 1795960923, 1796047323, 3, 0, len(token)) + token
    rdata += struct.pack(">H", 0)
    return owner + struct.pack(">HHIH", 249, 255, 0, len(rdata)) + rdata


def tsig_rr(owner, error):
    mac = b"\x04\x04" + b"\0" * 26
    rdata = name(ALG) + struct.pack(">HIH", 0, 1795960923, 300) + struct.pack(">H", len(mac)) + mac
    rdata += struct.pack(">HHH", 0x1234, error, 0)
    return owner + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata


def query(qid, token):
    hdr = struct.pack(">HHHHHH", qid, 0x0000, 1, 0, 0, 1)
    return hdr + name(KEY) + struct.pack(">HH", 249, 255) + tkey_rr(name(KEY), token)


def answer(qid, token):
    hdr = struct.pack(">HHHHHH", qid, 0x8000, 1, 1, 0, 1)
    # The question name at offset 12; the answer's owner points back to it.
    ptr = struct.pack(">H", 0xC000 | 12)
    return (hdr + name(KEY) + struct.pack(">HH", 249, 255) + tkey_rr(ptr, token) +
            tsig_rr(ptr, 17))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(src, dst, proto, payload):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + payload


def l4(src, dst, proto, seg):
    pseudo = bytes(src) + bytes(dst) + struct.pack(">BBH", 0, proto, len(seg))
    c = csum(pseudo + seg)
    off = 6 if proto == 17 else 16
    return seg[:off] + struct.pack(">H", c) + seg[off + 2:]


def udp(src, dst, sp, dp, data):
    seg = struct.pack(">HHHH", sp, dp, 8 + len(data), 0) + data
    return ip(src, dst, 17, l4(src, dst, 17, seg))


def tcp(src, dst, sp, dp, seq, ack, flags, data):
    seg = struct.pack(">HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    return ip(src, dst, 6, l4(src, dst, 6, seg))


def eth(pkt, a, b):
    return bytes(b) + bytes(a) + b"\x08\x00" + pkt


def main():
    req, rsp = tokens(sys.argv[1])
    cli, srv = [10, 77, 0, 27], [10, 77, 0, 10]
    mc, ms = [2, 0x77, 0, 0, 0, 0x1b], [2, 0x77, 0, 0, 0, 0x0a]
    frames = []
    t = 1795960923
    def add(pkt, frm_cli):
        frames.append(eth(pkt, mc if frm_cli else ms, ms if frm_cli else mc))
    # UDP: query then answer (frames 1, 2)
    add(udp(cli, srv, 53001, 53, query(0x1111, req)), True)
    add(udp(srv, cli, 53, 53001, answer(0x1111, rsp)), False)
    # TCP: handshake, query, answer (frames 3..8)
    q, a = query(0x2222, req), answer(0x2222, rsp)
    q, a = struct.pack(">H", len(q)) + q, struct.pack(">H", len(a)) + a
    cs, ss = 1000, 5000
    add(tcp(cli, srv, 40001, 53, cs, 0, 0x02, b""), True)
    add(tcp(srv, cli, 53, 40001, ss, cs + 1, 0x12, b""), False)
    add(tcp(cli, srv, 40001, 53, cs + 1, ss + 1, 0x10, b""), True)
    add(tcp(cli, srv, 40001, 53, cs + 1, ss + 1, 0x18, q), True)
    add(tcp(srv, cli, 53, 40001, ss + 1, cs + 1 + len(q), 0x18, a), False)
    add(tcp(cli, srv, 40001, 53, cs + 1 + len(q), ss + 1 + len(a), 0x10, b""), True)
    out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", t, i * 1000, len(f), len(f)) + f
    open(sys.argv[2], "wb").write(out)


if __name__ == "__main__":
    main()
