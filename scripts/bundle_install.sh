#!/bin/sh
# 离线安装 graphaudit（不联网）/ Offline install of graphaudit, no network needed.
#   sh install.sh [VENV_DIR]      (default: ~/graphaudit)
# Creates a Python virtual environment in VENV_DIR and installs graphaudit from wheels/ only
# (pip --no-index --find-links, every file checked against requirements.txt's hashes);
# Neo4j jars, if the bundle has them, go to VENV_DIR/share/graphaudit/neo4j/lib/<version>/,
# where `graphaudit neo4j start` looks for them.  Then: VENV_DIR/bin/graphaudit works from any folder.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${1:-$HOME/graphaudit}
WANT=$(sed -n 's/^python=//p' "$HERE/BUNDLE")

fail() { echo "错误 / error: $*" >&2; exit 1; }

# 1. Python of the bundle's version (the wheels are built for it).
if [ -z "${PYTHON:-}" ]; then
  for p in "python$WANT" python3 python; do
    if command -v "$p" >/dev/null 2>&1; then PYTHON=$p; break; fi
  done
fi
[ -n "${PYTHON:-}" ] || fail "未找到 Python $WANT / Python $WANT not found (set PYTHON=/path/to/python$WANT)"
HAVE=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$HAVE" = "$WANT" ] || fail "此安装包需要 Python $WANT，$PYTHON 是 $HAVE / this bundle needs Python $WANT, $PYTHON is $HAVE (set PYTHON=)"

# 2. The files arrived intact.
if command -v sha256sum >/dev/null 2>&1; then
  (cd "$HERE" && sha256sum --quiet -c SHA256SUMS) || fail "文件校验失败（SHA256SUMS）/ files damaged in transfer (SHA256SUMS)"
fi

# 3. The virtual environment, from the wheels only.
echo "创建虚拟环境 / creating the virtual environment: $VENV"
"$PYTHON" -m venv "$VENV" || fail "python -m venv 失败：Debian/Ubuntu/UOS 请安装 python3-venv / venv failed: install python3-venv"
echo "安装（离线）/ installing (offline) ..."
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1 PIP_NO_INPUT=1 \
  "$VENV/bin/python" -m pip install -q --no-index --find-links "$HERE/wheels" --require-hashes \
  -r "$HERE/requirements.txt"

# 4. Neo4j jars (optional part of the bundle).
if [ -d "$HERE/neo4j/lib" ]; then
  for dir in "$HERE"/neo4j/lib/*/; do
    version=$(basename "$dir")
    dest="$VENV/share/graphaudit/neo4j/lib/$version"
    mkdir -p "$dest"
    cp "$dir"*.jar "$dest/"
    echo "$version" > "$dest/.graphaudit-complete"
    echo "Neo4j $version 的 jar 已安装 / jars installed: $dest"
  done
  command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || \
    echo "注意：graphaudit neo4j start 需要 Java（5.26 用 17，2026.x 用 21+）/ note: neo4j start needs Java (17 for 5.26, 21+ for 2026.x)"
fi

"$VENV/bin/graphaudit" --help >/dev/null || fail "安装后 graphaudit 无法运行 / graphaudit does not run after the install"
echo "完成 / done: $VENV/bin/graphaudit demo"
