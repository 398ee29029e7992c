import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register mmgranet's and mmdet's modules into their registries.

    Importing the registered classes is what registers them. Registries also
    import them lazily through their ``locations``, but a script that lists a
    registry, or looks a class up before anything is built, calls this first.

    Args:
        init_default_scope (bool): Whether to make 'mmgranet' the current
            default scope, so that unprefixed types resolve in mmgranet, then
            mmdet, then mmengine/mmcv. Defaults to True.
    """
    import mmdet.utils

    import mmgranet.datasets  # noqa: F401
    import mmgranet.engine  # noqa: F401
    import mmgranet.evaluation  # noqa: F401
    import mmgranet.models  # noqa: F401

    mmdet.utils.register_all_modules(init_default_scope=False)
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmgranet'):
        DefaultScope.get_instance('mmgranet', scope_name='mmgranet')
    elif current.scope_name != 'mmgranet':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmgranet"; register_all_modules() switches it to '
                      '"mmgranet". Pass init_default_scope=False to keep it.')
        # instance names must be unique; mmdet uses the same trick
        DefaultScope.get_instance(f'mmgranet-{datetime.datetime.now()}',
                                  scope_name='mmgranet')
