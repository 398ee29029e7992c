from typing import Optional, Tuple, Union

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


def epochs_for_detector(detector_epochs: int,
                        schedule: Union[str, Tuple[int, int]]) -> int:
    """Total epochs of a schedule whose detector trains ``detector_epochs``.

    Whole n:m cycles; when n does not divide the detector's epochs, the
    run ends with the detector's remaining epochs (5:1 with 12 detector
    epochs: 5+1, 5+1, 2 = 14). 'joint' trains both every epoch.
    """
    n, m = parse_schedule(schedule)
    if detector_epochs < 1:
        raise ValueError(f'detector_epochs must be >= 1, got '
                         f'{detector_epochs}')
    if n == 0:
        return detector_epochs
    cycles, rest = divmod(detector_epochs, n)
    return cycles * (n + m) + rest


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

    Comparisons with a plain detector are fair at equal *detector* epochs:
    give ``detector_epochs`` (the plain detector's ``max_epochs``) and the
    loop runs as many epochs as the schedule needs for it
    (:func:`epochs_for_detector`). With
    :class:`AlternatingParamSchedulerHook` the detector's learning-rate
    schedule then follows its own epochs, as a plain run's would.

    Args:
        schedule (str): 'n:m' (e.g. '1:1', '2:2', '5:1') or 'joint'.
            Defaults to '2:2'.
        detector_epochs (int, optional): Epochs the detector trains; sets
            ``max_epochs``. Give this or ``max_epochs``. Defaults to None.
        *args, **kwargs: :class:`mmengine.runner.EpochBasedTrainLoop`
            arguments (``max_epochs``, ``val_interval``, ...).
    """

    def __init__(self, *args, schedule: str = '2:2',
                 detector_epochs: Optional[int] = None, **kwargs) -> None:
        parse_schedule(schedule)
        self.schedule = schedule
        self.detector_epochs = detector_epochs
        if detector_epochs is not None:
            if kwargs.get('max_epochs') is not None or len(args) > 1:
                raise ValueError('give detector_epochs or max_epochs, not '
                                 'both')
            kwargs['max_epochs'] = epochs_for_detector(detector_epochs,
                                                       schedule)
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
