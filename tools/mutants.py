#!/usr/bin/env python3
"""mutants.py — a mutation round: plant one realistic bug at a time in a
scratch copy of the tree, build, run the test suite, and count which bugs a
test catches ("killed") and which survive.

Each mutant is (name, file, original text, mutated text).  The original text
must occur exactly once in the file; a mutant whose text is not found is
reported as "stale" (the code moved on: update the list).

Usage: tools/mutants.py [--suite SUITE...] [--test TEST...] [--keep] [NAME...]
  runs in a scratch git worktree under /tmp (never touches this checkout),
  with a normal (non-sanitizer) build; prints one line per mutant and
  "N killed, N survived, N stale, N invalid" at the end
  (invalid: the mutant does not compile, so it measures no test).  Exit 0 always (it measures).
Not a test: it takes minutes (one build and suite run per mutant).
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# (name, file, original, mutated) — the realistic kind of bug: a flipped
# bound, an off-by-one, a swapped cause, a wrong sign, a lost check.
MUTANTS = [
    # core/
    ("cursor-truncated-malformed-swapped", "core/cursor.h",
     "n > c->reported - c->off ? TW_MALFORMED : TW_TRUNCATED",
     "n > c->reported - c->off ? TW_TRUNCATED : TW_MALFORMED"),
    ("cursor-bound-off-by-one", "core/cursor.h",
     "    if (n > c->len - c->off) {\n        tw_cursor_fail(",
     "    if (n >= c->len - c->off) {\n        tw_cursor_fail("),
    ("json-depth-check-lost", "core/event-json.c",
     "if (tw_json_depth(line, n, TW_JSON_MAX_DEPTH) > TW_JSON_MAX_DEPTH) {",
     "if (tw_json_depth(line, n, TW_JSON_MAX_DEPTH) > TW_JSON_MAX_DEPTH * 100000u) {"),
    # cli/
    ("from-events-merge-reversed", "cli/from-events.c",
     "return x->head->ts_us < y->head->ts_us;",
     "return x->head->ts_us > y->head->ts_us;"),
    ("from-events-ties-reversed", "cli/from-events.c",
     "return x->index < y->index;",
     "return x->index > y->index;"),
    ("write-error-not-exit-2", "cli/stages.c",
     "g_strerror(e));\n            status = 2;",
     "g_strerror(e));\n            status = 0;"),
    # output/
    ("out-short-write-ignored", "output/out.c",
     "if (fwrite(buf, 1, len, o->f) != len)\n        o->err = errno ? errno : EIO;",
     "if (fwrite(buf, 1, len, o->f) != len)\n        (void)0;"),
    # capture/
    ("pcap-nanoseconds-as-micro", "capture/savefile.c",
     "(sf->nanosec ? frac / 1000 : frac)",
     "(sf->nanosec ? frac : frac)"),
    ("tcp-ooo-budget-16x", "capture/tcp-reasm.c",
     "while (b->held > b->budget && b->holders.head) {",
     "while (b->held > b->budget * 16 && b->holders.head) {"),
    ("flow-state-budget-never", "capture/flow.c",
     "while (t->state_total > t->state_budget && (victim = oldest_flow(t)) != NULL) {",
     "while (t->state_total > t->state_budget * 64 && (victim = oldest_flow(t)) != NULL) {"),
    ("defrag-overrun-check-off-by-one", "capture/ip-defrag.c",
     "if (off > TW_DEFRAG_MAX_BYTES || len > TW_DEFRAG_MAX_BYTES - off) {",
     "if (off > TW_DEFRAG_MAX_BYTES || len > TW_DEFRAG_MAX_BYTES - off + 1) {"),
    ("vlan-cap-off-by-one", "capture/link.c",
     "if (out->vlan_tags >= TW_LINK_MAX_VLAN_TAGS)",
     "if (out->vlan_tags > TW_LINK_MAX_VLAN_TAGS)"),
    # dissectors/framer
    ("framer-over-cap-unchecked", "dissectors/framer.c",
     "        if (keep > fr->spec->max_record) {\n            over_cap(fr, ctx, r.n);\n            goto skip;\n        }\n        if (avail >= keep) {",
     "        if (keep > fr->spec->max_record * 4096) {\n            over_cap(fr, ctx, r.n);\n            goto skip;\n        }\n        if (avail >= keep) {"),
    ("framer-budget-ignored", "dissectors/framer.c",
     "    while (n > budget - total_held || total_held > budget) {",
     "    while (0 && (n > budget - total_held || total_held > budget)) {"),
    # dissectors/ (Kerberos)
    ("krb5-tgs-rep-answers-as-req", "dissectors/krb5/krb5-transport.c",
     "case TW_KRB5_TGS_REP: return req == TW_KRB5_TGS_REQ;",
     "case TW_KRB5_TGS_REP: return req == TW_KRB5_TGS_REQ || req == TW_KRB5_AS_REQ;"),
    ("krb5-ap-options-bits-swapped", "dissectors/krb5/krb5.c",
     "bool use_session_key = (opts & BIT(1)) != 0, mutual_required = (opts & BIT(2)) != 0;",
     "bool use_session_key = (opts & BIT(2)) != 0, mutual_required = (opts & BIT(1)) != 0;"),
    ("krb5-tcp-reserved-bit-ignored", "dissectors/krb5/krb5-transport.c",
     "    if (mark & 0x80000000u)",
     "    if (0 && (mark & 0x80000000u))"),
    # dissectors/ (DCE/RPC registry, UTF-16)
    ("iface-version-inverted", "dissectors/dcerpc/iface.c",
     "        if (e->vmajor == vmajor)\n            return e;",
     "        if (e->vmajor != vmajor)\n            return e;"),
    ("utf16-surrogate-base", "core/utf16.c",
     "gunichar cp = 0x10000 + (((gunichar)u - 0xD800) << 10) + (lo - 0xDC00);",
     "gunichar cp = 0x1000 + (((gunichar)u - 0xD800) << 10) + (lo - 0xDC00);"),
    ("utf16-embedded-nul-unflagged", "core/utf16.c",
     "                    met |= TW_UTF16_EMBEDDED_NUL;\n",
     "                    (void)0;\n"),
    # analysis/
    ("weak-challenge-3-bytes", "analysis/engine.c",
     "for (int i = 2; i < 10; i += 2)\n        if (g_ascii_strncasecmp(hex, hex + i, 2) != 0)",
     "for (int i = 2; i < 6; i += 2)\n        if (g_ascii_strncasecmp(hex, hex + i, 2) != 0)"),
    ("zerologon-pwset-not-broken", "analysis/rules.c",
     "exploited || pw_accepted ? TW_STATE_BROKEN : TW_STATE_AT_RISK",
     "exploited ? TW_STATE_BROKEN : TW_STATE_AT_RISK"),
    ("netlogon-denied-not-a-key-failure", "analysis/engine.c",
     "} else if (st == TW_STATUS_ACCESS_DENIED) {",
     "} else if (st == TW_STATUS_ACCESS_DENIED + 1) {"),
    ("preauth-failed-as-server-key", "analysis/engine.c",
     "bool ap_exchange = !from_kdc || req_type == TW_KRB5_AP_REQ;",
     "bool ap_exchange = !from_kdc || req_type == TW_KRB5_AP_REQ || from_kdc;"),
    ("skew-limit-sign", "analysis/rules.c",
     "bool clock_ok = has_own && ABS(own) < TW_AN_SKEW_LIMIT_S;",
     "bool clock_ok = has_own && own < TW_AN_SKEW_LIMIT_S;"),
    ("clock-skew-direction-swapped", "analysis/rules.c",
     "ABS(rel), rel >= 0 ? \"ahead of\" : \"behind\",",
     "ABS(rel), rel < 0 ? \"ahead of\" : \"behind\","),
    ("disabled-reason-swapped", "analysis/rules.c",
     "if (e->ntstatus == TW_STATUS_ACCOUNT_DISABLED)\n            what = \"disabled\";",
     "if (e->ntstatus == TW_STATUS_ACCOUNT_DISABLED)\n            what = \"locked out\";"),
    ("spray-threshold-off-by-one", "analysis/rules.c",
     "if (s->users->len >= TW_AN_SPRAY_MIN_USERS)",
     "if (s->users->len > TW_AN_SPRAY_MIN_USERS)"),
    ("rules-priority-swapped", "analysis/rules.c",
     "\"RFC 4120 7.5.9 (24, 31); MS-KILE 3.3.5.7.1; MS-NRPC 3.5.4.4.2\", 5, rule_stale_password },",
     "\"RFC 4120 7.5.9 (24, 31); MS-KILE 3.3.5.7.1; MS-NRPC 3.5.4.4.2\", 9, rule_stale_password },"),
    # Kerberos with keys (dissectors/krb5/krb5-keys.c, krb5.c "with keys", analysis/keyproof.c)
    ("krbkeys-generations-oldest-first", "dissectors/krb5/krb5-keys.c",
     "if (!a || !b || a >= b)\n                break;",
     "if (!a || !b || a <= b)\n                break;"),
    ("krbkeys-pa-usage-3", "dissectors/krb5/krb5.c",
     "(gint32)e->etype, e->kvno, false, 1, e->cipher, e->cipher_len, &o);",
     "(gint32)e->etype, e->kvno, false, 3, e->cipher, e->cipher_len, &o);"),
    ("krbkeys-ticket-app-tag", "dissectors/krb5/krb5.c",
     "walk_plain(k, &enc_ticket_part_type, o.plain, 3, 0, td + 1, &dr);",
     "walk_plain(k, &enc_ticket_part_type, o.plain, 4, 0, td + 1, &dr);"),
    ("krbkeys-subkey-usage-8", "dissectors/krb5/krb5.c",
     "tw_krb5_learn_from(k->ctx, sub, NULL, 0, ev->src, 9, \"TGS-REQ authenticator subkey\");",
     "tw_krb5_learn_from(k->ctx, sub, NULL, 0, ev->src, 8, \"TGS-REQ authenticator subkey\");"),
    ("krbkeys-ap-req-usage-7", "dissectors/krb5/krb5.c",
     "sub = open_authenticator(k, &k->dec.enc, 11, sk, &session);",
     "sub = open_authenticator(k, &k->dec.enc, 7, sk, &session);"),
    ("krbkeys-fast-peppers-swapped", "dissectors/krb5/krb5-keys.c",
     "tw_key_cf2(ctx->keys, strengthen, \"strengthenkey\", l->key, \"replykey\")",
     "tw_key_cf2(ctx->keys, strengthen, \"replykey\", l->key, \"strengthenkey\")"),
    ("krbkeys-session-cap-off-by-one", "dissectors/krb5/krb5-keys.c",
     "while (g_queue_get_length(&S.q) >= TW_KRB5_MAX_SESSION_KEYS)",
     "while (g_queue_get_length(&S.q) > TW_KRB5_MAX_SESSION_KEYS)"),
    ("krbkeys-pac-group-count-rid", "dissectors/krb5/krb5.c",
     "guint32 group_count = tw_cursor_le32(&nd), group_ptr = tw_cursor_le32(&nd);",
     "guint32 group_ptr = tw_cursor_le32(&nd), group_count = tw_cursor_le32(&nd);"),
    ("krbkeys-untried-said-none", "dissectors/krb5/krb5.c",
     "    if (!o.tried) {\n        TREE(k, 2, \"result\", \"the key store holds no key of this client for this encryption type\", \"%s\", \"not tried\");\n        return;\n    }\n    tw_event_set_bool(k->ev, \"pa_enc_timestamp_decrypted\"",
     "    if (o.tried > 99) {\n        TREE(k, 2, \"result\", \"the key store holds no key of this client for this encryption type\", \"%s\", \"not tried\");\n        return;\n    }\n    tw_event_set_bool(k->ev, \"pa_enc_timestamp_decrypted\""),
    ("krbkeys-key-shown-always", "dissectors/krb5/krb5-keys.c",
     "    if (!show)\n        return g_strdup(\"(hidden: --show-keys prints it)\");",
     "    if (0 && !show)\n        return g_strdup(\"(hidden: --show-keys prints it)\");"),
    ("krbkeys-kpasswd-direction", "dissectors/krb5/krb5.c",
     "bool request = open_for_client(k, k->ev->src, usages, 1, NULL, &o);",
     "bool request = !open_for_client(k, k->ev->src, usages, 1, NULL, &o);"),
    ("krbkeys-salt-never-learned", "dissectors/krb5/krb5.c",
     "if ((t == TW_KRB5_ERROR || t == TW_KRB5_AS_REP) && cname && salt)",
     "if (0 && (t == TW_KRB5_ERROR || t == TW_KRB5_AS_REP) && cname && salt)"),
    ("keyproof-clock-sign", "analysis/keyproof.c",
     "*off = ((double)(p->clock_us - p->ts_us) - (double)(stime - err->ts_us)) / 1e6;",
     "*off = ((double)(p->clock_us - p->ts_us) + (double)(stime - err->ts_us)) / 1e6;"),
    ("keyproof-any-error-is-preauth", "analysis/keyproof.c",
     "if (p->pa != PROOF_NONE && code == TW_KRB5_ERR_PREAUTH_FAILED) {",
     "if (p->pa != PROOF_NONE && code != TW_KRB5_ERR_PREAUTH_FAILED) {"),
    ("keyproof-earlier-refusal-wins", "analysis/keyproof.c",
     "const TwEvidence *none = last_of(&m->facts[TW_F_KRB_PA_NONE]);\n    if (used && none && none->ts_us >= used->ts_us)",
     "const TwEvidence *none = last_of(&m->facts[TW_F_KRB_PA_NONE]);\n    if (used && none && none->ts_us <= used->ts_us)"),
    ("keyproof-badkeyver-code", "analysis/keyproof.c",
     "if (b->has_krb_error && b->krb_error == 44 && e->has_krb_error",
     "if (b->has_krb_error && b->krb_error == 41 && e->has_krb_error"),
    ("engine-skew-not-exact", "analysis/engine.c",
     "if (r && tw_keyproof_skew(r->proof, ev, &exact, &xd)) {",
     "if (0 && r && tw_keyproof_skew(r->proof, ev, &exact, &xd)) {"),
    ("engine-samr-caller-not-kerberos", "analysis/engine.c",
     "if (t == TW_KRB5_AP_REQ && !kpasswd && logon) {",
     "if (t == TW_KRB5_AP_REQ && kpasswd && logon) {"),
    # capture/workers.c: which thread dissects a shard (rebalance)
    ("workers-rebalance-gap-flipped", "capture/workers.c",
     "if (gap > per_shard) {",
     "if (gap < per_shard) {"),
    ("workers-rebalance-most-idle-swapped", "capture/workers.c",
     "if (w->load[t].idle_us > w->load[most].idle_us)",
     "if (w->load[t].idle_us < w->load[most].idle_us)"),
    ("workers-rebalance-tasks-uncounted", "capture/workers.c",
     "w->load[sh->owner].tasks++;",
     "(void)0;"),
]


def sh(cmd, cwd, timeout=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def main():
    args = sys.argv[1:]
    suites = []
    tests = []
    keep = False
    names = set()
    while args:
        a = args.pop(0)
        if a == "--suite":
            suites.append(args.pop(0))
        elif a == "--test":
            tests.append(args.pop(0))
        elif a == "--keep":
            keep = True
        else:
            names.add(a)
    todo = [m for m in MUTANTS if not names or m[0] in names]
    scratch = tempfile.mkdtemp(prefix="tw-mutants-")
    wt = os.path.join(scratch, "tree")
    sh(["git", "worktree", "add", "--detach", wt, "HEAD"], REPO)
    # Uncommitted changes of this checkout are part of what is measured.
    diff = sh(["git", "diff", "HEAD"], REPO).stdout
    if diff:
        subprocess.run(["git", "apply"], input=diff, cwd=wt, text=True, check=True)
    shared = os.path.join(os.path.dirname(REPO), "shared")
    if os.path.isdir(shared) and not os.path.exists(os.path.join(scratch, "shared")):
        os.symlink(shared, os.path.join(scratch, "shared"))
    build = os.path.join(wt, "build")
    r = sh(["meson", "setup", build], wt)
    if r.returncode:
        print(r.stdout + r.stderr)
        return 0
    base = sh(["ninja", "-C", build], wt)
    if base.returncode:
        print("the unmutated tree does not build:\n" + base.stdout[-3000:])
        return 0
    test_cmd = ["meson", "test", "-C", build, "--no-rebuild", "--print-errorlogs"]
    for s in suites:
        test_cmd += ["--suite", s]
    test_cmd += tests
    r = sh(test_cmd, wt)
    if r.returncode:
        print("the unmutated tree fails its tests: fix that first\n" + r.stdout[-3000:])
        return 0
    killed = survived = stale = invalid = 0
    for name, path, orig, mut in todo:
        f = os.path.join(wt, path)
        text = open(f, encoding="utf-8").read()
        if text.count(orig) != 1:
            print(f"STALE    {name}: text found {text.count(orig)} times in {path}")
            stale += 1
            continue
        open(f, "w", encoding="utf-8").write(text.replace(orig, mut))
        try:
            b = sh(["ninja", "-C", build], wt)
            if b.returncode:
                # Not a bug a test could catch: the compiler did.
                err = [l for l in b.stdout.splitlines() if "error" in l][:1]
                print(f"INVALID  {name}: does not compile: " + "; ".join(err))
                invalid += 1
                continue
            try:
                r = sh(test_cmd, wt, timeout=1800)
                failed = r.returncode != 0
                why = [l for l in r.stdout.splitlines() if " FAIL " in l or "TIMEOUT" in l][:3]
            except subprocess.TimeoutExpired:
                failed, why = True, ["suite timed out"]
            if failed:
                print(f"KILLED   {name}: " + "; ".join(w.strip() for w in why))
                killed += 1
            else:
                print(f"SURVIVED {name}")
                survived += 1
        finally:
            open(f, "w", encoding="utf-8").write(text)
        sys.stdout.flush()
    total = killed + survived
    rate = f" ({100 * killed // total}% kill rate)" if total else ""
    print(f"{killed} killed, {survived} survived, {stale} stale, {invalid} invalid{rate}")
    if not keep:
        sh(["git", "worktree", "remove", "--force", wt], REPO)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
