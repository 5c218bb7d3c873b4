// Oracle for permapress's UnixFS importer: the CIDs that ipfs-unixfs-importer gives.
//
// stdin: one JSON job
//   { cidVersion, rawLeaves, chunkSize, maxChildrenPerNode,
//     shardSplitThresholdBytes, shardSplitStrategy: "links-bytes" | "block-bytes",
//     cases: [ { name, wrap, entries: [ { path, content_base64?, chacha?: { seed, size } } ] } ] }
// An entry with neither content_base64 nor chacha is a directory. chacha content is the
// ChaCha20 keystream keyed by SHA-256(seed) with a zero 16-byte IV (counter 0, zero nonce),
// the recipe of the IPIP-499 fixtures. With wrap=false a case holds one file and prints its
// CID; with wrap=true the entries are wrapped in a directory and the directory's CID is printed.
// stdout: one CID per case, in order.

import { createCipheriv, createHash } from 'node:crypto'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

const STEP = 1 << 20

async function * chacha (seed, size) {
  const key = createHash('sha256').update(seed, 'utf8').digest()
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16))
  let left = size
  while (left > 0) {
    const n = Math.min(left, STEP)
    yield new Uint8Array(cipher.update(Buffer.alloc(n)))
    left -= n
  }
}

function toSource (entry) {
  if (entry.content_base64 != null) {
    return { path: entry.path, content: Uint8Array.from(Buffer.from(entry.content_base64, 'base64')) }
  }
  if (entry.chacha != null) {
    const { seed, size } = entry.chacha
    // an empty async iterable would be a file with no chunks; give empty bytes instead
    return { path: entry.path, content: size === 0 ? new Uint8Array(0) : chacha(seed, size) }
  }
  return { path: entry.path }
}

async function readJob () {
  let text = ''
  for await (const piece of process.stdin) text += piece
  return JSON.parse(text)
}

const job = await readJob()
const options = {
  cidVersion: job.cidVersion,
  rawLeaves: job.rawLeaves,
  chunker: fixedSize({ chunkSize: job.chunkSize }),
  layout: balanced({ maxChildrenPerNode: job.maxChildrenPerNode }),
  shardSplitThresholdBytes: job.shardSplitThresholdBytes,
  shardSplitStrategy: job.shardSplitStrategy,
  reduceSingleLeafToSelf: true
}

const lines = []
for (const testCase of job.cases) {
  const blockstore = new MemoryBlockstore()
  let last
  for await (const entry of importer(testCase.entries.map(toSource), blockstore, {
    ...options,
    wrapWithDirectory: testCase.wrap
  })) {
    last = entry
  }
  if (last == null) throw new Error(`case ${testCase.name} produced nothing`)
  lines.push(last.cid.toString())
}
process.stdout.write(lines.join('\n') + '\n')
