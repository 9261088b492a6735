"""ProgressBar: drawn on a terminal, silent otherwise."""

from __future__ import annotations

import io

from editor.core.progress import ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    with ProgressBar("x", stream=stream) as bar:
        for i in range(1, 11):
            bar(i, 10)
    assert stream.getvalue() == ""


def test_draws_and_finishes_the_line_on_a_terminal():
    stream = FakeTerminal()
    with ProgressBar("render", stream=stream, width=10) as bar:
        bar(1, 4)
        bar(4, 4)
    text = stream.getvalue()
    assert text.startswith("\rrender [") and text.endswith("\n")
    assert "4/4 100%" in text and "##########" in text
