// Minifies the verifier's two scripts into dist/ (committed, so a site builds without Node):
//   dist/verify.min.js   core.js + page.js, inlined in verify/index.html
//   dist/badge.min.js    core.js + badge.js, served as assets/pp-verify.js
// Run by `make verifier-assets` with the esbuild that admin-ui/ pins; `--out DIR` writes
// elsewhere (the test compares a fresh build with the committed files).
import { createRequire } from "node:module";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const { transform } = createRequire(join(root, "admin-ui", "package.json"))("esbuild");
const at = process.argv.indexOf("--out");
const out = at > 0 ? process.argv[at + 1] : join(here, "dist");
const INTERNAL = /^(i|v|str|codec|mh|code|hash|cid|links|sizes|size|data|fp|problems|chain|headline|record|lines|read|store|site|printable)$/;
const core = await readFile(join(here, "core.js"), "utf8");

await mkdir(out, { recursive: true });
for (const [name, part] of [["verify.min.js", "page.js"], ["badge.min.js", "badge.js"]]) {
  const source = core + "\n" + (await readFile(join(here, part), "utf8"));
  // one function around both files: their top-level names are local and get short names too
  const { code } = await transform(source, {
    minify: true,
    format: "iife",
    charset: "utf8",
    legalComments: "none",
    target: "es2022", // the page needs Ed25519 in WebCrypto: Chrome 137, Firefox 129, Safari 17
    // the checks' own property names (never a JSON field, DOM or built-in name) shortened too
    mangleProps: INTERNAL,
  });
  await writeFile(join(out, name), code);
}
