"""Mobile-ready style packs (`.stylepack`): the format in docs/STYLEPACK.md.

    from editor.core import stylepack
    report = stylepack.export_pack(["cobalt-and-gold"], "cobalt.stylepack", size=360)
    pack = stylepack.verify_pack("starry.stylepack")      # raises PackError naming the problem
    stylepack.import_pack("starry.stylepack")            # into the user's style library

Modules: safezip (reading untrusted zips), manifest (schema), frames (sample and thumbnail
pictures), ort_format (onnxruntime's ORT converter), export, verify, importer, summary.
"""

from __future__ import annotations

from editor.core.stylepack.errors import PackError
from editor.core.stylepack.export import ExportReport, export_pack
from editor.core.stylepack.importer import ImportReport, import_pack
from editor.core.stylepack.summary import describe
from editor.core.stylepack.verify import Pack, load_members, verify_pack

__all__ = ["ExportReport", "ImportReport", "Pack", "PackError", "describe", "export_pack", "import_pack",
           "load_members", "verify_pack"]
