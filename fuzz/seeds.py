#!/usr/bin/env python3
"""Writes seed inputs into fuzz/corpus/{interface,lift,json_args}/ (gitignored).

The targets take `arbitrary` tuples, and `arbitrary` 1.x encodes a `Vec<u8>` that is not the
last field as `1, byte` pairs ended by a `0`, so the fuzzer alone rarely builds a whole valid
metadata document and the record resolution, lifting and JSON conversion stay unreached. These
seeds are valid documents (records of every kind of field, an extern block, a function) in
that encoding, with a small guest memory for `lift` and JSON arguments for `json_args`.

Usage: cd fuzz && python3 seeds.py
"""

import json
import os
import struct


def vec(data):
    """`Vec<u8>` as `arbitrary` reads it when more fields follow."""
    out = bytearray()
    for byte in data:
        out += bytes([1, byte])
    out.append(0)
    return bytes(out)


def by_value(name):
    return {name: "ByValue"}


def doc(value):
    return json.dumps(value, separators=(",", ":"))


def record(name, fields, form="Named"):
    return doc({"ast_type": "Record", "name": name,
                "fields": {form: [{"name": n, "ty": t} for n, t in fields]}})


INNER = record("Inner", [("x", by_value("U8")), ("s", by_value("Utf8String"))])
OUTER = record("Outer", [
    ("a", by_value("I32")), ("f", by_value("F64")), ("b", by_value("Boolean")),
    ("s", by_value("Utf8String")), ("bytes", {"Vector": [by_value("U8"), "ByValue"]}),
    ("inner", {"Record": ["Inner", "ByValue"]}),
    ("many", {"Vector": [{"Record": ["Inner", "ByValue"]}, "ByValue"]}),
    ("nested", {"Vector": [{"Vector": [by_value("U64"), "ByValue"]}, "ByValue"]}),
])
SMALL = record("S", [("a", by_value("U16")), ("b", by_value("I64")), ("c", by_value("F32"))])
UNNAMED = record("T", [(None, by_value("U32")), (None, by_value("Utf8Str"))], "Unnamed")
EXTERN = doc({"ast_type": "ExternMod", "namespace": "ns", "imports": [{
    "link_name": None, "signature": {
        "name": "f", "arguments": [{"name": "r", "ty": {"Record": ["Inner", "ByValue"]}}],
        "output_types": [{"Record": ["Inner", "ByValue"]}]}}]})
FUNCTION = doc({"ast_type": "Function", "signature": {
    "name": "g", "arguments": [{"name": "s", "ty": by_value("Utf8String")}],
    "output_types": [by_value("Utf8String")]}})

METADATA = [(INNER + OUTER).encode(), SMALL.encode(), UNNAMED.encode(), INNER.encode()]
# Bytes 0..64, a string at 64, then (ptr, len) pairs pointing back into the memory.
MEMORY = bytes(range(64)) + b"hello" + bytes(11) + struct.pack("<IIII", 8, 4, 64, 5) * 4
ARGS = [
    '[{"x":1,"s":"a"}]',
    '{"a":{"a":1,"f":1.5,"b":true,"s":"x","bytes":[1,2],"inner":{"x":2,"s":"y"},'
    '"many":[{"x":3,"s":"z"}],"nested":[[1,2],[]]}}',
    '["s"]', '[1.5]', '[[1,2,3]]', '[{"a":1,"b":-2,"c":0.5}]', '[[7,"q"]]', '{"a":"str"}',
    '[null]',
]


def write(target, seeds):
    path = os.path.join("corpus", target)
    os.makedirs(path, exist_ok=True)
    for i, data in enumerate(seeds):
        with open(os.path.join(path, f"seed{i}"), "wb") as f:
            f.write(data)


def interface_input(sections):
    """`Vec<(bool, Vec<u8>)>` as the last field: `1, versioned, vec(data)` per section."""
    out = bytearray()
    for versioned, data in sections:
        out += bytes([1, int(versioned)]) + vec(data)
    return bytes(out + b"\x00")


write("interface", [interface_input(c) for c in [[(False, m)] for m in METADATA] + [
    [(False, INNER.encode()), (False, OUTER.encode()), (False, EXTERN.encode())],
    [(True, b"0.14.0"), (False, (INNER + EXTERN).encode())],
    [(False, FUNCTION.encode())],
    [(True, b"0.6.0"), (False, SMALL.encode())],
]])
write("lift", [vec(m) + vec(MEMORY) + struct.pack("<II", ptr, size)
               for m in METADATA for ptr, size in [(0, 1), (64, 2), (80, 3)]])
write("json_args", [vec(m) + a.encode() for m in METADATA for a in ARGS])
