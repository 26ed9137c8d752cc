"""`kb site build`: generate the pages from the compiled knowledge base, then run MkDocs on them.

The hand-written sources are in site/ (mkdocs.yml, pages/, assets/, overrides/). A build writes a
complete MkDocs project into the source folder (build/site-src):

    build/site-src/mkdocs.yml   site/mkdocs.yml with docs_dir: docs and site_dir: site
    build/site-src/overrides/   site/overrides
    build/site-src/docs/        site/pages and site/assets, the `<!-- kb:NAME -->` markers of the
                                hand-written pages filled, one page per payer, code and modifier and
                                the other generated pages, the calculator's data, the artifact

so `mkdocs build -f build/site-src/mkdocs.yml` and `zensical build -f build/site-src/mkdocs.yml`
(Zensical wants docs_dir and site_dir inside the config's folder) build it as it is. `kb site build`
runs MkDocs on it (strict: any warning fails the build) into a fresh folder that replaces the
output folder (build/site) only when the build succeeded — a server never shows half a site.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kb import artifact
from kb.extras import require
from kb.knowledge import KnowledgeBase
from kb.problems import KBError
from kb.site import feeds, paths, visitcheck
from kb.site.context import Page, SiteContext
from kb.site.linkcheck import check_links
from kb.site.nodes import Blocks
from kb.site.pages import calculator, changes, codes, compare, home, methods, modifiers, payers, reference, sources
from kb.site.templates import LinkUse, Writer

MARKER = re.compile(r"<!--\s*kb:([a-z0-9-]+)\s*-->")
GENERATORS: tuple[Callable[[SiteContext], list[Page]], ...] = (
    payers.pages, codes.pages, modifiers.pages, compare.pages, changes.pages, methods.pages, sources.pages,
)
FRAGMENTS: dict[str, Callable[[SiteContext], Blocks]] = {**home.FRAGMENTS, **reference.FRAGMENTS}


class SiteError(KBError):
    """The site could not be built (MkDocs warnings in strict mode, a bad marker, missing sources)."""


@dataclass(frozen=True)
class BuildResult:
    output: Path
    source: Path  # the generated MkDocs project (mkdocs.yml, docs/, overrides/)
    pages: int
    bytes: int
    seconds: float
    generate_seconds: float


def latest_read(model: dict[str, Any]) -> str | None:
    """The latest day a source document was read for the knowledge base (stated in the data itself)."""
    days = [str(doc["read"]) for doc in model.get("documents", {}).values() if doc.get("read")]
    return max(days) if days else None


def last_changed(policies: Path, model: dict[str, Any]) -> str:
    """When the policies last changed, from their content and git — never from file times, so identical
    policies build identical pages.

    In a clean git checkout: the day of the last commit touching the policies. Otherwise (no git, or
    edits not committed yet): the latest day a source was read, stated in the data, and the content hash."""
    content = f"content {str(model.get('content_hash', ''))[:12]}"
    read = latest_read(model)
    stated = f"sources last read {read}, {content}" if read else content
    root = policies.resolve()
    try:
        committed = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cs", "--", "."],
                                   capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return stated
    if not committed:
        return f"{stated} (not committed)"
    if dirty:
        return f"{committed}, then edited ({stated})"
    return committed


def write_page(folder: Path, page: Page, found: list[LinkUse]) -> None:
    target = folder / page.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(Writer(page.path, found).page(page), encoding="utf-8")


def fill_markers(text: str, ctx: SiteContext, where: str, found: list[LinkUse] | None = None) -> str:
    """A hand-written page (`where`, its path under docs/) with each `<!-- kb:NAME -->` replaced by the
    blocks of that fragment."""
    writer = Writer(where, [] if found is None else found)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in FRAGMENTS:
            raise SiteError(f"{where}: unknown marker <!-- kb:{name} -->; known: {', '.join(sorted(FRAGMENTS))}")
        return writer.blocks(FRAGMENTS[name](ctx))

    return MARKER.sub(replace, text)


def project_config(text: str) -> str:
    """site/mkdocs.yml for the generated project: only docs_dir and site_dir change."""
    for key, value in (("docs_dir", "docs"), ("site_dir", "site")):
        text, count = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text)
        if count != 1:
            raise SiteError(f"site/mkdocs.yml must set {key} once, on a line of its own")
    return "# Generated by kb site build from site/mkdocs.yml: edit that file, not this one.\n" + text


def generate(ctx: SiteContext, project: Path, site_dir: Path | None = None,
             found: list[LinkUse] | None = None) -> int:
    """Write the MkDocs project of the site into `project` (emptied first); returns the page count.

    Links the templates write are appended to `found` (check them with linkcheck.check_links once MkDocs has
    built the pages)."""
    found = [] if found is None else found
    site_dir = site_dir or paths.site_source()
    if project.exists():
        shutil.rmtree(project)
    source = project / "docs"
    source.mkdir(parents=True)
    (project / "mkdocs.yml").write_text(project_config((site_dir / "mkdocs.yml").read_text(encoding="utf-8")),
                                        encoding="utf-8")
    shutil.copytree(site_dir / "overrides", project / "overrides")
    shutil.copytree(site_dir / "assets", source / "assets")
    count = 0
    for hand in sorted((site_dir / "pages").rglob("*")):
        if hand.is_dir():
            continue
        rel = hand.relative_to(site_dir / "pages")
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if hand.suffix == ".md":
            text = fill_markers(hand.read_text(encoding="utf-8"), ctx, rel.as_posix(), found)
            target.write_text(text, encoding="utf-8")
            count += 1
        else:
            shutil.copy2(hand, target)
    for generator in GENERATORS:
        for page in generator(ctx):
            if (source / page.path).exists():
                raise SiteError(f"generated page {page.path} would overwrite a hand-written page")
            write_page(source, page, found)
            count += 1
    (source / calculator.DATA_FILE).parent.mkdir(parents=True, exist_ok=True)
    (source / calculator.DATA_FILE).write_text(calculator.data_script(ctx), encoding="utf-8")
    (source / "kb.json").write_text(artifact.dumps(ctx.model), encoding="utf-8")
    feeds.write(ctx, source)
    visitcheck.write(source, ctx.model)
    return count


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(project: Path, output: Path, check: Callable[[Path], list[str]] | None = None) -> None:
    """MkDocs on the generated project, strict; the output folder is replaced only on success.

    `check(built_folder)` returns problems with the fresh build (any fails it) before it replaces
    the output."""
    require("site", "building the site")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's notice about MkDocs 2 is not a problem here
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config = project.resolve() / "mkdocs.yml"
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.new-"))
    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    try:
        cfg = load_config(config_file=str(config), site_dir=str(fresh), strict=True)
        build(cfg)
    except (MkDocsException, SystemExit) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        detail = "\n".join(f"  {m}" for m in collect.messages)
        raise SiteError(f"MkDocs failed: {exc}" + (f"\n{detail}" if detail else "")) from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    finally:
        logger.removeHandler(collect)
    if collect.messages:
        shutil.rmtree(fresh, ignore_errors=True)
        raise SiteError("MkDocs warnings:\n" + "\n".join(f"  {m}" for m in collect.messages))
    problems = check(fresh) if check is not None else []
    if problems:
        shutil.rmtree(fresh, ignore_errors=True)
        raise SiteError(f"{len(problems)} broken link(s) in the generated tables:\n"
                        + "\n".join(f"  {p}" for p in problems[:50]))
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        output.rename(old)
    fresh.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def folder_size(folder: Path) -> tuple[int, int]:
    """(pages, bytes) of a built site."""
    pages = sum(1 for _ in folder.rglob("index.html"))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return pages, size


def build_site(
    kb: KnowledgeBase,
    output: Path,
    *,
    as_of: date | None = None,
    policies: Path | None = None,
    source: Path | None = None,
) -> BuildResult:
    """Generate the pages for `kb` and build the HTML site into `output`."""
    started = time.perf_counter()
    ctx = SiteContext(kb, as_of or date.today(),
                      last_changed=last_changed(policies, kb.model) if policies is not None else "unknown")
    source = source or paths.source_dir_for(output)
    found: list[LinkUse] = []
    generate(ctx, source, found=found)
    generated = time.perf_counter() - started
    run_mkdocs(source, output, check=lambda built: check_links(found, source / "docs", built))
    pages, size = folder_size(output)
    return BuildResult(output, source, pages, size, time.perf_counter() - started, generated)
