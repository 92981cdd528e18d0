/** What views/cms/page.ejs needs to show a page's content in a language (the public page and the admin's preview). */
import type { Plan } from '../billing/index.js';
import type { LocalText, PageContent } from './content.js';
import { renderMarkdown } from './markdown.js';

export interface PageView {
  content: PageContent;
  /** The public plans (pricing sections); [] when the page has none. */
  plans: Plan[];
  /** The site's origin, for the absolute Open Graph image URL. */
  baseUrl: string;
  /** Set on the admin's preview: the page's name for the banner. */
  preview?: string;
}

/** The view locals of a page in `locale`: title and meta description from its SEO fields, the text and Markdown helpers. */
export function pageLocals(v: PageView, locale: 'fr' | 'en'): Record<string, unknown> {
  const tx = (f: LocalText | undefined): string => f?.[locale] ?? '';
  const { seo } = v.content;
  return {
    title: tx(seo.metaTitle), metaDescription: tx(seo.metaDescription), ogImageUrl: seo.ogImage ? v.baseUrl + seo.ogImage : '',
    content: v.content, plans: v.plans, tx, md: renderMarkdown, preview: v.preview ?? '', publicLayout: !!v.preview,
  };
}

/** Whether a page's sections read the plans (a pricing section). */
export function needsPlans(content: PageContent): boolean {
  return content.sections.some((s) => s.type === 'pricing');
}
