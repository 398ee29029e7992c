import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmgranet.datasets import LoadDicomFromFile
from mmgranet.fileio import InputError, read_dicom, voi_window, write_dicom

RAMP8 = (np.arange(64 * 64).reshape(64, 64) % 256).astype(np.uint8)


def test_uncompressed_8bit_is_exact(tmp_path):
    path = str(tmp_path / 'a.dcm')
    write_dicom(path, RAMP8, 'p', jpeg=False)
    np.testing.assert_array_equal(read_dicom(path), RAMP8)


def test_jpeg_baseline_decodes_close(tmp_path):
    path = str(tmp_path / 'a.dcm')
    smooth = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (64, 1))
    write_dicom(path, smooth, 'p', jpeg=True)
    import pydicom
    assert pydicom.dcmread(path).file_meta.TransferSyntaxUID == \
        '1.2.840.10008.1.2.4.50'
    out = read_dicom(path)
    assert out.dtype == np.uint8 and out.shape == (64, 64)
    assert np.abs(out.astype(int) - smooth).mean() < 2


def test_the_same_image_writes_the_same_file(tmp_path):
    """UIDs come from the patient and the pixels (a seeded mini-RSNA is
    byte-identical run to run); another image of the patient is another
    instance of the same study."""
    import pydicom
    paths = [str(tmp_path / f'{n}.dcm') for n in 'abc']
    write_dicom(paths[0], RAMP8, 'p')
    write_dicom(paths[1], RAMP8, 'p')
    write_dicom(paths[2], RAMP8[::-1].copy(), 'p')
    data = [open(p, 'rb').read() for p in paths]
    assert data[0] == data[1] and data[0] != data[2]
    a, c = pydicom.dcmread(paths[0]), pydicom.dcmread(paths[2])
    assert a.SOPInstanceUID != c.SOPInstanceUID
    assert a.SeriesInstanceUID != c.SeriesInstanceUID
    assert a.StudyInstanceUID == c.StudyInstanceUID
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID


def test_monochrome1_is_inverted(tmp_path):
    path = str(tmp_path / 'a.dcm')
    write_dicom(path, RAMP8, 'p', jpeg=False, photometric='MONOCHROME1')
    np.testing.assert_array_equal(read_dicom(path), 255 - RAMP8)


def test_16bit_rescale_then_linear_window(tmp_path):
    path = str(tmp_path / 'a.dcm')
    raw = (np.arange(64 * 64).reshape(64, 64) % 4096).astype(np.uint16)
    write_dicom(path, raw, 'p', jpeg=False, bits_stored=12,
                rescale=(2, -1024), window=(1000, 2001))
    expected = voi_window(raw * 2.0 - 1024, 1000, 2001)
    np.testing.assert_array_equal(
        read_dicom(path), np.rint(expected).astype(np.uint8))


def test_deep_data_without_window_is_min_max(tmp_path):
    path = str(tmp_path / 'a.dcm')
    raw = np.full((8, 8), 100, np.uint16)
    raw[0, 0], raw[-1, -1] = 40, 4000
    write_dicom(path, raw, 'p', jpeg=False, bits_stored=12)
    out = read_dicom(path)
    assert out[0, 0] == 0 and out[-1, -1] == 255
    assert out[1, 1] == round((100 - 40) / (4000 - 40) * 255)


def test_linear_window_function():
    # PS3.3 C.11.2.1.2.1 with c = 100, w = 21: below 89.5 -> 0, above 109.5
    # -> 255, linear in between
    x = np.array([89.0, 89.5, 99.5, 109.5, 110.0])
    y = voi_window(x, 100, 21)
    assert y[0] == 0 and y[1] == 0 and y[-1] == 255
    assert y[2] == pytest.approx(127.5)
    assert y[3] == pytest.approx(255)
    with pytest.raises(ValueError):
        voi_window(x, 100, 0.5)


def test_sigmoid_and_linear_exact():
    assert voi_window(np.array([50.0]), 50, 10, 'SIGMOID')[0] == 127.5
    assert voi_window(np.array([50.0]), 50, 10, 'LINEAR_EXACT')[0] == 127.5


@pytest.mark.parametrize('content, message', [
    (None, 'not found'),
    (b'this is not a dicom file' * 10, 'not a readable DICOM'),
])
def test_missing_and_non_dicom_files(tmp_path, content, message):
    path = tmp_path / 'x.dcm'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        read_dicom(str(path))
    assert str(path) in str(e.value)


def test_dicom_without_pixel_data(tmp_path):
    import pydicom
    path = str(tmp_path / 'a.dcm')
    write_dicom(path, RAMP8, 'p', jpeg=False)
    ds = pydicom.dcmread(path)
    del ds.PixelData
    ds.save_as(path)
    with pytest.raises(InputError, match='without pixel data'):
        read_dicom(path)


def test_corrupt_jpeg_pixel_data(tmp_path):
    import pydicom
    from pydicom.encaps import encapsulate
    path = str(tmp_path / 'a.dcm')
    write_dicom(path, RAMP8, 'p', jpeg=True)
    ds = pydicom.dcmread(path)
    ds.PixelData = encapsulate([b'\xff\xd8\xff\xe0 garbage'])
    ds.save_as(path)
    with pytest.raises(InputError, match='cannot decode pixel data') as e:
        read_dicom(path)
    assert path in str(e.value)


