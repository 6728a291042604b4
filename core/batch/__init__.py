"""Batch scoring: files in, predictions out, locally or on a Dask cluster.

`inputs` reads and splits the input files, `job` scores one piece,
`outputs` writes the results, `local` and `on_dask` run the pieces, and
`diff` compares two model versions over the same data.
"""
