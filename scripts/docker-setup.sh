#!/usr/bin/env bash
# What the Docker runtime's tests need on a Debian 12 machine, as root:
# Debian's Docker engine (docker.io), debootstrap (to build images without a
# registry) and Compose v1 (docker-compose, to check docker-compose.yml).
# Idempotent: installs only what is missing. Not part of `npm start` or
# `npm test`: the local runtime needs none of this. Used by .ci/run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# Debian 12 has Compose v1 (`docker-compose`) only; the v2 plugin (`docker compose`) is not packaged.
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then missing+=(docker-compose); fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "docker-setup: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "docker-setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
