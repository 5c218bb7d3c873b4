// Run a js-ipfs 0.66 daemon speaking the Kubo RPC API on /api/v0 and a path gateway.
// Used by tests/publish/ (the real IPFS implementation permapress publishes to).
//
//   node ipfs-daemon.mjs <repo-dir> [--offline]
//
// Listens on 127.0.0.1 with ports chosen by the system, no swarm addresses, no bootstrap peers,
// no MDNS or WebRTC discovery. Without --offline the node runs its network stack (libp2p, the
// DHT) with no peers to reach: the "online" code paths of every command. With --offline it is
// what `ipfs daemon --offline` starts: no libp2p at all, IPNS served from the local datastore. When ready it prints one JSON line to stdout:
//   {"api": "http://127.0.0.1:<port>", "gateway": "http://127.0.0.1:<port>", "peer": "<id>"}
// It stops cleanly on SIGTERM or SIGINT, or when stdin closes (so it never outlives its test).

// Node 20 lacks Promise.withResolvers, which parts of the libp2p stack expect.
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

const { Daemon } = await import('ipfs-daemon')

const repo = process.argv[2]
const extra = process.argv.slice(3)
if (!repo || extra.some((arg) => arg !== '--offline')) {
  console.error('usage: node ipfs-daemon.mjs <repo-dir> [--offline]')
  process.exit(2)
}
const offline = extra.includes('--offline')

const daemon = new Daemon({
  repo,
  repoAutoMigrate: false,
  offline,
  silent: true,
  init: { algorithm: 'Ed25519', emptyRepo: true },
  preload: { enabled: false },
  config: {
    Addresses: {
      Swarm: [],
      Announce: [],
      NoAnnounce: [],
      API: '/ip4/127.0.0.1/tcp/0',
      Gateway: '/ip4/127.0.0.1/tcp/0',
      RPC: ''
    },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } }
  }
})

let stopping = false
async function stop (code) {
  if (stopping) return
  stopping = true
  try {
    await daemon.stop()
  } finally {
    process.exit(code)
  }
}

process.on('SIGTERM', () => { stop(0) })
process.on('SIGINT', () => { stop(0) })
process.stdin.on('end', () => { stop(0) })
process.stdin.resume()

try {
  await daemon.start()
} catch (err) {
  console.error(`ipfs daemon failed to start: ${err.stack || err}`)
  process.exit(1)
}

const id = await daemon._ipfs.id()
const api = daemon._httpApi._apiServers[0].info
const gateway = daemon._httpGateway._gatewayServers[0].info
process.stdout.write(JSON.stringify({
  api: `http://127.0.0.1:${api.port}`,
  gateway: `http://127.0.0.1:${gateway.port}`,
  peer: id.id.toString(),
  offline
}) + '\n')
