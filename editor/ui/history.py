"""The undo history: every step of the stack; clicking a row goes back (or forward) to it."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget


class HistoryPanel(QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda item: controller.undo_to(self.list.row(item)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(QLabel("History (click a step to go back to it)"))
        layout.addWidget(self.list, 1)
        controller.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        stack = self.controller.stack
        done, undone = stack.labels, stack.redo_labels
        self.list.clear()
        self.list.addItem("Opened project")
        for label in done:
            self.list.addItem(label)
        for label in undone:
            self.list.addItem(label)
            self.list.item(self.list.count() - 1).setForeground(QColor(130, 130, 130))
        self.list.setCurrentRow(len(done))
