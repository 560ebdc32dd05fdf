"""The renderers are an optional extra: imported lazily, and a clear coded error without them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trace_std.errors import RenderError

THIRD_PARTY = ("barcode", "qrcode", "zxingcpp", "PIL")


def test_importing_the_package_imports_no_renderer() -> None:
    code = (
        "import sys\n"
        "import trace_std.render, trace_std.render.gs1_128, trace_std.render.qr, trace_std.render.datamatrix\n"
        "import trace_std.render.sheet, trace_std.render.decode, trace_std.render.encode, trace_std.cli.encode\n"
        f"print(sorted(m for m in {THIRD_PARTY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("missing", "call"),
    [
        (
            "zxingcpp",
            lambda: __import__("trace_std.render.gs1_128").render.gs1_128.gs1_128_svg(
                [("01", "18935234567892")], engine="zxing"
            ),
        ),
        (
            "barcode",
            lambda: __import__("trace_std.render.gs1_128").render.gs1_128.gs1_128_svg(
                [("01", "18935234567892")], engine="python"
            ),
        ),
        (
            "qrcode",
            lambda: __import__("trace_std.render.qr").render.qr.qr_svg(
                "https://x.example/01/1", engine="python"
            ),
        ),
        (
            "PIL",
            lambda: __import__("trace_std.render.decode").render.decode.decode_image(b"\x89PNG\r\n\x1a\n"),
        ),
    ],
)
def test_missing_extra_is_a_coded_error(missing: str, call: object, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == missing or name.startswith(missing + "."):
            monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, missing, None)  # type: ignore[arg-type]
    with pytest.raises(RenderError) as info:
        call()  # type: ignore[operator]
    assert info.value.code == "render.extra_missing"
    assert info.value.context["module"].split(".")[0] == missing
