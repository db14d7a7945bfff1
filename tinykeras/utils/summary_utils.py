"""Text rendering of ``model.summary()``, identical to Keras 3's output.

Keras 3 draws the summary with the ``rich`` library::

    Model: "mlp"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
    │ dense (Dense)                        │ (None, 64)                  │          50,240 │
    └──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
     Total params: 50,240 (196.25 KB)
     Trainable params: 50,240 (196.25 KB)
     Non-trainable params: 0 (0.00 B)

This module draws the same table without ``rich``, in three steps:

1. Keras's rule turns ``line_length`` (default 88 columns, 108 with the
   "Connected to" column, +12 for "Trainable", never more than the
   terminal width - 4) and ``positions`` into column widths.
2. rich's rule fits them into the table: each cell gets one space of
   padding on both sides, then the columns shrink (or grow) until the
   table, borders included, is exactly ``line_length`` wide.
3. rich's rule fills the cells: word-wrap, a ``…`` for a word too long
   for its cell, then left/right/center justification. Finally every
   line is cropped to the console width, as rich does.

The result is byte-identical to the string Keras passes to ``print_fn``
(and to what it prints when stdout is not a terminal), checked against
Keras 3.15 for Sequential and functional models, with and without
``show_trainable``, custom ``positions`` and ``line_length``.

Deliberate differences from Keras:

* No colours: on a terminal Keras prints numbers, class names and the
  title with ANSI colours and bold; this module always prints plain text.
* Characters are assumed to be one column wide (rich measures East Asian
  wide characters as two).
"""

import math
import numbers
import os
import re
import shutil
import sys

#: Keras's default total width, and where each column ends (as a fraction).
SEQUENTIAL_LAYOUT = (88, [0.45, 0.80, 1.0])
FUNCTIONAL_LAYOUT = (108, [0.3, 0.56, 0.74, 1.0])


def readable_memory_size(num_bytes):
    """Formats a size in bytes the way Keras does.

    >>> readable_memory_size(139304), readable_memory_size(0)
    ('136.04 KB', '0.00 B')
    """
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"  # (Keras divides once more here, too)


def format_shape(shape):
    """Formats an output shape: ``(None, 64)`` or ``[(None, 4), (None, 2)]``.

    A string is returned unchanged, ``None`` gives ``"?"`` (unknown), and
    a list/tuple/dict of shapes is formatted element by element.

    >>> format_shape((None, 28, 28, 1)), format_shape([(None, 4), (None,)])
    ('(None, 28, 28, 1)', '[(None, 4), (None)]')
    """
    if shape is None:
        return "?"
    if isinstance(shape, str):
        return shape
    if isinstance(shape, dict):
        items = (f"{key}: {format_shape(s)}" for key, s in shape.items())
        return "{" + ", ".join(items) + "}"
    if all(dim is None or isinstance(dim, numbers.Integral) for dim in shape):
        # Keras writes a 1-D shape as "(None)", without Python's comma.
        return "(" + ", ".join(str(dim) for dim in shape) + ")"
    parts = [format_shape(s) for s in shape]
    if isinstance(shape, list):
        return "[" + ", ".join(parts) + "]"
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _console_width():
    """The console width as rich sees it: $COLUMNS, a terminal, or 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns) or 80
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def _column_widths(line_length, positions):
    """Keras: column ``i`` ends at ``int(positions[i] * line_length)``."""
    widths, end = [], 0
    for position in positions:
        width = int(position * line_length) - end
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        end += width
    return widths


def _fit_to_table(content_widths, line_length):
    """rich: add 2 for padding, then make the table exactly line_length wide.

    Too wide: every column gives up an equal share of the excess (rich's
    ``ratio_reduce``, with Python's rounding). Too narrow (positions
    ending before 1.0): columns grow in proportion to their width
    (``ratio_distribute``, rounding up).
    """
    available = line_length - (len(content_widths) + 1)  # minus borders
    widths = [min(w + 2, available) for w in content_widths]
    excess = sum(widths) - available
    if excess > 0:
        remaining, columns_left = excess, len(widths)
        for i, width in enumerate(widths):
            cut = min(width, round(remaining / columns_left))
            widths[i] = width - cut
            remaining -= cut
            columns_left -= 1
    elif excess < 0:
        remaining, ratio_left = -excess, sum(widths)
        for i, width in enumerate(widths):
            extra = math.ceil(width * remaining / ratio_left)
            widths[i] = width + extra
            remaining -= extra
            ratio_left -= width
    return widths


def _wrap(text, width, fold=False):
    """rich's word wrap: break before words that don't fit on the line.

    A word longer than the whole width is cut into width-sized chunks if
    ``fold``, else kept whole (to be cut with an ellipsis later).
    Returns the pieces of ``text``, trailing spaces included.
    """
    breaks, offset = [], 0
    for match in re.finditer(r"\s*\S+\s*", text):
        start, word = match.start(), match.group()
        word_length = len(word.rstrip())
        if width - offset >= word_length:
            offset += len(word)
        elif word_length > width and fold:
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            for chunk in chunks:
                if start:
                    breaks.append(start)
                start += len(chunk)
            offset = len(chunks[-1])
        elif word_length > width or offset:
            if start:
                breaks.append(start)
            offset = len(word)
    bounds = [0] + breaks + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def _rstrip_end(piece, width):
    """Drops the trailing spaces that stick out past ``width``."""
    if len(piece) <= width:
        return piece
    return piece[:width] + piece[width:].rstrip(" ")


def _console_lines(text, width):
    """A plain line printed by rich: wrapped (folding long words), cropped."""
    return [_rstrip_end(p, width)[:width] for p in _wrap(text, width, True)]


def _cell_lines(text, width, justify):
    """The lines of one cell's content, each exactly ``width`` long."""
    if width < 1:
        return []  # rich renders nothing in a cell with no room
    lines = []
    for piece in _wrap(text, width):
        piece = _rstrip_end(piece, width)
        if justify != "left":
            piece = piece.rstrip()
        if len(piece) > width:
            piece = piece[: width - 1] + "…"
        if justify == "right":
            piece = piece.rjust(width)
        elif justify == "center":
            left = (width - len(piece)) // 2
            piece = (" " * left + piece).ljust(width)
        lines.append(piece.ljust(width))
    return lines


