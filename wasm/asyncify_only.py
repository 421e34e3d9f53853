#!/usr/bin/env python3
"""Lists the functions ASYNCIFY must instrument: those that can reach a suspending import.

Usage: asyncify_only.py PROBE.wasm REMOVE_LIST OUT_LIST IMPORT...
       asyncify_only.py --link COMMAND...   (runs the link, quieting binaryen's notes below)

PROBE.wasm is the module linked without ASYNCIFY and without optimization (wasm-ld's
functions and names, before wasm-opt inlines anything). The call graph is exact for direct
calls; an indirect call may reach any function of the table whose type matches its
signature. REMOVE_LIST (wasm/asyncify_remove.txt) names code that never suspends: it is
neither listed nor followed. OUT_LIST gets one name per entry, comma-separated, in the form
binaryen's asyncify-onlylist reads from a response file. Emscripten 3.1.6 runs wasm-opt
after its own -Os, so some listed names no longer exist by then (inlined): harmless, and
binaryen's warning for each of them is summed up in one line by --link.
(python3: emcc itself is a Python program, so it is always there beside em++.)
"""
import fnmatch
import re
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def skip_sleb(b, i):
    while b[i] & 0x80:
        i += 1
    return i + 1


def name_str(b, i):
    n, i = leb(b, i)
    return b[i:i + n].decode("utf-8", "replace"), i + n


MEMARG = set(range(0x28, 0x3F))
ONE_IDX = {0x0C, 0x0D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2}
BLOCKS = {0x02, 0x03, 0x04}


def scan_body(b, i, end, on_call, on_indirect):
    """Walks one function body's instructions (MVP + bulk memory + sign extension + SIMD)."""
    nlocals, i = leb(b, i)
    for _ in range(nlocals):
        _, i = leb(b, i)
        i += 1
    while i < end:
        op = b[i]
        i += 1
        if op in BLOCKS:
            i = i + 1 if b[i] == 0x40 or b[i] >= 0x6F else skip_sleb(b, i)
        elif op in (0x10, 0x12):
            f, i = leb(b, i)
            on_call(f)
        elif op in (0x11, 0x13):
            t, i = leb(b, i)
            _, i = leb(b, i)
            on_indirect(t)
        elif op == 0x0E:
            n, i = leb(b, i)
            for _ in range(n + 1):
                _, i = leb(b, i)
        elif op in ONE_IDX:
            _, i = leb(b, i)
        elif op in MEMARG:
            _, i = leb(b, i)
            _, i = leb(b, i)
        elif op in (0x3F, 0x40, 0xD0):
            i += 1
        elif op in (0x41, 0x42):
            i = skip_sleb(b, i)
        elif op == 0x43:
            i += 4
        elif op == 0x44:
            i += 8
        elif op == 0x1C:
            n, i = leb(b, i)
            i += n
        elif op == 0xFC:
            sub, i = leb(b, i)
            if sub in (8, 12, 14):
                _, i = leb(b, i)
                _, i = leb(b, i)
            elif sub in (9, 11, 13, 15, 16, 17):
                _, i = leb(b, i)
            elif sub == 10:
                i += 2
        elif op == 0xFD:  # SIMD (libsodium's SSE code as wasm SIMD, wasm/cmake/deps.cmake)
            sub, i = leb(b, i)
            if sub <= 0x0B or sub in (0x5C, 0x5D):  # loads and stores: memarg
                _, i = leb(b, i)
                _, i = leb(b, i)
            elif sub in (0x0C, 0x0D):  # v128.const, i8x16.shuffle: 16 bytes
                i += 16
            elif 0x15 <= sub <= 0x22:  # extract / replace lane: lane index
                i += 1
            elif 0x54 <= sub <= 0x5B:  # load / store lane: memarg, lane index
                _, i = leb(b, i)
                _, i = leb(b, i)
                i += 1
        elif op in (0x06, 0x07, 0x08, 0x09, 0x18, 0x19):
            raise SystemExit(f"asyncify_only.py: opcode 0x{op:02x} is not handled (exceptions)")


