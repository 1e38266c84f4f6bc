"""Wecom robot: a Galleria plugin.

The hook implementations are in `galleria_wecom_robot.plugin`.
"""