def _render_table(header, rows, justify, widths):
    """Draws a rich ``HEAVY_HEAD`` table with a line between all rows."""

    def rule(left, fill, middle, right):
        return left + middle.join(fill * w for w in widths) + right

    def row_lines(cells, bar, is_header=False):
        columns = [
            _cell_lines(text, w - 2, how)
            for text, w, how in zip(cells, widths, justify)
        ]
        height = max(len(lines) for lines in columns)
        for column, w in zip(columns, widths):
            # Pad short cells with blank lines: below the text in the
            # body, above it in the header (rich aligns headers to the
            # bottom).
            blank = [" " * (w - 2)] * (height - len(column))
            if is_header:
                column[:0] = blank
            else:
                column += blank
        for i in range(height):
            yield bar + bar.join(f" {col[i]} " for col in columns) + bar

    lines = [rule("┏", "━", "┳", "┓"), *row_lines(header, "┃", is_header=True)]
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, cells in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines.extend(row_lines(cells, "│"))
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _param_line(label, params):
    """``" Total params: 34,826 (136.04 KB)"``; params is a count or a
    ``(count, bytes)`` pair (a bare count is taken as float32 weights)."""
    count, size = params if isinstance(params, tuple) else (params, 4 * params)
    return f" {label} params: {count:,} ({readable_memory_size(size)})"


def _layer_cells(row, sequential_like, show_trainable):
    """The table cells of one layer, from a row dict (see format_summary)."""
    params = row.get("params")
    cells = [
        f"{row['name']} ({row['class_name']})",
        format_shape(row.get("output_shape")),
        "0 (unbuilt)" if params is None else f"{params:,}",
    ]
    if not sequential_like:
        links = [
            link if isinstance(link, str) else "%s[%d][%d]" % tuple(link)
            for link in row.get("connected_to") or []
        ]
        cells.append(", ".join(links) or "-")
    if show_trainable:
        has_weights = bool(params) and row.get("trainable") is not None
        cells.append(("Y" if row["trainable"] else "N") if has_weights else "-")
    return cells


def format_summary(
    model_name,
    rows,
    sequential_like,
    total,
    trainable,
    non_trainable,
    optimizer=None,
    line_length=None,
    positions=None,
    print_fn=None,
    show_trainable=False,
):
    """Prints (and returns) a model summary exactly as Keras 3 draws it.

    Args:
        model_name: shown in the title, ``Model: "name"``.
        rows: one dict per layer with keys ``name``, ``class_name``,
            ``output_shape`` (a shape tuple, a structure of them or a
            ready string), ``params`` (int, or ``None`` for an unbuilt
            layer), ``connected_to`` (strings like ``"dense[0][0]"`` or
            ``(layer_name, node_index, tensor_index)`` tuples) and
            ``trainable`` (bool, ``None`` if the layer has no weights).
        sequential_like: ``False`` adds the "Connected to" column.
        total, trainable, non_trainable, optimizer: parameter counts for
            the footer, each an int (float32 assumed for the size) or a
            ``(count, size_in_bytes)`` pair; ``optimizer=None`` omits it.
        line_length, positions, show_trainable: as in Keras.
        print_fn: called once with the whole text; ``None`` writes it to
            stdout.

    Returns:
        The summary text (ending with a newline).

    Example:

    >>> rows = [{"name": "dense", "class_name": "Dense",
    ...          "output_shape": (None, 10), "params": 650}]
    >>> text = format_summary("mlp", rows, True, 650, 650, 0,
    ...                       line_length=60, print_fn=lambda s: None)
    >>> print(text.splitlines()[4])
    │ dense (Dense)            │ (None, 10)        │       650 │
    """
    default_length, default_positions = (
        SEQUENTIAL_LAYOUT if sequential_like else FUNCTIONAL_LAYOUT
    )
    header = ["Layer (type)", "Output Shape", "Param #"]
    justify = ["left", "left", "right"]
    positions = positions or default_positions
    if not sequential_like:
        header.append("Connected to")
        justify.append("left")
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length

    # Like Keras, extra positions are ignored and missing ones are an error.
    widths = _column_widths(line_length, positions)
    widths = _fit_to_table([widths[i] for i in range(len(header))], line_length)
    cells = [_layer_cells(r, sequential_like, show_trainable) for r in rows]
    table = _render_table(header, cells, justify, widths)

    footer = [
        _param_line("Total", total),
        _param_line("Trainable", trainable),
        _param_line("Non-trainable", non_trainable),
    ]
    if optimizer is not None:
        footer.append(_param_line("Optimizer", optimizer))
    # rich wraps text and crops the table to the console width.
    width = _console_width()
    lines = _console_lines(f'Model: "{model_name}"', width)
    lines += [line[:width] for line in table]
    for line in footer:
        lines += _console_lines(line, width)
    text = "\n".join(lines) + "\n"
    if print_fn is not None:
        print_fn(text)
    else:
        sys.stdout.write(text)
    return text
