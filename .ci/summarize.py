#!/usr/bin/env python3
"""Sums the results of every suite into one closing line: "N passed, N failed".

Inputs: meson testlog.json files (each TAP test counts its subtests; a TAP test whose
process failed although every subtest passed counts one more failure; other tests count
one each), pytest JUnit XML files, and node:test TAP output files."""
import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET


def show_failure(t, out, keep=25):
    """Prints what a failed test left: its exit status, its failing subtests and the end of its
    output (stderr is merged into it: a sanitizer report or an abort message lands there), so
    the closing lines of a CI log say why without the whole log."""
    print(f"    result {t.get('result')}, exit status {t.get('returncode')}, {t.get('duration', 0):.1f} s")
    lines = out.splitlines()
    for line in lines:
        if line.startswith("not ok "):
            print(f"    | {line[:300]}")
    for line in lines[-keep:]:
        print(f"    | {line[:300]}")


def meson_counts(path, label):
    passed = failed = 0
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        print(f"{label}: no test log at {path} (the suite did not run)")
        return 0, 1
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        res = t.get("result")
        if res == "SKIP":
            failed += 1  # a skipped test proves nothing: count it against us
            print(f"{label}: {t['name']}: SKIPPED (counted as failed)")
            continue
        ok_proc = res in ("OK", "EXPECTEDFAIL")
        out = t.get("stdout") or ""
        if t.get("protocol") == "tap" or re.search(r"^(1\.\.\d+|(not )?ok \d+)", out, re.M):
            p = len(re.findall(r"^ok \d+", out, re.M))
            f = len(re.findall(r"^not ok \d+", out, re.M))
            if not ok_proc and f == 0:
                f = 1
            if p + f == 0:
                f = 1
            passed += p
            failed += f
            if f:
                print(f"{label}: {t['name']}: {f} failing")
                show_failure(t, out)
        else:
            if ok_proc:
                passed += 1
            else:
                failed += 1
                print(f"{label}: {t['name']}: {res}")
                show_failure(t, out)
    return passed, failed


def junit_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        print(f"junit: no result file at {path}")
        return 0, 1
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = fail = skip = 0
    for s in suites:
        total += int(s.get("tests", 0))
        fail += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skip += int(s.get("skipped", s.get("skip", 0)))  # PHP's run-tests.php writes "skip"
    return total - fail - skip, fail + skip


def node_tap_counts(path):
    try:
        out = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        print(f"node: no output at {path}")
        return 0, 1
    p = re.search(r"^# pass (\d+)", out, re.M)
    f = re.search(r"^# fail (\d+)", out, re.M)
    if not p:
        return 0, 1
    return int(p.group(1)), int(f.group(1)) if f else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meson", action="append", default=[], metavar="LABEL=testlog.json")
    ap.add_argument("--junit", action="append", default=[], metavar="[LABEL=]junit.xml")
    ap.add_argument("--node-tap", action="append", default=[], metavar="[LABEL=]node.tap")
    ap.add_argument("--extra-failed", type=int, default=0, help="steps that failed before tests could run")
    a = ap.parse_args()
    passed = failed = 0
    for m in a.meson:
        label, path = m.split("=", 1)
        p, f = meson_counts(path, label)
        print(f"{label}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
    for j in a.junit:
        label, _, path = j.rpartition("=") if "=" in j and not j.startswith("/") else ("pytest", "", j)
        p, f = junit_counts(path)
        print(f"{label}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
    for n in a.node_tap:
        label, _, path = n.rpartition("=") if "=" in n and not n.startswith("/") else ("node", "", n)
        p, f = node_tap_counts(path)
        print(f"{label}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
    failed += a.extra_failed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
