"""Dataset-wide jobs built on the networks (as ``mmdet.apis``): aligning a
whole dataset, a trained generator as an image function, the pipeline
runner. The top layer of the package: nothing below imports it."""
from .align_dataset import align_dataset
from .generator_inference import (load_detector, load_image_generator,
                                  load_translator)

__all__ = ['align_dataset', 'load_detector', 'load_image_generator',
           'load_translator']
