"""What the notebooks share: where the repository, the `prevoir` binary, the data and the outputs
are, and how to run a `prevoir` command.

The notebooks read only what `prevoir` writes (CSV, Parquet, JSON): every number they show comes
from the Rust pipeline, and the notebooks fail loudly if a command fails or an output changes shape.

Environment:
    PREVOIR_BIN        the binary (default: target/debug/prevoir under the repository root;
                       build it with `cargo build`)
    PREVOIR_OPEN_DATA  the real open-data directory (`../shared/data` here, holding nantes/ and
                       ltown/). Unset: the notebooks use the shipped samples in data-samples/.
                       Set but missing: the notebook fails, as the tests do.
    PREVOIR_ROOT       the repository root (default: found from the working directory)
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path


def repo_root() -> Path:
    """The repository root: PREVOIR_ROOT, else the first parent of the working directory that holds
    Cargo.toml, notebooks/ and data-samples/."""
    if os.environ.get("PREVOIR_ROOT"):
        return Path(os.environ["PREVOIR_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for directory in [here, *here.parents]:
        if (directory / "Cargo.toml").is_file() and (directory / "notebooks").is_dir() and (directory / "data-samples").is_dir():
            return directory
    raise RuntimeError(f"cannot find the Prévoir repository above {here}; set PREVOIR_ROOT")


ROOT = repo_root()


def binary() -> Path:
    """The `prevoir` binary (PREVOIR_BIN or target/debug/prevoir)."""
    path = Path(os.environ.get("PREVOIR_BIN") or ROOT / "target" / "debug" / "prevoir")
    if not path.is_absolute():
        path = ROOT / path
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `cargo build` in {ROOT} or set PREVOIR_BIN")
    return path


def open_data(kind: str) -> Path | None:
    """`$PREVOIR_OPEN_DATA/<kind>` (kind = "nantes" or "ltown") when the variable is set, else None.
    A set variable that points at nothing is an error, never a silent fallback to the samples."""
    base = os.environ.get("PREVOIR_OPEN_DATA")
    if not base:
        return None
    path = Path(base)
    if not path.is_absolute():
        path = ROOT / path
    path = path / kind
    if not path.is_dir():
        raise FileNotFoundError(f"PREVOIR_OPEN_DATA={base} is set but {path} does not exist")
    return path.resolve()


def out_dir(notebook: str) -> Path:
    """`out/notebooks/<notebook>/` under the repository root, created."""
    path = ROOT / "out" / "notebooks" / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path


def prevoir(*args: object) -> str:
    """Runs `prevoir ARGS…` from the repository root and returns its standard output. Prints the
    command and its duration; raises with the end of its standard error if it fails."""
    command = [str(binary()), *(str(a) for a in args)]
    shown = "prevoir " + " ".join(shlex.quote(str(a)) for a in args)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"`{shown}` exited with status {result.returncode}:\n{result.stderr[-4000:]}")
    print(f"$ {shown}   ({seconds:.1f} s)")
    return result.stdout
