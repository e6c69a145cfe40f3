/** Experiments: per experiment the verdict, the sample-ratio check, and each variant's lift with its interval. */
import type { ExperimentResult, VariantResult } from '../../lambdas/admin/reports/product/types.ts';
import { h } from '../dom.ts';
import { fmt, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { dataTable, figure, figures, filterForm } from '../widgets.ts';

const VERDICT = { ship: 'Ship', stop: 'Stop', keep_running: 'Keep running' } as const;

const signed = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${pct(Math.abs(n))}`;
const pValue = (p: number | null) => (p === null ? '–' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));

/**
 * The lift and its interval as a bar on an axis shared by the experiment's variants (zero marked),
 * with the same figures as text beside it.
 */
function intervalBar(v: VariantResult, span: number): HTMLElement {
  const c = v.comparison;
  if (v.control) return h('span', { class: 'muted' }, 'control');
  if (!c || c.lift === null) return h('span', { class: 'muted' }, 'not enough data');
  const at = (x: number) => `${(((x + span) / (2 * span)) * 100).toFixed(2)}%`;
  const [lo, hi] = c.liftInterval ?? [c.lift, c.lift];
  const tone = c.significant ? (c.lift > 0 ? 'good' : 'bad') : 'neutral';
  return h(
    'div',
    { class: 'interval' },
    h(
      'div',
      { class: 'interval-axis', 'aria-hidden': 'true' },
      h('span', { class: 'interval-zero', style: `left:${at(0)}` }),
      h('span', {
        class: `interval-bar tone-${tone}`,
        style: `left:${at(lo)};width:calc(${at(hi)} - ${at(lo)})`,
      }),
      h('span', { class: `interval-point tone-${tone}`, style: `left:${at(c.lift)}` }),
    ),
    h('span', { class: 'interval-text' }, `${signed(c.lift)} (${signed(lo)} to ${signed(hi)})`),
  );
}

function experimentSection(e: ExperimentResult): HTMLElement {
  const span = Math.max(
    0.05,
    ...e.variants.flatMap((v) => (v.comparison?.liftInterval ?? []).map(Math.abs)),
  );
  const goal = 'event' in e.goal ? `converts: ${e.goal.event}` : `per user: ${e.goal.metric}`;
  const rec = e.recommendation;
  const srm = e.sampleRatio;
  return h(
    'section',
    { class: 'panel experiment', 'data-experiment': e.id, 'aria-labelledby': `x-${e.id}` },
    h('h2', { id: `x-${e.id}` }, e.name || e.id),
    h(
      'p',
      { class: 'muted' },
      `${e.status} · ${goal} · ${e.test} · α ${e.alpha}${e.sequential ? ' · sequential' : ''}`,
    ),
    h(
      'p',
      { class: `verdict verdict-${rec.action}`, 'data-verdict': rec.action },
      h('strong', {}, `${VERDICT[rec.action]}${rec.variant ? `: ${rec.variant}` : ''}`),
      ` — ${rec.reason}`,
    ),
    srm.mismatch
      ? h(
          'p',
          { class: 'srm error', role: 'alert', 'data-srm': 'mismatch' },
          `Sample ratio mismatch (χ² p = ${pValue(srm.pValue)}): the exposures do not follow the planned weights, so no figure can be trusted.`,
        )
      : h(
          'p',
          { class: 'srm muted', 'data-srm': 'ok' },
          `Sample ratio as planned (χ² p = ${pValue(srm.pValue)}).`,
        ),
    figures(
      'Users of the experiment',
      figure('exposed', 'Exposed users', fmt(e.exposedUsers)),
      figure('perVariant', 'Needed per variant', fmt(e.sampleSize.perVariant)),
      figure('mixed', 'Left out (mixed)', fmt(e.mixedUsers + e.unknownVariantUsers)),
    ),
    dataTable(
      `Variants of ${e.name || e.id}`,
      [
        { label: 'Variant', cell: (v) => v.name },
        { label: 'Users', cell: (v) => fmt(v.exposures), num: true },
        'event' in e.goal
          ? { label: 'Conversions', cell: (v) => fmt(v.conversions), num: true }
          : { label: 'Mean', cell: (v) => fmt(v.mean), num: true },
        ...('event' in e.goal
          ? [{ label: 'Rate', cell: (v: VariantResult) => pct(v.rate), num: true }]
          : []),
        { label: 'Lift (interval)', cell: (v) => intervalBar(v, span) },
        { label: 'p-value', cell: (v) => pValue(v.comparison?.pValue ?? null), num: true },
        { label: 'Chance to beat control', cell: (v) => pct(v.chanceToBeatControl), num: true },
      ],
      e.variants,
      'No variant',
    ),
  );
}

export const experimentsPage: PageDef = {
  id: 'experiments',
  title: 'Experiments',
  group: 'Product',
  ranged: false,
  render: async ({ api, view, signal, exportAs }) => {
    const params = new URLSearchParams();
    if (view.project) params.set('project', view.project);
    const status = view.params.get('status');
    if (status) params.set('status', status);
    const body = await api.get<{ experiments: ExperimentResult[] }>(
      'experiment-results',
      params,
      signal,
    );
    exportAs('experiment-results', params);
    return h(
      'div',
      {},
      filterForm(view, [
        {
          name: 'status',
          label: 'Status',
          type: 'select',
          options: [
            ['', 'any'],
            ['running', 'running'],
            ['stopped', 'stopped'],
            ['scheduled', 'scheduled'],
          ],
        },
      ]),
      ...(body.experiments.length
        ? body.experiments.map(experimentSection)
        : [
            section(
              'No experiment',
              h(
                'p',
                { class: 'muted' },
                'Declare one with POST …/experiments (docs/api-product-analytics.md).',
              ),
            ),
          ]),
    );
  },
};
