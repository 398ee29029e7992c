from .rsna_ap import (NO_FN_IOU_THRS, RSNA_IOU_THRS, RSNAMatches,
                      bbox_iou_xyxy, match_rsna, rsna_ap, rsna_image_scores)
from .submission_score import DEFAULT_SWEEP, score_submission

__all__ = [
    'DEFAULT_SWEEP', 'NO_FN_IOU_THRS', 'RSNA_IOU_THRS', 'RSNAMatches',
    'bbox_iou_xyxy', 'match_rsna', 'rsna_ap', 'rsna_image_scores',
    'score_submission'
]
