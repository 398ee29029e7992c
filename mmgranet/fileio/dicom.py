"""Read and write radiograph DICOMs (the base layer: numpy and pydicom).

Reading decodes to 8-bit display values:

* pydicom 3; uncompressed and JPEG-baseline pixel data (the public RSNA
  copies are JPEG baseline, decoded by pydicom's Pillow plugin);
* the modality LUT (RescaleSlope / RescaleIntercept) first, then the VOI
  transform, both through pydicom (``apply_modality_lut``, ``apply_voi``,
  ``apply_windowing``): a VOI LUT Sequence when present (as CR/DX files of
  many sites carry), else the window (WindowCenter / WindowWidth, with
  DICOM's LINEAR, LINEAR_EXACT or SIGMOID function, PS3.3 C.11.2.1.2);
  data deeper than 8 bits without either is min-max scaled; 8-bit data
  without either is kept;
* MONOCHROME1 (white = low values) is inverted to the display convention.

Every failure is an :class:`~mmgranet.fileio.InputError` naming the file.

Writing (:func:`write_dicom`) makes files like RSNA's: JPEG baseline or
uncompressed Secondary Capture, atomically; the aligned copy, the pseudo
pairs, the generator targets and mini-RSNA are all written with it.
"""
import hashlib
import io
import math
from typing import Optional, Sequence

import numpy as np

from .atomic import atomic_write
from .errors import InputError


def _first(value) -> Optional[float]:
    """First number of a (possibly multi-valued) DICOM element."""
    if value is None or value == '':
        return None
    if isinstance(value, (list, tuple)) or (
            hasattr(value, '__len__') and not isinstance(value, str)):
        value = value[0] if len(value) else None
    return None if value is None else float(value)


def voi_window(x: np.ndarray, center: float, width: float,
               function: str = 'LINEAR') -> np.ndarray:
    """Map values to [0, 255] with a DICOM VOI window (PS3.3 C.11.2.1.2),
    by pydicom's ``apply_windowing`` with an 8-bit output range.

    Args:
        x (np.ndarray): Modality values.
        center (float): WindowCenter.
        width (float): WindowWidth (>= 1 for LINEAR, > 0 otherwise).
        function (str): VOILUTFunction: 'LINEAR', 'LINEAR_EXACT' or
            'SIGMOID'. Defaults to 'LINEAR'.

    Returns:
        np.ndarray: float64 display values in [0, 255].
    """
    from pydicom.dataset import Dataset
    from pydicom.pixels import apply_windowing
    function = (function or 'LINEAR').upper()
    if function not in ('LINEAR', 'LINEAR_EXACT', 'SIGMOID'):
        raise ValueError(f'unsupported VOILUTFunction {function!r}')
    if function == 'LINEAR' and width < 1:
        raise ValueError(f'WindowWidth {width} < 1 with LINEAR')
    if width <= 0:
        raise ValueError(f'WindowWidth {width} <= 0 with {function}')
    # the window's own parameters and an 8-bit unsigned output range: what
    # pydicom maps onto is then [0, 255] (no rescale, no modality LUT:
    # x is already in modality values)
    window = Dataset()
    window.BitsStored, window.PixelRepresentation = 8, 0
    window.PhotometricInterpretation = 'MONOCHROME2'
    window.WindowCenter, window.WindowWidth = float(center), float(width)
    window.VOILUTFunction = function
    return apply_windowing(np.asarray(x, dtype=np.float64), window)


def _voi_lut(values: np.ndarray, ds) -> np.ndarray:
    """The first VOI LUT Sequence item, scaled from the LUT's output range
    (2**bits - 1, its descriptor's third value) to [0, 255].

    pydicom's ``apply_voi`` maps it, except for an 8-bit LUT of more than
    256 entries: pydicom 3.0.2 indexes those through a uint8 array, so
    every value past 255 wraps; the same rule (values below the first
    mapped value take the first entry, above the last the last) is applied
    here instead.
    """
    from pydicom.pixels import apply_voi
    item = ds.VOILUTSequence[0]
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    if bits not in (8, *range(10, 17)):
        raise ValueError(f'LUTDescriptor bits {bits}: not 8 or 10-16')
    values = np.rint(values).astype(np.int64)
    if bits == 8 and entries > 256:
        table = np.asarray(item.LUTData, dtype=np.int64).ravel()
        if len(table) != entries:
            raise ValueError(f'LUTData has {len(table)} entries, the '
                             f'descriptor {entries}')
        out = table[np.clip(values - first, 0, entries - 1)]
    else:
        out = apply_voi(values, ds)
    return out.astype(np.float64) * (255.0 / (2**bits - 1))


