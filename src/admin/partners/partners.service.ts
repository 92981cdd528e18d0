/**
 * What an admin does to an account from /admin/partners: activate, suspend,
 * reactivate, close (optionally anonymising), change the role, and mail a
 * verification or reset link. Each change and its audit row are one
 * transaction (AccountsService, the accounts' one writer); sessions are ended only after it commits (the session store
 * is outside the database). Balance changes go through LedgerService.
 *
 * Every method answers `true` when done and `false` when the account was no
 * longer in a state allowing it (another admin acted first): nothing written.
 */
import type { Account, AccountsService, AccountState, AuthService, Role, StateChange } from '../../accounts/index.js';
import type { Actor, AuditService } from '../../audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { PartnersRepository, type PartnerFilter, type PartnerRow } from './partners.repository.js';

/** The states each state change starts from. */
export const TRANSITIONS = {
  activate: ['pending_verification'],
  suspend: ['active'],
  reactivate: ['suspended'],
  close: ['pending_verification', 'active', 'suspended'],
} as const satisfies Record<string, readonly AccountState[]>;

export type Transition = keyof typeof TRANSITIONS;

/** Whether `account` may undergo `t` now. */
export function allows(t: Transition, account: Account): boolean {
  return (TRANSITIONS[t] as readonly AccountState[]).includes(account.state);
}

export interface PartnersDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  accounts: AccountsService;
  auth: AuthService;
}

export class AdminPartnersService {
  // Reads the partners list only; every write to accounts goes through AccountsService.
  private readonly partners: PartnersRepository;

  constructor(private readonly deps: PartnersDeps) {
    this.partners = new PartnersRepository(deps.db);
  }

  /** Partners matching `f`, sorted by `sort` (`dir`), `limit` from `offset`; and how many match in all. */
  list(f: PartnerFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: PartnerRow[]; total: number }> {
    return this.partners.list(f, sort, dir, limit, offset);
  }

  /** One guarded state change and its audit row `admin.partner.<action>` (AccountsService.changeState). */
  private move(
    account: Account, t: Transition, to: AccountState, fields: Pick<StateChange, 'verified' | 'stateReason' | 'anonymise'>,
    actor: Actor, action: string, note: string,
  ): Promise<boolean> {
    return this.deps.accounts.changeState(account, {
      from: TRANSITIONS[t], to, ...fields, action: `admin.partner.${action}`,
      details: { from: account.state, to, note: note || null, context: note ? 'note' : null },
    }, actor);
  }

  /** pending_verification → active; the address counts as verified from now. */
  activate(account: Account, actor: Actor): Promise<boolean> {
    return this.move(account, 'activate', 'active', { verified: true }, actor, 'activated', '');
  }

  /** active → suspended with `reason` (shown to the partner at login); then every session of the account ends. */
  async suspend(account: Account, reason: string, actor: Actor): Promise<boolean> {
    const done = await this.move(account, 'suspend', 'suspended', { stateReason: reason }, actor, 'suspended', reason.slice(0, 200));
    if (done) await this.deps.auth.endSessions(account.id, 'suspended');
    return done;
  }

  /** suspended → active; the suspension reason is cleared. */
  reactivate(account: Account, actor: Actor): Promise<boolean> {
    return this.move(account, 'reactivate', 'active', { stateReason: null }, actor, 'reactivated', '');
  }

  /**
   * Any open state → closed with `reason`; with `anonymise`, the personal data
   * is blanked too (AccountsRepository.anonymise). Nothing is deleted. Then
   * every session of the account ends.
   */
  async close(account: Account, reason: string, anonymise: boolean, actor: Actor): Promise<boolean> {
    const note = `${reason.slice(0, 200)}${anonymise ? ' (anonymised)' : ''}`;
    const done = await this.move(account, 'close', 'closed', { stateReason: reason, anonymise }, actor, 'closed', note);
    if (done) await this.deps.auth.endSessions(account.id, 'closed');
    return done;
  }

  /** Change the role (superadmin only, checked by the route); then every session of the account ends. */
  async changeRole(account: Account, role: Role, actor: Actor): Promise<boolean> {
    const done = await this.deps.accounts.changeRole(account, role, actor, 'admin.partner.role_changed');
    if (done) await this.deps.auth.endSessions(account.id, 'role_changed');
    return done;
  }

  /** Mail a new verification link (pending accounts only). */
  resendVerification(account: Account, actor: Actor): Promise<boolean> {
    return this.deps.accounts.sendVerificationFor(account, actor, 'admin.partner.verification_resent');
  }

  /** Mail a password reset link (not for closed accounts). */
  sendReset(account: Account, actor: Actor): Promise<boolean> {
    return this.deps.accounts.sendResetFor(account, actor, 'admin.partner.reset_sent');
  }
}
