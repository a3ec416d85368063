// The TypeScript interface of a Vallum client, in one place. `@vallum/node`
// implements it over the native addon and the browser package implements the
// same interface over WebAssembly, so code written against `VallumClient`
// runs in both. Values are the core's JSON (tests/vectors/README.md and
// docs/node.md describe them); instants are milliseconds since the Unix
// epoch, like `Date.now()`.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** The core's stable error codes (`VallumError.code`). */
export type ErrorCode =
  | 'invalid_config'
  | 'invalid_policy'
  | 'invalid_argument'
  | 'value_too_large'
  | 'quota_exceeded'
  | 'decryption_failed'
  | 'key_mismatch'
  | 'invalid_key'
  | 'storage_error'
  | 'corrupt_store'
  | 'serialization_error'
  | 'not_found'
  | 'scope_disabled'
  | 'unknown_model'
  | 'budget_exceeded'
  | 'store_locked'
  | 'permission_denied'
  | 'conflict'
  | 'internal_error'

export type MemoryScope = 'session' | 'user' | 'organization' | 'global' | 'ephemeral'
export type Subject = 'session' | 'user' | 'organization'
export type EventKind =
  | 'memory_changed'
  | 'key_rotated'
  | 'alert_fired'
  | 'alert_resolved'
  | 'threat_detected'
  | 'budget_warning'
  | 'budget_exceeded'
  | 'policy_violation'
  | 'pii_detected'
  | 'rate_limited'
  | 'guard_decision'
export type Severity = 'low' | 'medium' | 'high' | 'critical'
/** A period as Vallum reports it. */
export type PeriodName = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'annual'
/** A period as a call takes it: the names above or the nouns `hour` … `year`. A month is a calendar month. */
export type Period = PeriodName | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'
/** A time point: epoch milliseconds or a relative `now-24h` / `now`. */
export type TimePoint = number | string
/** Removes the subscription. */
export type Unsubscribe = () => void
/** An event: `type` is its kind; the other fields depend on it. */
export interface VallumEvent {
  type: EventKind
  [field: string]: unknown
}

/** Who is asking: memory and masking sessions are keyed by it. */
export interface RequestContext {
  organization: string
  user?: string
  session?: string
  /** Granted by the host, never by the request: `memory:global:write`
   * lets the context write the global scope (docs/security.md). */
  permissions?: string[]
}

export interface Principal {
  id: string
  roles?: string[]
  groups?: string[]
  claims?: JsonObject
}

export interface Attribution {
  /** The tenant; the guard sets it from the request, budgets keep a line per organization. */
  organization?: string
  user?: string
  team?: string
  department?: string
  cost_center?: string
  project?: string
}

// --- memory ------------------------------------------------------------------

export interface SetDataOptions {
  /** Time to live in milliseconds. */
  ttl?: number
  /** Overrides the scope's encryption setting. */
  encrypt?: boolean
  tags?: string[]
  /** Never cached in plaintext, never exported. */
  secret?: boolean
}

export interface SearchQuery {
  text?: string
  tags?: string[]
  limit?: number
}

export interface MemoryEntry {
  scope: MemoryScope
  key: string
  value: Json
  tags: string[]
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  encrypted: boolean
}

export interface MemoryScopeStats {
  scope: MemoryScope
  entries: number
  bytes: number
  owners: number
  maxAge: number | null
  maxSize: number | null
  cacheHits: number
  cacheMisses: number
}

export interface OptimizationResult {
  expiredRemoved: number
  bytesAfter: number | null
}

export interface ResolvedValue {
  scope: MemoryScope
  value: Json
}

