"""model.summary() text, byte for byte.

Every expected string below was captured from real Keras 3.15 (torch
backend) with ``model.summary(print_fn=...)``, with $COLUMNS=200 (so the
default widths apply) unless the test says otherwise. The models:

* MLP: ``Sequential([Input((784,)), Dense(64, "relu"), Dense(64, "relu"),
  Dense(10, "softmax")], name="mlp")``
* convnet: the keras.io MNIST convnet (Conv2D 32, MaxPooling2D, Conv2D 64,
  MaxPooling2D, Flatten, Dropout, Dense 10), 34,826 parameters.
* two inputs: ``image_features`` (32,) and ``metadata`` (8,), a Dense(16)
  on each, ``concatenate``, BatchNormalization, Dense(3) named
  ``priority``.
"""

import numpy as np
import pytest

from tinykeras.utils import summary_utils
from tinykeras.utils.summary_utils import (
    format_shape,
    format_summary,
    readable_memory_size,
)


def layer(name, class_name, shape, params, connected_to=(), trainable=True):
    """One row of the table, as a model hands it to format_summary."""
    return {
        "name": name,
        "class_name": class_name,
        "output_shape": shape,
        "params": params,
        "connected_to": list(connected_to),
        "trainable": trainable if params else None,
    }


MLP_ROWS = [
    layer("dense", "Dense", (None, 64), 50240),
    layer("dense_1", "Dense", (None, 64), 4160),
    layer("dense_2", "Dense", (None, 10), 650),
]
CONVNET_ROWS = [
    layer("conv2d", "Conv2D", (None, 26, 26, 32), 320),
    layer("max_pooling2d", "MaxPooling2D", (None, 13, 13, 32), 0),
    layer("conv2d_1", "Conv2D", (None, 11, 11, 64), 18496),
    layer("max_pooling2d_1", "MaxPooling2D", (None, 5, 5, 64), 0),
    layer("flatten", "Flatten", (None, 1600), 0),
    layer("dropout", "Dropout", (None, 1600), 0),
    layer("dense", "Dense", (None, 10), 16010),
]


def two_input_rows(dense_trainable=True):
    return [
        layer("image_features", "InputLayer", (None, 32), 0),
        layer("metadata", "InputLayer", (None, 8), 0),
        layer("dense", "Dense", (None, 16), 528, ["image_features[0][0]"],
              trainable=dense_trainable),
        layer("dense_1", "Dense", (None, 16), 144, [("metadata", 0, 0)]),
        layer("concatenate", "Concatenate", (None, 32), 0,
              ["dense[0][0]", "dense_1[0][0]"]),
        layer("batch_normalization", "BatchNormalization", (None, 32), 128,
              ["concatenate[0][0]"]),
        layer("priority", "Dense", (None, 3), 99,
              ["batch_normalization[0][0]"]),
    ]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Both shutil and the console width read $COLUMNS first."""
    monkeypatch.setenv("COLUMNS", "200")


def capture(*args, **kwargs):
    printed = []
    text = format_summary(*args, print_fn=printed.append, **kwargs)
    assert printed == [text]  # print_fn gets the whole text, once
    return text


MLP_SUMMARY = """\
Model: "mlp"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 64)                  │          50,240 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_1 (Dense)                      │ (None, 64)                  │           4,160 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_2 (Dense)                      │ (None, 10)                  │             650 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 55,050 (215.04 KB)
 Trainable params: 55,050 (215.04 KB)
 Non-trainable params: 0 (0.00 B)
"""


CONVNET_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                      │ (None, 26, 26, 32)          │             320 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ max_pooling2d (MaxPooling2D)         │ (None, 13, 13, 32)          │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ conv2d_1 (Conv2D)                    │ (None, 11, 11, 64)          │          18,496 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ max_pooling2d_1 (MaxPooling2D)       │ (None, 5, 5, 64)            │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ flatten (Flatten)                    │ (None, 1600)                │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dropout (Dropout)                    │ (None, 1600)                │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense (Dense)                        │ (None, 10)                  │          16,010 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 34,826 (136.04 KB)
 Trainable params: 34,826 (136.04 KB)
 Non-trainable params: 0 (0.00 B)
"""


