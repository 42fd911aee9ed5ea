"""Application set-up: QApplication, style sheet, the main window."""

from __future__ import annotations

import sys
from importlib import resources


def application(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication

    from gui.qt_safety import check_qt_binding

    check_qt_binding()

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("RadiNet Studio")
        app.setOrganizationName("RadiNet")
        app.setStyle("Fusion")
        app.setStyleSheet(resources.files("resources").joinpath("style.qss").read_text(encoding="utf-8"))
    return app
