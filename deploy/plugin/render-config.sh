#!/usr/bin/env bash
# Builds the plugin bundle and prints the argo-rollouts-config ConfigMap with the bundle's real sha256.
#   deploy/plugin/render-config.sh > argo-rollouts-config.yaml     (from the repository root, after `npm ci`)
# The image built by deploy/plugin/Dockerfile contains the same bundle (the build prints the same digest).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build:plugin >&2
sum=$(sha256sum dist/sentinel-plugin.js | cut -d' ' -f1)
sed "s/sha256: \"[0-9a-f]\{64\}\"/sha256: \"$sum\"/" deploy/plugin/argo-rollouts-config.yaml
