#!/usr/bin/env python3
"""Regenerate src/patch/merge_keys.txt, the built-in merge-key schema graph.

kustomize v5.6.0 (kyaml v0.19.0) decides list merging from the Kubernetes
OpenAPI document it embeds: kyaml/openapi/kubernetesapi/v1_21_2/swagger.pb
(Kubernetes v1.21.2, protobuf-encoded gnostic openapi_v2.Document).  To match
its output exactly we derive our table from that same document.

Usage:
  scripts/gen_merge_keys.py [--kustomize-git DIR] [--k8s133 DIR] [--check]

  --kustomize-git  bare or normal git dir of kubernetes-sigs/kustomize
                   (default /work/.mirror/kubernetes-sigs+kustomize/repo);
                   the swagger.pb is read at tag kyaml/v0.19.0.
  --k8s133         directory of Kubernetes 1.33 JSON schemas, e.g. the
                   `kubernetes_validate/kubernetes-json-schema/v1.33.0-local`
                   folder of the PyPI package kubernetes-validate (1.37.0);
                   when given, src/patch/MERGE_KEYS_1_33_DIFF.md is rewritten
                   with the list-merge differences between 1.21.2 and 1.33.
  --check          do not write; exit 1 when the committed files differ.

Output format (one record per line, '#' starts a comment line):
  R <apiVersion> <kind> <node>          a resource root
  N <id> <flags> <strategy|-> <keys|-> <items|-> <additional|-> [<prop>=<node> ...]
flags: 'a' when the schema's type is exactly [array], '-' otherwise.
keys are comma separated (x-kubernetes-list-map-keys when present, else
x-kubernetes-patch-merge-key), as kyaml's PatchStrategyAndKeyList reads them.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import yaml

TAG = "kyaml/v0.19.0"
PB_PATH = "kyaml/openapi/kubernetesapi/v1_21_2/swagger.pb"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "patch", "merge_keys.txt")
DIFF_OUT = os.path.join(HERE, "..", "src", "patch", "MERGE_KEYS_1_33_DIFF.md")


# ---- minimal protobuf wire decoding -------------------------------------
def varint(b, i):
    shift = 0
    out = 0
    while True:
        c = b[i]
        i += 1
        out |= (c & 0x7F) << shift
        if c < 0x80:
            return out, i
        shift += 7


def fields(b):
    """Yield (field number, wire type, value) for one message."""
    i = 0
    n = len(b)
    while i < n:
        key, i = varint(b, i)
        fno, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 2:
            ln, i = varint(b, i)
            v = b[i:i + ln]
            i += ln
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield fno, wt, v


# gnostic openapi_v2 field numbers (OpenAPIv2.proto)
DOC_DEFINITIONS = 9
NAMED_NAME, NAMED_VALUE = 1, 2
S_REF, S_ADDPROPS, S_TYPE, S_ITEMS, S_PROPS, S_VENDOR = 1, 21, 22, 23, 25, 31
ANY_YAML = 2


def named_list(b):
    out = []
    for fno, _, v in fields(b):
        if fno == 1:
            name = None
            val = None
            for f2, _, v2 in fields(v):
                if f2 == NAMED_NAME:
                    name = v2.decode()
                elif f2 == NAMED_VALUE:
                    val = v2
            out.append((name, val))
    return out


def decode_schema(b):
    s = {"ref": "", "type": [], "items": None, "props": {}, "additional": None, "ext": {}}
    for fno, _, v in fields(b):
        if fno == S_REF:
            s["ref"] = v.decode()
        elif fno == S_TYPE:
            s["type"] = [v2.decode() for f2, _, v2 in fields(v) if f2 == 1]
        elif fno == S_ITEMS:
            items = [decode_schema(v2) for f2, _, v2 in fields(v) if f2 == 1]
            s["items"] = items[0] if items else None
        elif fno == S_PROPS:
            for name, val in named_list(v):
                s["props"][name] = decode_schema(val or b"")
        elif fno == S_ADDPROPS:
            for f2, _, v2 in fields(v):
                if f2 == 1:
                    s["additional"] = decode_schema(v2)
        elif fno == S_VENDOR:
            name = None
            val = None
            for f2, _, v2 in fields(v):
                if f2 == NAMED_NAME:
                    name = v2.decode()
                elif f2 == NAMED_VALUE:
                    for f3, _, v3 in fields(v2):
                        if f3 == ANY_YAML:
                            val = yaml.safe_load(v3.decode())
            s["ext"][name] = val
    return s


def load_121(git_dir):
    pb = subprocess.run(["git", "-C", git_dir, "show", TAG + ":" + PB_PATH],
                        check=True, capture_output=True).stdout
    defs = {}
    for fno, _, v in fields(pb):
        if fno == DOC_DEFINITIONS:
            for name, val in named_list(v):
                defs[name] = decode_schema(val or b"")
    return pb, defs


def load_133(folder):
    with open(os.path.join(folder, "_definitions.json")) as f:
        doc = json.load(f)
    raw = doc.get("$defs") or doc.get("definitions")

    def conv(s):
        t = s.get("type", [])
        if isinstance(t, str):
            t = [t]
        t = [x for x in t if x != "null"]
        ref = s.get("$ref", "")
        if ref:
            ref = "#/definitions/" + ref.rsplit("/", 1)[-1]
        ap = s.get("additionalProperties")
        return {
            "ref": ref,
            "type": t,
            "items": conv(s["items"]) if isinstance(s.get("items"), dict) else None,
            "props": {k: conv(v) for k, v in (s.get("properties") or {}).items()},
            "additional": conv(ap) if isinstance(ap, dict) else None,
            "ext": {k: v for k, v in s.items() if k.startswith("x-")},
        }
    return {k: conv(v) for k, v in raw.items()}


# ---- graph construction ------------------------------------------------------
def strategy_keys(s):
    ps = s["ext"].get("x-kubernetes-patch-strategy")
    if ps is None:
        return None, []
    mk = s["ext"].get("x-kubernetes-list-map-keys")
    if mk is not None:
        return ps, list(mk)
    k = s["ext"].get("x-kubernetes-patch-merge-key")
    return ps, ([k] if k is not None else [])


class Graph:
    def __init__(self, defs):
        self.defs = defs
        self.nodes = []      # id -> record tuple (filled later for defs)
        self.by_def = {}
        self.by_sig = {}

    def resolve(self, s):
        seen = set()
        while s["ref"]:
            name = s["ref"].rsplit("/", 1)[-1]
            if name in seen or name not in self.defs:
                return None, None
            seen.add(name)
            s = self.defs[name]
            if not s["ref"]:
                return s, name
        return s, None

    def node(self, s):
        s, defname = self.resolve(s)
        if s is None:
            return None
        if defname is not None:
            if defname in self.by_def:
                return self.by_def[defname]
            nid = len(self.nodes)
            self.nodes.append(None)
            self.by_def[defname] = nid
            self.nodes[nid] = self.record(s)
            return nid
        rec = self.record(s)
        if rec in self.by_sig:
            return self.by_sig[rec]
        nid = len(self.nodes)
        self.nodes.append(rec)
        self.by_sig[rec] = nid
        return nid

    def record(self, s):
        is_array = s["type"] == ["array"]
        ps, keys = strategy_keys(s)
        items = self.node(s["items"]) if s["items"] is not None else None
        add = self.node(s["additional"]) if s["additional"] is not None else None
        props = tuple(sorted((k, self.node(v)) for k, v in s["props"].items()))
        props = tuple((k, v) for k, v in props if v is not None)
        return (is_array, ps, tuple(keys), items, add, props)


def roots_of(defs):
    out = []
    for name, s in defs.items():
        for g in s["ext"].get("x-kubernetes-group-version-kind") or []:
            av = g["version"] if not g.get("group") else g["group"] + "/" + g["version"]
            out.append((av, g["kind"], name))
    out.sort()
    return out


def render(defs, pb_sha):
    g = Graph(defs)
    roots = [(av, k, g.node({"ref": "#/definitions/" + n, "type": [], "items": None,
                               "props": {}, "additional": None, "ext": {}}))
             for av, k, n in roots_of(defs)]
    # renumber nodes by reachability (they all are) and emit
    lines = [
        "# Generated by scripts/gen_merge_keys.py -- do not edit.",
        "# Source: kubernetes-sigs/kustomize %s %s" % (TAG, PB_PATH),
        "#   (Kubernetes OpenAPI v1.21.2, the schema kustomize v5.6.0 uses), sha256 %s" % pb_sha,
    ]
    for av, k, nid in roots:
        lines.append("R %s %s %d" % (av, k, nid))
    for nid, rec in enumerate(g.nodes):
        is_array, ps, keys, items, add, props = rec
        parts = ["N", str(nid), "a" if is_array else "-", ps if ps else "-",
                 ",".join(keys) if keys else "-",
                 "-" if items is None else str(items), "-" if add is None else str(add)]
        parts += ["%s=%d" % (k, v) for k, v in props]
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def list_strategies(defs):
    """(definition, field) -> (strategy, keys) for every property with a patch strategy."""
    out = {}
    for name, s in defs.items():
        for p, ps in s["props"].items():
            st, keys = strategy_keys(ps)
            if st is not None:
                short = name.replace("io.k8s.api.", "").replace("io.k8s.apimachinery.pkg.apis.", "")
                out[(short, p)] = (st, ",".join(keys))
    return out


def render_diff(d121, d133):
    a = list_strategies(d121)
    b = list_strategies(d133)
    r121 = {(av, k) for av, k, _ in roots_of(d121)}
    r133 = {(av, k) for av, k, _ in roots_of(d133)}
    lines = [
        "# Merge keys: Kubernetes 1.21.2 (used) vs 1.33 (not used)",
        "",
        "Generated by `scripts/gen_merge_keys.py --k8s133 DIR` -- do not edit.",
        "",
        "kustomize v5.6.0 applies strategic merge patches with the Kubernetes v1.21.2",
        "OpenAPI document embedded in kyaml v0.19.0, so `merge_keys.txt` is derived",
        "from that document. This file lists where Kubernetes 1.33 (kubernetes-validate",
        "1.37.0, `v1.33.0-local`) differs; kustomize's output follows the 1.21.2 column.",
        "A kind that only 1.33 knows has no schema in kustomize: its maps merge and its",
        "lists are replaced.",
        "",
        "## Patch strategies that differ (definition.field: 1.21.2 -> 1.33)",
        "",
    ]
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            fmt = lambda v: "none" if v is None else "%s [%s]" % v
            lines.append("- `%s.%s`: %s -> %s" % (key[0], key[1], fmt(a.get(key)), fmt(b.get(key))))
    lines += ["", "## Resource types only in 1.33 (no schema in kustomize v5.6.0)", ""]
    for av, k in sorted(r133 - r121):
        lines.append("- `%s %s`" % (av, k))
    lines += ["", "## Resource types only in 1.21.2", ""]
    for av, k in sorted(r121 - r133):
        lines.append("- `%s %s`" % (av, k))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kustomize-git", default="/work/.mirror/kubernetes-sigs+kustomize/repo")
    ap.add_argument("--k8s133")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    pb, d121 = load_121(a.kustomize_git)
    outs = [(OUT, render(d121, hashlib.sha256(pb).hexdigest()))]
    if a.k8s133:
        outs.append((DIFF_OUT, render_diff(d121, load_133(a.k8s133))))
    bad = False
    for path, text in outs:
        if a.check:
            try:
                with open(path) as f:
                    cur = f.read()
            except FileNotFoundError:
                cur = None
            if cur != text:
                print("out of date: %s" % path)
                bad = True
        else:
            with open(path, "w") as f:
                f.write(text)
            print("wrote %s (%d lines)" % (path, text.count("\n")))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
