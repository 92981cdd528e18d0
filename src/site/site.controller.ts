/**
 * The public pages of artisan_nd's site. Plain pages go through the page
 * cache (anonymous visitors); the contact form never does (it carries a
 * CSRF token tied to the visitor's session). Home, features and
 * subscription are editable pages (src/cms): their published content, or
 * their shipped default.
 */
import type { Request, Response } from 'express';
import { BILLING_VIEW_HELPERS, type Plan } from '../billing/index.js';
import { needsPlans, pageLocals, type PageSlug, type PagesService } from '../cms/index.js';
import type { LegalIdentity } from '../config/index.js';
import { flash } from '../http/flash.js';
import type { PageCache } from '../http/page-cache.js';
import { contactValues, parseContact } from './contact.schemas.js';
import type { ContactService } from './contact.service.js';

/** One line of an identity block: label key and value (undefined: shown as "not provided"). */
type IdentityRow = [string, string | undefined];

/**
 * The identity blocks of the legal pages: publisher (LCEN art. 6 III 1),
 * host (art. 6 III 2), controller (RGPD art. 13 1 a); `incomplete` when a
 * mention the law requires is unset (the VAT number only when there is one).
 */
export function legalLocals(legal: Readonly<LegalIdentity>) {
  const publisherRows: IdentityRow[] = [
    ['legal:fields.name', legal.publisherName],
    ['legal:fields.registration', legal.publisherRegistration],
    ['legal:fields.address', legal.publisherAddress],
    ['legal:fields.phone', legal.publisherPhone],
    ['legal:fields.email', legal.contactEmail],
    ...(legal.publisherVat ? [['legal:fields.vat', legal.publisherVat] as IdentityRow] : []),
    ['legal:fields.director', legal.publicationDirector],
  ];
  const hostRows: IdentityRow[] = [
    ['legal:fields.name', legal.hostName],
    ['legal:fields.address', legal.hostAddress],
    ['legal:fields.phone', legal.hostPhone],
  ];
  const controllerRows: IdentityRow[] = [
    ['legal:fields.name', legal.publisherName],
    ['legal:fields.address', legal.publisherAddress],
    ['legal:fields.email', legal.contactEmail],
  ];
  const incomplete = [...publisherRows, ...hostRows].some(([, v]) => !v);
  return { publisherRows, hostRows, controllerRows, incomplete };
}

/** What the editable pages need: their service and the site's origin (Open Graph image URLs). */
export interface SitePages {
  pages: PagesService;
  baseUrl: string;
}

/** `plans`: the public plans from the database, shown as cards by pricing sections (cached with the page). */
export function createSiteController(
  contact: ContactService, pageCache: PageCache, legal: Readonly<LegalIdentity>, plans: () => Promise<Plan[]>, cms: SitePages,
) {
  const identity = legalLocals(legal);
  const page = (view: string, titleKey: string, locals: Record<string, unknown> = {}) => (req: Request, res: Response): void => {
    pageCache.render(req, res, view, { title: req.t(titleKey), ...locals });
  };

  const editable = (slug: PageSlug) => async (req: Request, res: Response): Promise<void> => {
    const content = await cms.pages.publicContent(slug);
    const view = { content, plans: needsPlans(content) ? await plans() : [], baseUrl: cms.baseUrl };
    pageCache.render(req, res, 'cms/page', { ...pageLocals(view, req.locale), ...BILLING_VIEW_HELPERS });
  };

  const renderContact = (req: Request, res: Response, status: number, values: ReturnType<typeof contactValues>, errors: Record<string, string>): void => {
    res.status(status).render('site/contact', { title: req.t('contact.title'), values, errors });
  };

  return {
    home: editable('home'),
    features: editable('features'),
    subscription: editable('subscription'),
    legal: page('site/legal', 'legal:legal.title', identity),
    terms: page('site/terms', 'legal:terms.title', identity),
    privacy: page('site/privacy', 'legal:privacy.title', identity),

    /** GET /contact */
    contactForm: (req: Request, res: Response): void => {
      renderContact(req, res, 200, { name: '', email: '', message: '' }, {});
    },

    /** POST /contact: 422 with field errors and the typed values, or store, mail and redirect. */
    contactSubmit: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseContact(req.body);
      if (!parsed.ok) return renderContact(req, res, 422, contactValues(req.body), parsed.errors);
      if (parsed.data.website) {
        // Honeypot filled: answer as if sent, keep nothing.
        flash(req, 'success', 'contact.sent');
        return res.redirect(303, '/contact');
      }
      await contact.submit(parsed.data, { locale: req.locale, ip: req.ip ?? 'unknown', userAgent: req.get('user-agent') ?? '' });
      flash(req, 'success', 'contact.sent');
      res.redirect(303, '/contact');
    },
  };
}
