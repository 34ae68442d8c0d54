#!/usr/bin/env node
// The admin CLI, bundled from electron/host/cli by scripts/build-node.mjs (run by `npm install`).
require('../out/node/cli.cjs')
