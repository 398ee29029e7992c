import numpy as np
import pytest

from mmgranet.pseudo import nearest_neighbours, tiny_image


def brute(q, p, k, qids=None, pids=None):
    d = ((q[:, None].astype(float) - p[None].astype(float))**2).sum(-1)
    if qids is not None:
        d[np.array(qids)[:, None] == np.array(pids)[None]] = np.inf
    idx = np.argsort(d, axis=1, kind='stable')[:, :k]
    return idx, np.take_along_axis(d, idx, 1)


def test_exact_k_nearest_against_brute_force():
    rng = np.random.default_rng(0)
    q = rng.uniform(0, 255, (300, 1024)).astype(np.float32)
    p = rng.uniform(0, 255, (400, 1024)).astype(np.float32)
    idx, d = nearest_neighbours(q, p, k=3, block=128)
    ref_idx, ref_d = brute(q, p, 3)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(d, ref_d, rtol=1e-12)


def test_near_ties_resolved_exactly():
    """Distances closer than float32 can tell apart: still the exact
    order."""
    rng = np.random.default_rng(1)
    base = rng.uniform(100, 200, (1, 1024))
    pool = np.repeat(base, 8, axis=0)
    pool[np.arange(8), np.arange(8)] += np.arange(1, 9) * 1e-3
    idx, _ = nearest_neighbours(base, pool.astype(np.float32), k=3)
    np.testing.assert_array_equal(idx, brute(base, pool.astype(np.float32),
                                             3)[0])


def test_never_the_patient_itself():
    rng = np.random.default_rng(2)
    feats = rng.uniform(0, 255, (50, 64)).astype(np.float32)
    ids = [f'p{i}' for i in range(50)]
    idx, d = nearest_neighbours(feats, feats, k=2, query_ids=ids,
                                pool_ids=ids)
    assert (idx != np.arange(50)[:, None]).all()
    np.testing.assert_array_equal(idx, brute(feats, feats, 2, ids, ids)[0])
    with pytest.raises(ValueError, match='self excluded'):
        nearest_neighbours(feats[:2], feats[:2], k=2, query_ids=ids[:2],
                           pool_ids=ids[:2])


def test_deterministic():
    rng = np.random.default_rng(3)
    q = rng.uniform(0, 255, (40, 64)).astype(np.float32)
    p = np.concatenate([q[:20], q[:20]])  # exact duplicates: ties
    a = nearest_neighbours(q, p, k=2)
    b = nearest_neighbours(q, p, k=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert (a[0][:20] == np.stack([np.arange(20), np.arange(20) + 20],
                                  1)).all()  # ties: lowest index first


def test_tiny_image():
    img = np.arange(256 * 256, dtype=np.float32).reshape(256, 256)
    f = tiny_image(img)
    assert f.shape == (1024, )
    assert f[0] == pytest.approx(img[:8, :8].mean())
