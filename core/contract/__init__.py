"""The adapter contract: what a model package implements and how roost finds it.

`adapter` is the base class and its context, `artifacts` saves and loads
trained artifacts with their manifest, and `registry` discovers installed
adapters through stevedore and loads them. The checks adapter authors run
in their own suites are `roost.core.testing`.
"""
