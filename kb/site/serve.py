"""`kb site serve`: serve the built site with MkDocs' own watcher and live reload, rebuilding on every change.

MkDocs' LiveReloadServer watches the policy files and the site's sources, calls `Rebuilder` after a
change and then reloads every open page. A failed rebuild (a policy file half-edited, say) never
replaces the site: the last good build stays up, the problems are printed, and every page shows
them in a banner until a good build replaces it (the open pages reload then too).
"""

from __future__ import annotations

import html
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kb.knowledge import load
from kb.problems import KBError, PolicyError
from kb.site import paths
from kb.site.build import build_site

if TYPE_CHECKING:
    from mkdocs.livereload import LiveReloadServer

BANNER_STYLE = ("position:fixed;left:0;right:0;bottom:0;z-index:10;max-height:40vh;overflow:auto;margin:0;"
                "padding:.8rem 1rem;background:#fde7e7;color:#7f1010;border-top:3px solid #b71c1c;"
                "font:13px/1.4 monospace;white-space:pre-wrap")


class Rebuilder:
    """Rebuild the site from the policies; remember the problems of the last failed attempt."""

    def __init__(self, policies: Path, output: Path):
        self.policies = policies
        self.output = output
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        started = time.perf_counter()
        try:
            result = build_site(load(self.policies), self.output, policies=self.policies)
        except PolicyError as err:
            self._failed([str(p) for p in err.problems],
                         f"{len(err.problems)} problem(s) in the policy files; still serving the last good build")
            return False
        except KBError as err:
            self._failed([str(err)], "site not rebuilt; still serving the last good build")
            return False
        with self._lock:
            self.problems = []
        print(f"rebuilt {result.pages} pages in {time.perf_counter() - started:.1f} s", flush=True)
        return True

    def _failed(self, problems: list[str], summary: str) -> None:
        with self._lock:
            self.problems = [*problems, summary]
        for line in self.problems:
            print(line, file=sys.stderr, flush=True)

    def banner(self) -> bytes:
        """HTML shown on every page while the last rebuild failed (empty when it succeeded)."""
        with self._lock:
            problems = list(self.problems)
        if not problems:
            return b""
        text = "The last change did not build; this is the last good build.\n" + "\n".join(problems)
        return f'<pre id="kb-build-errors" role="alert" style="{BANNER_STYLE}">{html.escape(text)}</pre>'.encode()


def make_server(rebuild: Rebuilder, output: Path, host: str, port: int, watched: list[Path]) -> LiveReloadServer:
    """A LiveReloadServer on `output` that calls `rebuild` when a watched file changes."""
    from mkdocs.livereload import LiveReloadServer

    class Server(LiveReloadServer):
        def server_activate(self) -> None:
            super().server_activate()
            # only now does the port accept connections: say so (tests wait for this line)
            print(f"serving {output} at http://{host}:{self.server_address[1]}/ with live reload (Ctrl-C to "
                  f"stop); watching {', '.join(str(w) for w in watched)}", flush=True)

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            content = super()._inject_js_into_html(content, epoch)
            banner = rebuild.banner()
            if not banner:
                return content
            end = content.rfind(b"</body>")
            end = len(content) if end < 0 else end
            return content[:end] + banner + content[end:]

    # a failed rebuild returns normally: MkDocs would otherwise hold every request until a good build
    def build() -> None:  # MkDocs' builder returns nothing; the rebuilder's result is for the first build
        rebuild()

    server = Server(builder=build, host=host, port=port, root=str(output), polling_interval=0.5)
    for folder in watched:
        server.watch(str(folder))
    return server


def serve(policies: Path, output: Path, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve `output` with live reload until interrupted, rebuilding from `policies` on every change."""
    rebuild = Rebuilder(policies, output)
    watched = [policies, paths.site_source()]
    server = make_server(rebuild, output, host, port, watched)
    try:
        server.serve()
    except OSError as err:
        print(f"cannot listen on {host}:{port}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.shutdown()
    return 0
