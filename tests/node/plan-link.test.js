// plan-link.test.js: the share-link decoder of the page (web/app/state.js)
// under fuzzing. Whatever a link holds (mutated plans of every preset, random
// hashes, damaged base64), decodePlan never throws, always gives a plan the
// page can show (runs whose structure the forms are built on, a selected run
// that exists) and, when it cannot open the link, says why in words.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, importPageModule } from './helpers.js';
import { rng, mutate, toBase64Url } from './plan-mutations.js';

describe('share-link decoder', () => {
  let state;
  let PRESETS;
  before(async () => {
    console.warn = () => {}; // decodePlan logs each unreadable link for developers
    state = await importPageModule('app/state.js');
    ({ PRESETS } = await import(path.join(root, 'core/presets.js')));
  });

  // What the page needs of any decoded plan to show it.
  function assertShowable(hash, decoded) {
    const where = `hash ${hash.slice(0, 200)}`;
    assert.ok(decoded && typeof decoded === 'object', where);
    const { plan, error } = decoded;
    assert.ok(error === undefined || (typeof error === 'string' && error.length > 20), `${where}: error ${error}`);
    assert.ok(Array.isArray(plan.runs) && plan.runs.length > 0, where);
    assert.ok(Number.isInteger(plan.selected) && plan.selected >= 0 && plan.selected < plan.runs.length, `${where}: selected ${plan.selected}`);
    assert.equal(typeof plan.title, 'string', where);
    assert.ok(plan.preset === null || plan.preset === undefined || typeof plan.preset === 'string', where);
    plan.runs.forEach((run, i) => {
      assert.equal(typeof run.label, 'string', where);
      assert.equal(typeof run.id, 'string', where);
      assert.equal(state.configShapeProblem(run.config, `runs[${i}].config`), null, where);
    });
    assert.ok(state.selectedRun({ plan }), where);
    // What the page writes back into the URL opens the same plan.
    const again = state.decodePlan(`#${state.encodePlan(plan)}`);
    assert.equal(again.error, undefined, where);
    assert.deepEqual(again.plan.runs.map((r) => r.config), plan.runs.map((r) => r.config), where);
  }

  it('opens a link whose selected run does not exist on its first run (it used to stop the page)', () => {
    const plan = state.defaultPlan();
    for (const selected of [-1, 1, 1.5, '0', null, 1e300]) {
      const decoded = state.decodePlan(`#plan=${toBase64Url(JSON.stringify({ ...plan, selected }))}`);
      assertShowable(`selected ${selected}`, decoded);
      assert.equal(decoded.plan.selected, 0);
    }
  });

  it('says what is wrong with a link it cannot open, and opens the default plan', () => {
    const plan = state.defaultPlan();
    plan.runs[0].config.model[1] = 'dense';
    const decoded = state.decodePlan(`#plan=${toBase64Url(JSON.stringify(plan))}`);
    assert.match(decoded.error, /runs\[0\]\.config\.model\[1\] is not a layer/);
    assert.deepEqual(decoded.plan, state.defaultPlan());
    assert.match(state.decodePlan('#plan=%%%').error, /damaged/);
    assert.match(state.decodePlan('#preset=nope').error, /unknown preset "nope"/);
  });

  it('never throws and always yields a showable plan: 3000 mutated plans of every preset', () => {
    const r = rng(20261130);
    const bases = [state.defaultPlan(), ...PRESETS.map((p) => state.planFromPreset(p.id))];
    let rejected = 0;
    for (let n = 0; n < 3000; n++) {
      let plan = structuredClone(bases[n % bases.length]);
      const mutations = 1 + Math.floor(r() * 4);
      for (let m = 0; m < mutations; m++) plan = mutate(plan, r);
      const hash = `#plan=${toBase64Url(JSON.stringify(plan) ?? 'undefined')}`;
      let decoded;
      assert.doesNotThrow(() => { decoded = state.decodePlan(hash); }, `seed 20261130, case ${n}`);
      assertShowable(hash, decoded);
      if (decoded.error) rejected++;
    }
    // Most mutations change values, which the form shows with their problems.
    assert.ok(rejected < 2000, `${rejected} of 3000 links refused`);
  });

  it('never throws on random hashes', () => {
    const r = rng(7);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=&%#+/.~[]{}"\\ éあ\u0000';
    const prefixes = ['', '#', '#plan=', '#preset=', '#preset=exp04&run=', 'plan=', '#plan=eyJ'];
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(r() * 80);
      let s = prefixes[n % prefixes.length];
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)];
      assertShowable(s, state.decodePlan(s));
    }
    for (const json of ['null', '[]', '1', '"x"', '{}', '{"runs": {}}', '{"runs": [null]}', '{"runs": [{"config": []}]}', '{"__proto__": {"runs": 1}}'])
      assertShowable(json, state.decodePlan(`#plan=${toBase64Url(json)}`));
  });
});
