"""Write radiograph DICOMs like RSNA's (and the variants tests need)."""
import io
from typing import Optional

import numpy as np

from mmgranet.fileio import atomic_write

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
    sop_uid = generate_uid()

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
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
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
