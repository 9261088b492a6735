"""The style parameter's editor: a list of the installed styles by name, not a text field.

Lists the shipped catalog and the user's library (what `stylecut styles` lists). The value
is a style id; an empty value means the first installed style, so that one is shown. A value
naming a style that is not installed (a project from another machine) stays visible as
"id (not installed)" rather than being silently replaced.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from .param_widgets import ParamEditor
from .styles_list import installed_styles

MISSING_SUFFIX = " (not installed)"


class StylePicker(ParamEditor):
    def __init__(self, param, commit, parent=None, styles=None):
        super().__init__(param, commit, parent)
        if styles is None:
            styles, _ = installed_styles()
        self.styles = list(styles)
        self.combo = QComboBox()
        self.combo.setObjectName("stylePicker")
        for style in self.styles:
            self.combo.addItem(style.name, style.id)
            self.combo.setItemData(self.combo.count() - 1, f"{style.name} ({style.id})",
                                   Qt.ItemDataRole.ToolTipRole)
        self._missing: str | None = None
        self.layout_.addWidget(self.combo, 1)
        self.combo.activated.connect(self._on_pick)

    def ids(self) -> list[str]:
        return [self.combo.itemData(i) for i in range(self.combo.count())]

    def _on_pick(self, index: int) -> None:
        style_id = self.combo.itemData(index)
        if style_id is not None and style_id != self._missing:
            self.commit(style_id)

    def set_value(self, value) -> None:
        value = str(value or "")
        self.combo.blockSignals(True)
        if self._missing is not None and self._missing != value:
            self.combo.removeItem(self.combo.findData(self._missing))
            self._missing = None
        if not value:
            index = 0 if self.styles else -1  # the first installed style is what renders
        else:
            index = self.combo.findData(value)
            if index < 0:
                self.combo.addItem(value + MISSING_SUFFIX, value)
                self._missing = value
                index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
