#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-krb5-keyed (tests/fuzz/corpus/krb5-keyed/):
one valid plain text per decrypt path (RFC 4120 PA-ENC-TS-ENC, EncASRepPart,
EncTicketPart with a PAC, Authenticator, EncTGSRepPart, RFC 6113
KrbFastResponse, EncKrbPrivPart with a kpasswd result, a bare MS-PAC), each
also with the teaching tree, plus garbage cipher texts of the lengths that
matter to RFC 3961/3962/4757 (empty, one byte, one block, a block and one,
the AES and RC4 overheads).  The first byte is the mode of fuzz-krb5-keyed.c.

Usage: make-krb5-keyed-seeds.py [DIR]"""
import os
import struct
import sys


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + content


def seq(*parts): return tlv(0x30, b"".join(parts))
def ctx(n, v): return tlv(0xa0 | n, v)
def app(n, v): return tlv(0x60 | n, v)
def octets(b): return tlv(0x04, b)
def gstr(s): return tlv(0x1b, s.encode())
def gtime(s): return tlv(0x18, s.encode())
def flags(v): return tlv(0x03, b"\x00" + v.to_bytes(4, "big"))


def integer(v):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def principal(t, name):
    return seq(ctx(0, integer(t)), ctx(1, seq(*[gstr(c) for c in name.split("/")])))


def key(et, n):
    return seq(ctx(0, integer(et)), ctx(1, octets(bytes(range(n)))))


def utf16(s): return s.encode("utf-16-le")


def ustr_body(s):
    return struct.pack("<III", len(s), 0, len(s)) + utf16(s) + b"\0" * ((4 - (2 * len(s)) % 4) % 4)


def logon_info():
    b = struct.pack("<BBHI", 1, 0x10, 8, 0xcccccccc) + struct.pack("<II", 0, 0) + struct.pack("<I", 0x20000)
    b += b"\0" * 48
    b += struct.pack("<HHI", 6, 6, 0x20004) + b"\0" * 40
    b += struct.pack("<HHIIIII", 3, 0, 1104, 515, 1, 0x20008, 0x20) + b"\0" * 16
    b += b"\0" * 8 + struct.pack("<HHI", 10, 10, 0x2000c) + b"\0" * 64
    b += ustr_body("FZ$") + struct.pack("<III", 1, 515, 7) + ustr_body("FUZZY")
    return b


def pac():
    li = logon_info()
    ci = struct.pack("<QH", 134090000000000000, 6) + utf16("FZ$")
    off1 = 8 + 32
    off2 = (off1 + len(li) + 7) & ~7
    head = struct.pack("<II", 2, 0) + struct.pack("<IIQ", 1, len(li), off1) + struct.pack("<IIQ", 10, len(ci), off2)
    body = li + b"\0" * (off2 - off1 - len(li)) + ci
    return head + body


def enc_ticket_part():
    authz = seq(seq(ctx(0, integer(1)), ctx(1, octets(seq(seq(ctx(0, integer(128)), ctx(1, octets(pac()))))))))
    return app(3, seq(ctx(0, flags(0x40a10000)), ctx(1, key(18, 32)), ctx(2, gstr("FUZZ.TEST")),
                      ctx(3, principal(1, "FZ$")), ctx(4, seq(ctx(0, integer(1)), ctx(1, octets(b"")))),
                      ctx(5, gtime("20261202203000Z")), ctx(7, gtime("20261203063000Z")), ctx(10, authz)))


def enc_kdc_rep_part(a):
    return app(a, seq(ctx(0, key(18, 32)), ctx(1, seq(seq(ctx(0, integer(0)), ctx(1, gtime("19700101000000Z"))))),
                      ctx(2, integer(12345)), ctx(3, gtime("20370914024805Z")), ctx(4, flags(0x40e10000)),
                      ctx(5, gtime("20261202203000Z")), ctx(6, gtime("20261202203000Z")),
                      ctx(7, gtime("20261203063000Z")), ctx(8, gtime("20261203203000Z")), ctx(9, gstr("FUZZ.TEST")),
                      ctx(10, principal(2, "krbtgt/FUZZ.TEST")),
                      ctx(11, seq(seq(ctx(0, integer(2)), ctx(1, octets(bytes([10, 0, 0, 1]))))))))


SEEDS = {
    "pa-enc-ts": (0, seq(ctx(0, gtime("20261202203001Z")), ctx(1, integer(654321)))),
    "as-rep-part": (1, enc_kdc_rep_part(25)),
    "ticket-part": (2, enc_ticket_part()),
    "authenticator": (3, app(2, seq(ctx(0, integer(5)), ctx(1, gstr("FUZZ.TEST")), ctx(2, principal(1, "FZ$")),
                                    ctx(4, integer(42)), ctx(5, gtime("20261202203005Z")), ctx(6, key(17, 16)),
                                    ctx(7, integer(4242))))),
    "tgs-rep-part": (4, enc_kdc_rep_part(26)),
    "fast-response": (5, seq(ctx(0, seq()), ctx(1, key(18, 32)),
                             ctx(2, seq(ctx(0, gtime("20261202203000Z")), ctx(1, integer(0)), ctx(2, gstr("FUZZ.TEST")),
                                        ctx(3, principal(1, "FZ$")),
                                        ctx(4, seq(ctx(0, integer(16)), ctx(1, octets(b"c" * 12)))))),
                             ctx(3, integer(99)))),
    "kpasswd-reply": (6, app(28, seq(ctx(0, octets(b"\x00\x00Password changed")), ctx(3, integer(7)),
                                     ctx(4, seq(ctx(0, integer(2)), ctx(1, octets(bytes([10, 0, 0, 2])))))))),
    "kpasswd-setpw": (6, app(28, seq(ctx(0, octets(seq(ctx(0, octets(b"new-secret")), ctx(1, principal(1, "FZ$")),
                                                       ctx(2, gstr("FUZZ.TEST"))))),
                                     ctx(4, seq(ctx(0, integer(2)), ctx(1, octets(bytes([10, 0, 0, 1])))))))),
    "pac": (7, pac()),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "corpus", "krb5-keyed")
    os.makedirs(out, exist_ok=True)
    for name, (mode, plain) in SEEDS.items():
        if name == "kpasswd-reply":
            plain += b"\0" * ((len(plain) + 1) % 2)  # odd input length: read as the reply
        if name == "kpasswd-setpw":
            plain += b"\0" * (len(plain) % 2)  # even: the request
        for suffix, bits in (("", 0), ("-tree", 0x10)):
            with open(os.path.join(out, name + suffix), "wb") as f:
                f.write(bytes([mode | bits]) + plain)
    for mode in range(8):
        for n in (0, 1, 16, 17, 28, 44, 100):
            with open(os.path.join(out, "garbage-%d-%d" % (mode, n)), "wb") as f:
                f.write(bytes([mode | 0x08 | (0x30 if n == 44 else 0)]) + bytes((i * 37 + n) & 0xff for i in range(n)))


if __name__ == "__main__":
    main()
