"""The menu bar: File (project life, export), Edit, View (compare, emulation), Playback."""

from __future__ import annotations

import os

from PySide6.QtGui import QAction, QKeySequence


def build_menus(window) -> None:
    bar = window.menuBar()
    life = window.life
    file_menu = bar.addMenu("&File")

    def add(menu, text, slot, keys=None):
        action = QAction(text, window)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        return action

    add(file_menu, "New project", life.new, "Ctrl+N")
    add(file_menu, "Open project...", life.open, "Ctrl+O")
    recent_menu = file_menu.addMenu("Open recent")

    def fill_recent(paths=None):
        recent_menu.clear()
        for path in paths if paths is not None else life.recent():
            add(recent_menu, os.path.basename(path), lambda p=path: life.open(p)).setToolTip(path)
        recent_menu.setEnabled(bool(recent_menu.actions()))

    life.recentChanged.connect(fill_recent)
    fill_recent()
    add(file_menu, "Save", life.save, "Ctrl+S")
    add(file_menu, "Save as...", life.save_as, "Ctrl+Shift+S")
    add(file_menu, "Project settings...", window.open_settings)
    file_menu.addSeparator()
    add(file_menu, "Import media...", window.media_bin.import_dialog, "Ctrl+I")
    add(file_menu, "Export video...", window.open_export, "Ctrl+E")
    add(file_menu, "Export style pack...", window.open_pack_export)
    file_menu.addSeparator()
    add(file_menu, "Quit", window.close, "Ctrl+Q")

    edit_menu = bar.addMenu("&Edit")
    acts = window.edit_actions.actions
    for name in ("undo", "redo", None, "split", "delete", "ripple", "select_all"):
        edit_menu.addSeparator() if name is None else edit_menu.addAction(acts[name])

    play_menu = bar.addMenu("&Playback")
    for name in ("play", "reverse", "stop", "forward", "prev", "next", "mark_in", "mark_out"):
        play_menu.addAction(acts[name])

    view_menu = bar.addMenu("&View")
    add(view_menu, "Compare original | desktop | phone", window.open_compare, "Ctrl+K")
    add(view_menu, "Device emulation", window.open_emulation, "Ctrl+D")
    view_menu.addAction(acts["zoom_in"])
    view_menu.addAction(acts["zoom_out"])
    add(view_menu, "Zoom timeline to fit", window.timeline.view.zoom_to_fit)
