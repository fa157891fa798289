"""Fill ``bundled/libs`` with the Shape Lens server and its dependencies, for the .vsix.

    python3 client/scripts/bundle_python.py --target linux-x64 [--python 3.10 3.11 ...]

The user installs nothing: the extension puts ``bundled/libs`` on ``PYTHONPATH`` and runs
``python -m shapelens serve`` with whatever Python 3.10+ it finds.

Everything is pure Python except libcst (and PyYAML, which libcst needs), whose compiled
modules are specific to a CPython version and a platform. Their file names carry both
(``native.cpython-312-x86_64-linux-gnu.so``), so the builds for several CPython versions sit
side by side in one folder and each interpreter imports its own. This script installs the
server once per CPython version for the target platform, from wheels only, and merges the
results; a pure-Python file that differs between versions stops the build. The .vsix is then
platform-specific (``vsce package --target <target>``). ``bundled/libs/shapelens-bundle.json``
records what was bundled, so the extension can say clearly when an interpreter is not covered.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
MANIFEST_NAME = "shapelens-bundle.json"

# VS Code's platform targets -> the wheel platform tags pip should accept for them.
# pip widens each manylinux tag to the older glibc versions itself.
WHEEL_PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-x64": ("manylinux_2_28_x86_64",),
    "linux-arm64": ("manylinux_2_28_aarch64",),
    "alpine-x64": ("musllinux_1_2_x86_64",),
    "darwin-x64": ("macosx_10_12_x86_64", "macosx_10_13_x86_64"),
    "darwin-arm64": ("macosx_11_0_arm64",),
    "win32-x64": ("win_amd64",),
}


def is_shipped(relative: Path) -> bool:
    """Whether a file that pip installed belongs in the .vsix."""
    parts = relative.parts
    if parts[0] == "bin" or "__pycache__" in parts:
        return False  # console scripts pointing at the build machine's Python; bytecode caches
    if relative.name == "direct_url.json":
        return False  # the build machine's temporary wheel path
    if parts[0] == "libcst" and "tests" in parts:
        return False  # libcst's own test suite
    if parts[0] == "yaml" and relative.name.startswith("_yaml."):
        return False  # PyYAML's optional libyaml accelerator: 2.6 MB per CPython, pure-Python fallback
    return True


def run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, env={**os.environ, "PIP_ROOT_USER_ACTION": "ignore"})


def build_server_wheel(workdir: Path) -> Path:
    wheel_dir = workdir / "wheel"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheel_dir), str(REPO_ROOT)])
    wheels = sorted(wheel_dir.glob("shapelens-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"error: expected one shapelens wheel in {wheel_dir}, found {wheels}")
    return wheels[0]


def install_for(python_version: str, platforms: tuple[str, ...], server_wheel: Path, target_dir: Path) -> None:
    abi = "cp" + python_version.replace(".", "")
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--no-warn-script-location",
        "--target", str(target_dir), "--only-binary", ":all:",
        "--python-version", python_version, "--implementation", "cp", "--abi", abi, "--abi", "abi3", "--abi", "none",
    ]
    for platform in platforms:
        command += ["--platform", platform]
    run(command + [str(server_wheel)])


def merge_into(source: Path, destination: Path) -> list[str]:
    """Copy ``source`` over ``destination``; return the pure-Python files that disagree."""
    conflicts: list[str] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or not is_shipped(relative):
            continue
        target = destination / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        elif not filecmp.cmp(path, target, shallow=False):
            # A wheel's metadata names its own tag; only real code must agree.
            if not any(part.endswith(".dist-info") for part in relative.parts):
                conflicts.append(str(relative))
    return conflicts


def distributions(libs: Path) -> dict[str, str]:
    found = {}
    for dist_info in sorted(libs.glob("*.dist-info")):
        name, _, version = dist_info.name[: -len(".dist-info")].partition("-")
        found[name] = version
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="linux-x64", choices=sorted(WHEEL_PLATFORMS))
    parser.add_argument("--python", nargs="+", default=list(DEFAULT_PYTHON_VERSIONS), metavar="X.Y")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bundled" / "libs")
    args = parser.parse_args()

    libs: Path = args.out
    if libs.exists():
        shutil.rmtree(libs)
    libs.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="shapelens-bundle-") as tmp:
        workdir = Path(tmp)
        server_wheel = build_server_wheel(workdir)
        for python_version in args.python:
            per_version = workdir / f"py{python_version}"
            install_for(python_version, WHEEL_PLATFORMS[args.target], server_wheel, per_version)
            conflicts = merge_into(per_version, libs)
            if conflicts:
                raise SystemExit(
                    f"error: Python {python_version} needs different versions of pure-Python files than the "
                    f"versions bundled before it: {', '.join(conflicts[:5])}"
                )

    manifest = {
        "target": args.target,
        "pythonVersions": args.python,
        "distributions": distributions(libs),
    }
    (libs / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size_mb = sum(f.stat().st_size for f in libs.rglob("*") if f.is_file()) / 1e6
    print(f"bundled {len(manifest['distributions'])} distributions for {args.target}, "
          f"CPython {' '.join(args.python)}: {size_mb:.1f} MB in {libs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
