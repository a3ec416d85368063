// @vallum/react: the provider, the specification's hooks, the
// EnterpriseDashboard and the configuration helpers. Styles for the
// dashboard: import '@vallum/react/dashboard.css'.
export {
  VallumProvider,
  CopilotProvider,
  VallumStore,
  useVallum,
  useVallumVersion,
  useMemoryScope,
  useSecurityPolicy,
  usePerformanceMonitoring,
  useCostTracking,
  useRefresh,
} from './hooks.js'
export { EnterpriseDashboard } from './dashboard.js'
export { createEnterpriseConfig, validatePhase5Config, migrateToPhase5, VallumError } from '@vallum/wasm'
