"""Test and sandbox aids of the shipping plugin: SF Express and Kuaidi100 simulators.

Not imported on any production path; the sandbox mode (`GALLERIA_SANDBOX=1`) mounts them.
"""

from galleria_plugins.shipping.testing.kuaidi100 import Kuaidi100Simulator
from galleria_plugins.shipping.testing.sf import SfSimulator

__all__ = ["Kuaidi100Simulator", "SfSimulator"]
