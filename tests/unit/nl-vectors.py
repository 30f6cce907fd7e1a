#!/usr/bin/env python3
"""Reference values for tests/unit/test-nl-crypto.c, computed with a second,
independent implementation (Python hashlib/hmac + the `cryptography` package)
from the MS-NRPC 3.1.4.3 / 3.1.4.4 / 3.3.4.2 formulas.  The AES client
credential is also the wire's: pcaps/04-netlogon-wrong-password.pcap frames
20-22 (impacket computed it from the NT hash of "not-the-machine-password").
Run: python3 tests/unit/nl-vectors.py (prints the values the test embeds)."""
import hashlib, hmac, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
# MD4(UTF-16LE("not-the-machine-password")); `openssl dgst -md4 -provider legacy`
nt=bytes.fromhex("8f2e3de4d847ab7dcbabc18577a20174")
print("nt", nt.hex() if nt else None)
cc=bytes.fromhex("78ab5aac5b5e6556"); sc=bytes.fromhex("22cbbe6784fcec5e")
sk=hmac.new(nt, cc+sc, hashlib.sha256).digest()[:16]
def cfb8(k,d,iv=b"\0"*16,dec=False):
    c=Cipher(algorithms.AES(k), modes.CFB8(iv)); x=c.decryptor() if dec else c.encryptor(); return x.update(d)+x.finalize()
print("aes sk", sk.hex(), "ccred", cfb8(sk,cc).hex(), "scred", cfb8(sk,sc).hex())
# strong
d=hashlib.md5(b"\0"*4+cc+sc).digest(); ssk=hmac.new(nt,d,hashlib.md5).digest()
def k56(i):
    k=[i[0]>>1,((i[0]&1)<<6)|(i[1]>>2),((i[1]&3)<<5)|(i[2]>>3),((i[2]&7)<<4)|(i[3]>>4),((i[3]&15)<<3)|(i[4]>>5),((i[4]&31)<<2)|(i[5]>>6),((i[5]&63)<<1)|(i[6]>>7),i[6]&127]
    return bytes((x<<1)&0xff for x in k)
def des(k7,b):
    k=k56(k7); c=Cipher(algorithms.TripleDES(k+k+k), modes.ECB()).encryptor(); return c.update(b)+c.finalize()
def des2(k,b,o2=7): return des(k[o2:o2+7], des(k[:7], b))
print("strong sk", ssk.hex(), "ccred", des2(ssk,cc).hex(), "scred", des2(ssk,sc).hex())
s0=(struct.unpack("<I",cc[:4])[0]+struct.unpack("<I",sc[:4])[0])&0xffffffff
s1=(struct.unpack("<I",cc[4:])[0]+struct.unpack("<I",sc[4:])[0])&0xffffffff
summ=struct.pack("<II",s0,s1)
dsk=des2(nt,summ,9)+b"\0"*8
print("des sk", dsk.hex(), "ccred", des2(dsk,cc).hex())
# authenticator ts=0x5f000000 on stored=ccred(aes)
cred=cfb8(sk,cc); ts=1700000000
st=struct.pack("<I",(struct.unpack("<I",cred[:4])[0]+ts)&0xffffffff)+cred[4:]
print("auth", cfb8(sk,st).hex())

import warnings; warnings.filterwarnings("ignore")
def rc4(k,d):
    c=Cipher(algorithms.ARC4(k), mode=None).encryptor(); return c.update(d)
