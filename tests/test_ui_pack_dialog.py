"""The style pack dialog: a pack of chosen styles with size and phone verdicts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from editor.core.stylepack import verify_pack
from editor.ui.pack_dialog import PackDialog
from style_nets import STYLE_IDS, style_environment
from ui_support import wait_until


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


def test_pack_with_two_styles_and_a_phone(qtbot, env, tmp_path):
    dialog = PackDialog()
    qtbot.addWidget(dialog)
    ids = [dialog.styles_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.styles_list.count())]
    # The list holds the shipped catalog and the user's library (here: the test styles).
    assert set(STYLE_IDS) <= set(ids)
    dialog.start()
    assert "at least one style" in dialog.status.text()
    for style_id in (STYLE_IDS[0], STYLE_IDS[2]):
        dialog.styles_list.item(ids.index(style_id)).setCheckState(Qt.CheckState.Checked)
    dialog.phones_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.size.setValue(128)
    out = tmp_path / "two.stylepack"
    dialog.path.setText(str(out))
    dialog.start()
    wait_until(lambda: dialog.export_button.isEnabled(), timeout=300)
    assert dialog.report is not None, dialog.status.text()
    pack = verify_pack(str(out))
    assert [s["id"] for s in dialog.report.manifest["styles"]] == [STYLE_IDS[0], STYLE_IDS[2]]
    text = dialog.status.text()
    assert "Meta Spark AR limit" in text and " fps at " in text
    assert dialog.phones_list.item(0).text().split(" (")[0] in text
    assert pack is not None


def test_bad_target_is_reported(qtbot, env, tmp_path):
    dialog = PackDialog()
    qtbot.addWidget(dialog)
    dialog.styles_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.path.setText(str(tmp_path / "pack.zip"))
    dialog.start()
    wait_until(lambda: dialog.export_button.isEnabled(), timeout=120)
    assert dialog.report is None
    assert "pack.zip" in dialog.status.text() and ".stylepack" in dialog.status.text()
