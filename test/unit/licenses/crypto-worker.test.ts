import crypto from 'node:crypto';
import { expect } from 'chai';
import nacl from 'tweetnacl';
import { signingKey } from '../../../src/crypto/index.js';
import { CryptoWorker } from '../../../src/licenses/crypto-worker.js';
import { waitFor } from '../../helpers/wait.js';

describe('licenses: CryptoWorker', () => {
  const signer = signingKey(Buffer.alloc(32, 9));
  const other = signingKey(Buffer.alloc(32, 10));
  let worker: CryptoWorker;
  beforeEach(() => { worker = new CryptoWorker(); });
  afterEach(async () => { await worker.close(); });

  it('signs exactly as tweetnacl and verifies, many jobs in one turn, two keys', async () => {
    const messages = Array.from({ length: 40 }, (_, i) => crypto.randomBytes(50 + i));
    const sigs = await Promise.all(messages.map((m, i) => worker.sign(i % 2 ? other : signer, m)));
    messages.forEach((m, i) => {
      const expected = Buffer.from(nacl.sign.detached(
        new Uint8Array(m), nacl.sign.keyPair.fromSeed(new Uint8Array(Buffer.alloc(32, i % 2 ? 10 : 9))).secretKey,
      ));
      expect(sigs[i]!.equals(expected), `signature ${i}`).to.equal(true);
    });
    const checks = await Promise.all(messages.map((m, i) => worker.verify((i % 2 ? other : signer).publicKey, m, sigs[i]!)));
    expect(checks.every(Boolean)).to.equal(true);
    expect(worker.onThread, 'the jobs ran on the worker thread (crypto-thread.ts), not on the fallback').to.equal(true);
    const wrongKey = await worker.verify(other.publicKey, messages[0]!, sigs[0]!);
    const tampered = Buffer.from(messages[0]!);
    tampered[0]! ^= 1;
    expect([wrongKey, await worker.verify(signer.publicKey, tampered, sigs[0]!)]).to.deep.equal([false, false]);
    expect(await worker.verify(signer.publicKey.subarray(1), messages[0]!, sigs[0]!), 'malformed key').to.equal(false);
    expect(await worker.verify(signer.publicKey, messages[0]!, sigs[0]!.subarray(1)), 'malformed signature').to.equal(false);
  });

  it('finishes pending and later jobs on the main thread once the worker is gone, with the same answers', async () => {
    const m = Buffer.from('after the worker');
    const pending = worker.sign(signer, m);
    await worker.close();
    const [a, b] = [await pending, await worker.sign(signer, m)];
    expect(a.equals(signer.sign(m))).to.equal(true);
    expect(b.equals(signer.sign(m))).to.equal(true);
    expect(await worker.verify(signer.publicKey, m, a)).to.equal(true);
    expect(await worker.verify(signer.publicKey, Buffer.from('other'), a)).to.equal(false);
  });

  it('stops the thread after its idle time and starts it again, with every key, for the next jobs', async function () {
    this.timeout(20000);
    const failures: Error[] = [];
    const quick = new CryptoWorker((err) => failures.push(err), 0.2);
    try {
      const m = Buffer.from('before the pause');
      const first = await quick.sign(signer, m);
      expect(quick.onThread).to.equal(true);
      await waitFor(() => !quick.onThread || null, { what: 'the idle thread stopped' });
      // The keys known before the stop are sent to the new thread: signatures and verifications are the same.
      const [again, verified, second] = await Promise.all([quick.sign(signer, m), quick.verify(signer.publicKey, m, first), quick.sign(other, m)]);
      expect(quick.onThread, 'a new thread took the jobs').to.equal(true);
      expect([again.equals(first), verified, second.equals(other.sign(m))]).to.deep.equal([true, true, true]);
      expect(failures, 'an idle stop is not a failure').to.deep.equal([]);
    } finally {
      await quick.close();
    }
  });
});