/** Memory for one request context: the spec's `useMemoryScope` operations. */
export interface ScopedMemoryClient {
  readonly context: RequestContext
  readonly defaultScope: MemoryScope
  getCurrentScope(): MemoryScope
  getData<T extends Json = Json>(key: string, scope?: MemoryScope): Promise<T | null>
  setData<T extends Json = Json>(key: string, value: T, scope?: MemoryScope, options?: SetDataOptions): Promise<void>
  /** Resolves `true` when the key existed. */
  removeData(key: string, scope?: MemoryScope): Promise<boolean>
  /** Resolves the number of entries removed. */
  clearScope(scope?: MemoryScope): Promise<number>
  getBatch<T extends Json = Json>(keys: string[], scope?: MemoryScope): Promise<Record<string, T>>
  setBatch<T extends Json = Json>(data: Record<string, T>, scope?: MemoryScope, options?: SetDataOptions): Promise<void>
  getEntry(key: string, scope?: MemoryScope): Promise<MemoryEntry | null>
  search(query: string | SearchQuery, scope?: MemoryScope): Promise<MemoryEntry[]>
  /** The most specific scope holding `key` (session, then user, organization, global). */
  resolve(key: string): Promise<ResolvedValue | null>
  /** Every entry of the subject (GDPR access), as `vallum.export.v1`. */
  exportData(subject?: Subject): Promise<JsonObject>
  /** Erases the subject's entries and data keys (GDPR erasure). */
  forget(subject: Subject): Promise<JsonObject>
  /** Re-encrypts the scope's entries under a new data key; resolves the count. */
  rotateDataKey(scope?: MemoryScope): Promise<number>
  getStats(scope?: MemoryScope): Promise<MemoryScopeStats[]>
  optimizeStorage(): Promise<OptimizationResult>
  /** Memory events (`memory_changed` unless another kind is given). */
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}

export interface MemoryClient {
  for(context: RequestContext, options?: { defaultScope?: MemoryScope }): ScopedMemoryClient
  getStats(scope?: MemoryScope): Promise<MemoryScopeStats[]>
  optimizeStorage(): Promise<OptimizationResult>
}

// --- PII -----------------------------------------------------------------------

/** A PII finding; `start`/`end` are JavaScript string indices (UTF-16). */
export interface Finding {
  entity: string
  start: number
  end: number
  score: number
  recognizer: string
}

export interface MaskResult {
  text: string
  findings: Finding[]
}

/** The spec's `PIIDetectionResult`. */
export interface PIIDetectionResult {
  found: boolean
  /** Entity types found, each once, in order of first appearance. */
  types: string[]
  findings: Finding[]
}

export interface DetectOptions {
  /** Only these entity types. */
  entities?: string[]
  /** Drop findings scoring below this (0–1). */
  threshold?: number
  /** Boost scores with nearby context words (default true). */
  context?: boolean
  /** Keep only the best of overlapping findings (default true). */
  resolveOverlaps?: boolean
}

export interface PiiClient {
  detect(text: string, options?: DetectOptions): Finding[]
  detectAsync(text: string, options?: DetectOptions): Promise<Finding[]>
  /** `context` owns the tokens of the `encrypt` operator (required when one is configured). */
  mask(text: string, context?: RequestContext | null): MaskResult
  maskAsync(text: string, context?: RequestContext | null): Promise<MaskResult>
  /** The entity names this instance can report; `detect`'s `entities` option accepts only these. */
  entities(): string[]
  /** The entity's check-digit validator on a bare value; null: it has none. */
  validate(entity: string, value: string): boolean | null
  /** Masks with reversible session tokens (the session's vault). */
  maskInSession(context: RequestContext, text: string): Promise<string>
  unmaskInSession(context: RequestContext, text: string): Promise<string>
  /**
   * Plugs in a recognizer of your own (a transformers.js pipeline, a lookup).
   * Its spans join the built-in findings in every detection, by the same
   * overlap rules. In Node a recognizer returning a Promise works with the
   * async methods (the guard, `detectAsync`, `maskAsync`); in the browser
   * (`@vallum/wasm`) the core calls it synchronously, so it must return its
   * spans directly. A bad span, a Promise where spans were needed, or a
   * thrown error fails the call with `invalid_argument`.
   */
  addRecognizer(name: string, recognize: HostRecognizer, options: HostRecognizerOptions): void
  /** Removes a plugged-in recognizer; whether there was one. */
  removeRecognizer(name: string): boolean
}

/** A span a host recognizer found: `{entity, start, end, score?}` or `[entity, start, end, score?]`. */
export type HostSpan =
  | { entity: string; start: number; end: number; score?: number | null }
  | [entity: string, start: number, end: number, score?: number | null]

