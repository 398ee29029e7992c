"""Exact Poisson image blending of rectangular regions (Perez et al. 2003).

For a pasted region Omega (a box) with Dirichlet boundary from the target
and guidance from the source's gradients, the blended pixels f solve the
discrete Poisson equation, for every p in Omega::

    |N_p| f_p - sum_{q in N_p & Omega} f_q
        = sum_{q in N_p} v_pq + sum_{q in N_p, q not in Omega} target_q

with N_p the 4-neighbours of p inside the image and v_pq = source_p -
source_q (or, with ``mixed``, the target's difference where it is
stronger). For a rectangle the operator is a Kronecker sum of two 1-D
second-difference operators, so it is diagonalised by sine transforms
(DST-I, O(n log n)) when the box does not touch the image border. A side
on the border loses its outside neighbour (a Neumann end); that axis is
diagonalised by the eigenvectors of its small tridiagonal operator
instead, still exact. Boxes that overlap or touch are one region that is
not a rectangle: it is solved exactly with a sparse direct solver.

Shapes: H, W image; h, w a box's size.
"""
from functools import lru_cache
from typing import List, Tuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import fft
from scipy.linalg import eigh_tridiagonal

_DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _validate(target: np.ndarray, source: np.ndarray,
              boxes) -> np.ndarray:
    if target.shape != source.shape or target.ndim != 2:
        raise ValueError(f'target {target.shape} and source {source.shape} '
                         'must be the same H x W shape')
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not np.all(np.isfinite(boxes)) or \
            not np.array_equal(boxes, np.round(boxes)):
        raise ValueError(f'boxes must be whole pixels, got {boxes.tolist()}')
    boxes = boxes.astype(np.int64)
    h, w = target.shape
    bad = (boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > w) | \
        (boxes[:, 3] > h) | (boxes[:, 2] <= boxes[:, 0]) | \
        (boxes[:, 3] <= boxes[:, 1])
    if bad.any():
        raise ValueError(f'box {boxes[bad][0].tolist()} is empty or outside '
                         f'the {w}x{h} image')
    return boxes


def _rhs(target: np.ndarray, source: np.ndarray, mask: np.ndarray,
         mixed: bool) -> np.ndarray:
    """Right-hand side of the Poisson equation on a window (used where
    ``mask``). A neighbour outside the window counts as outside the image:
    callers make windows that hold the region's ring wherever the image
    extends."""
    h, w = target.shape
    outside = (~mask).astype(np.float64)
    b = np.zeros((h, w))
    for dy, dx in _DIRECTIONS:
        # p runs over the pixels whose neighbour q = p + (dy, dx) exists
        p = (slice(max(-dy, 0), h - max(dy, 0)),
             slice(max(-dx, 0), w - max(dx, 0)))
        q = (slice(max(dy, 0), h - max(-dy, 0)),
             slice(max(dx, 0), w - max(-dx, 0)))
        guide = source[p] - source[q]
        if mixed:
            own = target[p] - target[q]
            guide = np.where(np.abs(own) > np.abs(guide), own, guide)
        # guidance along the edge, plus the Dirichlet value of a neighbour
        # outside the region
        b[p] += guide + outside[q] * target[q]
    return b


