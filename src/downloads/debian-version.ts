/**
 * Debian version ordering, as `dpkg --compare-versions` orders versions
 * (Debian Policy §5.6.12; dpkg's lib/dpkg/version.c `dpkg_version_compare`).
 *
 * A version is `[epoch:]upstream[-revision]`: the epoch (a number, 0 when
 * absent) compares first, then the upstream version, then the revision (the
 * part after the LAST hyphen, "" when none). Upstream and revision compare by
 * `verrevcmp`: alternately a run of non-digits, compared character by
 * character with letters before non-letters and `~` before everything, even
 * the end of the string (so `1.0~rc1` < `1.0`); then a run of digits,
 * compared as numbers (leading zeros ignored).
 */

interface Parsed {
  epoch: number;
  upstream: string;
  revision: string;
}

function parse(version: string): Parsed {
  const v = version.trim();
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0 ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) } : { epoch, upstream: rest, revision: '' };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** dpkg's `order`: the weight of one character of a non-digit run (undefined: the run's end). */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isLetter(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp` over one upstream version or revision: negative, 0 or positive. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/**
 * Compare two Debian versions: negative when `a` sorts before `b`, 0 when
 * they are equal for dpkg (`1.0` and `1.00`, `0:1.0` and `1.0`), positive
 * when `a` is newer. Meant for versions already checked by deb-package.ts.
 */
export function compareDebianVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (pa.epoch !== pb.epoch) return pa.epoch - pb.epoch;
  return Math.sign(verrevcmp(pa.upstream, pb.upstream)) || Math.sign(verrevcmp(pa.revision, pb.revision));
}
