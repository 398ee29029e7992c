from .rsna_visualization_hook import RSNAVisualizationHook, render_sample

__all__ = ['RSNAVisualizationHook', 'render_sample']
