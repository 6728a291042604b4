"""Bins drawn from reference rows: quantile ranges, categories, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from roost.core.monitoring.binning import MISSING, OTHER, bin_features

SCHEMA = {
    "size": {"type": "float"},
    "rooms": {"type": "integer"},
    "colour": {"type": "string"},
}


def reference() -> pd.DataFrame:
    """One hundred rows: sizes 1-100, rooms 1-4, three colours, a few gaps."""
    return pd.DataFrame(
        {
            "size": np.arange(1, 101, dtype=float),
            "rooms": [1 + i % 4 for i in range(100)],
            "colour": ["red"] * 50 + ["green"] * 30 + ["blue"] * 18 + [None] * 2,
        }
    )


class TestNumberBins:
    """Numbers fall in the reference's deciles, open at both ends."""

    def test_deciles_of_the_reference_are_the_edges(self) -> None:
        """Nine inner edges, reference values, split 1..100 into ten bins."""
        size = bin_features(reference(), SCHEMA).by_feature()["size"]
        assert size.numeric
        assert size.edges == tuple(float(edge) for edge in range(10, 100, 10))
        assert size.reference == (9,) + (10,) * 8 + (11, 0)
        assert size.labels[0] == "(-inf, 10)"
        assert size.labels[1] == "[10, 20)"
        assert size.labels[-2] == "[90, +inf)"
        assert size.labels[-1] == MISSING

    def test_repeated_values_share_deduplicated_edges(self) -> None:
        """Four distinct room counts give four edges, a bin per value."""
        rooms = bin_features(reference(), SCHEMA).by_feature()["rooms"]
        assert rooms.edges == (1.0, 2.0, 3.0, 4.0)
        assert rooms.reference == (0, 25, 25, 25, 25, 0)

    def test_values_beyond_the_reference_land_in_the_outer_bins(self) -> None:
        """Below the lowest edge, above the highest, and missing, each counted."""
        size = bin_features(reference(), SCHEMA).by_feature()["size"]
        counts = size.count(pd.Series([-5.0, 0.5, 1e9, None, float("nan"), 50.0]))
        assert counts[0] == 2
        assert counts[-2] == 1
        assert counts[-1] == 2
        assert counts.sum() == 6

    def test_an_edge_value_counts_in_the_bin_it_opens(self) -> None:
        """A value equal to an edge belongs to the bin starting there."""
        size = bin_features(reference(), SCHEMA).by_feature()["size"]
        counts = size.count(pd.Series([size.edges[0]]))
        assert counts[1] == 1


class TestCategoryBins:
    """Categories keep their own bins; unseen ones share one."""

    def test_reference_categories_other_and_missing(self) -> None:
        """The reference's labels, sorted, then other, then missing."""
        colour = bin_features(reference(), SCHEMA).by_feature()["colour"]
        assert colour.labels == ("blue", "green", "red", OTHER, MISSING)
        assert colour.reference == (18, 30, 50, 0, 2)

    def test_unseen_categories_count_as_other(self) -> None:
        """Purple and pink are not in the reference: both land in other."""
        colour = bin_features(reference(), SCHEMA).by_feature()["colour"]
        counts = colour.count(pd.Series(["purple", "red", "pink", None]))
        assert counts.tolist() == [0, 0, 1, 2, 1]

    def test_a_category_named_like_a_reserved_bin_stays_apart(self) -> None:
        """A real category spelled "<other>" gets a label of its own."""
        frame = pd.DataFrame({"colour": ["<other>", "red"]})
        colour = bin_features(frame, SCHEMA).by_feature()["colour"]
        assert len(set(colour.labels)) == len(colour.labels)
        assert colour.count(pd.Series(["<other>"])).tolist() == [1, 0, 0, 0]


