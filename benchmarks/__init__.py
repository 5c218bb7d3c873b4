"""permapress benchmarks: `make bench` runs them and prints ratios against the anchors."""
