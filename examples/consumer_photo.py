"""A consumer verifies a photographed carton label through the service.

1. Render the QR Code of a carton label's GS1 Digital Link with :mod:`trace_std.render` (the
   Sơn La longan label of ``examples/labels/valid-sonla-longan-cn.json``, which the synthetic sample
   registry knows).
2. "Photograph" it with Pillow: the label on cardboard, rotated 5°, slightly blurred, saved as JPEG.
3. Verify it through the service, two ways:
   - as the website does: ``POST /scan`` with the photo (the server decodes it) -> the result page,
     whose verdict is in ``data-verdict``;
   - as an app would: decode the photo (``trace_std.render.decode.decode_image``) and
     ``GET /v1/verify?q=<the decoded Digital Link>`` -> a JSON ``Report`` with the verdict.

By default the service is an in-process Flask app (``api.create_app``) on a temporary SQLite registry
loaded with the sample; ``--url http://127.0.0.1:8000`` talks to a running ``trace-std serve`` instead.

    python examples/consumer_photo.py [--url URL] [--out DIR]

Exit code 0 when both ways say ``genuine``. Needs ``pip install 'trace-std[all]'``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from trace_std.gs1 import parse_digital_link
from trace_std.label import check_label
from trace_std.render.decode import decode_image
from trace_std.render.qr import qr_png

LABEL = Path(__file__).resolve().parent / "labels" / "valid-sonla-longan-cn.json"


def photograph(
    png: bytes, *, angle: float = 5.0, blur: float = 1.3, size: tuple[int, int] = (1600, 1200)
) -> bytes:
    """A JPEG 'photo' of a printed symbol: on cardboard, a little rotated, a little out of focus."""
    symbol = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = size
    carton = Image.new("RGB", size, (196, 160, 112))
    noise = Image.effect_noise((width // 4, height // 4), 24).resize(size).convert("RGB")
    carton = Image.blend(carton, noise, 0.12)
    scale = 0.45 * width / symbol.width
    sticker = symbol.resize((int(symbol.width * scale), int(symbol.height * scale)), Image.Resampling.NEAREST)
    paper = Image.new("RGB", (sticker.width + 40, sticker.height + 40), (250, 250, 246))
    paper.paste(sticker, (20, 20))
    carton.paste(paper, ((width - paper.width) // 2 + 17, (height - paper.height) // 2 - 11))
    photo = carton.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(120, 100, 80))
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    return out.getvalue()


class Service:
    """The two calls the example makes, against the in-process app or a served one."""

    def __init__(self, url: str | None, workdir: Path) -> None:
        self.url = url.rstrip("/") if url else None
        if self.url is None:
            from api import create_app

            app = create_app(
                {
                    "DATABASE_URL": f"sqlite:///{workdir / 'registry.sqlite3'}",
                    "ENSURE_SAMPLE": True,  # the synthetic Sơn La sample, as `trace-std serve` loads it
                    "RATELIMIT_ENABLED": False,
                }
            )
            self.client = app.test_client()

    def scan(self, photo: bytes) -> tuple[int, str]:
        if self.url is None:
            r = self.client.post(
                "/scan",
                data={"photo": (io.BytesIO(photo), "label.jpg", "image/jpeg")},
                content_type="multipart/form-data",
                headers={"Accept-Language": "en"},
            )
            return r.status_code, r.get_data(as_text=True)
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="label.jpg"\r\n'
                f"Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + photo
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            f"{self.url}/scan",
            data=body,
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept-Language": "en"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")

    def verify(self, text: str) -> tuple[int, dict[str, Any]]:
        query = "/v1/verify?" + urllib.parse.urlencode({"q": text})
        if self.url is None:
            r = self.client.get(query)
            return r.status_code, r.get_json()
        with urllib.request.urlopen(f"{self.url}{query}", timeout=30) as response:
            return response.status, json.loads(response.read())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url", help="a running service (default: an in-process app on a temporary registry)"
    )
    parser.add_argument("--out", type=Path, help="keep the rendered symbol and the photo here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)

        # 1. the label's Digital Link, on the service's own resolver domain, as a QR Code
        label = json.loads(LABEL.read_text("utf-8"))
        link = parse_digital_link(check_label(label).details["digital_link"]).with_domain(
            "https://id.example.vn"
        )
        png = qr_png(link, module_px=8)
        (out / "qr.png").write_bytes(png)
        print(f"1. rendered the QR Code of {link}")

        # 2. the photo
        photo = photograph(png)
        (out / "photo.jpg").write_bytes(photo)
        print(
            f"2. photographed it: {'x'.join(map(str, Image.open(io.BytesIO(photo)).size))} JPEG, "
            f"{len(photo) // 1024} KB, rotated and blurred ({out / 'photo.jpg'})"
        )

        service = Service(args.url, Path(tmp))
        # 3a. the website: the server decodes the photo
        status, html = service.scan(photo)
        match = re.search(r'data-verdict="([a-z]+)"', html)
        page_verdict = match.group(1) if match else None
        headline = re.search(r'<h1 id="verdict-h"[^>]*>(.*?)</h1>', html, re.S)
        print(
            f"3. POST /scan -> {status}, verdict {page_verdict!r}"
            f" ({headline.group(1).strip() if headline else 'no headline'})"
        )

        # 3b. an app: decode on the device, ask the JSON API
        symbols = decode_image(photo)
        text = symbols[0].text
        status, report = service.verify(text)
        print(f"4. decoded {symbols[0].format}: {text}")
        print(
            f"   GET /v1/verify -> {status}, verdict {report['verdict']!r}, "
            f"PUC {report.get('puc', {}).get('code')}, PHC {report.get('phc', {}).get('code')}, "
            f"checked on {report.get('as_of')}"
        )
        for issue in report["issues"]:
            print(f"   {issue['severity']}: {issue['code']}: {issue['message']}")
    return 0 if page_verdict == "genuine" and report["verdict"] == "genuine" else 1


if __name__ == "__main__":
    sys.exit(main())
