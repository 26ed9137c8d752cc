"""The site billing staff use: pages generated from the compiled knowledge base, built with MkDocs.

    from kb.site import build_site
    build_site(kb.load("policies"), Path("build/site"))

`kb site build` and `kb site serve` are the command-line front ends (kb/site/cli.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.site.build import BuildResult, SiteError, build_site

__all__ = ["BuildResult", "SiteError", "build_site"]


def __getattr__(name: str) -> Any:
    # the builder (Jinja2, every page module) is imported on first use: `kb check` registers the site commands
    # (kb/site/cli.py) and should not pay for them
    if name in __all__:
        from kb.site import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
