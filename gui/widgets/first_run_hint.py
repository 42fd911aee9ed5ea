"""What an empty workspace shows: import a folder of studies, or open a synthetic demo to try the workstation."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


class FirstRunHint(QFrame):
    import_requested = Signal()
    demo_requested = Signal()

    def __init__(self, demo_studies: int, parent=None):
        super().__init__(parent)
        self.setObjectName("FirstRunHint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        title = QLabel("<b>This workspace is empty.</b>")
        title.setTextFormat(Qt.TextFormat.RichText)
        text = QLabel("Import a folder of radiographs (DICOM files, a DICOMDIR or a MURA-style tree of PNGs), "
                      f"or open a demo workspace of {demo_studies} synthetic studies to try reading, labelling "
                      "and training. The demo's studies are generated here; nothing is downloaded.")
        text.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.import_button = QPushButton("Import a folder…")
        self.demo_button = QPushButton(f"Open the demo ({demo_studies} studies)")
        for button in (self.import_button, self.demo_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button.clicked.connect(self.demo_requested)

    def set_busy(self, busy: bool) -> None:
        """While the demo is being built the buttons wait (the banner above shows its progress)."""
        self.import_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
