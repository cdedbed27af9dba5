#!/usr/bin/env python3
"""Fill in / re-verify the expected results of tests/fixtures/smp/*.yaml with kustomize.

Each fixture is a YAML stream of four documents:
  1. meta: {description: ..., outcome: applied|deleted|error,
            legacy: true (use patchesStrategicMerge), openapi: {definitions: ...}}
  2. the target object (base.yaml)
  3. the strategic merge patch (patch.yaml)
  4. the expected object (written by this script; `null` when deleted or on error)

Usage: scripts/smp_fixtures.py [--check] [--kubectl kubectl.1.33] [FILES...]
Without --check, document 4 and meta.outcome are rewritten from kustomize's output.
Needs a kubectl whose `kubectl kustomize` is kustomize v5.6.0 (kubectl 1.33).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "tests", "fixtures", "smp")


def split_docs(text):
    parts = []
    cur = []
    for line in text.splitlines(keepends=True):
        if line.rstrip() == "---":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(line)
    parts.append("".join(cur))
    return parts


def run_case(kubectl, meta, base, patch):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "base.yaml"), "w") as f:
            f.write(base)
        with open(os.path.join(d, "patch.yaml"), "w") as f:
            f.write(patch)
        k = "resources: [base.yaml]\n"
        if meta.get("legacy"):
            k += "patchesStrategicMerge: [patch.yaml]\n"
        else:
            k += "patches: [{path: patch.yaml}]\n"
        if meta.get("openapi") is not None:
            with open(os.path.join(d, "schema.json"), "w") as f:
                json.dump(meta["openapi"], f)
            k += "openapi: {path: schema.json}\n"
        with open(os.path.join(d, "kustomization.yaml"), "w") as f:
            f.write(k)
        p = subprocess.run([kubectl, "kustomize", d], capture_output=True, text=True)
        if p.returncode != 0:
            return "error", None, p.stderr
        docs = [x for x in yaml.safe_load_all(p.stdout) if x is not None]
        if not docs:
            return "deleted", None, ""
        return "applied", p.stdout, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--kubectl", default="kubectl.1.33")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = a.files or sorted(glob.glob(os.path.join(FIX, "*.yaml")))
    bad = 0
    for path in files:
        with open(path) as f:
            text = f.read()
        docs = split_docs(text)
        if len(docs) < 3:
            print("%s: needs meta, base and patch documents" % path)
            bad += 1
            continue
        meta = yaml.safe_load(docs[0]) or {}
        outcome, out, err = run_case(a.kubectl, meta, docs[1], docs[2])
        expected = out if out is not None else "null\n"
        if a.check:
            cur = yaml.safe_load(docs[3]) if len(docs) > 3 else None
            want = yaml.safe_load(expected)
            if meta.get("outcome") != outcome or cur != want:
                print("MISMATCH %s: kustomize says %s %s" % (path, outcome, err.strip()))
                bad += 1
            continue
        meta["outcome"] = outcome
        head = docs[0]
        # keep the hand-written meta text, only (re)write the outcome line
        lines = [l for l in head.splitlines() if not l.startswith("outcome:")]
        lines.append("outcome: %s" % outcome)
        if outcome == "error":
            print("%s: kustomize error: %s" % (os.path.basename(path), err.strip()[:300]))
        new = "\n".join(lines) + "\n---\n" + docs[1] + "---\n" + docs[2] + "---\n" + expected
        with open(path, "w") as f:
            f.write(new)
    print("%d fixtures, %d mismatches" % (len(files), bad) if a.check else "%d fixtures written" % len(files))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
