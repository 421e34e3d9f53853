#!/usr/bin/env python3
"""utf8proc's data tables cut down to what the SDK uses, for the wasm build (size budget).

  utf8proc_reduce.py --write UTF8PROC_SRC_DIR OUT_DIR   write OUT_DIR/utf8proc.c + utf8proc_data.c, check them
  utf8proc_reduce.py --check UTF8PROC_SRC_DIR OUT_DIR   only check OUT_DIR/utf8proc_data.c (ctest wasm_utf8proc_tables)

The SDK (encoding.cc, tokenizer.cc, kdf.cc, search_segment.cc) calls utf8proc_iterate,
utf8proc_encode_char, utf8proc_category, utf8proc_decompose_custom, utf8proc_normalize_utf32 and
utf8proc_map, with STABLE, COMPAT, DECOMPOSE, COMPOSE, CASEFOLD and IGNORE. Those read a code
point's category, combining class, decomposition (type and sequence), case folding sequence,
composition index and exclusion, and ignorable flag. The bidi class and mirroring, the upper,
lower and title case mappings, the width, the control-boundary flag and the grapheme boundclass
are never read: they are cleared, after which many code points share one property record, the
property table and its stage-2 index shrink, and the sequences keep only decompositions and
foldings. Every code point is then checked against the full tables (the fields kept, the
sequences decoded to code points, the composition table); any difference fails the build.

The functions that would read a cleared field are removed from the copy of utf8proc.c (a new
caller gets a link error, not a wrong answer), and UTF8PROC_CHARBOUND (grapheme boundaries, the
only option that reads boundclass) is rejected with UTF8PROC_ERROR_INVALIDOPTS.
"""
import os
import re
import sys

FIELDS = ["category", "combining_class", "bidi_class", "decomp_type", "decomp_seqindex",
          "casefold_seqindex", "uppercase_seqindex", "lowercase_seqindex", "titlecase_seqindex",
          "comb_index", "bidi_mirrored", "comp_exclusion", "ignorable", "control_boundary",
          "charwidth", "pad", "boundclass"]
F = {name: i for i, name in enumerate(FIELDS)}
CLEARED = {"bidi_class": "0", "uppercase_seqindex": "UINT16_MAX", "lowercase_seqindex": "UINT16_MAX",
           "titlecase_seqindex": "UINT16_MAX", "bidi_mirrored": "false", "control_boundary": "false",
           "charwidth": "0", "boundclass": "UTF8PROC_BOUNDCLASS_START"}
KEPT = [f for f in FIELDS if f not in CLEARED and f not in ("decomp_seqindex", "casefold_seqindex", "pad")]
# Public functions of utf8proc.c that read a cleared field.
REMOVED_FUNCTIONS = ["utf8proc_get_property", "utf8proc_grapheme_break_stateful", "utf8proc_grapheme_break",
                     "utf8proc_tolower", "utf8proc_toupper", "utf8proc_totitle", "utf8proc_islower",
                     "utf8proc_isupper", "utf8proc_charwidth"]
ARRAYS = ["utf8proc_sequences", "utf8proc_stage1table", "utf8proc_stage2table", "utf8proc_properties",
          "utf8proc_combinations"]


def fail(msg):
    sys.exit("utf8proc_reduce.py: " + msg)


def parse_data(text):
    arrays = {}
    for name in ARRAYS:
        body_re = r"\{(.*?)\n\};" if name == "utf8proc_properties" else r"\{([^{}]*)\};"
        m = re.search(r"static const utf8proc_\w+ " + name + r"\[\] = " + body_re, text, re.S)
        if not m:
            fail("no array " + name + " in utf8proc_data.c")
        body = m.group(1)
        if name == "utf8proc_properties":
            recs = [[t.strip() for t in r.split(",")] for r in re.findall(r"\{([^{}]*)\}", body)]
            if any(len(r) != len(FIELDS) for r in recs):
                fail("a property record has not %d fields (another utf8proc version?)" % len(FIELDS))
            arrays[name] = recs
        else:
            arrays[name] = [65535 if t == "UINT16_MAX" else int(t) for t in re.findall(r"\w+", body)]
    return arrays


