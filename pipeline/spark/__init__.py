"""Spark: the same pipeline on Apache Spark over a Parquet lake (``radar spark build``; the ``spark`` extra).

Each stage is shuffled by the key under which it is local, and runs Radar's own code where that code is
row- or group-local (reading and staging a file, scoring a text, classifying a reply, detecting a brand's
crises); the steps that need the whole data set (de-duplication across files, threads, the first reply,
the hourly series) are written for Spark by hand. See docs/spark.md.
"""
