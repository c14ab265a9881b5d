#!/usr/bin/env python3
"""Writes the figures of BENCHMARKS.md from the results of one benchmark run.

    python3 tests/benches/render_benchmarks.py --run           # cargo bench -p marine-e2e, then render
    python3 tests/benches/render_benchmarks.py --run --quick   # the same with criterion's --quick
    python3 tests/benches/render_benchmarks.py                 # render the results already there
    python3 tests/benches/render_benchmarks.py --check         # fail if BENCHMARKS.md is not what
                                                               # the results there render to

Sources, all under the cargo target dir (`$CARGO_TARGET_DIR` or `target/`):
- `criterion/<group>/<bench>/new/benchmark.json` (the bench's id and throughput) and
  `new/estimates.json` (criterion's median, in ns) for every criterion figure;
- `criterion/memory/rss.json`, written by `cargo bench --bench memory`;
- `criterion/extensions/interleaved.json`, written by the `extensions` group: figure 8's
  extension-vs-record ratios measured at the same moments (without it, the medians' ratio);
- `criterion/render-run.json`, written by `--run`: when, where and how the suite ran.

Every figure of BENCHMARKS.md sits between markers that this script owns: a table between
`<!-- generated:NAME -->` and `<!-- /generated:NAME -->`, a number in the prose between
`<!-- v:NAME -->` and `<!-- /v -->`. Text outside the markers holds no measured figure, so the
text cannot drift from the numbers: rerun the script after each measurement.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "BENCHMARKS.md"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CRITERION = TARGET / "criterion"
RUN_INFO = CRITERION / "render-run.json"
MEMORY = CRITERION / "memory" / "rss.json"
INTERLEAVED = CRITERION / "extensions" / "interleaved.json"

PAYLOADS = [16, 1024, 64 * 1024, 1024 * 1024]
PAYLOAD_LABELS = {16: "16 B", 1024: "1 KiB", 64 * 1024: "64 KiB", 1024 * 1024: "1 MiB"}
RECORD_CASES = [
    ("TestRecord1", "one `TestRecord1` (i32, string, bytes, nested record)"),
    ("1000 x TestRecord1", "`Vec` of 1,000 `TestRecord1`"),
    ("10000 strings", "`Vec<String>` of 10,000 short strings"),
]


class Results:
    """Criterion's median of every bench of one run, by full id (`group/function[/value]`)."""

    def __init__(self, root):
        self.median_ns = {}
        self.throughput = {}
        for bench in root.glob("**/new/benchmark.json"):
            meta = json.loads(bench.read_text())
            estimates = json.loads((bench.parent / "estimates.json").read_text())
            full_id = meta["full_id"]
            self.median_ns[full_id] = estimates["median"]["point_estimate"]
            self.throughput[full_id] = meta.get("throughput")

    def ns(self, full_id):
        if full_id not in self.median_ns:
            sys.exit(f"no criterion result for `{full_id}` under {CRITERION}: run with --run")
        return self.median_ns[full_id]

    def rounds(self, full_id, size):
        """Cross-module calls per measured host call (the bench's throughput is size x rounds)."""
        throughput = self.throughput.get(full_id) or {}
        total = throughput.get("Bytes")
        if total is None:
            sys.exit(f"`{full_id}` has no byte throughput to read its rounds from")
        return total // size


def fmt_time(ns):
    """Three significant digits in ns, µs or ms."""
    for unit, scale in (("ns", 1.0), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)):
        value = ns / scale
        if value < 1000 or unit == "s":
            if value >= 100:
                return f"{value:.0f} {unit}"
            if value >= 10:
                return f"{value:.1f} {unit}"
            return f"{value:.2f} {unit}"


def fmt_ratio(x):
    if x >= 100:
        return f"{x:,.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    return f"{x:.2f}x"


def fmt_kib(kib):
    if kib >= 1024:
        return f"{kib / 1024:.1f} MiB"
    return f"{kib} KiB"


def met(ok):
    return "met" if ok else "**missed**"


