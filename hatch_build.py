"""Wheel build hook: ship the compiled artifact beside the packaged policies, so an installed
`kb.load()` reads it (about 70 ms) instead of compiling the YAML (about a second)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileArtifact(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # a checkout compiles policies/ itself (kb compile, or in memory)
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from kb import artifact
            from kb.compiler import compile_tree

            model = compile_tree(root / "policies")
        finally:
            sys.path.remove(str(root))
        out = Path(tempfile.mkdtemp()) / "kb.json"
        artifact.write(model, out)
        build_data["force_include"][str(out)] = "kb/_data/build/kb.json"
