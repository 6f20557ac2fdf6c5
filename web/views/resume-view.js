// resume-view.js: the offer to finish a plan that a reload or a closed tab
// interrupted: the run in progress goes on from its last checkpoint (the end
// of its last finished epoch) and ends as it would have; the queued runs follow.
import { h, replace } from './dom.js';

export class ResumeView {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    root.hidden = true;
  }

  // pending: session.interrupted ({records, current, epoch}) or null.
  show(pending) {
    this.root.hidden = !pending;
    if (!pending) return replace(this.root);
    const { current, records, epoch } = pending;
    const queued = records.filter((r) => r.status === 'queued').length;
    const parts = [];
    if (current) {
      const epochs = current.config.fit?.epochs ?? 1;
      parts.push(epoch ? `"${current.label}" had finished epoch ${epoch} of ${epochs}` : `"${current.label}" was in its first epoch`);
    }
    if (queued) parts.push(`${queued} queued run${queued > 1 ? 's' : ''} had not started`);
    replace(this.root,
      h('p.notice-text', h('strong', 'Training was interrupted (the page was reloaded or closed). '),
        `${parts.join('; ')}. Resume finishes the plan with exactly the results it would have had${epoch ? `, going on from the end of epoch ${epoch}` : ''}.`),
      h('div.buttons',
        h('button.primary', { type: 'button', dataset: { action: 'resume-plan' }, onclick: () => this.actions.resumeInterrupted() }, '▶ Resume'),
        h('button.secondary', { type: 'button', dataset: { action: 'discard-plan' }, onclick: () => this.actions.discardInterrupted() }, 'Discard')));
  }
}
