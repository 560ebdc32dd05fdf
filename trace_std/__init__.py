"""trace_std: open standard and reference implementation for Vietnamese farm-produce traceability codes.

The library validates planting-area codes (PUC, *mã số vùng trồng*), packing-house
codes (PHC, *mã số cơ sở đóng gói*) and the GS1 data printed next to them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
