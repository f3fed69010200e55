"""Small plotting helpers shared by the report and the allocation figures."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def place_labels(ax, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], fontsize: float = 7,
                 iterations: int = 400, pad_px: float = 3.0, marker_px: float = 10.0) -> list:
    """Labels near their points that overlap neither each other nor the markers: start just above
    each point, push overlapping label boxes apart (in display pixels; markers, ``marker_px`` wide,
    stay put) until nothing overlaps, then draw a thin leader line from the point to every label
    that moved away from it. Returns the Text objects."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px, to_data = ax.transData, ax.transData.inverted()
    pts = to_px.transform(np.column_stack([xs, ys]).astype(float))
    labels = [ax.text(x, y, t, fontsize=fontsize, ha="center", va="center", zorder=5) for x, y, t in zip(xs, ys, texts)]
    sizes = np.array([[b.width + 2 * pad_px, b.height + 2 * pad_px]
                      for b in (lab.get_window_extent(renderer) for lab in labels)])
    pos = pts + np.array([0.0, 1.0]) * (sizes[:, 1:2] * 0.9)      # start just above the point
    rng = np.random.default_rng(0)
    for _ in range(iterations):
        moved = False
        for i in range(len(pos)):
            d = pos[i] - pts                                 # markers push labels, do not move
            hit = (np.abs(d[:, 0]) < (sizes[i, 0] + marker_px) / 2) & (np.abs(d[:, 1]) < (sizes[i, 1] + marker_px) / 2)
            for j in np.flatnonzero(hit):
                step = d[j] if d[j].any() else np.array([0.0, 1.0])
                pos[i] += step / np.hypot(*step) * 1.5
                moved = True
            d = pos[i] - pos
            overlap = (np.abs(d[:, 0]) < (sizes[i, 0] + sizes[:, 0]) / 2) & (np.abs(d[:, 1]) < (sizes[i, 1] + sizes[:, 1]) / 2)
            overlap[i] = False
            for j in np.flatnonzero(overlap):
                step = pos[i] - pos[j]
                if not step.any():
                    step = rng.normal(size=2)
                step = step / np.hypot(*step) * 1.5
                pos[i] += step
                pos[j] -= step
                moved = True
        if not moved:
            break
    for lab, p, q in zip(labels, pos, pts):
        lab.set_position(to_data.transform(p))
        if np.hypot(*(p - q)) > 0.9 * max(sizes[:, 1]) * 1.2:
            a, b = to_data.transform(q), to_data.transform(p)
            ax.plot([a[0], b[0]], [a[1], b[1]], color="0.45", lw=0.4, zorder=4)
    return labels


def overlapping_pairs(labels: list, renderer) -> list[tuple[int, int]]:
    """Index pairs of labels whose boxes overlap (for tests)."""
    boxes = [lab.get_window_extent(renderer) for lab in labels]
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
