"""No code execution from uploads: the app's sources never unpickle, eval or shell out.

The scanner parses each file (``ast``), so a docstring or comment that *mentions* pickle is
fine and an aliased import (``import pickle as p``, ``from torch import load``) is not.
Rules:

* ``pickle``: importing or using pickle, cPickle, _pickle, dill, cloudpickle, joblib,
  or calling ``read_pickle``;
* ``torch.load``: ``torch.load`` without ``weights_only=True``;
* ``allow_pickle``: any call with ``allow_pickle`` other than ``False``;
* ``eval`` / ``exec``: the builtins (``model.eval()`` is a method and fine);
* ``marshal``, ``shelve``: importing or using them;
* ``yaml.load``: ``yaml.load`` / ``load_all`` without a safe loader, ``unsafe_load``,
  ``full_load``;
* ``shell``: ``subprocess`` calls with ``shell`` other than ``False``, ``os.system``,
  ``os.popen``;
* ``dynamic import``: ``__import__`` / ``importlib.import_module`` of any module above.

A finding is allowed only by an entry ``(file, rule, reason)`` in :data:`ALLOW_LIST`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("pooling_core", "explorer", "pages", "app.py", "bench")

#: (path relative to the repository root, rule, why it is safe). Keep it as short as possible.
ALLOW_LIST: list[tuple[str, str, str]] = [
    ("pooling_core/encoders/families.py", "dynamic import",
     "import_object() imports 'module:Name' strings written in this code (the FAMILIES table and "
     "registered factories); a model id, a model's config.json or an upload only picks one of them"),
]

PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib"}
BANNED_MODULES = {**{m: "pickle" for m in PICKLE_MODULES}, "marshal": "marshal", "shelve": "shelve"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.code}"


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, source: str) -> None:
        self.path, self.lines = path, source.splitlines()
        self.aliases: dict[str, str] = {}  # local name -> dotted module path it stands for
        self.findings: list[Finding] = []

    def flag(self, node: ast.AST, rule: str) -> None:
        line = getattr(node, "lineno", 0)
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.findings.append(Finding(self.path, line, rule, code))

    # -- names
    def dotted(self, node: ast.AST) -> str | None:
        """``a.b.c`` for a Name / Attribute chain, with import aliases resolved."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[(alias.asname or alias.name).split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0])
            self.check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self.check_module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}" if module else alias.name
            self.aliases[alias.asname or alias.name] = full
            self.check_module(node, full)
        self.generic_visit(node)

    def check_module(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        if top in BANNED_MODULES:
            self.flag(node, BANNED_MODULES[top])

    def visit_Name(self, node: ast.Name) -> None:
        # A use without an import of its own (a star import, a global passed in...).
        if node.id in BANNED_MODULES and node.id not in self.aliases:
            self.flag(node, BANNED_MODULES[node.id])

    # -- calls
    def visit_Call(self, node: ast.Call) -> None:
        name = self.dotted(node.func) or ""
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        last = name.rsplit(".", 1)[-1]
        if name in ("eval", "exec", "builtins.eval", "builtins.exec"):
            self.flag(node, last)
        if name in ("torch.load", "torch.serialization.load") and not _is_const(keywords.get("weights_only"), True):
            self.flag(node, "torch.load")
        if "allow_pickle" in keywords and not _is_const(keywords["allow_pickle"], False):
            self.flag(node, "allow_pickle")
        if last == "read_pickle":
            self.flag(node, "pickle")
        if name in ("yaml.load", "yaml.load_all") and not self.safe_loader(node, keywords):
            self.flag(node, "yaml.load")
        if name in ("yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all"):
            self.flag(node, "yaml.load")
        if name.startswith("subprocess.") and "shell" in keywords and not _is_const(keywords["shell"], False):
            self.flag(node, "shell")
        if name in ("os.system", "os.popen"):
            self.flag(node, "shell")
        if name in ("__import__", "importlib.import_module") and node.args:
            target = node.args[0]
            if not isinstance(target, ast.Constant) or str(target.value).split(".")[0] in BANNED_MODULES:
                self.flag(node, "dynamic import")
        self.generic_visit(node)

    def safe_loader(self, node: ast.Call, keywords: dict[str, ast.AST]) -> bool:
        loader = keywords.get("Loader", node.args[1] if len(node.args) > 1 else None)
        name = self.dotted(loader) if loader is not None else None
        return name is not None and name.rsplit(".", 1)[-1] in SAFE_YAML_LOADERS


def _is_const(node: ast.AST | None, value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def scan_source(source: str, path: str = "<snippet>") -> list[Finding]:
    """Every finding in ``source`` (Python code)."""
    scanner = _Scanner(path, source)
    scanner.visit(ast.parse(source, filename=path))
    return scanner.findings


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        assert path.exists(), f"{entry} is listed in SCANNED but does not exist"
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def scan_repository() -> list[Finding]:
    findings: list[Finding] = []
    for path in scanned_files():
        findings.extend(scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    return findings


def _allowed(finding: Finding) -> bool:
    return any(finding.path == path and finding.rule == rule for path, rule, _ in ALLOW_LIST)


# --------------------------------------------------------------------------- the repository


def test_sources_never_execute_code_from_data() -> None:
    files = scanned_files()
    assert len(files) > 40, f"only {len(files)} files scanned: is SCANNED right?"
    bad = [f for f in scan_repository() if not _allowed(f)]
    assert not bad, "code that can execute what it reads:\n" + "\n".join(map(str, bad))


def test_allow_list_entries_are_needed_and_explained() -> None:
    findings = scan_repository()
    for path, rule, reason in ALLOW_LIST:
        assert len(reason) > 20, f"{path} [{rule}]: say why it is safe"
        assert any(f.path == path and f.rule == rule for f in findings), f"stale allow-list entry: {path} [{rule}]"


# --------------------------------------------------------------------------- the scanner itself


@pytest.mark.parametrize(
    "snippet, rule",
    [
        ("import pickle\npickle.loads(x)", "pickle"),
        ("pickle.loads(x)", "pickle"),
        ("from pickle import loads", "pickle"),
        ("import cloudpickle as cp", "pickle"),
        ("import pandas as pd\npd.read_pickle(f)", "pickle"),
        ("import torch\ntorch.load(f)", "torch.load"),
        ("import torch\ntorch.load(f, weights_only=False)", "torch.load"),
        ("import torch as T\nT.load(f, map_location='cpu')", "torch.load"),
        ("from torch import load\nload(f)", "torch.load"),
        ("import numpy as np\nnp.load(f, allow_pickle=True)", "allow_pickle"),
        ("np.lib.format.read_array(fp, allow_pickle=flag)", "allow_pickle"),
        ("eval('1 + 1')", "eval"),
        ("exec(code)", "exec"),
        ("import builtins\nbuiltins.eval(s)", "eval"),
        ("import marshal\nmarshal.loads(b)", "marshal"),
        ("import shelve\nshelve.open(p)", "shelve"),
        ("import yaml\nyaml.load(s)", "yaml.load"),
        ("import yaml\nyaml.load(s, Loader=yaml.Loader)", "yaml.load"),
        ("import yaml\nyaml.unsafe_load(s)", "yaml.load"),
        ("import subprocess\nsubprocess.run(cmd, shell=True)", "shell"),
        ("from subprocess import Popen\nPopen(cmd, shell=True)", "shell"),
        ("import os\nos.system('ls')", "shell"),
        ("__import__('pickle')", "dynamic import"),
        ("import importlib\nimportlib.import_module(name)", "dynamic import"),
    ],
)
def test_scanner_flags(snippet: str, rule: str) -> None:
    assert rule in {f.rule for f in scan_source(snippet)}, scan_source(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '"""Nothing here ever unpickles; a pickle renamed .npy is refused."""',
        "# never import pickle\nx = 1",
        "Sniffed('pickle', 'a Python pickle')",
        "model.to(device).eval()",
        "import torch\ntorch.load(f, weights_only=True)",
        "import safetensors.torch\nsafetensors.torch.load(data)",
        "import numpy as np\nnp.load(f, allow_pickle=False)",
        "import yaml\nyaml.safe_load(s)",
        "import yaml\nyaml.load(s, Loader=yaml.SafeLoader)",
        "import subprocess\nsubprocess.run(['ls', '-l'], check=True)",
        "import importlib\nimportlib.import_module('pooling_core.io')",
        "def __getstate__(self):\n    return self.__dict__",
    ],
)
def test_scanner_allows(snippet: str) -> None:
    assert scan_source(snippet) == []


def test_scanner_reports_file_line_and_code() -> None:
    (finding,) = scan_source("x = 1\ny = pickle.loads(x)\n", "evil.py")
    assert (finding.path, finding.line, finding.rule, finding.code) == ("evil.py", 2, "pickle", "y = pickle.loads(x)")
