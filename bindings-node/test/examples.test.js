'use strict'
// examples/node runs against the package under test and does what it says.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { pkgDir } = require('./load.js')

/** A node_modules directory where `@vallum/node` is the package under test. */
function nodePath() {
  const parent = path.dirname(pkgDir)
  if (path.basename(parent) === '@vallum' && path.basename(path.dirname(parent)) === 'node_modules') {
    return path.dirname(parent)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vallum-nm-'))
  fs.mkdirSync(path.join(dir, '@vallum'))
  fs.symlinkSync(pkgDir, path.join(dir, '@vallum', 'node'))
  return dir
}

test('the guarded chat server: PII masked and restored, a leak masked, a threat denied, memory and costs', () => {
  const script = path.resolve(__dirname, '..', '..', 'examples', 'node', 'chat_server.js')
  const out = execFileSync(process.execPath, [script, '--demo'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: nodePath() },
  })
  const line = (label) => JSON.parse(out.split('\n').find((l) => l.startsWith(`${label}: `)).slice(label.length + 2))
  const [status, pii] = line('pii')
  assert.equal(status, 200)
  assert.match(pii.sentToModel, /^Email <EMAIL_ADDRESS_\d+> about card <CREDIT_CARD_\d+>$/)
  assert.doesNotMatch(pii.sentToModel, /jane|4111/)
  assert.match(pii.reply, /jane\.doe@example\.com/, 'the user sees their own data restored')
  assert.match(pii.reply, /<PHONE_NUMBER>/, 'a number the model made up is masked')
  assert.deepEqual(pii.leaked, ['PHONE_NUMBER'])
  assert.ok(pii.costMicros > 0)
  const [denied, threat] = line('threat')
  assert.equal(denied, 403)
  assert.equal(threat.stoppedAt, 'threats')
  const history = line('history')
  assert.equal(history.length, 1, 'the denied prompt is not in the history')
  const costs = line('costs')
  assert.equal(costs.totalMicros, pii.costMicros)
  assert.deepEqual(costs.groups, [['eng', pii.costMicros]])
  assert.match(out, /^Done\.$/m)
})

test('the recognizer example: a lookup and an async stand-in for a model, in detect, mask and the guard', () => {
  const script = path.resolve(__dirname, '..', '..', 'examples', 'node', 'recognizer.js')
  const out = execFileSync(process.execPath, [script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: nodePath() },
  })
  assert.match(out, /PROJECT\s+"Project Nightingale"\s+by projects/)
  assert.match(out, /MEDICAL_CONDITION\s+"type 2 diabetes"\s+by diagnoses/)
  assert.match(out, /PERSON\s+"Dana Scott"/)
  assert.match(out, /masked: .*<PROJECT>.*<MEDICAL_CONDITION>/)
  assert.doesNotMatch(out.split('masked:')[1], /Nightingale|diabetes|dana@/)
  assert.match(out, /to the model: Draft an update on <PROJECT_1>/)
})