def seq_slice(seqs, seqindex):
    """The uint16 entries of one sequence (surrogate pairs kept as two entries)."""
    pos, n = seqindex & 0x3FFF, seqindex >> 14
    head = []
    if n >= 3:
        head, n = [seqs[pos]], seqs[pos]
        pos += 1
    out = []
    for _ in range(n + 1):
        out.append(seqs[pos])
        if (seqs[pos] & 0xF800) == 0xD800:
            pos += 1
            out.append(seqs[pos])
        pos += 1
    return head, out


def seq_codepoints(seqs, seqindex):
    if seqindex == 65535:
        return None
    _, units = seq_slice(seqs, seqindex)
    cps, i = [], 0
    while i < len(units):
        u = units[i]
        if (u & 0xF800) == 0xD800:
            cps.append((((u & 0x3FF) << 10) | (units[i + 1] & 0x3FF)) + 0x10000)
            i += 2
        else:
            cps.append(u)
            i += 1
    return cps


def prop_of(a, cp):
    return a["utf8proc_properties"][a["utf8proc_stage2table"][a["utf8proc_stage1table"][cp >> 8] + (cp & 0xFF)]]


def reduce(full):
    seqs = full["utf8proc_sequences"]
    new_seqs, seq_at = [], {}

    def remap(seqindex):
        if seqindex == 65535:
            return seqindex
        head, units = seq_slice(seqs, seqindex)
        key = tuple(head + units)
        if key not in seq_at:
            seq_at[key] = len(new_seqs)
            new_seqs.extend(key)
        pos = seq_at[key]
        if pos > 0x3FFF:
            fail("sequence index overflow")
        return pos | (seqindex & 0xC000)

    props, prop_at, stage1, stage2, block_at = [], {}, [], [], {}

    def reduced(rec):
        rec = list(rec)
        for name, value in CLEARED.items():
            rec[F[name]] = value
        for name in ("decomp_seqindex", "casefold_seqindex"):
            v = rec[F[name]]
            rec[F[name]] = str(remap(65535 if v == "UINT16_MAX" else int(v)))
        return tuple(rec)

    # Record 0 stays the record of "no such code point", as in the full table.
    props.append(reduced(full["utf8proc_properties"][0]))
    prop_at[props[0]] = 0
    for block in range(0x110000 >> 8):
        row = []
        for cp in range(block << 8, (block + 1) << 8):
            key = reduced(prop_of(full, cp))
            if key not in prop_at:
                prop_at[key] = len(props)
                props.append(key)
            row.append(prop_at[key])
        row = tuple(row)
        if row not in block_at:
            block_at[row] = len(stage2)
            stage2.extend(row)
        stage1.append(block_at[row])
    if len(props) > 65535 or len(stage2) > 65535:
        fail("table overflow")
    return {"utf8proc_sequences": new_seqs, "utf8proc_stage1table": stage1, "utf8proc_stage2table": stage2,
            "utf8proc_properties": [list(p) for p in props], "utf8proc_combinations": full["utf8proc_combinations"]}


def norm(token):
    return {"false": "0", "true": "1", "UINT16_MAX": "65535"}.get(token, token)


def check(full, red):
    """Every code point: the fields kept, the sequences decoded, and the composition table."""
    if red["utf8proc_combinations"] != full["utf8proc_combinations"]:
        fail("composition table differs")
    for cp in range(0x110000):
        a, b = prop_of(full, cp), prop_of(red, cp)
        for name in KEPT:
            if norm(a[F[name]]) != norm(b[F[name]]):
                fail("U+%04X: %s %s != %s" % (cp, name, a[F[name]], b[F[name]]))
        for name in ("decomp_seqindex", "casefold_seqindex"):
            sa, sb = (seq_codepoints(t["utf8proc_sequences"], int(norm(p[F[name]])))
                      for t, p in ((full, a), (red, b)))
            if sa != sb:
                fail("U+%04X: %s %s != %s" % (cp, name, sa, sb))
    return True


