"""Progbar output, byte for byte.

Every expected string below was printed by real Keras 3.15
(``keras.utils.Progbar``, torch backend) driven through the same updates
with the same fake clock. ``\\x1b[...m`` are the ANSI styles Keras always
writes; ``\\b`` and ``\\r`` redraw the line in place.
"""
import re

import pytest

from tinykeras.utils import progbar as progbar_module
from tinykeras.utils.progbar import Progbar, format_eta, format_step_time

T0 = 1000.0

# (seconds since start, step, metric values) for a 469-step epoch.
EPOCH = [
    (0.5, 1, [("accuracy", 0.5), ("loss", 1.2)]),
    (0.51, 2, [("accuracy", 0.6), ("loss", 1.0)]),  # < interval: skipped
    (1.2, 100, [("accuracy", 0.8), ("loss", 0.5)]),
    (2.0, 300, [("accuracy", 0.9), ("loss", 0.3)]),
    (3.3, 469, [("accuracy", 0.9123), ("loss", 0.2950)]),
]


def _lines(text):
    """The lines a reader sees: ANSI codes and redraw characters removed."""
    text = re.sub(r"\x1b\[[0-9;]*m|\x08", "", text)
    return [line.rstrip() for line in re.split(r"[\r\n]", text) if line.strip()]


def assert_updates(run_bar, expected, updates, **kwargs):
    """``expected`` lists one Keras line per update: in a terminal each of
    them is drawn in turn; without one only the last is printed, plain."""
    assert _lines(run_bar(updates, dynamic=True, **kwargs)) == _lines(expected)
    assert run_bar(updates, **kwargs) == _lines(expected)[-1] + "\n"


@pytest.fixture
def run_bar(monkeypatch, capsys):
    """Runs updates against a fake clock; returns everything printed."""

    def run(updates, dynamic=False, **kwargs):
        now = [T0]
        monkeypatch.setattr(progbar_module, "_now", lambda: now[0])
        monkeypatch.setattr(progbar_module, "_dynamic_display", lambda: dynamic)
        capsys.readouterr()
        bar = Progbar(**kwargs)
        for seconds, step, values, *finalize in updates:
            now[0] = T0 + seconds
            bar.update(step, values, *finalize)
        return capsys.readouterr().out

    return run


def test_live_bar_redraws_in_place(run_bar):
    expected = (
        "\r\x1b[1m  1/469\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m3:54\x1b[0m 500ms/step - accuracy: 0.5000 - loss: 1.2000"
        + "\b" * 78
        + "\r\x1b[1m100/469\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m2s\x1b[0m 7ms/step - accuracy: 0.7950 - loss: 0.5120    "
        + "\b" * 74
        + "\r\x1b[1m300/469\x1b[0m \x1b[32m━━━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 5ms/step - accuracy: 0.8650 - loss: 0.3707"
        + "\b" * 74
        + "\r\x1b[1m469/469\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m3s\x1b[0m 6ms/step - accuracy: 0.9123 - loss: 0.2950\n"
    )
    assert run_bar(EPOCH, dynamic=True, target=469) == expected


def test_one_plain_line_per_bar_without_a_terminal(run_bar):
    # Deliberate difference from Keras (see the module docstring): no redraws, no ANSI codes.
    expected = "469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9123 - loss: 0.2950\n"
    assert run_bar(EPOCH, target=469) == expected


def test_verbose_2_prints_only_the_final_line(run_bar):
    out = run_bar(EPOCH, target=469, verbose=2)
    assert out == "469/469 - 3s - 6ms/step - accuracy: 0.9123 - loss: 0.2950\n"


def test_verbose_2_small_and_negative_values(run_bar):
    # Keras tests `value > 1e-3` here, so negative values use %.4e.
    updates = [
        (0.004, 5, [("loss", 0.0004), ("delta", -0.5)]),
        (0.009, 10, [("loss", 0.0002), ("delta", -0.25)]),
    ]
    out = run_bar(updates, target=10, verbose=2)
    assert out == "10/10 - 0s - 900us/step - loss: 2.0000e-04 - delta: -2.5000e-01\n"


def test_verbose_1_small_and_negative_values(run_bar):
    # ...while verbose 1 tests `abs(value) > 1e-3`.
    updates = [
        (0.004, 5, [("loss", 0.0004), ("delta", -0.5)]),
        (0.009, 10, [("loss", 0.0002), ("delta", -0.25)]),
    ]
    expected = (
        "\n\x1b[1m 5/10\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 800us/step - loss: 4.0000e-04 - delta: -0.5000"
        "\n\x1b[1m10/10\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 900us/step - loss: 2.0000e-04 - delta: -0.2500\n"
    )
    assert_updates(run_bar, expected, updates, target=10)


def test_stateful_metrics_are_not_averaged(run_bar):
    updates = [
        (0.1, 1, [("lr", 0.01), ("loss", 4.0)]),
        (0.2, 2, [("lr", 0.005), ("loss", 2.0)]),
        (0.3, 3, [("lr", 0.001), ("loss", 1.0)]),
        (0.4, 4, [("lr", 0.0005), ("loss", 1.0)]),
    ]
    expected = (
        "\n\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - lr: 0.0100 - loss: 4.0000"
        "\n\x1b[1m2/4\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - lr: 0.0050 - loss: 3.0000"
        "\n\x1b[1m3/4\x1b[0m \x1b[32m━━━━━━━━━━━━━━━\x1b[0m\x1b[37m━━━━━\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - lr: 1.0000e-03 - loss: 2.3333"
        "\n\x1b[1m4/4\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - lr: 5.0000e-04 - loss: 1.0000\n"
    )
    assert_updates(run_bar, expected, updates, target=4, stateful_metrics=["lr"])


