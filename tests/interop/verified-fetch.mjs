// Fetch IPFS content through one trustless gateway with @helia/verified-fetch, which checks
// every block it receives against its CID. Used by tests/server/test_interop.py.
//
//   node verified-fetch.mjs <gateway-url> <resource> [<resource> ...]
//
// A resource is "<ipfs URL>" or "<ipfs URL>|<Accept header>", e.g.
//   ipfs://bafy.../articles/index.html
//   ipfs://bafk...|application/vnd.ipld.raw
// Prints one JSON line per resource: {resource, status, contentType, length, sha256, base64}
// (base64 of the body, null above 64 KiB).
// Only the given gateway is used: no delegated routers, no other gateways.

// Node 20 lacks Promise.withResolvers, which the libp2p/helia stack expects.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve
    let reject
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

const { createHash } = await import('node:crypto')
const { createHeliaLight } = await import('helia')
const { withHTTP } = await import('@helia/http')
const { fallbackRouter } = await import('@helia/fallback-router')
const { createVerifiedFetchWithHelia } = await import('@helia/verified-fetch')

const [gateway, ...resources] = process.argv.slice(2)
if (gateway == null || resources.length === 0) {
  console.error('usage: node verified-fetch.mjs <gateway-url> <resource> [<resource> ...]')
  process.exit(2)
}

// createVerifiedFetch({ gateways: [gateway], routers: [] }) also starts libp2p, whose router
// is asked first and times out offline; and a Helia whose only router is a "fallback" one
// never finishes its provider search (no default router ever reports idle). So: an HTTP-only
// Helia whose one, ordinary router answers every CID with our gateway.
const gatewayProviders = fallbackRouter({ gateways: [gateway], shuffle: false })
const onlyOurGateway = {
  name: 'permapress-gateway',
  findProviders: (cid, options) => gatewayProviders.findProviders(cid, options)
}
const helia = withHTTP(createHeliaLight({ routers: [onlyOurGateway] }), {
  delegatedRouters: [],
  recursiveGateways: [],
  allowInsecure: true,
  allowLocal: true
})
await helia.start()
const verifiedFetch = await createVerifiedFetchWithHelia(helia)

let failed = false
try {
  for (const resource of resources) {
    const [url, accept] = resource.split('|')
    const init = { signal: AbortSignal.timeout(30000) }
    if (accept != null) {
      init.headers = { accept }
    }
    const response = await verifiedFetch(url, init)
    const body = new Uint8Array(await response.arrayBuffer())
    const sha256 = createHash('sha256').update(body).digest('hex')
    const line = JSON.stringify({
      resource,
      status: response.status,
      contentType: response.headers.get('content-type'),
      length: body.length,
      sha256,
      base64: body.length <= 65536 ? Buffer.from(body).toString('base64') : null
    })
    // wait for the write: process.exit() below would cut off output still queued for a pipe
    await new Promise((resolve) => process.stdout.write(line + '\n', resolve))
  }
} catch (err) {
  failed = true
  console.error(err)
} finally {
  await verifiedFetch.stop()
  await helia.stop()
}
process.exit(failed ? 1 : 0)
