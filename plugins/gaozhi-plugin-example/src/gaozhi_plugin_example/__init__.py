"""gaozhi-plugin-example — 示例插件: the template a department copies.

Implements one hook of every family on fake data (see :mod:`gaozhi_plugin_example.plugin`).
"""

__version__ = "0.1.0"
