from .load_dicom_from_file import LoadDicomFromFile

__all__ = ['LoadDicomFromFile']
