'use strict'
// index.d.ts under `tsc --strict --noEmit`: a usage file that exercises every
// method compiles, and every line of a file of misuses is a type error.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { pkgDir } = require('./load.js')

const tsc = require.resolve('typescript/bin/tsc', { paths: [path.resolve(__dirname, '..')] })

function compile(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vallum-tsc-'))
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module: 'commonjs',
      lib: ['es2022', 'dom'],
      types: [],
      skipLibCheck: false,
      noUnusedLocals: false,
      paths: { '@vallum/node': [pkgDir] },
    },
    files: files.map((f) => {
      const to = path.join(dir, path.basename(f.name))
      fs.writeFileSync(to, f.text)
      return to
    }),
  }
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config))
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
    return ''
  } catch (e) {
    return e.stdout || String(e)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const here = (n) => ({ name: n, text: fs.readFileSync(path.join(__dirname, 'types', n), 'utf8') })

test('the usage file compiles under --strict', () => {
  assert.equal(compile([here('usage.ts')]), '')
})

test('the usage file calls every method of the client', () => {
  const usage = here('usage.ts').text
  const dts = fs.readFileSync(path.join(pkgDir, 'client.d.ts'), 'utf8')
  const methods = new Set([...dts.matchAll(/^  ([a-zA-Z]+)(?:<[^>]*>)?\(/gm)].map((m) => m[1]).filter((m) => m !== 'constructor'))
  assert.ok(methods.size > 80, `found ${methods.size} methods`)
  const missing = [...methods].filter((name) => !new RegExp(`\\.${name}[<(]`).test(usage))
  assert.deepEqual(missing, [])
})

test('every misuse is a type error (the directives are all used)', () => {
  assert.equal(compile([here('misuse.ts')]), '')
})

test('without the directives, the misuse file fails once per misuse', () => {
  const f = here('misuse.ts')
  const expected = (f.text.match(/^\s*\/\/ @ts-expect-error/gm) ?? []).length
  assert.ok(expected >= 20)
  const out = compile([{ name: f.name, text: f.text.replace(/^(\s*)\/\/ @ts-expect-error.*$/gm, '$1//') }])
  const lines = new Set([...out.matchAll(/misuse\.ts\((\d+),\d+\): error TS/g)].map((m) => m[1]))
  assert.equal(lines.size, expected, out)
})
