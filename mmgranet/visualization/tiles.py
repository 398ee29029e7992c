from typing import Optional, Sequence

import cv2
import numpy as np

from mmgranet.fileio import atomic_write

RED, YELLOW = (0, 0, 255), (0, 255, 255)


def box_tile(image: np.ndarray, boxes=(), width: Optional[int] = None,
             label: Optional[str] = None, color=RED,
             font_scale: float = 0.45) -> np.ndarray:
    """A gray uint8 image (any range clipped to 0..255) as a BGR tile
    ``width`` px wide (keeping its aspect; default: its own size), its
    xyxy boxes (in the image's pixels) drawn, a label top left."""
    img = np.clip(image, 0, 255).astype(np.uint8)
    h, w = img.shape[:2]
    width = width or w
    s = width / w
    tile = cv2.cvtColor(cv2.resize(img, (width, max(1, round(h * s)))),
                        cv2.COLOR_GRAY2BGR)
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        cv2.rectangle(tile, (int(x1 * s), int(y1 * s)),
                      (int(x2 * s), int(y2 * s)), color, 1)
    if label:
        cv2.putText(tile, label, (3, 4 + int(22 * font_scale)),
                    cv2.FONT_HERSHEY_SIMPLEX, font_scale, YELLOW, 1)
    return tile


def grid(tiles: Sequence[np.ndarray], columns: int) -> np.ndarray:
    """Tiles of one size in rows of ``columns`` (the last row filled with
    black)."""
    tiles = list(tiles)
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    return np.concatenate([np.concatenate(tiles[i:i + columns], 1)
                           for i in range(0, len(tiles), columns)], 0)


def write_png(path: str, image: np.ndarray) -> None:
    ok, buf = cv2.imencode('.png', image)
    if not ok:
        raise ValueError(f'{path}: cannot encode the picture')
    with atomic_write(path, 'wb') as f:
        f.write(buf.tobytes())