/** A host recognizer: text in, spans out (or a Promise of them). */
export type HostRecognizer = (text: string) => Iterable<HostSpan> | Promise<Iterable<HostSpan>>

export interface HostRecognizerOptions {
  /** Every entity name the recognizer may report. */
  entities: string[]
  /** How its offsets count: UTF-16 code units (JavaScript indices, the default), characters or UTF-8 bytes. */
  offsets?: 'utf16' | 'chars' | 'bytes'
}

// --- security ------------------------------------------------------------------

export interface PolicyCondition {
  type: 'data' | 'user' | 'context' | 'time' | 'rate'
  operator: string
  field?: string
  value?: Json
  [extra: string]: unknown
}

export interface PolicyAction {
  type: string
  parameters?: JsonObject
}

/** A policy as `addPolicy` takes it (the spec's `SecurityPolicy`). */
export interface SecurityPolicy {
  id?: string
  name: string
  description?: string
  enabled?: boolean
  priority?: number
  conditions: PolicyCondition[]
  /** The `match` mode of the conditions (`all` or `any`). */
  match?: 'all' | 'any'
  /** `deny`, `challenge` or `allow` decide; `log`, `alert`, … are side actions. */
  actions?: PolicyAction[]
  metadata?: JsonObject
  [extra: string]: unknown
}

/** What `evaluateRequest` decides on. */
export interface SecurityRequest {
  user?: { id?: string; roles?: string[]; groups?: string[]; [k: string]: unknown }
  data?: JsonObject
  context?: JsonObject
  time?: { timestamp?: number; [k: string]: unknown }
  [extra: string]: unknown
}

export interface SecurityEvaluationResult {
  effect: 'allow' | 'deny' | 'challenge'
  matched: Array<{ id: string; name?: string; [k: string]: unknown }>
  actions: Array<{ type: string; [k: string]: unknown }>
  reasons: string[]
  /** Policies skipped because they failed to evaluate. */
  errors: Array<{ policy: string; message: string; [k: string]: unknown }>
}

export interface ThreatFinding {
  kind: ThreatKind
  rule: string
  severity: Severity
  /** UTF-16 offsets of the matched text. */
  start: number
  end: number
}

export interface ThreatScan {
  score: number
  severity: Severity | null
  findings: ThreatFinding[]
}

/** A threat reported by the application (`reportThreat`). */
export type ThreatKind =
  | 'prompt_injection'
  | 'jailbreak'
  | 'system_prompt_extraction'
  | 'invisible_unicode'
  | 'leaked_secret'
  | 'exfiltration_link'
  | 'abnormal_input'
  | 'encoded_blob'
  | 'other'

export interface ThreatReport {
  kind: ThreatKind
  severity: Severity
  source?: string
  description?: string
}

export interface ThreatSummary {
  period: PeriodName
  start: number
  end: number
  total: number
  byKind: Record<string, number>
  bySeverity: Record<string, number>
}

export interface RateDecision {
  allowed: boolean
  [field: string]: unknown
}

export interface ComplianceControl {
  control: string
  reference: string
  status: 'pass' | 'fail' | string
  evidence: string
  remediation: string
}

/** The spec's `ComplianceReport`. */
export interface ComplianceReport {
  framework: string
  generatedAt: number
  score: number
  passed: number
  failed: number
  findings: ComplianceControl[]
  [field: string]: unknown
}

