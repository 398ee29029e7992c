"""Train -> checkpoint -> resume with mmengine's Runner under torch 2.14's
weights-only torch.load: resuming must reproduce the uninterrupted run."""
import uuid

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import mmgranet  # noqa: F401  (allow-lists mmengine's checkpoint types)


class ToyDataset(Dataset):

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.rand(8, 2, generator=gen)
        self.y = self.x @ torch.tensor([[2.0], [-1.0]]) + 0.5

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], data_samples=self.y[i])


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.bn = nn.BatchNorm1d(1)  # buffers must survive the round trip

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.bn(self.linear(inputs))
        if mode == 'loss':
            return dict(loss=((out - data_samples)**2).mean())
        return out


def make_runner(work_dir, max_epochs, load_from=None):
    torch.manual_seed(0)
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'resume-{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        # `end` fixed: the first run stands for a 2-epoch run interrupted
        # after epoch 1 (by default mmengine ends schedules at max_epochs)
        param_scheduler=dict(
            type='MultiStepLR', milestones=[1], gamma=0.5, end=2),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        default_scope='mmgranet',
        load_from=load_from,
        resume=load_from is not None)


def weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_resume_reproduces_uninterrupted_run(tmp_path, monkeypatch):
    # the real torch 2.14 default: weights-only loading stays on
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    monkeypatch.delenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', raising=False)

    reference = make_runner(tmp_path / 'ref', max_epochs=2)
    reference.train()
    expected = weights(reference)

    first = make_runner(tmp_path / 'run', max_epochs=1)
    first.train()
    ckpt = tmp_path / 'run' / 'epoch_1.pth'
    assert ckpt.exists()
    after_one = weights(first)
    assert not torch.allclose(after_one['linear.weight'],
                              expected['linear.weight'])

    resumed = make_runner(tmp_path / 'run', max_epochs=2,
                          load_from=str(ckpt))
    resumed.train()
    assert resumed.epoch == 2
    assert resumed.iter == 8  # 4 iterations per epoch, counted across runs
    got = weights(resumed)
    for key, value in expected.items():
        assert torch.allclose(got[key].float(), value.float(), atol=1e-6), \
            key
    # the LR schedule resumed too: MultiStepLR halved it after epoch 1
    lr = resumed.optim_wrapper.get_lr()['lr'][0]
    assert lr == pytest.approx(0.025)
