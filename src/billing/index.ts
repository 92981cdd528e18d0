/**
 * The billing component: money, invoices and credit notes, payments, the
 * credit balance, the gateway interface. Other components import from here.
 * `createBilling` builds the services as the server and the CLIs use them.
 */
import type { AuditService } from '../audit/index.js';
import type { BillingConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { CreditsService } from './credits.service.js';
import { ManualGateway } from './gateway.js';
import { InvoicesService } from './invoices.service.js';
import { PaymentsService } from './payments.service.js';
import { PlansService } from './plans.service.js';

export * from './money.js';
export { CreditsService, type CreditGrant } from './credits.service.js';
export type { CreditKind, CreditLot } from './credits.repository.js';
export { ManualGateway, type Gateway, type GatewayEvent, type GatewayName, type GatewayPayment, type PaymentMethod, type PaymentStatus } from './gateway.js';
export { InvoicesService, dayIn, type ChainBreak, type ChainReport, type DraftLine, type DraftOptions } from './invoices.service.js';
export type { Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceType } from './invoices.repository.js';
export { MANUAL_METHODS, PaymentsService, type ManualPaymentInput, type PaymentResult } from './payments.service.js';
export type { Payment } from './payments.repository.js';
export { BILLING_CYCLES, isUnitPack, MAX_FEATURES, PLAN_TYPES, planErrors, PlansService } from './plans.service.js';
export type { BillingCycle, Plan, PlanFeature, PlanFields, PlanLimits, PlanType } from './plans.repository.js';
export { mentionsFor, vatTreatment, type VatTreatment } from './mentions.js';

export interface Billing {
  invoices: InvoicesService;
  payments: PaymentsService;
  credits: CreditsService;
  gateway: ManualGateway;
  plans: PlansService;
}

/** The billing services over `db`, sharing one credit service. */
export function createBilling(deps: { db: Db; clock: Clock; audit: AuditService; billing: BillingConfig }): Billing {
  const credits = new CreditsService(deps.db, deps.clock, deps.audit);
  const invoices = new InvoicesService({ ...deps, credits });
  const payments = new PaymentsService({ db: deps.db, clock: deps.clock, audit: deps.audit, invoices, credits, timezone: deps.billing.timezone });
  return { invoices, payments, credits, gateway: new ManualGateway(deps.billing.paymentInstructions), plans: new PlansService(deps.db, deps.clock, deps.audit) };
}