TWO_INPUT_SUMMARY = """\
Model: "two_input"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ image_features (InputLayer)   │ (None, 32)                │               0 │ -                          │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ metadata (InputLayer)         │ (None, 8)                 │               0 │ -                          │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ dense (Dense)                 │ (None, 16)                │             528 │ image_features[0][0]       │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ dense_1 (Dense)               │ (None, 16)                │             144 │ metadata[0][0]             │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ concatenate (Concatenate)     │ (None, 32)                │               0 │ dense[0][0], dense_1[0][0] │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ batch_normalization           │ (None, 32)                │             128 │ concatenate[0][0]          │
│ (BatchNormalization)          │                           │                 │                            │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ priority (Dense)              │ (None, 3)                 │              99 │ batch_normalization[0][0]  │
└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘
 Total params: 899 (3.51 KB)
 Trainable params: 835 (3.26 KB)
 Non-trainable params: 64 (256.00 B)
"""


TWO_INPUT_TRAINABLE_SUMMARY = """\
Model: "two_input"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
┃ Layer (type)                  ┃ Output Shape              ┃          Param # ┃ Connected to              ┃ Trainable ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
│ image_features (InputLayer)   │ (None, 32)                │                0 │ -                         │     -     │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ metadata (InputLayer)         │ (None, 8)                 │                0 │ -                         │     -     │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ dense (Dense)                 │ (None, 16)                │              528 │ image_features[0][0]      │     N     │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ dense_1 (Dense)               │ (None, 16)                │              144 │ metadata[0][0]            │     Y     │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ concatenate (Concatenate)     │ (None, 32)                │                0 │ dense[0][0],              │     -     │
│                               │                           │                  │ dense_1[0][0]             │           │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ batch_normalization           │ (None, 32)                │              128 │ concatenate[0][0]         │     Y     │
│ (BatchNormalization)          │                           │                  │                           │           │
├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤
│ priority (Dense)              │ (None, 3)                 │               99 │ batch_normalization[0][0] │     Y     │
└───────────────────────────────┴───────────────────────────┴──────────────────┴───────────────────────────┴───────────┘
 Total params: 899 (3.51 KB)
 Trainable params: 307 (1.20 KB)
 Non-trainable params: 592 (2.31 KB)
"""


MLP_NARROW_WITH_OPTIMIZER_SUMMARY = """\
Model: "mlp"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
┃ Layer (type)             ┃ Output Shape      ┃   Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
│ dense (Dense)            │ (None, 64)        │    50,240 │
├──────────────────────────┼───────────────────┼───────────┤
│ dense_1 (Dense)          │ (None, 64)        │     4,160 │
├──────────────────────────┼───────────────────┼───────────┤
│ dense_2 (Dense)          │ (None, 10)        │       650 │
└──────────────────────────┴───────────────────┴───────────┘
 Total params: 165,152 (645.12 KB)
 Trainable params: 55,050 (215.04 KB)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 110,102 (430.09 KB)
"""


