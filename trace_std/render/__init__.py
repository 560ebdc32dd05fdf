"""Encoders and renderers for carton labels (optional extra ``render``).

* :mod:`~trace_std.render.gs1_128` -- GS1-128 symbols (SVG, PNG), split over two symbols when needed;
* :mod:`~trace_std.render.qr` -- QR Code of the GS1 Digital Link URI;
* :mod:`~trace_std.render.datamatrix` -- GS1 DataMatrix (zxing engine);
* :mod:`~trace_std.render.sheet` -- the printable 100 x 150 mm carton label sheet;
* :mod:`~trace_std.render.encode` -- label-level entry point used by ``trace-std encode``;
* :mod:`~trace_std.render.decode` -- read symbols back from an image (photo uploads).

Third-party packages (python-barcode, qrcode, zxing-cpp, Pillow) are imported inside the
functions that need them; importing this package needs none of them.
"""

from __future__ import annotations

from trace_std.render.engines import DEFAULT_ENGINE, ENGINES

__all__ = ["DEFAULT_ENGINE", "ENGINES"]
