/**
 * Funnels: the standard and declared funnels (declare or delete one here), and one funnel's steps
 * with entered, completed, completion and drop-off rates, bars of how many reach each step, and
 * the median / p90 time to convert.
 */
import type { InferOutput } from 'valibot';
import type {
  FunnelResponse,
  FunnelStep,
  funnelsResponse,
} from '../../lambdas/admin/reports/product/types.ts';
import type { Api } from '../api.ts';
import { h } from '../dom.ts';
import { duration, fmt, pct } from '../format.ts';
import { type PageContext, type PageDef, section } from '../page.ts';
import { apiParams, navigate } from '../view.ts';
import { dataTable, figure, figures, viewLink } from '../widgets.ts';

type FunnelsBody = InferOutput<typeof funnelsResponse>;
type Listed = FunnelsBody['funnels'][number];

const seconds = (s: number | null | undefined) =>
  duration(s === null || s === undefined ? s : s * 1000);

/** The share of the funnel's users who reach each step, as a bar (the figures are text beside it). */
function stepBar(s: FunnelStep): HTMLElement {
  const share = s.conversionRate ?? 0;
  return h(
    'div',
    { class: 'bar' },
    h(
      'span',
      { class: 'bar-track', 'aria-hidden': 'true' },
      h('span', { class: 'bar-fill', style: `width:${(share * 100).toFixed(2)}%` }),
    ),
    h('span', { class: 'bar-text' }, pct(s.conversionRate)),
  );
}

async function funnelPage({ api, view, signal, exportAs }: PageContext, name: string) {
  const path = `funnels/${encodeURIComponent(name)}`;
  const params = apiParams(view);
  const f = await api.get<FunnelResponse>(path, params, signal);
  exportAs(path, params);
  return h(
    'div',
    { 'data-funnel': f.name },
    h('p', {}, viewLink('funnels', {}, '← All funnels')),
    h('h2', { class: 'subject' }, f.name),
    h(
      'p',
      { class: 'muted' },
      `${f.steps.map((s) => s.event).join(' → ')} · within ${seconds(f.windowSeconds)}${f.standard ? ' · standard' : ''}`,
    ),
    figures(
      'The funnel in the range',
      figure('users', 'Entered', fmt(f.users)),
      figure('converted', 'Converted', fmt(f.converted)),
      figure('conversionRate', 'Conversion', pct(f.conversionRate)),
      figure('median', 'Median time to convert', seconds(f.timeToConvert.median)),
      figure('p90', 'p90 time to convert', seconds(f.timeToConvert.p90)),
    ),
    section(
      'Steps',
      dataTable(
        `Steps of ${f.name}`,
        [
          { label: 'Step', cell: (s) => s.step, num: true },
          { label: 'Event', cell: (s) => h('code', {}, s.event) },
          { label: 'Entered', cell: (s) => fmt(s.entered), num: true },
          { label: 'Completed', cell: (s) => fmt(s.completed), num: true },
          { label: 'Completion', cell: (s) => pct(s.completionRate), num: true },
          { label: 'Drop-off', cell: (s) => pct(s.dropOffRate), num: true },
          { label: 'Of all entered', cell: stepBar },
          { label: 'Median time', cell: (s) => seconds(s.timeToConvert?.median), num: true },
          { label: 'p90 time', cell: (s) => seconds(s.timeToConvert?.p90), num: true },
        ],
        f.steps,
        'No step',
      ),
    ),
  );
}

/** The form that declares a funnel: a name, its steps (one event a line) and the window. */
function createForm(api: Api, params: URLSearchParams): HTMLElement {
  const problem = h('p', { class: 'error', role: 'alert' });
  const name = h('input', { id: 'funnel-name', name: 'name', required: true, maxlength: 64 });
  const steps = h('textarea', { id: 'funnel-steps', name: 'steps', rows: 3, required: true });
  const hours = h('input', {
    id: 'funnel-hours',
    name: 'hours',
    type: 'number',
    min: 1,
    max: 2160,
    value: 168,
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'filters',
      id: 'create-funnel',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        problem.textContent = '';
        const events = steps.value
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean);
        try {
          await api.send('POST', 'funnels', params, {
            name: name.value.trim(),
            steps: events.map((event) => ({ event })),
            windowSeconds: Math.round(Number(hours.value) * 3600),
          });
          navigate({ params: new URLSearchParams({ funnel: name.value.trim() }) });
        } catch (error) {
          problem.textContent = `Could not save the funnel: ${(error as Error).message}`;
        }
      },
    },
    h('label', { for: 'funnel-name' }, 'Name', name),
    h('label', { for: 'funnel-steps' }, 'Steps (one event a line)', steps),
    h('label', { for: 'funnel-hours' }, 'Window (hours)', hours),
    h('button', { type: 'submit' }, 'Save funnel'),
  );
  return h('div', {}, form, problem);
}

async function listPage(ctx: PageContext) {
  const { api, view, signal, exportAs } = ctx;
  const params = new URLSearchParams();
  if (view.project) params.set('project', view.project);
  const body = await api.get<FunnelsBody>('funnels', params, signal);
  exportAs('funnels', params);
  const problem = h('p', { class: 'error', role: 'alert' });
  const remove = (f: Listed) =>
    f.standard
      ? h('span', { class: 'muted' }, 'standard')
      : h(
          'button',
          {
            type: 'button',
            'data-delete': f.name,
            'aria-label': `Delete the funnel ${f.name}`,
            onclick: async () => {
              if (!confirm(`Delete the funnel ${f.name}?`)) return;
              try {
                await api.send('DELETE', `funnels/${encodeURIComponent(f.name)}`, params);
                navigate({}, { replace: true });
              } catch (error) {
                problem.textContent = `Could not delete the funnel: ${(error as Error).message}`;
              }
            },
          },
          'Delete',
        );
  return h(
    'div',
    {},
    section(
      'Funnels of this project',
      dataTable(
        'Funnels',
        [
          {
            label: 'Funnel',
            cell: (f) => viewLink('funnels', { funnel: f.name }, f.name),
            sort: (f) => f.name,
          },
          { label: 'Steps', cell: (f) => f.steps.map((s) => s.event).join(' → ') },
          {
            label: 'Window',
            cell: (f) => seconds(f.windowSeconds),
            num: true,
            sort: (f) => f.windowSeconds,
          },
          { label: 'Kind', cell: remove },
        ],
        body.funnels,
        'No funnel',
      ),
      problem,
    ),
    section('Declare a funnel', createForm(api, params)),
  );
}

export const funnelsPage: PageDef = {
  id: 'funnels',
  title: 'Funnels',
  group: 'Product',
  render: (ctx) => {
    const name = ctx.view.params.get('funnel');
    return name ? funnelPage(ctx, name) : listPage(ctx);
  },
};
