"""The project settings dialog: picture size, frame rate and sound format, one undo step."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout

from editor.core import commands as cmd

# The frame rates editors offer; a project's own rate is added when it is another one.
FRAME_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
               Fraction(50), Fraction(60000, 1001), Fraction(60))
SAMPLE_RATES = (44100, 48000)


def rate_text(fps: Fraction) -> str:
    return f"{float(fps):.3f}".rstrip("0").rstrip(".") + " fps"


class ProjectSettingsDialog(QDialog):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Project settings")
        self.controller = controller
        s = controller.project.settings
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box, value in ((self.width_box, s.width), (self.height_box, s.height)):
            box.setRange(2, 16384)
            box.setSingleStep(2)
            box.setValue(value)
        self.fps = QComboBox()
        rates = list(FRAME_RATES) + ([s.fps] if s.fps not in FRAME_RATES else [])
        for fps in sorted(rates):
            self.fps.addItem(rate_text(fps), str(fps))  # a Fraction does not survive a QVariant
        self.fps.setCurrentIndex(self.fps.findData(str(s.fps)))
        self.sample_rate = QComboBox()
        for rate in sorted(set(SAMPLE_RATES) | {s.sample_rate}):
            self.sample_rate.addItem(f"{rate} Hz", rate)
        self.sample_rate.setCurrentIndex(self.sample_rate.findData(s.sample_rate))
        self.channels = QComboBox()
        for n, text in ((1, "mono"), (2, "stereo")):
            self.channels.addItem(text, n)
        if s.channels not in (1, 2):
            self.channels.addItem(f"{s.channels} channels", s.channels)
        self.channels.setCurrentIndex(self.channels.findData(s.channels))
        form = QFormLayout()
        form.addRow("Width", self.width_box)
        form.addRow("Height", self.height_box)
        form.addRow("Frame rate", self.fps)
        form.addRow("Sample rate", self.sample_rate)
        form.addRow("Channels", self.channels)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        controller.error.connect(self.status.setText)  # why an edit was refused
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Clips keep their times in seconds; export uses these settings."))
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def frame_rate(self) -> Fraction:
        return Fraction(self.fps.currentData())

    def command(self) -> cmd.SetProjectSettings:
        return cmd.SetProjectSettings(width=self.width_box.value(), height=self.height_box.value(),
                                      fps=self.frame_rate(), sample_rate=self.sample_rate.currentData(),
                                      channels=self.channels.currentData())

    def apply(self) -> bool:
        """Change the project (one undo step); stays open with the reason if refused."""
        if self.controller.execute(self.command()):
            self.accept()
            return True
        return False
