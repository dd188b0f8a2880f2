#!/usr/bin/env python3
"""Every public function of include/erplink/*.h carries the contract the README promises.

For each ERPLINK_EXTERN declaration, its Doxygen comment must
  - say whether the function is thread-safe (the words "thread-safe" or "not thread-safe", or
    "Thread safety" / "calling thread" / "this thread" for the per-thread API),
  - for a function returning int that can fail, name its errors (an ERPLINK_E* code or
    "as for ..." / "as ..." pointing at another function's contract),
and the declaration must follow the conventions: `userdata` is the last parameter of any
function or callback type that takes one, and an out parameter (`**out`, `*out`) never comes
after an input.

TAP output, one test per header. Usage: check_docs.py INCLUDE_DIR
"""
import glob
import os
import re
import sys

DOC_DECL = re.compile(r'/\*\*((?:(?!\*/).)*?)\*/\s*(ERPLINK_EXTERN\s+[^;]+;|typedef\s+[^;]*\(\s*\*\s*\w+\s*\)\s*\([^;]*\)\s*;)', re.S)
THREAD = re.compile(r'thread-safe|thread safety|calling thread|this thread|one thread|async-signal-safe', re.I)


def params_of(decl):
    m = re.search(r'\((.*)\)\s*;\s*$', decl, re.S)
    if not m:
        return []
    inner = m.group(1).strip()
    if decl.lstrip().startswith('typedef'):
        # typedef R (*name)(params);
        m2 = re.search(r'\)\s*\((.*)\)\s*;\s*$', decl, re.S)
        inner = m2.group(1).strip() if m2 else inner
    if inner in ('', 'void'):
        return []
    depth, cur, out = 0, '', []
    for ch in inner:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += ch
    out.append(cur.strip())
    return out


def name_of(p):
    m = re.search(r'(\w+)\s*(\[[^\]]*\])?\s*$', p)
    return m.group(1) if m else ''


def check(decl, doc):
    problems = []
    flat = ' '.join(decl.split())
    is_typedef = flat.startswith('typedef')
    if not is_typedef and not THREAD.search(doc):
        problems.append('does not say whether it is thread-safe')
    ps = params_of(flat)
    names = [name_of(p) for p in ps]
    if 'userdata' in names and names[-1] != 'userdata':
        problems.append('userdata is not the last parameter')
    if not is_typedef:
        ret = re.match(r'ERPLINK_EXTERN\s+(.*?)\b\w+\s*\(', flat)
        if ret and ret.group(1).strip() == 'int' and re.search(r'@return\s+0\b', doc) and \
                not re.search(r'ERPLINK_E[A-Z_]+|as for |as \w+\(\)|as described|errors of', doc):
            problems.append('returns an error code but names none')
        seen_input = False
        for p, n in zip(ps, names):
            is_out = (bool(re.search(r'\*\*\s*\w+$', p)) and not p.startswith('const char *const')) or \
                n == 'out' or n.startswith('out_')
            if is_out and seen_input and not n.startswith('out'):
                continue  # a pointer-to-pointer input such as a request array
            if is_out and seen_input:
                problems.append('out parameter %s after an input' % n)
            if not is_out:
                seen_input = True
    return problems


def main():
    inc = sys.argv[1] if len(sys.argv) > 1 else 'include'
    headers = sorted(glob.glob(os.path.join(inc, 'erplink', '*.h')))
    failed = 0
    for i, h in enumerate(headers, 1):
        text = open(h, encoding='utf-8').read()
        bad = []
        for m in DOC_DECL.finditer(text):
            doc, decl = m.group(1), m.group(2)
            if decl.startswith('typedef'):
                fname = re.search(r'\(\s*\*\s*(\w+)\s*\)', decl)
            else:
                fname = re.search(r'(\w+)\s*\(', decl)
            for p in check(decl, doc):
                bad.append('%s: %s' % (fname.group(1) if fname else decl[:40], p))
        name = 'erplink/' + os.path.basename(h)
        if bad:
            failed += 1
            print('not ok %d - %s: %d declarations break the documented conventions' % (i, name, len(bad)))
            for b in bad:
                print('#   ' + b)
        else:
            print('ok %d - %s: every function states thread safety and errors; userdata last, out first' % (i, name))
    print('1..%d' % len(headers))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
