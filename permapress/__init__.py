"""permapress: publish news as signed, content-addressed IPFS bundles."""

__version__ = "0.1.0"
