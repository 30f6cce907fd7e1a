/* keys/: the key store — long-term keys the user hands in (-K keytab,
 * --password, --nthash) and the lookups the decrypting dissectors make.
 *
 * Key material never leaves this room as text: no function here formats a
 * key, and the only accessor of the bytes (tw_key_material) exists for the
 * cryptography (libkrb5 here, nettle in dissectors/netlogon).  What may be
 * shown about a key is its description: principal, enctype, kvno, label,
 * origin (file name or option).
 *
 * Several generations of one account are normal input (the keytab exported
 * before a rotation and the one after, or `--nthash previous=WS01$:…`).  Each
 * key keeps its kvno (0 when unknown) and the label it was given.
 *
 * Password keys are derived lazily: the salt of an AD account is not the
 * default one (machine accounts salt with "REALMhostname.realm"), so the
 * decrypting dissector asks for keys once it has read PA-ETYPE-INFO2 and
 * passes that salt; without one the default salt of RFC 4120 section 4
 * (realm followed by the name components) is used.  Derived keys are cached
 * per (enctype, salt). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TwKeyStore TwKeyStore;
typedef struct TwKey TwKey;

typedef enum {
    TW_KEY_KEYTAB,   /* -K FILE: one keytab entry */
    TW_KEY_PASSWORD, /* --password: derived with krb5_c_string_to_key */
    TW_KEY_NTHASH,   /* --nthash: the RC4-HMAC key (RFC 4757) = NT hash */
} TwKeyOrigin;

/* RFC 3961 / 4757 enctype numbers used by name in this room. */
#define TW_ENCTYPE_RC4_HMAC 23

TwKeyStore *tw_keystore_new(void);
void tw_keystore_free(TwKeyStore *ks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwKeyStore, tw_keystore_free)

/* -K [LABEL=]FILE: every entry of a MIT/Heimdal keytab (all principals,
 * enctypes and kvnos), read through libkrb5's keytab API.  LABEL (letters,
 * digits, '-', '_') tags every key of the file ("previous", "current"); a
 * file literally named "x=y" still wins over the label reading.  A file
 * readable by group or others draws a warning on `warn` (may be NULL).
 * Returns the number of keys added, -1 with `err` set. */
int tw_keystore_add_keytab(TwKeyStore *ks, const char *spec, FILE *warn, GError **err);

/* --password [LABEL=]PRINCIPAL:PASSWORD.  PRINCIPAL is NAME or NAME@REALM
 * (the first ':' after the principal ends it). */
bool tw_keystore_add_password(TwKeyStore *ks, const char *spec, GError **err);

/* --nthash [LABEL=]ACCOUNT:HEX (32 hex digits); ACCOUNT may carry @REALM. */
bool tw_keystore_add_nthash(TwKeyStore *ks, const char *spec, GError **err);

/* Number of keys (keytab entries + nthashes + passwords, not derivations). */
guint tw_keystore_size(const TwKeyStore *ks);

/* Candidate long-term keys of `name` (a principal's name part: "WS01$",
 * "host/ws01.samba.lab"; compared case-insensitively) in `realm` (NULL or ""
 * = any realm) for `enctype` (0 = any; passwords are then derived for
 * nothing but what the store already cached).  Password keys are derived now
 * with `salt` (NULL: the default salt).  Appends borrowed TwKey pointers to
 * `out`, valid as long as the store; keytab and nthash keys first, in the
 * order given, then passwords.  Returns how many were appended. */
guint tw_keystore_candidates(TwKeyStore *ks, const char *name, const char *realm, gint32 enctype,
                             const guint8 *salt, gsize salt_len, GPtrArray *out);

/* Every key of any account with `enctype` (Wireshark's way for tickets whose
 * server name the store does not know: try all). */
guint tw_keystore_by_enctype(TwKeyStore *ks, gint32 enctype, GPtrArray *out);

/* The NT hash (= RC4-HMAC key) of `account` ("WS01$", case-insensitive, an
 * @REALM suffix ignored) for every generation the store holds: --nthash,
 * keytab entries of enctype 23, and passwords (MD4 of UTF-16LE via
 * krb5_c_string_to_key, which ignores the salt for RC4).  For NETLOGON
 * secrets.  Appends borrowed TwKey pointers (each 16 bytes). */
guint tw_keystore_nthashes(TwKeyStore *ks, const char *account, GPtrArray *out);

/* The salt a KDC announced for NAME@REALM (PA-ETYPE-INFO2 / PA-PW-SALT of a
 * KRB-ERROR or AS-REP): later password derivations for that principal use
 * it when the caller passes no salt.  Salts are not secret.  False when
 * TW_KEYS_MAX_SALTS is reached (the caller counts it). */
bool tw_keystore_learn_salt(TwKeyStore *ks, const char *name, const char *realm, const char *salt);

/* RFC 3961 section 3 decrypt-and-verify through krb5_c_decrypt with key usage
 * `usage` (RFC 4120 section 7.5.1: 1 PA-ENC-TIMESTAMP, 2 ticket, 3 AS-REP
 * enc-part, 7/11 authenticator, 8/9 TGS-REP enc-part).  Returns the plain
 * text (transfer full), or NULL when the integrity check fails (another key)
 * or the cipher text is not a valid length for the enctype. */
GBytes *tw_key_decrypt(TwKeyStore *ks, const TwKey *k, gint32 usage, const guint8 *cipher, gsize len);

/* RFC 6113 5.1 KRB-FX-CF2(k1, k2, pepper1, pepper2) through
 * krb5_c_fx_cf2_simple: the FAST armor key (subkey, TGT session key,
 * "subkeyarmor", "ticketarmor") and the strengthened reply key
 * (strengthen-key, reply key, "strengthenkey", "replykey").  The result has
 * k1's enctype.  Returns: (transfer full) (nullable): free with tw_key_free(). */
TwKey *tw_key_cf2(TwKeyStore *ks, const TwKey *k1, const char *pepper1, const TwKey *k2, const char *pepper2);

/* A session key learned from a decrypted reply (RFC 4120 5.4.2 EncKDCRepPart
 * key, 5.3 EncTicketPart key): owned by the caller, freed with tw_key_free(). */
TwKey *tw_key_new_session(gint32 enctype, const guint8 *bytes, gsize len);
void tw_key_free(TwKey *k);

/* What a key is, never what it holds. */
const char *tw_key_principal(const TwKey *k); /* "WS01$@SAMBA.LAB" or "WS01$" */
gint32 tw_key_enctype(const TwKey *k);
guint32 tw_key_kvno(const TwKey *k);          /* 0 = unknown (password, nthash) */
const char *tw_key_label(const TwKey *k);     /* "previous", "current", or NULL */
TwKeyOrigin tw_key_origin(const TwKey *k);
const char *tw_key_source(const TwKey *k);    /* the file name, "--password", "--nthash" */
/* One short human description: "WS01$@SAMBA.LAB kvno 3 aes256-cts (previous, ws01-old.keytab)". */
char *tw_key_describe(const TwKey *k);

/* The key bytes, for cryptography only (never format them). */
const guint8 *tw_key_material(const TwKey *k, gsize *len);
