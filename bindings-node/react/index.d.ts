// Types of @vallum/react.
import type { ReactNode, JSX } from 'react'
import type {
  AlertRule, Alert, Budget, Charge, ComplianceReport, CostReport, CostReportRequest, EventKind, Health, JourneyStep,
  JsonObject, Labels, MaskResult, MemoryScope, MemoryScopeStats, MetricQuery, OptimizationResult, PerformanceReport, Period,
  PIIDetectionResult, QueryResult, RequestContext, Reservation, SecurityEvaluationResult, SecurityPolicy, SecurityRequest,
  SetDataOptions, Subject, ThreatReport, ThreatSummary, Unsubscribe, Usage, VallumClient, VallumEvent, Json,
} from '@vallum/wasm'

export { createEnterpriseConfig, validatePhase5Config, migrateToPhase5, VallumError } from '@vallum/wasm'

export interface VallumProviderProps {
  /** A client to use (@vallum/wasm or @vallum/node). Without it, one is opened from config + masterKey. */
  client?: VallumClient
  config?: JsonObject
  masterKey?: Uint8Array | string
  persistence?: false | { database?: string }
  /** The request context of memory hooks (default organization "default", user and session "local"). */
  context?: RequestContext
  /** Rendered until the client is open. */
  fallback?: ReactNode
  onError?: (error: Error & { code: string }) => void
  children?: ReactNode
}
export declare function VallumProvider(props: VallumProviderProps): JSX.Element | null
export declare const CopilotProvider: typeof VallumProvider

export declare function useVallum(): VallumClient
export declare function useVallumVersion(): number
export declare function useRefresh(seconds: number): void

export interface MemoryScopeConfig {
  defaultScope?: MemoryScope
  enabledScopes?: MemoryScope[]
  context?: RequestContext
  [option: string]: unknown
}
export interface SyncResult { synced: boolean; at: Date; conflicts: ConflictInfo[] }
export interface ConflictInfo { key: string; scope: MemoryScope; [field: string]: unknown }
export interface MemoryScopeHookResult {
  getCurrentScope(): MemoryScope
  getData<T = Json>(key: string, scope?: MemoryScope): Promise<T | null>
  setData<T = Json>(key: string, value: T, scope?: MemoryScope, options?: SetDataOptions): Promise<void>
  removeData(key: string, scope?: MemoryScope): Promise<boolean>
  clearScope(scope?: MemoryScope): Promise<number>
  getBatch<T = Json>(keys: string[], scope?: MemoryScope): Promise<Record<string, T>>
  setBatch<T = Json>(data: Record<string, T>, scope?: MemoryScope, options?: SetDataOptions): Promise<void>
  search(query: string | JsonObject, scope?: MemoryScope): Promise<JsonObject[]>
  exportData(subject?: Subject): Promise<JsonObject>
  forget(subject: Subject): Promise<JsonObject>
  syncData(scope?: MemoryScope): Promise<SyncResult>
  isOnline: boolean
  lastSyncTime: Date | null
  conflicts: ConflictInfo[]
  pendingChanges: unknown[]
  resolveConflict(key: string, resolution: string): Promise<void>
  getStats(scope?: MemoryScope): MemoryScopeStats[]
  optimizeStorage(): Promise<OptimizationResult>
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}
export declare function useMemoryScope(config?: MemoryScopeConfig): MemoryScopeHookResult

export interface SecurityDashboardMetrics {
  activePolicies: number
  threatsToday: number
  threatsBySeverity: Record<string, number>
  complianceScore: number
  failedControls: number
}
export interface SecurityHookResult {
  policies: JsonObject[]
  addPolicy(policy: SecurityPolicy): Promise<string>
  updatePolicy(id: string, patch: Partial<SecurityPolicy>): Promise<void>
  removePolicy(id: string): Promise<boolean>
  evaluateRequest(request: SecurityRequest, options?: { auditedBy?: string }): Promise<SecurityEvaluationResult>
  threats: JsonObject[]
  reportThreat(threat: ThreatReport): Promise<string>
  getThreatSummary(period?: 'hour' | 'day' | 'week' | 'month'): Promise<ThreatSummary>
  complianceStatus: ComplianceReport | null
  runComplianceCheck(framework?: string): Promise<ComplianceReport>
  detectPII(text: string): Promise<PIIDetectionResult>
  maskSensitiveData(text: string): Promise<MaskResult>
  getDashboardMetrics(): Promise<SecurityDashboardMetrics>
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}
export declare function useSecurityPolicy(config?: { compliance?: { framework?: string[] }; [option: string]: unknown }): SecurityHookResult

export interface PerformanceHookResult {
  health: Health
  isHealthy: boolean
  overallScore: number
  alerts: Alert[]
  recordMetric(name: string, value: number, labels?: Labels): void
  increment(name: string, by?: number, labels?: Labels): void
  recordUserJourney(step: JourneyStep): void
  query(query: MetricQuery): Promise<QueryResult>
  generateReport(period?: Period): Promise<PerformanceReport>
  addAlertRule(rule: AlertRule): void
  removeAlertRule(name: string): boolean
  acknowledgeAlert(id: string, by?: string): void
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}
export declare function usePerformanceMonitoring(config?: { alerting?: { enabled?: boolean; rules?: AlertRule[] }; [option: string]: unknown }): PerformanceHookResult

export interface CostTrackingResult {
  report: CostReport | null
  budgets: JsonObject[]
  error: Error | null
  loading: boolean
  recordUsage(usage: Usage): Promise<Charge>
  estimate(usage: Usage): Charge
  reserve(usage: Usage): Promise<Reservation>
  settle(reservation: Reservation, usage: Usage): Promise<Charge>
  release(reservation: Reservation): boolean
  getReport(request?: CostReportRequest): Promise<CostReport>
  refresh(): void
}
export declare function useCostTracking(options?: { period?: CostReportRequest['period']; groupBy?: CostReportRequest['groupBy'] }): CostTrackingResult

export interface EnterpriseDashboardProps {
  config: JsonObject
  className?: string
  /** Seconds between refreshes; events refresh at once regardless. */
  refreshInterval?: number
  theme?: 'light' | 'dark'
}
export declare function EnterpriseDashboard(props: EnterpriseDashboardProps): JSX.Element

export declare class VallumStore {
  constructor(client: VallumClient)
  subscribe(listener: () => void): () => void
  getSnapshot(): number
  bump(): void
  close(): void
}
export type { Budget }
