"""The data plane: every protocol's road from request bytes to the adapter.

A request travels through these modules in order: `intake` (strict JSON,
record limits) or `column_decoding` (flat records straight into columns)
or `tensors` (V2 inputs), all ending in one `batch.ColumnarBatch`; then
`validation` (with `column_checks` and `coercion`) checks and builds the
frame, `admission` bounds concurrent predictions, `micro_batching` merges
small concurrent requests, and `dataplane` ties them together, calls the
adapter and counts what happened.
"""
