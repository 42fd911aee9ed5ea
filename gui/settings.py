"""User settings (QSettings): workspace folder, device, model size, reader name, training trigger."""

from __future__ import annotations

from PySide6.QtCore import QSettings

DEFAULTS = {
    "workspace": "",
    "device": "auto",
    "architecture": "resnet18",
    "image_size": 320,
    "reader": "",
    "auto_after": 0,
    "epochs": 10,
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
