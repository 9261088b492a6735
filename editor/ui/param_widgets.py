"""One editor widget per typed plugin parameter, built from the plugin's declaration.

Each widget shows a value and calls `commit(value)` when the user settles on a new one
(slider released, spin box edited, box toggled), so one gesture makes one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout,
                               QLineEdit, QPushButton, QSlider, QSpinBox, QWidget)

SLIDER_STEPS = 1000


class ParamEditor(QWidget):
    def __init__(self, param, commit, parent=None):
        super().__init__(parent)
        self.param = param
        self.commit = commit
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.setToolTip(param.hint or param.label)

    def set_value(self, value) -> None:
        raise NotImplementedError


class FloatEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        lo = param.minimum if param.minimum is not None else -1000.0
        hi = param.maximum if param.maximum is not None else 1000.0
        self.lo, self.hi = float(lo), float(hi)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(self.lo, self.hi)
        self.spin.setDecimals(3)
        self.spin.setSingleStep((self.hi - self.lo) / 100 or 0.01)
        self.layout_.addWidget(self.slider, 1)
        self.layout_.addWidget(self.spin)
        self.slider.sliderMoved.connect(lambda v: self.spin.setValue(self._from_slider(v)))
        self.slider.sliderReleased.connect(lambda: self.commit(self._from_slider(self.slider.value())))
        self.spin.editingFinished.connect(lambda: self.commit(float(self.spin.value())))

    def _from_slider(self, v: int) -> float:
        return self.lo + (self.hi - self.lo) * v / SLIDER_STEPS

    def set_value(self, value) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(float(value))
        span = self.hi - self.lo
        self.slider.setValue(round((float(value) - self.lo) / span * SLIDER_STEPS) if span else 0)
        for w in (self.slider, self.spin):
            w.blockSignals(False)


class IntEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        self.spin = QSpinBox()
        self.spin.setRange(int(param.minimum) if param.minimum is not None else -10**9,
                           int(param.maximum) if param.maximum is not None else 10**9)
        self.layout_.addWidget(self.spin)
        self.spin.editingFinished.connect(lambda: self.commit(int(self.spin.value())))

    def set_value(self, value) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value))
        self.spin.blockSignals(False)


class BoolEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        self.box = QCheckBox()
        self.layout_.addWidget(self.box)
        self.box.toggled.connect(lambda on: self.commit(bool(on)))

    def set_value(self, value) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)


class ChoiceEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        self.combo = QComboBox()
        self.combo.addItems(list(param.choices))
        self.layout_.addWidget(self.combo, 1)
        self.combo.activated.connect(lambda i: self.commit(self.combo.itemText(i)))

    def set_value(self, value) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findText(str(value))))
        self.combo.blockSignals(False)


class ColourEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        self.button = QPushButton()
        self.value = param.default
        self.layout_.addWidget(self.button, 1)
        self.button.clicked.connect(self._pick)

    def _pick(self) -> None:
        colour = QColorDialog.getColor(QColor.fromRgbF(*self.value[:3]), self, self.param.label)
        if colour.isValid():
            picked = (colour.redF(), colour.greenF(), colour.blueF()) + tuple(self.value[3:])
            self.commit(picked)

    def set_value(self, value) -> None:
        self.value = tuple(value)
        colour = QColor.fromRgbF(*self.value[:3])
        self.button.setText(colour.name())
        self.button.setStyleSheet(f"background: {colour.name()}; color: {'black' if colour.lightnessF() > 0.5 else 'white'}")


class TextEditor(ParamEditor):
    def __init__(self, param, commit, parent=None):
        super().__init__(param, commit, parent)
        self.edit = QLineEdit()
        self.layout_.addWidget(self.edit, 1)
        self.edit.editingFinished.connect(lambda: self.commit(self.edit.text()))
        if param.type == "path":
            browse = QPushButton("...")
            browse.setFixedWidth(28)
            browse.clicked.connect(self._browse)
            self.layout_.addWidget(browse)

    def _browse(self) -> None:
        pattern = " ".join(f"*{e}" for e in self.param.extensions) or "*"
        path, _ = QFileDialog.getOpenFileName(self, self.param.label, "", f"{self.param.label} ({pattern})")
        if path:
            self.commit(path)

    def set_value(self, value) -> None:
        self.edit.blockSignals(True)
        self.edit.setText(str(value))
        self.edit.blockSignals(False)


EDITORS = {"float": FloatEditor, "int": IntEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "colour": ColourEditor, "string": TextEditor, "path": TextEditor}


def editor_for(param, commit, parent=None) -> ParamEditor:
    return EDITORS[param.type](param, commit, parent)
