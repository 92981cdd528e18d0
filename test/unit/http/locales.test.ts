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
    it(`has the same keys in French and English in ${ns}.json, none empty`, () => {
      const fr = keys(load('fr', ns)).sort();
      const en = keys(load('en', ns)).sort();
      expect(en.filter((k) => !fr.includes(k)), 'only in English').to.deep.equal([]);
      expect(fr.filter((k) => !en.includes(k)), 'only in French').to.deep.equal([]);
      for (const lng of LOCALES) {
        const flat = keys(load(lng, ns));
        const get = (k: string): unknown => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], load(lng, ns));
        for (const k of flat) expect(String(get(k)).trim(), `${lng} ${ns}:${k}`).not.to.equal('');
      }
    });
  }
});
