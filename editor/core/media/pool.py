"""MediaPool: one open MediaSource (and AudioSource per output format) per file, shared cache.

The render path asks the pool for a file's frames by path; the pool opens each file once and
remembers files that cannot be used, so a broken clip is reported once per file rather than
re-probed on every frame.
"""

from __future__ import annotations

import os
import threading

from editor.core.media.audio import AudioSource
from editor.core.media.cache import DEFAULT_BUDGET, FrameCache
from editor.core.media.probe import MediaInfo, scan
from editor.core.media.source import MediaSource
from editor.errors import MediaError


class MediaPool:
    def __init__(self, cache: FrameCache | None = None, cache_bytes: int = DEFAULT_BUDGET):
        self.cache = cache if cache is not None else FrameCache(cache_bytes)
        self._lock = threading.RLock()
        self._infos: dict[str, tuple] = {}   # path -> (MediaInfo, VideoIndex | None)
        self._sources: dict[str, MediaSource] = {}
        self._audio: dict[tuple[str, int, int], AudioSource] = {}
        self._failed: dict[str, MediaError] = {}        # unusable files

    @staticmethod
    def _key(path) -> str:
        return os.path.abspath(os.fspath(path))

    def info(self, path) -> MediaInfo:
        return self._scan(path)[0]

    def _scan(self, path):
        key = self._key(path)
        with self._lock:
            if key in self._failed:
                raise self._failed[key]
            if key not in self._infos:
                try:
                    self._infos[key] = scan(key)
                except MediaError as exc:
                    self._failed[key] = exc
                    raise
            return self._infos[key]

    def source(self, path) -> MediaSource:
        """The file's video, opened once; MediaError when it has none or cannot be read."""
        key = self._key(path)
        with self._lock:
            src = self._sources.get(key)
            if src is not None:
                return src
            scanned = self._scan(key)
            if scanned[1] is None:
                raise MediaError(key, "has no video stream (it is audio only)")
            src = self._sources[key] = MediaSource(key, cache=self.cache, scanned=scanned)
            return src

    get = source

    def audio(self, path, sample_rate: int, channels: int) -> AudioSource | None:
        """The file's audio in the given format, or None when the file has no audio."""
        key = self._key(path)
        with self._lock:
            info = self.info(key)
            if info.audio is None:
                return None
            akey = (key, int(sample_rate), int(channels))
            src = self._audio.get(akey)
            if src is None:
                src = self._audio[akey] = AudioSource(key, sample_rate, channels, info=info)
            return src

    def forget(self, path) -> None:
        """Close and drop a file (it changed on disk, or came back online)."""
        key = self._key(path)
        with self._lock:
            self._infos.pop(key, None)
            self._failed.pop(key, None)
            src = self._sources.pop(key, None)
            if src:
                src.close()
            for akey in [k for k in self._audio if k[0] == key]:
                self._audio.pop(akey).close()
            self.cache.discard(lambda k: isinstance(k, tuple) and k and k[0] == key)

    def close(self) -> None:
        with self._lock:
            for src in self._sources.values():
                src.close()
            for src in self._audio.values():
                src.close()
            self._sources.clear()
            self._audio.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