/** The spec's `useSecurityPolicy` operations. */
export interface SecurityClient {
  addPolicy(policy: SecurityPolicy): Promise<string>
  updatePolicy(id: string, patch: Partial<SecurityPolicy>): Promise<void>
  /** Resolves `true` when the policy existed. */
  removePolicy(id: string): Promise<boolean>
  getPolicy(id: string): JsonObject | null
  listPolicies(): JsonObject[]
  evaluateRequest(request: SecurityRequest, options?: { auditedBy?: string }): Promise<SecurityEvaluationResult>
  evaluateRequestSync(request: SecurityRequest, options?: { auditedBy?: string }): SecurityEvaluationResult
  hasPermission(principal: Principal, permission: string): boolean
  rolesOf(principal: Principal): string[]
  costCenter(principal: Principal): string | null
  checkRateLimit(name: string, key: string): RateDecision
  scanThreats(text: string): ThreatScan
  /** Scans and records what it finds (events, the threat log). */
  recordThreats(text: string, source: string): Promise<ThreatScan>
  /** Resolves the threat's id. */
  reportThreat(threat: ThreatReport): Promise<string>
  getThreats(period?: Period): Promise<JsonObject[]>
  getThreatSummary(period?: Period): Promise<ThreatSummary>
  runComplianceCheck(framework?: string): Promise<ComplianceReport>
  detectPII(text: string): Promise<PIIDetectionResult>
  detectPIISync(text: string): PIIDetectionResult
  maskSensitiveData(text: string, context?: RequestContext | null): Promise<MaskResult>
  maskSensitiveDataSync(text: string, context?: RequestContext | null): MaskResult
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}

// --- guard -----------------------------------------------------------------------

export interface PromptInput {
  principal: Principal
  organization: string
  session: string
  text: string
  model: string
  estimated_output_tokens?: number
  context?: JsonObject
  attribution?: Attribution
}

export interface Reservation {
  /** An unguessable handle (`rsv_` + 32 hex digits): only its holder can settle or release the hold. */
  id: string
  /** The organization the hold was made for. */
  organization?: string
  amountMicros: number
  expiresAt: number
}

export interface Verdict {
  decision: 'allow' | 'deny' | 'challenge'
  stopped_at: string | null
  reasons: string[]
  /** The text to send to the model (masked); null when denied. */
  text_to_send: string | null
  /** PII in the prompt, UTF-16 offsets. */
  findings: Finding[]
  threats: ThreatFinding[]
  threat_score: number
  matched_policies: Array<{ id: string; [k: string]: unknown }>
  rate_limit: JsonObject | null
  budget: JsonObject | null
  reservation: Reservation | null
  audit_id: number | null
  timings: { stages: Array<{ stage: string; ns: number }>; total_ns: number }
}

export interface ResponseInput {
  principal: Principal
  organization: string
  session: string
  output: string
  model: string
  usage: { input_tokens: number; output_tokens: number; cached_input_tokens?: number; reasoning_tokens?: number }
  reservation?: Reservation | null
  latency_ms?: number
  attribution?: Attribution
}

export interface ResponseVerdict {
  /** The response with session tokens restored and leaks masked. */
  text: string
  /** PII the model produced on its own, UTF-16 offsets in `output`. */
  leaked: Finding[]
  restored: number
  charge: Charge | null
  audit_id: number | null
  timings: { stages: Array<{ stage: string; ns: number }>; total_ns: number }
}

export interface GuardClient {
  prompt(input: PromptInput): Promise<Verdict>
  promptSync(input: PromptInput): Verdict
  response(input: ResponseInput): Promise<ResponseVerdict>
  responseSync(input: ResponseInput): ResponseVerdict
}

// --- audit -----------------------------------------------------------------------

export interface AuditFilter {
  from?: number
  to?: number
  actor?: string
  action?: string
  limit?: number
}

export interface AuditRecord {
  seq: number
  ts: number
  actor: string
  action: string
  resource: string
  outcome: string
  /** The details as JSON text. */
  details: string
  prevHash: string
  mac: string
}

export interface AuditVerification {
  ok: boolean
  checked: number
  broken?: { seq: number; kind: 'modified' | 'deleted' | 'reordered' | 'inserted'; [k: string]: unknown } | null
  [field: string]: unknown
}

export interface AuditCheckpoint {
  seq: number
  head: string
  ts: number
  signature: string
}

export interface AuditClient {
  /** Resolves the record's sequence number. */
  append(actor: string, action: string, resource: string, outcome: string, details?: Json): Promise<number>
  query(filter?: AuditFilter): Promise<AuditRecord[]>
  verify(): Promise<AuditVerification>
  checkpoint(): Promise<AuditCheckpoint>
  verifyAgainst(checkpoint: AuditCheckpoint): Promise<AuditVerification>
  /** Resolves the number of records past retention that were removed. */
  purgeExpired(): Promise<number>
  /** `{"format": "vallum.audit.v1", "records": [...]}` as text. */
  exportJson(filter?: AuditFilter): Promise<string>
  exportCsv(filter?: AuditFilter): Promise<string>
  verifyRecords(records: AuditRecord[], startSeq?: number, startPrev?: string): Promise<AuditVerification>
}

