"""Tests of roost_sklearn.naming: model names, versions and wheel names."""

from __future__ import annotations

import pytest

from roost_sklearn.naming import (
    PackagingError,
    check_name,
    check_version,
    distribution_name,
    package_name,
)


class TestNames:
    """Names are URL-safe; versions PEP 440, public and without epoch."""

    @pytest.mark.parametrize("name", ["band", "house-band", "m2", "a-1-b"])
    def test_url_safe_names_pass(self, name: str) -> None:
        """Lowercase letters, digits and single hyphens are accepted."""
        assert check_name(name) == name

    @pytest.mark.parametrize(
        "name", ["Band", "house_band", "house--band", "-band", "band/1", "", "bänd"]
    )
    def test_other_names_are_refused(self, name: str) -> None:
        """Anything else is refused, saying what a name may hold."""
        with pytest.raises(PackagingError, match="not URL-safe"):
            check_name(name)

    def test_version_is_normalised(self) -> None:
        """A PEP 440 version comes back in its normal form."""
        assert check_version("1.0.0-RC1") == "1.0.0rc1"

    @pytest.mark.parametrize("version", ["latest", "1.0.0.x", "v 1", ""])
    def test_non_pep440_version_is_refused(self, version: str) -> None:
        """A version that is not PEP 440 is refused with an example."""
        with pytest.raises(PackagingError, match="not a PEP 440 version"):
            check_version(version)

    @pytest.mark.parametrize("version", ["1!2.0", "2.0+local.1"])
    def test_epoch_and_local_labels_are_refused(self, version: str) -> None:
        """Epochs and local labels would make wheel names ambiguous."""
        with pytest.raises(PackagingError, match="epoch or a local label"):
            check_version(version)


class TestWheelNames:
    """A wheel's names carry the model's name and version, without collisions."""

    def test_names(self) -> None:
        """The distribution and package read as the model and its version."""
        assert distribution_name("house-band", "1.0") == "roost-model-house-band-v1-0"
        assert package_name("house-band", "1.0") == "roost_model_house_band_v1_0"

    def test_versions_differ(self) -> None:
        """Two versions of one name are two distributions."""
        assert distribution_name("band", "1.0") != distribution_name("band", "1.1")

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            (("iris-v2", "1"), ("iris", "2.1")),
            (("a-v1", "0"), ("a", "1.0")),
            (("a", "1.0.post1"), ("a", "1.0post1")),
            (("a-1", "0"), ("a", "1.0")),
        ],
    )
    def test_no_collisions(
        self, first: tuple[str, str], second: tuple[str, str]
    ) -> None:
        """Different models or versions never share a distribution name."""
        assert check_version(first[1]) != check_version(second[1]) or first != second
        if (first[0], check_version(first[1])) != (second[0], check_version(second[1])):
            assert distribution_name(*first) != distribution_name(*second)
            assert package_name(*first) != package_name(*second)