def emit_array(ctype, name, values):
    lines = ["static const %s %s[] = {" % (ctype, name)]
    for i in range(0, len(values), 16):
        lines.append("  " + ", ".join(str(v) for v in values[i:i + 16]) + ",")
    return "\n".join(lines) + "\n};\n\n"


def patched_source(src):
    for fn in REMOVED_FUNCTIONS:
        m = re.search(r"\nUTF8PROC_DLLEXPORT [^\n]*\b" + fn + r"\(", src)
        if not m:
            fail("no function " + fn + " in utf8proc.c")
        end = src.index("\n}\n", m.start()) + 3
        src = src[:m.start()] + "\n/* " + fn + ": removed (utf8proc_reduce.py) */\n" + src[end:]
    # utf8proc_category read through utf8proc_get_property, removed above: the same lookup inline.
    category_call = "(utf8proc_category_t) utf8proc_get_property(c)->category"
    if category_call not in src:
        fail("utf8proc_category is not as expected in utf8proc.c")
    src = src.replace(category_call, "(utf8proc_category_t) (c < 0 || c >= 0x110000 ? utf8proc_properties"
                      " : unsafe_get_property(c))->category")
    guard = "  if (options & UTF8PROC_CHARBOUND) return UTF8PROC_ERROR_INVALIDOPTS; /* utf8proc_reduce.py */\n"
    m = re.search(r"UTF8PROC_DLLEXPORT utf8proc_ssize_t utf8proc_decompose_custom\([^{]*\{\n", src)
    if not m:
        fail("no utf8proc_decompose_custom in utf8proc.c")
    return src[:m.end()] + guard + src[m.end():]


def load(path):
    with open(os.path.join(path, "utf8proc_data.c")) as f:
        return parse_data(f.read())


def report(full, red):
    print("utf8proc tables: %d -> %d properties, stage-2 %d -> %d, sequences %d -> %d; every code point checked"
          % (len(full["utf8proc_properties"]), len(red["utf8proc_properties"]), len(full["utf8proc_stage2table"]),
             len(red["utf8proc_stage2table"]), len(full["utf8proc_sequences"]), len(red["utf8proc_sequences"])))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("--check", "--write"):
        sys.exit(__doc__)
    full = load(argv[2])
    if argv[1] == "--check":
        red = load(argv[3])
        check(full, red)
        report(full, red)
        return
    red = reduce(full)
    out = argv[3]
    os.makedirs(out, exist_ok=True)
    data = "/* Generated by wasm/utf8proc_reduce.py from utf8proc_data.c: fields the SDK never reads cleared. */\n\n"
    data += emit_array("utf8proc_uint16_t", "utf8proc_sequences", red["utf8proc_sequences"])
    data += emit_array("utf8proc_uint16_t", "utf8proc_stage1table", red["utf8proc_stage1table"])
    data += emit_array("utf8proc_uint16_t", "utf8proc_stage2table", red["utf8proc_stage2table"])
    data += "static const utf8proc_property_t utf8proc_properties[] = {\n"
    data += "".join("  {" + ", ".join(p) + "},\n" for p in red["utf8proc_properties"]) + "};\n\n"
    data += emit_array("utf8proc_uint16_t", "utf8proc_combinations", red["utf8proc_combinations"])
    with open(os.path.join(argv[2], "utf8proc.c")) as f:
        src = patched_source(f.read())
    for name, text in (("utf8proc_data.c", data), ("utf8proc.c", src)):
        path = os.path.join(out, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w") as f:
                f.write(text)
    # The check reads back the file the compiler gets, not the tables in memory.
    red = load(out)
    check(full, red)
    report(full, red)


if __name__ == "__main__":
    main(sys.argv)
