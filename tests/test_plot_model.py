"""plot_model / model_to_dot: the graph as DOT text, pictures through Graphviz."""
import shutil

import pytest

import tinykeras as tk
from tinykeras.utils import model_visualization


def _two_input_model():
    a, b = tk.Input((3,), name="a"), tk.Input((3,), name="b")
    joined = tk.layers.Concatenate(name="join")([a, b])
    return tk.Model([a, b], tk.layers.Dense(1, name="head")(joined), name="two_in")


def test_dot_text_has_every_layer_and_edge_with_shapes():
    dot = tk.utils.model_to_dot(_two_input_model(), show_shapes=True, rankdir="LR")
    assert dot.startswith('digraph "two_in" {') and "rankdir=LR" in dot
    assert '"join" [label="join (Concatenate)\\n(None, 3), (None, 3) -> (None, 6)"];' in dot
    assert '"head" [label="head (Dense)\\n(None, 6) -> (None, 1)"];' in dot
    edges = [line.strip() for line in dot.splitlines() if "->" in line and "label" not in line]
    assert edges == ['"a" -> "join";', '"b" -> "join";', '"join" -> "head";']


def test_plot_model_writes_dot_files(tmp_path):
    path = tk.utils.plot_model(_two_input_model(), to_file=str(tmp_path / "m.dot"))
    assert open(path).read() == tk.utils.model_to_dot(_two_input_model())


def test_picture_without_graphviz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(model_visualization.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="Graphviz"):
        tk.utils.plot_model(_two_input_model(), to_file=str(tmp_path / "m.png"))
    with pytest.raises(ValueError, match="rankdir"):
        tk.utils.model_to_dot(_two_input_model(), rankdir="XY")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_through_graphviz(tmp_path):
    path = tk.utils.plot_model(_two_input_model(), to_file=str(tmp_path / "m.png"), show_shapes=True)
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
