"""The site billing staff use: pages generated from the compiled knowledge base, built with MkDocs.

    from kb.site import build_site
    build_site(kb.load("policies"), Path("build/site"))

`kb site build` and `kb site serve` are the command-line front ends (kb/site/cli.py).
"""

from __future__ import annotations

from kb.site.build import BuildResult, SiteError, build_site

__all__ = ["BuildResult", "SiteError", "build_site"]
