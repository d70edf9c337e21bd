"""Deterministic integer quotas: largest-remainder rounding and two-way tables rounded to exact margins.

The national data set allocates its counts (messages per province × domain, replies, ratings …) by quota, not by
sampling, so that a run at any scale reproduces every calibrated share as closely as integers allow: a share of a
margin is off by less than half a message. A two-way table is first fitted to both margins by iterative
proportional fitting (with per-cell capacities), then rounded so that every row and every column sums exactly to
its total (controlled rounding; the last units are placed along augmenting paths when the greedy pass gets stuck).
"""

import math
from collections import deque
from collections.abc import Sequence

Matrix = list[list[float]]
IntMatrix = list[list[int]]


class QuotaError(ValueError):
    """The margins cannot be met (they disagree, or the capacities are too small)."""


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, each part the floor of its exact share plus one for the largest
    remainders (ties to the earlier index), so the parts sum to `total` exactly."""
    if total < 0:
        raise QuotaError(f"negative total {total}")
    weight_sum = math.fsum(weights)
    if total == 0 or weight_sum <= 0:
        if total and weight_sum <= 0:
            raise QuotaError("no weight to share a positive total")
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def capped_largest_remainder(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """`largest_remainder` with every part ≤ its cap: parts that would exceed it are held there and the rest of
    the total is shared among the others again."""
    if total > sum(caps):
        raise QuotaError(f"{total} does not fit in capacities summing to {sum(caps)}")
    parts = [0] * len(weights)
    open_ = [i for i in range(len(weights)) if caps[i] > 0]
    left = total
    while True:
        shares = largest_remainder(left, [weights[i] if weights[i] > 0 else 1e-12 for i in open_]) if open_ else []
        over = [i for i, share in zip(open_, shares, strict=True) if share > caps[i]]
        if not over:
            for i, share in zip(open_, shares, strict=True):
                parts[i] = share
            return parts
        for i in over:
            parts[i] = caps[i]
            left -= caps[i]
        open_ = [i for i in open_ if i not in over]


def nearest_first(total: int, weights: Sequence[float], first: Sequence[int]) -> list[int]:
    """`largest_remainder`, except that the parts in `first` (published figures) are each their nearest integer
    and only the others share what is left: a published share is then off by at most half a message."""
    weight_sum = math.fsum(weights)
    parts = [0] * len(weights)
    for i in first:
        parts[i] = round(total * weights[i] / weight_sum)
    others = [i for i in range(len(weights)) if i not in set(first)]
    rest = largest_remainder(total - sum(parts), [weights[i] for i in others])
    for i, n in zip(others, rest, strict=True):
        parts[i] = n
    return parts


def fit(
    expected: Matrix,
    rows: Sequence[int],
    cols: Sequence[int],
    caps: IntMatrix | None = None,
    *,
    iterations: int = 200,
    tolerance: float = 1e-9,
) -> Matrix:
    """Iterative proportional fitting of `expected` to the row and column totals, every cell kept ≤ its cap."""
    if sum(rows) != sum(cols):
        raise QuotaError(f"row totals {sum(rows)} and column totals {sum(cols)} differ")
    x = [[float(v) for v in row] for row in expected]
    n_rows, n_cols = len(rows), len(cols)
    for _ in range(iterations):
        worst = 0.0
        for axis in (0, 1):
            for i in range(n_rows if axis == 0 else n_cols):
                cells = [(i, j) for j in range(n_cols)] if axis == 0 else [(r, i) for r in range(n_rows)]
                target = float(rows[i] if axis == 0 else cols[i])
                _scale_line(x, cells, target, caps)
        for j in range(n_cols):
            worst = max(worst, abs(math.fsum(x[r][j] for r in range(n_rows)) - cols[j]))
        for r in range(n_rows):
            worst = max(worst, abs(math.fsum(x[r]) - rows[r]))
        if worst < tolerance:
            break
    return x


def _scale_line(x: Matrix, cells: list[tuple[int, int]], target: float, caps: IntMatrix | None) -> None:
    """Scale one row or column to `target`, cells at their cap held there and the rest scaled up to fill."""
    held = 0.0
    free = list(cells)
    for _ in range(len(cells) + 1):
        current = math.fsum(x[r][c] for r, c in free)
        if current <= 0:
            return
        factor = (target - held) / current
        if caps is None or factor <= 1:
            for r, c in free:
                x[r][c] *= factor
            return
        over = [(r, c) for r, c in free if x[r][c] * factor > caps[r][c]]
        if not over:
            for r, c in free:
                x[r][c] *= factor
            return
        for r, c in over:
            x[r][c] = float(caps[r][c])
            held += x[r][c]
        capped = set(over)
        free = [cell for cell in free if cell not in capped]


def controlled_round(
    values: Matrix, rows: Sequence[int], cols: Sequence[int], caps: IntMatrix | None = None
) -> IntMatrix:
    """Integers near `values` (each within one of it where the margins allow) whose rows and columns sum exactly
    to `rows` and `cols`, every cell ≤ its cap."""
    n_rows, n_cols = len(rows), len(cols)
    out = [[min(math.floor(v + 1e-9), _cap(caps, r, c)) for c, v in enumerate(values[r])] for r in range(n_rows)]
    row_need = [rows[r] - sum(out[r]) for r in range(n_rows)]
    col_need = [cols[c] - sum(out[r][c] for r in range(n_rows)) for c in range(n_cols)]
    if any(n < 0 for n in row_need) or any(n < 0 for n in col_need):
        raise QuotaError("the fitted table exceeds its margins")
    order = sorted(
        ((values[r][c] - out[r][c], r, c) for r in range(n_rows) for c in range(n_cols)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for frac, r, c in order:
        if frac <= 1e-12:
            break
        if row_need[r] > 0 and col_need[c] > 0 and out[r][c] < _cap(caps, r, c):
            out[r][c] += 1
            row_need[r] -= 1
            col_need[c] -= 1
    for r in range(n_rows):
        while row_need[r] > 0:
            _augment(out, r, col_need, caps)
            row_need[r] -= 1
    return out


def _cap(caps: IntMatrix | None, r: int, c: int) -> int:
    return caps[r][c] if caps is not None else 1 << 62


def _augment(out: IntMatrix, start: int, col_need: list[int], caps: IntMatrix | None) -> None:
    """Add one unit to row `start` and to some column that still needs one, moving units along an alternating path
    (raise a cell of the row, lower another cell of that column, raise another of the lowered row …)."""
    n_rows, n_cols = len(out), len(col_need)
    came_from: dict[tuple[str, int], tuple[str, int] | None] = {("r", start): None}
    queue: deque[tuple[str, int]] = deque([("r", start)])
    while queue:
        kind, i = queue.popleft()
        if kind == "r":
            for c in range(n_cols):
                if ("c", c) not in came_from and out[i][c] < _cap(caps, i, c):
                    came_from[("c", c)] = (kind, i)
                    if col_need[c] > 0:
                        _apply(out, came_from, ("c", c))
                        col_need[c] -= 1
                        return
                    queue.append(("c", c))
        else:
            for r in range(n_rows):
                if ("r", r) not in came_from and out[r][i] > 0:
                    came_from[("r", r)] = (kind, i)
                    queue.append(("r", r))
    raise QuotaError("the margins cannot be met within the capacities")


def _apply(out: IntMatrix, came_from: dict[tuple[str, int], tuple[str, int] | None], end: tuple[str, int]) -> None:
    node: tuple[str, int] | None = end
    while node is not None:
        previous = came_from[node]
        if previous is None:
            return
        if node[0] == "c":  # reached column node[1] from row previous[1]: raise that cell
            out[previous[1]][node[1]] += 1
        else:  # reached row node[1] from column previous[1]: lower that cell
            out[node[1]][previous[1]] -= 1
        node = previous


def table(expected: Matrix, rows: Sequence[int], cols: Sequence[int], caps: IntMatrix | None = None) -> IntMatrix:
    """Fit `expected` to the margins and round it to integers that meet them exactly."""
    return controlled_round(fit(expected, rows, cols, caps), rows, cols, caps)
