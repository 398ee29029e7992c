from .dump_rsna_submission import DumpRSNASubmission
from .rsna_metric import RSNAMetric

__all__ = ['DumpRSNASubmission', 'RSNAMetric']
