#!/usr/bin/env python3
"""Draw the Home Assistant integration's brand icons: custom_components/gosms/brand/icon{,@2x}.png.

HACS and Home Assistant show a custom integration's own ``brand/icon.png`` (256x256) and
``brand/icon@2x.png`` (512x512): square, transparent around the shape, as the brands repository
asks. The picture is the project's own: a speech bubble with three dots (a message on its way) on
a round phone-screen badge. Drawn at four times the size and scaled down, so the edges are smooth;
the same Pillow gives the same bytes, so a rerun shows no change in git.

    .venv/bin/python scripts/brand_icon.py          # rewrite both files
    .venv/bin/python scripts/brand_icon.py --check  # exit 1 when a file differs from the drawing
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
BRAND = ROOT / "custom_components" / "gosms" / "brand"
SIZES = {"icon.png": 256, "icon@2x.png": 512}
SUPERSAMPLE = 4

BADGE = (0, 150, 136, 255)  # teal
BUBBLE = (255, 255, 255, 255)
DOTS = (0, 150, 136, 255)


def draw(size: int) -> Image.Image:
    """The icon at ``size`` pixels square."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * big), round(y0 * big), round(x1 * big), round(y1 * big))

    pen.rounded_rectangle(box(0.02, 0.02, 0.98, 0.98), radius=round(0.22 * big), fill=BADGE)
    pen.rounded_rectangle(box(0.18, 0.22, 0.82, 0.68), radius=round(0.12 * big), fill=BUBBLE)
    tail = [(0.30, 0.64), (0.46, 0.64), (0.26, 0.82)]
    pen.polygon([(round(x * big), round(y * big)) for x, y in tail], fill=BUBBLE)
    for centre in (0.34, 0.50, 0.66):
        pen.ellipse(box(centre - 0.055, 0.395, centre + 0.055, 0.505), fill=DOTS)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def rendered() -> dict[Path, bytes]:
    """What each file should hold."""
    out = {}
    for name, size in SIZES.items():
        buffer = io.BytesIO()
        draw(size).save(buffer, format="PNG", optimize=True)
        out[BRAND / name] = buffer.getvalue()
    return out


def main(argv: list[str]) -> int:
    files = rendered()
    if "--check" in argv:
        stale = [path for path, data in files.items() if not path.is_file() or path.read_bytes() != data]
        for path in stale:
            print(f"not current: {path.relative_to(ROOT)} (run scripts/brand_icon.py)")
        return 1 if stale else 0
    BRAND.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        path.write_bytes(data)
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