def test_unknown_target(run_bar):
    updates = [
        (0.1, 1, [("loss", 2.0)]),
        (0.2, 2, [("loss", 1.0)]),
        (0.3, 12, [("loss", 0.5)]),
        (0.4, 12, [("loss", 0.5)], True),
    ]
    expected = (
        "\n      1/Unknown \x1b[1m0s\x1b[0m 100ms/step - loss: 2.0000"
        "\n      2/Unknown \x1b[1m0s\x1b[0m 100ms/step - loss: 1.5000"
        "\n     12/Unknown \x1b[1m0s\x1b[0m 18ms/step - loss: 0.6667 "
        "\n     12/Unknown \x1b[1m0s\x1b[0m 27ms/step - loss: 0.5000\n"
    )
    assert_updates(run_bar, expected, updates, target=None)


def test_long_eta_formats(run_bar):
    updates = [(1.0, 1, []), (2.0, 10, []), (100.0, 2000, []),
               (150.0, 90000, []), (160.0, 99999, []), (170.0, 100000, [])]
    expected = (
        "\n\x1b[1m     1/100000\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m27:46:39\x1b[0m 1s/step"
        "\n\x1b[1m    10/100000\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m3:05:10\x1b[0m 111ms/step"
        "\n\x1b[1m  2000/100000\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m1:20:53\x1b[0m 50ms/step "
        "\n\x1b[1m 90000/100000\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m━━\x1b[0m \x1b[1m16s\x1b[0m 2ms/step     "
        "\n\x1b[1m 99999/100000\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m━\x1b[0m \x1b[1m0s\x1b[0m 2ms/step "
        "\n\x1b[1m100000/100000\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m170s\x1b[0m 2ms/step\n"
    )
    assert_updates(run_bar, expected, updates, target=100000)


def test_microseconds_width_and_unit_name(run_bar):
    updates = [(0.01, 1, []), (0.5, 1000, []), (1.0, 2000, [])]
    expected = (
        "\n\x1b[1m   1/2000\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m19s\x1b[0m 10ms/sample"
        "\n\x1b[1m1000/2000\x1b[0m \x1b[32m━━━━━━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 490us/sample"
        "\n\x1b[1m2000/2000\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 495us/sample\n"
    )
    assert_updates(run_bar, expected, updates, target=2000, unit_name="sample", width=30)


def test_seconds_per_step(run_bar):
    updates = [(2.5, 1, [("loss", 0.9)]), (5.0, 2, [("loss", 0.8)]),
               (12.5, 5, [("loss", 0.7)])]
    expected = (
        "\n\x1b[1m1/5\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m10s\x1b[0m 2s/step - loss: 0.9000"
        "\n\x1b[1m2/5\x1b[0m \x1b[32m━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━\x1b[0m \x1b[1m7s\x1b[0m 2s/step - loss: 0.8500 "
        "\n\x1b[1m5/5\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m12s\x1b[0m 2s/step - loss: 0.7000\n"
    )
    assert_updates(run_bar, expected, updates, target=5)


def test_verbose_0_prints_nothing(run_bar):
    assert run_bar([(0.1, 3, [("loss", 1.0)])], target=3, verbose=0) == ""


def test_add_advances_from_the_last_step(monkeypatch, capsys):
    monkeypatch.setattr(progbar_module, "_now", lambda: T0)
    bar = Progbar(target=10, verbose=2)
    bar.add(4, [("loss", 1.0)])
    bar.add(6, [("loss", 2.0)])
    # 4 steps at 1.0 and 6 steps at 2.0... but the final update replaces
    # the average (Keras shows the last value when the bar finishes).
    assert capsys.readouterr().out == "10/10 - 0s - 0s/step - loss: 2.0000\n"


def test_only_one_of_stateful_and_stateless_metrics():
    with pytest.raises(ValueError):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])


@pytest.mark.parametrize(
    "seconds, text",
    [(0, " 0s/step"), (3, " 3s/step"), (1.0, " 1s/step"), (0.9996, " 1000ms/step"),
     (0.0062, " 6ms/step"), (0.001, " 1ms/step"), (0.0005, " 500us/step"),
     (2e-6, " 2us/step")],
)
def test_format_step_time(seconds, text):
    assert format_step_time(seconds) == text


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0s"), (59.9, "59s"), (60, "60s"), (61, "1:01"), (3600, "60:00"),
     (3601, "1:00:01"), (100000, "27:46:40")],
)
def test_format_eta(seconds, text):
    assert format_eta(seconds) == text


def test_falls_back_to_ascii_bars(monkeypatch):
    class AsciiStdout:
        encoding = "ascii"
        written = []

        def write(self, text):
            text.encode("ascii")  # raises UnicodeEncodeError like a real one
            self.written.append(text)

        def flush(self):
            pass

    stdout = AsciiStdout()
    monkeypatch.setattr(progbar_module.sys, "stdout", stdout)
    monkeypatch.setattr(progbar_module, "_dynamic_display", lambda: True)
    now = [T0]
    monkeypatch.setattr(progbar_module, "_now", lambda: now[0])
    bar = Progbar(target=2, width=4)
    now[0] = T0 + 1
    bar.update(2)
    assert stdout.written == [
        "\r\x1b[1m2/2\x1b[0m \x1b[32m====\x1b[0m\x1b[37m\x1b[0m "
        "\x1b[1m1s\x1b[0m 500ms/step\n"
    ]
