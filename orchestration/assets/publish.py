"""The last step of a run: publish the build to the warehouse file that readers open."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from orchestration.assets.ingestion import WAREHOUSE_POOL
from orchestration.dbt import OWNER
from orchestration.resources import Warehouse

PUBLISHED = "published_warehouse"


def build_publish_asset(upstream: Sequence[AssetKey]) -> AssetsDefinition:
    """`published_warehouse`, after every model and report: when they were all built and no
    blocking check failed, the run's build replaces the published file whole
    (core/publishing.py); otherwise it does not run, and readers keep the last
    complete build."""

    @asset(name=PUBLISHED, group_name="publish", deps=list(upstream), pool=WAREHOUSE_POOL,
           owners=[OWNER], kinds={"duckdb"},
           description="The warehouse file readers open (dashboards, BI tools, reports, SQL): "
                       "a copy of the run's build, replaced atomically when every model and "
                       "report of the run was built and no blocking check failed.")
    def published_warehouse(warehouse: Warehouse) -> MaterializeResult:
        from core.publishing import publish

        publication = publish(warehouse.file)
        return MaterializeResult(metadata={
            "path": MetadataValue.path(str(publication.warehouse)),
            "size_mib": round(publication.size_bytes / 2**20, 1),
            "publish_seconds": round(publication.seconds, 2),
            "published_at": publication.published_at.isoformat(timespec="seconds"),
        })

    return published_warehouse
