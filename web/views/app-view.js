// app-view.js: finds the page's containers, creates the view modules in them,
// and offers main.js the few whole-page operations it needs (redraw the forms,
// place validation messages, refresh the run lists).
import { $, h, replace } from './dom.js';
import { DataView } from './data-view.js';
import { PresetsView, PlanView } from './plan-view.js';
import { ModelView } from './model-view.js';
import { TrainingView } from './training-view.js';
import { StatusView } from './status-view.js';
import { ChartsView } from './charts-view.js';
import { TableView } from './table-view.js';
import { InspectView } from './inspect-view.js';
import { HealthView } from './health-view.js';
import { LrFinderView } from './lr-finder-view.js';
import { SliceView } from './slice-view.js';
import { ShareView, MessagesView } from './share-view.js';
import { placeErrors } from './errors-view.js';
import { ResumeView } from './resume-view.js';
import { SweepView } from './sweep-view.js';

export function createViews(actions) {
  const controls = $('.controls');
  const views = {
    messages: new MessagesView($('#messages')),
    data: new DataView($('#data-view'), actions),
    presets: new PresetsView($('#presets-view'), actions),
    plan: new PlanView($('#plan-view'), actions),
    model: new ModelView($('#model-view'), actions),
    training: new TrainingView($('#training-view'), actions),
    status: new StatusView({ badge: $('#engine-badge'), notice: $('#isolation-notice'), controls: $('#train-controls') }, actions),
    charts: new ChartsView($('#charts')),
    health: new HealthView($('#health-view')),
    table: new TableView($('#table-view'), actions),
    slice: new SliceView($('#slice-view')),
    inspect: new InspectView($('#inspect-view'), { inspect: actions.inspectCall, classNames: actions.classNames, mcDropout: actions.mcDropout }),
    lrFinder: new LrFinderView($('#lr-finder-view'), actions),
    share: new ShareView($('#share-view'), actions),
    resume: new ResumeView($('#resume-offer'), actions),
    sweep: new SweepView($('#sweep-view'), actions),
  };
  const problemsBox = $('#form-problems');
  // The skip link moves focus itself: following its #fragment would replace the
  // address's hash, which holds the plan (and a plan-less hash means the default one).
  const skip = $('.skip-link');
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    $(skip.getAttribute('href')).focus();
  });

  views.renderForms = (state, session) => {
    const run = state.plan.runs[state.plan.selected];
    const datasets = session?.datasets ?? new Map();
    const info = datasets.get(run.config.data?.dataset);
    const features = info?.splits?.train?.features ?? { 'fashion-mnist': 784, cifar10: 3072 }[run.config.data?.dataset] ?? 784;
    views.plan.render(state.plan, { datasets });
    views.lrFinder.setRun(run.config.name);
    views.model.render(run.config, { features });
    views.training.render(run.config, { plan: state.plan, datasets });
  };
  views.showErrors = (errors) => placeErrors(controls, errors);
  views.showProblems = (unplaced, otherRuns) => {
    replace(problemsBox,
      unplaced.map((e) => h('span.problem', `${e.path}: ${e.message}`)),
      otherRuns.length ? h('span.problem', `Also fix: ${otherRuns.join(', ')} (select the run above).`) : null);
  };
  views.plan.updateProblems = (problems) => {
    const chips = $('#plan-view').querySelectorAll('.run-chip');
    chips.forEach((chip, i) => {
      chip.querySelector('.badge')?.remove();
      if (problems[i]) chip.append(h('span.badge.err', { title: 'problems in this run' }, `${problems[i]} ⚠`));
    });
  };
  views.runsChanged = (session) => {
    views.charts.sync(session.runs);
    views.health.sync(session.runs);
    // Analysis runs (experiments 1 and 2) train nothing: no curves, their result is per layer.
    const shown = session.runs.filter((r) => r.visible);
    $('#charts').hidden = shown.length > 0 && shown.every((r) => r.config?.analysis);
    views.table.render(session.runs, null);
    views.slice.sync(session.runs);
    views.inspect.setRuns(session.runs);
  };
  views.reveal = (id) => {
    const el = document.getElementById(id);
    if (!el) return;
    el.open = true;
    // Scroll only the panel that holds it, never the whole page from under the user.
    const panel = el.closest('.controls');
    if (panel && panel.scrollHeight > panel.clientHeight && getComputedStyle(panel).overflowY !== 'visible') {
      const offset = el.getBoundingClientRect().top - panel.getBoundingClientRect().top;
      if (offset < 0 || offset > panel.clientHeight - 80) panel.scrollBy({ top: offset - 8, behavior: 'smooth' });
    } else if (!panel) el.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  };
  views.setReady = (what) => { document.documentElement.dataset.ready = what; };
  return views;
}
