from mmengine.hooks import ParamSchedulerHook
from mmengine.model import is_model_wrapper

from mmgranet.registry import HOOKS


@HOOKS.register_module()
class AlternatingParamSchedulerHook(ParamSchedulerHook):
    """Step only the learning-rate schedules of the subnets that train.

    With a dict of schedulers (``param_scheduler = dict(detector=[...],
    generator=[...])``, one list per optimizer of an ``OptimWrapperDict``)
    and a model with phases (:class:`~mmgranet.models.GRANet`), a frozen
    subnet's schedulers are not stepped. Under an n:m schedule the
    detector's warm-up, milestones and cosine then count the detector's own
    iterations and epochs, as they do for a plain detector trained the same
    number of epochs; mmengine's hook would step them through G's epochs
    too. A list of schedulers (one optimizer) is stepped as usual.
    """

    @staticmethod
    def _active(runner):
        schedulers = runner.param_schedulers
        if not isinstance(schedulers, dict):
            return schedulers
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        frozen = getattr(model, 'frozen', ())
        return {name: s for name, s in schedulers.items()
                if name not in frozen}

    @staticmethod
    def _step(schedulers, by_epoch: bool) -> None:
        groups = schedulers.values() if isinstance(schedulers, dict) else \
            [schedulers]
        for group in groups:
            for scheduler in group:
                if scheduler.by_epoch == by_epoch:
                    scheduler.step()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.param_schedulers is not None:
            self._step(self._active(runner), by_epoch=False)

    def after_train_epoch(self, runner) -> None:
        if runner.param_schedulers is not None:
            self._step(self._active(runner), by_epoch=True)
