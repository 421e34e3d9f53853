#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/seeds/NAME, tests/server/fuzz/http_seeds)
from the project's own vectors (tests/vectors), fixture pages (tests/fixtures) and the server
handler's seeds (tests/server/fuzz/seeds). Run it again after a format change; the outputs are
checked in (small: every seed is under 8 KiB)."""
import json, pathlib, shutil

root = pathlib.Path(__file__).resolve().parents[2]
vectors = [json.loads(p.read_text()) for p in sorted((root / "tests/vectors").glob("*.json"))]
out = root / "tests/fuzz/seeds"


def write(target, name, data):
    d = (root / "tests/server/fuzz/http_seeds") if target == "server_http" else out / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data[:8192])


for target in ["envelope", "revision", "wrapped_key", "keystring", "agent", "search_segment", "search_manifest",
               "page", "markdown", "tokenizer", "api_json"]:
    shutil.rmtree(out / target, ignore_errors=True)
shutil.rmtree(root / "tests/server/fuzz/http_seeds", ignore_errors=True)

for v in vectors:
    kind, name = v["kind"], v["name"]
    h = bytes.fromhex
    if kind == "envelope":
        env = h(v["envelope"])
        write("envelope", name, bytes([len(env) // 3 % 251]) + env)  # first byte: where streaming splits
    elif kind == "revision":
        write("revision", name, h(v["record"]))
    elif kind == "workspace_record":
        write("revision", name, h(v["record"]))
    elif kind == "wrapped_key":
        write("wrapped_key", name, h(v["wrapped"]))
    elif kind == "keystring":
        write("keystring", name, v.get("string", ""))
    elif kind == "account":
        write("page", name, h(v["record"]))
        write("page", name + "-kdf", h(v["record"])[21:62])
    elif kind == "page":
        write("page", name, h(v["bytes"]))
    elif kind == "search_segment":
        write("search_segment", name, h(v["bytes"]))
    elif kind == "search_manifest":
        write("search_manifest", name, h(v["bytes"]))
    elif kind == "agent_certificate":
        write("agent", name, h(v["certificate"]))
        if "agent" in v:
            write("keystring", name + "-agent", v["agent"])
    elif kind == "agent_revocation":
        write("agent", name, h(v["revocation"]))
    elif kind == "agent_grant":
        write("keystring", name, v["grant"])
        if "certificate" in v:
            write("agent", name + "-certificate", h(v["certificate"]))
        if "agent_secret" in v:
            write("keystring", name + "-secret", v["agent_secret"])

pages = sorted((root / "tests/fixtures/pages").rglob("*.*"))
for p in pages:
    rel = p.relative_to(root / "tests/fixtures/pages").as_posix()
    text = p.read_bytes()
    write("markdown", rel.replace("/", "_"), rel.encode() + b"\0" + text)
    write("tokenizer", rel.replace("/", "_"), text)
write("markdown", "hostile-yaml", "---\ntitle: &a [*a]\ntags: !!binary x\nk: {a: [b, {c: d}]}\n---\n# T\n[[x|y]] [l](../../up.md#a) [r]: ./r.md\n")
write("tokenizer", "code", "```cpp\nstd::vector<int> parse_http_request(v);\n```\n`x.y_z` CamelCaseWord ÉCOLE école ｆｕｌｌ 日本語テキスト\n")

# The client's side of the API: one status byte (index into the target's list: 0 is 200) and a body.
seg = "AAAA"
api = {
    "account": '{"account_id":"50515253545556575859ebebebebebeb","login_public_key":"%s","record":"%s"}' % (seg, seg),
    "changes": '{"changes":[{"seq":1,"kind":"page","collection_id":"202122232425262728292a2b2c2d2e2f","page_id":'
               '"303132333435363738393a3b3c3d3e3f","revision":"' + "40" * 32 + '"},{"seq":2,"kind":"member","account_id":'
               '"505152535455565758595a5b5c5d5e5f"},{"seq":3,"kind":"key","account_id":"505152535455565758595a5b5c5d5e5f",'
               '"generation":2,"collection_id":"202122232425262728292a2b2c2d2e2f"},{"seq":4,"kind":"grant","grant_id":'
               '"404142434445464748494a4b4c4d4e4f"}],"next":4,"more":false}',
    "keys": '{"keys":[{"account_id":"505152535455565758595a5b5c5d5e5f","generation":1,"wrapped":"WktXSwE="}]}',
    "head": '{"page_id":"303132333435363738393a3b3c3d3e3f","revision":"' + "40" * 32 + '","record":"WktXUgE=","seq":7}',
    "revisions": '{"revisions":[{"revision":"' + "40" * 32 + '","seq":1}],"next":null}',
    "collections": '{"collections":[{"collection_id":"202122232425262728292a2b2c2d2e2f","record":"Yw=="}],"next":null}',
    "members": '{"members":[{"account_id":"505152535455565758595a5b5c5d5e5f","role":"write"}],"next":null}',
    "challenge": '{"challenge":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","token":"zks_00"}',
    "error": '{"error":{"code":"precondition_failed","message":"x"},"current":{"revision":"' + "40" * 32 + '"}}',
    "deep": "[" * 600 + "]" * 600,
}
for i, (name, body) in enumerate(api.items()):
    write("api_json", name, bytes([8 if name == "error" else 0]) + body.encode())
write("api_json", "batch", bytes([0]) + b"\x00\x00\x00\x01" + b"\x40" * 32 + b"\x00\x00\x00\x03abc")

# The server's HTTP layer: the handler's seeds as real HTTP/1.1 requests, and HTTP edge cases.
for p in sorted((root / "tests/server/fuzz/seeds").iterdir()):
    text = p.read_bytes()
    head, _, body = text.partition(b"\n\n")
    lines = head.split(b"\n")
    req = lines[0] + b" HTTP/1.1\r\nHost: zkwiki\r\n" + b"".join(l + b"\r\n" for l in lines[1:] if l)
    req += b"Content-Length: %d\r\n\r\n" % len(body) + body
    write("server_http", p.name, req)
write("server_http", "pipelined", b"GET /v1/health HTTP/1.1\r\nHost: a\r\n\r\nHEAD /v1/blobs/" + b"ab" * 32 +
      b" HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.0\r\n\r\n")
write("server_http", "chunked", b"POST /v1/blobs/batch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      b"5\r\n{\"ids\r\n6;ext=1\r\n\":[]}\n\r\n0\r\nTrailer: x\r\n\r\n")
write("server_http", "expect", b"PUT /v1/workspaces/00000000000000000000000000000002/blobs/" + b"00" * 32 +
      b" HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nblob")
write("server_http", "too-large", b"POST /v1/accounts HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n{")
write("server_http", "close", b"GET /v1/health HTTP/1.1\r\nConnection: close\r\n\r\nGET /v1/health HTTP/1.1\r\n\r\n")
print("seeds written")
