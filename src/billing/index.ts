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
import { PromotionsService } from './promotions.service.js';
import { SubscriptionsService, type SubscriptionsDeps, type UnitLedger as UnitLedgerPort } from './subscriptions.service.js';
import { SubscriptionMails } from './subscriptions.mails.js';
import { BillingRun, type DailyJob, type RenewalCharger, type RunObserver } from './billing-run.js';
import type { TFunction } from 'i18next';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from '../platform/mailer.js';

export * from './money.js';
export { CreditsService, type CreditGrant } from './credits.service.js';
export type { CreditKind, CreditLot, NewCreditEntry } from './credits.repository.js';
export {
  isHardDecline, ManualGateway, WebhookRefused, type ChargeOutcome, type CreatePaymentRequest, type Gateway, type GatewayAction, type GatewayName,
  type GatewayPayment,  type GatewayRefund, type OnlineGateway, type PaymentMethod, type PaymentStatus, type SavedCard, type VerifiedEvent,
} from './gateway.js';
export { InvoicesService, dayIn, type ChainBreak, type ChainReport, type DraftLine, type DraftOptions } from './invoices.service.js';
export type { Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceTotals, InvoiceType } from './invoices.repository.js';
export { MANUAL_METHODS, PaymentsService, type ManualPaymentInput, type PaymentResult } from './payments.service.js';
export type { Payment, PaymentRefund } from './payments.repository.js';
export { assertPayable, type GatewayFailure, type GatewaySettlement } from './payments.online.js';
export { addDays, daysBetween } from './subscriptions.periods.js';
export { BILLING_CYCLES, isUnitPack, MAX_FEATURES, PLAN_TYPES, planErrors, PlansService, type PlanPriceHook } from './plans.service.js';
export type { BillingCycle, Plan, PlanFeature, PlanFields, PlanLimits, PlanType } from './plans.repository.js';
export { mentionsFor, vatTreatment, type VatTreatment } from './mentions.js';
export {
  CODE_PATTERN, discountLines, discountOf, normaliseCode, PROMOTION_KINDS, PROMOTION_SCOPES, promotionErrors, PromotionsService, REFUSALS,
  type AppliedPromotion, type CheckResult, type RefusalReason,
} from './promotions.service.js';
export type { Promotion, PromotionFields, PromotionKind, PromotionScope, RedemptionKind } from './promotions.repository.js';

export interface Billing {
  invoices: InvoicesService;
  payments: PaymentsService;
  credits: CreditsService;
  gateway: ManualGateway;
  plans: PlansService;
  /** Promotion codes: checked at checkout, used in the finalising transaction. */
  promotions: PromotionsService;
}

/** What createBilling builds from. */
export interface BillingDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  billing: BillingConfig;
  /** Called after each committed plan change (the server clears its page cache: /subscription lists the plans). */
  plansChanged?: () => void;
}

/** The billing services over `db`, sharing one credit service. */
export function createBilling(deps: BillingDeps): Billing {
  const { db, clock, audit } = deps;
  const credits = new CreditsService(db, clock, audit);
  const invoices = new InvoicesService({ db, clock, audit, billing: deps.billing, credits });
  const payments = new PaymentsService({ db, clock, audit, invoices, credits, timezone: deps.billing.timezone });
  const plans = new PlansService(db, clock, audit, deps.plansChanged);
  const promotions = new PromotionsService(db, clock, audit, deps.billing.timezone);
  return { invoices, payments, credits, gateway: new ManualGateway(deps.billing.paymentInstructions), plans, promotions };
}

export {
  SubscriptionsService, RECHARGE_STATES, PRICE_NOTICE_DAYS, priceFor, type CheckoutPreview, type GateReason, type MailSender, type PendingMail, type UnitLedger,
} from './subscriptions.service.js';
export type { DueExtension, OpenInvoiceRef, Subscription, SubscriptionEvent, SubscriptionState } from './subscriptions.repository.js';
export { SUBSCRIPTION_STATES } from './subscriptions.repository.js';
export { MAX_EXTENSION_DAYS, type DunningView, type ExtendInput } from './subscriptions.staff.js';
export { isOffered as isPackOffered, MAX_PACK_UNITS, PacksService, type PackOrder, type PackPreview } from './packs.service.js';
export type { PackPurchase, PackPurchaseRow } from './packs.repository.js';
export { SubscriptionMails } from './subscriptions.mails.js';
export { BillingRun, scheduleBillingRun, type DailyJob, type RenewalCharger, type RunObserver, type RunReport } from './billing-run.js';
export type { InvoicePaidHook } from './payments.service.js';

/**
 * The subscriptions service over the billing services `b`: it and its unit packs are registered as the payments'
 * InvoicePaidHooks, so a paid invoice activates its subscription and credits its units, or credits a pack's units,
 * in the payment's transaction.
 */
export function createSubscriptions(b: Billing, deps: Omit<SubscriptionsDeps, 'invoices' | 'credits' | 'promotions'>): SubscriptionsService {
  const subscriptions = new SubscriptionsService({ ...deps, invoices: b.invoices, credits: b.credits, promotions: b.promotions });
  b.payments.onInvoicePaid(subscriptions);
  b.payments.onInvoicePaid(subscriptions.packs);
  b.plans.onPriceChange(subscriptions);
  return subscriptions;
}
export { createBillingRouter } from './billing.router.js';
export { createBillingController, BILLING_VIEW_HELPERS } from './billing.controller.js';

/**
 * Everything billing needs in a process (the server, `npm run billing:run`): the billing services, subscriptions
 * registered as the payments' hook, their mails through `mailer` in the partner's language (`t` per locale), and
 * the daily run.
 */
export function createBillingStack(deps: BillingDeps & {
  ledger: UnitLedgerPort; mailer: Mailer; t: Record<'fr' | 'en', TFunction>; viewsDir: string; baseUrl: string; logger: Logger; charger?: RenewalCharger;
  jobs?: DailyJob[]; runObserver?: RunObserver;
}): { billing: Billing; subscriptions: SubscriptionsService; run: BillingRun } {
  const billing = createBilling(deps);
  const mails = new SubscriptionMails({ mailer: deps.mailer, t: deps.t, viewsDir: deps.viewsDir, baseUrl: deps.baseUrl, invoices: billing.invoices,
    contact: (id) => subscriptions.contactOf(id) });
  const subscriptions = createSubscriptions(billing, { db: deps.db, clock: deps.clock, audit: deps.audit, billing: deps.billing, ledger: deps.ledger, mails,
    logger: deps.logger });
  return { billing, subscriptions, run: new BillingRun({ db: deps.db, subscriptions, logger: deps.logger, charger: deps.charger, jobs: deps.jobs,
    observer: deps.runObserver }) };
}
