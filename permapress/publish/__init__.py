"""Publishing to the IPFS network: Kubo RPC, the Pinning Service API, IPFS Cluster, IPNS, DNSLink.

targets.py   ``[publish.<name>]`` tables of permapress.toml -> ``Target`` (secrets by reference)
state.py     what is published where (tables ``publish_*`` in catalog.sqlite)
http.py      one HTTP client per target: retries with backoff, one-line errors
kubo.py      Kubo RPC: dag/import of streamed CARs, pin/add, routing/put, name/resolve
pinning.py   IPFS Pinning Service API 1.0: create/replace pins, poll until pinned
cluster.py   IPFS Cluster REST API: add a CAR with replication factors, status per peer
names.py     base36, libp2p Ed25519 public keys, IPNS names (``k51…``)
ipns.py      IPNS records: create (V1+V2 signatures), decode, verify
dnslink.py   the ``_dnslink`` TXT record to set
run.py       the resumable ``permapress publish`` and ``permapress status``
"""
