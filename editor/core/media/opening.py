"""Opening a file with PyAV, turning every way it can fail into a MediaError that says why."""

from __future__ import annotations

import os

import av

from editor.errors import MediaError

# Containers FFmpeg opens as a single picture; a still is not a clip on a timeline.
STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "tiff_pipe", "webp_pipe",
                       "pgm_pipe", "ppm_pipe", "pam_pipe", "qoi_pipe", "j2k_pipe", "jpegxl_pipe",
                       "dpx_pipe", "exr_pipe", "svg_pipe", "gif_pipe", "psd_pipe"}


def check_file(path: str) -> int:
    """Raise a MediaError unless `path` is a readable, non-empty regular file; return its size."""
    if not os.path.exists(path):
        raise MediaError(path, "file does not exist")
    if os.path.isdir(path):
        raise MediaError(path, "is a folder, not a media file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise MediaError(path, f"cannot be read ({exc.strerror})") from None
    if size == 0:
        raise MediaError(path, "file is empty (0 bytes)")
    return size


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample.
        try:
            text = head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def explain_open_failure(path: str, exc: Exception) -> MediaError:
    """Say why FFmpeg could not open `path`, in words a user can act on."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if _looks_like_text(head):
        return MediaError(path, "is a text file, not a video or audio file")
    if head[4:8] == b"ftyp":
        return MediaError(path, "is an incomplete or truncated MP4/MOV file (its index, the "
                                "'moov' box, is missing or damaged)")
    if head[:4] == b"RIFF" or head[:4] == b"\x1a\x45\xdf\xa3":
        return MediaError(path, "is a damaged or truncated media file")
    return MediaError(path, "is not a recognised media file (unknown or corrupt data)")


def open_container(path: str) -> av.container.InputContainer:
    """Open `path` for reading, or raise a MediaError naming the problem."""
    check_file(path)
    try:
        return av.open(path, "r")
    except av.FFmpegError as exc:
        raise explain_open_failure(path, exc) from None
    except (OSError, ValueError) as exc:
        raise MediaError(path, f"cannot be opened ({exc})") from None
