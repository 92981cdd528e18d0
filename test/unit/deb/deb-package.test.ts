/** The .deb check: real packages built by dpkg-deb, and fakes it refuses. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { debFilename, DebError, parseControl, productOf, readDebInfo, type DebErrorCode } from '../../../src/downloads/deb-package.js';
import { arArchive, buildDeb, controlText, fakeDeb, tarGz } from '../../helpers/deb.js';

/** Whether a command is on PATH (xz and zstd decompress control archives; zstd is not on every machine). */
function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('deb package check (readDebInfo)', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-unit-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const write = (bytes: Buffer): string => {
    const file = path.join(dir, `f${(n += 1)}.deb`);
    fs.writeFileSync(file, bytes);
    return file;
  };
  async function refusal(bytes: Buffer): Promise<DebErrorCode> {
    try {
      await readDebInfo(write(bytes));
    } catch (err) {
      expect(err).to.be.instanceOf(DebError);
      return (err as DebError).code;
    }
    throw new Error('accepted');
  }

  for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
    it(`reads Package, Version and Architecture of a package built by dpkg-deb -Z${compression}`, async function () {
      if ((compression === 'xz' || compression === 'zstd') && !has(compression)) this.skip();
      const info = await readDebInfo(write(buildDeb({ package: 'artisan-nd', version: '1:0.3.0-2', architecture: 'amd64', compression })));
      expect(info).to.deep.equal({ package: 'artisan-nd', version: '1:0.3.0-2', architecture: 'amd64' });
      expect(debFilename(info)).to.equal('artisan-nd_0.3.0-2_amd64.deb');
    });
  }

  it('reads the demo package shipped in files/downloads (control.tar.xz)', async function () {
    if (!has('xz')) this.skip();
    const info = await readDebInfo(path.resolve(import.meta.dirname, '../../../files/downloads/artisan-nd_0.1.0_all.deb'));
    expect(info).to.deep.equal({ package: 'artisan-nd', version: '0.1.0', architecture: 'all' });
  });

  it('refuses a file that is not an ar archive', async () => {
    expect(await refusal(Buffer.from('%PDF-1.7 not a package'))).to.equal('not_ar');
    expect(await refusal(Buffer.alloc(0))).to.equal('not_ar');
  });

  it('refuses an ar archive whose first member is not debian-binary', async () => {
    expect(await refusal(arArchive([
      { name: 'control.tar.gz', data: await tarGz({ control: controlText('a-b', '1') }) },
      { name: 'debian-binary', data: Buffer.from('2.0\n') },
    ]))).to.equal('no_debian_binary');
    expect(await refusal(arArchive([{ name: 'debian-binary', data: Buffer.from('3.0\n') }]))).to.equal('bad_debian_binary');
  });

  it('refuses a package cut short, wherever the cut is', async () => {
    const deb = buildDeb({ payloadBytes: 4000 });
    // deb.length - 2: the last byte alone may be the ar padding of an odd-sized member.
    for (const cut of [10, 70, 200, deb.length - 2]) expect(await refusal(deb.subarray(0, cut)), `cut at ${cut}`).to.equal('truncated');
  });

  it('refuses a package without control file, without data, or with a damaged control archive', async () => {
    const debianBinary = { name: 'debian-binary', data: Buffer.from('2.0\n') };
    const data = { name: 'data.tar.gz', data: await tarGz({ x: 'x' }) };
    expect(await refusal(arArchive([debianBinary, data]))).to.equal('no_control');
    expect(await refusal(arArchive([debianBinary, { name: 'control.tar.gz', data: await tarGz({ './md5sums': '' }) }, data]))).to.equal('no_control');
    expect(await refusal(arArchive([debianBinary, { name: 'control.tar.gz', data: await tarGz({ control: controlText('a-b', '1') }) }]))).to.equal('no_data');
    expect(await refusal(arArchive([debianBinary, { name: 'control.tar.gz', data: Buffer.from('garbage!') }, data]))).to.equal('bad_control');
    if (has('xz')) expect(await refusal(arArchive([debianBinary, { name: 'control.tar.xz', data: Buffer.from('garbage!') }, data]))).to.equal('bad_control');
    expect(await refusal(arArchive([debianBinary, { name: 'control.tar.lz4', data: Buffer.from('x') }, data]))).to.equal('unsupported_compression');
  });

  it('refuses missing or hostile identity fields', async () => {
    expect(await refusal(await fakeDeb('Package: a-b\nArchitecture: all\n'))).to.equal('missing_field');
    for (const [pkg, version, arch, code] of [
      ['../x', '1.0', 'all', 'bad_package'], ['a/b', '1.0', 'all', 'bad_package'], ['Upper', '1.0', 'all', 'bad_package'], ['a_b', '1.0', 'all', 'bad_package'],
      ['ok', '../1', 'all', 'bad_version'], ['ok', '1.0/x', 'all', 'bad_version'], ['ok', 'v1', 'all', 'bad_version'], ['ok', '1:2:3', 'all', 'bad_version'],
      ['ok', '1.0', '../all', 'bad_architecture'], ['ok', '1.0', 'a b', 'bad_architecture'],
    ] as const) {
      expect(await refusal(await fakeDeb(controlText(pkg, version, arch))), `${pkg} ${version} ${arch}`).to.equal(code);
    }
    // A value continued on a second line (a newline in the value) is refused.
    expect(await refusal(await fakeDeb('Package: ok\n evil\nVersion: 1.0\nArchitecture: all\n'))).to.equal('bad_package');
  });

  it('parses deb822 fields case-insensitively with continuation lines', () => {
    const f = parseControl('package: x\nDescription: a\n b\n\nPackage: second\n');
    expect(f.get('package')).to.equal('x');
    expect(f.get('description')).to.equal('a\nb');
  });

  it('refuses a control file that repeats a field, as dpkg does (any case)', async () => {
    expect(await refusal(await fakeDeb('Package: artisan-nd\nVersion: 1.0\nArchitecture: all\nPackage: evil\n'))).to.equal('duplicate_field');
    expect(await refusal(await fakeDeb('Package: artisan-nd\nVersion: 1.0\nversion: 9.9\nArchitecture: all\n'))).to.equal('duplicate_field');
    expect(await refusal(await fakeDeb('Package: artisan-nd\nVersion: 1.0\nArchitecture: all\nDescription: a\nDescription: b\n'))).to.equal('duplicate_field');
  });

  it('maps package names to portal products', () => {
    expect(productOf('artisan-nd')).to.equal('artisan_nd');
    expect(productOf('easyfacture')).to.equal('easyfacture');
  });
});
