from .functional import rsna_ap
from .metrics import DumpRSNASubmission, RSNAMetric

__all__ = ['DumpRSNASubmission', 'RSNAMetric', 'rsna_ap']
