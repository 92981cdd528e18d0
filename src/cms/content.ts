/**
 * The content of an editable page, as stored (JSON) and validated (zod):
 * SEO fields and an ordered list of sections of type hero | services |
 * pricing | contact | faq. Every visible text exists in French and English
 * (`{ fr, en }`). Plain-text fields are escaped when shown; the fields named
 * `body`, `description` and faq answers are a small Markdown subset
 * (src/cms/markdown.ts). Links are site paths (`/…`), `https://` or
 * `mailto:` addresses; images are files the site serves itself (`/img/…`,
 * `/uploads/…`: the CSP allows no other origin). Pricing sections hold no
 * price: the plans come from the billing component when the page is shown.
 */
import { z } from 'zod';

/** The editable pages and their public paths. */
export const PAGE_PATHS = { home: '/', features: '/features', subscription: '/subscription' } as const;
export type PageSlug = keyof typeof PAGE_PATHS;
export const PAGE_SLUGS = Object.keys(PAGE_PATHS) as PageSlug[];
export const isPageSlug = (v: unknown): v is PageSlug => typeof v === 'string' && Object.hasOwn(PAGE_PATHS, v);

export const SECTION_TYPES = ['hero', 'services', 'pricing', 'contact', 'faq'] as const;
export type SectionType = (typeof SECTION_TYPES)[number];
export const HERO_STYLES = ['hero', 'header', 'band'] as const;
export const SERVICE_DISPLAYS = ['cards', 'steps', 'steps-row', 'checklist', 'screens'] as const;
export const SERVICE_LAYOUTS = ['auto', '2', '3', '4'] as const;
export const BADGES = ['', 'popular', 'new', 'coming-soon'] as const;
export const CONTACT_FIELDS = ['name', 'email', 'message'] as const;

/** Most sections on a page, services in a section, items of a list. */
export const LIMITS = { sections: 30, services: 24, items: 30, short: 300, long: 5000 } as const;

// No control characters but tab and line breaks (the forms refuse them already; stored content is checked again).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const str = (max: number) => z.string().max(max).refine((s) => !CONTROL.test(s), 'control characters');

export const localText = (max: number = LIMITS.short) => z.object({ fr: str(max), en: str(max) });
export type LocalText = { fr: string; en: string };
const localList = z.object({ fr: z.array(str(LIMITS.short)).max(LIMITS.items), en: z.array(str(LIMITS.short)).max(LIMITS.items) });
export type LocalList = { fr: string[]; en: string[] };

/** A link target: '' (none), a site path, an https:// URL or a mailto: address; no quotes, spaces or angle brackets. */
export const HREF = /^(|\/(?!\/)[^\s"'<>\\]*|https:\/\/[^\s"'<>\\]+|mailto:[^\s"'<>\\]+)$/;
/** An image the site serves: '' (none), /img/<name> or /uploads/<name>. */
export const IMAGE = /^(|\/(img|uploads)\/[A-Za-z0-9][A-Za-z0-9._-]{0,120})$/;
const href = z.string().max(LIMITS.short).regex(HREF);
const image = z.string().max(LIMITS.short).regex(IMAGE);
/** Section anchor: the id of its heading is `<anchor>-title`. */
const anchor = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/);

const link = z.object({ label: localText(80), href });
export type Link = z.infer<typeof link>;

export const heroSchema = z.object({
  type: z.literal('hero'), anchor, style: z.enum(HERO_STYLES),
  eyebrow: localText(), title: localText(), subtitle: localText(1000),
  primary: link, secondary: link,
  image, imageAlt: localText(), facts: localList, factsLabel: localText(80),
});

export const serviceSchema = z.object({
  name: localText(160), description: localText(2000), advantages: localList,
  icon: image, image: z.object({ fr: image, en: image }), imageAlt: localText(),
  link, badge: z.enum(BADGES), order: z.number().int().min(0).max(10_000), active: z.boolean(),
});
export type Service = z.infer<typeof serviceSchema>;

