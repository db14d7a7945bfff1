"""The Keras 3 progress bar, character for character.

``model.fit`` prints lines such as::

    469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9123 - loss: 0.2950

This module reproduces ``keras.utils.Progbar`` byte for byte (verified
against Keras 3.15 with the torch backend), including its quirks:

* In a terminal (or Jupyter, PyCharm) the bar is redrawn in place
  (backspaces, then ``\\r``) with Keras's ANSI styles: bold counter and
  time, green done part, grey to-do part.
* Deliberate difference: Keras also redraws in place whenever the ``posix``
  module is loaded (every Linux and macOS process), so its log files fill
  with redraws and colour codes. tinykeras writes one plain line per bar
  (per epoch) when stdout is not a terminal: the same text as the final
  redraw, without ANSI codes.
* ``verbose=2`` prints one plain line per bar, when it finishes:
  ``469/469 - 3s - 6ms/step - accuracy: 0.9123 - loss: 0.2950``.
* Metrics are averaged over steps (weighted by the steps each update
  covered) unless listed in ``stateful_metrics``; values above 1e-3 print
  with ``%.4f``, smaller ones with ``%.4e`` (verbose 1 compares the
  absolute value, verbose 2 the signed value, as Keras does).
"""

import math
import os
import re
import sys
import time

import numpy as np

from . import io_utils

_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")
BOLD, GREEN, GREY, RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _now():
    """The clock used by `Progbar` (tests replace it with a fake one)."""
    return time.time()


def _dynamic_display():
    """Whether to redraw the bar in place; the same rule as Keras 3."""
    return (
        (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
        or "ipykernel" in sys.modules
        or "PYCHARM_HOSTED" in os.environ
    )


def _write(message):
    """Writes to stdout (or the log, see ``io_utils``)."""
    io_utils.write(message)


def format_step_time(time_per_unit, unit_name="step"):
    """Formats the time per step as Keras does: ``" 6ms/step"``.

    >>> format_step_time(0.0062), format_step_time(0.0005), format_step_time(2)
    (' 6ms/step', ' 500us/step', ' 2s/step')
    """
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def format_eta(seconds):
    """Formats a remaining time: ``"45s"``, ``"1:05"`` or ``"1:01:05"``.

    >>> format_eta(45.7), format_eta(65), format_eta(3665)
    ('45s', '1:05', '1:01:05')
    """
    if seconds > 3600:
        return "%d:%02d:%02d" % (
            seconds // 3600,
            (seconds % 3600) // 60,
            seconds % 60,
        )
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def _format_metric(name, value, signed=False):
    """``" - loss: 0.2950"``; values <= 1e-3 use scientific notation.

    Keras compares ``abs(value)`` in verbose 1 but the signed value in
    verbose 2 (``signed=True``), so -0.5 prints as ``-5.0000e-01`` there.
    """
    large = (value if signed else abs(value)) > 1e-3
    return f" - {name}: {value:.4f}" if large else f" - {name}: {value:.4e}"


class Progbar:
    """Displays a progress bar, exactly like ``keras.utils.Progbar``.

    Args:
        target: total number of steps expected, ``None`` if unknown.
        width: width of the bar, in characters.
        verbose: 0 (silent), 1 (live bar) or 2 (one line when done).
        interval: minimum time between two redraws, in seconds.
        stateful_metrics: names of metrics shown as-is instead of being
            averaged over the steps.
        stateless_metrics: the opposite list (give at most one of the two):
            only these metrics are averaged.
        unit_name: what a step is called (``"step"``, ``"sample"``...).

    Example:

    >>> bar = Progbar(target=3)
    >>> for step in range(1, 4):
    ...     bar.update(step, values=[("loss", 1.0 / step)])  # doctest: +SKIP
    3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.6111
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` "
                "can be provided."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateless_metrics = None
        self.stateful_metrics = set(stateful_metrics or ())
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        self._dynamic_display = _dynamic_display()
        # name -> [sum of value * steps, steps]; a list keeps display order.
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = _now()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Updates the bar to step ``current``.

        Args:
            current: index of the current step (steps done so far).
            values: list of ``(name, value_for_last_step)`` tuples.
            finalize: whether this is the last update; defaults to
                ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record_values(current, values or [], finalize)
        self._seen_so_far = current

        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval or not self._dynamic_display):
                return
            message = self._live_message(current, now, time_per_unit, finalize)
            _write(message if self._dynamic_display else _ANSI_STYLE.sub("", message))
        elif self.verbose == 2 and finalize and self._has_target():
            _write(self._final_line(current, now, time_per_unit))
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    # -- bookkeeping -----------------------------------------------------

    def _has_target(self):
        return self.target is not None and self.target > 0

    def _is_averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record_values(self, current, values, finalize):
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._is_averaged(name) or finalize:
                # Shown as-is: "an average of one value".
                self._values[name] = [value, 1]
                continue
            # Weight the value by the number of steps this update covers.
            steps = max(current - self._seen_so_far, 1)
            if name not in self._values:
                self._values[name] = [value * steps, steps]
            else:
                self._values[name][0] += value * steps
                self._values[name][1] += steps

    def _average(self, name):
        total, count = self._values[name]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _estimate_step_duration(self, current, now):
        """Time per step, ignoring the (slow, compiling) first step."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    # -- rendering -------------------------------------------------------

    def _counter(self, current):
        digits = int(math.log10(self.target)) + 1
        return f"%{digits}d/%d" % (current, self.target)

    def _live_message(self, current, now, time_per_unit, finalize):
        """The verbose=1 text: ``"\\r12/469 ━━━━... 3s 6ms/step - loss: ..."``."""
        prefix = "\b" * self._prev_total_width + "\r" if self._dynamic_display else ""

        if self._has_target():
            done = int(self.width * float(current) / self.target)
            bar = f"{BOLD}{self._counter(current)}{RESET} "
            if done > 0:
                bar += f"{GREEN}{'━' * done}{RESET}"
            bar += f"{GREY}{'━' * (self.width - done)}{RESET}"
        else:
            bar = "%7d/Unknown" % current

        if self._has_target() and not finalize:
            eta = time_per_unit * (self.target - current)
            info = f" {BOLD}{format_eta(eta)}{RESET}"
        else:
            info = f" {BOLD}{now - self._start:.0f}s{RESET}"
        info += format_step_time(time_per_unit, self.unit_name)
        for name in self._values_order:
            info += _format_metric(name, self._average(name))

        # Pad with spaces to wipe the rest of a longer previous line.
        total_width = len(_ANSI_STYLE.sub("", bar + info))
        padding = " " * max(self._prev_total_width - total_width, 0)
        self._prev_total_width = total_width
        return prefix + bar + info + padding + ("\n" if finalize else "")

    def _final_line(self, current, now, time_per_unit):
        """The verbose=2 line: ``"469/469 - 3s - 6ms/step - loss: ..."``."""
        line = f"{self._counter(current)} - {now - self._start:.0f}s"
        line += f" -{format_step_time(time_per_unit, self.unit_name)}"
        for name in self._values_order:
            line += _format_metric(name, self._average(name), signed=True)
        return line + "\n"
