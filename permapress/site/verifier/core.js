// permapress verifier core: check one signed bundle CAR in the browser as `permapress verify`
// does (permapress/trust/check.py), with the same problem texts. ppCheck(bytes, key) -> report.
"use strict";
const ppCheck = (() => {
const B32 = "abcdefghijklmnopqrstuvwxyz234567";
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const FIELDS = ["article", "content", "note", "previous", "published", "publisher", "type", "version"];
const RAW = 0x55, PB = 0x70, LIMIT = 64 << 20;
class Ipfs extends Error {}
class Trust extends Error {}
const fail = m => { throw new Ipfs(m); };
const text = b => new TextDecoder().decode(b);
const hx = (n, w) => n.toString(16).padStart(w, "0");
const hex = b => Array.from(b, x => hx(x, 2)).join("");
const unhex = t => Uint8Array.from(t.match(/../g) || [], h => parseInt(h, 16));
const cat = (...a) => { const o = new Uint8Array(a.reduce((n, x) => n + x.length, 0));
  let i = 0; for (const x of a) { o.set(x, i); i += x.length; } return o; };
const sha = async b => new Uint8Array(await crypto.subtle.digest("SHA-256", b));
const vint = (b, p) => {
  let v = 0, s = 1, x;
  do { if (p.i >= b.length) fail("truncated varint"); x = b[p.i++]; v += (x & 127) * s; s *= 128; }
  while (x & 128);
  return v;
};
const enc = v => { const o = []; while (v > 127) { o.push(v & 127 | 128); v = Math.floor(v / 128); }
  o.push(v); return new Uint8Array(o); };
// rebase(digits, from, to): a number's digits in one base to its digits in another (big-endian),
// with each leading zero digit kept as one zero digit (base58's rule)
const rebase = (a, from, to) => {
  const d = [];
  for (let c of a) { for (let j = 0; j < d.length; j++) { c += d[j] * from; d[j] = c % to; c = c / to | 0; }
    while (c) { d.push(c % to); c = c / to | 0; } }
  for (const x of a) { if (x) break; d.push(0); }
  return d.reverse();
};
// bits(values, from, to): a stream of from-bit values as to-bit values (base32's grouping); the
// last partial group is padded with zero bits when pad, dropped otherwise
const bits = (a, from, to, pad) => {
  const o = [], m = (1 << to) - 1; let v = 0, n = 0;
  for (const x of a) { v = v << from | x; n += from; while (n >= to) o.push(v >>> (n -= to) & m); v &= (1 << n) - 1; }
  if (pad && n) o.push(v << to - n & m);
  return o;
};
const digits = (s, alphabet) => { const d = [...s].map(c => alphabet.indexOf(c)); return d.includes(-1) ? null : d; };
const b32 = b => bits(b, 8, 5, 1).map(x => B32[x]).join("");
const unb32 = s => { const d = digits(s.toLowerCase(), B32); return d && new Uint8Array(bits(d, 5, 8)); };
const b58 = b => rebase(b, 256, 58).map(x => B58[x]).join("");
const unb58 = s => { const d = digits(s, B58); return d && new Uint8Array(rebase(d, 58, 256)); };
const cid = (v, codec, mh) => {
  const p = { i: 0 }, code = vint(mh, p), bytes = v ? cat(enc(1), enc(codec), mh) : mh;
  vint(mh, p);
  return { v, codec, mh, code, hash: mh.subarray(p.i), key: hex(mh), str: v ? "b" + b32(bytes) : b58(mh) };
};
const cidAt = (b, p) => {
  let v = 0, codec = PB;
  if (!(b[p.i] === 0x12 && b[p.i + 1] === 0x20)) {
    v = vint(b, p); if (v !== 1) fail(`CID version ${v} is unknown`); codec = vint(b, p);
  }
  const s = p.i; vint(b, p); const n = vint(b, p); p.i += n;
  if (p.i > b.length) fail("truncated CID");
  return cid(v, codec, b.slice(s, p.i));
};
const parseCid = (t) => {
  try {
    if (typeof t !== "string" || !t || t.length > 1024) return null;
    if (t.length === 46 && t.startsWith("Qm")) { const r = unb58(t); return r && r.length === 34 ? cid(0, PB, r) : null; }
    const f = t[0], body = t.slice(1);
    const r = f === "b" || f === "B" ? unb32(body) : f === "z" ? unb58(body)
      : f === "f" && /^([0-9a-fA-F]{2})*$/.test(body) ? unhex(body) : null;
    if (!r || r[0] !== 1) return null;
    const p = { i: 0 }, c = cidAt(r, p);
    return p.i === r.length ? c : null;
  } catch { return null; }
};
// protobuf fields: [number, value] with value a number (varint) or bytes
const fields = (b) => {
  const p = { i: 0 }, o = [];
  while (p.i < b.length) {
    const k = vint(b, p), w = k & 7; let v;
    if (w === 0) v = vint(b, p);
    else if (w === 2) { const n = vint(b, p); v = b.subarray(p.i, p.i += n); if (p.i > b.length) fail("a field is cut off"); }
    else fail(`wire type ${w}`);
    o.push([k >> 3, v]);
  }
  return o;
};
const pbNode = (b) => {
  const links = []; let data = null;
  for (const [f, v] of fields(b)) {
    if (typeof v === "number" || (f !== 1 && f !== 2)) fail(`dag-pb field ${f} is not allowed`);
    if (data) fail(f === 1 ? "dag-pb Data field appears twice" : "dag-pb Links must come before Data");
    if (f === 1) { data = v; continue; }
    const l = { cid: null, name: null }; // its Tsize (field 3) is not checked
    for (const [g, x] of fields(v)) { if (g === 1) l.cid = cidAt(x, { i: 0 }); else if (g === 2) l.name = text(x); }
    if (!l.cid) fail(`link ${links.length} has no Hash`);
    links.push(l);
  }
  return { links, data };
};
const unixfs = (b) => {
  const fs = { type: -1, data: new Uint8Array(0), size: null, sizes: [] };
  for (const [f, v] of fields(b)) {
    if (f === 1) fs.type = v; else if (f === 2) fs.data = v; else if (f === 3) fs.size = v;
    else if (f === 4) { if (typeof v === "number") fs.sizes.push(v);
      else { const p = { i: 0 }; while (p.i < v.length) fs.sizes.push(vint(v, p)); } }
  }
  return fs;
};
const node = (c, d) => { if (c.codec !== PB) return null; const n = pbNode(d); return n.data ? [n, unixfs(n.data)] : null; };
const held = fs => fs.data.length + fs.sizes.reduce((a, x) => a + x, 0);
const fileSize = fs => fs.size ?? held(fs);
const sub = (path, name) => (path ? path + "/" : "") + seg(name || "");
const seg = s => { s = printable(s); return s.length > 40 ? s.slice(0, 20) + "…" + s.slice(-20) : s; };
const printable = s => s.replace(/[\p{C}\p{Z}]/gu, c => {
  const n = c.codePointAt(0); return c === " " ? c : (n < 256 ? "\\x" : "\\u") + hx(n, n < 256 ? 2 : 4);
});
const rep = (v) => {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return "[" + v.map(rep).join(", ") + "]";
  if (typeof v !== "string") return typeof v === "object" ? "{" + Object.entries(v).map(([k, x]) => rep(k) + ": " + rep(x)).join(", ") + "}" : String(v);
  const q = v.includes("'") && !v.includes('"') ? '"' : "'";
  const s = v.replace(/[\\\x00-\x1f\x7f]/g, c => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? "\\x" + hx(c.charCodeAt(0), 2));
  return q + (q === "'" ? s.replace(/'/g, "\\'") : s) + q;
};
const loadCar = async (buf) => {
  let b = buf, p = { i: 0 };
  const header = () => { const n = vint(b, p); if (!n) fail("CAR header has length 0"); const h = cbor(b.subarray(p.i, p.i += n)); if (!h || typeof h !== "object") fail("CAR header is not a map"); return h; };
  let h = header();
  if (h.version === 2) {
    const dv = new DataView(b.buffer, b.byteOffset + p.i), at = Number(dv.getBigUint64(16, true)), len = Number(dv.getBigUint64(24, true));
    b = b.subarray(at, at + len); p = { i: 0 }; h = header();
  }
  if (h.version !== 1) fail(`CAR header has version ${h.version}; only 1 and 2 exist`);
  if (!Array.isArray(h.roots) || !h.roots.length) fail("CAR header has no roots");
  const store = new Map(), all = [];
  while (p.i < b.length) {
    const at = p.i, n = vint(b, p); if (!n) break;
    const end = p.i + n; if (end > b.length) fail(`CAR truncated: section at byte ${at} needs ${n} bytes from byte ${p.i}, only ${b.length - p.i} left`);
    const c = cidAt(b, p), data = b.slice(p.i, end); p.i = end;
    all.push((async () => {
      const ok = c.code === 0x12 ? hex(await sha(data)) === hex(c.hash) : c.code === 0 && hex(data) === hex(c.hash);
      const had = store.get(c.key); if (!had || (!had.ok && ok)) store.set(c.key, { data, ok });
    })());
  }
  await Promise.all(all);
  return { roots: h.roots.map(r => cidAt(r, { i: 1 })), store };
};
const cbor = (b) => {
  const p = { i: 0 };
  const item = () => {
    const x = b[p.i++], t = x >> 5, a = x & 31;
    let n = a;
    if (a > 26) fail("CAR header: unsupported CBOR");
    if (a > 23) for (let k = n = 0; k < 1 << a - 24; k++) n = n * 256 + b[p.i++]; // 1, 2 or 4 bytes
    if (p.i > b.length) fail("CAR header is cut off");
    if (t === 0) return n; if (t === 1) return -1 - n;
    if (t === 2) return b.subarray(p.i, p.i += n); if (t === 3) return text(b.subarray(p.i, p.i += n));
    if (t === 4) return Array.from({ length: n }, item);
    if (t === 5) { const o = {}; while (n--) { const k = item(); o[k] = item(); } return o; }
    if (t === 6) return item();
    return [false, true, null][n - 20];
  };
  return item();
};
// ---- the checks: ipfs/verify.py walk, then trust/check.py ----
const hamt = verb => `HAMT folders are not ${verb} in the browser; use permapress verify`;
const checkDag = (root, store) => {
  const seen = new Set(), out = [], stack = [[root, "", "node", null]];
  while (stack.length) {
    const [c, path, role, want] = stack.pop();
    if (seen.has(c.str)) continue; seen.add(c.str);
    const bad = (kind, m) => out.push(`block ${c.str} (${path || "the bundle folder"}) is ${kind}: ${m}`);
    const mal = m => bad("malformed", m), part = role === "file" ? "a block of this file" : "block";
    const dir = l => kids.push([l.cid, sub(path, l.name), "node", null]), kids = [];
    let d, n, fs;
    if (c.code === 0) d = c.hash;
    else { const e = store.get(c.key);
      if (!e) { bad("missing", `${part} is not present`); continue; }
      if (!e.ok) { bad("corrupt", `${part}: content does not match its CID`); continue; }
      d = e.data; }
    if ([RAW, 0x51, 0x200].includes(c.codec)) {
      if (want !== null && d.length !== want) mal(`file leaf holds ${d.length} bytes but its parent says ${want}`);
      continue;
    }
    if (c.codec !== PB) { if (role !== "node") mal("a non-dag-pb block inside a UnixFS DAG");
      else if (c.codec !== 0x71 && c.codec !== 0x0129) bad("unsupported", `codec 0x${c.codec.toString(16)} is unknown: the hash matches but links cannot be followed`);
      continue; }
    try { n = pbNode(d); } catch (e) { mal(`dag-pb does not decode: ${e.message}`); continue; }
    if (!n.data) { if (role !== "node") mal("dag-pb block without UnixFS data"); else n.links.forEach(dir); }
    else {
      try { fs = unixfs(n.data); } catch (e) { mal(`UnixFS data does not decode: ${e.message}`); continue; }
      const t = fs.type, file = t === 2 || t === 0;
      if (role === "file" && !file) { mal("a file links to a block that is not file data"); continue; }
      if (file) {
        const total = held(fs);
        if (fs.sizes.length !== n.links.length) { mal(`file node has ${n.links.length} links but ${fs.sizes.length} blocksizes`); continue; }
        if (fs.size !== null && fs.size !== total) mal(`filesize is ${fs.size} but the parts hold ${total}`);
        if (want !== null && want !== total) mal(`file node holds ${total} bytes but its parent says ${want}`);
        n.links.forEach((l, i) => kids.push([l.cid, path, "file", fs.sizes[i]]));
      } else if (t === 1) {
        const names = new Set();
        n.links.forEach((l, i) => {
          if (!l.name) mal(`directory entry ${i} has no name`);
          else if (names.has(l.name)) mal(`directory has two entries ${rep(seg(l.name))}`);
          else { names.add(l.name); dir(l); }
        });
      } else if (t === 5) bad("unsupported", hamt("checked"));
      else n.links.forEach(dir);
    }
    stack.push(...kids.reverse());
  }
  return out;
};
const getter = (store) => {
  return c => {
    if (c.code === 0) return c.hash;
    const e = store.get(c.key);
    if (!e) fail(`block ${c.str} is not in the blockstore`);
    if (!e.ok) fail(`block ${c.str} does not match its CID (corrupt or substituted)`);
    return e.data;
  };
};
const list = (c, get) => {
  const x = node(c, get(c));
  if (!x || (x[1].type !== 1 && x[1].type !== 5)) fail(`${c.str} is not a UnixFS directory`);
  if (x[1].type === 5) fail(hamt("read"));
  return x[0].links;
};
const kind = (c, get) => {
  const d = get(c); if (c.codec === RAW) return ["raw", d.length];
  const x = node(c, d); if (!x) return ["other", d.length];
  const t = x[1].type;
  return t === 2 || t === 0 ? ["file", fileSize(x[1])] : t === 1 ? ["directory"] : t === 5 ? ["hamt"] : ["other"];
};
const read = (c, get) => {
  const size = kind(c, get)[1];
  if (size > LIMIT) fail(`${c.str} declares ${size} bytes; a record, log or page holds at most ${LIMIT}`);
  const parts = [];
  const walk = (k, depth) => {
    const d = get(k);
    if (k.codec === RAW) return parts.push(d);
    const x = node(k, d); if (!x || (x[1].type !== 2 && x[1].type !== 0) || depth > 32) fail(`${k.str} is not a UnixFS file`);
    parts.push(x[1].data); x[0].links.forEach(l => walk(l.cid, depth + 1));
  };
  walk(c, 0);
  return cat(...parts);
};
const REFUSE = ": not a permapress bundle; refusing to walk it";
const tree = (root, get) => {
  const files = new Map(), stack = [["", root, 0]]; let count = 0;
  while (stack.length) {
    const [prefix, dir, depth] = stack.pop();
    if (depth >= 64) throw new Trust(`folders nested deeper than 64 levels (at ${prefix.slice(0, 60)}…)${REFUSE}`);
    for (const l of list(dir, get)) {
      if (++count > 100000) throw new Trust(`more than 100000 files and folders (counting every path)${REFUSE}`);
      const k = kind(l.cid, get)[0];
      if (k === "directory" || k === "hamt") stack.push([`${prefix}${l.name}/`, l.cid, depth + 1]); else files.set(prefix + (l.name || ""), l.cid);
    }
  }
  return files;
};
const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]" : v && typeof v === "object"
  ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}" : JSON.stringify(v);
const dict = v => v && typeof v === "object" && !Array.isArray(v);
const TIME = /^\d{4}-\d\d-\d\d[T ]\d\d(:\d\d(:\d\d(\.\d{1,6})?)?)?(Z|[+-]\d\d(:?\d\d)?)$/;
const when = t => Date.parse(t.replace(" ", "T"));
const fingerprint = async key => b32(await sha(key)).toUpperCase().slice(0, 20).match(/..../g).join("-");
const keyOf = (t) => {
  const body = typeof t === "string" && t.startsWith("ed25519:") ? t.slice(8) : "";
  if (!/^[0-9a-f]{64}$/.test(body)) throw new Trust(`${typeof t === "string" ? rep(t) : rep(t).slice(0, 80)} is not a public key of the form 'ed25519:<64 hex digits>'`);
  return unhex(body);
};
const record = async (data, what) => {
  let v;
  try { v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)); }
  catch { throw new Trust(`${what} is not UTF-8 JSON (or nested too deeply)`); }
  if (canon(v) + "\n" !== text(data)) throw new Trust(`${what} is not in canonical form (sorted keys, no spaces, one newline)`);
  const T = m => new Trust(`${what}: ${m}`);
  if (!dict(v) || canon(Object.keys(v).sort()) !== canon(FIELDS))
    throw T(`expected the fields ${rep(FIELDS)}, found ${dict(v) ? rep(Object.keys(v).sort()) : Array.isArray(v) ? "list" : v === null ? "NoneType" : { string: "str", number: Number.isInteger(v) ? "int" : "float", boolean: "bool" }[typeof v]}`);
  const { type, article, version, previous, content, published, note, publisher: u } = v;
  if (type !== "permapress.version/1") throw T(`type ${rep(type)} is not 'permapress.version/1'`);
  if (typeof article !== "string" || !article.startsWith("urn:")) throw T(`article ${rep(article)} is not a urn: identifier`);
  if (!Number.isInteger(version) || version < 1) throw T(`version ${rep(version)} is not a whole number from 1 up`);
  if ((version === 1) !== (previous === null)) throw T(`version ${version} with previous ${rep(previous)} (only version 1 has none)`);
  if (previous !== null && !parseCid(previous)) throw T(`previous ${rep(previous)} is not a CID`);
  if (!dict(content)) throw T("content is not an object of path -> CID");
  if (!Object.keys(content).length) throw T("the content manifest is empty");
  for (const [path, c] of Object.entries(content)) {
    const parts = path.split("/");
    if (!path || parts.some(s => s === "" || s === "." || s === "..") || parts[0] === "record") throw T(`${rep(path)} cannot be a content file of a bundle`);
    if (typeof c !== "string") throw T(`the CID of ${rep(path)} is not text`);
    if (!parseCid(c)) throw T(`${rep(c)} (for ${rep(path)}) is not a CID`);
  }
  if (typeof published !== "string" || !TIME.test(published)) throw T(`published ${rep(published)} is not a date-time with a timezone`);
  if (typeof note !== "string") throw T("note is not text");
  if (!dict(u) || canon(Object.keys(u).sort()) !== '["fingerprint","key","name"]') throw T("publisher must have exactly ['fingerprint', 'key', 'name']");
  if (typeof u.key !== "string" || typeof u.name !== "string") throw T("publisher key and name must be text");
  const key = keyOf(u.key), fp = await fingerprint(key);
  if (u.fingerprint !== fp) throw T(`fingerprint ${rep(u.fingerprint)} is not the fingerprint of its key (${fp})`);
  return { ...v, key, fp };
};
const signature = (data, what) => {
  const t = text(data);
  if (!t.endsWith("\n") || !/^[0-9a-f]{128}$/.test(t.slice(0, -1))) throw new Trust(`${what} is not 128 lowercase hex digits and a newline`);
  return unhex(t.slice(0, -1));
};
const sigOk = async (key, data, sig) => {
  try { return await crypto.subtle.verify("Ed25519", await crypto.subtle.importKey("raw", key, "Ed25519", false, ["verify"]), sig, data); }
  catch { return false; }
};
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const bundle = async (root, store, expected) => {
  const problems = checkDag(root, store), say = m => problems.push(m), get = getter(store), out = { problems, root: root.str, chain: [] };
  let files;
  try { files = tree(root, get); }
  catch (e) { say(`the bundle cannot be read as a folder: ${e.message}`); return out; }
  try { const a = JSON.parse(text(read(files.get("article.json"), get))); out.headline = typeof a.headlines[0].value === "string" ? a.headlines[0].value : JSON.stringify(a.headlines[0].value); }
  catch { out.headline = null; }
  const signed = async (rname, sname, what) => {
    if (!files.has(rname) || !files.has(sname)) { say(`${what}: ${files.has(rname) ? sname : rname} is missing`); return null; }
    let data, r, sig;
    try { data = read(files.get(rname), get); r = await record(data, `${what} (${rname})`); sig = signature(read(files.get(sname), get), sname); }
    catch (e) { say(e instanceof Trust ? e.message : `${what}: ${rname} or ${sname} cannot be read (see blocks)`); return null; }
    r.cid = cid(1, RAW, cat(new Uint8Array([0x12, 0x20]), await sha(data))).str;
    if (!await sigOk(r.key, data, sig)) say(`${what}: the signature does not match the record (${rname} or ${sname} was changed after signing)`);
    return r;
  };
  if (!files.has("record/version.json")) { say("no record/version.json: this bundle is not signed (or not a permapress bundle)"); return out; }
  const r = await signed("record/version.json", "record/version.sig", "this version's record");
  if (!r) return out;
  out.record = r;
  const content = r.content, actual = new Map([...files].filter(([p]) => !p.startsWith("record/")));
  for (const p of [...new Set([...Object.keys(content), ...actual.keys()])].sort()) {
    if (!actual.has(p)) say(`${p}: named by the signed record but missing from the bundle`);
    else if (!(p in content)) say(`${p}: in the bundle but not in the signed record (added)`);
    else { const s = parseCid(content[p]), a = actual.get(p);
      if (s.v !== a.v || s.codec !== a.codec || s.key !== a.key) say(`${p}: its content (CID ${a.str}) differs from what the publisher signed (${content[p]}); the file was changed`); }
  }
  const pre = "record/chain/", byCid = new Map(), used = new Set();
  const names = [...new Set([...files.keys()].filter(p => p.startsWith(pre)).map(p => { const s = p.slice(pre.length), i = s.lastIndexOf("."); return i < 0 ? s : s.slice(0, i); }))].sort();
  for (const name of names) {
    const e = await signed(`${pre}${name}.json`, `${pre}${name}.sig`, `record of ${pre}${name}.json`);
    if (!e) continue;
    if (name !== String(e.version)) say(`${pre}${name}.json holds the record of version ${e.version}: the chain files were renamed or reordered`);
    e.name = name; byCid.set(e.cid, e);
  }
  const chain = [r]; let cur = r, whole = true;
  while (cur.previous !== null) {
    const w = parseCid(cur.previous).str, n = cur.version;
    if (!byCid.has(w)) { say(`version ${n} names ${w} as the record of version ${n - 1}, but no such record is in ${pre}: a version was dropped from the history`); whole = false; break; }
    used.add(w); const e = byCid.get(w), m = e.version;
    if (m !== n - 1) say(`version ${n} is preceded by a record of version ${m}: versions are out of order`);
    if (e.article !== cur.article) say(`version ${m} is a record of ${e.article}, version ${n} of ${cur.article}`);
    if (!same(e.key, cur.key)) say(`version ${m} was signed by ${e.fp}, version ${n} by ${cur.fp}: one history must have one publisher key`);
    if (when(e.published) > when(cur.published)) say(`version ${n} (${cur.published}) is dated before version ${m} (${e.published}): times go backwards`);
    chain.push(e); cur = e;
    if (chain.length > r.version) break;
  }
  if (whole) {
    if (cur.version !== 1) say(`the history stops at version ${cur.version}, not version 1`);
    for (const k of [...byCid.keys()].filter(k => !used.has(k)).sort()) say(`${pre}${byCid.get(k).name}.json is not part of this version's history`);
    out.chain = chain.reverse();
  }
  if (expected !== null && !keyMatches(r, expected)) say(`signed by the key ${r.fp} (${"ed25519:" + hex(r.key)}), not the expected ${expected}`);
  out.files = files; out.get = get;
  return out;
};
const normal = t => t.replace(/[- ]/g, "").toUpperCase();
const keyMatches = (r, want) => {
  if (want.startsWith("ed25519:")) want = want.slice(8);
  return want.length === 64 ? want.toLowerCase() === hex(r.key) : normal(want) === normal(r.fp);
};
const expectedKey = (t) => {
  const w = t.trim(), bare = w.startsWith("ed25519:") ? w.slice(8) : w;
  if (/^[0-9a-fA-F]{64}$/.test(bare) || /^[A-Z2-7]{20}$/.test(normal(bare))) return w;
  throw new Trust(`${rep(t)} is neither a fingerprint (like K7QF-2M4D-XW3A-9TJB-EC5R) nor a public key (64 hex digits, optionally after 'ed25519:'); copy it from the publisher's site (publisher.json or the page footer)`);
};
// printable is for the page, which prints the report as `permapress verify` does (page.js)
return Object.assign(async (bytes, key) => {
  const expected = key && key.trim() ? expectedKey(key) : null;
  const car = await loadCar(bytes);
  if (car.roots.length !== 1) throw new Trust(`has ${car.roots.length} roots; a permapress CAR has exactly one`);
  const root = car.roots[0], get = getter(car.store);
  let names = [];
  try { names = list(root, get).map(l => l.name); } catch { /* not a folder: a bundle with problems */ }
  if (names.includes("publisher.json")) throw Object.assign(new Trust("this CAR is a whole site (publisher.json at its root): check it with `permapress verify`"), { site: true });
  const b = await bundle(root, car.store, expected);
  return { ...b, valid: !b.problems.length, read: path => b.files && b.files.has(path) ? read(b.files.get(path), b.get) : null };
}, { printable });
})();
