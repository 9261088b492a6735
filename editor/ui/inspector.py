"""The inspector: the selected clip's effect stack and the parameters of one effect.

Shows the selected clip, or the clip under the playhead when nothing is selected. Values are
the plugin's parameters evaluated at the playhead (keyframes included). Changing a value of a
parameter that has keyframes sets a keyframe at the playhead; otherwise it sets the static
value. The diamond button beside an animatable parameter adds or removes the keyframe at the
playhead. Every change is one core command.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QToolButton, QVBoxLayout, QWidget)

from editor.core import commands as cmd
from editor.core.plugin_api import evaluate_params
from editor.core.project.model import Effect, new_id

from .param_widgets import editor_for
from .styles_list import style_plugin


class Inspector(QWidget):
    effectChanged = Signal(object)   # the Effect being edited (or None)

    def __init__(self, controller, registry, pool=None, parent=None, hold_gallery: bool = False):
        super().__init__(parent)
        self.controller, self.registry = controller, registry
        self.clip_id: str | None = None
        self.effect_id: str | None = None
        self._shape = None
        self.editors: dict[str, object] = {}
        self.key_buttons: dict[str, QToolButton] = {}
        self.title = QLabel("No clip")
        self.title.setObjectName("inspectorTitle")
        self.stack_list = QListWidget()
        self.stack_list.setMaximumHeight(90)
        self.stack_list.currentRowChanged.connect(self._on_effect_row)
        self.stack_list.itemChanged.connect(self._on_item_toggled)
        self.plugin_combo = QComboBox()
        for plugin in registry:
            self.plugin_combo.addItem(plugin.name, plugin.id)
        add = QPushButton("Add")
        add.clicked.connect(lambda: self.add_effect(self.plugin_combo.currentData()))
        remove, up, down = QPushButton("Remove"), QPushButton("Up"), QPushButton("Down")
        remove.clicked.connect(self.remove_effect)
        up.clicked.connect(lambda: self.move_effect(-1))
        down.clicked.connect(lambda: self.move_effect(1))
        row1 = QHBoxLayout()
        row1.addWidget(self.plugin_combo, 1)
        row1.addWidget(add)
        row2 = QHBoxLayout()
        for b in (remove, up, down):
            row2.addWidget(b)
        self.params_box = QGroupBox("Parameters")
        self.form = QFormLayout(self.params_box)
        self.extra = QVBoxLayout()   # the style gallery goes here
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(QLabel("Effects (run top to bottom)"))
        layout.addWidget(self.stack_list)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.params_box)
        layout.addLayout(self.extra, 1)
        self.gallery = None
        if pool is not None:
            from .style_gallery import StyleGallery

            self.gallery = StyleGallery(controller, registry, pool, self, held=hold_gallery)
            self.extra.addWidget(self.gallery)
            self.gallery.hide()
        controller.changed.connect(self.refresh)
        controller.selectionChanged.connect(lambda _: self.refresh())
        controller.playheadChanged.connect(lambda _: self._update_values())
        self.refresh()

    # ---- what is shown

    def clip(self):
        c = self.controller
        clip = c.selected_clip() or c.clip_at_playhead()
        return clip

    def effect(self):
        clip = self.clip()
        if clip is None:
            return None
        return clip.effect(self.effect_id) if self.effect_id else None

    def refresh(self) -> None:
        self._shown_values = {}  # the model changed: set every editor again
        clip = self.clip()
        shape = None if clip is None else (clip.id, tuple((e.id, e.plugin_id, e.enabled) for e in clip.effects))
        if shape != self._shape:
            self._shape = shape
            self._rebuild(clip)
        else:
            self._update_values()

    def _rebuild(self, clip) -> None:
        self.clip_id = clip.id if clip else None
        self.title.setText(f"Clip: {clip.name or clip.id}" if clip else "No clip selected")
        self.stack_list.blockSignals(True)
        self.stack_list.clear()
        ids = []
        if clip:
            for effect in clip.effects:
                plugin = self.registry.find(effect.plugin_id)
                item = QListWidgetItem(plugin.name if plugin else f"{effect.plugin_id} (not installed)")
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if effect.enabled else Qt.CheckState.Unchecked)
                item.setData(Qt.ItemDataRole.UserRole, effect.id)
                self.stack_list.addItem(item)
                ids.append(effect.id)
        if self.effect_id not in ids:
            self.effect_id = ids[0] if ids else None
        if self.effect_id:
            self.stack_list.setCurrentRow(ids.index(self.effect_id))
        self.stack_list.blockSignals(False)
        self._build_params()

    def _build_params(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        self.key_buttons.clear()
        self._shown_values = {}
        effect = self.effect()
        plugin = self.registry.find(effect.plugin_id) if effect else None
        self.params_box.setTitle(f"{plugin.name} parameters" if plugin else "Parameters")
        if plugin is not None:
            styled = plugin is style_plugin(self.registry)
            for param in plugin.params:
                commit = lambda v, n=param.name: self.set_value(n, v)  # noqa: E731
                if styled and param.name == "style":
                    from .style_picker import StylePicker

                    editor = StylePicker(param, commit)
                else:
                    editor = editor_for(param, commit)
                row = QWidget()
                box = QHBoxLayout(row)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(editor, 1)
                if param.animates:
                    key = QToolButton()
                    key.setText("\u25c6")
                    key.setCheckable(True)
                    key.setToolTip("Keyframe at the playhead")
                    key.clicked.connect(lambda _=False, n=param.name: self.toggle_keyframe(n))
                    box.addWidget(key)
                    self.key_buttons[param.name] = key
                self.form.addRow(param.label, row)
                self.editors[param.name] = editor
        self._update_values()
        if self.gallery is not None:
            is_style = plugin is not None and plugin is style_plugin(self.registry)
            self.gallery.show_for(effect.id if is_style else None)
        self.effectChanged.emit(effect)

    def _local_time(self, clip) -> Fraction:
        return self.controller.playhead - clip.start

    def values(self) -> dict:
        """The effect's parameter values at the playhead."""
        effect, clip = self.effect(), self.clip()
        plugin = self.registry.find(effect.plugin_id) if effect else None
        if plugin is None:
            return {}
        try:
            return evaluate_params(plugin, effect, self._local_time(clip))
        except Exception:
            return dict(plugin.defaults())

    def _update_values(self) -> None:
        effect, clip = self.effect(), self.clip()
        if effect is None or clip is None:
            return
        if clip.id != self.clip_id:  # the playhead moved onto another clip
            self.refresh()
            return
        values = self.values()
        local = self._local_time(clip)
        # Only what changed: this runs at every playhead move (every frame while playing), and
        # setting a spin box repaints it and the panels behind it even when the value is the same.
        shown = getattr(self, "_shown_values", {})
        for name, editor in self.editors.items():
            if name in values and (name not in shown or shown[name] != values[name]):
                editor.set_value(values[name])
                shown[name] = values[name]
        self._shown_values = shown
        for name, button in self.key_buttons.items():
            on = any(k.time == local for k in effect.keyframes.get(name, []))
            if button.isChecked() != on:
                button.setChecked(on)

    # ---- edits

    def set_value(self, name: str, value) -> bool:
        clip, effect = self.clip(), self.effect()
        if clip is None or effect is None:
            return False
        if effect.keyframes.get(name):
            return self.controller.execute(cmd.SetKeyframe(clip.id, effect.id, name, self._local_time(clip), value,
                                                           registry=self.registry))
        return self.controller.execute(cmd.SetParam(clip.id, effect.id, name, value, registry=self.registry))

    def toggle_keyframe(self, name: str) -> bool:
        clip, effect = self.clip(), self.effect()
        if clip is None or effect is None:
            return False
        local = self._local_time(clip)
        if any(k.time == local for k in effect.keyframes.get(name, [])):
            return self.controller.execute(cmd.RemoveKeyframe(clip.id, effect.id, name, local))
        return self.controller.execute(cmd.SetKeyframe(clip.id, effect.id, name, local, self.values()[name],
                                                       registry=self.registry))

    def add_effect(self, plugin_id: str) -> str | None:
        clip = self.clip()
        plugin = self.registry.find(plugin_id) if plugin_id else None
        if clip is None or plugin is None:
            return None
        effect = Effect(new_id("fx"), plugin.id, {})
        if self.controller.execute(cmd.AddEffect(clip.id, effect, registry=self.registry)):
            self.effect_id = effect.id
            self._shape = None
            self.refresh()
            return effect.id
        return None

    def remove_effect(self) -> None:
        clip, effect = self.clip(), self.effect()
        if clip and effect:
            self.controller.execute(cmd.RemoveEffect(clip.id, effect.id))

    def move_effect(self, delta: int) -> None:
        clip, effect = self.clip(), self.effect()
        if clip and effect:
            index = [e.id for e in clip.effects].index(effect.id) + delta
            if 0 <= index < len(clip.effects):
                self.controller.execute(cmd.MoveEffect(clip.id, effect.id, index))

    def _on_effect_row(self, row: int) -> None:
        item = self.stack_list.item(row)
        self.effect_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        self._build_params()

    def _on_item_toggled(self, item) -> None:
        clip = self.clip()
        if clip is not None:
            self.controller.execute(cmd.SetEffectEnabled(clip.id, item.data(Qt.ItemDataRole.UserRole),
                                                         item.checkState() == Qt.CheckState.Checked))
