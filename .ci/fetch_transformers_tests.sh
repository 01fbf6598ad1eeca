#!/usr/bin/env bash
# Download the transformers sdist matching the installed transformers (from PyPI, no Hub), unpack it once into a
# cache and print its `tests/` folder, the home of `ModelTesterMixin` and `ConfigTester`, as the last line of stdout.
#   TRANSFORMERS_TESTS_DIR=$(.ci/fetch_transformers_tests.sh) python -m pytest tests/test_transformers_common.py
# PYTHON picks the interpreter whose transformers to match (default: python); TRANSFORMERS_SDIST_CACHE the cache.
set -euo pipefail

python="${PYTHON:-python}"
version="$("$python" -c 'import transformers; print(transformers.__version__)')"
cache="${TRANSFORMERS_SDIST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vivit_hf/transformers-sdist}"
tests="$cache/transformers-$version/tests"

if [ ! -f "$tests/test_modeling_common.py" ]; then
    mkdir -p "$cache"
    download="$(mktemp -d "$cache/download.XXXXXX")"
    trap 'rm -rf "$download"' EXIT
    # --no-binary: the wheel carries no tests; --no-deps: only this one archive.
    "$python" -m pip download --quiet --no-deps --no-binary :all: --dest "$download" "transformers==$version" >&2
    archive="$(find "$download" -maxdepth 1 -name 'transformers-*.tar.gz' | head -n 1)"
    if [ -z "$archive" ]; then
        echo "pip downloaded no transformers-$version sdist into $download" >&2
        exit 1
    fi
    # Unpack beside the final place, then rename it there in one step: a cut-off run leaves nothing half-written,
    # and of two runs at once (pytest-xdist workers) the second finds the first's copy and keeps it.
    tar -xzf "$archive" -C "$download" "transformers-$version/tests"
    mv -T "$download/transformers-$version" "$cache/transformers-$version" 2>/dev/null || true
fi

if [ ! -f "$tests/test_modeling_common.py" ]; then
    echo "the transformers-$version sdist has no tests/test_modeling_common.py" >&2
    exit 1
fi
echo "$tests"
