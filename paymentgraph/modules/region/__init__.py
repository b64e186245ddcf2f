"""The region module: regions with a name and a currency."""

from paymentgraph.modules.region.dto import RegionDTO
from paymentgraph.modules.region.service import RegionModuleService

__all__ = ["RegionDTO", "RegionModuleService"]