MULTI_OUTPUT_40_COLUMNS_SUMMARY = """\
Model: "multi_output"
┏━━━━━━━━━━━┳━━━━━━━━━┳━━━━━┳━━━━━━━━━━┓
┃ Layer     ┃ Output  ┃ Pa… ┃ Connect… ┃
┃ (type)    ┃ Shape   ┃   # ┃ to       ┃
┡━━━━━━━━━━━╇━━━━━━━━━╇━━━━━╇━━━━━━━━━━┩
│ inp       │ (None,  │   0 │ -        │
│ (InputLa… │ 6)      │     │          │
├───────────┼─────────┼─────┼──────────┤
│ trunk     │ (None,  │  28 │ inp[0][… │
│ (Dense)   │ 4)      │     │          │
├───────────┼─────────┼─────┼──────────┤
│ out_a     │ (None,  │   5 │ trunk[0… │
│ (Dense)   │ 1)      │     │          │
├───────────┼─────────┼─────┼──────────┤
│ a_very_l… │ (None,  │  15 │ trunk[0… │
│ (Dense)   │ 3)      │     │          │
├───────────┼─────────┼─────┼──────────┤
│ splitter  │ [(None, │   0 │ trunk[0… │
│ (Lambda)  │ 4),     │     │          │
│           │ (None,  │     │          │
│           │ 4)]     │     │          │
├───────────┼─────────┼─────┼──────────┤
│ joined    │ (None,  │   0 │ out_a[0… │
│ (Concate… │ 20)     │     │ a_very_… │
│           │         │     │ splitte… │
│           │         │     │ splitte… │
│           │         │     │ trunk[0… │
│           │         │     │ trunk[0… │
└───────────┴─────────┴─────┴──────────┘
 Total params: 48 (192.00 B)
 Trainable params: 48 (192.00 B)
 Non-trainable params: 0 (0.00 B)
"""


CROPPED_TO_80_COLUMNS_SUMMARY = "\n".join([
    'Model: "functional"',
    '┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━',
    '┃ Layer (type)                      ┃ Output Shape                 ┃           P',
    '┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━',
    '│ input_layer (InputLayer)          │ (None, 4)                    │            ',
    '├───────────────────────────────────┼──────────────────────────────┼────────────',
    '│ input_layer_1 (InputLayer)        │ (None, 4)                    │            ',
    '├───────────────────────────────────┼──────────────────────────────┼────────────',
    '│ dense (Dense)                     │ (None, 8)                    │            ',
    '├───────────────────────────────────┼──────────────────────────────┼────────────',
    '│ dense_1 (Dense)                   │ (None, 8)                    │            ',
    '├───────────────────────────────────┼──────────────────────────────┼────────────',
    '│ add (Add)                         │ (None, 8)                    │            ',
    '├───────────────────────────────────┼──────────────────────────────┼────────────',
    '│ dense_2 (Dense)                   │ (None, 1)                    │            ',
    '└───────────────────────────────────┴──────────────────────────────┴────────────',
    ' Total params: 89 (356.00 B)',
    ' Trainable params: 89 (356.00 B)',
    ' Non-trainable params: 0 (0.00 B)',
]) + "\n"


def test_sequential_mlp():
    text = capture("mlp", MLP_ROWS, True, 55050, 55050, 0)
    assert text == MLP_SUMMARY


def test_sequential_convnet():
    text = capture("sequential", CONVNET_ROWS, True, 34826, 34826, 0)
    assert text == CONVNET_SUMMARY


def test_two_input_functional_model():
    text = capture("two_input", two_input_rows(), False, 899, 835, 64)
    assert text == TWO_INPUT_SUMMARY


def test_show_trainable():
    rows = two_input_rows(dense_trainable=False)
    text = capture("two_input", rows, False, 899, 307, 592, show_trainable=True)
    assert text == TWO_INPUT_TRAINABLE_SUMMARY


def test_line_length_and_optimizer_footer():
    # Adam's variables: 2 x 55,050 moments + iterations + learning rate.
    text = capture("mlp", MLP_ROWS, True, (165152, 660608), (55050, 220200),
                   (0, 0), optimizer=(110102, 440408), line_length=60)
    assert text == MLP_NARROW_WITH_OPTIMIZER_SUMMARY


