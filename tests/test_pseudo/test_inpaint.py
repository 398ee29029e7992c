"""Anatomy-keeping pseudo-normal targets: an additive smooth opacity over
structured anatomy is taken out of its box, the anatomy under it kept;
nothing outside the boxes changes and nothing gets brighter."""
import cv2
import numpy as np
import pytest

from mmgranet.pseudo import inpaint_boxes, remove_opacity


def anatomy_with_opacity(size=96):
    yy, xx = np.mgrid[:size, :size]
    twin = 90 + 30 * (np.sin(yy / 3.0) > 0.3)  # ribs: fine horizontal bars
    twin = cv2.GaussianBlur(twin.astype(np.float32), (0, 0), 0.8)
    blob = 50 * np.exp(-((xx - 48)**2 + (yy - 50)**2) / (2 * 8.0**2))
    box = np.array([[30, 32, 67, 69]], np.float64)
    return (np.clip(twin + blob, 0, 255).astype(np.uint8),
            np.clip(twin, 0, 255).astype(np.uint8), box)


def test_remove_opacity_keeps_the_anatomy_under_the_lesion():
    image, twin, box = anatomy_with_opacity()
    inside = np.zeros(image.shape, bool)
    inside[32:69, 30:67] = True
    out = remove_opacity(image, box)
    err = {name: np.abs(img.astype(float) - twin)[inside].mean()
           for name, img in (('x', image), ('removed', out),
                             ('filled', inpaint_boxes(image, box)))}
    assert err['removed'] < 0.5 * err['x']  # the opacity is mostly gone
    assert err['removed'] < err['filled']  # the ribs under it are kept
    assert np.array_equal(out[~inside], image[~inside])
    assert (out <= image).all()


def test_no_boxes_changes_nothing():
    image, _, _ = anatomy_with_opacity()
    assert np.array_equal(remove_opacity(image, np.zeros((0, 4))), image)
    assert np.array_equal(inpaint_boxes(image, np.zeros((0, 4))), image)
    with pytest.raises(ValueError, match='uint8'):
        inpaint_boxes(image.astype(np.float32), np.zeros((0, 4)))
