"""The SparkSession a build runs in: UTC, ANSI SQL, Arrow batches, this Python on the workers."""

from __future__ import annotations

import os
import sys
import warnings

_PANDAS_WARNING = "PySpark does not yet fully support pandas"


def spark_session(master: str | None = None, *, app_name: str = "reputation-radar", cores: int | None = None):
    """A SparkSession on ``master`` (default ``local[N]``, N = ``cores`` or every core), configured the way
    the stages assume: the session time zone is UTC, ANSI mode is on, pandas exchanges go through Arrow and
    the Python workers run this interpreter (the one that has Radar and its dependencies installed)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark 4.3 warns at every pandas exchange that it does not know pandas 3 yet: not a reader's concern
    # (the tests compare every row with the DuckDB path); the Python workers inherit the filter
    os.environ.setdefault("PYTHONWARNINGS", f"ignore:{_PANDAS_WARNING}:FutureWarning")
    warnings.filterwarnings("ignore", message=_PANDAS_WARNING, category=FutureWarning)
    if master is None or master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no warning that the host name is a loopback address
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
        .config("spark.ui.showConsoleProgress", "false")  # no progress bars between the build's own lines
        .config("spark.log.level", "ERROR")
        # a local session's executors live in the driver's JVM: Spark's 1 GB default is short for the build's
        # aggregations (RADAR_SPARK_MEMORY sets it; on a cluster, spark-submit's own settings decide)
        .config("spark.driver.memory", os.environ.get("RADAR_SPARK_MEMORY", "4g"))
    )
    return builder.getOrCreate()
