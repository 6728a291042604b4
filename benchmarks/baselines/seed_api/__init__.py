"""The seed's Flask API, re-created as a benchmark baseline (not part of roost).

The seed served the house-prices pipeline with Flask, validated records with a
marshmallow schema, and ran on gunicorn sync workers. This package rebuilds
that stack from its description: an app factory, a blueprint with `/health`,
`/version` and `POST /v1/predict/regression`, marshmallow validation that drops
the rows in error, then the seed model package's `make_prediction` on the same
trained pipeline object roost loads (`roost train house-prices` writes it).
"""
