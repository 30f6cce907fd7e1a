/* nl-crypto.h — the NETLOGON secure channel's arithmetic (MS-NRPC 3.1.4.3
 * session key, 3.1.4.4 credentials, 3.1.4.5 authenticators, 3.5.4.4.5 the
 * encrypted NL_TRUST_PASSWORD, 3.3.4.2 NL_AUTH_SIGNATURE sequence numbers and
 * sealing), on nettle.  Pure functions of their inputs: no state, no I/O, no
 * logging, so a key given here is never written anywhere by this module. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* MS-NRPC 3.1.4.2 negotiate flags that choose the algorithms. */
#define TW_NL_NEG_STRONG_KEYS 0x00004000u
#define TW_NL_NEG_SUPPORTS_AES 0x01000000u

typedef enum {
    TW_NL_ALG_DES,    /* neither flag: 64-bit DES session key (3.1.4.3.3) */
    TW_NL_ALG_STRONG, /* STRONG_KEYS: MD5 / HMAC-MD5 (3.1.4.3.2), DES credentials */
    TW_NL_ALG_AES,    /* SUPPORTS_AES: HMAC-SHA256 (3.1.4.3.1), AES-128-CFB8 */
} TwNlAlg;

/* AES wins over strong keys, strong keys over DES (3.1.4.3: "If AES support
 * is negotiated ... otherwise if strong-key support ..."). */
TwNlAlg tw_nl_alg_for_flags(guint32 negotiate_flags);
/* "AES" | "strong-key" | "DES" (transfer none) */
const char *tw_nl_alg_name(TwNlAlg alg);

/* NTOWFv1 (MS-NLMP 3.3.1): MD4 of the UTF-16LE password; the NETLOGON
 * SharedSecret.  false when password is not valid UTF-8. */
bool tw_nl_nt_hash(const char *password_utf8, guint8 out[16]);
/* The NT hash of a password already in UTF-16LE (MS-NLMP 3.3.1 NTOWFv1:
 * MD4 of its bytes as they are), as NL_TRUST_PASSWORD carries it
 * (MS-NRPC 2.2.1.3.7): a machine password need not be valid UTF-16. */
void tw_nl_nt_hash_utf16le(const guint8 *bytes, gsize n, guint8 out[16]);

/* MS-NRPC 3.1.4.3: the 128-bit session key (DES: 64 bits, upper half zero). */
void tw_nl_session_key(TwNlAlg alg, const guint8 shared_secret[16], const guint8 client_challenge[8],
                       const guint8 server_challenge[8], guint8 session_key[16]);

/* MS-NRPC 3.1.4.4: ComputeNetlogonCredential(input, Sk). */
void tw_nl_credential(TwNlAlg alg, const guint8 session_key[16], const guint8 input[8],
                      guint8 output[8]);

/* MS-NRPC 3.1.4.5: the Credential of an authenticator with this Timestamp,
 * from the stored credential (the first is the client credential):
 * Cred(stored + timestamp) where the addition is on the low 32 bits (LE). */
void tw_nl_authenticator(TwNlAlg alg, const guint8 session_key[16], const guint8 stored[8],
                         guint32 timestamp, guint8 output[8]);
/* The stored credential after one authenticated call: stored + timestamp + 1
 * (the server's return authenticator is Cred of that value). */
void tw_nl_stored_after_call(guint8 stored[8], guint32 timestamp);

/* MS-NRPC 3.5.4.4.5 NetrServerPasswordSet2: ClearNewPassword (516 bytes,
 * NL_TRUST_PASSWORD) decrypted in place: AES-128-CFB8 with a zero IV under
 * AES, RC4 with the session key otherwise. */
void tw_nl_trust_password_decrypt(TwNlAlg alg, const guint8 session_key[16], guint8 buf[516]);
/* MS-NRPC 2.2.1.3.7 NL_TRUST_PASSWORD {Buffer[512]; Length}: the password
 * is the last Length bytes of Buffer.  false when Length is over 512 or odd
 * (the decryption used the wrong key, or the buffer lies). */
bool tw_nl_trust_password_length(const guint8 buf[516], guint32 *length_bytes);

/* ---- NL_AUTH_SIGNATURE (MS-NRPC 3.3.4.2) ----------------------------- */

/* The fields of a signature the receiver needs.  checksum is the first 8
 * bytes of Checksum (both forms); confounder absent when not sealed. */
typedef struct {
    guint16 sign_alg, seal_alg;
    guint8 seq[8];        /* SequenceNumber as on the wire (encrypted) */
    guint8 checksum[8];
    guint8 confounder[8]; /* encrypted */
    bool have_confounder;
} TwNlSig;

#define TW_NL_SIGN_HMAC_MD5 0x0077u
#define TW_NL_SIGN_HMAC_SHA256 0x0013u
#define TW_NL_SEAL_NONE 0xffffu
#define TW_NL_SEAL_RC4 0x007au
#define TW_NL_SEAL_AES128 0x001au

/* Parses NL_AUTH_SIGNATURE (32 bytes sealed, 24 not) or NL_AUTH_SHA2_SIGNATURE
 * (56 / 48).  false when too short for its algorithm. */
bool tw_nl_sig_parse(const guint8 *p, gsize len, TwNlSig *sig);

/* 3.3.4.2.2 steps 5-6: the clear SequenceNumber (AES-128-CFB8, IV =
 * Checksum‖Checksum; RC4 keyed from HMAC-MD5 of the Checksum). */
void tw_nl_sig_sequence(const TwNlSig *sig, const guint8 session_key[16], guint8 seq_out[8]);
/* The 64-bit counter and whether the client sent it (the high bit of byte 4
 * is set on the client's side, 3.3.4.2.1 step 3). */
guint64 tw_nl_seq_value(const guint8 seq[8], bool *from_client);

/* 3.3.4.2.2 step 7: decrypts the Confounder then the sealed stub in place
 * (one keystream: AES-128-CFB8 with IV = seq‖seq, or RC4 keyed from the
 * clear sequence number), with the session key XORed with 0xF0. */
void tw_nl_unseal(const TwNlSig *sig, const guint8 session_key[16], const guint8 clear_seq[8],
                  guint8 confounder_out[8], guint8 *data, gsize len);
