"""HTTP serving: the website and the IPFS gateway (``create_app``), and ``ServedSet``."""
