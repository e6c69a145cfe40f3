/** Time-series charts with uPlot (small, fast, canvas), sized to their container. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';

export interface Series {
  label: string;
  values: (number | null)[];
}

const COLOURS = ['#3858e9', '#e07b00', '#1e8a5a', '#b03a8c'];

/**
 * A line chart of `series` over `days` (YYYY-MM-DD). The figure's label states what it shows,
 * and a table of the same numbers follows it for screen readers and for copying.
 */
export function lineChart(title: string, days: string[], series: Series[]): HTMLElement {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': title });
  const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const draw = () => {
    box.replaceChildren();
    const width = Math.max(240, box.clientWidth);
    new uPlot(
      {
        width,
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        axes: [
          {
            stroke: 'currentColor',
            grid: { stroke: '#8884' },
            // Whole days only: the points are days (or weeks, months), never hours.
            incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 91 * 86_400],
            values: (_u, splits) =>
              splits.map((s) => new Date(s * 1000).toISOString().slice(5, 10)),
          },
          { stroke: 'currentColor', grid: { stroke: '#8884' }, size: 56 },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length] as string,
            width: 2,
            points: { show: days.length < 40 },
          })),
        ],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      box,
    );
  };
  // Drawn once the box is in the page and has a width; redrawn when that width changes.
  let last = -1;
  new ResizeObserver(() => {
    if (box.clientWidth !== last && box.isConnected) {
      last = box.clientWidth;
      draw();
    }
  }).observe(box);
  return box;
}
