"""A length or angle drawn on one image, kept in image coordinates (see ViewState.screen_to_image).

The maths and the calibration are core.imaging's (measure, spacing); this
only holds the clicked points and says when a measurement is complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.imaging.measure import angle, angle_text, length, length_text
from core.imaging.spacing import UNCALIBRATED, Spacing
from core.store.measurements import POINTS_NEEDED   # one table for the viewer and what the workspace accepts


@dataclass
class Measurement:
    kind: str                                   # length | angle
    points: list = field(default_factory=list)  # [(row, col)] continuous image coordinates
    id: int | None = None                       # its row in the workspace (core.store.measurements); None: not saved

    @property
    def complete(self) -> bool:
        return len(self.points) >= POINTS_NEEDED[self.kind]

    def text(self, spacing: Spacing | None) -> str:
        spacing = spacing or UNCALIBRATED
        if self.kind == "length" and len(self.points) >= 2:
            return length_text(length(self.points[0], self.points[1], spacing), spacing)
        if self.kind == "angle" and len(self.points) >= 3:
            return angle_text(angle(self.points[0], self.points[1], self.points[2], spacing))
        return ""
