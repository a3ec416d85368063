// A chat box backed by a stand-in model. Every prompt goes through
// Vallum's guard (threats, policy, PII masking, budget), the stand-in
// "model" answers, the answer goes through the response guard, and the turn
// is kept in encrypted session memory that IndexedDB persists across reloads.
import { useEffect, useState } from 'react'
import { CopilotProvider, EnterpriseDashboard, createEnterpriseConfig, useMemoryScope, useVallum } from '@vallum/react'

const config = createEnterpriseConfig({ name: 'Support copilot', slug: 'support-copilot', modelProvider: 'openai', model: 'gpt-4o' })
const CONTEXT = { organization: 'acme', user: 'ada', session: 'demo' }
// The master key: 32 bytes from crypto.getRandomValues. A real application
// gets it from its server after sign-in (or unwraps it with the user's
// passkey) and never stores it beside the data; this demo keeps one per tab
// in sessionStorage only so that a reload finds its memory again.
function demoKey() {
  let hex = sessionStorage.getItem('vallum-demo-key')
  if (!hex) {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    sessionStorage.setItem('vallum-demo-key', hex)
  }
  return hex
}
const DEMO_KEY = demoKey()

/** The stand-in model: echoes what it was sent, as a real model would see it. */
function standInModel(text) {
  return `I received: "${text}"`
}

function Chat() {
  const vallum = useVallum()
  const memory = useMemoryScope({ defaultScope: 'session' })
  const [turns, setTurns] = useState([])
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    memory.getData('turns').then((saved) => setTurns(saved ?? []))
  }, [memory.getData])

  async function send(e) {
    e.preventDefault()
    if (!text.trim()) return
    setBusy(true)
    const started = performance.now()
    try {
      const verdict = await vallum.guard.prompt({ text, principal: { id: CONTEXT.user, roles: ['user'] }, organization: CONTEXT.organization, session: CONTEXT.session, model: 'gpt-4o', attribution: { team: 'support' } })
      let turn
      if (verdict.decision === 'deny') {
        turn = { sent: null, answer: `Blocked (${verdict.stopped_at ?? 'policy'})`, blocked: true }
      } else {
        const answer = standInModel(verdict.text_to_send)
        const usage = { input_tokens: Math.ceil(verdict.text_to_send.length / 4), output_tokens: Math.ceil(answer.length / 4) }
        const response = await vallum.guard.response({ output: answer, principal: { id: CONTEXT.user }, organization: CONTEXT.organization, session: CONTEXT.session, model: 'gpt-4o', usage, latency_ms: performance.now() - started, reservation: verdict.reservation, attribution: { team: 'support' } })
        turn = { sent: verdict.text_to_send, answer: response.text, blocked: false }
      }
      const next = [...turns, turn]
      setTurns(next)
      await memory.setData('turns', next)
      setText('')
    } catch (err) {
      vallum.performance.increment('errors')
      setTurns((t) => [...t, { sent: null, answer: `Error: ${err.message}`, blocked: true }])
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="chat" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      <ol className="turns" aria-live="polite">
        {turns.map((t, i) => (
          <li key={i} className={t.blocked ? 'turn blocked' : 'turn'}>
            {t.sent !== null && <p className="sent" data-testid="sent">{t.sent}</p>}
            <p className="answer" data-testid="answer">{t.answer}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={send}>
        <label htmlFor="prompt">Prompt</label>
        <input id="prompt" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        <button type="submit" disabled={busy}>Send</button>
      </form>
    </section>
  )
}

export function App() {
  const [theme, setTheme] = useState(() => new URLSearchParams(location.search).get('theme') === 'dark' ? 'dark' : 'light')
  return (
    <CopilotProvider config={config} masterKey={DEMO_KEY} persistence={{ database: 'vallum-react-demo' }} context={CONTEXT} fallback={<p>Opening encrypted memory…</p>}>
      <div className={`app app-${theme}`}>
        <header>
          <h1>Support copilot</h1>
          <button type="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-pressed={theme === 'dark'}>
            Dark theme
          </button>
        </header>
        <Chat />
        <EnterpriseDashboard config={config} theme={theme} refreshInterval={5} />
      </div>
    </CopilotProvider>
  )
}
