"""The main window: media bin, viewer, inspector and timeline around one ProjectController."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QScrollArea, QSplitter, QTabWidget

from editor.core.media.pool import MediaPool
from editor.core.plugins import default_registry

from .actions import EditActions
from .controller import ProjectController
from .frames import FrameServer
from .history import HistoryPanel
from .inspector import Inspector
from .media_bin import MediaBin
from .media_jobs import MediaJobs
from .menus import build_menus
from .project_life import ProjectLife
from .timeline import TimelinePanel
from .viewer import Viewer

DARK = """
QWidget { background: #2b2b30; color: #e4e4e4; }
QPushButton, QToolButton, QComboBox { background: #3c3c44; border: 1px solid #55555f; padding: 3px 8px; }
QPushButton:hover, QToolButton:hover { background: #4a4a55; }
QToolButton:checked { background: #c8a030; color: black; }
QListWidget, QLineEdit, QSpinBox, QDoubleSpinBox { background: #222226; border: 1px solid #44444c; }
QGroupBox { border: 1px solid #44444c; margin-top: 14px; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; }
QTabBar::tab { background: #33333a; padding: 4px 10px; }
QTabBar::tab:selected { background: #4a4a55; }
QMenuBar, QMenu { background: #2b2b30; }
QMenu::item:selected { background: #4a4a55; }
"""


# Background work (thumbnails, waveforms, the style gallery) waits for the viewer's first
# frame at start-up, but never longer than this.
BACKGROUND_GRACE_MS = 3000


class MainWindow(QMainWindow):
    def __init__(self, controller: ProjectController | None = None, registry=None, pool=None,
                 render_scale: float = 1.0, settings=None, server: FrameServer | None = None):
        """`server`: a frame server already working on the first frame (the app starts it
        before building the window); by default the window makes its own."""
        super().__init__()
        self.registry = registry or default_registry()
        self.pool = pool or MediaPool()
        self.controller = controller or ProjectController()
        # Thumbnails get their own decoders: sharing the viewer's would make both seek back
        # and forth instead of decoding straight through.
        self.jobs = MediaJobs(MediaPool(cache_bytes=64 << 20))
        self.jobs.hold()
        self.server = server or FrameServer(self.pool, self.registry, render_scale)
        self.viewer = Viewer(self.controller, self.server)
        self.timeline = TimelinePanel(self.controller, self.jobs)
        self.media_bin = MediaBin(self.controller, self.jobs)
        self.inspector = Inspector(self.controller, self.registry, self.pool, hold_gallery=True)
        self.history = HistoryPanel(self.controller)
        self.side_tabs = QTabWidget()
        inspector_scroll = QScrollArea()
        inspector_scroll.setWidget(self.inspector)
        inspector_scroll.setWidgetResizable(True)
        inspector_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_tabs.addTab(inspector_scroll, "Inspector")
        self.side_tabs.addTab(self.history, "History")
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.media_bin)
        top.addWidget(self.viewer)
        top.addWidget(self.side_tabs)
        top.setStretchFactor(1, 1)
        top.setSizes([230, 760, 330])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 1)
        main.setSizes([520, 250])
        self.setCentralWidget(main)
        self.setStyleSheet(DARK)
        self.status = QLabel("")
        self.statusBar().addWidget(self.status, 1)
        self.edit_actions = EditActions(self, self.controller, self.viewer, self.timeline.view)
        self.life = ProjectLife(self, self.controller, settings)
        self.export_dialog = None
        self._shut = False
        self.compare_window = None
        self.emulation_panel = None
        build_menus(self)
        self.controller.error.connect(self.show_message)
        self.jobs.failed.connect(lambda path, message: self.show_message(message))
        self.jobs.failed.connect(lambda path, message: self.timeline.view.rebuild())  # mark it offline
        self.viewer.firstFrame.connect(self.release_background)
        # While playing, thumbnails and waveforms wait: the frames on screen come first.
        self.viewer.playingChanged.connect(self._on_playing)
        QTimer.singleShot(BACKGROUND_GRACE_MS, self, self.release_background)
        self.controller.cleanChanged.connect(lambda _: self._title())
        self.controller.pathChanged.connect(lambda _: self._title())
        self.resize(1360, 860)
        self._title()

    def _title(self) -> None:
        self.setWindowTitle(self.controller.title())

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def release_background(self) -> None:
        """Let thumbnails, waveforms and the style gallery start (after the first frame)."""
        if self._shut:
            return
        self.jobs.release()
        if self.inspector.gallery is not None:
            self.inspector.gallery.release()
        # Find the sound device now, while nothing plays: the first query (QtMultimedia's
        # backend connecting to the sound server) blocks the UI thread for 50-250 ms, which
        # at the first Play would stall the picture as it starts.
        QTimer.singleShot(300, lambda: None if self._shut else self.viewer.audio.device)

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self.jobs.hold()
        elif not self._shut:
            self.jobs.release()

    def start(self) -> None:
        """Show what the project holds: render the frame at the playhead, list its media."""
        from editor.core.project.document import offline_clips

        self.viewer.refresh()
        self.media_bin.list_project_media()
        self.timeline.view.rebuild()
        offline = offline_clips(self.controller.project)
        if offline:
            self.show_message(f"{len(offline)} clip(s) offline: " + "; ".join(str(o) for o in offline[:3]))

    # ---- other windows

    def open_export(self):
        from .export_dialog import ExportDialog

        self.export_dialog = ExportDialog(self.controller, self.registry, self)
        self.export_dialog.show()
        return self.export_dialog

    def open_settings(self):
        from .settings_dialog import ProjectSettingsDialog

        self.settings_dialog = ProjectSettingsDialog(self.controller, self)
        self.settings_dialog.show()
        return self.settings_dialog

    def open_pack_export(self):
        from .pack_dialog import PackDialog

        self.pack_dialog = PackDialog(self)
        self.pack_dialog.show()
        return self.pack_dialog

    def open_compare(self):
        from .compare import CompareWindow

        if self.compare_window is None:
            self.compare_window = CompareWindow(self.controller, self.pool, self.registry, self)
        self.compare_window.show()
        self.compare_window.refresh()
        return self.compare_window

    def open_emulation(self):
        from .emulation import EmulationPanel

        if self.emulation_panel is None:
            self.emulation_panel = EmulationPanel(self.controller, self.viewer, self.registry, self)
            self.side_tabs.addTab(self.emulation_panel, "Emulation")
        self.side_tabs.setCurrentWidget(self.emulation_panel)
        return self.emulation_panel

    # ---- closing

    def shutdown(self) -> None:
        """Stop every worker and wait for it, in dependency order (a worker still rendering
        must not outlive the pool it decodes from); the app's autosave file goes (a clean
        exit). Safe to call twice."""
        if self._shut:
            return
        self._shut = True
        self.viewer.pause()
        self.viewer.audio.dispose()
        if self.export_dialog is not None:
            self.export_dialog.close()       # cancels a running export and joins it
        pack = getattr(self, "pack_dialog", None)
        if pack is not None and pack.job is not None and pack.job.thread.is_alive():
            pack.job.thread.join(timeout=120)   # a pack cannot be cancelled half written
        if self.compare_window is not None:
            self.compare_window.dispose()
        if self.emulation_panel is not None:
            self.emulation_panel.dispose()
        if self.inspector.gallery is not None:
            self.inspector.gallery.dispose()
        self.server.close()
        self.jobs.close()
        self.jobs.pool.close()
        self.pool.close()
        self.life.clean_exit()

    def closeEvent(self, event) -> None:
        if not self._shut and not self.life.confirm_discard():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)