// --- performance -------------------------------------------------------------------

export type Aggregation = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p90' | 'p95' | 'p99'
export type Labels = Record<string, string | number | boolean>

export interface MetricQuery {
  metric: string
  aggregation: Aggregation
  timeRange?: { start: TimePoint; end: TimePoint }
  groupBy?: string[]
  filters?: Record<string, string>
  interval?: string
}

export interface QueryResult {
  metric: string
  aggregation: Aggregation
  start: number
  end: number
  data: Array<{ group: Record<string, string>; value: number | null; count: number; [k: string]: unknown }>
  [field: string]: unknown
}

export interface JourneyStep {
  action: string
  duration: number
  success: boolean
  metadata?: JsonObject
}

export interface AlertRule {
  name: string
  metric: string
  condition: 'above' | 'below'
  threshold: number
  severity: Severity
  for?: string
  aggregation?: Aggregation
  window?: string
  actions?: Array<{ type: string; target?: string }>
}

export interface Alert {
  id: string
  rule: string
  severity: Severity
  firedAt: number
  [field: string]: unknown
}

export interface Health {
  overallScore: number
  isHealthy: boolean
}

export interface PerformanceReport {
  period: PeriodName
  start: number
  end: number
  metrics: JsonObject[]
  journeys: JsonObject[]
  activeAlerts: Alert[]
  overallScore: number
  healthy: boolean
}

/** The spec's `usePerformanceMonitoring` operations. */
export interface PerformanceClient {
  recordMetric(name: string, value: number, labels?: Labels): void
  increment(name: string, by?: number, labels?: Labels): void
  setGauge(name: string, value: number, labels?: Labels): void
  recordUserJourney(step: JourneyStep): void
  query(query: MetricQuery): Promise<QueryResult>
  querySync(query: MetricQuery): QueryResult
  journeyStats(start?: TimePoint, end?: TimePoint): JsonObject[]
  getHealth(): Health
  generateReport(period?: Period): Promise<PerformanceReport>
  addAlertRule(rule: AlertRule): void
  removeAlertRule(name: string): boolean
  alertRules(): AlertRule[]
  activeAlerts(): Alert[]
  alertHistory(): Alert[]
  acknowledgeAlert(id: string, by: string): void
  /** The Prometheus text exposition. */
  prometheus(): string
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}

// --- costs ---------------------------------------------------------------------------

export interface Usage {
  model: string
  input_tokens: number
  output_tokens: number
  cached_input_tokens?: number
  reasoning_tokens?: number
  cache_write_tokens?: number
  attribution?: Attribution
}

export interface Charge {
  model: string
  costMicros: number
  /** Exact pico-dollars: a number here, a string from `computeCharge`. */
  costPicos: number | string
  inputMicros: number
  cachedInputMicros: number
  outputMicros: number
  reasoningMicros: number
  cacheWriteMicros: number
}

export interface Budget {
  id: string
  level: 'organization' | 'department' | 'team' | 'user' | 'project' | 'cost_center'
  subject?: string | null
  tier?: string | null
  period: 'daily' | 'weekly' | 'monthly' | 'quarterly'
  limitMicros: number
  warningThreshold?: number
  hardLimit?: boolean
  gracePeriodHours?: number | null
}

export interface CostReportRequest {
  period: 'daily' | 'weekly' | 'monthly' | 'quarterly'
  groupBy?: 'user' | 'team' | 'department' | 'cost_center' | 'project' | 'model'
  top?: number
}

export interface CostGroup {
  key: string
  costMicros: number
  requests: number
  inputTokens: number
  outputTokens: number
}

export interface CostReport {
  period: string
  start: number
  end: number
  generatedAt: number
  groupBy: string
  totalMicros: number
  requests: number
  projectedMicros: number
  groups: CostGroup[]
  topSpenders: CostGroup[]
  models: CostGroup[]
  suggestions: JsonObject[]
  [field: string]: unknown
}

