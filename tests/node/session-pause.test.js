// The page's Session (web/app/session.js) asks the worker to pause or resume and
// then marks its training; the run may end while the worker answers (found as a
// browser-test race: "Cannot set properties of null"). Pause and resume then do
// nothing, and a later run is not marked by an answer meant for an earlier one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../../web/app/session.js';

function session() {
  let answer;
  const calls = [];
  const client = { call: (command) => (calls.push(command), new Promise((resolve) => { answer = resolve; })) };
  const events = [];
  const s = new Session({ client, store: {}, bus: { emit: (name) => events.push(name) } });
  return { s, calls, events, answer: () => answer() };
}

for (const command of ['pause', 'resume']) {
  test(`${command} while the run ends: no error, nothing marked`, async () => {
    const { s, calls, events, answer } = session();
    s.training = { paused: command === 'resume' };
    const asked = s[command]();
    s.training = null; // the run ended while the worker answered
    answer();
    await asked; // threw "Cannot set properties of null" before
    assert.deepEqual(calls, [command]);
    assert.deepEqual(events, []);
  });

  test(`${command} answered after the next run started leaves that run alone`, async () => {
    const { s, answer } = session();
    s.training = { paused: command === 'resume' };
    const asked = s[command]();
    const next = { paused: false };
    s.training = next;
    answer();
    await asked;
    assert.equal(next.paused, false);
  });
}

test('pause marks the training it was asked for', async () => {
  const { s, events, answer } = session();
  s.training = { paused: false, index: 0, count: 1 };
  const asked = s.pause();
  answer();
  await asked;
  assert.equal(s.training.paused, true);
  assert.deepEqual(events, ['train:state']);
});
