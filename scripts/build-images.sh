#!/usr/bin/env bash
# Builds the images the Docker runtime's tests use, without a registry:
# a Debian root file system from the Debian mirror (debootstrap, minbase) with
# one server installed, imported as an image (`docker import`). Idempotent: an
# image that already exists is skipped. Needs root, debootstrap and a running
# Docker engine (scripts/docker-setup.sh installs them).
#
#   corslab-local/nginx:1.22-bookworm   Debian 12's nginx-light, stands in for nginx:1.27
#   corslab-local/nginx:1.26-trixie     Debian 13's nginx-light: a second nginx version, side by side
#   corslab-local/httpd:2.4-bookworm    Debian 12's apache2-bin, stands in for httpd:2.4
#   corslab-local/node:20-bookworm      this machine's Node (copied in), stands in for node:22-bookworm-slim
#
# Point the runtime at them with the same settings a user would use, e.g.
# corslab.config.json or `--image nginx=corslab-local/nginx:1.22-bookworm`;
# tests/e2e/docker-runtime.test.ts uses LOCAL_IMAGES (servers/runtimes/docker/local-images.ts).
set -euo pipefail
mirror="${CORSLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache=/var/cache/corslab-debootstrap
mkdir -p "$cache"

exists() { docker image inspect "$1" >/dev/null 2>&1; }

# build IMAGE SUITE PACKAGES CMD-JSON [extra step]
build() {
  local image=$1 suite=$2 packages=$3 cmd=$4 extra=${5:-}
  if exists "$image"; then echo "build-images: $image exists, skipped"; return; fi
  local started=$SECONDS dir
  dir=$(mktemp -d /tmp/corslab-rootfs-XXXXXX)
  # mktemp makes it 0700, and it becomes the image's `/`: a server's workers (nobody, www-data) could not reach anything.
  chmod 0755 "$dir"
  # A cache of .deb files per image: the builds run side by side, and two debootstraps must not share one.
  local debs="$cache/${image//[\/:]/_}"
  mkdir -p "$debs"
  if ! debootstrap --variant=minbase --cache-dir="$debs" --include="$packages" "$suite" "$dir" "$mirror" >"$dir.log" 2>&1; then
    echo "build-images: debootstrap $suite for $image failed; the last lines of $dir.log:" >&2
    tail -n 15 "$dir.log" >&2
    rm -rf "$dir"
    return 1
  fi
  # The suite's security and point-release updates too, as on a Debian machine that is kept up to date:
  # the local runtime's nginx and Apache are this machine's, and the two runtimes must run the same versions.
  local security="${CORSLAB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' "$mirror" "$suite" "$mirror" "$suite" "$security" "$suite" >"$dir/etc/apt/sources.list"
  if ! { chroot "$dir" apt-get update -qq && chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq; } >>"$dir.log" 2>&1; then
    echo "build-images: updating $image failed; the last lines of $dir.log:" >&2
    tail -n 15 "$dir.log" >&2
    rm -rf "$dir"
    return 1
  fi
  if [ -n "$extra" ]; then eval "$extra"; fi
  # Nothing a server needs: apt lists and the package cache.
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
  tar -C "$dir" -c . | docker import \
    -c "CMD $cmd" \
    -c 'LABEL org.opencontainers.image.description="built by CORS Lab scripts/build-images.sh (debootstrap + docker import)"' \
    -m "debootstrap --variant=minbase $suite + $packages" - "$image" >/dev/null
  rm -rf "$dir" "$dir.log"
  echo "build-images: built $image in $((SECONDS - started)) s"
}

# Node: Debian 12's nodejs is 18, too old for Fastify 5 and Next 16, so the
# image gets this machine's Node binary (20.x) and the C++ runtime it links.
node_bin=$(command -v node)
copy_node='install -m 0755 "$node_bin" "$dir/usr/local/bin/node"'

started=$SECONDS
# Side by side: each build waits mostly on the mirror (measured: 65 s for all four from nothing, against 118 s one after another).
pids=()
build corslab-local/nginx:1.22-bookworm bookworm nginx-light '["nginx","-g","daemon off;"]' & pids+=($!)
build corslab-local/httpd:2.4-bookworm bookworm apache2-bin '["apache2","-DFOREGROUND"]' & pids+=($!)
build corslab-local/node:20-bookworm bookworm libstdc++6 '["node"]' "$copy_node" & pids+=($!)
build corslab-local/nginx:1.26-trixie trixie nginx-light '["nginx","-g","daemon off;"]' & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
echo "build-images: done in $((SECONDS - started)) s"
exit "$failed"