def table(header, align, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(results, memory, run):
    """The generated blocks and inline values, by name."""
    blocks, values = {}, {}

    # Provenance of the figures.
    blocks["run"] = (
        f"Measured on {run['date']} on {run['machine']}, all figures from one run of "
        f"`{run['command']}` (rendered by `tests/benches/render_benchmarks.py`). "
        f"{run['note']}"
    )

    # 1. Host -> module call.
    g = "greeting/"
    raw = results.ns(g + "raw typed call greeting(ptr, len)")
    protocol = results.ns(g + "raw protocol (allocate..release_objects)")
    ivalues = results.ns(g + "Marine::call_with_ivalues")
    json_call = results.ns(g + "MarineService::call_with_json")
    r_iv = ivalues / raw
    blocks["greeting"] = table(
        ["what", "time", "vs raw typed call"],
        ["---", "---:", "---:"],
        [
            ["**baseline**: raw wasmtime typed call of an export taking two `i32` and returning "
             "nothing: `greeting`'s own wasm export, `TypedFunc<(i32, i32), ()>`, on a buffer "
             "prepared outside the timing (the guest still formats its answer)",
             fmt_time(raw), "1x"],
            ["raw wasmtime, the whole protocol by hand (`allocate`, copy, call, `get_result_*`, "
             "read, `release_objects`)", fmt_time(protocol), fmt_ratio(protocol / raw)],
            ["`Marine::call_with_ivalues`", fmt_time(ivalues),
             f"**{fmt_ratio(r_iv)}** (target ≤ 8x: {met(r_iv <= 8)})"],
            ["`MarineService::call_with_json` (JSON in, JSON out)", fmt_time(json_call),
             fmt_ratio(json_call / raw)],
        ],
    )
    values["greeting_ivalues_ratio"] = fmt_ratio(r_iv)
    values["greeting_protocol_ratio"] = fmt_ratio(protocol / raw)
    values["greeting_json_extra"] = fmt_time(max(json_call - ivalues, 0))

    # 2. Module -> module call.
    rows, rounds_text, from_host = [], [], []
    for size in PAYLOADS:
        relay_id = f"cross_module/relay_rounds/{size}"
        rounds = results.rounds(relay_id, size)
        relay = results.ns(relay_id) / rounds
        copy = results.ns(f"cross_module/copy_rounds/{size}") / rounds
        memcpy = results.ns(f"cross_module/host memcpy x2/{size}") / rounds
        call_only = relay - copy
        whole = memcpy / relay
        # The guest copy and the call are separate benches: when the copy alone measured
        # longer than the whole round (allocator and page-fault effects differ between the
        # two loops), "call minus copy" is not a time, and the row says so instead.
        if call_only > 0:
            call_only_text = fmt_time(call_only)
            throughput = f"{whole:.2f} / {memcpy / call_only:.2f}"
        else:
            call_only_text = "n/a (copy alone measured longer)"
            throughput = f"{whole:.2f} / n/a"
        if size == PAYLOADS[-1]:
            throughput = f"**{throughput}** (target ≥ 0.5: {met(whole >= 0.5)})"
        rows.append([PAYLOAD_LABELS[size], fmt_time(relay), fmt_time(copy),
                     call_only_text, fmt_time(memcpy), throughput])
        rounds_text.append(f"{rounds} for {PAYLOAD_LABELS[size]}")
        from_host.append(f"{fmt_time(results.ns(f'cross_module_from_host/relay/{size}'))} at "
                         f"{PAYLOAD_LABELS[size]}")
        if size == PAYLOADS[0]:
            values["cross_module_fixed_cost"] = fmt_time(call_only)
    blocks["cross_module"] = (
        table(["payload", "per call", "guest copy alone", "call minus guest copy",
               "host memcpy x2", "throughput vs memcpy x2 (whole round / call only)"],
              ["---:"] * 6, rows)
        + f"\n\n(rounds per host call: {', '.join(rounds_text)}.) From the host through the "
        "facade (`relay`, four copies: host → facade → storage → facade → host): "
        + ", ".join(from_host) + "."
    )

    # 3. Records and arrays.
    rows = []
    for label, text in RECORD_CASES:
        call = results.ns(f"records/call_with_ivalues/{label}")
        clone = results.ns(f"records/host clone x2/{label}")
        rows.append([text, fmt_time(call), fmt_time(clone), fmt_ratio(call / clone)])
    blocks["records"] = table(["argument", "call", "host clone x2", "ratio"],
                              ["---", "---:", "---:", "---:"], rows)

    # 8. ABI extensions against their plain counterparts (same module, same run): the plain
    # value, and the plain ABI moving the same blocks (a record holding the value).
    e = "extensions/call_with_ivalues/"
    plain_string = results.ns(e + "String")
    text_record = results.ns(e + "Text { value: String }")
    plain_item = results.ns(e + "Item")
    item_box = results.ns(e + "ItemBox { item: Item }")
    # The "vs the same blocks" ratios: each extension against its record at the same moments
    # (the bench's interleaved samples, `criterion/extensions/interleaved.json`) when the run
    # wrote them, else the ratio of the two rows' medians.
    interleaved = json.loads(INTERLEAVED.read_text()) if INTERLEAVED.exists() else {}

    def same_blocks_ratio(label, record_ns):
        if label in interleaved:
            return interleaved[label]["median"]
        return results.ns(e + label) / record_ns

    rows = []
    for label, text, base, same_blocks in [
        ("String", "`echo_string(String)`", None, None),
        ("Text { value: String }", "`echo_text(Text { value })`: the same string in an 8-byte "
         "record block", plain_string, None),
        ("Option<String> Some", "`echo_option(Some(..))`: the same string in a 12-byte "
         "block", plain_string, text_record),
        ("Option<String> None", "`echo_option(None)`: a 4-byte block", plain_string, None),
        ("Item", "`echo_item(Item)`", None, None),
        ("ItemBox { item: Item }", "`echo_item_box(ItemBox { item })`: the same record behind "
         "a 4-byte record block", plain_item, None),
        ("Result<Item, String> Ok", "`echo_result(Ok(item))`: the same record behind an "
         "8-byte block", plain_item, item_box),
    ]:
        ns = results.ns(e + label)
        rows.append([text, fmt_time(ns), fmt_ratio(ns / base) if base else "1x",
                     fmt_ratio(same_blocks_ratio(label, same_blocks)) if same_blocks else ""])
    blocks["extensions"] = table(["call", "time", "vs plain value", "vs the same blocks as a record"],
                                 ["---", "---:", "---:", "---:"], rows)
    values["extensions_option_ratio"] = fmt_ratio(results.ns(e + "Option<String> Some") / plain_string)
    values["extensions_result_ratio"] = fmt_ratio(results.ns(e + "Result<Item, String> Ok") / plain_item)
    values["extensions_option_block_ratio"] = fmt_ratio(
        same_blocks_ratio("Option<String> Some", text_record))
    values["extensions_result_block_ratio"] = fmt_ratio(
        same_blocks_ratio("Result<Item, String> Ok", item_box))

    # 4. Service creation.
    s = "service_creation/"
    base = results.ns(s + "baseline: wasmtime InstancePre x3")
    warm = results.ns(s + "warm (cached modules)")
    cold = results.ns(s + "cold (new MarineEngine)")
    r_warm = warm / base
    blocks["service_creation"] = table(
        ["what", "time", "vs baseline"],
        ["---", "---:", "---:"],
        [
            ["**baseline**: wasmtime `InstancePre` x3 (trap stubs for imports, empty WASI context)",
             fmt_time(base), "1x"],
            ["warm: compiled modules cached in the engine", fmt_time(warm),
             f"**{fmt_ratio(r_warm)}** (target ≤ 2x and < 1 ms: "
             f"{met(r_warm <= 2 and warm < 1e6)})"],
            ["cold: new engine, so the three modules are compiled", fmt_time(cold),
             fmt_ratio(cold / base)],
        ],
    )
    values["service_creation_warm_ratio"] = fmt_ratio(r_warm)

    # 6. Cold start with the compiled-code cache.
    blocks["compiled_cache"] = render_compiled_cache(results, values)

    # 5. Memory.
    if memory is None:
        sys.exit(f"{MEMORY} is missing: run `cargo bench -p marine-e2e --bench memory` (or --run)")
    many = memory["services"]
    per_service = memory["many_services_kib"] / many
    per_store = memory["raw_many_stores_kib"] / many
    blocks["memory"] = table(
        ["what", "resident", "per service", "vs raw wasmtime store"],
        ["---", "---:", "---:", "---:"],
        [
            ["1 idle url-downloader service", f"+{fmt_kib(memory['one_service_kib'])}", "",
             f"(raw: +{fmt_kib(memory['raw_one_store_kib'])})"],
            [f"{many} idle services", f"+{fmt_kib(memory['many_services_kib'])}",
             f"{per_service:.0f} KiB",
             f"{fmt_ratio(per_service / max(per_store, 1e-9))} (raw: {per_store:.0f} KiB per store)"],
        ],
    )
    values["memory_extra_per_service"] = f"{per_service - per_store:.0f} KiB"
    values["memory_linear"] = f"{memory['linear_memories_kib']:,} KiB"

    # 7. Big values through the JSON API.
    blocks["json_put_get"], blocks["json_memory"] = render_json(results, memory, values)
    return blocks, values


def render_json(results, memory, values):
    """The two tables of figure 7: 1 MiB through `put_get`, and the peak memory of 100 MB;
    sets the values quoted in its text."""
    g = "json_put_get/"
    floor = results.ns(g + "floor: serde_json from_str::<Vec<u8>> + to_string")
    rows = [["**floor**: `serde_json::from_str::<Vec<u8>>` of the same bytes, then "
             "`serde_json::to_string`", fmt_time(floor), "1x"]]
    value_floor = results.ns(g + "Value floor: serde_json from_value + to_value")
    rows.append(["the floor of any API taking and giving `serde_json::Value`s: "
                 "`serde_json::from_value` of the same argument tree into `(String, Vec<u8>)`, "
                 "then `serde_json::to_value` of the bytes", fmt_time(value_floor),
                 fmt_ratio(value_floor / floor)])
    values["json_value_floor_vs_floor"] = fmt_ratio(value_floor / floor)
    for bench, what, key in (
        ("MarineService::call_with_json_str (text)",
         "`MarineService::call_with_json_str`: argument as text, result as text", "text"),
        ("MarineService::call_with_json (Value)",
         "`MarineService::call_with_json`: argument as a `serde_json::Value` (dropped by the "
         "call), result as a `Value`", "value"),
    ):
        t = results.ns(g + bench)
        ratio = f"**{fmt_ratio(t / floor)}** (target ≤ 2x: {met(t / floor <= 2)})"
        values[f"json_{key}_vs_floor"] = fmt_ratio(t / floor)
        if key == "value":
            ratio += f"; {fmt_ratio(t / value_floor)} of the `Value` floor"
            values["json_value_vs_value_floor"] = fmt_ratio(t / value_floor)
        rows.append([what, fmt_time(t), ratio])
    before = results.ns(g + "before: json_to_ivalues + call_with_ivalues + ivalues_to_json")
    rows.append(["the tree path `call_with_json` took before (`json_to_ivalues`, "
                 "`call_with_ivalues`, `ivalues_to_json`), argument as a `Value`",
                 fmt_time(before), fmt_ratio(before / floor)])
    put_get = table(["what (1 MiB of bytes, `[\"k\", [..]]` → `[..]`)", "time", "vs floor"],
                    ["---", "---:", "---:"], rows)

    if "json_sink" not in memory:
        sys.exit(f"{MEMORY} has no JSON peak figures: run `cargo bench -p marine-e2e --bench memory`")
    rows = []
    for key, what in (("json_sink", "written to a sink (`call_with_json_to`, an `io::Write`)"),
                      ("json_string", "returned as a `String` (`call_with_json_str`)")):
        fig = memory[key]
        ratio = fig["peak_kib"] * 1024 / fig["text_bytes"]
        rows.append([f"`make_bytes({memory['json_len']:,}, 7)` {what}",
                     f"{fig['text_bytes'] / 1e6:,.0f} MB", fmt_kib(fig["start_kib"]),
                     fmt_kib(fig["peak_kib"]),
                     f"**{fmt_ratio(ratio)}** (target ≤ 5x: {met(ratio <= 5)})"])
    peak = table(["what", "JSON text", "resident before the call", "peak resident (VmHWM)",
                  "peak vs text"], ["---", "---:", "---:", "---:", "---:"], rows)
    return put_get, peak


BIG_MODULE = TARGET / "wasm-examples" / "wasm32-wasip1" / "release" / "big_module.wasm"


def render_compiled_cache(results, values):
    """The table of figure 6 (the `compiled_cache` group alone); sets the values quoted in
    its text."""
    g = "compiled_cache/"
    if BIG_MODULE.exists():
        big = f"`examples/big-module` ({fmt_kib(BIG_MODULE.stat().st_size // 1024)} of wasm)"
    else:
        big = "`examples/big-module`"
    rows = []
    for label, what, key in (("url-downloader", "url-downloader (3 modules)", "url"),
                             ("big module", big, "big")):
        floor = results.ns(f"{g}{label}: floor: new Engine + Module::deserialize_file")
        compiled = results.ns(f"{g}{label}: compiled, no disk cache")
        first = results.ns(f"{g}{label}: first process (empty cache dir)")
        second = results.ns(f"{g}{label}: second process (warm cache dir)")
        instantiated = results.ns(
            f"{g}{label}: floor with instantiation: deserialize_file + instantiate")
        r_floor = second / floor
        speedup = compiled / second
        values[f"cache_{key}_vs_instantiated"] = fmt_ratio(second / instantiated)
        values[f"cache_{key}_instantiation_vs_floor"] = fmt_ratio(instantiated / floor)
        rows += [
            [f"{what}: **floor**: new wasmtime `Engine`, `Module::deserialize_file` of each "
             "module (no checks, no instantiation)", fmt_time(floor), "1x", ""],
            [f"{what}: the floor, then instantiated as wasmtime alone would (WASI linker with "
             "trap stubs, `instantiate`, `_initialize`)", fmt_time(instantiated),
             fmt_ratio(instantiated / floor), ""],
            [f"{what}: today's cold start: new `MarineEngine`, service created, modules "
             "compiled (disk cache off)", fmt_time(compiled), fmt_ratio(compiled / floor), "1x"],
            [f"{what}: first process: empty cache folder (compile, then write)", fmt_time(first),
             fmt_ratio(first / floor), fmt_ratio(first / compiled)],
            [f"{what}: second process: warm cache folder (verify, deserialize)",
             fmt_time(second),
             f"**{fmt_ratio(r_floor)}** (target ≤ 2x: {met(r_floor <= 2)}); "
             f"{fmt_ratio(second / instantiated)} of the floor with instantiation",
             f"**{fmt_ratio(speedup)} faster** (target ≥ 20x: {met(speedup >= 20)})"],
        ]
    return table(["what", "time", "vs floor", "vs today's cold start"],
                 ["---", "---:", "---:", "---:"], rows)


# Markers named `js_*` belong to the JavaScript section, written by `marine-js/bench/render.mjs`
# from its own run: left as they are.
JS_PREFIX = "js_"


def substitute(text, blocks, values):
    """`text` with every marked block and value replaced; fails on a marker it cannot fill
    (except the JavaScript section's, which it leaves alone)."""
    def block(m):
        name = m.group(1)
        if name.startswith(JS_PREFIX):
            return m.group(0)
        if name not in blocks:
            sys.exit(f"BENCHMARKS.md has a block `{name}` this script does not render")
        return f"<!-- generated:{name} -->\n{blocks[name]}\n<!-- /generated:{name} -->"

    def value(m):
        name = m.group(1)
        if name.startswith(JS_PREFIX):
            return m.group(0)
        if name not in values:
            sys.exit(f"BENCHMARKS.md has a value `{name}` this script does not render")
        return f"<!-- v:{name} -->{values[name]}<!-- /v -->"

    out = re.sub(r"<!-- generated:(\w+) -->\n(?:.*?\n)?<!-- /generated:\1 -->", block, text,
                 flags=re.S)
    out = re.sub(r"<!-- v:(\w+) -->.*?<!-- /v -->", value, out)
    for name in blocks:
        if f"<!-- generated:{name} -->" not in out:
            sys.exit(f"BENCHMARKS.md lost the block `{name}`")
    return out


def run_suite(quick):
    """Runs both benches and records how (criterion results land in target/criterion)."""
    # Only this run's results: nothing left from an earlier run can reach the tables.
    if CRITERION.exists():
        shutil.rmtree(CRITERION)
    load = os.getloadavg()[0]
    criterion_args = ["--quick"] if quick else []
    marine = ["cargo", "bench", "--locked", "-p", "marine-e2e", "--bench", "marine", "--"]
    marine += criterion_args
    memory = ["cargo", "bench", "--locked", "-p", "marine-e2e", "--bench", "memory"]
    for cmd in (marine, memory):
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    command = " ".join(marine) + "` and `" + " ".join(memory)
    note = ("Criterion's `--quick` mode (a handful of samples per figure): the figures are "
            "noisier than a full run's; compare ratios within this run only."
            if quick else
            "Criterion's default sampling as configured in `tests/benches/marine.rs`.")
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}, {rustc}, "
                   f"release build (cargo's bench profile), load average {load:.1f} at the start",
        "command": command,
        "note": note,
    }
    RUN_INFO.parent.mkdir(parents=True, exist_ok=True)
    RUN_INFO.write_text(json.dumps(info, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="store_true", help="run the benches first")
    parser.add_argument("--quick", action="store_true", help="with --run: criterion's --quick")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if BENCHMARKS.md differs")
    args = parser.parse_args()
    if args.run:
        run_suite(args.quick)
    if not RUN_INFO.exists():
        sys.exit(f"{RUN_INFO} is missing: the results were not produced by --run")
    run = json.loads(RUN_INFO.read_text())
    memory = json.loads(MEMORY.read_text()) if MEMORY.exists() else None
    blocks, values = render(Results(CRITERION), memory, run)
    text = DOC.read_text()
    new = substitute(text, blocks, values)
    if args.check:
        if new != text:
            sys.exit("BENCHMARKS.md differs from the results under target/criterion")
        print("BENCHMARKS.md matches the results")
        return
    DOC.write_text(new)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
