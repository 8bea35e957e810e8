"""The one compiled part: difflib's ratio in C (srl_swe/srl/_matcher.c). Optional: without a C
compiler the package installs and `similarity` falls back to cdifflib or difflib (the same ratios)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("srl_swe.srl._matcher", ["srl_swe/srl/_matcher.c"], optional=True,
                             extra_compile_args=["-O3"])])
