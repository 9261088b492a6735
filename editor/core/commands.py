"""Edits as commands with undo and redo.

The project model is the single source of truth and is changed only through a handful of
atomic operations (insert/remove/replace a clip, insert/remove/replace a track). Each one
returns its exact inverse. A command runs inside a transaction that records every operation
with its inverse; if anything fails part-way, the recorded inverses run backwards and the
project is as it was. Undo replays the inverses, redo replays the recorded operations, so a
redo does not recompute anything (snapping, clamping) and lands on exactly the same state.

Operations store and insert deep copies, so the model never shares objects with the history.
"""

from __future__ import annotations

import bisect
import copy
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Iterator

from editor.errors import StyleCutError

from .project.model import INTERPOLATIONS, TRACK_KINDS, Clip, Effect, Keyframe, Project, Settings, Track, new_id

# Snapping reach when the caller gives none (the UI passes a distance worth a few pixels).
DEFAULT_SNAP_TOLERANCE = Fraction(1, 10)


class EditError(StyleCutError):
    """An edit was refused; the project is unchanged. `path` names the clip or track."""


# ------------------------------------------------------------------ atomic operations

class _Op:
    track_ids: tuple[str, ...] = ()

    def apply(self, project: Project) -> "_Op":
        raise NotImplementedError


def _track(project: Project, track_id: str) -> Track:
    track = project.track(track_id)
    if track is None:
        raise EditError(track_id, "no such track")
    return track


def _insort(track: Track, clip: Clip) -> None:
    starts = [c.start for c in track.clips]
    track.clips.insert(bisect.bisect_right(starts, clip.start), clip)


@dataclass
class _InsertClip(_Op):
    track_id: str
    clip: Clip

    def __post_init__(self):
        self.clip = copy.deepcopy(self.clip)
        self.track_ids = (self.track_id,)

    def apply(self, project):
        _insort(_track(project, self.track_id), copy.deepcopy(self.clip))
        return _RemoveClip(self.track_id, self.clip.id)


@dataclass
class _RemoveClip(_Op):
    track_id: str
    clip_id: str

    def __post_init__(self):
        self.track_ids = (self.track_id,)

    def apply(self, project):
        track = _track(project, self.track_id)
        for i, clip in enumerate(track.clips):
            if clip.id == self.clip_id:
                del track.clips[i]
                return _InsertClip(self.track_id, clip)
        raise EditError(self.clip_id, f"no such clip on track {self.track_id}")


@dataclass
class _ReplaceClip(_Op):
    """Swap the clip with the same id for a new value (which may start elsewhere)."""

    track_id: str
    clip: Clip

    def __post_init__(self):
        self.clip = copy.deepcopy(self.clip)
        self.track_ids = (self.track_id,)

    def apply(self, project):
        track = _track(project, self.track_id)
        for i, old in enumerate(track.clips):
            if old.id == self.clip.id:
                del track.clips[i]
                _insort(track, copy.deepcopy(self.clip))
                return _ReplaceClip(self.track_id, old)
        raise EditError(self.clip.id, f"no such clip on track {self.track_id}")


@dataclass
class _InsertTrack(_Op):
    index: int
    track: Track

    def __post_init__(self):
        self.track = copy.deepcopy(self.track)
        self.track_ids = (self.track.id,)

    def apply(self, project):
        project.tracks.insert(self.index, copy.deepcopy(self.track))
        return _RemoveTrack(self.track.id)


@dataclass
class _RemoveTrack(_Op):
    track_id: str

    def apply(self, project):
        index = project.track_index(self.track_id)
        if index is None:
            raise EditError(self.track_id, "no such track")
        track = project.tracks.pop(index)
        return _InsertTrack(index, track)


@dataclass
class _SetTrackFlags(_Op):
    track_id: str
    muted: bool
    hidden: bool

    def apply(self, project):
        track = _track(project, self.track_id)
        inverse = _SetTrackFlags(self.track_id, track.muted, track.hidden)
        track.muted, track.hidden = self.muted, self.hidden
        return inverse


@dataclass
class _SetSettings(_Op):
    settings: Settings

    def apply(self, project):
        inverse = _SetSettings(copy.deepcopy(project.settings))
        project.settings = copy.deepcopy(self.settings)
        return inverse


# ------------------------------------------------------------------ transactions

