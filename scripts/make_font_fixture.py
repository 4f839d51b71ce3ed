"""Writes tests/fixtures/fonts/heatmill-test.ttf: a tiny TrueType font
(family "Heatmill Test") whose glyphs are plain boxes, for the tests of the
`font` option and of fallback fonts without any system font:

    - ASCII letters, digits, '_', '-', '.', ' ': boxes (narrow for digits),
      so labels set in it look unlike DejaVu Sans;
    - 基 因 细 胞 (CJK, absent from DejaVu Sans): boxes with a bar, the
      fallback a CJK label needs.

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_font_fixture.py
"""
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

root = Path(__file__).resolve().parent.parent
out = root / "tests" / "fixtures" / "fonts"
out.mkdir(parents=True, exist_ok=True)

UPEM = 1000
chars = [chr(c) for c in range(ord("a"), ord("z") + 1)]
chars += [chr(c) for c in range(ord("A"), ord("Z") + 1)]
chars += [chr(c) for c in range(ord("0"), ord("9") + 1)]
chars += ["_", "-", ".", "基", "因", "细", "胞"]


def box(w, h, bar=False):
    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((50, h))
    pen.lineTo((w - 50, h))
    pen.lineTo((w - 50, 0))
    pen.closePath()
    if bar:  # a hole across the middle: two contours
        pen.moveTo((100, h // 2 - 40))
        pen.lineTo((w - 100, h // 2 - 40))
        pen.lineTo((w - 100, h // 2 + 40))
        pen.lineTo((100, h // 2 + 40))
        pen.closePath()
    return pen.glyph()


names = [".notdef", "space"] + [f"g{ord(c):04X}" for c in chars]
glyphs = {".notdef": box(500, 700), "space": TTGlyphPen(None).glyph()}
metrics = {".notdef": (500, 50), "space": (300, 0)}
cmap = {ord(" "): "space"}
for c in chars:
    n = f"g{ord(c):04X}"
    cjk = ord(c) > 0x2E80
    w = 1000 if cjk else (450 if c.isdigit() else 650)
    glyphs[n] = box(w, 800 if cjk else 600, bar=cjk)
    metrics[n] = (w, 50)
    cmap[ord(c)] = n

fb = FontBuilder(UPEM, isTTF=True)
fb.setupGlyphOrder(names)
fb.setupCharacterMap(cmap)
fb.setupGlyf(glyphs)
fb.setupHorizontalMetrics(metrics)
fb.setupHorizontalHeader(ascent=900, descent=-200)
fb.setupNameTable({"familyName": "Heatmill Test", "styleName": "Regular",
                   "psName": "HeatmillTest-Regular"})
fb.setupOS2(sTypoAscender=900, sTypoDescender=-200, usWinAscent=900, usWinDescent=200)
fb.setupPost()
# Reproducible bytes: a fixed date, not the time of the run.
fb.font["head"].created = fb.font["head"].modified = 3786825600  # 2024-01-01
fb.font.recalcTimestamp = False
fb.save(out / "heatmill-test.ttf")
print(out / "heatmill-test.ttf")
