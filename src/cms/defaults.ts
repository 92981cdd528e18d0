/**
 * The shipped content of the editable pages: today's home, features and
 * subscription pages as sections, every text read from the locale strings
 * (src/locales/<lng>/site.json, common.json) in French and English, so a
 * fresh install shows the same pages until an admin publishes a change
 * (test/http/cms/defaults.test.ts compares them with the former templates).
 * Rich-text fields hold the strings escaped for Markdown (escapeMarkdown).
 */
import type { Link, LocalList, LocalText, PageContent, PageSlug, Section, Service } from './content.js';
import { escapeMarkdown } from './markdown.js';

/** A translation in a given language: `(lng, key) => text`. */
export type Translate = (lng: 'fr' | 'en', key: string) => string;

type Builder = (tr: Translate) => PageContent;

export function defaultContent(slug: PageSlug, tr: Translate): PageContent {
  return BUILDERS[slug](tr);
}

const lt = (tr: Translate, key: string): LocalText => ({ fr: tr('fr', key), en: tr('en', key) });
const md = (tr: Translate, key: string): LocalText => ({ fr: escapeMarkdown(tr('fr', key)), en: escapeMarkdown(tr('en', key)) });
const none: LocalText = { fr: '', en: '' };
const noList: LocalList = { fr: [], en: [] };
const link = (tr: Translate, key: string, href: string): Link => ({ label: lt(tr, key), href });
const noLink: Link = { label: none, href: '' };

/** A card or step: `<prefix>.<k>.title` and `.text`. */
function items(tr: Translate, prefix: string, keys: string[], extra: (k: string) => Partial<Service> = () => ({})): Service[] {
  return keys.map((k, i) => ({
    name: lt(tr, `${prefix}.${k}.title`), description: md(tr, `${prefix}.${k}.text`), advantages: noList, icon: '', image: none, imageAlt: none,
    link: noLink, badge: '', order: (i + 1) * 10, active: true, ...extra(k),
  }));
}

/** Checklist entries: `<prefix>.<k>` as the name. */
function lines(tr: Translate, prefix: string, keys: string[]): Service[] {
  return keys.map((k, i) => ({ ...items(tr, prefix, [k])[0]!, name: lt(tr, `${prefix}.${k}`), description: none, order: (i + 1) * 10 }));
}

const services = (s: Partial<Extract<Section, { type: 'services' }>> & { anchor: string; title: LocalText }): Section => ({
  type: 'services', lead: none, body: none, note: none, display: 'cards', layout: 'auto', services: [], ...s,
});

function band(tr: Translate, anchor: string, prefix: string, text: string, primary: Link, secondary: Link): Section {
  return { type: 'hero', anchor, style: 'band', eyebrow: none, title: lt(tr, `${prefix}.heading`), subtitle: lt(tr, text), primary, secondary,
    image: '', imageAlt: none, facts: noList, factsLabel: none };
}

function seo(tr: Translate, titleKey: string): PageContent['seo'] {
  return { metaTitle: lt(tr, titleKey), metaDescription: lt(tr, 'meta.description'), ogImage: '' };
}

const home: Builder = (tr) => ({
  seo: seo(tr, 'site:home.title'),
  sections: [
    { type: 'hero', anchor: 'hero', style: 'hero', eyebrow: lt(tr, 'site:home.hero.eyebrow'), title: lt(tr, 'site:home.hero.heading'),
      subtitle: lt(tr, 'site:home.hero.lead'), primary: link(tr, 'site:common.download', '/download'),
      secondary: link(tr, 'site:common.partners', '/subscription'), image: '/img/banner.svg', imageAlt: lt(tr, 'site:home.hero.banner_alt'),
      facts: { fr: ['deb', 'offline', 'languages'].map((k) => tr('fr', `site:home.hero.facts.${k}`)),
        en: ['deb', 'offline', 'languages'].map((k) => tr('en', `site:home.hero.facts.${k}`)) },
      factsLabel: lt(tr, 'site:home.hero.facts_label') },
    services({ anchor: 'why', title: lt(tr, 'site:home.why.heading'), lead: lt(tr, 'site:home.why.lead'),
      services: items(tr, 'site:home.why.items', ['sequence', 'nogaps', 'offline', 'quota']) }),
    services({ anchor: 'how', title: lt(tr, 'site:home.how.heading'), display: 'steps-row',
      services: items(tr, 'site:home.how.steps', ['install', 'number', 'recharge']) }),
    services({ anchor: 'screens', title: lt(tr, 'site:home.screens.heading'), lead: lt(tr, 'site:home.screens.lead'), display: 'screens',
      services: ['main', 'recharge', 'book'].map((k, i) => ({
        name: lt(tr, `site:home.screens.${k}.caption`), description: none, advantages: noList, icon: '',
        image: { fr: `/img/screenshot-${k}.svg`, en: `/img/screenshot-${k}-en.svg` }, imageAlt: lt(tr, `site:home.screens.${k}.alt`),
        link: noLink, badge: '' as const, order: (i + 1) * 10, active: true,
      })) }),
    band(tr, 'partners', 'site:home.partners', 'site:home.partners.text', link(tr, 'site:home.partners.cta', '/subscription'),
      link(tr, 'site:home.partners.contact', '/contact')),
  ],
});

