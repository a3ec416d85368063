'use strict'
// Shared by the tests: the package under test and the vectors.
// VALLUM_NODE_PACKAGE points at an installed copy (scripts/test.sh installs
// the `npm pack` tarball into a fresh project); without it, this checkout.
const fs = require('node:fs')
const path = require('node:path')

const pkgDir = process.env.VALLUM_NODE_PACKAGE ?? path.resolve(__dirname, '..')
const vallum = require(pkgDir)
const VECTORS = path.resolve(__dirname, '..', '..', 'tests', 'vectors')

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
}

// The vectors' master key (tests/vectors/README.md).
const VECTOR_KEY = new TextEncoder().encode('VALLUM-vector-key-0123456789abcd')
const T0 = 1_700_000_000_000

function instance(config) {
  return new vallum.Vallum({ config, masterKey: VECTOR_KEY, clockMs: T0 })
}

/** A UTF-16 offset in `text` → its code-point offset (a Python index). */
function codePoints(text, units) {
  return [...text.slice(0, units)].length
}

module.exports = { vallum, pkgDir, load, instance, codePoints, VECTOR_KEY, T0, VECTORS }
