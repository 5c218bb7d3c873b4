"""The permapress.toml that ``permapress init`` writes: every setting, explained."""

from __future__ import annotations


def default_config_text(name: str) -> str:
    """The permapress.toml that `permapress init` writes, with every setting explained."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f"""# permapress newsroom settings. Every key is optional except name.

[newsroom]
name = "{quoted}"
tagline = "Independent reporting, permanently published"
# Language of the site (BCP 47) and the time zone for dates written without one.
language = "en"
timezone = "UTC"
# Public address of the website, used in feeds and sitemaps (leave empty if unknown).
base_url = ""
# IPFS import profile: unixfs-v1-2025 (default), kubo-cid-v1 or unixfs-v0-2015.
profile = "unixfs-v1-2025"
# A public IPFS gateway for "open on a gateway" links, e.g. "https://dweb.link".
gateway = ""
# Articles per page on the home and category pages.
per_page = 20

# Your own categories mapped to IPTC Media Topics (codes from cv.iptc.org/newscodes/mediatopic).
[categories]
# "City Hall" = "medtop:11000000"

# A name may also stand for another, so both make one section:
# "Politics" = "Politics & Government"

# The newsroom's look: files in the theme/ folder beside this file (theme/site.css is added
# after the built-in stylesheet; theme/templates/NAME.html replaces a built-in template).
[look]
# logo = "logo.svg"          # shown in the masthead and used as the site's icon
# accent = "#9d1c1c"         # links on hover, labels, the current section
# body_font = "fonts/body.woff2"
# heading_font = "fonts/headings.woff2"

# The people who write for the newsroom: each gets a page authors/<slug>/ listing their
# articles, with its own feed; bylines with this name link to it.
# [authors.jane-doe]
# name = "Jane Doe"
# role = "Health correspondent"
# bio = "Jane has covered the region's hospitals since 2015."
# photo = "people/jane-doe.jpg"
# links = ["https://example.org/@jane"]

# Remote images that imported articles show are downloaded into their bundles.
[media]
archive = true        # false: leave them as links elsewhere (like `import --no-media`)
timeout = 30          # seconds for one image, redirects included
max_file_mb = 20      # per image
max_article_mb = 100  # all the images of one article
max_redirects = 5

# What one request to the IPFS gateway of `permapress serve` may send (docs/gateway.md).
[serve]
car_max_mb = 4096         # block data in one CAR response; a larger one is cut off
car_max_blocks = 1000000  # blocks in one CAR response
"""
