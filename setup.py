"""Only what pyproject.toml cannot say:

- ``resources/`` (the icon and the menu entry template, at the repository's root) is
  shipped inside the package as ``desktop_search/resources``, so an installed wheel finds
  them (``core.desktop.resources_dir``);
- the translations: the .po catalogs (the source, in the sdist) are compiled to .mo into
  the wheel with Babel's pure-Python compiler (``[build-system] requires`` names it)."""
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

LOCALE = Path("desktop_search") / "locale"


class BuildPyWithCatalogs(build_py):
    """build_py, then every ``locale/<lang>/LC_MESSAGES/*.po`` compiled beside its copy."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with target.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)


setup(
    packages=[*find_packages(include=["desktop_search", "desktop_search.*"]), "desktop_search.resources"],
    package_dir={"desktop_search.resources": "resources"},
    package_data={"desktop_search.resources": ["*.desktop", "*.png", "*.svg"],
                  "desktop_search": ["locale/*.pot", "locale/*/LC_MESSAGES/*.po"]},
    cmdclass={"build_py": BuildPyWithCatalogs},
)
