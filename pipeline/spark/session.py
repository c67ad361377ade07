"""The SparkSession a build runs in: UTC, ANSI SQL, Arrow batches, this Python on the workers."""

from __future__ import annotations

import os
import sys


def spark_session(master: str | None = None, *, app_name: str = "reputation-radar", cores: int | None = None):
    """A SparkSession on ``master`` (default ``local[N]``, N = ``cores`` or every core), configured the way
    the stages assume: the session time zone is UTC, ANSI mode is on, pandas exchanges go through Arrow and
    the Python workers run this interpreter (the one that has Radar and its dependencies installed)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName(app_name)
        .master(master or f"local[{cores or '*'}]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.pythonUDF.arrow.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * (cores or os.cpu_count() or 2))))
        .config("spark.ui.enabled", "false")
    )
    return builder.getOrCreate()
