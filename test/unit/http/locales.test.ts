/** Every text exists in French and in English: same namespaces, same keys, no empty value. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { LOCALES, NAMESPACES } from '../../../src/http/i18n.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'src', 'locales');

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** A key without its i18next plural suffix (`count_one` → `count`). */
function pluralBase(key: string): string {
  return key.replace(PLURAL, '');
}

/** One namespace file of one language, parsed. */
function load(lng: string, ns: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(DIR, lng, `${ns}.json`), 'utf8')) as Record<string, unknown>;
}

describe('locales', () => {
  it('has the same namespace files in every language', () => {
    for (const lng of LOCALES) {
      expect(fs.readdirSync(path.join(DIR, lng)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort(), lng).to.deep.equal([...NAMESPACES]);
    }
    expect(NAMESPACES).to.include.members(['common', 'site', 'admin']);
  });

  for (const ns of NAMESPACES) {
    it(`has the same keys in French and English in ${ns}.json (plural forms aside), none empty`, () => {
      const fr = [...new Set(keys(load('fr', ns)).map(pluralBase))].sort();
      const en = [...new Set(keys(load('en', ns)).map(pluralBase))].sort();
      expect(en.filter((k) => !fr.includes(k)), 'only in English').to.deep.equal([]);
      expect(fr.filter((k) => !en.includes(k)), 'only in French').to.deep.equal([]);
      for (const lng of LOCALES) {
        const flat = keys(load(lng, ns));
        const get = (k: string): unknown => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], load(lng, ns));
        for (const k of flat) expect(String(get(k)).trim(), `${lng} ${ns}:${k}`).not.to.equal('');
      }
    });
  }

  for (const lng of LOCALES) {
    it(`gives every plural key of ${lng} each form the language needs (Intl.PluralRules), _zero optional`, () => {
      const needed = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
      for (const ns of NAMESPACES) {
        const forms = new Map<string, Set<string>>();
        for (const k of keys(load(lng, ns))) {
          const m = PLURAL.exec(k);
          if (m) forms.set(pluralBase(k), (forms.get(pluralBase(k)) ?? new Set()).add(m[1]!));
        }
        for (const [base, have] of forms) {
          const extra = [...have].filter((f) => f !== 'zero' && !needed.includes(f as Intl.LDMLPluralRule));
          expect(extra, `${lng} ${ns}:${base} forms the language lacks`).to.deep.equal([]);
          expect(needed.filter((f) => !have.has(f)), `${lng} ${ns}:${base} missing forms`).to.deep.equal([]);
        }
      }
    });

    it(`writes no pseudo-plural such as "recharge(s)" in ${lng}, and nests only keys that exist`, () => {
      for (const ns of NAMESPACES) {
        const all = new Set(NAMESPACES.flatMap((n) => keys(load(lng, n)).map((k) => `${n}:${pluralBase(k)}`)));
        const get = (k: string): unknown => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], load(lng, ns));
        for (const k of keys(load(lng, ns))) {
          const text = String(get(k));
          expect(text.replace(/https?\(s\)/g, ''), `${lng} ${ns}:${k}`).not.to.match(/\p{L}\((s|es|x|e|le)\)/u);
          for (const m of text.matchAll(/\$t\(([\w-]+):([\w.]+)/g)) {
            expect(all.has(`${m[1]}:${m[2]}`), `${lng} ${ns}:${k} nests ${m[1]}:${m[2]}`).to.equal(true);
          }
        }
      }
    });
  }
});
