/** Where a module's bytes come from, and reading them. */

/** A module's bytes, or where to get them (a `file:` URL in Node, any URL or `Response`). */
export type ModuleSource = Uint8Array | ArrayBuffer | URL | Response;

/** The bytes of a module source. */
export async function bytesOf(source: ModuleSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof URL) {
    if (source.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      return readFile(source);
    }
    return bytesOf(await fetch(source));
  }
  if (!source.ok) throw new Error(`${source.url}: HTTP ${source.status}`);
  return new Uint8Array(await source.arrayBuffer());
}