def _to_display(arr: np.ndarray, ds, path: str) -> np.ndarray:
    from pydicom.pixels import apply_modality_lut
    bits = int(getattr(ds, 'BitsStored', 8) or 8)
    values = apply_modality_lut(arr, ds)
    center = _first(ds.get('WindowCenter'))
    width = _first(ds.get('WindowWidth'))
    if ds.get('VOILUTSequence'):
        try:
            out = _voi_lut(values, ds)
        except Exception as e:  # pydicom's and ours: a malformed LUT
            raise InputError(f'{path}: bad VOI LUT Sequence '
                             f'({type(e).__name__}: {e})') from None
    elif center is not None and width is not None:
        try:
            out = voi_window(values, center, width,
                             str(ds.get('VOILUTFunction', 'LINEAR')))
        except ValueError as e:
            raise InputError(f'{path}: bad VOI window ({e})') from None
    elif bits <= 8 and values.dtype.kind in 'ui' and \
            values.min(initial=0) >= 0 and values.max(initial=0) <= 255:
        out = values.astype(np.float64)
    else:
        lo, hi = float(values.min()), float(values.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        out = (values.astype(np.float64) - lo) * scale
    photometric = str(ds.get('PhotometricInterpretation', 'MONOCHROME2'))
    if photometric == 'MONOCHROME1':
        out = 255.0 - out
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def read_dicom_header(path: str, tags: Sequence[str] = ('Rows', 'Columns')):
    """Read a DICOM header (no pixel data); InputError names the file."""
    import pydicom
    from pydicom.errors import InvalidDicomError
    try:
        return pydicom.dcmread(path, stop_before_pixels=True,
                               specific_tags=list(tags))
    except FileNotFoundError:
        raise InputError(f'{path}: DICOM file not found') from None
    except (InvalidDicomError, EOFError, OSError, ValueError) as e:
        raise InputError(f'{path}: not a readable DICOM file ({e})') from None


def read_dicom(path: str) -> np.ndarray:
    """Decode a single-frame grayscale radiograph to uint8 display values.

    Args:
        path (str): The .dcm file.

    Returns:
        np.ndarray: [H, W] uint8.

    Raises:
        InputError: A missing or corrupt file, a DICOM without pixel data
            (not an image), undecodable pixel data (a compression without
            a decoder: pydicom's own and the pylibjpeg plugins cover JPEG
            baseline / extended / lossless, JPEG-LS, JPEG 2000 and RLE),
            several frames, malformed elements; always naming the file.
    """
    try:
        return _read_dicom(path)
    except InputError:
        raise
    except Exception as e:  # a malformed element anywhere in the file
        raise InputError(f'{path}: cannot be read as a radiograph '
                         f'({type(e).__name__}: {e})') from None


def _read_dicom(path: str) -> np.ndarray:
    import pydicom
    from pydicom.errors import InvalidDicomError
    try:
        ds = pydicom.dcmread(path)
    except FileNotFoundError:
        raise InputError(f'{path}: DICOM file not found') from None
    except (InvalidDicomError, EOFError, OSError, ValueError) as e:
        raise InputError(f'{path}: not a readable DICOM file ({e})') from None
    if 'PixelData' not in ds:
        raise InputError(f'{path}: DICOM without pixel data (not an image; '
                         f'SOP class {ds.get("SOPClassUID", "unknown")})')
    frames = int(ds.get('NumberOfFrames', 1) or 1)
    if frames != 1:
        raise InputError(f'{path}: {frames} frames, expected one radiograph')
    try:
        arr = ds.pixel_array
    except Exception as e:  # pydicom raises many types for bad pixel data
        syntax = getattr(getattr(ds, 'file_meta', None), 'TransferSyntaxUID',
                         'unknown transfer syntax')
        raise InputError(f'{path}: cannot decode pixel data ({syntax}: '
                         f'{type(e).__name__}: {e})') from None
    if arr.ndim == 3:
        if arr.shape[-1] != 3:
            raise InputError(f'{path}: pixel array of shape {arr.shape}, '
                             'expected a grayscale image')
        # an RGB secondary capture: luminance, then display as 8-bit
        luminance = arr.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        arr = np.rint(luminance).astype(np.uint8) \
            if arr.dtype == np.uint8 else luminance
    if arr.ndim != 2 or min(arr.shape) == 0:
        raise InputError(f'{path}: pixel array of shape {arr.shape}')
    if not math.isfinite(float(arr.max())):
        raise InputError(f'{path}: non-finite pixel values')
    return _to_display(arr, ds, path)


# Secondary Capture Image Storage, as in the RSNA files
SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'


def write_dicom(path: str,
                pixels: np.ndarray,
                patient_id: str,
                jpeg: bool = True,
                jpeg_quality: int = 95,
                photometric: str = 'MONOCHROME2',
                bits_stored: Optional[int] = None,
                rescale: Optional[tuple] = None,
                window: Optional[tuple] = None,
                voi_function: Optional[str] = None,
                voi_lut: Optional[tuple] = None,
                age: int = 50,
                sex: str = 'M',
                view: str = 'PA') -> None:
    """Write one radiograph as a DICOM file (atomically).

    Args:
        path (str): Output .dcm.
        pixels (np.ndarray): [H, W] uint8 (or uint16 when uncompressed).
        patient_id (str): PatientID / PatientName.
        jpeg (bool): JPEG baseline (RSNA's public copies) instead of
            uncompressed explicit little endian. Needs uint8. Defaults to
            True.
        jpeg_quality (int): Defaults to 95.
        photometric (str): 'MONOCHROME2' or 'MONOCHROME1'.
        bits_stored (int, optional): Defaults to the dtype's bits.
        rescale (tuple, optional): (RescaleSlope, RescaleIntercept).
        window (tuple, optional): (WindowCenter, WindowWidth).
        voi_function (str, optional): VOILUTFunction.
        voi_lut (tuple, optional): (first mapped value, output bits, LUT
            entries [N] uint16): one VOI LUT Sequence item.
        age (int): PatientAge. sex (str): PatientSex. view (str):
            ViewPosition ('PA' or 'AP').
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import (PYDICOM_IMPLEMENTATION_UID,
                             ExplicitVRLittleEndian, JPEGBaseline8Bit,
                             generate_uid)

    pixels = np.ascontiguousarray(pixels)
    if pixels.ndim != 2 or pixels.dtype not in (np.uint8, np.uint16):
        raise ValueError(f'expected [H, W] uint8/uint16, got {pixels.shape} '
                         f'{pixels.dtype}')
    if jpeg and pixels.dtype != np.uint8:
        raise ValueError('JPEG baseline stores 8-bit data only')
    bits = 8 * pixels.itemsize
    # UIDs from the patient and the pixels: the same image, the same file
    # (a seeded mini-RSNA is byte-identical run to run); another image of
    # the patient (an aligned copy) another instance of the same study
    digest = hashlib.sha256(pixels.tobytes()).hexdigest()
    sop_uid = generate_uid(entropy_srcs=[patient_id, digest, 'instance'])

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg else \
        ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID

    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[patient_id, 'study'])
    ds.SeriesInstanceUID = generate_uid(
        entropy_srcs=[patient_id, digest, 'series'])
    ds.PatientID = patient_id
    ds.PatientName = patient_id
    ds.PatientAge = f'{int(age):03d}Y'  # DICOM AS
    ds.PatientSex = sex
    ds.ViewPosition = view
    ds.Modality = 'CR'
    ds.BodyPartExamined = 'CHEST'
    ds.ConversionType = 'WSD'
    ds.SeriesDescription = f'view: {view}'
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = bits
    ds.BitsStored = bits_stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    if rescale is not None:
        ds.RescaleSlope, ds.RescaleIntercept = (str(v) for v in rescale)
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = (str(v) for v in window)
    if voi_function is not None:
        ds.VOILUTFunction = voi_function
    if voi_lut is not None:
        first, lut_bits, table = voi_lut
        table = np.asarray(table, dtype=np.uint16)
        item = Dataset()  # both elements' VRs are ambiguous: US here
        item.add_new(0x00283002, 'US', [len(table) % 65536, int(first),
                                        int(lut_bits)])  # LUTDescriptor
        item.add_new(0x00283006, 'US', table.tolist())  # LUTData
        ds.VOILUTSequence = [item]
    if jpeg:
        from PIL import Image
        buf = io.BytesIO()
        Image.fromarray(pixels, mode='L').save(
            buf, format='JPEG', quality=jpeg_quality)
        ds.PixelData = encapsulate([buf.getvalue()])
        ds['PixelData'].VR = 'OB'
        ds.LossyImageCompression = '01'
    else:
        ds.PixelData = pixels.tobytes()
        ds['PixelData'].VR = 'OW' if bits == 16 else 'OB'
    with atomic_write(path, 'wb') as f:
        ds.save_as(f, enforce_file_format=True)
