/** The audit component: the append-only log of security events and admin actions. */
export { AuditService, SYSTEM_ACTOR, type Actor } from './audit.service.js';
export type { AuditRow, AuditSearch } from './audit.repository.js';
