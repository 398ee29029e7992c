"""Exact nearest neighbours of radiographs reduced to 32 x 32 (paper 2.2).

Squared Euclidean distances come from one matrix product per block of
queries, ||q||^2 + ||p||^2 - 2 q.p, in float32 (a batched GEMM), and a
top-k. Exactness is then restored: the k found are measured in float64,
and a query where another image could be as near within float32's error
bound is settled in float64 over every image within that bound. Ties go to
the lowest pool index.

Shapes: Q queries, P pool images, D = 32 * 32 features, k neighbours.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch


def tiny_image(img: np.ndarray, size: int = 32) -> np.ndarray:
    """[size * size] float32 feature: the image area-resized to size^2."""
    if img.ndim == 3:
        img = img[..., 0]
    return cv2.resize(img.astype(np.float32), (size, size),
                      interpolation=cv2.INTER_AREA).reshape(-1)


def _exact_sq_dist(q: np.ndarray, p: np.ndarray) -> np.ndarray:
    diff = q[:, None, :].astype(np.float64) - p[None, :, :].astype(np.float64)
    return np.einsum('qpd,qpd->qp', diff, diff)


def nearest_neighbours(queries: np.ndarray,
                       pool: np.ndarray,
                       k: int = 1,
                       query_ids: Optional[Sequence] = None,
                       pool_ids: Optional[Sequence] = None,
                       block: int = 1024) -> Tuple[np.ndarray, np.ndarray]:
    """Exact k nearest pool images of every query, never the query itself.

    Args:
        queries (np.ndarray): [Q, D] features.
        pool (np.ndarray): [P, D] features.
        k (int): Neighbours per query. Defaults to 1.
        query_ids, pool_ids (Sequence, optional): Patient ids; a pool entry
            with the query's id is never its neighbour. Defaults to None.
        block (int): Queries per matrix product. Defaults to 1024.

    Returns:
        tuple: indices [Q, k] into ``pool`` (nearest first) and their
        squared distances [Q, k] (float64).
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    pool = np.ascontiguousarray(pool, dtype=np.float32)
    if queries.ndim != 2 or pool.ndim != 2 or \
            queries.shape[1] != pool.shape[1]:
        raise ValueError(f'queries {queries.shape} and pool {pool.shape} '
                         'must be [N, D] with the same D')
    exclude = query_ids is not None and pool_ids is not None
    available = len(pool) - (1 if exclude else 0)
    if not 1 <= k <= available:
        raise ValueError(f'k={k} neighbours requested from a pool of '
                         f'{len(pool)} (self excluded)')
    if exclude:
        index_of = {}
        for j, pid in enumerate(pool_ids):
            index_of.setdefault(pid, []).append(j)
    pool_sq = np.einsum('pd,pd->p', pool, pool)
    # float32 error bound of ||p||^2 - 2 q.p (Higham: D * u * |a| |b| per
    # dot product), with a factor 2 of safety
    eps = 2 * queries.shape[1] * np.finfo(np.float32).eps
    pool_norm_max = float(np.sqrt(pool_sq.max(initial=0)))
    out_idx = np.empty((len(queries), k), dtype=np.int64)
    out_d = np.empty((len(queries), k), dtype=np.float64)
    for start in range(0, len(queries), block):
        q = queries[start:start + block]
        q_sq = np.einsum('qd,qd->q', q, q)
        # ||p||^2 - 2 q.p ranks the pool for each query (||q||^2 is
        # constant along the row), computed in place after one GEMM
        d = q @ pool.T
        d *= -2
        d += pool_sq
        if exclude:
            for i, qid in enumerate(query_ids[start:start + len(q)]):
                d[i, index_of.get(qid, [])] = np.inf
        # torch's top-k is several times faster than np.argpartition here
        vals, part = torch.topk(torch.from_numpy(d), min(k + 1, len(pool)),
                                dim=1, largest=False)
        vals, part = vals.numpy(), part.numpy()
        # exact float64 distances of the float32 top k, in exact order
        cand = part[:, :k]
        diff = q[:, None, :].astype(np.float64) - pool[cand]
        exact = np.einsum('qkd,qkd->qk', diff, diff)
        order = np.lexsort((cand, exact), axis=1) if k > 1 else \
            np.zeros((len(q), 1), dtype=np.int64)
        out_idx[start:start + len(q)] = np.take_along_axis(cand, order, 1)
        out_d[start:start + len(q)] = np.take_along_axis(exact, order, 1)
        # the float32 top-k set is the exact one unless some other image
        # could be as near: its float32 distance within the error bound of
        # the k-th exact distance. Those rare rows are settled exactly over
        # every image within the bound.
        bound = eps * (2 * np.sqrt(q_sq) * pool_norm_max + pool_norm_max**2)
        if len(pool) > k:
            unsafe = vals[:, k] + q_sq - bound <= exact.max(axis=1) + bound
        else:
            unsafe = np.zeros(len(q), bool)
        for i in np.flatnonzero(unsafe):
            limit = exact[i].max() - q_sq[i] + 2 * bound[i]
            near = np.flatnonzero(d[i] <= limit)
            dist = _exact_sq_dist(q[i:i + 1], pool[near])[0]
            top = np.lexsort((near, dist))[:k]
            out_idx[start + i], out_d[start + i] = near[top], dist[top]
    return out_idx, out_d
