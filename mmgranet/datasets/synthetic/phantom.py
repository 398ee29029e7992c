"""Chest-radiograph-like phantoms with lesions, poses and normal twins.

Everything is drawn in a canonical frame (u, v in [0, 1], u to the image
right = the patient's left, v down), then warped by the patient's pose.
An image is the sum of layers, so the normal twin of an abnormal patient is
the same sum without the opacity layer, warped and noised identically.

Shapes: S = image side in pixels.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import cv2
import numpy as np

AIR = 0.04  # attenuation outside the body


@dataclass
class Anatomy:
    """Per-patient anatomy in the canonical frame (fractions of the side).
    """
    body_w: float
    lung_dx: float
    lung_cy: float
    lung_w: float
    lung_h: float
    dome: float
    heart_cx: float
    heart_w: float
    heart_h: float
    spine_w: float
    rib_gap: float
    rib_phase: float
    rib_curve: float
    soft: float
    lung: float
    bone: float
    exposure: float

    @classmethod
    def sample(cls, rng: np.random.Generator) -> 'Anatomy':
        return cls(
            body_w=rng.uniform(0.40, 0.47),
            lung_dx=rng.uniform(0.17, 0.21),
            lung_cy=rng.uniform(0.44, 0.50),
            lung_w=rng.uniform(0.12, 0.15),
            lung_h=rng.uniform(0.26, 0.31),
            dome=rng.uniform(0.04, 0.07),
            heart_cx=rng.uniform(0.54, 0.58),
            heart_w=rng.uniform(0.13, 0.16),
            heart_h=rng.uniform(0.12, 0.15),
            spine_w=rng.uniform(0.028, 0.036),
            rib_gap=rng.uniform(0.055, 0.07),
            rib_phase=rng.uniform(0, 1),
            rib_curve=rng.uniform(0.9, 1.4),
            soft=rng.uniform(0.42, 0.52),
            lung=rng.uniform(0.13, 0.2),
            bone=rng.uniform(0.10, 0.16),
            exposure=rng.uniform(0.9, 1.1))


@dataclass
class Opacity:
    """A lesion: a cluster of soft blobs inside one lung (canonical frame).
    """
    centers: np.ndarray  # [K, 2] u, v
    radii: np.ndarray  # [K]
    strength: float
    seed: int


@dataclass
class Pose:
    """Small affine pose about the image centre."""
    angle_deg: float
    scale: float
    tx: float  # fraction of the side
    ty: float

    @classmethod
    def sample(cls, rng: np.random.Generator,
               max_angle: float = 7.0, max_shift: float = 0.05,
               scale_range: Tuple[float, float] = (0.9, 1.1)) -> 'Pose':
        return cls(angle_deg=rng.uniform(-max_angle, max_angle),
                   scale=rng.uniform(*scale_range),
                   tx=rng.uniform(-max_shift, max_shift),
                   ty=rng.uniform(-max_shift, max_shift))

    def matrix(self, size: int) -> np.ndarray:
        """[2, 3] affine from canonical pixels to image pixels."""
        c = (size - 1) / 2
        m = cv2.getRotationMatrix2D((c, c), self.angle_deg, self.scale)
        m[:, 2] += (self.tx * size, self.ty * size)
        return m


@dataclass
class Patient:
    """Everything needed to render one synthetic patient."""
    anatomy: Anatomy
    pose: Pose
    opacities: List[Opacity] = field(default_factory=list)
    finding: Optional[str] = None  # 'cardiomegaly' or 'line' (no box)
    noise_seed: int = 0


def _grid(size: int):
    t = (np.arange(size) + 0.5) / size
    return np.meshgrid(t, t)  # u, v: [S, S]


def _smooth_step(d: np.ndarray, width: float) -> np.ndarray:
    """1 inside (d < 0), 0 outside, a soft edge of ``width``."""
    return np.clip(0.5 - d / width, 0.0, 1.0)


def lung_masks(a: Anatomy, u: np.ndarray, v: np.ndarray,
               edge: float = 0.01) -> np.ndarray:
    """[2, S, S] soft masks of the right and left lung fields."""
    masks = []
    for side in (-1, 1):
        cx = 0.5 + side * a.lung_dx
        d = np.sqrt(((u - cx) / a.lung_w)**2 + ((v - a.lung_cy) / a.lung_h)**2)
        ellipse = _smooth_step((d - 1) * a.lung_w, edge)
        # diaphragm dome: the lung stops above a parabola
        floor = a.lung_cy + a.lung_h * 0.8 - a.dome * (
            1 - ((u - cx) / a.lung_w)**2)
        masks.append(ellipse * _smooth_step(v - floor, edge))
    return np.stack(masks)


def render_layers(p: Patient,
                  size: int) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Canonical-frame layers.

    Returns:
        tuple: base [S, S] float attenuation image, and one [S, S] layer per
        opacity (0 where no lesion); the image is base + max of the layers.
    """
    a = p.anatomy
    u, v = _grid(size)
    d_body = np.sqrt(((u - 0.5) / a.body_w)**2 + ((v - 0.58) / 0.62)**2)
    body = _smooth_step((d_body - 1) * a.body_w, 0.02)
    img = AIR + a.soft * body
    lungs = lung_masks(a, u, v)
    lung = lungs.max(axis=0)
    img -= (a.soft - a.lung) * lung

    heart_w = a.heart_w * (1.35 if p.finding == 'cardiomegaly' else 1.0)
    d_heart = np.sqrt(((u - a.heart_cx) / heart_w)**2 +
                      ((v - (a.lung_cy + 0.15)) / a.heart_h)**2)
    heart = _smooth_step((d_heart - 1) * heart_w, 0.015)
    img = np.maximum(img, (a.soft + 0.05) * heart * body)

    spine = _smooth_step(np.abs(u - 0.5) - a.spine_w, 0.006) * body
    vertebrae = 0.5 + 0.5 * np.cos(2 * np.pi * v / 0.045)
    img += (a.bone + 0.05 * vertebrae) * spine

    # posterior ribs: arcs that fall away from the spine
    ribs = np.zeros_like(u)
    lateral = np.abs(u - 0.5)
    for k in range(-2, 12):
        v0 = 0.16 + (k + a.rib_phase) * a.rib_gap
        arc = v0 + a.rib_curve * 0.35 * lateral**1.6
        ribs = np.maximum(ribs, _smooth_step(np.abs(v - arc) - 0.009, 0.006))
    # visible over the chest, hidden below the diaphragm
    ribs *= _smooth_step(lateral - (a.lung_dx + a.lung_w + 0.02), 0.02) * \
        _smooth_step(v - (a.lung_cy + a.lung_h * 0.85), 0.03) * body
    img += a.bone * 0.8 * ribs
    # clavicles
    for side in (-1, 1):
        clav = np.abs(v - (0.17 + 0.25 * np.abs(u - 0.5) *
                           (1 if side > 0 else 1))) - 0.01
        img += a.bone * 0.7 * _smooth_step(clav, 0.006) * \
            (np.sign(u - 0.5) == side) * (np.abs(u - 0.5) < 0.3)

    if p.finding == 'line':  # a central venous line into the right atrium
        t = np.linspace(0, 1, 200)
        pts = np.stack([0.62 - 0.1 * t + 0.03 * np.sin(3 * t),
                        0.12 + 0.45 * t], 1) * size
        line = np.zeros((size, size), np.float32)
        cv2.polylines(line, [np.round(pts).astype(np.int32)], False, 1.0,
                      max(1, size // 256), cv2.LINE_AA)
        img += 0.35 * line

    layers = []
    for o in p.opacities:
        rng = np.random.default_rng(o.seed)
        blob = np.zeros_like(u)
        for (cu, cv), r in zip(o.centers, o.radii):
            blob = np.maximum(blob, np.exp(-((u - cu)**2 + (v - cv)**2) /
                                           (2 * (r / 1.5)**2)))
        texture = cv2.GaussianBlur(
            rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0),
            max(size / 128, 0.8))
        texture = 0.75 + 0.25 * texture / (np.abs(texture).max() + 1e-6)
        layers.append(o.strength * blob * texture * lung * a.exposure)
    return img * a.exposure, layers


def sample_opacities(a: Anatomy, rng: np.random.Generator, count: int,
                     size: int) -> List[Opacity]:
    """``count`` lesions, each inside a randomly chosen lung field."""
    u, v = _grid(size)
    lungs = lung_masks(a, u, v, edge=0.002)
    out = []
    for _ in range(count):
        side = int(rng.integers(0, 2))
        ys, xs = np.nonzero(lungs[side] > 0.9)
        i = int(rng.integers(0, len(xs)))
        center = np.array([(xs[i] + 0.5) / size, (ys[i] + 0.5) / size])
        k = int(rng.integers(2, 5))
        centers = center + rng.normal(0, 0.025, (k, 2))
        out.append(Opacity(centers=centers,
                           radii=rng.uniform(0.035, 0.065, k),
                           strength=rng.uniform(0.2, 0.32),
                           seed=int(rng.integers(2**31))))
    return out


def warp(img: np.ndarray, matrix: np.ndarray,
         border: float = AIR) -> np.ndarray:
    size = img.shape[0]
    return cv2.warpAffine(img.astype(np.float32), matrix, (size, size),
                          flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _to_uint8(img: np.ndarray, noise: np.ndarray) -> np.ndarray:
    return np.clip(np.rint((img + noise) * 255), 0, 255).astype(np.uint8)


def render_patient(p: Patient, size: int,
                   lesion_threshold: float = 0.03):
    """Render a patient in its pose.

    Returns:
        tuple: image [S, S] uint8, normal twin [S, S] uint8 (the same image
        without opacities), boxes [N, 4] float x1, y1, x2, y2 (one tight box
        per opacity, in image pixels).
    """
    base, layers = render_layers(p, size)
    m = p.pose.matrix(size)
    rng = np.random.default_rng(p.noise_seed)
    # film grain plus a slow exposure gradient, identical for both
    noise = rng.normal(0, 0.012, (size, size)) + cv2.GaussianBlur(
        rng.normal(0, 0.02, (size, size)), (0, 0), size / 16)
    base_w = warp(base, m)
    twin = _to_uint8(base_w, noise)
    warped = [warp(layer, m, 0.0) for layer in layers]
    image = _to_uint8(base_w + np.max(warped, axis=0), noise) \
        if warped else twin
    boxes = []
    for layer in warped:
        ys, xs = np.nonzero(layer > lesion_threshold)
        if len(xs):
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    return image, twin, np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
