#!/usr/bin/env bash
# Builds a Java 17 base image for the container image without a registry or a Docker daemon:
# Debian 12 (bookworm) with Debian's OpenJDK 17 JRE (headless), installed from Debian's packages by
# mmdebstrap, written in the `docker save` layout that Jib reads as a base with tar://.
#
#   deploy/image/debian-base.sh OUT.tar
#   ./mvnw -B -Pimage verify -Dstatehouse.image.base=tar://$PWD/OUT.tar
#
# CI uses it because it reaches Debian's packages but no container registry. Images for a real
# deployment build on eclipse-temurin:17-jre (the default) or any Java 17 image with `java` on its
# PATH. Needs root, or unprivileged user namespaces (mmdebstrap's unshare mode); installs
# mmdebstrap with apt-get when missing and run as root. About 40 s and 330 MB.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT.tar" >&2
  exit 2
fi
out=$(realpath -m "$1")
mkdir -p "$(dirname "$out")"

if ! command -v mmdebstrap >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "mmdebstrap is missing: apt-get install mmdebstrap" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# essential: Debian's Essential packages (libc, coreutils, a shell) plus the JRE and what it needs.
# Documentation, man pages and translations are left out; man1 stays because the JRE's
# update-alternatives registers its man pages there.
mmdebstrap --quiet --variant=essential --include=openjdk-17-jre-headless \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --setup-hook='mkdir -p "$1/usr/share/man/man1"' \
  bookworm "$work/layer.tar"

diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
arch=$(dpkg --print-architecture)
cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"]},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]}}
JSON
cat >"$work/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["statehouse-base:bookworm-jre17"],"Layers":["layer.tar"]}]
JSON
tar -C "$work" -cf "$out" manifest.json config.json layer.tar
echo "base image: $out (Debian bookworm, openjdk-17-jre-headless, $arch)"
