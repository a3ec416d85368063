import { createRoot } from 'react-dom/client'
import '@vallum/react/dashboard.css'
import './app.css'
import { App } from './App.jsx'

createRoot(document.getElementById('root')).render(<App />)
