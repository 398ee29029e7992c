"""Image measures for generated pseudo-normals and their residuals, against
ground truth (mini-RSNA's true normal twins and lesion masks).

Shapes: H, W image size; images uint8 or float in grey levels.
"""
from typing import Dict, Optional

import cv2
import numpy as np


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[H, W] SSIM (Wang et al. 2004; 11x11 Gaussian, sigma 1.5)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255)**2, (0.03 * 255)**2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / \
        ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))


def region_scores(img: np.ndarray, twin: np.ndarray,
                  mask: np.ndarray) -> Dict[str, float]:
    """PSNR (dB), SSIM and L1 (grey levels) of ``img`` against ``twin``
    inside ``mask`` ([H, W] bool: the lesion boxes) and outside it."""
    out = {}
    diff = img.astype(np.float64) - twin
    ssim = ssim_map(img, twin)
    for name, region in (('in', mask), ('out', ~mask)):
        if not region.any():
            continue
        mse = float((diff[region]**2).mean())
        out[f'psnr_{name}'] = 10 * np.log10(255**2 / max(mse, 1e-10))
        out[f'ssim_{name}'] = float(ssim[region].mean())
        out[f'l1_{name}'] = float(np.abs(diff[region]).mean())
    return out


def pixel_auroc(values: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``values`` separating ``positive``
    pixels from the rest (ties count half: the Mann-Whitney statistic).
    NaN when either class is empty."""
    values = np.asarray(values, dtype=np.float64).ravel()
    positive = np.asarray(positive, dtype=bool).ravel()
    n_pos = int(positive.sum())
    n_neg = len(values) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float('nan')
    from scipy.stats import rankdata
    rank_sum = rankdata(values)[positive].sum()  # average ranks for ties
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def residual_localisation(residual: np.ndarray, box_mask: np.ndarray,
                          lesion_mask: Optional[np.ndarray] = None
                          ) -> Dict[str, float]:
    """How well a residual map points at the lesions of one image.

    Args:
        residual (np.ndarray): [H, W] |x - G(x)| (grey levels).
        box_mask (np.ndarray): [H, W] bool, the lesion boxes.
        lesion_mask (np.ndarray, optional): [H, W] bool, the true lesion
            pixels (mini-RSNA: where the image differs from its twin).

    Returns:
        dict: ``auroc_boxes`` (pixel AUROC of the residual for box pixels),
        ``share_in_boxes`` (the residual's mass inside the boxes),
        ``mean_in`` / ``mean_out`` (mean residual inside / outside the
        boxes), and ``auroc_lesion`` with a lesion mask.
    """
    residual = residual.astype(np.float64)
    total = residual.sum()
    out = dict(
        auroc_boxes=pixel_auroc(residual, box_mask),
        share_in_boxes=float(residual[box_mask].sum() / total)
        if total > 0 else float('nan'),
        mean_in=float(residual[box_mask].mean()) if box_mask.any()
        else float('nan'),
        mean_out=float(residual[~box_mask].mean()))
    if lesion_mask is not None:
        out['auroc_lesion'] = pixel_auroc(residual, lesion_mask)
    return out


def pseudo_normal_scores(image: np.ndarray, output: np.ndarray,
                         twin: np.ndarray, box_mask: np.ndarray,
                         lesion_mask: Optional[np.ndarray] = None
                         ) -> Dict[str, float]:
    """What an abnormal -> normal generator did to one image with lesions.

    Args:
        image (np.ndarray): [H, W] x.
        output (np.ndarray): [H, W] G(x), at x's size.
        twin (np.ndarray): [H, W] x's true normal twin.
        box_mask (np.ndarray): [H, W] bool, the lesion boxes.
        lesion_mask (np.ndarray, optional): [H, W] bool, the true lesion.

    Returns:
        dict: :func:`residual_localisation` of |x - G(x)|, plus
        ``signed_in`` (the mean of G(x) - x inside the boxes: negative
        where G removed brightness, positive where it added some) and
        ``l1_twin_in`` / ``l1_twin_out`` (mean |G(x) - twin| inside and
        outside the boxes; the identity G scores |x - twin|, a perfect
        pseudo-normal 0).
    """
    x = image.astype(np.float64)
    g = output.astype(np.float64)
    out = residual_localisation(np.abs(x - g), box_mask, lesion_mask)
    to_twin = np.abs(g - twin)
    out.update(
        signed_in=float((g - x)[box_mask].mean()) if box_mask.any()
        else float('nan'),
        l1_twin_in=float(to_twin[box_mask].mean()) if box_mask.any()
        else float('nan'),
        l1_twin_out=float(to_twin[~box_mask].mean()))
    return out
