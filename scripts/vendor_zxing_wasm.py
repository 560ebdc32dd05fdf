"""Re-vendor the website's in-browser barcode decoder from the npm registry: ``zxing-wasm`` (MIT).

The website's live scanner uses the browser's ``BarcodeDetector`` where there is one, and otherwise
this WebAssembly build of ZXing-C++ (``api/web/static/vendor/zxing-wasm/``), loaded only when the
camera opens. No CDN: the files are served by the site itself.

Run: ``python3 scripts/vendor_zxing_wasm.py [--version 3.1.8]`` (needs ``npm``). It runs
``npm pack zxing-wasm@VERSION``, checks the tarball against the registry's ``dist.integrity``
(SHA-512, Subresource Integrity form), and copies the reader only (the classic-script build, its
``.wasm`` and the licence) with a ``PROVENANCE.json`` naming the package, version, integrity and the
SHA-256 of each file. ``--check`` verifies the committed files against ``PROVENANCE.json`` without
the network (``tests/web/test_scanner.py`` does the same).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "api" / "web" / "static" / "vendor" / "zxing-wasm"
PACKAGE = "zxing-wasm"
VERSION = "3.1.8"
# tarball path -> vendored name
FILES = {
    "package/dist/iife/reader/index.js": "zxing-reader.js",
    "package/dist/reader/zxing_reader.wasm": "zxing_reader.wasm",
    "package/LICENSE": "LICENSE",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(version: str) -> dict[str, object]:
    spec = f"{PACKAGE}@{version}"
    meta = json.loads(
        subprocess.run(
            ["npm", "view", spec, "name", "version", "license", "dist", "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    integrity = str(meta["dist"]["integrity"])
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["npm", "pack", spec, "--pack-destination", tmp, "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        tarball = Path(tmp) / json.loads(out)[0]["filename"]
        algo, _, expected = integrity.partition("-")
        digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
        if digest != expected:
            raise SystemExit(f"{tarball.name}: {algo} {digest} does not match the registry's {expected}")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            for member, name in FILES.items():
                source = tar.extractfile(member)
                if source is None:
                    raise SystemExit(f"{member} missing from {tarball.name}")
                (TARGET / name).write_bytes(source.read())
    provenance = {
        "package": PACKAGE,
        "version": str(meta["version"]),
        "license": str(meta["license"]),
        "registry": "npm",
        "tarball": str(meta["dist"]["tarball"]).rsplit("/", 1)[-1],
        "integrity": integrity,
        "files": {name: {"from": member, "sha256": sha256(TARGET / name)} for member, name in FILES.items()},
        "regenerate": "python3 scripts/vendor_zxing_wasm.py --version " + str(meta["version"]),
    }
    (TARGET / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n", "utf-8")
    return provenance


def check() -> list[str]:
    """Problems with the committed copy (empty when it matches its PROVENANCE.json)."""
    provenance = json.loads((TARGET / "PROVENANCE.json").read_text("utf-8"))
    problems = []
    for name, entry in provenance["files"].items():
        path = TARGET / name
        if not path.exists():
            problems.append(f"{name} is missing")
        elif sha256(path) != entry["sha256"]:
            problems.append(f"{name} differs from PROVENANCE.json")
    extra = {p.name for p in TARGET.iterdir()} - set(provenance["files"]) - {"PROVENANCE.json"}
    problems += [f"{name} is not in PROVENANCE.json" for name in sorted(extra)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--check", action="store_true", help="verify the committed files; no network")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    provenance = vendor(args.version)
    print(
        f"vendored {provenance['package']}@{provenance['version']} ({provenance['integrity']}) into {TARGET}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
