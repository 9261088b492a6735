"""Media I/O on PyAV: probing, frame-accurate video access, frame cache, audio, thumbnails.

Qt-free. Everything here names the file in its errors (`editor.errors.MediaError`).
"""

from editor.core.media.probe import AudioInfo, MediaInfo, StreamInfo, VideoInfo, probe

__all__ = ["AudioInfo", "MediaInfo", "StreamInfo", "VideoInfo", "probe"]