/** The spec's `useCostTracking` operations. */
export interface CostClient {
  /** Prices and records one call; rejects with `budget_exceeded` past a hard limit. */
  recordUsage(usage: Usage): Promise<Charge>
  estimate(usage: Usage): Charge
  reserve(usage: Usage): Promise<Reservation>
  settle(reservation: Reservation, usage: Usage): Promise<Charge>
  release(reservation: Reservation): boolean
  report(request?: CostReportRequest): Promise<CostReport>
  budgetStatus(): Promise<JsonObject[]>
  addBudgets(budgets: Budget[]): void
  budgets(): Budget[]
  /** Without `organization`, the user id in every organization. */
  setUserTier(user: string, tier?: string | null, organization?: string | null): void
  /** Loads LiteLLM's model price map (JSON text); returns what was loaded. */
  loadLitellmPrices(jsonText: string): JsonObject
  subscribe(event: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
}

// --- the client -----------------------------------------------------------------------

/** One Vallum instance, in Node (`@vallum/node`) or the browser (`@vallum/wasm`). */
export interface VallumClient {
  readonly memory: MemoryClient
  readonly security: SecurityClient
  readonly pii: PiiClient
  readonly guard: GuardClient
  readonly audit: AuditClient
  readonly performance: PerformanceClient
  readonly costs: CostClient
  /** Every event (`kind` null) or one kind, until the returned function is called. */
  subscribe(kind: EventKind | null, callback: (event: VallumEvent) => void): Unsubscribe
  /** The instance clock's time (epoch ms). */
  now(): number
  /** A public id of the master key (never the key). */
  masterKeyId(): string
  eventHealth(): { subscriberPanics: number; droppedEvents: number }
  /** Re-wraps every data key under a new master key; resolves the number re-wrapped. */
  rotateMasterKey(newKey: Uint8Array | string): Promise<number>
  /** Writes everything still queued and resolves once it is on disk: the
   * store's queued writes in `fast` durability (`durable` has none), the
   * metric roll-ups, and in the browser the rows waiting for IndexedDB.
   * `close()` and process exit flush too. */
  flush(): Promise<void>
  /** Closes the store and releases its writer lock (one writer per store:
   * another instance, process or tab may then open it). */
  close(): Promise<void>
}

export interface ConfigError {
  path: string
  message: string
}

export interface ConfigValidation {
  valid: boolean
  errors: ConfigError[]
}

// --- what every package exports besides its Vallum class -------------------------

/** Every Vallum failure. `code` is the core's stable error code. */
export declare class VallumError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string)
}

/** The stored value the crypto known-answer vectors describe. */
export interface StoredValue {
  masterKey: string
  scope: MemoryScope
  owner: string
  key: string
  dataKeyId: number
  /** Hex. */
  wrappedDataKey: string
  /** Hex. */
  storedValue: string
}

/** Every error code of the core, in its order. */
export declare const ERROR_CODES: readonly ErrorCode[]
/** The core's error codes (a fresh array). */
export declare function errorCodes(): ErrorCode[]
/** The PII entity types the detector implements. */
export declare const ENTITIES: readonly string[]
export declare const VERSION: string
/** Every error of a configuration, with its JSON path. */
export declare function validateConfig(config: JsonObject | string): ConfigValidation
/** The spec's name for `validateConfig`. */
export declare function validatePhase5Config(config: JsonObject | string): ConfigValidation
/** A base configuration migrated to a full one. */
export declare function migrateConfig(config: JsonObject): JsonObject
/** The spec's name for `migrateConfig`. */
export declare function migrateToPhase5(config: JsonObject): JsonObject
/** A complete enterprise configuration from a partial one. */
export declare function createEnterpriseConfig(config?: JsonObject): JsonObject
/** The price of `usage` from the bundled catalog; `costPicos` is a string. */
export declare function computeCharge(usage: Usage): Charge & { costPicos: string }
/** Opens one stored value (the storage format's known-answer procedure). */
export declare function openStoredValue(stored: StoredValue): Json
