"""Length and angle on a radiograph, in millimetres when the image is calibrated.

Points are (row, column) in the stored pixel grid (continuous: pixel k spans
[k, k+1)), so a measurement does not change when the view is zoomed, rotated
or flipped. The spacing comes from :func:`core.imaging.spacing.measurement_spacing`
((0028,0030) Pixel Spacing / (0018,1164) Imager Pixel Spacing); rows and
columns are scaled separately because the two spacings may differ
(PS3.3 10.7.1.3), which also changes angles.
"""

from __future__ import annotations

import math

from core.imaging.spacing import Spacing

Point = tuple[float, float]     # (row, column)


def _physical(point: Point, spacing: Spacing) -> tuple[float, float]:
    row, col = point
    if spacing.calibrated:
        return row * spacing.row_mm, col * spacing.col_mm
    return row, col


def length(a: Point, b: Point, spacing: Spacing) -> float:
    """Distance from ``a`` to ``b`` in mm (calibrated) or in pixels (uncalibrated)."""
    (ya, xa), (yb, xb) = _physical(a, spacing), _physical(b, spacing)
    return math.hypot(yb - ya, xb - xa)


def angle(a: Point, vertex: Point, c: Point, spacing: Spacing) -> float | None:
    """The angle a-vertex-c in degrees (0..180), None when an arm has no length."""
    (ya, xa), (yv, xv), (yc, xc) = (_physical(p, spacing) for p in (a, vertex, c))
    u, v = (ya - yv, xa - xv), (yc - yv, xc - xv)
    nu, nv = math.hypot(*u), math.hypot(*v)
    if nu == 0 or nv == 0:
        return None
    cos = max(-1.0, min(1.0, (u[0] * v[0] + u[1] * v[1]) / (nu * nv)))
    return math.degrees(math.acos(cos))


def length_text(value: float, spacing: Spacing) -> str:
    """e.g. "23.4 mm" or "120 px (uncalibrated)"."""
    if spacing.calibrated:
        return f"{value:.1f} mm"
    return f"{value:.0f} px (uncalibrated)"


def angle_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}°"