const FEATURE_GROUPS: Record<string, string[]> = {
  numbering: ['offline', 'perbook', 'nogaps'],
  quota: ['quota', 'code', 'keyfile', 'signed', 'once'],
  platform: ['deb', 'languages', 'updates'],
};

const features: Builder = (tr) => ({
  seo: seo(tr, 'site:features.title'),
  sections: [
    { type: 'hero', anchor: 'page', style: 'header', eyebrow: none, title: lt(tr, 'site:features.title'), subtitle: lt(tr, 'site:features.lead'),
      primary: noLink, secondary: noLink, image: '', imageAlt: none, facts: noList, factsLabel: none },
    ...Object.entries(FEATURE_GROUPS).map(([group, keys]) => services({
      anchor: `group-${group}`, title: lt(tr, `site:features.groups.${group}.heading`), layout: '3',
      services: items(tr, `site:features.groups.${group}.items`, keys),
    })),
    services({ anchor: 'install', title: lt(tr, 'site:features.install.heading'), note: lt(tr, 'site:features.install.hint'),
      body: { fr: installBody(tr, 'fr'), en: installBody(tr, 'en') } }),
    band(tr, 'cta', 'site:features.cta', 'site:features.cta.text', link(tr, 'site:features.cta.download', '/download'),
      link(tr, 'site:features.cta.partners', '/subscription')),
  ],
});

function installBody(tr: Translate, lng: 'fr' | 'en'): string {
  return `${escapeMarkdown(tr(lng, 'site:features.install.text'))}\n\n\`\`\`\n${tr(lng, 'site:features.install.command')}\n\`\`\``;
}

const subscription: Builder = (tr) => ({
  seo: seo(tr, 'site:subscription.title'),
  sections: [
    { type: 'hero', anchor: 'page', style: 'header', eyebrow: none, title: lt(tr, 'site:subscription.title'), subtitle: lt(tr, 'site:subscription.lead'),
      primary: link(tr, 'site:subscription.join.button', '/subscription/register'), secondary: link(tr, 'site:subscription.cta.button', '/contact'),
      image: '', imageAlt: none, facts: noList, factsLabel: none },
    services({ anchor: 'audience', title: lt(tr, 'site:subscription.audience.heading'), lead: lt(tr, 'site:subscription.audience.lead'),
      services: items(tr, 'site:subscription.audience.items', ['printers', 'it', 'advisors']) }),
    services({ anchor: 'benefits', title: lt(tr, 'site:subscription.benefits.heading'), display: 'checklist',
      services: lines(tr, 'site:subscription.benefits.items', ['area', 'keyfiles', 'dashboard', 'redownload', 'invoices']) }),
    { type: 'pricing', anchor: 'plans', title: lt(tr, 'site:subscription.plans.heading'), lead: lt(tr, 'site:subscription.plans.lead'),
      note: lt(tr, 'site:subscription.plans.note'), highlighted: '' },
    services({ anchor: 'steps', title: lt(tr, 'site:subscription.steps.heading'), lead: lt(tr, 'site:subscription.steps.lead'), display: 'steps',
      services: items(tr, 'site:subscription.steps.items', ['code', 'enter', 'file', 'apply']) }),
    { type: 'faq', anchor: 'faq', title: lt(tr, 'site:subscription.faq.heading'),
      items: ['offline', 'other', 'twice'].map((k) => ({ q: lt(tr, `site:subscription.faq.items.${k}.q`), a: md(tr, `site:subscription.faq.items.${k}.a`) })) },
    band(tr, 'cta', 'site:subscription.cta', 'site:subscription.join.text', link(tr, 'site:subscription.join.button', '/subscription/register'),
      link(tr, 'site:subscription.cta.button', '/contact')),
  ],
});

const BUILDERS: Record<PageSlug, Builder> = { home, features, subscription };
