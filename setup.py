"""Only what pyproject.toml cannot say: ``resources/`` (the icon and the menu entry
template, at the repository's root) is shipped inside the package as
``desktop_search/resources``, so an installed wheel finds them (``core.desktop.resources_dir``)."""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["desktop_search", "desktop_search.*"]), "desktop_search.resources"],
    package_dir={"desktop_search.resources": "resources"},
    package_data={"desktop_search.resources": ["*.desktop", "*.png", "*.svg"]},
)
