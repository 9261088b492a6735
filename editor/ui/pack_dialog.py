"""The style pack dialog: styles, processing size, precisions and phones -> a .stylepack.

The core's `export_pack` writes the pack in a worker thread. The result lists the pack's
size against the platforms' limits and, for each chosen phone, the predicted frame rate of
the pack's native model with its verdict against the budgets.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout)

from editor.errors import StyleCutError

from .styles_list import installed_styles

MB = 1024 * 1024


def phone_verdicts(report, profiles) -> list[str]:
    """One line per phone profile: predicted fps of the pack's native model and the verdicts."""
    from editor.core import devices
    from editor.core.stylepack.verify import load_members

    pred = report.manifest["predictions"]
    w, h = pred["size"]
    _, members = load_members(report.path)
    with tempfile.TemporaryDirectory(prefix="stylecut-pack-") as tmp:
        path = Path(tmp) / "model.scn"
        path.write_bytes(members[pred["native_model"]])
        net = devices.load_network(path, size=(w, h))
    all_profiles, phones = devices.load_phone_profiles()
    lines = []
    for profile in profiles:
        p = devices.predict(net, profile)
        own = [v for v in devices.verdicts(net, all_profiles, phones, profile) if v.device == profile.id]
        verdict = ", ".join(f"{v.platform} {'ok' if v.ok else 'FAIL'}" for v in own) or "-"
        lines.append(f"{profile.name}: {p.total_ms:.1f} ms, {p.fps:.1f} fps at {w}x{h} ({verdict})")
    return lines


class PackJob(QObject):
    finished = Signal(object, list)   # ExportReport, phone lines
    failed = Signal(str)
    step = Signal(str)

    def __init__(self, style_ids, output, size, precisions, profiles):
        super().__init__()
        self.args = (style_ids, output, size, precisions, profiles)
        self.thread = threading.Thread(target=self._run, daemon=True, name="stylecut-pack")

    def _run(self) -> None:
        from editor.core.stylepack import export_pack

        style_ids, output, size, precisions, profiles = self.args
        try:
            report = export_pack(style_ids, output, size=size, precisions=precisions, progress=self.step.emit)
            lines = phone_verdicts(report, profiles)
        except StyleCutError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"{output}: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(report, lines)


class PackDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export style pack")
        self.job: PackJob | None = None
        self.report = None
        self.styles_list = QListWidget()
        styles, problems = installed_styles()
        for style in styles:
            item = QListWidgetItem(f"{style.name} ({style.id})")
            item.setData(Qt.ItemDataRole.UserRole, style.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.styles_list.addItem(item)
        from editor.core.devices.profiles import load_phone_profiles

        self.profiles = [p for p in load_phone_profiles()[0] if p.default]
        self.phones_list = QListWidget()
        for p in sorted(self.profiles, key=lambda p: (-p.year, p.name)):
            item = QListWidgetItem(f"{p.name} ({p.year})")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.phones_list.addItem(item)
        self.size = QSpinBox()
        self.size.setRange(8, 2048)
        self.size.setValue(360)
        self.int8 = QCheckBox("int8")
        self.int8.setChecked(True)
        self.fp32 = QCheckBox("fp32")
        self.path = QLineEdit(os.path.join(os.path.expanduser("~"), "styles.stylepack"))
        browse = QPushButton("...")
        browse.clicked.connect(self._browse)
        precision = QHBoxLayout()
        precision.addWidget(self.int8)
        precision.addWidget(self.fp32)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Styles (one network)", self.styles_list)
        form.addRow("Phones to check", self.phones_list)
        form.addRow("Processing size", self.size)
        form.addRow("Native models", precision)
        form.addRow("File", path_row)
        self.status = QLabel("No styles installed." if not styles else "")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.clicked.connect(self.start)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(620, 600)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Style pack", self.path.text(), "Style packs (*.stylepack)")
        if path:
            self.path.setText(path)

    @staticmethod
    def _checked(widget) -> list[str]:
        return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked]

    def start(self) -> None:
        style_ids = self._checked(self.styles_list)
        if not style_ids:
            self.status.setText("Choose at least one style.")
            return
        precisions = [p for p, box in (("int8", self.int8), ("fp32", self.fp32)) if box.isChecked()] or ["int8"]
        chosen = set(self._checked(self.phones_list))
        profiles = [p for p in self.profiles if p.id in chosen]
        self.report = None
        self.job = PackJob(style_ids, self.path.text(), self.size.value(), precisions, profiles)
        self.job.step.connect(self.status.setText)
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)
        self.export_button.setEnabled(False)
        self.status.setText("exporting...")
        self.job.thread.start()

    def _on_finished(self, report, phone_lines) -> None:
        self.report = report
        self.export_button.setEnabled(True)
        lines = [f"wrote {report.path}: {report.bytes / MB:.2f} MB"] + report.limit_lines() + phone_lines
        self.status.setText("\n".join(lines))

    def _on_failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(message)
