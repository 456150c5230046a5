"""analysis/ is a package: pip installs it into a virtual environment (with
Debian's python3, its h5py, pandas and matplotlib as the dependencies, and no
package index), and both the module and the trawl-analysis command work."""
import subprocess
import sys
from pathlib import Path

from conftest import run

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"


def test_pip_installs_the_analysis_package_into_a_venv(tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    # A copy, so the build leaves nothing behind in the source tree.
    source = tmp_path / "analysis"
    subprocess.run(["cp", "-r", str(ANALYSIS), str(source)], check=True)
    # --no-deps: Debian registers its h5py as "h5py._debian_h5py_serial", which
    # pip does not count as h5py; the venv sees Debian's packages all the same.
    run(pip + ["install", "--no-index", "--no-build-isolation", "--no-deps", str(source)], timeout=300)
    code, out, _ = run([str(venv / "bin" / "python"), "-c",
                        "import trawl_analysis, sys; print(trawl_analysis.__file__)"], cwd=tmp_path)
    assert out.strip().startswith(str(venv)), out
    code, out, _ = run([str(venv / "bin" / "python"), "-c",
                        "import trawl_analysis as ta; print(ta.load_trials.__module__)"], cwd=tmp_path)
    assert out.strip() == "trawl_analysis.results"
    code, out, _ = run([str(venv / "bin" / "trawl-analysis"), "--help"], cwd=tmp_path)
    assert "html" in out
    code, out, _ = run(pip + ["show", "trawl-analysis"])
    assert "Version: 0.2.0" in out