class Transaction:
    """Runs operations, remembering each with its inverse so the whole can be undone."""

    def __init__(self, project: Project, label: str):
        self.project = project
        self.label = label
        self.done: list[_Op] = []
        self.inverses: list[_Op] = []
        self.touched: set[str] = set()

    def run(self, op: _Op) -> None:
        inverse = op.apply(self.project)
        self.done.append(op)
        self.inverses.append(inverse)
        self.touched.update(op.track_ids)

    def rollback(self) -> None:
        while self.inverses:
            self.inverses.pop().apply(self.project)
            self.done.pop()

    def check(self) -> None:
        """Refuse a result that breaks the model's rules: overlapping or unsorted clips."""
        for track_id in self.touched:
            track = self.project.track(track_id)
            if track is None:
                continue
            for a, b in zip(track.clips, track.clips[1:]):
                if b.start < a.end:
                    raise EditError(_clip_label(b), f"would overlap {_clip_label(a)} on track {track.id} ({_span(a)})")


@dataclass
class _Entry:
    label: str
    done: list[_Op]
    inverses: list[_Op]


# ------------------------------------------------------------------ the undo stack

class UndoStack:
    """The project's edit history. Every change to the project goes through `execute`.

    `on_change(stack)` (and any added listener) is called after each do, undo, redo and
    clean-state change; the UI repaints from the project then.
    """

    def __init__(self, project: Project, on_change: Callable[["UndoStack"], None] | None = None, limit: int | None = None):
        self.project = project
        self._done: list[_Entry] = []
        self._undone: list[_Entry] = []
        self._clean_index: int | None = 0
        self._limit = limit
        self._listeners: list[Callable[[UndoStack], None]] = [on_change] if on_change else []
        self._open: Transaction | None = None

    # ---- listeners

    def add_listener(self, callback: Callable[["UndoStack"], None]) -> None:
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[["UndoStack"], None]) -> None:
        self._listeners.remove(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback(self)

    # ---- doing

    def execute(self, command: "Command") -> "Command":
        """Apply `command` fully or not at all; on success it becomes one undo step."""
        if self._open is not None:  # inside a group: part of the group's step
            mark = len(self._open.done)
            try:
                command.do(self._open)
                self._open.check()
            except BaseException:
                _rollback_to(self._open, mark)
                raise
            return command
        tx = Transaction(self.project, command.label)
        try:
            command.do(tx)
            tx.check()
        except BaseException:
            tx.rollback()
            raise
        self._push(tx)
        return command

    @contextmanager
    def group(self, label: str) -> Iterator[Transaction]:
        """Several commands as one undo step; an error anywhere undoes the whole group."""
        if self._open is not None:
            yield self._open
            return
        tx = Transaction(self.project, label)
        self._open = tx
        try:
            yield tx
        except BaseException:
            self._open = None
            tx.rollback()
            raise
        self._open = None
        if tx.done:
            self._push(tx)

    def _push(self, tx: Transaction) -> None:
        if not tx.done:
            return
        if self._clean_index is not None and self._clean_index > len(self._done):
            self._clean_index = None  # the saved state was in the redo branch, now gone
        self._undone.clear()
        self._done.append(_Entry(tx.label, tx.done, tx.inverses))
        if self._limit is not None and len(self._done) > self._limit:
            drop = len(self._done) - self._limit
            del self._done[:drop]
            if self._clean_index is not None:
                self._clean_index -= drop
                if self._clean_index < 0:
                    self._clean_index = None
        self._notify()

    def undo(self) -> str:
        if not self._done:
            raise EditError(None, "nothing to undo")
        entry = self._done[-1]
        self._replay(entry.label, list(reversed(entry.inverses)))
        self._undone.append(self._done.pop())
        self._notify()
        return entry.label

    def redo(self) -> str:
        if not self._undone:
            raise EditError(None, "nothing to redo")
        entry = self._undone[-1]
        self._replay(entry.label, entry.done)
        self._done.append(self._undone.pop())
        self._notify()
        return entry.label

    def _replay(self, label: str, ops: list[_Op]) -> None:
        tx = Transaction(self.project, label)
        try:
            for op in ops:
                tx.run(op)
        except BaseException:
            tx.rollback()
            raise

    # ---- state

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str | None:
        return self._done[-1].label if self._done else None

    @property
    def redo_label(self) -> str | None:
        return self._undone[-1].label if self._undone else None

    @property
    def labels(self) -> list[str]:
        """Labels of the steps that can be undone, oldest first."""
        return [entry.label for entry in self._done]

    @property
    def redo_labels(self) -> list[str]:
        """Labels of the steps that can be redone, next first."""
        return [entry.label for entry in reversed(self._undone)]

    @property
    def is_clean(self) -> bool:
        """True when the project equals its last saved (or loaded) state."""
        return self._clean_index == len(self._done)

    @property
    def is_dirty(self) -> bool:
        return not self.is_clean

    def mark_clean(self) -> None:
        """Call after saving: the current state is what is on disk."""
        self._clean_index = len(self._done)
        self._notify()

    def mark_dirty(self) -> None:
        """The project differs from its file in no undoable way (e.g. recovered from an
        autosave): no state of the history counts as saved until `mark_clean`."""
        self._clean_index = None
        self._notify()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean_index = 0
        self._notify()


def _rollback_to(tx: Transaction, mark: int) -> None:
    while len(tx.done) > mark:
        tx.inverses.pop().apply(tx.project)
        tx.done.pop()


# ------------------------------------------------------------------ helpers

def _clip_label(clip: Clip) -> str:
    return f"clip {(clip.name or clip.id)!r}"


def _span(clip: Clip) -> str:
    return f"{float(clip.start):.3f}s-{float(clip.end):.3f}s"


def _find(project: Project, clip_id: str) -> tuple[Track, Clip]:
    found = project.find_clip(clip_id)
    if found is None:
        raise EditError(clip_id, "no such clip")
    return found


def _effect_index(clip: Clip, effect_id: str) -> int:
    for i, effect in enumerate(clip.effects):
        if effect.id == effect_id:
            return i
    raise EditError(clip.id, f"the clip has no effect {effect_id!r}")


def _copy_clip(clip: Clip, **changes: Any) -> Clip:
    return replace(copy.deepcopy(clip), **changes)


def _shift_keyframes(clip: Clip, delta: Fraction) -> None:
    """Move keyframes by `delta` clip-local seconds (in place, on a copy)."""
    if not delta:
        return
    for effect in clip.effects:
        for kfs in effect.keyframes.values():
            for kf in kfs:
                kf.time += delta


def _overlap_error(project: Project, track: Track, clip: Clip, action: str) -> None:
    for other in track.clips:
        if other.id != clip.id and other.start < clip.end and clip.start < other.end:
            raise EditError(
                _clip_label(clip),
                f"cannot {action}: it would overlap {_clip_label(other)} ({_span(other)}) on track {track.id}",
            )


def snap_time(project: Project, t: Fraction, length: Fraction = Fraction(0), *, exclude: str | None = None,
              playhead: Fraction | None = None, tolerance: Fraction = DEFAULT_SNAP_TOLERANCE) -> Fraction:
    """`t` moved so that an item starting there (of `length`) lines up with a nearby edge.

    Targets: the timeline start, the playhead, and every clip edge on every track except the
    clip `exclude`. Either edge of the item may snap; the nearest target within `tolerance`
    wins, ties going to the item's start edge.
    """
    targets = {Fraction(0)}
    if playhead is not None:
        targets.add(Fraction(playhead))
    for _, clip in project.clips():
        if clip.id != exclude:
            targets.update((clip.start, clip.end))
    best: tuple[Fraction, int] | None = None
    for target in targets:
        for edge, offset in ((0, Fraction(0)), (1, length)):
            if edge and not length:
                continue
            delta = target - (t + offset)
            if abs(delta) <= tolerance and (best is None or (abs(delta), edge) < (abs(best[0]), best[1])):
                best = (delta, edge)
    return t if best is None else t + best[0]


def _param_spec(registry: Any, plugin_id: str, name: str):
    """The plugin's declaration of parameter `name`, when a registry knows the plugin."""
    if registry is None:
        return None
    plugin = registry.find(plugin_id)
    if plugin is None:
        return None
    spec = plugin.param(name)
    if spec is None:
        raise EditError(plugin_id, f"the effect has no parameter {name!r}")
    return spec


# ------------------------------------------------------------------ commands

class Command:
    """One user edit. `do` computes the change and runs it as operations on `tx`."""

    label = "Edit"

    def do(self, tx: Transaction) -> None:
        raise NotImplementedError


@dataclass
class AddClip(Command):
    track_id: str
    clip: Clip
    label: str = "Add clip"

    def __post_init__(self):
        if not self.clip.id:
            self.clip = replace(self.clip, id=new_id("clip"))

    def do(self, tx):
        project = tx.project
        track = _track(project, self.track_id)
        clip = self.clip
        if project.find_clip(clip.id) is not None:
            raise EditError(clip.id, "a clip with this id is already in the project")
        if clip.source_in < 0 or clip.source_out <= clip.source_in:
            raise EditError(clip.media, f"empty or negative source range {float(clip.source_in):.3f}s-{float(clip.source_out):.3f}s")
        if clip.media_duration is not None and clip.source_out > clip.media_duration:
            raise EditError(clip.media, f"source range ends at {float(clip.source_out):.3f}s, after the media's end "
                                        f"({float(clip.media_duration):.3f}s)")
        if clip.start < 0:
            raise EditError(_clip_label(clip), "cannot start before the timeline's start")
        _overlap_error(project, track, clip, f"add it at {float(clip.start):.3f}s")
        tx.run(_InsertClip(self.track_id, clip))


@dataclass
class RemoveClip(Command):
    clip_id: str
    label: str = "Remove clip"

    def do(self, tx):
        track, _ = _find(tx.project, self.clip_id)
        tx.run(_RemoveClip(track.id, self.clip_id))


@dataclass
class MoveClip(Command):
    """Move a clip in time and optionally to another track, snapping to nearby edges."""

    clip_id: str
    start: Fraction
    track_id: str | None = None
    snap: bool = True
    playhead: Fraction | None = None
    tolerance: Fraction = DEFAULT_SNAP_TOLERANCE
    label: str = "Move clip"

    def do(self, tx):
        project = tx.project
        old_track, clip = _find(project, self.clip_id)
        target = _track(project, self.track_id or old_track.id)
        start = Fraction(self.start)
        if self.snap:
            start = snap_time(project, start, clip.duration, exclude=clip.id, playhead=self.playhead, tolerance=self.tolerance)
        start = max(start, Fraction(0))
        moved = _copy_clip(clip, start=start)
        _overlap_error(project, target, moved, f"move it to {float(start):.3f}s")
        if target is old_track:
            tx.run(_ReplaceClip(target.id, moved))
        else:
            tx.run(_RemoveClip(old_track.id, clip.id))
            tx.run(_InsertClip(target.id, moved))


@dataclass
class TrimClip(Command):
    """Move one edge of a clip to timeline time `time`.

    The edge is clamped to the media (source time 0 and the media's duration when known),
    to the timeline start, and so that at least one frame remains. Keyframes keep to the
    picture: a left trim shifts their clip-local times.
    """

    clip_id: str
    edge: str  # "start" | "end"
    time: Fraction
    snap: bool = True
    playhead: Fraction | None = None
    tolerance: Fraction = DEFAULT_SNAP_TOLERANCE
    label: str = "Trim clip"

    def do(self, tx):
        project = tx.project
        track, clip = _find(project, self.clip_id)
        t = Fraction(self.time)
        if self.snap:
            t = snap_time(project, t, exclude=clip.id, playhead=self.playhead, tolerance=self.tolerance)
        one_frame = 1 / project.settings.fps
        if self.edge == "start":
            delta = t - clip.start
            delta = max(delta, -clip.source_in, -clip.start)
            delta = min(delta, clip.duration - min(one_frame, clip.duration))
            trimmed = _copy_clip(clip, start=clip.start + delta, source_in=clip.source_in + delta)
            _shift_keyframes(trimmed, -delta)
        elif self.edge == "end":
            source_out = clip.source_in + (t - clip.start)
            if clip.media_duration is not None:
                source_out = min(source_out, clip.media_duration)
            source_out = max(source_out, clip.source_in + min(one_frame, clip.duration))
            trimmed = _copy_clip(clip, source_out=source_out)
        else:
            raise EditError(clip.id, f"unknown edge {self.edge!r} (expected 'start' or 'end')")
        if trimmed == clip:
            return
        _overlap_error(project, track, trimmed, f"trim its {self.edge} to {float(t):.3f}s")
        tx.run(_ReplaceClip(track.id, trimmed))


@dataclass
class SplitClip(Command):
    """Cut a clip in two at timeline time `time`; the right part gets `new_clip_id`."""

    clip_id: str
    time: Fraction
    new_clip_id: str = field(default_factory=lambda: new_id("clip"))
    label: str = "Split clip"

    def do(self, tx):
        project = tx.project
        track, clip = _find(project, self.clip_id)
        t = Fraction(self.time)
        if not clip.start < t < clip.end:
            raise EditError(_clip_label(clip), f"cannot split at {float(t):.3f}s: outside the clip ({_span(clip)})")
        if project.find_clip(self.new_clip_id) is not None:
            raise EditError(self.new_clip_id, "a clip with this id is already in the project")
        offset = t - clip.start
        left = _copy_clip(clip, source_out=clip.source_in + offset)
        right = _copy_clip(clip, id=self.new_clip_id, start=t, source_in=clip.source_in + offset)
        _shift_keyframes(right, -offset)
        tx.run(_ReplaceClip(track.id, left))
        tx.run(_InsertClip(track.id, right))


@dataclass
class RippleDelete(Command):
    """Remove a clip and pull every later clip on its track left by its duration."""

    clip_id: str
    label: str = "Ripple delete"

    def do(self, tx):
        track, clip = _find(tx.project, self.clip_id)
        later = [c for c in track.clips if c.start >= clip.end]
        tx.run(_RemoveClip(track.id, clip.id))
        for other in later:
            tx.run(_ReplaceClip(track.id, _copy_clip(other, start=other.start - clip.duration)))


@dataclass
class AddTrack(Command):
    kind: str
    index: int | None = None  # None: on top
    track_id: str = field(default_factory=lambda: new_id("track"))
    label: str = "Add track"

    def do(self, tx):
        if self.kind not in TRACK_KINDS:
            raise EditError(self.track_id, f"unknown track kind {self.kind!r} (expected {' or '.join(TRACK_KINDS)})")
        if tx.project.track(self.track_id) is not None:
            raise EditError(self.track_id, "a track with this id is already in the project")
        index = len(tx.project.tracks) if self.index is None else self.index
        if not 0 <= index <= len(tx.project.tracks):
            raise EditError(self.track_id, f"track position {index} is outside 0..{len(tx.project.tracks)}")
        tx.run(_InsertTrack(index, Track(self.track_id, self.kind)))


@dataclass
class RemoveTrack(Command):
    track_id: str
    label: str = "Remove track"

    def do(self, tx):
        _track(tx.project, self.track_id)
        tx.run(_RemoveTrack(self.track_id))


@dataclass
class SetTrackFlags(Command):
    track_id: str
    muted: bool | None = None
    hidden: bool | None = None
    label: str = "Change track"

    def do(self, tx):
        track = _track(tx.project, self.track_id)
        muted = track.muted if self.muted is None else bool(self.muted)
        hidden = track.hidden if self.hidden is None else bool(self.hidden)
        if (muted, hidden) != (track.muted, track.hidden):
            tx.run(_SetTrackFlags(track.id, muted, hidden))


class _EffectCommand(Command):
    """Shared steps: find the clip, change a copy of it, swap it in."""

    clip_id: str

    def do(self, tx):
        track, clip = _find(tx.project, self.clip_id)
        changed = copy.deepcopy(clip)
        self.change(changed)
        if changed != clip:
            tx.run(_ReplaceClip(track.id, changed))

    def change(self, clip: Clip) -> None:
        raise NotImplementedError


@dataclass
class AddEffect(_EffectCommand):
    """Add an effect to a clip's stack at `index` (None: last, so it runs last)."""

    clip_id: str
    effect: Effect
    index: int | None = None
    registry: Any = field(default=None, repr=False, compare=False)
    label: str = "Add effect"

    def __post_init__(self):
        if not self.effect.id:
            self.effect = replace(self.effect, id=new_id("fx"))

    def change(self, clip):
        effect = copy.deepcopy(self.effect)
        if clip.effect(effect.id) is not None:
            raise EditError(clip.id, f"the clip already has an effect with id {effect.id!r}")
        if self.registry is not None:
            plugin = self.registry.find(effect.plugin_id)
            if plugin is None:
                raise EditError(effect.plugin_id, "no such effect plugin is installed")
            effect.params = {k: plugin.require_param(k).coerce(v) for k, v in effect.params.items()}
            for name, keyframes in effect.keyframes.items():
                spec = plugin.require_param(name)
                if not spec.animates:
                    raise EditError(effect.plugin_id, f"parameter {name!r} cannot be animated")
                for kf in keyframes:
                    kf.value = spec.coerce(kf.value)
        index = len(clip.effects) if self.index is None else self.index
        if not 0 <= index <= len(clip.effects):
            raise EditError(clip.id, f"effect position {index} is outside 0..{len(clip.effects)}")
        clip.effects.insert(index, effect)


@dataclass
class RemoveEffect(_EffectCommand):
    clip_id: str
    effect_id: str
    label: str = "Remove effect"

    def change(self, clip):
        del clip.effects[_effect_index(clip, self.effect_id)]


@dataclass
class MoveEffect(_EffectCommand):
    """Reorder the stack: the effect goes to position `index` (0 runs first)."""

    clip_id: str
    effect_id: str
    index: int
    label: str = "Reorder effects"

    def change(self, clip):
        effect = clip.effects.pop(_effect_index(clip, self.effect_id))
        if not 0 <= self.index <= len(clip.effects):
            raise EditError(clip.id, f"effect position {self.index} is outside 0..{len(clip.effects)}")
        clip.effects.insert(self.index, effect)


@dataclass
class SetEffectEnabled(_EffectCommand):
    clip_id: str
    effect_id: str
    enabled: bool
    label: str = "Toggle effect"

    def change(self, clip):
        clip.effects[_effect_index(clip, self.effect_id)].enabled = bool(self.enabled)


@dataclass
class SetParam(_EffectCommand):
    """Set a parameter's static value (validated by the plugin when a registry is given).

    Keyframes of an animated parameter take precedence over the static value.
    """

    clip_id: str
    effect_id: str
    name: str
    value: Any
    registry: Any = field(default=None, repr=False, compare=False)
    label: str = "Set parameter"

    def change(self, clip):
        effect = clip.effects[_effect_index(clip, self.effect_id)]
        spec = _param_spec(self.registry, effect.plugin_id, self.name)
        effect.params[self.name] = self.value if spec is None else spec.coerce(self.value)


@dataclass
class SetKeyframe(_EffectCommand):
    """Add a keyframe at clip-local `time`, or replace the one already there."""

    clip_id: str
    effect_id: str
    name: str
    time: Fraction
    value: Any
    interpolation: str = "linear"
    registry: Any = field(default=None, repr=False, compare=False)
    label: str = "Set keyframe"

    def change(self, clip):
        if self.interpolation not in INTERPOLATIONS:
            raise EditError(clip.id, f"unknown interpolation {self.interpolation!r} (expected {' or '.join(INTERPOLATIONS)})")
        effect = clip.effects[_effect_index(clip, self.effect_id)]
        value = self.value
        spec = _param_spec(self.registry, effect.plugin_id, self.name)
        if spec is not None:
            if not spec.animates:
                raise EditError(effect.plugin_id, f"parameter {self.name!r} cannot be animated")
            value = spec.coerce(value)
        time = Fraction(self.time)
        kfs = effect.keyframes.setdefault(self.name, [])
        kfs[:] = [kf for kf in kfs if kf.time != time]
        times = [kf.time for kf in kfs]
        kfs.insert(bisect.bisect_left(times, time), Keyframe(time, value, self.interpolation))


@dataclass
class RemoveKeyframe(_EffectCommand):
    clip_id: str
    effect_id: str
    name: str
    time: Fraction
    label: str = "Remove keyframe"

    def change(self, clip):
        effect = clip.effects[_effect_index(clip, self.effect_id)]
        kfs = effect.keyframes.get(self.name, [])
        kept = [kf for kf in kfs if kf.time != Fraction(self.time)]
        if len(kept) == len(kfs):
            raise EditError(clip.id, f"parameter {self.name!r} has no keyframe at {float(self.time):.3f}s")
        if kept:
            effect.keyframes[self.name] = kept
        else:
            del effect.keyframes[self.name]


@dataclass
class SetProjectSettings(Command):
    """The project's picture size, frame rate and sound format; None keeps a value.

    Clips keep their times in seconds, so a new frame rate changes where frame boundaries
    fall, not where clips sit. The limits are the project document's."""
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    sample_rate: int | None = None
    channels: int | None = None
    label: str = "Project settings"

    def do(self, tx):
        old = tx.project.settings
        new = Settings(
            width=old.width if self.width is None else int(self.width),
            height=old.height if self.height is None else int(self.height),
            fps=old.fps if self.fps is None else Fraction(self.fps),
            sample_rate=old.sample_rate if self.sample_rate is None else int(self.sample_rate),
            channels=old.channels if self.channels is None else int(self.channels),
        )
        for name, value, low, high in (("width", new.width, 2, 16384), ("height", new.height, 2, 16384),
                                       ("sample_rate", new.sample_rate, 8000, 384000),
                                       ("channels", new.channels, 1, 8)):
            if not low <= value <= high:
                raise EditError("settings", f"{name} {value} is outside {low}..{high}")
        if not 0 < new.fps <= 1000:
            raise EditError("settings", f"{float(new.fps):g} frames per second is not a video frame rate")
        if new != old:
            tx.run(_SetSettings(new))
