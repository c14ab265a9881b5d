// Compiles Aqua service declarations with the official compiler (@fluencelabs/aqua-api) and
// prints, as JSON, what the compiler understood of each: the errors, and every function's
// signature and every record it reaches, in Aqua notation. Run by tools/tests/aqua.rs with
// the `.aqua` files `marine aqua` wrote; the test compares the output with the modules'
// interfaces.
//
// Usage: node check.mjs <file.aqua>...

import { compileFromPath } from "@fluencelabs/aqua-api";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

// The compiler is Scala.js: its objects' keys read `L<class>__f_<field>`. Keep the field.
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key.replace(/^L.*__f_/, "")] = plain(inner);
  }
  return out;
}

function typeText(ty, records) {
  switch (ty.tag) {
    case "scalar":
      return ty.name;
    case "array":
      return `[]${typeText(ty.type, records)}`;
    case "option":
      return `?${typeText(ty.type, records)}`;
    case "struct": {
      if (!records.has(ty.name)) {
        records.set(ty.name, null);
        // The compiler keeps fields in a map: compared sorted by name.
        const fields = Object.entries(ty.fields)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, field]) => `${name}: ${typeText(field, records)}`);
        records.set(ty.name, `${ty.name} { ${fields.join(", ")} }`);
      }
      return ty.name;
    }
    default:
      return `<${ty.tag}>`;
  }
}

const report = {};
for (const file of process.argv.slice(2)) {
  const code = readFileSync(file, "utf8");
  const service = /^service (\w+)/m.exec(code)?.[1];
  // A program that imports the declarations and exports the service, so the compiler
  // returns the service's definition.
  // Without a service (every function uses a type Aqua cannot express), the declarations
  // alone are compiled.
  const dir = mkdtempSync(join(tmpdir(), "aqua-check-"));
  writeFileSync(join(dir, "module.aqua"), code);
  if (service) {
    writeFileSync(
      join(dir, "main.aqua"),
      `aqua Main\n\nimport "module.aqua"\n\nexport ${service}\n`,
    );
  }
  let result;
  try {
    result = await compileFromPath({
      filePath: join(dir, service ? "main.aqua" : "module.aqua"),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const records = new Map();
  const functions = [];
  const def = service ? result.services[service] : undefined;
  if (def) {
    for (const [name, arrow] of Object.entries(plain(def).functions.fields)) {
      const args =
        arrow.domain.tag === "nil"
          ? []
          : Object.entries(arrow.domain.fields).map(
              ([arg, ty]) => `${arg}: ${typeText(ty, records)}`,
            );
      const outputs =
        arrow.codomain.tag === "nil"
          ? []
          : arrow.codomain.items.map((ty) => typeText(ty, records));
      const result = outputs.length ? ` -> ${outputs.join(", ")}` : "";
      functions.push(`${name}(${args.join(", ")})${result}`);
    }
  }
  report[basename(resolve(file))] = {
    service: service ?? null,
    errors: result.errors,
    functions: functions.sort(),
    records: [...records.values()].sort(),
  };
}
console.log(JSON.stringify(report, null, 2));
