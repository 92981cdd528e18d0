/**
 * The public pages of artisan_nd's site. Plain pages go through the page
 * cache (anonymous visitors); the contact form never does (it carries a
 * CSRF token tied to the visitor's session).
 */
import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import type { PageCache } from '../http/page-cache.js';
import { contactValues, parseContact } from './contact.schemas.js';
import type { ContactService } from './contact.service.js';

export function createSiteController(contact: ContactService, pageCache: PageCache) {
  const page = (view: string, titleKey: string) => (req: Request, res: Response): void => {
    pageCache.render(req, res, view, { title: req.t(titleKey) });
  };

  const renderContact = (req: Request, res: Response, status: number, values: ReturnType<typeof contactValues>, errors: Record<string, string>): void => {
    res.status(status).render('site/contact', { title: req.t('contact.title'), values, errors });
  };

  return {
    home: page('site/home', 'site:home.title'),
    features: page('site/features', 'site:features.title'),
    subscription: page('site/subscription', 'site:subscription.title'),

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