ck=bytes.fromhex("a1b2c3d4e5f60718"); seq=bytes.fromhex("0000000580000000")
conf=bytes(range(1,9)); data=b"hello netlogon stub!"
xk=bytes(b^0xf0 for b in sk)
eseq=cfb8(sk,seq,ck+ck)
ed=cfb8(xk,conf+data,seq+seq)
print("AES eseq", eseq.hex(), "econf", ed[:8].hex(), "edata", ed[8:].hex())
k1=hmac.new(sk,b"\0"*4,hashlib.md5).digest(); k2=hmac.new(k1,ck,hashlib.md5).digest()
eseq_r=rc4(k2,seq)
x1=hmac.new(xk,b"\0"*4,hashlib.md5).digest(); x2=hmac.new(x1,seq,hashlib.md5).digest()
ed_r=rc4(x2,conf+data)
print("RC4 eseq", eseq_r.hex(), "econf", ed_r[:8].hex(), "edata", ed_r[8:].hex())
# trust password: "NewPw1" in NL_TRUST_PASSWORD, 512 buffer with pw at end, random filler 0x5a
pw="NewPw1".encode('utf-16le'); buf=b"\x5a"*(512-len(pw))+pw+struct.pack("<I",len(pw))
print("tp aes", cfb8(sk,buf)[-24:].hex(), "first16", cfb8(sk,buf)[:16].hex())
print('tp aes full', cfb8(sk,buf).hex())
print('tp rc4 full', rc4(ssk,buf).hex())
# the return authenticator after that call: Cred(stored + ts + 1)
st=struct.pack("<I",(struct.unpack("<I",cred[:4])[0]+ts+1)&0xffffffff)+cred[4:]
print("return auth", cfb8(sk,st).hex())

# A sealed NetrLogonGetCapabilities request (3.3.4.2.1, AES): the clear stub,
# client sequence number 0, NL_AUTH_SHA2_SIGNATURE with a made-up checksum
# (the receiver does not need it to unseal), laid out as Windows and Samba
# send it: 8-byte checksum, the confounder at offset 24, 24 bytes after it.
def wstr(s):
    n=len(s)+1; b=struct.pack("<III",n,0,n)+(s+"\0").encode('utf-16le')
    return b+b"\0"*((-len(b))%4)
# ServerName is [in, string] LOGONSRV_HANDLE: a [ref] pointer, no referent id (3.5.4.4.11)
stub=wstr("\\\\DC1")+struct.pack("<I",0x20004)+wstr("WS01")
auth_cred=bytes.fromhex("78d13a78a4b71709")
stub+=auth_cred+struct.pack("<I",ts)+b"\0"*12+struct.pack("<I",1)
seq=bytes.fromhex("0000000080000000"); ck=bytes.fromhex("a1b2c3d4e5f60718")
conf=bytes.fromhex("c0c1c2c3c4c5c6c7")
enc=cfb8(bytes(b^0xf0 for b in sk), conf+stub, seq+seq)
sig=struct.pack("<HHHH",0x13,0x1a,0xffff,0)+cfb8(sk,seq,ck+ck)+ck+enc[:8]+b"\xee"*24
print("sealed stub", enc[8:].hex())
print("sealed sig", sig.hex())

# The same request sealed over two fragments (MS-RPCE 3.3.1.5.2: each PDU is
# sealed by its own verifier; MS-NRPC 3.3.4.2.1: one sequence number each,
# client sequence numbers 0 and 1): the first 40 stub bytes, then the rest.
xk=bytes(b^0xf0 for b in sk)
for i,(part,seq,ck,conf) in enumerate([(stub[:40],"0000000080000000","a1b2c3d4e5f60718","c0c1c2c3c4c5c6c7"),
                                        (stub[40:],"0000000180000000","b1b2c3d4e5f60718","d0d1d2d3d4d5d6d7")]):
    seq=bytes.fromhex(seq); ck=bytes.fromhex(ck); conf=bytes.fromhex(conf)
    enc=cfb8(xk, conf+part, seq+seq)
    sig=struct.pack("<HHHH",0x13,0x1a,0xffff,0)+cfb8(sk,seq,ck+ck)+ck+enc[:8]+b"\xee"*24
    print("frag%d stub" % (i+1), enc[8:].hex())
    print("frag%d sig" % (i+1), sig.hex())
# Fragment 2's signature with a server sequence number (1, no client bit):
# a request fragment no client sealed.
seq=bytes.fromhex("0000000100000000"); ck=bytes.fromhex("b1b2c3d4e5f60718")
print("frag2 server seq", cfb8(sk,seq,ck+ck).hex())
