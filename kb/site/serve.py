"""Serve the built site on localhost and rebuild it when a policy file (or the site's sources) changes.

A failed rebuild (a policy file half-edited, say) prints the problems and keeps serving the last
good site; the next save tries again.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import time
from pathlib import Path

from kb.knowledge import load
from kb.problems import KBError, PolicyError
from kb.site import paths
from kb.site.build import build_site


def snapshot(folders: list[Path]) -> dict[str, float]:
    """Modification time of every file under the folders (hidden files and folders skipped)."""
    seen: dict[str, float] = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
                continue
            try:
                seen[str(path)] = path.stat().st_mtime
            except OSError:
                continue
    return seen


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet: one line per rebuild is enough
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def make_server(output: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(Handler, directory=str(output))
    return http.server.ThreadingHTTPServer((host, port), handler)


def rebuild(policies: Path, output: Path) -> bool:
    started = time.perf_counter()
    try:
        result = build_site(load(policies), output, policies=policies)
    except PolicyError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the policy files; still serving the last good build",
              file=sys.stderr, flush=True)
        return False
    except KBError as err:
        print(f"site not rebuilt: {err}; still serving the last good build", file=sys.stderr, flush=True)
        return False
    print(f"rebuilt {result.pages} pages in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def serve(policies: Path, output: Path, host: str = "127.0.0.1", port: int = 8000, interval: float = 1.0) -> int:
    """Serve `output` until interrupted, rebuilding from `policies` when a watched file changes."""
    server = make_server(output, host, port)
    watched = [policies, paths.site_source()]
    print(f"serving {output} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop); "
          f"watching {', '.join(str(w) for w in watched)}", flush=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    before = snapshot(watched)
    try:
        while True:
            time.sleep(interval)
            now = snapshot(watched)
            if now != before:
                time.sleep(0.3)  # let an editor finish writing
                before = snapshot(watched)
                rebuild(policies, output)
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0
    finally:
        server.shutdown()
        server.server_close()
