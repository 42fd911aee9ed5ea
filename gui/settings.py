"""User settings (QSettings): workspace folder, device, model size, reader name, training trigger."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from trainer.config import TrainConfig

_TRAINER = TrainConfig()

# The training fields start at the trainer's own defaults (trainer.config, the figures measured on the demo),
# so "Train" in the workstation and `radinet train` on the command line run the same model unless the user
# changes a setting. (They differed: 320 px and 10 epochs here against 256 px and 12 epochs there.)
DEFAULTS = {
    "workspace": "",
    "device": _TRAINER.device,
    "architecture": _TRAINER.architecture,
    "image_size": _TRAINER.image_size,
    "reader": "",
    "auto_after": 0,
    "epochs": _TRAINER.epochs,
}


class Settings:
    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or QSettings("RadiNet", "RadiNet Studio")

    def get(self, key: str, default=None):
        fallback = DEFAULTS.get(key, default)
        value = self.q.value(key, fallback)
        if isinstance(fallback, int) and not isinstance(fallback, bool):
            try:
                return int(value)
            except (TypeError, ValueError):
                return fallback
        return value

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def as_dict(self) -> dict:
        return {k: self.get(k) for k in DEFAULTS}

    def reader(self) -> str:
        from core.store.workspace import current_user

        return self.get("reader") or current_user()