def read_module(path):
    b = open(path, "rb").read()
    assert b[:4] == b"\0asm", path
    types, func_types, imports, names, elems, bodies = [], [], [], {}, [], []
    i = 8
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 1:
            n, j = leb(b, i)
            for _ in range(n):
                assert b[j] == 0x60
                np, j = leb(b, j + 1)
                params = bytes(b[j:j + np])
                j += np
                nr, j = leb(b, j)
                types.append((params, bytes(b[j:j + nr])))
                j += nr
        elif sid == 2:
            n, j = leb(b, i)
            for _ in range(n):
                mod, j = name_str(b, j)
                field, j = name_str(b, j)
                kind = b[j]
                j += 1
                if kind == 0:
                    t, j = leb(b, j)
                    imports.append(field)
                    func_types.append(t)
                elif kind == 1:
                    flags, j = leb(b, j + 1)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 2:
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 3:
                    j += 2
        elif sid == 3:
            n, j = leb(b, i)
            for _ in range(n):
                t, j = leb(b, j)
                func_types.append(t)
        elif sid == 9:
            n, j = leb(b, i)
            for _ in range(n):
                flags, j = leb(b, j)
                if flags != 0:
                    raise SystemExit(f"asyncify_only.py: element segment kind {flags} is not handled")
                while b[j] != 0x0B:  # the offset expression
                    j += 1
                cnt, j = leb(b, j + 1)
                for _ in range(cnt):
                    f, j = leb(b, j)
                    elems.append(f)
        elif sid == 10:
            n, j = leb(b, i)
            for k in range(n):
                sz, j = leb(b, j)
                bodies.append((len(imports) + k, j, j + sz))
                j += sz
        elif sid == 0:
            nm, j = name_str(b, i)
            if nm == "name":
                while j < end:
                    sub = b[j]
                    ssz, j = leb(b, j + 1)
                    send = j + ssz
                    if sub == 1:
                        cnt, j = leb(b, j)
                        for _ in range(cnt):
                            idx, j = leb(b, j)
                            names[idx], j = name_str(b, j)
                    j = send
        i = end
    return b, types, func_types, imports, names, elems, bodies


def link(cmd):
    import subprocess
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    notes = ("warning: Asyncify onlylist contained a non-existing function name",
             "warning: Asyncify onlylist contained a non-matching pattern")
    lines = proc.stderr.splitlines()
    gone = sum(1 for line in lines if line.startswith(notes))
    for line in lines:
        if not line.startswith(notes):
            print(line, file=sys.stderr)
    if gone:
        print(f"asyncify: {gone} listed functions were inlined by -Os before ASYNCIFY ran")
    return proc.returncode


VARIANT_VISIT = "std::__2::__variant_detail::__visitation::"
VARIANT_DISPATCH = "std::__2::__variant_detail::__visitation::__base::__dispatcher<"


def main():
    if sys.argv[1:2] == ["--link"]:
        sys.exit(link(sys.argv[2:]))
    probe, remove_list, out_path, *targets = sys.argv[1:]
    b, types, func_types, imports, names, elems, bodies = read_module(probe)
    if not names:
        raise SystemExit(f"asyncify_only.py: {probe} has no name section (link it with --profiling-funcs)")
    callers = {}  # callee -> set of direct callers
    indirect_callers = {}  # signature -> functions that make an indirect call of it
    for f, start, end in bodies:
        scan_body(b, start, end,
                  lambda g, f=f: callers.setdefault(g, set()).add(f),
                  lambda t, f=f: indirect_callers.setdefault(types[t], set()).add(f))
    in_table = set(elems)
    patterns = [p.strip() for p in open(remove_list) if p.strip() and not p.startswith("#")]
    never = re.compile("|".join(fnmatch.translate(p) for p in patterns)) if patterns else None

    def excluded(f):
        return never is not None and never.match(names.get(f, "")) is not None

    wanted = set(targets)
    start = [k for k, field in enumerate(imports) if field in wanted]
    if len(start) != len(wanted):
        found = {imports[k] for k in start}
        raise SystemExit(f"asyncify_only.py: imports not in {probe}: {sorted(wanted - found)}")
    # std::variant's visitation (every Result<T> destructor, copy, move and std::visit) calls
    # indirectly only through its table of __dispatcher<...>::__dispatch functions, which call
    # the alternative's code directly: a visitation function's indirect call can reach a
    # dispatcher of its signature and nothing else. Without this, every Result<T> destructor
    # counted as a possible caller of each std::function and virtual function of its type.
    def visitation(f):
        return VARIANT_VISIT in names.get(f, "")

    def dispatcher(f):
        return VARIANT_DISPATCH in names.get(f, "")

    reach, work = set(start), list(start)
    while work:
        g = work.pop()
        nxt = set(callers.get(g, ()))
        if g in in_table:
            sig_callers = indirect_callers.get(types[func_types[g]], set())
            nxt |= sig_callers if dispatcher(g) else {f for f in sig_callers if not visitation(f)}
        for f in nxt:
            if f not in reach and not excluded(f):
                reach.add(f)
                work.append(f)
    listed = []
    for f in sorted(reach - set(start)):
        n = names[f]
        # binaryen splits the list at commas outside brackets, which "operator<" or "->"
        # unbalance. '*' is its wildcard: matching a little more only instruments a little more.
        n = re.sub(r"operator(->|<=>|<<=|>>=|<<|>>|<=|>=|<|>)", "operator*", n)
        listed.append(n)
    with open(out_path, "w") as out:
        out.write(",".join(listed))
    print(f"asyncify_only.py: {len(listed)} of {len(bodies)} functions can reach "
          f"{', '.join(sorted(wanted))}")


if __name__ == "__main__":
    main()
