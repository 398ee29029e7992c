"""pydicom's own corpus of real DICOM files, every one: a single-frame
image pydicom can decode (with the pylibjpeg plugins the requirements
install) loads as a radiograph; every other file is an InputError that
names the file, never another exception."""
import glob
import os.path as osp
import warnings

import numpy as np
import pydicom.data
import pytest

from mmgranet.fileio import InputError, read_dicom

CORPUS = sorted(glob.glob(osp.join(osp.dirname(pydicom.data.__file__),
                                   'test_files', '**', '*.dcm'),
                          recursive=True))


def pydicom_decodes(path):
    """A single frame pydicom itself decodes to 2-D gray or RGB."""
    try:
        ds = pydicom.dcmread(path)
        frames = int(ds.get('NumberOfFrames', 1) or 1)
        arr = ds.pixel_array
    except Exception:
        return False
    gray_or_rgb = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] == 3)
    return frames == 1 and gray_or_rgb


def test_the_corpus_is_there():
    assert len(CORPUS) > 50


def test_the_decoder_plugins_are_installed():
    from pydicom.pixels.decoders import (JPEG2000Decoder,
                                         JPEGExtended12BitDecoder,
                                         JPEGLSLosslessDecoder,
                                         RLELosslessDecoder)
    for decoder in (JPEG2000Decoder, JPEGLSLosslessDecoder,
                    RLELosslessDecoder, JPEGExtended12BitDecoder):
        assert decoder.is_available, decoder.UID


@pytest.mark.parametrize('path', CORPUS, ids=osp.basename)
def test_every_corpus_file_loads_or_names_itself(path):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        decodable = pydicom_decodes(path)
        if decodable:
            img = read_dicom(path)
            assert img.dtype == np.uint8 and img.ndim == 2
            return
        with pytest.raises(InputError) as e:
            read_dicom(path)
    assert path in str(e.value)
