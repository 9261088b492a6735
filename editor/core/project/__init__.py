"""The project: model dataclasses and the JSON document they are saved as."""

from .document import (
    PROJECT_SUFFIX,
    SCHEMA_VERSION,
    OfflineClip,
    dumps,
    from_json_dict,
    load,
    loads,
    offline_clips,
    save,
    to_json_dict,
)
from .model import Clip, Effect, Keyframe, Project, Settings, Track, new_id

__all__ = [
    "Clip",
    "Effect",
    "Keyframe",
    "OfflineClip",
    "PROJECT_SUFFIX",
    "Project",
    "SCHEMA_VERSION",
    "Settings",
    "Track",
    "dumps",
    "from_json_dict",
    "load",
    "loads",
    "new_id",
    "offline_clips",
    "save",
    "to_json_dict",
]
