"""Third-party V2 clients in venvs of their own, built once and kept in .tox/.

MLServer 1.7 and the kserve SDK 0.21 cannot share roost's test environment:
kserve pins pandas below 3 and starlette at 1.3 or later, MLServer pins
fastapi below 0.116 (so starlette below 0.47). Each gets its own venv under
`.tox/clients/`, rebuilt only when its requirements change; tests run their
code there as a separate Python process.

uv installs them: it resolves and unpacks in parallel and compiles no
bytecode up front, so a fresh clone builds both in seconds where pip took
minutes; the pins, and so the clients tested, are the same.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uv

__all__ = ["CLIENTS", "client_python", "run_in"]

REPO_DIR = Path(__file__).resolve().parents[2]
CLIENTS_DIR = REPO_DIR / ".tox" / "clients"
#: Each client's requirements, pinned to the versions roost is tested against.
CLIENTS: dict[str, tuple[str, ...]] = {
    # NOTE: MLServer 1.7.1's PandasCodec fails on pandas 3's default string
    # dtype (KeyError 'O'); pandas 2 is what it was released against.
    "mlserver": ("mlserver==1.7.1", "pandas<3"),
    "kserve": ("kserve==0.21.0",),
}
INSTALL_TIMEOUT = 600.0
RUN_TIMEOUT = 300.0
_STAMP = ".roost-requirements"


def client_python(name: str) -> Path:
    """Return the interpreter of client `name`'s venv, building it if needed.

    A lock file serialises sessions that build the same venv at once; the
    stamp is written last, so an interrupted build is redone next time.
    """
    requirements = CLIENTS[name]
    folder = CLIENTS_DIR / name
    python = folder / "bin" / "python"
    stamp = folder / _STAMP
    wanted = json.dumps(requirements)
    CLIENTS_DIR.mkdir(parents=True, exist_ok=True)
    with (CLIENTS_DIR / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == wanted:
            return python
        shutil.rmtree(folder, ignore_errors=True)
        venv.create(folder, with_pip=False)
        subprocess.run(
            [
                uv.find_uv_bin(),
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                *requirements,
            ],
            check=True,
            timeout=INSTALL_TIMEOUT,
        )
        stamp.write_text(wanted)
    return python


def run_in(python: Path, args: Sequence[str], stdin: str) -> Any:
    """Run `python args...` with `stdin`; return the JSON it prints.

    Raises:
        AssertionError: the process failed; its stderr says why.
    """
    result = subprocess.run(
        [str(python), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


if __name__ == "__main__":
    # Build the venvs ahead of a test run: python tests/support/client_venvs.py
    for client in sys.argv[1:] or CLIENTS:
        print(client_python(client))