@lru_cache(maxsize=64)
def _axis_basis(n: int, start_open: bool,
                end_open: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Eigenvalues [n] and orthonormal eigenvectors [n, n] of a 1-D second
    difference operator; an end on the image border (not open) is a
    Neumann end, whose missing neighbour lowers the diagonal by one."""
    if start_open and end_open:
        # Dirichlet both ends: the DST-I basis, known in closed form
        k = np.arange(1, n + 1)
        basis = np.sqrt(2 / (n + 1)) * np.sin(np.pi * np.outer(k, k) /
                                              (n + 1))
        return 2 - 2 * np.cos(np.pi * k / (n + 1)), basis
    diag = np.full(n, 2.0)
    diag[0] -= not start_open
    diag[-1] -= not end_open
    if n == 1:
        return diag.copy(), np.ones((1, 1))
    return eigh_tridiagonal(diag, np.full(n - 1, -1.0))


# Up to this side a dense change of basis (four BLAS matrix products) beats
# the O(n^2 log n) sine transform on CPUs; above it the DST wins.
_DENSE_MAX = 512


def _solve_box(b: np.ndarray, y_open: Tuple[bool, bool],
               x_open: Tuple[bool, bool]) -> np.ndarray:
    """Solve (A_y (+) A_x) f = b on one h x w box.

    ``*_open``: whether each end of the axis has a neighbour in the image
    (Dirichlet) or lies on the image border (Neumann).
    """
    h, w = b.shape
    if all(y_open) and all(x_open) and max(h, w) > _DENSE_MAX:
        k_y, k_x = np.arange(1, h + 1), np.arange(1, w + 1)
        lam = (2 - 2 * np.cos(np.pi * k_y / (h + 1)))[:, None] + \
            (2 - 2 * np.cos(np.pi * k_x / (w + 1)))[None, :]
        coef = fft.dstn(b, type=1, norm='ortho') / lam
        return fft.idstn(coef, type=1, norm='ortho')
    ly, vy = _axis_basis(h, *y_open)
    lx, vx = _axis_basis(w, *x_open)
    lam = ly[:, None] + lx[None, :]
    if np.any(np.abs(lam) < 1e-12):
        raise ValueError('a box covering the whole image has no boundary '
                         'to blend into')
    return vy @ ((vy.T @ b @ vx) / lam) @ vx.T


def _solve_region(b: np.ndarray, mask: np.ndarray,
                  image_shape: Tuple[int, int]) -> np.ndarray:
    """Exact sparse solve on an arbitrary region (values where ``mask``).

    ``mask`` covers a window of the image that includes the region's ring
    wherever the image extends, so a neighbour outside the window is
    outside the image.
    """
    h, w = mask.shape
    index = -np.ones((h, w), dtype=np.int64)
    ys, xs = np.nonzero(mask)
    index[ys, xs] = np.arange(len(ys))
    degree = np.zeros(len(ys))
    rows, cols = [], []
    for dy, dx in _DIRECTIONS:
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        degree += inside
        ny, nx = ny[inside], nx[inside]
        nb = index[ny, nx]
        keep = nb >= 0
        rows.append(np.flatnonzero(inside)[keep])
        cols.append(nb[keep])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    n = len(ys)
    a = sp.csc_matrix((np.concatenate([degree, -np.ones(len(rows))]),
                       (np.concatenate([np.arange(n), rows]),
                        np.concatenate([np.arange(n), cols]))),
                      shape=(n, n))
    if n == image_shape[0] * image_shape[1]:
        raise ValueError('a region covering the whole image has no boundary '
                         'to blend into')
    out = np.zeros((h, w))
    out[ys, xs] = spla.spsolve(a, b[ys, xs])
    return out


def _components(boxes: np.ndarray) -> List[List[int]]:
    """Groups of boxes that overlap or touch (share an edge neighbour)."""
    n = len(boxes)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, c = boxes[i], boxes[j]
            # rectangles grown by one pixel in x or in y (4-adjacency)
            near_x = a[0] <= c[2] and c[0] <= a[2] and \
                a[1] < c[3] and c[1] < a[3]
            near_y = a[1] <= c[3] and c[1] <= a[3] and \
                a[0] < c[2] and c[0] < a[2]
            if near_x or near_y:
                parent[find(i)] = find(j)
    groups: dict = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def poisson_residual(result: np.ndarray, target: np.ndarray,
                     source: np.ndarray, boxes,
                     mixed: bool = False) -> float:
    """Max over the boxes' pixels of |sum_q (f_p - f_q) - v_pq|.

    The Poisson equation written out directly (f is ``result`` inside the
    boxes and the target outside; q runs over p's 4-neighbours in the
    image), independently of the solver: 0 for the exact solution.
    """
    target = np.asarray(target, np.float64)
    source = np.asarray(source, np.float64)
    boxes = _validate(target, source, boxes)
    mask = np.zeros(target.shape, bool)
    for x1, y1, x2, y2 in boxes:
        mask[y1:y2, x1:x2] = True
    f = np.where(mask, np.asarray(result, np.float64), target)
    h, w = f.shape
    residual = np.zeros((h, w))
    for dy, dx in _DIRECTIONS:
        ys = slice(max(dy, 0), h + min(dy, 0))  # p whose neighbour exists
        xs = slice(max(dx, 0), w + min(dx, 0))
        qs = slice(max(-dy, 0), h + min(-dy, 0))
        qx = slice(max(-dx, 0), w + min(-dx, 0))
        guide = source[ys, xs] - source[qs, qx]
        if mixed:
            own = target[ys, xs] - target[qs, qx]
            guide = np.where(np.abs(own) > np.abs(guide), own, guide)
        residual[ys, xs] += f[ys, xs] - f[qs, qx] - guide
    return float(np.abs(residual[mask]).max()) if mask.any() else 0.0


def poisson_blend(target: np.ndarray, source: np.ndarray, boxes,
                  mixed: bool = False) -> np.ndarray:
    """Blend ``source`` into ``target`` inside each box, exactly.

    Args:
        target (np.ndarray): [H, W] image that receives the pixels.
        source (np.ndarray): [H, W] image whose gradients are pasted.
        boxes (array-like): [N, 4] whole-pixel x1, y1, x2, y2; a box's
            region is ``target[y1:y2, x1:x2]``. Boxes may touch the image
            border or each other, and overlap.
        mixed (bool): Mixed gradients: per pixel pair keep the stronger of
            the source's and the target's difference. Defaults to False.

    Returns:
        np.ndarray: [H, W]; uint8 in gives uint8 out (rounded and clipped),
        float in gives float64 out (unrounded, so exactness can be checked).
        Pixels outside the boxes are the target's.
    """
    target = np.asarray(target)
    source = np.asarray(source)
    boxes = _validate(target, source, boxes)
    out_uint8 = target.dtype == np.uint8
    # only the windows around the boxes are converted and touched
    result = target.copy() if out_uint8 else target.astype(np.float64)
    h, w = target.shape
    for group in _components(boxes):
        # a window holding the region and its one-pixel ring: the
        # right-hand side of a region pixel needs nothing further away
        gx1, gy1 = boxes[group, :2].min(0)
        gx2, gy2 = boxes[group, 2:].max(0)
        wy, wx = slice(max(gy1 - 1, 0), min(gy2 + 1, h)), \
            slice(max(gx1 - 1, 0), min(gx2 + 1, w))
        mask = np.zeros((wy.stop - wy.start, wx.stop - wx.start), bool)
        for x1, y1, x2, y2 in boxes[group]:
            mask[y1 - wy.start:y2 - wy.start, x1 - wx.start:x2 - wx.start] = \
                True
        t = target[wy, wx].astype(np.float64)
        b = _rhs(t, source[wy, wx].astype(np.float64), mask, mixed)
        if len(group) == 1:
            x1, y1, x2, y2 = boxes[group[0]]
            oy, ox = y1 - wy.start, x1 - wx.start
            t[oy:oy + y2 - y1, ox:ox + x2 - x1] = _solve_box(
                b[oy:oy + y2 - y1, ox:ox + x2 - x1], (y1 > 0, y2 < h),
                (x1 > 0, x2 < w))
        else:
            t[mask] = _solve_region(b, mask, (h, w))[mask]
        if out_uint8:
            t = np.clip(np.rint(t), 0, 255).astype(np.uint8)
        # later groups never reach into this one's region (they do not
        # touch), only, at most, into its ring, which is unchanged
        result[wy, wx][mask] = t[mask]
    return result
