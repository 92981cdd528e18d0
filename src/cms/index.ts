/** Editable public pages (home, features, subscription): their content model, the service that writes them, their rendering. */
export {
  BADGES, CONTACT_FIELDS, emptySection, emptyService, HERO_STYLES, IMAGE, HREF, isPageSlug, LIMITS, PAGE_PATHS, PAGE_SLUGS, parseContent, SECTION_TYPES,
  SERVICE_DISPLAYS, SERVICE_LAYOUTS, type LocalText, type PageContent, type PageSlug, type Section, type SectionType, type Service,
} from './content.js';
export { defaultContent, type Translate } from './defaults.js';
export { IMAGE_MAX_BYTES, sanitizeSvg, storeImage, uploadsDir } from './images.js';
export { escapeMarkdown, renderMarkdown } from './markdown.js';
export { contentDiff, contentText } from './page-text.js';
export { PagesService, type PageState, type PageVersion, type PagesDeps } from './pages.service.js';
export { needsPlans, pageLocals, type PageView } from './render.js';
