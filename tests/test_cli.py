import subprocess
import sys

from editor import __version__
from editor.cli import main


def test_version_flag_prints_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_version_command_runs_as_console_script():
    out = subprocess.run([sys.executable, "-m", "editor", "version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "onnxruntime" in out.stdout
