"""The simulated advertiser (`world`), the server speaking all four APIs (`server`), and its
ground truth (`truth`)."""

from ingestion.simulator.server import FaultRule, SimulatorServer
from ingestion.simulator.world import SIZES, World

__all__ = ["SIZES", "FaultRule", "SimulatorServer", "World"]
