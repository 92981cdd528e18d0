/** Debian version ordering: the same answers as `dpkg --compare-versions`, on fixed cases and on random versions. */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import fc from 'fast-check';
import { compareDebianVersions } from '../../../src/downloads/debian-version.js';

/** dpkg's verdict for each pair, in one shell (one dpkg run per comparison): -1, 0 or 1. */
function dpkgVerdicts(pairs: [string, string][]): number[] {
  const script = 'while IFS=" " read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo -1; ' +
    'elif dpkg --compare-versions "$a" eq "$b"; then echo 0; else echo 1; fi; done';
  const out = execFileSync('sh', ['-c', script], { input: pairs.map(([a, b]) => `${a} ${b}\n`).join('') }).toString();
  return out.trim().split('\n').map(Number);
}

describe('compareDebianVersions', () => {
  const cases: [string, string, number][] = [
    ['0.2.0', '0.1.0', 1],
    ['0.10.0', '0.9.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0+deb12u1', -1],
    ['1:0.1', '2.0', 1],
    ['1.0-1', '1.0-2', -1],
    ['1.0-10', '1.0-9', 1],
    ['1.00', '1.0', 0],
    ['0:1.0', '1.0', 0],
    ['1.0a', '1.0+', -1],
    ['1.0~~', '1.0~', -1],
    ['2.0.0-1', '2.0.0', 1],
  ];
  for (const [a, b, expected] of cases) {
    it(`orders ${a} against ${b} as dpkg does (${expected})`, () => {
      expect(Math.sign(compareDebianVersions(a, b))).to.equal(expected);
      expect(Math.sign(compareDebianVersions(b, a))).to.equal(-expected || 0);
    });
  }

  it('agrees with dpkg --compare-versions on random versions', function () {
    this.timeout(60000);
    const piece = fc.stringMatching(/^[0-9]{1,3}$|^[a-z~+.]{1,2}$/);
    const upstream = fc.tuple(fc.stringMatching(/^[0-9]{1,3}$/), fc.array(piece, { maxLength: 4 })).map(([d, rest]) => d + rest.join(''));
    const version = fc.tuple(fc.option(fc.integer({ min: 0, max: 3 })), upstream, fc.option(fc.stringMatching(/^[0-9][a-z0-9.+~]{0,4}$/)))
      .map(([epoch, up, rev]) => `${epoch === null ? '' : `${epoch}:`}${up}${rev === null ? '' : `-${rev}`}`);
    const pairs = fc.sample(fc.tuple(version, version), { numRuns: 300, seed: 11 });
    // Near-equal pairs too: a version against itself with one piece changed.
    const near = fc.sample(fc.tuple(version, piece), { numRuns: 100, seed: 12 }).map(([v, p]): [string, string] => [v, v + p]);
    const all = [...pairs, ...near];
    const verdicts = dpkgVerdicts(all);
    const mismatches = all.filter(([a, b], i) => Math.sign(compareDebianVersions(a, b)) !== verdicts[i]);
    expect(mismatches).to.deep.equal([]);
  });
});
