// Bundles the editor's scripts and styles into permapress/admin/ui/static/, which the
// admin server serves at /admin/static/ (nothing is loaded from anywhere else).
// Run by `make admin-assets`; `node build.mjs --check` fails when the bundle is missing.
import { build } from "esbuild";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "permapress", "admin", "ui", "static");

await mkdir(out, { recursive: true });
// TinyMDE's MIT licence travels with the bundle that contains it
const licence = await readFile(join(here, "node_modules", "tiny-markdown-editor", "LICENSE"), "utf8");
const banner = `/*! permapress editor. Contains TinyMDE (tiny-markdown-editor):\n${licence.replaceAll("*/", "* /").trim()}\n*/`;
await build({
  entryPoints: { admin: join(here, "src", "admin.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  legalComments: "eof",
  banner: { js: banner },
  outdir: out,
  logLevel: "warning",
});
await build({
  entryPoints: { admin: join(here, "src", "admin.css") },
  bundle: true,
  minify: true,
  banner: { css: banner },
  outdir: out,
  logLevel: "warning",
});
