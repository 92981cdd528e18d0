/**
 * Issue 6's "done means", end to end: a client holding only the public keys
 * (from /.well-known/artisan-nd/keys.json) obtains a trial, activates a code
 * an admin generated on /admin/activation-codes, validates online (signed
 * answers) and offline (the token alone, with tweetnacl), and sees the
 * revocation an admin makes on /admin/licenses/:id at its next validation;
 * offline, the grace period is the client's rule.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { machine, publishedKeys, verifyResponseSignature, verifyTokenOffline, type PublishedKey } from '../../helpers/licenses.js';

describe('issue 6 acceptance: a desktop client and an admin', function () {
  this.timeout(60000);
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => ctx.close());

  it('trial, activation, online and offline validation, then a revocation seen by the client', async () => {
    const api = request(ctx.app);
    // The client ships with nothing but the portal's address: it fetches the public keys.
    const keys: PublishedKey[] = await publishedKeys(ctx);
    const pc = machine();

    // 1. A 30-day trial of EasyFacture.
    const trial = await api.post('/api/v1/licenses/trial')
      .send({ machine_id: pc, email: 'gerant@boulangerie.fr', product: 'easyfacture', version: '3.2.0' })
      .expect(201);
    expect(trial.body).to.include({ success: true, license_type: 'trial', days_remaining: 30 });
    expect(verifyTokenOffline(trial.body.license_key, keys)).to.include({ typ: 'license', product: 'easyfacture', machine_id: pc, license_type: 'trial' });

    // 2. The admin generates a batch of annual codes; the customer buys one.
    await createAccount(ctx, 'ventes@artisan-nd.test', 'admin');
    const admin = await loginAgent(ctx, 'ventes@artisan-nd.test');
    const generated = await admin.post('/admin/activation-codes').type('form')
      .send({
        _csrf: await csrfOf(admin, '/admin/activation-codes'), product: 'easyfacture', type: 'annual', duration_days: '',
        count: '3', note: 'Salon 2026',
      });
    expect(generated.status, generated.text.slice(0, 300)).to.equal(303);
    const csv = await admin.get(`${String(generated.headers.location)}?format=csv&sep=comma`).expect(200);
    const code = /^([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}),/m.exec(csv.text)?.[1];
    expect(code, csv.text).to.be.a('string');

    const activated = await api.post('/api/v1/licenses/activate')
      .send({ machine_id: pc, activation_code: code!.toLowerCase(), email: 'gerant@boulangerie.fr' })
      .expect(200);
    expect(activated.body).to.include({ success: true, license_type: 'annual', days_remaining: 365 });
    const key: string = activated.body.license_key;
    const offline = verifyTokenOffline(key, keys);
    expect(offline).to.include({ license_type: 'annual', machine_id: pc, email: 'gerant@boulangerie.fr' });
    expect(Date.parse(String(offline.expires_at))).to.be.above(ctx.clock.now().getTime());
    // The code is single use.
    const again = await api.post('/api/v1/licenses/activate').send({ machine_id: machine(), activation_code: code, email: 'x@example.fr' }).expect(404);
    expect(again.body.error).to.equal('INVALID_ACTIVATION_CODE');

    // 3. Online validation: a signed answer the client checks with the same public keys.
    const valid = await api.post('/api/v1/licenses/validate').send({ machine_id: pc, license_key: key }).expect(200);
    expect(valid.body).to.include({ success: true, valid: true, license_type: 'annual', is_active: true, customer_email: 'gerant@boulangerie.fr' });
    verifyResponseSignature(valid, keys);

    // 4. The admin finds the license and revokes it, with a reason and a confirmation.
    const list = await admin.get('/admin/licenses?q=gerant%40boulangerie.fr&type=annual').expect(200);
    const id = new RegExp('href="/admin/licenses/(\\d+)"').exec(list.text)?.[1];
    expect(id, 'the license is listed').to.be.a('string');
    const page = `/admin/licenses/${id}`;
    const csrf = await csrfOf(admin, page);
    const ask = await admin.post(`${page}/revoke`).type('form').send({ _csrf: csrf, reason: 'Remboursé' }).expect(200);
    expect(ask.text).to.contain('name="confirm" value="yes"');
    await admin.post(`${page}/revoke`).type('form').send({ _csrf: csrf, reason: 'Remboursé', confirm: 'yes' }).expect(303);

    // 5. The client's next validation sees it (signed, too); the token alone still verifies offline,
    //    which is why clients validate online whenever they can.
    const revoked = await api.post('/api/v1/licenses/validate').send({ machine_id: pc, license_key: key }).expect(200);
    expect(revoked.body).to.include({ success: true, valid: false, error: 'LICENSE_REVOKED' });
    verifyResponseSignature(revoked, keys);
    expect(() => verifyTokenOffline(key, keys)).not.to.throw();
    const audit = await ctx.db('audit_log').where({ action: 'license.revoked' }).first();
    expect(audit.actor_email).to.equal('ventes@artisan-nd.test');
  });
});
