"""The SparkSession a build runs in: UTC, ANSI SQL, Arrow batches, this Python on the workers."""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
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

    java_options = "-Duser.timezone=UTC"
    if not os.environ.get("SPARK_CONF_DIR"):  # a cluster's own logging configuration wins over Radar's quiet one
        java_options += f" -Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}"
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master or f"local[{cores or '*'}]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.pythonUDF.arrow.enabled", "true")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * (cores or os.cpu_count() or 2))))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # no progress bars between the build's own lines
        .config("spark.log.level", "ERROR")
        # a local session's executors live in the driver's JVM: Spark's 1 GB default is short for the build's
        # aggregations (RADAR_SPARK_MEMORY sets it; on a cluster, spark-submit's own settings decide)
        .config("spark.driver.memory", os.environ.get("RADAR_SPARK_MEMORY", "4g"))
    )
    from pyspark import SparkContext

    if SparkContext._gateway is not None:  # the JVM runs already (a session stopped and started again)
        return builder.getOrCreate()
    with _jvm_stderr_filtered():
        return builder.getOrCreate()


# The one line the JVM prints at its start that no setting silences (Spark adds the incubator module to it)
_JVM_NOISE = b"WARNING: Using incubator modules:"


@contextmanager
def _jvm_stderr_filtered() -> Iterator[None]:
    """While the JVM starts, make this process's stderr a pipe: the JVM inherits it, and a thread copies all
    it writes there to the real stderr, for as long as it lives, but the incubator line (``_JVM_NOISE``).
    This process's own stderr is restored as soon as the JVM has started."""
    try:
        target = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no stderr to filter
        yield
        return
    os.dup2(write_end, 2)
    os.close(write_end)
    threading.Thread(target=_copy_stderr, args=(read_end, target), daemon=True, name="jvm-stderr").start()
    try:
        yield
    finally:
        os.dup2(target, 2)  # the JVM keeps the pipe; the thread's ``target`` stays open for it


def _copy_stderr(read_end: int, target: int) -> None:
    with os.fdopen(read_end, "rb") as source:
        for line in source:
            if not line.startswith(_JVM_NOISE):
                os.write(target, line)
    os.close(target)


def persisted_rdds(spark) -> set[int]:
    """The ids of the RDDs ``spark`` keeps in memory or on disk now (cached DataFrames, local checkpoints)."""
    return {int(rdd_id) for rdd_id in spark.sparkContext._jsc.getPersistentRDDs().keys()}


def release_rdds(spark, keep: set[int] | frozenset[int] = frozenset()) -> int:
    """Unpersist every RDD ``spark`` keeps except those in ``keep``; return how many were released.

    Cached DataFrames that are no longer referenced and local checkpoints (each pass of the thread roots makes
    one) stay in the executors' memory until the JVM's garbage collector happens to drop them; a session that
    runs several builds, or a notebook that runs one among its own work, would fill the driver's memory with
    them and then fail a broadcast join for want of memory."""
    released = 0
    for rdd_id, rdd in spark.sparkContext._jsc.getPersistentRDDs().items():
        if int(rdd_id) not in keep:
            rdd.unpersist(False)
            released += 1
    return released


@contextmanager
def releasing(spark) -> Iterator[None]:
    """Release, at the end of the block, every RDD persisted inside it (and nothing persisted before)."""
    before = persisted_rdds(spark)
    try:
        yield
    finally:
        release_rdds(spark, keep=before)
