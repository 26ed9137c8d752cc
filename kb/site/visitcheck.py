"""The visit check's files: Pyodide and the Python claim checker itself, served from the built site.

The calculator page checks a whole visit with the project's own checker (kb/check), run in the
browser by Pyodide (CPython compiled to WebAssembly, from npm: web/package.json). Nothing is ported
to JavaScript, so the browser gives exactly the findings, fixes and sources of `kb check`; the
browser tests compare the two on hundreds of generated visits anyway (the packaging could drop a
module, the site could ship a stale kb.json).

A build copies into docs/assets/visitcheck/:
    pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json
    kb-checker.zip   the kb package without the site and the compiler's schema machinery, and PyYAML
                     (pure Python: kb.check reads YAML visits), with the kb package's data (the note lexicon).
                     Pyodide has no google-re2: there the documentation patterns run in Python's re
                     (kb/check/notes.py)
    kb.json.gz       the compiled knowledge base as the site's kb.json states it (packed: each inherited rule and
                     cited document once, kb/packing.py), compact and gzipped; the page expands it in Pyodide
The checker loads the compiled model, so neither networkx nor jsonschema is needed in the browser.
Without Pyodide installed the site still builds; the calculator then says the visit check could not start.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from kb.packing import pack

FOLDER = "assets/visitcheck"
ARCHIVE = "kb-checker.zip"
MODEL = "kb.json.gz"  # the packed model, compact and gzipped: about 90 KB (the expanded model gzipped: about 740 KB)
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# kb modules the checker never imports in the browser (the site builder, the command line, the compiler)
# (claims/ stays: kb.check imports it lazily for X12/FHIR input, which the page never sends)
_LEAVE_OUT = ("site", "cli.py", "__main__.py", "compiler.py", "lint.py", "schemas.py", "tree.py", "graph.py",
              "diff.py", "fmt.py", "fmtcli.py", "migrate.py", "mcp_server.py", "mcp_answers.py")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries carry this time: the same sources give the same archive


def pyodide_dir() -> Path | None:
    """Where npm installed Pyodide (web/node_modules/pyodide in a checkout, or $KB_PYODIDE_DIR), if anywhere."""
    candidates = []
    if os.environ.get("KB_PYODIDE_DIR"):
        candidates.append(Path(os.environ["KB_PYODIDE_DIR"]))
    candidates.append(Path(__file__).resolve().parents[2] / "web" / "node_modules" / "pyodide")
    for folder in candidates:
        if all((folder / name).is_file() for name in PYODIDE_FILES):
            return folder
    return None


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, _FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, path.read_bytes())


def checker_archive() -> bytes:
    """A zip of the kb package (what the checker imports) and pure-Python PyYAML, for Pyodide to unpack."""
    import yaml

    package = Path(__file__).resolve().parents[1]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted([*package.rglob("*.py"), *package.rglob("*.yaml")]):  # yaml: the note lexicon
            rel = path.relative_to(package)
            if rel.parts[0] in _LEAVE_OUT or "_data" in rel.parts:
                continue
            _add(archive, path, ("kb" / rel).as_posix())
        yaml_dir = Path(yaml.__file__).resolve().parent
        for path in sorted(yaml_dir.glob("*.py")):
            _add(archive, path, f"yaml/{path.name}")
    return buffer.getvalue()


def model_archive(model: dict[str, Any]) -> bytes:
    """The model packed (kb/packing.py) as compact JSON, gzipped with a fixed time stamp (equal models give equal
    bytes). The whole model: the parts the checker never reads (examples, input hashes) gzip to under 10 KB."""
    text = json.dumps(pack(model), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)


def write(docs: Path, model: dict[str, Any]) -> bool:
    """Copy Pyodide, the checker and the model into the docs folder; False when Pyodide is not installed."""
    source = pyodide_dir()
    if source is None:
        return False
    target = docs / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(source / name, target / name)
    (target / ARCHIVE).write_bytes(checker_archive())
    (target / MODEL).write_bytes(model_archive(model))
    return True
