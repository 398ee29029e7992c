from .alternating_param_scheduler_hook import AlternatingParamSchedulerHook
from .rsna_visualization_hook import RSNAVisualizationHook, render_sample

__all__ = ['AlternatingParamSchedulerHook', 'RSNAVisualizationHook',
           'render_sample']