export const servicesSchema = z.object({
  type: z.literal('services'), anchor, title: localText(), lead: localText(1000), body: localText(LIMITS.long), note: localText(1000),
  display: z.enum(SERVICE_DISPLAYS), layout: z.enum(SERVICE_LAYOUTS), services: z.array(serviceSchema).max(LIMITS.services),
});

export const pricingSchema = z.object({
  type: z.literal('pricing'), anchor, title: localText(), lead: localText(1000), note: localText(1000),
  /** The slug of the plan shown as highlighted ('' = the plans' own highlight). */
  highlighted: z.string().regex(/^(|[a-z0-9][a-z0-9-]{0,63})$/),
});

export const contactSchema = z.object({
  type: z.literal('contact'), anchor, title: localText(), lead: localText(1000),
  email: z.union([z.literal(''), z.email().max(254)]), fields: z.array(z.enum(CONTACT_FIELDS)).max(CONTACT_FIELDS.length),
});

export const faqSchema = z.object({
  type: z.literal('faq'), anchor, title: localText(),
  items: z.array(z.object({ q: localText(), a: localText(2000) })).max(LIMITS.items),
});

export const sectionSchema = z.discriminatedUnion('type', [heroSchema, servicesSchema, pricingSchema, contactSchema, faqSchema]);
export type Section = z.infer<typeof sectionSchema>;
export type Hero = z.infer<typeof heroSchema>;
export type Services = z.infer<typeof servicesSchema>;
export type Pricing = z.infer<typeof pricingSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type Faq = z.infer<typeof faqSchema>;

export const pageContentSchema = z.object({
  seo: z.object({ metaTitle: localText(160), metaDescription: localText(320), ogImage: image }),
  sections: z.array(sectionSchema).max(LIMITS.sections),
}).superRefine((c, ctx) => {
  // Anchors name the sections' headings (`<anchor>-title`): an id used twice on a page is invalid HTML.
  const count = new Map<string, number>();
  for (const s of c.sections) count.set(s.anchor, (count.get(s.anchor) ?? 0) + 1);
  c.sections.forEach((s, i) => {
    if (count.get(s.anchor)! > 1) ctx.addIssue({ code: 'custom', path: ['sections', i, 'anchor'], message: 'anchor used twice' });
  });
});
export type PageContent = z.infer<typeof pageContentSchema>;

/** Parse stored or submitted content; throws a ZodError when it does not fit. */
export function parseContent(value: unknown): PageContent {
  return pageContentSchema.parse(value);
}

const L = (fr = '', en = fr): LocalText => ({ fr, en });
const NO_LINK: Link = { label: L(), href: '' };

/** An empty section of `type`, as "add a section" inserts it (anchor `<type>-<n>`). */
export function emptySection(type: SectionType, n: number): Section {
  const anchor = `${type}-${n}`;
  switch (type) {
    case 'hero':
      return { type, anchor, style: 'hero', eyebrow: L(), title: L(), subtitle: L(), primary: NO_LINK, secondary: NO_LINK, image: '', imageAlt: L(),
        facts: { fr: [], en: [] }, factsLabel: L() };
    case 'services':
      return { type, anchor, title: L(), lead: L(), body: L(), note: L(), display: 'cards', layout: '3', services: [] };
    case 'pricing':
      return { type, anchor, title: L(), lead: L(), note: L(), highlighted: '' };
    case 'contact':
      return { type, anchor, title: L(), lead: L(), email: '', fields: ['name', 'email', 'message'] };
    case 'faq':
      return { type, anchor, title: L(), items: [] };
  }
}

/** An empty service (active, order after the others). */
export function emptyService(order: number): Service {
  return { name: L(), description: L(), advantages: { fr: [], en: [] }, icon: '', image: L(), imageAlt: L(), link: NO_LINK, badge: '', order, active: true };
}
