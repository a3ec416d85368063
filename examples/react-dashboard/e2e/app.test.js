// End to end in real headless Chromium: the built example app, served from
// 127.0.0.1. A prompt with an e-mail address and a card number is masked
// before the stand-in model sees it, the dashboard's counters move, a reload
// restores the conversation from IndexedDB, and both themes are captured.
import test from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve, launch } from '../../../bindings-wasm/test/serve.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.resolve(here, '..', 'dist')
const artifacts = path.resolve(here, '..', '..', '..', 'test-artifacts')

const EMAIL = 'ada.lovelace@example.com'
const CARD = '4111 1111 1111 1111'

test('chat, masking, live dashboard, reload from IndexedDB, both themes', { timeout: 120_000 }, async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'build the example first (vite build)')
  fs.mkdirSync(artifacts, { recursive: true })
  const server = await serve(dist, 'index.html')
  const browser = await launch()
  try {
    const page = await browser.context.newPage()
    const errors = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(server.url)
    await page.getByLabel('Prompt').waitFor({ timeout: 30_000 })
    const text = (id) => page.getByTestId(id).textContent()
    await page.getByTestId('cost-requests').waitFor()
    assert.equal(await text('guarded-prompts'), '0')
    assert.equal(await text('cost-requests'), '0')
    assert.equal(await text('memory-entries-session'), '0')

    await page.getByLabel('Prompt').fill(`Please update my e-mail to ${EMAIL} and charge card ${CARD} for the renewal.`)
    await page.getByRole('button', { name: 'Send' }).click()
    const sent = page.getByTestId('sent').first()
    await sent.waitFor({ timeout: 15_000 })
    const sentText = await sent.textContent()
    assert.ok(!sentText.includes(EMAIL), `the model saw the e-mail address: ${sentText}`)
    assert.ok(!sentText.includes(CARD) && !sentText.includes('4111111111111111'), `the model saw the card number: ${sentText}`)
    assert.match(sentText, /renewal/)
    // The answer comes back with the user's own values restored for the user.
    const answer = await page.getByTestId('answer').first().textContent()
    assert.match(answer, /I received/)

    await page.waitForFunction(() => document.querySelector('[data-testid="guarded-prompts"]')?.textContent === '1', null, { timeout: 15_000 })
    await page.waitForFunction(() => document.querySelector('[data-testid="cost-requests"]')?.textContent === '1', null, { timeout: 15_000 })
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="memory-entries-session"]')?.textContent) >= 1, null, { timeout: 15_000 })
    assert.notEqual(await text('cost-total'), '$0.0000')
    await page.screenshot({ path: path.join(artifacts, 'react-dashboard-light.png'), fullPage: true })

    // A reload starts a new wasm instance: the turn comes back from IndexedDB.
    await page.reload()
    await page.getByTestId('sent').first().waitFor({ timeout: 30_000 })
    assert.equal(await page.getByTestId('sent').first().textContent(), sentText)
    await page.waitForFunction(() => document.querySelector('[data-testid="cost-requests"]')?.textContent === '1', null, { timeout: 15_000 })

    await page.getByRole('button', { name: 'Dark theme' }).click()
    await page.locator('.vallum-dashboard.vd-dark').waitFor()
    await page.screenshot({ path: path.join(artifacts, 'react-dashboard-dark.png'), fullPage: true })
    assert.deepEqual(errors, [])
    for (const f of ['react-dashboard-light.png', 'react-dashboard-dark.png']) {
      assert.ok(fs.statSync(path.join(artifacts, f)).size > 10_000, f)
    }
  } finally {
    await browser.close()
    await server.close()
  }
})
