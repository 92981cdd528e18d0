/** The audit component: the append-only log of security events and admin actions. */
export { AuditService, SYSTEM_ACTOR, type Actor, type AuditTarget } from './audit.service.js';
export type { AuditDetails, AuditRow, AuditSearch } from './audit.repository.js';
export { auditAction, auditSummary, withAuditText } from './audit-text.js';