def test_load_transform_grayscale_color_and_scale(tmp_path):
    init_default_scope('mmgranet')
    path = str(tmp_path / 'a.dcm')
    img = np.zeros((64, 128), np.uint8)
    img[:, 64:] = 200
    write_dicom(path, img, 'p', jpeg=False)
    out = LoadDicomFromFile(color_type='grayscale')(dict(img_path=path))
    assert out['img'].shape == (64, 128) and out['ori_shape'] == (64, 128)
    assert 'scale_factor' not in out
    out = LoadDicomFromFile(to_float32=True)(dict(img_path=path))
    assert out['img'].shape == (64, 128, 3) and out['img'].dtype == np.float32
    results = dict(img_path=path,
                   instances=[dict(bbox=[64, 0, 128, 32], bbox_label=0)])
    out = LoadDicomFromFile(load_scale=(64, 64))(results)
    assert out['img'].shape == (32, 64, 3)  # keep_ratio
    assert out['ori_shape'] == (64, 128) and out['scale_factor'] == (0.5, 0.5)
    assert out['instances'][0]['bbox'] == [32, 0, 64, 16]


def test_decode_cache_hits_and_invalidates(tmp_path, monkeypatch):
    path = str(tmp_path / 'a.dcm')
    cache = str(tmp_path / 'cache')
    write_dicom(path, RAMP8, 'p', jpeg=False)
    load = LoadDicomFromFile(color_type='grayscale', load_scale=(32, 32),
                             cache_dir=cache)
    first = load(dict(img_path=path))['img']
    entries = [f for _, _, fs in os.walk(cache) for f in fs
               if f.endswith('.npz')]
    assert len(entries) == 1
    manifest = open(os.path.join(cache, 'manifest.jsonl')).read()
    assert path in manifest and '"ori_shape": [64, 64]' in manifest

    # a hit never decodes
    import mmgranet.datasets.transforms.load_dicom_from_file as mod

    def no_decode(p):
        raise AssertionError('decoded despite a cache entry')

    monkeypatch.setattr(mod, 'read_image', no_decode)
    hit = load(dict(img_path=path))
    np.testing.assert_array_equal(hit['img'], first)
    assert hit['ori_shape'] == (64, 64)
    monkeypatch.undo()

    # a changed source gets a new entry, not the stale one
    write_dicom(path, 255 - RAMP8, 'p', jpeg=False)
    os.utime(path, ns=(1, 2))
    changed = load(dict(img_path=path))['img']
    assert not np.array_equal(changed, first)
    entries = [f for _, _, fs in os.walk(cache) for f in fs
               if f.endswith('.npz')]
    assert len(entries) == 2


def test_load_transform_names_the_file(tmp_path):
    path = str(tmp_path / 'missing.dcm')
    with pytest.raises(InputError, match='missing.dcm'):
        LoadDicomFromFile()(dict(img_path=path))
    with pytest.raises(InputError, match='missing.dcm'):
        LoadDicomFromFile(cache_dir=str(tmp_path / 'c'))(dict(img_path=path))


@pytest.mark.parametrize('bits', [8, 12, 16])
def test_voi_lut_sequence_wins_over_the_window(tmp_path, bits):
    """CR/DX files of other sites carry a VOI LUT Sequence: it maps the
    12-bit values (below its first mapped value: its first entry), scaled
    from its output range to 8 bits; the window beside it is not used."""
    path = str(tmp_path / 'a.dcm')
    raw = (np.arange(64 * 64).reshape(64, 64) % 4096).astype(np.uint16)
    first, top = 100, 2**bits - 1
    curve = (np.arange(4096 - first) / (4095 - first))**0.5
    lut = np.round(top * curve).astype(np.uint16)
    write_dicom(path, raw, 'p', jpeg=False, bits_stored=12,
                window=(1000, 2001), voi_lut=(first, bits, lut))
    expected = lut[np.clip(raw.astype(int) - first, 0, len(lut) - 1)]
    np.testing.assert_array_equal(
        read_dicom(path), np.rint(expected * (255 / top)).astype(np.uint8))


def test_a_malformed_voi_lut_is_an_input_error(tmp_path):
    path = str(tmp_path / 'a.dcm')
    raw = np.zeros((8, 8), np.uint16)
    write_dicom(path, raw, 'p', jpeg=False, bits_stored=12,
                voi_lut=(0, 9, np.zeros(16, np.uint16)))
    with pytest.raises(InputError, match=f'{path}: bad VOI LUT Sequence'):
        read_dicom(path)


def test_read_image_takes_png_exports_and_names_bad_files(tmp_path):
    """PNG / JPEG exports where no DICOM is at hand: 8-bit gray, colour
    to gray, 16-bit to its range; anything else an InputError naming
    the file."""
    import cv2

    from mmgranet.fileio import read_image
    gray = (np.arange(64 * 48) % 251).astype(np.uint8).reshape(48, 64)
    cv2.imwrite(str(tmp_path / 'a.png'), gray)
    np.testing.assert_array_equal(read_image(str(tmp_path / 'a.png')), gray)
    cv2.imwrite(str(tmp_path / 'c.png'), np.dstack([gray] * 3))
    np.testing.assert_array_equal(read_image(str(tmp_path / 'c.png')), gray)
    cv2.imwrite(str(tmp_path / 'w.png'), gray.astype(np.uint16) * 256)
    wide = read_image(str(tmp_path / 'w.png'))
    assert wide.dtype == np.uint8 and wide.max() == 255 and wide.min() == 0
    (tmp_path / 'bad.png').write_bytes(b'not a png')
    for name, match in (('bad.png', 'cannot be decoded'),
                        ('none.jpg', 'no such file'),
                        ('x.txt', 'not a radiograph')):
        with pytest.raises(InputError, match=match) as e:
            read_image(str(tmp_path / name))
        assert name in str(e.value)
