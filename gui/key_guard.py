"""While a text box has the keyboard, plain keys belong to the text box, never to the reading shortcuts.

The reading keys (F/N/U, E/D, Enter, Space, the arrows, digits) are
window-wide shortcuts. Qt asks the focused widget first with a
ShortcutOverride event; a QLineEdit claims printable letters but not Enter,
a QComboBox or spin box claims almost nothing -- so Enter in the search box
confirmed a label and F in a combo box labelled the study. This filter claims
every key without Ctrl/Alt/Meta for any text-entry widget, so the key is
typed (or ignored) there. Undo/Redo (Ctrl+Z) in a text box undo its typing,
never a label. The other Ctrl shortcuts (Ctrl+F, Ctrl+B …) and the function
keys still work everywhere. Escape in a text box hands the keyboard back to
the image (``escaped``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TEXT_ENTRY_TYPES = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)
_COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)
_FUNCTION_KEYS = range(Qt.Key.Key_F1.value, Qt.Key.Key_F35.value + 1)


def is_text_entry(widget: QWidget | None) -> bool:
    """The widget takes typed text or choices from the keyboard (or sits inside one that does)."""
    # Parents across windows too: an open combo box's drop-down list is a popup window whose parent
    # is the combo box, and its keys pick an item there.
    while widget is not None:
        if isinstance(widget, TEXT_ENTRY_TYPES):
            return True
        widget = widget.parentWidget()
    return False


def belongs_to_text_box(key: int, modifiers) -> bool:
    """Keys a text box keeps: everything typed without Ctrl/Alt/Meta, except the function keys."""
    return not (modifiers & _COMMAND_MODIFIERS) and key not in _FUNCTION_KEYS


class KeyGuard(QObject):
    escaped = Signal(QWidget)        # Escape pressed in this text box: give the keyboard back

    def __init__(self, parent=None):
        super().__init__(parent)
        self._guarded: set[int] = set()

    def guard(self, root: QWidget) -> None:
        """Watch every text-entry widget under ``root`` (call again after adding widgets)."""
        for widget in [root, *root.findChildren(QWidget)]:
            if isinstance(widget, TEXT_ENTRY_TYPES) and id(widget) not in self._guarded:
                self._guarded.add(id(widget))
                widget.installEventFilter(self)
                # Spin boxes and editable combo boxes type into an inner line edit.
                for inner in widget.findChildren(QLineEdit):
                    inner.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and (
                belongs_to_text_box(event.key(), event.modifiers())
                or event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)):
            event.accept()           # the key is the text box's: no shortcut fires
            return True
        if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape and not event.modifiers():
            target = obj
            while target is not None and not isinstance(target, TEXT_ENTRY_TYPES):
                target = target.parentWidget()
            if isinstance(target, QComboBox) and target.view().isVisible():
                return False         # Escape closes an open drop-down first
            self.escaped.emit(target or obj)
            return True
        return False
