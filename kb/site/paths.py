"""Where the site's hand-written sources live and where builds go by default."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def site_source() -> Path:
    """The site/ folder: mkdocs.yml, hand-written pages, overrides, assets (in a wheel: kb/_data/site)."""
    for candidate in (_PACKAGE.parent / "site", _PACKAGE / "_data" / "site"):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    from kb.problems import KBError

    raise KBError("the site's sources (site/mkdocs.yml) are not installed with this copy of kb; "
                  "build the site from a checkout of the repository")


def default_output() -> Path:
    """build/site in the checkout (or the working directory when kb is installed elsewhere)."""
    checkout = _PACKAGE.parent
    root = checkout if (checkout / "site" / "mkdocs.yml").is_file() else Path.cwd()
    return root / "build" / "site"


def source_dir_for(output: Path) -> Path:
    """Where the generated Markdown for an output folder goes: build/site -> build/site-src."""
    return output.with_name(output.name + "-src")
