"""The examples run: the seed script with tiny settings, and the notebook (executed, quick mode)."""

from __future__ import annotations

import base64
import re
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "dprk_troops_2024"


@pytest.mark.slow
def test_seed_script_runs_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["run.py", "--quick", "--out", str(tmp_path)])
    runpy.run_path(str(EXAMPLE / "run.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "North Korean troops in Russia on 2024-10-24:" in out and "90% credible interval" in out
    assert "P(more than 10,000 on 2024-10-24) = " in out
    assert "Ukraine military intelligence" in out  # the source table
    png = tmp_path / "trajectory.png"
    assert png.stat().st_size > 20_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "fit.nc").exists() and (tmp_path / "sources.png").exists()
    report = tmp_path / "report.html"
    assert f"report: {report}" in out
    assert report.stat().st_size > 50_000  # the charts are inside the page
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>North Korean troops in Russia, October 2024" in page
    assert "<h1>North Korean troops in Russia, October 2024" in page
    # self-contained: the charts as inline base64 PNG, nothing fetched from elsewhere
    images = re.findall(r'<img src="([^"]*)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    for src in images:
        assert base64.b64decode(src.removeprefix("data:image/png;base64,"))[:4] == b"\x89PNG"
    assert "Ukraine military intelligence" in page


@pytest.mark.slow
def test_notebook_executes(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("CONSENSUS_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(EXAMPLE / "dprk_troops.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLE)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "P(more than 10,000 on 2024-10-24)" in text
