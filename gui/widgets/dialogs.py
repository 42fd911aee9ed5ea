"""Settings and About dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QMessageBox,
    QPushButton, QSpinBox, QWidget,
)

from trainer.config import ARCHITECTURES

RESEARCH_NOTICE = "Research use only — not for diagnostic use."

ABOUT_TEXT = f"""<h3>RadiNet Studio {{version}}</h3>
<p><b style="color:#ef5350">{RESEARCH_NOTICE}</b></p>
<p>An offline workstation for musculoskeletal radiographs: fracture prediction with heatmaps,
report-derived labels, radiologist confirmation and background training by progressive transfer
learning (ImageNet or self-supervised features → body-part network → target task).</p>
<p>Predictions are research outputs. Their accuracy is only what the evaluation report of this
workspace measured on its own validation data; they must not be used to make or change a diagnosis.</p>
"""


def app_version() -> str:
    """The installed package's version (pyproject.toml), as `radinet --version` prints it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("radinet-studio")
    except PackageNotFoundError:
        return "(version unknown: not installed as a package)"


def about_text() -> str:
    return ABOUT_TEXT.replace("{version}", app_version())


def show_about(parent) -> None:
    QMessageBox.about(parent, "About RadiNet Studio", about_text())


class SettingsDialog(QDialog):
    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        form = QFormLayout(self)
        self.workspace = QLineEdit(settings.get("workspace") or "")
        self.workspace.setPlaceholderText("default per-user workspace")
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.workspace)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("Workspace folder (next start)", holder)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setCurrentText(settings.get("device"))
        form.addRow("Training device", self.device)
        self.architecture = QComboBox()
        self.architecture.addItems(list(ARCHITECTURES))   # only what the trainer can build
        self.architecture.setCurrentText(settings.get("architecture"))
        form.addRow("Model size", self.architecture)
        self.image_size = QSpinBox()
        self.image_size.setRange(64, 1024)
        self.image_size.setSingleStep(32)
        self.image_size.setValue(settings.get("image_size"))
        form.addRow("Training image size", self.image_size)
        self.reader = QLineEdit(settings.get("reader") or "")
        self.reader.setPlaceholderText(settings.reader())
        form.addRow("Reader name on labels", self.reader)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Workspace folder")
        if path:
            self.workspace.setText(path)

    def accept(self) -> None:
        s = self.settings
        s.set("workspace", self.workspace.text().strip())
        s.set("device", self.device.currentText())
        s.set("architecture", self.architecture.currentText())
        s.set("image_size", self.image_size.value())
        s.set("reader", self.reader.text().strip())
        super().accept()