def test_narrow_table_wraps_words_and_cuts_long_ones():
    long_name = "a_very_long_layer_name_that_will_not_fit_in_the_column"
    rows = [
        layer("inp", "InputLayer", (None, 6), 0),
        layer("trunk", "Dense", (None, 4), 28, ["inp[0][0]"]),
        layer("out_a", "Dense", (None, 1), 5, ["trunk[0][0]"]),
        layer(long_name, "Dense", (None, 3), 15, ["trunk[0][0]"]),
        layer("splitter", "Lambda", [(None, 4), (None, 4)], 0, ["trunk[0][0]"]),
        layer("joined", "Concatenate", (None, 20), 0,
              ["out_a[0][0]", f"{long_name}[0][0]", "splitter[0][0]",
               "splitter[0][1]", "trunk[0][0]", "trunk[0][0]"]),
    ]
    text = capture("multi_output", rows, False, 48, 48, 0, line_length=40)
    assert text == MULTI_OUTPUT_40_COLUMNS_SUMMARY


def test_lines_are_cropped_to_the_console_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        layer("input_layer", "InputLayer", (None, 4), 0),
        layer("input_layer_1", "InputLayer", (None, 4), 0),
        layer("dense", "Dense", (None, 8), 40, ["input_layer[0][0]"]),
        layer("dense_1", "Dense", (None, 8), 40, ["input_layer_1[0][0]"]),
        layer("add", "Add", (None, 8), 0, ["dense[0][0]", "dense_1[0][0]"]),
        layer("dense_2", "Dense", (None, 1), 9, ["add[0][0]"]),
    ]
    text = capture("functional", rows, False, 89, 89, 0, line_length=120)
    assert text == CROPPED_TO_80_COLUMNS_SUMMARY


def test_default_width_follows_the_terminal(monkeypatch):
    # With 80 columns Keras uses min(88, 80 - 4) = 76.
    monkeypatch.setenv("COLUMNS", "80")
    text = capture("mlp", MLP_ROWS, True, 55050, 55050, 0)
    assert {len(line) for line in text.splitlines()[1:10]} == {76}


def test_prints_to_stdout_without_print_fn(capsys):
    text = format_summary("mlp", MLP_ROWS, True, 55050, 55050, 0)
    assert capsys.readouterr().out == text == MLP_SUMMARY


def test_too_narrow_raises():
    with pytest.raises(ValueError, match="Insufficient console width"):
        capture("mlp", MLP_ROWS, True, 1, 1, 0, line_length=8)


UNBUILT_SUMMARY = """\
Model: "unbuilt"
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃                 ┃ Output     ┃ Param ┃
┃ Layer (type)    ┃ Shape      ┃     # ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ dense (Dense)   │ ?          │     0 │
│                 │            │ (unb… │
├─────────────────┼────────────┼───────┤
│ dense_1 (Dense) │ ?          │     0 │
│                 │            │ (unb… │
└─────────────────┴────────────┴───────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_unbuilt_layers():
    # keras.Sequential([Dense(4), Dense(2)], name="unbuilt"), never built.
    rows = [layer("dense", "Dense", None, None),
            layer("dense_1", "Dense", None, None)]
    text = capture("unbuilt", rows, True, 0, 0, 0, line_length=40)
    assert text == UNBUILT_SUMMARY


@pytest.mark.parametrize(
    "shape, text",
    [((None, 64), "(None, 64)"), ((None,), "(None)"), ((), "()"),
     ((np.int64(3), 4), "(3, 4)"),
     ([(None, 4), (None, 4)], "[(None, 4), (None, 4)]"),
     ({"a": (None, 2)}, "{a: (None, 2)}"), ("(3, 4)", "(3, 4)"), (None, "?")],
)
def test_format_shape(shape, text):
    assert format_shape(shape) == text


@pytest.mark.parametrize(
    "size, text",
    [(0, "0.00 B"), (256, "256.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"),
     (139304, "136.04 KB"), (3 * 1024**3, "3.00 GB"), (2 * 1024**5, "2.00 PB")],
)
def test_readable_memory_size(size, text):
    assert readable_memory_size(size) == text


def test_console_width_falls_back_to_80(monkeypatch):
    monkeypatch.delenv("COLUMNS")

    def no_terminal(fd):
        raise OSError("not a terminal")

    monkeypatch.setattr(summary_utils.os, "get_terminal_size", no_terminal)
    assert summary_utils._console_width() == 80
