"""One job beyond pyproject.toml: stamp the source's git commit into a built package.

`radinet --version` names the commit it runs (issue 15). A checkout asks git;
an installed wheel or a bundle has no .git, so the commit is written into the
package at build time (core.interop.about.BUILD_COMMIT_FILE, also written by
installer/radinet.spec). Everything else is declared in pyproject.toml.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithCommit(build_py):
    def run(self):
        super().run()
        sys.path.insert(0, str(ROOT))
        from core.interop.about import stamp_build_commit

        stamp_build_commit(Path(self.build_lib))


setup(cmdclass={"build_py": BuildPyWithCommit})