class TestModelBins:
    """A model's bins cover the schema fields the reference holds."""

    def test_many_frames_count_as_their_rows_one_by_one(self) -> None:
        """Stacked small frames and large ones sum to the per-value counts."""
        bins = bin_features(reference(), SCHEMA)
        rng = np.random.default_rng(7)
        colours = np.array(["red", "green", "purple", None, "blue"], dtype=object)
        frames = [
            pd.DataFrame(
                {
                    "size": rng.uniform(-10, 120, rows).round(1),
                    "colour": colours[rng.integers(0, len(colours), rows)],
                    "rooms": rng.integers(0, 6, rows),
                }
            )
            for rows in (1, 1, 3, 1, 500, 2, 300)
        ]
        frames[2] = frames[2][["colour", "size"]]  # other columns: own group, no rooms
        frames[6] = frames[6][["rooms", "colour", "size"]]  # large, columns reordered
        counts = bins.count_frames(frames)
        for feature in bins.features:
            expected = np.zeros(len(feature.reference), dtype=np.int64)
            for frame in frames:
                if feature.feature not in frame:
                    expected[-1] += len(frame)
                    continue
                for value in frame[feature.feature]:
                    expected += feature.count([value])
            assert counts[feature.feature].tolist() == expected.tolist()

    def test_columns_count_as_the_same_rows_in_a_frame(self) -> None:
        """Rows given as field -> values count as their values one by one.

        Small ones are joined as lists, a large one is sampled like a frame.
        """
        bins = bin_features(reference(), SCHEMA)
        items: list[dict[str, list[object]]] = [
            {"size": [3.5], "colour": ["red"]},
            {"size": [None, 950.0], "colour": [None, "teal"]},
            {"colour": ["blue"], "size": [12]},  # another field order
            {"size": [1.0]},  # no colour: counted missing
        ]
        counts = bins.count_frames(items)
        for feature in bins.features:
            expected = np.zeros(len(feature.reference), dtype=np.int64)
            for item in items:
                values = item.get(feature.feature)
                if values is None:
                    expected[-1] += len(next(iter(item.values())))
                    continue
                for value in values:
                    expected += feature.count([value])
            assert counts[feature.feature].tolist() == expected.tolist()
        large = {"size": [5.5] * 1000, "colour": ["red"] * 1000}
        sampled = bins.count_frames([large], sample_rows=256)
        assert sampled["size"].sum() == sampled["colour"].sum() == 256

    def test_a_sample_of_a_large_frame_counts_that_many_of_its_rows(self) -> None:
        """1000 rows, a sample of 256: 256 counted per feature, from the rows' bins."""
        bins = bin_features(reference(), SCHEMA)
        frame = pd.DataFrame(
            {
                "size": [5.5] * 600 + [95.5] * 400,
                "rooms": [2] * 1000,
                "colour": pd.Series(["green"] * 1000, dtype=object),
            }
        )
        counts = bins.count_frames([frame, frame.iloc[:3]], sample_rows=256)
        by_label = {
            feature.feature: dict(
                zip(feature.labels, counts[feature.feature].tolist(), strict=True)
            )
            for feature in bins.features
        }
        assert sum(by_label["size"].values()) == 256 + 3
        low, high = "(-inf, 10)", "[90, +inf)"
        assert by_label["size"][low] + by_label["size"][high] == 256 + 3
        assert 0 < by_label["size"][high] < 256  # both kinds of row sampled
        assert by_label["colour"]["green"] == 256 + 3
        assert by_label["rooms"]["[2, 3)"] == 256 + 3

    def test_categories_of_other_types_compare_as_text(self) -> None:
        """An int 3 is the category "3"; NaN and None are both missing."""
        frame = pd.DataFrame({"colour": ["3", "3", "x"]})
        colour = bin_features(frame, SCHEMA).by_feature()["colour"]
        counts = colour.count([3, "3", float("nan"), None, "x", 3.5])
        assert dict(zip(colour.labels, counts.tolist(), strict=True)) == {
            "3": 2,
            "x": 1,
            "<other>": 1,
            "<missing>": 2,
        }

    def test_a_column_absent_from_the_rows_counts_as_missing(self) -> None:
        """Rows without `colour` count each row in its missing bin."""
        bins = bin_features(reference(), SCHEMA)
        counts = bins.count(pd.DataFrame({"size": [1.0, 2.0], "rooms": [1, 2]}))
        assert counts["colour"].tolist() == [0, 0, 0, 0, 2]

    def test_fields_missing_from_the_reference_are_left_out(self) -> None:
        """Only the schema fields the reference rows hold are binned."""
        bins = bin_features(reference()[["size"]], SCHEMA)
        assert [b.feature for b in bins.features] == ["size"]

    def test_empty_reference_rows_are_refused(self) -> None:
        """No rows: no bins, and a clear error."""
        with pytest.raises(ValueError, match="empty"):
            bin_features(reference().iloc[:0], SCHEMA)
