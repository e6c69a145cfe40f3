/**
 * A page of the dashboard: its id (the URL's `page=`), its place in the navigation, and how it
 * renders a view. Pages are listed once, in `pages/index.ts`; a new report's page is one more
 * entry there (the navigation groups pages by `group`).
 */
import type { Api } from './api.ts';
import type { View } from './view.ts';

export interface PageContext {
  api: Api;
  view: View;
  /** Aborted when the admin moves on before the page has loaded. */
  signal: AbortSignal;
  /** The report whose table the Export buttons download, with its parameters. */
  exportAs(report: string, params: URLSearchParams): void;
}

export interface PageDef {
  id: string;
  title: string;
  group: 'Analytics' | 'Product' | 'Settings';
  /** Whether the range picker applies to the page. @default true */
  ranged?: boolean;
  render(ctx: PageContext): Promise<Node>;
  /** Starts the page's first request at sign-in, beside the projects list (`Api.prefetch`). */
  prefetch?(api: Api, view: View): void;
}

/** A titled panel section. */
export function section(title: string, ...children: Node[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const el = document.createElement('section');
  el.className = 'panel';
  el.setAttribute('aria-labelledby', id);
  const h2 = document.createElement('h2');
  h2.id = id;
  h2.textContent = title;
  el.append(h2, ...children);
  return el;
}
