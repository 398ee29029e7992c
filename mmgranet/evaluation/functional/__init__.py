from .heldout import (DEFAULT_SWEEP, bootstrap_ci, choose_cutoff, heldout_ap,
                      seeds_patients_bootstrap)
from .image_metrics import (pixel_auroc, pseudo_normal_scores, region_scores,
                            residual_localisation, ssim_map)
from .postprocess import POWERS, SHRINKS, choose, process, read_predictions
from .reader_metrics import FROC_FPS, froc, image_auroc, image_auroc_ci
from .rsna_ap import (NO_FN_IOU_THRS, RSNA_IOU_THRS, RSNAMatches,
                      bbox_iou_xyxy, match_rsna, rsna_ap, rsna_image_scores)
from .submission_score import load_for_scoring, score_submission

__all__ = [
    'DEFAULT_SWEEP', 'FROC_FPS', 'froc', 'image_auroc', 'image_auroc_ci',
    'NO_FN_IOU_THRS', 'POWERS', 'RSNA_IOU_THRS', 'RSNAMatches', 'SHRINKS',
    'choose', 'process', 'read_predictions',
    'bbox_iou_xyxy', 'bootstrap_ci', 'choose_cutoff', 'heldout_ap',
    'load_for_scoring', 'match_rsna', 'pixel_auroc', 'pseudo_normal_scores',
    'region_scores', 'residual_localisation', 'rsna_ap', 'rsna_image_scores',
    'score_submission', 'seeds_patients_bootstrap', 'ssim_map'
]
