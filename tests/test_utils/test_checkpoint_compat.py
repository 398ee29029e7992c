import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmgranet  # noqa: F401


class NotAllowed:
    pass


def test_mmengine_objects_load_weights_only(tmp_path, monkeypatch):
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    buf = HistoryBuffer()
    buf.update(1.5)
    buf.update(2.5)
    state = dict(
        message_hub=dict(log_scalars={'train/loss': buf}),
        meta=dict(seed=np.int64(3), arr=np.arange(4, dtype=np.float64)),
        state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == \
        2.5
    assert np.array_equal(loaded['meta']['arr'], np.arange(4.0))


def test_foreign_classes_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': NotAllowed()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


class GetattrPayload:
    """Pickles as getattr(np.ndarray, 'tofile') - a file-writing gadget."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_only_for_history_buffer_methods(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.0)
    path = tmp_path / 'buf.pth'
    torch.save({'b': buf}, path)  # pickles getattr(HistoryBuffer, 'min')
    assert torch.load(path, weights_only=True)['b'].mean() == 1.0

    path = tmp_path / 'gadget.pth'
    torch.save({'x': GetattrPayload()}, path)
    with pytest.raises(pickle.UnpicklingError, match='tofile'):
        torch.load(path, weights_only=True)
