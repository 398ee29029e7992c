from typing import Tuple, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from mmgranet.registry import LOOPS


def parse_schedule(schedule: Union[str, Tuple[int, int]]) -> Tuple[int, int]:
    """'n:m' -> (n, m); 'joint' -> (0, 0)."""
    if isinstance(schedule, (tuple, list)):
        n, m = schedule
    elif schedule == 'joint':
        return 0, 0
    else:
        try:
            n, m = (int(v) for v in str(schedule).split(':'))
        except ValueError:
            raise ValueError(f"schedule must be 'n:m' (e.g. '2:2') or "
                             f"'joint', got {schedule!r}") from None
    if n < 1 or m < 1:
        raise ValueError(f'schedule {schedule!r}: n and m must be >= 1')
    return int(n), int(m)


def phase_of_epoch(epoch: int, schedule: Union[str, Tuple[int, int]]) -> str:
    """The phase of 0-based ``epoch``: n epochs 'detector' (G frozen), then
    m epochs 'generator' (the detector frozen), repeated; or 'joint'."""
    n, m = parse_schedule(schedule)
    if n == 0:
        return 'joint'
    return 'detector' if epoch % (n + m) < n else 'generator'


@LOOPS.register_module()
class AlternatingEpochBasedTrainLoop(EpochBasedTrainLoop):
    """Epoch-based training that alternates frozen subnets (paper 3.2,
    table 3).

    Before each epoch the model's phase is set from the epoch number alone
    (:func:`phase_of_epoch`), so a resumed run continues in the right
    phase. The model must have ``set_phase(phase)`` (:class:`GRANet`).

    Args:
        schedule (str): 'n:m' (e.g. '1:1', '2:2', '5:1') or 'joint'.
            Defaults to '2:2'.
        *args, **kwargs: :class:`mmengine.runner.EpochBasedTrainLoop`
            arguments (``max_epochs``, ``val_interval``, ...).
    """

    def __init__(self, *args, schedule: str = '2:2', **kwargs) -> None:
        parse_schedule(schedule)
        self.schedule = schedule
        super().__init__(*args, **kwargs)

    @property
    def phase(self) -> str:
        return phase_of_epoch(self._epoch, self.schedule)

    def run_epoch(self) -> None:
        model = self.runner.model
        model = model.module if is_model_wrapper(model) else model
        if not hasattr(model, 'set_phase'):
            raise TypeError(f'{type(model).__name__} has no set_phase(); '
                            'AlternatingEpochBasedTrainLoop trains GRANet')
        phase = self.phase
        model.set_phase(phase)
        self.runner.message_hub.update_info('phase', phase)
        self.runner.logger.info(f'epoch {self._epoch + 1}: phase {phase} '
                                f'(schedule {self.schedule})')
        super().run_epoch()
