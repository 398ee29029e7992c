from typing import Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmgranet.fileio import write_submission
from mmgranet.registry import METRICS
from .rsna_metric import patient_id_of, predictions_in_original_pixels


@METRICS.register_module()
class DumpRSNASubmission(BaseMetric):
    """Write the predictions as a Kaggle RSNA submission CSV.

    Every sample the evaluator sees becomes a row (an empty
    PredictionString when nothing passes ``score_thr``), so the file lists
    every test patient. Boxes are in original image pixels, as mmdet's
    ``predict`` returns them (mapped back through any alignment before
    they reach the evaluator). ``tools/test.py --out submission.csv`` adds
    this metric. It reports no numbers.

    Args:
        out_file (str): The CSV to write (atomically).
        score_thr (float): Boxes below this confidence are left out.
            Defaults to 0.0.
        collect_device (str): Defaults to 'cpu'.
    """

    def __init__(self, out_file: str, score_thr: float = 0.0,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix='rsna_dump')
        if not out_file.endswith('.csv'):
            raise ValueError(f'out_file {out_file!r} must be a .csv file')
        self.out_file = out_file
        self.score_thr = score_thr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            boxes, scores = predictions_in_original_pixels(sample)
            keep = scores >= self.score_thr
            self.results.append(
                (patient_id_of(sample), boxes[keep], scores[keep]))

    def compute_metrics(self, results: list) -> dict:
        predictions = {}
        for pid, boxes, scores in results:
            if pid in predictions:
                raise ValueError(f'patient {pid} predicted twice; the test '
                                 'set must hold one image per patient')
            predictions[pid] = (boxes, scores)
        write_submission(self.out_file, predictions)
        MMLogger.get_current_instance().info(
            f'RSNA submission with {len(predictions)} patients written to '
            f'{self.out_file}')
        return {}
