"""The data plane: every protocol's road from request bytes to the adapter.

Decoding ends in one `input_batch.InputBatch` whatever the protocol:
`intake` (strict JSON) or `column_decoding` (flat records straight into
columns) for v1 bodies, `tensors` for V2 inputs. `dataplane.DataPlane`
then applies, in order and for every protocol alike, `limits`, the model
version's `model_lane`, `admission` (bounded concurrent predictions),
`validation` (with `column_checks` and `coercion`), `micro_batching` (small
concurrent requests merged into one call), the adapter call (`outputs`,
shared with batch scoring) and the metrics. `default_model` binds the
regression compatibility route; `readiness` answers the probes.
"""
